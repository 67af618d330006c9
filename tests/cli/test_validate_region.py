"""plancal validate PLANS_DIR: each plan on its own, unique ids, double bookings across plans."""

from __future__ import annotations

from pathlib import Path

from tests.helpers.cli import plancal
from tests.helpers.region import write_region


def test_a_broken_plan_hides_nothing_of_the_others(tmp_path: Path) -> None:
    first, second, third = write_region(tmp_path / "plans", 3)
    second.write_text(
        second.read_text(encoding="utf-8").replace(
            "timezone: Europe/Stockholm", "timezone: Europe/Stokholm"
        ),
        encoding="utf-8",
    )
    (tmp_path / "plans" / "zz-copy.yaml").write_text(third.read_text(encoding="utf-8"))
    run = plancal("validate", str(tmp_path / "plans"), "--lang", "en")
    assert run.returncode == 1 and "Traceback" not in run.stderr
    assert f"{second}:15:11: error: unknown time zone 'Europe/Stokholm'" in run.stderr
    assert "zz-copy.yaml:12: error: plan id 'kommun002-2022-2023' is also the id of" in run.stderr
    assert f"{second}: 1 error(s)." in run.stderr
    assert f"{first}: OK – 18 activities" in run.stdout
    assert f"{third}: OK – 18 activities" in run.stdout
    assert "2 of 4 plan(s) OK;" in run.stdout


def test_double_bookings_across_plans_are_warnings_naming_both_files(tmp_path: Path) -> None:
    first, second = write_region(tmp_path / "plans", 2)  # one police area: one officer
    run = plancal("validate", str(tmp_path / "plans"), "--lang", "en")
    assert run.returncode == 0, run.stderr
    across = [
        line
        for line in run.stdout.splitlines()
        if ": warning: double booking" in line and str(first) in line and str(second) in line
    ]
    shared = ("kommunpolis.omr00@", "lpo.omr00@", "drogsamordnare.region00@")  # the two share
    assert across and all(any(person in line for person in shared) for line in across)
    assert not any("@kommun000.example" in line for line in across)  # their own people differ
    assert f"2 of 2 plan(s) OK; {len(across)} double booking(s) across plans." in run.stdout


def test_an_empty_folder_is_an_error_in_swedish(tmp_path: Path) -> None:
    (tmp_path / "plans").mkdir()
    run = plancal("validate", str(tmp_path / "plans"), "--lang", "sv")
    assert run.returncode == 1 and "inga planfiler i" in run.stderr
    assert "Traceback" not in run.stderr
