"""Running plancal as a user does: a real process, its exit status and both streams."""

from __future__ import annotations

import os
import subprocess
import sys


def plancal(
    *args: str, env: dict[str, str] | None = None, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    full_env = {**os.environ, **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "plancal.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=120,
        env=full_env,
    )


LAZY_CHECK = """
import sys
from plancal.cli import main
try:
    main({args!r}, standalone_mode=False)
finally:
    heavy = sorted(m for m in {heavy!r} if m in sys.modules)
    print("HEAVY:" + ",".join(heavy), file=sys.stderr)
"""
