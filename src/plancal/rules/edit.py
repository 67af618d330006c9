"""Rescheduling edits of the plan file: skip, move, add, end a series, add or remove a break.

Pure: plan text in, plan text out (the file is written elsewhere, ``plancal.app.planfile``). Every
edit proves itself before it is offered: the edited text must load and compile without errors,
and the edited activity's meetings must differ from the old ones in exactly the asked way (a
skipped occurrence gone and nothing else gone, a moved one at its new time and every other one
where it was). Other activities' meetings may move only where plancal placed them around the
people's other meetings (a holiday move, N a year); the preview lists what moves. Where the plan can say a thing in more than one way (an occurrence that is pinned, moved
by a holiday policy, or added by hand), the ways are tried in order and the first that proves
itself is kept; if none does, the edit is refused with the reason.

The YAML is changed through ``roundtrip``: only the nodes that must change, every comment and
the rest of the file's bytes kept.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from plancal.errors import PlanError, Problem, Problems, Where
from plancal.i18n import Message, Text, msg
from plancal.rules import roundtrip
from plancal.rules.compile import (
    R_BREAK_MOVE,
    R_HOLIDAY_MOVE,
    Occurrence,
    Schedule,
    Slot,
    compile_with_problems,
    nonexistent,
)
from plancal.rules.diff import origin, signature
from plancal.rules.model import Activity, BreakPolicy, Plan
from plancal.rules.plan import loads_with_problems

Mutation = Callable[[Any], None]  # changes ruamel's tree of the plan in place
MonthDay = tuple[int, int]

# Where a new key goes in an activity: before the first of these that the activity has.
_AFTER_UNTIL = (
    "pinned",
    "place",
    "organizer",
    "attendees",
    "audience",
    "reminder",
    "holidays",
    "breaks",
    "exceptions",
    "followups",
)
_AFTER_BREAKS = ("roles", "activities", "followups", "feeds")


@dataclass(frozen=True)
class Edited:
    """A proven edit: the new text, its compiled calendar, and what was asked."""

    text: str
    schedule: Schedule
    summary: Message
    break_id: str | None = None  # a break added or removed
    gone: Message | None = None  # why occurrences the edit removes outright are gone


def stamp(slot: datetime | date) -> str:
    return slot.strftime("%Y-%m-%d %H:%M") if isinstance(slot, datetime) else slot.isoformat()


def _naive(value: datetime | date) -> Slot:
    return value.replace(tzinfo=None) if isinstance(value, datetime) else value


def _day(value: Any) -> date | None:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip()[:10])
    except ValueError:
        return None


def _slot(a: Activity, value: datetime | date) -> Slot:
    """Where the compiler puts a written date or date-time of this activity."""
    if a.all_day:
        return value.date() if isinstance(value, datetime) else value
    if isinstance(value, datetime) or a.start_time is None:
        return value
    return datetime.combine(value, a.start_time)


def _value(slot: datetime | date) -> Any:
    """How a date or date-time is written in the plan: 2023-03-13, 2023-03-13 14:00."""
    return stamp(slot) if isinstance(slot, datetime) else slot


def slug(name: str) -> str:
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    text = re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")
    return text[:60].strip("-") or "uppehall"


# --- mutations of the YAML tree ----------------------------------------------------------------


def _activity_node(data: Any, activity_id: str) -> Any:
    for node in data["activities"]:
        if node.get("id") == activity_id:
            return node
    raise KeyError(activity_id)


def _exceptions(node: Any) -> Any:
    if node.get("exceptions") is None:
        roundtrip.insert_key(node, "exceptions", roundtrip.block_map(), ("followups",))
    return node["exceptions"]


def _prune(node: Any, written_empty: bool = False) -> None:
    """Drop what an edit emptied: an empty list or mapping of exceptions, then exceptions
    (which goes back to being written empty if it was so before)."""
    ex = node.get("exceptions")
    if ex is not None:
        _drop_stale_reasons(ex, node)
        for key in [k for k, v in ex.items() if v is not None and len(v) == 0]:
            del ex[key]
        if len(ex) == 0:
            if written_empty:
                node["exceptions"] = None
            else:
                del node["exceptions"]
    pinned = node.get("pinned")
    if pinned is not None and len(pinned) == 0:
        del node["pinned"]


def _add_to_list(ex: Any, key: str, value: Any) -> None:
    items = ex.get(key)
    if items is None:
        ex[key] = roundtrip.block_seq([value])
        return
    roundtrip.insert_sorted(items, value, key=lambda v: str(_day(v) or ""))


def _remove_days(ex: Any, key: str, keep: Callable[[date], bool]) -> None:
    items = ex.get(key)
    if items is None:
        return
    for i in reversed(range(len(items))):
        day = _day(items[i])
        if day is not None and not keep(day):
            del items[i]


def _moved_items(ex: Any) -> list[tuple[Any, date]]:
    moved = ex.get("moved")
    if moved is None:
        return []
    return [(k, d) for k in list(moved.keys()) if (d := _day(k)) is not None]


def _set_moved(ex: Any, day: date, value: Any) -> None:
    _remove_moved(ex, day)
    moved = ex.get("moved")
    if moved is None:
        ex["moved"] = roundtrip.block_map()
        moved = ex["moved"]
    keys = [d for _, d in _moved_items(ex)]
    position = next((i for i, d in enumerate(keys) if d > day), len(keys))
    moved.insert(position, _own(day), value)


def _own(day: date) -> date:
    """A date object of its own: one object written twice would become a YAML anchor."""
    return date.fromordinal(day.toordinal())


def _set_reason(ex: Any, day: date, why: str) -> None:
    reasons = ex.get("reasons")
    if reasons is None:
        roundtrip.insert_key(ex, "reasons", roundtrip.block_map(), ())
        reasons = ex["reasons"]
    for key in list(reasons.keys()):
        if _day(key) == day:
            del reasons[key]
    keys = [_day(k) for k in reasons]
    position = next((i for i, d in enumerate(keys) if d is not None and d > day), len(keys))
    reasons.insert(position, _own(day), why)


def _drop_stale_reasons(ex: Any, node: Any) -> None:
    """A reason goes with its occurrence: once a day is neither cancelled, moved nor pinned,
    its reason would be an error in the plan."""
    reasons = ex.get("reasons")
    if reasons is None:
        return
    changed = {_day(v) for v in ex.get("cancelled") or ()} | {d for _, d in _moved_items(ex)}
    changed |= {_day(v) for v in node.get("pinned") or ()}
    for key in list(reasons.keys()):
        if _day(key) not in changed:
            del reasons[key]


def _unmove(day: date) -> Callable[[Any], None]:
    return lambda node: _remove_moved(_exceptions(node), day)


def _cancel(day: date) -> Callable[[Any], None]:
    return lambda node: _add_to_list(_exceptions(node), "cancelled", day)


def _move(day: date, value: Any) -> Callable[[Any], None]:
    return lambda node: _set_moved(_exceptions(node), day, value)


def _remove_moved(ex: Any, day: date) -> None:
    for key, d in _moved_items(ex):
        if d == day:
            del ex["moved"][key]


def _written(a: Activity, value: Any) -> Slot | None:
    """The slot a written list item (``pinned``, ``added``) stands for, as the loader reads it."""
    from plancal.rules.schema import INVALID, DateTimeK

    parsed = DateTimeK().check(value, Where("<edit>"), Problems())
    return None if parsed is INVALID else _slot(a, parsed)


def _replace_slot(node: Any, key: str, a: Activity, slot: Slot, value: Any) -> None:
    """Replace (or with ``value`` None, remove) the item of node[key] written for ``slot``."""
    items = node.get(key)
    if items is None:
        return
    for i in reversed(range(len(items))):
        if _written(a, items[i]) == slot:
            if value is None:
                del items[i]
            else:
                items[i] = value
            return


# --- the editor ------------------------------------------------------------------------------


class Editor:
    """Edits of one plan text; ``schedule`` is that text compiled."""

    def __init__(self, text: str, name: str, schedule: Schedule):
        self.text = text
        self.name = name
        self.old = schedule
        self.plan: Plan = schedule.plan
        self._doc: tuple[roundtrip.Document, str] | None = None

    # --- refusals ----------------------------------------------------------------------------

    def refuse(self, where: Where, message: Message, hint: Message | None = None) -> PlanError:
        return PlanError([Problem(where, message, hint)])

    def activity(self, activity_id: str) -> Activity:
        a = self.plan.activity_by_id.get(activity_id)
        if a is None:
            from plancal.rules.names import activity_hint

            hint = activity_hint(self.plan, activity_id)
            raise self.refuse(
                self.plan.where,
                msg(
                    Text("the plan has no activity {id!r}", "planen har ingen aktivitet {id!r}"),
                    id=activity_id,
                ),
                hint,
            )
        return a

    def inside_period(self, day: date, what: str, where: Where) -> None:
        if not self.plan.start <= day <= self.plan.end:
            raise self.refuse(
                where,
                msg(
                    Text(
                        "{what} {day} is outside the plan period {start} – {end}",
                        "{what} {day} ligger utanför planperioden {start} – {end}",
                    ),
                    what=what,
                    day=day,
                    start=self.plan.start,
                    end=self.plan.end,
                ),
                msg(
                    Text(
                        "choose a day inside the period, or change period: in the plan",
                        "välj en dag inom perioden, eller ändra period: i planen",
                    )
                ),
            )

    def exists(self, a: Activity, slot: Slot) -> None:
        if nonexistent(slot, self.plan.tz):
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{when} does not exist in {tz}: the clocks jump forward that night",
                        "{when} finns inte i {tz}: klockan ställs fram den natten",
                    ),
                    when=stamp(slot),
                    tz=self.plan.timezone,
                ),
                msg(
                    Text(
                        "choose a time outside 02:00–03:00 on that day",
                        "välj en tid utanför 02.00–03.00 den dagen",
                    )
                ),
            )

    def occurrences(self, a: Activity) -> list[Occurrence]:
        return self.old.occurrences(activities=[a.id])

    def find(self, a: Activity, day: date) -> Occurrence:
        """The occurrence on ``day`` (where it happens, or else where the rule put it)."""
        mine = self.occurrences(a)
        on_day = [o for o in mine if o.day == day]
        if on_day:
            return on_day[0]
        by_origin = [o for o in mine if _origin_day(o) == day]
        if by_origin:
            return by_origin[0]
        gone = [
            c
            for c in self.old.cancelled()
            if c.activity.id == a.id
            and c.recurrence_id is not None
            and _day(c.recurrence_id) == day
        ]
        if gone:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} on {day} already does not take place: {reason}",
                        "{id!r} {day} blir redan inte av: {reason}",
                    ),
                    id=a.id,
                    day=day,
                    reason=gone[0].reason,
                ),
                msg(Text("`plancal add` puts it back", "`plancal add` lägger tillbaka det")),
            )
        if not mine:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} has no dated occurrences ({when})",
                        "{id!r} har inga daterade tillfällen ({when})",
                    ),
                    id=a.id,
                    when=a.when,
                ),
                msg(Text("`plancal add` adds one", "`plancal add` lägger till ett")),
            )
        before = [o.day for o in mine if o.day < day][-1:]
        after = [o.day for o in mine if o.day > day][:1]
        near = ", ".join(str(d) for d in before + after)
        raise self.refuse(
            a.at("when"),
            msg(
                Text("{id!r} has no occurrence on {day}", "{id!r} har inget tillfälle {day}"),
                id=a.id,
                day=day,
            ),
            msg(
                Text("nearest occurrences: {near}", "närmaste tillfällen: {near}"), near=near or "–"
            ),
        )

    # --- trying ------------------------------------------------------------------------------

    def document(self) -> tuple[roundtrip.Document, str]:
        if self._doc is None:
            self._doc = roundtrip.load(self.text, self.name)
            return self._doc
        doc, baseline = self._doc
        fresh = roundtrip.Document(doc.original, None, doc.layout, doc.name)
        fresh.data = roundtrip.load_data(self.text)
        return fresh, baseline

    def attempt(self, mutations: Sequence[Mutation]) -> tuple[str, Schedule | None, Problems]:
        doc, baseline = self.document()
        for mutate in mutations:
            mutate(doc.data)
        text = doc.text(baseline)
        plan, problems = loads_with_problems(text, self.name)
        if plan is None or problems.errors:
            return text, None, problems
        schedule = compile_with_problems(plan, problems)
        return text, None if problems.errors else schedule, problems

    def first(
        self,
        candidates: Iterable[Sequence[Mutation]],
        proves: Callable[[Schedule], Message | None],
        summary: Message,
        break_id: str | None = None,
        gone: Message | None = None,
    ) -> Edited:
        """The first candidate edit that compiles and does what was asked."""
        failures: list[Problem] = []
        for mutations in candidates:
            try:
                text, schedule, problems = self.attempt(mutations)
            except roundtrip.EditConflict as e:  # another way of writing it may fit
                failures += e.problems
                continue
            if schedule is None:
                failures += [_after_edit(p) for p in problems.errors]
                continue
            wrong = proves(schedule)
            if wrong is None:
                return Edited(text, schedule, summary, break_id, gone)
            failures.append(
                Problem(
                    Where(self.name),
                    wrong,
                    msg(
                        Text(
                            "write the change by hand; `plancal diff OLD NEW` shows what it does",
                            "skriv ändringen för hand; `plancal diff GAMMAL NY` visar vad den gör",
                        )
                    ),
                )
            )
        raise PlanError(
            failures[:1]
            or [
                Problem(
                    Where(self.name),
                    msg(
                        Text(
                            "the plan has no way to say this: {change}",
                            "planen kan inte uttrycka detta: {change}",
                        ),
                        change=summary,
                    ),
                )
            ]
        )

    def only(
        self, activity_id: str, expected: set[tuple[Any, ...]], what: Message
    ) -> Callable[[Schedule], Message | None]:
        """A proof: after the edit, the activity's occurrences are exactly ``expected``."""

        def proves(new: Schedule) -> Message | None:
            got = {signature(o) for o in new.occurrences(activities=[activity_id])}
            if got == expected:
                return None
            lost = sorted(s[1][:16] for s in expected - got)
            extra = sorted(s[1][:16] for s in got - expected)
            return msg(
                Text(
                    "the change would not only {what}: lost {lost}, gained {extra}",
                    "ändringen skulle inte bara {what}: försvinner {lost}, tillkommer {extra}",
                ),
                what=what,
                lost=", ".join(lost) or "–",
                extra=", ".join(extra) or "–",
            )

        return proves

    def others(self, activity_id: str, *left_out: Occurrence) -> set[tuple[Any, ...]]:
        """The activity's occurrences but ``left_out``. Only the edited activity is proven:
        the edit touches its text alone, and another activity's meetings may move only where
        plancal places them around the people's other meetings (the preview shows it)."""
        gone = {signature(o) for o in left_out}
        return {signature(o) for o in self.old.occurrences(activities=[activity_id])} - gone

    # --- skip, move, add, cancel ---------------------------------------------------------------

    def skip(self, activity_id: str, day: date, reason: str | None = None) -> Edited:
        a = self.activity(activity_id)
        self.inside_period(day, "DATE", a.at("when"))
        o = self.find(a, day)
        reason = (reason or "").strip() or None
        if reason is not None and o.series.kind == "added":
            raise self.refuse(
                a.at("exceptions"),
                msg(
                    Text(
                        "{id!r} on {day} is an added occurrence: cancelling it removes it from "
                        "the plan, and no reason is kept",
                        "{id!r} {day} är ett tillagt tillfälle: att ställa in det tar bort det "
                        "ur planen, och inget skäl sparas",
                    ),
                    id=a.id,
                    day=o.day,
                ),
                msg(Text("leave out --reason", "utelämna --reason")),
            )
        summary = msg(Text("cancel {id} on {day}", "ställ in {id} {day}"), id=a.id, day=o.day)
        proves = self.only(a.id, self.others(a.id, o), msg(Text("cancel it", "ställa in det")))
        return self.first(self._skip_candidates(a, o, reason), proves, summary)

    def _skip_candidates(
        self, a: Activity, o: Occurrence, reason: str | None = None
    ) -> list[list[Mutation]]:
        start = _naive(o.start)
        if o.series.kind == "added":
            return [[self._on(a, lambda n: _replace_slot(_exceptions(n), "added", a, start, None))]]
        unpin = self._unpin(a, start)
        out = []
        for d in self._origins(a, o):
            out.append(
                [unpin, self._on(a, _unmove(d)), self._on(a, _cancel(d)), *self._why(a, d, reason)]
            )
        if any(_slot(a, p) == start for p in a.pinned) and o.recurrence_id is None:
            out += self._pinned_single_skip(a, o, unpin, reason)
        return out

    def _why(self, a: Activity, day: date, reason: str | None) -> list[Mutation]:
        """The mutation that writes why the occurrence of ``day`` changes, if a reason is given."""
        if reason is None:
            return []
        return [self._on(a, lambda n: _set_reason(_exceptions(n), day, reason))]

    def _pinned_single_skip(
        self, a: Activity, o: Occurrence, unpin: Mutation, reason: str | None = None
    ) -> list[list[Mutation]]:
        """A pinned one of N-a-year: without the pin, where would the slot be? Cancel that."""
        _, schedule, _ = self.attempt([unpin])
        if schedule is None:
            return []
        again = [x for x in schedule.occurrences(activities=[a.id]) if origin(x) == origin(o)]
        if not again:
            return [[unpin]]
        if again[0].reason is not None:
            return []
        d = again[0].day
        return [[unpin, self._on(a, _cancel(d)), *self._why(a, d, reason)]]

    def move(
        self, activity_id: str, day: date, to: datetime | date, reason: str | None = None
    ) -> Edited:
        a = self.activity(activity_id)
        self.inside_period(day, "DATE", a.at("when"))
        o = self.find(a, day)
        reason = (reason or "").strip() or None
        if reason is not None and o.series.kind == "added":
            raise self.refuse(
                a.at("exceptions"),
                msg(
                    Text(
                        "{id!r} on {day} is an added occurrence: moving it rewrites it, and no "
                        "reason is kept",
                        "{id!r} {day} är ett tillagt tillfälle: att flytta det skriver om det, "
                        "och inget skäl sparas",
                    ),
                    id=a.id,
                    day=o.day,
                ),
                msg(Text("leave out --reason", "utelämna --reason")),
            )
        if a.all_day and isinstance(to, datetime):
            raise self.refuse(
                a.at("all_day"),
                msg(
                    Text("{id!r} is an all-day activity", "{id!r} är en heldagsaktivitet"), id=a.id
                ),
                msg(
                    Text(
                        "write --to as a date, e.g. {day}", "skriv --to som ett datum, t.ex. {day}"
                    ),
                    day=to.date(),
                ),
            )
        start = o.start
        if isinstance(to, datetime) or not isinstance(start, datetime):
            target: Slot = to
        else:  # a date alone keeps the time of day
            target = datetime.combine(to, start.time())
        to_day = _day(target)
        assert to_day is not None
        self.inside_period(to_day, "--to", a.at("when"))
        self.exists(a, target)
        if target == _naive(start):
            raise self.refuse(
                a.at("when"),
                msg(
                    Text("{id!r} on {day} is already at {when}", "{id!r} {day} är redan {when}"),
                    id=a.id,
                    day=o.day,
                    when=stamp(target),
                ),
            )
        taken = [x for x in self.occurrences(a) if x.day == to_day and x is not o]
        if taken:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} already has an occurrence on {day}: two would fall on one day",
                        "{id!r} har redan ett tillfälle {day}: två skulle hamna samma dag",
                    ),
                    id=a.id,
                    day=to_day,
                ),
                msg(
                    Text(
                        "skip that one first (plancal skip), or choose another day",
                        "hoppa över det först (plancal skip), eller välj en annan dag",
                    )
                ),
            )
        summary = msg(
            Text("move {id} from {day} to {to}", "flytta {id} från {day} till {to}"),
            id=a.id,
            day=o.day,
            to=stamp(target),
        )
        return self.first(
            self._move_candidates(a, o, target, reason), self._moved_to(a, o, target), summary
        )

    def _moved_to(
        self, a: Activity, o: Occurrence, target: Slot
    ) -> Callable[[Schedule], Message | None]:
        rest = self.others(a.id, o)

        def proves(new: Schedule) -> Message | None:
            got = {signature(x) for x in new.occurrences(activities=[a.id])}
            extra = got - rest
            arrived = [s for s in extra if s[1] == _aware(target, self.plan).isoformat()]
            if rest <= got and len(extra) == 1 and arrived:
                return None
            return msg(
                Text(
                    "the change would not move only {id!r} on {day}",
                    "ändringen skulle inte bara flytta {id!r} {day}",
                ),
                id=a.id,
                day=o.day,
            )

        return proves

    def _move_candidates(
        self, a: Activity, o: Occurrence, target: Slot, reason: str | None = None
    ) -> list[list[Mutation]]:
        start = _naive(o.start)
        value = _value(target)
        if o.series.kind == "added":
            return [
                [self._on(a, lambda n: _replace_slot(_exceptions(n), "added", a, start, value))]
            ]
        out: list[list[Mutation]] = []
        if any(_slot(a, p) == start for p in a.pinned):
            repin = self._on(a, lambda n: _replace_slot(n, "pinned", a, start, value))
            out.append([repin, *self._why(a, _day(target) or o.day, reason)])
        unpin = self._unpin(a, start)
        for d in self._origins(a, o):
            if target == self._rule_slot(a, o, d):  # back where the rule puts it: undo the move
                out.append([unpin, self._on(a, _unmove(d))])
            out.append([unpin, self._on(a, _move(d, value)), *self._why(a, d, reason)])
        return out

    def _rule_slot(self, a: Activity, o: Occurrence, day: date) -> Slot:
        """Where the rule itself puts the occurrence it names by ``day``."""
        if o.recurrence_id is not None:
            return _naive(o.recurrence_id)
        if o.series.kind == "moved" and o.series.replaces is not None:
            return o.series.replaces
        return _slot(a, day)

    def add(self, activity_id: str, when: datetime | date) -> Edited:
        a = self.activity(activity_id)
        if a.all_day and isinstance(when, datetime):
            raise self.refuse(
                a.at("all_day"),
                msg(
                    Text("{id!r} is an all-day activity", "{id!r} är en heldagsaktivitet"), id=a.id
                ),
                msg(
                    Text("write a date, e.g. {day}", "skriv ett datum, t.ex. {day}"),
                    day=when.date(),
                ),
            )
        target = _slot(a, when)
        day = _day(target)
        assert day is not None
        self.inside_period(day, "DATETIME", a.at("when"))
        self.exists(a, target)
        taken = [x for x in self.occurrences(a) if x.day == day]
        if taken:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} already has an occurrence on {day} ({when})",
                        "{id!r} har redan ett tillfälle {day} ({when})",
                    ),
                    id=a.id,
                    day=day,
                    when=stamp(_naive(taken[0].start)),
                ),
                msg(
                    Text(
                        "move that one instead (plancal move)",
                        "flytta det i stället (plancal move)",
                    )
                ),
            )
        rest = self.others(a.id)
        aware = _aware(target, self.plan).isoformat()

        def proves(new: Schedule) -> Message | None:
            got = {signature(x) for x in new.occurrences(activities=[a.id])}
            extra = got - rest
            if rest <= got and len(extra) == 1 and next(iter(extra))[1] == aware:
                return None
            return msg(
                Text(
                    "the change would not only add {id!r} on {day}",
                    "ändringen skulle inte bara lägga till {id!r} {day}",
                ),
                id=a.id,
                day=day,
            )

        value = _value(when)
        candidates: list[list[Mutation]] = []
        if day in a.exceptions.cancelled:  # put the cancelled occurrence back: same event
            uncancel = self._on(
                a, lambda n: _remove_days(_exceptions(n), "cancelled", lambda d: d != day)
            )
            candidates += [[uncancel], [uncancel, self._on(a, _move(day, value))]]
        candidates.append([self._on(a, lambda n: _add_to_list(_exceptions(n), "added", value))])
        summary = msg(
            Text("add {id} on {when}", "lägg till {id} {when}"), id=a.id, when=stamp(target)
        )
        return self.first(candidates, proves, summary)

    def cancel_from(self, activity_id: str, day: date) -> Edited:
        a = self.activity(activity_id)
        self.inside_period(day, "--from", a.at("when"))
        first_day = max(a.start, self.plan.start)
        if day <= first_day:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} starts on {first}: ending it from {day} leaves nothing",
                        "{id!r} börjar {first}: att avsluta den från {day} lämnar inget kvar",
                    ),
                    id=a.id,
                    first=first_day,
                    day=day,
                ),
                msg(
                    Text(
                        "remove the activity from the plan instead",
                        "ta bort aktiviteten ur planen i stället",
                    )
                ),
            )
        ending = [o for o in self.occurrences(a) if o.day >= day]
        if not ending:
            raise self.refuse(
                a.at("when"),
                msg(
                    Text(
                        "{id!r} has no occurrence on or after {day}",
                        "{id!r} har inget tillfälle {day} eller senare",
                    ),
                    id=a.id,
                    day=day,
                ),
            )
        expected = self.others(a.id, *ending)
        until = day - timedelta(days=1)
        summary = msg(
            Text(
                "end {id} from {day} (last day {until})",
                "avsluta {id} från {day} (sista dag {until})",
            ),
            id=a.id,
            day=day,
            until=until,
        )
        tidy = self._on(a, lambda n: _drop_from(n, day))
        set_until = self._on(a, lambda n: _set_key(n, "until", until, _AFTER_UNTIL))
        candidates: list[list[Mutation]] = [[set_until, tidy]]
        one_by_one: list[Mutation] = []
        for o in ending:  # where N-a-year would spread differently over a shorter year
            options = self._skip_candidates(a, o)
            if not options:
                break
            one_by_one += options[0]
        else:
            candidates.append(one_by_one)
        proves = self.only(
            a.id, expected, msg(Text("end it from {day}", "avsluta den från {day}"), day=day)
        )
        gone = msg(Text("the series ends on {until}", "serien slutar {until}"), until=until)
        return self.first(candidates, proves, summary, gone=gone)

    # --- breaks ------------------------------------------------------------------------------

    def add_break(
        self,
        name: str,
        start: date | MonthDay,
        end: date | MonthDay,
        policy: BreakPolicy | None = None,
        break_id: str | None = None,
    ) -> Edited:
        where = self.plan.where
        if isinstance(start, date) != isinstance(end, date):
            raise self.refuse(
                where,
                msg(
                    Text(
                        "FROM and TO must both be dates, or both MM-DD (every year)",
                        "FRÅN och TILL måste båda vara datum, eller båda MM-DD (varje år)",
                    )
                ),
            )
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                raise self.refuse(
                    where,
                    msg(
                        Text(
                            "the break ends ({end}) before it starts ({start})",
                            "uppehållet slutar ({end}) innan det börjar ({start})",
                        ),
                        start=start,
                        end=end,
                    ),
                )
            if end < self.plan.start or start > self.plan.end:
                raise self.refuse(
                    where,
                    msg(
                        Text(
                            "{start} – {end} is outside the plan period {pstart} – {pend}",
                            "{start} – {end} ligger utanför planperioden {pstart} – {pend}",
                        ),
                        start=start,
                        end=end,
                        pstart=self.plan.start,
                        pend=self.plan.end,
                    ),
                    msg(Text("choose days inside the plan period", "välj dagar inom planperioden")),
                )
        same = next((b for b in self.plan.breaks if (b.start, b.end) == (start, end)), None)
        if same is not None:
            raise self.refuse(
                same.where,
                msg(
                    Text(
                        "the plan already has this break: {name} ({id}), {start} – {end}",
                        "planen har redan detta uppehåll: {name} ({id}), {start} – {end}",
                    ),
                    name=same.name,
                    id=same.id,
                    start=_md(start),
                    end=_md(end),
                ),
            )
        taken = {b.id for b in self.plan.breaks}
        if break_id is not None and break_id in taken:
            raise self.refuse(
                where,
                msg(
                    Text(
                        "the plan already has a break {id!r}",
                        "planen har redan ett uppehåll {id!r}",
                    ),
                    id=break_id,
                ),
                msg(Text("choose another --id", "välj ett annat --id")),
            )
        bid = break_id or _unique(slug(name), taken)

        def written(day: date | MonthDay) -> Any:
            return day if isinstance(day, date) else roundtrip.quoted(f"{day[0]:02d}-{day[1]:02d}")

        def add(data: Any) -> None:
            node = roundtrip.block_map(
                id=bid, name=name, **{"from": written(start), "to": written(end)}
            )
            if policy is not None:
                node["policy"] = policy
            if data.get("breaks") is None:
                roundtrip.insert_key(data, "breaks", roundtrip.block_seq([]), _AFTER_BREAKS)
            roundtrip.like_siblings(node, data["breaks"])
            data["breaks"].append(node)

        summary = msg(
            Text(
                "add the break {name} ({id}), {start} – {end}",
                "lägg till uppehållet {name} ({id}), {start} – {end}",
            ),
            name=name,
            id=bid,
            start=_md(start),
            end=_md(end),
        )
        return self.first([[add]], lambda new: None, summary, bid)

    def remove_break(self, break_id: str) -> Edited:
        brk = next((b for b in self.plan.breaks if b.id == break_id), None)
        if brk is None:
            known = ", ".join(b.id for b in self.plan.breaks) or "–"
            raise self.refuse(
                self.plan.where,
                msg(
                    Text("the plan has no break {id!r}", "planen har inget uppehåll {id!r}"),
                    id=break_id,
                ),
                msg(Text("breaks: {known}", "uppehåll: {known}"), known=known),
            )

        def remove(data: Any) -> None:
            breaks = data["breaks"]
            for i in reversed(range(len(breaks))):
                if breaks[i].get("id") == break_id:
                    del breaks[i]
            if len(breaks) == 0:
                del data["breaks"]
            for node in data["activities"]:  # per-break policies name it: they go too
                policies = node.get("breaks")
                if hasattr(policies, "keys") and break_id in policies:
                    del policies[break_id]
                    if len(policies) == 0:
                        del node["breaks"]

        summary = msg(
            Text("remove the break {name} ({id})", "ta bort uppehållet {name} ({id})"),
            name=brk.name,
            id=break_id,
        )
        return self.first([[remove]], lambda new: None, summary, break_id)

    # --- helpers ---------------------------------------------------------------------------

    def _on(self, a: Activity, change: Callable[[Any], None]) -> Mutation:
        def mutate(data: Any) -> None:
            node = _activity_node(data, a.id)
            written_empty = "exceptions" in node and node["exceptions"] is None
            change(node)
            _prune(node, written_empty)

        return mutate

    def _unpin(self, a: Activity, start: Slot) -> Mutation:
        return self._on(a, lambda n: _replace_slot(n, "pinned", a, start, None))

    def _origins(self, a: Activity, o: Occurrence) -> list[date]:
        """The days the plan may name this occurrence by, most likely first."""
        rule_day = _origin_day(o)
        if rule_day is not None:
            return [rule_day]
        start = _naive(o.start)
        days = [d for d, v in a.exceptions.moved if _slot(a, v) == start]
        if o.reason is not None and o.reason.text in (R_HOLIDAY_MOVE, R_BREAK_MOVE):
            days += [v for k, v in o.reason.values if k == "day" and isinstance(v, date)]
        if o.reason is None:
            days.append(o.day)
        return list(dict.fromkeys(days))


def _origin_day(o: Occurrence) -> date | None:
    """The day the rule put a series occurrence on (None for single events)."""
    if o.recurrence_id is not None:
        return _day(o.recurrence_id)
    if o.series.kind == "moved" and o.series.replaces is not None:
        return _day(o.series.replaces)
    return None


def _aware(slot: Slot, plan: Plan) -> datetime | date:
    return slot.replace(tzinfo=plan.tz) if isinstance(slot, datetime) else slot


def _md(day: date | MonthDay) -> str:
    return day.isoformat() if isinstance(day, date) else f"{day[0]:02d}-{day[1]:02d}"


def _unique(base: str, taken: set[str]) -> str:
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _set_key(node: Any, key: str, value: Any, before: Sequence[str]) -> None:
    if key in node:
        node[key] = value
    else:
        roundtrip.insert_key(node, key, value, before)


def _drop_from(node: Any, day: date) -> None:
    """Exceptions and pins on or after ``day`` go with the occurrences they were about."""
    ex = node.get("exceptions")
    if ex is not None:
        _remove_days(ex, "cancelled", lambda d: d < day)
        _remove_days(ex, "added", lambda d: d < day)
        for key, d in _moved_items(ex):
            target = _day(ex["moved"][key])
            if d >= day:
                del ex["moved"][key]
            elif target is not None and target >= day:  # moved past the end: cancelled
                del ex["moved"][key]
                _add_to_list(ex, "cancelled", d)
    if node.get("pinned") is not None:
        _remove_days(node, "pinned", lambda d: d < day)


def _after_edit(p: Problem) -> Problem:
    return Problem(
        p.where,
        msg(Text("after the change: {problem}", "efter ändringen: {problem}"), problem=p.message),
        p.hint,
        p.severity,
    )
