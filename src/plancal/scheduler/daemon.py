"""plancal run: reminders every minute, feeds at an interval, one instance per plan and store.

APScheduler is only the metronome. Each reminder tick asks the store what is owed and sends
it (see dispatch.py), so a tick that is skipped, doubled or run by a restarted daemon changes
nothing but timing. The plan file is read again when it changes; a bad edit is logged and the
last good plan stays in force, so a typo does not stop the reminders.

Logs are JSON lines on stderr (journald keeps them); they name deadlines and roles, never
addresses, passwords or the text of internal follow-ups.
"""

from __future__ import annotations

import hashlib
import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plancal import jsonlines
from plancal.calendars.reminders import LATE_DAYS
from plancal.config.settings import Settings
from plancal.errors import UserError
from plancal.rules.compile import Schedule
from plancal.scheduler import clock
from plancal.scheduler.dispatch import Outcome, deliver, tick, worker_id
from plancal.scheduler.mail import SmtpMailer, SmtpSettings
from plancal.state.outbox import Outbox
from plancal.state.store import Store

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from plancal.app.publish import Written

log = logging.getLogger("plancal.daemon")

# After compiling, hand the schedule to the calendar targets (today: Exchange).
Push = Callable[[Schedule, Store, datetime], None]


class AlreadyRunning(UserError):
    pass


def configured_push(settings: Settings) -> Push | None:
    """The push the settings ask for: Exchange, checked at start.

    A missing [exchange] setting stops the daemon before it starts, naming the setting; a
    daemon that silently did not push would let people believe their Outlook calendars were
    kept. A push that fails later (Exchange down) is logged and tried again next interval.
    """
    if not settings.get("daemon", "push"):
        return None
    from plancal.app.push import push_plan
    from plancal.calendars.targets.exchange import Connection

    Connection.from_settings(settings)  # PlanError now, not at the first interval

    def push(schedule: Schedule, store: Store, now: datetime) -> None:
        result = push_plan(schedule, settings, store)
        log.info(
            "targets.push",
            extra={"fields": {"plan": schedule.plan.id, "changes": len(result.changes)}},
        )

    return push


def _lock_key(plan_id: str) -> int:
    digest = hashlib.sha256(f"plancal run {plan_id}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


@contextmanager
def single_instance(store: Store, plan_id: str) -> Iterator[None]:
    """Hold the plan's run lock: a PostgreSQL advisory lock, or a file beside the SQLite file.

    Both vanish with the process, so a killed daemon never blocks its successor.
    """
    if store.dialect == "postgresql":
        from sqlalchemy import text

        key = _lock_key(plan_id)
        with store.engine.connect() as conn:
            if not conn.execute(text("SELECT pg_try_advisory_lock(:k)"), {"k": key}).scalar():
                raise AlreadyRunning(
                    f"plancal run is already running for {plan_id} on this database"
                )
            conn.commit()
            try:
                yield
            finally:
                with suppress(Exception):  # a lost connection has released the lock already
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    from filelock import FileLock, Timeout

    lock = FileLock(f"{database}.{plan_id}.run.lock")
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise AlreadyRunning(
            f"plancal run is already running for {plan_id} on {database} (lock {lock.lock_file})"
        ) from None
    try:
        yield
    finally:
        lock.release()


@dataclass
class Daemon:
    plan_path: Path
    store: Store
    smtp: SmtpSettings
    late_days: int = LATE_DAYS
    out_dir: Path | None = None
    push: Push | None = None
    worker: str = field(default_factory=worker_id)
    _source: bytes | None = field(default=None, init=False, repr=False)
    _schedule: Schedule | None = field(default=None, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _mailer: SmtpMailer | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.store)

    def schedule(self) -> Schedule | None:
        """The plan as compiled from the file now; the last good one if the file is broken."""
        from plancal.app.check import check
        from plancal.errors import PlanError
        from plancal.rules.plan import read_source

        with self._lock:
            try:
                source = read_source(self.plan_path)
            except PlanError as e:
                log.error(
                    "plan.unreadable",
                    extra={"fields": {"plan": str(self.plan_path), "error": e.render("en")}},
                )
                return self._schedule
            if source != self._source:
                checked = check(self.plan_path)
                self._source = source
                if checked.schedule is None:
                    log.error(
                        "plan.invalid",
                        extra={
                            "fields": {
                                "plan": str(self.plan_path),
                                "kept": self._schedule is not None,
                                "problems": [p.render("en") for p in checked.errors],
                            }
                        },
                    )
                else:
                    self._schedule = checked.schedule
                    log.info(
                        "plan.loaded",
                        extra={
                            "fields": {
                                "plan": checked.schedule.plan.id,
                                "deadlines": len(checked.schedule.deadlines),
                            }
                        },
                    )
            return self._schedule

    def remind(self, now: datetime, stop: Callable[[], bool] = lambda: False) -> Outcome | None:
        schedule = self.schedule()
        if schedule is None:
            return None
        started = time.monotonic()
        with SmtpMailer(self.smtp) as mailer:
            self._mailer = mailer
            try:
                outcome = tick(
                    schedule,
                    self.outbox,
                    mailer,
                    now,
                    self.worker,
                    late_days=self.late_days,
                    stop=stop,
                )
                # A backlog (SMTP was down) goes out as fast as the server takes it, batch
                # after batch, each claimed with a fresh lease, until empty or refused.
                while outcome.more and not outcome.stopped and not stop():
                    outcome.more = False
                    later = now + timedelta(seconds=time.monotonic() - started)
                    deliver(schedule, self.outbox, mailer, later, self.worker, outcome, stop=stop)
            finally:
                self._mailer = None
        if outcome.enqueued or outcome.sent or outcome.failed or outcome.stopped:
            log.info(
                "reminders.tick",
                extra={
                    "fields": {
                        "plan": schedule.plan.id,
                        "owed": outcome.enqueued,
                        "sent": len(outcome.sent),
                        "late": outcome.late,
                        "failed": len(outcome.failed),
                        "more": outcome.more,
                        **outcome.retired,
                    }
                },
            )
        return outcome

    def abort(self) -> None:
        """Stopping: break off an SMTP exchange in flight (the message is sent at next start)."""
        mailer = self._mailer
        if mailer is not None:
            mailer.abort()

    def publish(self, now: datetime) -> list[Written] | None:
        from plancal.app.publish import publish

        schedule = self.schedule()
        if schedule is None:
            return None
        written = None
        if self.out_dir is not None:
            written = publish(schedule, self.out_dir, self.store, now)
            log.info(
                "feeds.published",
                extra={
                    "fields": {
                        "plan": schedule.plan.id,
                        "dir": str(self.out_dir),
                        "changed": [w.feed.slug for w in written if w.changed],
                    }
                },
            )
        if self.push is not None:
            self.push(schedule, self.store, now)
            log.info("targets.pushed", extra={"fields": {"plan": schedule.plan.id}})
        return written


def _guarded(name: str, work: Callable[[], object]) -> Callable[[], None]:
    """A job that logs its failure and lets the next run try again (a database restart, a
    full disk), instead of an APScheduler traceback."""

    def job() -> None:
        try:
            work()
        except Exception as e:
            log.error(
                "job.failed",
                extra={"fields": {"job": name, "error": str(e), "type": type(e).__name__}},
            )

    return job


def build_scheduler(
    daemon: Daemon,
    reminder_every: timedelta,
    publish_every: timedelta | None,
    stop: threading.Event,
    start: datetime,
) -> BackgroundScheduler:
    """The triggers: both jobs run at ``start`` and then at their intervals, never twice at
    once, and a run missed while the machine slept is run once, not caught up run by run."""
    from apscheduler.schedulers.background import BackgroundScheduler
    from apscheduler.triggers.interval import IntervalTrigger

    scheduler = BackgroundScheduler(timezone=UTC)
    common: dict[str, Any] = {
        "max_instances": 1,
        "coalesce": True,
        "misfire_grace_time": None,
        "next_run_time": start,
    }
    scheduler.add_job(
        _guarded("reminders", lambda: daemon.remind(clock.utcnow(), stop.is_set)),
        IntervalTrigger(seconds=reminder_every.total_seconds(), timezone=UTC),
        id="reminders",
        **common,
    )
    if publish_every is not None and (daemon.out_dir is not None or daemon.push is not None):
        scheduler.add_job(
            _guarded("publish", lambda: daemon.publish(clock.utcnow())),
            IntervalTrigger(seconds=publish_every.total_seconds(), timezone=UTC),
            id="publish",
            **common,
        )
    return scheduler


def serve(
    daemon: Daemon,
    reminder_every: timedelta,
    publish_every: timedelta | None,
    stop: threading.Event | None = None,
) -> None:
    """Run until SIGTERM or SIGINT; a job in flight finishes its current message first."""
    stop = stop or threading.Event()

    def on_signal(signum: int, _frame: object) -> None:
        log.info("daemon.stopping", extra={"fields": {"signal": signal.Signals(signum).name}})
        stop.set()
        daemon.abort()  # whatever the SMTP server does, the tick ends now

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    scheduler = build_scheduler(daemon, reminder_every, publish_every, stop, clock.utcnow())
    scheduler.start()
    log.info(
        "daemon.ready",
        extra={
            "fields": {
                "plan": str(daemon.plan_path),
                "jobs": sorted(j.id for j in scheduler.get_jobs()),
                "reminder_every_s": reminder_every.total_seconds(),
                "publish_every_s": publish_every.total_seconds() if publish_every else None,
            }
        },
    )
    try:
        stop.wait()
    finally:
        scheduler.shutdown(wait=True)
        log.info("daemon.stopped", extra={"fields": {}})


class JsonLines(logging.Formatter):
    """One JSON object per line: time, level, event, then the event's fields."""

    def format(self, record: logging.LogRecord) -> str:
        out: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "event": record.getMessage(),
        }
        out.update(getattr(record, "fields", {}))
        if record.exc_info:
            out["exception"] = self.formatException(record.exc_info)
        return jsonlines.dumps(out, default=str)


def configure_logging(level: int = logging.INFO) -> None:
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(JsonLines())
    root = logging.getLogger("plancal")
    root.handlers[:] = [handler]
    root.setLevel(level)
    root.propagate = False
    scheduler_log = logging.getLogger("apscheduler")
    scheduler_log.handlers[:] = [handler]
    scheduler_log.setLevel(logging.WARNING)
    scheduler_log.propagate = False
