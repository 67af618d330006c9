"""The app and its reloader in-process, under a real uvicorn on loopback, with a given clock."""

from __future__ import annotations

import logging
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from plancal.state import tokens
from plancal.state.store import Store
from plancal.web.resources import Resource, accepts_gzip
from plancal.web.serve import Options, Reloader, bounded_protocol
from plancal.web.server import AccessLog, FeedServer, Site
from tests.helpers.web import KEY, current_plan, fetch


@contextmanager
def serving(app: FeedServer) -> Iterator[int]:
    import uvicorn

    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    sock.listen(100)
    config = uvicorn.Config(
        app,
        lifespan="off",
        access_log=False,
        log_config=None,
        http=bounded_protocol(),
        loop="asyncio",
    )
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            assert thread.is_alive()
            threading.Event().wait(0.02)
        yield sock.getsockname()[1]
    finally:
        server.should_exit = True
        thread.join(timeout=15)
        sock.close()


def second_wednesday(year: int, month: int) -> int:
    first = date(year, month, 1)
    return 1 + (2 - first.weekday()) % 7 + 7


class Clock:
    def __init__(self, now: datetime):
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def setup(tmp_path: Path) -> Iterator[tuple[FeedServer, Reloader, Clock, Store, list[str]]]:
    plan = tmp_path / "plan.yaml"
    plan.write_text(current_plan(), encoding="utf-8")
    lines: list[str] = []
    app = FeedServer(Site({}, {}), log=AccessLog(lines.append, batch=1))
    clock = Clock(datetime(datetime.now(UTC).year, 1, 5, 9, 0, tzinfo=UTC))
    with Store(str(tmp_path / "s.sqlite")) as store:
        reloader = Reloader(app, plan, store, Options(base_url="https://k.example/"), 0, clock)
        reloader.load()
        reloader.refresh_tokens()
        yield app, reloader, clock, store, lines


def test_the_page_follows_the_day_and_the_feeds_do_not(
    setup: tuple[FeedServer, Reloader, Clock, Store, list[str]],
) -> None:
    app, reloader, clock, _, _ = setup
    with serving(app) as port:
        page = fetch(port, "/")
        feed = fetch(port, "/public.ics")
        year = clock.now.year
        january = f"onsdag {second_wednesday(year, 1)} januari {year}".encode()
        february = f"onsdag {second_wednesday(year, 2)} februari {year}".encode()
        assert january in page.body and february in page.body
        clock.now += timedelta(days=31)
        reloader.step()
        later = fetch(port, "/")
        assert january not in later.body and february in later.body
        assert later.header("etag") != page.header("etag")
        assert fetch(port, "/", {"If-None-Match": page.header("etag") or ""}).status == 200
        assert fetch(port, "/public.ics").header("etag") == feed.header("etag")
        assert fetch(port, "/public.ics").header("last-modified") == feed.header("last-modified")
        assert reloader.builds == 2


def test_a_revoke_takes_effect_at_the_next_step(
    setup: tuple[FeedServer, Reloader, Clock, Store, list[str]],
) -> None:
    app, reloader, clock, store, lines = setup
    plan_id = "minimal"
    token, info = tokens.create(store, KEY, plan_id, ["plan"], ["plan"], "", clock.now)
    with serving(app) as port:
        assert fetch(port, f"/t/{token}/plan.ics").status == 404  # not yet loaded
        reloader.step()
        assert fetch(port, f"/t/{token}/plan.ics").status == 200
        tokens.revoke(store, plan_id, info.id, clock.now)
        reloader.step()
        assert fetch(port, f"/t/{token}/plan.ics").status == 404
    assert lines and not any(token in line for line in lines)
    assert any(f'/t/[{info.id}]/plan.ics" 200' in line for line in lines)


def test_a_failing_store_leaves_the_last_version_online(
    setup: tuple[FeedServer, Reloader, Clock, Store, list[str]], caplog: pytest.LogCaptureFixture
) -> None:
    app, reloader, _, store, _ = setup
    from sqlalchemy import text

    with serving(app) as port:
        before = fetch(port, "/public.ics")
        with store.engine.begin() as conn:
            conn.execute(text("DROP TABLE feed_tokens"))
        with caplog.at_level(logging.WARNING, logger="plancal.serve"):
            reloader.step()
        assert "reload failed, still serving the last version" in caplog.text
        after = fetch(port, "/public.ics")
        assert (after.status, after.body) == (200, before.body)


@pytest.mark.parametrize(
    ("header", "expected"),
    [
        (b"gzip", True),
        (b"gzip, deflate, br", True),
        (b"br;q=1.0, gzip;q=0.5", True),
        (b"GZIP", True),
        (b"x-gzip", True),
        (b"*", True),
        (b"identity", False),
        (b"", False),
        (b"gzip;q=0", False),
        (b"gzip;q=0.0, *;q=1", False),
        (b"*;q=0", False),
        (b"deflate, *;q=0.1", True),
        (b"gzip;q=abc", False),
        (b"gzip ; q=0.001", True),
    ],
)
def test_accept_encoding(header: bytes, expected: bool) -> None:
    assert accepts_gzip(header) is expected


def test_validators_parse_lists_weak_tags_and_dates() -> None:
    moment = datetime(2024, 3, 1, 12, 0, 30, 500, tzinfo=UTC)
    r = Resource(b"BEGIN:VCALENDAR\r\n" * 50, "text/calendar", moment, "public, max-age=1")
    tag = r.identity.etag
    assert r.gzip is not None and r.gzip.etag != tag
    assert r.etag_matches(tag) and r.etag_matches(b'"x", ' + tag)
    assert r.etag_matches(b"W/" + tag) and r.etag_matches(b" *")
    assert r.etag_matches(r.gzip.etag) and not r.etag_matches(b'"x"')
    assert r.last_modified_header == b"Fri, 01 Mar 2024 12:00:30 GMT"
    assert r.unmodified_since(b"Fri, 01 Mar 2024 12:00:30 GMT")
    assert r.unmodified_since(b"Sat, 02 Mar 2024 00:00:00 GMT")
    assert not r.unmodified_since(b"Fri, 01 Mar 2024 12:00:29 GMT")
    assert not r.unmodified_since(b"yesterday") and not r.unmodified_since(b"x" * 100)
    small = Resource(b"tiny", "text/plain", moment, "no-store")
    assert small.gzip is None  # not worth compressing: one representation, no Vary
    assert (b"vary", b"accept-encoding") not in small.identity.ok["headers"]
