"""Reconcile a calendar target with the plan: what is there vs what should be → Changes.

Pure and target-agnostic: no network, no clock, nothing of Exchange. A target (``exchange.py``
today; Graph, CalDAV and e-mail invitations later) reads what plancal owns in it into
``Held`` values and applies the ``Change`` list this module computes. The design, after
vdirsyncer's sync algorithm, adapted to a one-way push:

1. **Identity is the plan's UID.** Every meeting or series plancal writes carries its key (the
   UID derived from plan id and activity id, never random) in a tag the target keeps with the
   item. Whatever a target holds without that tag is not plancal's and is never read into
   ``held``, so it is never changed or removed.
2. **The target is the truth, never a log.** Changes are computed from what the target holds
   *now* against what the plan says *now*; nothing is replayed. Running a push twice changes
   nothing the second time, and a push that dies half-way is repaired by the next one: what
   landed is read back and not done again, what did not land is still a difference.
3. **Announced or not.** A target can hold an item nobody was told about yet (a series written
   silently so its exceptions can be set before the invitation goes out). ``Held.digest`` is
   ``None`` for such an item: it is finished as a *create* (everyone is invited once), and
   removing it tells no one.
4. **Levels.** A meeting's own content (title, place, time, rule, reminder, text) is one
   ``digest``; its attendees are compared as a set; a series' exceptions (cancelled and moved
   occurrences) are compared one by one. Each level produces its own change, so a moved
   occurrence reaches that series' attendees only, an added attendee gets an invitation and
   nobody else hears of it, and a changed place is one update to everyone invited.
5. **Timing rewrites exceptions.** When a series' timing (first occurrence, rule, end) changes,
   its occurrences are new ones: the update carries the whole desired series, exceptions
   included, and no occurrence-level changes are computed against the old ones.

Who hears what is part of each change (``invite``, ``update``, ``cancel``), so a dry run can
show it and a target can choose the cheapest way to send exactly that.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Literal
from zoneinfo import ZoneInfo

from plancal.i18n import Lang, Text
from plancal.rules.compile import Schedule, Series
from plancal.rules.model import Activity, Plan
from plancal.rules.recurrence import Rule

When = datetime | date  # aware (UTC-comparable) for timed meetings, a date for all-day ones

ChangeKind = Literal[
    "create-series",
    "update-series",
    "cancel-series",
    "move-occurrence",
    "cancel-occurrence",
    "restore-occurrence",
    "create-meeting",
    "update-meeting",
    "cancel-meeting",
]


@dataclass(frozen=True)
class Meeting:
    """A meeting or a series as the plan wants it in a target."""

    key: str  # the plan's UID
    activity: Activity
    title: str
    location: str | None
    body: str
    start: When  # the (first) occurrence
    end: When
    rule: Rule | None
    until: When | None  # the last occurrence of the rule
    reminder: int | None  # minutes before; None: no reminder
    private: bool  # internal meetings are private wherever the target can say so
    attendees: frozenset[str]  # lower-case addresses; never the organizer's own
    cancelled: frozenset[When] = frozenset()  # occurrences (original starts) left out
    moved: Mapping[When, When] = field(default_factory=dict)  # original start → new start
    digest: str = ""  # content, without attendees and exceptions
    timing: str = ""  # first occurrence, rule and end only
    series: Series | None = field(default=None, compare=False, repr=False)

    @property
    def recurring(self) -> bool:
        return self.rule is not None

    @property
    def all_day(self) -> bool:
        return not isinstance(self.start, datetime)


@dataclass(frozen=True)
class Held:
    """What a target holds of one of plancal's meetings or series."""

    key: str
    activity: str
    digest: str | None  # None: written but not announced to anyone yet
    attendees: frozenset[str]
    cancelled: frozenset[When] = frozenset()
    moved: Mapping[When, When] = field(default_factory=dict)  # only where start ≠ original
    recurring: bool = False
    title: str = ""
    timing: str | None = None  # the timing hash written with the digest
    # Original starts of every modified occurrence, moved back to its own time or not: the
    # target keeps them as exceptions, and each exception is one more message per update.
    modified: frozenset[When] = frozenset()
    # Occurrences the target holds as single meetings beside the series (original start →
    # start): a restored occurrence where the target cannot undelete one. They count as
    # held occurrences (not in ``cancelled``; in ``moved`` where the start differs).
    singles: Mapping[When, When] = field(default_factory=dict)


def snapshot(h: Held) -> dict[str, Any]:
    """What a target remembers of an item it holds (the push ledger's ``snapshot``)."""
    return {
        "activity": h.activity,
        "digest": h.digest,
        "timing": h.timing,
        "title": h.title,
        "recurring": h.recurring,
        "attendees": sorted(h.attendees),
        "cancelled": sorted(x.isoformat() for x in h.cancelled),
        "moved": sorted([k.isoformat(), v.isoformat()] for k, v in h.moved.items()),
        "singles": sorted(x.isoformat() for x in h.singles),
    }


@dataclass(frozen=True)
class Change:
    kind: ChangeKind
    key: str
    activity: str
    title: str
    occurrence: When | None = None  # the original start, for occurrence changes
    start: When | None = None  # where it now takes place
    invite: frozenset[str] = frozenset()  # hear of it for the first time
    update: frozenset[str] = frozenset()
    cancel: frozenset[str] = frozenset()
    want: Meeting | None = field(default=None, compare=False, repr=False)
    held: Held | None = field(default=None, compare=False, repr=False)
    reschedules: bool = False  # update-series: the timing changed (occurrences are new)

    @property
    def recipients(self) -> int:
        return len(self.invite) + len(self.update) + len(self.cancel)


# --- what the plan wants -----------------------------------------------------------------------

BODY: dict[str, Text] = {
    "area": Text("Area", "Område"),
    "organizer": Text("Organizer", "Sammankallande"),
    "followup": Text("Follow-up", "Uppföljning"),
    "plan": Text("Plan", "Plan"),
}


def desired(schedule: Schedule, organizer: str) -> dict[str, Meeting]:
    """Every meeting and series of the plan, keyed by UID, as a target should hold them.

    ``organizer`` is the address of the mailbox that sends the invitations; it is never its
    own attendee. The plan's organizer role (the one who convenes) is invited like everyone.
    """
    plan = schedule.plan
    me = organizer.strip().lower()
    out: dict[str, Meeting] = {}
    for s in schedule.series:
        out[s.uid] = meeting(plan, s, me)
    return out


def meeting(plan: Plan, s: Series, organizer: str) -> Meeting:
    tz = plan.tz
    a = s.activity
    lang: Lang = "sv" if plan.language == "sv" else "en"
    people = [r for r in (a.organizer, *a.attendees) if r]
    attendees = frozenset(
        e for e in (plan.role_by_id[r].email.strip().lower() for r in people) if e != organizer
    )
    lines = []
    if s.reason is not None and s.rule is None:
        lines.append(s.reason.render(lang))
    if a.description:
        lines.append(a.description)
    if a.areas:
        lines.append(f"{BODY['area'].render(lang)}: {', '.join(a.areas)}")
    if a.organizer:
        lines.append(
            f"{BODY['organizer'].render(lang)}: {plan.role_by_id[a.organizer].label(lang)}"
        )
    # No list of attendees: targets show them, and a new attendee must not change the text
    # everyone else already has (they would all get an update).
    lines += [f"{BODY['followup'].render(lang)}: {f.what}" for f in a.followups]
    lines.append(f"{BODY['plan'].render(lang)}: {plan.name}")
    body = "\n".join(lines)
    start, end = aware(s.start, tz), aware(s.end, tz)
    until = aware(s.until, tz) if s.until is not None else None
    cancelled: frozenset[When] = frozenset()
    moved: dict[When, When] = {}
    if s.rule is not None:
        cancelled = frozenset(aware(x, tz) for x in s.exdates())
        moved = {
            aware(o.recurrence_id, tz): aware(o.start, tz)
            for o in s.overrides
            if o.start != o.recurrence_id
        }
    timing = _hash(
        [
            _iso(s.start),
            _iso(s.end),
            s.rrule_text(tz) or "",
            _iso(s.until) if s.until is not None else "",
        ]
    )
    reminder = a.reminder
    content = _hash(
        [
            timing,
            a.title,
            a.place or "",
            body,
            str(reminder),
            "public" if a.public else "private",
            "v1",
        ]
    )
    return Meeting(
        s.uid,
        a,
        a.title,
        a.place,
        body,
        start,
        end,
        s.rule,
        until,
        reminder,
        not a.public,
        attendees,
        cancelled,
        moved,
        content,
        timing,
        s,
    )


def aware(slot: datetime | date, tz: ZoneInfo) -> When:
    """A naive local slot as the value targets compare: aware in UTC, or the date itself."""
    if isinstance(slot, datetime):
        return slot.replace(tzinfo=tz).astimezone(UTC)
    return slot


def _iso(slot: datetime | date) -> str:
    return slot.isoformat()


def _hash(parts: Iterable[str]) -> str:
    return hashlib.sha256("\x1f".join(parts).encode("utf-8")).hexdigest()[:32]


# --- reconcile ---------------------------------------------------------------------------------


def reconcile(want: Mapping[str, Meeting], held: Mapping[str, Held]) -> list[Change]:
    """The changes that make ``held`` equal ``want``, in a stable order (by key, then time)."""
    changes: list[Change] = []
    for key in sorted(set(want) | set(held)):
        w, h = want.get(key), held.get(key)
        if w is None:
            assert h is not None
            kind: ChangeKind = "cancel-series" if h.recurring else "cancel-meeting"
            changes.append(
                Change(
                    kind,
                    key,
                    h.activity,
                    h.title,
                    cancel=h.attendees if h.digest is not None else frozenset(),
                    held=h,
                )
            )
        elif h is None or h.digest is None:
            kind = "create-series" if w.recurring else "create-meeting"
            changes.append(
                Change(
                    kind,
                    key,
                    w.activity.id,
                    w.title,
                    start=w.start,
                    invite=w.attendees,
                    want=w,
                    held=h,
                )
            )
        elif w.recurring != h.recurring:  # a series became one meeting or back: replace it
            changes.append(
                Change(
                    "cancel-series" if h.recurring else "cancel-meeting",
                    key,
                    h.activity,
                    h.title,
                    cancel=h.attendees,
                    held=h,
                )
            )
            changes.append(
                Change(
                    "create-series" if w.recurring else "create-meeting",
                    key,
                    w.activity.id,
                    w.title,
                    start=w.start,
                    invite=w.attendees,
                    want=w,
                )
            )
        else:
            changes.extend(_compare(w, h))
    return changes


def _compare(w: Meeting, h: Held) -> list[Change]:
    out: list[Change] = []
    added, removed = w.attendees - h.attendees, h.attendees - w.attendees
    content_changed = w.digest != h.digest
    reschedules = content_changed and w.recurring and not _same_timing(w, h)
    if content_changed or added or removed:
        kind: ChangeKind = "update-series" if w.recurring else "update-meeting"
        out.append(
            Change(
                kind,
                w.key,
                w.activity.id,
                w.title,
                start=w.start,
                invite=added,
                update=(w.attendees - added) if content_changed else frozenset(),
                cancel=removed,
                want=w,
                held=h,
                reschedules=reschedules,
            )
        )
    if not w.recurring or reschedules:
        return out
    everyone = w.attendees
    for rid in sorted(w.cancelled - h.cancelled, key=_order):
        out.append(
            Change(
                "cancel-occurrence",
                w.key,
                w.activity.id,
                w.title,
                occurrence=rid,
                cancel=everyone,
                want=w,
                held=h,
            )
        )
    for rid in sorted(h.cancelled - w.cancelled, key=_order):
        out.append(
            Change(
                "restore-occurrence",
                w.key,
                w.activity.id,
                w.title,
                occurrence=rid,
                start=w.moved.get(rid, rid),
                update=everyone,
                want=w,
                held=h,
            )
        )
    for rid in sorted(set(w.moved) | set(h.moved), key=_order):
        if rid in w.cancelled or rid in h.cancelled:
            continue  # a cancelled occurrence has no time; a restored one is placed above
        new, old = w.moved.get(rid, rid), h.moved.get(rid, rid)
        if new != old:
            out.append(
                Change(
                    "move-occurrence",
                    w.key,
                    w.activity.id,
                    w.title,
                    occurrence=rid,
                    start=new,
                    update=everyone,
                    want=w,
                    held=h,
                )
            )
    return out


def _same_timing(w: Meeting, h: Held) -> bool:
    return h.timing is not None and h.timing == w.timing


def _order(value: When) -> tuple[int, str]:
    return (0, value.isoformat())


# --- summaries -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Messages:
    """How many invitations, updates and cancellations a list of changes sends, per address."""

    invitations: Mapping[str, int]
    updates: Mapping[str, int]
    cancellations: Mapping[str, int]
    sent: int = 0  # meeting messages (each to one or more recipients)

    def total(self) -> int:
        return sum(
            sum(box.values()) for box in (self.invitations, self.updates, self.cancellations)
        )


def restores_apart(group: Iterable[Change]) -> bool:
    """Whether one key's restored occurrences go out as single meetings beside the series
    rather than by announcing the series anew — for a target that cannot undelete an
    occurrence (Exchange) and sends a master's update once more per exception.

    Counted per attendee: announcing the series anew sends ``1 + moved`` (its master and each
    wanted exception) and cancels the single meetings already beside it; apart, each restored
    occurrence is one invitation, and this round's other changes to the series are sent as
    they are (a content update then also reaches each single meeting). A tie goes to the
    rewrite: one item, as the feeds have it, and cheaper later updates.
    """
    group = list(group)
    restores = sum(1 for c in group if c.kind == "restore-occurrence")
    if not restores or any(c.kind == "create-series" or c.reschedules for c in group):
        return False
    want = next((c.want for c in group if c.want is not None), None)
    held = next((c.held for c in group if c.held is not None), None)
    if want is None or held is None or not want.recurring:
        return False
    singles = len(held.singles)
    rewrite = 1 + len(want.moved) + singles
    apart = restores + sum(1 for c in group if c.kind in ("cancel-occurrence", "move-occurrence"))
    if any(c.kind == "update-series" and c.update for c in group):
        apart += 1 + len(_exceptions(held, want)) + singles
    return apart < rewrite


def rewritten(group: Iterable[Change], apart: bool = False) -> bool:
    """Whether a target announces this key's series anew, exceptions in place: a new series,
    a new timing, or a restored occurrence (none can be said occurrence by occurrence) unless
    ``apart`` lets restored occurrences go as single meetings and that sends fewer."""
    group = list(group)
    if any(c.kind == "create-series" or c.reschedules for c in group):
        return True
    if not any(c.kind == "restore-occurrence" for c in group):
        return False
    return not (apart and restores_apart(group))


def _exceptions(held: Held, want: Meeting) -> set[When]:
    """The exceptions of a held series' master (not its single meetings) that stay."""
    return (set(held.modified) | set(held.moved)) - set(want.cancelled) - set(held.singles)


def messages(
    changes: Iterable[Change],
    now: datetime | None = None,
    per_exception: bool = True,
    apart: bool = False,
) -> Messages:
    """The meeting messages the changes send, counted as Exchange sends them.

    ``per_exception=False`` counts as an iMIP sender does: one REQUEST carries a series with
    all its exceptions, and one CANCEL ends a series. ``apart``: restored occurrences go as
    single meetings where that sends fewer (``restores_apart``; the Exchange target does).

    Exchange (and Graph, the same mailbox store) sends an update of a series' master once for
    the master and once more for each of its modified occurrences; cancelling a series (to
    everyone, or to removed attendees) cancels the master and each exception that has not yet
    started (``now``; every exception when it is not given). A series announced anew carries
    its wanted exceptions; occurrence changes are one message each. Single meetings held
    beside a series (``Held.singles``) hear of each update, attendee change and cancellation
    of the series once each, and are cancelled when the series is announced anew.
    """
    inv: dict[str, int] = {}
    upd: dict[str, int] = {}
    can: dict[str, int] = {}

    sent = [0]

    def add(box: dict[str, int], who: Iterable[str], n: int) -> None:
        who = list(who)
        if not who or n == 0:
            return
        sent[0] += n
        for address in who:
            box[address] = box.get(address, 0) + n

    groups: dict[str, list[Change]] = {}
    for c in changes:
        groups.setdefault(c.key, []).append(c)
    for group in groups.values():
        want = next((c.want for c in group if c.want is not None), None)
        held = next((c.held for c in group if c.held is not None), None)
        singles = len(held.singles) if held is not None and per_exception else 0
        cancelled_later = 1 + _future(held, now) + singles if per_exception else 1
        if want is not None and want.recurring and rewritten(group, apart and per_exception):
            copies = 1 + len(want.moved) if per_exception else 1
            invite = frozenset().union(*(c.invite for c in group))
            update = frozenset().union(*(c.update for c in group)) - invite
            removed = frozenset().union(*(c.cancel for c in group if c.kind == "update-series"))
            add(inv, invite, copies)
            add(upd, update, copies)
            add(can, removed, cancelled_later)
            if held is not None and held.recurring:  # the single meetings beside it go
                add(can, held.attendees - removed, singles)
            for c in group:  # a series replaced by a single meeting, or the reverse
                if c.kind in ("cancel-series", "cancel-meeting"):
                    add(can, c.cancel, cancelled_later if c.kind == "cancel-series" else 1)
            continue
        for c in group:
            if c.kind == "update-series" and want is not None and held is not None:
                # The target sends a master's update before this round's moves.
                copies = 1 + len(_exceptions(held, want)) + singles if per_exception else 1
                add(inv, c.invite, copies)
                add(upd, c.update, copies)
                add(can, c.cancel, cancelled_later)
            elif c.kind == "cancel-series":
                add(can, c.cancel, cancelled_later)
            elif c.kind == "restore-occurrence":  # apart: a single meeting, new to everyone
                add(inv, c.update | c.invite, 1)
            else:
                add(inv, c.invite, 1)
                add(upd, c.update, 1)
                add(can, c.cancel, 1)
    return Messages(inv, upd, can, sent[0])


def _future(held: Held | None, now: datetime | None) -> int:
    """How many of a held series' exceptions have not started yet (all of them without now)."""
    if held is None or not held.recurring:
        return 0
    exceptions = (set(held.modified) | set(held.moved)) - set(held.singles)
    starts = [held.moved.get(rid, rid) for rid in exceptions]
    if now is None:
        return len(starts)
    return sum(1 for s in starts if _instant(s) > now)


def _instant(value: When) -> datetime:
    if isinstance(value, datetime):
        return value
    return datetime.combine(value, datetime.min.time(), UTC)
