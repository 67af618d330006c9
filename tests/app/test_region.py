"""A folder of plans: each checked on its own, ids unique, unchanged files not checked again."""

from __future__ import annotations

import os
from pathlib import Path

from plancal.app import region
from tests.helpers.region import municipality, write_region


def test_every_plan_of_a_folder_compiles_under_its_own_id(tmp_path: Path) -> None:
    write_region(tmp_path, 3)
    loaded = region.load(tmp_path)
    assert sorted(loaded.schedules) == [municipality(i)[0] for i in range(3)]
    assert loaded.broken == {}


def test_a_broken_plan_is_reported_and_the_others_compile(tmp_path: Path) -> None:
    paths = write_region(tmp_path, 3)
    paths[1].write_text(paths[1].read_text(encoding="utf-8").replace("timezone:", "tidszon:"))
    loaded = region.load(tmp_path)
    assert sorted(loaded.schedules) == [municipality(0)[0], municipality(2)[0]]
    assert list(loaded.broken) == [paths[1]]


def test_a_second_file_with_the_same_id_is_refused_naming_the_first(tmp_path: Path) -> None:
    first = write_region(tmp_path, 1)[0]
    copy = tmp_path / "zz-copy.yaml"
    copy.write_text(first.read_text(encoding="utf-8"), encoding="utf-8")
    loaded = region.load(tmp_path)
    assert list(loaded.schedules) == [municipality(0)[0]]
    (problem,) = loaded.broken[copy]
    assert problem.where is not None and problem.where.file == str(copy)
    assert first.name in problem.message.render("en")
    assert "eget id" in (problem.hint.render("sv") if problem.hint else "")


def test_an_unchanged_file_is_not_checked_again(tmp_path: Path) -> None:
    paths = write_region(tmp_path, 2)
    before = region.load(tmp_path)
    text = paths[1].read_text(encoding="utf-8")
    paths[1].write_text(text.replace("Kommun 001", "Kommun Ett"), encoding="utf-8")
    os.utime(paths[1], ns=(1, 1))  # a new fingerprint even on a coarse clock
    after = region.load(tmp_path, before)
    assert after.members[0] is before.members[0]
    assert after.members[1] is not before.members[1]


def test_hidden_files_and_other_suffixes_are_not_plans(tmp_path: Path) -> None:
    write_region(tmp_path, 1)
    (tmp_path / ".kommun000.yaml.swp").write_text("x")
    (tmp_path / "notes.txt").write_text("x")
    assert [m.path.name for m in region.load(tmp_path).members] == [f"{municipality(0)[0]}.yaml"]


def test_a_removed_file_leaves_the_region(tmp_path: Path) -> None:
    write_region(tmp_path, 2)
    before = region.load(tmp_path)
    (tmp_path / f"{municipality(0)[0]}.yaml").unlink()
    after = region.load(tmp_path, before)
    assert list(after.schedules) == [municipality(1)[0]]
