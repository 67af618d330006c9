"""One reminder tick: put what is owed into the outbox, then deliver what the outbox holds.

Delivery is by letter: everything owed to one address at once, across plans, goes out as one
message (see ``Outbox.claim_letter``). Claim → send → mark sent, each in its own short
transaction. A crash before
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
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from email.message import Message
from typing import Protocol

from plancal.calendars.reminders import LATE_DAYS, Timetable, by_deadline, is_late
from plancal.rules.compile import Schedule
from plancal.scheduler.mail import Item, SendError, compose_letter
from plancal.state.outbox import Outbox, Probe, Row, no_probe

log = logging.getLogger("plancal.reminders")

LEASE = timedelta(minutes=15)  # a claimed row is another worker's for this long
BATCH = 20  # letters per tick: at 30 s per SMTP command at worst, a batch fits in its lease
AHEAD = timedelta(
    days=1
)  # a daemon enqueues a day ahead: a person's letter finds every plan's rows


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
    letters: int = 0  # messages sent: one per person, however many reminders each lists
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
    """Enqueue what one plan owes at ``now`` and deliver up to ``batch`` letters."""
    table = Timetable(schedule, late_days)
    return tick_region(
        {schedule.plan.id: table}, outbox, mailer, now, worker, batch=batch, probe=probe, stop=stop
    )


def tick_region(
    tables: Mapping[str, Timetable],
    outbox: Outbox,
    mailer: Mailer,
    now: datetime,
    worker: str,
    *,
    owned: Collection[str] | None = None,
    ahead: timedelta = timedelta(0),
    batch: int = BATCH,
    probe: Probe = no_probe,
    stop: Callable[[], bool] = lambda: False,
) -> Outcome:
    """One tick over many plans: enqueue what the ``owned`` plans (default: all) owe at
    ``now`` and within ``ahead``, then deliver letters for every plan in ``tables``.

    Enqueueing is the owner's work; delivery is anyone's, since a person's letter gathers rows
    of plans other processes own. A tick with nothing owed asks the store one question.
    """
    outcome = Outcome()
    mine = tables.keys() if owned is None else owned
    reminders = [r for p in mine if p in tables for r in tables[p].owed(now, ahead)]
    fresh = outbox.enqueue(reminders, now, probe)
    outcome.enqueued = len(fresh)
    for r in fresh:
        log.info(
            "reminder.owed", extra={"fields": _fields(r.key) | {"owed_at": r.owed_at.isoformat()}}
        )
    if not outbox.due(tables.keys(), now):
        return outcome
    outcome.retired = outbox.sweep_plans(tables.keys(), now)
    deliver(tables, outbox, mailer, now, worker, outcome, batch, probe, stop, owned)
    return outcome


def deliver(
    tables: Mapping[str, Timetable],
    outbox: Outbox,
    mailer: Mailer,
    now: datetime,
    worker: str,
    outcome: Outcome,
    batch: int = BATCH,
    probe: Probe = no_probe,
    stop: Callable[[], bool] = lambda: False,
    owned: Collection[str] | None = None,
) -> None:
    """Up to ``batch`` letters: claim one person's rows, send one message, mark them all.

    A row whose deadline this process cannot find is cancelled only if this process runs its
    plan (``owned``; None: all): another host's copy of a plan it runs may be newer than ours,
    so such a row goes back to the outbox for a process that knows it.
    """
    deadlines = {p: by_deadline(t.schedule) for p, t in tables.items()}
    unsure: set[str] = set()  # plans whose rows this tick leaves to others
    for _ in range(batch):
        if stop():
            return
        letter = outbox.claim_letter(tables.keys() - unsure, now, worker, LEASE, probe)
        if letter is None:
            return
        items: list[Item] = []
        back: list[Row] = []
        for row in letter.rows:
            r = row.reminder
            deadline = deadlines[r.plan_id].get((r.deadline, r.due))
            if deadline is None or r.recipient not in deadline.followup.responsible:
                if owned is not None and r.plan_id not in owned:
                    back.append(row)
                    unsure.add(r.plan_id)
                    continue
                outbox.settle(row, "cancelled", "no longer in the plan")
                outcome.cancelled += 1
                log.info("reminder.cancelled", extra={"fields": _fields(row.key)})
                continue
            schedule = tables[r.plan_id].schedule
            items.append(Item(schedule, deadline, r, is_late(r.owed_at, now, schedule.plan.tz)))
        if back:
            outbox.release_letter(back, "not in this process's copy of the plan")
            log.info("reminder.left", extra={"fields": {"rows": len(back)}})
        kept = {i.reminder.key for i in items}
        rows = [row for row in letter.rows if row.key in kept]
        if not items:
            continue
        message = compose_letter(items, letter.message_id, mailer.sender, now)
        probe("sending")
        try:
            mailer.send(message)
        except SendError as e:
            if e.permanent:
                outbox.settle_letter(rows, "failed", str(e))
                outcome.failed += rows
                for row in rows:
                    log.error(
                        "reminder.failed", extra={"fields": _fields(row.key) | {"error": str(e)}}
                    )
                continue
            outbox.release_letter(rows, str(e))
            outcome.stopped = str(e)
            log.warning("smtp.unavailable", extra={"fields": {"error": str(e)}})
            return
        probe("accepted")  # the window: the server has it, the store does not know yet
        lates = {i.reminder.key: i.late for i in items}
        outbox.mark_letter_sent(rows, now, lates)
        probe("marked")
        outcome.letters += 1
        for row in rows:
            late = lates[row.key]
            outcome.sent.append(
                replace(row, status="sent", lease_until=None, sent_at=now, late=late, error=None)
            )
            log.info(
                "reminder.sent",
                extra={
                    "fields": _fields(row.key)
                    | {
                        "late": late,
                        "attempt": row.attempts,
                        "message_id": letter.message_id,
                        "letter": len(rows),
                        "again": letter.again,
                    }
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
