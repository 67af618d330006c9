"""Plans in memory: an Editor over the seed (or any text), as the rescheduling tests use it."""

from __future__ import annotations

from plancal.rules.compile import compile_plan
from plancal.rules.edit import Editor
from plancal.rules.plan import loads
from tests.helpers import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def editor(text: str = SEED_TEXT, name: str = "seed.yaml") -> Editor:
    return Editor(text, name, compile_plan(loads(text, name)))
