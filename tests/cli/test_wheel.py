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


def test_print_explains_a_wrong_file_and_a_reversed_range(tmp_path: Path) -> None:
    run = plancal("print", str(SEED), "--out", str(tmp_path / "plan.docx"), "--lang", "sv")
    assert run.returncode == 1 and ".pdf" in run.stderr and "Traceback" not in run.stderr
    run = plancal(
        "print",
        str(SEED),
        "--out",
        str(tmp_path / "p.pdf"),
        "--from",
        "2023-05-01",
        "--to",
        "2023-04-01",
        "--lang",
        "en",
    )
    assert run.returncode == 1 and "before" in run.stderr
    assert not (tmp_path / "p.pdf").exists()


def test_print_speaks_the_plans_language_unless_told(tmp_path: Path) -> None:
    run = plancal(
        "print",
        str(SEED),
        "--out",
        str(tmp_path / "p.pdf"),
        "--from",
        "2023-01-01",
        "--to",
        "2023-01-31",
        env={"LANG": "en_GB.UTF-8"},
    )
    assert run.returncode == 0, run.stderr
    assert "sidor" in run.stdout  # the seed plan is Swedish
