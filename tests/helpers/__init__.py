"""What tests share that is not a fixture: paths to the real files they read, plan variants.

Fixtures live in ``tests/conftest.py`` and in the plugin modules beside this one (``smtp``,
``web``, ``ews``), which conftest registers; tests import helpers from here, never from a
conftest.
"""

from __future__ import annotations

import os
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

if TYPE_CHECKING:
    from plancal.errors import Problem, Where

T = TypeVar("T")

ROOT = Path(__file__).resolve().parents[2]
FIXTURES = ROOT / "tests" / "fixtures"
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"
MINIMAL = FIXTURES / "plans" / "minimal.yaml"
PG_ADMIN_URL = os.environ.get("PLANCAL_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")


def plan_text(**replacements: str) -> str:
    """The minimal plan with some lines replaced: the usual way tests vary a plan."""
    text = MINIMAL.read_text(encoding="utf-8")
    for old, new in replacements.items():
        assert old in text, old
        text = text.replace(old, new)
    return text


def typed(obj: object, kind: type[T], what: str = "value") -> T:
    """*obj*, checked to be a *kind*: a test fails here rather than on an attribute error."""
    assert isinstance(obj, kind), f"{what} is {type(obj).__name__}, not {kind.__name__}"
    return obj


def timed(value: date | None) -> datetime:
    """A slot that must be a date-time (not all-day, not absent)."""
    return typed(value, datetime, "slot")


def where(problem: Problem) -> Where:
    """Where a problem is: every problem a test looks at is located."""
    assert problem.where is not None, problem
    return problem.where


def line_of(problem: Problem) -> int:
    """The line a problem points at."""
    return typed(where(problem).line, int, "line")
