"""Rescheduling edits on the seed plan: only the intended nodes change, the rest byte for byte.

Each expected text is the seed's own text with one anchor replaced, so an assertion of
equality proves that every other byte (comments, quotes, flow lists, blank lines) is kept.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import pytest

from plancal.errors import PlanError
from plancal.rules.compile import Schedule
from plancal.rules.diff import diff
from plancal.rules.edit import Edited, Editor, slug
from plancal.rules.plan import loads
from tests.helpers import FIXTURES, SEED, timed
from tests.helpers.plans import editor

SEED_TEXT = SEED.read_text(encoding="utf-8")
EDIT = FIXTURES / "plans" / "edit"

# The end of the first activity: its break policy, then its follow-ups.
IFO_ANCHOR = (
    "    breaks: continue                 # ungdomar i kriminalitet har inget "
    "sommaruppehåll\n    followups:\n      - id: ifo-rapport-bra-2022\n"
)


def replaced(old: str, new: str, text: str = SEED_TEXT) -> str:
    assert text.count(old) == 1, old
    return text.replace(old, new)


def ifo_with(block: str) -> str:
    return replaced(IFO_ANCHOR, IFO_ANCHOR.replace("    followups:\n", block + "    followups:\n"))


def occurrences(s: Schedule, activity: str) -> list[datetime | date]:
    return [o.start for o in s.occurrences(activities=[activity])]


def refused(call: Callable[[], object]) -> str:
    with pytest.raises(PlanError) as e:
        call()
    return e.value.render("en")


# --- round trips on the seed ---------------------------------------------------------------


def test_skip_a_weekly_meeting_adds_one_cancelled_date() -> None:
    e = editor().skip("avstamning-polis-ifo", date(2023, 3, 13))
    assert e.text == ifo_with("    exceptions:\n      cancelled:\n        - 2023-03-13\n")
    changes = diff(editor().old, e.schedule).occurrences
    assert [(c.kind, c.before) for c in changes] == [
        ("skipped", datetime(2023, 3, 13, 14, 0, tzinfo=e.schedule.plan.tz))
    ]


def test_skip_by_the_day_it_happens_names_the_day_the_rule_put_it() -> None:
    # Annandag jul 2022 moves the Monday meeting to Tuesday 27 December; skipping "27
    # December" cancels the occurrence of the 26th, which is how the plan names it.
    e = editor().skip("avstamning-polis-ifo", date(2022, 12, 27))
    assert e.text == ifo_with("    exceptions:\n      cancelled:\n        - 2022-12-26\n")
    assert date(2022, 12, 27) not in [
        o.day for o in e.schedule.occurrences(activities=["avstamning-polis-ifo"])
    ]


def test_skip_a_pinned_meeting_unpins_it_and_cancels_its_slot() -> None:
    e = editor().skip("bra-styrgrupp", date(2023, 2, 6))
    expected = replaced(
        "    pinned: [2022-10-24 09:00, 2023-02-06 09:00]\n    organizer: trygghetssamordnare\n"
        "    attendees: [ks-ordforande, bra-styrgrupp, kommunpolis, trygghetssamordnare]\n",
        "    pinned: [2022-10-24 09:00]\n    organizer: trygghetssamordnare\n"
        "    attendees: [ks-ordforande, bra-styrgrupp, kommunpolis, trygghetssamordnare]\n"
        "    exceptions:\n      cancelled:\n        - 2023-02-27\n",
    )
    assert e.text == expected
    before = occurrences(editor().old, "bra-styrgrupp")
    after = occurrences(e.schedule, "bra-styrgrupp")
    assert [x for x in before if x not in after] == [
        datetime(2023, 2, 6, 9, 0, tzinfo=e.schedule.plan.tz)
    ]
    assert len(after) == len(before) - 1


def test_move_writes_one_moved_entry() -> None:
    e = editor().move("avstamning-polis-ifo", date(2023, 3, 13), datetime(2023, 3, 15, 14, 0))
    assert e.text == ifo_with(
        "    exceptions:\n      moved:\n        2023-03-13: 2023-03-15 14:00\n"
    )


def test_move_a_pinned_meeting_moves_the_pin() -> None:
    e = editor().move("bra-styrgrupp", date(2023, 2, 6), datetime(2023, 2, 13, 9, 0))
    assert e.text == replaced(
        "    pinned: [2022-10-24 09:00, 2023-02-06 09:00]\n",
        "    pinned: [2022-10-24 09:00, 2023-02-13 09:00]\n",
    )


def test_move_with_a_date_alone_keeps_the_time() -> None:
    e = editor().move("avstamning-polis-ifo", date(2023, 3, 13), date(2023, 3, 16))
    assert "        2023-03-13: 2023-03-16 14:00\n" in e.text


def test_an_edit_of_the_last_activity_stays_above_the_comment_that_follows_it() -> None:
    # ruamel hangs the comment before the plan's follow-ups on the last activity's last key;
    # the new key must go above it, not below.
    e = editor().move("lagesbild-allmanheten", date(2023, 3, 3), date(2023, 3, 6))
    assert e.text == replaced(
        '    reminder: false\n\n# "Utvärdering',
        "    reminder: false\n    exceptions:\n      moved:\n        2023-03-03: 2023-03-06\n"
        '\n# "Utvärdering',
    )


def test_add_to_an_activity_without_fixed_time() -> None:
    e = editor().add("trygghetsvandringar", datetime(2023, 5, 10, 18, 0))
    assert e.text == replaced(
        "    audience: public\n    followups:\n      - id: trygghetsvandring-uppfoljning\n",
        "    audience: public\n    exceptions:\n      added:\n        - 2023-05-10 18:00\n"
        "    followups:\n      - id: trygghetsvandring-uppfoljning\n",
    )
    assert occurrences(e.schedule, "trygghetsvandringar") == [
        datetime(2023, 5, 10, 18, 0, tzinfo=e.schedule.plan.tz)
    ]


def test_cancel_from_a_date_sets_until_before_the_first_key_that_follows_it() -> None:
    e = editor().cancel_from("trygg-i-centrum", date(2023, 10, 1))
    assert e.text == replaced(
        '    time: "13.00"\n    organizer: drogsamordnare\n',
        '    time: "13.00"\n    until: 2023-09-30\n    organizer: drogsamordnare\n',
    )
    left = occurrences(e.schedule, "trygg-i-centrum")
    assert left == [
        x
        for x in occurrences(editor().old, "trygg-i-centrum")
        if timed(x).date() < date(2023, 10, 1)
    ]


def test_ending_n_a_year_early_keeps_the_meetings_before_it() -> None:
    # "Minst 2 gånger/år" ending in April: an until would spread this year's meetings over
    # the three months left and move the March one; so the October meeting is cancelled.
    ed = editor()
    e = ed.cancel_from("narkotikainsatser", date(2023, 4, 1))
    assert e.text == replaced(
        "    reminder: 60\n    followups:\n      - id: narkotikainsats-rapport\n",
        "    reminder: 60\n    exceptions:\n      cancelled:\n        - 2023-10-19\n"
        "    followups:\n      - id: narkotikainsats-rapport\n",
    )
    before = occurrences(ed.old, "narkotikainsatser")
    assert occurrences(e.schedule, "narkotikainsatser") == [
        x for x in before if timed(x).date() < date(2023, 4, 1)
    ]
    assert len(before) == 3


def test_add_a_break_appends_it_to_the_breaks() -> None:
    e = editor().add_break("Sommaruppehåll 2023", date(2023, 6, 26), date(2023, 8, 6))
    assert e.break_id == "sommaruppehall-2023"
    assert e.text == replaced(
        '    to: "07-31"\n\nroles:',
        '    to: "07-31"\n  - id: sommaruppehall-2023\n    name: Sommaruppehåll 2023\n'
        "    from: 2023-06-26\n    to: 2023-08-06\n\nroles:",
    )


def test_a_yearly_break_is_written_as_quoted_month_days_with_its_policy() -> None:
    e = editor().add_break("Jullov", (12, 22), (1, 6), "before")
    assert e.text == replaced(
        '    to: "07-31"\n\nroles:',
        '    to: "07-31"\n  - id: jullov\n    name: Jullov\n    from: "12-22"\n'
        '    to: "01-06"\n    policy: before\n\nroles:',
    )


def test_remove_a_break_removes_the_list_it_leaves_empty() -> None:
    e = editor().remove_break("sommar")
    assert e.text == replaced(
        'breaks:\n  - id: sommar\n    name: Sommaruppehåll\n    from: "07-01"\n    to: "07-31"\n\n',
        "\n",
    )


def test_edits_build_on_each_other_in_sorted_order() -> None:
    first = editor().skip("avstamning-polis-ifo", date(2023, 3, 20))
    second = editor(first.text).skip("avstamning-polis-ifo", date(2023, 3, 13))
    assert second.text == ifo_with(
        "    exceptions:\n      cancelled:\n        - 2023-03-13\n        - 2023-03-20\n"
    )
    # Adding a skipped day back restores the same occurrence, and the empty block goes.
    third = editor(second.text).add("avstamning-polis-ifo", date(2023, 3, 20))
    assert third.text == first.text.replace("2023-03-20", "2023-03-13")
    fourth = editor(third.text).add("avstamning-polis-ifo", date(2023, 3, 13))
    assert fourth.text == SEED_TEXT


def test_adding_back_at_another_time_restores_and_moves() -> None:
    skipped = editor().skip("avstamning-polis-ifo", date(2023, 3, 13))
    back = editor(skipped.text).add("avstamning-polis-ifo", datetime(2023, 3, 13, 10, 0))
    assert back.text == ifo_with(
        "    exceptions:\n      moved:\n        2023-03-13: 2023-03-13 10:00\n"
    )


def test_an_added_occurrence_can_be_moved_and_skipped() -> None:
    added = editor().add("avstamning-polis-ifo", datetime(2023, 3, 15, 9, 0))
    moved = editor(added.text).move(
        "avstamning-polis-ifo", date(2023, 3, 15), datetime(2023, 3, 16, 9, 0)
    )
    assert moved.text == added.text.replace("- 2023-03-15 09:00", "- 2023-03-16 09:00")
    gone = editor(moved.text).skip("avstamning-polis-ifo", date(2023, 3, 16))
    assert gone.text == SEED_TEXT


# --- other layouts ---------------------------------------------------------------------------


def test_flow_style_exceptions_stay_flow_style() -> None:
    text = (EDIT / "flow-style.yaml").read_text(encoding="utf-8")
    line = "  exceptions: {moved: {2023-01-16: 2023-01-17 14:00}, cancelled: [2023-02-20]}\n"
    e = editor(text).skip("veckomote", date(2023, 3, 13))
    assert e.text == replaced(line, line.replace("[2023-02-20]", "[2023-02-20, 2023-03-13]"), text)
    e = editor(text).skip("veckomote", date(2023, 1, 17))  # the moved one
    assert e.text == replaced(line, "  exceptions: {cancelled: [2023-01-16, 2023-02-20]}\n", text)


def test_a_new_break_follows_its_siblings_flow_style() -> None:
    text = (EDIT / "flow-style.yaml").read_text(encoding="utf-8")
    e = editor(text).add_break("Jul", date(2023, 12, 20), date(2023, 12, 31), "skip")
    old = '- {id: sommar, name: Sommaruppehåll, from: "07-01", to: "07-31"}   # MM-DD: every year\n'
    assert e.text == replaced(
        old, old + "- {id: jul, name: Jul, from: 2023-12-20, to: 2023-12-31, policy: skip}\n", text
    )


def test_removing_a_break_removes_the_policies_that_name_it() -> None:
    text = (EDIT / "flow-style.yaml").read_text(encoding="utf-8")
    e = editor(text).remove_break("sommar")
    expected = replaced(
        'breaks:\n- {id: sommar, name: Sommaruppehåll, from: "07-01", to: '
        '"07-31"}   # MM-DD: every year\n',
        "",
        text,
    )
    expected = replaced(
        "  breaks: {sommar: continue}       # the weekly meeting has no summer break\n",
        "",
        expected,
    )
    assert e.text == expected


def test_four_space_indentation_is_kept() -> None:
    text = (EDIT / "four-spaces.yaml").read_text(encoding="utf-8")
    e = editor(text).cancel_from("veckomote", date(2023, 2, 1))
    assert e.text == replaced(
        "        when: Varje måndag kl. 14.00\n",
        "        when: Varje måndag kl. 14.00\n        until: 2023-01-31\n",
        text,
    )


def test_lines_ruamel_would_reformat_stay_as_written() -> None:
    # The second list is indented differently from the first; ruamel writes one layout, so
    # its dump differs there, and the edit still leaves those lines alone.
    text = (EDIT / "four-spaces.yaml").read_text(encoding="utf-8")
    e = editor(text).skip("manadsmote", date(2023, 3, 2))
    assert e.text.startswith(text.rstrip("\n") + "\n")
    assert (
        e.text[len(text) :] == "        exceptions:\n            cancelled:\n"
        "                -   2023-03-02\n"
    )


# --- refusals ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "message", "hint"),
    [
        (
            lambda ed: ed.skip("avstamning-polis-if", date(2023, 3, 13)),
            "the plan has no activity 'avstamning-polis-if'",
            "did you mean 'avstamning-polis-ifo' (Avstämning polis och IFO",
        ),
        (
            lambda ed: ed.skip("avstamning-polis-ifo", date(2024, 3, 11)),
            "DATE 2024-03-11 is outside the plan period 2022-09-01 – 2023-12-31",
            "inside the period",
        ),
        (
            lambda ed: ed.skip("avstamning-polis-ifo", date(2023, 3, 14)),
            "'avstamning-polis-ifo' has no occurrence on 2023-03-14",
            "nearest occurrences: 2023-03-13, 2023-03-20",
        ),
        (
            lambda ed: ed.skip("lagesbild", date(2023, 7, 4)),
            "'lagesbild' on 2023-07-04 already does not take place: juli: not one of the 11 months a year",
            "`plancal add` puts it back",
        ),
        (
            lambda ed: ed.skip("radslag", date(2023, 3, 13)),
            "'radslag' has no dated occurrences",
            "`plancal add` adds one",
        ),
        (
            lambda ed: ed.move("avstamning-polis-ifo", date(2023, 3, 13), datetime(2023, 3, 20, 9)),
            "already has an occurrence on 2023-03-20: two would fall on one day",
            "skip that one first",
        ),
        (
            lambda ed: ed.move("avstamning-polis-ifo", date(2023, 3, 13), datetime(2024, 1, 8, 14)),
            "--to 2024-01-08 is outside the plan period",
            None,
        ),
        (
            lambda ed: ed.move("lagesbild-allmanheten", date(2023, 3, 3), datetime(2023, 3, 6, 9)),
            "'lagesbild-allmanheten' is an all-day activity",
            "write --to as a date",
        ),
        (
            lambda ed: ed.add("avstamning-polis-ifo", datetime(2023, 3, 13, 9, 0)),
            "already has an occurrence on 2023-03-13 (2023-03-13 14:00)",
            "move that one instead",
        ),
        (
            lambda ed: ed.add("trygghetsvandringar", datetime(2023, 3, 26, 2, 30)),
            "2023-03-26 02:30 does not exist in Europe/Stockholm",
            "outside 02:00–03:00",
        ),
        (
            lambda ed: ed.cancel_from("avstamning-polis-ifo", date(2022, 9, 1)),
            "starts on 2022-09-01: ending it from 2022-09-01 leaves nothing",
            "remove the activity from the plan instead",
        ),
        (
            lambda ed: ed.add_break("Fel", date(2023, 8, 6), date(2023, 6, 26)),
            "the break ends (2023-06-26) before it starts (2023-08-06)",
            None,
        ),
        (
            lambda ed: ed.add_break("Senare", date(2024, 6, 1), date(2024, 6, 30)),
            "2024-06-01 – 2024-06-30 is outside the plan period",
            None,
        ),
        (
            lambda ed: ed.add_break("Blandat", date(2023, 6, 1), (6, 30)),
            "FROM and TO must both be dates, or both MM-DD",
            None,
        ),
        (
            lambda ed: ed.add_break("Sommar", date(2023, 6, 1), date(2023, 6, 30), None, "sommar"),
            "the plan already has a break 'sommar'",
            "choose another --id",
        ),
        (lambda ed: ed.remove_break("vinter"), "the plan has no break 'vinter'", "breaks: sommar"),
    ],
)
def test_a_refused_edit_says_why(
    call: Callable[[Editor], object], message: str, hint: str | None
) -> None:
    ed = editor()
    text = refused(lambda: call(ed))
    assert message in text, text
    assert hint is None or hint in text, text
    assert text.startswith("seed.yaml:")  # which file, and where the plan says it


def test_an_automatic_break_id_never_collides() -> None:
    e = editor().add_break("Sommar", date(2023, 6, 1), date(2023, 6, 30))
    assert e.break_id == "sommar-2"
    assert slug("Sommaruppehåll 2023") == "sommaruppehall-2023"
    assert slug("!!!") == "uppehall"


def test_every_edit_is_proven_by_compiling_it(tmp_path: Path) -> None:
    e: Edited = editor().skip("beredningsgrupp", date(2023, 3, 14))
    assert loads(e.text, "seed.yaml") == e.schedule.plan


def test_a_break_key_written_empty_is_filled_in_place() -> None:
    text = (EDIT / "empty-keys.yaml").read_text(encoding="utf-8")
    e = editor(text).add_break("Jul: ledigt #1", date(2023, 12, 20), date(2023, 12, 31))
    assert e.text == replaced(
        "breaks:\n",
        "breaks:\n  - id: jul-ledigt-1\n"
        "    name: 'Jul: ledigt #1'\n    from: 2023-12-20\n"
        "    to: 2023-12-31\n",
        text,
    )


def test_regression_an_exceptions_key_written_empty_keeps_its_place() -> None:
    # A skip first removes any move of the day (which emptied "exceptions:" and deleted it),
    # then cancels it (which added the key again, at the end of the activity).
    text = (EDIT / "empty-keys.yaml").read_text(encoding="utf-8")
    e = editor(text).skip("veckomote", date(2023, 3, 13))
    assert e.text == replaced(
        "    exceptions:\n", "    exceptions:\n      cancelled:\n        - 2023-03-13\n", text
    )
