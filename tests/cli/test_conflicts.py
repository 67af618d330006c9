"""Double bookings as a user meets them: validate, conflicts, the agenda, an edit's preview."""

from __future__ import annotations

import json
import re
from pathlib import Path

from tests.helpers import FIXTURES, SEED
from tests.helpers.cli import plancal
from tests.helpers.plans import seed_as_shipped

SHARED = FIXTURES / "plans" / "shared-officer"


def as_shipped(tmp_path: Path) -> Path:
    path = tmp_path / "soderhamn.yaml"
    path.write_text(seed_as_shipped(), encoding="utf-8")
    return path


def line_of(path: Path, needle: str) -> int:
    lines = path.read_text(encoding="utf-8").splitlines()
    return next(i for i, s in enumerate(lines) if needle in s) + 1


def test_validate_warns_of_each_double_booking_with_both_places(tmp_path: Path) -> None:
    """As shipped, two BRÅ meetings are pinned at 13:00 on a Monday: written dates stay, and
    validate warns at the pin; the other five plancal placed where the officer is free."""
    plan = as_shipped(tmp_path)
    ifo = f"{plan}:{line_of(plan, '- id: avstamning-polis-ifo')}:"
    pin = f"{plan}:{line_of(plan, '    pinned: [2022-10-24 13:00')}:"
    for lang, word in (("en", "double booking on"), ("sv", "dubbelbokning ")):
        result = plancal("validate", str(plan), "--lang", lang)
        assert result.returncode == 0, result.stderr
        warnings = [line for line in result.stdout.splitlines() if word in line]
        assert len(warnings) == 2
        assert all(w.startswith(pin) and ifo in w for w in warnings)
    english = plancal("validate", str(plan), "--lang", "en").stdout
    assert "on Monday 2022-10-24 14:00–14:45" in english
    assert "on Monday 2023-02-06 14:00–14:45" in english
    assert "2 double booking(s): see the warnings above" in english


def test_the_agenda_says_where_plancal_placed_a_meeting_and_why(tmp_path: Path) -> None:
    plan = as_shipped(tmp_path)
    shown = plancal(
        "agenda", str(plan), "--activity", "bra-styrgrupp", "--kind", "meetings", "--lang", "en"
    ).stdout
    assert "13:00–15:00  Lokalt BRÅ, styrgrupp (Söderhamns stadshus) – not on 2023-04-24: " in (
        shown
    )
    assert "Tuesday 2023-04-25" in shown


def test_the_seed_has_no_double_booking() -> None:
    result = plancal("conflicts", str(SEED), "--lang", "en")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "No double bookings in 1 plan(s)."
    assert "double booking" not in plancal("validate", str(SEED), "--lang", "en").stdout


def test_conflicts_lists_them_and_fails_for_ci(tmp_path: Path) -> None:
    plan = as_shipped(tmp_path)
    text = plancal("conflicts", str(plan), "--lang", "sv")
    assert text.returncode == 1
    assert text.stdout.count("Kommunpolis <kommunpolis@polisen.example>") == 2
    assert "Måndag 2022-10-24 14:00–14:45" in text.stdout
    assert "2 dubbelbokning(ar) i 1 plan(er)." in text.stdout

    as_json = plancal("conflicts", str(plan), "--format", "json", "--from", "2023-01-01")
    assert as_json.returncode == 1
    rows = [json.loads(line) for line in as_json.stdout.splitlines()]
    assert [r["start"] for r in rows] == ["2023-02-06T14:00:00+01:00"]
    assert [(r["first"]["activity"], r["second"]["activity"]) for r in rows] == [
        ("bra-styrgrupp", "avstamning-polis-ifo")
    ]
    assert rows[0]["people"] == [{"email": "kommunpolis@polisen.example", "roles": ["kommunpolis"]}]
    assert rows[0]["first"]["where"] == f"{plan}:{line_of(plan, '    pinned: [2022-10-24')}:5"
    ifo = line_of(plan, "- id: avstamning-polis-ifo")
    assert re.fullmatch(rf"{re.escape(str(plan))}:{ifo}:\d+", rows[0]["second"]["where"])


def test_a_folder_of_plans_is_checked_across_plans_by_address() -> None:
    for alone in ("bollnas.yaml", "ljusdal.yaml"):
        assert plancal("conflicts", str(SHARED / alone)).returncode == 0
    folder = plancal("conflicts", str(SHARED), "--lang", "en")
    both = plancal(
        "conflicts", str(SHARED / "bollnas.yaml"), str(SHARED / "ljusdal.yaml"), "--lang", "en"
    )
    assert folder.returncode == both.returncode == 1
    assert folder.stdout == both.stdout
    assert "(avstamning, bollnas-2023)" in folder.stdout
    assert "(styrgrupp, ljusdal-2023)" in folder.stdout
    assert folder.stdout.count("<kommunpolis.norra@polisen.example>") == 12  # first Tuesdays


def test_an_empty_folder_is_a_clear_error(tmp_path: Path) -> None:
    result = plancal("conflicts", str(tmp_path), "--lang", "en")
    assert result.returncode == 1
    assert f"no plan files in {tmp_path}" in result.stderr and "Traceback" not in result.stderr


def test_the_agenda_marks_double_bookings_and_allowed_overlaps(tmp_path: Path) -> None:
    plan = as_shipped(tmp_path)
    day = ("--from", "2022-10-24", "--to", "2022-10-24", "--kind", "meetings", "--lang", "en")
    marked = plancal("agenda", str(plan), *day).stdout
    assert marked.count("!! DOUBLE BOOKED with") == 2
    assert "DOUBLE BOOKED with Avstämning polis och IFO" in marked

    allowed = plan.read_text(encoding="utf-8").replace(
        "    title: Lokalt BRÅ, styrgrupp\n",
        "    title: Lokalt BRÅ, styrgrupp\n    overlaps: [avstamning-polis-ifo]\n",
    )
    plan.write_text(allowed, encoding="utf-8")
    shown = plancal("agenda", str(plan), *day)
    assert "DOUBLE BOOKED" not in shown.stdout and "double booking" not in shown.stderr
    assert (
        "overlaps Avstämning polis och IFO – ungdomar i kriminalitet 14:00–14:45, as the plan"
        in (shown.stdout)
    )
    rows = [
        json.loads(line)
        for line in plancal("agenda", str(plan), *day, "--format", "json").stdout.splitlines()
    ]
    bra = next(r for r in rows if r["activity"] == "bra-styrgrupp")
    assert [(o["activity"], o["allowed"]) for o in bra["overlaps"]] == [
        ("avstamning-polis-ifo", True)
    ]
    assert plancal("conflicts", str(plan)).returncode == 0


def test_an_edit_preview_shows_the_double_bookings_it_makes_and_resolves(tmp_path: Path) -> None:
    plan = as_shipped(tmp_path)
    resolve = plancal(
        "move", str(plan), "bra-styrgrupp", "2023-02-06", "--to", "2023-02-06 09:00",
        "--dry-run", "--lang", "en",
    )  # fmt: skip
    assert resolve.returncode == 0, resolve.stderr
    after = resolve.stdout.split("Double bookings the change resolves:\n", 1)[1]
    assert after.splitlines()[0].startswith(
        "  Mon 2023-02-06 14:00–14:45  Community police officer"
    )
    assert "Double bookings the change makes" not in resolve.stdout

    make = plancal(
        "move", str(SEED), "beredningsgrupp", "2022-10-11", "--to", "2022-10-10 13:30",
        "--dry-run", "--format", "json", "--lang", "en",
    )  # fmt: skip
    assert make.returncode == 0, make.stderr
    made = json.loads(make.stdout)["double_bookings"]
    assert made["removed"] == []
    assert [(d["first"]["activity"], d["second"]["activity"]) for d in made["added"]] == [
        ("beredningsgrupp", "avstamning-polis-ifo")  # 13:30–15:00, then 14:00–14:45
    ]
    assert made["added"][0]["people"][0]["email"] == "kommunpolis@polisen.example"


def test_schema_declares_overlaps() -> None:
    schema = json.loads(plancal("schema", "--lang", "en").stdout)
    activity = schema["properties"]["activities"]["items"]
    assert "overlaps" in activity["properties"]
