"""Crash safety: the pushing process SIGKILLed at named points, then pushed again.

Each case forks a real process that pushes the seed and kills itself at the n-th time it
reaches a point: after the letters are posted, after the ledger is written, after a letter is
claimed (before SMTP), or after the SMTP server accepted a letter (before the store knows).
A fresh push with the same store, once the dead push's lease has run out, must deliver every
letter a clean push delivers, each once — except the one in flight at the kill, which may
arrive twice, with the same Message-ID.
"""

from __future__ import annotations

import os
import signal
from collections import Counter
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from plancal.state.store import Store
from tests.helpers.imip import Clock, Mail, shown, summer_break
from tests.helpers.smtp import SmtpServer
from tests.helpers.target_contract import expected


def push_killed_at(
    server: SmtpServer, schedule: Any, path: Path, clock: Clock, point: str, nth: int
) -> bool:
    """Push in a child process that SIGKILLs itself the nth time it reaches ``point``."""
    pid = os.fork()
    if pid == 0:  # the child: push, and never return into pytest
        seen = 0

        def probe(name: str) -> None:
            nonlocal seen
            if name == point:
                seen += 1
                if seen == nth:
                    os.kill(os.getpid(), signal.SIGKILL)

        code = 0
        try:
            with Store(str(path)) as store:
                Mail(store, server, clock).push(schedule, probe=probe)
        except BaseException:
            code = 3
        os._exit(code)
    _, status = os.waitpid(pid, 0)
    return os.WIFSIGNALED(status)


def reference(server: SmtpServer, schedule: Any, path: Path, clock: Clock) -> Counter[str]:
    with Store(str(path)) as store:
        mail = Mail(store, server, clock)
        mark = len(mail.received)
        mail.push(schedule)
        return Counter(str(r.message["Message-ID"]) for r in mail.received[mark:])


@pytest.mark.slow
@pytest.mark.parametrize(
    ("point", "nth"),
    [
        ("posted", 1),
        ("recorded", 1),
        ("claimed", 1),
        ("claimed", 30),
        ("delivered", 1),
        ("delivered", 30),
        ("delivered", 64),
    ],
)
def test_killed_push_is_finished_by_the_next_without_duplicates(
    smtp_server: SmtpServer, seed_schedule: Any, tmp_path: Path, point: str, nth: int
) -> None:
    clock = Clock()
    want = reference(smtp_server, seed_schedule, tmp_path / "clean.sqlite", clock)
    smtp_server.mailbox.received.clear()

    path = tmp_path / "state.sqlite"
    assert push_killed_at(smtp_server, seed_schedule, path, clock, point, nth)
    clock.advance(timedelta(minutes=3))  # the dead push's lease has run out
    with Store(str(path)) as store:
        mail = Mail(store, smtp_server, clock)
        again = mail.push(seed_schedule)
        if point in ("claimed", "delivered"):
            assert again.interrupted  # it says it is finishing an interrupted push
        ids = mail.server.mailbox.ids()
        assert set(ids) == set(want)
        twice = [m for m, n in ids.items() if n > 1]
        assert twice == [] if point != "delivered" else len(twice) == 1
        assert max(ids.values()) <= 2
        assert shown(mail.received, seed_schedule.plan.tz) == expected(seed_schedule)
        assert mail.push(seed_schedule).changes == []


@pytest.mark.slow
@pytest.mark.parametrize(("point", "nth"), [("posted", 1), ("delivered", 2)])
def test_killed_summer_break_push_is_finished_once(
    smtp_server: SmtpServer, seed_schedule: Any, tmp_path: Path, point: str, nth: int
) -> None:
    clock = Clock()
    edited = summer_break(seed_schedule)
    path = tmp_path / "state.sqlite"
    with Store(str(path)) as store:
        Mail(store, smtp_server, clock).push(seed_schedule)
    first = len(smtp_server.mailbox.received)
    assert push_killed_at(smtp_server, edited, path, clock, point, nth)
    clock.advance(timedelta(minutes=3))
    with Store(str(path)) as store:
        mail = Mail(store, smtp_server, clock)
        mail.push(edited)
        later = Counter(str(r.message["Message-ID"]) for r in mail.received[first:])
        assert max(later.values()) <= (2 if point == "delivered" else 1)
        assert shown(mail.received, edited.plan.tz) == expected(edited)


def test_a_fresh_interruption_waits_for_its_lease(
    smtp_server: SmtpServer, seed_schedule: Any, tmp_path: Path
) -> None:
    """Within the lease the letter may still be on its way: a second push does not resend it."""
    from plancal.calendars.targets.mail.target import MailError

    clock = Clock()
    path = tmp_path / "state.sqlite"
    assert push_killed_at(smtp_server, seed_schedule, path, clock, "delivered", 3)
    with Store(str(path)) as store:
        mail = Mail(store, smtp_server, clock)
        with pytest.raises(MailError, match="in flight"):
            mail.push(seed_schedule)
        ids = mail.server.mailbox.ids()
        assert max(ids.values()) == 1
