"""Output that cannot be written, and JSON lines that must stay one line each."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import FIXTURES

SEED = Path(__file__).parents[2] / "examples" / "soderhamn-2022-2023.yaml"
PLANCAL = [sys.executable, "-m", "plancal.cli"]


@pytest.mark.skipif(not os.path.exists("/dev/full"), reason="needs /dev/full")
@pytest.mark.parametrize(
    "command",
    [
        ["agenda", str(SEED)],
        ["agenda", str(SEED), "--format", "json"],
        ["validate", str(SEED)],
        ["--help"],
        ["--version"],
        ["validate", "--help"],
    ],
)
def test_regression_full_disk_is_a_message_not_a_traceback(command: list[str]) -> None:
    with open("/dev/full", "wb") as full:
        run = subprocess.run(
            [*PLANCAL, *command],
            env={**os.environ, "PLANCAL_LANG": "sv"},
            stdout=full,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "kan inte skriva utdata" in run.stderr


def test_regression_closed_pipe_is_a_message_not_a_traceback() -> None:
    reader, writer = os.pipe()
    os.close(reader)  # nobody will read: the first write fails with EPIPE
    try:
        run = subprocess.run(
            [*PLANCAL, "agenda", str(SEED), "--lang", "en"],
            stdout=writer,
            stderr=subprocess.PIPE,
            text=True,
            timeout=60,
        )
    finally:
        os.close(writer)
    assert run.returncode == 1
    assert "Traceback" not in run.stderr
    assert "cannot write the output" in run.stderr


def test_regression_json_lines_escape_every_line_separator() -> None:
    run = subprocess.run(
        [*PLANCAL, "agenda", str(FIXTURES / "plans" / "line-separators.yaml"), "--format", "json"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()  # splits on U+2028, U+2029, U+0085 too
    assert lines, run.stderr
    titles = {json.loads(line)["title"] for line in lines}  # each line is whole JSON
    assert titles == {"Vecko\u2028möte\u2029med\x85polis\x0boch\x0cIFO"}


def test_exit_codes_are_documented_in_help() -> None:
    run = subprocess.run([*PLANCAL, "--help"], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0
    assert "Exit status" in run.stdout
    for status in ("0  done", "1  a problem with the plan", "2  usage error"):
        assert status in run.stdout
