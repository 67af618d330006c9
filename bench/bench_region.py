"""Region benchmark: 1, 30 and 290 seed-sized plans on one deployment, each figure beside a peer.

The plans are ``tests/helpers/region.py``'s synthetic municipalities (the seed with its own id,
names and addresses; police officers per area of 11, drug coordinators per 30), written once
into ``--cache`` (default ``/tmp/plancal-bench-region``) and reused while the seed and the
helper are unchanged. For each count N:

1. **compile all**: ``app.region.load`` of the folder in a fresh process — time and peak RSS,
   beside compiling the seed once × N (time) and ``python -c "import icalendar"`` (RSS);
2. **reminder tick, nothing owed, on PostgreSQL**: ``Daemon(PLANS_DIR).remind`` holding every
   lease — what ``plancal run PLANS_DIR`` does each minute — once every reminder owed so far
   is sent (the outbox holds them, vacuumed), beside one ``Daemon(PLAN).remind`` per plan (N
   single-plan processes' work) and the pure planner alone. Target at 290: under 100 ms;
3. **feeds with N plans loaded**: a real ``plancal serve PLANS_DIR`` process and wrk (Debian's
   package) rotating over every plan's public feed, beside the same server with one plan
   (interleaved, in turns first). Target: ≥ 0.9×. Also per CPU-second of the server, the
   steadier figure on a shared machine; at 1 plan both servers are the same (the noise
   floor). RSS of the server after the load, beside the one-plan server (target at 290:
   under 300 MB), and its time from start to first answer;
4. **handover**: two ``plancal run PLANS_DIR`` on PostgreSQL, the one holding more plans
   killed with SIGKILL; the time until every plan is held again (the leases are advisory
   locks, so the server frees them when the connection drops), beside the lease period; then a
   replacement starts, the two balance, and again, ``--repeat`` times.

Timings are medians of ``--repeat`` runs. Run:
``python bench/bench_region.py [--plans 1,30,290] [--repeat 3] [--seconds 5]``; needs
``apt-get install wrk`` and PostgreSQL at ``--pg``. 290 plans take about ten minutes here.
"""

from __future__ import annotations

import argparse
import contextlib
import hashlib
import json
import os
import re
import shutil
import signal
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
LEASE = timedelta(seconds=30)  # [daemon] lease, its default
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
    # As autovacuum leaves a store that has run for months: no dead 'pending' versions.
    if store.dialect == "postgresql":
        from sqlalchemy import text

        with store.engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").execute(
                text("VACUUM ANALYZE outbox")
            )
    return len(due)


def bench_tick(folder: Path, count: int, repeat: int, pg: str) -> dict[str, Any]:
    from plancal.app import region
    from plancal.calendars.reminders import owed
    from plancal.scheduler import dispatch
    from plancal.scheduler.daemon import Daemon
    from plancal.scheduler.mail import SmtpSettings
    from plancal.state.store import Store

    loaded = region.load(folder)
    members = [m for m in loaded.members if m.schedule is not None]
    schedules = list(loaded.schedules.values())
    now = quiet_moment(schedules)
    # Nothing is owed: the mailer never connects (a closed port would say so at once).
    smtp = SmtpSettings("127.0.0.1", "plancal@bench.example", port=free_port(), starttls=False)

    def timed(
        work: Callable[[], object], times: int, before: Callable[[], object] = lambda: None
    ) -> float:
        before()
        work()  # warm: compiles, plans, fills caches as a running daemon has
        spent = []
        for _ in range(times):
            before()
            t = time.perf_counter()
            work()
            spent.append(time.perf_counter() - t)
        return median(spent) * 1000

    def quiet(outcome: Any) -> None:
        assert outcome is not None and not outcome.enqueued and not outcome.sent, outcome

    out: dict[str, Any] = {}
    with pg_database(pg) as url, Store(url) as store:
        out["outbox_rows"] = fill_outbox(store, schedules, now)
        if hasattr(dispatch, "tick_region"):
            # What one `plancal run PLANS_DIR` does each minute when it holds every lease:
            # the daemon's own remind (plan files looked at, timetables, one tick_region).
            from plancal.state.leases import leases

            region_daemon = Daemon(folder, store, smtp)
            region_daemon.leases = leases(store, region_daemon.worker, folder.name, LEASE)
            region_daemon.leases.register()

            def region_tick() -> None:
                quiet(region_daemon.remind(now))

            def looked() -> None:  # the daemon looks at its leases between ticks, not in them
                change = region_daemon.look()
                assert change is not None and len(change.owned) == count, change

            try:
                out["tick_ms"] = timed(region_tick, repeat * 5, before=looked)
            finally:
                region_daemon.leases.close()
            out["path"] = "Daemon(PLANS_DIR).remind holding every lease: tick_region"
        daemons = [Daemon(m.path, store, smtp) for m in members]

        def per_plan() -> None:
            # What N `plancal run PLAN` processes do between them each minute.
            for d in daemons:
                quiet(d.remind(now))

        out["per_plan_ms"] = timed(per_plan, repeat)
        out["planner_ms"] = timed(lambda: [owed(s, now) for s in schedules], repeat * 5)
    out.setdefault("tick_ms", out["per_plan_ms"])
    out.setdefault("path", "a Daemon.remind per plan")
    return out


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


def cpu_seconds(pid: int) -> float:
    """User + system CPU time a process has used, from /proc."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def wrk(port: int, paths: list[str], seconds: int, connections: int, tmp: Path) -> dict[str, float]:
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
    done = re.search(r"(\d+) requests in", out)
    rps = re.search(r"Requests/sec:\s+([\d.]+)", out)
    assert done is not None and rps is not None, out
    return {"rps": float(rps.group(1)), "requests": int(done.group(1))}


def measured(pid: int, port: int, paths: list[str], args: argparse.Namespace, tmp: Path) -> Any:
    """req/s, and requests per CPU-second of the server: on a machine shared with other work
    the second is the steadier figure (a busy neighbour slows both servers' clocks alike)."""
    before = cpu_seconds(pid)
    got = wrk(port, paths, args.seconds, args.connections, tmp)
    used = cpu_seconds(pid) - before
    time.sleep(1)  # let the server finish what wrk left in flight
    return got["rps"], got["requests"] / used if used > 0 else float("nan")


def bench_serve(
    folder: Path, one: Path, args: argparse.Namespace, tmp: Path, url: str
) -> dict[str, Any]:
    env = plancal_env(tmp)
    ids = plan_ids(folder)
    paths = [f"/{plan_id}/public.ics" for plan_id in ids]
    one_paths = [f"/{plan_ids(one)[0]}/public.ics"]
    rps: dict[str, list[float]] = {"n": [], "one": [], "n_cpu": [], "one_cpu": []}
    with (
        serving(folder, url, env, tmp / f"serve-{len(ids)}.log", paths[-1]) as (big, big_port, up),
        serving(one, url, env, tmp / "serve-1.log", one_paths[0]) as (small, small_port, _),
    ):
        for path in paths:  # every plan answers, before any load
            status, body = request(big_port, path)
            assert status == 200 and b"BEGIN:VCALENDAR" in body, (path, status)
        idle = rss_mb(big.pid)[0]
        pair = [("n", big.pid, big_port, paths), ("one", small.pid, small_port, one_paths)]
        for round_ in range(args.repeat):
            # Interleaved, and in turns first: both servers share the machine's moods alike.
            for key, pid, port, asked in pair if round_ % 2 == 0 else pair[::-1]:
                per_second, per_cpu = measured(pid, port, asked, args, tmp)
                rps[key].append(per_second)
                rps[f"{key}_cpu"].append(per_cpu)
        after, peak = rss_mb(big.pid)
        one_after, _ = rss_mb(small.pid)
    return {
        "startup_s": up,
        "rps": median(rps["n"]),
        "rps_one": median(rps["one"]),
        "per_cpu": median(rps["n_cpu"]),
        "per_cpu_one": median(rps["one_cpu"]),
        "rss_idle_mb": idle,
        "rss_mb": after,
        "rss_peak_mb": peak,
        "rss_one_mb": one_after,
    }


# ---------------------------------------------------------------------------------------------
# 4. Handover after SIGKILL


def lease_holders(url: str, plans: list[str]) -> tuple[dict[str, int], int]:
    """plan id → the server session (backend pid) holding its lease, and how many sessions
    hold advisory locks at all (each `plancal run` holds one as a member), in one query."""
    import psycopg

    from plancal.state.leases import plan_key

    keys = {}
    for p in plans:
        k = plan_key(p) & 0xFFFFFFFFFFFFFFFF  # pg_locks shows a bigint key as two oids
        keys[(k >> 32, k & 0xFFFFFFFF)] = p
    with psycopg.connect(url.replace("postgresql+psycopg://", "postgresql://")) as conn:
        rows = conn.execute(
            "SELECT classid::bigint, objid::bigint, objsubid, pid FROM pg_locks "
            "WHERE locktype = 'advisory' AND granted "
            "AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        ).fetchall()
    # objsubid 1: a bigint key (a plan's lease); 2: a pair of ints (a member's lock)
    held = {keys[(c, o)]: pid for c, o, sub, pid in rows if sub == 1 and (c, o) in keys}
    return held, len({pid for _, _, _, pid in rows})


def backends_of(url: str, pid: int) -> set[int]:
    """The server sessions of one local process: its sockets' ports, as PostgreSQL sees them."""
    import psycopg

    inodes = set()
    for fd in Path(f"/proc/{pid}/fd").iterdir():
        with contextlib.suppress(OSError):
            target = os.readlink(fd)
            if target.startswith("socket:["):
                inodes.add(target[8:-1])
    ports = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if fields[9] in inodes:
                ports.add(int(fields[1].rsplit(":", 1)[1], 16))
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT pid, client_port FROM pg_stat_activity").fetchall()
    return {backend for backend, port in rows if port in ports}


def bench_handover(
    folder: Path, tmp: Path, url: str, smtp_port: int, rounds: int
) -> dict[str, Any] | None:
    """Two ``plancal run PLANS_DIR`` on PostgreSQL; the one holding more plans is killed with
    SIGKILL; how long until every plan is held again? Then a replacement starts, the two
    balance, and again, ``rounds`` times."""
    import importlib.util

    if importlib.util.find_spec("plancal.state.leases") is None:
        return None  # `plancal run` takes one plan: nothing to hand over
    plans = plan_ids(folder)
    env = {
        **plancal_env(tmp),
        "PLANCAL_SMTP_HOST": "127.0.0.1",
        "PLANCAL_SMTP_PORT": str(smtp_port),  # nothing is owed today: never connected
        "PLANCAL_SMTP_STARTTLS": "false",
        "PLANCAL_SMTP_FROM": "plancal@bench.example",
        "PLANCAL_DAEMON_LEASE": f"{LEASE.total_seconds():.0f} s",
    }
    procs: list[subprocess.Popen[bytes]] = []

    def start() -> None:
        log = (tmp / f"run-{len(procs)}.log").open("wb")
        cmd = [sys.executable, "-m", "plancal.cli", "run", str(folder), "--db", url]
        procs.append(subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT, env=env))

    def wait_until(ready: Callable[[dict[str, int], int], bool], limit: float) -> dict[str, int]:
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            held, members = lease_holders(url, plans)
            if ready(held, members):
                return held
            for proc in procs:
                if proc.poll() not in (None, -signal.SIGKILL):
                    raise SystemExit(f"plancal run exited with {proc.returncode}; see {tmp}")
            time.sleep(0.05)
        raise SystemExit(f"leases not settled in {limit:.0f} s; see the run-*.log in {tmp}")

    def balanced(held: dict[str, int], members: int) -> bool:
        """Both processes are members and every plan is held, each process its share (one
        may keep a plan above it: leases.SLACK, so the other's share may be none of two)."""
        if members < 2 or len(held) != len(plans):
            return False
        least = len(plans) - (-(-len(plans) // 2) + 1)
        per = [list(held.values()).count(b) for b in set(held.values())]
        return least <= 0 or (len(per) == 2 and min(per) >= least)

    handovers, moved = [], []
    try:
        start()
        start()
        for _ in range(rounds):
            held = wait_until(balanced, 600)
            alive = [p for p in procs if p.poll() is None]
            counts = {
                p.pid: sum(1 for b in held.values() if b in backends_of(url, p.pid)) for p in alive
            }
            victim = next(p for p in alive if counts[p.pid] == max(counts.values()))
            killed = time.monotonic()
            victim.send_signal(signal.SIGKILL)
            victim.wait()
            after = wait_until(lambda h, _: len(h) == len(plans), 600)
            handovers.append(time.monotonic() - killed)
            moved.append(sum(1 for p in plans if after[p] != held[p]))
            start()  # the replacement: the two share the plans again before the next kill
    finally:
        for proc in procs:
            if proc.poll() is None:
                proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    return {
        "owned_again_s": median(handovers),
        "max_s": max(handovers),
        "moved": median([float(m) for m in moved]),
        "rounds": len(handovers),
        "lease_s": LEASE.total_seconds(),
    }


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
            print(f"{count} plans: handover …", flush=True)
            with pg_database(args.pg) as url:
                got["handover"] = bench_handover(folder, tmp, url, free_port(), args.repeat)
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
    row("  peer: one Daemon.remind per plan", lambda p: f"{p['tick']['per_plan_ms']:.1f} ms")
    row("  peer: the planner alone (owed)", lambda p: f"{p['tick']['planner_ms']:.1f} ms")
    row("  outbox rows (sent)", lambda p: f"{p['tick']['outbox_rows']}")
    row("serve: public feeds, req/s", lambda p: f"{p['serve']['rps']:.0f}")
    row("  peer: same server, one plan", lambda p: f"{p['serve']['rps_one']:.0f}")
    row(
        "  ratio",
        lambda p: f"{p['serve']['rps'] / p['serve']['rps_one']:.2f}×",
        "≥ 0.9×",
    )
    row("  requests per server CPU-second", lambda p: f"{p['serve']['per_cpu']:.0f}")
    row("  peer: same server, one plan", lambda p: f"{p['serve']['per_cpu_one']:.0f}")
    row(
        "  ratio",
        lambda p: f"{p['serve']['per_cpu'] / p['serve']['per_cpu_one']:.2f}×",
        "≥ 0.9×",
    )
    row("serve: RSS after the load", lambda p: f"{p['serve']['rss_mb']:.0f} MB", "< 300 MB at 290")
    row("  peak RSS (VmHWM)", lambda p: f"{p['serve']['rss_peak_mb']:.0f} MB")
    row("  peer: same server, one plan", lambda p: f"{p['serve']['rss_one_mb']:.0f} MB")
    row("  start to first answer", lambda p: f"{p['serve']['startup_s']:.1f} s")

    row(
        "handover: SIGKILL of 1 of 2 `plancal run`",
        lambda p: f"{p['handover']['owned_again_s']:.1f} s",
        f"< one lease ({LEASE.total_seconds():.0f} s)",
    )
    row("  slowest", lambda p: f"{p['handover']['max_s']:.1f} s")
    row("  plans it held, taken over", lambda p: f"{p['handover']['moved']:.0f}")
    print(f"tick path: {plans[counts[-1]]['tick']['path']}")


if __name__ == "__main__":
    main()
