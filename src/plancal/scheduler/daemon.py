"""plancal run: reminders every minute, feeds at an interval, for one plan or a folder of them.

A single plan file runs in one instance per plan and store. A folder of plans (a region) is
shared by any number of processes on any number of hosts: each runs the plans it holds the
lease of (``state.leases``), and every one delivers letters, which gather a person's
reminders across plans.

APScheduler is only the metronome. Each reminder tick asks the store what is owed and sends
it (see dispatch.py), so a tick that is skipped, doubled or run by a restarted daemon changes
nothing but timing. The plan file is read again when it changes; a bad edit is logged and the
last good plan stays in force, so a typo does not stop the reminders.

Logs are JSON lines on stderr (journald keeps them); they name deadlines and roles, never
addresses, passwords or the text of internal follow-ups.
"""

from __future__ import annotations

import logging
import signal
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plancal import jsonlines
from plancal.calendars.reminders import LATE_DAYS, Timetable
from plancal.config.settings import Settings
from plancal.errors import UserError
from plancal.rules.compile import Schedule
from plancal.scheduler import clock
from plancal.scheduler.dispatch import AHEAD, Outcome, deliver, tick_region, worker_id
from plancal.scheduler.mail import SmtpMailer, SmtpSettings
from plancal.state.leases import Change, Leases, plan_key
from plancal.state.outbox import Outbox
from plancal.state.store import Store

if TYPE_CHECKING:
    from apscheduler.schedulers.background import BackgroundScheduler

    from plancal.app.publish import Written
    from plancal.app.region import Region
    from plancal.scheduler.targets import Pusher

log = logging.getLogger("plancal.daemon")


class AlreadyRunning(UserError):
    pass


def configured_push(settings: Settings, smtp: SmtpSettings | None = None) -> Pusher | None:
    """The calendars the settings configure ([daemon] push = true), checked at start: a
    missing or ambiguous setting stops the daemon before it starts (see scheduler.targets)."""
    if not settings.get("daemon", "push"):
        return None
    from plancal.scheduler.targets import Pusher, configured

    return Pusher(configured(settings, smtp))


@contextmanager
def single_instance(store: Store, plan_id: str) -> Iterator[None]:
    """Hold the plan's run lock: a PostgreSQL advisory lock, or a file beside the SQLite file.

    Both vanish with the process, so a killed daemon never blocks its successor. A region run
    takes the same lock per plan (``state.leases``), so the two never run one plan twice.
    """
    if store.dialect == "postgresql":
        from sqlalchemy import text

        key = plan_key(plan_id)
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
    """The service over a plan file, or a folder of plan files (a region).

    With ``leases`` (a folder), it enqueues, publishes and pushes only the plans it holds the
    lease of, and delivers letters for every plan of the folder; without, it runs them all (a
    single file, whose one instance ``single_instance`` guarantees).
    """

    plan_path: Path
    store: Store
    smtp: SmtpSettings
    late_days: int = LATE_DAYS
    out_dir: Path | None = None
    push: Pusher | None = None
    worker: str = field(default_factory=worker_id)
    leases: Leases | None = None
    ahead: timedelta = AHEAD
    _region: Region | None = field(default=None, init=False, repr=False)
    _good: dict[Path, Schedule] = field(default_factory=dict, init=False, repr=False)
    _refused: set[Path] = field(default_factory=set, init=False, repr=False)
    _tables: dict[str, Timetable] = field(default_factory=dict, init=False, repr=False)
    _lock: threading.Lock = field(default_factory=threading.Lock, init=False, repr=False)
    _mailer: SmtpMailer | None = field(default=None, init=False, repr=False)
    _pushing: set[str] = field(default_factory=set, init=False, repr=False)

    def __post_init__(self) -> None:
        self.outbox = Outbox(self.store)

    @property
    def is_region(self) -> bool:
        return self.plan_path.is_dir()

    def schedules(self) -> dict[str, Schedule]:
        """Every plan as compiled from its file now; a broken file keeps its last good plan."""
        from plancal.app import region

        with self._lock:
            before = self._region
            now = region.load(self.plan_path, before)
            self._region = now
            old = {m.path: m for m in before.members} if before is not None else {}
            refused = now.refused
            good: dict[Path, Schedule] = {}
            for m in now.members:
                fresh = old.get(m.path) is not m
                if m.schedule is not None and m.path not in refused:
                    good[m.path] = m.schedule
                    if fresh:
                        log.info(
                            "plan.loaded",
                            extra={
                                "fields": {
                                    "plan": m.schedule.plan.id,
                                    "deadlines": len(m.schedule.deadlines),
                                }
                            },
                        )
                    continue
                kept = self._good.get(m.path)
                if kept is not None:
                    good[m.path] = kept
                if fresh or (m.path in refused and m.path not in self._refused):
                    problems = now.broken.get(m.path, ())
                    log.error(
                        "plan.invalid",
                        extra={
                            "fields": {
                                "plan": str(m.path),
                                "kept": kept is not None,
                                "problems": [p.render("en") for p in problems],
                            }
                        },
                    )
            self._refused = refused
            self._good = good
            out = {s.plan.id: s for s in good.values()}
            return dict(sorted(out.items()))

    def schedule(self) -> Schedule | None:
        """The one plan of a single file (None while it has never compiled)."""
        schedules = self.schedules()
        return next(iter(schedules.values()), None) if len(schedules) == 1 else None

    def timetables(self) -> dict[str, Timetable]:
        """Each plan's reminders, planned once per version of the plan."""
        schedules = self.schedules()
        tables = {
            p: t
            if (t := self._tables.get(p)) is not None and t.schedule is s
            else Timetable(s, self.late_days)
            for p, s in schedules.items()
        }
        self._tables = tables
        return tables

    def owned(self, plans: Iterable[str]) -> set[str]:
        mine = self.leases.owned() if self.leases is not None else None
        return {p for p in plans if mine is None or p in mine}

    def look(self) -> Change | None:
        """Renew the leases: take and give back plans toward a fair share (a region only)."""
        if self.leases is None:
            return None
        change = self.leases.refresh(self.schedules().keys())
        if change.changed:
            log.log(
                logging.WARNING if change.lost else logging.INFO,
                "plans.owned",
                extra={
                    "fields": {
                        "owned": sorted(change.owned),
                        "taken": change.taken,
                        "given": change.given,
                        "members": change.members,
                        "lost": change.lost,
                    }
                },
            )
        return change

    def remind(self, now: datetime, stop: Callable[[], bool] = lambda: False) -> Outcome | None:
        tables = self.timetables()
        if not tables:
            return None
        owned = self.owned(tables)  # every plan without leases
        started = time.monotonic()
        with SmtpMailer(self.smtp) as mailer:
            self._mailer = mailer
            try:
                outcome = tick_region(
                    tables,
                    self.outbox,
                    mailer,
                    now,
                    self.worker,
                    owned=owned if self.leases is not None else None,
                    ahead=self.ahead,
                    stop=stop,
                )
                # A backlog (SMTP was down) goes out as fast as the server takes it, batch
                # after batch, each claimed with a fresh lease, until empty or refused.
                while outcome.more and not outcome.stopped and not stop():
                    outcome.more = False
                    later = now + timedelta(seconds=time.monotonic() - started)
                    deliver(
                        tables,
                        self.outbox,
                        mailer,
                        later,
                        self.worker,
                        outcome,
                        stop=stop,
                        owned=owned if self.leases is not None else None,
                    )
            finally:
                self._mailer = None
        if outcome.enqueued or outcome.sent or outcome.failed or outcome.stopped:
            log.info(
                "reminders.tick",
                extra={
                    "fields": {
                        "plans": len(owned),
                        "now": now.isoformat(),
                        "owed": outcome.enqueued,
                        "sent": len(outcome.sent),
                        "letters": outcome.letters,
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
        """Publish the feeds of the plans this process runs: a folder's into ``out/<plan id>``."""
        from plancal.app.publish import publish

        schedules = self.schedules()
        if not schedules:
            return None
        written: list[Written] | None = None
        for plan_id in sorted(self.owned(schedules)):
            schedule = schedules[plan_id]
            if self.out_dir is not None:
                out = self.out_dir / plan_id if self.is_region else self.out_dir
                done = publish(schedule, out, self.store, now)
                written = (written or []) + done
                log.info(
                    "feeds.published",
                    extra={
                        "fields": {
                            "plan": plan_id,
                            "dir": str(out),
                            "changed": [w.feed.slug for w in done if w.changed],
                        }
                    },
                )
        return written

    def push_changed(self, now: datetime) -> dict[str, dict[str, str]] | None:
        """Push the plans this process runs to each configured calendar that does not hold
        their current version yet (all of them at start: one reconcile); per plan, what
        became of each target tried."""
        if self.push is None:
            return None
        schedules = self.schedules()
        owned = self.owned(schedules)
        self.push.forget(self._pushing - owned)  # given away: reconcile if they come back
        self._pushing = owned
        done: dict[str, dict[str, str]] = {}
        for plan_id in sorted(owned):
            if plan_id not in self.owned([plan_id]):  # lost while an earlier plan was pushed
                continue
            tried = self.push.push(schedules[plan_id], self.store, now)
            if tried:
                done[plan_id] = tried
        return done


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
    if daemon.leases is not None:
        # The leases are looked at three times a period: a process that stops looking (dead,
        # frozen, cut off) has lost its plans to the others within one period.
        look = daemon.leases.period / 3
        scheduler.add_job(
            _guarded("leases", daemon.look),
            IntervalTrigger(seconds=look.total_seconds(), timezone=UTC),
            id="leases",
            **(common | {"next_run_time": start + look}),  # after the others started with it
        )
    if daemon.push is not None:
        # Looked at as often as the reminders, pushed only when a plan changed (or a failed
        # target's backoff ran out): a reschedule reaches the calendars within a minute.
        scheduler.add_job(
            _guarded("push", lambda: daemon.push_changed(clock.utcnow())),
            IntervalTrigger(seconds=reminder_every.total_seconds(), timezone=UTC),
            id="push",
            **common,
        )
    if publish_every is not None and daemon.out_dir is not None:
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
    scheduler = build_scheduler(daemon, reminder_every, publish_every, stop, clock.metronome())
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
        if daemon.leases is not None:
            daemon.leases.close()
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
