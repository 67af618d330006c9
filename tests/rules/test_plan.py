"""Loading plans: the seed encodes the whole lokal handlingsplan; defaults and policies resolve."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time, timedelta

import pytest

from plancal.errors import PlanError
from plancal.rules import cadence as cad
from plancal.rules.compile import Schedule
from plancal.rules.model import Plan
from tests.helpers import plan_text

SEED_ACTIVITY_ROWS = {
    # (area, words of the "När" column) for every row of the plan's three tables
    "avstamning-polis-ifo": "Varje måndag kl. 14.00",
    "avstamning-polis-faltare": "Varje måndag kl. 15.00",
    "utbildning-informationsdelning": "2 gånger/år",
    "skolteam": "Löpande under året utifrån behov",
    "radslag": "När behov uppstår utifrån lokala problembilder",
    "narkotikainsatser": "Minst 2 gånger/år",
    "sociala-insatsgrupper": "När en ungdom identifieras och uppfyller kriterierna för SIG",
    "kameraovervakning": "Under 2022",
    "gavleborg-mot-narkotika": "Löpande under projekttiden",
    "bra-styrgrupp": "5 ggr/år",
    "beredningsgrupp": "11 ggr/år",
    "lagesbild": "11 ggr/år",
    "behovsstyrda-avstamningar": "När behov uppstår",
    "trygg-i-centrum": "1 ggr/månad",
    "medborgardialoger": "Minst 3 ggr/år",
    "trygghetsvandringar": "Behovsanpassat",
    "narkotikasok-skola": "Behovsanpassat",
}


def test_seed_has_every_row_in_the_plans_own_words(seed_plan: Plan) -> None:
    by_id = seed_plan.activity_by_id
    for activity_id, words in SEED_ACTIVITY_ROWS.items():
        assert by_id[activity_id].when == words
    # Rows listed under two areas are one activity with both areas.
    assert by_id["avstamning-polis-ifo"].areas == ("Ungdomskriminalitet", "Samverkan")
    assert by_id["narkotikainsatser"].areas == ("Ungdomskriminalitet", "Narkotika")
    assert by_id["gavleborg-mot-narkotika"].areas == ("Narkotika", "Samverkan")
    # The Kommunikation section and the whole-plan evaluation.
    assert by_id["lagesbild-allmanheten"].public
    assert [f.id for f in seed_plan.followups] == ["utvardering-handlingsplan"]


def test_seed_addresses_are_role_mailboxes_on_example_domains(seed_plan: Plan) -> None:
    for role in seed_plan.roles:
        assert role.email.endswith((".example",)), role.email


def test_seed_followups_of_the_plan_become_deadlines(seed_schedule: Schedule) -> None:
    dues = {d.followup.id: d.due for d in seed_schedule.deadlines}
    assert dues["ifo-rapport-bra-2022"] == date(2022, 10, 24)
    assert dues["ifo-rapport-bra-2023"] == date(2023, 2, 6)
    assert dues["utvardering-handlingsplan"] == date(2023, 12, 31)
    september = [d for d in seed_schedule.deadlines if d.followup.id == "utbildning-utvardering"]
    assert [(d.start, d.due) for d in september] == [
        (date(2022, 9, 1), date(2022, 9, 30)),
        (date(2023, 9, 1), date(2023, 9, 30)),
    ]


def test_time_and_duration_resolve_from_words_activity_and_defaults(
    load_text: Callable[..., Plan],
) -> None:
    plan = load_text(plan_text(**{"when: Varje måndag kl. 14.00": "when: Varje måndag 14-15.30"}))
    a = plan.activities[0]
    assert (a.start_time, a.duration) == (time(14), timedelta(minutes=90))
    plan = load_text(
        plan_text(
            **{
                "when: Varje måndag kl. 14.00": "when: Varje måndag\n"
                "    time: '8.15'\n    duration: 1 h 15 min"
            }
        )
    )
    a = plan.activities[0]
    assert (a.start_time, a.duration) == (time(8, 15), timedelta(minutes=75))
    plan = load_text(plan_text(**{"when: Varje måndag kl. 14.00": "when: Varje måndag"}))
    assert plan.activities[0].start_time == time(9)  # the declared default


def test_time_in_words_and_field_must_agree(load_text: Callable[..., Plan]) -> None:
    with pytest.raises(PlanError) as caught:
        load_text(
            plan_text(
                **{
                    "when: Varje måndag kl. 14.00": "when: Varje måndag kl. 14.00\n"
                    "    time: '15.00'"
                }
            )
        )
    assert "contradicts 'when'" in caught.value.render("en")


def test_break_policies_resolve_activity_then_break_then_default(
    load_text: Callable[..., Plan],
) -> None:
    text = plan_text(
        **{
            "roles:": "breaks:\n  - {id: sommar, name: Sommar, from: '07-01', "
            "to: '07-31', policy: after}\n  - {id: jul, name: Jul, from: '12-20', "
            "to: '01-06'}\nroles:"
        }
    )
    plan = load_text(text)
    assert plan.activities[0].break_policies == (("sommar", "after"), ("jul", "skip"))
    plan = load_text(text.replace("    organizer:", "    breaks: {jul: continue}\n    organizer:"))
    assert plan.activities[0].break_policies == (("sommar", "after"), ("jul", "continue"))
    plan = load_text(text.replace("    organizer:", "    breaks: before\n    organizer:"))
    assert plan.activities[0].break_policies == (("sommar", "before"), ("jul", "before"))


def test_yearly_break_may_wrap_new_year(load_text: Callable[..., Plan]) -> None:
    plan = load_text(
        plan_text(
            **{"roles:": "breaks:\n  - {id: jul, name: Jul, from: '12-20', to: '01-06'}\nroles:"}
        )
    )
    spans = plan.breaks[0].spans(2023, 2023)
    assert (date(2022, 12, 20), date(2023, 1, 6)) in [(s.start, s.end) for s in spans]
    assert (date(2023, 12, 20), date(2024, 1, 6)) in [(s.start, s.end) for s in spans]


def test_as_needed_activity_during_a_year_is_bounded_to_it(seed_plan: Plan) -> None:
    camera = seed_plan.activity_by_id["kameraovervakning"]
    assert isinstance(camera.cadence, cad.AsNeeded)
    assert (camera.start, camera.end) == (date(2022, 9, 1), date(2022, 12, 31))


def test_swedish_values_are_accepted(load_text: Callable[..., Plan]) -> None:
    plan = load_text(
        plan_text(
            **{
                "    organizer: kommunpolis": "    organizer: kommunpolis\n"
                "    holidays: nästa vardag\n    audience: offentlig\n"
                "    weekday: onsdag\n    week: sista"
            }
        )
    )
    a = plan.activities[0]
    assert (a.holiday_policy, a.audience, a.weekday, a.week) == ("next", "public", 2, -1)
