"""Exchange Online's sending limits, kept by the push: 30 messages a minute and 10,000
recipients a day for one mailbox (the simulator refuses a client that passes them with
ErrorSubmissionQuotaExceeded). Time passes only when the push sleeps: no test waits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plancal.calendars.sync import messages
from plancal.calendars.targets.exchange import ExchangeError
from plancal.state.store import Store
from tests.helpers.ews import agenda_of, occurrences_in, run_push
from tests.simulators.ews import Simulator


class Clock:
    """The push's clock and sleep, and the simulator's: a minute passes when one is slept."""

    def __init__(self, start: datetime):
        self.now = start
        self.slept: list[float] = []

    def __call__(self) -> datetime:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.slept.append(seconds)
        self.now += timedelta(seconds=seconds)


def busiest_minute(sim: Simulator) -> int:
    """The most meeting messages the mailbox sent in any minute."""
    times = [(when, message) for when, message, _ in sim.submitted]
    return max(
        (
            len({m for w, m in times if start <= w < start + timedelta(minutes=1)})
            for start, _ in times
        ),
        default=0,
    )


@pytest.fixture
def limited(sim: Simulator) -> tuple[Simulator, Clock]:
    clock = Clock(datetime(2022, 8, 15, 6, 0, tzinfo=UTC))
    sim.clock = clock
    return sim, clock


def test_a_push_paces_itself_to_thirty_messages_a_minute(
    limited: tuple[Simulator, Clock], seed_schedule: Any, tmp_path: Path
) -> None:
    sim, clock = limited
    sim.sending_limits = (30, 10_000)
    store = Store(str(tmp_path / "state.sqlite"))
    limits: dict[str, Any] = {"messages_per_minute": 30, "recipients_per_day": 10_000}
    dry = run_push(seed_schedule, sim, store, dry_run=True, **limits)
    predicted = messages(dry.changes, clock(), apart=True)
    assert predicted.sent > 30  # more than a minute's worth
    run_push(seed_schedule, sim, store, sleep=clock.sleep, clock=clock, **limits)
    assert busiest_minute(sim) <= 30
    assert sum(clock.slept) >= 60  # it waited for the next minute at least once
    # Everyone heard exactly what the dry run said, once: nothing was refused and sent again.
    heard = Counter(s.attendee for s in sim.sent)
    assert dict(heard) == dict(predicted.invitations)
    assert occurrences_in(sim, seed_schedule.plan.tz) == agenda_of(seed_schedule)


def test_a_push_stops_before_the_days_recipients_and_the_next_day_finishes(
    limited: tuple[Simulator, Clock], seed_schedule: Any, tmp_path: Path
) -> None:
    sim, clock = limited
    sim.sending_limits = (30, 60)
    store = Store(str(tmp_path / "state.sqlite"))
    limits: dict[str, Any] = {"messages_per_minute": 30, "recipients_per_day": 60}
    dry = run_push(seed_schedule, sim, store, dry_run=True, **limits)
    predicted = messages(dry.changes, clock(), apart=True)
    assert predicted.total() > 60
    with pytest.raises(ExchangeError) as stopped:
        run_push(seed_schedule, sim, store, sleep=clock.sleep, clock=clock, **limits)
    assert "60 recipients a day" in stopped.value.render("en")
    assert "60 mottagare per dygn" in stopped.value.render("sv")
    assert "run the push again after 2022-08-16" in stopped.value.render("en")
    first = len(sim.sent)
    assert 0 < first <= 60
    # The same day, a new run remembers what was sent (the push ledger) and sends nothing.
    with pytest.raises(ExchangeError):
        run_push(seed_schedule, sim, store, sleep=clock.sleep, clock=clock, **limits)
    assert len(sim.sent) == first
    # A day later it continues where it stopped: reconciled, nobody invited twice.
    clock.now += timedelta(days=1)
    run_push(seed_schedule, sim, store, sleep=clock.sleep, clock=clock, **limits)
    heard = Counter(s.attendee for s in sim.sent)
    assert dict(heard) == dict(predicted.invitations)
    assert Counter((s.attendee, s.item, s.occurrence) for s in sim.sent).most_common(1)[0][1] == 1
    assert occurrences_in(sim, seed_schedule.plan.tz) == agenda_of(seed_schedule)
    assert run_push(seed_schedule, sim, store, clock=clock, **limits).changes == []


def test_the_simulator_refuses_a_client_past_the_limit(
    limited: tuple[Simulator, Clock], seed_schedule: Any
) -> None:
    """Without pacing (the limits unknown to the push), Exchange refuses what passes them."""
    sim, clock = limited
    sim.sending_limits = (30, 10_000)
    total = messages(run_push(seed_schedule, sim, dry_run=True).changes, clock(), apart=True).sent
    with pytest.raises(ExchangeError) as stopped:
        run_push(seed_schedule, sim, sleep=lambda s: None, clock=clock, max_wait=1)
    assert "ErrorSubmissionQuotaExceeded" in stopped.value.render("en")
    # Refused once the minute's quota was used up: the rest was never sent.
    assert 30 <= len({m for _, m, _ in sim.submitted}) < total


def test_exchange_online_limits_are_the_default_there_and_off_on_premises() -> None:
    from plancal.calendars.targets.exchange.target import Connection
    from plancal.config.settings import Settings

    def conn(**values: Any) -> Connection:
        data = {"exchange": {"mailbox": "a@b.example", "username": "u", "password": "p", **values}}
        return Connection.from_settings(Settings(data, "(no file at /x)"))

    online = conn(url="https://outlook.office365.com/EWS/Exchange.asmx")
    assert (online.messages_per_minute, online.recipients_per_day) == (30, 10_000)
    premises = conn(url="https://mail.example.se/EWS/Exchange.asmx")
    assert (premises.messages_per_minute, premises.recipients_per_day) == (0, 0)
    stated = conn(url="https://mail.example.se/EWS/Exchange.asmx", recipients_per_day=500)
    assert stated.recipients_per_day == 500
