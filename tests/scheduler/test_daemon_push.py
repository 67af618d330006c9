"""plancal run keeps every configured calendar holding the plan: real CalDAV and SMTP peers.

The daemon's time is given to it (``push_changed(now)``), so the backoff is stepped through
without waiting.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import signal
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from plancal.app.check import load_schedule
from plancal.calendars.sync import desired
from plancal.calendars.targets.caldav.target import TAG
from plancal.config.settings import load
from plancal.errors import PlanError
from plancal.scheduler.daemon import Daemon, configured_push
from plancal.scheduler.mail import SmtpSettings
from plancal.state.leases import leases
from plancal.state.store import Store
from tests.helpers import SEED
from tests.helpers.caldav import PASSWORD, USER, CalDavServer, Logged, stored
from tests.helpers.imip import ORGANIZER, events, invitation
from tests.helpers.region import municipality, write_region
from tests.helpers.smtp import SmtpServer

NOW = datetime(2022, 9, 1, 8, tzinfo=UTC)
SENDER = "plancal@soderhamn.example"
PLAN = "soderhamn-2022-2023"
MOVED_UID = f"avstamning-polis-ifo@{PLAN}.plancal"


def settings(tmp_path: Path, **env: str) -> Any:
    return load(
        None,
        {"PLANCAL_CONFIG": str(tmp_path / "none.toml"), "PLANCAL_DAEMON_PUSH": "true"}
        | {f"PLANCAL_{k.upper()}": v for k, v in env.items()},
    )


def two_targets(tmp_path: Path, caldav: CalDavServer) -> Any:
    """A CalDAV calendar and invitations by e-mail."""
    return settings(
        tmp_path,
        caldav_url=caldav.collection,
        caldav_username=USER,
        caldav_password=PASSWORD,
        mail_organizer=ORGANIZER,
    )


def smtp_of(server: SmtpServer) -> SmtpSettings:
    return SmtpSettings(server.host, SENDER, port=server.port, starttls=False)


def started(plan: Path, store: Store, loaded: Any, server: SmtpServer, **kw: Any) -> Daemon:
    """A daemon as ``plancal run`` builds it: the settings' targets, checked at start."""
    smtp = smtp_of(server)
    return Daemon(plan, store, smtp, push=configured_push(loaded, smtp), **kw)


def moved(uid: str, events: list[Any]) -> list[str]:
    return sorted(
        e.decoded("DTSTART").strftime("%H:%M")
        for cal in events
        for e in cal.walk("VEVENT")
        if str(e["UID"]) == uid and "RECURRENCE-ID" not in e
    )


@pytest.fixture
def plan_file(tmp_path: Path) -> Path:
    return Path(shutil.copy(SEED, tmp_path / "plan.yaml"))


def test_an_edit_reaches_caldav_and_the_invitations_and_a_restart_sends_nothing(
    plan_file: Path, tmp_path: Path, store: Store, xandikos: CalDavServer, smtp_server: SmtpServer
) -> None:
    loaded = two_targets(tmp_path, xandikos)
    d = started(plan_file, store, loaded, smtp_server)
    assert d.push_changed(NOW) == {PLAN: {"caldav": "pushed", "mail": "pushed"}}
    assert moved(MOVED_UID, stored(xandikos)) == ["14:00"]
    invited = len(smtp_server.mailbox.received)
    assert invited > 0

    # Ticks with no change ask nothing of anyone.
    requests = len(xandikos.log)
    for minutes in range(1, 4):
        assert d.push_changed(NOW + timedelta(minutes=minutes)) == {}
    assert (len(xandikos.log), len(smtp_server.mailbox.received)) == (requests, invited)

    # A comment is no change to what the calendars hold.
    text = plan_file.read_text(encoding="utf-8")
    plan_file.write_text(text + "\n# en kommentar\n", encoding="utf-8")
    assert d.push_changed(NOW + timedelta(minutes=5)) == {}

    # The coordinator moves a meeting: both calendars follow.
    plan_file.write_text(
        text.replace("when: Varje måndag kl. 14.00", "when: Varje måndag kl. 13.00", 1),
        encoding="utf-8",
    )
    later = NOW + timedelta(minutes=6)
    assert d.push_changed(later) == {PLAN: {"caldav": "pushed", "mail": "pushed"}}
    assert moved(MOVED_UID, stored(xandikos)) == ["13:00"]
    updates = [invitation(r) for r in smtp_server.mailbox.received[invited:]]
    assert updates and {i.method for i in updates} == {"REQUEST"}
    assert {i.to for i in updates} == {
        "kommunpolis@polisen.example",
        "ifo.ungdom@soderhamn.example",
    }
    writes, sent = len(xandikos.writes()), len(smtp_server.mailbox.received)

    # A restarted daemon reconciles once: every target already holds the plan.
    again = started(plan_file, store, loaded, smtp_server)
    assert again.push_changed(later + timedelta(hours=1)) == {
        PLAN: {"caldav": "pushed", "mail": "pushed"}
    }
    assert (len(xandikos.writes()), len(smtp_server.mailbox.received)) == (writes, sent)


def test_a_calendar_down_blocks_neither_the_invitations_nor_the_reminders_and_is_retried(
    plan_file: Path,
    tmp_path: Path,
    store: Store,
    xandikos: CalDavServer,
    smtp_server: SmtpServer,
    caplog: pytest.LogCaptureFixture,
) -> None:
    def down(request: Logged) -> tuple[int, dict[str, str]]:
        return 503, {"Retry-After": "3600"}  # down for maintenance, longer than max_wait

    xandikos.before = down
    d = started(
        plan_file,
        store,
        two_targets(tmp_path, xandikos),
        smtp_server,
        out_dir=tmp_path / "feeds",
    )
    caplog.set_level(logging.INFO, logger="plancal.daemon")
    assert d.push_changed(NOW) == {PLAN: {"caldav": "failed", "mail": "pushed"}}
    assert smtp_server.mailbox.received  # the invitations went out
    failed = [r for r in caplog.records if r.getMessage() == "targets.failed"]
    assert len(failed) == 1
    fields = failed[0].fields  # type: ignore[attr-defined]
    assert fields["target"] == "caldav" and fields["attempt"] == 1
    assert "CalDAV server stayed busy" in fields["error"] and PASSWORD not in fields["error"]
    assert fields["retry_at"] == (NOW + timedelta(minutes=1)).isoformat()
    # The feeds and the reminders go on.
    assert d.publish(NOW) and (tmp_path / "feeds" / "public.ics").exists()
    outcome = d.remind(datetime(2022, 10, 17, 7, tzinfo=UTC))
    assert outcome is not None and outcome.sent

    # Backoff: 1 min, then 2 min; nothing asked of the server in between.
    asked = len(xandikos.log)
    assert d.push_changed(NOW + timedelta(seconds=30)) == {}
    assert len(xandikos.log) == asked
    assert d.push_changed(NOW + timedelta(minutes=1)) == {PLAN: {"caldav": "failed"}}
    assert d.push_changed(NOW + timedelta(minutes=2)) == {}
    xandikos.before = None  # back
    assert d.push_changed(NOW + timedelta(minutes=3)) == {PLAN: {"caldav": "pushed"}}
    assert moved(MOVED_UID, stored(xandikos)) == ["14:00"]
    assert d.push_changed(NOW + timedelta(minutes=4)) == {}


def test_a_folder_pushes_each_plan_only_from_the_process_holding_it(
    tmp_path: Path, store: Store, xandikos: CalDavServer, smtp_server: SmtpServer
) -> None:
    folder = tmp_path / "plans"
    write_region(folder, 3)
    ids = [municipality(i)[0] for i in range(3)]
    # Advisory locks on PostgreSQL; a long period, since no leases job renews them while a
    # push runs here (a session idle past its period is ended by the server).
    period = timedelta(minutes=10)
    other = leases(store, "other", "plans", period)
    other.register()
    other.refresh(ids[:1])  # another process runs the first plan
    loaded = settings(
        tmp_path, caldav_url=xandikos.collection, caldav_username=USER, caldav_password=PASSWORD
    )
    d = started(folder, store, loaded, smtp_server)
    d.leases = leases(store, d.worker, "plans", period)
    d.leases.register()
    try:
        d.look()
        assert d.push_changed(NOW) == {p: {"caldav": "pushed"} for p in ids[1:]}

        def tagged() -> set[str]:
            return {str(e[TAG]) for cal in stored(xandikos) for e in cal.walk("VEVENT") if TAG in e}

        assert tagged() == set(ids[1:])
        other.close()  # the other process died: its plan is taken over and pushed
        d.look()
        assert d.push_changed(NOW + timedelta(minutes=1)) == {ids[0]: {"caldav": "pushed"}}
        assert tagged() == set(ids)
    finally:
        other.close()
        d.leases.close()


@pytest.mark.parametrize(
    ("env", "said"),
    [
        ({}, "no calendar is configured"),
        (
            {"exchange_mailbox": "a@x.example", "graph_mailbox": "A@x.example"},
            "name the same mailbox",
        ),
        (
            {"graph_mailbox": "a@x.example", "mail_organizer": "a@x.example"},
            "every invitation twice",
        ),
        ({"caldav_url": "https://dav.example/{kommun}/"}, "placeholder other than {plan}"),
    ],
)
def test_push_settings_that_say_nothing_or_two_things_are_refused_at_start(
    tmp_path: Path, env: dict[str, str], said: str
) -> None:
    with pytest.raises(PlanError) as caught:
        configured_push(settings(tmp_path, **env), SmtpSettings("127.0.0.1", SENDER))
    assert said in caught.value.render("en")
    assert caught.value.render("sv") != caught.value.render("en")


def invitations(server: SmtpServer) -> list[Any]:
    """The invitations received (the reminders the same server gets are not counted)."""
    return [
        r
        for r in list(server.mailbox.received)
        if any(p.get_content_type() == "text/calendar" for p in r.message.walk())
    ]


@pytest.mark.slow
def test_plancal_run_follows_an_edit_retries_a_calendar_down_and_restarts_quietly(
    plan_file: Path, tmp_path: Path, xandikos: CalDavServer, smtp_server: SmtpServer
) -> None:
    """Whole ``plancal run`` processes; their time is the test's clock file."""
    from tests.helpers.daemons import Service, start, wait_for

    clock = tmp_path / "clock"
    clock.write_text(NOW.isoformat())
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_CLOCK_FILE": str(clock),
        "PLANCAL_SMTP_HOST": smtp_server.host,
        "PLANCAL_SMTP_PORT": str(smtp_server.port),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": SENDER,
        "PLANCAL_DAEMON_PUSH": "true",
        "PLANCAL_DAEMON_REMINDER_EVERY": "1 s",
        "PLANCAL_CALDAV_URL": xandikos.collection,
        "PLANCAL_CALDAV_USERNAME": USER,
        "PLANCAL_CALDAV_PASSWORD": PASSWORD,
        "PLANCAL_MAIL_ORGANIZER": ORGANIZER,
    }
    command = [sys.executable, "-m", "plancal.cli", "run", str(plan_file)]
    command += ["--db", str(tmp_path / "state.sqlite")]

    def pushes(service: Service, event: str, target: str) -> list[dict[str, Any]]:
        return [
            e for e in list(service.events) if e["event"] == event and e.get("target") == target
        ]

    def stop(service: Service) -> None:
        service.process.send_signal(signal.SIGTERM)
        assert service.process.wait(timeout=60) == 0

    xandikos.before = lambda request: (503, {"Retry-After": "3600"})
    first = start(command, env)
    try:
        wait_for(lambda: bool(pushes(first, "targets.pushed", "mail")), "the invitations")
        wait_for(lambda: bool(pushes(first, "targets.failed", "caldav")), "CalDAV's failure")
        assert invitations(smtp_server)
        xandikos.before = None  # back; tried again once the clock passes the backoff
        clock.write_text((NOW + timedelta(minutes=1)).isoformat())
        wait_for(lambda: bool(pushes(first, "targets.pushed", "caldav")), "CalDAV, later")
        assert len(pushes(first, "targets.failed", "caldav")) == 1
        assert moved(MOVED_UID, stored(xandikos)) == ["14:00"]
        invited = len(invitations(smtp_server))

        plan_file.write_text(
            plan_file.read_text(encoding="utf-8").replace(
                "when: Varje måndag kl. 14.00", "when: Varje måndag kl. 13.00", 1
            ),
            encoding="utf-8",
        )
        wait_for(lambda: len(pushes(first, "targets.pushed", "mail")) == 2, "the edit, by mail")
        wait_for(lambda: len(pushes(first, "targets.pushed", "caldav")) == 2, "the edit, CalDAV")
        assert moved(MOVED_UID, stored(xandikos)) == ["13:00"]
        assert len(invitations(smtp_server)) > invited
    finally:
        stop(first)
    writes, invited = len(xandikos.writes()), len(invitations(smtp_server))

    again = start(command, env)
    try:
        wait_for(lambda: bool(pushes(again, "targets.pushed", "mail")), "the reconcile, by mail")
        wait_for(lambda: bool(pushes(again, "targets.pushed", "caldav")), "the reconcile, CalDAV")
        assert [e["changes"] for e in again.events if e["event"] == "targets.pushed"] == [0, 0]
    finally:
        stop(again)
    assert (len(xandikos.writes()), len(invitations(smtp_server))) == (writes, invited)
    logged = json.dumps(first.events + again.events)
    assert PASSWORD not in logged and "Traceback" not in logged


@pytest.mark.slow
def test_plancal_run_killed_mid_push_is_finished_by_the_next_start_without_doubles(
    plan_file: Path, tmp_path: Path, xandikos: CalDavServer, smtp_server: SmtpServer
) -> None:
    from tests.helpers.daemons import Service, start, wait_for

    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_HOST": smtp_server.host,
        "PLANCAL_SMTP_PORT": str(smtp_server.port),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": SENDER,
        "PLANCAL_DAEMON_PUSH": "true",
        "PLANCAL_CALDAV_URL": xandikos.collection,
        "PLANCAL_CALDAV_USERNAME": USER,
        "PLANCAL_CALDAV_PASSWORD": PASSWORD,
        "PLANCAL_MAIL_ORGANIZER": ORGANIZER,
    }
    command = [sys.executable, "-m", "plancal.cli", "run", str(plan_file)]
    command += ["--db", str(tmp_path / "state.sqlite")]
    victim: list[Service] = []

    def kill_on_fifth_write(entry: Logged) -> None:  # carried out, never answered
        if entry.method == "PUT" and len(xandikos.writes()) == 5 and victim:
            os.kill(victim[0].pid, signal.SIGKILL)

    xandikos.after = kill_on_fifth_write
    first = start(command, env)
    victim.append(first)
    assert first.process.wait(timeout=240) == -signal.SIGKILL
    xandikos.after = None
    assert len(xandikos.writes()) == 5 and not invitations(smtp_server)

    def pushed(service: Service) -> set[str]:
        return {e["target"] for e in list(service.events) if e["event"] == "targets.pushed"}

    again = start(command, env)
    try:
        wait_for(lambda: pushed(again) == {"caldav", "mail"}, "the interrupted push finished")
    finally:
        again.process.send_signal(signal.SIGTERM)
        assert again.process.wait(timeout=60) == 0
    uids = [str(e["UID"]) for cal in stored(xandikos) for e in cal.walk("VEVENT")]
    masters = Counter(
        str(e["UID"])
        for cal in stored(xandikos)
        for e in cal.walk("VEVENT")
        if "RECURRENCE-ID" not in e
    )
    want = desired(load_schedule(plan_file)[0], ORGANIZER)
    assert uids and set(masters) == set(want) and max(masters.values()) == 1  # none twice
    sent = Counter(
        (str(events(inv)[0]["UID"]), inv.to)
        for inv in (invitation(r) for r in invitations(smtp_server))
    )
    assert sent == Counter((uid, a) for uid, m in want.items() for a in m.attendees)
    assert moved(MOVED_UID, stored(xandikos)) == ["14:00"]


def test_an_edit_reaches_exchange_and_caldav_together(
    plan_file: Path,
    tmp_path: Path,
    store: Store,
    sim: Any,
    xandikos: CalDavServer,
    smtp_server: SmtpServer,
) -> None:
    from tests.helpers import ews

    loaded = settings(
        tmp_path,
        exchange_mailbox=ews.ORGANIZER,
        exchange_url=sim.url,
        exchange_auth="basic",
        exchange_username=ews.USER,
        exchange_password=ews.PASSWORD,
        caldav_url=xandikos.collection,
        caldav_username=USER,
        caldav_password=PASSWORD,
        smtp_from=SENDER,
    )
    d = started(plan_file, store, loaded, smtp_server)
    assert d.push_changed(NOW) == {PLAN: {"exchange": "pushed", "caldav": "pushed"}}
    schedule = d.schedule()
    assert schedule is not None
    assert ews.occurrences_in(sim, schedule.plan.tz) == ews.agenda_of(schedule)
    plan_file.write_text(
        plan_file.read_text(encoding="utf-8").replace(
            "when: Varje måndag kl. 14.00", "when: Varje måndag kl. 13.00", 1
        ),
        encoding="utf-8",
    )
    assert d.push_changed(NOW + timedelta(minutes=1)) == {
        PLAN: {"exchange": "pushed", "caldav": "pushed"}
    }
    schedule = d.schedule()
    assert schedule is not None
    assert ews.occurrences_in(sim, schedule.plan.tz) == ews.agenda_of(schedule)
    assert moved(MOVED_UID, stored(xandikos)) == ["13:00"]
    assert not smtp_server.mailbox.received  # Exchange invites; no [mail] organizer, no iMIP
