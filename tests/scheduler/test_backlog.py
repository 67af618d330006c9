"""After an SMTP outage: the backlog drains at once; SIGTERM never waits for a silent server."""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from plancal.scheduler.daemon import Daemon
from plancal.scheduler.dispatch import BATCH
from plancal.scheduler.mail import SmtpSettings
from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers import FIXTURES, MINIMAL
from tests.helpers.smtp import SmtpServer

SENDER = "plancal@soderhamn.example"


def test_regression_backlog_drains_in_one_tick_once_smtp_is_back(
    tmp_path: Path, store: Store, smtp_server: SmtpServer
) -> None:
    plan = Path(shutil.copy(FIXTURES / "plans" / "backlog.yaml", tmp_path / "plan.yaml"))
    smtp = SmtpSettings(smtp_server.host, SENDER, port=smtp_server.port, starttls=False)
    d = Daemon(plan, store, smtp)
    smtp_server.mailbox.busy = True  # 451 to every message: the outage
    now = datetime(2023, 3, 8, 6, tzinfo=UTC)  # reminders owed at 09:00 local on the 8th
    while now < datetime(2023, 3, 9, tzinfo=UTC):
        d.remind(now)
        now += timedelta(hours=6)
    waiting = [r for r in Outbox(store).rows("minimal") if r.status == "pending"]
    assert len(waiting) > BATCH  # more than one batch is owed
    assert smtp_server.mailbox.received == []

    smtp_server.mailbox.busy = False
    outcome = d.remind(now)  # one tick, as `plancal run` makes once a minute
    assert outcome is not None
    assert len(outcome.sent) == len(waiting)
    assert [r for r in Outbox(store).rows("minimal") if r.status == "pending"] == []
    ids = smtp_server.mailbox.ids()
    assert len(ids) == len(waiting) and set(ids.values()) == {1}  # each exactly once


def owed_now_plan(tmp_path: Path) -> Path:
    """The minimal plan around today, with a follow-up whose reminders are owed now."""
    today = date.today()
    text = MINIMAL.read_text(encoding="utf-8").replace(
        "period: {start: 2023-01-01, end: 2023-12-31}",
        f"period: {{start: {today - timedelta(days=60)}, end: {today + timedelta(days=200)}}}",
    )
    text += (
        "    followups:\n"
        f"      - {{id: rapport, what: Rapport, due: {today + timedelta(days=2)}, "
        "remind: [5, 4, 3]}\n"
    )
    plan = tmp_path / "plan.yaml"
    plan.write_text(text, encoding="utf-8")
    return plan


def test_regression_sigterm_stops_run_while_the_smtp_server_never_answers(
    tmp_path: Path,
) -> None:
    silent = socket.socket()
    silent.bind(("127.0.0.1", 0))
    silent.listen(8)  # the kernel completes the handshake; no greeting ever comes
    db = tmp_path / "state.sqlite"
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_SMTP_HOST": "127.0.0.1",
        "PLANCAL_SMTP_PORT": str(silent.getsockname()[1]),
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": SENDER,
    }
    service = subprocess.Popen(
        [sys.executable, "-m", "plancal.cli", "run", str(owed_now_plan(tmp_path)), "--db", str(db)],
        env=env,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        silent.settimeout(60)
        held, _ = silent.accept()  # plancal is connected and waits for the greeting
        service.send_signal(signal.SIGTERM)
        # The harness's bound, far below the 30 s SMTP timeout per command: not a speed test.
        _, err = service.communicate(timeout=10)
        held.close()
    finally:
        silent.close()
        if service.poll() is None:
            service.kill()
            service.wait()
    assert service.returncode == 0, err
    events = [json.loads(line)["event"] for line in err.splitlines()]
    assert "daemon.stopping" in events and events[-1] == "daemon.stopped"
    assert "Traceback" not in err
    # The guarantees hold: what was owed is still owed, none marked sent, none lost.
    with Store(str(db)) as store:
        rows = Outbox(store).rows("minimal")
    assert rows and {r.status for r in rows} == {"pending"}
