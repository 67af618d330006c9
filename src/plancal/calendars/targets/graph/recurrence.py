"""Recurrence in Graph's terms: the pattern plancal writes, and the occurrences a pattern read
back implies (to find the cancelled ones: what the pattern implies minus what Graph returns).

Pure: no network. The expansion follows Outlook, not RFC 5545, where they differ: an
``absoluteMonthly`` pattern on day 29–31 falls on the last day of a shorter month
(https://learn.microsoft.com/graph/api/resources/recurrencepattern: "dayOfMonth"; Outlook's
"Day 31 of every month" behaves so), while an RRULE BYMONTHDAY=31 skips those months; plancal
therefore refuses such rules for Graph rather than write a series that means something else.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from plancal.rules.recurrence import Rule, pattern_of

DAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
INDEX = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}
INDEX_BACK = {v: k for k, v in INDEX.items()}
SAFE_MONTH_DAY = 28  # days 29–31 mean "the last day" in short months to Outlook
GRAPH_KINDS = {"relative": "relativeMonthly", "absolute": "absoluteMonthly"}

# IANA zone → the Windows zone name Graph's dateTimeTimeZone takes (the CLDR windowsZones
# table, for the zones a Nordic or European plan uses). A plan in another zone is refused
# before anything is written, with the zone named.
WINDOWS_ZONES = {
    "Europe/Stockholm": "W. Europe Standard Time",
    "Europe/Oslo": "W. Europe Standard Time",
    "Europe/Copenhagen": "Romance Standard Time",
    "Europe/Berlin": "W. Europe Standard Time",
    "Europe/Amsterdam": "W. Europe Standard Time",
    "Europe/Vienna": "W. Europe Standard Time",
    "Europe/Zurich": "W. Europe Standard Time",
    "Europe/Rome": "W. Europe Standard Time",
    "Europe/Paris": "Romance Standard Time",
    "Europe/Brussels": "Romance Standard Time",
    "Europe/Madrid": "Romance Standard Time",
    "Europe/Helsinki": "FLE Standard Time",
    "Europe/Tallinn": "FLE Standard Time",
    "Europe/Riga": "FLE Standard Time",
    "Europe/Vilnius": "FLE Standard Time",
    "Europe/London": "GMT Standard Time",
    "Europe/Dublin": "GMT Standard Time",
    "Atlantic/Reykjavik": "Greenwich Standard Time",
    "Europe/Warsaw": "Central European Standard Time",
    "Europe/Budapest": "Central Europe Standard Time",
    "Europe/Prague": "Central Europe Standard Time",
    "UTC": "UTC",
    "Etc/UTC": "UTC",
}


def windows_zone(tz: ZoneInfo) -> str | None:
    return WINDOWS_ZONES.get(tz.key)


def pattern_spec(rule: Rule) -> tuple[str, int, tuple[int, ...]] | None:
    """(kind, interval, values) of the Graph pattern for a rule, or None if Graph has none
    that means the same: weekly on weekdays, monthly on the nth weekday, monthly on a day up
    to the 28th, daily."""
    spec = pattern_of(rule)
    if spec is None:
        return None
    kind, interval, values = spec
    if kind == "absolute" and values[0] > SAFE_MONTH_DAY:
        return None
    return (GRAPH_KINDS.get(kind, kind), interval, values)


def graph_recurrence(rule: Rule, first: date, last: date, zone: str) -> dict[str, Any]:
    """A ``patternedRecurrence`` from the first to the last occurrence (local days)."""
    spec = pattern_spec(rule)
    assert spec is not None
    kind, interval, values = spec
    pattern: dict[str, Any] = {"type": kind, "interval": interval}
    if kind == "weekly":
        pattern["daysOfWeek"] = [DAY_NAMES[d] for d in values]
        pattern["firstDayOfWeek"] = "monday"
    elif kind == "relativeMonthly":
        pattern["daysOfWeek"] = [DAY_NAMES[values[0]]]
        pattern["index"] = INDEX[values[1]]
    elif kind == "absoluteMonthly":
        pattern["dayOfMonth"] = values[0]
    return {
        "pattern": pattern,
        "range": {
            "type": "endDate",
            "startDate": first.isoformat(),
            "endDate": last.isoformat(),
            "recurrenceTimeZone": zone,
        },
    }


def pattern_days(recurrence: dict[str, Any]) -> Iterator[date]:
    """The local days a patternedRecurrence read back produces, in order (endDate ranges;
    numbered and open ranges stop after 1000 occurrences, more than any plan holds)."""
    pattern, rng = recurrence["pattern"], recurrence["range"]
    first = date.fromisoformat(rng["startDate"])
    end = date.fromisoformat(rng["endDate"]) if rng.get("type") == "endDate" else None
    count = rng.get("numberOfOccurrences") if rng.get("type") == "numbered" else None
    for n, day in enumerate(_unbounded(pattern, first), start=1):
        if end is not None and day > end:
            return
        if (count is not None and n > count) or n > 1000:
            return
        yield day


def _unbounded(pattern: dict[str, Any], first: date) -> Iterator[date]:
    kind = pattern["type"]
    interval = max(1, int(pattern.get("interval") or 1))
    if kind == "daily":
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    if kind == "weekly":
        week_start = DAY_NAMES.index(pattern.get("firstDayOfWeek") or "sunday")
        wanted = sorted(DAY_NAMES.index(d) for d in pattern["daysOfWeek"])
        start = first - timedelta(days=(first.weekday() - week_start) % 7)
        while True:
            for offset in range(7):
                day = start + timedelta(days=offset)
                if day.weekday() in wanted and day >= first:
                    yield day
            start += timedelta(weeks=interval)
    year, month = first.year, first.month
    while True:
        if kind == "absoluteMonthly":
            last = _last_day(year, month)
            day = date(year, month, min(int(pattern["dayOfMonth"]), last))
        elif kind == "relativeMonthly":
            from plancal.rules.recurrence import nth_weekday

            weekday = DAY_NAMES.index(pattern["daysOfWeek"][0])
            day = nth_weekday(year, month, weekday, INDEX_BACK[pattern.get("index") or "first"])
        else:
            raise ValueError(f"pattern {kind} is not one plancal writes")
        if day >= first:
            yield day
        month += interval
        year, month = year + (month - 1) // 12, (month - 1) % 12 + 1


def _last_day(year: int, month: int) -> int:
    nxt = date(year + month // 12, month % 12 + 1, 1)
    return (nxt - timedelta(days=1)).day


def occurrence_starts(
    recurrence: dict[str, Any], start_local: datetime, all_day: bool, tz: ZoneInfo
) -> list[datetime | date]:
    """Original starts of every occurrence a series implies: aware UTC, or local days."""
    from datetime import UTC

    out: list[datetime | date] = []
    clock = start_local.time()
    for day in pattern_days(recurrence):
        if all_day:
            out.append(day)
        else:
            out.append(datetime.combine(day, clock, tz).astimezone(UTC))
    return out
