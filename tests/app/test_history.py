"""`plancal history` and `plancal undo` on the seed plan, on SQLite and PostgreSQL; edits that
race each other (real processes) lose nothing; a read-only plan file is refused."""

from __future__ import annotations

import json
import os
import shutil
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.cli import plancal


def seed_copy(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(SEED, plan)
    return plan


def history(plan: Path, db: str) -> list[dict[str, object]]:
    run = plancal("history", str(plan), "--db", db, "--format", "json", "--lang", "en")
    assert run.returncode == 0, run.stderr
    return [json.loads(line) for line in run.stdout.splitlines()]


def test_undo_takes_back_edits_one_at_a_time(tmp_path: Path, store: Store) -> None:
    plan = seed_copy(tmp_path)
    db = store.url
    skip = ("skip", str(plan), "lagesbild", "2023-03-07", "--yes", "--db", db)
    assert plancal(*skip).returncode == 0
    after_skip = plan.read_bytes()
    move = ("move", str(plan), "beredningsgrupp", "2023-03-14", "--to", "2023-03-16 09:00")
    assert plancal(*move, "--yes", "--db", db).returncode == 0
    rows = history(plan, db)
    assert [(r["command"], r["summary"], r["undone"]) for r in rows] == [
        ("skip", "cancel lagesbild on 2023-03-07", False),  # skip is cancel of one meeting
        ("move", "move beredningsgrupp from 2023-03-14 to 2023-03-16 09:00", False),
    ]

    dry = plancal("undo", str(plan), "--db", db, "--dry-run", "--lang", "en")
    assert dry.returncode == 0, dry.stderr
    assert "Change: undo: move beredningsgrupp from 2023-03-14" in dry.stdout
    assert "Tue 2023-03-16 09:00 → Tue 2023-03-14 09:00" in dry.stdout.replace("Thu", "Tue")
    assert len(history(plan, db)) == 2  # a dry run writes nothing

    assert plancal("undo", str(plan), "--db", db, "--yes").returncode == 0
    assert plan.read_bytes() == after_skip
    rows = history(plan, db)
    assert [(r["command"], r["undone"]) for r in rows] == [
        ("skip", False),
        ("move", True),
        ("undo", False),
    ]
    assert plancal("undo", str(plan), "--db", db, "--yes").returncode == 0
    assert plan.read_bytes() == SEED.read_bytes()

    nothing = plancal("undo", str(plan), "--db", db, "--yes", "--lang", "en")
    assert nothing.returncode == 1
    assert "nothing left to undo" in nothing.stderr
    assert plan.read_bytes() == SEED.read_bytes()


def test_undo_refuses_after_a_hand_edit_and_shows_it(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    db = str(tmp_path / "state.sqlite")
    assert (
        plancal("skip", str(plan), "lagesbild", "2023-03-07", "--yes", "--db", db).returncode == 0
    )
    with plan.open("a", encoding="utf-8") as f:
        f.write("# en anteckning för hand\n")
    before = plan.read_bytes()
    run = plancal("undo", str(plan), "--db", db, "--yes", "--lang", "en")
    assert run.returncode == 1
    assert "changed outside plancal" in run.stderr
    assert "+# en anteckning för hand" in run.stderr
    assert plan.read_bytes() == before


def test_undo_without_history_says_so(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    run = plancal("undo", str(plan), "--db", str(tmp_path / "s.sqlite"), "--yes", "--lang", "en")
    assert run.returncode == 1
    assert "plancal has written no version of" in run.stderr


def _start(*args: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "plancal.cli", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _skipped(plan: Path, activity: str, day: str) -> bool:
    run = plancal("agenda", str(plan), "--activity", activity, "--format", "json")
    assert run.returncode == 0, run.stderr
    return not any(json.loads(line)["start"].startswith(day) for line in run.stdout.splitlines())


ROUNDS = 6  # bounded: each round is two real plancal processes started together


def test_regression_two_edits_at_once_lose_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    edits = [("lagesbild", "2023-03-07"), ("avstamning-polis-ifo", "2023-03-13")]
    for round_ in range(ROUNDS):
        plan = tmp_path / f"plan-{round_}.yaml"
        shutil.copyfile(SEED, plan)
        procs = [_start("skip", str(plan), a, d, "--yes", "--db", db) for a, d in edits]
        codes = [p.wait(timeout=120) for p in procs]
        errors = [p.stderr.read() if p.stderr else "" for p in procs]
        for p in procs:
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        for (activity, day), code, err in zip(edits, codes, errors, strict=True):
            assert code in (0, 1), err
            if code == 0:  # success is only ever reported for a change the file has
                assert _skipped(plan, activity, day), (round_, activity, err)
            else:
                assert "changed while this command ran" in err, err
        # Each write is in the history, in the order the file got them.
        rows = history(plan, db)
        assert len(rows) == codes.count(0)


def test_regression_an_edit_racing_undo_loses_nothing(tmp_path: Path) -> None:
    db = str(tmp_path / "state.sqlite")
    for round_ in range(ROUNDS // 2):
        plan = tmp_path / f"plan-{round_}.yaml"
        shutil.copyfile(SEED, plan)
        first = plancal("skip", str(plan), "lagesbild", "2023-03-07", "--yes", "--db", db)
        assert first.returncode == 0, first.stderr
        undo = _start("undo", str(plan), "--yes", "--db", db)
        edit = _start("skip", str(plan), "avstamning-polis-ifo", "2023-03-13", "--yes", "--db", db)
        undo_code, edit_code = undo.wait(timeout=120), edit.wait(timeout=120)
        for p in (undo, edit):
            for stream in (p.stdout, p.stderr):
                if stream:
                    stream.close()
        assert undo_code in (0, 1) and edit_code in (0, 1)
        if undo_code == 0:
            assert not _skipped(plan, "lagesbild", "2023-03-07")
        else:
            assert _skipped(plan, "lagesbild", "2023-03-07")
        assert _skipped(plan, "avstamning-polis-ifo", "2023-03-13") == (edit_code == 0)


@pytest.mark.skipif(os.name != "posix", reason="file modes")
def test_regression_a_read_only_plan_file_is_refused(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    plan.chmod(stat.S_IRUSR | stat.S_IRGRP | stat.S_IROTH)
    run = plancal(
        "skip",
        str(plan),
        "lagesbild",
        "2023-03-07",
        "--yes",
        "--db",
        str(tmp_path / "s.sqlite"),
        "--lang",
        "en",
    )
    assert run.returncode == 1
    assert "the plan file is read-only; nothing was written" in run.stderr
    assert plan.read_bytes() == SEED.read_bytes()
    assert stat.S_IMODE(plan.stat().st_mode) == 0o444


def test_a_break_identical_to_one_the_plan_has_is_refused(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    for args in (("Sommar igen", "07-01", "07-31"), ("Baklänges", "2023-08-01", "2023-07-01")):
        run = plancal("break", "add", str(plan), *args, "--yes", "--lang", "en")
        assert run.returncode == 1, run.stdout
        assert plan.read_bytes() == SEED.read_bytes()
    run = plancal("break", "add", str(plan), "Sommar igen", "07-01", "07-31", "--lang", "en")
    assert "the plan already has this break: Sommaruppehåll (sommar)" in run.stderr
