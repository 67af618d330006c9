"""Feeds read the same in every parser, stay Outlook-safe, and keep internal meetings private."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar
import pytest
import recurring_ical_events
from ical.calendar_stream import IcsCalendarStream

from plancal.calendars import ics
from plancal.calendars.feeds import feeds_for
from plancal.rules.compile import Schedule, compile_plan
from plancal.rules.model import Plan
from plancal.rules.plan import load
from tests.helpers import FIXTURES, MINIMAL, SEED, typed
from tests.helpers.ical import duration, value

STOCKHOLM = ZoneInfo("Europe/Stockholm")
GOLDEN = FIXTURES / "ics"
Row = tuple[str, str, str, str, str]  # uid, start (UTC, wall clock), end (UTC, wall clock)


@pytest.fixture(scope="module")
def seed_feeds(seed_schedule: Schedule) -> dict[str, bytes]:
    return {f.slug: data for f, data in ics.render_all(seed_schedule).items()}


def instant(value: datetime | date) -> tuple[str, str]:
    """An occurrence's start as an instant (UTC) and as wall-clock text: both must agree."""
    if isinstance(value, datetime):
        return (value.astimezone(UTC).isoformat(), value.replace(tzinfo=None).isoformat())
    return (value.isoformat(), value.isoformat())


def ours(schedule: Schedule, uids: set[str] | None = None) -> list[Row]:
    out = [
        (o.uid, *instant(o.start), *instant(o.end))
        for o in schedule.occurrences()
        if uids is None or o.uid in uids
    ]
    out += [
        (d.uid, *instant(d.start), *instant(d.due + timedelta(days=1)))
        for d in schedule.deadlines
        if uids is None or d.uid in uids
    ]
    return sorted(out)


def by_recurring_ical_events(data: bytes) -> list[Row]:
    cal = icalendar.Calendar.from_ical(data)
    events = recurring_ical_events.of(cal).between(date(2000, 1, 1), date(2040, 1, 1))
    return sorted((str(e["UID"]), *instant(e.start), *instant(e.end)) for e in events)


def by_ical(data: bytes) -> list[Row]:
    cal = IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))
    return sorted(
        (e.uid, *instant(typed(e.dtstart, date)), *instant(typed(e.dtend, date)))
        for e in cal.timeline_tz(STOCKHOLM)
    )


def uids_in(data: bytes) -> set[str]:
    unfolded = data.replace(b"\r\n ", b"")
    return {u.decode() for u in re.findall(rb"^UID:(.+?)\r$", unfolded, re.M)}


@pytest.mark.parametrize("parser", [by_recurring_ical_events, by_ical])
def test_every_feed_expands_to_our_occurrences(
    seed_schedule: Schedule, seed_feeds: dict[str, bytes], parser: Callable[[bytes], list[Row]]
) -> None:
    for slug, data in seed_feeds.items():
        expected = ours(seed_schedule, uids_in(data))
        assert parser(data) == expected, slug
    assert len(ours(seed_schedule)) == 215 + len(seed_schedule.deadlines)


def test_comparison_spans_both_dst_changes_of_each_year(seed_schedule: Schedule) -> None:
    # The weekly meetings sit at 14:00 local on both sides of every change, so their UTC hour
    # moves: the parsers agreeing with us above means they agree across the changes too.
    weekly = [o for o in seed_schedule.occurrences(activities=["avstamning-polis-ifo"])]
    starts = [typed(o.start, datetime) for o in weekly]
    hours = {(start.year, start.astimezone(UTC).hour) for start in starts}
    assert {(2022, 13), (2022, 12), (2023, 13), (2023, 12)} <= hours
    changes = [date(2022, 10, 30), date(2023, 3, 26), date(2023, 10, 29)]
    for change in changes:
        before = [o for o in weekly if change - timedelta(days=7) <= o.day < change]
        after = [o for o in weekly if change < o.day <= change + timedelta(days=7)]
        assert before and after
        first_before, first_after = (
            typed(before[0].start, datetime),
            typed(after[0].start, datetime),
        )
        assert first_before.utcoffset() != first_after.utcoffset()
        assert first_before.hour == first_after.hour == 14


def test_feeds_parse_in_icalendar_and_ical_strictly(seed_feeds: dict[str, bytes]) -> None:
    for data in seed_feeds.values():
        cal = icalendar.Calendar.from_ical(data)
        assert not cal.errors
        for event in cal.walk("VEVENT"):
            assert not event.errors, event.errors
        IcsCalendarStream.calendar_from_ics(data.decode("utf-8"))  # raises on a schema error


def test_outlook_safe_forms(seed_feeds: dict[str, bytes]) -> None:
    for data in seed_feeds.values():
        text = data.decode("utf-8")
        assert "RDATE" not in text
        assert "BYMONTH=" not in text.split("END:VTIMEZONE")[-1]  # only inside VTIMEZONE rules
        for line in text.split("\r\n"):
            assert len(line.encode("utf-8")) <= 75
            if line.startswith("EXDATE"):
                assert "," not in line.split(":", 1)[1]  # one date per EXDATE line
            if line.startswith("RRULE:") and "UNTIL=" in line and "TZID" in text:
                assert re.search(r"UNTIL=\d{8}(T\d{6}Z)?(;|$)", line)
        assert text.endswith("END:VCALENDAR\r\n")
        assert "\n" not in text.replace("\r\n", "")


def test_vtimezone_is_rrule_based_and_matches_zoneinfo(seed_feeds: dict[str, bytes]) -> None:
    cal = icalendar.Calendar.from_ical(seed_feeds["plan"])
    (tz,) = cal.walk("VTIMEZONE")
    assert str(tz["TZID"]) == "Europe/Stockholm"
    parts = {c.name: c for c in tz.subcomponents}
    assert set(parts) == {"STANDARD", "DAYLIGHT"}
    assert all("RRULE" in c and "RDATE" not in c for c in parts.values())
    # icalendar's own reading of our VTIMEZONE gives zoneinfo's offsets through the period.
    zone = typed(tz, icalendar.Timezone).to_tz()
    for day in (date(2022, 9, 5), date(2022, 12, 5), date(2023, 3, 27), date(2023, 10, 30)):
        local = datetime(day.year, day.month, day.day, 14)
        assert zone.utcoffset(local) == STOCKHOLM.utcoffset(local)


def test_feed_properties(seed_feeds: dict[str, bytes], seed_plan: Plan) -> None:
    cal = icalendar.Calendar.from_ical(seed_feeds["plan"])
    assert str(cal["X-WR-CALNAME"]) == seed_plan.name
    assert value(cal, "REFRESH-INTERVAL", timedelta) == timedelta(hours=1)
    assert duration(str(cal["X-PUBLISHED-TTL"])) == timedelta(hours=1)
    assert "VALUE=DURATION" in seed_feeds["plan"].decode()
    for event in cal.walk("VEVENT"):
        activity = seed_plan.activity_by_id.get(str(event["UID"]).split("@")[0].split(".")[0])
        if activity is not None:
            assert str(event["CLASS"]) == ("PUBLIC" if activity.public else "CONFIDENTIAL")
            if activity.reminder is not None:
                (alarm,) = event.walk("VALARM")
                assert value(alarm, "TRIGGER", timedelta) == -timedelta(minutes=activity.reminder)
        assert event["SEQUENCE"] == 0 and value(event, "DTSTAMP", datetime) == ics.DEFAULT_STAMP


def test_public_feed_has_only_public_activities_and_no_personal_data(
    seed_feeds: dict[str, bytes], seed_plan: Plan
) -> None:
    public = seed_feeds["public"].decode()
    cal = icalendar.Calendar.from_ical(public)
    internal_titles = {a.title for a in seed_plan.activities if not a.public}
    for event in cal.walk("VEVENT"):
        assert str(event["SUMMARY"]) not in internal_titles
        assert str(event["CLASS"]) == "PUBLIC"
    for forbidden in (
        "ATTENDEE",
        "ORGANIZER",
        "mailto:",
        "followup.",
        "Uppföljning",
        "@soderhamn.example",
        "@polisen.example",
        "Deltagare",
    ):
        assert forbidden not in public
    assert {str(e["SUMMARY"]) for e in cal.walk("VEVENT")} == {
        "Medborgardialog",
        "Aktuell lägesbild publiceras",
    }


def test_role_feeds_hold_their_meetings_and_deadlines(
    seed_feeds: dict[str, bytes], seed_schedule: Schedule
) -> None:
    uids = uids_in(seed_feeds["role-faltare"])
    assert uids == {
        "avstamning-polis-faltare@soderhamn-2022-2023.plancal",
        "followup.faltare-rapport-bra-2023@soderhamn-2022-2023.plancal",
    }
    assert uids_in(seed_feeds["deadlines"]) == {d.uid for d in seed_schedule.deadlines}


def test_same_plan_same_bytes() -> None:
    first = ics.render_all(compile_plan(load(SEED)))
    second = ics.render_all(compile_plan(load(SEED)))
    assert first == second


def test_revisions_set_sequence_and_dtstamp(seed_schedule: Schedule) -> None:
    parts = ics.components(seed_schedule)
    stamp = datetime(2024, 5, 1, 8, 30, tzinfo=UTC)
    revisions = {c.key: ics.Revision(3, stamp, ics.DEFAULT_STAMP) for c in parts}
    feed = next(f for f in feeds_for(seed_schedule.plan) if f.slug == "plan")
    cal = icalendar.Calendar.from_ical(ics.render(seed_schedule, feed, parts, revisions))
    for event in cal.walk("VEVENT"):
        assert event["SEQUENCE"] == 3
        assert value(event, "DTSTAMP", datetime) == stamp == value(event, "LAST-MODIFIED", datetime)


@pytest.mark.parametrize(
    ("text", "escaped"),
    [("a,b;c\\d", "a\\,b\\;c\\\\d"), ("rad 1\nrad 2", "rad 1\\nrad 2"), ("x\r\ny", "x\\ny")],
)
def test_escape(text: str, escaped: str) -> None:
    assert ics.escape(text) == escaped


def test_fold_never_splits_a_character() -> None:
    line = "SUMMARY:" + "å" * 100
    folded = ics.fold(line)
    for part in folded.split(b"\r\n"):
        assert len(part) <= 75
        part.decode("utf-8")  # each physical line is whole UTF-8
    assert folded.replace(b"\r\n ", b"").decode() == line + "\r\n"


@pytest.mark.parametrize(
    ("td", "text"),
    [
        (timedelta(hours=1), "PT1H"),
        (timedelta(minutes=90), "PT1H30M"),
        (timedelta(days=1), "P1D"),
        (-timedelta(minutes=15), "-PT15M"),
        (timedelta(days=-13, hours=-15), "-P13DT15H"),
        (timedelta(0), "PT0S"),
        (timedelta(hours=9), "PT9H"),
    ],
)
def test_durations_are_valid(td: timedelta, text: str) -> None:
    assert ics.duration(td) == text
    assert duration(text) == td


def test_golden_minimal_feed() -> None:
    """The whole minimal feed, byte for byte: a reviewer sees any change to what we emit.

    Regenerate deliberately with PLANCAL_UPDATE_GOLDEN=1.
    """
    schedule = compile_plan(load(MINIMAL))
    feed = next(f for f in feeds_for(schedule.plan) if f.slug == "plan")
    data = ics.render(schedule, feed)
    golden = GOLDEN / "minimal-plan.ics"
    if os.environ.get("PLANCAL_UPDATE_GOLDEN"):
        golden.write_bytes(data)
    assert data == golden.read_bytes()
