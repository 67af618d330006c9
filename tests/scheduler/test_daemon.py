"""The daemon: downtime, plan edits, one instance at a time, its triggers, and a real process."""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import subprocess
import sys
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plancal.calendars.reminders import planned
from plancal.config.settings import load
from plancal.errors import PlanError
from plancal.scheduler.daemon import (
    AlreadyRunning,
    Daemon,
    build_scheduler,
    configured_push,
    single_instance,
)
from plancal.scheduler.mail import SmtpSettings
from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.smtp import SmtpServer, body

SENDER = "plancal@soderhamn.example"


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return Path(shutil.copy(SEED, tmp_path / "plan.yaml"))


def daemon(plan: Path, store: Store, server: SmtpServer, **kwargs: object) -> Daemon:
    smtp = SmtpSettings(server.host, SENDER, port=server.port, starttls=False)
    return Daemon(plan, store, smtp, **kwargs)  # type: ignore[arg-type]


def every(start: datetime, end: datetime, step: timedelta) -> Iterator[datetime]:
    while start <= end:
        yield start
        start += step


def test_a_week_of_downtime_delays_the_reminders_once_and_says_so(
    plan_file: Path, store: Store, smtp_server: SmtpServer
) -> None:
    stopped = datetime(2022, 10, 5, 12, 0, tzinfo=UTC)
    restarted = stopped + timedelta(days=7)
    first = daemon(plan_file, store, smtp_server)
    for now in every(datetime(2022, 9, 20, tzinfo=UTC), stopped, timedelta(hours=3)):
        first.remind(now)
    before = len(smtp_server.mailbox.received)
    schedule = first.schedule()
    assert schedule is not None
    missed = [r for r in planned(schedule) if stopped < r.owed_at <= restarted]
    assert len(missed) == 4

    second = daemon(plan_file, store, smtp_server)  # a new process, a new worker
    outcome = second.remind(restarted)
    assert outcome is not None and outcome.late == len(outcome.sent) == len(missed)
    following = min(r.owed_at for r in planned(schedule) if r.owed_at > restarted)
    for now in every(restarted, following + timedelta(hours=3), timedelta(hours=3)):
        second.remind(now)
    received = smtp_server.mailbox.received[before:]
    by_id = {str(r.message["Message-ID"]): r for r in received}
    assert len(by_id) == len(received)  # each once
    rows = {row.key: row for row in Outbox(store).rows("soderhamn-2022-2023")}
    for r in missed:
        mail = by_id[rows[r.key].message_id]  # alone, or in the letter of all owed to them
        assert str(mail.message["Subject"]).startswith("Försenad påminnelse: ")
        assert "örsenad" in body(mail) and "skulle ha skickats 2022-10-10" in body(mail)
    assert all(rows[r.key].late and rows[r.key].status == "sent" for r in missed)
    on_time = [row for row in rows.values() if row.reminder.owed_at > restarted]
    assert on_time and not any(row.late for row in on_time)


def test_a_broken_edit_keeps_the_last_good_plan(
    plan_file: Path, store: Store, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    d = daemon(plan_file, store, smtp_server)
    good = d.schedule()
    assert good is not None
    plan_file.write_text(
        plan_file.read_text(encoding="utf-8").replace(
            "timezone: Europe/Stockholm", "timezone: Europe/Stokholm"
        ),
        encoding="utf-8",
    )
    with caplog.at_level(logging.ERROR, logger="plancal"):
        assert d.schedule() is good
    invalid = [r for r in caplog.records if r.getMessage() == "plan.invalid"]
    assert invalid and "Stokholm" in json.dumps(invalid[0].fields)  # type: ignore[attr-defined]
    shutil.copy(SEED, plan_file)
    again = d.schedule()
    assert again is not None and again is not good


def test_one_instance_per_plan_and_store(store: Store) -> None:
    with Store(store.url) as other:
        with single_instance(store, "p"):
            with (
                pytest.raises(AlreadyRunning, match="already running"),
                single_instance(other, "p"),
            ):
                pass
            with single_instance(other, "another-plan"):
                pass
        with single_instance(other, "p"):  # released on exit
            pass


def test_triggers(plan_file: Path, smtp_server: SmtpServer, tmp_path: Path) -> None:
    import threading

    with Store(str(tmp_path / "s.sqlite")) as store:
        start = datetime(2023, 1, 2, 8, 0, tzinfo=UTC)
        only_mail = build_scheduler(
            daemon(plan_file, store, smtp_server),
            timedelta(minutes=1),
            timedelta(minutes=15),
            threading.Event(),
            start,
        )
        assert [j.id for j in only_mail.get_jobs()] == ["reminders"]
        both = build_scheduler(
            daemon(plan_file, store, smtp_server, out_dir=tmp_path / "f"),
            timedelta(minutes=1),
            timedelta(minutes=15),
            threading.Event(),
            start,
        )
        jobs = {j.id: j for j in both.get_jobs()}
        assert jobs["reminders"].trigger.interval == timedelta(minutes=1)
        assert jobs["publish"].trigger.interval == timedelta(minutes=15)
        assert all(j.max_instances == 1 and j.coalesce for j in jobs.values())


def test_push_without_exchange_settings_is_refused_at_start(tmp_path: Path) -> None:
    assert configured_push(load(None, {"PLANCAL_CONFIG": "/nonexistent"})) is None
    with pytest.raises(PlanError) as caught:
        configured_push(load(None, {"PLANCAL_DAEMON_PUSH": "true"}))
    assert "mailbox is not set" in caught.value.render("en")
    assert "PLANCAL_EXCHANGE_MAILBOX" in caught.value.render("en")


def test_publish_writes_the_feeds(
    plan_file: Path, store: Store, smtp_server: SmtpServer, tmp_path: Path
) -> None:
    d = daemon(plan_file, store, smtp_server, out_dir=tmp_path / "feeds")
    written = d.publish(datetime(2023, 1, 2, tzinfo=UTC))
    assert written and (tmp_path / "feeds" / "public.ics").exists()
    assert not any(w.changed for w in d.publish(datetime(2023, 1, 3, tzinfo=UTC)) or [])


def test_plancal_run_as_a_service(tmp_path: Path, smtp_server: SmtpServer) -> None:
    """A real process: starts, publishes, refuses a second instance, stops on SIGTERM."""
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_HOST": smtp_server.host,
        "PLANCAL_SMTP_PORT": str(smtp_server.port),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": SENDER,
        "PLANCAL_SMTP_USERNAME": "plancal",
        "PLANCAL_SMTP_PASSWORD": "hemligt-lösen",
        "PLANCAL_DAEMON_OUT": str(tmp_path / "feeds"),
    }
    command = [
        sys.executable,
        "-m",
        "plancal.cli",
        "run",
        str(SEED),
        "--db",
        str(tmp_path / "state.sqlite"),
    ]
    service = subprocess.Popen(command, env=env, stderr=subprocess.PIPE, text=True)
    assert service.stderr is not None
    lines: list[str] = []

    def read_until(event: str) -> None:
        assert service.stderr is not None
        for line in service.stderr:
            lines.append(line)
            if json.loads(line)["event"] == event:
                return
        pytest.fail(f"no {event} in {lines}")

    try:
        read_until("daemon.ready")
        read_until("feeds.published")
        assert (tmp_path / "feeds" / "plan.ics").exists()
        second = subprocess.run(command, env=env, capture_output=True, text=True, timeout=60)
        assert second.returncode == 1 and "already running" in second.stderr
        service.send_signal(signal.SIGTERM)
        _, rest = service.communicate(timeout=60)
        lines += rest.splitlines(keepends=True)
    finally:
        if service.poll() is None:
            service.kill()
            service.wait()
    assert service.returncode == 0
    events = [json.loads(line) for line in lines]
    assert [e["event"] for e in events][-2:] == ["daemon.stopping", "daemon.stopped"]
    assert all(e["level"] in ("info", "warning", "error") for e in events)
    assert "hemligt" not in "".join(lines) + second.stdout + second.stderr
