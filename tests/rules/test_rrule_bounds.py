"""Explicit RRULEs: the search for a next occurrence stops after the plan; INTERVAL bounded."""

from __future__ import annotations

import signal
from datetime import datetime
from types import FrameType

import pytest
from dateutil import rrule as du

from plancal.rules.recurrence import RuleError, bounded, explicit_rule

START, END = datetime(2023, 1, 2, 14), datetime(2023, 12, 31, 23)


def _expire(signum: int, frame: FrameType | None) -> None:
    raise TimeoutError("dateutil searched on towards the year 9999")


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30",  # never: 14-18 s of searching before
        "FREQ=DAILY;BYMONTHDAY=99",
        "FREQ=DAILY;INTERVAL=7;BYDAY=TU",  # a phase the interval never meets
        "FREQ=DAILY;BYYEARDAY=366;BYMONTH=1",
    ],
)
def test_regression_rule_without_occurrences_is_not_searched_to_year_9999(text: str) -> None:
    previous = signal.signal(signal.SIGALRM, _expire)
    signal.alarm(10)  # the harness's bound: minutes before the fix, none needed after
    try:
        assert explicit_rule(text, START, END)._explicit == frozenset()
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


@pytest.mark.parametrize(
    "text",
    [
        "FREQ=WEEKLY;BYDAY=MO,TH",
        "FREQ=MONTHLY;BYDAY=-1FR",
        "FREQ=MONTHLY;BYMONTHDAY=31",
        "FREQ=YEARLY;BYMONTH=2;BYMONTHDAY=29",
        "FREQ=DAILY;INTERVAL=3",
        "FREQ=MONTHLY;BYDAY=MO,TU,WE,TH,FR;BYSETPOS=-1",
    ],
)
def test_bounded_gives_what_dateutil_gives(text: str) -> None:
    for until in (END, datetime(2030, 6, 1)):
        rule = du.rrulestr(text, dtstart=START)
        assert isinstance(rule, du.rrule)
        full = list(rule.replace(until=until))
        assert list(bounded(rule.replace(until=until), until.year + 1)) == full


@pytest.mark.parametrize("interval", ["0", "-1", "101", "99999999999999999999", "x"])
def test_interval_outside_1_to_100_is_refused(interval: str) -> None:
    with pytest.raises(RuleError, match="INTERVAL must be a whole number from 1 to 100"):
        explicit_rule(f"FREQ=WEEKLY;INTERVAL={interval}", START, END)
