"""The reconcile algorithm on its own: pure values in, changes out."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from plancal.calendars.sync import Held, Meeting, desired, messages, reconcile, restores_apart

ME = "samordnare@soderhamn.example"
KEY = "beredningsgrupp@soderhamn-2022-2023.plancal"


@pytest.fixture
def want(seed_schedule: Any) -> dict[str, Meeting]:
    return desired(seed_schedule, ME)


def held_as(want: dict[str, Meeting], **changes: Any) -> dict[str, Held]:
    """What a target would hold after a faithful push of ``want``."""
    out = {}
    for key, m in want.items():
        out[key] = Held(
            key,
            m.activity.id,
            m.digest,
            m.attendees,
            m.cancelled,
            dict(m.moved),
            m.recurring,
            m.title,
            m.timing,
        )
    for key, value in changes.items():
        out[key.replace("_", "-") + "@soderhamn-2022-2023.plancal"] = value
    return out


def test_a_faithful_target_needs_nothing(want: dict[str, Meeting]) -> None:
    assert reconcile(want, held_as(want)) == []


def test_an_empty_target_gets_every_meeting_once_with_invitations(want: dict[str, Meeting]) -> None:
    changes = reconcile(want, {})
    assert sorted(c.key for c in changes) == sorted(want)
    assert {c.kind for c in changes} == {"create-series", "create-meeting"}
    assert all(c.invite == want[c.key].attendees and not c.update for c in changes)


def test_the_organizer_is_never_its_own_attendee(seed_schedule: Any) -> None:
    me = "kommunpolis@polisen.example"
    assert all(me not in m.attendees for m in desired(seed_schedule, me.upper()).values())


def test_an_unannounced_item_is_finished_as_a_create(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    held[KEY] = replace(held[KEY], digest=None, cancelled=frozenset())
    [change] = reconcile(want, held)
    assert change.kind == "create-series" and change.held is not None
    assert change.invite == want[KEY].attendees


def test_removing_an_unannounced_item_tells_no_one(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    extra = Held("x@soderhamn-2022-2023.plancal", "x", None, frozenset({"a@b.example"}))
    held[extra.key] = extra
    [change] = reconcile(want, held)
    assert change.kind == "cancel-meeting" and change.recipients == 0


def test_an_added_attendee_is_the_only_one_told(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    held[KEY] = replace(held[KEY], attendees=held[KEY].attendees - {"kommunpolis@polisen.example"})
    [change] = reconcile(want, held)
    assert change.kind == "update-series"
    assert change.invite == {"kommunpolis@polisen.example"} and not change.update


def test_a_changed_timing_rewrites_without_occurrence_changes(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    held[KEY] = replace(held[KEY], digest="old", timing="old", cancelled=frozenset())
    [change] = reconcile(want, held)
    assert change.kind == "update-series" and change.reschedules
    assert change.update == want[KEY].attendees


def test_occurrence_level_changes(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    [july] = want[KEY].cancelled
    october = datetime(2022, 10, 11, 7, 0, tzinfo=UTC)
    held[KEY] = replace(
        held[KEY],
        cancelled=frozenset({october}),
        moved={datetime(2022, 11, 8, 8, 0, tzinfo=UTC): datetime(2022, 11, 9, 8, 0, tzinfo=UTC)},
    )
    changes = reconcile(want, held)
    assert [(c.kind, c.occurrence) for c in changes] == [
        ("cancel-occurrence", july),
        ("restore-occurrence", october),
        ("move-occurrence", datetime(2022, 11, 8, 8, 0, tzinfo=UTC)),
    ]
    moved = changes[2]
    assert moved.start == moved.occurrence  # back to where the rule puts it
    # A restored occurrence has the series announced anew, its exceptions in place: one
    # update for the series and one per moved occurrence, and no separate cancellation.
    totals = messages(changes)
    copies = 1 + len(want[KEY].moved)
    assert totals.updates == dict.fromkeys(want[KEY].attendees, copies)
    assert totals.cancellations == {}
    # Without the restore, each occurrence change is one message to everyone.
    plain = messages([c for c in changes if c.kind != "restore-occurrence"])
    assert plain.updates == plain.cancellations == dict.fromkeys(want[KEY].attendees, 1)


def test_a_restored_occurrence_goes_apart_only_where_that_sends_fewer(
    want: dict[str, Meeting],
) -> None:
    """Exchange counts: announcing the series anew is its master plus each wanted exception;
    apart, the restored occurrence is one invitation (and a content update in the same round
    would reach the master, its exceptions and the single meeting)."""
    [july] = want[KEY].cancelled
    october = datetime(2022, 10, 11, 7, 0, tzinfo=UTC)
    nov8 = datetime(2022, 11, 8, 8, 0, tzinfo=UTC)
    want = {KEY: replace(want[KEY], moved={nov8: nov8 + timedelta(days=1)})}
    held = held_as(want)
    held[KEY] = replace(held[KEY], cancelled=frozenset({july, october}))
    changes = reconcile(want, held)
    assert [c.kind for c in changes] == ["restore-occurrence"]
    people = want[KEY].attendees
    assert restores_apart(changes)  # one invitation against two updates each
    apart = messages(changes, apart=True)
    assert apart.invitations == dict.fromkeys(people, 1) and not apart.updates
    assert messages(changes).updates == dict.fromkeys(people, 2)
    # With no exception, a rewrite is one update: a tie, and the series stays one item.
    plain = {KEY: replace(want[KEY], moved={})}
    held[KEY] = replace(held[KEY], moved={}, modified=frozenset())
    tie = reconcile(plain, held)
    assert not restores_apart(tie)
    assert messages(tie, apart=True).updates == dict.fromkeys(people, 1)
    # Held apart, it reads back as the series' occurrence; a later content update reaches it.
    held[KEY] = replace(held_as(want)[KEY], singles={october: october}, digest="old")
    [update] = reconcile(want, held)
    assert update.kind == "update-series"
    # the master, its moved occurrence and the single meeting
    assert messages([update], apart=True).updates == dict.fromkeys(people, 3)


def test_a_series_that_became_one_meeting_is_replaced(want: dict[str, Meeting]) -> None:
    held = held_as(want)
    held[KEY] = replace(held[KEY], recurring=False)
    kinds = [c.kind for c in reconcile(want, held)]
    assert kinds == ["cancel-meeting", "create-series"]
