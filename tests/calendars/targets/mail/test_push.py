"""plancal push mail against a real SMTP server: every message parsed back and checked."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime
from pathlib import Path
from typing import Any

from plancal.calendars.sync import desired
from tests.helpers.ews import BEREDNING_KEY, BEREDNING_PEOPLE, seed_variant
from tests.helpers.imip import ORGANIZER, Mail, events, invitation, rid_of, summer_break


def test_first_push_invites_every_attendee_once_per_meeting(mail: Mail, seed_schedule: Any) -> None:
    result = mail.push(seed_schedule)
    want = desired(seed_schedule, ORGANIZER)
    invitations = [invitation(r) for r in mail.received]
    expected = Counter((key, a) for key, m in want.items() for a in m.attendees)
    got = Counter((str(events(i)[0]["UID"]), i.to) for i in invitations)
    assert got == expected
    assert {i.method for i in invitations} == {"REQUEST"}
    assert len(result.target.delivery.sent) == len(invitations) == sum(expected.values())
    ids = Counter(i.message_id for i in invitations)
    assert max(ids.values()) == 1  # one Message-ID per message


def test_each_message_is_an_itip_request_clients_show_with_buttons(
    mail: Mail, seed_schedule: Any
) -> None:
    mail.push(seed_schedule)
    want = desired(seed_schedule, ORGANIZER)
    for r in mail.received:
        inv = invitation(r)
        m = inv.message
        assert m.get_content_type() == "multipart/mixed"
        alternative = next(p for p in m.walk() if p.get_content_type() == "multipart/alternative")
        kinds = [p.get_content_type() for p in alternative.iter_parts()]
        assert kinds == ["text/plain", "text/html", "text/calendar"]
        inline = next(
            p for p in alternative.iter_parts() if p.get_content_type() == "text/calendar"
        )
        assert inline.get_param("method") == "REQUEST"
        assert str(inline.get_param("charset")).upper() == "UTF-8"
        attachment = next(p for p in m.walk() if p.get_content_type() == "application/ics")
        assert attachment.get_filename() == "invite.ics"
        assert inv.inline == inv.attachment
        assert str(m["Reply-To"]) == ORGANIZER and ORGANIZER in str(m["From"])
        plain = m.get_body(("plain",))
        assert plain is not None and "svaren går till " + ORGANIZER in plain.get_content()
        assert m["Content-Language"] == "sv"

        cal = inv.calendar
        assert cal["METHOD"] == "REQUEST"
        assert [str(tz["TZID"]) for tz in cal.walk("VTIMEZONE")] == ["Europe/Stockholm"] or all(
            "TZID" not in e["DTSTART"].params for e in events(inv)
        )
        uid = str(events(inv)[0]["UID"])
        meeting = want[uid]
        masters = [e for e in events(inv) if rid_of(e) == ""]
        assert len(masters) == 1
        overrides = {rid_of(e) for e in events(inv)} - {""}
        assert len(overrides) == len(meeting.series.overrides if meeting.series else ())
        for e in events(inv):
            assert str(e["UID"]) == uid
            assert str(e["ORGANIZER"]) == f"mailto:{ORGANIZER}"
            attendees = e.get("ATTENDEE")
            attendees = attendees if isinstance(attendees, list) else [attendees]
            assert {str(a).removeprefix("mailto:") for a in attendees} == set(meeting.attendees)
            assert all(a.params["RSVP"] == "TRUE" for a in attendees)
            assert inv.to in meeting.attendees
            assert int(e["SEQUENCE"]) >= 0


def test_second_push_sends_nothing(mail: Mail, seed_schedule: Any) -> None:
    mail.push(seed_schedule)
    before = len(mail.received)
    again = mail.push(seed_schedule)
    assert again.changes == [] and len(mail.received) == before


def test_dry_run_sends_and_records_nothing(mail: Mail, seed_schedule: Any) -> None:
    dry = mail.push(seed_schedule, dry_run=True)
    assert dry.changes and mail.received == []
    real = mail.push(seed_schedule)
    assert [c.key for c in real.changes] == [c.key for c in dry.changes]


def test_summer_break_sends_only_for_the_meetings_that_change(
    mail: Mail, seed_schedule: Any
) -> None:
    mail.push(seed_schedule)
    first = len(mail.received)
    edited = summer_break(seed_schedule)
    result = mail.push(edited)
    sent = [invitation(r) for r in mail.received[first:]]
    changed = {c.key for c in result.changes}
    assert {str(events(i)[0]["UID"]) for i in sent} == changed
    # The occurrences the break removes, and nothing else, reach their attendees.
    # A meeting changes when it appears, goes, or keeps its identity at another time (N a
    # year keeps its count: the BRÅ meeting of 2023-06-26 moves to an earlier June day).
    old = {(o.uid, o.recurrence_id, o.start, o.end) for o in seed_schedule.occurrences()}
    new = {(o.uid, o.recurrence_id, o.start, o.end) for o in edited.occurrences()}
    touched = {o[0] for o in old ^ new}
    assert changed == touched
    want, was = desired(edited, ORGANIZER), desired(seed_schedule, ORGANIZER)
    for inv in sent:
        (ev, *_) = events(inv)
        uid = str(ev["UID"])
        if uid not in want:  # a single meeting the break removes: cancelled as a whole
            assert inv.method == "CANCEL" and "RECURRENCE-ID" not in ev
            assert inv.to in was[uid].attendees and ev["STATUS"] == "CANCELLED"
            gone = ev["DTSTART"].dt
        elif inv.method == "CANCEL":  # one occurrence of a series that goes on
            assert inv.to in want[uid].attendees and len(events(inv)) == 1
            assert ev["STATUS"] == "CANCELLED" and "RECURRENCE-ID" in ev
            gone = ev["RECURRENCE-ID"].dt
        else:
            continue
        day = gone.date() if isinstance(gone, datetime) else gone  # all-day: a date
        assert date(2023, 6, 26) <= day <= date(2023, 8, 6)
    # Every attendee of a changed series hears of it exactly once per cancelled occurrence.
    per = Counter((str(events(i)[0]["UID"]), i.to, rid_of(events(i)[0])) for i in sent)
    assert max(per.values()) == 1
    assert mail.push(edited).changes == []


def test_sequence_rises_with_a_change_and_the_store_knows_who_got_what(
    mail: Mail, seed_schedule: Any
) -> None:
    from plancal.state.invitations import Postbox

    mail.push(seed_schedule)
    first = len(mail.received)
    seq_before = {
        str(events(invitation(r))[0]["UID"]): int(events(invitation(r))[0]["SEQUENCE"])
        for r in mail.received
    }
    mail.push(summer_break(seed_schedule))
    box = Postbox(mail.store, f"mail:{ORGANIZER}", seed_schedule.plan.id)
    received = box.received()
    for r in mail.received[first:]:
        inv = invitation(r)
        ev = events(inv)[0]
        uid = str(ev["UID"])
        assert int(ev["SEQUENCE"]) > seq_before[uid]
        assert received[(uid, inv.to)] == (inv.method, int(ev["SEQUENCE"]))
    assert {r["status"] for r in box.rows()} == {"sent"}


def sent_since(mail: Mail, mark: int) -> list[tuple[str, str, str, str]]:
    out = []
    for r in mail.received[mark:]:
        inv = invitation(r)
        ev = events(inv)[0]
        out.append((inv.method, str(ev["UID"]), inv.to, rid_of(ev)))
    return sorted(out)


def test_added_attendee_alone_is_invited(mail: Mail, seed_schedule: Any, tmp_path: Path) -> None:
    mail.push(seed_schedule)
    mark = len(mail.received)
    schedule = seed_variant(
        tmp_path,
        beredning='    time: "09.00"\n    organizer: trygghetssamordnare\n'
        "    attendees: [trygghetssamordnare, kommunpolis, kommunjurist]\n",
    )
    mail.push(schedule)
    assert sent_since(mail, mark) == [
        ("REQUEST", BEREDNING_KEY, "kommunjurist@soderhamn.example", "")
    ]


def test_removed_attendee_alone_gets_a_cancellation(
    mail: Mail, seed_schedule: Any, tmp_path: Path
) -> None:
    mail.push(seed_schedule)
    mark = len(mail.received)
    schedule = seed_variant(
        tmp_path,
        beredning='    time: "09.00"\n    organizer: trygghetssamordnare\n'
        "    attendees: [trygghetssamordnare]\n",
    )
    mail.push(schedule)
    assert sent_since(mail, mark) == [("CANCEL", BEREDNING_KEY, "kommunpolis@polisen.example", "")]
    (ev,) = events(invitation(mail.received[-1]))
    assert (
        ev["STATUS"] == "CANCELLED" and str(ev["ATTENDEE"]) == "mailto:kommunpolis@polisen.example"
    )


def test_moved_occurrence_sends_the_series_to_its_attendees_only(
    mail: Mail, seed_schedule: Any, tmp_path: Path
) -> None:
    mail.push(seed_schedule)
    mark = len(mail.received)
    schedule = seed_variant(
        tmp_path,
        beredning='    time: "09.00"\n    organizer: trygghetssamordnare\n'
        "    attendees: [trygghetssamordnare, kommunpolis]\n"
        "    exceptions:\n      moved: {2022-11-08: 2022-11-09 10:00}\n",
    )
    mail.push(schedule)
    assert sent_since(mail, mark) == [
        ("REQUEST", BEREDNING_KEY, a, "") for a in sorted(BEREDNING_PEOPLE)
    ]
    inv = invitation(mail.received[-1])
    moved = [e for e in events(inv) if rid_of(e).startswith("2022-11-08")]
    assert len(moved) == 1 and moved[0]["DTSTART"].dt.isoformat().startswith("2022-11-09T10:00")
    assert int(moved[0]["SEQUENCE"]) > 0
