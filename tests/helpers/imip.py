"""The mail target against a real SMTP server (aiosmtpd on loopback), and a client that reads it.

``Mail`` pushes a plan the way ``plancal push mail`` does (the store's revisions, ledger and
postbox; the real SmtpMailer), with a clock the test moves. ``inbox_calendar`` is what an
attendee's calendar client makes of the messages it received, applying each iTIP message in
order by the rules of RFC 5546: a REQUEST replaces the event (or the override it names), a
CANCEL with RECURRENCE-ID removes that occurrence, a CANCEL without removes the event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from email.message import EmailMessage
from typing import Any

import pytest

from plancal.calendars.push import PushResult
from tests.helpers.smtp import Received, SmtpServer

ORGANIZER = "planering@soderhamn.example"  # not one of the seed's roles: everyone is invited


@dataclass
class TargetResult(PushResult):
    """A push's result with the target that ran it (its counters, what it delivered)."""

    target: Any = None


def with_target(result: PushResult, target: Any) -> TargetResult:
    values = {f.name: getattr(result, f.name) for f in fields(result)}
    return TargetResult(**values, target=target)


@dataclass
class Clock:
    now: datetime = field(default_factory=lambda: datetime(2022, 8, 15, 8, tzinfo=UTC))

    def __call__(self) -> datetime:
        return self.now

    def advance(self, delta: timedelta) -> None:
        self.now += delta


@dataclass
class Mail:
    store: Any
    server: SmtpServer
    clock: Clock = field(default_factory=Clock)

    def target(self, schedule: Any, dry_run: bool = False, **options: Any) -> Any:
        from plancal.app.push import mail_target
        from plancal.scheduler.mail import InvitationSender, SmtpMailer, SmtpSettings

        mailer = SmtpMailer(
            SmtpSettings(self.server.host, ORGANIZER, self.server.port, starttls=False, timeout=5)
        )
        return mail_target(
            schedule,
            ORGANIZER,
            self.store,
            InvitationSender(mailer),
            self.clock(),
            dry_run=dry_run,
            clock=self.clock,
            **options,
        )

    def push(
        self, schedule: Any, dry_run: bool = False, probe: Callable[[str], None] | None = None
    ) -> Any:
        from plancal.calendars.push import push

        options = {"probe": probe} if probe is not None else {}
        target = self.target(schedule, dry_run=dry_run, **options)
        try:
            result = push(schedule, target, dry_run=dry_run)
        finally:
            target.sender.mailer.close()
        return with_target(result, target)

    @property
    def received(self) -> list[Received]:
        with self.server.mailbox.lock:
            return list(self.server.mailbox.received)


@pytest.fixture
def mail(store: Any, smtp_server: SmtpServer) -> Iterator[Mail]:
    yield Mail(store, smtp_server)


# --- reading the messages back ----------------------------------------------------------------


@dataclass(frozen=True)
class Invitation:
    to: str
    method: str
    message_id: str
    inline: bytes  # the text/calendar alternative
    attachment: bytes  # the .ics attachment
    calendar: Any  # icalendar.Calendar of the inline part
    message: EmailMessage


def invitation(received: Received) -> Invitation:
    from icalendar import Calendar

    m = received.message
    inline = attachment = None
    for part in m.walk():
        if part.get_content_type() == "text/calendar":
            inline = part.get_payload(decode=True)
        elif part.get_content_type() == "application/ics":
            attachment = part.get_payload(decode=True)
    assert isinstance(inline, bytes) and isinstance(attachment, bytes)
    calendar = Calendar.from_ical(inline)
    (to,) = received.rcpt_tos
    return Invitation(
        to.lower(),
        str(calendar["METHOD"]),
        str(m["Message-ID"]),
        inline,
        attachment,
        calendar,
        m,
    )


def events(inv: Invitation) -> list[Any]:
    return [c for c in inv.calendar.walk("VEVENT")]


def rid_of(event: Any) -> str:
    rid = event.get("RECURRENCE-ID")
    return "" if rid is None else rid.dt.isoformat()


def inbox_calendars(received: list[Received]) -> dict[str, dict[str, list[Any]]]:
    """Per attendee: UID → the VEVENTs their client holds after every message, in order."""
    held: dict[str, dict[str, list[Any]]] = {}
    for r in received:
        inv = invitation(r)
        mine = held.setdefault(inv.to, {})
        for ev in events(inv):
            uid = str(ev["UID"])
            rid = rid_of(ev)
            if inv.method == "REQUEST":
                if rid == "":  # the whole event: replaces master and overrides it carries
                    mine[uid] = [e for e in events(inv) if str(e["UID"]) == uid]
                    break
                current = [e for e in mine.get(uid, []) if rid_of(e) != rid]
                mine[uid] = [*current, ev]
            elif inv.method == "CANCEL":
                if rid == "":
                    mine.pop(uid, None)
                elif uid in mine:
                    master = next(e for e in mine[uid] if rid_of(e) == "")
                    master.add("EXDATE", ev["RECURRENCE-ID"].dt)
                    mine[uid] = [e for e in mine[uid] if rid_of(e) != rid]
    return held


def shown(received: list[Received], tz: Any) -> list[tuple[str, str, str]]:
    """Every occurrence some attendee's calendar shows: (title, local start, local end)."""
    import recurring_ical_events
    from icalendar import Calendar

    seen: dict[tuple[str, str], tuple[str, str, str]] = {}
    for calendars in inbox_calendars(received).values():
        for uid, evs in calendars.items():
            cal = Calendar()
            for e in evs:
                cal.add_component(e)
            for occ in recurring_ical_events.of(cal).between(
                datetime(2000, 1, 1), datetime(2100, 1, 1)
            ):
                start, end = occ["DTSTART"].dt, occ["DTEND"].dt
                key = (uid, _iso(start, tz))
                seen[key] = (str(occ["SUMMARY"]), _iso(start, tz), _iso(end, tz))
    return sorted(seen.values())


def _iso(value: date | datetime, tz: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz).isoformat()
    return value.isoformat()


def summer_break(seed_schedule: Any) -> Any:
    """The seed with the break coordinators add in spring: Sommaruppehåll 2023, 26/6–6/8."""
    from plancal.rules.edit import Editor
    from tests.helpers import SEED

    text = SEED.read_text(encoding="utf-8")
    edited = Editor(text, str(SEED), seed_schedule).add_break(
        "Sommaruppehåll 2023", date(2023, 6, 26), date(2023, 8, 6)
    )
    return edited.schedule
