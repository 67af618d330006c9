"""Placement: where the plan leaves the day to plancal, it picks the nearest one on which the
people are free in the plan; written dates never move, and identities of meetings that do not
move stay as they are."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from hypothesis import given, settings
from hypothesis import strategies as st

from plancal.rules import conflicts
from plancal.rules.busy import people
from plancal.rules.compile import Occurrence, Schedule, compile_plan, work_calendar
from plancal.rules.plan import loads
from tests.helpers.plans import seed_as_shipped

PLAN = """
id: place
name: Placement
period: {{start: 2023-01-01, end: 2023-12-31}}
breaks:
  - {{id: sommar, name: Sommaruppehåll, from: 2023-06-26, to: 2023-08-06}}
roles:
  kp: {{name: Kommunpolis, email: kp@polisen.example}}
  ts: {{name: Trygghetssamordnare, email: ts@kommun.example}}
  ifo: {{name: IFO, email: ifo@kommun.example}}
activities:
{activities}
"""


def schedule(activities: str, place_where_free: bool = True) -> Schedule:
    plan = loads(PLAN.format(activities=activities), "p.yaml")
    return compile_plan(plan, place_where_free=place_where_free)


def meeting(aid: str, when: str, people: str = "kp, ts", extra: str = "") -> str:
    return (
        f"  - id: {aid}\n    title: {aid.upper()}\n    when: {when}\n    duration: 60\n"
        f"    attendees: [{people}]\n{extra}"
    )


def starts(s: Schedule, aid: str) -> list[datetime]:
    return [
        o.start.replace(tzinfo=None)
        for o in s.occurrences(activities=[aid])
        if isinstance(o.start, datetime)
    ]


def test_a_holiday_move_skips_a_day_on_which_the_people_are_busy() -> None:
    # Easter Monday 2023-04-10: "next" would be Tuesday, where B meets the same officer.
    text = meeting("a", "Varje måndag kl. 14.00") + meeting("b", "Varje tisdag kl. 14.30", "kp")
    plain = schedule(text, place_where_free=False)
    placed = schedule(text)
    assert datetime(2023, 4, 11, 14) in starts(plain, "a")
    assert conflicts.find(plain)
    assert datetime(2023, 4, 12, 14) in starts(placed, "a")  # Wednesday: the nearest free day
    assert conflicts.find(placed) == []
    # Only the occurrences that move change, and they keep their identity (UID and
    # RECURRENCE-ID): Easter Monday and May Day, whose Tuesdays are B's. Christmas Day's
    # usual choice is already free (Tuesday is annandag jul).
    before = {(o.uid, o.recurrence_id): o.start for o in plain.occurrences(activities=["a"])}
    after = {(o.uid, o.recurrence_id): o.start for o in placed.occurrences(activities=["a"])}
    assert before.keys() == after.keys()
    changed = {rid for (_, rid), start in after.items() if before[(_, rid)] != start}
    assert {rid.date() for rid in changed if isinstance(rid, datetime)} == {
        date(2023, 4, 10),
        date(2023, 5, 1),
    }
    assert after[("a@place.plancal", datetime(2023, 5, 1, 14, tzinfo=placed.plan.tz))] == (
        datetime(2023, 5, 3, 14, tzinfo=placed.plan.tz)
    )


def test_before_a_break_two_series_no_longer_land_on_one_afternoon() -> None:
    # Monday and Wednesday meetings with the same people, "before" the summer break: without
    # placement both go to the last working day before it (Thursday 22 June, as midsommar-
    # afton is a holiday), both at 13:00.
    text = meeting("x", "Varje måndag kl. 13.00", extra="    breaks: before\n") + meeting(
        "y", "Varje onsdag kl. 13.00", extra="    breaks: before\n"
    )
    plain = schedule(text, place_where_free=False)
    placed = schedule(text)
    thursday = date(2023, 6, 22)
    # (and Christmas Day's meeting moves onto Wednesday 27 December's)
    assert [d.start.date() for d in conflicts.find(plain)] == [thursday, date(2023, 12, 27)]
    assert conflicts.find(placed) == []
    x = {d.date() for d in starts(placed, "x")}
    y = {d.date() for d in starts(placed, "y")}
    assert thursday in x  # the first in the file keeps the usual choice
    # The second looks back: Wednesday 21 is its own meeting, Tuesday 20 is free.
    assert thursday not in y and date(2023, 6, 20) in y


def test_n_a_year_avoids_busy_days_and_written_dates_stay() -> None:
    text = seed_as_shipped()
    plain = compile_plan(loads(text, "seed.yaml"), place_where_free=False)
    placed = compile_plan(loads(text, "seed.yaml"))
    assert len(conflicts.find(plain)) == 7
    left = conflicts.find(placed)
    # What is left are the two pinned dates: written in the plan, so they stay, and warn.
    assert [d.start.date() for d in left] == [date(2022, 10, 24), date(2023, 2, 6)]
    assert all(d.first.where.line == d.first.activity.at("pinned").line for d in left)
    before = {o.uid: o.start for o in plain.occurrences(activities=["bra-styrgrupp"])}
    after = {o.uid: o.start for o in placed.occurrences(activities=["bra-styrgrupp"])}
    assert before.keys() == after.keys()  # the same meetings, by identity
    for uid, start in after.items():
        was = before[uid]
        assert isinstance(start, datetime) and isinstance(was, datetime)
        assert start.month == was.month  # the spread over the months holds
        if start != was:
            assert (start.date() - was.date()).days == 1  # the nearest free day: Tuesday


def test_nothing_moves_where_everyone_is_free(seed_schedule: Schedule) -> None:
    plain = compile_plan(seed_schedule.plan, place_where_free=False)
    assert plain.series == seed_schedule.series


def test_when_no_day_is_free_the_usual_choice_stays_and_is_reported() -> None:
    # B meets the officer every working day at 14:30: no day near Easter Monday is free.
    every_day = "RRULE:FREQ=WEEKLY;BYDAY=MO,TU,WE,TH,FR"
    text = meeting("a", "Varje måndag kl. 14.00") + meeting(
        "b", every_day, "kp", "    time: '14.30'\n    holidays: keep\n"
    )
    plain = schedule(text, place_where_free=False)
    placed = schedule(text)
    assert starts(placed, "a") == starts(plain, "a")
    found = [d.key for d in conflicts.find(placed)]
    assert found == [d.key for d in conflicts.find(plain)] and found


# --- the property -------------------------------------------------------------------------------

WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag"]


@st.composite
def weekly_plan(draw: st.DrawFn) -> str:
    """Crowded weeks: everyone meets the officer in the early afternoon, so some holiday
    moves find every nearby day taken."""
    text = ""
    for i in range(draw(st.integers(2, 8))):
        day = draw(st.sampled_from(WEEKDAYS))
        hour = draw(st.sampled_from(["13.00", "13.30", "14.00"]))
        who = ["kp", *draw(st.lists(st.sampled_from(["ts", "ifo"]), max_size=1))]
        policy = draw(st.sampled_from(["next", "previous"]))
        text += meeting(
            f"m{i}",
            f"Varje {day} kl. {hour}",
            ", ".join(who),
            f"    holidays: {policy}\n    breaks: continue\n",
        )
    return text


def busy_at(s: Schedule, o: Occurrence, start: datetime, timed: list[Occurrence]) -> bool:
    """Someone ``o`` books is in another activity's meeting at ``start`` (all pairs)."""
    own = set(people(s.plan, o.activity))
    end = start + o.activity.duration
    return any(
        x.activity.id != o.activity.id
        and own & set(people(s.plan, x.activity))
        and x.start < end
        and start < x.end
        for x in timed
    )


@settings(max_examples=50, deadline=None)
@given(weekly_plan())
def test_a_holiday_move_collides_with_a_fixed_meeting_only_when_no_nearby_day_is_free(
    text: str,
) -> None:
    """A meeting moved for a holiday that double-books someone in a meeting the plan fixes
    had no free working day in its window: the usual choice and four days past it."""
    s = schedule(text)
    cal = work_calendar(s.plan)
    timed = [o for o in s.occurrences() if isinstance(o.start, datetime)]
    for d in conflicts.find(s):
        for moved, other in ((d.first, d.second), (d.second, d.first)):
            o, fixed = moved.occurrence, other.occurrence
            if o.change != "moved" or fixed.change is not None:
                continue
            assert isinstance(o.recurrence_id, datetime) and isinstance(o.start, datetime)
            holiday = o.recurrence_id.date()
            step = 1 if o.activity.holiday_policy == "next" else -1
            usual = (cal.next_working_day if step > 0 else cal.previous_working_day)(holiday)
            own = {
                x.recurrence_id.date()
                for x in s.occurrences(activities=[o.activity.id])
                if isinstance(x.recurrence_id, datetime)
            }
            window = [
                usual + timedelta(days=k * step)
                for k in range(5)
                if cal.is_working_day(usual + timedelta(days=k * step))
            ]
            for day in window:
                if day != usual and day in own:
                    continue
                start = datetime.combine(day, o.start.timetz())
                assert busy_at(s, o, start, timed), (o, day)
