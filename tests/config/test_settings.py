"""Settings: file, environment, secrets only from the environment, never printed."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from plancal.config import settings
from plancal.errors import PlanError


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "plancal.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_file_then_environment(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "postgresql://plancal@db/plancal"\n')
    assert settings.load(path, {}).get("store", "url") == "postgresql://plancal@db/plancal"
    env = {"PLANCAL_STORE_URL": "/tmp/x.sqlite"}
    assert settings.load(path, env).get("store", "url") == "/tmp/x.sqlite"


def test_secret_in_the_file_is_refused_and_names_the_variable(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\npassword = "hemligt"\n')
    with pytest.raises(PlanError) as caught:
        settings.load(path, {})
    text = caught.value.render("en")
    assert "PLANCAL_STORE_PASSWORD" in text and "hemligt" not in text


def test_secret_from_environment_is_masked(tmp_path: Path) -> None:
    loaded = settings.load(write(tmp_path, ""), {"PLANCAL_STORE_PASSWORD": "hemligt"})
    assert loaded.get("store", "password") == "hemligt"
    assert loaded.shown()["store"]["password"] == "***"


def test_unknown_section_and_option(tmp_path: Path) -> None:
    with pytest.raises(PlanError) as caught:
        settings.load(write(tmp_path, '[stor]\nurl = "x"\n[store]\nulr = "x"\n'), {})
    text = caught.value.render("en")
    assert "unknown section [stor]" in text and "unknown option store.ulr" in text


def test_config_command_never_prints_a_secret(tmp_path: Path) -> None:
    path = write(tmp_path, '[store]\nurl = "/tmp/s.sqlite"\n')
    run = subprocess.run(
        [sys.executable, "-m", "plancal.cli", "config", "--config", str(path), "--lang", "en"],
        capture_output=True,
        text=True,
        env={"PLANCAL_STORE_PASSWORD": "hemligt", "PATH": "/usr/bin"},
    )
    assert run.returncode == 0, run.stderr
    assert "hemligt" not in run.stdout + run.stderr and "'***'" in run.stdout
    assert "PLANCAL_STORE_URL" in run.stdout
