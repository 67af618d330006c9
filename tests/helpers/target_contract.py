"""What every push target must do: Exchange today; Graph, CalDAV and iMIP later.

A target's test module subclasses ``TargetContract`` and says how to push into a fresh target,
what it shows, and how to put an item there that plancal did not make.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers import SEED


def edited_seed(tmp_path: Path) -> Any:
    from plancal.app.check import load_schedule

    text = SEED.read_text(encoding="utf-8").replace(
        '    time: "09.00"\n    organizer: trygghetssamordnare\n',
        '    time: "09.00"\n    organizer: trygghetssamordnare\n    exceptions:\n'
        "      cancelled: [2023-03-14]\n      moved: {2022-11-08: 2022-11-09 10:00}\n",
        1,
    )
    path = tmp_path / "edited.yaml"
    path.write_text(text, encoding="utf-8")
    return load_schedule(path)[0]


def expected(schedule: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (o.activity.title, o.start.isoformat(), o.end.isoformat()) for o in schedule.occurrences()
    )


class TargetContract:
    def push(self, schedule: Any) -> Any:
        raise NotImplementedError

    def shown(self, schedule: Any) -> list[tuple[str, str, str]]:
        """Every occurrence the target shows: (title, local start, local end), sorted."""
        raise NotImplementedError

    def add_foreign(self) -> Any:
        raise NotImplementedError

    def foreign_untouched(self, token: Any) -> bool:
        raise NotImplementedError

    def test_holds_the_plan(self, seed_schedule: Any) -> None:
        self.push(seed_schedule)
        assert self.shown(seed_schedule) == expected(seed_schedule)

    def test_second_push_has_nothing_to_do(self, seed_schedule: Any) -> None:
        self.push(seed_schedule)
        again = self.push(seed_schedule)
        assert again.changes == [] and again.rounds == 0

    def test_follows_an_edited_plan_and_back(self, seed_schedule: Any, tmp_path: Path) -> None:
        edited = edited_seed(tmp_path)
        self.push(seed_schedule)
        assert {c.kind for c in self.push(edited).changes} == {
            "cancel-occurrence",
            "move-occurrence",
        }
        assert self.shown(edited) == expected(edited)
        self.push(seed_schedule)
        assert self.shown(seed_schedule) == expected(seed_schedule)

    def test_leaves_what_it_did_not_make(self, seed_schedule: Any, tmp_path: Path) -> None:
        token = self.add_foreign()
        self.push(seed_schedule)
        self.push(edited_seed(tmp_path))
        assert self.foreign_untouched(token)
