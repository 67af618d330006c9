"""Thunderbird's and Evolution's parsers read the invitations as `plancal agenda` reads the plan.

The calendar parts of the messages are fed to Mozilla's ical.js (vendored, run with node) and to
libical (Debian's gir1.2-ical-3.0, run with Debian's Python): after the first push, one REQUEST
per meeting; after the summer-break edit, what an attendee's client holds once it has applied
every message in order (``tests.helpers.imip.inbox_calendars``).
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.helpers.ical import icaljs, libical
from tests.helpers.imip import Mail, events, inbox_calendars, invitation, summer_break
from tests.helpers.target_contract import expected


def local(rows: list[list[Any]], tz: Any) -> list[tuple[str, str, str]]:
    def value(v: Any) -> str:
        if isinstance(v, str):
            return v
        return datetime.fromtimestamp(v, UTC).astimezone(tz).isoformat()

    return sorted((str(s), value(a), value(b)) for s, a, b in rows)


def first_push_files(mail: Mail, tmp_path: Path) -> list[Path]:
    by_uid: dict[str, bytes] = {}
    for r in mail.received:
        inv = invitation(r)
        assert inv.method == "REQUEST"
        by_uid.setdefault(str(events(inv)[0]["UID"]), inv.inline)
    files = []
    for n, data in enumerate(by_uid.values()):
        path = tmp_path / f"request-{n}.ics"
        path.write_bytes(data)
        files.append(path)
    return files


def held_files(mail: Mail, tmp_path: Path) -> list[Path]:
    """One file per UID: what the attendees' clients hold (they agree; checked here)."""
    from icalendar import Calendar

    merged: dict[str, bytes] = {}
    for calendars in inbox_calendars(mail.received).values():
        for uid, evs in calendars.items():
            cal = Calendar()
            cal.add("VERSION", "2.0")
            cal.add("PRODID", "-//tests//inbox//EN")
            first = invitation(mail.received[0]).calendar
            for tz in first.walk("VTIMEZONE"):
                cal.add_component(tz)
            for e in evs:
                cal.add_component(e)
            data = cal.to_ical()
            assert merged.setdefault(uid, data) == data
    files = []
    for n, data in enumerate(merged.values()):
        path = tmp_path / f"held-{n}.ics"
        path.write_bytes(data)
        files.append(path)
    return files


@pytest.mark.parametrize("peer", [icaljs, libical], ids=["ical.js", "libical"])
def test_first_push_reads_as_the_agenda(
    mail: Mail, seed_schedule: Any, tmp_path: Path, peer: Any
) -> None:
    mail.push(seed_schedule)
    rows = peer(first_push_files(mail, tmp_path))
    assert local(rows, seed_schedule.plan.tz) == expected(seed_schedule)


@pytest.mark.parametrize("peer", [icaljs, libical], ids=["ical.js", "libical"])
def test_after_the_summer_break_the_inboxes_read_as_the_new_agenda(
    mail: Mail, seed_schedule: Any, tmp_path: Path, peer: Any
) -> None:
    mail.push(seed_schedule)
    edited = summer_break(seed_schedule)
    mail.push(edited)
    rows = peer(held_files(mail, tmp_path))
    assert local(rows, edited.plan.tz) == expected(edited)
