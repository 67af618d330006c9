"""One reminder tick: put what is owed into the outbox, then deliver what the outbox holds.

Delivery is claim → send → mark sent, each row in its own short transactions. A crash before
the server accepts a message leaves the row claimed; its lease runs out and the next tick sends
it again. A crash after the server accepted it but before the row is marked sent cannot be told
apart from the first case by anyone but the server: the message then goes out twice, with the
same Message-ID, which a receiving system uses to show it once. No order of "mark" and "send"
closes that window over SMTP; this order makes the failure a duplicate, never a lost reminder.
"""

from __future__ import annotations

import logging
import os
import secrets
import socket
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import Message
from typing import Protocol

from plancal.calendars.reminders import LATE_DAYS, by_deadline, is_late, owed
from plancal.rules.compile import Schedule
from plancal.scheduler.mail import SendError, compose
from plancal.state.outbox import Outbox, Probe, Row, no_probe

log = logging.getLogger("plancal.reminders")

LEASE = timedelta(minutes=15)  # a claimed row is another worker's for this long
BATCH = 20  # rows per tick: at 30 s per SMTP command at worst, a batch fits in its lease


class Mailer(Protocol):
    @property
    def sender(self) -> str: ...

    def send(self, message: Message) -> None: ...


def worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(4)}"


@dataclass
class Outcome:
    enqueued: int = 0
    sent: list[Row] = field(default_factory=list)
    failed: list[Row] = field(default_factory=list)
    cancelled: int = 0
    retired: dict[str, int] = field(default_factory=dict)  # expired, superseded
    more: bool = False  # the batch was full: call again
    stopped: str | None = None  # why delivery stopped early (the server is unavailable)

    @property
    def late(self) -> int:
        return sum(1 for r in self.sent if r.late)


def tick(
    schedule: Schedule,
    outbox: Outbox,
    mailer: Mailer,
    now: datetime,
    worker: str,
    *,
    late_days: int = LATE_DAYS,
    batch: int = BATCH,
    probe: Probe = no_probe,
    stop: Callable[[], bool] = lambda: False,
) -> Outcome:
    """Enqueue what is owed at ``now`` and deliver up to ``batch`` rows."""
    outcome = Outcome()
    fresh = outbox.enqueue(owed(schedule, now, late_days), now, probe)
    outcome.enqueued = len(fresh)
    for r in fresh:
        log.info(
            "reminder.owed", extra={"fields": _fields(r.key) | {"owed_at": r.owed_at.isoformat()}}
        )
    outcome.retired = outbox.sweep(schedule.plan.id, now)
    deliver(schedule, outbox, mailer, now, worker, outcome, batch, probe, stop)
    return outcome


def deliver(
    schedule: Schedule,
    outbox: Outbox,
    mailer: Mailer,
    now: datetime,
    worker: str,
    outcome: Outcome,
    batch: int = BATCH,
    probe: Probe = no_probe,
    stop: Callable[[], bool] = lambda: False,
) -> None:
    plan = schedule.plan
    deadlines = by_deadline(schedule)
    for _ in range(batch):
        if stop():
            return
        row = outbox.claim(plan.id, now, worker, LEASE, probe)
        if row is None:
            return
        r = row.reminder
        deadline = deadlines.get((r.deadline, r.due))
        if deadline is None or r.recipient not in deadline.followup.responsible:
            outbox.settle(row, "cancelled", "no longer in the plan")
            outcome.cancelled += 1
            log.info("reminder.cancelled", extra={"fields": _fields(row.key)})
            continue
        late = is_late(r.owed_at, now, plan.tz)
        message = compose(schedule, deadline, r, mailer.sender, now, late)
        probe("sending")
        try:
            mailer.send(message)
        except SendError as e:
            if e.permanent:
                outbox.settle(row, "failed", str(e))
                outcome.failed.append(row)
                log.error("reminder.failed", extra={"fields": _fields(row.key) | {"error": str(e)}})
                continue
            outbox.release(row, str(e))
            outcome.stopped = str(e)
            log.warning("smtp.unavailable", extra={"fields": {"error": str(e)}})
            return
        probe("accepted")  # the window: the server has it, the store does not know yet
        outbox.mark_sent(row, now, late)
        probe("marked")
        outcome.sent.append(
            replace(row, status="sent", lease_until=None, sent_at=now, late=late, error=None)
        )
        log.info(
            "reminder.sent",
            extra={
                "fields": _fields(row.key)
                | {"late": late, "attempt": row.attempts, "message_id": r.message_id}
            },
        )
    outcome.more = True


def _fields(key: tuple[object, ...]) -> dict[str, object]:
    plan_id, deadline, due, recipient, offset = key
    return {
        "plan": plan_id,
        "deadline": deadline,
        "due": str(due),
        "recipient": recipient,
        "days_before": offset,
    }
