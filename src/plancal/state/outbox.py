"""The reminder outbox in the state store: enqueue once, claim with a lease, settle.

A row moves ``pending`` → ``sending`` (claimed: a lease with the worker's name) → ``sent``, or
ends ``failed`` (the server refused it for good), ``cancelled`` (its deadline left the plan),
``superseded`` (a newer reminder of the same deadline and recipient is owed) or ``expired``
(its deadline passed more than ``late_days`` ago). A ``sending`` row whose lease ran out belongs
to a worker that died: it can be claimed again.

Claiming is one short transaction per row: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so hosts
sharing the store never wait for each other's rows; on SQLite ``Store.writing`` takes the
write lock up front (BEGIN IMMEDIATE), so claims queue.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from plancal.calendars.reminders import Key, Reminder
from plancal.state.store import Store, _utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection

Status = Literal["pending", "sending", "sent", "failed", "cancelled", "superseded", "expired"]
Probe = Callable[[str], None]  # named points in the work, where tests can crash a sender


def no_probe(_point: str) -> None:
    pass


@dataclass(frozen=True, slots=True)
class Row:
    reminder: Reminder
    status: Status
    attempts: int
    lease_until: datetime | None
    worker: str | None
    created: datetime
    sent_at: datetime | None
    late: bool | None
    error: str | None

    @property
    def key(self) -> Key:
        return self.reminder.key


def _row(r: Any) -> Row:
    reminder = Reminder(
        r.plan_id,
        r.deadline,
        r.due,
        r.recipient,
        r.offset_days,
        r.address,
        _utc(r.owed_at),
        _utc(r.expires),
    )
    return Row(
        reminder,
        r.status,
        r.attempts,
        r.lease_until and _utc(r.lease_until),
        r.worker,
        _utc(r.created),
        r.sent_at and _utc(r.sent_at),
        r.late,
        r.error,
    )


class Outbox:
    def __init__(self, store: Store):
        self.store = store

    def _is(self, key: Key) -> ColumnElement[bool]:
        from sqlalchemy import and_

        from plancal.state.tables import outbox as t

        plan_id, deadline, due, recipient, offset = key
        return and_(
            t.c.plan_id == plan_id,
            t.c.deadline == deadline,
            t.c.due == due,
            t.c.recipient == recipient,
            t.c.offset_days == offset,
        )

    def _claimable(self, now: datetime) -> ColumnElement[bool]:
        from sqlalchemy import and_, or_

        from plancal.state.tables import outbox as t

        return or_(t.c.status == "pending", and_(t.c.status == "sending", t.c.lease_until < now))

    def enqueue(
        self, reminders: Sequence[Reminder], now: datetime, probe: Probe = no_probe
    ) -> list[Reminder]:
        """Insert what is not yet in the outbox; return the reminders that were new."""
        from sqlalchemy import select

        from plancal.state.tables import outbox as t

        now = _utc(now)
        cols = (t.c.plan_id, t.c.deadline, t.c.due, t.c.recipient, t.c.offset_days)
        plans = sorted({r.plan_id for r in reminders})
        with self.store.engine.connect() as conn:  # most ticks owe nothing new: no write
            known = {tuple(k) for k in conn.execute(select(*cols).where(t.c.plan_id.in_(plans)))}
        candidates = [r for r in reminders if r.key not in known]
        if not candidates:
            return []

        def work(conn: Connection) -> list[Reminder]:
            # ON CONFLICT DO NOTHING ... RETURNING: another host may insert the same key
            # meanwhile; only the rows this call created count as new.
            created = {
                tuple(k)
                for k in conn.execute(
                    self._insert_new().returning(*cols),
                    [
                        {
                            "plan_id": r.plan_id,
                            "deadline": r.deadline,
                            "due": r.due,
                            "recipient": r.recipient,
                            "offset_days": r.offset_days,
                            "address": r.address,
                            "owed_at": _utc(r.owed_at),
                            "expires": _utc(r.expires),
                            "message_id": r.message_id,
                            "status": "pending",
                            "attempts": 0,
                            "created": now,
                        }
                        for r in candidates
                    ],
                )
            }
            probe("enqueue-open")
            return [r for r in candidates if r.key in created]

        fresh = self.store.retrying(work)
        probe("enqueued")
        return fresh

    def _insert_new(self) -> Any:
        from plancal.state.tables import outbox as t

        if self.store.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert as pg_insert

            return pg_insert(t).on_conflict_do_nothing()
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(t).on_conflict_do_nothing()

    def sweep(self, plan_id: str, now: datetime) -> dict[str, int]:
        """Retire what must not be sent any more: expired, and superseded by a newer one."""
        from sqlalchemy import and_, exists, select, update

        from plancal.state.tables import outbox as t

        now = _utc(now)
        newer = t.alias("newer")
        has_newer = exists(
            select(newer.c.plan_id).where(
                newer.c.plan_id == t.c.plan_id,
                newer.c.deadline == t.c.deadline,
                newer.c.due == t.c.due,
                newer.c.recipient == t.c.recipient,
                newer.c.offset_days < t.c.offset_days,
            )
        )
        with self.store.writing() as conn:
            expired = conn.execute(
                update(t)
                .where(t.c.plan_id == plan_id, self._claimable(now), t.c.expires <= now)
                .values(status="expired", lease_until=None)
            ).rowcount
            superseded = conn.execute(
                update(t)
                .where(and_(t.c.plan_id == plan_id, self._claimable(now), has_newer))
                .values(status="superseded", lease_until=None)
            ).rowcount
        return {"expired": expired, "superseded": superseded}

    def claim(
        self, plan_id: str, now: datetime, worker: str, lease: timedelta, probe: Probe = no_probe
    ) -> Row | None:
        """Take the oldest owed row for ``lease``; None when nothing is owed."""
        from sqlalchemy import select, update

        from plancal.state.tables import outbox as t

        now = _utc(now)
        query = (
            select(t)
            .where(t.c.plan_id == plan_id, self._claimable(now), t.c.owed_at <= now)
            .order_by(t.c.owed_at, t.c.deadline, t.c.recipient, t.c.offset_days)
            .limit(1)
            .with_for_update(skip_locked=True)
        )  # SQLite: no-op, BEGIN IMMEDIATE
        with self.store.writing() as conn:
            found = conn.execute(query).first()
            if found is None:
                return None
            row = _row(found)
            conn.execute(
                update(t)
                .where(self._is(row.key))
                .values(
                    status="sending",
                    lease_until=now + lease,
                    worker=worker,
                    attempts=t.c.attempts + 1,
                )
            )
            probe("claim-open")
        probe("claimed")
        return replace(
            row, status="sending", attempts=row.attempts + 1, lease_until=now + lease, worker=worker
        )

    def _set(self, key: Key, **values: Any) -> None:
        from sqlalchemy import update

        from plancal.state.tables import outbox as t

        with self.store.writing() as conn:
            conn.execute(update(t).where(self._is(key)).values(**values))

    def mark_sent(self, row: Row, now: datetime, late: bool) -> None:
        self._set(
            row.key, status="sent", sent_at=_utc(now), late=late, lease_until=None, error=None
        )

    def release(self, row: Row, error: str) -> None:
        """Back to pending: the server could not take it now; the next tick tries again."""
        self._set(row.key, status="pending", lease_until=None, worker=None, error=error[:500])

    def settle(self, row: Row, status: Status, error: str | None = None) -> None:
        self._set(row.key, status=status, lease_until=None, error=error and error[:500])

    def rows(self, plan_id: str, statuses: Iterable[Status] | None = None) -> list[Row]:
        from sqlalchemy import select

        from plancal.state.tables import outbox as t

        query = select(t).where(t.c.plan_id == plan_id)
        if statuses is not None:
            query = query.where(t.c.status.in_(list(statuses)))
        query = query.order_by(t.c.owed_at, t.c.deadline, t.c.recipient, t.c.offset_days)
        with self.store.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]
