"""Reminder benchmarks, each side by side with a peer in the same run.

1. steady tick: what the daemon does every minute once everything owed is sent (plan what is
   owed, look in the outbox, retire nothing, claim nothing), against the pure planner alone;
2. delivery: the seed plan's 82 reminders through the outbox (enqueue, claim with a lease,
   send, mark sent), against bare smtplib sending the same 82 messages on one connection.

Both on a SQLite file and on the PostgreSQL server, with aiosmtpd on loopback as the server.
Run: ``python bench/bench_reminders.py [--repeat N] [--pg URL]``.
"""

from __future__ import annotations

import argparse
import smtplib
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from functools import partial
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers.smtp import LoopbackController, Mailbox  # noqa: E402

from plancal.calendars.reminders import by_deadline, owed, planned  # noqa: E402
from plancal.rules.compile import compile_plan  # noqa: E402
from plancal.rules.plan import load  # noqa: E402
from plancal.scheduler.dispatch import tick  # noqa: E402
from plancal.scheduler.mail import SmtpMailer, SmtpSettings, compose  # noqa: E402
from plancal.state.outbox import Outbox  # noqa: E402
from plancal.state.store import Store  # noqa: E402

SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"
SENDER = "plancal@soderhamn.example"


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


@contextmanager
def sqlite_url() -> Iterator[str]:
    with tempfile.TemporaryDirectory() as tmp:
        yield str(Path(tmp) / "state.sqlite")


@contextmanager
def pg_url(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"plancal_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    args = parser.parse_args()

    schedule = compile_plan(load(SEED))
    reminders = planned(schedule)
    moments = sorted({r.owed_at for r in reminders})
    quiet = moments[-1] + (moments[-1] - moments[-2])  # after the last: nothing new owed
    deadlines = by_deadline(schedule)
    messages = [
        compose(schedule, deadlines[(r.deadline, r.due)], r, SENDER, r.owed_at, False)
        for r in reminders
    ]

    mailbox = Mailbox()
    server = LoopbackController(mailbox, hostname="127.0.0.1", port=0)
    server.start()
    smtp = SmtpSettings("127.0.0.1", SENDER, port=server.port, starttls=False)
    rows: list[tuple[str, str, str, str]] = []
    try:

        def bare_smtp() -> None:
            with smtplib.SMTP("127.0.0.1", server.port) as s:
                for m in messages:
                    s.send_message(m)

        peer_send = median_ms(bare_smtp, args.repeat)
        planner = median_ms(lambda: owed(schedule, quiet), args.repeat * 20)
        backends: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
            ("sqlite", sqlite_url)
        ]
        try:
            import psycopg

            psycopg.connect(args.pg, connect_timeout=3).close()
            backends.append(("postgresql", lambda: pg_url(args.pg)))
        except Exception as e:
            print(f"postgresql skipped: {e}")
        for name, make in backends:
            deliveries = []
            for _ in range(args.repeat):
                with make() as url, Store(url) as store, SmtpMailer(smtp) as mailer:
                    outbox = Outbox(store)
                    before = len(mailbox.received)
                    start = time.perf_counter()
                    for now in moments:
                        while tick(schedule, outbox, mailer, now, "bench").more:
                            pass
                    deliveries.append((time.perf_counter() - start) * 1000)
                    assert len(mailbox.received) - before == len(reminders)
                    steady = median_ms(
                        partial(tick, schedule, outbox, mailer, quiet, "bench"),
                        args.repeat * 20,
                    )
            delivery = statistics.median(deliveries)
            rows.append(
                (
                    f"steady tick ({name})",
                    f"{steady:.2f} ms",
                    f"planner alone {planner:.2f} ms",
                    f"{steady / planner:.1f}×",
                )
            )
            rows.append(
                (
                    f"82 reminders ({name})",
                    f"{delivery:.0f} ms ({delivery / len(reminders):.2f}/msg)",
                    f"bare smtplib {peer_send:.0f} ms ({peer_send / len(messages):.2f}/msg)",
                    f"{delivery / peer_send:.1f}×",
                )
            )
    finally:
        server.stop()
    print(
        f"seed plan: {len(reminders)} reminders at {len(moments)} moments; "
        f"median of {args.repeat} runs; python {sys.version.split()[0]}"
    )
    for row in rows:
        print(f"{row[0]:<28} {row[1]:<26} {row[2]:<34} {row[3]}")


if __name__ == "__main__":
    main()
