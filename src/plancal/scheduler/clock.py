"""The clock, in one place, so that everything else can be given a time instead of reading it.

``PLANCAL_CLOCK_FILE`` names a file holding an ISO 8601 time: while it is set, that is the
time (read at every call). Tests of whole ``plancal run`` processes use it to move time on for
all of them at once; nothing else sets it.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path


def utcnow() -> datetime:
    fixed = os.environ.get("PLANCAL_CLOCK_FILE")
    if fixed:
        moment = datetime.fromisoformat(Path(fixed).read_text(encoding="utf-8").strip())
        return moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    return datetime.now(UTC)


def metronome() -> datetime:
    """The time the triggers count from: always the machine's, since they wait in real time."""
    return datetime.now(UTC)
