"""The invitation as an e-mail that Outlook, Gmail, Apple Mail and Thunderbird show with buttons.

Structure (what those clients expect, RFC 6047 §2.4):

    multipart/mixed
      multipart/alternative
        text/plain                  the meeting in words, in the plan's language
        text/html                   the same
        text/calendar; method=...   the iTIP object (what shows Accept/Decline)
      application/ics               the same object as invite.ics, for clients that only
                                    look at attachments

The calendar parts are base64: an iCalendar object has CRLF line ends and long folded lines
that quoted-printable would disturb. Message-ID comes from the message's key, so a resend
after a crash is the same message to a receiver that deduplicates.
"""

from __future__ import annotations

import html
from datetime import datetime
from email.charset import QP, Charset
from email.header import Header
from email.mime.base import MIMEBase
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.policy import compat32
from email.utils import format_datetime, formataddr

from plancal.i18n import Lang, Text

UTF8 = Charset("utf-8")
UTF8.header_encoding = UTF8.body_encoding = QP

T: dict[str, Text] = {
    "REQUEST-new": Text("Invitation: {title}", "Inbjudan: {title}"),
    "REQUEST-update": Text("Updated: {title}", "Ändrat: {title}"),
    "CANCEL-series": Text("Cancelled: {title}", "Inställt: {title}"),
    "CANCEL-occurrence": Text("Cancelled: {title} {when}", "Inställt: {title} {when}"),
    "intro-new": Text("You are invited to {title}.", "Du är inbjuden till {title}."),
    "intro-update": Text(
        "{title} has changed; your calendar shows the new version.",
        "{title} har ändrats; din kalender visar den nya versionen.",
    ),
    "intro-cancel-series": Text(
        "{title} is cancelled: every occurrence is removed from your calendar.",
        "{title} är inställt: alla tillfällen tas bort ur din kalender.",
    ),
    "intro-cancel-occurrence": Text(
        "{title} on {when} is cancelled.", "{title} {when} är inställt."
    ),
    "when": Text("When", "När"),
    "where": Text("Where", "Var"),
    "replies": Text(
        "Accept or decline in your calendar; replies go to {organizer}.",
        "Tacka ja eller nej i din kalender; svaren går till {organizer}.",
    ),
    "footer": Text(
        "Sent by plancal from the plan {plan}. Changes go through whoever keeps the plan.",
        "Skickat av plancal utifrån planen {plan}. Ändringar görs av den som förvaltar planen.",
    ),
}


def subject_and_lines(
    kind: str, title: str, when: str, where: str | None, organizer: str, plan: str, lang: Lang
) -> tuple[str, list[str]]:
    """The subject and the body's paragraphs (plain text, one per line)."""
    intro = {
        "REQUEST-new": "intro-new",
        "REQUEST-update": "intro-update",
        "CANCEL-series": "intro-cancel-series",
        "CANCEL-occurrence": "intro-cancel-occurrence",
    }[kind]
    subject = T[kind].render(lang, title=title, when=when)
    lines = [T[intro].render(lang, title=title, when=when), ""]
    if when and kind != "CANCEL-occurrence":
        lines.append(f"{T['when'].render(lang)}: {when}")
    if where:
        lines.append(f"{T['where'].render(lang)}: {where}")
    if kind.startswith("REQUEST"):
        lines += ["", T["replies"].render(lang, organizer=organizer)]
    lines += ["", "-- ", T["footer"].render(lang, plan=plan)]
    return subject, lines


def compose(
    *,
    method: str,
    ical: bytes,
    subject: str,
    lines: list[str],
    organizer: str,
    organizer_name: str,
    sender: str,
    to: str,
    to_name: str,
    message_id: str,
    now: datetime,
    lang: Lang,
) -> bytes:
    message = MIMEMultipart("mixed")
    message["From"] = formataddr((organizer_name, organizer), charset="utf-8")
    if sender.lower() != organizer.lower():
        message["Sender"] = sender  # the SMTP account that sends on the organizer's behalf
    message["Reply-To"] = organizer
    message["To"] = formataddr((to_name, to), charset="utf-8")
    message["Subject"] = Header(subject, UTF8, header_name="Subject").encode()
    message["Date"] = format_datetime(now)
    message["Message-ID"] = message_id
    message["Content-Language"] = lang
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no out-of-office replies
    message["X-Auto-Response-Suppress"] = "OOF, DR, RN, NRN"  # the same, for Exchange

    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText("\n".join(lines) + "\n", "plain", UTF8))  # type: ignore[arg-type]
    paragraphs = "".join(
        "<p>" + html.escape(line) + "</p>" for line in lines if line and line != "-- "
    )
    page = (
        f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
        f"<title>{html.escape(subject)}</title></head><body>{paragraphs}</body></html>\n"
    )
    alternative.attach(MIMEText(page, "html", UTF8))  # type: ignore[arg-type]
    inline = MIMEBase("text", "calendar", method=method, charset="UTF-8")
    inline.set_payload(ical)
    _base64(inline)
    alternative.attach(inline)
    message.attach(alternative)

    attachment = MIMEBase("application", "ics", name="invite.ics")
    attachment.set_payload(ical)
    _base64(attachment)
    attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
    message.attach(attachment)
    # CRLF line ends, as SMTP carries them: the bytes are kept and sent as they are.
    return message.as_bytes(policy=compat32.clone(linesep="\r\n"))


def _base64(part: MIMEBase) -> None:
    from email import encoders

    encoders.encode_base64(part)
