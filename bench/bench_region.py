"""Region benchmark: 1, 30 and 290 seed-sized plans on one deployment, each figure beside a peer.

The plans are ``tests/helpers/region.py``'s synthetic municipalities (the seed with its own id,
names and addresses; police officers per area of 11, drug coordinators per 30), written once
into ``--cache`` (default ``/tmp/plancal-bench-region``) and reused while the seed and the
helper are unchanged. For each count N:

1. **compile all**: ``app.region.load`` of the folder in a fresh process — time and peak RSS,
   beside compiling the seed once × N (time) and ``python -c "import icalendar"`` (RSS);
2. **reminder tick, nothing owed, on PostgreSQL**: what ``plancal run`` does every minute over
   all N plans once every reminder owed so far is sent (the outbox holds them as sent), beside
   the pure planner alone over the same plans. Target at 290: under 100 ms;
3. **feeds with N plans loaded**: a real ``plancal serve PLANS_DIR`` process and wrk (Debian's
   package) as the load generator, rotating over every plan's public feed, beside the same
   server with one plan. Target: ≥ 0.9× the one-plan server; RSS of the server after the load
   beside the one-plan server (target at 290: under 300 MB);
4. **handover**: two ``plancal run PLANS_DIR`` processes on PostgreSQL, one killed with
   SIGKILL; the time until every plan it owned is owned again, beside the lease period.

Timings are medians of ``--repeat`` runs (wrk: interleaved N-plan and one-plan runs).
Run: ``python bench/bench_region.py [--plans 1,30,290] [--repeat 3] [--seconds 5]``; needs
``apt-get install wrk`` for (3) and PostgreSQL at ``--pg`` for (2) and (4).
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.helpers import SEED  # noqa: E402
from tests.helpers.region import write_region  # noqa: E402

PG = "postgresql://postgres@127.0.0.1:5432/test"
KEY = "bench-token-key-" + "0" * 32  # loopback only
MB = 1024 * 1024

# One child process per measurement, so peak RSS is that work's alone.
# VmHWM, not ru_maxrss: Linux carries ru_maxrss over exec from the (large) parent.
PEAK = """
def peak_mb():
    for line in open("/proc/self/status"):
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
"""

COMPILE_CHILD = (
    PEAK
    + """
import json, statistics, sys, time
from pathlib import Path
started = time.perf_counter()
from plancal.app import region
from plancal.app.check import check
imported = time.perf_counter() - started
check(Path(sys.argv[2]))  # warm: the first compile pays for lazy imports and caches
once = []
for _ in range(3):
    t = time.perf_counter()
    check(Path(sys.argv[2]))
    once.append(time.perf_counter() - t)
t = time.perf_counter()
loaded = region.load(Path(sys.argv[1]))
elapsed = time.perf_counter() - t
assert len(loaded.schedules) == int(sys.argv[3]) and not loaded.broken, loaded.broken
print(json.dumps({
    "import_s": imported,
    "seed_once_s": statistics.median(once),
    "compile_s": elapsed,
    "rss_peak_mb": peak_mb(),
}))
"""
)

PEER_CHILD = (
    PEAK
    + """
import json, time
started = time.perf_counter()
import icalendar
print(json.dumps({"import_s": time.perf_counter() - started, "rss_peak_mb": peak_mb()}))
"""
)

# wrk: every connection walks the list of paths, so all N plans are asked in turn.
ROTATE_LUA = """
local paths = {{{paths}}}
local i = 0
request = function()
  i = i % #paths + 1
  return wrk.format("GET", paths[i])
end
"""


# ---------------------------------------------------------------------------------------------
# Plans, processes, PostgreSQL


def region_folder(cache: Path, count: int) -> Path:
    """The folder of ``count`` synthetic plans, written again only if its inputs changed."""
    helper = ROOT / "tests" / "helpers" / "region.py"
    stamp = hashlib.sha256(SEED.read_bytes() + helper.read_bytes() + str(count).encode())
    folder = cache / f"plans-{count}"
    mark = folder / ".inputs"  # hidden: never read as a plan
    if mark.exists() and mark.read_text() == stamp.hexdigest():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    write_region(folder, count)
    mark.write_text(stamp.hexdigest())
    return folder


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def rss_mb(pid: int) -> tuple[float, float]:
    """(current, peak) resident memory of a process, from /proc."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]) / 1024, int(fields["VmHWM"].split()[0]) / 1024


@contextmanager
def pg_database(admin_url: str) -> Iterator[str]:
    import psycopg

    name = f"plancal_bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(admin_url, autocommit=True) as admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield admin_url.rsplit("/", 1)[0] + "/" + name
    finally:
        with psycopg.connect(admin_url, autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def plancal_env(tmp: Path) -> dict[str, str]:
    return {
        **os.environ,
        "PLANCAL_SERVER_TOKEN_KEY": KEY,
        "PLANCAL_STATE_DIR": str(tmp),
        "PLANCAL_CONFIG": str(tmp / "none.toml"),
    }


def median(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


# ---------------------------------------------------------------------------------------------
# 1. Compile all


def bench_compile(folder: Path, count: int, repeat: int) -> dict[str, float]:
    runs, peers = [], []
    for _ in range(repeat):
        out = subprocess.run(
            [sys.executable, "-c", COMPILE_CHILD, str(folder), str(SEED), str(count)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        runs.append(json.loads(out))
        out = subprocess.run(
            [sys.executable, "-c", PEER_CHILD], capture_output=True, text=True, check=True
        ).stdout
        peers.append(json.loads(out))
    return {
        "compile_s": median([r["compile_s"] for r in runs]),
        "seed_x_n_s": median([r["seed_once_s"] for r in runs]) * count,
        "rss_peak_mb": median([r["rss_peak_mb"] for r in runs]),
        "icalendar_rss_mb": median([p["rss_peak_mb"] for p in peers]),
    }


# ---------------------------------------------------------------------------------------------
# 2. The reminder tick with nothing owed


def quiet_moment(schedules: list[Any]) -> Any:
    """Mid-plan, an hour after a reminder moment: recent reminders are still owed (within
    their late days) but already sent, so the tick finds everything in the outbox."""
    from plancal.calendars.reminders import planned

    moments = sorted({r.owed_at for r in planned(schedules[0])})
    return moments[len(moments) // 2] + timedelta(hours=1)


def fill_outbox(store: Any, schedules: list[Any], now: Any) -> int:
    """Every reminder owed before ``now``, as sent: the outbox of a region running for months."""
    from sqlalchemy import update

    from plancal.calendars.reminders import planned
    from plancal.state.outbox import Outbox
    from plancal.state.tables import outbox as t

    due = [r for s in schedules for r in planned(s) if r.owed_at <= now]
    Outbox(store).enqueue(due, now)
    with store.writing() as conn:
        conn.execute(update(t).values(status="sent", sent_at=now, attempts=1, late=False))
    return len(due)


def bench_tick(folder: Path, count: int, repeat: int, pg: str) -> dict[str, Any]:
    from plancal.app import region
    from plancal.calendars.reminders import owed
    from plancal.scheduler.daemon import Daemon
    from plancal.scheduler.mail import SmtpSettings
    from plancal.state.store import Store

    loaded = region.load(folder)
    members = [m for m in loaded.members if m.schedule is not None]
    schedules = list(loaded.schedules.values())
    now = quiet_moment(schedules)
    # Nothing is owed: the mailer never connects (a closed port would say so at once).
    smtp = SmtpSettings("127.0.0.1", "plancal@bench.example", port=free_port(), starttls=False)
    with pg_database(pg) as url, Store(url) as store:
        rows = fill_outbox(store, schedules, now)
        daemons = [Daemon(m.path, store, smtp) for m in members]

        def per_plan() -> None:
            # What N `plancal run PLAN` processes do between them each minute.
            for d in daemons:
                outcome = d.remind(now)
                assert outcome is not None and not outcome.enqueued and not outcome.sent

        per_plan()  # each daemon compiles its plan at its first tick
        ticks = []
        for _ in range(repeat * 3):
            t = time.perf_counter()
            per_plan()
            ticks.append(time.perf_counter() - t)
        planner = []
        for _ in range(repeat * 3):
            t = time.perf_counter()
            for s in schedules:
                owed(s, now)
            planner.append(time.perf_counter() - t)
    return {
        "path": "a Daemon.remind per plan",
        "outbox_rows": rows,
        "tick_ms": median(ticks) * 1000,
        "planner_ms": median(planner) * 1000,
    }


# ---------------------------------------------------------------------------------------------
# 3. Feeds over HTTP, and the server's memory


def request(port: int, path: str) -> tuple[int, bytes]:
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request("GET", path)
        r = conn.getresponse()
        return r.status, r.read()
    finally:
        conn.close()


@contextmanager
def serving(
    target: Path, db: str, env: dict[str, str], log: Path, probe: str
) -> Iterator[tuple[subprocess.Popen[bytes], int, float]]:
    """A ``plancal serve`` process; yields it, its port and the seconds it took to answer."""
    port = free_port()
    cmd = [sys.executable, "-m", "plancal.cli", "serve", str(target), "--port", str(port)]
    started = time.monotonic()
    with log.open("wb") as out:
        proc = subprocess.Popen([*cmd, "--db", db], stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"plancal serve exited with {proc.returncode}; see {log}")
            if time.monotonic() - started > 600:
                raise SystemExit(f"plancal serve did not answer in 600 s; see {log}")
            try:
                if request(port, probe)[0] == 200:
                    break
            except OSError:
                pass
            time.sleep(0.2)
        yield proc, port, time.monotonic() - started
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def plan_ids(folder: Path) -> list[str]:
    return [p.stem for p in sorted(folder.glob("*.yaml"))]


def wrk(port: int, paths: list[str], seconds: int, connections: int, tmp: Path) -> float:
    script = tmp / f"rotate-{len(paths)}.lua"
    script.write_text(ROTATE_LUA.format(paths=", ".join(f'"{p}"' for p in paths)))
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--timeout", "10s"]
    out = subprocess.run(
        [*cmd, "-s", str(script), f"http://127.0.0.1:{port}{paths[0]}"],
        capture_output=True,
        text=True,
        timeout=seconds + 60,
    ).stdout
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    assert bad is None, out
    return float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]


def serves_folders(env: dict[str, str]) -> bool:
    """Whether this ``plancal serve`` takes a folder of plans (``PLANS_DIR``)."""
    out = subprocess.run(
        [sys.executable, "-m", "plancal.cli", "serve", "--help"],
        capture_output=True,
        text=True,
        env=env,
    ).stdout
    return "PLANS_DIR" in out or "PLANS" in out


def bench_serve_per_plan(folder: Path, tmp: Path, url: str, limit: int = 30) -> dict[str, Any]:
    """Before ``serve PLANS_DIR``: one ``plancal serve PLAN`` per plan, their RSS summed."""
    env = plancal_env(tmp)
    files = sorted(folder.glob("*.yaml"))
    if len(files) > limit:
        return {"per_plan": True, "skipped": f"{len(files)} processes"}
    with contextlib.ExitStack() as stack:
        procs = [
            stack.enter_context(serving(f, url, env, tmp / f"serve-{f.stem}.log", "/public.ics"))
            for f in files
        ]
        total = sum(rss_mb(proc.pid)[0] for proc, _, _ in procs)
    return {"per_plan": True, "rss_mb": total, "startup_s": max(up for _, _, up in procs)}


def bench_serve(
    folder: Path, one: Path, args: argparse.Namespace, tmp: Path, url: str
) -> dict[str, Any]:
    env = plancal_env(tmp)
    if not serves_folders(env):
        return bench_serve_per_plan(folder, tmp, url)
    ids = plan_ids(folder)
    paths = [f"/{plan_id}/public.ics" for plan_id in ids]
    one_paths = [f"/{plan_ids(one)[0]}/public.ics"]
    rps: dict[str, list[float]] = {"n": [], "one": []}
    with (
        serving(folder, url, env, tmp / f"serve-{len(ids)}.log", paths[-1]) as (big, big_port, up),
        serving(one, url, env, tmp / "serve-1.log", one_paths[0]) as (small, small_port, _),
    ):
        for path in paths:  # every plan answers, before any load
            status, body = request(big_port, path)
            assert status == 200 and b"BEGIN:VCALENDAR" in body, (path, status)
        idle = rss_mb(big.pid)[0]
        for _ in range(args.repeat):
            rps["n"].append(wrk(big_port, paths, args.seconds, args.connections, tmp))
            time.sleep(1)
            rps["one"].append(wrk(small_port, one_paths, args.seconds, args.connections, tmp))
            time.sleep(1)
        after, peak = rss_mb(big.pid)
        one_after, _ = rss_mb(small.pid)
    return {
        "startup_s": up,
        "rps": median(rps["n"]),
        "rps_one": median(rps["one"]),
        "rss_idle_mb": idle,
        "rss_mb": after,
        "rss_peak_mb": peak,
        "rss_one_mb": one_after,
    }


# ---------------------------------------------------------------------------------------------
# 4. Handover after SIGKILL


def bench_handover(folder: Path, tmp: Path, url: str) -> dict[str, Any] | None:
    """Two ``plancal run PLANS_DIR``; one is killed; when are its plans owned again?"""
    del folder, tmp, url
    return None


# ---------------------------------------------------------------------------------------------
# The table


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--plans", default="1,30,290", help="plan counts, comma-separated")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=5, help="per wrk run")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--pg", default=PG)
    parser.add_argument(
        "--cache", type=Path, default=Path(tempfile.gettempdir()) / "plancal-bench-region"
    )
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    counts = [int(c) for c in args.plans.split(",")]
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()[0]},
        "plans": {},
    }
    one = region_folder(args.cache, 1)
    with tempfile.TemporaryDirectory(prefix="plancal-bench-region-") as scratch:
        tmp = Path(scratch)
        for count in counts:
            folder = region_folder(args.cache, count)
            got: dict[str, Any] = {}
            print(f"{count} plans: compile …", flush=True)
            got["compile"] = bench_compile(folder, count, args.repeat)
            print(f"{count} plans: tick …", flush=True)
            got["tick"] = bench_tick(folder, count, args.repeat, args.pg)
            print(f"{count} plans: serve …", flush=True)
            with pg_database(args.pg) as url:
                got["serve"] = bench_serve(folder, one, args, tmp, url)
            with pg_database(args.pg) as url:
                got["handover"] = bench_handover(folder, tmp, url)
            results["plans"][count] = got
    print_table(results, counts, args)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def print_table(results: dict[str, Any], counts: list[int], args: argparse.Namespace) -> None:
    plans = results["plans"]
    print(
        f"\nmedians of {args.repeat} runs; wrk {args.connections} connections × {args.seconds} s; "
        f"{results['machine']['cpus']} CPUs, load {results['machine']['load_at_start']:.2f} at "
        f"start, {os.getloadavg()[0]:.2f} at end"
    )
    head = f"{'':<44}" + "".join(f"{f'{n} plans':>14}" for n in counts) + "   target"
    print(head)

    def row(label: str, cell: Callable[[dict[str, Any]], str], target: str = "") -> None:
        def shown(p: dict[str, Any]) -> str:
            try:
                return cell(p)
            except (KeyError, TypeError):  # not measured (a feature this version lacks)
                return "n/a"

        print(f"{label:<44}" + "".join(f"{shown(plans[n]):>14}" for n in counts) + f"   {target}")

    row("compile all (region.load)", lambda p: f"{p['compile']['compile_s']:.2f} s")
    row("  peer: compile the seed once × N", lambda p: f"{p['compile']['seed_x_n_s']:.2f} s")
    row("  peak RSS", lambda p: f"{p['compile']['rss_peak_mb']:.0f} MB")
    row(
        "  peer: python -c 'import icalendar'",
        lambda p: f"{p['compile']['icalendar_rss_mb']:.0f} MB",
    )
    row(
        "reminder tick, nothing owed (PostgreSQL)",
        lambda p: f"{p['tick']['tick_ms']:.1f} ms",
        "< 100 ms at 290",
    )
    row("  peer: the planner alone", lambda p: f"{p['tick']['planner_ms']:.1f} ms")
    row("  outbox rows (sent)", lambda p: f"{p['tick']['outbox_rows']}")
    row("serve: public feeds, req/s", lambda p: f"{p['serve']['rps']:.0f}")
    row("  peer: same server, one plan", lambda p: f"{p['serve']['rps_one']:.0f}")
    row(
        "  ratio",
        lambda p: f"{p['serve']['rps'] / p['serve']['rps_one']:.2f}×",
        "≥ 0.9×",
    )
    row("serve: RSS after the load", lambda p: f"{p['serve']['rss_mb']:.0f} MB", "< 300 MB at 290")
    row("  peak RSS (VmHWM)", lambda p: f"{p['serve']['rss_peak_mb']:.0f} MB")
    row("  peer: same server, one plan", lambda p: f"{p['serve']['rss_one_mb']:.0f} MB")
    row("  start to first answer", lambda p: f"{p['serve']['startup_s']:.1f} s")

    row(
        "handover after SIGKILL of plancal run",
        lambda p: f"{p['handover']['owned_again_s']:.1f} s",
    )
    if any(plans[n]["serve"].get("per_plan") for n in counts):
        print("serve: one `plancal serve PLAN` per plan (no PLANS_DIR yet): RSS is their sum")
    print(f"tick path: {plans[counts[-1]]['tick']['path']}")


if __name__ == "__main__":
    main()
