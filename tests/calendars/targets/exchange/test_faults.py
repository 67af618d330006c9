"""Exchange misbehaving: busy, 503, slow answers, dropped connections — the push converges."""

from __future__ import annotations

import random
import time
from collections import Counter
from typing import Any

import pytest

from plancal.calendars.sync import desired, messages, reconcile
from tests.helpers.ews import ORGANIZER, agenda_of, occurrences_in, run_push
from tests.simulators.ews import Simulator


class Sleeps(list[float]):
    """Records the waits the push asks for instead of sleeping them (no timing in tests)."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def assert_converged(sim: Simulator, schedule: Any) -> None:
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)
    keys = [
        v
        for i in sim.calendar(ORGANIZER)
        for (_, n, _), v in i.extended.items()
        if n == "plancal-key"
    ]
    assert len(keys) == len(set(keys)) == len(schedule.series)  # no duplicate item
    sent = Counter((s.attendee, s.item, s.kind, s.occurrence) for s in sim.sent)
    assert max(sent.values()) == 1  # nothing sent twice
    # Exactly what a dry run into the empty calendar predicts, however often requests failed.
    predicted = messages(reconcile(desired(schedule, ORGANIZER), {}))
    invited = Counter(s.attendee for s in sim.sent if s.kind == "invitation")
    assert invited == predicted.invitations
    assert {s.kind for s in sim.sent} == {"invitation"}


def test_busy_back_off_milliseconds_are_honoured(sim: Simulator, seed_schedule: Any) -> None:
    sim.backoff_ms = 1750
    sim.fault = lambda n, op: "busy" if op in ("FindItem", "CreateItem") and n % 2 else None
    sleeps = Sleeps()
    run_push(seed_schedule, sim, sleep=sleeps)
    assert sleeps and set(sleeps) == {1.75}
    assert_converged(sim, seed_schedule)


def test_retry_after_of_a_503_is_honoured(sim: Simulator, seed_schedule: Any) -> None:
    sim.retry_after = 7
    busy = {4, 6}
    sim.fault = lambda n, op: "503" if n in busy else None
    sleeps = Sleeps()
    run_push(seed_schedule, sim, sleep=sleeps)
    assert sleeps == [7.0, 7.0]
    assert_converged(sim, seed_schedule)


def test_a_write_whose_answer_is_lost_is_not_sent_again(sim: Simulator, seed_schedule: Any) -> None:
    """The server carried the write out, the client never heard: reread, do not replay."""
    lost: set[str] = set()

    def fault(n: int, op: str) -> str | None:
        if op in ("CreateItem", "UpdateItem", "DeleteItem") and op not in lost:
            lost.add(op)
            return "lost"
        return None

    sim.fault = fault
    result = run_push(seed_schedule, sim, sleep=Sleeps())
    assert lost == {"CreateItem", "UpdateItem", "DeleteItem"}
    assert result.unsettled  # rounds ended early and were reconciled again
    assert_converged(sim, seed_schedule)


def test_answers_slower_than_the_timeout(sim: Simulator, seed_schedule: Any) -> None:
    """The write lands half a second after the client gave up: the next read does not see it
    yet, and the target must not create the same meetings again (two reads must agree)."""
    sim.slow_seconds = 1.5
    slow = {"CreateItem"}

    def fault(n: int, op: str) -> str | None:
        if op in slow:
            slow.discard(op)
            return "slow"
        return None

    sim.fault = fault
    result = run_push(seed_schedule, sim, sleep=time.sleep, timeout=1, settle=1.0)
    assert result.unsettled
    assert_converged(sim, seed_schedule)


@pytest.mark.parametrize("seed", range(6))
def test_twenty_percent_of_requests_failing_still_converges(
    sim: Simulator, seed_schedule: Any, seed: int
) -> None:
    rng = random.Random(seed)
    kinds = ["busy", "503", "slow", "drop", "lost"]
    sim.slow_seconds = 0.6
    picked: list[str] = []

    offset = rng.randrange(5)

    def fault(n: int, op: str) -> str | None:  # every fifth request, of a random kind
        if (n + offset) % 5 == 0:
            picked.append(rng.choice(kinds))
            return picked[-1]
        return None

    sim.fault = fault
    # A slow write lands 0.2 s after the client's 0.4 s timeout: the target must really wait
    # (settle) before it trusts that a write it never heard back from did not land.
    run_push(seed_schedule, sim, sleep=time.sleep, timeout=0.4, batch=3, settle=0.5)
    assert len(set(picked)) >= 3  # several kinds of fault did happen
    assert sum(1 for e in sim.log if e.fault) * 5 >= len(sim.log) - 4
    assert_converged(sim, seed_schedule)
