"""The "när" language of real plans: every form in Swedish and English as a table
(``fixtures/cadence/phrases.yaml``), the refusals with their hints (``refused.yaml``), and a plan
with one activity per form (``fixtures/plans/cadence-forms.yaml``) validated by the CLI and
compiled into a feed that recurring-ical-events reads back as the same occurrences."""

from __future__ import annotations

from datetime import date, datetime, time
from itertools import pairwise
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from plancal.rules.cadence import (
    FORMS,
    WEEKDAY_WORDS,
    AsNeeded,
    Cadence,
    CadenceError,
    Dates,
    Monthly,
    PerYear,
    Weekly,
    parse,
)
from tests.helpers import FIXTURES
from tests.helpers.cli import plancal

PHRASES = yaml.safe_load((FIXTURES / "cadence" / "phrases.yaml").read_text(encoding="utf-8"))
REFUSED = yaml.safe_load((FIXTURES / "cadence" / "refused.yaml").read_text(encoding="utf-8"))
PLAN = FIXTURES / "plans" / "cadence-forms.yaml"


def _time(value: str | None) -> time | None:
    return None if value is None else time.fromisoformat(value)


def meaning(entry: dict[str, Any]) -> Cadence:
    """The cadence a fixture row describes, in the fixture's own small vocabulary."""
    if (w := entry.get("weekly")) is not None:
        days = tuple(sorted(WEEKDAY_WORDS[d] for d in w.get("days", ())))
        return Weekly(
            days,
            w["interval"],
            _time(w.get("time")),
            _time(w.get("end")),
            within=_within(w),
        )
    if (m := entry.get("monthly")) is not None:
        weekday = WEEKDAY_WORDS[m["weekday"]] if "weekday" in m else None
        return Monthly(
            _time(m.get("time")), _time(m.get("end")), weekday, m.get("nth"), within=_within(m)
        )
    if (p := entry.get("per_year")) is not None:
        return PerYear(
            p["count"],
            p.get("at_least", False),
            _time(p.get("time")),
            about=p.get("about", False),
            most=p.get("most"),
            within=_within(p),
        )
    if (d := entry.get("date")) is not None:
        return Dates((d["day"],), _time(d.get("time")), _time(d.get("end")))
    period = entry["period"]
    return AsNeeded(entry["when"], period.get("year"), period.get("first"), period.get("last"))


def _within(row: dict[str, Any]) -> tuple[date, date] | None:
    return None if "within" not in row else (row["within"][0], row["within"][1])


@pytest.mark.parametrize("entry", PHRASES, ids=[e["when"] for e in PHRASES])
def test_every_phrase_means_what_the_table_says(entry: dict[str, Any]) -> None:
    assert parse(entry["when"]) == meaning(entry)


@pytest.mark.parametrize("entry", REFUSED, ids=[e["when"] for e in REFUSED])
def test_refused_with_a_hint_in_both_languages(entry: dict[str, Any]) -> None:
    with pytest.raises(CadenceError) as caught:
        parse(entry["when"])
    error = caught.value
    assert entry["error"] in error.message.render("en")
    assert error.hint is not None and entry["hint"] in error.hint.render("en")
    assert error.message.render("sv") != error.message.render("en")
    assert error.hint.render("sv") != error.hint.render("en")


def test_the_table_covers_every_form_of_the_reference() -> None:
    # each form the reference documents has rows in the table, in both languages
    kinds = {type(meaning(e)).__name__ for e in PHRASES}
    assert kinds == {"Weekly", "Monthly", "PerYear", "Dates", "AsNeeded"}
    for form in FORMS:
        for example in form.examples:
            parse(example)  # every example of the reference is accepted as written


def test_regression_the_issue_example_names_the_wrong_weekday() -> None:
    # 7 March 2023 is a Tuesday: "Onsdag den 7 mars 2023" is refused, the hint names both fixes
    with pytest.raises(CadenceError) as caught:
        parse("Onsdag den 7 mars 2023, klockan 15:30")
    assert caught.value.hint is not None
    hint = caught.value.hint.render("sv")
    assert "tisdag" in hint and "2023-03-08" in hint


# --- a plan with every form ------------------------------------------------------------------


def test_a_plan_with_every_form_validates() -> None:
    run = plancal("validate", str(PLAN), "--lang", "en")
    assert run.returncode == 0, run.stdout + run.stderr
    assert "24 activities (4 without fixed time)" in run.stdout


def test_an_unreadable_when_is_a_plan_error_with_its_line(tmp_path: Path) -> None:
    text = PLAN.read_text(encoding="utf-8").replace(
        "when: Per tertial kl. 13.00", "when: Per tertal"
    )
    path = tmp_path / "cadence-forms-bad.yaml"
    path.write_text(text, encoding="utf-8")
    run = plancal("validate", str(path), "--lang", "sv")
    assert run.returncode == 1
    out = run.stdout + run.stderr
    line = text.splitlines().index("    when: Per tertal") + 1
    assert f"cadence-forms-bad.yaml:{line}" in out
    assert "närmast: 'Per tertial'" in out
    assert "Traceback" not in out


def _compiled() -> Any:
    from plancal.rules.compile import compile_plan
    from plancal.rules.plan import load

    return compile_plan(load(PLAN))


def test_the_feed_read_by_a_third_party_parser_has_the_same_occurrences() -> None:
    import icalendar
    import recurring_ical_events

    from plancal.calendars import ics

    schedule = _compiled()
    feed = next(v for f, v in ics.render_all(schedule).items() if f.slug == "plan")
    read = recurring_ical_events.of(icalendar.Calendar.from_ical(feed)).between(
        date(2022, 1, 1), date(2025, 1, 1)
    )
    theirs = sorted((str(e["UID"]), e["DTSTART"].dt.isoformat()) for e in read)
    ours = sorted((o.uid, o.start.isoformat()) for o in schedule.occurrences())
    assert theirs == ours
    assert len(ours) > 300


def _days(schedule: Any, activity: str) -> list[datetime]:
    return [o.start for o in schedule.occurrences(activities=[activity])]


def test_each_form_compiles_to_the_days_it_names() -> None:
    schedule = _compiled()
    tue, wed, thu, fri = 1, 2, 3, 4
    # "Varje vecka": the plan's weekday and time, every week (a holiday moves one)
    weekly = _days(schedule, "varje-vecka")
    assert {d.time() for d in weekly} == {time(9)}
    assert sum(d.weekday() == tue for d in weekly) >= len(weekly) - 3
    # "Var fjortonde dag" on the activity's Friday: 14 days apart where no holiday moves one
    fortnight = [d for d in _days(schedule, "var-fjortonde-dag") if d.weekday() == fri]
    gaps = {(b - a).days for a, b in pairwise(fortnight)}
    assert min(gaps) == 14 and all(g % 14 == 0 for g in gaps)
    # "Varannan vecka på onsdagar 13.00"
    assert {(d.weekday(), d.time()) for d in _days(schedule, "varannan-vecka-onsdag")} <= {
        (wed, time(13)),
        (thu, time(13)),  # a holiday on a Wednesday moves it to the next working day
    }

    # per quarter, tertial, term: the months of 4, 3 and 2 a year (in the plan's whole year)
    def months_2023(activity: str) -> list[int]:
        return [d.month for d in _days(schedule, activity) if d.year == 2023]

    assert months_2023("kvartal") == [2, 5, 9, 11]
    assert months_2023("tertial") == [2, 6, 11]
    assert months_2023("termin") == [3, 10]
    # "4–6 gånger per år" plans the lower bound: four a year
    assert len([d for d in _days(schedule, "fyra-till-sex") if d.year == 2023]) == 4
    # "Varannan vecka under hösten 2022": Wednesdays, only in the plan's part of that autumn
    autumn = _days(schedule, "hostens-onsdagar")
    assert (autumn[0].date(), autumn[-1].date()) == (date(2022, 9, 7), date(2022, 12, 28))
    assert {d.weekday() for d in autumn} == {wed} and len(autumn) == 9
    # the dated meetings, once each
    assert _days(schedule, "datum") == [datetime(2023, 3, 8, 15, 30, tzinfo=weekly[0].tzinfo)]
    dated = schedule.occurrences(activities=["dated-en"])
    assert [(o.start.isoformat(), o.end.isoformat()) for o in dated] == [
        ("2023-03-07T13:00:00+01:00", "2023-03-07T14:30:00+01:00")
    ]


def test_a_period_bounds_an_activity_without_fixed_time() -> None:
    schedule = _compiled()
    spans = {a.id: (a.start, a.end) for a in schedule.as_needed}
    assert spans["varen"] == (date(2023, 1, 1), date(2023, 6, 30))
    assert spans["spring"] == (date(2023, 1, 1), date(2023, 6, 30))
    assert spans["hosten"] == (date(2022, 9, 1), date(2022, 12, 31))  # the plan starts in Sept.
    assert spans["under-2023"] == (date(2023, 1, 1), date(2023, 12, 31))
    assert not schedule.occurrences(activities=list(spans))  # never made into meetings


def test_the_agenda_lists_a_period_only_within_it() -> None:
    autumn = plancal("agenda", str(PLAN), "--from", "2022-10-01", "--to", "2022-10-31")
    spring = plancal("agenda", str(PLAN), "--from", "2023-03-01", "--to", "2023-03-31")
    assert autumn.returncode == spring.returncode == 0, autumn.stderr + spring.stderr
    assert "Löpande under hösten 2022" in autumn.stdout
    assert "Under våren 2023" not in autumn.stdout
    assert "Under våren 2023" in spring.stdout
    assert "Löpande under hösten 2022" not in spring.stdout


def test_a_period_outside_the_plan_is_an_error() -> None:
    from plancal.errors import PlanError
    from plancal.rules.plan import loads

    text = PLAN.read_text(encoding="utf-8").replace("when: Under våren 2023", "when: Våren 2021")
    with pytest.raises(PlanError) as caught:
        loads(text, "plan.yaml")
    rendered = caught.value.render("en")
    assert "'Våren 2021' (2021-01-01 – 2021-06-30) lies outside the plan period" in rendered
    assert "plan.yaml:" in rendered


def test_the_public_page_says_each_form_in_english() -> None:
    from plancal.calendars.page import how_often_en

    plan = _compiled().plan
    said = {a.id: how_often_en(a) for a in plan.activities}
    assert said["varje-vecka"] == "Every Tuesday at 09:00"  # the plan's weekday, named
    assert said["var-fjortonde-dag"] == "Every 2 weeks on Friday at 15:00"
    assert said["cirka-fyra"] == "About 4 times a year at 09:00"
    assert said["fyra-till-sex"] == "4–6 times a year at 09:00"
    assert said["minst-tre"] == "At least 3 times a year at 09:00"
    assert said["datum"] == "2023-03-08 at 15:30"
    assert said["varen"] == "When needed, 2023-01-01 – 2023-06-30"
    assert said["under-2023"] == "When needed"


@pytest.mark.parametrize("when", ["den 7 mars 2021 kl. 15.30", "[2021-03-07]"])
def test_a_date_outside_the_plan_is_an_error(when: str) -> None:
    from plancal.errors import PlanError
    from plancal.rules.plan import loads

    text = PLAN.read_text(encoding="utf-8").replace(
        "when: Onsdag den 8 mars 2023, klockan 15:30", f"when: {when}"
    )
    with pytest.raises(PlanError) as caught:
        loads(text, "plan.yaml")
    line = text.splitlines().index(f"    when: {when}") + 1
    assert f"plan.yaml:{line}:5: error: 2021-03-07 is outside 2022-09-01 – 2023-12-31" in (
        caught.value.render("en")
    )


_WORDS = sorted(
    {word for form in FORMS for example in form.examples for word in example.split()}
    | {"2022/23", "8/3", "0/0", "99/99", "31", "februari", "(", "–", "99999", "vartannat"}
)


@settings(max_examples=400, deadline=None)
@given(st.lists(st.sampled_from(_WORDS), min_size=1, max_size=7))
def test_any_words_of_the_language_parse_or_are_refused_with_a_hint(words: list[str]) -> None:
    # words of the reference in any order: a cadence, or a CadenceError in both languages
    try:
        parse(" ".join(words))
    except CadenceError as e:
        assert e.message.render("sv") and e.message.render("en")
