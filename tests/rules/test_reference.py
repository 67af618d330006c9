"""docs/planformat.md is generated from the declared schema and cannot drift from it: the
committed file is the generated one, every key has an example, and every example, `when`
phrase and due phrase is accepted as written."""

from __future__ import annotations

import pytest

from plancal.errors import Problems, Where
from plancal.rules import cadence
from plancal.rules.format import DueK
from plancal.rules.reference import DUE_PHRASES, EXAMPLES, SECTIONS, markdown, records
from plancal.rules.schema import INVALID
from plancal.rules.yamlread import load
from tests.helpers import ROOT

FIELDS = [(title, f) for title, record in records().items() for f in record.fields]


def test_the_committed_reference_is_the_generated_one() -> None:
    committed = (ROOT / "docs" / "planformat.md").read_text(encoding="utf-8")
    assert committed == markdown(), "run: plancal schema --markdown > docs/planformat.md"


def test_every_key_has_an_example_and_every_record_a_section() -> None:
    declared = {f"{title}.{f.name}" for title, f in FIELDS}
    assert declared - EXAMPLES.keys() == set(), "keys without an example"
    assert EXAMPLES.keys() - declared == set(), "examples of keys that do not exist"
    assert {title for title, _ in SECTIONS} == set(records())


@pytest.mark.parametrize(("title", "key"), [(t, f.name) for t, f in FIELDS])
def test_every_example_is_accepted_by_its_key(title: str, key: str) -> None:
    field = next(f for t, f in FIELDS if t == title and f.name == key)
    example = EXAMPLES[f"{title}.{key}"]
    value = load(f"{key}:{'' if example.startswith(chr(10)) else ' '}{example}\n")[key]
    problems = Problems()
    checked = field.kind.check(value, Where("example"), problems)
    assert checked is not INVALID and not problems.errors, [p.render("en") for p in problems.errors]
    # the example is in the reference, under its key
    assert f"### `{key}`" in markdown()


@pytest.mark.parametrize("phrase", [p for _what, phrases in cadence.PHRASES for p in phrases])
def test_every_when_phrase_in_the_reference_is_understood(phrase: str) -> None:
    parsed = cadence.parse(phrase)
    no_fixed_time = cadence.PHRASES[-1][1]
    assert isinstance(parsed, cadence.AsNeeded) == (phrase in no_fixed_time)
    assert f"`{phrase}`" in markdown()


def test_the_phrases_the_coordinator_asked_for_are_there() -> None:
    text = markdown()
    for phrase in ("Första måndagen varje månad", "Första tisdagen i oktober kl. 18.00"):
        assert f"- `{phrase}`" in text


@pytest.mark.parametrize("phrase", [p for p, _meaning in DUE_PHRASES])
def test_every_due_phrase_is_understood(phrase: str) -> None:
    problems = Problems()
    assert DueK().check(phrase, Where("due"), problems) is not INVALID and not problems.errors
