"""Plan → Schedule: series with their exceptions, and the deadlines of the follow-ups.

The series form is what calendars receive (RRULE, EXDATE, RECURRENCE-ID overrides, single
events); occurrences are always expanded *from* it (``Series.expand``), so the agenda and
every feed say the same thing by construction.

How one activity becomes series:

1. Its cadence gives a rule (weekly, monthly on the nth weekday, an explicit RRULE) or a set
   of single slots (N times a year, a list of dates).
2. Only the *special* days of the rule are examined — holidays, break days, written
   exceptions — never every occurrence: a ten-year weekly series has about fifty of them.
   Each gets a fate: kept, skipped (EXDATE) or moved (written moves first, then the break
   policy, then the holiday policy).
3. A move lands on a working day of the activity. Two occurrences never share a day: a move
   onto an occupied day is an error when written in the plan, and a merge (skip) when a
   policy caused it.
4. Outlook cannot move an occurrence onto or past a neighbouring one, so such a move becomes
   EXDATE plus a single event; every other move is a RECURRENCE-ID override.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Literal
from zoneinfo import ZoneInfo

from plancal.errors import Problem, Problems, Where
from plancal.i18n import MONTHS, Message, Text, msg
from plancal.rules import cadence as cad
from plancal.rules.busy import Busy, IsFree, always_free
from plancal.rules.days import WorkCalendar, holiday_table
from plancal.rules.model import Activity, FollowUp, Plan
from plancal.rules.recurrence import Rule, RuleError, explicit_rule, nth_weekday

ONE_DAY = timedelta(days=1)
Slot = datetime | date  # naive local: a datetime for timed events, a date for all-day ones
SeriesKind = Literal["series", "single", "added", "moved"]


def uid_for(plan_id: str, activity_id: str, qualifier: str | None = None) -> str:
    """Stable UIDs: derived from ids, never random, so a recompile is an update."""
    local = f"{activity_id}.{qualifier}" if qualifier else activity_id
    return f"{local}@{plan_id}.plancal"


def day_of(slot: Slot) -> date:
    return slot.date() if isinstance(slot, datetime) else slot


def _stamp(slot: Slot) -> str:
    return slot.strftime("%Y%m%dT%H%M") if isinstance(slot, datetime) else slot.strftime("%Y%m%d")


# --- the compiled forms ----------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Exclusion:
    recurrence_id: Slot
    reason: Message
    moved_to: str | None = None  # uid of the single event that replaces it


@dataclass(frozen=True, slots=True)
class Override:
    recurrence_id: Slot
    start: Slot
    reason: Message


@dataclass(frozen=True)
class Series:
    uid: str
    activity: Activity
    start: Slot  # the first occurrence, naive local
    duration: timedelta
    rule: Rule | None = None  # None: a single event
    until: Slot | None = None  # the last occurrence of the rule
    exclusions: tuple[Exclusion, ...] = ()
    overrides: tuple[Override, ...] = ()
    kind: SeriesKind = "series"
    reason: Message | None = None  # why a single event is where it is
    replaces: Slot | None = None  # kind "moved": the series occurrence it stands in for

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)

    @property
    def end(self) -> Slot:
        return self.start + self.duration

    def exdates(self) -> list[Slot]:
        """Excluded occurrences inside the rule's span: what EXDATE must list."""
        if self.rule is None or self.until is None:
            return []
        return sorted(
            e.recurrence_id for e in self.exclusions if self.start <= e.recurrence_id <= self.until
        )

    def until_utc(self, tz: ZoneInfo) -> datetime | date | None:
        if self.until is None:
            return None
        if isinstance(self.until, datetime):
            return self.until.replace(tzinfo=tz).astimezone(UTC)
        return self.until

    def rrule_text(self, tz: ZoneInfo) -> str | None:
        return None if self.rule is None else self.rule.rrule_text(self.until_utc(tz))

    def expand(self, tz: ZoneInfo) -> list[Occurrence]:
        """Every occurrence, from the series form itself (dateutil on the same RRULE)."""
        aware = isinstance(self.start, datetime)
        if self.rule is None:
            return [
                Occurrence(
                    self,
                    None,
                    _aware(self.start, tz),
                    _aware(self.end, tz),
                    self.kind if self.kind != "single" else None,
                    self.reason,
                )
            ]
        assert self.until is not None
        start = self.start if aware else datetime.combine(self.start, time())
        until = self.until if aware else datetime.combine(self.until, time())
        excluded = {e.recurrence_id for e in self.exclusions}
        overrides = {o.recurrence_id: o for o in self.overrides}
        duration = self.duration
        instants = self.rule.instants(start, until)  # type: ignore[arg-type]
        if aware and not excluded and not overrides:  # the common case, kept tight
            return [
                Occurrence(self, r, r, r + duration, None, None)
                for r in (i.replace(tzinfo=tz) for i in instants)
            ]
        out: list[Occurrence] = []
        append = out.append
        for instant in instants:
            rid: Slot = instant if aware else instant.date()
            if rid in excluded:
                continue
            override = overrides.get(rid)
            if aware:
                rid_tz = instant.replace(tzinfo=tz)
                if override is None:
                    # Adding to an aware time is wall-clock arithmetic, as iCalendar wants.
                    append(Occurrence(self, rid_tz, rid_tz, rid_tz + duration, None, None))
                else:
                    new = _aware(override.start, tz)
                    append(Occurrence(self, rid_tz, new, new + duration, "moved", override.reason))
            elif override is None:
                append(Occurrence(self, rid, rid, rid + duration, None, None))
            else:
                append(
                    Occurrence(
                        self,
                        rid,
                        override.start,
                        override.start + duration,
                        "moved",
                        override.reason,
                    )
                )
        return out


def _aware(slot: Slot, tz: ZoneInfo) -> datetime | date:
    return slot.replace(tzinfo=tz) if isinstance(slot, datetime) else slot


class Occurrence:
    """One meeting as it happens. ``recurrence_id`` is None for single events."""

    __slots__ = ("change", "end", "reason", "recurrence_id", "series", "start")

    def __init__(
        self,
        series: Series,
        recurrence_id: datetime | date | None,
        start: datetime | date,
        end: datetime | date,
        change: str | None,
        reason: Message | None,
    ):
        self.series = series
        self.recurrence_id = recurrence_id
        self.start = start
        self.end = end
        self.change = change  # None, "moved" or "added"
        self.reason = reason

    @property
    def uid(self) -> str:
        return self.series.uid

    @property
    def activity(self) -> Activity:
        return self.series.activity

    @property
    def day(self) -> date:
        return self.start.date() if isinstance(self.start, datetime) else self.start

    def sort_key(self) -> tuple[str, str, str]:
        return (
            self.start.isoformat(),
            self.uid,
            "" if self.recurrence_id is None else self.recurrence_id.isoformat(),
        )

    def __repr__(self) -> str:
        return f"<Occurrence {self.uid} {self.start}>"


@dataclass(frozen=True, slots=True)
class Cancelled:
    """An occurrence that the rule or the plan foresaw but that does not take place."""

    activity: Activity
    uid: str
    recurrence_id: Slot | None  # for a single event: where it would have been
    reason: Message
    single: bool = False


@dataclass(frozen=True, slots=True)
class Deadline:
    uid: str
    followup: FollowUp
    start: date  # a month-long window starts before it is due
    due: date
    source: datetime | date | None = None  # the occurrence it follows up
    meeting: Occurrence | None = None  # "at next/each": where it is presented


@dataclass(frozen=True)
class Schedule:
    plan: Plan
    series: tuple[Series, ...]
    deadlines: tuple[Deadline, ...]
    cancelled_singles: tuple[Cancelled, ...] = ()
    warnings: tuple[Problem, ...] = ()
    _occurrences: list[Occurrence] = field(default_factory=list, compare=False, repr=False)
    # Series the compiler expanded already (placement does), by UID: used once, then dropped.
    _expanded: dict[str, list[Occurrence]] = field(
        default_factory=dict, init=False, compare=False, repr=False
    )

    def occurrences(
        self,
        start: date | None = None,
        end: date | None = None,
        activities: Iterable[str] | None = None,
    ) -> list[Occurrence]:
        """Occurrences starting on days start..end (inclusive), in time order."""
        if not self._occurrences:
            tz = self.plan.tz
            per_series = [self._expanded.pop(s.uid, []) or s.expand(tz) for s in self.series]
            self._occurrences.extend(heapq.merge(*per_series, key=_start_key))
        wanted = set(activities) if activities is not None else None
        return [
            o
            for o in self._occurrences
            if (wanted is None or o.activity.id in wanted)
            and (start is None or o.day >= start)
            and (end is None or o.day <= end)
        ]

    def cancelled(self) -> list[Cancelled]:
        out = list(self.cancelled_singles)
        for s in self.series:
            out.extend(
                Cancelled(s.activity, s.uid, e.recurrence_id, e.reason)
                for e in s.exclusions
                if e.moved_to is None
            )
        return sorted(
            out, key=lambda c: (day_of(c.recurrence_id) if c.recurrence_id else date.min, c.uid)
        )

    @property
    def as_needed(self) -> tuple[Activity, ...]:
        return tuple(a for a in self.plan.activities if isinstance(a.cadence, cad.AsNeeded))


def _start_key(o: Occurrence) -> tuple[date, str]:
    return (o.day, o.start.isoformat() if isinstance(o.start, datetime) else "")


# --- reasons ---------------------------------------------------------------------------------


def _because(a: Activity, day: date, what: Message) -> Message:
    """What the plan does to an occurrence, and why when the plan says (exceptions: reasons)."""
    why = a.exceptions.reason(day)
    return what if why is None else msg(R_BECAUSE, what=what, why=why)


R_HOLIDAY_SKIP = Text("{holiday}: skipped", "{holiday}: inställt")
R_HOLIDAY_MOVE = Text("moved from {day} ({holiday})", "flyttat från {day} ({holiday})")
R_BREAK_SKIP = Text("{brk}: skipped", "{brk}: inställt")
R_BREAK_MOVE = Text("moved from {day} ({brk})", "flyttat från {day} ({brk})")
R_CANCELLED = Text("cancelled in the plan", "inställt i planen")
R_MOVED = Text("moved from {day} in the plan", "flyttat från {day} i planen")
R_BECAUSE = Text("{what}: {why}", "{what}: {why}")
R_PINNED = Text("pinned to {day} in the plan", "fast datum {day} i planen")
R_MERGED = Text("merged into the meeting on {day}", "slås ihop med mötet {day}")
R_OUTSIDE = Text("would move outside the plan period", "skulle flyttas utanför planperioden")
R_MONTH_OFF = Text(
    "{month}: not one of the {count} months a year", "{month}: inte en av årets {count} månader"
)
R_ADDED = Text("added in the plan", "tillagt i planen")
R_KEPT = Text(
    "moved from {day} ({why}): the count a year is kept",
    "flyttat från {day} ({why}): antalet per år behålls",
)
R_TAKEN = Text("the month takes the meeting of {day}", "månaden tar emot mötet från {day}")

# The months of "N a year" in a whole year: a fixed pattern per N, so a meeting's month (its
# identity) follows from N alone. Up to six a year, spread evenly and clear of July; from
# seven, the whole year less months dropped in a fixed order (July first), so N-1 a year
# cancels exactly one meeting of N.
_SPREAD: dict[int, tuple[int, ...]] = {
    1: (10,),
    2: (3, 10),
    3: (2, 6, 11),
    4: (2, 5, 9, 11),
    5: (2, 4, 6, 9, 11),
    6: (2, 4, 6, 8, 10, 12),
}
_DROPPED_IN_ORDER = (7, 1, 4, 10, 12, 5)
SERIES_FROM = 7  # from this many a year one monthly series (with EXDATE), below single events


def months_of(count: int) -> tuple[int, ...]:
    if count in _SPREAD:
        return _SPREAD[count]
    dropped = set(_DROPPED_IN_ORDER[: 12 - count])
    return tuple(m for m in range(1, 13) if m not in dropped)


R_FREE = Text(
    "not on {day}: someone it books is busy then",
    "inte {day}: någon som ska delta är upptagen då",
)


def _valid(year: int, month: int, day: int) -> bool:
    try:
        date(year, month, day)
    except ValueError:
        return False
    return True


# --- compiling -------------------------------------------------------------------------------


def compile_plan(
    plan: Plan, holidays: Mapping[date, str] | None = None, place_where_free: bool = True
) -> Schedule:
    """Compile, or raise PlanError naming every problem with its line.

    ``place_where_free=False`` keeps plancal's usual choices even where they double-book
    someone: the plan as its rules alone place it (what the double-booking check is tested on).
    """
    problems = Problems()
    schedule = compile_with_problems(plan, problems, holidays, place_where_free)
    problems.raise_if_errors()
    return schedule


def work_calendar(plan: Plan, holidays: Mapping[date, str] | None = None) -> WorkCalendar:
    years = range(plan.start.year - 1, plan.end.year + 2)
    spans = [s for b in plan.breaks for s in b.spans(plan.start.year, plan.end.year + 1)]
    if holidays is not None:
        return WorkCalendar(holidays, spans)
    table = holiday_table(plan.holidays, years)
    english = holiday_table(replace(plan.holidays, language="en_US"), years)
    return WorkCalendar(table, spans, english)


def compile_with_problems(
    plan: Plan,
    problems: Problems,
    holidays: Mapping[date, str] | None = None,
    place_where_free: bool = True,
) -> Schedule:
    """Every activity compiled on its own; then, with ``place_where_free``, the ones whose
    chosen slots (holiday and break moves, N a year) book someone who is busy then compiled
    again where the people are free (``_place_where_free``)."""
    cal = work_calendar(plan, holidays)
    gaps = _dst_gap_days(plan.tz, plan.start, plan.end)
    compiled = [_compile_activity(plan, a, cal, gaps, always_free) for a in plan.activities]
    if place_where_free:
        _place_where_free(plan, cal, gaps, compiled)
    series: list[Series] = []
    cancelled: list[Cancelled] = []
    for c in compiled:
        series.extend(c.series)
        cancelled.extend(c.cancelled)
        problems.problems.extend(c.problems)
    series.sort(key=lambda s: s.uid)
    deadlines = _deadlines(plan, series, problems)
    schedule = Schedule(
        plan, tuple(series), tuple(deadlines), tuple(cancelled), tuple(problems.warnings)
    )
    for c in compiled:
        schedule._expanded.update(c.expanded)  # placement's expansions serve the occurrences
    return schedule


# --- placing where people are free ------------------------------------------------------------

PLACE_WITHIN = timedelta(days=4)  # how far past its usual day a move may look for a free slot


@dataclass
class _Compiled:
    """One activity compiled, with the slots its placement asked about (where plancal chose)."""

    activity: Activity
    series: list[Series]
    cancelled: list[Cancelled]
    problems: list[Problem]
    asked: set[Slot]
    expanded: dict[str, list[Occurrence]] = field(default_factory=dict)  # by series UID

    def meetings(self, tz: ZoneInfo) -> tuple[list[_Meeting], list[_Meeting]]:
        """Its timed meetings (naive local): those the plan fixed, and those plancal placed."""
        fixed: list[_Meeting] = []
        placed: list[_Meeting] = []
        for s in self.series:
            if s.all_day:
                continue
            duration = s.duration
            self.expanded[s.uid] = occurrences = s.expand(tz)
            for o in occurrences:
                start = o.start.replace(tzinfo=None)  # type: ignore[call-arg]
                (placed if start in self.asked else fixed).append(
                    (self.activity, start, start + duration)
                )
        return fixed, placed


_Meeting = tuple[Activity, Slot, Slot]


def _compile_activity(
    plan: Plan, activity: Activity, cal: WorkCalendar, gaps: set[date], is_free: IsFree
) -> _Compiled:
    asked: set[Slot] = set()

    def asking(a: Activity, start: Slot, end: Slot) -> bool:
        asked.add(start)
        return is_free(a, start, end)

    problems = Problems()
    compiler = _ActivityCompiler(plan, activity, cal, problems, gaps, asking)
    series = compiler.run()
    return _Compiled(activity, series, compiler.cancelled, problems.problems, asked)


def _place_where_free(
    plan: Plan, cal: WorkCalendar, gaps: set[date], compiled: list[_Compiled]
) -> None:
    """Where plancal chose a slot (a holiday or break move, N a year) and someone it books is
    busy then in the plan, compile that activity again choosing the nearest free slot.

    Deterministic: the meetings the plan fixes (rules, pins, written dates) come first; then
    the activities in file order, each seeing where the ones before it were placed. An
    activity whose chosen slots are all free keeps its first compile untouched.
    """
    if not any(c.asked for c in compiled):
        return
    tz = plan.tz
    busy = Busy(plan)
    placed_of: list[list[_Meeting]] = []
    for c in compiled:
        fixed, placed = c.meetings(tz)
        busy.add_all(fixed)
        placed_of.append(placed)
    for i, c in enumerate(compiled):
        if not c.asked:
            continue
        placed = placed_of[i]
        if not all(busy.is_free(a, start, end) for a, start, end in placed):
            c = compiled[i] = _compile_activity(plan, c.activity, cal, gaps, busy.is_free)
            placed = c.meetings(tz)[1]
        busy.add_all(placed)


def _dst_gap_days(tz: ZoneInfo, start: date, end: date) -> set[date]:
    """Days whose local clock jumps forward: some times of day do not exist on them.

    Offsets are compared month by month, and a change is bisected down to its day.
    """

    def offset(day: date) -> timedelta | None:
        return datetime.combine(day, time(12), tz).utcoffset()

    out = set()
    low = date(start.year, start.month, 1)
    while low <= end:
        high = date(low.year + low.month // 12, low.month % 12 + 1, 1)
        a, b = offset(low - ONE_DAY), offset(high)
        if a is not None and b is not None and a != b:
            # One change per month at most in real zones: find the first day after it.
            left, right = low - ONE_DAY, high
            while (right - left).days > 1:
                middle = left + (right - left) / 2
                if offset(middle) == a:
                    left = middle
                else:
                    right = middle
            after = offset(right)
            if after is not None and after > a:
                out.add(right)
        low = high
    return out


def nonexistent(slot: Slot, tz: ZoneInfo) -> bool:
    if not isinstance(slot, datetime):
        return False
    back = slot.replace(tzinfo=tz).astimezone(UTC).astimezone(tz).replace(tzinfo=None)
    return back != slot


@dataclass
class _Fate:
    action: Literal["skip", "move"]
    reason: Message
    new: Slot | None = None
    explicit: bool = False


class _ActivityCompiler:
    def __init__(
        self,
        plan: Plan,
        activity: Activity,
        cal: WorkCalendar,
        problems: Problems,
        gaps: set[date],
        is_free: IsFree = always_free,
    ):
        self.is_free = is_free
        self.plan = plan
        self.a = activity
        self.cal = cal
        self.p = problems
        self.gaps = gaps
        self.is_free = is_free
        self.own: Callable[[date], bool] = lambda day: False  # days the activity meets anyway
        self.cancelled: list[Cancelled] = []
        self.honoured = frozenset(b for b, pol in activity.break_policies if pol != "continue")
        self.first_day = max(activity.start, plan.start)
        self.last_day = min(activity.end, plan.end)

    def uid(self, qualifier: str | None = None) -> str:
        return uid_for(self.plan.id, self.a.id, qualifier)

    def at_time(self, day: date) -> Slot:
        if self.a.all_day or self.a.start_time is None:
            return day
        return datetime.combine(day, self.a.start_time)

    def explicit_slot(self, value: datetime | date) -> Slot:
        if self.a.all_day:
            return day_of(value)
        return value if isinstance(value, datetime) else self.at_time(value)

    def run(self) -> list[Series]:
        c = self.a.cadence
        a = self.a
        if isinstance(c, cad.Weekly):
            # "varje vecka" names no weekday: the activity's (else the plan's), as N a year
            return self.rule_series(Rule("WEEKLY", c.interval, c.weekdays or (a.weekday,)))
        if isinstance(c, cad.Monthly):
            return self.rule_series(Rule("MONTHLY", 1, (a.weekday,), a.week), pins=a.pinned)
        if isinstance(c, cad.PerYear):
            return self.per_year(c)
        if isinstance(c, cad.Dates):
            slots = [(_stamp(self.explicit_slot(v)), self.explicit_slot(v)) for v in c.items]
            return self.singles(slots, "single", apply_policy=False)
        if isinstance(c, cad.Yearly):  # the nth weekday of one month, as the RRULE says it
            c = cad.RRule(c.rrule())
        if isinstance(c, cad.RRule):
            try:
                start = datetime.combine(self.first_day, a.start_time or time())
                end = datetime.combine(self.last_day, a.start_time or time())
                rule = explicit_rule(c.text, start, end)
            except RuleError as e:
                self.p.error(
                    a.at("when"),
                    msg(
                        Text(
                            "the RRULE is not usable: {error}",
                            "RRULE går inte att använda: {error}",
                        ),
                        error=str(e),
                    ),
                    msg(
                        Text(
                            "write e.g. RRULE:FREQ=WEEKLY;BYDAY=MO",
                            "skriv t.ex. RRULE:FREQ=WEEKLY;BYDAY=MO",
                        )
                    ),
                )
                return []
            return self.rule_series(rule)
        return self.added_singles()

    # --- fates -----------------------------------------------------------------------------

    def fate(self, day: date) -> _Fate | None:
        """What the break and holiday policies do to an occurrence on ``day``."""
        for span in self.cal.breaks_on(day):
            policy = self.a.break_policy(span.break_id)
            if policy == "continue":
                continue
            if policy == "skip":
                return _Fate("skip", msg(R_BREAK_SKIP, brk=span.name))
            if policy == "before":
                new = self.free_day(span.start, -1)
            else:
                new = self.free_day(span.end, 1)
            return _Fate("move", msg(R_BREAK_MOVE, day=day, brk=span.name), self.at_time(new))
        holiday = self.cal.holiday_name(day)
        if holiday is None or self.a.holiday_policy == "keep":
            return None
        if self.a.holiday_policy == "skip":
            return _Fate("skip", msg(R_HOLIDAY_SKIP, holiday=holiday))
        new = self.free_day(day, 1 if self.a.holiday_policy == "next" else -1)
        return _Fate("move", msg(R_HOLIDAY_MOVE, day=day, holiday=holiday), self.at_time(new))

    def free_day(self, day: date, step: int) -> date:
        """The working day after (step 1) or before (-1) ``day`` where the people are free:
        the nearest one, looking up to PLACE_WITHIN past the usual choice, skipping days the
        activity meets anyway; the usual choice when none is free (validate then warns)."""
        move = self.cal.next_working_day if step > 0 else self.cal.previous_working_day
        usual = candidate = move(day, self.honoured)
        while abs(candidate - usual) <= PLACE_WITHIN:
            if not self.own(candidate) or candidate == usual:
                slot = self.at_time(candidate)
                if self.is_free(self.a, slot, slot + self.a.duration):
                    return candidate
            candidate = move(candidate, self.honoured)
        return usual

    def free_slot(self, slot: Slot, taken: set[date]) -> tuple[Slot, Message | None]:
        """A slot plancal computed (N a year) or, if the people are busy then, the nearest
        working day of the same month on which they are free (a tie goes to the later day)."""
        if self.is_free(self.a, slot, slot + self.a.duration):
            return slot, None
        day = day_of(slot)
        month = [
            d
            for d in (day.replace(day=n) for n in range(1, 32) if _valid(day.year, day.month, n))
            if d != day
            and self.first_day <= d <= self.last_day
            and d not in taken
            and not self.own(d)
            and self.cal.is_working_day(d, self.honoured)
            and not self.cal.breaks_on(d)
        ]
        for d in sorted(month, key=lambda d: (abs((d - day).days), d < day)):
            new = self.at_time(d)
            if self.is_free(self.a, new, new + self.a.duration):
                return new, msg(R_FREE, day=day)
        return slot, None

    def check_exists(self, slot: Slot, where: Where) -> bool:
        if nonexistent(slot, self.plan.tz):
            assert isinstance(slot, datetime)
            self.p.error(
                where,
                msg(
                    Text(
                        "{when} does not exist in {tz}: the clocks jump forward that night",
                        "{when} finns inte i {tz}: klockan ställs fram den natten",
                    ),
                    when=slot.strftime("%Y-%m-%d %H:%M"),
                    tz=self.plan.timezone,
                ),
                msg(
                    Text(
                        "choose a time outside 02:00–03:00 on that day",
                        "välj en tid utanför 02.00–03.00 den dagen",
                    )
                ),
            )
            return False
        return True

    # --- rule series -------------------------------------------------------------------------

    def rule_series(
        self,
        rule: Rule,
        pins: Iterable[datetime | date] = (),
        preset: Mapping[date, _Fate] | None = None,
    ) -> list[Series]:
        a = self.a
        first = rule.first_on_or_after(self.first_day)
        last = rule.last_on_or_before(self.last_day, first) if first else None
        if first is None or last is None or first > self.last_day:
            self.p.warn(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} has no occurrence in {start} – {end}",
                        "{id!r} har inget tillfälle {start} – {end}",
                    ),
                    id=a.id,
                    start=self.first_day,
                    end=self.last_day,
                ),
            )
            return self.added_singles()
        ex = a.exceptions
        fates: dict[date, _Fate] = {}
        ok = True

        def require_occurrence(day: date, key: str) -> bool:
            if first <= day <= last and rule.contains(day, first):
                return True
            before = rule.last_on_or_before(day, first)
            after = rule.first_on_or_after(day, first)
            near = ", ".join(str(d) for d in (before, after) if d and first <= d <= last)
            self.p.error(
                a.at("exceptions"),
                msg(
                    Text(
                        "{day} ({key}) is not an occurrence of {id!r}",
                        "{day} ({key}) är inget tillfälle för {id!r}",
                    ),
                    day=day,
                    key=key,
                    id=a.id,
                ),
                msg(
                    Text("nearest occurrences: {near}", "närmaste tillfällen: {near}"),
                    near=near or "–",
                ),
            )
            return False

        for day in ex.cancelled:
            if require_occurrence(day, "cancelled"):
                fates[day] = _Fate("skip", _because(a, day, msg(R_CANCELLED)), explicit=True)
            else:
                ok = False
        for day, new in ex.moved:
            if require_occurrence(day, "moved"):
                fates[day] = _Fate(
                    "move",
                    _because(a, day, msg(R_MOVED, day=day)),
                    self.explicit_slot(new),
                    explicit=True,
                )
            else:
                ok = False
        for day, given in (preset or {}).items():
            if day not in fates and first <= day <= last:
                fates[day] = given
        for pin in pins:
            target = self.nearest(rule, first, last, day_of(pin), fates)
            if target is None:
                self.p.error(
                    a.at("pinned"),
                    msg(
                        Text(
                            "{day} is not near any occurrence",
                            "{day} ligger inte nära något tillfälle",
                        ),
                        day=day_of(pin),
                    ),
                )
                ok = False
                continue
            fates[target] = _Fate(
                "move",
                _because(a, day_of(pin), msg(R_PINNED, day=day_of(pin))),
                self.explicit_slot(pin),
                explicit=True,
            )
        self.own = lambda day: first <= day <= last and rule.contains(day, first)
        for day in sorted(d for d in self.cal.special_days() if first <= d <= last):
            if day in fates or not rule.contains(day, first):
                continue
            fate = self.fate(day)
            if fate is not None:
                fates[day] = fate
        for day in sorted(self.gaps):
            if (
                first <= day <= last
                and rule.contains(day, first)
                and (day not in fates or fates[day].action == "move")
            ):
                ok &= self.check_exists(self.at_time(day), a.at("when"))
        for fate in fates.values():
            if fate.action == "move" and fate.new is not None:
                ok &= self.check_exists(fate.new, a.at("exceptions" if fate.explicit else "when"))
        if not ok:
            return []

        self.resolve_collisions(rule, first, fates)
        exclusions: list[Exclusion] = []
        overrides: list[Override] = []
        singles: list[Series] = []
        for day in sorted(fates):
            fate = fates[day]
            rid = self.at_time(day)
            if fate.action == "skip":
                exclusions.append(Exclusion(rid, fate.reason))
                continue
            assert fate.new is not None
            if self.outlook_allows(rule, first, last, day, day_of(fate.new), fates):
                overrides.append(Override(rid, fate.new, fate.reason))
            else:
                uid = self.uid(f"moved-{day.strftime('%Y%m%d')}")
                exclusions.append(Exclusion(rid, fate.reason, moved_to=uid))
                singles.append(
                    Series(
                        uid, a, fate.new, a.duration, kind="moved", reason=fate.reason, replaces=rid
                    )
                )
        # The series starts and ends at its first and last occurrence that stays in it.
        staying = [d for d in (first, last) if d not in fates or fates[d].action == "move"]
        start_day = first if first in staying else self.next_staying(rule, first, last, fates)
        end_day = last if last in staying else self.previous_staying(rule, first, last, fates)
        moved_to = {day_of(f.new) for f in fates.values() if f.action == "move" and f.new}

        def occupied(day: date) -> bool:
            return day in moved_to or (
                first <= day <= last and rule.contains(day, first) and day not in fates
            )

        out = singles + self.added_singles(occupied)
        if start_day is None or end_day is None:
            return out
        series = Series(
            self.uid(),
            a,
            self.at_time(start_day),
            a.duration,
            rule,
            self.at_time(end_day),
            tuple(exclusions),
            tuple(overrides),
        )
        return [series, *out]

    def nearest(
        self, rule: Rule, first: date, last: date, day: date, fates: Mapping[date, _Fate]
    ) -> date | None:
        # The nearest occurrence the plan has not already given a fate (N a year leaves out
        # months: their rule days are in ``fates``), within 45 days, the earlier on a tie.
        for distance in range(46):
            for d in (day - timedelta(days=distance), day + timedelta(days=distance)):
                if first <= d <= last and d not in fates and rule.contains(d, first):
                    return d
        return None

    def next_staying(
        self, rule: Rule, first: date, last: date, fates: Mapping[date, _Fate]
    ) -> date | None:
        day: date | None = first
        while day is not None and day <= last:
            if day not in fates or fates[day].action == "move":
                return day
            day = rule.first_on_or_after(day + ONE_DAY, first)
        return None

    def previous_staying(
        self, rule: Rule, first: date, last: date, fates: Mapping[date, _Fate]
    ) -> date | None:
        day: date | None = last
        while day is not None and day >= first:
            if day not in fates or fates[day].action == "move":
                return day
            day = rule.last_on_or_before(day - ONE_DAY, first)
        return None

    def resolve_collisions(self, rule: Rule, first: date, fates: dict[date, _Fate]) -> None:
        """No two occurrences on one day: written moves must not collide; policy moves merge."""
        taken: dict[date, date] = {}
        for day in sorted(fates):
            fate = fates[day]
            if fate.action != "move":
                continue
            assert fate.new is not None
            target = day_of(fate.new)
            stays_there = target != day and rule.contains(target, first) and (target not in fates)
            clash = stays_there or target in taken
            if fate.explicit:
                if clash:
                    self.p.error(
                        self.a.at("exceptions"),
                        msg(
                            Text(
                                "moving {day} to {target} puts two occurrences of {id!r} on one day",
                                "att flytta {day} till {target} ger två tillfällen av {id!r} samma dag",
                            ),
                            day=day,
                            target=target,
                            id=self.a.id,
                        ),
                        msg(
                            Text(
                                "choose another day, or cancel one of them",
                                "välj en annan dag, eller ställ in ett av dem",
                            )
                        ),
                    )
                taken[target] = day
                continue
            if not self.first_day <= target <= self.last_day:
                fates[day] = _Fate("skip", msg(R_OUTSIDE))
            elif clash:
                fates[day] = _Fate("skip", msg(R_MERGED, day=target))
            else:
                taken[target] = day

    def outlook_allows(
        self,
        rule: Rule,
        first: date,
        last: date,
        day: date,
        target: date,
        fates: Mapping[date, _Fate],
    ) -> bool:
        """An override may not reach the day of, or pass, a neighbouring occurrence."""
        before, after = rule.neighbours(day, first, last)
        for neighbour, later in ((before, False), (after, True)):
            if neighbour is None:
                continue
            bounds = [neighbour]
            fate = fates.get(neighbour)
            if fate is not None and fate.action == "move" and fate.new is not None:
                bounds.append(day_of(fate.new))
            for bound in bounds:
                if (later and target >= bound) or (not later and target <= bound):
                    return False
        return True

    # --- single events -----------------------------------------------------------------------

    def added_singles(self, occupied: Callable[[date], bool] = lambda day: False) -> list[Series]:
        out = []
        for value in self.a.exceptions.added:
            slot = self.explicit_slot(value)
            if occupied(day_of(slot)):
                self.p.error(
                    self.a.at("exceptions"),
                    msg(
                        Text(
                            "{id!r} already has an occurrence on {day}",
                            "{id!r} har redan ett tillfälle {day}",
                        ),
                        id=self.a.id,
                        day=day_of(slot),
                    ),
                    msg(
                        Text(
                            "move that occurrence instead (exceptions: moved)",
                            "flytta det tillfället i stället (exceptions: moved)",
                        )
                    ),
                )
                continue
            if not self.check_exists(slot, self.a.at("exceptions")):
                continue
            out.append(
                Series(
                    self.uid(f"added-{day_of(slot).strftime('%Y%m%d')}"),
                    self.a,
                    slot,
                    self.a.duration,
                    kind="added",
                    reason=msg(R_ADDED),
                )
            )
        return out

    def singles(
        self,
        slots: list[tuple[str, Slot]],
        kind: SeriesKind,
        apply_policy: bool,
        pinned: Mapping[str, Slot] | None = None,
        placed: Mapping[str, _Fate] | None = None,
    ) -> list[Series]:
        """Single events, with written exceptions and (for computed slots) the policies;
        ``placed`` overrides the policies where N a year keeps its count."""
        ex = self.a.exceptions
        cancelled = set(ex.cancelled)
        moved = dict(ex.moved)
        used: set[date] = set()
        out: list[Series] = []
        taken: set[date] = set()
        self.own = {day_of(s) for _, s in slots}.__contains__
        for qualifier, slot in sorted(slots, key=lambda s: (day_of(s[1]), s[0])):
            day = day_of(slot)
            uid = self.uid(qualifier)
            reason: Message | None = None
            if pinned and qualifier in pinned:
                slot = pinned[qualifier]
                reason = _because(self.a, day_of(slot), msg(R_PINNED, day=day_of(slot)))
            elif day in cancelled:
                used.add(day)
                why = _because(self.a, day, msg(R_CANCELLED))
                self.cancelled.append(Cancelled(self.a, uid, slot, why, True))
                continue
            elif day in moved:
                used.add(day)
                slot = self.explicit_slot(moved[day])
                reason = _because(self.a, day, msg(R_MOVED, day=day))
            elif (
                apply_policy
                and (fate := (placed or {}).get(qualifier) or self.fate(day)) is not None
            ):
                if fate.action == "skip" or fate.new is None:
                    self.cancelled.append(Cancelled(self.a, uid, slot, fate.reason, True))
                    continue
                slot, reason = fate.new, fate.reason
            elif apply_policy:
                slot, reason = self.free_slot(slot, taken)
            if day_of(slot) in taken:
                self.cancelled.append(
                    Cancelled(self.a, uid, slot, msg(R_MERGED, day=day_of(slot)), True)
                )
                continue
            if not self.check_exists(slot, self.a.at("when")):
                continue
            taken.add(day_of(slot))
            out.append(Series(uid, self.a, slot, self.a.duration, kind=kind, reason=reason))
        out.extend(self.added_singles(lambda day: day in taken))
        for day in sorted((cancelled | set(moved)) - used):
            self.p.error(
                self.a.at("exceptions"),
                msg(
                    Text(
                        "{day} is not an occurrence of {id!r}",
                        "{day} är inget tillfälle för {id!r}",
                    ),
                    day=day,
                    id=self.a.id,
                ),
                msg(
                    Text("occurrences: {days}", "tillfällen: {days}"),
                    days=", ".join(sorted(str(day_of(s)) for _, s in slots)) or "–",
                ),
            )
        return out

    # --- N times a year ---------------------------------------------------------------------

    def per_year(self, c: cad.PerYear) -> list[Series]:
        """N a year: the months come from N alone (``months_of``), never from the breaks, so a
        meeting's identity is its month and a break touches only the meetings inside it. A
        meeting a break or holiday takes away goes to the nearest free month (``count: keep``).
        From ``SERIES_FROM`` a year the activity is one monthly series with EXDATE for the
        other months; below, one single event per month (UID ``activity.YYYY-MM``)."""
        a = self.a
        as_series = c.count >= SERIES_FROM
        skips: dict[date, _Fate] = {}  # series form: every rule day that is not a meeting
        slots: list[tuple[str, Slot]] = []  # single-event form
        placed: dict[str, _Fate] = {}  # single-event form: where count: keep put a meeting
        for year in range(self.first_day.year, self.last_day.year + 1):
            in_span = [
                m for m in range(1, 13) if self.first_day <= self.slot_day(year, m) <= self.last_day
            ]
            if not in_span:
                continue
            if len(in_span) == 12 or as_series:
                months = [m for m in months_of(c.count) if m in in_span]
            else:  # a part of a year: a share of N, spread over the months it has
                k = min(round(c.count * len(in_span) / 12), len(in_span))
                months = [in_span[int((i + 0.5) * len(in_span) / k)] for i in range(k)]
            fates = self.keep_count(year, months, in_span, c.count)
            for m in in_span:
                day = self.slot_day(year, m)
                fate = fates.get(m)
                if as_series:
                    if m not in months:
                        skips[day] = fate or _Fate("skip", self.month_off_reason(m, c.count))
                    elif fate is not None:
                        skips[day] = fate
                elif m in months:  # a month that only hosts a moved meeting has no event
                    qualifier = f"{year}-{m:02d}"
                    slots.append((qualifier, self.at_time(day)))
                    if fate is not None:
                        placed[qualifier] = fate
        if as_series:
            return self.rule_series(
                Rule("MONTHLY", 1, (a.weekday,), a.week), pins=a.pinned, preset=skips
            )
        pinned = self.match_pins(slots)
        extra = [p for p in a.pinned if self.explicit_slot(p) not in pinned.values()]
        series = self.singles(slots, "single", apply_policy=True, pinned=pinned, placed=placed)
        for pin in extra:
            slot = self.explicit_slot(pin)
            if self.check_exists(slot, a.at("pinned")):
                series.append(
                    Series(
                        self.uid(f"pinned-{day_of(slot).strftime('%Y%m%d')}"),
                        a,
                        slot,
                        a.duration,
                        kind="single",
                        reason=_because(a, day_of(slot), msg(R_PINNED, day=day_of(slot))),
                    )
                )
        return sorted(series, key=lambda s: s.uid)

    def keep_count(
        self, year: int, months: list[int], in_span: list[int], count: int
    ) -> dict[int, _Fate]:
        """Meetings of ``months`` that a break or holiday skips: with ``count: keep``, each
        moves to the nearest month of the year that has no meeting and can take one; where
        none can, it is skipped and the plan warns. Written exceptions and pins come first."""
        ex = self.a.exceptions
        written = set(ex.cancelled) | {d for d, _ in ex.moved}
        out: dict[int, _Fate] = {}
        lost = 0
        for m in months:
            day = self.slot_day(year, m)
            if day in written or any(abs((day_of(p) - day).days) <= 45 for p in self.a.pinned):
                continue
            fate = self.fate(day)
            if fate is None or fate.action != "skip":
                continue
            if self.a.count_policy == "drop":
                continue  # the policy skips it as usual
            taken = set(months) | set(out)  # meetings, and months that took one in
            target = None
            for other in sorted(
                (x for x in in_span if x not in taken),
                key=lambda x: (abs(x - m), -x),
            ):
                other_day = self.slot_day(year, other)
                other_fate = self.fate(other_day)
                if other_day in written or (other_fate is not None and other_fate.action == "skip"):
                    continue
                target = other_day if other_fate is None else day_of(other_fate.new or other_day)
                taken.add(other)
                out[other] = _Fate("skip", msg(R_TAKEN, day=day))  # marks the month as used
                break
            if target is None:
                lost += 1
                out[m] = fate
                continue
            out[m] = _Fate("move", msg(R_KEPT, day=day, why=fate.reason), self.at_time(target))
        if lost:
            self.p.warn(
                self.a.at("when"),
                msg(
                    Text(
                        "{title}: {kept} of {count} meetings in {year}: no free month for the "
                        "others",
                        "{title}: {kept} av {count} möten {year}: ingen ledig månad för resten",
                    ),
                    title=self.a.title,
                    kept=len(months) - lost,
                    count=len(months),
                    year=year,
                ),
                msg(
                    Text(
                        "shorten a break, or write count: drop to accept fewer",
                        "korta ett uppehåll, eller skriv count: drop för att godta färre",
                    )
                ),
            )
        return out

    def month_off_reason(self, month: int, count: int) -> Message:
        names = MONTHS["sv" if self.plan.language == "sv" else "en"]
        return msg(R_MONTH_OFF, month=names[month - 1], count=count)

    def slot_day(self, year: int, month: int) -> date:
        return nth_weekday(year, month, self.a.weekday, self.a.week)

    def match_pins(self, slots: list[tuple[str, Slot]]) -> dict[str, Slot]:
        """Each pinned date replaces the nearest computed slot (closest pairs first)."""
        pairs = sorted(
            (abs((day_of(slot) - day_of(pin)).days), day_of(pin), qualifier, pin)
            for qualifier, slot in slots
            for pin in self.a.pinned
            if abs((day_of(slot) - day_of(pin)).days) <= 45
        )
        out: dict[str, Slot] = {}
        used_pins: set[date] = set()
        for _, pin_day, qualifier, pin in pairs:
            if qualifier in out or pin_day in used_pins:
                continue
            out[qualifier] = self.explicit_slot(pin)
            used_pins.add(pin_day)
        return out


# --- deadlines -------------------------------------------------------------------------------


def _deadlines(plan: Plan, series: Iterable[Series], problems: Problems) -> list[Deadline]:
    needed: set[str] = set()  # only these activities' occurrences are expanded here
    for fu in plan.all_followups():
        if fu.due.kind in ("after_each", "at_next") and fu.activity_id:
            needed.add(fu.activity_id)
        if fu.due.kind in ("at_next", "at_each") and fu.due.activity:
            needed.add(fu.due.activity)
    tz = plan.tz
    by_activity: dict[str, list[Occurrence]] = {}
    for s in series:
        if s.activity.id in needed:
            by_activity.setdefault(s.activity.id, []).extend(s.expand(tz))
    for occurrences in by_activity.values():
        occurrences.sort(key=_start_key)
    out: list[Deadline] = []
    for fu in plan.all_followups():
        out.extend(_deadlines_of(plan, fu, by_activity, problems))
    return sorted(out, key=lambda d: (d.due, d.uid))


def _followup_uid(plan: Plan, fu: FollowUp, qualifier: str | None = None) -> str:
    local = f"followup.{fu.id}" + (f".{qualifier}" if qualifier else "")
    return f"{local}@{plan.id}.plancal"


def _deadlines_of(
    plan: Plan, fu: FollowUp, by_activity: Mapping[str, list[Occurrence]], problems: Problems
) -> Iterator[Deadline]:
    due = fu.due
    activity = plan.activity_by_id.get(fu.activity_id) if fu.activity_id else None
    span_start = max(activity.start, plan.start) if activity else plan.start
    span_end = min(activity.end, plan.end) if activity else plan.end
    own = by_activity.get(fu.activity_id or "", [])
    if due.kind == "date" and due.on is not None:
        yield Deadline(_followup_uid(plan, fu), fu, due.on, due.on)
    elif due.kind == "plan_end":
        day = plan.end + timedelta(days=due.days)
        yield Deadline(_followup_uid(plan, fu), fu, day, day)
    elif due.kind == "yearly" and due.month is not None:
        for year in range(span_start.year, span_end.year + 1):
            start = date(year, due.month, 1)
            end = date(year + due.month // 12, due.month % 12 + 1, 1) - ONE_DAY
            if end >= span_start and start <= span_end:
                yield Deadline(_followup_uid(plan, fu, str(year)), fu, start, end)
    elif due.kind == "after_each":
        for o in own:
            rid = o.recurrence_id or o.start
            day = o.day + timedelta(days=due.days)
            yield Deadline(_followup_uid(plan, fu, _qualifier(o)), fu, day, day, source=rid)
    elif due.kind == "at_next" and due.activity:
        meetings = by_activity.get(due.activity, [])
        for o in own:
            nxt = next((m for m in meetings if m.day > o.day), None)
            if nxt is None:
                problems.warn(
                    fu.where,
                    msg(
                        Text(
                            "{id!r}: no {ref!r} after {day} to present it at",
                            "{id!r}: inget {ref!r} efter {day} att föredra den på",
                        ),
                        id=fu.id,
                        ref=due.activity,
                        day=o.day,
                    ),
                )
                continue
            yield Deadline(
                _followup_uid(plan, fu, _qualifier(o)),
                fu,
                nxt.day,
                nxt.day,
                source=o.recurrence_id or o.start,
                meeting=nxt,
            )
    elif due.kind == "at_each" and due.activity:
        for m in by_activity.get(due.activity, []):
            if span_start <= m.day <= span_end:
                yield Deadline(
                    _followup_uid(plan, fu, _qualifier(m)),
                    fu,
                    m.day,
                    m.day,
                    source=m.recurrence_id or m.start,
                    meeting=m,
                )


def _qualifier(o: Occurrence) -> str:
    """Names an occurrence by where the rule put it, so a moved one keeps its deadlines."""
    if o.recurrence_id is not None:
        return o.recurrence_id.strftime("%Y%m%d")
    if o.series.replaces is not None:
        return day_of(o.series.replaces).strftime("%Y%m%d")
    local = o.uid.split("@")[0]
    return local.split(".", 1)[1] if "." in local else o.day.strftime("%Y%m%d")
