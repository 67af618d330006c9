"""A change reaches only the meetings it changes, in Exchange too: the seed is pushed, the
summer break removed with plancal's own edit, pushed again, and the meeting messages each
attendee receives are counted against what the plan says is new or gone."""

from __future__ import annotations

import shutil
from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path

from plancal.app import reschedule
from plancal.app.check import load_schedule
from plancal.calendars.sync import messages
from plancal.rules.compile import Schedule
from plancal.rules.diff import diff
from tests.helpers import SEED
from tests.helpers.ews import ORGANIZER, run_push
from tests.simulators.ews import Simulator


def _attendees(schedule: Schedule, activity_id: str) -> set[str]:
    plan = schedule.plan
    a = plan.activity_by_id[activity_id]
    people = {plan.role_by_id[r].email.lower() for r in (a.organizer, *a.attendees) if r}
    return people - {ORGANIZER}


def _day(value: datetime | date) -> date:
    if isinstance(value, datetime):
        return value.astimezone(UTC).date() if value.tzinfo else value.date()
    return value


def test_removing_the_summer_break_sends_only_for_the_meetings_new_in_july(
    sim: Simulator, tmp_path: Path
) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(SEED, plan)
    before, _ = load_schedule(plan)
    run_push(before, sim)
    first_push = len(sim.sent)
    assert first_push > 0

    reschedule.write(reschedule.prepare(plan, lambda ed: ed.remove_break("sommar")))
    after, _ = load_schedule(plan)
    changes = diff(before, after).occurrences
    result = run_push(after, sim)
    sent = sim.sent[first_push:]

    gained = [c for c in changes if c.kind == "added"]
    lost = [c for c in changes if c.kind == "skipped"]
    assert gained and all(c.after is not None and c.after.month == 7 for c in gained)
    assert not lost and not [c for c in changes if c.kind == "moved"]

    # Only the attendees of the meetings new in July hear anything, and exactly what the dry
    # run predicts: a series whose occurrence comes back is announced anew (its master and
    # each modified occurrence), or, where that sends fewer, the occurrence is one single
    # meeting beside the series; the model of sync.messages counts either.
    people = {who for c in gained for who in _attendees(after, c.activity.id)}
    heard = Counter(s.attendee for s in sent)
    assert set(heard) == people, (heard, people)
    predicted = messages(result.changes, result.now, apart=result.apart)
    assert dict(heard) == {
        who: predicted.invitations.get(who, 0) + predicted.updates.get(who, 0) for who in people
    }
    assert {c.key for c in result.changes} == {c.key[0] for c in gained}
    assert not [s for s in sent if s.kind == "cancellation"]
    # The messages about single occurrences are the series' modified occurrences Exchange
    # re-announces with the master: none of them is a meeting in July that was not there.
    days = {_day(s.occurrence) for s in sent if s.occurrence is not None}
    assert not [d for d in days if d.month == 7], sorted(days)
    # Nobody hears more than once per meeting new in July.
    for who, n in heard.items():
        assert n <= sum(1 for c in gained if who in _attendees(after, c.activity.id)), who
    # Read back, the calendar equals the plan: the next push writes and sends nothing.
    sent_before = len(sim.sent)
    assert run_push(after, sim).changes == []
    assert len(sim.sent) == sent_before
