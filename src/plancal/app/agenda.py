"""The agenda: occurrences, deadlines and activities without fixed time, as rows.

Pure: it turns a Schedule into rows and rows into text or JSON-ready dicts; the CLI prints.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from plancal.i18n import WEEKDAYS, Lang, Text
from plancal.rules.compile import Schedule, day_of
from plancal.rules.model import Plan

if TYPE_CHECKING:
    from plancal.rules.conflicts import DoubleBooking

Kind = Literal["meeting", "deadline", "as-needed"]


@dataclass(frozen=True, slots=True)
class Overlap:
    """Another meeting this one overlaps, sharing people: a double booking, or allowed."""

    activity: str
    title: str
    start: datetime
    end: datetime
    people: tuple[str, ...]  # the shared addresses
    allowed: bool  # declared with ``overlaps`` in the plan

    def to_json(self) -> dict[str, Any]:
        return {
            "activity": self.activity,
            "title": self.title,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "people": list(self.people),
            "allowed": self.allowed,
        }


@dataclass(frozen=True, slots=True)
class Row:
    kind: Kind
    uid: str | None
    recurrence_id: str | None
    activity: str | None
    title: str
    start: datetime | date | None
    end: datetime | date | None  # exclusive, as in iCalendar
    status: Literal["confirmed", "cancelled"]
    attendees: tuple[str, ...]
    organizer: str | None = None
    location: str | None = None
    audience: str | None = None
    areas: tuple[str, ...] = ()
    change: str | None = None  # "moved", "added"
    reason: str | None = None
    when: str | None = None  # the plan's words, for activities without fixed time
    followup: str | None = None
    due: date | None = None
    overlaps: tuple[Overlap, ...] = ()

    @property
    def day(self) -> date | None:
        if self.start is None:
            return None
        return self.start.date() if isinstance(self.start, datetime) else self.start

    def to_json(self) -> dict[str, Any]:
        def iso(v: datetime | date | None) -> str | None:
            return None if v is None else v.isoformat()

        return {
            "kind": self.kind,
            "uid": self.uid,
            "recurrence_id": self.recurrence_id,
            "activity": self.activity,
            "title": self.title,
            "start": iso(self.start),
            "end": iso(self.end),
            "status": self.status,
            "attendees": list(self.attendees),
            "organizer": self.organizer,
            "location": self.location,
            "audience": self.audience,
            "areas": list(self.areas),
            "change": self.change,
            "reason": self.reason,
            "when": self.when,
            "followup": self.followup,
            "due": iso(self.due),
            "overlaps": [o.to_json() for o in self.overlaps],
        }


def _emails(plan: Plan, role_ids: Iterable[str]) -> tuple[str, ...]:
    return tuple(plan.role_by_id[r].email for r in role_ids if r in plan.role_by_id)


def _rid(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def rows(
    schedule: Schedule,
    lang: Lang,
    start: date | None = None,
    end: date | None = None,
    activities: Iterable[str] | None = None,
    kinds: Iterable[Kind] = ("meeting", "deadline", "as-needed"),
    cancelled: bool = False,
    double_bookings: Sequence[DoubleBooking] | None = None,
) -> list[Row]:
    """The agenda's rows from ``start`` to ``end``; meetings carry the others they overlap.

    ``double_bookings``: the plan's, when the caller has them already (``check`` finds them
    for its warnings); otherwise they are found here, over the days shown.
    """
    plan = schedule.plan
    tz = plan.tz
    wanted = set(activities) if activities is not None else None
    kinds = set(kinds)
    out: list[Row] = []

    # What every row of an activity shares: computed once per activity, not once per row.
    shared: dict[str, dict[str, Any]] = {
        a.id: {
            "activity": a.id,
            "title": a.title_in(lang),
            "attendees": _emails(plan, a.attendees),
            "organizer": plan.role_by_id[a.organizer].email if a.organizer else None,
            "location": a.place_in(lang),
            "audience": a.audience,
            "areas": a.areas,
        }
        for a in plan.activities
    }

    if "meeting" in kinds:
        overlapping = _overlaps(schedule, start, end, double_bookings)
        for o in schedule.occurrences(start, end, wanted):
            out.append(
                Row(
                    "meeting",
                    o.uid,
                    _rid(o.recurrence_id),
                    start=o.start,
                    end=o.end,
                    status="confirmed",
                    change=o.change,
                    reason=o.reason.render(lang) if o.reason else None,
                    overlaps=tuple(overlapping.get((o.uid, _rid(o.recurrence_id)), ())),
                    **shared[o.activity.id],
                )
            )
        if cancelled:
            for c in schedule.cancelled():
                day = day_of(c.recurrence_id) if c.recurrence_id is not None else None
                if (
                    (wanted is not None and c.activity.id not in wanted)
                    or day is None
                    or (start and day < start)
                    or (end and day > end)
                ):
                    continue
                rid = c.recurrence_id
                aware = rid.replace(tzinfo=tz) if isinstance(rid, datetime) else rid
                assert aware is not None
                out.append(
                    Row(
                        "meeting",
                        c.uid,
                        None if c.single else _rid(aware),
                        start=aware,
                        end=aware + c.activity.duration,
                        status="cancelled",
                        reason=c.reason.render(lang),
                        **shared[c.activity.id],
                    )
                )
    if "deadline" in kinds:
        summary = Text("Follow-up: {what}", "Uppföljning: {what}")
        for d in schedule.deadlines:
            fu = d.followup
            if wanted is not None and fu.activity_id not in wanted:
                continue
            if (start and d.due < start) or (end and d.start > end):
                continue
            out.append(
                Row(
                    "deadline",
                    d.uid,
                    None,
                    fu.activity_id,
                    summary.render(lang, what=fu.what),
                    d.start,
                    d.due + timedelta(days=1),
                    "confirmed",
                    _emails(plan, fu.responsible),
                    followup=fu.id,
                    due=d.due,
                    reason=fu.to,
                )
            )
    if "as-needed" in kinds:
        for a in schedule.as_needed:
            if wanted is not None and a.id not in wanted:
                continue
            if (start and a.end < start) or (end and a.start > end):
                continue
            out.append(
                Row(
                    "as-needed",
                    None,
                    None,
                    start=None,
                    end=None,
                    status="confirmed",
                    when=a.when,
                    **shared[a.id],
                )
            )
    out.sort(key=_sort_key)
    return out


def _overlaps(
    schedule: Schedule,
    start: date | None,
    end: date | None,
    found: Sequence[DoubleBooking] | None,
) -> dict[tuple[str, str | None], list[Overlap]]:
    """Each meeting's overlaps with others that share people, by (UID, RECURRENCE-ID)."""
    from plancal.rules import conflicts

    found = conflicts.find(schedule, start, end) if found is None else found
    out: dict[tuple[str, str | None], list[Overlap]] = {}
    for d in conflicts.within(found, start, end):
        people = tuple(p.email for p in d.people)
        for this, other in ((d.first, d.second), (d.second, d.first)):
            o = this.occurrence
            out.setdefault((o.uid, _rid(o.recurrence_id)), []).append(
                Overlap(
                    other.activity.id,
                    other.activity.title,
                    other.start,
                    other.end,
                    people,
                    d.allowed,
                )
            )
    return out


def _sort_key(r: Row) -> tuple[int, str, str, str]:
    if r.start is None:
        return (1, "", r.title, "")
    timed = isinstance(r.start, datetime)
    day = r.day.isoformat() if r.day else ""
    return (0, day, "1" + r.start.isoformat() if timed else "0", r.uid or "")


LABELS = {
    "all_day": Text("all day", "heldag"),
    "without": Text("Without fixed time", "Utan fast tid"),
    "cancelled": Text("CANCELLED", "INSTÄLLT"),
    "due": Text("due", "klart senast"),
    "nothing": Text("Nothing in this period.", "Inget under perioden."),
    "double": Text(
        "DOUBLE BOOKED with {title} {time} ({people})",
        "DUBBELBOKAT med {title} {time} ({people})",
    ),
    "allowed": Text(
        "overlaps {title} {time}, as the plan allows",
        "överlappar {title} {time}, som planen tillåter",
    ),
}


def _span(start: datetime, end: datetime) -> str:
    # Not strftime: on an aware time it costs ten times as much, once per line of the agenda.
    return f"{start.hour:02d}:{start.minute:02d}–{end.hour:02d}:{end.minute:02d}"


def _heading(day: date, lang: Lang) -> str:
    """ "Måndag 2023-04-10, v. 15": the ISO week, as Swedish planning counts weeks."""
    week = Text("week {n}", "v. {n}").render(lang, n=day.isocalendar().week)
    return f"{WEEKDAYS[lang][day.weekday()].capitalize()} {day.isoformat()}, {week}"


def _id(r: Row) -> str:
    """What the editing commands take: the activity id (a follow-up's id for a deadline)."""
    named = r.followup if r.kind == "deadline" and r.followup else r.activity
    return f"  [{named}]" if named else ""


def text_lines(items: list[Row], lang: Lang, ids: bool = False) -> Iterator[str]:
    """The agenda for people: one heading per day, then the activities without fixed time;
    ``ids`` adds each activity's id, as the editing commands take it."""
    current: date | None = None
    dated = [r for r in items if r.start is not None]
    undated = [r for r in items if r.start is None]
    if not items:
        yield LABELS["nothing"].render(lang)
    for r in dated:
        if r.day != current:
            if current is not None:
                yield ""
            current = r.day
            assert current is not None
            yield _heading(current, lang)
        if isinstance(r.start, datetime) and isinstance(r.end, datetime):
            when = _span(r.start, r.end)
        else:
            when = LABELS["all_day"].render(lang)
        line = f"  {when:<12} {r.title}"
        if r.location and r.kind == "meeting":
            line += f" ({r.location})"
        if r.status == "cancelled":
            line = f"  {when:<12} [{LABELS['cancelled'].render(lang)}] {r.title}"
        if r.kind == "deadline" and r.due and r.due != r.day:
            line += f" – {LABELS['due'].render(lang)} {r.due.isoformat()}"
        if r.reason and r.kind == "meeting":
            line += f" – {r.reason}"
        yield line + (_id(r) if ids else "")
        for o in r.overlaps:
            label = LABELS["allowed" if o.allowed else "double"]
            text = label.render(
                lang,
                title=o.title,
                time=_span(o.start, o.end),
                people=", ".join(o.people),
            )
            yield f"  {'':<12} {'' if o.allowed else '!! '}{text}"
    if undated:
        if dated:
            yield ""
        yield LABELS["without"].render(lang) + ":"
        for r in undated:
            yield f"  {r.title} – {r.when}" + (_id(r) if ids else "")
