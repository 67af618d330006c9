"""One person's feed across plans: everything an address attends or answers for, in every plan.

It is stitched from the plans' own role feeds (the person's roles in each plan), taking each
VEVENT as those feeds wrote it — the plan's UID, SEQUENCE and DTSTAMP from the store — so the
person feed and the role feeds can never disagree and no event gets a second identity. A
meeting that two of the person's roles attend is one VEVENT (identical bytes, kept once); every
VTIMEZONE of the plans is carried once per TZID.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from datetime import timedelta

from plancal.calendars.ics import PRODID, duration, escape, fold
from plancal.calendars.vtimezone import vtimezone_lines

PERSON_FEED = "person.ics"


def blocks(calendar: bytes, name: bytes) -> Iterator[bytes]:
    """Each ``BEGIN:<name>`` … ``END:<name>`` block of a calendar plancal wrote, as bytes."""
    begin, end = b"\r\nBEGIN:" + name + b"\r\n", b"\r\nEND:" + name + b"\r\n"
    at = calendar.find(begin)
    while at >= 0:
        stop = calendar.index(end, at) + len(end)
        yield calendar[at + 2 : stop]
        at = calendar.find(begin, stop - 2)


def _tzid(block: bytes) -> bytes:
    for line in block.split(b"\r\n"):
        if line.startswith(b"TZID:"):
            return line[5:]
    return b""


def merge(
    title: str, refresh: timedelta, calendars: Iterable[bytes], empty_zone: str = "Europe/Stockholm"
) -> bytes:
    """One VCALENDAR of the events of ``calendars`` (in order, each once) and their zones.

    With nothing to merge (the person is in no plan any more) it is still a valid calendar,
    as every feed is: the VTIMEZONE of ``empty_zone`` is its one component (RFC 5545 3.6).
    """
    zones: dict[bytes, bytes] = {}
    events: dict[bytes, None] = {}
    for cal in calendars:
        for zone in blocks(cal, b"VTIMEZONE"):
            zones.setdefault(_tzid(zone), zone)
        for event in blocks(cal, b"VEVENT"):
            events.setdefault(event)
    ttl = duration(refresh)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape(title)}",
        f"X-WR-CALNAME:{escape(title)}",
    ]
    if len(zones) == 1:
        lines.append(f"X-WR-TIMEZONE:{next(iter(zones)).decode('utf-8')}")
    lines += [f"REFRESH-INTERVAL;VALUE=DURATION:{ttl}", f"X-PUBLISHED-TTL:{ttl}"]
    if not zones:
        lines += vtimezone_lines(empty_zone)
    out = [fold(line) for line in lines]
    out += [zones[tzid] for tzid in sorted(zones)]
    out += list(events)
    out.append(b"END:VCALENDAR\r\n")
    return b"".join(out)
