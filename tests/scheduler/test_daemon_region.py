"""The daemon over a folder of plans: new, changed, broken and removed files; its own plans."""

from __future__ import annotations

import json
import logging
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plancal.scheduler.daemon import Daemon
from plancal.scheduler.mail import SmtpSettings
from plancal.state.leases import FileLeases
from plancal.state.store import Store
from tests.helpers.region import municipality, write_region
from tests.helpers.smtp import SmtpServer

SENDER = "plancal@region.example"


def daemon(folder: Path, store: Store, server: SmtpServer, **kwargs: object) -> Daemon:
    smtp = SmtpSettings(server.host, SENDER, port=server.port, starttls=False)
    return Daemon(folder, store, smtp, **kwargs)  # type: ignore[arg-type]


def test_plan_files_come_change_break_and_go_without_a_restart(
    tmp_path: Path, store: Store, smtp_server: SmtpServer, caplog: pytest.LogCaptureFixture
) -> None:
    folder = tmp_path / "plans"
    first, second = write_region(folder, 2)
    d = daemon(folder, store, smtp_server)
    assert list(d.schedules()) == [municipality(0)[0], municipality(1)[0]]
    good = d.schedules()[municipality(1)[0]]

    write_region(folder, 1, start=2)
    second.write_text(
        second.read_text(encoding="utf-8").replace("timezone: Europe/Stockholm", "timezone: X"),
        encoding="utf-8",
    )
    with caplog.at_level(logging.ERROR, logger="plancal"):
        now = d.schedules()
        assert d.schedules() == now  # logged once, not at every look
    assert list(now) == [municipality(i)[0] for i in range(3)]
    assert now[municipality(1)[0]] is good  # the broken file keeps its last good plan
    invalid = [r for r in caplog.records if r.getMessage() == "plan.invalid"]
    assert len(invalid) == 1
    fields = invalid[0].fields  # type: ignore[attr-defined]
    assert fields["plan"] == str(second) and fields["kept"] is True
    assert "X" in json.dumps(fields["problems"])

    first.unlink()
    assert list(d.schedules()) == [municipality(1)[0], municipality(2)[0]]


def test_a_daemon_publishes_only_the_plans_it_holds(
    tmp_path: Path, smtp_server: SmtpServer
) -> None:
    """On SQLite (the PostgreSQL leases: tests/state/test_leases.py and test_region_run.py)."""
    with Store(str(tmp_path / "state.sqlite")) as store:
        publishes_only_its_own(tmp_path, store, smtp_server)


def publishes_only_its_own(tmp_path: Path, store: Store, smtp_server: SmtpServer) -> None:
    folder = tmp_path / "plans"
    write_region(folder, 3)
    ids = [municipality(i)[0] for i in range(3)]
    other = FileLeases(store, "other", "plans", timedelta(seconds=30))
    other.refresh(ids[:1])  # another process runs the first plan
    d = daemon(folder, store, smtp_server, out_dir=tmp_path / "feeds")
    d.leases = FileLeases(store, d.worker, "plans", timedelta(seconds=30))
    try:
        change = d.look()
        assert change is not None and set(change.taken) == set(ids[1:])
        d.publish(datetime(2023, 1, 2, tzinfo=UTC))
        assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == ids[1:]
        assert (tmp_path / "feeds" / ids[1] / "plan.ics").exists()
        other.close()
        d.look()
        d.publish(datetime(2023, 1, 2, tzinfo=UTC))
        assert sorted(p.name for p in (tmp_path / "feeds").iterdir()) == ids
    finally:
        other.close()
        d.leases.close()
