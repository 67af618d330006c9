"""Graph push beside the EWS push: HTTP requests and meeting messages for the same pushes.

Both targets push the same plans into their simulators (tests/simulators/graph.py and ews.py)
in one run. Requests are HTTP requests as the server receives them (a ``$batch`` is one; the
sign-in to Entra ID is not counted, one per process); messages are the meeting messages the
organizer's mailbox sends, per attendee and occurrence. Graph-only detail: the parts inside
its batches (what Outlook's 10,000-per-10-minutes limit counts).

Scenarios: the seed plan's first push and a no-op push; a synthetic plan of 100 weekly series
(two attendees each), then k = 1, 10, 100 series changed (a new place: content only), and k
series with one occurrence moved; each change is pushed from the same pushed state.

Run: ``python bench/bench_graph.py``
"""

from __future__ import annotations

import importlib.util
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

_spec = importlib.util.spec_from_file_location(
    "bench_exchange", ROOT / "bench" / "bench_exchange.py"
)
assert _spec is not None and _spec.loader is not None
bench_exchange = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bench_exchange)
synthetic, compile_text = bench_exchange.synthetic, bench_exchange.compile_text


class Side:
    """One target and its simulator, with a state store; counts per push."""

    def __init__(self, kind: str, schema: Any):
        from plancal.state.store import Store

        self.kind = kind
        self.store = Store(str(Path(tempfile.mkdtemp()) / "state.sqlite"))
        if kind == "ews":
            from tests.helpers.ews import ORGANIZER, PASSWORD, USER
            from tests.simulators.ews import Simulator

            self.sim: Any = Simulator(schema, users={USER: PASSWORD}, delegates={USER: {ORGANIZER}})
            self.sim.check_answers = 0
        else:
            from tests.helpers.graph import CLIENT_ID, ORGANIZER, SECRET, TENANT
            from tests.simulators.graph import Simulator as GraphSimulator

            self.sim = GraphSimulator(
                schema, tenant=TENANT, clients={CLIENT_ID: SECRET}, scope={ORGANIZER}
            )
        self.sim.start()

    def push(self, schedule: Any) -> tuple[int, int, int, float]:
        """(HTTP requests, messages, parts, seconds) of one push."""
        log, sent = len(self.sim.log), len(self.sim.sent)
        start = time.perf_counter()
        if self.kind == "ews":
            from tests.helpers.ews import run_push

            run_push(schedule, self.sim, self.store)
        else:
            from tests.helpers.graph import run_push as graph_push

            graph_push(schedule, self.sim, self.store)
        elapsed = time.perf_counter() - start
        entries = self.sim.log[log:]
        parts = sum(getattr(e, "parts", 1) for e in entries)
        return len(entries), len(self.sim.sent) - sent, parts, elapsed


def main() -> None:
    import xmlschema
    from tests.helpers import FIXTURES
    from tests.helpers.ews import schema_dir
    from tests.simulators.graph import Description

    from plancal.app.check import load_schedule

    ews_schema = xmlschema.XMLSchema(str(schema_dir() / "messages.xsd"), validation="lax")
    description = Description(FIXTURES / "graph-openapi" / "calendar-subset.json")
    seed, _ = load_schedule(ROOT / "examples" / "soderhamn-2022-2023.yaml")
    rows: list[tuple[str, str, str]] = []

    def both(name: str, ews: Side, graph: Side, schedule: Any) -> None:
        e = ews.push(schedule)
        g = graph.push(schedule)
        rows.append(
            (
                name,
                f"{e[0]:>4} requests {e[1]:>4} messages {e[3]:6.2f} s",
                f"{g[0]:>4} requests ({g[2]:>4} parts) {g[1]:>4} messages {g[3]:6.2f} s",
            )
        )

    ews, graph = Side("ews", ews_schema), Side("graph", description)
    both("seed: first push", ews, graph, seed)
    both("seed: no-op push", ews, graph, seed)
    n = 100
    base = compile_text(synthetic(n))
    ews, graph = Side("ews", ews_schema), Side("graph", description)
    both(f"{n} series: first push", ews, graph, base)
    both(f"{n} series: no-op push", ews, graph, base)
    for k in (1, 10, 100):
        changed = compile_text(synthetic(n, place={i: "Rum 2" for i in range(k)}))
        both(f"k={k}: new place", ews, graph, changed)
        ews.push(base), graph.push(base)  # back, not counted
    for k in (1, 10, 100):
        moved = compile_text(synthetic(n, moved=set(range(k))))
        both(f"k={k}: one occurrence moved", ews, graph, moved)
        ews.push(base), graph.push(base)
    print(f"python {sys.version.split()[0]}; both simulators on loopback; times are wall clock")
    print(f"{'':<30} {'EWS':<40} Graph")
    for name, e, g in rows:
        print(f"{name:<30} {e:<40} {g}")


if __name__ == "__main__":
    main()
