"""Graph misbehaving: throttled (whole requests and parts of a batch), slow, dropped, writes
that land after the client gave up — the push converges with no duplicate meeting or message."""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import pytest

from plancal.calendars.sync import desired, reconcile
from tests.helpers.graph import ORGANIZER, agenda_of, calendar_view, run_push
from tests.simulators.graph import Simulator

KEY = "String {5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11} Name plancal-key"


class Sleeps(list[float]):
    """Records the waits the push asks for instead of sleeping them (no timing in tests)."""

    def __call__(self, seconds: float) -> None:
        self.append(round(seconds, 3))


def messages_expected(schedule: Any) -> int:
    """One invitation per attendee, plus one per moved occurrence of its series (Graph)."""
    return sum(len(m.attendees) * (1 + len(m.moved)) for m in desired(schedule, ORGANIZER).values())


def assert_converged(sim: Simulator, schedule: Any) -> None:
    sim.fault, sim.part_fault = (lambda n, op: None), (lambda n, i, op: None)
    assert calendar_view(sim, schedule.plan.tz) == agenda_of(schedule)
    keys = [e.props.get(KEY) for e in sim.calendar(ORGANIZER)]
    assert len(keys) == len(set(keys)) == len(schedule.series)  # no duplicate meeting
    sent = Counter((s.attendee, s.item, s.kind, s.occurrence) for s in sim.sent)
    assert max(sent.values()) == 1, [k for k, v in sent.items() if v > 1]  # nothing twice
    assert {s.kind for s in sim.sent} == {"invitation"}
    assert len(sim.sent) == messages_expected(schedule)


def test_a_quiet_push_is_never_throttled(graph_sim: Simulator, seed_schedule: Any) -> None:
    """Four chains per batch: the push itself stays within Outlook's concurrency limit."""
    sleeps = Sleeps()
    run_push(seed_schedule, graph_sim, sleep=sleeps)
    assert sleeps == []
    assert_converged(graph_sim, seed_schedule)


def test_the_simulator_throttles_a_fifth_parallel_part(graph_sim: Simulator) -> None:
    """The limit is real: five independent GETs in one batch, the fifth gets 429."""
    import requests

    from tests.helpers.graph import _token

    parts: list[dict[str, Any]] = [
        {"id": str(i), "method": "GET", "url": f"/users/{ORGANIZER}/events?$top=1"}
        for i in range(1, 6)
    ]
    r = requests.post(
        f"{graph_sim.url}/$batch",
        json={"requests": parts},
        headers={"Authorization": f"Bearer {_token(graph_sim)}"},
        timeout=10,
    )
    statuses = sorted(p["status"] for p in r.json()["responses"])
    assert statuses == [200, 200, 200, 200, 429]


def test_retry_after_of_429_and_503_is_honoured(graph_sim: Simulator, seed_schedule: Any) -> None:
    graph_sim.retry_after = 7
    graph_sim.fault = lambda n, op: {3: "429", 5: "503"}.get(n)
    sleeps = Sleeps()
    run_push(seed_schedule, graph_sim, sleep=sleeps)
    assert sleeps == [7.0, 7.0]
    assert_converged(graph_sim, seed_schedule)


def test_throttled_parts_of_a_batch_are_sent_again_alone(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    graph_sim.retry_after = 3
    throttled: list[tuple[int, int]] = []

    def part_fault(n: int, i: int, op: str) -> str | None:
        if op == "POST events" and i % 3 == 1 and len(throttled) < 4:
            throttled.append((n, i))
            return "429"
        return None

    graph_sim.part_fault = part_fault
    sleeps = Sleeps()
    run_push(seed_schedule, graph_sim, sleep=sleeps)
    assert len(throttled) == 4 and set(sleeps) == {3.0}
    assert_converged(graph_sim, seed_schedule)


def test_a_write_whose_answer_is_lost_is_not_sent_again(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    lost: set[str] = set()

    def fault(n: int, op: str) -> str | None:
        if op == "$batch" and graph_sim.log[-1].write is not False and n > 1 and len(lost) < 2:
            lost.add(str(n))
            return "lost"
        return None

    graph_sim.fault = fault
    result = run_push(seed_schedule, graph_sim, sleep=Sleeps())
    assert lost and result.unsettled
    assert_converged(graph_sim, seed_schedule)


def test_a_create_that_lands_after_the_client_gave_up_is_not_made_twice(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    """The late create is not there when the push reads again; the retry carries the same
    transactionId, so Graph answers with the one event."""
    late: list[int] = []

    def fault(n: int, op: str) -> str | None:
        if op == "$batch" and not late and n > 1:
            late.append(n)
            return "late"
        return None

    graph_sim.fault = fault
    result = run_push(seed_schedule, graph_sim, sleep=Sleeps())
    assert late and result.unsettled
    assert_converged(graph_sim, seed_schedule)


def test_transaction_id_makes_one_event(graph_sim: Simulator, seed_schedule: Any) -> None:
    import requests

    from tests.helpers.graph import _token

    body: dict[str, Any] = {
        "subject": "Möte",
        "start": {"dateTime": "2022-11-08T09:00:00", "timeZone": "W. Europe Standard Time"},
        "end": {"dateTime": "2022-11-08T10:00:00", "timeZone": "W. Europe Standard Time"},
        "attendees": [{"emailAddress": {"address": "a@polisen.example"}, "type": "required"}],
        "transactionId": "7a1b",
    }
    headers = {"Authorization": f"Bearer {_token(graph_sim)}"}
    url = f"{graph_sim.url}/users/{ORGANIZER}/events"
    first = requests.post(url, json=body, headers=headers, timeout=10).json()
    again = requests.post(url, json=body, headers=headers, timeout=10).json()
    assert first["id"] == again["id"]
    assert len(graph_sim.calendar(ORGANIZER)) == 1 and len(graph_sim.sent) == 1


@pytest.mark.parametrize("seed", range(4))
def test_twenty_percent_of_requests_failing_still_converges(
    graph_sim: Simulator, seed_schedule: Any, seed: int
) -> None:
    rng = random.Random(seed)
    kinds = ["429", "503", "slow", "drop", "lost", "late"]
    graph_sim.slow_seconds = 0.6
    picked: list[str] = []
    offset = rng.randrange(5)

    def fault(n: int, op: str) -> str | None:  # every fifth request, of a random kind
        if (n + offset) % 5 == 0:
            picked.append(rng.choice(kinds))
            return picked[-1]
        return None

    def part_fault(n: int, i: int, op: str) -> str | None:
        return "429" if rng.random() < 0.05 else None

    graph_sim.fault = fault
    graph_sim.part_fault = part_fault
    run_push(seed_schedule, graph_sim, sleep=Sleeps(), timeout=0.4, batch=3)
    assert len(set(picked)) >= 3
    assert sum(1 for e in graph_sim.log if e.fault) * 5 >= len(graph_sim.log) - 4
    assert_converged(graph_sim, seed_schedule)


def test_the_transaction_id_survives_in_the_store_for_the_next_push(
    graph_sim: Simulator, seed_schedule: Any, tmp_path: Any
) -> None:
    """A push dies after sending its creates, which Graph carries out only later; the next
    push (a new process: nothing in memory) sends the same transactionIds from the store,
    so the late creates and the new ones are one event each."""
    from plancal.calendars.push import push
    from plancal.calendars.targets.graph import Unsettled
    from plancal.state.store import Store
    from tests.helpers.graph import target

    graph_sim.fault = lambda n, op: "late" if op == "$batch" else None
    with Store(str(tmp_path / "state.sqlite")) as store:
        first = target(seed_schedule, graph_sim, store)
        with pytest.raises(Unsettled):
            first.apply(reconcile(desired(seed_schedule, ORGANIZER), first.read()))
        recorded = {
            a[3:]
            for actions in first.interrupted().values()
            for a in actions
            if a.startswith("tx:")
        }
        assert len(recorded) == len(seed_schedule.series)
        graph_sim.fault = lambda n, op: None
        second = target(seed_schedule, graph_sim, store)  # a new process: only the store
        result = push(seed_schedule, second, unsettled=Unsettled)
        assert result.interrupted == len(seed_schedule.series)
    assert {e.transaction_id for e in graph_sim.calendar(ORGANIZER)} == recorded
    assert_converged(graph_sim, seed_schedule)
