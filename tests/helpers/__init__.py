"""What tests share that is not a fixture: paths to the real files they read, plan variants.

Fixtures live in ``tests/conftest.py`` and in the plugin modules beside this one (``smtp``,
``web``, ``ews``), which conftest registers; tests import helpers from here, never from a
conftest.
"""

from __future__ import annotations

import os
from pathlib import Path

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
