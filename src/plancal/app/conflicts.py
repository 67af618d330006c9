"""Double bookings in one plan or across several, and how they read for people and scripts.

``rules.conflicts`` finds them; this module reads the plans (files, or every plan in a folder),
finds the double bookings in and between them (people shared by e-mail address), and renders
them. ``plancal conflicts`` prints them; the edit preview (``app.impact``) uses ``line``.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

from plancal.app.region import plan_paths
from plancal.errors import PlanError, Problem
from plancal.i18n import WEEKDAYS, Lang, Text
from plancal.rules import conflicts
from plancal.rules.compile import Schedule
from plancal.rules.conflicts import DoubleBooking, Meeting


@dataclass(frozen=True)
class Found:
    schedules: tuple[Schedule, ...]
    double_bookings: tuple[DoubleBooking, ...]

    @property
    def unintended(self) -> list[DoubleBooking]:
        return [d for d in self.double_bookings if not d.allowed]

    @property
    def allowed(self) -> list[DoubleBooking]:
        return [d for d in self.double_bookings if d.allowed]


def find(paths: Iterable[Path], start: date | None = None, end: date | None = None) -> Found:
    """Every plan compiled (or PlanError naming every problem), and their double bookings."""
    from plancal.app.check import check

    schedules: list[Schedule] = []
    problems: list[Problem] = []
    for path in plan_paths(paths):
        checked = check(path, calendars=False)
        if checked.schedule is None:
            problems += checked.errors
        else:
            schedules.append(checked.schedule)
    if problems:
        raise PlanError(problems)
    found = conflicts.find_across(schedules, start, end)
    return Found(tuple(schedules), tuple(found))


# --- for people ------------------------------------------------------------------------------

L = {
    "line": Text(
        "{weekday} {day} {time}  {person}: {first} ({first_time}) and {second} ({second_time})",
        "{weekday} {day} {time}  {person}: {first} ({first_time}) och {second} ({second_time})",
    ),
    "none": Text(
        "No double bookings in {plans} plan(s).", "Inga dubbelbokningar i {plans} plan(er)."
    ),
    "total": Text(
        "{n} double booking(s) in {plans} plan(s).",
        "{n} dubbelbokning(ar) i {plans} plan(er).",
    ),
    "allowed": Text(
        "{n} more overlap(s) the plans allow with 'overlaps' are not listed.",
        "{n} överlappning(ar) till som planerna tillåter med 'overlaps' visas inte.",
    ),
    "meeting": Text(
        "{time}  {title} ({id}{plan})  {where}", "{time}  {title} ({id}{plan})  {where}"
    ),
}


def _span(start: datetime, end: datetime) -> str:
    return f"{start:%H:%M}–{end:%H:%M}"


def _local(m: Meeting, d: DoubleBooking) -> tuple[datetime, datetime]:
    """A meeting's time in the zone of the double booking's first meeting."""
    tz = d.first.start.tzinfo
    return m.start.astimezone(tz), m.end.astimezone(tz)


def line(d: DoubleBooking, lang: Lang) -> str:
    """One line: when, who, and the two meetings."""
    return L["line"].render(
        lang,
        weekday=WEEKDAYS[lang][d.start.weekday()][:3],
        day=d.start.date().isoformat(),
        time=_span(d.start, d.end),
        person=d.person_label().render(lang),
        first=d.first.activity.title,
        first_time=_span(*_local(d.first, d)),
        second=d.second.activity.title,
        second_time=_span(*_local(d.second, d)),
    )


def text_lines(found: Found, lang: Lang) -> Iterator[str]:
    """Each double booking: when and who, then both meetings with their place in the plan."""
    several = len(found.schedules) > 1
    for d in found.unintended:
        day = d.start.date()
        yield (
            f"{WEEKDAYS[lang][day.weekday()].capitalize()} {day.isoformat()} "
            f"{_span(d.start, d.end)}  {d.person_label().render(lang)}"
        )
        for m in (d.first, d.second):
            yield "  " + L["meeting"].render(
                lang,
                time=_span(*_local(m, d)),
                title=m.activity.title,
                id=m.activity.id,
                plan=f", {m.plan.id}" if several else "",
                where=m.where,
            )
    plans = len(found.schedules)
    if found.unintended:
        yield ""
        yield L["total"].render(lang, n=len(found.unintended), plans=plans)
    else:
        yield L["none"].render(lang, plans=plans)
    if found.allowed:
        yield L["allowed"].render(lang, n=len(found.allowed))


# --- for scripts -----------------------------------------------------------------------------


def _meeting_json(m: Meeting) -> dict[str, Any]:
    return {
        "plan": m.plan.id,
        "activity": m.activity.id,
        "title": m.activity.title,
        "uid": m.key[0],
        "recurrence_id": m.key[1] or None,
        "start": m.start.isoformat(),
        "end": m.end.isoformat(),
        "where": str(m.where),
    }


def to_json(d: DoubleBooking, lang: Lang) -> dict[str, Any]:
    """When, who (address and the roles behind it), both meetings, and whether it is allowed."""
    return {
        "start": d.start.isoformat(),
        "end": d.end.isoformat(),
        "people": [
            {"email": p.email, "roles": list(dict.fromkeys(p.first_roles + p.second_roles))}
            for p in d.people
        ],
        "first": _meeting_json(d.first),
        "second": _meeting_json(d.second),
        "allowed": d.allowed,
        "text": line(d, lang),
    }
