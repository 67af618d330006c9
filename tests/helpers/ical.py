"""Reading what icalendar parsed, as the types a test expects.

icalendar types ``component[name]`` as a union of some thirty property classes, so ``.dt`` on
it does not type-check; these helpers decode a property and check its type at run time, which a
test would want anyway (a DTSTAMP that parses as a date is a bug worth failing on).
"""

from __future__ import annotations

from datetime import timedelta
from typing import TypeVar

from icalendar import Component, vDuration

from tests.helpers import typed

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
