"""Reminders delivered to a real SMTP server (aiosmtpd on loopback), on both store backends."""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import replace
from datetime import datetime, timedelta
from typing import Any

import pytest

from plancal.calendars.reminders import Reminder, planned
from plancal.config.settings import Settings
from plancal.i18n import MONTHS
from plancal.rules.compile import Schedule, compile_plan
from plancal.rules.plan import load
from plancal.scheduler.dispatch import Outcome, tick
from plancal.scheduler.mail import SendError, SmtpMailer, SmtpSettings, smtp_settings
from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers import FIXTURES
from tests.helpers.smtp import PASSWORD, USER, SmtpServer, body

SENDER = "plancal@soderhamn.example"


def plain(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(server.host, SENDER, port=server.port, starttls=False)


@pytest.fixture
def mailer(smtp_server: SmtpServer) -> Iterator[SmtpMailer]:
    with SmtpMailer(plain(smtp_server)) as m:
        yield m


def run_through(
    schedule: Schedule, outbox: Outbox, mailer: SmtpMailer, moments: list[datetime]
) -> list[Outcome]:
    """The daemon's reminder ticks at these moments (the store decides what is owed)."""
    return [tick(schedule, outbox, mailer, now, "worker") for now in moments]


def moments_of(reminders: list[Reminder]) -> list[datetime]:
    return sorted({r.owed_at for r in reminders})


def test_each_seed_reminder_arrives_once_with_its_recipient_and_text(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    """82 reminders in 68 letters: what one person is owed at once goes out as one message."""
    plan = seed_schedule.plan
    expected = planned(seed_schedule)
    outbox = Outbox(store)
    outcomes = run_through(seed_schedule, outbox, mailer, moments_of(expected))
    mailbox = smtp_server.mailbox
    assert sum(len(o.sent) for o in outcomes) == len(expected) == 82
    letters = Counter((r.owed_at, r.address) for r in expected)
    assert sum(o.letters for o in outcomes) == len(letters) == len(mailbox.received) == 68
    by_id = {str(r.message["Message-ID"]): r for r in mailbox.received}
    rows = {row.key: row for row in outbox.rows(plan.id)}
    deadlines = {(d.uid, d.due): d for d in seed_schedule.deadlines}
    for reminder in expected:
        row = rows[reminder.key]
        got = by_id[row.message_id]
        alone = letters[(reminder.owed_at, reminder.address)] == 1
        assert (row.message_id == reminder.message_id) == alone
        role = plan.role_by_id[reminder.recipient]
        fu = deadlines[(reminder.deadline, reminder.due)].followup
        assert got.mail_from == SENDER
        assert got.rcpt_tos == [role.email]
        assert got.message["To"].addresses[0].addr_spec == role.email
        whole_month = fu.due.kind == "yearly"  # "september varje år": due on its last day
        month = MONTHS["sv"][reminder.due.month - 1]
        due = f"{reminder.due.day} {month}" if whole_month else str(reminder.due)
        if alone:
            assert got.message["Subject"] == f"Påminnelse: {fu.what} – senast {due}"
        else:
            n = letters[(reminder.owed_at, reminder.address)]
            assert got.message["Subject"].startswith(f"Påminnelse: {n} uppföljningar – ")
        assert got.message["Auto-Submitted"] == "auto-generated"
        assert got.message["Date"].datetime == reminder.owed_at
        text = body(got)
        assert text.startswith(f"Hej {role.name}!")
        assert fu.what in text and due in text
        if whole_month:  # the month's reminder counts to the month, not to its last day
            assert f"Senast {due}; påminnelse {reminder.offset_days} dagar före {month}" in text
        assert "Försenad" not in text
        for r in fu.responsible:
            assert plan.role_by_id[r].name in text
        if fu.to:
            assert f"Redovisas till: {fu.to}" in text
    assert {o.late for o in outcomes} == {0}
    again = run_through(seed_schedule, Outbox(store), mailer, moments_of(expected))
    assert sum(len(o.sent) for o in again) == 0 and len(mailbox.received) == 68


def test_text_of_one_reminder_in_swedish(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    uid = "followup.ifo-rapport-bra-2022@soderhamn-2022-2023.plancal"
    first = next(r for r in planned(seed_schedule) if r.deadline == uid)
    social = next(
        r
        for r in planned(seed_schedule)
        if r.deadline == uid and r.recipient == "socialsekreterare-ifo"
    )
    run_through(seed_schedule, Outbox(store), mailer, [first.owed_at])
    got = [r for r in smtp_server.mailbox.received if r.message["Message-ID"] == social.message_id]
    assert len(got) == 1
    assert body(got[0]).splitlines()[:9] == [
        "Hej Utsedd socialsekreterare IFO!",
        "",
        "Det här är en påminnelse om en uppföljning om 14 dagar:",
        "",
        "Kort skriftlig rapport till styrgruppen för BRÅ",
        "Ska vara klart: 2022-10-24",
        "Redovisas till: Styrgruppen för Lokalt BRÅ",
        "Ansvariga: Kommunpolis, Utsedd socialsekreterare IFO",
        "Plan: Lokal handlingsplan 2022–2023 – Söderhamn",
    ]


def test_two_follow_ups_due_at_once_go_to_the_officer_in_one_letter(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    uid = "followup.ifo-rapport-bra-2022@soderhamn-2022-2023.plancal"
    officer = next(
        r for r in planned(seed_schedule) if r.deadline == uid and r.recipient == "kommunpolis"
    )
    outbox = Outbox(store)
    run_through(seed_schedule, outbox, mailer, [officer.owed_at])
    got = [r for r in smtp_server.mailbox.received if r.rcpt_tos == [officer.address]]
    assert len(got) == 1
    rows = [r for r in outbox.rows(seed_schedule.plan.id) if r.reminder.address == officer.address]
    assert len(rows) == 2 and {r.message_id for r in rows} == {got[0].message["Message-ID"]}
    assert got[0].message["Subject"] == (
        "Påminnelse: 2 uppföljningar – den första senast 2022-10-24"
    )
    assert body(got[0]).splitlines() == [
        "Hej Kommunpolis!",
        "",
        "Det här är en påminnelse om 2 uppföljningar:",
        "",
        "1. Kort skriftlig rapport till styrgruppen för BRÅ",
        "   Ska vara klart: 2022-10-24",
        "   Redovisas till: Styrgruppen för Lokalt BRÅ",
        "   Ansvariga: Kommunpolis, Utsedd socialsekreterare IFO",
        "   Plan: Lokal handlingsplan 2022–2023 – Söderhamn",
        "   Det vill säga om 14 dagar.",
        "",
        "2. Uppföljning av kameraövervakningen",
        "   Ska vara klart: 2022-10-24",
        "   Redovisas till: Styrgruppen för Lokalt BRÅ",
        "   Ansvariga: Kommunpolis, Sektor Samhällsservice",
        "   Föredras på Lokalt BRÅ, styrgrupp 2022-10-24",
        "   Plan: Lokal handlingsplan 2022–2023 – Söderhamn",
        "   Det vill säga om 14 dagar.",
        "",
        "-- ",
        "Skickat automatiskt av plancal utifrån planfilen; svara inte. Ändringar görs av den "
        "som förvaltar planen.",
    ]


def test_english_plan_english_text_with_the_feed_link(
    store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    schedule = compile_plan(load(FIXTURES / "plans" / "reminders-en.yaml"))
    two_days = [r for r in planned(schedule) if r.offset_days == 2]
    run_through(schedule, Outbox(store), mailer, [two_days[0].owed_at])
    received = smtp_server.mailbox.received
    assert sorted(r.rcpt_tos[0] for r in received) == [
        "kommunpolis@polisen.example",
        "ts@kommun.example",
    ]
    officer = next(r for r in received if r.rcpt_tos == ["kommunpolis@polisen.example"])
    assert officer.message["Subject"] == "Reminder: Short written report – due 2023-03-31"
    assert officer.message["Content-Language"] == "en"
    text = body(officer)
    assert text.startswith("Hello Community police officer,")
    assert "follow-up due in 2 days:" in text
    assert "Reported to: The steering group" in text
    assert "Responsible: Community police officer, Safety coordinator" in text
    assert "Calendar: https://plancal.example/reminders-en/" in text


def test_starttls_and_login(
    tls_smtp_server: SmtpServer, store: Store, seed_schedule: Schedule
) -> None:
    settings = SmtpSettings(
        tls_smtp_server.host,
        SENDER,
        port=tls_smtp_server.port,
        username=USER,
        password=PASSWORD,
        cafile=tls_smtp_server.cafile,
    )
    first = planned(seed_schedule)[0]
    with SmtpMailer(settings) as m:
        outcome = tick(seed_schedule, Outbox(store), m, first.owed_at, "w")
    assert len(outcome.sent) == 2 and outcome.stopped is None
    assert len(tls_smtp_server.mailbox.received) == 2
    assert PASSWORD not in repr(settings)


def test_a_wrong_password_stops_delivery_and_keeps_the_reminders_owed(
    tls_smtp_server: SmtpServer, store: Store, seed_schedule: Schedule
) -> None:
    settings = SmtpSettings(
        tls_smtp_server.host,
        SENDER,
        port=tls_smtp_server.port,
        username=USER,
        password="fel-lösen",
        cafile=tls_smtp_server.cafile,
    )
    first = planned(seed_schedule)[0]
    outbox = Outbox(store)
    with SmtpMailer(settings) as m:
        outcome = tick(seed_schedule, outbox, m, first.owed_at, "w")
    assert outcome.stopped is not None and "PLANCAL_SMTP_PASSWORD" in outcome.stopped
    assert "fel-lösen" not in outcome.stopped
    assert {r.status for r in outbox.rows(seed_schedule.plan.id)} == {"pending"}
    right = replace(settings, password=PASSWORD)
    with SmtpMailer(right) as m:
        assert len(tick(seed_schedule, outbox, m, first.owed_at, "w").sent) == 2


def test_an_untrusted_certificate_is_refused(
    tls_smtp_server: SmtpServer, store: Store, seed_schedule: Schedule
) -> None:
    settings = SmtpSettings(
        tls_smtp_server.host, SENDER, port=tls_smtp_server.port, username=USER, password=PASSWORD
    )  # no cafile: not trusted
    first = planned(seed_schedule)[0]
    with SmtpMailer(settings) as m:
        outcome = tick(seed_schedule, Outbox(store), m, first.owed_at, "w")
    assert outcome.stopped is not None and "CERTIFICATE_VERIFY_FAILED" in outcome.stopped
    assert tls_smtp_server.mailbox.received == []


def test_a_refused_recipient_fails_alone(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    first = planned(seed_schedule)[0]
    smtp_server.mailbox.refuse.add(first.address)
    outbox = Outbox(store)
    outcome = tick(seed_schedule, outbox, mailer, first.owed_at, "w")
    assert [r.reminder.key for r in outcome.failed] == [first.key]
    assert len(outcome.sent) == 1 and len(smtp_server.mailbox.received) == 1
    failed = [r for r in outbox.rows(seed_schedule.plan.id) if r.status == "failed"]
    assert failed and failed[0].error is not None and "550" in failed[0].error
    assert first.address not in failed[0].error  # the outbox and the logs name roles
    assert (
        tick(seed_schedule, outbox, mailer, first.owed_at + timedelta(hours=1), "w").failed == []
    )  # a refusal is final: not retried every minute


def test_a_busy_server_delays_without_losing(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    smtp_server.mailbox.busy = True
    first = planned(seed_schedule)[0]
    outbox = Outbox(store)
    outcome = tick(seed_schedule, outbox, mailer, first.owed_at, "w")
    assert outcome.sent == [] and outcome.stopped is not None and "451" in outcome.stopped
    smtp_server.mailbox.busy = False
    later = tick(seed_schedule, outbox, mailer, first.owed_at + timedelta(minutes=1), "w")
    assert len(later.sent) == 2 and len(smtp_server.mailbox.received) == 2


def test_an_unreachable_server_is_a_clear_stop(seed_schedule: Schedule, store: Store) -> None:
    import socket

    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    first = planned(seed_schedule)[0]
    with SmtpMailer(SmtpSettings("127.0.0.1", SENDER, port=port, starttls=False)) as m:
        outcome = tick(seed_schedule, Outbox(store), m, first.owed_at, "w")
    assert outcome.stopped is not None and f"127.0.0.1:{port}" in outcome.stopped


def test_a_followup_removed_from_the_plan_is_not_reminded(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    first = planned(seed_schedule)[0]
    outbox = Outbox(store)
    smtp_server.mailbox.busy = True  # owed, but not delivered yet
    tick(seed_schedule, outbox, mailer, first.owed_at, "w")
    smtp_server.mailbox.busy = False
    edited = replace(
        seed_schedule,
        deadlines=tuple(d for d in seed_schedule.deadlines if d.uid != first.deadline),
    )
    outcome = tick(edited, outbox, mailer, first.owed_at + timedelta(minutes=1), "w")
    assert outcome.cancelled == 2 and smtp_server.mailbox.received == []


def test_logs_name_roles_not_addresses_or_secrets(
    seed_schedule: Schedule, store: Store, mailer: SmtpMailer, caplog: pytest.LogCaptureFixture
) -> None:
    first = planned(seed_schedule)[0]
    with caplog.at_level(logging.INFO, logger="plancal"):
        tick(seed_schedule, Outbox(store), mailer, first.owed_at, "w")
    sent = [r for r in caplog.records if r.getMessage() == "reminder.sent"]
    assert len(sent) == 2
    for record in caplog.records:
        text = repr(record.__dict__)
        assert "@soderhamn.example" not in text and "@polisen.example" not in text


def test_smtp_settings_say_what_to_write(tmp_path: pytest.TempPathFactory) -> None:
    from plancal.config.settings import load
    from plancal.errors import PlanError

    with pytest.raises(PlanError) as caught:
        smtp_settings(load(None, {"PLANCAL_CONFIG": "/nonexistent"}))
    text = caught.value.render("en")
    assert "PLANCAL_SMTP_HOST" in text and "PLANCAL_SMTP_FROM" in text
    with pytest.raises(PlanError) as caught:
        smtp_settings(
            load(
                None,
                {
                    "PLANCAL_SMTP_HOST": "smtp.example.org",
                    "PLANCAL_SMTP_FROM": SENDER,
                    "PLANCAL_SMTP_USERNAME": "u",
                    "PLANCAL_SMTP_PASSWORD": "hemligt",
                    "PLANCAL_SMTP_STARTTLS": "false",
                },
            )
        )
    text = caught.value.render("sv")
    assert "okrypterat" in text and "starttls = true" in text and "hemligt" not in text
    ok: Settings = load(
        None,
        {
            "PLANCAL_SMTP_HOST": "smtp.example.org",
            "PLANCAL_SMTP_FROM": SENDER,
            "PLANCAL_SMTP_USERNAME": "u",
            "PLANCAL_SMTP_PASSWORD": "hemligt",
        },
    )
    settings = smtp_settings(ok)
    assert (settings.port, settings.starttls, settings.password) == (587, True, "hemligt")
    assert "hemligt" not in repr(settings)


def test_send_error_permanence() -> None:
    assert SendError("x", permanent=True).permanent and not SendError("x").permanent


def test_regression_a_folded_swedish_subject_keeps_its_spaces(seed_schedule: Schedule) -> None:
    """EmailMessage in Python 3.11 folded "(1 gång per år)" into "(1gång per år)"."""
    from email import message_from_bytes, policy

    from plancal.scheduler.mail import compose

    for d in seed_schedule.deadlines:
        r = planned(replace(seed_schedule, deadlines=(d,)))[0]
        for late in (False, True):
            sent = compose(seed_schedule, d, r, SENDER, r.owed_at, late).as_bytes()
            parsed = message_from_bytes(sent, policy=policy.default)
            whole_month = d.followup.due.kind == "yearly"  # "december varje år"
            due = f"{d.due.day} {MONTHS['sv'][d.due.month - 1]}" if whole_month else str(d.due)
            assert str(parsed["Subject"]).endswith(f"{d.followup.what} – senast {due}")
            assert max(len(line) for line in sent.splitlines()) <= 78


def test_a_reminder_says_why_the_meeting_it_is_presented_at_was_moved() -> None:
    """A --reason reaches the mail of a follow-up due at the meeting it moved."""
    from plancal.scheduler.mail import compose
    from tests.helpers.plans import editor

    ed = editor()
    meeting = next(
        d.meeting
        for d in ed.old.deadlines
        if d.followup.id == "narkotikainsats-bra" and d.meeting is not None
    )
    assert isinstance(meeting.start, datetime)
    to = (meeting.start + timedelta(days=1)).replace(tzinfo=None)
    why = "Lokalen är upptagen"
    moved = ed.move("bra-styrgrupp", meeting.day, to, why).schedule
    deadline = next(
        d
        for d in moved.deadlines
        if d.followup.id == "narkotikainsats-bra"
        and d.meeting is not None
        and d.meeting.day == to.date()
    )

    def text(schedule: Schedule, d: Any) -> str:
        from email import message_from_bytes, policy

        r = planned(replace(schedule, deadlines=(d,)))[0]
        sent = compose(schedule, d, r, SENDER, r.owed_at, False).as_bytes()
        part = message_from_bytes(sent, policy=policy.default).get_body(("plain",))
        assert part is not None
        return str(part.get_content())

    # the rule put that meeting on Annandag jul; the plan names it by that day
    said = f"Mötet {to.date()}: flyttat från 2022-12-26 i planen: {why}"
    assert said in text(moved, deadline)
    unmoved = next(d for d in ed.old.deadlines if d.meeting is meeting)
    assert "Mötet" not in text(ed.old, unmoved)
