"""Run the feed server: uvicorn in front, a reloader behind.

The reloader wakes every few seconds (in a worker thread, off the event loop): it recompiles
when the plan file changed or the local day turned (the page lists what comes next), and
reloads the active token hashes from the store, so a revoked token stops working within one
interval without a database query per request. A plan that no longer compiles is reported in
the log and the last good version stays online.

Limits uvicorn's httptools parser does not have on its own: the request line and the headers
are bounded (414 / 431, then the connection is closed), so a client cannot make the server
buffer megabytes of headers; and the ``Guard`` (``web/guard.py``) gives every request head a
deadline and caps connections per client address and in total, the oldest waiting connection
giving way, so slow clients cannot hold every place (uvicorn's own ``limit_concurrency``
answered 503 to everyone instead, and has no deadline for a head in progress).
"""

from __future__ import annotations

import asyncio
import logging
import os
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, tzinfo
from pathlib import Path
from typing import Any

from plancal.app.check import check
from plancal.errors import PlanError
from plancal.i18n import Lang
from plancal.state import tokens
from plancal.state.store import Store
from plancal.web import site
from plancal.web.guard import Guard, Limits
from plancal.web.server import AccessLog, FeedServer, Site

log = logging.getLogger("plancal.serve")

MAX_URL = 2048  # bytes of the request target
MAX_HEADERS = 16 * 1024  # bytes of all header lines together
MAX_HEADER_COUNT = 64
_BUSY = (
    b"HTTP/1.1 503 Service Unavailable\r\ncontent-type: text/plain; charset=utf-8\r\n"
    b"content-length: 28\r\nconnection: close\r\n\r\nBusy. Upptaget. Try later.\r\n"
)


@dataclass(frozen=True)
class Options:
    host: str = "127.0.0.1"
    port: int = 8080
    base_url: str | None = None  # None: the plan's url, else http://host:port/
    interval: float = 2.0  # seconds between checks of the plan file and the tokens
    max_age: int = 300  # Cache-Control max-age, seconds
    access_log: bool = True
    limits: Limits = field(default_factory=Limits)  # connection caps, the head deadline


def base_url_for(options: Options, plan_url: str | None, port: int) -> str:
    url = options.base_url or plan_url
    if not url:
        host = f"[{options.host}]" if ":" in options.host else options.host
        url = f"http://{host}:{port}/"
    return url if url.endswith("/") else url + "/"


def _fingerprint(path: Path) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return (st.st_mtime_ns, st.st_size, st.st_ino)


class Reloader:
    """Keeps ``app.site`` and ``app.grants`` current; every step runs in a worker thread."""

    def __init__(
        self,
        app: FeedServer,
        plan_path: Path,
        store: Store,
        options: Options,
        port: int,
        clock: Callable[[], datetime],
        lang: Lang = "en",
    ):
        self.app = app
        self.plan_path = plan_path
        self.store = store
        self.options = options
        self.port = port
        self.base_url = ""
        self.clock = clock
        self.lang = lang
        self.plan_id: str | None = None
        self.seen: tuple[int, int, int] | None = None
        self.day: date | None = None
        self._tz: tzinfo = UTC
        self.builds = 0

    def load(self) -> None:
        """Compile the plan now; PlanError if it does not compile (used at start)."""
        fingerprint = _fingerprint(self.plan_path)
        checked = check(self.plan_path)
        if checked.schedule is None:
            raise PlanError(checked.problems)
        now = self.clock()
        self.base_url = base_url_for(self.options, checked.schedule.plan.url, self.port)
        built = site.build(checked.schedule, self.store, now, self.base_url)
        self.app.site = site.site(built, self.options.max_age)
        self.plan_id = built.plan_id
        self.seen = fingerprint
        self.day = now.astimezone(checked.schedule.plan.tz).date()
        self._tz = checked.schedule.plan.tz
        self.builds += 1

    def refresh_tokens(self) -> None:
        assert self.plan_id is not None
        self.app.grants = tokens.active(self.store, self.plan_id)

    def step(self) -> None:
        """One check: the plan file, the day, the tokens. Never raises."""
        try:
            changed = _fingerprint(self.plan_path) != self.seen
            today = self.clock().astimezone(self._tz).date()
            if changed or today != self.day:
                try:
                    self.load()
                    log.info("plan %s compiled (version %d)", self.plan_path, self.builds)
                except PlanError as e:
                    # report once per change of the file (or of the day), not every interval
                    self.seen, self.day = _fingerprint(self.plan_path), today
                    log.warning(
                        "plan %s has problems; still serving the last good version:\n%s",
                        self.plan_path,
                        e.render(self.lang),
                    )
            self.refresh_tokens()
        except Exception as e:  # the store is down, the disk is full: keep serving
            log.warning("reload failed, still serving the last version: %s", _safe_error(e))

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await asyncio.to_thread(self.step)


def _safe_error(e: Exception) -> str:
    # The first line only: database drivers name the host there, never a password; the
    # statement and its parameters follow on later lines.
    first = str(e).splitlines()[0] if str(e) else ""
    return f"{type(e).__name__}: {first[:200]}"


def bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(2048)
    sock.set_inheritable(True)
    return sock


def bounded_protocol(guard: Guard | None = None) -> type[Any]:
    """uvicorn's httptools protocol with limits on the request line and headers, and the
    ``guard``'s caps on connections and its deadline for each request head (``web/guard.py``).
    """
    from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

    shared: Guard = guard or Guard()

    class Bounded(HttpToolsProtocol):
        refused: int | None = None

        def __init__(self, *args: Any, **kwargs: Any):
            super().__init__(*args, **kwargs)
            self.access_log = False  # paths hold tokens: only plancal's own log, redacted
            self.head_bytes = 0
            self.head_count = 0
            self.client_host = ""

        # --- the guard: caps and the deadline for a request head ---------------------------

        def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
            super().connection_made(transport)
            self.client_host = self.client[0] if self.client else ""
            if not shared.admit(self, self.loop.time()):
                transport.write(_BUSY)
                transport.close()
                return
            _sweep_every_second(self.loop)

        def connection_lost(self, exc: Exception | None) -> None:
            shared.closed(self)
            super().connection_lost(exc)

        def evict(self) -> None:
            if not self.transport.is_closing():
                self.transport.close()

        def on_headers_complete(self) -> None:
            shared.busy(self)
            super().on_headers_complete()

        def on_response_complete(self) -> None:
            super().on_response_complete()
            if not self.transport.is_closing() and not self.pipeline:
                shared.idle(self, self.loop.time())

        def on_message_begin(self) -> None:
            super().on_message_begin()
            self.head_bytes = 0
            self.head_count = 0

        def on_url(self, url: bytes) -> None:
            self.head_bytes += len(url)
            if self.head_bytes > MAX_URL:
                self.refused = 414
                raise ValueError("request target too long")
            super().on_url(url)

        def on_header(self, name: bytes, value: bytes) -> None:
            self.head_bytes += len(name) + len(value) + 4
            self.head_count += 1
            if self.head_bytes > MAX_HEADERS + MAX_URL or self.head_count > MAX_HEADER_COUNT:
                self.refused = 431
                raise ValueError("request headers too large")
            super().on_header(name, value)

        def send_400_response(self, msg: str) -> None:
            status, self.refused = self.refused, None
            if status is None:
                super().send_400_response(msg)
                return
            reason = b"URI Too Long" if status == 414 else b"Request Header Fields Too Large"
            body = reason + b"\n"
            self.transport.write(
                b"HTTP/1.1 %d %s\r\ncontent-type: text/plain; charset=utf-8"
                b"\r\ncontent-length: %d\r\nconnection: close\r\n\r\n%s"
                % (status, reason, len(body), body)
            )
            self.transport.close()

    sweeping: set[asyncio.AbstractEventLoop] = set()

    def _sweep_every_second(loop: asyncio.AbstractEventLoop) -> None:
        if loop in sweeping:
            return
        sweeping.add(loop)

        def sweep() -> None:
            shared.expired(loop.time())
            loop.call_later(1.0, sweep)

        loop.call_later(1.0, sweep)

    return Bounded


def serve(
    plan_path: Path,
    store: Store,
    options: Options,
    clock: Callable[[], datetime],
    ready: Callable[[str, int], None],
    lang: Lang = "en",
) -> None:
    """Compile, bind, announce (``ready(base_url, port)``) and serve until interrupted.

    PlanError if the plan does not compile at start; OSError if the address is taken.
    """
    import uvicorn

    app = FeedServer(Site({}, {}), log=AccessLog() if options.access_log else None)
    sock = bind(options.host, options.port)
    port = sock.getsockname()[1]
    reloader = Reloader(app, plan_path, store, options, port, clock, lang)
    try:
        reloader.load()
        reloader.refresh_tokens()
    except BaseException:
        sock.close()
        raise
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        server_header=False,
        log_config=None,
        http=bounded_protocol(Guard(options.limits)),
        loop=_loop(),
        limit_concurrency=None,  # the guard caps connections and makes room itself
        timeout_graceful_shutdown=5,
    )
    server = uvicorn.Server(config)
    ready(reloader.base_url, port)

    async def flush_log() -> None:
        while app.log is not None:
            await asyncio.sleep(0.25)
            app.log.flush()

    async def main() -> None:
        tasks = [
            asyncio.create_task(reloader.run(options.interval)),
            asyncio.create_task(flush_log()),
        ]
        try:
            await server.serve(sockets=[sock])
        finally:
            for task in tasks:
                task.cancel()
            if app.log is not None:
                app.log.flush()

    factory = config.get_loop_factory()
    if factory is None:
        asyncio.run(main())
    else:
        with asyncio.Runner(loop_factory=factory) as runner:
            runner.run(main())


def _loop() -> str:
    try:
        import uvloop  # noqa: F401
    except ImportError:
        return "asyncio"
    return "uvloop"
