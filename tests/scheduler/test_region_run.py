"""A region run by three ``plancal run`` processes on one PostgreSQL; one is killed mid-send.

Real processes, a real SMTP server (aiosmtpd) and the real database. Time is the test's: every
process reads it from one file (``PLANCAL_CLOCK_FILE``), so the test moves the region to a
reminder morning, past a claim lease, and on to the next morning. The test waits for states
(of the outbox, the logs, the feeds) and never asserts on how long anything took.
"""

from __future__ import annotations

import os
import signal
import sys
from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plancal.app.check import check
from plancal.calendars.reminders import owed
from plancal.rules.compile import Schedule
from plancal.scheduler.dispatch import LEASE
from plancal.state.outbox import Outbox, Row
from plancal.state.store import Store
from tests.helpers.daemons import start, wait_for
from tests.helpers.region import municipality, write_region
from tests.helpers.smtp import Gate, SmtpServer, body
from tests.helpers.stores import clean

PLANS = 30
SENDER = "plancal@region.example"
T0 = datetime(2023, 1, 22, 12, 0, tzinfo=UTC)  # the day before a morning of many reminders
M1 = datetime(2023, 1, 23, 8, 0, tzinfo=UTC)  # 09:00 in Sweden: reminders in every plan
M2 = datetime(2023, 2, 4, 8, 0, tzinfo=UTC)  # the next such morning
TITLE = "title: Avstämning polis och IFO – ungdomar i kriminalitet"
EDITED = "title: Avstämning polis och IFO (ny tid)"


def rows(store: Store, plan_ids: list[str]) -> list[Row]:
    outbox = Outbox(store)
    return [r for p in plan_ids for r in outbox.rows(p)]


def open_at(store: Store, plan_ids: list[str], now: datetime) -> list[Row]:
    """Rows owed by ``now`` that have not gone out yet."""
    return [
        r
        for r in rows(store, plan_ids)
        if r.status in ("pending", "sending") and r.reminder.owed_at <= now
    ]


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    with Store(pg_url) as store:
        yield clean(store)


@pytest.mark.postgres
@pytest.mark.slow
def test_three_processes_share_thirty_plans_and_one_killed_mid_send_loses_nothing(
    tmp_path: Path, pg_store: Store, pg_url: str, smtp_server: SmtpServer
) -> None:
    folder = tmp_path / "plans"
    paths = write_region(folder, PLANS)
    plan_ids = [municipality(i)[0] for i in range(PLANS)]
    compiled = schedules(paths)
    clock = tmp_path / "clock"
    clock.write_text(T0.isoformat())
    out = tmp_path / "feeds"
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_CLOCK_FILE": str(clock),
        "PLANCAL_SMTP_HOST": smtp_server.host,
        "PLANCAL_SMTP_PORT": str(smtp_server.port),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": SENDER,
        "PLANCAL_DAEMON_LEASE": "3 s",
        "PLANCAL_DAEMON_REMINDER_EVERY": "1 s",
        "PLANCAL_DAEMON_PUBLISH_EVERY": "2 s",
    }
    command = [
        *(sys.executable, "-m", "plancal.cli", "run", str(folder)),
        *("--db", pg_url, "--out", str(out)),
    ]
    services = [start(command, env) for _ in range(3)]
    mailbox = smtp_server.mailbox
    visited = [T0]
    try:
        # All 30 are run, each process ends with its share (one that looked before the others
        # had joined gives back what it took), every feed is written.
        wait_for(
            lambda: (
                sorted(p for s in services for p in s.owned()) == plan_ids
                and all(len(s.owned()) <= 11 for s in services)
            ),  # ceil(30 / 3) + 1
            "the 30 plans shared out fairly",
        )
        wait_for(lambda: all((out / p / "plan.ics").exists() for p in plan_ids), "30 feeds")
        # A day ahead, each owner has put the morning's reminders of its plans in the outbox.
        morning = {r.key for s in compiled for r in owed(s, M1)}
        assert len(morning) == 10 * PLANS
        wait_for(
            lambda: morning <= {r.key for r in rows(pg_store, plan_ids)}, "the morning enqueued"
        )
        wait_for(lambda: not open_at(pg_store, plan_ids, T0), "what was owed at start sent")

        # The morning: hold the third letter at the server and kill whoever sends it.
        gate = Gate(after=len(mailbox.received) + 2)
        mailbox.gate = gate
        clock.write_text(M1.isoformat())
        visited.append(M1)
        wait_for(gate.held.is_set, "a letter held at the server")
        sending = [r for r in rows(pg_store, plan_ids) if r.message_id == gate.message_id]
        assert sending and {r.status for r in sending} == {"sending"}
        workers = {r.worker for r in sending}
        assert len(workers) == 1
        victim = next(s for s in services if f":{s.pid}:" in str(next(iter(workers))))
        victim.process.send_signal(signal.SIGKILL)
        victim.process.wait(timeout=60)
        gate.released.set()
        survivors = [s for s in services if s is not victim]

        # Its plans move to the two others (its session's locks went with it).
        wait_for(
            lambda: (
                sorted(p for s in survivors for p in s.owned()) == plan_ids
                and all(len(s.owned()) <= 16 for s in survivors)
            ),  # ceil(30 / 2) + 1
            "the victim's plans taken over",
        )
        # Everything else of the morning goes out; the held letter waits for its claim lease.
        wait_for(
            lambda: {r.key for r in open_at(pg_store, plan_ids, M1)} == {r.key for r in sending},
            "the morning sent but the dead worker's letter",
        )
        assert gate.message_id not in {str(m.message["Message-ID"]) for m in mailbox.received}

        # Every plan file changes; the lease of the dead worker's letter runs out.
        for path in paths:
            path.write_text(
                path.read_text(encoding="utf-8").replace(TITLE, EDITED),
                encoding="utf-8",
            )
        later = M1 + LEASE + timedelta(minutes=1)
        clock.write_text(later.isoformat())
        visited.append(later)
        wait_for(lambda: not open_at(pg_store, plan_ids, later), "the held letter sent again")
        eve = M2 - timedelta(hours=20)
        clock.write_text(eve.isoformat())
        visited.append(eve)
        next_morning = {r.key for s in compiled for r in owed(s, M2)}
        wait_for(
            lambda: next_morning <= {r.key for r in rows(pg_store, plan_ids)},
            "the next morning enqueued",
        )
        clock.write_text(M2.isoformat())
        visited.append(M2)
        wait_for(lambda: not open_at(pg_store, plan_ids, M2), "the next morning sent")
        wait_for(
            lambda: all(
                "SUMMARY:Avstämning polis och IFO (ny tid)"
                in (out / p / "plan.ics").read_text(encoding="utf-8")
                for p in plan_ids
            ),
            "every feed current",
        )
        for s in survivors:
            s.process.send_signal(signal.SIGTERM)
        for s in survivors:
            assert s.process.wait(timeout=60) == 0
    finally:
        for s in services:
            if s.process.poll() is None:
                s.process.kill()
                s.process.wait()

    # Every reminder owed at a moment the region saw was sent, and arrived exactly once.
    final = {r.key: r for r in rows(pg_store, plan_ids)}
    expected = {r.key for s in compiled for t in visited for r in owed(s, t)}
    assert expected and all(final[k].status == "sent" for k in expected)
    received = list(mailbox.received)
    ids = Counter(str(m.message["Message-ID"]) for m in received)
    assert set(ids.values()) == {1}
    sent = [r for r in final.values() if r.status == "sent"]
    assert {r.message_id for r in sent} == set(ids)
    by_id = {str(m.message["Message-ID"]): m for m in received}
    for r in sent:
        mail = by_id[r.message_id]
        assert mail.rcpt_tos == [r.reminder.address]
        assert r.reminder.plan_id.split("-")[0].replace("kommun", "Kommun ") in body(mail)
    # One letter per person per morning, however many plans they serve.
    letters = Counter(
        (str(m.message["To"].addresses[0].addr_spec), m.message["Date"].datetime.date())
        for m in received
    )
    assert set(letters.values()) == {1}
    officer = [m for m in received if m.rcpt_tos == ["kommunpolis.omr00@polisen.example"]]
    assert len(officer) == 2  # two mornings, 44 reminders each, from 11 municipalities
    assert all("påminnelse om 44 uppföljningar i 11 planer" in body(m) for m in officer)
    # The held letter came again, whole, from a survivor: the same Message-ID, a second try.
    again = [r for r in sent if r.message_id == gate.message_id]
    assert {r.key for r in again} == {r.key for r in sending}
    assert all(r.attempts == 2 and f":{victim.pid}:" not in str(r.worker) for r in again)


def schedules(paths: list[Path]) -> list[Schedule]:
    out = []
    for path in paths:
        checked = check(path)
        assert checked.schedule is not None
        out.append(checked.schedule)
    return out
