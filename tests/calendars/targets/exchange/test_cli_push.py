"""`plancal push exchange` as a user runs it: a real process, settings from the environment."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

from tests.helpers import SEED, plan_text
from tests.helpers.ews import ORGANIZER, PASSWORD, USER
from tests.simulators.ews import Simulator


def plancal(
    sim: Simulator,
    tmp_path: Path,
    *args: str,
    password: str = PASSWORD,
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_EXCHANGE_MAILBOX": ORGANIZER,
        "PLANCAL_EXCHANGE_URL": sim.url,
        "PLANCAL_EXCHANGE_AUTH": "basic",
        "PLANCAL_EXCHANGE_USERNAME": USER,
        "PLANCAL_EXCHANGE_PASSWORD": password,
        "PLANCAL_EXCHANGE_TIMEOUT": "10",
    }
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "push",
            "exchange",
            *args,
            "--db",
            str(tmp_path / "state.sqlite"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_dry_run_lists_changes_and_recipients_and_writes_nothing(
    sim: Simulator, tmp_path: Path
) -> None:
    run = plancal(sim, tmp_path, str(SEED), "--dry-run", "--lang", "sv")
    assert run.returncode == 0, run.stderr
    assert "Beredningsgruppen (beredningsgrupp)" in run.stdout
    assert "ny mötesserie" in run.stdout and "inbjudan: kommunpolis@polisen.example" in run.stdout
    assert "Provkörning: inget skrevs." in run.stdout
    assert not sim.writes() and not sim.sent
    assert PASSWORD not in run.stdout + run.stderr


def test_push_then_nothing_left_in_json(sim: Simulator, tmp_path: Path) -> None:
    first = plancal(sim, tmp_path, str(SEED), "--format", "json")
    assert first.returncode == 0, first.stderr
    rows = [json.loads(line) for line in first.stdout.splitlines()]
    assert rows[-1]["summary"]["changes"] == 23 and rows[-1]["summary"]["dry_run"] is False
    assert {r["kind"] for r in rows[:-1]} == {"create-series", "create-meeting"}
    second = plancal(sim, tmp_path, str(SEED), "--lang", "en")
    assert second.returncode == 0, second.stderr
    assert "already equals the plan" in second.stdout


def test_wrong_password_is_a_clear_error_not_a_traceback(sim: Simulator, tmp_path: Path) -> None:
    run = plancal(sim, tmp_path, str(SEED), "--lang", "en", password="fel-lösen-123")
    assert run.returncode == 1
    assert "refused the sign-in" in run.stderr and "Traceback" not in run.stderr
    assert "fel-lösen-123" not in run.stdout + run.stderr
    assert not sim.writes()


def test_a_rule_exchange_cannot_repeat_names_the_line(sim: Simulator, tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    plan.write_text(
        plan_text(**{"Varje måndag kl. 14.00": "RRULE:FREQ=YEARLY;BYMONTH=3"}), encoding="utf-8"
    )
    run = plancal(sim, tmp_path, str(plan), "--lang", "en")
    assert run.returncode == 1, run.stdout
    assert f"{plan}:11" in run.stderr and "Exchange cannot repeat" in run.stderr
    assert "nothing was written" in run.stderr and not sim.writes()


def test_a_failed_dry_run_speaks_swedish_names_url_and_settings_and_promises_nothing(
    sim: Simulator, tmp_path: Path
) -> None:
    """Nobody answers at the url: the message names it and the settings (here none was found,
    and where plancal looked), in the user's language, with no library text and no advice to
    run a dry run "again" to continue."""
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "saknas" / "plancal.toml"),
        "PLANCAL_EXCHANGE_MAILBOX": ORGANIZER,
        "PLANCAL_EXCHANGE_URL": "http://127.0.0.1:9/EWS/Exchange.asmx",  # discard: closed
        "PLANCAL_EXCHANGE_AUTH": "basic",
        "PLANCAL_EXCHANGE_USERNAME": USER,
        "PLANCAL_EXCHANGE_PASSWORD": PASSWORD,
        "PLANCAL_EXCHANGE_TIMEOUT": "2",
    }
    run = subprocess.run(
        [
            *(sys.executable, "-m", "plancal.cli", "push", "exchange", str(SEED), "--dry-run"),
            *("--lang", "sv", "--db", str(tmp_path / "state.sqlite")),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert run.returncode == 1
    assert "Exchange svarade inte på http://127.0.0.1:9/EWS/Exchange.asmx" in run.stderr
    assert f"ingen inställningsfil på {tmp_path / 'saknas' / 'plancal.toml'}" in run.stderr
    assert "Provkörning: inget skrevs." in run.stderr
    assert "kör den igen" not in run.stderr and "Error" not in run.stderr
    assert " of " not in run.stderr and "Traceback" not in run.stderr
