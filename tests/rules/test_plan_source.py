"""The one way a plan is read: regular files up to a limit; never a FIFO or a device."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from plancal.app.check import check
from plancal.rules.plan import MAX_PLAN_BYTES, read_source
from tests.helpers import FIXTURES

MINIMAL = FIXTURES / "plans" / "minimal.yaml"


def _validate(path: str) -> subprocess.CompletedProcess[str]:
    # The harness bounds the run: a plan path that blocks fails the test, not the suite.
    return subprocess.run(
        [sys.executable, "-m", "plancal.cli", "validate", path, "--lang", "en"],
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_regression_fifo_is_refused_not_waited_on(tmp_path: Path) -> None:
    fifo = tmp_path / "plan.yaml"
    os.mkfifo(fifo)  # nobody ever writes to it
    run = _validate(str(fifo))
    assert run.returncode == 1
    assert "not a regular file: it is a named pipe" in run.stderr
    assert "Traceback" not in run.stderr


@pytest.mark.parametrize("device", ["/dev/zero", "/dev/urandom"])
def test_regression_device_is_refused_not_read(device: str) -> None:
    run = _validate(device)
    assert run.returncode == 1
    assert f"{device}: error: the plan is not a regular file: it is a device" in run.stderr


def test_regression_oversize_plan_is_refused_before_it_is_read_whole(tmp_path: Path) -> None:
    big = tmp_path / "big.yaml"
    with big.open("wb") as out:
        out.write(MINIMAL.read_bytes())
        out.truncate(MAX_PLAN_BYTES + 1)  # sparse: the size without the bytes
    problems = check(big).errors
    assert [p.message.render("en") for p in problems] == ["the plan file is larger than 1 MB"]
    assert problems[0].where is not None and problems[0].where.file == str(big)


def test_a_plan_at_the_limit_is_read(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    text = MINIMAL.read_bytes()
    plan.write_bytes(text + b"#" * (MAX_PLAN_BYTES - len(text) - 1) + b"\n")
    assert len(read_source(plan)) == MAX_PLAN_BYTES
    assert check(plan).schedule is not None


def test_diff_reads_a_pipe_as_process_substitution_gives() -> None:
    reader, writer = os.pipe()
    os.write(writer, MINIMAL.read_bytes())
    os.close(writer)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "plancal.cli", "diff", f"/dev/fd/{reader}", str(MINIMAL)],
            capture_output=True,
            text=True,
            timeout=60,
            pass_fds=(reader,),
        )
    finally:
        os.close(reader)
    assert run.returncode == 0, run.stderr
    assert "Traceback" not in run.stderr
