"""Invitations and CalDAV beside Exchange: messages and HTTP requests for the same pushes.

Three pushes of the seed plan, each target fresh and run side by side in one process:

1. the first push into an empty target;
2. a no-op push (the plan unchanged): must send and write nothing;
3. the summer-break edit (Sommaruppehåll 2023, 26 June – 6 August, added with the editor).

Columns: e-mail messages delivered to aiosmtpd (``plancal push mail``); HTTP requests Xandikos
and Radicale received (``plancal push caldav``), by method; EWS requests the simulator
received, with the meeting messages Exchange would send (``plancal push exchange``).
All peers on 127.0.0.1; every count is exact (the servers log each request).

Run: ``python bench/bench_invitations.py``
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def main() -> None:
    import xmlschema
    from tests.helpers.caldav import radicale_server, run_push, xandikos_server
    from tests.helpers.ews import ORGANIZER, PASSWORD, USER, schema_dir
    from tests.helpers.ews import run_push as ews_push
    from tests.helpers.imip import Mail, summer_break
    from tests.helpers.smtp import LoopbackController, Mailbox, SmtpServer
    from tests.simulators.ews import Simulator

    from plancal.app.check import load_schedule
    from plancal.state.store import Store

    seed, _ = load_schedule(ROOT / "examples" / "soderhamn-2022-2023.yaml")
    edited = summer_break(seed)
    tmp = Path(tempfile.mkdtemp())
    schema = xmlschema.XMLSchema(str(schema_dir() / "messages.xsd"), validation="lax")

    with contextlib.ExitStack() as stack:
        mailbox = Mailbox()
        controller = LoopbackController(mailbox, hostname="127.0.0.1", port=0)
        controller.start()
        stack.callback(controller.stop)
        mail = Mail(
            Store(str(tmp / "mail.sqlite")), SmtpServer("127.0.0.1", controller.port, mailbox)
        )
        servers = {}
        for name, factory in (("xandikos", xandikos_server), ("radicale", radicale_server)):
            gen = factory(tmp / name)
            servers[name] = next(gen)
            stack.callback(next, gen, None)
        stores = {n: Store(str(tmp / f"{n}.sqlite")) for n in servers}
        sim = Simulator(schema, users={USER: PASSWORD}, delegates={USER: {ORGANIZER}}).start()
        sim.check_answers = 0
        stack.callback(sim.stop)
        ews_store = Store(str(tmp / "ews.sqlite"))

        rows = []
        for label, schedule in (
            ("first push", seed),
            ("no-op push", seed),
            ("summer break", edited),
        ):
            cells = []
            mark = len(mailbox.received)
            t = time.perf_counter()
            result = mail.push(schedule)
            sent = mailbox.received[mark:]
            kinds = Counter(
                str(p.get_param("method"))
                for r in sent
                for p in r.message.walk()
                if p.get_content_type() == "text/calendar"
            )
            cells.append(
                f"mail: {len(sent)} messages ({', '.join(f'{k} {v}' for k, v in sorted(kinds.items())) or '-'}), "
                f"{len(result.changes)} changes, {time.perf_counter() - t:.2f} s"
            )
            for name, server in servers.items():
                mark = len(server.log)
                t = time.perf_counter()
                run_push(schedule, server, stores[name])
                ops = Counter(e.method for e in server.log[mark:])
                cells.append(
                    f"{name}: {sum(ops.values())} requests ("
                    + ", ".join(f"{k} {v}" for k, v in sorted(ops.items()))
                    + f"), {time.perf_counter() - t:.2f} s"
                )
            mark, sent_mark = len(sim.log), len(sim.sent)
            t = time.perf_counter()
            ews_push(schedule, sim, ews_store)
            writes = sum(1 for e in sim.log[mark:] if e.write)
            reads = len(sim.log) - mark - writes
            messages = Counter(s.kind for s in sim.sent[sent_mark:])
            cells.append(
                f"exchange: {writes + reads} requests ({writes} writes, {reads} reads), "
                f"{sum(messages.values())} meeting messages ("
                + ", ".join(f"{k} {v}" for k, v in sorted(messages.items()))
                + f"), {time.perf_counter() - t:.2f} s"
            )
            rows.append((label, cells))
    for label, cells in rows:
        print(f"## {label}")
        for c in cells:
            print(f"  {c}")


if __name__ == "__main__":
    main()
