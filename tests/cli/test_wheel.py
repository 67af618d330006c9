"""plancal wheel as a process: the files it writes and the mistakes it explains."""

from __future__ import annotations

from pathlib import Path

from tests.helpers import SEED
from tests.helpers.cli import plancal


def test_wheel_writes_svg_and_png(tmp_path: Path) -> None:
    for name in ("wheel.svg", "wheel.png"):
        run = plancal("wheel", str(SEED), "--out", str(tmp_path / name), "--lang", "sv")
        assert run.returncode == 0, run.stderr
        assert "Skrev" in run.stdout
    assert (tmp_path / "wheel.svg").read_text("utf-8").startswith("<svg")
    assert (tmp_path / "wheel.png").read_bytes().startswith(b"\x89PNG")


def test_wheel_explains_a_wrong_file_type_and_an_unknown_feed(tmp_path: Path) -> None:
    run = plancal("wheel", str(SEED), "--out", str(tmp_path / "wheel.gif"), "--lang", "sv")
    assert run.returncode == 1
    assert ".svg, .png eller .pdf" in run.stderr and "Traceback" not in run.stderr
    run = plancal("wheel", str(SEED), "--out", str(tmp_path / "w.svg"), "--feed", "role-nobody")
    assert run.returncode == 1
    assert "role-nobody" in run.stderr and "public" in run.stderr
    assert not (tmp_path / "w.svg").exists()
