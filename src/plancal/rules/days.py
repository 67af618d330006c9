"""Working days: public (and de-facto) holidays from the ``holidays`` package, and breaks.

``holidays`` is the authority on which days are holidays. Importing its Swedish calendar costs
about 0.1 s, more than the rest of ``plancal agenda`` together; the application keeps a cache of
the tables it produces and plugs it in with ``use_holiday_source`` (rules read no files).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from plancal.i18n import Text

ONE_DAY = timedelta(days=1)


@dataclass(frozen=True, slots=True)
class HolidaySpec:
    country: str = "SE"
    subdivision: str | None = None
    de_facto: bool = True  # midsommarafton, julafton, nyårsafton: not law, but nobody works
    language: str = "sv"


@dataclass(frozen=True, slots=True)
class BreakSpan:
    """One concrete stretch of a named break (a yearly break gives one span per year)."""

    break_id: str
    name: str
    start: date
    end: date  # inclusive

    def __contains__(self, day: object) -> bool:
        return isinstance(day, date) and self.start <= day <= self.end


HolidaySource = Callable[[HolidaySpec, Sequence[int]], dict[date, str]]


def compute_holidays(spec: HolidaySpec, years: Sequence[int]) -> dict[date, str]:
    """Every holiday of ``years`` by the ``holidays`` package, named in the spec's language."""
    import holidays  # heavy: only when the source has no answer

    categories = ("public", "de_facto") if spec.de_facto else ("public",)
    table = holidays.country_holidays(
        spec.country,
        subdiv=spec.subdivision,
        years=list(years),
        language=spec.language,
        categories=categories,
    )
    return {day: str(name) for day, name in sorted(table.items())}


_source: HolidaySource = compute_holidays


def use_holiday_source(source: HolidaySource) -> None:
    """Let the application answer from a cache (``plancal.app.holidays``); rules do no I/O."""
    global _source
    _source = source


def holiday_table(spec: HolidaySpec, years: Iterable[int]) -> dict[date, str]:
    """Every holiday from the first to the last of ``years``, with its name."""
    wanted = sorted(set(years))
    return _source(spec, range(wanted[0], wanted[-1] + 1))


class WorkCalendar:
    """Which days are working days, and why a day is not."""

    def __init__(
        self,
        holidays: Mapping[date, str],
        breaks: Iterable[BreakSpan],
        names_en: Mapping[date, str] | None = None,
    ):
        self.holidays = dict(holidays)
        self.names_en = dict(names_en or {})  # the same holidays, named in English
        self.breaks = tuple(sorted(breaks, key=lambda b: (b.start, b.break_id)))
        self._break_days: dict[date, list[BreakSpan]] = {}
        self._covered: dict[tuple[int, frozenset[str]], set[int]] = {}
        self._special: frozenset[date] | None = None
        for span in self.breaks:
            day = span.start
            while day <= span.end:
                self._break_days.setdefault(day, []).append(span)
                day += ONE_DAY

    def holiday(self, day: date) -> str | None:
        return self.holidays.get(day)

    def holiday_name(self, day: date) -> Text | None:
        """The holiday's name in both languages (the plan's name where no English is known)."""
        name = self.holidays.get(day)
        if name is None:
            return None
        return Text(self.names_en.get(day, name), name)

    def breaks_on(self, day: date) -> list[BreakSpan]:
        return self._break_days.get(day, [])

    def is_working_day(self, day: date, honoured_breaks: frozenset[str] = frozenset()) -> bool:
        """Monday–Friday, not a holiday, and not inside a break the activity pauses for."""
        if day.weekday() >= 5 or day in self.holidays:
            return False
        return not any(s.break_id in honoured_breaks for s in self._break_days.get(day, ()))

    def next_working_day(self, day: date, honoured_breaks: frozenset[str] = frozenset()) -> date:
        day += ONE_DAY
        while not self.is_working_day(day, honoured_breaks):
            day += ONE_DAY
        return day

    def previous_working_day(
        self, day: date, honoured_breaks: frozenset[str] = frozenset()
    ) -> date:
        day -= ONE_DAY
        while not self.is_working_day(day, honoured_breaks):
            day -= ONE_DAY
        return day

    def covered_months(self, year: int, honoured: frozenset[str]) -> set[int]:
        """Months in which the honoured breaks take more than half of the working days."""
        key = (year, honoured)
        cached = self._covered.get(key)
        if cached is not None:
            return cached
        paused_days: set[date] = set()  # a set: overlapping breaks pause a day once
        for span in self.breaks:
            if span.break_id not in honoured or span.end.year < year or span.start.year > year:
                continue
            day = max(span.start, date(year, 1, 1))
            while day <= span.end and day.year == year:
                if day.weekday() < 5 and day not in self.holidays:
                    paused_days.add(day)
                day += ONE_DAY
        paused: dict[int, int] = {}
        for day in paused_days:
            paused[day.month] = paused.get(day.month, 0) + 1
        out = set()
        for month, count in paused.items():
            day, working = date(year, month, 1), 0
            while day.month == month:
                working += day.weekday() < 5 and day not in self.holidays
                day += ONE_DAY
            if count * 2 > working:
                out.add(month)
        self._covered[key] = out
        return out

    def special_days(self) -> frozenset[date]:
        """Days on which some policy may apply: holidays and break days."""
        if self._special is None:
            self._special = frozenset(self.holidays) | frozenset(self._break_days)
        return self._special
