"""plancal push caldav against real servers: what they expand, what is written, and races."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.caldav import AUTH, PASSWORD, CalDavServer, calendar_data, run_push
from tests.helpers.imip import _iso, summer_break
from tests.helpers.target_contract import edited_seed, expected

EXPAND = (
    '<?xml version="1.0" encoding="utf-8"?>'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    '<D:prop><C:calendar-data><C:expand start="{start}" end="{end}"/></C:calendar-data></D:prop>'
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">'
    '<C:time-range start="{start}" end="{end}"/></C:comp-filter></C:comp-filter></C:filter>'
    "</C:calendar-query>"
)


def expanded(server: CalDavServer, schedule: Any) -> list[tuple[str, str, str]]:
    """The server's own expansion (RFC 4791 §9.6.5) over the plan period, in local time."""
    from datetime import UTC

    from icalendar import Calendar

    plan = schedule.plan
    start = datetime.combine(plan.start, datetime.min.time(), plan.tz) - timedelta(days=1)
    end = datetime.combine(plan.end, datetime.min.time(), plan.tz) + timedelta(days=2)

    def utc(d: datetime) -> str:
        return d.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")

    response = server.request(
        "REPORT",
        server.collection,
        EXPAND.format(start=utc(start), end=utc(end)).encode(),
        Depth="1",
        **{"Content-Type": "application/xml", "Authorization": AUTH},
    )
    assert response.status_code == 207, response.text
    out = []
    for data in calendar_data(response.content):
        events: list[Any] = Calendar.from_ical(data).walk("VEVENT")
        for e in events:
            s, t = e["DTSTART"].dt, e["DTEND"].dt
            out.append((str(e["SUMMARY"]), _iso(s, plan.tz), _iso(t, plan.tz)))
    return sorted(out)


def test_xandikos_expands_exactly_the_agenda(xandikos: CalDavServer, seed_schedule: Any) -> None:
    run_push(seed_schedule, xandikos)
    assert expanded(xandikos, seed_schedule) == expected(seed_schedule)


def test_xandikos_expands_the_summer_break_edit(xandikos: CalDavServer, seed_schedule: Any) -> None:
    run_push(seed_schedule, xandikos)
    edited = summer_break(seed_schedule)
    run_push(edited, xandikos)
    assert expanded(xandikos, edited) == expected(edited)


def test_second_push_only_reads(
    caldav_server: CalDavServer, seed_schedule: Any, store: Any
) -> None:
    first = run_push(seed_schedule, caldav_server, store)
    assert first.target.requests["PUT"] == len({c.key for c in first.changes})
    mark = len(caldav_server.log)
    again = run_push(seed_schedule, caldav_server, store)
    assert again.changes == [] and again.rounds == 0
    assert [e.method for e in caldav_server.log[mark:]] == ["REPORT"]


def test_every_write_is_conditional(
    caldav_server: CalDavServer, seed_schedule: Any, tmp_path: Path
) -> None:
    from plancal.calendars.sync import desired

    run_push(seed_schedule, caldav_server)
    run_push(edited_seed(tmp_path), caldav_server)
    puts = [e for e in caldav_server.log if e.method == "PUT"]
    creates = [e for e in puts if e.headers.get("If-None-Match") == "*"]
    updates = [e for e in puts if e.headers.get("If-Match")]
    assert len(creates) == len(desired(seed_schedule, "x@y"))
    assert len(updates) == 1 and len(creates) + len(updates) == len(puts)


def test_summer_break_writes_only_the_series_that_change(
    caldav_server: CalDavServer, seed_schedule: Any
) -> None:
    run_push(seed_schedule, caldav_server)
    edited = summer_break(seed_schedule)
    mark = len(caldav_server.log)
    result = run_push(edited, caldav_server)
    writes = [e for e in caldav_server.log[mark:] if e.method in ("PUT", "DELETE")]
    changed = {c.key for c in result.changes}
    # A meeting changes when it appears, goes, or keeps its identity at another time (N a
    # year keeps its count: the BRÅ meeting of 2023-06-26 moves to an earlier June day).
    old = {(o.uid, o.recurrence_id, o.start, o.end) for o in seed_schedule.occurrences()}
    new = {(o.uid, o.recurrence_id, o.start, o.end) for o in edited.occurrences()}
    assert changed == {o[0] for o in old ^ new}
    assert len(writes) == len(changed)
    assert {e.method for e in writes if e.headers.get("If-Match")} <= {"PUT", "DELETE"}
    assert all(e.headers.get("If-Match") for e in writes)  # every one an existing resource


def test_a_resource_changed_between_read_and_write_gets_412_and_is_reconciled(
    caldav_server: CalDavServer, seed_schedule: Any, tmp_path: Path
) -> None:
    """A person edits a series in their calendar app while the push runs."""
    run_push(seed_schedule, caldav_server)
    edited = edited_seed(tmp_path)
    raced: list[str] = []

    def before(entry: Any) -> None:
        if entry.method == "PUT" and not raced:
            raced.append(entry.path)
            url = caldav_server.base + entry.path
            got = caldav_server.request("GET", url, Authorization=AUTH)
            body = got.content.replace(
                b"SUMMARY:Beredningsgruppen", b"SUMMARY:Beredning (flyttad?)", 1
            )
            put = caldav_server.request(
                "PUT",
                url,
                body,
                **{
                    "If-Match": got.headers["ETag"],
                    "Content-Type": "text/calendar",
                    "Authorization": AUTH,
                },
            )
            assert put.status_code in (200, 204), put.text
        return None

    caldav_server.before = before
    result = run_push(edited, caldav_server)
    caldav_server.before = None
    statuses = [e.status for e in caldav_server.log if e.method == "PUT" and e.path == raced[0]]
    assert 412 in statuses and statuses[-1] in (200, 204)
    assert result.target.conflicts == 1 and result.rounds == 2
    from tests.calendars.targets.caldav.test_target_contract import occurrences

    assert occurrences(caldav_server, edited.plan.tz) == expected(edited)
    assert run_push(edited, caldav_server).changes == []


@pytest.mark.parametrize("status", [503, 429])
def test_busy_server_is_waited_out_as_it_asks(
    xandikos: CalDavServer, seed_schedule: Any, status: int
) -> None:
    waits: list[float] = []
    busy = [3]

    def before(entry: Any) -> tuple[int, dict[str, str]] | None:
        if entry.method == "PUT" and busy[0]:
            busy[0] -= 1
            return status, {"Retry-After": "7"}
        return None

    xandikos.before = before
    result = run_push(seed_schedule, xandikos, sleep=waits.append)
    assert waits == [7.0, 7.0, 7.0] and result.rounds == 1
    from tests.calendars.targets.caldav.test_target_contract import occurrences

    assert occurrences(xandikos, seed_schedule.plan.tz) == expected(seed_schedule)


def test_wrong_password_is_a_clear_error(radicale: CalDavServer, seed_schedule: Any) -> None:
    from plancal.calendars.targets.caldav.target import CalDavError

    radicale.before = lambda e: (401, {"WWW-Authenticate": 'Basic realm="x"'})
    with pytest.raises(CalDavError, match="PLANCAL_CALDAV_PASSWORD") as caught:
        run_push(seed_schedule, radicale)
    assert PASSWORD not in caught.value.render("en") + caught.value.render("sv")


def test_regression_the_push_ledger_is_not_keyed_by_a_password_in_the_url() -> None:
    from plancal.calendars.targets.caldav.target import Connection

    conn = Connection("https://planner:hemligt@dav.example/cal/")
    assert conn.target == "caldav:https://planner:***@dav.example/cal/"
    assert Connection("https://dav.example/cal/").target == "caldav:https://dav.example/cal/"
