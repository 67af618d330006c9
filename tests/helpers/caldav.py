"""Real CalDAV servers on loopback for the CalDAV target: Xandikos and Radicale (both WSGI apps,
served in a thread on 127.0.0.1, port 0), with a log of every request and faults on demand.
"""

from __future__ import annotations

import io
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

import pytest

from tests.helpers.imip import with_target

ORGANIZER = "planering@soderhamn.example"
USER, PASSWORD = "plancal", "hemligt-caldav-lösen"
AUTH = "Basic cGxhbmNhbDp4"  # plancal:x, for requests made by "someone else" (Radicale: the owner)


class _Quiet(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Threaded(ThreadingMixIn, WSGIServer):
    daemon_threads = True


@dataclass
class Logged:
    method: str
    path: str
    status: int
    headers: dict[str, str]


@dataclass
class CalDavServer:
    name: str
    base: str
    collection: str  # the calendar's URL
    app: Any
    log: list[Logged] = field(default_factory=list)
    # Called before a request reaches the server: return a (status, headers) to answer
    # instead, or None to let it through. Tests use it for 503s and concurrent edits.
    before: Callable[[Logged], tuple[int, dict[str, str]] | None] | None = None
    after: Callable[[Logged], None] | None = None
    lock: threading.Lock = field(default_factory=threading.Lock)

    def writes(self) -> list[Logged]:
        return [e for e in self.log if e.method in ("PUT", "DELETE")]

    def wsgi(self, environ: dict[str, Any], start_response: Any) -> Any:
        # wsgiref hands the socket itself as wsgi.input; an app that reads to EOF would wait
        # for the client to close. The body, by its Content-Length, as a file of its own:
        length = int(environ.get("CONTENT_LENGTH") or 0)
        environ["wsgi.input"] = io.BytesIO(environ["wsgi.input"].read(length) if length else b"")
        entry = Logged(
            environ["REQUEST_METHOD"],
            environ.get("PATH_INFO", ""),
            0,
            {
                k[5:].replace("_", "-").title(): v
                for k, v in environ.items()
                if k.startswith("HTTP_")
            },
        )
        if self.before is not None:
            answer = self.before(entry)
            if answer is not None:
                status, headers = answer
                entry.status = status
                with self.lock:
                    self.log.append(entry)
                start_response(f"{status} Injected", list(headers.items()))
                return [b""]

        def recording(status: str, headers: list[tuple[str, str]], *exc: Any) -> Any:
            entry.status = int(status.split()[0])
            return start_response(status, headers, *exc)

        body = list(self.app(environ, recording))
        with self.lock:
            self.log.append(entry)
        if self.after is not None:
            self.after(entry)
        return body

    def request(self, method: str, url: str, body: bytes = b"", **headers: str) -> Any:
        """A request from someone else (a person editing in their calendar app)."""
        import httpx

        return httpx.request(method, url, content=body, headers=headers, timeout=10)


def serve(server: CalDavServer) -> Iterator[CalDavServer]:
    httpd = make_server("127.0.0.1", 0, server.wsgi, server_class=_Threaded, handler_class=_Quiet)
    port = httpd.server_address[1]
    server.base = f"http://127.0.0.1:{port}"
    server.collection = server.base + server.collection
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        httpd.shutdown()
        httpd.server_close()


def xandikos_server(root: Path) -> Iterator[CalDavServer]:
    """Xandikos with one principal (/user/) and its default calendar, served on loopback."""
    from xandikos.web import SingleUserFilesystemBackend, XandikosApp

    root.mkdir()
    backend = SingleUserFilesystemBackend(str(root))
    backend._mark_as_principal("/user/")  # type: ignore[no-untyped-call]
    backend.create_principal("/user/", create_defaults=True)  # type: ignore[no-untyped-call]
    app = XandikosApp(backend, current_user_principal="/user/")
    yield from serve(CalDavServer("xandikos", "", "/user/calendars/calendar/", app))


def radicale_server(root: Path) -> Iterator[CalDavServer]:
    """Radicale (no authentication; the login names the owner) with one calendar, on loopback."""
    import radicale.config
    from radicale.app import Application

    configuration = radicale.config.load()
    configuration.update(
        {
            "storage": {"filesystem_folder": str(root)},
            "auth": {"type": "none"},
            "rights": {"type": "authenticated"},
            "logging": {"level": "warning"},
        },
        "tests",
        privileged=True,
    )
    app = Application(configuration)
    server = CalDavServer("radicale", "", "/plancal/calendar/", app)
    for s in serve(server):
        made = s.request("MKCALENDAR", s.collection, Authorization=AUTH)
        assert made.status_code == 201, made.text
        s.log.clear()
        yield s


@pytest.fixture
def xandikos(tmp_path: Path) -> Iterator[CalDavServer]:
    yield from xandikos_server(tmp_path / "xandikos")


@pytest.fixture
def radicale(tmp_path: Path) -> Iterator[CalDavServer]:
    yield from radicale_server(tmp_path / "radicale")


@pytest.fixture(params=["xandikos", "radicale"])
def caldav_server(request: pytest.FixtureRequest) -> CalDavServer:
    server: CalDavServer = request.getfixturevalue(request.param)
    return server


def run_push(
    schedule: Any,
    server: CalDavServer,
    store: Any = None,
    dry_run: bool = False,
    **options: Any,
) -> Any:
    """One ``plancal push caldav`` against the server, as the CLI runs it."""
    from plancal.app.push import caldav_target
    from plancal.calendars.push import push
    from plancal.calendars.targets.caldav.target import Connection, Unsettled

    connection = Connection(server.collection, USER, PASSWORD, timeout=10)
    target = caldav_target(schedule, connection, ORGANIZER, store, dry_run=dry_run, **options)
    try:
        result = push(schedule, target, dry_run=dry_run, unsettled=Unsettled)
    finally:
        target.close()
    return with_target(result, target)


def stored(server: CalDavServer) -> list[Any]:
    """Every calendar object in the collection, parsed (icalendar), as the server returns it."""
    import httpx
    from icalendar import Calendar

    from plancal.calendars.targets.caldav.target import QUERY, _multistatus

    response = httpx.request(
        "REPORT",
        server.collection,
        content=QUERY.encode(),
        headers={
            "Depth": "1",
            "Content-Type": "application/xml",
            "Authorization": "Basic cGxhbmNhbDp4",
        },
    )
    assert response.status_code == 207, response.text
    return [Calendar.from_ical(data) for _, _, data in _multistatus(response.content)]


def calendar_data(content: bytes) -> list[str]:
    """Every calendar-data in a multistatus body (e.g. an expand REPORT, which has no ETag)."""
    from xml.etree import ElementTree

    root = ElementTree.fromstring(content)
    return [e.text or "" for e in root.iter("{urn:ietf:params:xml:ns:caldav}calendar-data")]
