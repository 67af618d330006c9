"""Hostile plan files: only PlanError/UserError ever escape, and every run ends in time.

The campaign's triggers (self-referencing aliases, RRULE intervals and counts, NaN, huge
numbers, far dates, odd zone names, tags with no value) are the vocabulary; Hypothesis puts
them into the seed plan, the minimal plan and every bad fixture, in the places real plan
files go wrong. Each generated file is checked (validate), listed (agenda) and rendered
(compile's feeds). The time bound is the harness's: an interval timer interrupts a run that
takes longer than ``BOUND`` seconds (a hang would otherwise stop the suite) — a bound, not a
speed measurement. The seed is fixed (``derandomize``) so CI runs the same few hundred files.
"""

from __future__ import annotations

import signal
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from types import FrameType

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from plancal.app import agenda
from plancal.app.check import check
from plancal.calendars import ics
from plancal.errors import UserError
from tests.helpers import FIXTURES, MINIMAL, SEED

BOUND = 20  # seconds; a normal run takes well under one, a hang takes forever

BASES = [SEED, MINIMAL, *sorted((FIXTURES / "plans" / "bad").glob("*.yaml"))]
BASE_LINES = [p.read_bytes().decode("utf-8", errors="replace").splitlines() for p in BASES]

HOSTILE_VALUES = [
    "&r [*r]",
    "&r {x: *r}",
    '"RRULE:FREQ=WEEKLY;INTERVAL=-1"',
    '"RRULE:FREQ=DAILY;INTERVAL=0"',
    '"RRULE:FREQ=DAILY;COUNT=999999999999"',
    '"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"',
    '"RRULE:FREQ=DAILY;INTERVAL=7;BYDAY=TU"',
    '"RRULE:FREQ=YEARLY;BYWEEKNO=60"',
    '"RRULE:FREQ=MONTHLY;BYSETPOS=366;BYDAY=MO"',
    ".nan",
    ".inf",
    "-.inf",
    "99999999999999999999999999",
    "-99999999999999999999999999",
    "1e308",
    "0o777777777777777777",
    "0x7fffffffffffffffffff",
    "999999999 dagar efter varje insats",
    "99999999999 dagar efter planens slut",
    "Varje måndag kl. 14.00 i 99999999999999999999999999 minuter",
    "varannan 99999999999 måndag",
    "99999999999 ggr/år",
    "9999-12-31",
    "0001-01-01",
    "{start: 2023-01-01, end: 9999-12-31}",
    "{start: 0001-01-01, end: 2023-01-01}",
    "Europe/" + "A" * 300,
    "right/UTC",
    "posix/Europe/Stockholm",
    "../../../../etc/passwd",
    "/etc/localtime",
    "!!str",
    "!!int",
    "!!binary AAAA",
    "!!python/object:os.system",
    "!foo bar",
    "*undefined",
    "[" * 200 + "]" * 200,
    "{" * 80 + "}" * 80,
    "'\u2028\u2029\x85'",
    '"\\0\\a\\e"',
    "~",
    "",
    "[]",
    "{}",
]


@contextmanager
def bounded(seconds: int) -> Iterator[None]:
    def expire(signum: int, frame: FrameType | None) -> None:
        raise TimeoutError(f"a plan run took longer than {seconds} s")

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def run_everything(path: Path) -> None:
    """What validate, agenda and compile do with a plan file, minus printing and the store."""
    checked = check(path)
    for problem in checked.problems:
        assert problem.where is not None and problem.where.file == str(path)
        problem.render("sv")
        problem.render("en")
    if checked.schedule is None:
        assert checked.errors
        return
    for lang in ("sv", "en"):
        items = agenda.rows(checked.schedule, lang, cancelled=True)
        list(agenda.text_lines(items, lang))
        for item in items:
            item.to_json()
    ics.render_all(checked.schedule)


Edit = tuple[str, int, int, str]


@st.composite
def hostile_files(draw: st.DrawFn) -> str:
    lines = list(draw(st.sampled_from(BASE_LINES)))
    edits: list[Edit] = draw(
        st.lists(
            st.tuples(
                st.sampled_from(["value", "insert", "anchor", "drop", "double"]),
                st.integers(0, 10_000),
                st.integers(0, 3),
                st.sampled_from(HOSTILE_VALUES) | st.text(max_size=12),
            ),
            min_size=1,
            max_size=4,
        )
    )
    for kind, index, depth, value in edits:
        if not lines:
            lines = [""]
        i = index % len(lines)
        line = lines[i]
        indent = line[: len(line) - len(line.lstrip())]
        if kind == "value" and ":" in line:
            key = line.split(":", 1)[0]
            lines[i] = f"{key}: {value}"
        elif kind == "insert":
            key = draw(
                st.sampled_from(
                    ["when", "duration", "timezone", "due", "area", "<<", "period", "end", "x"]
                )
            )
            lines.insert(i, f"{indent}{'  ' * depth}{key}: {value}")
        elif kind == "anchor" and ":" in line:
            key, rest = line.split(":", 1)
            lines[i] = f"{key}: &a{depth} {rest.strip() or '{}'}"
            lines.insert(i + 1, f"{indent}alias{depth}: *a{depth}")
        elif kind == "drop":
            del lines[i]
        elif kind == "double":
            lines.insert(i, line)
    return "\n".join(lines) + "\n"


@pytest.mark.parametrize("base", BASES, ids=[p.stem for p in BASES])
def test_every_base_file_runs_within_the_bound(base: Path) -> None:
    with bounded(BOUND), suppress(UserError):
        run_everything(base)


@settings(
    derandomize=True,  # fixed seed: CI runs the same files every time
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(text=hostile_files())
def test_hostile_plans_raise_only_plan_errors_within_the_bound(tmp_path: Path, text: str) -> None:
    path = tmp_path / "hostile.yaml"
    path.write_text(text, encoding="utf-8")
    with bounded(BOUND), suppress(UserError):  # PlanError is a UserError: the one way
        run_everything(path)
