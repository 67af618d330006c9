"""VTIMEZONE written as RRULE-based STANDARD/DAYLIGHT rules, as Outlook writes them itself.

icalendar's ``add_missing_timezones()`` lists every past transition as RDATEs, which Outlook
misreads. The rule form comes from the zone's own POSIX TZ string, the footer of its TZif file
(``CET-1CEST,M3.5.0,M10.5.0/3`` for Europe/Stockholm): the rule in force now and in the future.
``check_rules`` confirms that rule reproduces zoneinfo's transitions over the years a feed
covers, so a zone whose rules changed inside a plan's period is refused rather than misstated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from importlib import resources
from pathlib import Path
from zoneinfo import TZPATH, ZoneInfo

_DAYS = ("SU", "MO", "TU", "WE", "TH", "FR", "SA")  # POSIX counts Sunday as 0


class TimezoneRuleError(ValueError):
    pass


@dataclass(frozen=True, slots=True)
class Transition:
    month: int
    week: int  # 1..4, or 5 for the last
    weekday: int  # POSIX: Sunday = 0
    seconds: int  # local time of day of the change, in the offset before it

    def rrule(self) -> str:
        nth = -1 if self.week == 5 else self.week
        return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={nth}{_DAYS[self.weekday]}"

    def on(self, year: int) -> date:
        first = date(year, self.month, 1)
        python_weekday = (self.weekday - 1) % 7
        day = first + timedelta(days=(python_weekday - first.weekday()) % 7)
        if self.week == 5:
            while (day + timedelta(days=7)).month == self.month:
                day += timedelta(days=7)
        else:
            day += timedelta(days=7 * (self.week - 1))
        return day


@dataclass(frozen=True, slots=True)
class PosixRule:
    std_name: str
    std_offset: int  # seconds east of UTC
    dst_name: str | None = None
    dst_offset: int | None = None
    dst_start: Transition | None = None
    dst_end: Transition | None = None


_NAME = r"(<[^>]+>|[A-Za-z]{3,})"
_OFFSET = r"([+-]?\d{1,2}(?::\d{2}(?::\d{2})?)?)"
_RULE = r"M(\d{1,2})\.(\d)\.(\d)(?:/([+-]?\d{1,3}(?::\d{2}(?::\d{2})?)?))?"
_POSIX_RE = re.compile(rf"^{_NAME}{_OFFSET}(?:{_NAME}{_OFFSET}?,{_RULE},{_RULE})?$")


def _seconds(text: str) -> int:
    sign = -1 if text.startswith("-") else 1
    parts = [int(p) for p in text.lstrip("+-").split(":")] + [0, 0]
    return sign * (parts[0] * 3600 + parts[1] * 60 + parts[2])


def parse_posix(tz: str) -> PosixRule:
    m = _POSIX_RE.match(tz)
    if not m:
        raise TimezoneRuleError(f"cannot express the rule {tz!r} as RRULEs")
    std_name = m.group(1).strip("<>")
    std_offset = -_seconds(m.group(2))  # POSIX counts west as positive
    if not m.group(3):
        return PosixRule(std_name, std_offset)
    dst_offset = -_seconds(m.group(4)) if m.group(4) else std_offset + 3600
    rules = []
    for i in (5, 9):
        seconds = _seconds(m.group(i + 3)) if m.group(i + 3) else 7200
        if not 0 <= seconds < 86400:
            raise TimezoneRuleError(
                f"the change at {m.group(i + 3)} in {tz!r} is not "
                "within a day; RRULE cannot express it"
            )
        rules.append(Transition(int(m.group(i)), int(m.group(i + 1)), int(m.group(i + 2)), seconds))
    return PosixRule(std_name, std_offset, m.group(3).strip("<>"), dst_offset, rules[0], rules[1])


def _tzif_bytes(key: str) -> bytes:
    for root in TZPATH:
        path = Path(root) / key
        if path.is_file():
            return path.read_bytes()
    return resources.files("tzdata.zoneinfo").joinpath(*key.split("/")).read_bytes()


@lru_cache(maxsize=16)
def posix_rule(key: str) -> PosixRule:
    try:
        data = _tzif_bytes(key)
    except (OSError, ValueError) as e:  # a name too long, a folder, a missing file
        raise TimezoneRuleError(f"{key}: no such time zone file ({e.__class__.__name__})") from None
    if not data.startswith(b"TZif") or data[4:5] < b"2" or not data.endswith(b"\n"):
        raise TimezoneRuleError(f"{key}: no POSIX rule in its TZif file")
    try:
        footer = data.rstrip(b"\n").rsplit(b"\n", 1)[-1].decode("ascii")
    except UnicodeDecodeError:  # no footer line: the end of the binary data was found
        raise TimezoneRuleError(f"{key}: no POSIX rule in its TZif file") from None
    return parse_posix(footer)


def _offset(seconds: int) -> str:
    sign = "+" if seconds >= 0 else "-"
    seconds = abs(seconds)
    text = f"{sign}{seconds // 3600:02d}{seconds % 3600 // 60:02d}"
    return text + (f"{seconds % 60:02d}" if seconds % 60 else "")


def _local(day: date, seconds: int) -> str:
    return (datetime(day.year, day.month, day.day) + timedelta(seconds=seconds)).strftime(
        "%Y%m%dT%H%M%S"
    )


@lru_cache(maxsize=16)
def vtimezone_lines(key: str) -> tuple[str, ...]:
    """The VTIMEZONE component for an IANA zone, as unfolded content lines."""
    rule = posix_rule(key)
    lines = ["BEGIN:VTIMEZONE", f"TZID:{key}"]
    if rule.dst_start is None or rule.dst_end is None or rule.dst_offset is None:
        lines += [
            "BEGIN:STANDARD",
            "DTSTART:19700101T000000",
            f"TZOFFSETFROM:{_offset(rule.std_offset)}",
            f"TZOFFSETTO:{_offset(rule.std_offset)}",
            f"TZNAME:{rule.std_name}",
            "END:STANDARD",
        ]
    else:
        for name, kind, start, offset_from, offset_to in (
            (rule.dst_name, "DAYLIGHT", rule.dst_start, rule.std_offset, rule.dst_offset),
            (rule.std_name, "STANDARD", rule.dst_end, rule.dst_offset, rule.std_offset),
        ):
            lines += [
                f"BEGIN:{kind}",
                f"DTSTART:{_local(start.on(1970), start.seconds)}",
                f"RRULE:{start.rrule()}",
                f"TZOFFSETFROM:{_offset(offset_from)}",
                f"TZOFFSETTO:{_offset(offset_to)}",
                f"TZNAME:{name}",
                f"END:{kind}",
            ]
    lines.append("END:VTIMEZONE")
    return tuple(lines)


def check_rules(key: str, first_year: int, last_year: int) -> None:
    """Raise unless the POSIX rule gives zoneinfo's own offsets through the given years."""
    rule = posix_rule(key)
    zone = ZoneInfo(key)
    for year in range(first_year, last_year + 1):
        for month in range(1, 13):
            for day in (1, 15):
                moment = datetime(year, month, day, 12, tzinfo=UTC)
                actual = zone.utcoffset(moment.astimezone(zone).replace(tzinfo=None))
                expected = _rule_offset(rule, moment)
                if actual is None or int(actual.total_seconds()) != expected:
                    raise TimezoneRuleError(
                        f"{key}: the current rule does not match {year}-{month:02d}; "
                        "the zone changed its rules inside the plan period"
                    )


def _rule_offset(rule: PosixRule, moment: datetime) -> int:
    if rule.dst_start is None or rule.dst_end is None or rule.dst_offset is None:
        return rule.std_offset
    year = moment.year
    start = datetime.combine(rule.dst_start.on(year), datetime.min.time(), UTC) + timedelta(
        seconds=rule.dst_start.seconds - rule.std_offset
    )
    end = datetime.combine(rule.dst_end.on(year), datetime.min.time(), UTC) + timedelta(
        seconds=rule.dst_end.seconds - rule.dst_offset
    )
    in_dst = start <= moment < end if start < end else not end <= moment < start
    return rule.dst_offset if in_dst else rule.std_offset
