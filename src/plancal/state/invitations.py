"""The postbox of the mail target (``calendars.targets.mail.postbox.Postbox``) in the store.

A letter moves ``pending`` → ``sending`` (claimed with a lease) → ``sent``, or ends ``failed``
(the server refused it for good). A ``sending`` letter whose lease ran out belongs to a push
that died: the next push claims it again and sends the same bytes. Posting writes the letters
and "what each attendee last received" in one transaction; a letter already kept is left as it
is (its key is unique), so computing the same change twice posts nothing new.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from plancal.calendars.targets.mail.postbox import Letter
from plancal.state.store import Store, _utc


class Postbox:
    def __init__(self, store: Store, target: str, plan_id: str):
        self.store = store
        self.target = target
        self.plan_id = plan_id

    def _mine(self, t: Any) -> Any:
        from sqlalchemy import and_

        return and_(t.c.target == self.target, t.c.plan_id == self.plan_id)

    def _insert(self, table: Any) -> Any:
        if self.store.dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert

            return insert(table)
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(table)

    def post(self, letters: Iterable[Letter], now: datetime) -> int:
        from plancal.state.tables import invitation_outbox as t
        from plancal.state.tables import invitations_received as r

        items = list(letters)
        if not items:
            return 0
        now = _utc(now)

        def work(conn: Any) -> int:
            created = conn.execute(
                self._insert(t).on_conflict_do_nothing().returning(t.c.key),
                [
                    {
                        "target": self.target,
                        "plan_id": self.plan_id,
                        "key": x.key,
                        "uid": x.uid,
                        "recurrence_id": x.recurrence_id,
                        "attendee": x.attendee,
                        "method": x.method,
                        "sequence": x.sequence,
                        "message_id": x.message_id,
                        "message": x.message.decode("ascii"),
                        "status": "pending",
                        "attempts": 0,
                        "created": now,
                    }
                    for x in items
                ],
            ).all()
            stmt = self._insert(r)
            stmt = stmt.on_conflict_do_update(
                index_elements=[r.c.target, r.c.plan_id, r.c.uid, r.c.attendee],
                set_={
                    "recurrence_id": stmt.excluded.recurrence_id,
                    "method": stmt.excluded.method,
                    "sequence": stmt.excluded.sequence,
                    "key": stmt.excluded.key,
                    "updated": stmt.excluded.updated,
                },
            )
            latest = {(x.uid, x.attendee): x for x in items}  # the last letter per attendee
            conn.execute(
                stmt,
                [
                    {
                        "target": self.target,
                        "plan_id": self.plan_id,
                        "uid": x.uid,
                        "attendee": x.attendee,
                        "recurrence_id": x.recurrence_id,
                        "method": x.method,
                        "sequence": x.sequence,
                        "key": x.key,
                        "updated": now,
                    }
                    for x in latest.values()
                ],
            )
            return len(created)

        return self.store.retrying(work)

    def claim(self, now: datetime, lease: timedelta) -> Letter | None:
        from sqlalchemy import and_, or_, select, update

        from plancal.state.tables import invitation_outbox as t

        now = _utc(now)
        claimable = or_(
            t.c.status == "pending", and_(t.c.status == "sending", t.c.lease_until < now)
        )
        query = (
            select(t)
            .where(self._mine(t), claimable)
            .order_by(t.c.created, t.c.uid, t.c.recurrence_id, t.c.attendee, t.c.method)
            .limit(1)
            .with_for_update(skip_locked=True)
        )
        with self.store.writing() as conn:
            row = conn.execute(query).first()
            if row is None:
                return None
            conn.execute(
                update(t)
                .where(self._mine(t), t.c.key == row.key)
                .values(status="sending", lease_until=now + lease, attempts=t.c.attempts + 1)
            )
        return Letter(
            row.key,
            row.uid,
            row.recurrence_id,
            row.attendee,
            row.method,
            row.sequence,
            row.message_id,
            row.message.encode("ascii"),
        )

    def _set(self, letter: Letter, **values: Any) -> None:
        from sqlalchemy import update

        from plancal.state.tables import invitation_outbox as t

        with self.store.writing() as conn:
            conn.execute(update(t).where(self._mine(t), t.c.key == letter.key).values(**values))

    def sent(self, letter: Letter, now: datetime) -> None:
        self._set(letter, status="sent", sent_at=_utc(now), lease_until=None, error=None)

    def release(self, letter: Letter, error: str) -> None:
        self._set(letter, status="pending", lease_until=None, error=error[:500])

    def failed(self, letter: Letter, error: str) -> None:
        self._set(letter, status="failed", lease_until=None, error=error[:500])

    def unsent(self) -> dict[str, set[str]]:
        from sqlalchemy import select

        from plancal.state.tables import invitation_outbox as t

        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.uid, t.c.method).where(
                    self._mine(t), t.c.status.in_(["pending", "sending"])
                )
            ).all()
        out: dict[str, set[str]] = {}
        for uid, method in rows:
            out.setdefault(uid, set()).add(method)
        return out

    def rows(self) -> list[dict[str, Any]]:
        """Every letter of this target and plan (for the tests and an operator)."""
        from sqlalchemy import select

        from plancal.state.tables import invitation_outbox as t

        with self.store.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(t).where(self._mine(t)))]

    def received(self) -> dict[tuple[str, str], tuple[str, int]]:
        """(uid, attendee) → (method, SEQUENCE) of the last letter each attendee got."""
        from sqlalchemy import select

        from plancal.state.tables import invitations_received as r

        with self.store.engine.connect() as conn:
            rows = conn.execute(select(r).where(self._mine(r))).all()
        return {(x.uid, x.attendee): (x.method, x.sequence) for x in rows}
