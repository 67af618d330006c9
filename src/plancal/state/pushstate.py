"""What a push target must remember between runs, kept in the state store.

Two things, per target (``exchange:organizer@host``) and plan:

- ``pushed``: for each meeting or series plancal wrote, the item id and change key it had when
  plancal last read it, with a snapshot of what it held. The target stays the truth (every
  push reads it); the record tells which items vanished since (deleted outside plancal) and
  lets an operator see what plancal believes it owns.
- ``push_intents``: writes in flight. Recorded before a request goes out, cleared when its
  answer is in. Rows left behind mean a push was interrupted; the next push re-reads those
  items whatever their change key says, and says that it is repairing.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from plancal.calendars.push import Pushed
from plancal.state.store import Store


class PushState:
    def __init__(self, store: Store, target: str, plan_id: str):
        self.store = store
        self.target = target
        self.plan_id = plan_id

    def load(self) -> dict[str, Pushed]:
        from sqlalchemy import select

        from plancal.state.tables import pushed as t

        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t).where(t.c.target == self.target, t.c.plan_id == self.plan_id)
            ).all()
        return {
            r.key: Pushed(r.key, r.item_id, r.change_key, r.digest, json.loads(r.snapshot))
            for r in rows
        }

    def remember(self, rows: Iterable[Pushed], now: datetime) -> None:
        """Replace what is known of these keys (one transaction)."""
        from sqlalchemy import delete, insert

        from plancal.state.tables import pushed as t

        items = list(rows)
        if not items:
            return
        values = [
            {
                "target": self.target,
                "plan_id": self.plan_id,
                "key": p.key,
                "item_id": p.item_id,
                "change_key": p.change_key,
                "digest": p.digest,
                "snapshot": json.dumps(p.snapshot, sort_keys=True),
                "updated": now.astimezone(UTC),
            }
            for p in items
        ]

        def work(conn: Any) -> None:
            conn.execute(
                delete(t).where(
                    t.c.target == self.target,
                    t.c.plan_id == self.plan_id,
                    t.c.key.in_([p.key for p in items]),
                )
            )
            conn.execute(insert(t), values)

        self.store.retrying(work)

    def forget(self, keys: Iterable[str] | None = None) -> None:
        """Drop what is known of these keys (all of the plan's with None)."""
        from plancal.state.tables import pushed

        self._delete(pushed, keys)

    def _delete(self, table: Any, keys: Iterable[str] | None) -> None:
        """Delete this target's and plan's rows of ``table`` for ``keys`` (None: all)."""
        from sqlalchemy import delete

        wanted = None if keys is None else sorted(set(keys))
        if wanted == []:
            return
        query = delete(table).where(table.c.target == self.target, table.c.plan_id == self.plan_id)
        if wanted is not None:
            query = query.where(table.c.key.in_(wanted))
        with self.store.writing() as conn:
            conn.execute(query)

    # --- writes in flight ----------------------------------------------------------------

    def begin(self, intents: Iterable[tuple[str, str]], now: datetime) -> None:
        """Record (key, action) pairs before the request that carries them goes out."""
        from sqlalchemy import delete, insert

        from plancal.state.tables import push_intents as t

        pairs = sorted(set(intents))
        if not pairs:
            return

        def work(conn: Any) -> None:
            for key, action in pairs:
                conn.execute(
                    delete(t).where(
                        t.c.target == self.target,
                        t.c.plan_id == self.plan_id,
                        t.c.key == key,
                        t.c.action == action,
                    )
                )
            conn.execute(
                insert(t),
                [
                    {
                        "target": self.target,
                        "plan_id": self.plan_id,
                        "key": key,
                        "action": action,
                        "started": now.astimezone(UTC),
                    }
                    for key, action in pairs
                ],
            )

        self.store.retrying(work)

    def end(self, keys: Iterable[str] | None = None) -> None:
        """The answer is in: these keys (all with None) have no write in flight any more."""
        from plancal.state.tables import push_intents

        self._delete(push_intents, keys)

    def in_flight(self) -> dict[str, set[str]]:
        """Keys with a write left in flight by an interrupted push, with their actions."""
        from sqlalchemy import select

        from plancal.state.tables import push_intents as t

        with self.store.engine.connect() as conn:
            rows = conn.execute(
                select(t.c.key, t.c.action).where(
                    t.c.target == self.target, t.c.plan_id == self.plan_id
                )
            ).all()
        out: dict[str, set[str]] = {}
        for key, action in rows:
            out.setdefault(key, set()).add(action)
        return out
