"""VTIMEZONE from the zone's POSIX rule, as Outlook writes it, checked against zoneinfo."""

from __future__ import annotations

from datetime import date, datetime

import icalendar
import pytest

from plancal.calendars.vtimezone import (
    TimezoneRuleError,
    check_rules,
    parse_posix,
    vtimezone_lines,
)
from tests.helpers import typed

ZONES = [
    "Europe/Stockholm",
    "Europe/Helsinki",
    "America/New_York",
    "Australia/Sydney",
    "Asia/Tokyo",
    "UTC",
    "America/Sao_Paulo",
]


@pytest.mark.parametrize("key", ZONES)
def test_rule_matches_zoneinfo_for_the_plan_years(key: str) -> None:
    check_rules(key, 2020, 2035)


@pytest.mark.parametrize("key", ZONES)
def test_icalendar_reads_our_vtimezone_as_zoneinfo(key: str) -> None:
    text = "BEGIN:VCALENDAR\r\n" + "\r\n".join(vtimezone_lines(key)) + "\r\nEND:VCALENDAR\r\n"
    (component,) = icalendar.Calendar.from_ical(text).walk("VTIMEZONE")
    assert "RDATE" not in text
    ours = typed(component, icalendar.Timezone).to_tz()
    from zoneinfo import ZoneInfo

    real = ZoneInfo(key)
    for month in range(1, 13):
        for day in (1, 15, 28):
            local = datetime(2024, month, day, 14)
            assert ours.utcoffset(local) == real.utcoffset(local), (key, local)


def test_stockholm_text() -> None:
    lines = vtimezone_lines("Europe/Stockholm")
    assert "RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU" in lines
    assert "RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU" in lines
    assert "DTSTART:19700329T020000" in lines and "DTSTART:19701025T030000" in lines


def test_parse_posix_forms() -> None:
    rule = parse_posix("<-03>3")
    assert rule.std_offset == -3 * 3600 and rule.dst_start is None
    rule = parse_posix("EST5EDT,M3.2.0,M11.1.0")
    assert (rule.std_offset, rule.dst_offset) == (-5 * 3600, -4 * 3600)
    assert rule.dst_start is not None and rule.dst_start.on(2024) == date(2024, 3, 10)


def test_a_rule_rrule_cannot_express_is_refused() -> None:
    with pytest.raises(TimezoneRuleError):
        parse_posix("<-02>2<-01>,M3.5.0/-1,M10.5.0/0")


def test_a_zone_that_changed_rules_inside_the_period_is_refused() -> None:
    # Europe/Moscow kept summer time all year 2011–2014; today's rule cannot state that.
    with pytest.raises(TimezoneRuleError):
        check_rules("Europe/Moscow", 2010, 2015)
