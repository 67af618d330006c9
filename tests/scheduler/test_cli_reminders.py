"""plancal remind and plancal run as a user runs them: real processes, a real SMTP server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers import FIXTURES, SEED
from tests.helpers.cli import LAZY_CHECK, plancal
from tests.helpers.smtp import SmtpServer

ENGLISH = FIXTURES / "plans" / "reminders-en.yaml"


def smtp_env(server: SmtpServer, tmp_path: Path) -> dict[str, str]:
    return {
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_HOST": server.host,
        "PLANCAL_SMTP_PORT": str(server.port),
        "PLANCAL_SMTP_STARTTLS": "no",
        "PLANCAL_SMTP_FROM": "plancal@kommun.example",
    }


def test_dry_run_lists_what_is_owed_and_writes_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    run = plancal(
        "remind",
        str(SEED),
        "--dry-run",
        "--now",
        "2022-10-12T10:00",
        "--db",
        db,
        "--lang",
        "en",
        env={"PLANCAL_CONFIG": str(tmp_path / "none.toml")},
    )
    assert run.returncode == 0, run.stderr
    owed = [line for line in run.stdout.splitlines() if line.startswith("  2022-")]
    assert run.stdout.startswith("Owed now (4):")
    assert len(owed) == 4 and all(line.endswith("[late]") for line in owed)
    assert "kommunpolis <kommunpolis@polisen.example>  14 d before" in run.stdout
    with Store(db) as store:
        assert Outbox(store).rows("soderhamn-2022-2023") == []


def test_remind_sends_once_however_often_it_runs(tmp_path: Path, smtp_server: SmtpServer) -> None:
    db = str(tmp_path / "state.sqlite")
    env = smtp_env(smtp_server, tmp_path)
    args = ("remind", str(ENGLISH), "--now", "2023-03-29T09:30", "--db", db, "--lang", "en")
    first = plancal(*args, env=env)
    assert first.returncode == 0, first.stderr
    assert "2 reminder(s) sent" in first.stdout
    again = plancal(*args, env=env)
    assert again.returncode == 0 and "0 reminder(s) sent" in again.stdout
    assert len(smtp_server.mailbox.received) == 2
    listed = plancal(
        "remind",
        str(ENGLISH),
        "--dry-run",
        "--now",
        "2023-03-29T09:30",
        "--db",
        db,
        "--lang",
        "sv",
        env=env,
    )
    assert "Ska skickas nu (0):" in listed.stdout and "I utkorgen (2):" in listed.stdout
    assert listed.stdout.count("skickad 2023-03-29 09:30") == 2


def test_remind_without_smtp_settings_says_what_to_set(tmp_path: Path) -> None:
    run = plancal(
        "remind",
        str(ENGLISH),
        "--now",
        "2023-03-29T09:30",
        "--db",
        str(tmp_path / "s.sqlite"),
        "--lang",
        "en",
        env={"PLANCAL_CONFIG": str(tmp_path / "none.toml")},
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "PLANCAL_SMTP_HOST" in run.stderr and "PLANCAL_SMTP_FROM" in run.stderr


def test_remind_with_the_server_down_exits_1_and_keeps_them_owed(tmp_path: Path) -> None:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_HOST": "127.0.0.1",
        "PLANCAL_SMTP_PORT": str(port),
        "PLANCAL_SMTP_STARTTLS": "no",
        "PLANCAL_SMTP_FROM": "plancal@kommun.example",
    }
    db = str(tmp_path / "s.sqlite")
    run = plancal(
        "remind", str(ENGLISH), "--now", "2023-03-29T09:30", "--db", db, "--lang", "en", env=env
    )
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert "goes out on the next run" in run.stderr
    with Store(db) as store:
        assert {r.status for r in Outbox(store).rows("reminders-en")} == {"pending"}


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--now", "tomorrow"], "is not a time"),
    ],
)
def test_remind_bad_options(tmp_path: Path, args: list[str], message: str) -> None:
    run = plancal(
        "remind",
        str(ENGLISH),
        "--dry-run",
        "--lang",
        "en",
        *args,
        env={"PLANCAL_CONFIG": str(tmp_path / "none.toml")},
    )
    assert run.returncode == 2 and message in run.stderr and "Traceback" not in run.stderr


def test_run_with_push_but_no_exchange_settings_refuses_to_start(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    env = smtp_env(smtp_server, tmp_path) | {"PLANCAL_DAEMON_PUSH": "true"}
    run = plancal("run", str(ENGLISH), "--db", str(tmp_path / "s.sqlite"), "--lang", "en", env=env)
    assert run.returncode == 1 and "[exchange]" in run.stderr
    assert "PLANCAL_EXCHANGE_MAILBOX" in run.stderr and "Traceback" not in run.stderr


def test_settings_in_the_config_listing(tmp_path: Path) -> None:
    run = plancal(
        "config",
        "--lang",
        "en",
        env={"PLANCAL_CONFIG": str(tmp_path / "n.toml"), "PLANCAL_SMTP_PASSWORD": "hemligt"},
    )
    assert run.returncode == 0
    for name in (
        "PLANCAL_SMTP_HOST",
        "PLANCAL_SMTP_PASSWORD",
        "PLANCAL_REMINDERS_LATE_DAYS",
        "PLANCAL_DAEMON_PUBLISH_EVERY",
        "PLANCAL_DAEMON_OUT",
    ):
        assert name in run.stdout
    assert "hemligt" not in run.stdout
    assert "publish_every = '15 min'" in run.stdout  # as one writes it in the file


@pytest.mark.parametrize("args", [["--help"], ["remind", "--help"], ["run", "--help"]])
def test_help_stays_light(args: list[str]) -> None:
    heavy = [
        "sqlalchemy",
        "apscheduler",
        "smtplib",
        "filelock",
        "alembic",
        "plancal.scheduler.dispatch",
        "plancal.scheduler.daemon",
    ]
    run = subprocess.run(
        [sys.executable, "-c", LAZY_CHECK.format(args=args, heavy=heavy)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert "HEAVY:\n" in run.stderr or run.stderr.rstrip().endswith("HEAVY:"), run.stderr
