"""The printed year plan lists exactly the agenda: every meeting once, every deadline once."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from plancal.app import agenda as ag
from plancal.calendars import yearplan
from plancal.rules.compile import Schedule


def listed(pages: list[str]) -> list[tuple[str, str, str | None]]:
    out = []
    for page in pages:
        for g in ET.fromstring(page).iter("{http://www.w3.org/2000/svg}g"):
            if g.get("data-kind"):
                out.append(
                    (g.get("data-kind", ""), g.get("data-uid", ""), g.get("data-recurrence-id"))
                )
    return sorted(out)


@pytest.mark.parametrize(
    ("first", "last"),
    [(date(2022, 9, 1), date(2023, 12, 31)), (date(2023, 2, 10), date(2023, 4, 3))],
)
def test_the_pages_list_exactly_the_agenda(
    seed_schedule: Schedule, first: date, last: date
) -> None:
    pages = yearplan.pages(seed_schedule, first, last, "sv")
    rows = ag.rows(seed_schedule, "sv", first, last, None, ("meeting", "deadline"), False)
    expected = sorted(
        (
            "meeting" if r.kind == "meeting" else "deadline",
            r.uid or "",
            r.recurrence_id if r.kind == "meeting" else None,
        )
        for r in rows
    )
    assert expected and listed(pages) == expected


def test_every_month_has_a_page_with_week_numbers(seed_schedule: Schedule) -> None:
    pages = yearplan.pages(seed_schedule, date(2023, 1, 1), date(2023, 3, 31), "sv")
    text = "\n".join(pages)
    for heading in ("Januari 2023", "Februari 2023", "Mars 2023"):
        assert heading in text
    assert ">v.<" in text and ">52<" in text and ">13<" in text  # ISO weeks 52 (1 Jan) to 13
    assert "Uppföljningar" in text and "Ansvariga:" in text
    assert "Page" not in text  # Swedish throughout: "Sida n av m"


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/test)")
def test_print_writes_a_pdf_whose_pages_are_drawn(seed_schedule: Schedule, tmp_path: Path) -> None:
    from PIL import Image

    from plancal.app import yearplan as printing

    pdf = tmp_path / "plan.pdf"
    count = printing.write(seed_schedule, pdf, date(2023, 1, 1), date(2023, 2, 28), "sv")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "30", str(pdf), str(tmp_path / "p")], check=True, timeout=120
    )
    shots = sorted(tmp_path.glob("p-*.png"))
    assert len(shots) == count >= 5  # title, two months, deadlines, wheel
    for shot in shots:
        with Image.open(shot) as img:
            histogram = img.convert("L").histogram()
        assert sum(histogram[:200]) > 0.002 * sum(histogram), shot.name  # ink on every page
