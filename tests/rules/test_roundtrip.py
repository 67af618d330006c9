"""The round-trip machinery: an unchanged document is the same text, edits land where they
belong, and an edit that would re-format the user's lines is refused."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from plancal.errors import PlanError
from plancal.rules import roundtrip
from plancal.rules.edit import Editor
from tests.helpers import FIXTURES, SEED, where
from tests.helpers.plans import editor

PLANS = sorted([SEED, *FIXTURES.glob("plans/*.yaml"), *FIXTURES.glob("plans/edit/*.yaml")])


@pytest.mark.parametrize("path", PLANS, ids=lambda p: p.name)
def test_an_unchanged_document_is_the_same_text(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    doc, baseline = roundtrip.load(text, path.name)
    assert doc.text(baseline) == text


def test_a_new_key_goes_above_comments_that_introduce_what_follows() -> None:
    before = "a:\n  b: 1\n\n# about c\nc: 2\n"
    after = "a:\n  b: 1\n\n# about c\n  d: 3\nc: 2\n"  # where ruamel puts it
    assert roundtrip._lift_insertions(before, after) == "a:\n  b: 1\n  d: 3\n\n# about c\nc: 2\n"


def test_a_comment_as_deep_as_the_new_key_stays_above_it() -> None:
    before = "a:\n  b: 1\n  # about b\nc: 2\n"
    after = "a:\n  b: 1\n  # about b\n  d: 3\nc: 2\n"
    assert roundtrip._lift_insertions(before, after) == after


def test_removed_lines_leave_the_blank_line_and_comment_that_follow_them() -> None:
    before = "a:\n- 1\n- 2\n\n# about c\nc: 2\n"
    after = "a:\n- 1\n\n# about c\nc: 2\n"  # ruamel dropped "- 2" and kept the rest
    assert roundtrip._lift_insertions(before, after) == after
    dropped_all = "a:\n- 1\nc: 2\n"  # the trailing comment went with the node
    assert roundtrip._lift_insertions(before, dropped_all) == "a:\n- 1\n\n# about c\nc: 2\n"


def test_an_edit_inside_a_line_ruamel_would_rewrite_is_refused() -> None:
    text = (FIXTURES / "plans" / "edit" / "flow-style.yaml").read_text(encoding="utf-8")
    odd = text.replace("cancelled: [2023-02-20]", "cancelled: [ 2023-02-20 ]")
    with pytest.raises(PlanError) as e:
        editor(odd, "odd.yaml").skip("veckomote", date(2023, 3, 13))
    assert "cannot be written here without re-formatting" in e.value.render("en")
    assert where(e.value.problems[0]).file == "odd.yaml"


def test_an_edit_next_to_a_line_ruamel_would_rewrite_leaves_that_line_alone() -> None:
    text = (FIXTURES / "plans" / "edit" / "flow-style.yaml").read_text(encoding="utf-8")
    odd = text.replace(
        "attendees: [kommunpolis, ts]\n  # the last", "attendees: [ kommunpolis,ts ]\n  # the last"
    )
    assert odd != text
    e = Editor(odd, "odd.yaml", editor(odd).old).cancel_from("manadsmote", date(2023, 10, 1))
    assert e.text == odd.replace(
        "  when: 1 ggr/månad\n", "  when: 1 ggr/månad\n  until: 2023-09-30\n"
    )
