"""Double bookings: two meetings of different activities that overlap in time and share a person.

A person is an e-mail address: two roles with one address are one person, in one plan or in
several (a community police officer often serves two or three municipalities). All-day items
and activities without fixed time book nobody. An activity that declares ``overlaps: [id]``
may overlap that activity: such a pair is still found, marked ``allowed``, and not warned of.

Found by a sweep, never by comparing all pairs: each person's meetings in start order, with the
meetings still running at each start. The work is the number of meetings plus the number of
double bookings, times the few meetings a person has at once.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from plancal.errors import Problem, Where
from plancal.i18n import WEEKDAYS, Message, Text, msg
from plancal.rules.busy import people
from plancal.rules.compile import R_ADDED, R_MOVED, R_PINNED, Occurrence, Schedule
from plancal.rules.model import Activity, Plan

Key = tuple[str, str]  # (UID, RECURRENCE-ID or ""): an occurrence's identity


@dataclass(frozen=True, slots=True)
class Meeting:
    """One timed occurrence and the plan it belongs to."""

    plan: Plan
    occurrence: Occurrence

    @property
    def activity(self) -> Activity:
        return self.occurrence.activity

    @property
    def start(self) -> datetime:
        start = self.occurrence.start
        assert isinstance(start, datetime)
        return start

    @property
    def end(self) -> datetime:
        end = self.occurrence.end
        assert isinstance(end, datetime)
        return end

    @property
    def key(self) -> Key:
        rid = self.occurrence.recurrence_id
        return (self.occurrence.uid, "" if rid is None else rid.isoformat())

    @property
    def where(self) -> Where:
        return origin(self.occurrence)


@dataclass(frozen=True, slots=True)
class Person:
    """A shared address, and the roles it stands behind in the first and the second meeting."""

    email: str
    first_roles: tuple[str, ...]
    second_roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class DoubleBooking:
    first: Meeting  # the one that starts first (then by UID)
    second: Meeting
    people: tuple[Person, ...]
    allowed: bool  # one of the activities declares ``overlaps`` the other

    @property
    def start(self) -> datetime:
        """Where the overlap begins, in the first meeting's zone."""
        return max(self.first.start, self.second.start).astimezone(self.first.start.tzinfo)

    @property
    def end(self) -> datetime:
        return min(self.first.end, self.second.end).astimezone(self.first.start.tzinfo)

    @property
    def key(self) -> tuple[Key, str, Key, str, tuple[str, ...]]:
        """What makes it this double booking: both meetings where they are, and who."""
        return (
            self.first.key,
            self.first.start.isoformat(),
            self.second.key,
            self.second.start.isoformat(),
            tuple(p.email for p in self.people),
        )

    def person_label(self) -> Text:
        """The people, by the first plan's role names, with their addresses."""
        en, sv = [], []
        for p in self.people:
            plan = self.first.plan if p.first_roles else self.second.plan
            roles = [plan.role_by_id[r] for r in (p.first_roles or p.second_roles)]
            en.append(f"{' / '.join(r.label('en') for r in roles)} <{p.email}>")
            sv.append(f"{' / '.join(r.label('sv') for r in roles)} <{p.email}>")
        return Text(", ".join(en), ", ".join(sv))


def origin(o: Occurrence) -> Where:
    """The line of the plan that puts an occurrence where it is: a pin, a written exception,
    or the activity itself."""
    a = o.activity
    text = o.reason.text if o.reason is not None else None
    if text == R_PINNED:
        return a.at("pinned")
    if text in (R_MOVED, R_ADDED):
        return a.at("exceptions")
    return a.where


def allowed(first: Meeting, second: Meeting) -> bool:
    if first.plan is not second.plan:
        return False
    a, b = first.activity, second.activity
    return b.id in a.overlaps or a.id in b.overlaps


def find(
    schedule: Schedule, start: date | None = None, end: date | None = None
) -> list[DoubleBooking]:
    """The double bookings of one plan among meetings on days start..end, in time order."""
    return find_across([schedule], start, end)


def find_across(
    schedules: Sequence[Schedule], start: date | None = None, end: date | None = None
) -> list[DoubleBooking]:
    """Double bookings in and between plans: people shared between plans by address."""
    # Who books whom, per activity; a person in one activity only cannot be double-booked.
    booked: dict[tuple[int, str], dict[str, tuple[str, ...]]] = {}
    activities_of: dict[str, set[tuple[int, str]]] = {}
    for index, schedule in enumerate(schedules):
        plan = schedule.plan
        for activity in plan.activities:
            if activity.all_day:
                continue
            who = people(plan, activity)
            booked[(index, activity.id)] = who
            for email in who:
                activities_of.setdefault(email, set()).add((index, activity.id))
    busy = {email for email, acts in activities_of.items() if len(acts) > 1}
    if not busy:
        return []
    # Each person's meetings by number; a day's margin on both sides of the range, so that
    # meetings reaching over its edge are seen. Times are UTC seconds: plans may differ in zone.
    first_day = start - timedelta(days=1) if start is not None else None
    last_day = end + timedelta(days=1) if end is not None else None
    occurrences: list[Occurrence] = []
    plan_of: list[int] = []  # meeting number → plan index
    activity_of: list[int] = []  # meeting number → activity number (across plans)
    begins: list[float] = []
    ends: list[float] = []
    numbered: dict[tuple[int, str], int] = {}
    per_person: dict[str, list[int]] = {}
    for index, schedule in enumerate(schedules):
        wanted = {a for (i, a), who in booked.items() if i == index and busy.intersection(who)}
        if not wanted:
            continue
        persons = {
            a: [e for e in booked[(index, a)] if e in busy] for a in wanted
        }  # who each activity books, of those who can be double-booked
        lists = {a: [per_person.setdefault(e, []) for e in persons[a]] for a in wanted}
        for o in schedule.occurrences(first_day, last_day, wanted):
            o_start, o_end = o.start, o.end
            if not isinstance(o_start, datetime) or not isinstance(o_end, datetime):
                continue
            number = len(occurrences)
            aid = o.series.activity.id
            occurrences.append(o)
            plan_of.append(index)
            activity_of.append(numbered.setdefault((index, aid), len(numbered)))
            begins.append(o_start.timestamp())
            ends.append(o_end.timestamp())
            for person in lists[aid]:
                person.append(number)

    shared: dict[tuple[int, int], list[str]] = {}
    for email in sorted(per_person):
        running: list[int] = []  # this person's meetings not yet over
        # In one plan the numbers are already in time order (a sort that only checks).
        for number in sorted(per_person[email], key=begins.__getitem__):
            now, until, act = begins[number], ends[number], activity_of[number]
            if running:
                running = [r for r in running if ends[r] > now]
                for other in running:
                    if begins[other] < until and activity_of[other] != act:
                        shared.setdefault((other, number), []).append(email)
            running.append(number)

    out = []
    meetings: dict[int, Meeting] = {}

    def meeting(n: int) -> Meeting:
        if n not in meetings:
            meetings[n] = Meeting(schedules[plan_of[n]].plan, occurrences[n])
        return meetings[n]

    ordered = sorted(shared.items(), key=lambda item: (max(begins[n] for n in item[0]), item[0]))
    for (i, j), emails in ordered:
        if (begins[j], j) < (begins[i], i):
            i, j = j, i
        first, second = meeting(i), meeting(j)
        if not _inside(first, second, start, end):
            continue
        first_who = booked[(plan_of[i], first.activity.id)]
        second_who = booked[(plan_of[j], second.activity.id)]
        shared_people = tuple(
            Person(e, first_who.get(e, ()), second_who.get(e, ())) for e in sorted(emails)
        )
        out.append(DoubleBooking(first, second, shared_people, allowed(first, second)))
    return out


def _inside(first: Meeting, second: Meeting, start: date | None, end: date | None) -> bool:
    """The overlap begins on a day in the range."""
    day = max(first.start, second.start).astimezone(first.start.tzinfo).date()
    return (start is None or day >= start) and (end is None or day <= end)


def within(
    found: Iterable[DoubleBooking], start: date | None, end: date | None
) -> list[DoubleBooking]:
    """Those of ``found`` whose overlap begins on a day start..end: from a sweep made over
    more days (the agenda reuses the check's), what ``find`` with that range gives (the same
    for meetings shorter than a day, the margin ``find`` looks past the range)."""
    return [d for d in found if _inside(d.first, d.second, start, end)]


# --- as warnings -----------------------------------------------------------------------------

WARNING = Text(
    "double booking on {weekday} {day} {time}: {person} is in both {first} ({first_time}, "
    "{first_where}) and {second} ({second_time}, {second_where})",
    "dubbelbokning {weekday} {day} {time}: {person} är med i både {first} ({first_time}, "
    "{first_where}) och {second} ({second_time}, {second_where})",
)
HINT = Text(
    "move one of them, or write 'overlaps: [{second_id}]' under {first_id!r} if they may overlap",
    "flytta ett av dem, eller skriv 'overlaps: [{second_id}]' under {first_id!r} om de får "
    "överlappa",
)

HINT_ACROSS = Text(
    "move one of them, or agree who goes instead",
    "flytta ett av dem, eller kom överens om vem som går i stället",
)


def _span(start: datetime, end: datetime) -> str:
    # Not strftime: on an aware time it is ten times slower, and a plan may have thousands.
    return f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"


def weekday(day: date) -> Text:
    return Text(WEEKDAYS["en"][day.weekday()], WEEKDAYS["sv"][day.weekday()])


def message(d: DoubleBooking) -> Message:
    start, end = d.start, d.end
    tz = d.first.start.tzinfo
    second_start = d.second.start.astimezone(tz)
    second_end = d.second.end.astimezone(tz)
    return msg(
        WARNING,
        person=d.person_label(),
        weekday=weekday(start.date()),
        day=start.date().isoformat(),
        time=_span(start, end),
        first=d.first.activity.title,
        first_time=_span(d.first.start, d.first.end),
        first_where=str(d.first.where),
        second=d.second.activity.title,
        second_time=_span(second_start, second_end),
        second_where=str(d.second.where),
    )


def warnings(found: Iterable[DoubleBooking]) -> list[Problem]:
    """A warning for each double booking not allowed by ``overlaps``, at the first meeting."""
    out = []
    for d in found:
        if d.allowed:
            continue
        hint = msg(HINT, first_id=d.first.activity.id, second_id=d.second.activity.id)
        if d.first.plan is not d.second.plan:
            hint = msg(HINT_ACROSS)
        out.append(Problem(d.first.where, message(d), hint, "warning"))
    return out
