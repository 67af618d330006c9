"""Feed server benchmark: plancal against Radicale and a bare ASGI app, in the same run.

Three servers on loopback serve the same seed-plan calendars (the public feed, and the whole
plan — for plancal behind a token URL):

1. ``plancal serve``, as deployed: uvicorn + httptools + uvloop, one process, access log on
   (written to a file);
2. a bare ASGI app under the same uvicorn settings that returns the same bytes (and a 304
   when If-None-Match equals its ETag): the ceiling for a Python server;
3. Radicale (CalDAV server), with the same calendars uploaded as collections.

wrk (Debian's package) drives each for ``--seconds`` with ``--connections`` connections,
full GETs and conditional GETs (If-None-Match with the server's own ETag), ``--repeat`` times;
the table shows medians of requests/s and of p99 latency. Targets (issue 6): plancal full GET
≥ 100× Radicale, and ≥ 0.5× the bare ASGI app.

Run: ``python bench/bench_server.py [--seconds 5] [--connections 32] [--repeat 3]``; needs
``pip install -e '.[bench]'`` (Radicale) and ``apt-get install wrk``. Loopback only.
"""

from __future__ import annotations

import argparse
import http.client
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
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "examples" / "soderhamn-2022-2023.yaml"
KEY = "bench-token-key-" + "0" * 32  # loopback only

BARE_APP = """
from pathlib import Path

ETAG = {etag!r}
BODY = Path({body!r}).read_bytes()
OK = {{"type": "http.response.start", "status": 200, "headers": [
    (b"content-type", b"text/calendar; charset=utf-8"),
    (b"content-length", str(len(BODY)).encode()), (b"etag", ETAG)]}}
NOT_MODIFIED = {{"type": "http.response.start", "status": 304, "headers": [(b"etag", ETAG)]}}
FULL = {{"type": "http.response.body", "body": BODY}}
EMPTY = {{"type": "http.response.body", "body": b""}}


async def app(scope, receive, send):
    if scope["type"] != "http":
        return
    for name, value in scope["headers"]:
        if name == b"if-none-match" and value == ETAG:
            await send(NOT_MODIFIED)
            await send(EMPTY)
            return
    await send(OK)
    await send(FULL)
"""

RADICALE_CONFIG = """
[server]
hosts = 127.0.0.1:{port}
[auth]
type = none
[rights]
type = from_file
file = {rights}
[storage]
filesystem_folder = {folder}
[logging]
level = warning
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def request(
    port: int,
    path: str,
    headers: dict[str, str] | None = None,
    method: str = "GET",
    body: bytes | None = None,
) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        r = conn.getresponse()
        return r.status, {k.lower(): v for k, v in r.getheaders()}, r.read()
    finally:
        conn.close()


def wait_ready(port: int, path: str, proc: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"server on port {port} exited with {proc.returncode}")
        try:
            request(port, path)
            return
        except OSError:
            time.sleep(0.1)
    raise SystemExit(f"server on port {port} did not come up")


@contextmanager
def running(
    cmd: list[str], port: int, path: str, log: Path, env: dict[str, str] | None = None
) -> Iterator[subprocess.Popen[bytes]]:
    with log.open("wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env)
    try:
        wait_ready(port, path, proc)
        yield proc
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


UNITS = {"us": 1e-3, "ms": 1.0, "s": 1000.0}


def wrk(url: str, seconds: int, connections: int, headers: dict[str, str]) -> dict[str, Any]:
    cmd = ["wrk", "-t1", f"-c{connections}", f"-d{seconds}s", "--latency", "--timeout", "10s"]
    for k, v in headers.items():
        cmd += ["-H", f"{k}: {v}"]
    load_before = os.getloadavg()[0]
    out = subprocess.run([*cmd, url], capture_output=True, text=True, timeout=seconds + 60).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]
    p99 = re.search(r"99%\s+([\d.]+)(us|ms|s)\b", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rps": rps,
        "p99_ms": float(p99.group(1)) * UNITS[p99.group(2)] if p99 else None,
        "bad_responses": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1) if socket_errors else "",
        "load_before": load_before,
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=int, default=5)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--json", type=Path, help="also write the numbers here")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is needed: apt-get install wrk")

    with tempfile.TemporaryDirectory(prefix="plancal-bench-") as folder:
        bench(args, Path(folder))


def bench(args: argparse.Namespace, tmp: Path) -> None:
    env = {
        **os.environ,
        "PLANCAL_SERVER_TOKEN_KEY": KEY,
        "PLANCAL_STATE_DIR": str(tmp),
        "PLANCAL_CONFIG": str(tmp / "none.toml"),
        "PLANCAL_SERVER_ACCESS_LOG": "1",
    }
    db = str(tmp / "state.sqlite")
    plancal = [sys.executable, "-m", "plancal.cli"]
    made = subprocess.run(
        [*plancal, "token", "create", str(SEED), "--feed", "plan", "--db", db, "--lang", "en"],
        capture_output=True,
        text=True,
        env=env,
        check=True,
    )
    token_path = re.search(r"https?://[^/\s]+(/t/\S+)", made.stdout).group(1)  # type: ignore[union-attr]

    port = {"plancal": free_port(), "radicale": free_port()}
    bare_ports = {"public": free_port(), "plan": free_port()}
    # (server, feed) → (port, path); the bare app has one process per calendar, no routing
    targets = {
        ("plancal", "public"): (port["plancal"], "/public.ics"),
        ("plancal", "plan"): (port["plancal"], token_path),
        ("bare", "public"): (bare_ports["public"], "/public.ics"),
        ("bare", "plan"): (bare_ports["plan"], "/plan.ics"),
        ("radicale", "public"): (port["radicale"], "/bench/public/"),
        ("radicale", "plan"): (port["radicale"], "/bench/plan/"),
    }
    results: dict[str, Any] = {
        "machine": {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()},
        "runs": {},
    }
    with running(
        [*plancal, "serve", str(SEED), "--port", str(port["plancal"]), "--db", db],
        port["plancal"],
        "/public.ics",
        tmp / "plancal.log",
        env,
    ):
        bodies = {feed: request(*targets[("plancal", feed)])[2] for feed in ("public", "plan")}
        print(
            f"calendars: public {len(bodies['public'])} bytes, whole plan "
            f"{len(bodies['plan'])} bytes; {args.connections} connections, {args.seconds} s "
            f"per run, median of {args.repeat}; {os.cpu_count()} CPUs, load "
            f"{os.getloadavg()[0]:.2f} at start"
        )
        folder = tmp / "radicale"
        # everyone may read and write everything: a benchmark on loopback only
        (tmp / "rights").write_text("[all]\nuser: .*\ncollection: .*\npermissions: RrWw\n")
        (tmp / "radicale.cfg").write_text(
            RADICALE_CONFIG.format(port=port["radicale"], folder=folder, rights=tmp / "rights")
        )
        bare_cmds = []
        for feed, body in bodies.items():
            (tmp / f"{feed}.ics").write_bytes(body)
            (tmp / f"bare_{feed}.py").write_text(
                BARE_APP.format(etag=f'"bare-{feed}"'.encode(), body=str(tmp / f"{feed}.ics"))
            )
            bare_cmds.append(
                [
                    sys.executable,
                    "-m",
                    "uvicorn",
                    f"bare_{feed}:app",
                    "--app-dir",
                    str(tmp),
                    "--port",
                    str(bare_ports[feed]),
                    "--http",
                    "httptools",
                    "--loop",
                    "uvloop",
                    "--no-access-log",
                    "--log-level",
                    "warning",
                    "--no-server-header",
                ]
            )
        radicale_cmd = [sys.executable, "-m", "radicale", "--config", str(tmp / "radicale.cfg")]
        with (
            running(bare_cmds[0], bare_ports["public"], "/", tmp / "bare-public.log"),
            running(bare_cmds[1], bare_ports["plan"], "/", tmp / "bare-plan.log"),
            running(radicale_cmd, port["radicale"], "/", tmp / "radicale.log"),
        ):
            request(port["radicale"], "/bench/", method="MKCOL")
            for feed, body in bodies.items():
                status, _, _ = request(
                    *targets[("radicale", feed)], {"Content-Type": "text/calendar"}, "PUT", body
                )
                assert status in (200, 201), status
            run_all(args, targets, bodies, results)
    print_table(results)
    if args.json:
        args.json.write_text(json.dumps(results, indent=2) + "\n")


def run_all(
    args: argparse.Namespace,
    targets: dict[tuple[str, str], tuple[int, str]],
    bodies: dict[str, bytes],
    results: dict[str, Any],
) -> None:
    import icalendar

    # What each server sends, checked once before any load: the same calendar, validators.
    conditional: dict[tuple[str, str], dict[str, str]] = {}
    for (server, feed), (port, path) in targets.items():
        status, headers, body = request(port, path)
        events = len(icalendar.Calendar.from_ical(body).walk("VEVENT"))
        expected = bodies[feed].count(b"BEGIN:VEVENT")
        assert status == 200 and events == expected, (server, feed, status, events)
        etag = headers.get("etag", '"none"')
        conditional[(server, feed)] = {"If-None-Match": etag}
        results["runs"].setdefault(f"{server}/{feed}", {})["conditional_status"] = request(
            port, path, {"If-None-Match": etag}
        )[0]
    # Interleaved: each (feed, mode) is measured on the three servers back to back, so they
    # share the machine's conditions (other work on it comes and goes); a pause after each
    # run lets a server finish what the load generator left in flight.
    for round_ in range(args.repeat):
        for feed in ("public", "plan"):
            for mode in ("full", "conditional"):
                for server in ("plancal", "bare", "radicale"):
                    port, path = targets[(server, feed)]
                    headers = conditional[(server, feed)] if mode == "conditional" else {}
                    got = wrk(
                        f"http://127.0.0.1:{port}{path}", args.seconds, args.connections, headers
                    )
                    results["runs"][f"{server}/{feed}"].setdefault(mode, []).append(got)
                    print(
                        f"  round {round_ + 1} {server:<9} {feed:<7} {mode:<12} "
                        f"{got['rps']:>10.0f} req/s  p99 {got['p99_ms']} ms  "
                        f"(load {got['load_before']:.2f})",
                        flush=True,
                    )
                    time.sleep(1)


def print_table(results: dict[str, Any]) -> None:
    def med(server: str, feed: str, mode: str, key: str) -> float:
        values = [r[key] for r in results["runs"][f"{server}/{feed}"][mode] if r[key] is not None]
        return statistics.median(values) if values else float("nan")

    print()
    print(
        f"{'feed':<7} {'mode':<12} {'plancal':>16} {'bare ASGI':>16} {'Radicale':>16} "
        f"{'×Radicale':>10} {'×bare':>7}  answers (304?)"
    )
    summary: dict[str, Any] = {}
    for feed in ("public", "plan"):
        for mode in ("full", "conditional"):
            row = {s: med(s, feed, mode, "rps") for s in ("plancal", "bare", "radicale")}
            p99 = {s: med(s, feed, mode, "p99_ms") for s in ("plancal", "bare", "radicale")}
            answers = "/".join(
                str(results["runs"][f"{s}/{feed}"]["conditional_status"])
                for s in ("plancal", "bare", "radicale")
            )
            vs_radicale = row["plancal"] / row["radicale"]
            vs_bare = row["plancal"] / row["bare"]
            cells = " ".join(
                f"{row[s]:>8.0f} {p99[s]:>6.2f}ms" for s in ("plancal", "bare", "radicale")
            )
            print(
                f"{feed:<7} {mode:<12} {cells} {vs_radicale:>9.0f}× {vs_bare:>6.2f}×  "
                f"{answers if mode == 'conditional' else ''}"
            )
            summary[f"{feed}/{mode}"] = {
                "rps": row,
                "p99_ms": p99,
                "x_radicale": vs_radicale,
                "x_bare": vs_bare,
            }
    results["summary"] = summary
    full = summary["plan/full"]
    public = summary["public/full"]
    print(
        f"\ntargets: full GET ≥ 100× Radicale (public {public['x_radicale']:.0f}×, plan "
        f"{full['x_radicale']:.0f}×), ≥ 0.5× bare ASGI (public {public['x_bare']:.2f}×, plan "
        f"{full['x_bare']:.2f}×); load at end {os.getloadavg()[0]:.2f}"
    )


if __name__ == "__main__":
    main()
