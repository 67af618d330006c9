"""The feed server as users run it: ``plancal serve`` in its own process, real HTTP on loopback."""

from __future__ import annotations

import http.client
import os
import re
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import pytest

from tests.helpers import SEED, plan_text

KEY = "test-token-key-0123456789-abcdefghijklmnop"  # only ever used on loopback in tests


@dataclass
class Response:
    status: int
    headers: dict[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


def fetch(
    port: int,
    path: str,
    headers: Mapping[str, str] | None = None,
    method: str = "GET",
    conn: http.client.HTTPConnection | None = None,
) -> Response:
    own = conn is None
    conn = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    try:
        conn.putrequest(method, path, skip_accept_encoding=True)
        for k, v in (headers or {}).items():
            conn.putheader(k, v)
        conn.endheaders()
        r = conn.getresponse()
        body = r.read()
        return Response(r.status, {k.lower(): v for k, v in r.getheaders()}, body)
    finally:
        if own:
            conn.close()


def cli_env(tmp: Path, **extra: str) -> dict[str, str]:
    env = {
        **os.environ,
        "PLANCAL_SERVER_TOKEN_KEY": KEY,
        "PLANCAL_SERVER_RELOAD": "1",
        "PLANCAL_CONFIG": str(tmp / "no-settings.toml"),
        "PLANCAL_STATE_DIR": str(tmp),
    }
    env.update(extra)
    return env


def plancal(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "plancal.cli", *args],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


@dataclass
class Server:
    proc: subprocess.Popen[str]
    port: int
    plan: Path
    db: str
    env: dict[str, str]
    log_path: Path
    tokens: dict[str, str] = field(default_factory=dict)  # feed slug → token URL path

    def get(
        self, path: str, headers: Mapping[str, str] | None = None, method: str = "GET"
    ) -> Response:
        return fetch(self.port, path, headers, method)

    def log(self) -> str:
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def cli(self, *args: str) -> subprocess.CompletedProcess[str]:
        return plancal(*args, "--db", self.db, env=self.env)

    def create_token(self, *feeds: str, label: str = "test") -> tuple[str, str, list[str]]:
        """(token id, token, URL paths) from ``plancal token create``."""
        args = [a for f in feeds for a in ("--feed", f)]
        run = self.cli("token", "create", str(self.plan), *args, "--label", label, "--lang", "en")
        assert run.returncode == 0, run.stderr
        token_id = re.search(r"Token (\w+) created", run.stdout)
        paths = re.findall(r"https?://[^/\s]+(/t/\S+)", run.stdout)
        assert token_id and len(paths) == len(feeds), run.stdout
        # the server reads new tokens from the store within one reload interval
        self.wait_for(lambda: self.get(paths[0]).status == 200, "accepted the new token")
        return token_id.group(1), paths[0].split("/")[2], paths

    def wait_for(self, predicate: Callable[[], bool], what: str, timeout: float = 30) -> None:
        """Wait for the server to reach a state (a liveness bound, not a speed assertion)."""
        deadline = time.monotonic() + timeout
        while not predicate():
            assert self.proc.poll() is None, self.log()
            if time.monotonic() > deadline:
                raise AssertionError(f"the server never {what}:\n{self.log()[-3000:]}")
            time.sleep(0.1)


def start(tmp: Path, plan: Path, *args: str, **env: str) -> Server:
    db = str(tmp / "state.sqlite")
    full_env = cli_env(tmp, **env)
    log_path = tmp / "server.log"
    log = log_path.open("w", encoding="utf-8")
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
            db,
            "--lang",
            "en",
            *args,
        ],
        env=full_env,
        stdout=subprocess.PIPE,
        stderr=log,
        text=True,
    )
    log.close()
    assert proc.stdout is not None
    line = proc.stdout.readline()
    found = re.search(r"Serving http://127\.0\.0\.1:(\d+)/", line)
    if not found:
        proc.kill()
        proc.wait()
        raise AssertionError(f"the server did not start: {line}\n{log_path.read_text()}")
    return Server(proc, int(found.group(1)), plan, db, full_env, log_path)


def stop(server: Server) -> None:
    server.proc.terminate()
    try:
        server.proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait()
    if server.proc.stdout:
        server.proc.stdout.close()


@pytest.fixture
def seed_copy(tmp_path: Path) -> Path:
    plan = tmp_path / "plan.yaml"
    plan.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    return plan


@pytest.fixture
def server(tmp_path: Path, seed_copy: Path) -> Iterator[Server]:
    """The seed plan (a copy the test may edit), served with a fresh store."""
    running = start(tmp_path, seed_copy)
    yield running
    stop(running)


def current_plan(public_title: str = "Medborgardialog") -> str:
    """A plan whose period runs from this year to the next, so it has meetings to come:
    a public monthly dialogue and an internal weekly meeting about young people."""
    year = date.today().year
    text = plan_text(
        **{
            "period: {start: 2023-01-01, end: 2023-12-31}": f"period: {{start: {year}-01-01, end: {year + 1}-12-31}}",
            "title: Veckomöte": "title: Avstämning om unga i riskzon",
        }
    )
    return (
        text
        + f"""  - id: dialog
    title: {public_title}
    area: Samverkan
    when: varje månad
    weekday: onsdag
    week: 2
    time: "18.00"
    duration: 2 h
    place: Stadshuset, Söderhamn
    organizer: trygghetssamordnare
    attendees: [trygghetssamordnare, kommunpolis]
    audience: public
"""
    )
