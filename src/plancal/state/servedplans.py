"""The last good version of each plan file a region's server built, kept in the store.

Hosts share the store, not their memory: a host that starts while a plan file is broken has
no last good version of its own, yet the hosts that ran before it still serve one. So each
build remembers the file's source here (by file name, the same on every host), and a host that
meets a broken file at start compiles this source instead — every host serves the same version.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from plancal.state.store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def remember(store: Store, name: str, plan_id: str, source: bytes, now: datetime) -> None:
    """Keep ``source`` as the last good version of the file ``name`` (a no-op if it is)."""
    from sqlalchemy import insert, select, update

    from plancal.state.tables import served_plans as t

    digest = hashlib.sha256(source).hexdigest()
    now = now.astimezone(UTC).replace(microsecond=0)
    with store.engine.connect() as conn:
        known = conn.execute(select(t.c.digest).where(t.c.name == name)).scalar()
    if known == digest:
        return

    def work(conn: Connection) -> None:
        row = conn.execute(select(t.c.digest).where(t.c.name == name)).first()
        values = {"plan_id": plan_id, "digest": digest, "source": source, "updated": now}
        if row is None:
            conn.execute(insert(t).values(name=name, **values))
        elif row.digest != digest:
            conn.execute(update(t).where(t.c.name == name).values(**values))

    store.retrying(work)


def last_good(store: Store, name: str) -> bytes | None:
    from sqlalchemy import select

    from plancal.state.tables import served_plans as t

    with store.engine.connect() as conn:
        source: bytes | None = conn.execute(select(t.c.source).where(t.c.name == name)).scalar()
    return source
