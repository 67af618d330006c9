"""`plancal push exchange` against the EWS simulator, through the real exchangelib."""

from __future__ import annotations

import json
import subprocess
import sys
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plancal.calendars.sync import desired
from plancal.calendars.sync import messages as sync_messages
from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.ews import (
    BEREDNING,
    BEREDNING_KEY,
    BEREDNING_PEOPLE,
    ORGANIZER,
    agenda_of,
    beredning,
    connection,
    occurrences_in,
    run_push,
    seed_variant,
)
from tests.simulators.ews import Simulator


def invitations(sim: Simulator, since: int = 0) -> Counter[tuple[str, str, str]]:
    return Counter((s.attendee, s.item, s.kind) for s in sim.sent[since:])


def key_of(sim: Simulator) -> dict[str, str]:
    """Simulator UID → plancal key, read from the tag plancal wrote."""
    out = {}
    for item in sim.calendar(ORGANIZER):
        for (_, name, _), value in item.extended.items():
            if name == "plancal-key":
                out[item.uid] = value
    return out


def messages(
    sim: Simulator, since: int = 0, keys: dict[str, str] | None = None
) -> list[tuple[str, str, str, Any]]:
    keys = keys or key_of(sim)
    rows = (
        (
            s.kind,
            keys.get(s.item, s.item),
            s.attendee,
            s.occurrence.isoformat() if s.occurrence else None,
        )
        for s in sim.sent[since:]
    )
    return sorted(rows, key=lambda m: (m[0], m[1], m[2], m[3] or ""))


def writes_since(sim: Simulator, mark: int) -> list[str]:
    return [e.operation for e in sim.log[mark:] if e.write]


# --- the seed plan --------------------------------------------------------------------------------


def test_seed_calendar_view_equals_the_agenda(sim: Simulator, seed_schedule: Any) -> None:
    """Read back through exchangelib's own calendar view, compared with `plancal agenda`."""
    from exchangelib import EWSDateTime, EWSTimeZone

    from plancal.calendars.targets.exchange.target import ExchangeTarget

    run_push(seed_schedule, sim)
    target = ExchangeTarget(connection(sim), seed_schedule.plan.id, seed_schedule.plan.tz)
    tz = EWSTimeZone("Europe/Stockholm")
    view = target.calendar().view(
        start=EWSDateTime(2022, 8, 1, tzinfo=tz), end=EWSDateTime(2024, 2, 1, tzinfo=tz)
    )
    got = []
    for item in view.only("subject", "start", "end", "is_all_day"):
        if item.is_all_day:  # exchangelib gives all-day times as dates
            assert not isinstance(item.start, datetime)  # and the end is the last day itself
            got.append(
                (item.subject, item.start.isoformat(), (item.end + timedelta(days=1)).isoformat())
            )
        else:
            got.append(
                (
                    item.subject,
                    item.start.astimezone(tz).isoformat(),
                    item.end.astimezone(tz).isoformat(),
                )
            )
    run = subprocess.run(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "agenda",
            str(SEED),
            "--kind",
            "meetings",
            "--format",
            "json",
            "--lang",
            "sv",  # the titles as Exchange holds them: the plan's own (English has title_en)
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    agenda = [json.loads(line) for line in run.stdout.splitlines()]
    expected = [(r["title"], r["start"], r["end"]) for r in agenda if r["kind"] == "meeting"]
    assert len(expected) == 215
    assert sorted(got) == sorted(expected)


def test_every_attendee_is_invited_once_per_meeting_and_once_per_series_exception(
    sim: Simulator, seed_schedule: Any
) -> None:
    """A series with moved occurrences reaches each attendee as the series plus one meeting
    request per exception (Exchange's count, modelled by the simulator); the dry run says so."""
    dry = run_push(seed_schedule, sim, dry_run=True)
    run_push(seed_schedule, sim)
    want = desired(seed_schedule, ORGANIZER)
    expected = Counter(
        {(a, key, "invitation"): 1 + len(m.moved) for key, m in want.items() for a in m.attendees}
    )
    assert any(m.moved for m in want.values())  # the seed has series with exceptions
    predicted = sync_messages(dry.changes)
    assert predicted.invitations == Counter(
        a for (a, _, _), n in expected.items() for _ in range(n)
    )
    keys = key_of(sim)
    got: Counter[tuple[str, str, str]] = Counter()
    for (a, uid, kind), n in invitations(sim).items():
        got[(a, keys[uid], kind)] += n
    assert got == expected
    assert len(sim.calendar(ORGANIZER)) == len(want) == 23


def test_series_carry_the_plan_mapping(sim: Simulator, seed_schedule: Any) -> None:
    run_push(seed_schedule, sim)
    items = {i.subject: i for i in sim.calendar(ORGANIZER)}
    weekly = items["Avstämning polis och IFO – ungdomar i kriminalitet"]
    assert weekly.recurrence is not None and weekly.recurrence["kind"] == "weekly"
    assert weekly.recurrence["days"] == ["Monday"]
    assert weekly.start_tz == "W. Europe Standard Time"
    assert len(weekly.modified) == 4 and not weekly.deleted
    monthly = items["Beredningsgruppen"]
    assert monthly.recurrence is not None and monthly.recurrence["kind"] == "relative-monthly"
    assert (monthly.recurrence["days"], monthly.recurrence["index"]) == (["Tuesday"], 2)
    assert len(monthly.deleted) == 1  # July, the summer break
    assert monthly.sensitivity == "Private"  # internal
    assert monthly.reminder_set and monthly.reminder_minutes == 15
    public = items["Aktuell lägesbild publiceras"]
    assert public.all_day and public.sensitivity == "Normal" and not public.reminder_set
    insats = [
        i for i in items.values() if i.subject.startswith("Gemensam operativ narkotikainsats")
    ]
    assert insats and all(i.recurrence is None and i.reminder_minutes == 60 for i in insats)


def test_second_push_only_reads_and_sends_nothing(
    sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    store = Store(str(tmp_path / "state.sqlite"))
    run_push(seed_schedule, sim, store)
    mark, sent = len(sim.log), len(sim.sent)
    again = run_push(seed_schedule, sim, store)
    assert again.changes == [] and again.rounds == 0
    assert writes_since(sim, mark) == []
    assert len(sim.sent) == sent
    # A search and the details of what it found, one request per 100 items.
    reads = Counter(e.operation for e in sim.log[mark:])
    assert set(reads) <= {"ConvertId", "GetFolder", "FindItem", "GetItem"}
    assert reads["FindItem"] == reads["GetItem"] == 1


def test_dry_run_writes_nothing_and_says_who_hears(sim: Simulator, seed_schedule: Any) -> None:
    result = run_push(seed_schedule, sim, dry_run=True)
    assert writes_since(sim, 0) == [] and sim.sent == []
    assert len(result.changes) == 23
    assert sum(len(c.invite) for c in result.changes) == sum(
        len(m.attendees) for m in desired(seed_schedule, ORGANIZER).values()
    )


# --- one change in the plan, one change in the calendar -------------------------------------------


@pytest.fixture
def pushed(sim: Simulator, seed_schedule: Any) -> Simulator:
    run_push(seed_schedule, sim)
    return sim


def test_moved_occurrence_updates_only_its_attendees(pushed: Simulator, tmp_path: Path) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path, **beredning("    exceptions:\n      moved: {2022-11-08: 2022-11-09 10:00}\n")
    )
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["move-occurrence"]
    assert writes_since(sim, mark) == ["UpdateItem"]
    rid = datetime(2022, 11, 8, 8, 0, tzinfo=UTC).isoformat()
    assert messages(sim, sent) == sorted(
        ("update", BEREDNING_KEY, a, rid) for a in BEREDNING_PEOPLE
    )
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


def test_cancelled_occurrence_cancels_for_its_attendees_only(
    pushed: Simulator, tmp_path: Path
) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path, **beredning("    exceptions:\n      cancelled: [2023-03-14]\n")
    )
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["cancel-occurrence"]
    assert writes_since(sim, mark) == ["DeleteItem"]
    rid = datetime(2023, 3, 14, 8, 0, tzinfo=UTC).isoformat()
    assert messages(sim, sent) == sorted(
        ("cancellation", BEREDNING_KEY, a, rid) for a in BEREDNING_PEOPLE
    )
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


def test_added_occurrence_is_a_single_meeting_for_its_attendees(
    pushed: Simulator, tmp_path: Path
) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path, **beredning("    exceptions:\n      added: [2023-03-21 09:00]\n")
    )
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["create-meeting"]
    assert writes_since(sim, mark) == ["CreateItem"]
    key = "beredningsgrupp.added-20230321@soderhamn-2022-2023.plancal"
    assert messages(sim, sent) == sorted(("invitation", key, a, None) for a in BEREDNING_PEOPLE)
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


def test_a_restored_occurrence_is_one_invitation_beside_its_series_and_stays_so(
    sim: Simulator, tmp_path: Path
) -> None:
    """Exchange cannot undelete an occurrence. Announcing the series anew would send its
    master and its one moved occurrence (two messages each); a single meeting for the restored
    occurrence is one invitation. Later pushes read it back as part of the series: nothing
    flaps, a new place reaches it too, and cancelling it again is one cancellation."""
    exceptions = "    exceptions:\n      moved: {2022-11-08: 2022-11-09 10:00}\n"
    cancelled = seed_variant(
        tmp_path,
        "a.yaml",
        **beredning(exceptions.replace("moved", "cancelled: [2023-03-14]\n      moved")),
    )
    run_push(cancelled, sim)
    restored = seed_variant(tmp_path, "b.yaml", **beredning(exceptions))
    sent, mark = len(sim.sent), len(sim.log)
    dry = run_push(restored, sim, dry_run=True)
    result = run_push(restored, sim)
    assert [c.kind for c in result.changes] == ["restore-occurrence"]
    assert writes_since(sim, mark) == ["CreateItem"]  # the series itself is not touched
    keys = key_of(sim)
    heard = messages(sim, sent, keys)
    assert heard == sorted(("invitation", BEREDNING_KEY, a, None) for a in BEREDNING_PEOPLE)
    predicted = sync_messages(dry.changes, apart=dry.apart)
    assert predicted.invitations == {a: 1 for a in BEREDNING_PEOPLE} and not predicted.updates
    assert occurrences_in(sim, restored.plan.tz) == agenda_of(restored)
    # Read back, the single meeting is the series' occurrence: nothing left to do.
    mark = len(sim.log)
    assert run_push(restored, sim).changes == []
    assert writes_since(sim, mark) == []
    # A new place reaches the series (master and its exception) and the single meeting.
    moved_place = seed_variant(
        tmp_path, "c.yaml", **beredning(exceptions + "    place: Stadshuset, rum 2\n")
    )
    sent = len(sim.sent)
    dry = run_push(moved_place, sim, dry_run=True)
    run_push(moved_place, sim)
    per = Counter(s.attendee for s in sim.sent[sent:])
    assert dict(per) == {a: 3 for a in BEREDNING_PEOPLE}
    assert sync_messages(dry.changes, apart=dry.apart).updates == dict(per)
    assert {i.location for i in sim.calendar(ORGANIZER) if keys.get(i.uid) == BEREDNING_KEY} == {
        "Stadshuset, rum 2"
    }
    assert run_push(moved_place, sim).changes == []
    # Cancelled again: the single meeting goes, one cancellation each, and the series stays.
    again = seed_variant(
        tmp_path,
        "d.yaml",
        **beredning(
            exceptions.replace("moved", "cancelled: [2023-03-14]\n      moved")
            + "    place: Stadshuset, rum 2\n"
        ),
    )
    sent = len(sim.sent)
    dry = run_push(again, sim, dry_run=True)
    run_push(again, sim)
    assert messages(sim, sent, keys) == sorted(
        ("cancellation", BEREDNING_KEY, a, None) for a in BEREDNING_PEOPLE
    )
    assert sync_messages(dry.changes, apart=dry.apart).cancellations == {
        a: 1 for a in BEREDNING_PEOPLE
    }
    assert occurrences_in(sim, again.plan.tz) == agenda_of(again)
    assert run_push(again, sim).changes == []


def test_a_new_time_for_a_series_with_a_restored_occurrence_apart_takes_it_back_in(
    sim: Simulator, tmp_path: Path
) -> None:
    """The series is written anew at its new time, occurrence included: the meeting that held
    the restored occurrence is cancelled once, and the dry run counts that too."""
    exceptions = "    exceptions:\n      moved: {2022-11-08: 2022-11-09 10:00}\n"
    cancelled = exceptions.replace("moved", "cancelled: [2023-03-14]\n      moved")
    run_push(seed_variant(tmp_path, "a.yaml", **beredning(cancelled)), sim)
    run_push(seed_variant(tmp_path, "b.yaml", **beredning(exceptions)), sim)
    singles = [i for i in sim.calendar(ORGANIZER) if i.recurrence is None]
    later = seed_variant(
        tmp_path,
        "c.yaml",
        beredning=BEREDNING.replace('"09.00"', '"11.00"') + exceptions,
    )
    sent = len(sim.sent)
    dry = run_push(later, sim, dry_run=True)
    run_push(later, sim)
    assert len([i for i in sim.calendar(ORGANIZER) if i.recurrence is None]) == len(singles) - 1
    per = Counter((s.attendee, s.kind) for s in sim.sent[sent:])
    predicted = sync_messages(dry.changes, apart=dry.apart)
    for a in BEREDNING_PEOPLE:
        assert per[(a, "cancellation")] == predicted.cancellations[a] == 1
        assert per[(a, "update")] == predicted.updates[a]
    assert occurrences_in(sim, later.plan.tz) == agenda_of(later)
    assert run_push(later, sim).changes == []


def test_regression_single_meeting_on_a_new_day_reaches_exchange(
    pushed: Simulator, tmp_path: Path
) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path,
        **{
            "pinned: [2022-10-24 09:00, 2023-02-06 09:00]": "pinned: [2022-10-25 09:00, 2023-02-06 09:00]"
        },
    )
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["update-meeting"]
    assert writes_since(sim, mark) == ["UpdateItem"]
    key = "bra-styrgrupp.2022-10@soderhamn-2022-2023.plancal"
    people = desired(schedule, ORGANIZER)[key].attendees
    assert messages(sim, sent) == sorted(("update", key, a, None) for a in people)
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


def test_new_place_is_one_update_to_that_activitys_attendees(
    pushed: Simulator, tmp_path: Path
) -> None:
    sim = pushed
    schedule = seed_variant(tmp_path, **beredning("    place: Kommunhuset, sal 2\n"))
    mark, sent = len(sim.log), len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["update-series"]
    assert writes_since(sim, mark) == ["UpdateItem"]
    assert messages(sim, sent) == sorted(
        ("update", BEREDNING_KEY, a, None) for a in BEREDNING_PEOPLE
    )
    item = next(i for i in sim.calendar(ORGANIZER) if i.subject == "Beredningsgruppen")
    assert item.location == "Kommunhuset, sal 2" and len(item.deleted) == 1  # exceptions kept


def test_added_attendee_alone_is_invited(pushed: Simulator, tmp_path: Path) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path,
        **{
            "beredning": '    time: "09.00"\n    organizer: trygghetssamordnare\n'
            "    attendees: [trygghetssamordnare, kommunpolis, kommunjurist]\n"
        },
    )
    sent = len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["update-series"]
    assert messages(sim, sent) == [
        ("invitation", BEREDNING_KEY, "kommunjurist@soderhamn.example", None)
    ]


def test_removed_attendee_alone_gets_a_cancellation(pushed: Simulator, tmp_path: Path) -> None:
    sim = pushed
    schedule = seed_variant(
        tmp_path,
        **{
            "beredning": '    time: "09.00"\n    organizer: trygghetssamordnare\n'
            "    attendees: [trygghetssamordnare]\n"
        },
    )
    sent = len(sim.sent)
    run_push(schedule, sim)
    assert messages(sim, sent) == [
        ("cancellation", BEREDNING_KEY, "kommunpolis@polisen.example", None)
    ]


def test_new_time_rewrites_the_series_with_one_update_each(
    pushed: Simulator, tmp_path: Path
) -> None:
    sim = pushed
    # 11:00, not 13:00: at 13:00–14:30 the Tuesday 2023-04-11 meeting would overlap the
    # avstämning moved there from Easter Monday, which placement would then move on a day.
    schedule = seed_variant(
        tmp_path,
        **{
            "beredning": '    time: "11.00"\n    organizer: trygghetssamordnare\n'
            "    attendees: [trygghetssamordnare, kommunpolis]\n"
        },
    )
    sent = len(sim.sent)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["update-series"]
    assert result.changes[0].reschedules
    assert messages(sim, sent) == sorted(
        ("update", BEREDNING_KEY, a, None) for a in BEREDNING_PEOPLE
    )
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


def test_activity_removed_from_the_plan_is_cancelled(pushed: Simulator, tmp_path: Path) -> None:
    sim = pushed
    text = SEED.read_text(encoding="utf-8")
    start = text.index("  - id: beredningsgrupp")
    end = text.index("  - id: lagesbild\n")
    path = tmp_path / "plan.yaml"
    path.write_text(text[:start] + text[end:], encoding="utf-8")
    from plancal.app.check import load_schedule

    schedule, _ = load_schedule(path)
    sent, keys = len(sim.sent), key_of(sim)
    result = run_push(schedule, sim)
    assert [c.kind for c in result.changes] == ["cancel-series"]
    assert messages(sim, sent, keys) == sorted(
        ("cancellation", BEREDNING_KEY, a, None) for a in BEREDNING_PEOPLE
    )
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)


# --- what plancal did not make -------------------------------------------------------------------


def test_items_plancal_did_not_create_are_never_touched(
    sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    tz = seed_schedule.plan.tz
    mine = sim.add_item(
        ORGANIZER,
        subject="Beredningsgruppen",  # same title, no tag
        start=datetime(2022, 9, 13, 9, tzinfo=tz).astimezone(UTC),
        end=datetime(2022, 9, 13, 10, tzinfo=tz).astimezone(UTC),
        start_tz="W. Europe Standard Time",
        end_tz="W. Europe Standard Time",
        required=["kommunpolis@polisen.example"],
    )
    other_plan = sim.add_item(
        ORGANIZER,
        subject="Annan plan",
        extended={
            ("5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11", "plancal-plan", "String"): "annan-plan",
            ("5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11", "plancal-key", "String"): "x@annan-plan",
        },
        start=datetime(2022, 9, 14, 9, tzinfo=UTC),
        end=datetime(2022, 9, 14, 10, tzinfo=UTC),
    )
    run_push(seed_schedule, sim)
    smaller = seed_variant(
        tmp_path, **beredning("    exceptions:\n      cancelled: [2022-09-13]\n")
    )
    run_push(smaller, sim)
    run_push(seed_schedule, sim)
    items = {i.id: i for i in sim.calendar(ORGANIZER)}
    for foreign in (mine, other_plan):
        assert items[foreign.id] is foreign and foreign.change == 1
    assert not any(s.item in (mine.uid, other_plan.uid) for s in sim.sent)


# --- connection and settings --------------------------------------------------------------------


def test_wrong_password_is_a_clear_error_without_the_password(
    sim: Simulator, seed_schedule: Any
) -> None:
    from plancal.calendars.targets.exchange.target import ExchangeError

    with pytest.raises(ExchangeError) as caught:
        run_push(seed_schedule, sim, password="fel-lösen-999")
    assert "refused the sign-in" in str(caught.value)
    assert "fel-lösen-999" not in str(caught.value)


def test_mailbox_without_rights_is_a_clear_error(sim: Simulator, seed_schedule: Any) -> None:
    from plancal.calendars.targets.exchange.target import ExchangeError

    with pytest.raises(ExchangeError) as caught:
        run_push(seed_schedule, sim, mailbox="annan@soderhamn.example")
    assert "annan@soderhamn.example" in str(caught.value) and "delegate" in str(caught.value)


def test_oauth2_client_credentials_with_impersonation(
    ews_schema: Any, seed_schedule: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # oauthlib refuses http token endpoints unless told this is a local test.
    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")
    sim = Simulator(
        ews_schema, users={}, clients={"app-id": "app-hemlighet"}, impersonators={"app:app-id"}
    ).start()
    try:
        run_push(
            seed_schedule,
            sim,
            auth="oauth2",
            username=None,
            password=None,
            client_id="app-id",
            client_secret="app-hemlighet",
            tenant_id="tenant",
            authority=sim.token_url_base,
            access="impersonation",
        )
        assert len(sim.calendar(ORGANIZER)) == 23
        assert all(e.mailbox in (None, ORGANIZER) for e in sim.log)
    finally:
        sim.stop()
    assert not sim.schema_errors


def test_oauth2_with_a_certificate_signs_in_through_msal_and_keeps_the_key_secret(
    ews_schema: Any,
    seed_schedule: Any,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """App-only OAuth for Exchange Online with a certificate: MSAL signs a client assertion
    with the private key (a certificate made here), the stand-in for Entra ID checks it with
    the certificate uploaded to the app, and EWS accepts the token it issued for EWS only."""
    from plancal.calendars.targets.exchange.target import ExchangeError
    from tests.helpers.ews import self_signed
    from tests.helpers.graph import Loopback

    monkeypatch.setenv("OAUTHLIB_INSECURE_TRANSPORT", "1")  # EWS itself on http loopback
    cert, pem, thumbprint = self_signed()
    sim = Simulator(ews_schema, users={}, impersonators={"app:app-id": {ORGANIZER}}).start()
    sim.certificates["app-id"] = cert
    oauth: dict[str, Any] = {
        "auth": "oauth2",
        "username": None,
        "password": None,
        "client_id": "app-id",
        "tenant_id": "tenant",
        "authority": "https://login.microsoftonline.com",
        "access": "impersonation",
        "http_client": Loopback(sim.token_url_base),
    }
    try:
        run_push(seed_schedule, sim, certificate=pem, thumbprint=thumbprint, **oauth)
        assert len(sim.calendar(ORGANIZER)) == len(seed_schedule.series)
        assert sim.sign_ins and set(sim.sign_ins) == {"certificate"}
        # Another key with the same thumbprint is refused by the token endpoint, in words.
        _, other, _ = self_signed()
        with pytest.raises(ExchangeError) as caught:
            run_push(seed_schedule, sim, certificate=other, thumbprint=thumbprint, **oauth)
        assert "invalid_client" in caught.value.render("en")
        assert "PLANCAL_EXCHANGE_CERTIFICATE" in caught.value.render("sv")
        # A token issued for another resource (Graph) does not open EWS.
        sim.tokens["graph-token"], sim.token_scopes["graph-token"] = (
            "app-id",
            "https://graph.microsoft.com/.default",
        )
        assert sim._authenticate(_Bearer("graph-token")) is None  # type: ignore[arg-type]
    finally:
        sim.stop()
    out = capsys.readouterr()
    assert "PRIVATE KEY" not in out.out + out.err
    assert not sim.schema_errors


class _Bearer:
    def __init__(self, token: str):
        self.headers = {"Authorization": f"Bearer {token}"}


def test_regression_all_day_occurrence_keys_are_dates(
    pushed: Simulator, seed_schedule: Any
) -> None:
    from plancal.calendars.targets.exchange.target import ExchangeTarget

    target = ExchangeTarget(connection(pushed), seed_schedule.plan.id, seed_schedule.plan.tz)
    held = target.read()
    public = held["lagesbild-allmanheten@soderhamn-2022-2023.plancal"]
    assert public.cancelled == {date(2023, 7, 7)}
    assert public.moved == {date(2023, 1, 6): date(2023, 1, 9), date(2023, 4, 7): date(2023, 4, 11)}


def test_ntlm_sign_in(
    ews_schema: Any, seed_schedule: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Exchange Server on premises: a real NTLM handshake with the simulator."""
    accounts = tmp_path / "ntlm-users"
    accounts.write_text("KOMMUN:svc-plancal:Vinter-2024\n", encoding="utf-8")
    monkeypatch.setenv("NTLM_USER_FILE", str(accounts))
    user = "KOMMUN\\svc-plancal"
    sim = Simulator(ews_schema, users={user: "(ntlm only)"}, delegates={user: {ORGANIZER}}).start()
    try:
        from plancal.calendars.targets.exchange.target import ExchangeError

        with pytest.raises(ExchangeError, match="refused the sign-in"):
            run_push(seed_schedule, sim, auth="ntlm", username=user, password="Sommar-2024")
        run_push(seed_schedule, sim, auth="ntlm", username=user, password="Vinter-2024")
        assert len(sim.calendar(ORGANIZER)) == 23
        assert any(e.error == "401-ntlm" for e in sim.log)  # the handshake did happen
    finally:
        sim.stop()
    assert not sim.schema_errors
