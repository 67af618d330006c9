"""The reminder outbox in the state store: enqueue once, claim with a lease, settle.

A row moves ``pending`` → ``sending`` (claimed: a lease with the worker's name) → ``sent``, or
ends ``failed`` (the server refused it for good), ``cancelled`` (its deadline left the plan),
``superseded`` (a newer reminder of the same deadline and recipient is owed) or ``expired``
(its deadline passed more than ``late_days`` ago). A ``sending`` row whose lease ran out belongs
to a worker that died: it can be claimed again.

Claiming is one short transaction per row: ``FOR UPDATE SKIP LOCKED`` on PostgreSQL, so hosts
sharing the store never wait for each other's rows; on SQLite ``Store.writing`` takes the
write lock up front (BEGIN IMMEDIATE), so claims queue.

Letters: a person gets one mail for everything owed to them at once, across every plan of the
store. ``claim_letter`` takes all of one address's owed rows together (a transaction-scoped
advisory lock on the address on PostgreSQL, so two hosts never split a person's rows) and
writes the letter's Message-ID into each row. A letter whose lease ran out (its sender died)
is claimed again as the same letter — the same rows, the same Message-ID — before anything new
is grouped, so a resend after a crash is the same message to a receiver that deduplicates.
Enqueueing stays per plan; rows may be enqueued ahead of time (``owed_at`` in the future), so
by the time a person's reminders fall due, every plan's rows are there to be grouped.
"""

from __future__ import annotations

import hashlib
import zlib
from collections.abc import Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any, Literal

from plancal.calendars.reminders import Key, Reminder, message_id
from plancal.state.store import Store, _utc

if TYPE_CHECKING:
    from sqlalchemy import ColumnElement
    from sqlalchemy.engine import Connection

Status = Literal["pending", "sending", "sent", "failed", "cancelled", "superseded", "expired"]
Probe = Callable[[str], None]  # named points in the work, where tests can crash a sender
LETTER_LOCKS = 7240312  # advisory lock namespace: one claimer per address or letter at a time


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
    message_id: str = ""  # the letter it went (or goes) out in; the reminder's own when alone

    @property
    def key(self) -> Key:
        return self.reminder.key


@dataclass(frozen=True, slots=True)
class Letter:
    """The rows claimed together for one address: they go out as one message."""

    message_id: str
    address: str
    rows: tuple[Row, ...]
    again: bool  # claimed before by a worker whose lease ran out: the same message again


def letter_id(keys: Iterable[Key]) -> str:
    """A letter of several reminders is named after all their keys; of one, after that one."""
    ordered = sorted(keys)
    if len(ordered) == 1:
        return message_id(ordered[0])
    digest = hashlib.sha256(
        "\n\n".join(
            f"{p}\n{d}\n{due.isoformat()}\n{r}\n{o}" for p, d, due, r, o in ordered
        ).encode()
    ).hexdigest()[:40]
    return f"<{digest}.reminders@plancal>"


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
        r.message_id,
    )


class Outbox:
    def __init__(self, store: Store):
        self.store = store
        # Keys known to be in the store. Rows are never deleted, so a tick that owes nothing
        # new asks the store nothing (a region's tick must not cost a query per plan).
        self._known: set[Key] = set()

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
        unknown = [r for r in reminders if r.key not in self._known]
        if not unknown:
            return []
        plans = sorted({r.plan_id for r in unknown})
        dues = sorted({r.due for r in unknown})
        with self.store.engine.connect() as conn:  # most ticks owe nothing new: no write
            known = {
                tuple(k)
                for k in conn.execute(
                    select(*cols).where(t.c.plan_id.in_(plans), t.c.due.in_(dues))
                )
            }
        self._known |= known
        candidates = [r for r in unknown if r.key not in known]
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
        self._known |= {r.key for r in candidates}  # new, or inserted by another host
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
        return self.sweep_plans([plan_id], now)

    def sweep_plans(self, plan_ids: Collection[str], now: datetime) -> dict[str, int]:
        """``sweep`` for many plans in two statements. A row is superseded by a newer one
        (fewer days before the deadline) only once that one is owed: rows enqueued ahead of
        their time replace nothing yet."""
        from sqlalchemy import and_, exists, select, update

        from plancal.state.tables import outbox as t

        now = _utc(now)
        plans = sorted(plan_ids)
        newer = t.alias("newer")
        has_newer = exists(
            select(newer.c.plan_id).where(
                newer.c.plan_id == t.c.plan_id,
                newer.c.deadline == t.c.deadline,
                newer.c.due == t.c.due,
                newer.c.recipient == t.c.recipient,
                newer.c.offset_days < t.c.offset_days,
                newer.c.owed_at <= now,
            )
        )
        with self.store.writing() as conn:
            expired = conn.execute(
                update(t)
                .where(t.c.plan_id.in_(plans), self._claimable(now), t.c.expires <= now)
                .values(status="expired", lease_until=None)
            ).rowcount
            superseded = conn.execute(
                update(t)
                .where(and_(t.c.plan_id.in_(plans), self._claimable(now), has_newer))
                .values(status="superseded", lease_until=None)
            ).rowcount
        return {"expired": expired, "superseded": superseded}

    def due(self, plan_ids: Collection[str], now: datetime) -> bool:
        """Whether any row of these plans can be claimed at ``now``: one query, so an idle
        tick over hundreds of plans costs one round trip."""
        from sqlalchemy import select

        from plancal.state.tables import outbox as t

        now = _utc(now)
        query = (
            select(t.c.plan_id)
            .where(t.c.plan_id.in_(sorted(plan_ids)), self._claimable(now), t.c.owed_at <= now)
            .limit(1)
        )
        with self.store.engine.connect() as conn:
            return conn.execute(query).first() is not None

    def claim_letter(
        self,
        plan_ids: Collection[str],
        now: datetime,
        worker: str,
        lease: timedelta,
        probe: Probe = no_probe,
    ) -> Letter | None:
        """Take one letter's rows for ``lease``: a dead worker's letter again, else everything
        owed to the address owed longest. None when nothing of these plans is owed."""
        from sqlalchemy import and_

        from plancal.state.tables import outbox as t

        now = _utc(now)
        plans = sorted(plan_ids)
        mine = t.c.plan_id.in_(plans)
        stale = and_(t.c.status == "sending", t.c.lease_until < now)
        with self.store.writing() as conn:
            letter = self._claim_in(conn, mine, stale, now, worker, lease, probe)
        if letter is not None:
            probe("claimed")
        return letter

    def _claim_in(
        self,
        conn: Connection,
        mine: ColumnElement[bool],
        stale: ColumnElement[bool],
        now: datetime,
        worker: str,
        lease: timedelta,
        probe: Probe,
    ) -> Letter | None:
        from sqlalchemy import func, select

        from plancal.state.tables import outbox as t

        # A letter whose sender died: the same rows under the same Message-ID.
        for (mid,) in conn.execute(
            select(t.c.message_id)
            .where(mine, stale)
            .group_by(t.c.message_id)
            .order_by(func.min(t.c.owed_at), t.c.message_id)
            .limit(10)
        ):
            if not self._lock(conn, mid):
                continue
            found = conn.execute(
                select(t).where(mine, stale, t.c.message_id == mid).with_for_update()
            ).all()
            if found:
                return self._take(conn, found, mid, True, now, worker, lease, probe)
        # Everything owed to one address, from every plan.
        for (address,) in conn.execute(
            select(t.c.address)
            .where(mine, t.c.status == "pending", t.c.owed_at <= now)
            .group_by(t.c.address)
            .order_by(func.min(t.c.owed_at), t.c.address)
            .limit(10)
        ):
            if not self._lock(conn, address):
                continue
            found = conn.execute(
                select(t)
                .where(mine, t.c.status == "pending", t.c.owed_at <= now)
                .where(t.c.address == address)
                .with_for_update()
            ).all()
            if found:
                mid = letter_id(_row(r).key for r in found)
                return self._take(conn, found, mid, False, now, worker, lease, probe)
        return None

    def _lock(self, conn: Connection, name: str) -> bool:
        """On PostgreSQL, one claimer per address or letter at a time (until commit): two
        hosts never split one person's rows into two messages. SQLite's write lock does it."""
        if self.store.dialect != "postgresql":
            return True
        from sqlalchemy import text

        key = zlib.crc32(name.encode()) & 0x7FFFFFFF
        return bool(
            conn.execute(
                text("SELECT pg_try_advisory_xact_lock(:ns, :k)"), {"ns": LETTER_LOCKS, "k": key}
            ).scalar()
        )

    def _take(
        self,
        conn: Connection,
        found: Sequence[Any],
        mid: str,
        again: bool,
        now: datetime,
        worker: str,
        lease: timedelta,
        probe: Probe,
    ) -> Letter:
        from sqlalchemy import update

        from plancal.state.tables import outbox as t

        rows = sorted((_row(r) for r in found), key=_order)
        conn.execute(
            update(t)
            .where(*self._by_key())
            .values(
                status="sending",
                lease_until=now + lease,
                worker=worker,
                attempts=t.c.attempts + 1,
                message_id=mid,
            ),
            [self._key_params(r.key) for r in rows],
        )
        probe("claim-open")
        taken = tuple(
            replace(
                r,
                status="sending",
                attempts=r.attempts + 1,
                lease_until=now + lease,
                worker=worker,
                message_id=mid,
            )
            for r in rows
        )
        return Letter(mid, rows[0].reminder.address, taken, again)

    def _by_key(self) -> list[ColumnElement[bool]]:
        from sqlalchemy import bindparam

        from plancal.state.tables import outbox as t

        return [
            t.c.plan_id == bindparam("k_plan"),
            t.c.deadline == bindparam("k_deadline"),
            t.c.due == bindparam("k_due"),
            t.c.recipient == bindparam("k_recipient"),
            t.c.offset_days == bindparam("k_offset"),
        ]

    @staticmethod
    def _key_params(key: Key) -> dict[str, Any]:
        plan_id, deadline, due, recipient, offset = key
        return {
            "k_plan": plan_id,
            "k_deadline": deadline,
            "k_due": due,
            "k_recipient": recipient,
            "k_offset": offset,
        }

    def mark_letter_sent(
        self, rows: Iterable[Row], now: datetime, late: Mapping[Key, bool]
    ) -> None:
        """Every row of a letter the server accepted, in one transaction."""
        from sqlalchemy import bindparam, update

        from plancal.state.tables import outbox as t

        params = [self._key_params(r.key) | {"v_late": late[r.key]} for r in rows]
        if not params:
            return
        with self.store.writing() as conn:
            conn.execute(
                update(t)
                .where(*self._by_key())
                .values(
                    status="sent",
                    sent_at=_utc(now),
                    late=bindparam("v_late"),
                    lease_until=None,
                    error=None,
                ),
                params,
            )

    def release_letter(self, rows: Iterable[Row], error: str) -> None:
        """Back to pending, each under its own Message-ID again: the server did not take the
        letter, so the next one may group them differently."""
        from sqlalchemy import bindparam, update

        from plancal.state.tables import outbox as t

        params = [self._key_params(r.key) | {"v_mid": message_id(r.key)} for r in rows]
        if not params:
            return
        with self.store.writing() as conn:
            conn.execute(
                update(t)
                .where(*self._by_key())
                .values(
                    status="pending",
                    lease_until=None,
                    worker=None,
                    error=error[:500],
                    message_id=bindparam("v_mid"),
                ),
                params,
            )

    def settle_letter(self, rows: Iterable[Row], status: Status, error: str | None = None) -> None:
        from sqlalchemy import update

        from plancal.state.tables import outbox as t

        params = [self._key_params(r.key) for r in rows]
        if not params:
            return
        with self.store.writing() as conn:
            conn.execute(
                update(t)
                .where(*self._by_key())
                .values(status=status, lease_until=None, error=error and error[:500]),
                params,
            )

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


def _order(r: Row) -> tuple[datetime, str, str, date, str, int]:
    return (r.reminder.owed_at, r.reminder.plan_id, *r.key[1:])
