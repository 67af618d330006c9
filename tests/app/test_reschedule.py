"""Rescheduling from the command line, as a user runs it: real processes, real files, a real
state store, and the feeds read back by icalendar and recurring-ical-events.

The promise of every command: what the preview says is what happens. After the write, the
agenda and the feeds differ from before by exactly the occurrences the preview listed, the
events it named are exactly those whose SEQUENCE the next compile raises, and each of them is
in exactly the feeds it named.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import threading
from collections import Counter
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any

import icalendar
import pytest
import recurring_ical_events

from tests.helpers import FIXTURES, SEED
from tests.helpers.ical import recurrence_id, value

PLAN_START, PLAN_END = date(2022, 9, 1), date(2023, 12, 31)
Slot = tuple[str, datetime | date]


def plancal(
    *args: str, stdin: str | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plancal.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        input=stdin if stdin is not None else "",
        cwd=cwd,
    )


def seed_copy(tmp_path: Path, name: str = "plan.yaml") -> Path:
    path = tmp_path / name
    shutil.copyfile(SEED, path)
    return path


def when(text: str) -> datetime | date:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def agenda(plan: Path) -> Counter[Slot]:
    run = plancal("agenda", str(plan), "--format", "json", "--kind", "meetings")
    assert run.returncode == 0, run.stderr
    rows = [json.loads(line) for line in run.stdout.splitlines()]
    return Counter((r["activity"], when(r["start"])) for r in rows if r["kind"] == "meeting")


def compile_to(plan: Path, out: Path, db: Path | str) -> None:
    run = plancal("compile", str(plan), "--out", str(out), "--db", str(db))
    assert run.returncode == 0, run.stderr


def calendar(path: Path) -> icalendar.Calendar:
    return icalendar.Calendar.from_ical(path.read_bytes())


def feed_meetings(path: Path) -> Counter[Slot]:
    """Every meeting in a feed, expanded by recurring-ical-events (a peer, not our code)."""
    events = recurring_ical_events.of(calendar(path)).between(
        PLAN_START, PLAN_END + timedelta(days=1)
    )
    return Counter(
        (str(e["UID"]).split("@")[0].split(".")[0], value(e, "DTSTART", date))
        for e in events
        if not str(e["UID"]).startswith("followup.")
    )


def sequences(path: Path) -> dict[tuple[str, str], int]:
    return {
        (
            str(e["UID"]),
            recurrence_id(e),
        ): value(e, "SEQUENCE", int)
        for e in calendar(path).walk("VEVENT")
    }


def promised(preview: dict[str, Any]) -> tuple[Counter[Slot], Counter[Slot]]:
    """What the preview says disappears and appears, occurrence by occurrence."""
    gone: Counter[Slot] = Counter()
    new: Counter[Slot] = Counter()
    for activity in preview["activities"]:
        for o in activity["occurrences"]:
            if o["kind"] in ("skipped", "moved"):
                gone[(activity["id"], when(o["before"]))] += 1
            if o["kind"] in ("added", "moved"):
                new[(activity["id"], when(o["after"]))] += 1
            if o["kind"] == "kept":
                assert o["before"] == o["after"]
    return gone, new


def assert_follows(
    before: Counter[Slot], after: Counter[Slot], gone: Counter[Slot], new: Counter[Slot]
) -> None:
    assert not gone - before, "the preview removes what was not there"
    assert after == before - gone + new


def assert_preview_kept(
    preview: dict[str, Any],
    old_out: Path,
    new_out: Path,
    old_seq: dict[tuple[str, str], int],
    new_seq: dict[tuple[str, str], int],
) -> None:
    events = {(e["uid"], e["recurrence_id"] or ""): e for e in preview["events"]}
    updated = {k for k, e in events.items() if e["action"] == "updated"}
    assert {k for k in old_seq.keys() & new_seq.keys() if new_seq[k] != old_seq[k]} == updated
    assert all(new_seq[k] == old_seq[k] + 1 for k in updated)
    assert new_seq.keys() - old_seq.keys() == {k for k, e in events.items() if e["action"] == "new"}
    assert old_seq.keys() - new_seq.keys() == {
        k for k, e in events.items() if e["action"] == "removed"
    }
    # Each event is in exactly the feeds the preview named, and in no other.
    for key, e in events.items():
        folder = old_out if e["action"] == "removed" else new_out
        holding = {p.stem for p in folder.glob("*.ics") if key in sequences(p)}
        assert holding == set(e["feeds"]), key


COMMANDS = [
    pytest.param(["skip", "{plan}", "avstamning-polis-ifo", "2023-03-13"], id="skip-weekly"),
    pytest.param(["skip", "{plan}", "lagesbild-allmanheten", "2023-03-03"], id="skip-public"),
    pytest.param(
        ["move", "{plan}", "bra-styrgrupp", "2023-04-24", "--to", "2023-05-02 13:00"],
        id="move-single",
    ),
    pytest.param(
        ["move", "{plan}", "avstamning-polis-ifo", "2023-03-13", "--to", "2023-03-22 14:00"],
        id="move-past-a-neighbour",
    ),
    pytest.param(["add", "{plan}", "trygghetsvandringar", "2023-05-10 18:00"], id="add"),
    pytest.param(["cancel", "{plan}", "trygg-i-centrum", "--from", "2023-10-01"], id="cancel"),
    pytest.param(
        ["break", "add", "{plan}", "Sommaruppehåll 2023", "2023-06-26", "2023-08-06"],
        id="break-add",
    ),
    pytest.param(["break", "remove", "{plan}", "sommar"], id="break-remove"),
]


@pytest.mark.parametrize("command", COMMANDS)
def test_the_agenda_and_feeds_after_the_change_are_what_the_preview_promised(
    tmp_path: Path, command: list[str]
) -> None:
    plan = seed_copy(tmp_path)
    db = tmp_path / "state.sqlite"
    compile_to(plan, tmp_path / "before", db)
    agenda_before = agenda(plan)
    args = [a.replace("{plan}", str(plan)) for a in command]

    dry = plancal(*args, "--dry-run", "--format", "json", "--lang", "en")
    assert dry.returncode == 0, dry.stderr
    assert plan.read_bytes() == SEED.read_bytes()
    run = plancal(*args, "--yes", "--format", "json", "--lang", "en")
    assert run.returncode == 0, run.stderr
    preview = json.loads(run.stdout)
    assert preview.pop("written") is True and json.loads(dry.stdout).pop("written") is False
    assert preview == {k: v for k, v in json.loads(dry.stdout).items() if k != "written"}
    assert plan.read_bytes() != SEED.read_bytes()

    gone, new = promised(preview)
    assert gone or new or preview["deadlines"], "every command here changes the calendar"
    assert_follows(agenda_before, agenda(plan), gone, new)
    compile_to(plan, tmp_path / "after", db)
    assert_follows(
        feed_meetings(tmp_path / "before" / "plan.ics"),
        feed_meetings(tmp_path / "after" / "plan.ics"),
        gone,
        new,
    )
    assert_preview_kept(
        preview,
        tmp_path / "before",
        tmp_path / "after",
        sequences(tmp_path / "before" / "plan.ics"),
        sequences(tmp_path / "after" / "plan.ics"),
    )
    # The same change, read back from the two files, is the same impact.
    shutil.copyfile(SEED, tmp_path / "old.yaml")
    diffed = plancal(
        "diff", str(tmp_path / "old.yaml"), str(plan), "--format", "json", "--lang", "en"
    )
    assert diffed.returncode == 0, diffed.stderr
    expected = preview | {"change": None}
    for a in expected["activities"]:  # kept occurrences are a preview of a break, not a diff
        a["occurrences"] = [o for o in a["occurrences"] if o["kind"] != "kept"]
    expected["activities"] = [a for a in expected["activities"] if a["occurrences"]]
    expected["totals"] = expected["totals"] | {"kept": 0}
    got = json.loads(diffed.stdout)
    for removed in got["double_bookings"]["removed"]:  # a diff finds them in the old file
        for side in ("first", "second"):
            where = removed[side]["where"]
            assert where.startswith(str(tmp_path / "old.yaml") + ":")
            removed[side]["where"] = where.replace(str(tmp_path / "old.yaml"), str(plan), 1)
    for impact in (got, expected):  # the command knows why a series ended; two files do not
        for a in impact["activities"]:
            for o in a["occurrences"]:
                if o["reason"] in ("the series ends on 2023-09-30", "no longer in the plan"):
                    o["reason"] = None
    assert got == expected


@pytest.mark.parametrize(
    "store", ["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)]
)
def test_the_summer_break_end_to_end(
    tmp_path: Path, store: str, request: pytest.FixtureRequest
) -> None:
    """The issue's scenario on the seed plan: add the break, see, apply, compile."""
    plan = seed_copy(tmp_path)
    db = tmp_path / "state.sqlite" if store == "sqlite" else request.getfixturevalue("pg_url")
    compile_to(plan, tmp_path / "before", db)
    args = ["break", "add", str(plan), "Sommaruppehåll 2023", "2023-06-26", "2023-08-06"]

    seen = plancal(*args, "--dry-run", "--lang", "sv")
    assert seen.returncode == 0, seen.stderr
    text = seen.stdout
    assert "Ändring: lägg till uppehållet Sommaruppehåll 2023 (sommaruppehall-2023)" in text
    assert "inställt  tis 2023-08-01 10:00  – Sommaruppehåll 2023: inställt" in text
    assert "behålls   mån 2023-07-03 14:00  – pågår under uppehåll" in text
    assert "en avbokning går till: trygghetssamordnare@soderhamn.example" in text
    assert plan.read_bytes() == SEED.read_bytes()

    run = plancal(*args, "--yes", "--format", "json", "--lang", "sv")
    assert run.returncode == 0, run.stderr
    preview = json.loads(run.stdout)
    by_kind: dict[str, set[tuple[str, str]]] = {}
    for a in preview["activities"]:
        for o in a["occurrences"]:
            by_kind.setdefault(o["kind"], set()).add((a["id"], (o["before"] or "")[:10]))
    assert by_kind == {
        # Five a year stay five: the June meeting in the break goes to May, the nearest month
        # free of the break and of another meeting.
        "moved": {("bra-styrgrupp", "2023-06-26")},
        "skipped": {
            ("lagesbild", "2023-08-01"),
            ("trygg-i-centrum", "2023-08-03"),
            ("lagesbild-allmanheten", "2023-08-04"),
        },
        "kept": {
            (weekly, day)
            for weekly in ("avstamning-polis-ifo", "avstamning-polis-faltare")
            for day in (
                "2023-06-26",
                "2023-07-03",
                "2023-07-10",
                "2023-07-17",
                "2023-07-24",
                "2023-07-31",
            )
        },
    }
    compile_to(plan, tmp_path / "after", db)

    after = feed_meetings(tmp_path / "after" / "plan.ics")
    break_days = {
        PLAN_START + timedelta(days=i)
        for i in range((PLAN_END - PLAN_START).days)
        if date(2023, 6, 26) <= PLAN_START + timedelta(days=i) <= date(2023, 8, 6)
    }

    def days(activity: str) -> set[date]:
        return {s.date() if isinstance(s, datetime) else s for a, s in after if a == activity}

    # The monthly meetings skip July, and the whole break; they meet in June and September.
    for monthly in ("trygg-i-centrum", "lagesbild", "beredningsgrupp", "lagesbild-allmanheten"):
        met = days(monthly)
        assert not met & break_days, monthly
        assert any(d.month == 9 and d.year == 2023 for d in met), monthly
        assert any(d.month == 6 and d.year == 2023 for d in met), monthly
    # The weekly ones continue through breaks, as the plan says: every Monday is still there.
    mondays = {d for d in break_days if d.weekday() == 0}
    for weekly in ("avstamning-polis-ifo", "avstamning-polis-faltare"):
        assert mondays <= days(weekly), weekly
    # SEQUENCE rose on exactly the events the preview named, and by one.
    old_seq = sequences(tmp_path / "before" / "plan.ics")
    new_seq = sequences(tmp_path / "after" / "plan.ics")
    changed = {k for k in old_seq.keys() & new_seq.keys() if old_seq[k] != new_seq[k]}
    assert changed == {
        (f"{a}@soderhamn-2022-2023.plancal", "")
        for a in ("lagesbild", "trygg-i-centrum", "lagesbild-allmanheten", "bra-styrgrupp.2023-06")
    }
    assert all(new_seq[k] == old_seq[k] + 1 for k in changed)
    assert old_seq.keys() == new_seq.keys()
    assert_preview_kept(preview, tmp_path / "before", tmp_path / "after", old_seq, new_seq)
    # The public feed gained nothing internal on the way.
    public = calendar(tmp_path / "after" / "public.ics")
    assert {str(e["CLASS"]) for e in public.walk("VEVENT")} == {"PUBLIC"}


MONDAYS = ("2023-06-26", "2023-07-03", "2023-07-10", "2023-07-17", "2023-07-24", "2023-07-31")


@pytest.mark.parametrize(
    ("policy", "weekly", "monthly"),
    [
        # Every Monday in the break is skipped; both monthly meetings in it too.
        (
            "skip",
            {d: ("skipped", "Sommar") for d in MONDAYS},
            {"2023-07-04": ("skipped", "Sommar"), "2023-08-01": ("skipped", "Sommar")},
        ),
        # After the break is Monday 7 August, a meeting day already: they merge into it.
        (
            "after",
            {d: ("skipped", "merged into the meeting on 2023-08-07") for d in MONDAYS},
            {
                "2023-07-04": ("moved", "2023-08-07"),
                "2023-08-01": ("skipped", "merged into the meeting on 2023-08-07"),
            },
        ),
        # Before the break is Thursday 22 June (midsommarafton is a holiday): the first moves
        # there, the rest merge into it.
        (
            "before",
            {
                d: ("moved", "2023-06-22")
                if d == MONDAYS[0]
                else ("skipped", "merged into the meeting on 2023-06-22")
                for d in MONDAYS
            },
            {
                "2023-07-04": ("moved", "2023-06-22"),
                "2023-08-01": ("skipped", "merged into the meeting on 2023-06-22"),
            },
        ),
    ],
)
def test_meetings_follow_the_breaks_policy(
    tmp_path: Path,
    policy: str,
    weekly: dict[str, tuple[str, str]],
    monthly: dict[str, tuple[str, str]],
) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(FIXTURES / "plans" / "edit" / "weekly-policies.yaml", plan)
    agenda_before = agenda(plan)
    run = plancal(
        "break",
        "add",
        str(plan),
        "Sommar",
        "2023-06-26",
        "2023-08-06",
        "--policy",
        policy,
        "--yes",
        "--format",
        "json",
        "--lang",
        "en",
    )
    assert run.returncode == 0, run.stderr
    preview = json.loads(run.stdout)

    def fates(activity: str) -> dict[str, tuple[str, str]]:
        found = next(a for a in preview["activities"] if a["id"] == activity)
        return {
            o["before"][:10]: (
                o["kind"],
                o["after"][:10]
                if o["kind"] == "moved"
                else o["reason"].removeprefix("Sommar: skipped") or "Sommar",
            )
            for o in found["occurrences"]
        }

    assert fates("veckomote") == weekly
    assert fates("manadsmote") == monthly
    # The activity that says "continue" keeps its meetings, whatever the break's policy.
    steady = next(a for a in preview["activities"] if a["id"] == "jour")
    assert [o["before"][:10] for o in steady["occurrences"]] == list(MONDAYS)
    assert {o["kind"] for o in steady["occurrences"]} == {"kept"}
    assert_follows(agenda_before, agenda(plan), *promised(preview))


# --- asking, refusing, and the file itself ---------------------------------------------------


def test_without_an_answer_nothing_is_written(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    run = plancal("skip", str(plan), "avstamning-polis-ifo", "2023-03-13", "--lang", "en")
    assert run.returncode == 1 and "Nothing was written." in run.stderr
    assert "Write this change to" in run.stderr and "1 skipped" in run.stdout
    assert plan.read_bytes() == SEED.read_bytes()
    run = plancal(
        "skip", str(plan), "avstamning-polis-ifo", "2023-03-13", "--lang", "sv", stdin="n\n"
    )
    assert run.returncode == 1 and "Inget skrevs." in run.stderr
    assert plan.read_bytes() == SEED.read_bytes()
    run = plancal(
        "skip", str(plan), "avstamning-polis-ifo", "2023-03-13", "--lang", "en", stdin="y\n"
    )
    assert run.returncode == 0 and "Wrote" in run.stdout
    assert "- 2023-03-13" in plan.read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (["skip", "{plan}", "nope", "2023-03-13"], 1, "the plan has no activity 'nope'"),
        (
            ["skip", "{plan}", "avstamning-polis-ifo", "2024-03-11"],
            1,
            "is outside the plan period 2022-09-01 – 2023-12-31",
        ),
        (
            ["move", "{plan}", "avstamning-polis-ifo", "2023-03-13", "--to", "2023-03-20 14:00"],
            1,
            "two would fall on one day",
        ),
        (
            ["add", "{plan}", "avstamning-polis-ifo", "2023-03-13 09:00"],
            1,
            "already has an occurrence on 2023-03-13",
        ),
        (["break", "add", "{plan}", "X", "2023-08-06", "2023-06-26"], 1, "before it starts"),
        (["break", "remove", "{plan}", "vinter"], 1, "the plan has no break 'vinter'"),
        (["skip", "{plan}", "avstamning-polis-ifo", "13/3"], 2, "is not a date"),
        (
            ["move", "{plan}", "avstamning-polis-ifo", "2023-03-13", "--to", "soon"],
            2,
            "is not a date and time",
        ),
        (["break", "add", "{plan}", "X", "07-32", "08-01"], 2, "is neither a date"),
    ],
)
def test_a_refused_edit_says_why_and_leaves_the_file_untouched(
    tmp_path: Path, args: list[str], code: int, message: str
) -> None:
    plan = seed_copy(tmp_path)
    run = plancal(*[a.replace("{plan}", str(plan)) for a in args], "--yes", "--lang", "en")
    assert run.returncode == code, run.stderr
    assert message in run.stderr and "Traceback" not in run.stderr
    if code == 1:
        assert f"{plan}:" in run.stderr and "nothing was written" in run.stderr
    assert plan.read_bytes() == SEED.read_bytes()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plan.yaml"]  # no temporary file


def test_an_invalid_plan_is_not_edited(tmp_path: Path) -> None:
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(FIXTURES / "plans" / "bad" / "unknown-weekday.yaml", plan)
    before = plan.read_bytes()
    run = plancal(
        "break", "add", str(plan), "X", "2023-06-26", "2023-08-06", "--yes", "--lang", "en"
    )
    assert run.returncode == 1 and "unknown weekday 'mondag'" in run.stderr
    assert plan.read_bytes() == before


def test_line_ends_permissions_and_symlinks_are_kept(tmp_path: Path) -> None:
    text = (FIXTURES / "plans" / "edit" / "four-spaces.yaml").read_text(encoding="utf-8")
    real = tmp_path / "real.yaml"
    real.write_bytes(text.replace("\n", "\r\n").encode("utf-8"))
    real.chmod(0o640)
    link = tmp_path / "plan.yaml"
    link.symlink_to(real)
    run = plancal("skip", str(link), "veckomote", "2023-03-13", "--yes", "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert link.is_symlink() and stat.S_IMODE(real.stat().st_mode) == 0o640
    data = real.read_bytes()
    assert data.count(b"\n") == data.count(b"\r\n")
    anchor = "        attendees: [kommunpolis]\n"
    assert data.decode("utf-8").replace("\r\n", "\n") == text.replace(
        anchor,
        anchor + "        exceptions:\n            cancelled:\n                -   2023-03-13\n",
    )


def test_a_concurrent_change_is_never_overwritten(tmp_path: Path) -> None:
    from datetime import date as day

    from plancal.app import reschedule
    from plancal.errors import PlanError

    plan = seed_copy(tmp_path)
    proposal = reschedule.prepare(plan, lambda ed: ed.skip("lagesbild", day(2023, 3, 7)))
    plan.write_text(SEED.read_text(encoding="utf-8") + "\n# someone else\n", encoding="utf-8")
    with pytest.raises(PlanError) as e:
        reschedule.write(proposal)
    assert "changed while this command ran" in e.value.render("en")
    assert plan.read_text(encoding="utf-8").endswith("# someone else\n")


KILLED = r"""
import os, sys
import plancal.files as files

def pause(*_):
    print("PAUSED", flush=True)
    sys.stdin.read()  # until killed

point = sys.argv[1]
if point == "written":  # the temporary file is complete, the plan not yet replaced
    real_fsync = os.fsync
    def fsync(fd):
        real_fsync(fd)
        pause()
    os.fsync = fsync
elif point == "replacing":
    real_replace = os.replace
    def replace(src, dst):
        pause()
        real_replace(src, dst)
    os.replace = replace
elif point == "replaced":  # renamed, the folder not yet synced
    files._sync_dir = pause
from plancal.cli import main
main(sys.argv[2:])
"""


@pytest.mark.parametrize(
    ("point", "survivor"), [("written", "old"), ("replacing", "old"), ("replaced", "new")]
)
def test_a_process_killed_during_the_write_leaves_the_old_file_or_the_new(
    tmp_path: Path, point: str, survivor: str
) -> None:
    from plancal.app import reschedule

    plan = seed_copy(tmp_path)
    args = ["break", "add", str(plan), "Sommaruppehåll 2023", "2023-06-26", "2023-08-06"]
    new = reschedule.prepare(
        plan, lambda ed: ed.add_break("Sommaruppehåll 2023", date(2023, 6, 26), date(2023, 8, 6))
    ).data
    child = subprocess.Popen(
        [sys.executable, "-c", KILLED, point, *args, "--yes"],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    guard = threading.Timer(120, child.kill)  # a hung child fails the test, never blocks it
    guard.start()
    try:
        for line in child.stdout:  # the preview, then the pause inside the write
            if line.strip() == "PAUSED":
                break
        else:
            pytest.fail(f"the child never reached the write: exit {child.wait()}")
    finally:
        guard.cancel()
    os.kill(child.pid, signal.SIGKILL)
    child.wait()
    assert child.returncode == -signal.SIGKILL
    assert plan.read_bytes() == (SEED.read_bytes() if survivor == "old" else new)
    check = plancal("validate", str(plan))
    assert check.returncode == 0, check.stderr
    # At worst a hidden temporary file is left beside the plan, never in its place.
    assert {p.name for p in tmp_path.iterdir()} - {"plan.yaml"} <= {
        p.name for p in tmp_path.glob(".plan.yaml.*.tmp")
    }


# --- reading ---------------------------------------------------------------------------------


def test_the_preview_warns_of_what_the_change_leaves_dangling(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    run = plancal(
        "cancel",
        str(plan),
        "bra-styrgrupp",
        "--from",
        "2023-06-01",
        "--dry-run",
        "--format",
        "json",
        "--lang",
        "en",
    )
    assert run.returncode == 0, run.stderr
    preview = json.loads(run.stdout)
    assert [w.split(": ", 1)[1] for w in preview["warnings"]] == [
        "warning: 'narkotikainsats-bra': no 'bra-styrgrupp' after 2023-10-19 to present it at"
    ]
    assert ("removed", "followup.narkotikainsats-bra.2023-10@soderhamn-2022-2023.plancal") in {
        (e["action"], e["uid"]) for e in preview["events"]
    }


def test_break_list_shows_what_each_break_does(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    assert (
        plancal(
            "break", "add", str(plan), "Jul", "12-22", "01-06", "--policy", "before", "--yes"
        ).returncode
        == 0
    )
    run = plancal("break", "list", str(plan), "--lang", "en")
    assert run.returncode == 0, run.stderr
    assert "sommar  Sommaruppehåll  07-01 – 07-31 (every year)  [plan default]" in run.stdout
    assert "jul  Jul  12-22 – 01-06 (every year)  [before]" in run.stdout
    assert "  continue: avstamning-polis-ifo, avstamning-polis-faltare" in run.stdout
    rows = [
        json.loads(line)
        for line in plancal("break", "list", str(plan), "--format", "json").stdout.splitlines()
    ]
    summer = next(r for r in rows if r["id"] == "sommar")
    assert summer["kept"] > 0 and summer["skipped"] > 0
    assert summer["activities"]["avstamning-polis-ifo"] == "continue"
    assert summer["activities"]["lagesbild"] == "skip"


def test_diff_reads_a_version_from_git(tmp_path: Path) -> None:
    seed_copy(tmp_path)
    git = ["git", "-c", "user.name=t", "-c", "user.email=t@example.org"]
    subprocess.run([*git, "init", "-q"], cwd=tmp_path, check=True)
    subprocess.run([*git, "add", "plan.yaml"], cwd=tmp_path, check=True)
    subprocess.run([*git, "commit", "-qm", "seed"], cwd=tmp_path, check=True)
    assert (
        plancal("skip", "plan.yaml", "lagesbild", "2023-03-07", "--yes", cwd=tmp_path).returncode
        == 0
    )
    run = subprocess.run(
        [
            "bash",
            "-c",
            f'"{sys.executable}" -m plancal.cli diff '
            "<(git show HEAD:plan.yaml) plan.yaml --lang en --verbose",
        ],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    assert "skipped   Tue 2023-03-07 10:00  – cancelled in the plan" in run.stdout
    assert "SEQUENCE+1 lagesbild@soderhamn-2022-2023.plancal" in run.stdout
    same = plancal("diff", str(SEED), str(SEED), "--lang", "sv")
    assert same.stdout.strip().endswith("Inga ändringar i kalendrarna.")
