"""The "när" column: the seed's own words, English equivalents, exact forms, and refusals."""

from __future__ import annotations

from datetime import time, timedelta

import pytest

from plancal.rules.cadence import (
    AsNeeded,
    CadenceError,
    Monthly,
    PerYear,
    RRule,
    Weekly,
    Yearly,
    parse,
    parse_time,
)

MON, TUE, WED, THU, FRI, SAT, SUN = range(7)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # The seed's own words
        ("Varje måndag kl. 14.00", Weekly((MON,), 1, time(14))),
        ("Varje måndag kl. 15.00", Weekly((MON,), 1, time(15))),
        ("11 ggr/år", PerYear(11)),
        ("5 ggr/år", PerYear(5)),
        ("2 gånger/år", PerYear(2)),
        ("Minst 2 gånger/år", PerYear(2, at_least=True)),
        ("Minst 3 ggr/år", PerYear(3, at_least=True)),
        ("1 ggr/månad", Monthly()),
        ("Löpande under året utifrån behov", AsNeeded("Löpande under året utifrån behov")),
        ("Behovsanpassat", AsNeeded("Behovsanpassat")),
        ("När behov uppstår", AsNeeded("När behov uppstår")),
        (
            "När behov uppstår utifrån lokala problembilder",
            AsNeeded("När behov uppstår utifrån lokala problembilder"),
        ),
        (
            "När en ungdom identifieras och uppfyller kriterierna för SIG",
            AsNeeded("När en ungdom identifieras och uppfyller kriterierna för SIG"),
        ),
        ("Löpande under projektiden", AsNeeded("Löpande under projektiden")),
        ("Under 2022", AsNeeded("Under 2022", 2022)),
        # English
        ("every Monday 14:00", Weekly((MON,), 1, time(14))),
        ("Every Monday at 2 pm", Weekly((MON,), 1, time(14))),
        ("every Monday 14:00-15:00", Weekly((MON,), 1, time(14), time(15))),
        (
            "every Monday 14:00 for 45 minutes",
            Weekly((MON,), 1, time(14), None, timedelta(minutes=45)),
        ),
        ("every other Friday at 8:30", Weekly((FRI,), 2, time(8, 30))),
        ("every 3 weeks on Thursday 10:00", Weekly((THU,), 3, time(10))),
        ("5 times a year", PerYear(5)),
        ("at least 3 times a year", PerYear(3, at_least=True)),
        ("twice a year", PerYear(2)),
        ("monthly", Monthly()),
        ("once a month", Monthly()),
        ("12 times a year", Monthly()),
        ("quarterly", PerYear(4)),
        ("as needed", AsNeeded("as needed")),
        ("during 2023", AsNeeded("during 2023", 2023)),
        # More Swedish
        ("varannan tisdag 9-10", Weekly((TUE,), 2, time(9), time(10))),
        ("Varje måndag kl. 14.00–15.30", Weekly((MON,), 1, time(14), time(15, 30))),
        (
            "Varje måndag kl 14 i 1,5 timmar",
            Weekly((MON,), 1, time(14), None, timedelta(minutes=90)),
        ),
        ("måndagar och torsdagar kl 13", Weekly((MON, THU), 1, time(13))),
        ("varje månad", Monthly()),
        ("kvartalsvis", PerYear(4)),
        ("Varje onsdag", Weekly((WED,))),
        ("11 ggr/år kl. 13.00", PerYear(11, start_time=time(13))),
        # The nth weekday of every month, or of one month a year
        ("Första måndagen varje månad", Monthly(weekday=MON, nth=1)),
        ("sista fredagen i månaden kl. 10-11", Monthly(time(10), time(11), FRI, -1)),
        ("andra onsdagen i varje månad", Monthly(weekday=WED, nth=2)),
        ("first Monday of every month at 9:00", Monthly(time(9), weekday=MON, nth=1)),
        ("Första tisdagen i oktober kl. 18.00", Yearly(10, TUE, 1, time(18))),
        ("the last Friday in May", Yearly(5, FRI, -1)),
        ("3:e torsdagen i mars", Yearly(3, THU, 3)),
        # Exact
        ("RRULE:FREQ=WEEKLY;BYDAY=MO,WE", RRule("FREQ=WEEKLY;BYDAY=MO,WE")),
        ("FREQ=MONTHLY;BYMONTHDAY=15", RRule("FREQ=MONTHLY;BYMONTHDAY=15")),
    ],
)
def test_accepted(text: str, expected: object) -> None:
    assert parse(text) == expected


@pytest.mark.parametrize(
    ("text", "message", "hint"),
    [
        ("Varje mondag kl. 14.00", "unknown weekday 'mondag'", "did you mean 'måndag'"),
        ("every Mondey 14:00", "unknown weekday 'mondey'", "did you mean 'monday'"),
        ("Varje tisdg kl. 9", "unknown weekday 'tisdg'", "did you mean 'tisdag'"),
        ("Varje måndag kl. 25.00", "is not a time of day", "e.g. 14:00"),
        (
            "Varje måndag kl. 14.00-13.00",
            "ends (13:00) before it starts (14:00)",
            "start time first",
        ),
        ("13 ggr/år", "13 times a year does not fit", "1–12 times a year"),
        ("2 ggr/månad", "more than once a month", "every other Monday"),
        ("sometimes, maybe", "cannot read when", "every Monday 14:00"),
        ("", "'when' is empty", "as needed"),
        ("varje", "names no weekday", "every Monday"),
        ("första mondagen i oktober", "unknown weekday 'mondag'", "did you mean 'måndag'"),
        ("första tisdagen i oktobr", "unknown month 'oktobr'", "January … December"),
    ],
)
def test_refused_with_a_hint(text: str, message: str, hint: str) -> None:
    with pytest.raises(CadenceError) as caught:
        parse(text)
    assert message in caught.value.message.render("en")
    assert caught.value.hint is not None and hint in caught.value.hint.render("en")
    # Every refusal speaks Swedish too.
    assert caught.value.message.render("sv") != caught.value.message.render("en")


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.00", time(14)),
        ("14:30", time(14, 30)),
        ("kl. 9", time(9)),
        ("2 pm", time(14)),
        ("12 am", time(0)),
        ("0.05", time(0, 5)),
    ],
)
def test_times(text: str, expected: time) -> None:
    assert parse_time(text) == expected


def test_regression_misspelt_weekday_is_never_read_as_as_needed() -> None:
    # "När …" means "when needed"; a misspelt weekday after "varje" must not fall through to it.
    with pytest.raises(CadenceError):
        parse("Varje måndg kl. 14")


def test_regression_msg_text_keyword_clash() -> None:
    # msg(template, text=…) once raised TypeError instead of the CadenceError it built.
    with pytest.raises(CadenceError) as caught:
        parse("om ett tag")
    assert "om ett tag" in caught.value.message.render("sv")


def test_the_nth_weekday_phrases_compile_to_the_days_they_name() -> None:
    from datetime import date

    from plancal.rules.compile import compile_plan
    from plancal.rules.plan import loads
    from tests.helpers import plan_text

    text = plan_text(
        **{
            "when: Varje måndag kl. 14.00": "when: Första tisdagen varje månad kl. 10.00",
            "period: {start: 2023-01-01, end: 2023-12-31}": (
                "period: {start: 2023-01-01, end: 2024-12-31}"
            ),
        }
    )
    text += """  - id: medborgardialog
    title: Medborgardialog
    when: Första tisdagen i oktober kl. 18.00
    organizer: kommunpolis
"""
    schedule = compile_plan(loads(text, "plan.yaml"))
    monthly = schedule.occurrences(activities=["veckomote"])
    assert len(monthly) == 24
    odd = [o for o in monthly if not (o.start.weekday() == TUE and o.day.day <= 7)]
    # the one exception is the holiday policy's: Sveriges nationaldag falls on that Tuesday
    assert [(o.day, o.reason and o.reason.render("sv")) for o in odd] == [
        (date(2023, 6, 7), "flyttat från 2023-06-06 (Nationaldagen)")
    ]
    yearly = [o.start for o in schedule.occurrences(activities=["medborgardialog"])]
    assert [o.isoformat()[:16] for o in yearly] == ["2023-10-03T18:00", "2024-10-01T18:00"]
