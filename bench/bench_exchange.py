"""Exchange push: round trips and time, against the EWS simulator, beside a peer in the same run.

The simulator (``tests/ews/simulator.py``) counts every request the real exchangelib sends, so
round trips are exact; times are wall-clock on loopback and only compare the two ways in one
run. The peer is the same push with one item per request (``batch = 1``): what a script that
saves item by item costs.

Scenarios:

1. the seed plan pushed into an empty calendar, then a no-op push (must only read);
2. a synthetic plan of ``--series`` weekly series: first push, no-op push;
3. k changed series (a new place: content only) for several k: writes must stay within
   1 + ⌈k/100⌉; also k series with one occurrence moved, and k series with a new time
   (the series is rewritten: silent rewrite, its exceptions, one announcement).

Run: ``python bench/bench_exchange.py [--series 300]`` (the simulator validates against the
schema vendored in ``tests/fixtures/ews-schema``).
"""

from __future__ import annotations

import argparse
import math
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

DAYS = ["måndag", "tisdag", "onsdag", "torsdag", "fredag"]


def synthetic(
    series: int,
    place: dict[int, str] | None = None,
    moved: set[int] | None = None,
    later: set[int] | None = None,
) -> str:
    """``series`` weekly meetings over 2023, none touched by holidays or breaks."""
    lines = [
        "id: bench",
        "name: Bench",
        "period: {start: 2023-01-01, end: 2023-12-31}",
        "roles:",
        "  a: {name: A, email: a@kommun.example}",
        "  b: {name: B, email: b@polisen.example}",
        "activities:",
    ]
    for i in range(series):
        day = DAYS[i % 5]
        hour = 8 + (i // 5) % 9 + (1 if later and i in later else 0)
        lines += [
            f"  - id: s{i:04d}",
            f"    title: Serie {i}",
            f"    when: Varje {day} kl. {hour:02d}.{(i // 45) % 4 * 15:02d}",
            "    duration: 10",
            "    holidays: keep",
            "    breaks: continue",
            "    attendees: [a, b]",
            f"    place: {(place or {}).get(i, 'Rum 1')}",
        ]
        if moved and i in moved:  # the second occurrence, one hour later the same day
            first = 2 + DAYS.index(day)  # 2023-01-02 is a Monday
            lines += [
                "    exceptions:",
                f"      moved: {{2023-01-{first + 7:02d}: 2023-01-{first + 7:02d} "
                f"{hour + 1:02d}:00}}",
            ]
    return "\n".join(lines) + "\n"


def compile_text(text: str) -> Any:
    from plancal.rules.compile import compile_plan
    from plancal.rules.plan import loads

    return compile_plan(loads(text, "bench.yaml"))


def push(schedule: Any, sim: Any, store: Any, batch: int = 100) -> tuple[Counter[str], float]:
    from tests.helpers.ews import run_push

    mark = len(sim.log)
    start = time.perf_counter()
    run_push(schedule, sim, store, batch=batch)
    elapsed = time.perf_counter() - start
    ops = Counter(("write " if e.write else "read ") + e.operation for e in sim.log[mark:])
    return ops, elapsed


def show(ops: Counter[str]) -> str:
    """e.g. "3 writes (CreateItem 3), 8 reads"."""
    w = ", ".join(f"{k[6:]} {n}" for k, n in sorted(ops.items()) if k.startswith("write"))
    return f"{writes(ops)} writes" + (f" ({w})" if w else "") + f", {reads(ops)} reads"


def writes(ops: Counter[str]) -> int:
    return sum(n for k, n in ops.items() if k.startswith("write"))


def reads(ops: Counter[str]) -> int:
    return sum(n for k, n in ops.items() if k.startswith("read"))


def fresh(schema: Any) -> tuple[Any, Any]:
    from tests.helpers.ews import ORGANIZER, PASSWORD, USER
    from tests.simulators.ews import Simulator

    from plancal.state.store import Store

    sim = Simulator(schema, users={USER: PASSWORD}, delegates={USER: {ORGANIZER}}).start()
    sim.check_answers = 0  # validation is the tests' job; here it would only add time
    store = Store(str(Path(tempfile.mkdtemp()) / "state.sqlite"))
    return sim, store


def main() -> None:
    import xmlschema
    from tests.helpers.ews import schema_dir

    parser = argparse.ArgumentParser()
    parser.add_argument("--series", type=int, default=300)
    args = parser.parse_args()
    schema = xmlschema.XMLSchema(str(schema_dir() / "messages.xsd"), validation="lax")
    from plancal.app.check import load_schedule

    seed, _ = load_schedule(ROOT / "examples" / "soderhamn-2022-2023.yaml")
    rows: list[tuple[str, str, str, str]] = []

    def row(name: str, ours: str, peer: str, verdict: str) -> None:
        rows.append((name, ours, peer, verdict))

    # Warm up: exchangelib's first use in a process (imports, registration) is not a push.
    sim, store = fresh(schema)
    push(compile_text(synthetic(3)), sim, store)
    sim.stop()

    # 1. the seed plan
    sim, store = fresh(schema)
    ops, t = push(seed, sim, store)
    sim_peer, store_peer = fresh(schema)
    peer_ops, t_peer = push(seed, sim_peer, store_peer, batch=1)
    row(
        "seed: first push",
        f"{show(ops)}, {t:.2f} s",
        f"batch 1: {writes(peer_ops)} writes, {t_peer:.2f} s",
        "",
    )
    ops, t = push(seed, sim, store)
    row("seed: no-op push", f"{show(ops)}, {t:.2f} s", "", "ok" if writes(ops) == 0 else "FAIL")
    sim.stop()
    sim_peer.stop()

    # 2. a synthetic plan
    n = args.series
    base = compile_text(synthetic(n))
    sim, store = fresh(schema)
    ops, t = push(base, sim, store)
    sim_peer, store_peer = fresh(schema)
    peer_ops, t_peer = push(base, sim_peer, store_peer, batch=1)
    row(
        f"{n} series: first push",
        f"{show(ops)}, {t:.2f} s",
        f"batch 1: {writes(peer_ops)} writes, {t_peer:.2f} s",
        "ok" if writes(ops) <= 1 + math.ceil(n / 100) else "FAIL",
    )
    sim_peer.stop()
    ops, t = push(base, sim, store)
    row(
        f"{n} series: no-op push",
        f"{show(ops)}, {t:.2f} s",
        "",
        "ok" if writes(ops) == 0 else "FAIL",
    )

    # 3. k changed series
    for k in [x for x in (1, 10, 100, 101, 250) if x <= n]:
        changed = compile_text(synthetic(n, place={i: "Rum 2" for i in range(k)}))
        ops, t = push(changed, sim, store)
        bound = 1 + math.ceil(k / 100)
        row(
            f"k={k}: new place",
            f"{show(ops)}, {t:.2f} s",
            f"bound {bound}",
            "ok" if writes(ops) <= bound else "FAIL",
        )
        push(base, sim, store)  # back
    for k in [x for x in (1, 100, 250) if x <= n]:
        moved = compile_text(synthetic(n, moved=set(range(k))))
        ops, t = push(moved, sim, store)
        bound = 1 + math.ceil(k / 100)
        row(
            f"k={k}: one occurrence moved",
            f"{show(ops)}, {t:.2f} s",
            f"bound {bound}",
            "ok" if writes(ops) <= bound else "FAIL",
        )
        push(base, sim, store)  # back: the occurrences move home
    for k in [x for x in (1, 100) if x <= n]:
        later = compile_text(synthetic(n, later=set(range(k))))
        ops, t = push(later, sim, store)
        row(f"k={k}: new time (rewrite)", f"{show(ops)}, {t:.2f} s", "rewrite + announce", "")
        push(base, sim, store)
    sim.stop()
    print(f"python {sys.version.split()[0]}; simulator on loopback; times are wall clock")
    width = max(len(r[1]) for r in rows)
    for name, ours, peer, verdict in rows:
        print(f"{name:<28} {ours:<{width}}  {peer:<34} {verdict}")


if __name__ == "__main__":
    main()
