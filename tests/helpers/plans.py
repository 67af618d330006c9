"""Plans in memory: an Editor over the seed (or any text), as the rescheduling tests use it."""

from __future__ import annotations

from plancal.rules.compile import compile_plan
from plancal.rules.edit import Editor
from plancal.rules.plan import loads
from tests.helpers import SEED

SEED_TEXT = SEED.read_text(encoding="utf-8")


def editor(text: str = SEED_TEXT, name: str = "seed.yaml") -> Editor:
    return Editor(text, name, compile_plan(loads(text, name)))


def seed_as_shipped() -> str:
    """The seed as first shipped: Lokalt BRÅ at 13:00–15:00, the guess that double-booked the
    community police officer seven times (issue: a scheduler that sees its own collisions)."""
    text = SEED_TEXT
    for old, new in (
        ('    time: "09.00"                    # antagande, see above\n', '    time: "13.00"\n'),
        (
            "    pinned: [2022-10-24 09:00, 2023-02-06 09:00]\n",
            "    pinned: [2022-10-24 13:00, 2023-02-06 13:00]\n",
        ),
    ):
        assert old in text, old
        text = text.replace(old, new)
    return text
