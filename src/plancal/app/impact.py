"""What a change to the plan does to the calendars, and to whom: the preview before a write.

Pure: two compiled schedules in, an ``Impact`` out, rendered as text lines or a JSON-ready
dict; the CLI prints. Occurrences come from ``rules.diff``; the calendar events and their
feeds come from the same components the feeds are written from (``calendars.ics``), so the
preview names exactly the events whose content changes, that is, the events whose SEQUENCE the
next compile raises (``scheduler.store.Store.revise``).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal

from plancal.app import conflicts as collisions
from plancal.calendars import ics
from plancal.calendars.feeds import feeds_for
from plancal.errors import Problem
from plancal.i18n import WEEKDAYS, Lang, Message, Text
from plancal.rules import conflicts
from plancal.rules.compile import Schedule
from plancal.rules.conflicts import DoubleBooking
from plancal.rules.diff import DeadlineChange, OccurrenceChange, diff, kept_in_break
from plancal.rules.model import Activity, Plan

EventAction = Literal["updated", "new", "removed"]
Notice = Literal["cancellation", "update", "invitation"]

NOTICE: dict[str, Notice] = {"skipped": "cancellation", "moved": "update", "added": "invitation"}


@dataclass(frozen=True, slots=True)
class EventChange:
    """A VEVENT whose content changes: updated (SEQUENCE+1), new, or removed from the feeds."""

    uid: str
    recurrence_id: str  # the iCalendar value; "" for a series or a single event
    action: EventAction
    feeds: tuple[str, ...]
    deadline: bool


@dataclass(frozen=True)
class ActivityImpact:
    activity: Activity
    changes: tuple[OccurrenceChange, ...]
    feeds: tuple[str, ...]  # the feeds that carry the activity's meetings
    attendees: tuple[str, ...]  # organizer and attendees, as addresses

    def notices(self) -> list[Notice]:
        """What the attendees receive, in the order cancellation, update, invitation."""
        kinds = {NOTICE[c.kind] for c in self.changes if c.kind in NOTICE}
        return [n for n in ("cancellation", "update", "invitation") if n in kinds]


@dataclass(frozen=True)
class DeadlineImpact:
    change: DeadlineChange
    feeds: tuple[str, ...]
    responsible: tuple[str, ...]  # addresses of who is reminded


@dataclass(frozen=True)
class Impact:
    plan_id: str
    summary: Message | None
    activities: tuple[ActivityImpact, ...]
    deadlines: tuple[DeadlineImpact, ...]
    events: tuple[EventChange, ...]
    warnings: tuple[Problem, ...] = ()  # what the new version warns of that the old did not
    # Activities written in another shape than before (one series ↔ single events): every one
    # of their meetings gets a new identity, so calendars cancel and re-send them all.
    reshaped: tuple[Activity, ...] = ()
    double_booked: tuple[DoubleBooking, ...] = ()  # double bookings the change adds
    unbooked: tuple[DoubleBooking, ...] = ()  # double bookings the change removes

    @property
    def empty(self) -> bool:
        return (
            not self.events
            and not self.deadlines
            and not self.double_booked
            and not self.unbooked
            and not any(c.kind != "kept" for a in self.activities for c in a.changes)
        )

    def count(self, kind: str) -> int:
        return sum(1 for a in self.activities for c in a.changes if c.kind == kind)

    def events_by(self, action: EventAction) -> list[EventChange]:
        return [e for e in self.events if e.action == action]


def _chronological(c: OccurrenceChange) -> tuple[str, str]:
    """By where the occurrence was (or, for an added one, is): the order people know them."""
    first = c.before if c.before is not None else c.after
    return (first.isoformat() if first is not None else "", c.kind)


def _emails(plan: Plan, roles: tuple[str, ...]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(plan.role_by_id[r].email for r in roles if r in plan.role_by_id))


def _activity_of(uid: str) -> str:
    return uid.split("@", 1)[0].split(".", 1)[0]


def assess(
    old: Schedule,
    new: Schedule,
    summary: Message | None = None,
    focus_break: str | None = None,
    gone: Message | None = None,
) -> Impact:
    """The impact of going from ``old`` to ``new``; ``focus_break`` also lists what it keeps."""
    changes = diff(old, new, gone)
    occurrences = list(changes.occurrences)
    if focus_break is not None:
        occurrences += kept_in_break(new, focus_break, occurrences)

    before = {c.key: c for c in ics.components(old)}
    after = {c.key: c for c in ics.components(new)}
    old_feeds, new_feeds = feeds_for(old.plan), feeds_for(new.plan)

    def feeds(c: ics.Component, of_new: bool) -> tuple[str, ...]:
        return tuple(
            f.slug for f in (new_feeds if of_new else old_feeds) if ics.feed_body(c, f) is not None
        )

    events: list[EventChange] = []
    for key in sorted(before.keys() | after.keys()):
        a, b = before.get(key), after.get(key)
        if a is not None and b is not None:
            if a.digest != b.digest:
                events.append(EventChange(key[0], key[1], "updated", feeds(b, True), b.deadline))
        elif b is not None:
            events.append(EventChange(key[0], key[1], "new", feeds(b, True), b.deadline))
        elif a is not None:
            events.append(EventChange(key[0], key[1], "removed", feeds(a, False), a.deadline))

    carried: dict[str, list[str]] = {}  # activity → the feeds its meetings are in
    for of_new, parts in ((True, after), (False, before)):
        for c in parts.values():
            if not c.deadline:
                slot = carried.setdefault(_activity_of(c.uid), [])
                slot += [f for f in feeds(c, of_new) if f not in slot]

    activities: list[ActivityImpact] = []
    by_activity: dict[str, list[OccurrenceChange]] = {}
    for change in occurrences:
        by_activity.setdefault(change.activity.id, []).append(change)
    order = [a.id for a in new.plan.activities] + [a.id for a in old.plan.activities]
    for aid in dict.fromkeys(order):
        found = by_activity.get(aid)
        if not found:
            continue
        activity = found[0].activity
        plan = new.plan if aid in new.plan.activity_by_id else old.plan
        found.sort(key=_chronological)
        activities.append(
            ActivityImpact(
                activity,
                tuple(found),
                tuple(carried.get(aid, ())),
                _emails(plan, tuple(r for r in (activity.organizer, *activity.attendees) if r)),
            )
        )

    deadline_feeds = {e.uid: e.feeds for e in events if e.deadline}
    deadlines = []
    for d in changes.deadlines:
        plan = new.plan if d.after is not None else old.plan
        deadlines.append(
            DeadlineImpact(d, deadline_feeds.get(d.uid, ()), _emails(plan, d.followup.responsible))
        )
    reshaped = tuple(
        a
        for a in new.plan.activities
        if a.id in old.plan.activity_by_id
        and _shape(old, a.id) is not None
        and _shape(new, a.id) is not None
        and _shape(old, a.id) != _shape(new, a.id)
    )
    known = {(w.message, w.hint) for w in old.warnings}
    warnings = tuple(w for w in new.warnings if (w.message, w.hint) not in known)
    added, removed = double_bookings(old, new)
    return Impact(
        new.plan.id,
        summary,
        tuple(activities),
        tuple(deadlines),
        tuple(events),
        warnings,
        reshaped,
        added,
        removed,
    )


def double_bookings(
    old: Schedule, new: Schedule
) -> tuple[tuple[DoubleBooking, ...], tuple[DoubleBooking, ...]]:
    """The double bookings (not allowed by ``overlaps``) that ``new`` adds, and that it removes.

    One is the same in both when both meetings keep their identity and their time and the
    same people are shared; a meeting that moves leaves its old double bookings and may find
    new ones.
    """
    before = {d.key: d for d in conflicts.find(old) if not d.allowed}
    after = {d.key: d for d in conflicts.find(new) if not d.allowed}
    return (
        tuple(d for k, d in after.items() if k not in before),
        tuple(d for k, d in before.items() if k not in after),
    )


def _shape(schedule: Schedule, activity_id: str) -> bool | None:
    """Is the activity one recurring series (True), single events (False), or absent?"""
    mine = [s for s in schedule.series if s.activity.id == activity_id]
    if not mine:
        return None
    return any(s.rule is not None for s in mine)


# --- rendering -------------------------------------------------------------------------------

L = {
    "change": Text("Change: {summary}", "Ändring: {summary}"),
    "skipped": Text("skipped", "inställt"),
    "moved": Text("moved", "flyttat"),
    "added": Text("added", "tillagt"),
    "kept": Text("kept", "behålls"),
    "removed": Text("removed", "borttaget"),
    "feeds": Text("in feeds: {feeds}", "i flöden: {feeds}"),
    "cancellation": Text("a cancellation goes to: {who}", "en avbokning går till: {who}"),
    "update": Text("an update goes to: {who}", "en uppdatering går till: {who}"),
    "invitation": Text("an invitation goes to: {who}", "en inbjudan går till: {who}"),
    "deadlines": Text("Follow-up deadlines", "Uppföljningsdatum"),
    "reminded": Text("reminders change for: {who}", "påminnelser ändras för: {who}"),
    "events": Text("Calendar events", "Kalenderhändelser"),
    "updated": Text("SEQUENCE+1", "SEQUENCE+1"),
    "new": Text("new", "ny"),
    "gone": Text("removed", "tas bort"),
    "total": Text(
        "{skipped} skipped, {moved} moved, {added} added, {kept} kept.",
        "{skipped} inställda, {moved} flyttade, {added} tillagda, {kept} behålls.",
    ),
    "meetings_changed": Text(
        "{n} {meetings} {change} in the calendars", "{n} {meetings} uppdateras i kalendrarna"
    ),
    "deadlines_changed": Text("{n} follow-up {dates} {change}", "{n} uppföljningsdatum ändras"),
    "attendees_get": Text("the attendees get {notices}", "deltagarna får {notices}"),
    "no_notice": Text("nobody is sent a message", "ingen får något meddelande"),
    "and": Text(" and ", " och "),
    "cancellation_a": Text("a cancellation", "en avbokning"),
    "update_a": Text("an update", "en uppdatering"),
    "invitation_a": Text("an invitation", "en inbjudan"),
    "nothing": Text("No calendar changes.", "Inga ändringar i kalendrarna."),
    "reshaped": Text(
        "{title} ({id}) changes shape ({before} → {after}): every one of its meetings gets a "
        "new identity, so each attendee receives a cancellation and a new invitation for all "
        "of them.",
        "{title} ({id}) byter form ({before} → {after}): alla dess möten får ny identitet, så "
        "varje deltagare får en avbokning och en ny inbjudan för vart och ett.",
    ),
    "series": Text("one recurring series", "en återkommande serie"),
    "singles": Text("single events", "enskilda händelser"),
    "double_booked": Text(
        "Double bookings the change makes:", "Dubbelbokningar som ändringen ger:"
    ),
    "unbooked": Text(
        "Double bookings the change resolves:", "Dubbelbokningar som ändringen löser:"
    ),
    "warnings": Text(
        "After the change (lines of the changed file):",
        "Efter ändringen (rader i den ändrade filen):",
    ),
}


def _when(value: datetime | date | None, lang: Lang) -> str:
    if value is None:
        return "–"
    day = value.date() if isinstance(value, datetime) else value
    text = f"{WEEKDAYS[lang][day.weekday()][:3]} {day.isoformat()}"
    return text + (f" {value:%H:%M}" if isinstance(value, datetime) else "")


def _words(n: int, lang: Lang) -> dict[str, Any]:
    """Words agree in number: "1 möte", "3 möten"; "1 meeting changes", "2 dates change"."""
    one = n == 1
    if lang == "en":
        return {
            "n": n,
            "meetings": "meeting" if one else "meetings",
            "dates": "date" if one else "dates",
            "change": "changes" if one else "change",
        }
    return {"n": n, "meetings": "möte" if one else "möten"}


def noticed(impact: Impact, lang: Lang) -> str:
    """What people will notice: how many meetings change in their calendars, and what the
    attendees receive. The calendar internals (UIDs, SEQUENCE) are for --verbose and JSON."""
    changed = sum(1 for a in impact.activities for c in a.changes if c.kind != "kept")
    if not changed:  # a change of title, place or attendees: each event changes once
        changed = sum(1 for e in impact.events if not e.deadline)
    parts = []
    if changed:
        parts.append(L["meetings_changed"].render(lang, **_words(changed, lang)))
    if impact.deadlines:
        parts.append(L["deadlines_changed"].render(lang, **_words(len(impact.deadlines), lang)))
    kinds = {n for a in impact.activities for n in a.notices()}
    notices = [
        L[f"{k}_a"].render(lang) for k in ("cancellation", "update", "invitation") if k in kinds
    ]
    if notices:
        parts.append(L["attendees_get"].render(lang, notices=L["and"].render(lang).join(notices)))
    elif parts:
        parts.append(L["no_notice"].render(lang))
    if not parts:
        return L["nothing"].render(lang)
    return ", ".join(parts) + "."


def text_lines(impact: Impact, lang: Lang, verbose: bool = False) -> Iterator[str]:
    """The preview as people read it; ``verbose`` adds each calendar event's UID."""
    if impact.summary is not None:
        yield L["change"].render(lang, summary=impact.summary.render(lang))
        yield ""
    if impact.empty and not impact.activities:
        yield L["nothing"].render(lang)
        return
    for a in impact.reshaped:
        before, after = (
            (L["singles"], L["series"])
            if _is_series_now(impact, a)
            else (
                L["series"],
                L["singles"],
            )
        )
        yield L["reshaped"].render(
            lang, title=a.title, id=a.id, before=before.render(lang), after=after.render(lang)
        )
        yield ""
    for ai in impact.activities:
        yield f"{ai.activity.title_in(lang)} ({ai.activity.id})"
        for c in ai.changes:
            when = _when(c.before if c.kind == "skipped" else c.after, lang)
            if c.kind == "moved":
                when = f"{_when(c.before, lang)} → {_when(c.after, lang)}"
            reason = f"  – {c.reason.render(lang)}" if c.reason else ""
            yield f"  {L[c.kind].render(lang):<9} {when}{reason}"
        if ai.feeds:
            yield "  " + L["feeds"].render(lang, feeds=", ".join(ai.feeds))
        for notice in ai.notices():
            yield "  " + L[notice].render(lang, who=", ".join(ai.attendees) or "–")
        yield ""
    if impact.deadlines:
        yield L["deadlines"].render(lang)
        who: list[str] = []
        for d in impact.deadlines:
            dc = d.change
            when = f"{dc.before} → {dc.after}" if dc.kind == "moved" else str(dc.after or dc.before)
            yield f"  {L[dc.kind].render(lang):<9} {when}  {dc.followup.what} ({dc.followup.id})"
            who += [w for w in d.responsible if w not in who]
        yield "  " + L["reminded"].render(lang, who=", ".join(who) or "–")
        yield ""
    if impact.events and verbose:
        yield L["events"].render(lang)
        labels = {"updated": L["updated"], "new": L["new"], "removed": L["gone"]}
        for e in impact.events:
            rid = f" RECURRENCE-ID {e.recurrence_id}" if e.recurrence_id else ""
            yield (f"  {labels[e.action].render(lang):<10} {e.uid}{rid}  [{', '.join(e.feeds)}]")
        yield ""
    for label, found in (("double_booked", impact.double_booked), ("unbooked", impact.unbooked)):
        if found:
            yield L[label].render(lang)
            for booking in found:
                yield "  " + collisions.line(booking, lang)
            yield ""
    if impact.warnings:
        yield L["warnings"].render(lang)
        for w in impact.warnings:
            yield "  " + w.render(lang)
        yield ""
    yield L["total"].render(
        lang,
        skipped=impact.count("skipped"),
        moved=impact.count("moved"),
        added=impact.count("added"),
        kept=impact.count("kept"),
    )
    yield noticed(impact, lang)


def _is_series_now(impact: Impact, a: Activity) -> bool:
    """A reshaped activity is a series now if its events keep the activity's own UID."""
    return any(e.uid.split("@", 1)[0] == a.id and e.action == "new" for e in impact.events)


def _iso(value: datetime | date | None) -> str | None:
    return None if value is None else value.isoformat()


def to_json(impact: Impact, lang: Lang) -> dict[str, Any]:
    return {
        "plan": impact.plan_id,
        "change": impact.summary.render(lang) if impact.summary else None,
        "activities": [
            {
                "id": ai.activity.id,
                "title": ai.activity.title,
                "feeds": list(ai.feeds),
                "attendees": list(ai.attendees),
                "notices": list(ai.notices()),
                "occurrences": [
                    {
                        "kind": c.kind,
                        "uid": c.key[0],
                        "recurrence_id": c.key[1] or None,
                        "before": _iso(c.before),
                        "after": _iso(c.after),
                        "reason": c.reason.render(lang) if c.reason else None,
                        "notice": NOTICE.get(c.kind),
                    }
                    for c in ai.changes
                ],
            }
            for ai in impact.activities
        ],
        "deadlines": [
            {
                "kind": d.change.kind,
                "uid": d.change.uid,
                "followup": d.change.followup.id,
                "what": d.change.followup.what,
                "before": _iso(d.change.before),
                "after": _iso(d.change.after),
                "feeds": list(d.feeds),
                "responsible": list(d.responsible),
            }
            for d in impact.deadlines
        ],
        "events": [
            {
                "uid": e.uid,
                "recurrence_id": e.recurrence_id or None,
                "action": e.action,
                "sequence": "+1" if e.action == "updated" else None,
                "feeds": list(e.feeds),
                "deadline": e.deadline,
            }
            for e in impact.events
        ],
        "warnings": [w.render(lang) for w in impact.warnings],
        "reshaped": [a.id for a in impact.reshaped],
        "double_bookings": {
            "added": [collisions.to_json(d, lang) for d in impact.double_booked],
            "removed": [collisions.to_json(d, lang) for d in impact.unbooked],
        },
        "totals": {k: impact.count(k) for k in ("skipped", "moved", "added", "kept")}
        | {f"events_{a}": len(impact.events_by(a)) for a in ("updated", "new", "removed")},
    }
