"""When each served resource last changed: the server's Last-Modified, kept in the store.

Taking the newest DTSTAMP of a feed's events would miss a removal (the feed shrinks, no event
is newer), and the server's start time would make every client download everything again after
a restart. So the store remembers each resource's ETag and the time it last differed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from plancal.state.store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def stamp(
    store: Store, plan_id: str, etags: Mapping[str, str], now: datetime
) -> dict[str, datetime]:
    """Record each resource's ETag; a new or changed one is modified ``now`` (whole seconds)."""
    from sqlalchemy import bindparam, insert, select, update

    from plancal.state.tables import served_versions as t

    now = _utc(now).replace(microsecond=0)

    def work(conn: Connection) -> dict[str, datetime]:
        query = select(t).where(t.c.plan_id == plan_id)
        if store.dialect == "postgresql":
            query = query.with_for_update()
        known = {r.name: r for r in conn.execute(query)}
        out: dict[str, datetime] = {}
        inserts: list[dict[str, Any]] = []
        updates: list[dict[str, Any]] = []
        for name, etag in etags.items():
            row = known.get(name)
            if row is None:
                inserts.append({"plan_id": plan_id, "name": name, "etag": etag, "modified": now})
                out[name] = now
            elif row.etag != etag:
                # Always later than before, even if another host's clock ran ahead of ours:
                # an If-Modified-Since of the old version must not match the new one.
                modified = max(now, _utc(row.modified) + timedelta(seconds=1))
                updates.append({"k_name": name, "etag": etag, "modified": modified})
                out[name] = modified
            else:
                out[name] = _utc(row.modified)
        if inserts:
            conn.execute(insert(t), inserts)
        if updates:
            conn.execute(
                update(t)
                .where(t.c.plan_id == plan_id, t.c.name == bindparam("k_name"))
                .values(etag=bindparam("etag"), modified=bindparam("modified")),
                updates,
            )
        return out

    return store.retrying(work)
