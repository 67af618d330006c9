"""Crash safety: a sender killed at 100 points and restarted each time, counted at the server.

Reminders go out as letters (one message per person for what is owed at once), so the server
counts letters; the outbox says which letter carried each reminder.

The sender is a forked process that runs the daemon's reminder ticks over the whole seed plan
and dies with ``os._exit`` (no cleanup, no rollback by Python, sockets dropped by the kernel) at
its n-th named point. A new process takes over where the dead one was, later by one lease.
"""

from __future__ import annotations

import multiprocessing
import os
from collections import Counter
from datetime import datetime, timedelta
from multiprocessing.connection import Connection

import pytest

from plancal.calendars.reminders import planned
from plancal.rules.compile import Schedule
from plancal.scheduler.dispatch import LEASE, tick
from plancal.scheduler.mail import SmtpMailer, SmtpSettings
from plancal.state.outbox import Outbox
from plancal.state.store import Store
from tests.helpers.smtp import SmtpServer

POINTS = {"enqueue-open", "enqueued", "claim-open", "claimed", "sending", "accepted", "marked"}
KILLED = 137


def sender(
    url: str,
    port: int,
    schedule: Schedule,
    moments: list[datetime],
    start: int,
    delay: timedelta,
    die_at: int,
    report: Connection,
) -> None:
    """Runs in the forked child: tick through the plan from ``start``; die at hit ``die_at``."""
    hits = 0

    def probe(point: str) -> None:
        nonlocal hits
        hits += 1
        if hits == die_at:
            report.send(("killed", point))
            os._exit(KILLED)

    with Store(url) as store:
        outbox = Outbox(store)
        with SmtpMailer(
            SmtpSettings("127.0.0.1", "plancal@soderhamn.example", port=port, starttls=False)
        ) as mailer:
            for i in range(start, len(moments)):
                report.send(("tick", i))
                now = moments[i] + (delay if i == start else timedelta(0))
                while tick(schedule, outbox, mailer, now, f"pid{os.getpid()}", probe=probe).more:
                    pass
    report.send(("done", None))
    os._exit(0)


@pytest.mark.slow
def test_killed_at_100_points_every_reminder_arrives_once(
    seed_schedule: Schedule, store: Store, smtp_server: SmtpServer
) -> None:
    expected = planned(seed_schedule)
    moments = sorted({r.owed_at for r in expected})
    fork = multiprocessing.get_context("fork")
    kills: list[str] = []
    start, delay, finished = 0, timedelta(0), False
    while not finished:
        # Die early in each run (1st..5th point), so 100 kills spread over the whole plan;
        # after 100 kills, one run that is left alone.
        die_at = len(kills) % 5 + 1 if len(kills) < 100 else 0
        receive, send = fork.Pipe(duplex=False)
        child = fork.Process(
            target=sender,
            args=(
                store.url,
                smtp_server.port,
                seed_schedule,
                moments,
                start,
                delay,
                die_at,
                send,
            ),
        )
        child.start()
        send.close()
        last_tick = start
        while True:
            try:
                kind, value = receive.recv()
            except EOFError:
                break
            if kind == "tick":
                last_tick = value
            elif kind == "killed":
                kills.append(value)
            else:
                finished = True
        child.join()
        assert child.exitcode == (0 if finished else KILLED)
        # The successor starts where the dead one was, once the dead one's lease has run out.
        delay = (
            delay + LEASE + timedelta(seconds=1)
            if last_tick == start
            else LEASE + timedelta(seconds=1)
        )
        start = last_tick

    assert len(kills) == 100 and set(kills) == POINTS
    counts = smtp_server.mailbox.ids()
    rows = Outbox(store).rows(seed_schedule.plan.id)
    assert Counter(r.status for r in rows) == {"sent": len(expected)}
    assert {r.key for r in rows} == {r.key for r in expected}
    # Each reminder went out in a letter the server got; no message the outbox does not know.
    assert set(counts) == {r.message_id for r in rows}  # none skipped, nothing else
    # A letter is everything owed to one person at once (the crashes did not split one).
    assert len(counts) == len({(r.owed_at, r.address) for r in expected})
    # The one window SMTP leaves open: killed after the server accepted a message and before
    # the rows say so. That message goes out again, with the same Message-ID.
    assert sum(counts.values()) - len(counts) == kills.count("accepted")
    assert not any(r.late for r in rows)
