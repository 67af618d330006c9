"""Where a table's area heading stands: above it, as the plan is written, or below it, as the
text of the plan's PDF has it. The layout that leaves no table without an area and no heading
without a table is the document's."""

from __future__ import annotations

from pathlib import Path

import pytest

from plancal.importing.layout import layout
from plancal.importing.readers import read, read_text
from tests.helpers.documents import FIXTURES, SEED_TEXT, parts, pdf_bytes

HEADINGS_AFTER = FIXTURES / "soderhamn-2022-2023-headings-after.txt"


def areas_of(path: Path) -> list[tuple[str, str | None]]:
    return [(r.activity, r.area) for r in layout(read(path)).rows]


def test_the_seed_has_each_heading_above_its_table() -> None:
    rows = areas_of(SEED_TEXT)
    assert rows[0] == (
        "Avstämningar mellan polis och IFO gällande ungdomar i kriminalitet",
        "Ungdomskriminalitet",
    )
    assert [a for _t, a in rows].count("Narkotika") == 3
    assert rows[-1][1] == "Samverkan"


@pytest.mark.parametrize("kind", ["txt", "pdf"])
def test_regression_heading_after_its_table_names_that_table(tmp_path: Path, kind: str) -> None:
    path = tmp_path / f"handlingsplan.{kind}"
    if kind == "txt":
        path.write_bytes(HEADINGS_AFTER.read_bytes())
    else:
        path.write_bytes(pdf_bytes(list(parts(HEADINGS_AFTER.read_text(encoding="utf-8")))))
    assert areas_of(path) == areas_of(SEED_TEXT)


def test_an_area_named_again_in_the_prose_after_the_tables_is_no_heading_below() -> None:
    """The section after the last table has a heading that is an area's name: the line right
    after that table is another heading, so the tables keep the headings above them."""
    text = (
        "Lokal handlingsplan 2024\n\nPrioriterade områden:\n\n- Narkotika\n- Samverkan\n\n"
        "Narkotika\n\nAktivitet\tNär\tVem\tUppföljning\nKameror\tUnder 2024\tPolisen\t\n\n"
        "Samverkan\n\nAktivitet\tNär\tVem\tUppföljning\nLägesbild\t11 ggr/år\tKommunpolis\t\n\n"
        "Kommunikation\n\nVi berättar om arbetet.\n\nSamverkan\n\nMer om samverkan.\n"
    )
    rows = layout(read_text("plan.txt", text.encode())).rows
    assert [(r.activity, r.area) for r in rows] == [
        ("Kameror", "Narkotika"),
        ("Lägesbild", "Samverkan"),
    ]


def test_without_a_list_of_areas_a_first_table_with_no_heading_above_takes_the_one_below() -> None:
    text = (
        "Aktivitet\tNär\tVem\tUppföljning\nKameror\tUnder 2024\tPolisen\t\n\nNarkotika\n\n"
        "Aktivitet\tNär\tVem\tUppföljning\nLägesbild\t11 ggr/år\tKommunpolis\t\n\nSamverkan\n"
    )
    rows = layout(read_text("plan.txt", text.encode())).rows
    assert [(r.activity, r.area) for r in rows] == [
        ("Kameror", "Narkotika"),
        ("Lägesbild", "Samverkan"),
    ]
