"""`plancal push caldav` as a user runs it: a real process against Xandikos on loopback."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import SEED
from tests.helpers.caldav import PASSWORD, USER, CalDavServer


def plancal(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_CALDAV_USERNAME": USER,
        "PLANCAL_CALDAV_PASSWORD": PASSWORD,
        "PLANCAL_MAIL_ORGANIZER": "planering@soderhamn.example",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "push",
            "caldav",
            *args,
            "--db",
            str(tmp_path / "state.sqlite"),
        ],
        capture_output=True,
        text=True,
        timeout=300,
        env=env,
    )


def test_dry_run_then_push_then_nothing(xandikos: CalDavServer, tmp_path: Path) -> None:
    url = xandikos.collection
    dry = plancal(tmp_path, str(SEED), "--url", url, "--dry-run", "--lang", "sv")
    assert dry.returncode == 0, dry.stderr
    assert "ny mötesserie" in dry.stdout and "inbjudan: kommunpolis@polisen.example" in dry.stdout
    assert "Provkörning: inget skrevs." in dry.stdout and xandikos.writes() == []
    first = plancal(tmp_path, str(SEED), "--url", url, "--format", "json")
    assert first.returncode == 0, first.stderr
    summary = json.loads(first.stdout.splitlines()[-1])["summary"]
    assert summary["changes"] == len(xandikos.writes()) > 0
    again = plancal(tmp_path, str(SEED), "--url", url, "--lang", "en")
    assert again.returncode == 0 and "already equals the plan" in again.stdout
    assert PASSWORD not in dry.stdout + first.stdout + again.stdout + again.stderr


def test_an_address_that_is_not_a_url_is_a_usage_error(tmp_path: Path) -> None:
    run = plancal(tmp_path, str(SEED), "--url", "kalender.soderhamn.se", "--lang", "en")
    assert run.returncode == 2 and "--url" in run.stderr and "Traceback" not in run.stderr


def test_a_server_that_does_not_answer_is_a_clear_error(tmp_path: Path) -> None:
    run = plancal(tmp_path, str(SEED), "--url", "http://127.0.0.1:1/cal/", "--lang", "en")
    assert run.returncode == 1 and "does not answer" in run.stderr
    assert "Traceback" not in run.stderr


def test_regression_a_password_written_into_the_url_is_never_shown(tmp_path: Path) -> None:
    url = "http://planner:hemligt-lösen@127.0.0.1:1/cal/"
    run = plancal(tmp_path, str(SEED), "--url", url, "--lang", "en")
    assert run.returncode == 1 and "does not answer" in run.stderr
    assert "planner:***@127.0.0.1:1" in run.stderr
    assert "hemligt" not in run.stderr + run.stdout
