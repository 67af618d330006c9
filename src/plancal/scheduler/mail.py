"""Reminder e-mails: the text (in the plan's language) and SMTP delivery with smtplib.

The message says what is due, when, to whom it is reported and who is responsible, in the same
words as the deadline's calendar event, and links to the published feeds. Its Message-ID comes
from the outbox key, so a message resent after a crash is the same message to a receiver that
deduplicates; ``Auto-Submitted`` keeps out-of-office replies away.
"""

from __future__ import annotations

import base64
import contextlib
import errno
import smtplib
import socket
import ssl
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from email.charset import QP, Charset
from email.header import Header
from email.message import Message
from email.utils import format_datetime, formataddr
from types import TracebackType
from typing import Any

from plancal.calendars.ics import deadline_lines, due_day
from plancal.calendars.reminders import Reminder
from plancal.config.settings import Settings, env_name
from plancal.errors import Problems, Where
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import R_BECAUSE, Deadline, Schedule

TIMEOUT = 30.0  # seconds per SMTP command; the outbox lease covers a batch of these
LOOPBACK = ("localhost", "127.0.0.1", "::1")
UTF8 = Charset("utf-8")
UTF8.header_encoding = UTF8.body_encoding = QP  # readable in any mail source view

M: dict[str, Text] = {
    "subject": Text("Reminder: {what} – due {due}", "Påminnelse: {what} – senast {due}"),
    "late_subject": Text(
        "Late reminder: {what} – due {due}", "Försenad påminnelse: {what} – senast {due}"
    ),
    "hello": Text("Hello {name},", "Hej {name}!"),
    "intro": Text(
        "This is a reminder of a follow-up due {when}:",
        "Det här är en påminnelse om en uppföljning {when}:",
    ),
    "in_days": Text("in {n} days", "om {n} dagar"),
    "today": Text("today", "i dag"),
    "passed": Text("{n} days ago", "för {n} dagar sedan"),
    "late": Text(
        "This reminder is late: it was due to be sent on {day}, but plancal was not running then.",
        "Påminnelsen är försenad: den skulle ha skickats {day}, men plancal var inte igång då.",
    ),
    "feeds": Text("Calendar", "Kalender"),
    "meeting_changed": Text("The meeting on {day}: {why}", "Mötet {day}: {why}"),
    "footer": Text(
        "Sent automatically by plancal from the plan file; do not reply. Changes "
        "go through whoever keeps the plan.",
        "Skickat automatiskt av plancal utifrån planfilen; svara inte. Ändringar "
        "görs av den som förvaltar planen.",
    ),
    "letter_subject": Text(
        "Reminder: {n} follow-ups – the first due {due}",
        "Påminnelse: {n} uppföljningar – den första senast {due}",
    ),
    "late_letter_subject": Text(
        "Late reminder: {n} follow-ups – the first due {due}",
        "Försenad påminnelse: {n} uppföljningar – den första senast {due}",
    ),
    "letter_intro": Text(
        "This is a reminder of {n} follow-ups:", "Det här är en påminnelse om {n} uppföljningar:"
    ),
    "letter_intro_plans": Text(
        "This is a reminder of {n} follow-ups in {plans} plans:",
        "Det här är en påminnelse om {n} uppföljningar i {plans} planer:",
    ),
    "item_when": Text("That is {when}.", "Det vill säga {when}."),
    "item_late": Text(
        "Late: this reminder was due to be sent on {day}, but plancal was not running then.",
        "Försenad: påminnelsen skulle ha skickats {day}, men plancal var inte igång då.",
    ),
    "other_language": Text("In English below.", "På svenska nedan."),
}


def _lang(schedule: Schedule) -> Lang:
    return "sv" if schedule.plan.language == "sv" else "en"


def _when(day: date, today: date, lang: Lang) -> str:
    n = (day - today).days
    if n == 0:
        return M["today"].render(lang)
    return M["in_days" if n > 0 else "passed"].render(lang, n=abs(n))


def compose(
    schedule: Schedule,
    deadline: Deadline,
    reminder: Reminder,
    sender: str,
    now: datetime,
    late: bool,
) -> Message[str, str | Header]:
    """The reminder as an e-mail, in the plan's language."""
    plan = schedule.plan
    lang = _lang(schedule)
    fu = deadline.followup
    role = plan.role_by_id[reminder.recipient]
    today = now.astimezone(plan.tz).date()

    def t(key: str, **values: object) -> str:
        return M[key].render(lang, **values)

    subject = t("late_subject" if late else "subject", what=fu.what, due=due_day(deadline, lang))
    when = _when(deadline.start, today, lang)  # a window (e.g. September) counts to its start
    lines = [
        t("hello", name=role.label(lang)),
        "",
        t("intro", when=when),
        "",
        *deadline_lines(plan, deadline, lang, (reminder.offset_days,)),
    ]
    meeting = deadline.meeting
    if meeting is not None and meeting.reason is not None and meeting.reason.text is R_BECAUSE:
        # the plan says why the meeting it is presented at was moved: say it where it matters
        lines.append(t("meeting_changed", day=meeting.day, why=meeting.reason.render(lang)))
    if late:
        lines += ["", t("late", day=reminder.owed_at.astimezone(plan.tz).date())]
    if plan.url:
        lines += ["", f"{t('feeds')}: {plan.url}"]
    lines += ["", "-- ", t("footer")]

    # The legacy email API on purpose: Python 3.11's EmailMessage can drop the space between
    # two encoded words when it folds a long Swedish subject (CPython gh-144156).
    message: Message[str, str | Header] = Message()
    message.set_payload("\n".join(lines) + "\n", UTF8)  # text/plain, quoted-printable
    message["From"] = sender
    message["To"] = formataddr((role.label(lang), role.email), charset="utf-8")
    message["Subject"] = Header(subject, UTF8, header_name="Subject")
    message["Date"] = format_datetime(now)
    message["Message-ID"] = reminder.message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies
    message["X-Auto-Response-Suppress"] = "All"  # the same, for Exchange
    message["Content-Language"] = lang
    return message


@dataclass(frozen=True)
class Item:
    """One reminder of a letter, with the plan and deadline it speaks of."""

    schedule: Schedule
    deadline: Deadline
    reminder: Reminder
    late: bool


def compose_letter(
    items: Sequence[Item], message_id: str, sender: str, now: datetime
) -> Message[str, str | Header]:
    """Everything owed to one person at once, as one e-mail.

    A letter of one reminder is that reminder's mail, word for word. A letter of several lists
    them plan by plan, in the language of the recipient's plans; a person whose plans are
    written in both languages gets the letter in Swedish and then in English.
    """
    first = items[0]
    if len(items) == 1:
        alone = compose(first.schedule, first.deadline, first.reminder, sender, now, first.late)
        del alone["Message-ID"]
        alone["Message-ID"] = message_id
        return alone
    langs = sorted({_lang(i.schedule) for i in items}, key=("sv", "en").index)
    ordered = sorted(items, key=lambda i: (i.deadline.due, i.schedule.plan.name, i.deadline.uid))
    late = any(i.late for i in items)
    earliest = min(items, key=lambda i: i.deadline.due)
    lang = langs[0]
    subject = M["late_letter_subject" if late else "letter_subject"].render(
        lang, n=len(items), due=due_day(earliest.deadline, lang)
    )
    lines: list[str] = []
    for n, each in enumerate(langs):
        if n:
            lines += ["", "=" * 40, ""]
        elif len(langs) > 1:  # told in the language that follows, to whoever reads that
            lines += [M["other_language"].render(langs[1]), ""]
        lines += _letter_lines(ordered, each, now)
    lines += ["", "-- ", *(M["footer"].render(each) for each in langs)]
    role = first.schedule.plan.role_by_id[first.reminder.recipient]
    message: Message[str, str | Header] = Message()
    message.set_payload("\n".join(lines) + "\n", UTF8)
    message["From"] = sender
    message["To"] = formataddr((role.label(lang), first.reminder.address), charset="utf-8")
    message["Subject"] = Header(subject, UTF8, header_name="Subject")
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"
    message["X-Auto-Response-Suppress"] = "All"
    message["Content-Language"] = ", ".join(langs)
    return message


def _letter_lines(items: Sequence[Item], lang: Lang, now: datetime) -> list[str]:
    first = items[0]
    role = first.schedule.plan.role_by_id[first.reminder.recipient]
    plans = {i.schedule.plan.id for i in items}
    lines = [
        M["hello"].render(lang, name=role.label(lang)),
        "",
        M["letter_intro_plans" if len(plans) > 1 else "letter_intro"].render(
            lang, n=len(items), plans=len(plans)
        ),
    ]
    for n, item in enumerate(items, 1):
        plan = item.schedule.plan
        today = now.astimezone(plan.tz).date()
        body = deadline_lines(plan, item.deadline, lang, (item.reminder.offset_days,))
        lines += ["", f"{n}. {body[0]}"]
        lines += [f"   {line}" for line in body[1:]]
        lines.append(
            "   " + M["item_when"].render(lang, when=_when(item.deadline.start, today, lang))
        )
        if item.late:
            day = item.reminder.owed_at.astimezone(plan.tz).date()
            lines.append("   " + M["item_late"].render(lang, day=day))
        if plan.url:
            lines.append(f"   {M['feeds'].render(lang)}: {plan.url}")
    return lines


# --- delivery ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    sender: str
    port: int = 587
    starttls: bool = True
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    cafile: str | None = None
    timeout: float = TIMEOUT


def smtp_settings(settings: Settings) -> SmtpSettings:
    """The [smtp] settings, or PlanError saying which setting to write."""
    problems = Problems()

    def get(key: str) -> Any:
        return settings.get("smtp", key)

    def need(key: str) -> None:
        problems.error(
            Where(f"{settings.source} [smtp] {key}"),
            msg(
                Text(
                    "reminders need the SMTP setting {key}",
                    "påminnelser behöver SMTP-inställningen {key}",
                ),
                key=key,
            ),
            msg(
                Text(
                    "write {key} = … under [smtp], or set {var}",
                    "skriv {key} = … under [smtp], eller sätt {var}",
                ),
                key=key,
                var=env_name("smtp", key),
            ),
        )

    for key in ("host", "from"):
        if not get(key):
            need(key)
    if get("username") and not get("password"):
        need("password")
    if get("username") and not get("starttls") and get("host") not in LOOPBACK:
        problems.error(
            Where(f"{settings.source} [smtp] starttls"),
            msg(
                Text(
                    "the password would cross the network unencrypted",
                    "lösenordet skulle gå okrypterat över nätet",
                )
            ),
            msg(Text("set starttls = true", "sätt starttls = true")),
        )
    problems.raise_if_errors()
    return SmtpSettings(
        host=get("host"),
        sender=get("from"),
        port=get("port"),
        starttls=get("starttls"),
        username=get("username"),
        password=get("password"),
        cafile=get("cafile"),
    )


class SendError(Exception):
    """Delivery failed. ``permanent``: the server refused this message for good."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class SmtpMailer:
    """One SMTP session, opened at the first message and reused for the rest of a batch."""

    def __init__(self, settings: SmtpSettings):
        self.settings = settings
        self._smtp: smtplib.SMTP | None = None
        self._socket: socket.socket | None = None  # the session's, while it lives
        self._aborted = False

    def abort(self) -> None:
        """Break off whatever the session waits for, from another thread (on SIGTERM).

        A server that never answers would hold ``send`` for the whole timeout, per command;
        shutting the socket down makes the waiting read fail at once, so the message in flight
        is released and sent again at the next start (with the same Message-ID).
        """
        self._aborted = True
        smtp = self._smtp
        sock = getattr(smtp, "sock", None) or self._socket  # TLS wraps it in a new object
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.shutdown(socket.SHUT_RDWR)

    @property
    def sender(self) -> str:
        return self.settings.sender

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if self._aborted:
            raise OSError(errno.ECANCELED, "stopping")
        mailer = self

        class Session(smtplib.SMTP):
            def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
                sock: socket.socket = super()._get_socket(host, port, timeout)  # type: ignore[misc]
                mailer._socket = sock
                if mailer._aborted:  # abort() came while the connection was being made
                    sock.shutdown(socket.SHUT_RDWR)
                return sock

        smtp = Session(s.host, s.port, timeout=s.timeout)
        try:
            smtp.ehlo()
            if s.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=s.cafile))
                smtp.ehlo()
            if s.username:
                _login(smtp, s.username, s.password or "")
        except BaseException:
            smtp.close()
            raise
        return smtp

    def send(self, message: Message) -> None:
        self._deliver(lambda smtp: smtp.send_message(message))

    def send_bytes(self, envelope_from: str, to: str, data: bytes) -> None:
        """A message already composed (an invitation kept in the store), sent as it is."""
        self._deliver(lambda smtp: smtp.sendmail(envelope_from, [to], data))

    def _deliver(self, work: Callable[[smtplib.SMTP], object]) -> None:
        s = self.settings
        try:
            if self._smtp is None:
                self._smtp = self._connect()
            work(self._smtp)
        except smtplib.SMTPRecipientsRefused as e:
            codes = [code for code, _text in e.recipients.values()]
            raise SendError(
                _refusal(e.recipients), permanent=all(c >= 500 for c in codes)
            ) from None
        except smtplib.SMTPAuthenticationError as e:
            self.close()
            raise SendError(
                f"SMTP login to {s.host} refused ({e.smtp_code}); check "
                f"{env_name('smtp', 'username')} and "
                f"{env_name('smtp', 'password')}"
            ) from None
        except smtplib.SMTPNotSupportedError as e:
            self.close()
            raise SendError(f"{s.host}: {e}") from None
        except smtplib.SMTPSenderRefused as e:  # our own address: every message would fail
            self.close()
            raise SendError(
                f"{s.host} refuses the sender address ({e.smtp_code} {_decoded(e.smtp_error)})"
            ) from None
        except smtplib.SMTPResponseException as e:
            if e.smtp_code < 500:
                self.close()
            raise SendError(
                f"{s.host}: {e.smtp_code} {_decoded(e.smtp_error)}", permanent=e.smtp_code >= 500
            ) from None
        except (smtplib.SMTPException, OSError) as e:  # refused, timed out, TLS, dropped
            self.close()
            raise SendError(
                f"cannot deliver to {s.host}:{s.port}: "
                f"{e.strerror if isinstance(e, OSError) and e.strerror else e}"
            ) from None

    def close(self) -> None:
        smtp, self._smtp = self._smtp, None
        self._socket = None
        if smtp is not None:
            if self._aborted:  # QUIT would wait for the server again
                smtp.close()
                return
            try:
                smtp.quit()
            except (smtplib.SMTPException, OSError):
                smtp.close()

    def __enter__(self) -> SmtpMailer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()


def _login(smtp: smtplib.SMTP, username: str, password: str) -> None:
    """smtplib encodes credentials as ASCII; a password with å, ä or ö goes as UTF-8 in AUTH
    PLAIN (RFC 4616), which is what servers expect."""
    if (username + password).isascii():
        smtp.login(username, password)
        return
    if "plain" not in smtp.esmtp_features.get("auth", "").lower().split():
        raise smtplib.SMTPNotSupportedError("a non-ASCII password needs AUTH PLAIN")
    token = base64.b64encode(f"\0{username}\0{password}".encode()).decode("ascii")
    code, reply = smtp.docmd("AUTH", f"PLAIN {token}")
    if code != 235:
        raise smtplib.SMTPAuthenticationError(code, reply)


def _decoded(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else raw


def _refusal(recipients: dict[str, tuple[int, bytes]]) -> str:
    # Without the address: this text goes to the outbox and the logs, which name roles.
    return "; ".join(f"{code} {_decoded(text)}" for code, text in recipients.values())


class InvitationSender:
    """The mail target's ``Sender`` over an ``SmtpMailer``: SendError as ``Undelivered``."""

    def __init__(self, mailer: SmtpMailer):
        self.mailer = mailer

    def send(self, envelope_from: str, to: str, data: bytes) -> None:
        from plancal.calendars.targets.mail.target import Undelivered

        try:
            self.mailer.send_bytes(envelope_from, to, data)
        except SendError as e:
            raise Undelivered(str(e), permanent=e.permanent) from None
