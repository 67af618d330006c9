"""The CalDAV target passes the contract every target passes, on Xandikos and on Radicale."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.helpers.caldav import AUTH, CalDavServer, run_push, stored
from tests.helpers.imip import _iso
from tests.helpers.target_contract import TargetContract

FOREIGN = (
    b"BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//person//EN\r\nBEGIN:VEVENT\r\n"
    b"UID:tandlakare-1\r\nDTSTAMP:20221101T000000Z\r\nDTSTART:20221108T080000Z\r\n"
    b"DTEND:20221108T090000Z\r\nSUMMARY:Tandl\xc3\xa4kare\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
)


def occurrences(server: CalDavServer, tz: Any) -> list[tuple[str, str, str]]:
    """What a client shows: the stored objects read back, expanded by recurring-ical-events."""
    import recurring_ical_events

    out = []
    for cal in stored(server):
        if not any("X-PLANCAL-PLAN" in e for e in cal.walk("VEVENT")):
            continue
        for occ in recurring_ical_events.of(cal).between(
            datetime(2000, 1, 1), datetime(2100, 1, 1)
        ):
            out.append(
                (str(occ["SUMMARY"]), _iso(occ["DTSTART"].dt, tz), _iso(occ["DTEND"].dt, tz))
            )
    return sorted(out)


class TestCalDav:
    """Mixed into the contract below once per server."""

    server: CalDavServer
    store: Any

    def push(self, schedule: Any) -> Any:
        return run_push(schedule, self.server, self.store)

    def shown(self, schedule: Any) -> list[tuple[str, str, str]]:
        return occurrences(self.server, schedule.plan.tz)

    def add_foreign(self) -> Any:
        url = self.server.collection + "tandlakare.ics"
        made = self.server.request(
            "PUT",
            url,
            FOREIGN,
            **{"Content-Type": "text/calendar", "Authorization": AUTH},
        )
        assert made.status_code in (201, 204), made.text
        return url, made.headers.get("ETag")

    def foreign_untouched(self, token: Any) -> bool:
        url, etag = token
        got = self.server.request("GET", url, Authorization=AUTH)
        touched = [e for e in self.server.writes() if e.path.endswith("tandlakare.ics")]
        return got.status_code == 200 and got.headers.get("ETag") == etag and len(touched) == 1


class TestXandikos(TestCalDav, TargetContract):
    @pytest.fixture(autouse=True)
    def _server(self, xandikos: CalDavServer, store: Any) -> None:
        self.server, self.store = xandikos, store


class TestRadicale(TestCalDav, TargetContract):
    @pytest.fixture(autouse=True)
    def _server(self, radicale: CalDavServer, store: Any) -> None:
        self.server, self.store = radicale, store
