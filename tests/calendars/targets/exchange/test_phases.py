"""The Exchange push's phases as a value: planned from changes, no server."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from plancal.calendars.sync import Held, desired, reconcile
from plancal.calendars.targets.exchange.phases import PENDING, plan_phases, waves
from tests.calendars.targets.exchange.test_exchange_rules import weekly
from tests.helpers.ews import ORGANIZER

KEY = "serie@liten.plancal"


def held_of(schedule: Any, announced: bool = True) -> dict[str, Held]:
    """What a calendar holding this plan exactly would read back."""
    out = {}
    for key, m in desired(schedule, ORGANIZER).items():
        out[key] = Held(
            key,
            m.activity.id,
            m.digest if announced else None,
            m.attendees,
            m.cancelled,
            dict(m.moved),
            m.recurring,
            m.title,
            m.timing,
            frozenset(m.moved),
        )
    return out


def test_a_new_series_with_exceptions_is_written_silently_then_announced(tmp_path: Path) -> None:
    schedule = weekly(tmp_path, "a.yaml", "moved: {2022-11-15: 2022-11-16 09:00}")
    want = desired(schedule, ORGANIZER)
    phases = plan_phases(reconcile(want, {}), {})
    assert [m.key for m in phases.create_silent] == [KEY]
    assert [m.key for m in phases.announce] == [KEY]
    assert [m.key for m in phases.create_announced] == ["kvar@liten.plancal"]
    assert phases.size() == 4  # two creates, one exception, one announcement


def test_a_restored_occurrence_rewrites_the_series_pending_its_announcement(
    tmp_path: Path,
) -> None:
    before = weekly(tmp_path, "a.yaml", "cancelled: [2022-11-15]")
    after = weekly(tmp_path, "b.yaml")
    held = held_of(before)
    phases = plan_phases(reconcile(desired(after, ORGANIZER), held), held)
    assert [(m.key, digest) for m, digest in phases.resets] == [(KEY, PENDING)]
    assert phases.occurrence_moves == [] and phases.updates_all == []


def test_moves_are_ordered_into_waves_that_never_cross_a_neighbour(tmp_path: Path) -> None:
    before = weekly(tmp_path, "a.yaml", "moved: {2022-11-15: 2022-11-09 09:00}")
    after = weekly(tmp_path, "b.yaml", "moved: {2022-11-08: 2022-11-10 09:00}")
    held = held_of(before)
    phases = plan_phases(reconcile(desired(after, ORGANIZER), held), held)
    rids = [o.rid for o in phases.occurrence_moves]
    assert rids == [datetime(2022, 11, 8, 8, tzinfo=UTC), datetime(2022, 11, 15, 8, tzinfo=UTC)]
    ordered = waves(phases.occurrence_moves, held, after.plan.tz)
    # Tue 15 goes back first; only then may Tue 8 move to Thu 10.
    assert [[o.rid.day for o in wave] for wave in ordered] == [[15], [8]]
