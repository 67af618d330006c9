"""Schedule diffs: occurrences are known by the slot the rule gave them, deadlines by UID."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from plancal.app.impact import assess
from plancal.rules.diff import diff, kept_in_break
from tests.helpers.plans import editor


def test_the_same_plan_has_no_changes() -> None:
    old = editor().old
    again = editor().old
    assert diff(old, again).empty
    assert assess(old, again).empty


def test_a_move_outlook_forbids_is_still_a_move_of_the_same_occurrence() -> None:
    # Past the next Monday: Outlook refuses that override, so the compiler writes an EXDATE and
    # a separate event; for people it is the same meeting, moved.
    ed = editor()
    e = ed.move("avstamning-polis-ifo", date(2023, 3, 13), datetime(2023, 3, 22, 14, 0))
    tz = e.schedule.plan.tz
    changes = diff(ed.old, e.schedule).occurrences
    assert [(c.kind, c.before, c.after, c.key) for c in changes] == [
        (
            "moved",
            datetime(2023, 3, 13, 14, tzinfo=tz),
            datetime(2023, 3, 22, 14, tzinfo=tz),
            ("avstamning-polis-ifo@soderhamn-2022-2023.plancal", "2023-03-13T14:00:00"),
        )
    ]
    events = {(x.uid, x.action) for x in assess(ed.old, e.schedule).events}
    assert events == {
        ("avstamning-polis-ifo@soderhamn-2022-2023.plancal", "updated"),
        ("avstamning-polis-ifo.moved-20230313@soderhamn-2022-2023.plancal", "new"),
    }


def test_moving_a_meeting_moves_the_deadlines_that_follow_it() -> None:
    ed = editor()
    first = ed.old.occurrences(activities=["medborgardialoger"])[0]
    e = ed.move("medborgardialoger", first.day, date(2022, 9, 21))
    moved = [(d.kind, d.followup.id, d.before, d.after) for d in diff(ed.old, e.schedule).deadlines]
    # "14 dagar efter varje tillfälle": due two weeks after the meeting, wherever it is.
    assert moved == [
        ("moved", "medborgardialog-uppfoljning", first.day + timedelta(days=14), date(2022, 10, 5))
    ]


def test_kept_lists_what_continues_through_the_break() -> None:
    e = editor().add_break("Sommaruppehåll 2023", date(2023, 6, 26), date(2023, 8, 6))
    kept = kept_in_break(e.schedule, "sommaruppehall-2023")
    assert {c.activity.id for c in kept} == {"avstamning-polis-ifo", "avstamning-polis-faltare"}
    assert sorted({c.day for c in kept}) == [
        date(2023, 6, 26),
        date(2023, 7, 3),
        date(2023, 7, 10),
        date(2023, 7, 17),
        date(2023, 7, 24),
        date(2023, 7, 31),
    ]
    assert all(c.before == c.after for c in kept)
