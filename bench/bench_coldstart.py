"""Cold start as a user meets it: whole processes, CPU and wall time, medians of N runs.

Each round runs every case once, in an order that rotates from round to round, so that a
burst of load on a shared machine falls on all of them alike (A/B alternation, not a block of
A then a block of B). The peer runs in the same rounds: ``python -c "import click,
icalendar"``, what any click + icalendar tool pays before doing anything.

Cases: ``plancal --help``; ``plancal agenda`` on the seed, in Swedish and in English;
``plancal validate`` on the seed. With ``--tree LABEL=PATH`` (repeatable; a checkout with its
own ``.venv``, e.g. ``git worktree add --detach /tmp/old-tree <commit>``), the same cases run on
that tree and its own seed, beside this one; this tree's agenda also runs on the first other
tree's seed, so a change in the seed itself can be told apart from a change in the code.

Bytecode is written (as an installed package has it) and the holiday tables come from a warm
cache in a private folder; both are warmed by one unmeasured run per case.

Run: ``.venv/bin/python bench/bench_coldstart.py [--tree old=/tmp/old-tree] [--runs 20]``.
Issue 9's targets: ``--help`` ≤ 0.8× the peer; ``agenda`` no slower than the old tree.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = Path("examples") / "soderhamn-2022-2023.yaml"


@dataclass
class Case:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    cpu: list[float] = field(default_factory=list)
    wall: list[float] = field(default_factory=list)


def cases_for(tree: str, python: str, root: Path) -> list[Case]:
    seed = str(root / SEED)
    cli = [python, "-m", "plancal.cli"]
    sv, en = {"LANG": "sv_SE.UTF-8"}, {"LANG": "en_GB.UTF-8"}
    return [
        Case(f"{tree}: --help", [*cli, "--help"], sv),
        Case(f"{tree}: agenda (sv)", [*cli, "agenda", seed], sv),
        Case(f"{tree}: agenda (en)", [*cli, "agenda", seed], en),
        Case(f"{tree}: validate", [*cli, "validate", seed], sv),
    ]


def run_once(case: Case, env: dict[str, str]) -> None:
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    done = subprocess.run(case.argv, capture_output=True, env={**env, **case.env})
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{case.name} failed ({done.returncode}):\n{done.stderr.decode()}")
    case.cpu.append(after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime)
    case.wall.append(wall)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument(
        "--tree",
        action="append",
        default=[],
        metavar="LABEL=PATH",
        help="another checkout with its own .venv, run beside this one (repeatable)",
    )
    parser.add_argument("--json", type=Path, help="also write the medians here")
    args = parser.parse_args()

    peer = Case("peer: import click, icalendar", [sys.executable, "-c", "import click, icalendar"])
    cases = [peer, *cases_for("new", sys.executable, ROOT)]
    for i, tree in enumerate(args.tree):
        label, _, path = tree.partition("=")
        root = Path(path)
        cases += cases_for(label, str(root / ".venv" / "bin" / "python"), root)
        if i == 0:
            cases.append(
                Case(
                    f"new: agenda (sv), {label} seed",
                    [sys.executable, "-m", "plancal.cli", "agenda", str(root / SEED)],
                    {"LANG": "sv_SE.UTF-8"},
                )
            )

    with tempfile.TemporaryDirectory() as cache:
        # As installed: bytecode written; a private, warm holiday cache (both trees' layouts).
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(XDG_CACHE_HOME=cache, PLANCAL_CACHE_DIR=str(Path(cache) / "plancal"))
        for case in cases:
            run_once(case, env)
            case.cpu.clear()
            case.wall.clear()
        for round_ in range(args.runs):
            shift = round_ % len(cases)
            for case in cases[shift:] + cases[:shift]:
                run_once(case, env)

    base_cpu, base_wall = statistics.median(peer.cpu), statistics.median(peer.wall)
    print(
        f"medians of {args.runs} runs, alternating; python {sys.version.split()[0]}; "
        f"load average {os.getloadavg()[0]:.2f}"
    )
    print(f"{'case':<32} {'CPU ms':>7} {'wall ms':>8} {'CPU/peer':>9} {'wall/peer':>10}")
    results = {}
    for case in cases:
        cpu, wall = statistics.median(case.cpu), statistics.median(case.wall)
        results[case.name] = {"cpu_s": cpu, "wall_s": wall}
        print(
            f"{case.name:<32} {cpu * 1000:7.0f} {wall * 1000:8.0f} "
            f"{cpu / base_cpu:8.2f}× {wall / base_wall:9.2f}×"
        )
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


if __name__ == "__main__":
    main()
