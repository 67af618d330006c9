"""Every bad plan in tests/fixtures/plans/bad gets exactly the problems its header promises.

Each file names its own expectations, as header comments::

    # expect: LINE: a part of the English message
    # expect-hint: a part of the hint of that problem

All problems are reported at once, so a file expects exactly as many errors as it lists.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from plancal.app.check import check
from tests.helpers import FIXTURES, line_of, where

BAD = sorted((FIXTURES / "plans" / "bad").glob("*.yaml"))
EXPECT = re.compile(r"^# expect: (\d+): (.*)$")
EXPECT_HINT = re.compile(r"^# expect-hint: (.*)$")


def expectations(path: Path) -> tuple[list[tuple[int, str]], list[str]]:
    text = path.read_bytes().decode("utf-8", errors="replace")
    errors, hints = [], []
    for line in text.splitlines():
        if m := EXPECT.match(line):
            errors.append((int(m.group(1)), m.group(2)))
        elif m := EXPECT_HINT.match(line):
            hints.append(m.group(1))
    return errors, hints


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_bad_plan_reports_every_problem(path: Path) -> None:
    expected, hints = expectations(path)
    checked = check(path)
    assert checked.schedule is None
    errors = checked.errors
    if path.stem == "empty":
        expected = [(1, "the plan file is empty")]
    got = [(where(p).line, p.message.render("en")) for p in errors]
    assert len(errors) == len(expected), got
    for (line, text), problem in zip(
        sorted(expected), sorted(errors, key=lambda p: p.sort_key()), strict=True
    ):
        assert where(problem).file == str(path)
        assert where(problem).line == line, got
        assert text in problem.message.render("en"), got
        assert problem.message.render("sv")  # and in Swedish
    rendered_hints = " ".join(p.hint.render("en") for p in errors if p.hint)
    for hint in hints:
        assert hint in rendered_hints


@pytest.mark.parametrize("path", BAD, ids=[p.stem for p in BAD])
def test_cli_validate_says_file_and_line_never_a_traceback(path: Path) -> None:
    run = subprocess.run(
        [sys.executable, "-m", "plancal.cli", "validate", str(path), "--lang", "sv"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "Traceback" not in run.stderr + run.stdout
    assert f"{path}:" in run.stderr
    assert "fel" in run.stderr


def test_errors_come_in_line_order() -> None:
    checked = check(FIXTURES / "plans" / "bad" / "several-problems.yaml")
    lines = [line_of(p) for p in checked.problems]
    assert lines == sorted(lines)


def test_regression_impossible_date_is_a_plan_error_not_a_traceback() -> None:
    # ruamel constructed 2023-02-30 into a bare ValueError; dates are now read as text.
    checked = check(FIXTURES / "plans" / "bad" / "impossible-date.yaml")
    assert [where(p).line for p in checked.errors] == [5]


def test_regression_partial_record_still_checks_references() -> None:
    # An activity with one bad field used to skip its role references entirely.
    checked = check(FIXTURES / "plans" / "bad" / "several-problems.yaml")
    assert any("unknown role 'kommunpolisen'" in p.message.render("en") for p in checked.errors)


def test_regression_role_with_a_problem_is_not_also_unknown() -> None:
    checked = check(FIXTURES / "plans" / "bad" / "missing-required.yaml")
    assert not any("unknown role" in p.message.render("en") for p in checked.errors)
