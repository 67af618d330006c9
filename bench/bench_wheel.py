"""The årshjul beside the feeds: ``plancal wheel`` against ``plancal compile`` on the same plan.

Both read and compile the same plan file in a fresh process; the wheel then draws one plan year,
compile writes every feed of the whole period. Run on the seed plan and on a synthetic plan of
1,000 activities (the generator of bench_foundation.py, here over 2 years), each command the
median of a few runs, with the size of what it wrote.

Run: ``python bench/bench_wheel.py [--activities N] [--repeat N]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_foundation import SEED, synthetic_plan


def timed(cmd: list[str], env: dict[str, str], repeat: int) -> float:
    subprocess.run(cmd, capture_output=True, check=True, env=env)  # warm caches and bytecode
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run(cmd, capture_output=True, check=True, env=env)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--activities", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        base = Path(tmp)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env["PLANCAL_STATE_DIR"] = str(base / "state")
        env["PLANCAL_CACHE_DIR"] = str(base / "cache")
        big = base / "big.yaml"
        big.write_text(synthetic_plan(args.activities, years=2), encoding="utf-8")
        plancal = [sys.executable, "-m", "plancal.cli"]
        print(f"{'plan':<16}{'wheel (svg)':>14}{'size':>12}{'compile':>12}{'size':>12}{'ratio':>8}")
        for name, plan in (("seed", SEED), (f"{args.activities} activities", big)):
            svg, feeds = base / f"{name}.svg", base / f"{name}-feeds"
            wheel_s = timed([*plancal, "wheel", str(plan), "--out", str(svg)], env, args.repeat)
            compile_s = timed(
                [*plancal, "compile", str(plan), "--out", str(feeds)], env, args.repeat
            )
            feeds_size = sum(p.stat().st_size for p in feeds.iterdir())
            print(
                f"{name:<16}{wheel_s:>13.3f}s{svg.stat().st_size / 1024:>10.0f}KB"
                f"{compile_s:>11.3f}s{feeds_size / 1024:>10.0f}KB{wheel_s / compile_s:>8.2f}"
            )


if __name__ == "__main__":
    main()
