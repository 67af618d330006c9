"""The versions of plan files that plancal wrote: the store behind `history` and `undo`.

A version is keyed by the plan file's resolved path; it keeps the file's bytes before and after
the write, so an undo restores exactly what was there and can tell a hand edit since.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

from plancal.state.store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection


@dataclass(frozen=True)
class Version:
    id: int
    plan_path: str
    plan_id: str
    written: datetime  # UTC
    command: str
    summary_en: str
    summary_sv: str
    before: bytes
    after: bytes
    undoes: int | None = None  # this version was an undo of that one

    def summary(self, lang: str) -> str:
        return self.summary_sv if lang == "sv" else self.summary_en


def key(path: Path) -> str:
    return str(path.expanduser().resolve())


def record(
    store: Store,
    path: Path,
    plan_id: str,
    command: str,
    summary: tuple[str, str],
    before: bytes,
    after: bytes,
    now: datetime,
    undoes: int | None = None,
) -> int:
    """Remember one write; ``summary`` is (English, Swedish). Returns the version's id."""
    from sqlalchemy import insert

    from plancal.state.tables import plan_versions as t

    def work(conn: Connection) -> int:
        result = conn.execute(
            insert(t).values(
                plan_path=key(path),
                plan_id=plan_id,
                written=_utc(now),
                command=command[:1000],
                summary_en=summary[0],
                summary_sv=summary[1],
                before=before,
                after=after,
                undoes=undoes,
            )
        )
        (new_id,) = result.inserted_primary_key or (0,)
        return int(new_id)

    return store.retrying(work)


def versions(store: Store, path: Path) -> list[Version]:
    """Every version plancal wrote of the plan file at ``path``, oldest first."""
    from sqlalchemy import select

    from plancal.state.tables import plan_versions as t

    with store.engine.connect() as conn:
        rows = conn.execute(select(t).where(t.c.plan_path == key(path)).order_by(t.c.id)).all()
    return [
        Version(
            r.id,
            r.plan_path,
            r.plan_id,
            _utc(r.written),
            r.command,
            r.summary_en,
            r.summary_sv,
            bytes(r.before),
            bytes(r.after),
            r.undoes,
        )
        for r in rows
    ]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)
