"""Rescheduling benchmarks, each side by side with a peer in the same run, on the seed plan.

1. preview: ``reschedule.prepare`` of a skip and of the summer break (round-trip edit, proof
   by compiling, diff, components) against what any checked edit must at least do: load and
   compile the plan twice (``plancal validate`` of before and after);
2. round trip: our edit of the text (ruamel dump, localized, applied to the original) against
   a bare ruamel load + dump of the same file;
3. the command: ``plancal skip --dry-run`` against ``plancal validate``, as processes.

No target is asserted: the numbers say what a preview costs next to what it cannot avoid.
Run: ``python bench/bench_reschedule.py [--repeat N]``.
"""

from __future__ import annotations

import argparse
import io
import json
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"


def best(work: Callable[[], object], repeat: int) -> float:
    work()  # warm: holiday tables, imports
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=15)
    repeat = parser.parse_args().repeat

    from ruamel.yaml import YAML

    from plancal.app import reschedule
    from plancal.rules import roundtrip
    from plancal.rules.compile import compile_plan
    from plancal.rules.plan import loads

    text = SEED.read_text(encoding="utf-8")

    def skip() -> object:
        return reschedule.prepare(SEED, lambda ed: ed.skip("lagesbild", date(2023, 3, 7)))

    def summer() -> object:
        return reschedule.prepare(
            SEED,
            lambda ed: ed.add_break("Sommaruppehåll 2023", date(2023, 6, 26), date(2023, 8, 6)),
            adds_break=True,
        )

    def validate_twice() -> object:
        for _ in range(2):
            compile_plan(loads(text, "seed.yaml")).occurrences()
        return None

    def our_round_trip() -> object:
        doc, baseline = roundtrip.load(text)
        doc.data["name"] = "Ändrad"
        return doc.text(baseline)

    def ruamel_round_trip() -> object:
        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.indent(mapping=2, sequence=4, offset=2)
        data = yaml.load(text)
        data["name"] = "Ändrad"
        out = io.StringIO()
        yaml.dump(data, out)
        return out.getvalue()

    def process(*args: str) -> Callable[[], object]:
        return lambda: subprocess.run(
            [sys.executable, "-m", "plancal.cli", *args], capture_output=True, check=True
        )

    rows = [
        (
            "preview: skip",
            best(skip, repeat),
            "validate before and after",
            best(validate_twice, repeat),
        ),
        (
            "preview: summer break",
            best(summer, repeat),
            "validate before and after",
            best(validate_twice, repeat),
        ),
        (
            "round-trip edit",
            best(our_round_trip, repeat),
            "ruamel load + dump",
            best(ruamel_round_trip, repeat),
        ),
        (
            "plancal skip --dry-run",
            best(
                process("skip", str(SEED), "lagesbild", "2023-03-07", "--dry-run"),
                max(3, repeat // 3),
            ),
            "plancal validate",
            best(process("validate", str(SEED)), max(3, repeat // 3)),
        ),
    ]
    print(f"{'':<26}{'ours ms':>9}   {'peer':<28}{'peer ms':>9}{'ratio':>8}")
    for name, ours, peer, theirs in rows:
        print(
            f"{name:<26}{ours * 1000:>9.1f}   {peer:<28}{theirs * 1000:>9.1f}{ours / theirs:>8.2f}"
        )
    print(
        json.dumps(
            {
                "python": sys.version.split()[0],
                "repeat": repeat,
                "results": [
                    {"name": n, "ms": round(o * 1000, 2), "peer": p, "peer_ms": round(t * 1000, 2)}
                    for n, o, p, t in rows
                ],
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
