"""What changes between two compiled versions of a plan, occurrence by occurrence.

An occurrence is known by where the rule put it (its series UID and RECURRENCE-ID), not by
where it happens: an occurrence moved by an override and one moved as a separate event (where
Outlook forbids the override) are the same occurrence, and moving it is a move, not a skip and
an addition. Single events are known by their UID. This is also the identity the calendars
use, so "moved" here is an update there and "skipped" a cancellation.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from plancal.i18n import Message, Text, msg
from plancal.rules.compile import Occurrence, Schedule, Slot
from plancal.rules.model import Activity, FollowUp

ChangeKind = Literal["skipped", "moved", "added", "kept"]
DeadlineKind = Literal["added", "removed", "moved"]
Key = tuple[str, str]  # (series UID, RECURRENCE-ID as naive ISO text, or "" for a single)

R_CONTINUES = Text("continues through breaks", "pågår under uppehåll")
R_GONE = Text("no longer in the plan", "finns inte längre i planen")


@dataclass(frozen=True, slots=True)
class OccurrenceChange:
    kind: ChangeKind
    activity: Activity
    key: Key
    before: datetime | date | None  # aware start before the change; None: did not take place
    after: datetime | date | None  # aware start after it; None: does not take place
    reason: Message | None = None  # why it is where it is (or why it is gone)

    @property
    def day(self) -> date:
        when = self.after if self.after is not None else self.before
        assert when is not None
        return when.date() if isinstance(when, datetime) else when


@dataclass(frozen=True, slots=True)
class DeadlineChange:
    kind: DeadlineKind
    followup: FollowUp
    uid: str
    before: date | None
    after: date | None


@dataclass(frozen=True)
class ScheduleDiff:
    occurrences: tuple[OccurrenceChange, ...]
    deadlines: tuple[DeadlineChange, ...]

    @property
    def empty(self) -> bool:
        return not any(c.kind != "kept" for c in self.occurrences) and not self.deadlines


def _naive(value: Slot) -> str:
    if isinstance(value, datetime):
        return value.replace(tzinfo=None).isoformat()
    return value.isoformat()


def origin(o: Occurrence) -> Key:
    """The occurrence's identity: the series slot it fills, or its own UID if it is single."""
    if o.recurrence_id is not None:
        return (o.uid, _naive(o.recurrence_id))
    if o.series.kind == "moved" and o.series.replaces is not None:
        # The series it stands in for has the activity's own UID, in the same domain.
        parent = f"{o.activity.id}@{o.uid.split('@', 1)[1]}"
        return (parent, _naive(o.series.replaces))
    return (o.uid, "")


def signature(o: Occurrence) -> tuple[Key, str, str]:
    """What a person sees of an occurrence: which one it is, when it starts and ends."""
    return (origin(o), o.start.isoformat(), o.end.isoformat())


def _cancelled(schedule: Schedule) -> dict[Key, Message]:
    out: dict[Key, Message] = {}
    for c in schedule.cancelled():
        if c.single:
            out[(c.uid, "")] = c.reason
        elif c.recurrence_id is not None:
            out[(c.uid, _naive(c.recurrence_id))] = c.reason
    return out


def diff(old: Schedule, new: Schedule, gone: Message | None = None) -> ScheduleDiff:
    """``gone``: why an occurrence that vanished without a trace went (a series that ended)."""
    before = {origin(o): o for o in old.occurrences()}
    after = {origin(o): o for o in new.occurrences()}
    gone_why = _cancelled(new)
    changes: list[OccurrenceChange] = []
    for key in before.keys() | after.keys():
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            if (a.start, a.end) != (b.start, b.end):
                changes.append(
                    OccurrenceChange("moved", b.activity, key, a.start, b.start, b.reason)
                )
        elif a is not None:
            changes.append(
                OccurrenceChange(
                    "skipped",
                    a.activity,
                    key,
                    a.start,
                    None,
                    gone_why.get(key, gone or msg(R_GONE)),
                )
            )
        elif b is not None:
            changes.append(OccurrenceChange("added", b.activity, key, None, b.start, b.reason))
    return ScheduleDiff(tuple(sorted(changes, key=_order(new, old))), _deadlines(old, new))


def _order(*schedules: Schedule) -> Callable[[OccurrenceChange], tuple[int, str, str]]:
    rank: dict[str, int] = {}
    for s in schedules:
        for a in s.plan.activities:
            rank.setdefault(a.id, len(rank))

    def key(c: OccurrenceChange) -> tuple[int, str, str]:
        when = c.after if c.after is not None else c.before
        return (rank.get(c.activity.id, len(rank)), when.isoformat() if when else "", c.key[1])

    return key


def _deadlines(old: Schedule, new: Schedule) -> tuple[DeadlineChange, ...]:
    before = {d.uid: d for d in old.deadlines}
    after = {d.uid: d for d in new.deadlines}
    out: list[DeadlineChange] = []
    for uid in before.keys() | after.keys():
        a, b = before.get(uid), after.get(uid)
        if a is not None and b is not None:
            if (a.start, a.due) != (b.start, b.due):
                out.append(DeadlineChange("moved", b.followup, uid, a.due, b.due))
        elif a is not None:
            out.append(DeadlineChange("removed", a.followup, uid, a.due, None))
        elif b is not None:
            out.append(DeadlineChange("added", b.followup, uid, None, b.due))
    return tuple(sorted(out, key=lambda c: ((c.after or c.before or date.min), c.uid)))


def kept_in_break(
    new: Schedule, break_id: str, changed: Iterable[OccurrenceChange] = ()
) -> list[OccurrenceChange]:
    """Occurrences inside a break that stay because their activity continues through it."""
    brk = next((b for b in new.plan.breaks if b.id == break_id), None)
    if brk is None:
        return []
    spans = brk.spans(new.plan.start.year, new.plan.end.year + 1)
    touched = {c.key for c in changed}
    out = []
    for o in new.occurrences():
        if o.activity.break_policy(break_id) != "continue" or origin(o) in touched:
            continue
        if any(s.start <= o.day <= s.end for s in spans):
            out.append(
                OccurrenceChange("kept", o.activity, origin(o), o.start, o.start, msg(R_CONTINUES))
            )
    return out
