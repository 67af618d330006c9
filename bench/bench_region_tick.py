"""The reminder tick over a region with nothing owed, beside the same work done plan by plan.

What ``plancal run PLANS_DIR`` does every minute once everything owed is sent: for each plan it
runs, ask its timetable what is owed (and due within a day), find it all in the outbox already,
and ask the store once whether anything of the region can be claimed. The peer, in the same run
on the same store, is the same tick made plan by plan (one round of queries per plan), as a
process per plan would. The outbox holds each plan's history (every reminder up to now, sent).

1, 30 and 290 synthetic plans (``tests/helpers/region.py``), on PostgreSQL and a SQLite file;
the target is under 100 ms for 290 plans on PostgreSQL.
Run: ``python bench/bench_region_tick.py [--repeat N] [--pg URL] [--plans 1,30,290]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from tests.helpers.region import write_region  # noqa: E402

from bench_reminders import pg_url, sqlite_url  # noqa: E402
from plancal.app.check import check  # noqa: E402
from plancal.calendars.reminders import Timetable  # noqa: E402
from plancal.scheduler.dispatch import AHEAD, tick_region  # noqa: E402
from plancal.scheduler.mail import SmtpMailer, SmtpSettings  # noqa: E402
from plancal.state.outbox import Outbox  # noqa: E402
from plancal.state.store import Store  # noqa: E402

NOW = datetime(2023, 3, 1, 12, 0, tzinfo=UTC)  # nothing falls due within a day of it
TARGET_MS = 100.0


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def history(store: Store, tables: dict[str, Timetable]) -> int:
    """Every reminder each plan foresaw up to a day after NOW, in the outbox and sent."""
    from sqlalchemy import update

    from plancal.state.tables import outbox as t

    outbox = Outbox(store)
    rows = [r for table in tables.values() for r in table.reminders if r.owed_at <= NOW + AHEAD]
    outbox.enqueue(rows, NOW)
    with store.writing() as conn:
        conn.execute(update(t).values(status="sent", sent_at=NOW, late=False))
    return len(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    parser.add_argument("--pg", default="postgresql://postgres@127.0.0.1:5432/test")
    parser.add_argument("--plans", default="1,30,290")
    args = parser.parse_args()
    counts = [int(n) for n in args.plans.split(",")]
    never = SmtpMailer(SmtpSettings("127.0.0.1", "bench@region.example", port=9, starttls=False))

    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "plans"
        paths = write_region(folder, max(counts))
        started = time.perf_counter()
        all_tables = {}
        for path in paths:
            schedule = check(path).schedule
            assert schedule is not None
            all_tables[schedule.plan.id] = Timetable(schedule)
        print(f"{len(paths)} plans compiled and planned in {time.perf_counter() - started:.1f} s")
        print(
            f"{'plans':>5}  {'store':<10} {'rows':>6}  {'region tick':>12}  {'first tick':>11}  "
            f"{'plan by plan':>13}  target"
        )
        backends: list[tuple[str, Callable[[], AbstractContextManager[str]]]] = [
            ("postgresql", lambda: pg_url(args.pg)),
            ("sqlite", sqlite_url),
        ]
        for n in counts:
            tables = dict(list(all_tables.items())[:n])
            for name, url in backends:
                with url() as u, Store(u) as store:
                    rows = history(store, tables)
                    region, first, peer = measure(store, tables, never, args.repeat)
                verdict = (
                    ("met" if region < TARGET_MS else "MISSED") if name == "postgresql" else ""
                )
                print(
                    f"{n:>5}  {name:<10} {rows:>6}  {region:>9.1f} ms  {first:>8.1f} ms  "
                    f"{peer:>10.1f} ms  < {TARGET_MS:.0f} ms {verdict}"
                )


def measure(
    store: Store, tables: dict[str, Timetable], never: SmtpMailer, repeat: int
) -> tuple[float, float, float]:
    """Medians: the daemon's steady tick, its first tick after a start, the plan-by-plan peer."""
    warm = Outbox(store)

    def region_tick(outbox: Outbox = warm) -> None:
        out = tick_region(tables, outbox, never, NOW, "bench", ahead=AHEAD)
        assert out.enqueued == 0 and not out.sent

    def first_tick() -> None:
        region_tick(Outbox(store))  # a process just started: nothing cached

    def plan_by_plan() -> None:
        for plan_id, table in tables.items():
            out = tick_region({plan_id: table}, warm, never, NOW, "bench", ahead=AHEAD)
            assert out.enqueued == 0 and not out.sent

    region_tick()  # warm the outbox's cache, as the daemon's first tick does
    return (
        median_ms(region_tick, repeat),
        median_ms(first_tick, max(3, repeat // 3)),
        median_ms(plan_by_plan, max(3, repeat // 3)),
    )


if __name__ == "__main__":
    main()
