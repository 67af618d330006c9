"""Which reminders are owed when: pure planning, checked against the feeds' own alarms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import icalendar

from plancal.calendars import ics
from plancal.calendars.feeds import feeds_for
from plancal.calendars.reminders import is_late, owed, planned
from plancal.rules.compile import Schedule

STOCKHOLM = ZoneInfo("Europe/Stockholm")


def test_every_seed_followup_is_reminded_per_role_and_offset(seed_schedule: Schedule) -> None:
    plan = planned(seed_schedule)
    expected = sum(
        len(d.followup.remind_days) * len(d.followup.responsible) for d in seed_schedule.deadlines
    )
    assert len(plan) == expected == 82
    assert len({r.key for r in plan}) == len(plan)
    assert len({r.message_id for r in plan}) == len(plan)
    for r in plan:
        assert r.address == seed_schedule.plan.role_by_id[r.recipient].email


def test_reminders_fall_when_the_feed_alarms_ring(seed_schedule: Schedule) -> None:
    """The e-mail and the calendar alarm of a deadline come at the same moment."""
    feed = next(f for f in feeds_for(seed_schedule.plan) if f.kind == "deadlines")
    calendar = icalendar.Calendar.from_ical(ics.render(seed_schedule, feed))
    alarms: set[tuple[str, datetime]] = set()
    for event in calendar.walk("VEVENT"):
        start = event.decoded("DTSTART")
        for alarm in event.walk("VALARM"):
            # A relative trigger on an all-day event counts from local midnight.
            ring = datetime.combine(start, datetime.min.time(), STOCKHOLM) + alarm.decoded(
                "TRIGGER"
            )
            alarms.add((str(event["UID"]), ring.astimezone(UTC)))
    mails = {(r.deadline, r.owed_at) for r in planned(seed_schedule)}
    assert mails == alarms


def test_nine_local_on_both_sides_of_summer_time(seed_schedule: Schedule) -> None:
    by_day = {
        r.owed_at.astimezone(STOCKHOLM).date().isoformat(): r.owed_at
        for r in planned(seed_schedule)
    }
    assert by_day["2022-10-10"] == datetime(2022, 10, 10, 7, 0, tzinfo=UTC)  # CEST
    assert by_day["2023-01-23"] == datetime(2023, 1, 23, 8, 0, tzinfo=UTC)  # CET
    assert {r.owed_at.astimezone(STOCKHOLM).time().isoformat() for r in planned(seed_schedule)} == {
        "09:00:00"
    }


def test_only_the_newest_reminder_reached_is_owed(seed_schedule: Schedule) -> None:
    report = [
        r for r in planned(seed_schedule) if r.deadline.startswith("followup.ifo-rapport-bra-2022@")
    ]
    fourteen = report[0].owed_at
    assert {r.offset_days for r in report} == {14, 2}
    assert owed_for(seed_schedule, report[0].deadline, fourteen - timedelta(seconds=1)) == []
    assert owed_for(seed_schedule, report[0].deadline, fourteen) == [14, 14]
    two = fourteen + timedelta(days=12)
    assert owed_for(seed_schedule, report[0].deadline, two) == [2, 2]


def test_a_missed_reminder_stays_owed_until_late_days_after_the_deadline(
    seed_schedule: Schedule,
) -> None:
    uid = "followup.ifo-rapport-bra-2022@soderhamn-2022-2023.plancal"
    end_of_grace = datetime(2022, 11, 1, 0, 0, tzinfo=STOCKHOLM)  # due 10-24, + 1 + 7 days
    assert owed_for(seed_schedule, uid, end_of_grace - timedelta(seconds=1)) == [2, 2]
    assert owed_for(seed_schedule, uid, end_of_grace) == []
    assert owed_for(seed_schedule, uid, end_of_grace - timedelta(days=7), late_days=0) == []


def test_a_plan_taken_into_use_late_owes_only_what_is_recent(seed_schedule: Schedule) -> None:
    after_the_plan = datetime(2025, 6, 1, tzinfo=UTC)
    assert owed(seed_schedule, after_the_plan) == []
    everything = owed(seed_schedule, after_the_plan, late_days=100_000)
    groups = {(d.uid, r) for d in seed_schedule.deadlines for r in d.followup.responsible}
    assert len(everything) == len(groups)  # one per deadline and recipient, not one per offset


def test_late_means_a_later_local_day() -> None:
    owed_at = datetime(2023, 1, 23, 8, 0, tzinfo=UTC)  # 09:00 in Stockholm
    assert not is_late(owed_at, datetime(2023, 1, 23, 22, 59, tzinfo=UTC), STOCKHOLM)
    assert is_late(owed_at, datetime(2023, 1, 23, 23, 0, tzinfo=UTC), STOCKHOLM)


def owed_for(schedule: Schedule, uid: str, now: datetime, late_days: int = 7) -> list[int]:
    return [r.offset_days for r in owed(schedule, now, late_days) if r.deadline == uid]
