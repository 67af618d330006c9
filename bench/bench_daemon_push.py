"""plancal run's push check each minute, beside the reconcile push it saves, in the same run.

Per plan and tick the daemon compares the plan's compiled content with what it last pushed:
with the same compiled plan (no edit) a dictionary look-up, after a file edit that changes
nothing (a comment) a digest of every VEVENT. The peer is what a push to a calendar does when
nothing changed — one reconcile push to Xandikos on loopback (a calendar-query REPORT, no
writes) — which the daemon would otherwise send every interval. The seed plan, SQLite store.
Run: ``python bench/bench_daemon_push.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import SEED  # noqa: E402
from tests.helpers.caldav import PASSWORD, USER, xandikos_server  # noqa: E402

from plancal.app.check import check  # noqa: E402
from plancal.app.push import push_caldav  # noqa: E402
from plancal.config.settings import load  # noqa: E402
from plancal.scheduler.targets import Pusher, Target  # noqa: E402
from plancal.state.store import Store  # noqa: E402

NOW = datetime(2022, 9, 1, 8, tzinfo=UTC)


def median_ms(work: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory() as tmp,
        contextmanager(xandikos_server)(Path(tmp) / "xandikos") as server,
    ):
        settings = load(
            None,
            {
                "PLANCAL_CONFIG": str(Path(tmp) / "none.toml"),
                "PLANCAL_CALDAV_USERNAME": USER,
                "PLANCAL_CALDAV_PASSWORD": PASSWORD,
            },
        )
        schedule = check(SEED).schedule
        assert schedule is not None
        with Store(str(Path(tmp) / "state.sqlite")) as store:

            def reconcile() -> int:
                return len(push_caldav(schedule, settings, server.collection, store, NOW).changes)

            first = reconcile()  # the calendar holds the plan from here on
            pusher = Pusher([Target("caldav", lambda s, st, now: reconcile())])
            pusher.push(schedule, store, NOW)
            before = len(server.log)
            unchanged = median_ms(lambda: pusher.push(schedule, store, NOW), args.repeat)
            assert len(server.log) == before  # nothing asked of the server

            def edited() -> None:
                pusher._digests.clear()  # a new version of the file: digest it again
                pusher.push(schedule, store, NOW)

            comment = median_ms(edited, args.repeat)
            assert len(server.log) == before
            peer = median_ms(reconcile, args.repeat)
            requests = (len(server.log) - before) / args.repeat
    print(f"seed plan, {first} changes at the first push; medians of {args.repeat} runs")
    print(f"  daemon tick, plan unchanged:        {unchanged:8.3f} ms, 0 requests")
    print(f"  daemon tick, file edited, same plan: {comment:8.3f} ms, 0 requests")
    print(f"  peer: reconcile push to Xandikos:    {peer:8.3f} ms, {requests:.0f} request(s)")


if __name__ == "__main__":
    main()
