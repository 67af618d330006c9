"""The clock, in one place, so that everything else can be given a time instead of reading it."""

from __future__ import annotations

from datetime import UTC, datetime


def utcnow() -> datetime:
    return datetime.now(UTC)
