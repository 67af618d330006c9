"""The holiday tables, cached as JSON beside the user's other caches.

Keyed by the installed version of ``holidays`` (read from its version file without importing
it): an upgrade with a new or corrected holiday invalidates the cache by itself. A cache that
cannot be read or written only costs speed.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Sequence
from datetime import date
from pathlib import Path

from plancal.files import atomic_write
from plancal.rules import days
from plancal.rules.days import HolidaySpec


def install() -> None:
    """Make every compile in this process read holidays through the cache."""
    days.use_holiday_source(cached_table)


def cached_table(spec: HolidaySpec, years: Sequence[int]) -> dict[date, str]:
    version = _holidays_version()
    first, last = min(years), max(years)
    key = (
        f"{spec.country}-{spec.subdivision or ''}-{int(spec.de_facto)}-{spec.language}-"
        f"{first}-{last}-{version}.json"
    )
    path = _cache_dir() / "holidays" / key if version else None
    if path is not None:
        try:
            raw = json.loads(path.read_text(encoding="utf-8"))
            return {date.fromisoformat(d): n for d, n in raw.items()}
        except (OSError, ValueError):
            pass
    table = days.compute_holidays(spec, range(first, last + 1))
    if path is not None:
        data = json.dumps({d.isoformat(): n for d, n in table.items()}, ensure_ascii=False)
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            atomic_write(path, data.encode("utf-8"), durable=False)
        except OSError:
            pass  # a read-only home only costs speed
    return table


def _cache_dir() -> Path:
    if explicit := os.environ.get("PLANCAL_CACHE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME")
    return (Path(base) if base else Path.home() / ".cache") / "plancal"


def _holidays_version() -> str | None:
    """The installed holidays' version, read from its version file without importing it."""
    for entry in sys.path:
        version_file = Path(entry or ".") / "holidays" / "version.py"
        try:
            stat = version_file.stat()
            text = version_file.read_text(encoding="utf-8")
        except OSError:
            continue
        for line in text.splitlines():
            if line.startswith("__version__"):
                return line.split("=", 1)[1].strip().strip("\"'") + f"-{stat.st_mtime_ns}"
    return None
