"""The state store: a SQLite file by default, PostgreSQL when several hosts share the work.

It keeps what the calendars must remember between runs (SEQUENCE and last change per event;
the reminder outbox; later, what was pushed where). The schema is versioned with Alembic and
upgraded when the store is opened, so a user never runs a migration by hand. Opening an
up-to-date store reads one row and imports no Alembic at all.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from plancal.calendars.ics import Key, Revision
from plancal.errors import UserError

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

T = TypeVar("T")
SCHEMA_HEAD = "0007"  # the newest migration (chain 0004 → 0006 → 0005 → 0007)
MIGRATIONS = Path(__file__).with_name("migrations")


class StoreError(UserError):
    """The store cannot be used; the message is safe to show (no password in it)."""


def state_dir() -> Path:
    if explicit := os.environ.get("PLANCAL_STATE_DIR"):
        return Path(explicit)
    base = os.environ.get("XDG_STATE_HOME")
    return (Path(base) if base else Path.home() / ".local" / "state") / "plancal"


def default_url() -> str:
    return os.environ.get("PLANCAL_DB") or f"sqlite:///{state_dir() / 'plancal.sqlite'}"


def normalize_url(url: str) -> str:
    """``postgresql://`` means psycopg 3; a bare path means a SQLite file."""
    if url.startswith(("postgresql://", "postgres://")):
        return "postgresql+psycopg://" + url.split("://", 1)[1]
    if "://" not in url:
        return f"sqlite:///{Path(url).expanduser().absolute()}"
    return url


def safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:
        return url.split("@")[-1]


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Store:
    def __init__(self, url: str | None = None):
        from sqlalchemy import create_engine, event
        from sqlalchemy.exc import ArgumentError, OperationalError

        self.url = normalize_url(url or default_url())
        kwargs: dict[str, Any] = {}
        if self.url.startswith("sqlite"):
            path = self.url.split("///", 1)[-1]
            if path and path != ":memory:":
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            kwargs["connect_args"] = {"timeout": 30}
        try:
            self.engine: Engine = create_engine(self.url, **kwargs)
        except (ArgumentError, ImportError) as e:
            raise StoreError(f"cannot use the database {safe_url(self.url)}: {e}") from None
        if self.dialect == "sqlite":
            event.listen(self.engine, "connect", _sqlite_connect)
            event.listen(self.engine, "begin", _sqlite_begin)
        try:
            self.migrate()
        except OperationalError as e:
            raise StoreError(
                f"cannot open the database {safe_url(self.url)}: {e.orig or e}"
            ) from None

    @property
    def dialect(self) -> str:
        return self.engine.dialect.name

    @contextmanager
    def writing(self) -> Iterator[Connection]:
        """A transaction that will write: exclusive on SQLite, retried on a unique race."""
        with self.engine.connect() as conn:
            conn = conn.execution_options(plancal_write=True)
            with conn.begin():
                yield conn

    def retrying(self, work: Callable[[Connection], T], attempts: int = 5) -> T:
        """Run ``work`` in a write transaction; a concurrent insert of the same row retries."""
        from sqlalchemy.exc import IntegrityError, OperationalError

        for attempt in range(attempts):
            try:
                with self.writing() as conn:
                    return work(conn)
            except (IntegrityError, OperationalError):
                if attempt == attempts - 1:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- schema ----------------------------------------------------------------------------

    def schema_version(self, conn: Connection) -> str | None:
        from sqlalchemy import inspect, text

        if not inspect(conn).has_table("alembic_version"):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()

    def migrate(self) -> None:
        with self.engine.connect() as conn:
            current = self.schema_version(conn)
        if current == SCHEMA_HEAD:
            return
        from alembic import command
        from alembic.config import Config
        from alembic.script import ScriptDirectory
        from sqlalchemy import text

        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS))
        from alembic.util.exc import CommandError

        known = True
        if current is not None:
            try:
                known = ScriptDirectory.from_config(config).get_revision(current) is not None
            except CommandError:
                known = False
        if not known:
            raise StoreError(
                f"the database {safe_url(self.url)} is at schema version {current}, which this "
                f"plancal does not know (it knows up to {SCHEMA_HEAD}): a newer plancal has "
                "used it; upgrade plancal, or use another database"
            )
        # Two processes opening a new store at once migrate once: the second waits for the
        # first (BEGIN IMMEDIATE on SQLite, an advisory lock on PostgreSQL), then finds the
        # schema at head and has nothing to do.
        with self.writing() as conn:
            if self.dialect == "postgresql":
                conn.execute(text("SELECT pg_advisory_xact_lock(7240311)"))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    # --- revisions ---------------------------------------------------------------------------

    def revisions(self, plan_id: str) -> dict[Key, Revision]:
        from sqlalchemy import select

        from plancal.state.tables import revisions as t

        with self.engine.connect() as conn:
            rows = conn.execute(select(t).where(t.c.plan_id == plan_id)).all()
        return {
            (r.uid, r.recurrence_id): Revision(r.sequence, _utc(r.modified), _utc(r.created))
            for r in rows
        }

    def revise(
        self, plan_id: str, digests: Mapping[Key, str], now: datetime
    ) -> dict[Key, Revision]:
        """Record what each component now says; a changed one gets SEQUENCE+1 and ``now``.

        A new override of an existing series starts above its master's SEQUENCE, so the
        clients that hold the occurrence see the override as an update of it.
        """
        from sqlalchemy import bindparam, insert, select, update

        from plancal.state.tables import revisions as t

        now = _utc(now).replace(microsecond=0)

        def work(conn: Connection) -> dict[Key, Revision]:
            result: dict[Key, Revision] = {}
            query = select(t).where(t.c.plan_id == plan_id)
            if self.dialect == "postgresql":
                query = query.with_for_update()
            known = {(r.uid, r.recurrence_id): r for r in conn.execute(query)}
            inserts: list[dict[str, Any]] = []
            updates: list[dict[str, Any]] = []
            for key in sorted(digests, key=lambda k: (k[1] != "", k)):
                digest = digests[key]
                row = known.get(key)
                if row is None:
                    master = result.get((key[0], ""))
                    existed = (key[0], "") in known  # an override of a series clients hold
                    sequence = (
                        master.sequence + 1
                        if key[1] and master and existed
                        else (master.sequence if key[1] and master else 0)
                    )
                    inserts.append(
                        {
                            "plan_id": plan_id,
                            "uid": key[0],
                            "recurrence_id": key[1],
                            "digest": digest,
                            "sequence": sequence,
                            "created": now,
                            "modified": now,
                        }
                    )
                    result[key] = Revision(sequence, now, now)
                elif row.digest != digest:
                    updates.append(
                        {
                            "k_uid": key[0],
                            "k_rid": key[1],
                            "digest": digest,
                            "sequence": row.sequence + 1,
                            "modified": now,
                        }
                    )
                    result[key] = Revision(row.sequence + 1, now, _utc(row.created))
                else:
                    result[key] = Revision(row.sequence, _utc(row.modified), _utc(row.created))
            if inserts:
                conn.execute(insert(t), inserts)
            if updates:
                conn.execute(
                    update(t)
                    .where(
                        t.c.plan_id == plan_id,
                        t.c.uid == bindparam("k_uid"),
                        t.c.recurrence_id == bindparam("k_rid"),
                    )
                    .values(
                        digest=bindparam("digest"),
                        sequence=bindparam("sequence"),
                        modified=bindparam("modified"),
                    ),
                    updates,
                )
            return result

        return self.retrying(work)


def _sqlite_connect(dbapi_connection: Any, _record: Any) -> None:
    # pysqlite starts transactions late (at the first write), so a read-then-write could lose
    # an update; plancal issues BEGIN itself (see _sqlite_begin).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")  # readers never wait for the writer
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.close()


def _sqlite_begin(conn: Connection) -> None:
    # A writer takes the write lock up front: concurrent writers queue instead of racing.
    immediate = conn.get_execution_options().get("plancal_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")
