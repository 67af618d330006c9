"""Double-booking check: what it adds to ``plancal validate``, beside peers in the same run.

Two plans: the seed, and a synthetic plan of 1,000 activities over two years (weekly, monthly
and N-a-year meetings at random times; 600 people, each activity booking two to four of them,
so each person is in about five activities; ``--people 150`` makes a crowded plan where most
meetings collide).

Measured, each the best of several runs in this process:

- ``conflicts.find`` alone, beside the compile it follows (``compile_plan``), and beside a
  naive all-pairs comparison of the same meetings on the seed (the sweep's reason to exist);
- ``plancal validate`` as a process (median of cold runs), with this checkout and, with
  ``--before PATH`` (a checkout of the commit before the check, e.g. made with ``git worktree
  add /tmp/before main``), with that source; and ``python -c "import click, icalendar"`` as
  the import baseline.

Target (issue 15): the check stays well under a second on the seed.
Run: ``python bench/bench_conflicts.py [--before PATH] [--activities N]``.
"""

from __future__ import annotations

import argparse
import gc
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from functools import partial
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"
WEEKDAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag"]


def synthetic_plan(activities: int, people: int = 150, seed: int = 15) -> str:
    rng = random.Random(seed)
    lines = [
        "id: bench-conflicts",
        "name: Benchmark",
        "period: {start: 2024-01-01, end: 2025-12-31}",
        "breaks:",
        "  - {id: sommar, name: Sommaruppehåll, from: '07-01', to: '07-31'}",
        "roles:",
    ]
    lines += [f"  p{i}: {{name: Person {i}, email: p{i}@kommun.example}}" for i in range(people)]
    lines.append("activities:")
    for i in range(activities):
        day = rng.choice(WEEKDAYS)
        hour = rng.randint(8, 16)
        minute = rng.choice(["00", "15", "30"])
        kind = rng.random()
        if kind < 0.4:
            when = f"Varje {day} kl. {hour}.{minute}"
            extra = ""
        elif kind < 0.8:
            when = "varje månad"
            extra = (
                f"    weekday: {day}\n    week: {rng.randint(1, 4)}\n    time: '{hour}.{minute}'\n"
            )
        else:
            when = f"{rng.choice([2, 4, 5, 6, 11])} ggr/år"
            extra = (
                f"    weekday: {day}\n    week: {rng.randint(1, 4)}\n    time: '{hour}.{minute}'\n"
            )
        who = rng.sample(range(people), rng.randint(2, 4))
        lines.append(
            f"  - id: a{i}\n    title: Möte {i}\n    when: {when}\n{extra}"
            f"    duration: {rng.choice([45, 60, 90])}\n"
            f"    organizer: p{who[0]}\n    attendees: [{', '.join(f'p{w}' for w in who)}]"
        )
    return "\n".join(lines) + "\n"


def best(fn: Callable[[], Any], repeat: int = 5) -> tuple[float, Any]:
    times, result = [], None
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return min(times), result


def cold(cmd: list[str], env: dict[str, str], repeat: int = 7) -> float:
    subprocess.run(cmd, capture_output=True, env=env)  # warm caches and .pyc
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def all_pairs(schedule: Any) -> int:
    """The naive peer: every pair of timed meetings compared (what the sweep avoids)."""
    from plancal.rules.busy import people

    plan = schedule.plan
    timed = [o for o in schedule.occurrences() if isinstance(o.start, datetime)]
    who = {a.id: set(people(plan, a)) for a in plan.activities}
    found = 0
    for i, a in enumerate(timed):
        for b in timed[i + 1 :]:
            if (
                a.activity.id != b.activity.id
                and a.start < b.end
                and b.start < a.end
                and who[a.activity.id] & who[b.activity.id]
            ):
                found += 1
    return found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument(
        "--people", type=int, default=600, help="fewer people: more shared, more double bookings"
    )
    parser.add_argument("--before", type=Path, help="a checkout of the source before the check")
    args = parser.parse_args()

    from plancal.rules import conflicts
    from plancal.rules.compile import compile_plan
    from plancal.rules.plan import loads

    with tempfile.TemporaryDirectory() as tmp:
        big = Path(tmp) / "bench-1000.yaml"
        big.write_text(synthetic_plan(args.activities, args.people), encoding="utf-8")
        print(f"python {sys.version.split()[0]}; {datetime.now():%Y-%m-%d %H:%M}")
        for name, path in (("seed", SEED), (f"{args.activities} activities", big)):
            plan = loads(path.read_bytes(), str(path))
            t_plain, plain = best(partial(compile_plan, plan, place_where_free=False))
            t_compile, schedule = best(partial(compile_plan, plan))
            t_find, found = best(partial(conflicts.find, schedule))
            t_warn, _ = best(partial(conflicts.warnings, found))
            print(
                f"{name}: {len(schedule.occurrences())} meetings; double bookings "
                f"{len(conflicts.find(plain))} as the rules place them, {len(found)} after "
                f"placement\n  compile {t_plain * 1000:.1f} ms without placement, "
                f"{t_compile * 1000:.1f} ms with; conflicts.find {t_find * 1000:.1f} ms; "
                f"warnings {t_warn * 1000:.1f} ms"
            )
            if name == "seed":
                t_pairs, n_pairs = best(partial(all_pairs, schedule), repeat=3)
                assert n_pairs == len(found), (n_pairs, len(found))
                print(f"  peer: all pairs on the same meetings {t_pairs * 1000:.1f} ms")

        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        baseline = cold([sys.executable, "-c", "import click, icalendar"], env)
        print(f"process: import click, icalendar {baseline * 1000:.0f} ms (the peer)")
        sources = [("after", ROOT / "src")]
        if args.before:
            sources.insert(0, ("before", args.before / "src"))
        for label, src in sources:
            run_env = {**env, "PYTHONPATH": str(src)}
            for name, path in (("seed", SEED), (f"{args.activities} activities", big)):
                t = cold([sys.executable, "-m", "plancal.cli", "validate", str(path)], run_env)
                print(f"process: validate {name:<16} {label:<6} {t * 1000:.0f} ms")


if __name__ == "__main__":
    main()
