"""The årshjul: its marks are the agenda's meetings and deadlines, and the public one is public."""

from __future__ import annotations

import shutil
import subprocess
import xml.etree.ElementTree as ET
from datetime import date
from pathlib import Path

import pytest

from plancal.app import agenda as ag
from plancal.calendars import wheel
from plancal.calendars.feeds import Feed, feeds_for
from plancal.rules.compile import Schedule

SVG = "{http://www.w3.org/2000/svg}"


def feed(schedule: Schedule, slug: str) -> Feed:
    return {f.slug: f for f in feeds_for(schedule.plan)}[slug]


def drawn_marks(svg: str) -> list[tuple[str, str, str | None]]:
    root = ET.fromstring(svg)
    return sorted(
        (e.get("data-kind", ""), e.get("data-uid", ""), e.get("data-recurrence-id"))
        for e in root.iter()
        if e.get("data-kind")
    )


def agenda_marks(schedule: Schedule, first: date, last: date) -> list[tuple[str, str, str | None]]:
    rows = ag.rows(schedule, "sv", first, last, None, ("meeting", "deadline"), False)
    return sorted(
        ("meeting" if r.kind == "meeting" else "deadline", r.uid or "", r.recurrence_id)
        for r in rows
    )


@pytest.mark.parametrize("year", [2022, 2023])
def test_the_plan_wheel_marks_exactly_the_agenda_of_its_year(
    seed_schedule: Schedule, year: int
) -> None:
    svg = wheel.render(seed_schedule, feed(seed_schedule, "plan"), "sv", year)
    first, last = wheel.year_bounds(seed_schedule, year)
    drawn = drawn_marks(svg)
    assert drawn, "an empty wheel proves nothing"
    assert drawn == agenda_marks(seed_schedule, first, last)


def test_the_public_wheel_holds_no_internal_activity(seed_schedule: Schedule) -> None:
    svg = wheel.render(seed_schedule, feed(seed_schedule, "public"), "sv")
    public_uids = {s.uid for s in seed_schedule.series if s.activity.public}
    drawn = drawn_marks(svg)
    assert drawn and all(kind == "meeting" for kind, _, _ in drawn)
    assert {uid for _, uid, _ in drawn} <= public_uids
    for a in seed_schedule.plan.activities:
        if not a.public:
            assert a.title not in svg, a.id  # not even in a tooltip
    for fu in seed_schedule.plan.all_followups():
        assert fu.what not in svg


def test_a_role_wheel_shows_what_the_role_feed_shows(seed_schedule: Schedule) -> None:
    role = seed_schedule.plan.roles[0].id
    svg = wheel.render(seed_schedule, feed(seed_schedule, f"role-{role}"), "en")
    for kind, uid, _ in drawn_marks(svg):
        if kind == "meeting":
            a = next(s.activity for s in seed_schedule.series if s.uid == uid)
            assert role in (a.organizer, *a.attendees)


def test_the_wheel_is_an_image_with_a_text_alternative(seed_schedule: Schedule) -> None:
    svg = wheel.render(seed_schedule, feed(seed_schedule, "plan"), "sv")
    root = ET.fromstring(svg)
    assert root.get("role") == "img"
    title, desc = root.find(f"{SVG}title"), root.find(f"{SVG}desc")
    assert title is not None and title.text and seed_schedule.plan.name in title.text
    assert desc is not None and desc.text and "möten" in desc.text
    marks = [e for e in root.iter() if e.get("data-kind")]
    assert all(m.find(f"{SVG}title") is not None for m in marks)
    assert "september" in svg and "September" not in svg  # Swedish months, whole language
    english = wheel.render(seed_schedule, feed(seed_schedule, "plan"), "en")
    assert "September" in english and "Uppföljningar" not in english


def non_white_share(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as img:
        grey = img.convert("L")
        histogram = grey.histogram()
    return 1 - sum(histogram[250:]) / sum(histogram)


@pytest.mark.skipif(shutil.which("chromium") is None, reason="Debian's chromium (scripts/test)")
def test_chromium_draws_the_wheel(seed_schedule: Schedule, tmp_path: Path) -> None:
    svg = tmp_path / "wheel.svg"
    svg.write_text(wheel.render(seed_schedule, feed(seed_schedule, "plan"), "sv"), "utf-8")
    shot = tmp_path / "wheel.png"
    subprocess.run(
        [
            "chromium",
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            f"--screenshot={shot}",
            f"--window-size={wheel.WIDTH},{wheel.HEIGHT}",
            svg.as_uri(),
        ],
        check=True,
        capture_output=True,
        timeout=120,
    )
    assert 0.05 < non_white_share(shot) < 0.6  # drawn, and not a black page


@pytest.mark.skipif(shutil.which("pdftoppm") is None, reason="poppler-utils (scripts/test)")
def test_the_pdf_wheel_has_a_page_with_the_drawing(seed_schedule: Schedule, tmp_path: Path) -> None:
    from plancal.app import wheel as pictures

    pdf = tmp_path / "wheel.pdf"
    pictures.write(seed_schedule, pdf, "plan", "sv")
    assert pdf.read_bytes().startswith(b"%PDF")
    subprocess.run(
        ["pdftoppm", "-png", "-r", "40", str(pdf), str(tmp_path / "page")], check=True, timeout=120
    )
    pages = sorted(tmp_path.glob("page*.png"))
    assert len(pages) == 1
    assert 0.05 < non_white_share(pages[0]) < 0.6
