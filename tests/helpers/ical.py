"""Reading what icalendar parsed, as the types a test expects.

icalendar types ``component[name]`` as a union of some thirty property classes, so ``.dt`` on
it does not type-check; these helpers decode a property and check its type at run time, which a
test would want anyway (a DTSTAMP that parses as a date is a bug worth failing on).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from datetime import timedelta
from pathlib import Path
from typing import Any, TypeVar

import pytest
from icalendar import Calendar, Component, vDuration

from tests.helpers import FIXTURES, typed

PEERS = Path(__file__).resolve().parents[1] / "peers"
DEBIAN_PYTHON = "/usr/bin/python3"

T = TypeVar("T")


def value(component: Component, name: str, kind: type[T]) -> T:
    """The decoded value of property *name* (what ``.dt`` gives for dates and durations)."""
    return typed(component.decoded(name), kind, name)


def duration(text: str) -> timedelta:
    """An RFC 5545 DURATION as icalendar reads it."""
    return typed(vDuration.from_ical(text), timedelta)  # type: ignore[no-untyped-call]


def text(data: bytes | str) -> str:
    """A response body or property as text."""
    return data.decode("utf-8") if isinstance(data, bytes) else data


def recurrence_id(component: Component) -> str:
    """RECURRENCE-ID as written (``""`` for a master or a single event): half of an event's key."""
    if "RECURRENCE-ID" not in component:
        return ""
    return text(component["RECURRENCE-ID"].to_ical())


def validate(data: bytes) -> None:
    """icalendar's validator: PRODID, VERSION and at least one component (RFC 5545 3.6)."""
    Calendar.from_ical(data).validate()  # type: ignore[no-untyped-call]  # untyped upstream


def icaljs(files: list[Path]) -> list[list[Any]]:
    """Every occurrence Mozilla's ical.js (Thunderbird's parser) reads: [summary, start, end]."""
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed (scripts/test installs nodejs)")
    run = subprocess.run(
        [node, str(PEERS / "icaljs_occurrences.mjs"), str(FIXTURES / "icaljs" / "ical.mjs")],
        input=json.dumps([str(f) for f in files]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    rows: list[list[Any]] = json.loads(run.stdout)
    return rows


def libical(files: list[Path]) -> list[list[Any]]:
    """Every occurrence libical (Evolution's parser) reads, in the same rows."""
    run = subprocess.run(
        [DEBIAN_PYTHON, str(PEERS / "libical_occurrences.py")],
        input=json.dumps([str(f) for f in files]),
        capture_output=True,
        text=True,
        check=False,
    )
    assert run.returncode == 0, (
        run.stderr + "\n(libical: Debian's python3-gi and gir1.2-ical-3.0; scripts/test)"
    )
    rows: list[list[Any]] = json.loads(run.stdout)
    return rows
