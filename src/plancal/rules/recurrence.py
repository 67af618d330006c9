"""Recurrence rules of the forms plancal writes, with cheap membership and neighbour tests.

The compiler asks "is this holiday an occurrence?" and "what are its neighbours?" for a few
special days per series, instead of walking every occurrence. Expansion, which must agree with
every client, is left to dateutil on the RRULE text itself (``Rule.dateutil``); the tests check
the two views agree.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any, Literal

from plancal.rules.cadence import RRULE_DAYS

ONE_DAY = timedelta(days=1)
_FORBIDDEN_PARTS = ("UNTIL", "COUNT", "BYHOUR", "BYMINUTE", "BYSECOND", "DTSTART")
MAX_INTERVAL = 100  # every 100 days, weeks, months or years: beyond that, list the dates
_ALLOWED_FREQ = ("DAILY", "WEEKLY", "MONTHLY", "YEARLY")


class RuleError(ValueError):
    pass


def nth_weekday(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year + month // 12, month % 12 + 1, 1) - ONE_DAY
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


@dataclass(frozen=True, slots=True)
class Rule:
    """WEEKLY on weekdays, MONTHLY on the nth weekday, or an explicit RRULE (``text``)."""

    freq: Literal["WEEKLY", "MONTHLY", "TEXT"]
    interval: int = 1
    weekdays: tuple[int, ...] = ()
    nth: int | None = None  # MONTHLY: 1..4, or -1 for the last
    text: str | None = None
    _explicit: frozenset[date] = field(default=frozenset(), compare=False, repr=False)

    # --- the iCalendar form ---------------------------------------------------------------

    def rrule_text(self, until_utc: datetime | date | None) -> str:
        if self.freq == "TEXT":
            assert self.text is not None
            parts = [self.text]
        elif self.freq == "WEEKLY":
            parts = ["FREQ=WEEKLY"]
            if self.interval > 1:
                parts.append(f"INTERVAL={self.interval}")
            parts.append("BYDAY=" + ",".join(RRULE_DAYS[d] for d in self.weekdays))
        else:
            parts = ["FREQ=MONTHLY"]
            if self.interval > 1:
                parts.append(f"INTERVAL={self.interval}")
            parts.append(f"BYDAY={self.nth}{RRULE_DAYS[self.weekdays[0]]}")
        if until_utc is not None:
            if isinstance(until_utc, datetime):
                parts.append("UNTIL=" + until_utc.strftime("%Y%m%dT%H%M%SZ"))
            else:
                parts.append("UNTIL=" + until_utc.strftime("%Y%m%d"))
        return ";".join(parts)

    def dateutil(self, dtstart: datetime, until: datetime) -> Any:
        """The rule as dateutil expands it, on naive local times (imported only when used)."""
        from dateutil import rrule as du

        days = (du.MO, du.TU, du.WE, du.TH, du.FR, du.SA, du.SU)
        if self.freq == "TEXT":
            assert self.text is not None
            rule = du.rrulestr(self.text, dtstart=dtstart)
            assert isinstance(rule, du.rrule)
            return rule.replace(until=until)
        if self.freq == "WEEKLY":
            return du.rrule(
                du.WEEKLY,
                dtstart=dtstart,
                until=until,
                interval=self.interval,
                byweekday=[days[d] for d in self.weekdays],
                wkst=du.MO,
            )
        assert self.nth is not None
        return du.rrule(
            du.MONTHLY,
            dtstart=dtstart,
            until=until,
            interval=self.interval,
            byweekday=[days[self.weekdays[0]](self.nth)],
        )

    def instants(self, dtstart: datetime, until: datetime) -> Iterator[datetime]:
        """The occurrences from ``dtstart`` to ``until`` (inclusive), naive local.

        The two forms plancal writes are stepped with plain date arithmetic, an order of
        magnitude cheaper than dateutil's general engine; explicit RRULEs go to dateutil.
        The tests check both give the same instants.
        """
        if self.freq == "TEXT":
            yield from bounded(self.dateutil(dtstart, until), until.year + 1)
            return
        if self.freq == "WEEKLY":
            monday = dtstart - timedelta(days=dtstart.weekday())
            offsets = [timedelta(days=d) for d in self.weekdays]
            step = timedelta(weeks=self.interval)
            week = monday
            while week <= until:
                for offset in offsets:
                    instant = week + offset
                    if dtstart <= instant <= until:
                        yield instant
                week += step
            return
        assert self.nth is not None
        weekday, nth = self.weekdays[0], self.nth
        year, month = dtstart.year, dtstart.month
        clock = dtstart.time()
        while (year, month) <= (until.year, until.month):
            instant = datetime.combine(nth_weekday(year, month, weekday, nth), clock)
            if dtstart <= instant <= until:
                yield instant
            month += self.interval
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1

    # --- membership and neighbours -----------------------------------------------------------

    def contains(self, day: date, first: date) -> bool:
        """Is ``day`` an occurrence date of the rule started on ``first``?"""
        if day < first:
            return False
        if self.freq == "TEXT":
            return day in self._explicit
        if day.weekday() not in self.weekdays:
            return False
        if self.freq == "WEEKLY":
            weeks = ((day - day.weekday() * ONE_DAY) - (first - first.weekday() * ONE_DAY)).days
            return (weeks // 7) % self.interval == 0
        months = (day.year - first.year) * 12 + day.month - first.month
        if months % self.interval:
            return False
        if self.nth == -1:
            return (day + 7 * ONE_DAY).month != day.month
        return (day.day - 1) // 7 + 1 == self.nth

    def first_on_or_after(self, day: date, first: date | None = None) -> date | None:
        """The first occurrence on or after ``day``; without ``first`` it starts the phase."""
        if self.freq == "TEXT":
            later = sorted(d for d in self._explicit if d >= day)
            return later[0] if later else None
        limit = day + timedelta(days=370 * self.interval)
        while day <= limit:
            if self.contains(day, first or day):
                return day
            day += ONE_DAY
        return None

    def neighbours(self, day: date, first: date, last: date) -> tuple[date | None, date | None]:
        """The occurrences just before and just after ``day`` (which is one)."""
        if self.freq == "TEXT":
            ordered = sorted(self._explicit)
            i = ordered.index(day)
            return (ordered[i - 1] if i else None, ordered[i + 1] if i + 1 < len(ordered) else None)
        span = 370 * self.interval
        before = after = None
        d = day - ONE_DAY
        while d >= first and (day - d).days <= span:
            if self.contains(d, first):
                before = d
                break
            d -= ONE_DAY
        d = day + ONE_DAY
        while d <= last and (d - day).days <= span:
            if self.contains(d, first):
                after = d
                break
            d += ONE_DAY
        return before, after

    def last_on_or_before(self, day: date, first: date) -> date | None:
        if self.freq == "TEXT":
            earlier = sorted(d for d in self._explicit if d <= day)
            return earlier[-1] if earlier else None
        limit = max(first, day - timedelta(days=370 * self.interval))
        while day >= limit:
            if self.contains(day, first):
                return day
            day -= ONE_DAY
        return None


def explicit_rule(text: str, start: datetime, end: datetime) -> Rule:
    """Check an RRULE a person wrote, and precompute its occurrences in the activity's span."""
    parts = {}
    for part in text.strip().upper().split(";"):
        key, _, value = part.partition("=")
        if not value:
            raise RuleError(f"{part!r} is not NAME=VALUE")
        parts[key] = value
    if parts.get("FREQ") not in _ALLOWED_FREQ:
        raise RuleError("FREQ must be DAILY, WEEKLY, MONTHLY or YEARLY")
    for key in _FORBIDDEN_PARTS:
        if key in parts:
            raise RuleError(f"{key} is set by plancal (use 'time', 'from' and 'until')")
    interval = parts.get("INTERVAL", "1")
    if not (interval.isdigit() and 1 <= int(interval) <= MAX_INTERVAL):
        raise RuleError(f"INTERVAL must be a whole number from 1 to {MAX_INTERVAL}")
    clean = ";".join(f"{k}={v}" for k, v in parts.items())
    from dateutil import rrule as du

    try:
        rule = du.rrulestr(clean, dtstart=start)
        assert isinstance(rule, du.rrule)
        days = frozenset(d.date() for d in bounded(rule.replace(until=end), end.year + 1))
    except (ValueError, TypeError, OverflowError) as e:
        raise RuleError(str(e)) from None
    return Rule("TEXT", text=clean, _explicit=days)


def bounded(rule: Any, last_year: int) -> Iterator[datetime]:
    """Iterate a dateutil rule, giving up the search for a next occurrence after ``last_year``.

    dateutil checks UNTIL only against an occurrence it found: a rule with none after UNTIL
    (``FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30``, or a phase its INTERVAL never meets) is searched
    period by period up to the year 9999, seconds to minutes. Its own stop is the module's
    ``datetime.MAXYEAR``; this runs its iterator with that one name bound to ``last_year``.
    """
    import datetime as real
    import types

    from dateutil import rrule as du

    shim = types.SimpleNamespace(**{k: getattr(real, k) for k in real.__all__})
    shim.MAXYEAR = min(last_year, real.MAXYEAR)
    iterate = du.rrule._iter  # type: ignore[attr-defined]
    scope = dict(iterate.__globals__, datetime=shim)
    fn = types.FunctionType(iterate.__code__, scope, iterate.__name__, iterate.__defaults__)
    yield from fn(rule)


def pattern_of(rule: Rule) -> tuple[str, int, tuple[int, ...]] | None:
    """The calendar pattern a rule is, as Exchange and Graph spell patterns: (kind, interval,
    values) with kind ``daily``, ``weekly`` (weekdays), ``relative`` (weekday, nth of the
    month) or ``absolute`` (day of the month); None for a rule no such pattern says."""
    if rule.freq == "WEEKLY":
        return ("weekly", rule.interval, tuple(rule.weekdays))
    if rule.freq == "MONTHLY":
        assert rule.nth is not None
        return ("relative", rule.interval, (rule.weekdays[0], rule.nth))
    parts = dict(p.split("=", 1) for p in (rule.text or "").upper().split(";") if "=" in p)
    freq = parts.pop("FREQ", "")
    interval = int(parts.pop("INTERVAL", "1") or 1)
    parts.pop("WKST", None)
    days = {d: i for i, d in enumerate(RRULE_DAYS)}
    if freq == "DAILY" and not parts:
        return ("daily", interval, ())
    if freq == "WEEKLY" and set(parts) <= {"BYDAY"}:
        names = parts.get("BYDAY", "").split(",")
        if all(n in days for n in names) and names != [""]:
            return ("weekly", interval, tuple(days[n] for n in names))
    if freq == "MONTHLY" and set(parts) == {"BYDAY"}:
        value = parts["BYDAY"]
        nth, day = value[:-2], value[-2:]
        if day in days and nth in ("1", "2", "3", "4", "-1", "+1", "+2", "+3", "+4"):
            return ("relative", interval, (days[day], int(nth)))
    if freq == "MONTHLY" and set(parts) == {"BYMONTHDAY"}:
        value = parts["BYMONTHDAY"]
        if value.isdigit() and 1 <= int(value) <= 31:
            return ("absolute", interval, (int(value),))
    return None
