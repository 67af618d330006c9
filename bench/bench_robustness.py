"""The hostile-input campaign, before and after, in one run.

Two checkouts of plancal run the same campaign with the same interpreter and libraries (the
"before" one through ``PYTHONPATH``, e.g. a ``git worktree`` of main before the fixes):

1. every reproducer in ``tests/fixtures/plans/bad`` plus a FIFO, /dev/zero, /dev/urandom and a
   plan over the size limit, through ``validate``, ``agenda`` and ``compile`` as real processes
   (10 s and 2 GB each), and ``agenda > /dev/full``: tracebacks, hangs, worst time;
2. ``--generated`` mutated plans (fixed seed; the seed and minimal plans with the campaign's
   triggers spliced in) through check + agenda + feeds in one worker process per checkout,
   each run interrupted after 10 s: exceptions other than UserError, and hangs;
3. ``plancal serve`` with ``--slow`` connections that send one header line a second and never
   finish, while normal requests run for ``--seconds``: how many get 200.

Run: ``python bench/bench_robustness.py --before /path/to/main/src``. Loopback only.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
AFTER_SRC = ROOT / "src"
BAD = ROOT / "tests" / "fixtures" / "plans" / "bad"
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"
MINIMAL = ROOT / "tests" / "fixtures" / "plans" / "minimal.yaml"
TRIGGERS = [
    "&r [*r]",
    "&r {x: *r}",
    '"RRULE:FREQ=WEEKLY;INTERVAL=-1"',
    '"RRULE:FREQ=DAILY;INTERVAL=0"',
    '"RRULE:FREQ=DAILY;BYMONTH=2;BYMONTHDAY=30"',
    ".nan",
    "99999999999999999999999999",
    "999999999 dagar efter varje insats",
    "Varje måndag kl. 14.00 i 99999999999999999999999999 minuter",
    "9999-12-31",
    "Europe/" + "A" * 300,
    "right/UTC",
    "!!str",
]


def env_for(src: Path, tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PYTHONPATH": f"{src}:{ROOT}",
        "PLANCAL_CONFIG": str(tmp / "none.toml"),
        "PLANCAL_STATE_DIR": str(tmp / "state"),
        "PLANCAL_CACHE_DIR": str(tmp / "cache"),
    }


def limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))


def processes(src: Path, tmp: Path) -> dict[str, Any]:
    fifo = tmp / "fifo.yaml"
    if not fifo.exists():
        os.mkfifo(fifo)
    big = tmp / "big.yaml"
    with big.open("wb") as out:
        out.truncate(20 * 1024 * 1024)
    plans = [*sorted(BAD.glob("*.yaml")), fifo, Path("/dev/zero"), Path("/dev/urandom"), big]
    runs = tracebacks = hangs = 0
    worst = 0.0
    broken: list[str] = []
    for plan in plans:
        for command in (["validate"], ["agenda"], ["compile", "--out", str(tmp / "out")]):
            argv = [sys.executable, "-m", "plancal.cli", command[0], str(plan), *command[1:]]
            runs += 1
            started = time.monotonic()
            try:
                run = subprocess.run(
                    argv,
                    env=env_for(src, tmp),
                    capture_output=True,
                    timeout=10,
                    preexec_fn=limit_memory,
                    stdin=subprocess.DEVNULL,
                )
            except subprocess.TimeoutExpired:
                hangs += 1
                broken.append(f"{plan.name} {command[0]}: no answer in 10 s")
                continue
            worst = max(worst, time.monotonic() - started)
            if b"Traceback" in run.stderr or run.returncode not in (1, 2):
                tracebacks += b"Traceback" in run.stderr
                last = run.stderr.decode(errors="replace").strip().splitlines()[-1:] or ["?"]
                broken.append(f"{plan.name} {command[0]}: exit {run.returncode}, {last[0][:80]}")
    with open("/dev/full", "wb") as full:
        run = subprocess.run(
            [sys.executable, "-m", "plancal.cli", "agenda", str(SEED)],
            env=env_for(src, tmp),
            stdout=full,
            stderr=subprocess.PIPE,
            timeout=30,
        )
    runs += 1
    if b"Traceback" in run.stderr:
        tracebacks += 1
        broken.append("agenda > /dev/full: traceback")
    return {
        "runs": runs,
        "tracebacks": tracebacks,
        "hangs": hangs,
        "worst_s": round(worst, 2),
        "broken": broken,
    }


WORKER = r"""
import json, signal, sys
from pathlib import Path
from plancal.app import agenda
from plancal.app.check import check
from plancal.calendars import ics
from plancal.errors import UserError

def expire(signum, frame):
    raise TimeoutError()

signal.signal(signal.SIGALRM, expire)
counts = {"runs": 0, "user_errors": 0, "ok": 0, "hangs": 0, "other": 0}
kinds = {}
for path in sys.argv[1:]:
    counts["runs"] += 1
    signal.alarm(10)
    try:
        checked = check(Path(path))
        if checked.schedule is not None:
            agenda.rows(checked.schedule, "sv")
            ics.render_all(checked.schedule)
            counts["ok"] += 1
        else:
            counts["user_errors"] += 1
    except UserError:
        counts["user_errors"] += 1
    except TimeoutError:
        counts["hangs"] += 1
    except BaseException as e:
        counts["other"] += 1
        kinds[type(e).__name__] = kinds.get(type(e).__name__, 0) + 1
    finally:
        signal.alarm(0)
print(json.dumps(counts | {"exceptions": kinds}))
"""


def generated(n: int, tmp: Path) -> list[Path]:
    rng = random.Random(12)
    bases = [SEED.read_text("utf-8").splitlines(), MINIMAL.read_text("utf-8").splitlines()]
    out = []
    folder = tmp / "generated"
    folder.mkdir(exist_ok=True)
    for i in range(n):
        lines = list(rng.choice(bases))
        for _ in range(rng.randint(1, 3)):
            j = rng.randrange(len(lines))
            key = lines[j].split(":", 1)[0] if ":" in lines[j] else "  x"
            lines[j] = f"{key}: {rng.choice(TRIGGERS)}"
        path = folder / f"p{i}.yaml"
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
        out.append(path)
    return out


def in_process(src: Path, tmp: Path, plans: list[Path]) -> dict[str, Any]:
    run = subprocess.run(
        [sys.executable, "-c", WORKER, *map(str, plans)],
        env=env_for(src, tmp),
        capture_output=True,
        text=True,
        timeout=3600,
    )
    last = run.stdout.strip().splitlines()[-1:] or ["{}"]
    try:
        result: dict[str, Any] = json.loads(last[0])
    except json.JSONDecodeError:
        result = {"crashed": run.stderr[-300:]}
    return result


def slow_clients(src: Path, tmp: Path, slow: int, seconds: int) -> dict[str, Any]:
    plan = tmp / "serve.yaml"
    plan.write_text(SEED.read_text("utf-8"), encoding="utf-8")
    env = env_for(src, tmp) | {"PLANCAL_SERVER_ACCESS_LOG": "false"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "serve",
            str(plan),
            "--port",
            "0",
            "--db",
            str(tmp / f"serve-{src.name}.sqlite"),
        ],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    assert proc.stdout is not None
    found = re.search(r":(\d+)/", proc.stdout.readline())
    assert found, "the server did not start"
    port = int(found.group(1))
    socks: list[socket.socket | None] = []
    for i in range(slow):  # from other loopback addresses than the normal requests
        try:
            conn = socket.create_connection(
                ("127.0.0.1", port), timeout=5, source_address=(f"127.0.0.{2 + i // 25}", 0)
            )
            conn.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\n")
            socks.append(conn)
        except OSError:
            socks.append(None)
    results = {"ok": 0, "failed": 0}
    over = threading.Event()

    def normal() -> None:
        import http.client

        while not over.is_set():
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
                conn.request("GET", "/public.ics")
                status = conn.getresponse().status
                conn.close()
                results["ok" if status == 200 else "failed"] += 1
            except OSError:
                results["failed"] += 1
            time.sleep(0.05)

    worker = threading.Thread(target=normal)
    worker.start()
    closed = 0
    for n in range(seconds):
        for k, held in enumerate(socks):
            if held is None:
                continue
            try:
                held.sendall(b"X-Slow-%d: x\r\n" % n)
            except OSError:
                closed += 1
                held.close()
                socks[k] = None
        time.sleep(1)
    over.set()
    worker.join()
    still_open = sum(held is not None for held in socks)
    for held in socks:
        if held is not None:
            held.close()
    proc.terminate()
    proc.wait(timeout=30)
    return results | {"slow_closed_by_server": closed, "slow_still_open": still_open}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--before", type=Path, required=True, help="src/ of the old checkout")
    parser.add_argument("--generated", type=int, default=300)
    parser.add_argument("--slow", type=int, default=1000)
    parser.add_argument("--seconds", type=int, default=20)
    args = parser.parse_args()
    report: dict[str, Any] = {}
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        plans = generated(args.generated, tmp)
        for label, src in (("before", args.before.resolve()), ("after", AFTER_SRC)):
            work = tmp / label
            work.mkdir()
            report[label] = {
                "processes": processes(src, work),
                "generated": in_process(src, work, plans),
                "slow_clients": slow_clients(src, work, args.slow, args.seconds),
            }
    print(json.dumps(report, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
