"""iTIP calendar objects (RFC 5546) for the invitations: REQUEST and CANCEL, as bytes.

The VEVENTs are the feeds' own (``calendars/ics.py``: same timing, text, exceptions and
VTIMEZONE rules), with two things replaced: ORGANIZER is the address that sends the
invitations (replies go there), and every attendee is an ATTENDEE with RSVP=TRUE, named by
the plan's role. SEQUENCE and DTSTAMP come from the state store's revisions, so an attendee who
also subscribes to a feed sees the same version in both.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Literal
from zoneinfo import ZoneInfo

from plancal.calendars.ics import PRODID, Component, Revision, fold, people_lines, vevent
from plancal.calendars.vtimezone import vtimezone_lines

Method = Literal["REQUEST", "CANCEL"]


def stamp(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def when_line(name: str, value: datetime | date, tz: ZoneInfo) -> str:
    """DTSTART/RECURRENCE-ID in the plan's zone (the feeds' form), or a date for all-day."""
    if isinstance(value, datetime):
        local = value.astimezone(tz)
        return f"{name};TZID={tz.key}:{local.strftime('%Y%m%dT%H%M%S')}"
    return f"{name};VALUE=DATE:{value.strftime('%Y%m%d')}"


def people(organizer: str, organizer_name: str, attendees: Mapping[str, str]) -> list[str]:
    return people_lines(organizer, organizer_name, attendees, "RSVP=TRUE")


def event(
    uid: str, revision: Revision, body: Iterable[str], who: Sequence[str], cancelled: bool = False
) -> list[str]:
    return vevent(uid, revision, body, who, cancelled)


def series_events(
    parts: Sequence[Component],
    revisions: Mapping[tuple[str, str], Revision],
    who: Sequence[str],
    cancelled: bool = False,
) -> list[list[str]]:
    """The VEVENTs of one UID (master first, then its overrides), each with its revision."""
    default = Revision(0, datetime(2000, 1, 1, tzinfo=UTC), datetime(2000, 1, 1, tzinfo=UTC))
    return [
        event(c.uid, revisions.get(c.key, default), c.body, who, cancelled)
        for c in sorted(parts, key=lambda c: c.recurrence_id)
    ]


def occurrence_cancel(
    uid: str,
    revision: Revision,
    master: Sequence[str],
    rid: datetime | date,
    tz: ZoneInfo,
    who: Sequence[str],
) -> list[str]:
    """CANCEL of one occurrence: RECURRENCE-ID and DTSTART at its original start."""
    keep = ("SUMMARY", "LOCATION", "CLASS")
    lines = [
        "BEGIN:VEVENT",
        f"UID:{uid}",
        f"DTSTAMP:{stamp(revision.modified)}",
        f"SEQUENCE:{revision.sequence}",
        when_line("RECURRENCE-ID", rid, tz),
        when_line("DTSTART", rid, tz),
    ]
    lines += [line for line in master if line.startswith(keep)]
    lines.append("STATUS:CANCELLED")
    lines += who
    lines.append("END:VEVENT")
    return lines


def calendar(method: Method, events: Sequence[Sequence[str]], tzid: str) -> bytes:
    """A VCALENDAR with METHOD and the VTIMEZONE of the zone its events use."""
    head = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{PRODID}", "CALSCALE:GREGORIAN"]
    head.append(f"METHOD:{method}")
    if any(f";TZID={tzid}:" in line for e in events for line in e):
        head += vtimezone_lines(tzid)
    out = [fold(line) for line in head]
    out += [fold(line) for e in events for line in e]
    out.append(fold("END:VCALENDAR"))
    return b"".join(out)


def summary_of(lines: Iterable[str]) -> str:
    for line in lines:
        if line.startswith("SUMMARY:"):
            return line[8:].replace("\\,", ",").replace("\\;", ";").replace("\\\\", "\\")
    return ""
