"""The plan as frozen, typed values: what the loader builds and everything else reads."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from functools import cached_property
from typing import Literal
from zoneinfo import ZoneInfo

from plancal.errors import Where
from plancal.rules.cadence import Cadence
from plancal.rules.days import BreakSpan, HolidaySpec

HolidayPolicy = Literal["skip", "next", "previous", "keep"]
BreakPolicy = Literal["skip", "before", "after", "continue"]
CountPolicy = Literal["keep", "drop"]
Audience = Literal["public", "internal"]
DueKind = Literal["date", "yearly", "after_each", "at_next", "at_each", "plan_end", "none"]

NOWHERE = Where("<plan>")


@dataclass(frozen=True, slots=True)
class Role:
    id: str
    name: str
    email: str
    name_en: str | None = None
    where: Where = field(default=NOWHERE, compare=False)

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True, slots=True)
class Break:
    """A named pause: once (two dates) or every year (two MM-DD days, may wrap New Year)."""

    id: str
    name: str
    start: date | tuple[int, int]
    end: date | tuple[int, int]
    policy: BreakPolicy | None = None
    where: Where = field(default=NOWHERE, compare=False)

    @property
    def yearly(self) -> bool:
        return isinstance(self.start, tuple)

    def spans(self, first_year: int, last_year: int) -> list[BreakSpan]:
        if isinstance(self.start, date) and isinstance(self.end, date):
            return [BreakSpan(self.id, self.name, self.start, self.end)]
        assert isinstance(self.start, tuple) and isinstance(self.end, tuple)
        spans = []
        for year in range(first_year - 1, last_year + 1):
            start = _month_day(year, self.start)
            end_year = year + 1 if self.end < self.start else year
            spans.append(BreakSpan(self.id, self.name, start, _month_day(end_year, self.end)))
        return spans


def _month_day(year: int, md: tuple[int, int]) -> date:
    month, day = md
    if (month, day) == (2, 29):
        try:
            return date(year, 2, 29)
        except ValueError:
            return date(year, 2, 28)
    return date(year, month, day)


@dataclass(frozen=True, slots=True)
class Due:
    """When a follow-up is due. ``none``: a follow-up without a date (listed, never reminded)."""

    kind: DueKind
    on: date | None = None  # kind "date"
    month: int | None = None  # kind "yearly"
    days: int = 0  # after each occurrence / after the plan end
    activity: str | None = None  # kinds "at_next", "at_each"


@dataclass(frozen=True, slots=True)
class FollowUp:
    id: str
    what: str
    due: Due
    to: str | None  # to whom it is reported
    responsible: tuple[str, ...]  # role ids: who is reminded
    remind_days: tuple[int, ...]  # days before the deadline
    activity_id: str | None = None  # None: a follow-up of the whole plan
    where: Where = field(default=NOWHERE, compare=False)


@dataclass(frozen=True, slots=True)
class Exceptions:
    cancelled: tuple[date, ...] = ()
    moved: tuple[tuple[date, datetime | date], ...] = ()
    added: tuple[datetime | date, ...] = ()
    reasons: tuple[tuple[date, str], ...] = ()  # why an occurrence is cancelled or moved

    def reason(self, day: date) -> str | None:
        return next((why for d, why in self.reasons if d == day), None)


@dataclass(frozen=True, slots=True)
class Activity:
    id: str
    title: str
    when: str  # as written, for the agenda
    cadence: Cadence
    areas: tuple[str, ...] = ()
    description: str | None = None
    start_time: time | None = None  # resolved: cadence text > activity > plan default
    duration: timedelta = timedelta(hours=1)
    all_day: bool = False
    weekday: int = 1  # for monthly / N per year: Monday = 0
    week: int = 2  # which week of the month, -1 = last
    start: date = date.min  # first and last day the activity runs (within the plan period)
    end: date = date.max
    pinned: tuple[datetime | date, ...] = ()
    place: str | None = None
    organizer: str | None = None
    attendees: tuple[str, ...] = ()
    audience: Audience = "internal"
    reminder: int | None = 15  # minutes before; None: no alarm
    holiday_policy: HolidayPolicy = "next"
    break_policies: tuple[tuple[str, BreakPolicy], ...] = ()  # per break id, resolved
    count_policy: CountPolicy = "keep"  # N a year: a meeting taken away moves to another month
    exceptions: Exceptions = Exceptions()
    followups: tuple[FollowUp, ...] = ()
    overlaps: tuple[str, ...] = ()  # activities it may overlap without a double-booking warning
    where: Where = field(default=NOWHERE, compare=False)
    lines: tuple[tuple[str, Where], ...] = field(default=(), compare=False)
    # English, where the plan gives it; the Swedish text stands in where it does not.
    title_en: str | None = None
    description_en: str | None = None
    place_en: str | None = None

    def title_in(self, lang: str) -> str:
        return self.title_en if lang == "en" and self.title_en else self.title

    def description_in(self, lang: str) -> str | None:
        return self.description_en if lang == "en" and self.description_en else self.description

    def place_in(self, lang: str) -> str | None:
        return self.place_en if lang == "en" and self.place_en else self.place

    def translated(self, lang: str, key: str) -> bool:
        """Whether ``key`` (title, description, place) is in ``lang`` (Swedish is the source)."""
        return lang != "en" or getattr(self, f"{key}_en") is not None

    def at(self, key: str) -> Where:
        return dict(self.lines).get(key, self.where)

    def break_policy(self, break_id: str) -> BreakPolicy:
        return dict(self.break_policies).get(break_id, "skip")

    @property
    def public(self) -> bool:
        return self.audience == "public"


@dataclass(frozen=True, slots=True)
class Municipality:
    """Who publishes the plan: its name on the public page, and a logo file beside the plan."""

    name: str
    name_en: str | None = None
    logo: str | None = None  # a path relative to the plan file
    where: Where = field(default=NOWHERE, compare=False)

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name


@dataclass(frozen=True)
class Plan:
    id: str
    name: str
    timezone: str
    start: date
    end: date
    language: str = "sv"
    holidays: HolidaySpec = field(default_factory=HolidaySpec)
    breaks: tuple[Break, ...] = ()
    roles: tuple[Role, ...] = ()
    activities: tuple[Activity, ...] = ()
    followups: tuple[FollowUp, ...] = ()  # of the whole plan
    refresh: timedelta = timedelta(hours=1)  # how often clients should poll a feed
    url: str | None = None  # where the feeds are published, for links in reminders
    source: str = "<plan>"
    where: Where = field(default=NOWHERE, compare=False)
    name_en: str | None = None
    municipality: Municipality | None = None
    contact: str | None = None  # a role id: whom the public may write to
    document: str | None = None  # URL of the plan document itself

    def label(self, lang: str) -> str:
        return self.name_en if lang == "en" and self.name_en else self.name

    @cached_property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def role_by_id(self) -> dict[str, Role]:
        return {r.id: r for r in self.roles}

    @cached_property
    def activity_by_id(self) -> dict[str, Activity]:
        return {a.id: a for a in self.activities}

    def all_followups(self) -> tuple[FollowUp, ...]:
        return tuple(f for a in self.activities for f in a.followups) + self.followups
