"""Compiling: holiday and break policies, pins, written exceptions, Outlook's rule, deadlines."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta

import pytest

from plancal.errors import PlanError
from plancal.rules.compile import Deadline, Schedule, Series, compile_plan
from plancal.rules.plan import loads
from tests.helpers import timed, typed

SEED_MONDAY_HOLIDAYS = [date(2022, 12, 26), date(2023, 4, 10), date(2023, 5, 1), date(2023, 12, 25)]

PLAN = """
id: test
name: Test
period: {{start: 2022-09-01, end: 2023-12-31}}
breaks:
{breaks}
roles:
  kp: {{name: Kommunpolis, email: kp@polisen.example}}
  ts: {{name: Trygghetssamordnare, email: ts@kommun.example}}
activities:
  - id: a
    title: Möte
    when: {when}
    organizer: kp
    attendees: [kp, ts]
{extra}
"""


def compiled(
    when: str = "Varje måndag kl. 14.00", extra: str = "", breaks: str = "  []"
) -> Schedule:
    plan = loads(PLAN.format(when=when, extra=extra, breaks=breaks), "t.yaml")
    return compile_plan(plan)


def days(schedule: Schedule, activity: str = "a") -> list[date]:
    return [o.day for o in schedule.occurrences(activities=[activity])]


def master(schedule: Schedule) -> Series:
    return next(s for s in schedule.series if s.rule is not None)


def test_seed_monday_holidays_are_exactly_the_four(seed_schedule: Schedule) -> None:
    ifo = next(s for s in seed_schedule.series if s.activity.id == "avstamning-polis-ifo")
    moved = sorted(timed(o.recurrence_id).date() for o in ifo.overrides)
    assert moved == SEED_MONDAY_HOLIDAYS


@pytest.mark.parametrize(
    ("policy", "expected"),
    [
        (
            "next",
            {
                date(2022, 12, 26): date(2022, 12, 27),
                date(2023, 4, 10): date(2023, 4, 11),
                date(2023, 5, 1): date(2023, 5, 2),
                date(2023, 12, 25): date(2023, 12, 27),
            },
        ),
        (
            "previous",
            {
                date(2022, 12, 26): date(2022, 12, 23),
                date(2023, 4, 10): date(2023, 4, 6),
                date(2023, 5, 1): date(2023, 4, 28),
                date(2023, 12, 25): date(2023, 12, 22),
            },
        ),
    ],
)
def test_holiday_moves_on_the_seeds_monday_holidays(
    policy: str, expected: dict[date, date | None]
) -> None:
    s = compiled(extra=f"    holidays: {policy}")
    m = master(s)
    overrides = {timed(o.recurrence_id).date(): timed(o.start).date() for o in m.overrides}
    assert overrides == expected
    assert all(timed(o.start).time() == time(14) for o in m.overrides)
    got = days(s)
    for holiday, target in expected.items():
        assert holiday not in got and target in got


def test_holiday_skip_is_exdate() -> None:
    s = compiled(extra="    holidays: skip")
    # The last Monday, juldagen 2023-12-25, ends the series instead: UNTIL stops before it.
    assert [timed(x).date() for x in master(s).exdates()] == SEED_MONDAY_HOLIDAYS[:3]
    assert master(s).until == datetime(2023, 12, 18, 14)
    assert not set(SEED_MONDAY_HOLIDAYS) & set(days(s))


def test_holiday_keep_meets_anyway() -> None:
    s = compiled(extra="    holidays: keep")
    assert set(SEED_MONDAY_HOLIDAYS) <= set(days(s))
    assert not master(s).overrides and not master(s).exdates()


def test_easter_monday_moves_past_good_friday_when_moving_back() -> None:
    # previous working day before annandag påsk 2023-04-10 skips långfredag 04-07.
    s = compiled(extra="    holidays: previous")
    assert date(2023, 4, 6) in days(s) and date(2023, 4, 7) not in days(s)


SUMMER = "  - {id: sommar, name: Sommaruppehåll 2023, from: 2023-06-26, to: 2023-08-06}"


@pytest.mark.parametrize(
    ("policy", "kept", "gone"),
    [
        (
            "skip",
            [date(2023, 6, 19), date(2023, 8, 7)],
            [date(2023, 6, 26), date(2023, 7, 3), date(2023, 7, 31)],
        ),
        ("continue", [date(2023, 6, 26), date(2023, 7, 17), date(2023, 7, 31)], []),
    ],
)
def test_weekly_in_summer_break(policy: str, kept: list[date], gone: list[date]) -> None:
    s = compiled(extra=f"    breaks: {policy}", breaks=SUMMER)
    got = set(days(s))
    assert set(kept) <= got and not set(gone) & got


def test_break_move_after_merges_into_one_meeting() -> None:
    # Six Mondays fall in the break; "after" moves them to the first working day after it, where
    # the 2023-08-07 meeting already is: they merge into it instead of piling onto one day.
    s = compiled(extra="    breaks: after", breaks=SUMMER)
    got = days(s)
    assert got.count(date(2023, 8, 7)) == 1
    assert not [d for d in got if date(2023, 6, 26) <= d <= date(2023, 8, 6)]
    reasons = {
        timed(c.recurrence_id).date(): c.reason.render("en")
        for c in s.cancelled()
        if date(2023, 6, 26) <= timed(c.recurrence_id).date() <= date(2023, 8, 6)
    }
    assert len(reasons) == 6
    assert all("merged into the meeting on 2023-08-07" in r for r in reasons.values())


def test_break_move_before_for_a_monthly_meeting() -> None:
    # The July meeting (2nd Tuesday, 07-11) moves before the break, to Friday 06-23? No:
    # midsommarafton 06-23 is a holiday, so to Thursday 06-22; June's own is on 06-13.
    s = compiled(
        when="varje månad",
        extra="    breaks: before\n    weekday: tisdag\n    week: 2",
        breaks=SUMMER,
    )
    got = days(s)
    assert date(2023, 6, 22) in got and date(2023, 7, 11) not in got
    m = master(s)
    moved = {timed(o.recurrence_id).date(): timed(o.start).date() for o in m.overrides}
    assert moved == {date(2023, 7, 11): date(2023, 6, 22)}


def test_monthly_except_july_is_freq_monthly_plus_exdate(seed_schedule: Schedule) -> None:
    tz = seed_schedule.plan.tz
    for activity in ("beredningsgrupp", "lagesbild", "trygg-i-centrum"):
        series = [s for s in seed_schedule.series if s.activity.id == activity]
        assert len(series) == 1
        rrule = typed(series[0].rrule_text(tz), str)
        assert rrule.startswith("FREQ=MONTHLY;BYDAY=") and "BYMONTH" not in rrule
        assert [x.month for x in series[0].exdates()] == [7]
        months = {
            (o.start.year, o.start.month) for o in seed_schedule.occurrences(activities=[activity])
        }
        assert (2023, 7) not in months and len(months) == 15  # Sep 2022 – Dec 2023 less July


def test_n_per_year_spreads_over_allowed_months_deterministically(seed_schedule: Schedule) -> None:
    dialogues = [o.day for o in seed_schedule.occurrences(activities=["medborgardialoger"])]
    in_2023 = [d for d in dialogues if d.year == 2023]
    assert len(in_2023) == 3 and all(d.month != 7 for d in in_2023)
    assert len({d.month for d in in_2023}) == 3
    again = compile_plan(seed_schedule.plan)
    assert [o.day for o in again.occurrences(activities=["medborgardialoger"])] == dialogues


def test_pinned_dates_replace_the_nearest_computed_ones(seed_schedule: Schedule) -> None:
    bra = seed_schedule.occurrences(activities=["bra-styrgrupp"])
    starts = [timed(o.start).replace(tzinfo=None) for o in bra]
    assert datetime(2022, 10, 24, 9) in starts and datetime(2023, 2, 6, 9) in starts
    assert len([s for s in starts if s.year == 2023]) == 5
    assert all(s.hour == 9 for s in starts)


def test_pinned_on_a_monthly_series_is_an_override() -> None:
    s = compiled(when="varje månad", extra="    pinned: [2023-03-16 10:00]")
    m = master(s)
    assert [(timed(o.recurrence_id).date(), o.start) for o in m.overrides] == [
        (date(2023, 3, 14), datetime(2023, 3, 16, 10))
    ]


def test_written_exceptions() -> None:
    s = compiled(
        extra="    exceptions:\n      cancelled: [2022-10-10]\n"
        "      moved: {2022-10-17: 2022-10-19 09:00}\n"
        "      added: [2022-10-20 16:00]"
    )
    got = {timed(o.start).replace(tzinfo=None) for o in s.occurrences()}
    assert datetime(2022, 10, 10, 14) not in got
    assert datetime(2022, 10, 19, 9) in got and datetime(2022, 10, 17, 14) not in got
    assert datetime(2022, 10, 20, 16) in got
    added = next(x for x in s.series if x.kind == "added")
    assert added.uid == "a.added-20221020@test.plancal"


def test_outlook_rule_move_past_a_neighbour_becomes_exdate_plus_single() -> None:
    # Moving the 2022-10-17 meeting to 10-25 passes the 10-24 one: Outlook refuses that
    # override, so the occurrence is excluded and a separate event stands in for it.
    s = compiled(extra="    exceptions:\n      moved: {2022-10-17: 2022-10-25 14:00}")
    m = master(s)
    assert datetime(2022, 10, 17, 14) in m.exdates()
    assert datetime(2022, 10, 17, 14) not in [o.recurrence_id for o in m.overrides]
    single = next(x for x in s.series if x.kind == "moved")
    assert single.uid == "a.moved-20221017@test.plancal"
    assert single.start == datetime(2022, 10, 25, 14)
    assert single.rule is None


def test_outlook_rule_allows_a_move_within_the_neighbours() -> None:
    s = compiled(extra="    exceptions:\n      moved: {2022-10-17: 2022-10-20 14:00}")
    moved = {o.recurrence_id: o.start for o in master(s).overrides}
    assert moved[datetime(2022, 10, 17, 14)] == datetime(2022, 10, 20, 14)


def test_series_starts_at_first_occurrence_that_stays() -> None:
    s = compiled(extra="    exceptions:\n      cancelled: [2022-09-05]")
    assert master(s).start == datetime(2022, 9, 12, 14)
    assert datetime(2022, 9, 5, 14) not in master(s).exdates()


def test_rrule_until_is_the_last_occurrence_in_utc(seed_schedule: Schedule) -> None:
    ifo = next(s for s in seed_schedule.series if s.activity.id == "avstamning-polis-ifo")
    # 2023-12-25 14:00 CET is 13:00 UTC (the override moves it, the rule still ends there).
    assert typed(ifo.rrule_text(seed_schedule.plan.tz), str).endswith("UNTIL=20231225T130000Z")


def test_dst_nonexistent_time_in_a_moved_occurrence_is_refused() -> None:
    with pytest.raises(PlanError) as caught:
        compiled(extra="    exceptions:\n      moved: {2023-03-27: 2023-03-26 02:15}")
    assert "2023-03-26 02:15 does not exist" in caught.value.render("en")


def test_ambiguous_autumn_time_takes_the_first() -> None:
    s = compiled(when="every Sunday 02:30", extra="    until: 2022-12-31")
    autumn = next(o for o in s.occurrences() if o.day == date(2022, 10, 30))
    assert typed(timed(autumn.start).utcoffset(), timedelta).total_seconds() == 7200


def test_deadline_kinds(seed_schedule: Schedule) -> None:
    by: dict[str, list[Deadline]] = {}
    for d in seed_schedule.deadlines:
        by.setdefault(d.followup.id, []).append(d)
    insatser = seed_schedule.occurrences(activities=["narkotikainsatser"])
    bra = seed_schedule.occurrences(activities=["bra-styrgrupp"])
    reports = by["narkotikainsats-rapport"]
    assert [d.due for d in reports] == [
        o.day.toordinal() and date.fromordinal(o.day.toordinal() + 14) for o in insatser
    ]
    presented = by["narkotikainsats-bra"]
    for d, o in zip(presented, insatser, strict=True):
        assert d.due == min(b.day for b in bra if b.day > o.day)
    camera = by["kamera-uppfoljning-bra"]
    assert [d.due for d in camera] == [b.day for b in bra if b.day.year == 2022]
    assert "skolteam-reflektion" not in by  # a follow-up without a date is never reminded


def test_deadline_uids_follow_the_rule_date_so_a_move_keeps_them() -> None:
    base = compiled(extra="    followups:\n      - {id: r, what: R, due: 7 days after each}")
    moved = compiled(
        extra="    exceptions:\n      moved: {2022-10-17: 2022-10-19 14:00}\n"
        "    followups:\n      - {id: r, what: R, due: 7 days after each}"
    )
    old = {d.uid: d.due for d in base.deadlines}
    new = {d.uid: d.due for d in moved.deadlines}
    assert old.keys() == new.keys()
    assert new["followup.r.20221017@test.plancal"] == date(2022, 10, 26)


def test_all_day_activity() -> None:
    s = compiled(when="varje månad", extra="    all_day: true\n    weekday: fredag\n    week: 1")
    first = s.occurrences()[0]
    assert first.start == date(2022, 9, 2) and first.end == date(2022, 9, 3)
    assert typed(master(s).rrule_text(s.plan.tz), str).endswith("UNTIL=20231201")


def test_explicit_rrule() -> None:
    s = compiled(when="RRULE:FREQ=MONTHLY;BYMONTHDAY=15")
    got = days(s)
    assert got[0] == date(2022, 9, 15)
    # 2023-01-15 is a Sunday: a holiday? No, but not a working day either; holidays policy only
    # looks at holidays. 2022-12-15 is kept, 2023-06-06 not involved.
    assert date(2022, 12, 15) in got


def test_n_a_year_from_seven_drops_exactly_one_month_per_step() -> None:
    from plancal.rules.compile import SERIES_FROM, months_of

    for n in range(SERIES_FROM, 12):
        more, fewer = set(months_of(n)), set(months_of(n - 1)) if n > SERIES_FROM else None
        assert len(more) == n and 7 not in more
        if fewer is not None:
            assert fewer < more and len(more - fewer) == 1
    for n in range(1, SERIES_FROM):
        assert len(months_of(n)) == n and 7 not in months_of(n)
