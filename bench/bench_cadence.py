"""The "när" language at start-up: what parsing the plan's words costs ``plancal agenda``.

Three measurements, each timed as whole processes, medians of N runs, the runs interleaved so
the machine's load falls on all sides alike:

1. ``plancal agenda`` on the seed plan, this tree against the tree of a base revision (default:
   the merge-base with ``main``; its ``src/`` is extracted with ``git archive`` and put first on ``sys.path``), beside
   the peer ``python -c "import click, icalendar"``;
2. ``import plancal.rules.cadence`` alone, this tree against the base;
3. parsing every example of the reference (``FORMS``) in one process, ours against the peer
   ``dateutil.parser.parse(fuzzy=True)`` reading the dated ones.

Run: ``python bench/bench_cadence.py [--runs N] [--base REV]``.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"


def extract(rev: str, into: Path) -> Path:
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], capture_output=True, check=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into / "src"


def once(cmd: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def interleaved(cases: dict[str, tuple[list[str], dict[str, str]]], runs: int) -> dict[str, float]:
    times: dict[str, list[float]] = {name: [] for name in cases}
    for cmd, env in cases.values():  # warm the file cache once
        once(cmd, env)
    for _ in range(runs):
        for name, (cmd, env) in cases.items():
            times[name].append(once(cmd, env))
    return {name: statistics.median(t) for name, t in times.items()}


def parse_speed(repeat: int) -> tuple[float, float, float, int, int]:
    """Ours per phrase over every example; ours and dateutil's on the English dated ones (the
    ones dateutil can read at all)."""
    from dateutil import parser as dateparser

    from plancal.rules.cadence import FORMS, parse

    phrases = [p for f in FORMS for p in f.examples]
    dated = ("7 March 2023 at 15:30", "Wednesday, March 8, 2023 at 3:30 pm")

    def per_phrase(fn: object, texts: tuple[str, ...] | list[str]) -> float:
        start = time.perf_counter()
        for _ in range(repeat):
            for p in texts:
                fn(p)  # type: ignore[operator]
        return (time.perf_counter() - start) / (repeat * len(texts))

    def fuzzy(p: str) -> object:
        return dateparser.parse(p, fuzzy=True)

    return (
        per_phrase(parse, phrases),
        per_phrase(parse, dated),
        per_phrase(fuzzy, dated),
        len(phrases),
        len(dated),
    )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=21)
    ap.add_argument(
        "--base", default=None, help="revision to compare with (default: merge-base with main)"
    )
    args = ap.parse_args()
    if args.base is None:
        args.base = subprocess.run(
            ["git", "-C", str(ROOT), "merge-base", "HEAD", "main"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    py = sys.executable
    # as installed: bytecode cached (the warm-up run writes it for both trees)
    here = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
    here["PLANCAL_LANG"] = "sv"
    with tempfile.TemporaryDirectory() as tmp:
        base_src = extract(args.base, Path(tmp))
        base = {**here, "PYTHONPATH": str(base_src)}
        agenda = [py, "-m", "plancal.cli", "agenda", str(SEED)]
        importing = [py, "-c", "import plancal.rules.cadence"]
        peer = [py, "-c", "import click, icalendar"]
        t = interleaved(
            {
                "agenda": (agenda, here),
                "agenda_base": (agenda, base),
                "import": (importing, here),
                "import_base": (importing, base),
                "peer": (peer, here),
            },
            args.runs,
        )
    every, ours, dateutil_s, n, n_dated = parse_speed(200)
    print(f"timed as whole processes, medians of {args.runs} runs; base = {args.base}")
    print(
        f"plancal agenda (seed)      this {t['agenda'] * 1000:6.0f} ms   base "
        f"{t['agenda_base'] * 1000:6.0f} ms   ({t['agenda'] / t['agenda_base']:.2f}×)   peer "
        f"import click, icalendar {t['peer'] * 1000:.0f} ms ({t['agenda'] / t['peer']:.2f}×)"
    )
    print(
        f"import rules.cadence       this {t['import'] * 1000:6.0f} ms   base "
        f"{t['import_base'] * 1000:6.0f} ms   ({t['import'] / t['import_base']:.2f}×)"
    )
    print(f"parse one phrase           ours {every * 1e6:6.1f} µs (each of the {n} examples)")
    print(
        f"parse one dated phrase     ours {ours * 1e6:6.1f} µs   peer dateutil.parser fuzzy "
        f"{dateutil_s * 1e6:.1f} µs ({n_dated} English dated phrases)"
    )


if __name__ == "__main__":
    main()
