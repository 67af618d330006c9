"""A change reaches only the meetings it changes: ordinary edits of the seed plan keep the
identity (UID, RECURRENCE-ID) and the SEQUENCE of every meeting they leave alone.

Each test runs plancal as a user does: the agenda (``--format json``) before and after the
edit, and ``compile`` into one state store, whose SEQUENCE per event is read back.
"""

from __future__ import annotations

import json
import shutil
from datetime import date, datetime
from pathlib import Path
from typing import Any

from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.cli import plancal

PLAN_ID = "soderhamn-2022-2023"
Identity = tuple[str, str | None]  # (uid, recurrence_id) as the agenda prints them
Content = tuple[str, str, str, str, str | None, tuple[str, ...]]  # what a person sees


def seed_copy(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    shutil.copyfile(SEED, plan)
    return plan


def run(*args: str) -> str:
    done = plancal(*args)
    assert done.returncode == 0, done.stderr
    return done.stdout


def agenda(plan: Path) -> dict[Content, Identity]:
    """Every meeting by what a person sees of it → the identity calendars know it by."""
    out: dict[Content, Identity] = {}
    for line in run("agenda", str(plan), "--kind", "meetings", "--format", "json").splitlines():
        row = json.loads(line)
        if row["kind"] != "meeting":
            continue
        content = (
            row["activity"],
            row["title"],
            row["start"],
            row["end"],
            row["location"],
            tuple(row["attendees"]),
        )
        assert content not in out, content
        out[content] = (row["uid"], row["recurrence_id"])
    return out


def ics_rid(agenda_rid: str | None) -> str:
    """The agenda's RECURRENCE-ID (ISO) as the store keys it (the iCalendar value)."""
    if agenda_rid is None:
        return ""
    value = datetime.fromisoformat(agenda_rid)
    if len(agenda_rid) == 10:
        return date.fromisoformat(agenda_rid).strftime("%Y%m%d")
    return value.replace(tzinfo=None).strftime("%Y%m%dT%H%M%S")


def sequences(plan: Path, out: Path, db: Path) -> dict[tuple[str, str], int]:
    run("compile", str(plan), "--out", str(out), "--db", str(db))
    with Store(str(db)) as store:
        return {k: r.sequence for k, r in store.revisions(PLAN_ID).items()}


def preview(*args: str) -> dict[str, Any]:
    out: dict[str, Any] = json.loads(run(*args, "--yes", "--format", "json", "--lang", "en"))
    return out


class Snapshot:
    def __init__(self, plan: Path, tmp_path: Path, name: str):
        self.meetings = agenda(plan)
        self.sequence = sequences(plan, tmp_path / name, tmp_path / "state.sqlite")


def assert_unchanged_keep_identity(
    before: Snapshot, after: Snapshot, changed: dict[str, Any] | None = None
) -> set[Content]:
    """Every meeting seen unchanged keeps UID, RECURRENCE-ID and SEQUENCE, and the preview
    (if given) lists none of them as changed. Returns the unchanged meetings."""
    same = before.meetings.keys() & after.meetings.keys()
    assert same
    moved_identity = {c: (before.meetings[c], after.meetings[c]) for c in same}
    moved_identity = {c: ids for c, ids in moved_identity.items() if ids[0] != ids[1]}
    assert not moved_identity, sorted(moved_identity.items())[:5]
    # Own events (single meetings, moved occurrences) keep their SEQUENCE; occurrences that
    # are plain instances of a series follow its master, which rises only if the series'
    # rule or exceptions changed (checked in the tests below where it must not).
    for content in same:
        uid, rid = after.meetings[content]
        key = (uid, ics_rid(rid))
        if key in after.sequence:
            assert after.sequence[key] == before.sequence[key], (content, key)
    if changed is not None:
        touched = {
            (o["uid"], o["recurrence_id"])
            for a in changed["activities"]
            for o in a["occurrences"]
            if o["kind"] != "kept"
        }
        for content in same:
            uid, rid = after.meetings[content]
            naive = None if rid is None else rid[:19]
            assert (uid, naive) not in touched, content
    return same


def masters_changed(before: Snapshot, after: Snapshot) -> set[str]:
    return {
        uid
        for (uid, rid), seq in after.sequence.items()
        if rid == "" and (uid, rid) in before.sequence and before.sequence[(uid, rid)] != seq
    }


def test_removing_the_summer_break_keeps_every_other_meeting(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    changed = preview("break", "remove", str(plan), "sommar")
    after = Snapshot(plan, tmp_path, "after")
    same = assert_unchanged_keep_identity(before, after, changed)
    assert len(same) == len(before.meetings)  # nothing was lost
    new = after.meetings.keys() - before.meetings.keys()
    assert new and all(c[2].startswith("2023-07") for c in new), sorted(new)
    assert changed["totals"] | {} == changed["totals"]
    assert changed["totals"]["skipped"] == 0 and changed["totals"]["moved"] == 0
    assert changed["totals"]["added"] == len(new)
    # Only the series that gain their July meeting change (their EXDATE goes).
    assert masters_changed(before, after) == {f"{a}@{PLAN_ID}.plancal" for a in {c[0] for c in new}}


def test_adding_a_june_break_keeps_every_meeting_outside_it(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    changed = preview("break", "add", str(plan), "Juniuppehåll", "2023-06-01", "2023-06-30")
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(before, after, changed)
    gone = before.meetings.keys() - after.meetings.keys()
    # Only meetings in June are touched; weekly meetings continue through breaks.
    assert gone and all(c[2].startswith("2023-06") for c in gone), sorted(gone)


def test_skipping_a_monday_and_adding_it_back(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    changed = preview("skip", str(plan), "avstamning-polis-ifo", "2023-03-13")
    middle = Snapshot(plan, tmp_path, "middle")
    assert len(assert_unchanged_keep_identity(before, middle, changed)) == len(before.meetings) - 1
    changed = preview("add", str(plan), "avstamning-polis-ifo", "2023-03-13")
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(middle, after, changed)
    assert after.meetings == before.meetings
    assert plan.read_bytes() == SEED.read_bytes()


def test_moving_a_meeting_and_moving_it_back(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    changed = preview(
        "move", str(plan), "beredningsgrupp", "2023-03-14", "--to", "2023-03-16 09:00"
    )
    middle = Snapshot(plan, tmp_path, "middle")
    assert len(assert_unchanged_keep_identity(before, middle, changed)) == len(before.meetings) - 1
    assert not masters_changed(before, middle)  # a moved occurrence is its own event
    changed = preview(
        "move", str(plan), "beredningsgrupp", "2023-03-16", "--to", "2023-03-14 09:00"
    )
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(middle, after, changed)
    assert after.meetings == before.meetings
    assert plan.read_bytes() == SEED.read_bytes()


def test_eleven_a_year_to_ten_cancels_exactly_one_meeting(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    text = plan.read_text(encoding="utf-8")
    at = text.index("  - id: lagesbild\n")
    plan.write_text(
        text[:at] + text[at:].replace("when: 11 ggr/år", "when: 10 ggr/år", 1), encoding="utf-8"
    )
    changed = json.loads(run("diff", str(SEED), str(plan), "--format", "json"))
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(before, after, changed)
    gone = before.meetings.keys() - after.meetings.keys()
    assert [c[0] for c in gone] == ["lagesbild"]
    assert not after.meetings.keys() - before.meetings.keys()
    assert changed["totals"]["skipped"] == 1
    assert {e["action"] for e in changed["events"]} == {"updated"}  # the master's EXDATE


def test_changing_a_holiday_policy_touches_only_the_holidays(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    text = plan.read_text(encoding="utf-8")
    old = "    holidays: next\n    breaks: continue                 # ungdomar"
    assert old in text
    plan.write_text(text.replace(old, old.replace("next", "skip"), 1), encoding="utf-8")
    changed = json.loads(run("diff", str(SEED), str(plan), "--format", "json"))
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(before, after, changed)
    gone = before.meetings.keys() - after.meetings.keys()
    assert gone and {c[0] for c in gone} == {"avstamning-polis-ifo"}
    assert not after.meetings.keys() - before.meetings.keys()
    # The meetings that a holiday had moved are gone; every other one is where it was.
    assert all(before.meetings[c][1] is not None for c in gone)


def _edited_copy(tmp_path: Path, activity: str, old: str, new: str) -> Path:
    plan = seed_copy(tmp_path)
    text = plan.read_text(encoding="utf-8")
    at = text.index(f"  - id: {activity}\n")
    assert old in text[at:]
    plan.write_text(text[:at] + text[at:].replace(old, new, 1), encoding="utf-8")
    return plan


def test_a_change_of_shape_is_named_in_the_preview_as_resending(tmp_path: Path) -> None:
    """5 a year are single events, 7 a year one series: crossing over re-sends them all."""
    plan = _edited_copy(tmp_path, "bra-styrgrupp", "when: 5 ggr/år", "when: 7 ggr/år")
    changed = json.loads(run("diff", str(SEED), str(plan), "--format", "json", "--lang", "en"))
    assert changed["reshaped"] == ["bra-styrgrupp"]
    text = run("diff", str(SEED), str(plan), "--lang", "en")
    assert (
        "Lokalt BRÅ, styrgrupp (bra-styrgrupp) changes shape (single events → one recurring "
        "series): every one of its meetings gets a new identity"
    ) in text
    # An edit that keeps the shape names none.
    (tmp_path / "b").mkdir()
    same = _edited_copy(tmp_path / "b", "lagesbild", "when: 11 ggr/år", "when: 10 ggr/år")
    assert json.loads(run("diff", str(SEED), str(same), "--format", "json"))["reshaped"] == []


def test_validate_warns_when_n_a_year_cannot_be_kept(tmp_path: Path) -> None:
    plan = seed_copy(tmp_path)
    text = plan.read_text(encoding="utf-8")
    plan.write_text(
        text.replace('    from: "07-01"\n    to: "07-31"', '    from: "03-01"\n    to: "11-30"', 1),
        encoding="utf-8",
    )
    done = plancal("validate", str(plan), "--lang", "en")
    assert "Lokalt BRÅ, styrgrupp: 3 of 5 meetings in 2023" in done.stdout + done.stderr


def test_a_break_touches_only_what_lies_inside_it(tmp_path: Path) -> None:
    """A break from 2023-06-12 leaves the lägesbild meeting of 2023-06-07 where it is."""
    plan = seed_copy(tmp_path)
    before = Snapshot(plan, tmp_path, "before")
    changed = preview("break", "add", str(plan), "Sommar 2023", "2023-06-12", "2023-08-13")
    after = Snapshot(plan, tmp_path, "after")
    assert_unchanged_keep_identity(before, after, changed)
    lagesbild = [c for c in after.meetings if c[0] == "lagesbild" and c[2].startswith("2023-06")]
    assert [c[2][:10] for c in lagesbild] == ["2023-06-07"]
    for c in before.meetings.keys() - after.meetings.keys():
        assert "2023-06-12" <= c[2][:10] <= "2023-08-13", c


def test_regression_before_never_double_books_a_person(tmp_path: Path) -> None:
    """--policy before used to put Trygg i centrum and BRÅ styrgrupp on Thursday 2023-06-22
    at 13:00 with the same people; a moved meeting now takes the nearest day they are free."""
    plan = seed_copy(tmp_path)
    args = ("break", "add", str(plan), "Sommar 2023", "2023-06-26", "2023-08-06")
    run(*args, "--policy", "before", "--yes")
    rows = [
        json.loads(line)
        for line in run("agenda", str(plan), "--kind", "meetings", "--format", "json").splitlines()
    ]
    timed = [r for r in rows if r["kind"] == "meeting" and "T" in (r["start"] or "")]
    moved = [r for r in timed if "Sommar 2023" in (r["reason"] or "")]
    assert len(moved) >= 2
    for m in moved:
        for other in timed:
            if other is m or not set(m["attendees"]) & set(other["attendees"]):
                continue
            overlap = other["start"] < m["end"] and m["start"] < other["end"]
            assert not overlap, (m["activity"], m["start"], other["activity"], other["start"])
