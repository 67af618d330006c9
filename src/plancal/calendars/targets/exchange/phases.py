"""What an Exchange push sends, phase by phase: a pure value planned from the changes.

No exchangelib and no server here: ``plan_phases`` turns a round's ``Change`` list and what the
calendar holds into the requests to send, in the order that makes every attendee hear of each
change exactly once (the runner in ``target.py`` builds the items and sends them):

1. **deletes** of cancelled meetings and series (announced ones with cancellations);
2. **creates** (a series with exceptions, or one being rewritten, silently first),
   **resets** (a series whose timing changed, or with a restored occurrence, rewritten
   silently: Exchange drops every exception when the pattern changes) and **single meetings**
   for restored occurrences where that sends fewer messages than a rewrite
   (``sync.restores_apart``: Exchange cannot undelete an occurrence);
3. the silent series' exceptions, then **occurrence deletes**;
4. **updates** of content and attendees, the single meetings beside a series before its
   master (a push that dies in between leaves the master behind, which the next read sees),
   all before the moves: a master's update is sent once more per modified occurrence, so an
   occurrence moved in this round would hear twice;
5. **occurrence moves** in *waves*: Exchange refuses an occurrence moved onto or past the day
   of a neighbour (ErrorOccurrenceCrossingBoundary), so moves that would pass a neighbour still
   at its old place wait for a later wave;
6. the **announcements** of the silent series, their exceptions in place.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from plancal.calendars.sync import Change, Held, Meeting, When
from plancal.calendars.sync import rewritten as sync_rewritten

PENDING = "pending"  # the content hash of a series being rewritten before its announcement


@dataclass(frozen=True)
class Occurrence:
    key: str
    want: Meeting
    rid: When  # the original start
    start: When | None = None  # the new start, for a move


@dataclass(frozen=True)
class Single:
    """A single meeting beside a series: one restored occurrence of it."""

    key: str  # the series' key
    rid: When  # the occurrence's original start
    want: Meeting | None = None  # the series as the plan wants it (None: it goes)
    start: When | None = None  # where the meeting takes place


@dataclass
class Phases:
    delete_announced: list[str] = field(default_factory=list)
    delete_silent: list[str] = field(default_factory=list)
    create_announced: list[Meeting] = field(default_factory=list)
    create_silent: list[Meeting] = field(default_factory=list)  # digest "" until announced
    resets: list[tuple[Meeting, str]] = field(default_factory=list)  # (want, digest written)
    silent: list[Meeting] = field(default_factory=list)  # exceptions written without a word
    occurrence_deletes: list[Occurrence] = field(default_factory=list)  # announced
    occurrence_moves: list[Occurrence] = field(default_factory=list)  # announced
    updates_all: list[Meeting] = field(default_factory=list)  # content: everyone hears
    updates_changed: list[Meeting] = field(default_factory=list)  # attendees only
    announce: list[Meeting] = field(default_factory=list)  # the silent series, announced
    # Single meetings beside a series (a restored occurrence), by original start:
    singles_create: list[Single] = field(default_factory=list)  # invitations
    singles_delete: list[Single] = field(default_factory=list)  # cancellations
    singles_moves: list[Single] = field(default_factory=list)  # updates of their time
    singles_all: list[Single] = field(default_factory=list)  # content: everyone hears
    singles_changed: list[Single] = field(default_factory=list)  # attendees only

    def size(self) -> int:
        """Items to send, for progress: every exception of a silent series counts."""
        return (
            len(self.delete_announced)
            + len(self.delete_silent)
            + len(self.create_announced)
            + len(self.create_silent)
            + len(self.resets)
            + sum(len(m.cancelled) + len(m.moved) for m in self.silent)
            + len(self.occurrence_deletes)
            + len(self.occurrence_moves)
            + len(self.updates_all)
            + len(self.updates_changed)
            + len(self.announce)
            + len(self.singles_create)
            + len(self.singles_delete)
            + len(self.singles_moves)
            + len(self.singles_all)
            + len(self.singles_changed)
        )


def plan_phases(changes: list[Change], held: Mapping[str, Held]) -> Phases:
    """The requests that carry ``changes`` out, given what the calendar ``held`` (by key)."""
    out = Phases()
    by_key: dict[str, list[Change]] = {}
    for c in changes:
        by_key.setdefault(c.key, []).append(c)
    for key, group in by_key.items():
        kinds = {c.kind for c in group}
        h = held.get(key)
        want = next((c.want for c in group if c.want is not None), None)
        if (
            h is not None
            and h.singles
            and (
                kinds & {"cancel-series", "cancel-meeting", "create-series"}
                or (want is not None and want.recurring and rewritten(group))
            )
        ):  # the series goes or is announced anew, its occurrences with it
            out.singles_delete += [Single(key, rid) for rid in sorted(h.singles, key=_order)]
        if kinds & {"cancel-series", "cancel-meeting"} and h is not None:
            (out.delete_announced if h.digest is not None else out.delete_silent).append(key)
            h = None
        if want is None:
            continue
        if kinds & {"create-series", "create-meeting"}:
            if h is None and not (want.cancelled or want.moved):
                out.create_announced.append(want)
                continue
            if h is None:
                out.create_silent.append(want)
            else:
                out.resets.append((want, ""))
            out.silent.append(want)
            out.announce.append(want)
            continue
        assert h is not None, f"{key}: a change to an item the calendar does not hold"
        update = next((c for c in group if c.kind in ("update-series", "update-meeting")), None)
        if rewritten(group):
            out.resets.append((want, PENDING))
            out.silent.append(want)
            out.announce.append(want)
            continue
        if update is not None:
            (out.updates_all if update.update else out.updates_changed).append(want)
            for rid in sorted(h.singles, key=_order):
                single = Single(key, rid, want, h.singles[rid])
                (out.singles_all if update.update else out.singles_changed).append(single)
        for c in group:
            if c.occurrence is None:
                continue
            if c.kind == "restore-occurrence":
                out.singles_create.append(Single(key, c.occurrence, want, c.start))
            elif c.kind == "cancel-occurrence" and c.occurrence in h.singles:
                out.singles_delete.append(Single(key, c.occurrence))
            elif c.kind == "cancel-occurrence":
                out.occurrence_deletes.append(Occurrence(key, want, c.occurrence))
            elif c.kind == "move-occurrence" and c.occurrence in h.singles:
                out.singles_moves.append(Single(key, c.occurrence, want, c.start))
            elif c.kind == "move-occurrence":
                out.occurrence_moves.append(
                    Occurrence(key, want, c.occurrence, c.start or c.occurrence)
                )
    return out


def rewritten(group: list[Change]) -> bool:
    """This key's series is written anew and announced (see ``sync.rewritten``)."""
    return sync_rewritten(group, apart=True)


def silent_exceptions(want: Meeting) -> tuple[list[Occurrence], list[Occurrence]]:
    """The deletes and moves that give a silently written series its exceptions."""
    deletes = [Occurrence(want.key, want, rid) for rid in sorted(want.cancelled, key=_order)]
    moves = [
        Occurrence(want.key, want, rid, start)
        for rid, start in sorted(want.moved.items(), key=lambda kv: _order(kv[0]))
    ]
    return deletes, moves


def waves(
    moves: list[Occurrence], held: Mapping[str, Held], tz: ZoneInfo, fresh: bool = False
) -> list[list[Occurrence]]:
    """Moves in an order Exchange accepts: each wave's moves keep every occurrence strictly
    between its neighbours' days as they stand after the previous waves.

    ``fresh``: the series has just been written, every occurrence at its original place.
    A move that can never go (two occurrences swapping days) comes last, on its own wave, and
    Exchange's refusal of it says why.
    """
    by_key: dict[str, list[Occurrence]] = {}
    for m in moves:
        by_key.setdefault(m.key, []).append(m)
    rounds: list[list[Occurrence]] = []
    for key, pending in by_key.items():
        want = pending[0].want
        h = held.get(key)
        days = _days(want, tz)  # original start → its current local day
        if h is not None and not fresh:
            for rid, start in h.moved.items():
                if rid in days:
                    days[rid] = _day(start, tz)
        for rid in want.cancelled:
            days.pop(rid, None)
        if h is not None and not fresh:
            for rid in h.singles:  # deleted from the series, held apart as single meetings
                days.pop(rid, None)
        order = sorted(days, key=_order)
        n = 0
        while pending:
            wave: list[Occurrence] = []
            for m in list(pending):
                assert m.start is not None
                if m.rid not in days:
                    continue
                i = order.index(m.rid)
                day = _day(m.start, tz)
                before = days[order[i - 1]] if i > 0 else None
                after = days[order[i + 1]] if i + 1 < len(order) else None
                if (before is None or before < day) and (after is None or day < after):
                    days[m.rid] = day
                    wave.append(m)
                    pending.remove(m)
            if not wave:  # nothing more can move: let Exchange refuse the rest, visibly
                wave, pending = pending, []
            if n == len(rounds):
                rounds.append([])
            rounds[n].extend(wave)
            n += 1
    return rounds


def _days(want: Meeting, tz: ZoneInfo) -> dict[When, date]:
    """Every occurrence of a series (original start, as sync compares it) → its local day."""
    assert want.rule is not None and want.series is not None and want.until is not None
    start = want.series.start
    naive = start if isinstance(start, datetime) else datetime.combine(start, datetime.min.time())
    until = want.until
    end = (
        until.astimezone(tz).replace(tzinfo=None)
        if isinstance(until, datetime)
        else datetime.combine(until, datetime.max.time())
    )
    out: dict[When, date] = {}
    for instant in want.rule.instants(naive, end):
        rid: When = (
            instant.replace(tzinfo=tz).astimezone(want.start.tzinfo)
            if isinstance(want.start, datetime)
            else instant.date()
        )
        out[rid] = instant.date()
    return out


def _day(value: When, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def _order(value: When) -> str:
    return value.isoformat()
