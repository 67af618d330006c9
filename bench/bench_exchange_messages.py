"""Exchange push: requests and meeting messages per attendee, against the EWS simulator.

Three pushes of the seed plan: the first push into an empty calendar, a no-op push, and the
push after ``plancal break remove PLAN sommar`` (on a copy of the plan), and a no-op push after
that (a restored occurrence held as a single meeting must read back as the plan has it). For each: the EWS
requests the real exchangelib sent (writes and reads), and the meeting messages the simulator
counts per attendee (invitations, updates, cancellations) — the messages Exchange would send,
as the simulator models them. Also what ``push --dry-run`` predicted for the same push.

"Now" is 15 August 2022, before the plan's year: every moved occurrence is still to come.

Run: ``python bench/bench_exchange_messages.py``
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import tempfile
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


NOW = datetime(2022, 8, 15, tzinfo=UTC)  # pushed before the plan's year begins


def main() -> None:
    import xmlschema
    from tests.helpers.ews import ORGANIZER, PASSWORD, USER, run_push, schema_dir
    from tests.simulators.ews import Simulator

    from plancal.app.check import load_schedule
    from plancal.calendars.sync import messages
    from plancal.state.store import Store

    schema = xmlschema.XMLSchema(str(schema_dir() / "messages.xsd"), validation="lax")
    sim = Simulator(schema, users={USER: PASSWORD}, delegates={USER: {ORGANIZER}}).start()
    sim.check_answers = 0
    sim.clock = lambda: NOW  # which moved occurrences are still to come
    tmp = Path(tempfile.mkdtemp())
    store = Store(str(tmp / "state.sqlite"))
    plan = tmp / "plan.yaml"
    shutil.copy(ROOT / "examples" / "soderhamn-2022-2023.yaml", plan)

    def one(name: str) -> None:
        schedule, _ = load_schedule(plan)
        predicted = run_push(schedule, sim, store, dry_run=True)
        try:
            p = messages(predicted.changes, NOW, apart=getattr(predicted, "apart", False))
        except TypeError:  # plancal before restored occurrences could go apart
            p = messages(predicted.changes, NOW)
        mark, sent = len(sim.log), len(sim.sent)
        run_push(schedule, sim, store)
        ops = Counter(("write" if e.write else "read") for e in sim.log[mark:])
        per: dict[str, Counter[str]] = {}
        for s in sim.sent[sent:]:
            per.setdefault(s.attendee, Counter())[s.kind] += 1
        print(f"## {name}: {ops['write']} writes, {ops['read']} reads")
        print(f"   {'attendee':<42} {'sent (inv/upd/canc)':<20} dry-run predicted")
        for who in sorted(set(per) | set(p.invitations) | set(p.updates) | set(p.cancellations)):
            c = per.get(who, Counter())
            got = f"{c['invitation']}/{c['update']}/{c['cancellation']}"
            said = (
                f"{p.invitations.get(who, 0)}/{p.updates.get(who, 0)}/{p.cancellations.get(who, 0)}"
            )
            print(f"   {who:<42} {got:<20} {said}")
        total = sum(sum(c.values()) for c in per.values())
        print(f"   total messages sent: {total}")

    one("seed: first push")
    one("seed: no-op push")
    subprocess.run(
        [sys.executable, "-m", "plancal", "break", "remove", "--yes", str(plan), "sommar"],
        check=True,
        capture_output=True,
    )
    one("break 'sommar' removed")
    one("no-op push after the break removal")
    sim.stop()


if __name__ == "__main__":
    main()
