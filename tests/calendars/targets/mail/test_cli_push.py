"""`plancal push mail` as a user runs it: a real process, settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import SEED
from tests.helpers.imip import ORGANIZER
from tests.helpers.smtp import SmtpServer


def plancal(
    server: SmtpServer, tmp_path: Path, *args: str, organizer: str | None = ORGANIZER
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_PORT": str(server.port),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": "plancal@soderhamn.example",
    }
    if organizer:
        env["PLANCAL_MAIL_ORGANIZER"] = organizer
    if server.host:
        env["PLANCAL_SMTP_HOST"] = server.host
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "push",
            "mail",
            *args,
            "--db",
            str(tmp_path / "state.sqlite"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_dry_run_lists_every_change_and_who_hears_of_it(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    run = plancal(smtp_server, tmp_path, str(SEED), "--dry-run", "--lang", "sv")
    assert run.returncode == 0, run.stderr
    assert "Beredningsgruppen (beredningsgrupp)" in run.stdout
    assert "ny mötesserie" in run.stdout and "inbjudan: kommunpolis@polisen.example" in run.stdout
    assert "Provkörning: inget skrevs." in run.stdout
    assert smtp_server.mailbox.received == []


def test_push_sends_from_the_organizer_then_nothing_is_left(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    first = plancal(smtp_server, tmp_path, str(SEED), "--format", "json")
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in first.stdout.splitlines()]
    summary = rows[-1]["summary"]
    assert summary["invitations"] == len(smtp_server.mailbox.received) > 0
    received = smtp_server.mailbox.received[0]
    assert received.mail_from == "plancal@soderhamn.example"  # the SMTP account sends ...
    assert ORGANIZER in str(received.message["From"])  # ... on the organizer's behalf
    assert str(received.message["Sender"]) == "plancal@soderhamn.example"
    second = plancal(smtp_server, tmp_path, str(SEED), "--lang", "en")
    assert second.returncode == 0, second.stderr
    assert "already equals the plan" in second.stdout
    assert summary["invitations"] == len(smtp_server.mailbox.received)


def test_without_an_organizer_the_smtp_sender_organizes(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    run = plancal(smtp_server, tmp_path, str(SEED), "--lang", "en", organizer=None)
    assert run.returncode == 0, run.stderr
    message = smtp_server.mailbox.received[0].message
    assert "plancal@soderhamn.example" in str(message["From"]) and message["Sender"] is None


def test_without_an_smtp_server_it_names_the_setting(
    smtp_server: SmtpServer, tmp_path: Path
) -> None:
    smtp_server.host = ""
    run = plancal(smtp_server, tmp_path, str(SEED), "--lang", "en")
    assert run.returncode == 1
    assert "[smtp] host" in run.stderr and "Traceback" not in run.stderr
    assert smtp_server.mailbox.received == []
