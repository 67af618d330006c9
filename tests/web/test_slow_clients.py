"""A thousand slow clients against ``plancal serve``: real requests still get 200.

The attack the campaign ran: connections that each send one header line now and then and
never finish their request. Here 1,000 of them, from 40 loopback source addresses (100 from
127.0.0.1 itself, the address the normal requests come from, so the per-address cap is
tested too), against a server capped at 800 connections in total, for a fixed number of
rounds. Every normal request made meanwhile must get 200 — zero failures — and the server
must have closed slow connections (its head deadline and its caps), not kept them.
Loops are bounded by round counts; nothing here asserts a speed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import SEED
from tests.helpers.web import Server, fetch, start, stop

SLOW = 1000
ROUNDS = 12  # one header line per slow connection per round
ROUND_PAUSE = 1.0  # seconds between rounds: the attack lasts about ROUNDS * ROUND_PAUSE
HEAD_DEADLINE = 4  # the server's header_timeout here: a slow client outlives it


def sources() -> Iterator[str]:
    """100 connections from 127.0.0.1, the rest 25 each from 127.0.0.2 onwards."""
    for _ in range(100):
        yield "127.0.0.1"
    for i in range(SLOW - 100):
        yield f"127.0.0.{2 + i // 25}"


@pytest.fixture
def capped(tmp_path: Path) -> Iterator[Server]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    running = start(
        tmp_path,
        plan,
        PLANCAL_SERVER_MAX_CONNECTIONS="800",
        PLANCAL_SERVER_MAX_PER_CLIENT="64",
        PLANCAL_SERVER_HEADER_TIMEOUT=str(HEAD_DEADLINE),
        PLANCAL_SERVER_ACCESS_LOG="false",
    )
    yield running
    stop(running)


class SlowClient:
    def __init__(self, port: int, source: str):
        self.port, self.source = port, source
        self.sock: socket.socket | None = None
        self.closed_by_server = 0

    def open(self) -> None:
        try:
            self.sock = socket.create_connection(
                ("127.0.0.1", self.port), timeout=5, source_address=(self.source, 0)
            )
            self.sock.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\n")
        except OSError:
            self.sock = None

    def one_more_line(self, n: int) -> None:
        if self.sock is None:
            self.open()
            return
        try:
            self.sock.setblocking(False)
            try:
                if self.sock.recv(4096) == b"":
                    raise ConnectionResetError  # the server closed it
            except BlockingIOError:
                pass  # nothing to read: still open
            self.sock.setblocking(True)
            self.sock.sendall(b"X-Slow-%d: x\r\n" % n)
        except OSError:
            self.closed_by_server += 1
            self.close()
            self.open()  # and the attack goes on

    def close(self) -> None:
        if self.sock is not None:
            self.sock.close()
            self.sock = None


def test_normal_requests_get_200_while_a_thousand_slow_clients_hold_on(capped: Server) -> None:
    baseline = fetch(capped.port, "/public.ics")
    assert baseline.status == 200
    clients = [SlowClient(capped.port, source) for source in sources()]
    for client in clients:
        client.open()
    assert sum(c.sock is not None for c in clients) > 900  # the attack is really on

    statuses: list[int | str] = []
    attack_over = threading.Event()

    def normal_requests() -> None:
        while not attack_over.is_set():
            try:
                response = fetch(capped.port, "/public.ics")
                statuses.append(response.status)
                assert response.body == baseline.body
            except (OSError, AssertionError) as e:
                statuses.append(type(e).__name__)
            time.sleep(0.05)

    worker = threading.Thread(target=normal_requests)
    worker.start()
    try:
        for n in range(ROUNDS):
            for client in clients:
                client.one_more_line(n)
            time.sleep(ROUND_PAUSE)
    finally:
        attack_over.set()
        worker.join(timeout=60)
        for client in clients:
            client.close()

    failures = [s for s in statuses if s != 200]
    assert statuses, "no normal request was made"
    assert failures == [], f"{len(failures)} of {len(statuses)} normal requests failed"
    # The slow connections did not keep their places: the caps and the deadline closed them.
    assert sum(c.closed_by_server for c in clients) >= SLOW // 2
    assert fetch(capped.port, "/").status == 200
    assert "Traceback" not in capped.log()
