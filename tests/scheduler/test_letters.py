"""Letters: what a person is owed at once, across every plan of the store, in one message.

Enqueueing stays per plan (each plan's owner puts its rows in the shared outbox, a day ahead);
sending groups the owed rows by address, whoever owns the plans. Real SMTP (aiosmtpd), both
store backends.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plancal.app.check import check
from plancal.calendars.reminders import Timetable, owed, planned
from plancal.rules.compile import Schedule
from plancal.scheduler.dispatch import AHEAD, LEASE, tick_region
from plancal.scheduler.mail import SmtpMailer, SmtpSettings
from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers.region import write_region
from tests.helpers.smtp import SmtpServer, body

SENDER = "plancal@region.example"
OFFICER = "kommunpolis.omr00@polisen.example"
T0 = datetime(2023, 1, 22, 12, 0, tzinfo=UTC)
M1 = datetime(2023, 1, 23, 8, 0, tzinfo=UTC)  # 09:00 in Sweden: 4 reminders to the officer


def compiled(paths: list[Path]) -> dict[str, Timetable]:
    out = {}
    for path in paths:
        schedule = check(path).schedule
        assert schedule is not None
        out[schedule.plan.id] = Timetable(schedule)
    return out


@pytest.fixture
def mailer(smtp_server: SmtpServer) -> Iterator[SmtpMailer]:
    settings = SmtpSettings(smtp_server.host, SENDER, port=smtp_server.port, starttls=False)
    with SmtpMailer(settings) as m:
        yield m


def test_an_officer_of_two_municipalities_gets_one_letter_though_two_processes_run_them(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    tables = compiled(write_region(tmp_path / "plans", 2))
    first, second = sorted(tables)
    a, b = Outbox(store), Outbox(store)  # two processes, each owning one plan
    tick_region(tables, a, mailer, T0, "a", owned={first}, ahead=AHEAD)
    tick_region(tables, b, mailer, T0, "b", owned={second}, ahead=AHEAD)
    assert smtp_server.mailbox.received == []  # enqueued ahead, nothing owed yet
    outcome = tick_region(tables, a, mailer, M1, "a", owned={first}, ahead=AHEAD)
    assert {r.reminder.plan_id for r in outcome.sent} == {first, second}  # a sent b's rows too
    assert tick_region(tables, b, mailer, M1, "b", owned={second}, ahead=AHEAD).sent == []

    to_officer = [m for m in smtp_server.mailbox.received if m.rcpt_tos == [OFFICER]]
    assert len(to_officer) == 1
    letter = to_officer[0]
    assert letter.message["Subject"] == "Påminnelse: 8 uppföljningar – den första senast 2023-02-06"
    text = body(letter)
    assert "Det här är en påminnelse om 8 uppföljningar i 2 planer:" in text
    assert text.count("Plan: Lokal handlingsplan 2022–2023 – Kommun 000") == 4
    assert text.count("Plan: Lokal handlingsplan 2022–2023 – Kommun 001") == 4
    # Each municipality's own people get their own letters; every reminder once.
    owed_now = [r for t in tables.values() for r in owed(t.schedule, M1)]
    assert len(outcome.sent) == len(owed_now)
    assert len(smtp_server.mailbox.received) == len({r.address for r in owed_now})
    ids = smtp_server.mailbox.ids()
    assert set(ids.values()) == {1}


def test_a_letter_whose_sender_died_goes_again_whole_under_its_message_id(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    tables = compiled(write_region(tmp_path / "plans", 2))
    outbox = Outbox(store)
    outbox.enqueue([r for t in tables.values() for r in t.owed(T0, AHEAD)], T0)
    plans = tables.keys()
    taken = []
    while (letter := outbox.claim_letter(plans, M1, "dead", LEASE)) is not None:
        taken.append(letter)  # claimed, then the worker dies: sent or not, nobody knows
    to_officer = next(t for t in taken if t.address == OFFICER)
    assert len(to_officer.rows) == 8 and not to_officer.again
    # Another of the officer's reminders falls due meanwhile: it is not slipped into the
    # letter that may already have arrived; it goes in a letter of its own.
    extra = next(r for t in tables.values() for r in planned(t.schedule) if r.owed_at > M1)
    extra = type(extra)(
        extra.plan_id, extra.deadline, extra.due, "kommunpolis", 99, OFFICER, M1, extra.expires
    )
    outbox.enqueue([extra], M1)
    assert outbox.claim_letter(plans, M1 + LEASE / 2, "successor", LEASE) is not None  # extra
    assert outbox.claim_letter(plans, M1 + LEASE / 2, "successor", LEASE) is None  # leased
    later = M1 + LEASE + timedelta(seconds=1)
    again = []
    while (letter := outbox.claim_letter(plans, later, "successor", LEASE)) is not None:
        again.append(letter)
    assert {(a.message_id, a.address) for a in again} == {(t.message_id, t.address) for t in taken}
    officer_again = next(a for a in again if a.address == OFFICER)
    assert officer_again.again and {r.key for r in officer_again.rows} == {
        r.key for r in to_officer.rows
    }
    assert all(r.attempts == 2 and r.worker == "successor" for r in officer_again.rows)


def test_a_letter_the_server_could_not_take_is_regrouped_next_time(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    tables = compiled(write_region(tmp_path / "plans", 1))
    outbox = Outbox(store)
    smtp_server.mailbox.busy = True
    outcome = tick_region(tables, outbox, mailer, M1, "w", ahead=AHEAD)
    assert outcome.stopped is not None and outcome.sent == []
    rows = outbox.rows(next(iter(tables)))
    assert {r.status for r in rows if r.reminder.owed_at <= M1} == {"pending"}
    assert all(r.message_id == r.reminder.message_id for r in rows)  # their own ids again
    smtp_server.mailbox.busy = False
    outcome = tick_region(tables, outbox, mailer, M1, "w", ahead=AHEAD)
    assert outcome.letters == len({r.reminder.address for r in outcome.sent})


def test_a_person_in_a_swedish_and_an_english_plan_reads_both(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    paths = write_region(tmp_path / "plans", 2)
    paths[1].write_text(
        paths[1].read_text(encoding="utf-8").replace("language: sv", "language: en"),
        encoding="utf-8",
    )
    tables = compiled(paths)
    tick_region(tables, Outbox(store), mailer, M1, "w", ahead=AHEAD)
    letter = next(m for m in smtp_server.mailbox.received if m.rcpt_tos == [OFFICER])
    assert letter.message["Content-Language"] == "sv, en"
    assert letter.message["Subject"].startswith("Påminnelse: 8 uppföljningar")
    text = body(letter)
    assert text.startswith("In English below.")  # said in the language that follows
    assert text.index("Hej Kommunpolis!") < text.index("Hello ")
    assert "Det här är en påminnelse om 8 uppföljningar i 2 planer:" in text
    assert "This is a reminder of 8 follow-ups in 2 plans:" in text
    assert "Skickat automatiskt av plancal" in text and "Sent automatically by plancal" in text


@settings(max_examples=200, deadline=None)
@given(st.datetimes(datetime(2022, 6, 1), datetime(2024, 3, 1)))
def test_timetable_owes_what_the_plan_owes(seed_schedule: Schedule, moment: datetime) -> None:
    now = moment.replace(tzinfo=UTC)
    table = _table(seed_schedule)
    assert table.owed(now) == owed(seed_schedule, now)
    ahead = table.owed(now, AHEAD)
    assert ahead[: len(owed(seed_schedule, now))] == owed(seed_schedule, now)
    assert all(now < r.owed_at <= now + AHEAD for r in ahead[len(owed(seed_schedule, now)) :])


_tables: dict[int, Timetable] = {}


def _table(schedule: Schedule) -> Timetable:
    return _tables.setdefault(id(schedule), Timetable(schedule))


def test_concurrent_claimers_never_split_a_persons_rows(tmp_path: Path, store: Store) -> None:
    import threading

    tables = compiled(write_region(tmp_path / "plans", 12))
    Outbox(store).enqueue([r for t in tables.values() for r in t.owed(T0, AHEAD)], T0)
    letters: list[tuple[str, frozenset[object]]] = []
    lock = threading.Lock()

    def claimer(i: int) -> None:
        with Store(store.url) as own:
            outbox = Outbox(own)
            while (letter := outbox.claim_letter(tables.keys(), M1, f"w{i}", LEASE)) is not None:
                with lock:
                    letters.append((letter.address, frozenset(r.key for r in letter.rows)))

    threads = [threading.Thread(target=claimer, args=(i,)) for i in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    owed_now = [r for t in tables.values() for r in owed(t.schedule, M1)]
    addresses = [address for address, _ in letters]
    assert sorted(addresses) == sorted({r.address for r in owed_now})  # one letter each
    claimed = [k for _, keys in letters for k in keys]
    assert len(claimed) == len(set(claimed)) == len(owed_now)


def test_regression_a_stale_copy_of_a_plan_run_elsewhere_cancels_nothing(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, mailer: SmtpMailer
) -> None:
    """Hosts may hold different versions of a plan file for a while. A reminder of a deadline
    this host's copy lacks is the owner's to judge: left in the outbox, not cancelled."""
    tables = compiled(write_region(tmp_path / "plans", 2))
    first, second = sorted(tables)
    known = next(r for r in planned(tables[second].schedule) if r.owed_at == M1)
    added = type(known)(
        second, "followup.added@x.plancal", known.due, "kommunpolis", 7, OFFICER, M1, known.expires
    )  # as the newer copy on the owner's host says
    outbox = Outbox(store)
    outbox.enqueue([added], T0)
    outcome = tick_region(tables, outbox, mailer, M1, "a", owned={first}, ahead=AHEAD)
    assert outcome.cancelled == 0
    row = next(r for r in outbox.rows(second) if r.key == added.key)
    assert row.status == "pending" and row.message_id == added.message_id
    assert len([m for m in smtp_server.mailbox.received if m.rcpt_tos == [OFFICER]]) == 1
    # The owner, whose copy does not have it either, knows it is gone.
    outcome = tick_region(tables, outbox, mailer, M1, "b", owned={second}, ahead=AHEAD)
    assert outcome.cancelled == 1
    assert next(r for r in outbox.rows(second) if r.key == added.key).status == "cancelled"
