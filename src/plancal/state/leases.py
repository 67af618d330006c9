"""Which plans of a region this process runs: leases in the store, shared fairly between hosts.

Any number of ``plancal run PLANS_DIR`` processes, on any number of hosts, point at one
PostgreSQL. Each plan is run by one of them at a time: the process that holds the plan's lease
enqueues its reminders, publishes its feeds and pushes its calendars. (Delivering letters is
anyone's work: a person's letter gathers rows of plans other processes own.)

**PostgreSQL: session advisory locks on one dedicated connection.** A plan's lease is the
advisory lock ``plancal run`` has always taken for it (so a single-plan run and a region run
never run one plan twice). Each process also holds one lock in its region's *members*
namespace, so every process sees from ``pg_locks`` how many are alive and takes its share:
at most ``ceil(plans / members)``, preferring the plans that rank it highest by rendezvous
hashing (so processes reach for different plans, and a plan returns to the same process after
a restart). A process above its share by more than ``SLACK`` gives the excess back, so a
newcomer gets work; a plan nobody holds is taken at the next look. Why no lease table:

- *Killed* (SIGKILL, OOM, a crash): the kernel closes the socket, the server ends the session
  and the locks go with it at once; the others take the plans at their next look
  (every ``period / 3``).
- *Half-open* (a host loses power, the network splits): no FIN arrives, and a server would
  keep the session for hours (the kernel's keepalive default). The session is opened with the
  server's TCP keepalives and ``idle_session_timeout`` set from ``period`` (the process looks
  every ``period / 3``, so only a dead, frozen or cut-off one goes quiet), so the server ends it
  within ``period``. The process's side has keepalives and ``tcp_user_timeout`` too: a look
  that gets no answer fails, and from then on it owns nothing — and a process whose last look
  is older than ``2/3 period`` owns nothing either, so it has stopped before the server hands
  its plans over.
- *Pools*: the connection is outside SQLAlchemy's pool (a pooled connection would carry its
  session locks to the next borrower). A transaction-mode pgbouncer cannot carry session locks
  at all: point ``plancal run`` at PostgreSQL directly, or through session pooling.

A lease row with an expiry would work too, at the price of a migration, a write per renewal and
a process clock in the decision; locks need none of it. Safety never rests on the lease alone:
if two processes both believed they ran a plan for a moment, the outbox's unique keys and claim
leases still send each reminder once, and a feed written twice is written the same.

**SQLite** is one host's store: a lock file per plan, as ``plancal run`` always took, and no
members — a process takes every plan no other process holds.
"""

from __future__ import annotations

import hashlib
import logging
import math
import threading
import time
import zlib
from collections.abc import Collection, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import TYPE_CHECKING, Any

from plancal.state.store import Store

if TYPE_CHECKING:
    from sqlalchemy.engine import Connection, Engine

log = logging.getLogger("plancal.leases")

SLACK = 1  # plans a process may hold above its share before it gives some back
MEMBERS = "plancal run members"


def plan_key(plan_id: str) -> int:
    """The plan's advisory lock (bigint): the key ``plancal run`` has always used."""
    digest = hashlib.sha256(f"plancal run {plan_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def _int31(text: str) -> int:
    return zlib.crc32(text.encode()) & 0x7FFFFFFF


def weight(worker: str, plan_id: str) -> int:
    """Rendezvous hashing: how much this worker wants this plan."""
    return int.from_bytes(hashlib.sha256(f"{worker}\n{plan_id}".encode()).digest()[:8], "big")


@dataclass(frozen=True)
class Share:
    take: list[str]
    give: list[str]


def share(
    plans: Collection[str],
    mine: Collection[str],
    others: Collection[str],
    members: int,
    worker: str,
    slack: int = SLACK,
) -> Share:
    """What to take and give back: at most ``ceil(plans / members)`` each, in preference order.

    ``others`` are plans another process holds now. Plans that left the region are given back.
    """
    fair = math.ceil(len(plans) / max(members, 1))
    ranked = sorted(plans, key=lambda p: (weight(worker, p), p), reverse=True)
    keep = [p for p in ranked if p in mine]
    give = sorted(set(mine) - set(plans))
    if len(keep) > fair + slack:
        give += keep[fair:]
        keep = keep[:fair]
    room = fair - len(keep)
    take = [p for p in ranked if p not in mine and p not in others][: max(room, 0)]
    return Share(take, give)


@dataclass
class Change:
    owned: frozenset[str]
    taken: list[str] = field(default_factory=list)
    given: list[str] = field(default_factory=list)
    members: int = 1
    lost: str | None = None  # the connection failed: everything was let go

    @property
    def changed(self) -> bool:
        return bool(self.taken or self.given or self.lost)


class Leases:
    """The leases of one process over the plans of one region."""

    def __init__(self, store: Store, worker: str, region: str, period: timedelta):
        self.store = store
        self.worker = worker
        self.region = region
        self.period = period
        self._owned: frozenset[str] = frozenset()
        self._last_look = -math.inf
        self._lock = threading.Lock()

    def owned(self) -> frozenset[str]:
        """The plans this process runs now: none once its last look is too old to trust."""
        with self._lock:
            if time.monotonic() - self._last_look > self.period.total_seconds() * 2 / 3:
                return frozenset()
            return self._owned

    def refresh(self, plans: Collection[str]) -> Change:
        """Look at who holds what, then take and give back plans toward a fair share."""
        with self._lock:
            try:
                change = self._refresh(plans)
            except Exception as e:  # the database is gone or the link is cut: hold nothing
                self._drop()
                self._owned = frozenset()
                return Change(frozenset(), lost=f"{type(e).__name__}: {e}")
            self._owned = change.owned
            self._last_look = time.monotonic()
            return change

    def register(self) -> None:
        """Join the region's members before the first look, so processes started together
        see each other and none takes everything first."""

    def close(self) -> None:
        with self._lock:
            self._drop()
            self._owned = frozenset()

    def _refresh(self, plans: Collection[str]) -> Change:
        raise NotImplementedError

    def _drop(self) -> None:
        raise NotImplementedError


class PgLeases(Leases):
    """Advisory locks on one connection of their own (see the module docstring)."""

    def __init__(self, store: Store, worker: str, region: str, period: timedelta):
        super().__init__(store, worker, region, period)
        self._engine: Engine | None = None
        self._conn: Connection | None = None
        self._pid = 0
        self._held: set[str] = set()
        self._members_ns = _int31(f"{MEMBERS} {region}")

    def register(self) -> None:
        with self._lock:
            if self._conn is None:
                self._conn = self._connect()

    def _connect(self) -> Connection:
        from sqlalchemy import create_engine, text
        from sqlalchemy.pool import NullPool

        p = self.period.total_seconds()
        idle, interval = max(1, round(p / 3)), max(1, round(p / 6))
        options = " ".join(
            f"-c {k}={v}"
            for k, v in {
                "tcp_keepalives_idle": idle,
                "tcp_keepalives_interval": interval,
                "tcp_keepalives_count": 2,
                "tcp_user_timeout": round(p * 2 / 3 * 1000),
                "idle_session_timeout": round(p * 1000),
                "application_name": "plancal-run",
            }.items()
        )
        connect_args: dict[str, Any] = {
            "keepalives": 1,
            "keepalives_idle": idle,
            "keepalives_interval": interval,
            "keepalives_count": 2,
            "tcp_user_timeout": round(p * 2 / 3 * 1000),
            "connect_timeout": max(2, round(p / 3)),
            "options": options,
        }
        self._engine = create_engine(self.store.url, poolclass=NullPool, connect_args=connect_args)
        conn = self._engine.connect().execution_options(isolation_level="AUTOCOMMIT")
        self._pid = conn.execute(text("SELECT pg_backend_pid()")).scalar_one()
        conn.execute(
            text("SELECT pg_advisory_lock(:ns, :k)"),
            {"ns": self._members_ns, "k": _int31(self.worker)},
        )
        self._held = set()
        return conn

    def _drop(self) -> None:
        conn, self._conn = self._conn, None
        engine, self._engine = self._engine, None
        self._held = set()
        if conn is not None:
            try:
                conn.close()  # the session ends: its locks go with it
            except Exception:
                conn.invalidate()
        if engine is not None:
            engine.dispose()

    def _refresh(self, plans: Collection[str]) -> Change:
        from sqlalchemy import text

        if self._conn is None:
            self._conn = self._connect()
        conn = self._conn
        keys = {plan_key(p): p for p in plans}
        pairs = {(_unsigned(k) >> 32, _unsigned(k) & 0xFFFFFFFF): p for k, p in keys.items()}
        members: set[int] = set()
        others: set[str] = set()
        for classid, objid, objsubid, pid in conn.execute(
            text(
                "SELECT classid, objid, objsubid, pid FROM pg_locks WHERE locktype = 'advisory' "
                "AND granted AND database = "
                "(SELECT oid FROM pg_database WHERE datname = current_database())"
            )
        ):
            if objsubid == 2 and classid == self._members_ns:
                members.add(pid)
            elif objsubid == 1 and pid != self._pid and (classid, objid) in pairs:
                others.add(pairs[(classid, objid)])
        decided = share(plans, self._held, others, len(members), self.worker)
        taken = []
        for p in decided.take:
            got = conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": plan_key(p)})
            if got.scalar():
                taken.append(p)
                self._held.add(p)
        for p in decided.give:
            conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": plan_key(p)})
            self._held.discard(p)
        return Change(frozenset(self._held), taken, decided.give, len(members))


def _unsigned(key: int) -> int:
    return key & 0xFFFFFFFFFFFFFFFF


class FileLeases(Leases):
    """SQLite: a lock file per plan beside the database; no members, so every free plan."""

    def __init__(self, store: Store, worker: str, region: str, period: timedelta):
        super().__init__(store, worker, region, period)
        self._locks: dict[str, Any] = {}

    def owned(self) -> frozenset[str]:
        with self._lock:  # a lock file cannot be lost to the network: no look is too old
            return self._owned

    def _refresh(self, plans: Collection[str]) -> Change:
        from filelock import FileLock, Timeout

        database = self.store.engine.url.database
        taken, given = [], sorted(set(self._locks) - set(plans))
        for p in given:
            self._locks.pop(p).release()
        for p in sorted(set(plans) - set(self._locks)):
            if not database or database == ":memory:":
                self._locks[p] = _NoLock()
                taken.append(p)
                continue
            lock = FileLock(f"{database}.{p}.run.lock", is_singleton=False)
            try:
                lock.acquire(timeout=0)
            except Timeout:
                continue
            self._locks[p] = lock
            taken.append(p)
        return Change(frozenset(self._locks), taken, given, 1)

    def _drop(self) -> None:
        for lock in self._locks.values():
            lock.release()
        self._locks = {}


class _NoLock:
    def release(self) -> None:
        pass


def leases(store: Store, worker: str, region: str, period: timedelta) -> Leases:
    """The leases for this store's kind."""
    cls = PgLeases if store.dialect == "postgresql" else FileLeases
    return cls(store, worker, region, period)


def holders(store: Store, plans: Iterable[str]) -> dict[str, int]:
    """Which server session (backend pid) holds each plan's lease now: for operators and tests."""
    from sqlalchemy import text

    wanted: Sequence[str] = list(plans)
    out: dict[str, int] = {}
    with store.engine.connect() as conn:
        for p in wanted:
            k = _unsigned(plan_key(p))
            pid = conn.execute(
                text(
                    "SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted "
                    "AND objsubid = 1 AND classid = :c AND objid = :o"
                ),
                {"c": k >> 32, "o": k & 0xFFFFFFFF},
            ).scalar()
            if pid is not None:
                out[p] = pid
    return out
