"""Double bookings: found by the sweep exactly as by comparing every pair, in and across plans."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from plancal.errors import PlanError
from plancal.rules import conflicts
from plancal.rules.busy import people
from plancal.rules.compile import Occurrence, Schedule, compile_plan
from plancal.rules.plan import loads
from tests.helpers import FIXTURES
from tests.helpers.plans import SEED_TEXT, seed_as_shipped

SHARED = FIXTURES / "plans" / "shared-officer"


def schedule_of(text: str, name: str = "t.yaml", place_where_free: bool = True) -> Schedule:
    return compile_plan(loads(text, name), place_where_free=place_where_free)


def as_written(text: str, name: str = "t.yaml") -> Schedule:
    """The plan as its rules alone place it: plancal does not move away from collisions."""
    return schedule_of(text, name, place_where_free=False)


def line_of(text: str, needle: str, after: str | None = None) -> int:
    """The 1-based line of the first ``needle`` (after the line holding ``after``)."""
    lines = text.splitlines()
    start = next(i for i, s in enumerate(lines) if after in s) if after else 0
    return next(i for i in range(start, len(lines)) if needle in lines[i]) + 1


TWO = """
id: two
name: Two meetings
period: {{start: 2023-01-01, end: 2023-03-31}}
roles:
  kp: {{name: Kommunpolis, email: kp@polisen.example}}
  utredare: {{name: Utredare, email: {second_email}}}
  ts: {{name: Trygghetssamordnare, email: ts@kommun.example}}
activities:
  - id: a
    title: A
    when: Varje måndag kl. 14.00
    duration: 60
    organizer: ts
    attendees: [kp, ts]
  - id: b
    title: B
    when: {b_when}
    attendees: [{b_people}]
{b_extra}
"""


def two(
    b_when: str = "Varje måndag kl. 14.30",
    b_people: str = "utredare",
    second_email: str = "KP@polisen.example",
    b_extra: str = "",
) -> Schedule:
    return as_written(
        TWO.format(b_when=b_when, b_people=b_people, second_email=second_email, b_extra=b_extra)
    )


def test_the_seed_as_shipped_double_books_the_officer_at_every_bra_meeting() -> None:
    text = seed_as_shipped()
    schedule = as_written(text, "seed.yaml")
    found = conflicts.find(schedule)
    bra_days = {o.day for o in schedule.occurrences(activities=["bra-styrgrupp"])}
    assert len(found) == 7 == len(bra_days)
    assert {d.start.date() for d in found} == bra_days
    for d in found:
        assert not d.allowed
        assert (d.first.activity.id, d.second.activity.id) == (
            "bra-styrgrupp",
            "avstamning-polis-ifo",
        )
        assert [p.email for p in d.people] == ["kommunpolis@polisen.example"]
        assert d.people[0].first_roles == d.people[0].second_roles == ("kommunpolis",)
        # Both places in the file: the pin that put a meeting there, else the activity.
        pinned = d.start.date() in (date(2022, 10, 24), date(2023, 2, 6))
        bra_line = (
            line_of(text, "pinned:", after="- id: bra-styrgrupp")
            if pinned
            else line_of(text, "- id: bra-styrgrupp")
        )
        assert (d.first.where.file, d.first.where.line) == ("seed.yaml", bra_line)
        assert d.second.where.line == line_of(text, "- id: avstamning-polis-ifo")
    # 2022-12-27: both moved there from annandag jul.
    moved = [d for d in found if d.start.date() == date(2022, 12, 27)]
    reasons = [m.occurrence.reason for d in moved for m in (d.first, d.second)]
    assert [r.render("en") if r else None for r in reasons] == [
        "moved from 2022-12-26 (Second Day of Christmas)"  # English names in English
    ] * 2


def test_the_warnings_name_person_day_time_both_activities_and_both_lines() -> None:
    text = seed_as_shipped()
    found = conflicts.find(as_written(text, "seed.yaml"))
    warnings = conflicts.warnings(found)
    assert len(warnings) == 7 and all(w.severity == "warning" for w in warnings)
    first = next(w for w in warnings if "2022-10-24" in w.message.render("en"))
    ifo_line = line_of(text, "- id: avstamning-polis-ifo")
    pin_line = line_of(text, "pinned:", after="- id: bra-styrgrupp")
    en, sv = first.render("en"), first.render("sv")
    assert en.startswith(f"seed.yaml:{pin_line}:")
    assert "double booking on Monday 2022-10-24 14:00–14:45" in en
    assert "Community police officer <kommunpolis@polisen.example>" in en
    assert "Lokalt BRÅ, styrgrupp (13:00–15:00, seed.yaml:" in en
    assert f"(14:00–14:45, seed.yaml:{ifo_line}:" in en
    assert "dubbelbokning måndag 2022-10-24 14:00–14:45" in sv
    assert "Kommunpolis <kommunpolis@polisen.example> är med i både" in sv
    assert "overlaps: [avstamning-polis-ifo]" in sv and "under 'bra-styrgrupp'" in sv


def test_the_seed_has_no_double_booking(seed_schedule: Schedule) -> None:
    assert conflicts.find(seed_schedule) == []


def test_a_person_is_an_address_whatever_the_role() -> None:
    found = conflicts.find(two())
    assert found, "kp and utredare share an address, in another letter case"
    d = found[0]
    assert [(p.email, p.first_roles, p.second_roles) for p in d.people] == [
        ("kp@polisen.example", ("kp",), ("utredare",))
    ]
    assert conflicts.find(two(second_email="utredare@polisen.example")) == []


def test_meetings_that_only_touch_do_not_collide() -> None:
    assert conflicts.find(two(b_when="Varje måndag kl. 15.00")) == []
    assert conflicts.find(two(b_when="Varje måndag kl. 13.00", b_extra="    duration: 60")) == []
    assert conflicts.find(two(b_when="Varje måndag kl. 13.00", b_extra="    duration: 61"))


@pytest.mark.parametrize(
    ("b_when", "b_extra"),
    [
        ("Varje måndag", "    all_day: true"),  # an all-day item books nobody
        ("När behov uppstår", ""),  # nor does an activity without fixed time
    ],
)
def test_all_day_and_undated_activities_book_nobody(b_when: str, b_extra: str) -> None:
    assert conflicts.find(two(b_when=b_when, b_extra=b_extra)) == []


def test_overlaps_allows_the_pair_from_either_side() -> None:
    for schedule in (
        two(b_extra="    overlaps: [a]"),
        as_written(
            TWO.format(
                b_when="Varje måndag kl. 14.30",
                b_people="utredare",
                second_email="kp@polisen.example",
                b_extra="",
            ).replace("    duration: 60\n", "    duration: 60\n    overlaps: b\n")
        ),
    ):
        found = conflicts.find(schedule)
        assert found and all(d.allowed for d in found)
        assert conflicts.warnings(found) == []


@pytest.mark.parametrize(
    ("overlaps", "error"),
    [("[c]", "'overlaps' names an unknown activity 'c'"), ("[b]", "'b' cannot overlap itself")],
)
def test_overlaps_must_name_another_activity(overlaps: str, error: str) -> None:
    with pytest.raises(PlanError) as e:
        two(b_extra=f"    overlaps: {overlaps}")
    assert error in e.value.render("en")


def test_a_range_keeps_the_double_bookings_that_begin_in_it() -> None:
    schedule = two()
    everything = conflicts.find(schedule)
    february = conflicts.find(schedule, date(2023, 2, 1), date(2023, 2, 28))
    assert february == [d for d in everything if d.start.month == 2]
    assert 0 < len(february) < len(everything)


def test_plans_that_share_an_officer_collide_where_both_meet() -> None:
    bollnas = compile_plan(loads((SHARED / "bollnas.yaml").read_bytes(), "bollnas.yaml"))
    ljusdal = compile_plan(loads((SHARED / "ljusdal.yaml").read_bytes(), "ljusdal.yaml"))
    assert conflicts.find(bollnas) == [] and conflicts.find(ljusdal) == []
    found = conflicts.find_across([bollnas, ljusdal])
    both = {o.day for o in bollnas.occurrences()} & {o.day for o in ljusdal.occurrences()}
    assert {d.start.date() for d in found} == both and len(found) == len(both) > 0
    for d in found:
        assert (d.first.plan.id, d.second.plan.id) == ("bollnas-2023", "ljusdal-2023")
        assert [(p.email, p.first_roles, p.second_roles) for p in d.people] == [
            ("kommunpolis.norra@polisen.example", ("kommunpolis",), ("polis",))
        ]
        assert not d.allowed
        assert "agree who goes" in conflicts.warnings([d])[0].render("en")


def test_plans_in_other_time_zones_are_compared_in_real_time() -> None:
    """09:00–10:30 in Helsinki is 08:00–09:30 in Stockholm: clear of Bollnäs at 10:00."""
    bollnas = compile_plan(loads((SHARED / "bollnas.yaml").read_bytes(), "bollnas.yaml"))
    text = (SHARED / "ljusdal.yaml").read_text(encoding="utf-8")
    at_nine = text.replace('time: "10.30"', 'time: "09.00"')
    assert conflicts.find_across([bollnas, schedule_of(at_nine)])
    helsinki = at_nine.replace("timezone: Europe/Stockholm", "timezone: Europe/Helsinki")
    assert conflicts.find_across([bollnas, schedule_of(helsinki)]) == []


# --- the sweep is the all-pairs answer, faster ------------------------------------------------

PEOPLE = ["kp", "ts", "ifo", "alias"]  # "alias" has kp's address
GEN = """
id: gen
name: Generated
period: {start: 2023-01-01, end: 2023-06-30}
roles:
  kp: {name: Kommunpolis, email: kp@polisen.example}
  ts: {name: Trygghetssamordnare, email: ts@kommun.example}
  ifo: {name: IFO, email: ifo@kommun.example}
  alias: {name: Utredare, email: kp@polisen.example}
activities:
"""


@st.composite
def generated_plan(draw: st.DrawFn) -> str:
    text = GEN
    for i in range(draw(st.integers(2, 6))):
        day = draw(st.sampled_from(["måndag", "tisdag", "onsdag"]))
        at = f"{draw(st.integers(8, 15))}.{draw(st.sampled_from(['00', '15', '30', '45']))}"
        when = draw(st.sampled_from(["Varje {d} kl. {t}", "varannan {d} kl. {t}", "2 ggr/år"]))
        when = draw(st.sampled_from([when, "varje månad"])).format(d=day, t=at)
        people = draw(st.lists(st.sampled_from(PEOPLE), min_size=1, max_size=3, unique=True))
        duration = draw(st.sampled_from([30, 45, 60, 90, 120, 240]))
        policy = draw(st.sampled_from(["next", "previous", "keep"]))
        text += (
            f"  - id: a{i}\n    title: A{i}\n    when: {when}\n    weekday: {day}\n"
            f"    week: {draw(st.integers(1, 4))}\n    time: '{at}'\n"
            f"    duration: {duration}\n    attendees: [{', '.join(people)}]\n"
            f"    holidays: {policy}\n"
        )
    return text


def all_pairs(schedule: Schedule) -> set[frozenset[tuple[str, str]]]:
    """The reference: every pair of timed meetings of different activities, compared."""
    plan = schedule.plan
    timed: list[Occurrence] = [o for o in schedule.occurrences() if isinstance(o.start, datetime)]
    out = set()
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if a.activity.id == b.activity.id:
                continue
            shared = set(people(plan, a.activity)) & set(people(plan, b.activity))
            if shared and a.start < b.end and b.start < a.end:
                out.add(frozenset({(a.uid, str(a.recurrence_id)), (b.uid, str(b.recurrence_id))}))
    return out


@settings(max_examples=60, deadline=None)
@given(generated_plan())
def test_the_sweep_finds_exactly_what_comparing_every_pair_finds(text: str) -> None:
    schedule = as_written(text)
    found = {
        frozenset(
            {(m.occurrence.uid, str(m.occurrence.recurrence_id)) for m in (d.first, d.second)}
        )
        for d in conflicts.find(schedule)
    }
    assert found == all_pairs(schedule)


def test_the_seed_text_is_what_the_helper_varies() -> None:
    assert seed_as_shipped() != SEED_TEXT


@settings(max_examples=40, deadline=None)
@given(
    generated_plan(),
    st.dates(date(2022, 12, 25), date(2023, 7, 5)),
    st.integers(0, 60),
)
def test_a_range_of_the_whole_plans_sweep_is_the_sweep_of_the_range(
    text: str, start: date, days: int
) -> None:
    """The agenda marks the days it shows from the check's sweep over the whole plan."""
    schedule = as_written(text)
    end = date.fromordinal(start.toordinal() + days)
    keys = [d.key for d in conflicts.within(conflicts.find(schedule), start, end)]
    assert keys == [d.key for d in conflicts.find(schedule, start, end)]
