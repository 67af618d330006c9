"""Schedule → iCalendar bytes: the whole plan, one feed per role, the public feed, deadlines.

What every client reads the same way (DESIGN.md, "compatibility first"):

- one VTIMEZONE per TZID used, with RRULE-based rules (``vtimezone.py``);
- recurring series as RRULE with UNTIL in UTC; skipped occurrences as one EXDATE per date;
  moved ones as RECURRENCE-ID overrides, or as separate events where Outlook would refuse the
  override (decided in ``rules/compile.py``); never RDATE, never a BYMONTH list;
- stable UIDs; DTSTAMP and LAST-MODIFIED are the time the event's content last changed and
  SEQUENCE counts those changes (both kept by the state store), so the same plan gives the same
  bytes and a changed event reads as an update;
- internal events are CLASS:CONFIDENTIAL; the public feed carries no attendee, organizer or
  follow-up.

The writer is a content-line writer of its own rather than icalendar's ``to_ical()``: the bytes
are a contract (order, folding, one EXDATE per line) and it is an order of magnitude faster
(``bench/``). The tests read everything it writes back with icalendar, recurring-ical-events and
ical.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from plancal.calendars.feeds import Feed, feeds_for
from plancal.calendars.vtimezone import vtimezone_lines
from plancal.i18n import Lang, Text
from plancal.rules.compile import Deadline, Schedule, Series
from plancal.rules.model import Activity, Plan

PRODID = "-//plancal//plancal//SV"
DEFAULT_STAMP = datetime(2000, 1, 1, tzinfo=UTC)

Key = tuple[str, str]  # (UID, RECURRENCE-ID value or "")


@dataclass(frozen=True, slots=True)
class Revision:
    """What the state store remembers of one component."""

    sequence: int
    modified: datetime  # UTC; written as DTSTAMP and LAST-MODIFIED
    created: datetime


INITIAL = Revision(0, DEFAULT_STAMP, DEFAULT_STAMP)


@dataclass(frozen=True, slots=True)
class Component:
    """One VEVENT, without the revision fields; ``digest`` names its content."""

    uid: str
    recurrence_id: str
    body: tuple[str, ...]
    public_body: tuple[str, ...] | None  # None: never in the public feed
    roles: frozenset[str]  # organizer and attendees, or who is reminded of a deadline
    deadline: bool
    digest: str
    timed: bool  # uses the plan's TZID

    @property
    def key(self) -> Key:
        return (self.uid, self.recurrence_id)


# --- values ----------------------------------------------------------------------------------


def escape(text: str) -> str:
    return (
        text.replace("\\", "\\\\")
        .replace(";", "\\;")
        .replace(",", "\\,")
        .replace("\r\n", "\\n")
        .replace("\n", "\\n")
        .replace("\r", "\\n")
    )


def param(text: str) -> str:
    """A parameter value: quoted when it must be; DQUOTE cannot appear, so it becomes '."""
    text = text.replace('"', "'").replace("\n", " ").replace("\r", " ")
    return f'"{text}"' if any(c in text for c in ":;,") else text


def duration(td: timedelta) -> str:
    """RFC 5545 dur-value: P1D, PT1H30M, -PT15M, P13DT15H."""
    sign = "-" if td < timedelta(0) else ""
    seconds = int(abs(td).total_seconds())
    days, seconds = divmod(seconds, 86400)
    hours, seconds = divmod(seconds, 3600)
    minutes, seconds = divmod(seconds, 60)
    out = f"{sign}P" + (f"{days}D" if days else "")
    if hours or minutes or seconds or not days:
        out += "T" + (f"{hours}H" if hours else "") + (f"{minutes}M" if minutes else "")
        out += f"{seconds}S" if seconds or not (hours or minutes) else ""
    return out


def _utc(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


def _when(name: str, value: datetime | date, tzid: str) -> str:
    if isinstance(value, datetime):
        return f"{name};TZID={tzid}:{value.strftime('%Y%m%dT%H%M%S')}"
    return f"{name};VALUE=DATE:{value.strftime('%Y%m%d')}"


def fold(line: str) -> bytes:
    """Fold at 75 octets without splitting a UTF-8 sequence."""
    data = line.encode("utf-8")
    if len(data) <= 75:
        return data + b"\r\n"
    parts = []
    pos, limit = 0, 75
    while len(data) - pos > limit:
        cut = pos + limit
        while data[cut] & 0xC0 == 0x80:  # a continuation byte: step back to the char start
            cut -= 1
        parts.append(data[pos:cut])
        pos, limit = cut, 74  # continuation lines begin with a space
    parts.append(data[pos:])
    return b"\r\n ".join(parts) + b"\r\n"


# --- components ------------------------------------------------------------------------------

L: dict[str, Text] = {
    "area": Text("Area", "Område"),
    "attendees": Text("Attendees", "Deltagare"),
    "organizer": Text("Organizer", "Sammankallande"),
    "followup": Text("Follow-up", "Uppföljning"),
    "plan": Text("Plan", "Plan"),
    "due": Text("Due", "Ska vara klart"),
    "window": Text("During {start} – {due}", "Under perioden {start} – {due}"),
    "to": Text("Reported to", "Redovisas till"),
    "responsible": Text("Responsible", "Ansvariga"),
    "after": Text("Follows up {title} on {day}", "Följer upp {title} {day}"),
    "at": Text("Presented at {title} on {day}", "Föredras på {title} {day}"),
    "summary": Text("Follow-up: {what}", "Uppföljning: {what}"),
}


class _Writer:
    def __init__(self, schedule: Schedule):
        self.schedule = schedule
        self.plan: Plan = schedule.plan
        self.lang: Lang = "sv" if self.plan.language == "sv" else "en"
        self.tzid = self.plan.timezone
        self._shared: dict[str, tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]] = {}

    def t(self, key: str, **values: object) -> str:
        return L[key].render(self.lang, **values)

    def role_name(self, role_id: str) -> str:
        role = self.plan.role_by_id.get(role_id)
        return role.label(self.lang) if role else role_id

    def shared(self, a: Activity) -> tuple[tuple[str, ...], tuple[str, ...], tuple[str, ...]]:
        """Lines every component of an activity shares: (private, public, alarm)."""
        cached = self._shared.get(a.id)
        if cached is not None:
            return cached
        head = [f"SUMMARY:{escape(a.title)}"]
        if a.place:
            head.append(f"LOCATION:{escape(a.place)}")
        private = list(head)
        public = list(head)
        if a.areas:
            categories = "CATEGORIES:" + ",".join(escape(x) for x in a.areas)
            private.append(categories)
            public.append(categories)
        private.append("CLASS:" + ("PUBLIC" if a.public else "CONFIDENTIAL"))
        public.append("CLASS:PUBLIC")
        status = ["STATUS:CONFIRMED", "TRANSP:" + ("TRANSPARENT" if a.all_day else "OPAQUE")]
        private += status
        public += status
        if a.organizer:
            role = self.plan.role_by_id[a.organizer]
            private.append(f"ORGANIZER;CN={param(role.label(self.lang))}:mailto:{role.email}")
        for role_id in a.attendees:
            role = self.plan.role_by_id[role_id]
            private.append(
                f"ATTENDEE;CN={param(role.label(self.lang))};ROLE=REQ-PARTICIPANT;"
                f"PARTSTAT=NEEDS-ACTION:mailto:{role.email}"
            )
        alarm: tuple[str, ...] = ()
        if a.reminder is not None:
            alarm = (
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape(a.title)}",
                f"TRIGGER:{duration(-timedelta(minutes=a.reminder))}",
                "END:VALARM",
            )
        out = (tuple(private), tuple(public), alarm)
        self._shared[a.id] = out
        return out

    def description(self, a: Activity, reason: str | None, public: bool) -> str:
        parts = []
        if reason:
            parts.append(reason)
        if a.description:
            parts.append(a.description)
        if a.areas:
            parts.append(f"{self.t('area')}: {', '.join(a.areas)}")
        if not public:
            if a.organizer:
                parts.append(f"{self.t('organizer')}: {self.role_name(a.organizer)}")
            if a.attendees:
                names = ", ".join(self.role_name(r) for r in a.attendees)
                parts.append(f"{self.t('attendees')}: {names}")
            parts += [f"{self.t('followup')}: {f.what}" for f in a.followups]
        parts.append(f"{self.t('plan')}: {self.plan.name}")
        return "DESCRIPTION:" + escape("\n".join(parts))

    def event(
        self,
        s: Series,
        rid: datetime | date | None,
        start: datetime | date,
        end: datetime | date,
        reason: str | None,
        rrule: str | None = None,
        exdates: Sequence[datetime | date] = (),
    ) -> Component:
        a = s.activity
        private, public, alarm = self.shared(a)
        timing = []
        rid_text = ""
        if rid is not None:
            line = _when("RECURRENCE-ID", rid, self.tzid)
            timing.append(line)
            rid_text = line.split(":", 1)[1]
        timing += [_when("DTSTART", start, self.tzid), _when("DTEND", end, self.tzid)]
        if rrule:
            timing.append(f"RRULE:{rrule}")
        timing += [_when("EXDATE", x, self.tzid) for x in exdates]
        body = (*timing, *private, self.description(a, reason, False), *alarm)
        public_body = (
            (*timing, *public, self.description(a, reason, True), *alarm) if a.public else None
        )
        roles = frozenset(r for r in (a.organizer, *a.attendees) if r)
        return Component(
            s.uid,
            rid_text,
            body,
            public_body,
            roles,
            False,
            _digest(body),
            isinstance(start, datetime),
        )

    def series(self, s: Series) -> Iterable[Component]:
        reason = s.reason.render(self.lang) if s.reason else None
        if s.rule is None:
            yield self.event(s, None, s.start, s.end, reason)
            return
        yield self.event(s, None, s.start, s.end, None, s.rrule_text(self.plan.tz), s.exdates())
        for o in sorted(s.overrides, key=lambda o: o.recurrence_id):
            yield self.event(
                s, o.recurrence_id, o.start, o.start + s.duration, o.reason.render(self.lang)
            )

    def deadline(self, d: Deadline) -> Component:
        fu = d.followup
        lines = deadline_lines(self.plan, d, self.lang)
        summary = self.t("summary", what=fu.what)
        body: list[str] = [
            _when("DTSTART", d.start, self.tzid),
            _when("DTEND", d.due + timedelta(days=1), self.tzid),
            f"SUMMARY:{escape(summary)}",
            "DESCRIPTION:" + escape("\n".join(lines)),
            f"CATEGORIES:{escape(self.t('followup'))}",
            "CLASS:CONFIDENTIAL",
            "STATUS:CONFIRMED",
            "TRANSP:TRANSPARENT",
        ]
        for days in fu.remind_days:  # 09:00 local, N days before the start
            trigger = duration(timedelta(days=-days, hours=9))
            body += [
                "BEGIN:VALARM",
                "ACTION:DISPLAY",
                f"DESCRIPTION:{escape(summary)}",
                f"TRIGGER:{trigger}",
                "END:VALARM",
            ]
        return Component(
            d.uid, "", tuple(body), None, frozenset(fu.responsible), True, _digest(body), False
        )


def deadline_lines(plan: Plan, d: Deadline, lang: Lang) -> list[str]:
    """What a follow-up deadline says, line by line: its event and its reminder e-mails."""

    def t(key: str, **values: object) -> str:
        return L[key].render(lang, **values)

    def role_name(role_id: str) -> str:
        role = plan.role_by_id.get(role_id)
        return role.label(lang) if role else role_id

    fu = d.followup
    activity = plan.activity_by_id.get(fu.activity_id) if fu.activity_id else None
    lines = [fu.what]
    if d.start != d.due:
        lines.append(t("window", start=d.start, due=d.due))
    else:
        lines.append(f"{t('due')}: {d.due}")
    if fu.to:
        lines.append(f"{t('to')}: {fu.to}")
    lines.append(f"{t('responsible')}: " + ", ".join(role_name(r) for r in fu.responsible))
    if activity is not None and d.source is not None and d.meeting is None:
        day = d.source.date() if isinstance(d.source, datetime) else d.source
        lines.append(t("after", title=activity.title, day=day))
    if d.meeting is not None:
        lines.append(t("at", title=d.meeting.activity.title, day=d.meeting.day))
    lines.append(f"{t('plan')}: {plan.name}")
    return lines


def _digest(lines: Iterable[str]) -> str:
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()[:32]


def components(schedule: Schedule) -> list[Component]:
    """Every VEVENT of the plan, meetings then deadlines, in a stable order."""
    writer = _Writer(schedule)
    out = [c for s in schedule.series for c in writer.series(s)]
    out += [writer.deadline(d) for d in schedule.deadlines]
    return out


def feed_body(c: Component, feed: Feed) -> tuple[str, ...] | None:
    """What a feed carries of a component: the private body, the public one, or nothing."""
    if c.deadline:
        return c.body if feed.wants_deadline(c.roles) else None
    if feed.public:
        return c.public_body
    return c.body if feed.wants_meeting(c.public_body is not None, c.roles) else None


def render(
    schedule: Schedule,
    feed: Feed,
    parts: Sequence[Component] | None = None,
    revisions: Mapping[Key, Revision] | None = None,
) -> bytes:
    """One feed as iCalendar bytes."""
    plan = schedule.plan
    if parts is None:
        parts = components(schedule)
    revisions = revisions or {}
    chosen = [(c, body) for c in parts if (body := feed_body(c, feed)) is not None]
    ttl = duration(plan.refresh)
    lines = [
        "BEGIN:VCALENDAR",
        "VERSION:2.0",
        f"PRODID:{PRODID}",
        "CALSCALE:GREGORIAN",
        f"NAME:{escape(feed.title)}",
        f"X-WR-CALNAME:{escape(feed.title)}",
        f"X-WR-TIMEZONE:{plan.timezone}",
        f"REFRESH-INTERVAL;VALUE=DURATION:{ttl}",
        f"X-PUBLISHED-TTL:{ttl}",
    ]
    if any(c.timed for c, _ in chosen):
        lines += vtimezone_lines(plan.timezone)
    out = [fold(line) for line in lines]
    for c, body in chosen:
        rev = revisions.get(c.key, INITIAL)
        stamp = _utc(rev.modified)
        out.append(b"BEGIN:VEVENT\r\n")
        out.append(fold(f"UID:{c.uid}"))
        out.append(
            f"DTSTAMP:{stamp}\r\nCREATED:{_utc(rev.created)}\r\nLAST-MODIFIED:{stamp}"
            f"\r\nSEQUENCE:{rev.sequence}\r\n".encode("ascii")
        )
        out.extend(fold(line) for line in body)
        out.append(b"END:VEVENT\r\n")
    out.append(b"END:VCALENDAR\r\n")
    return b"".join(out)


def render_all(
    schedule: Schedule,
    revisions: Mapping[Key, Revision] | None = None,
    parts: Sequence[Component] | None = None,
) -> dict[Feed, bytes]:
    parts = components(schedule) if parts is None else parts
    return {feed: render(schedule, feed, parts, revisions) for feed in feeds_for(schedule.plan)}


# --- scheduling objects (the targets that carry ORGANIZER and ATTENDEE) ----------------------


def people_lines(
    organizer: str,
    organizer_name: str,
    attendees: Mapping[str, str],
    params: str = "RSVP=TRUE",
) -> list[str]:
    """ORGANIZER and one ATTENDEE per address (address → display name), sorted."""
    lines = [f"ORGANIZER;CN={param(organizer_name)}:mailto:{organizer}"]
    for address in sorted(attendees):
        lines.append(
            f"ATTENDEE;CN={param(attendees[address])};ROLE=REQ-PARTICIPANT;"
            f"PARTSTAT=NEEDS-ACTION;{params}:mailto:{address}"
        )
    return lines


def vevent(
    uid: str,
    revision: Revision,
    body: Iterable[str],
    who: Sequence[str],
    cancelled: bool = False,
    extra: Sequence[str] = (),
) -> list[str]:
    """One VEVENT: a component's body with ``who`` for its ORGANIZER/ATTENDEE lines."""
    lines = ["BEGIN:VEVENT", f"UID:{uid}", f"DTSTAMP:{_utc(revision.modified)}"]
    lines.append(f"SEQUENCE:{revision.sequence}")
    kept = [
        line
        for line in body
        if not line.startswith(("ORGANIZER", "ATTENDEE"))
        and not (cancelled and line.startswith("STATUS:"))
    ]
    if cancelled:  # a cancellation carries no alarm: the event's own lines, up to its VALARM
        kept = kept[: kept.index("BEGIN:VALARM")] if "BEGIN:VALARM" in kept else kept
        kept.append("STATUS:CANCELLED")
    if "BEGIN:VALARM" in kept:  # properties go before the first subcomponent
        at = kept.index("BEGIN:VALARM")
        kept = [*kept[:at], *who, *extra, *kept[at:]]
    else:
        kept = [*kept, *who, *extra]
    lines += kept
    lines.append("END:VEVENT")
    return lines
