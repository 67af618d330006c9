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
import contextlib
import gc
import logging
import socket
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from plancal.app.check import check
from plancal.errors import PlanError, Problem
from plancal.i18n import Lang
from plancal.state import servedplans, tokens
from plancal.state.store import Store
from plancal.web import region as region_site
from plancal.web.guard import Guard, Limits
from plancal.web.server import AccessLog, FeedServer, Site

if TYPE_CHECKING:
    from plancal.app.region import Region
    from plancal.rules.compile import Schedule

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


class Reloader:
    """Keeps ``app.site`` and ``app.grants`` current; every step runs in a worker thread.

    ``target`` is one plan file (served at ``/``, its URLs as always) or a folder of plans (a
    region: each plan under ``/<plan-id>/``, the index at ``/``). Each step re-checks only the
    files that changed (``app.region.load``), rebuilds the plans that changed or whose local
    day turned, and re-reads the tokens; a plan that no longer compiles keeps its last good
    version online and is reported once per change of its file, the others are untouched.
    """

    def __init__(
        self,
        app: FeedServer,
        target: Path,
        store: Store,
        options: Options,
        port: int,
        clock: Callable[[], datetime],
        lang: Lang = "en",
    ):
        self.app = app
        self.target = target
        self.single = not target.is_dir()
        self.store = store
        self.options = options
        self.port = port
        self.base_url = ""  # the plan's (alone) or the region's
        self.clock = clock
        self.lang = lang
        self.region: Region | None = None
        self.served: dict[Path, region_site.Served] = {}  # each file's last good version
        self.broken: dict[Path, tuple[Problem, ...]] = {}
        self.actives: list[tokens.Active] | None = None
        self.missing = False  # the folder is gone (reported once)
        self.builds = 0

    @property
    def plans(self) -> dict[str, region_site.Served]:
        """The plans served, by id; of two files with one id the one that compiles wins."""
        out: dict[str, region_site.Served] = {}
        for path in sorted(self.served, key=lambda p: (p in self.broken, p)):
            out.setdefault(self.served[path].plan_id, self.served[path])
        return out

    def load(self) -> None:
        """Compile now; PlanError if a plan served alone does not compile (used at start)."""
        from plancal.app import region

        if self.single:
            loaded = region.load(self.target)
            if loaded.broken:
                raise PlanError(loaded.problems)
        else:
            self.base_url = base_url_for(self.options, None, self.port)
            self._one_by_one()
            loaded = region.load(self.target, self.region)  # every file as just checked
            for path in loaded.refused:  # an id another file holds: not served after all
                self.served.pop(path, None)
        self._follow(loaded, self.clock(), force=True)
        if self.single and not self.served:
            raise PlanError([p for ps in self.broken.values() for p in ps])

    def _one_by_one(self) -> None:
        """Check and build each plan of the folder in turn, so that one Schedule at a time is
        in memory at start (all of them at once would be the server's peak), not hundreds."""
        from plancal.app import region
        from plancal.errors import UserError

        try:
            paths = region.plan_paths([self.target])
        except UserError:  # an empty folder: a region waiting for its first plan
            paths = []
        now = self.clock()
        members = []
        ids: set[str | None] = set()
        for path in paths:
            (member,) = region.load(path).members
            # the first file in name order keeps an id (app.region): never build a second one
            schedule = member.schedule or self._last_good(path)
            if schedule is not None and schedule.plan.id not in ids:
                ids.add(schedule.plan.id)
                with contextlib.suppress(PlanError):  # reported by _follow, which meets it again
                    self.served[path] = self._build(
                        schedule, path, now, fresh=bool(member.schedule)
                    )
            members.append(_slim(region.Region(path, (member,))).members[0])
        self.region = region.Region(self.target, tuple(members))

    def refresh_tokens(self) -> None:
        actives = tokens.active_all(self.store)
        if actives != self.actives:
            self.actives = actives
            self._publish(self.clock())

    def _follow(self, loaded: Region, now: datetime, force: bool = False) -> bool:
        """Rebuild what changed in ``loaded``; True if any plan's site changed."""
        before = {m.path: m for m in self.region.members} if self.region else {}
        broken = loaded.broken
        changed = False
        for m in loaded.members:
            if m.path in broken:
                if before.get(m.path) is not m or force:
                    self._report(m.path, broken[m.path])
                continue
            old = self.served.get(m.path)
            fresh = before.get(m.path) is not m or old is None
            if not fresh and old is not None and now.astimezone(old.tz).date() == old.day:
                continue
            # A member kept from the last step holds no Schedule (see _slim): compile it
            # again, once a day per plan, rather than hold every plan's Schedule in memory.
            schedule = m.schedule or check(m.path).schedule
            if schedule is None:  # changed under us: the next step sees the new file
                continue
            try:
                self.served[m.path] = self._build(schedule, m.path, now)
            except PlanError as e:  # a logo that cannot be read: like a broken plan
                broken = {**broken, m.path: tuple(e.problems)}
                self._report(m.path, broken[m.path])
                continue
            changed = True
            if fresh:
                log.info("plan %s compiled (version %d)", m.path, self.builds)
        for gone in set(self.served) - {m.path for m in loaded.members}:
            del self.served[gone]
            log.info("plan %s removed: no longer served", gone)
            changed = True
        changed = changed or force or broken.keys() != self.broken.keys()
        self.region, self.broken = _slim(loaded), dict(broken)
        if changed:
            self._publish(now)
        return changed

    def _last_good(self, path: Path) -> Schedule | None:
        """A broken file's last good version, as another host built it (``served_plans``)."""
        from plancal.rules.compile import compile_plan
        from plancal.rules.plan import loads

        source = servedplans.last_good(self.store, path.name)
        if source is None:
            return None
        try:
            schedule = compile_plan(loads(source, str(path)))
        except PlanError:
            return None
        log.info("plan %s is broken; serving its last good version from the store", path)
        return schedule

    def _build(
        self, schedule: Schedule, path: Path, now: datetime, fresh: bool = True
    ) -> region_site.Served:
        """One plan's site; a region remembers a ``fresh`` file's source as its last good."""
        plan = schedule.plan
        if self.single:
            self.base_url = base_url_for(self.options, plan.url, self.port)
            base, prefix = self.base_url, ""
        else:
            base, prefix = f"{self.base_url}{plan.id}/", f"/{plan.id}"
        served = region_site.serve_plan(
            schedule, path, self.store, now, base, self.options.max_age, prefix
        )
        if fresh and not self.single:
            from plancal.rules.plan import read_source

            servedplans.remember(self.store, path.name, plan.id, read_source(path), now)
        self.builds += 1
        return served

    def _report(self, path: Path, problems: tuple[Problem, ...]) -> None:
        kept = "still serving the last good version" if path in self.served else "not served"
        log.warning(
            "plan %s has problems; %s:\n%s",
            path,
            kept,
            PlanError(list(problems)).render(self.lang),
        )

    def _publish(self, now: datetime) -> None:
        """Swap in the site (index, people's feeds) and the grants for what is served now."""
        if self.actives is None:
            self.actives = tokens.active_all(self.store)
        plans = self.plans
        people = [a.person for a in self.actives if a.person]
        routes, feeds = region_site.region_resources(
            plans,
            people,
            self.broken,
            self.store,
            now,
            self.options.max_age,
            with_index=not self.single,
            lang=self.lang,
        )
        self.app.site = region_site.combine(plans, routes, feeds, self.single)
        self.app.grants = region_site.grants(self.actives, plans)
        # What is served now lives until the next change: move it out of the cyclic
        # collector's sight, so its full sweeps (which a request's garbage triggers) do not
        # grow with the number of plans. What a later version drops is freed by refcount, and
        # any cycle frozen with it is collected here at the next change (unfreeze first).
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def step(self) -> None:
        """One check: the plan files, the day, the tokens. Never raises."""
        from plancal.app import region

        try:
            if not self.single and not self.target.is_dir():
                # a folder being replaced (or unmounted): not a region without plans
                if not self.missing:
                    log.warning("no folder %s; still serving the last version", self.target)
                self.missing = True
                return
            self.missing = False
            loaded = region.load(self.target, self.region)
            self._follow(loaded, self.clock())
            self.refresh_tokens()
        except Exception as e:  # the store is down, the disk is full: keep serving
            log.warning("reload failed, still serving the last version: %s", _safe_error(e))

    async def run(self, interval: float) -> None:
        while True:
            await asyncio.sleep(interval)
            await asyncio.to_thread(self.step)


def _slim(loaded: Region) -> Region:
    """The region as the next ``region.load`` needs it: each good file's fingerprint and its
    plan's id and line (for ids repeated across files) — not its Schedule, its activities or
    its warnings, which the built sites replace (about 140 kB a plan, 40 MB for 290).
    """
    import dataclasses

    from plancal.app.check import Checked
    from plancal.app.region import Member, Region

    def outline(m: Member) -> Member:
        plan = m.checked.plan
        assert plan is not None
        bare = dataclasses.replace(plan, activities=(), roles=(), breaks=(), followups=())
        return Member(m.path, m.fingerprint, Checked(bare, None, ()))

    members = tuple(m if m.checked.schedule is None else outline(m) for m in loaded.members)
    return Region(loaded.target, members, loaded.duplicates)


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
