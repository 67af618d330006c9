"""What an attacker can try: forged tokens, odd paths, huge or broken requests, the public feed."""

from __future__ import annotations

import base64
import contextlib
import http.client
import random
import secrets
import socket
from collections.abc import Iterator

import icalendar
import pytest

from plancal.rules.plan import load
from tests.helpers.web import Server, fetch, start, stop

NOT_FOUND = b"Not found. Hittades inte.\n"


@pytest.fixture(scope="module")
def shared(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the module: these tests never change the plan."""
    from tests.helpers import SEED

    tmp = tmp_path_factory.mktemp("security")
    plan = tmp / "plan.yaml"
    plan.write_text(SEED.read_text(encoding="utf-8"), encoding="utf-8")
    running = start(tmp, plan)
    yield running
    stop(running)


@pytest.fixture(scope="module")
def granted(shared: Server) -> tuple[str, list[str]]:
    _, token, paths = shared.create_token("role-kommunpolis", "deadlines", label="security")
    return token, paths


def same_404(body: bytes, headers: dict[str, str]) -> None:
    assert body == NOT_FOUND
    assert {k: v for k, v in headers.items() if k != "date"} == {
        "content-type": "text/plain; charset=utf-8",
        "x-content-type-options": "nosniff",
        "cache-control": "no-store",
        "content-length": str(len(NOT_FOUND)),
    }


def forged(token: str, rng: random.Random) -> Iterator[str]:
    """10,000 wrong tokens: random ones, and near misses of a real one."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    for _ in range(7000):
        yield base64.urlsafe_b64encode(secrets.token_bytes(32)).rstrip(b"=").decode()
    for i in range(2900):  # one character changed, at every position
        pos = i % len(token)
        wrong = rng.choice([c for c in alphabet if c != token[pos]])
        yield token[:pos] + wrong + token[pos + 1 :]
    for n in range(1, 43):
        yield token[:n]  # truncated
    for extra in alphabet[:57]:
        yield token + extra  # one too long
    yield token.upper() if token.upper() != token else token.lower()


def test_ten_thousand_forged_tokens_get_the_plain_404(
    shared: Server, granted: tuple[str, list[str]]
) -> None:
    token, _ = granted
    rng = random.Random(6)
    conn = http.client.HTTPConnection("127.0.0.1", shared.port, timeout=10)
    count = 0
    for fake in forged(token, rng):
        assert fake != token
        feed = ("role-kommunpolis", "deadlines", "plan")[count % 3]
        r = fetch(shared.port, f"/t/{fake}/{feed}.ics", conn=conn)
        assert r.status == 404, fake
        same_404(r.body, r.headers)
        count += 1
    conn.close()
    assert count == 10_000
    log = shared.log()
    assert token not in log and "BEGIN:VCALENDAR" not in log
    # the real token still works: nothing was locked or slowed into failure
    assert fetch(shared.port, f"/t/{token}/deadlines.ics").status == 200


def test_a_token_opens_only_its_own_feeds(shared: Server, granted: tuple[str, list[str]]) -> None:
    token, paths = granted
    assert all(fetch(shared.port, p).status == 200 for p in paths)
    for other in ("plan", "role-rektor", "public", "index"):
        r = fetch(shared.port, f"/t/{token}/{other}.ics")
        assert r.status == 404
        same_404(r.body, r.headers)


def odd_paths(token: str) -> list[str]:
    return [
        "/plan.ics",
        "/deadlines.ics",
        "/role-kommunpolis.ics",
        "/PUBLIC.ICS",
        "/public.ICS",
        "/public.ics/",
        "//public.ics",
        "/./public.ics",
        "/x/../plan.ics",
        "/../plan.ics",
        "/../../etc/passwd",
        "/%2e%2e/%2e%2e/etc/passwd",
        "/..%2f..%2fetc%2fpasswd",
        "/%2e%2e%2f%2e%2e%2fetc%2fpasswd",
        "/public.ics%00",
        "/public.ics%00.html",
        "/%70ublic.ics",
        "/public%2eics",
        "/t/",
        "/t",
        "/t//plan.ics",
        "/t/../plan.ics",
        "/t/%2e%2e/plan.ics",
        f"/t/{token}",
        f"/t/{token}/",
        f"/t/{token}//deadlines.ics",
        f"/t/{token}/deadlines.ics/",
        f"/t/{token}/../plan.ics",
        f"/t/{token}/./deadlines.ics",
        f"/t/{token}%2fdeadlines.ics",
        f"/t/{token}/deadlines%2eics",
        f"/t/{token}/%64eadlines.ics",
        f"/t/{token}/deadlines.ics%00",
        f"/t/{token}/deadlines.ics/../plan.ics",
        f"/t/{token}/x/deadlines.ics",
        f"/T/{token}/deadlines.ics",
        f"/t/{token.upper()}/deadlines.ics",
        f"/t/{token}/DEADLINES.ICS",
        f"/t/%20{token}/deadlines.ics",
        "/t/" + "A" * 43 + "/plan.ics",
        "/t/" + "A" * 1500 + "/plan.ics",
        "/" + "a" * 1900,
        "/en/../plan.ics",
        "/index.html/../plan.ics",
        "/feeds.json",
        "/.git/config",
        "/state.sqlite",
        "/%c0%ae%c0%ae/plan.ics",
        "/public.ics;.html",
        "/%5c..%5cplan.ics",
    ]


def test_traversal_encoded_and_overlong_paths_get_the_plain_404(
    shared: Server, granted: tuple[str, list[str]]
) -> None:
    token, _ = granted
    for path in odd_paths(token):
        for method in ("GET", "HEAD", "POST", "OPTIONS"):
            r = raw(shared.port, f"{method} {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode("latin-1"))
            status, headers, body = parse(r)
            assert status == 404, (method, path, r[:200])
            if method != "HEAD":
                same_404(body, headers)
    # also in absolute form, with a query string and a fragment-like suffix
    for target in (
        "http://127.0.0.1/plan.ics",
        "/plan.ics?token=" + token,
        f"/t/{token}/plan.ics?x=1",
        "*",
    ):
        status, _, body = parse(
            raw(shared.port, f"GET {target} HTTP/1.1\r\nHost: x\r\n\r\n".encode())
        )
        assert (status, body) == (404, NOT_FOUND), target


def test_methods_other_than_get_and_head_are_refused(
    shared: Server, granted: tuple[str, list[str]]
) -> None:
    _, paths = granted
    for path in ("/public.ics", "/", paths[0]):
        for method in ("POST", "PUT", "DELETE", "PATCH", "OPTIONS", "PROPFIND"):
            r = fetch(shared.port, path, method=method)
            assert (r.status, r.header("allow")) == (405, "GET, HEAD"), (method, path)
            assert b"BEGIN:VCALENDAR" not in r.body


def raw(port: int, data: bytes, read_all: bool = True) -> bytes:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
        # the server may close before it read everything: that is the point
        with contextlib.suppress(BrokenPipeError, ConnectionResetError):
            s.sendall(data)
        chunks = []
        while True:
            try:
                chunk = s.recv(65536)
            except (ConnectionResetError, TimeoutError):
                break
            if not chunk:
                break
            chunks.append(chunk)
            if not read_all:
                break
            if b"\r\n\r\n" in b"".join(chunks):
                head, _, rest = b"".join(chunks).partition(b"\r\n\r\n")
                length = next(
                    (
                        int(line.split(b":")[1])
                        for line in head.split(b"\r\n")
                        if line.lower().startswith(b"content-length:")
                    ),
                    0,
                )
                if len(rest) >= length or b" 304 " in head[:15] or data.startswith(b"HEAD"):
                    break
        return b"".join(chunks)


def parse(response: bytes) -> tuple[int, dict[str, str], bytes]:
    head, _, body = response.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1]) if lines[0].startswith("HTTP/") else 0
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


@pytest.mark.parametrize(
    ("name", "request_bytes", "expected"),
    [
        (
            "huge header",
            b"GET /public.ics HTTP/1.1\r\nHost: x\r\nX-Big: " + b"a" * 5_000_000 + b"\r\n\r\n",
            431,
        ),
        (
            "many headers",
            b"GET /public.ics HTTP/1.1\r\n"
            + b"".join(b"X-H%d: v\r\n" % i for i in range(500))
            + b"\r\n",
            431,
        ),
        ("long target", b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("garbage", b"\x16\x03\x01\x02\x00\x01\x00\x01\xfc\x03\x03" + bytes(range(256)), 400),
        ("bad version", b"GET /public.ics HTTP/9.9\r\nHost: x\r\n\r\n", 400),
        ("bad method", b"G\x00T /public.ics HTTP/1.1\r\n\r\n", 400),
        (
            "smuggling",
            b"POST /public.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\n"
            b"Transfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            400,
        ),
        (
            "bad chunk",
            b"POST /public.ics HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
            400,
        ),
        ("raw UTF-8 in the target", "GET /\u00e5.ics HTTP/1.1\r\nHost: x\r\n\r\n".encode(), 400),
        (
            "huge body",
            b"POST /public.ics HTTP/1.1\r\nHost: x\r\nContent-Length: 10000000000\r\n\r\n"
            + b"a" * 1_000_000,
            405,
        ),
        ("header without colon", b"GET /public.ics HTTP/1.1\r\nHost x\r\n\r\n", 400),
    ],
)
def test_oversized_and_malformed_requests_are_refused_and_the_server_carries_on(
    shared: Server, name: str, request_bytes: bytes, expected: int
) -> None:
    good = fetch(shared.port, "/public.ics")
    status, _, body = parse(raw(shared.port, request_bytes))
    assert status == expected, name
    assert b"BEGIN:VCALENDAR" not in body
    after = fetch(shared.port, "/public.ics")
    assert (after.status, after.body) == (200, good.body)
    assert "Traceback" not in shared.log()


def test_a_slow_client_does_not_block_others(shared: Server) -> None:
    """A connection that sends half a request holds only itself."""
    with socket.create_connection(("127.0.0.1", shared.port), timeout=10) as slow:
        slow.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\nX-Half: ")
        assert fetch(shared.port, "/public.ics").status == 200


def test_hundreds_of_idle_connections_do_not_starve_a_client(shared: Server) -> None:
    idle = [socket.create_connection(("127.0.0.1", shared.port), timeout=10) for _ in range(300)]
    try:
        for s in idle[::3]:
            s.sendall(b"GET /public.ics HTTP/1.1\r\nHost: x\r\n")  # never finished
        assert fetch(shared.port, "/public.ics").status == 200
    finally:
        for s in idle:
            s.close()
    assert fetch(shared.port, "/").status == 200


def test_the_public_feed_and_page_hold_no_internal_activity(shared: Server) -> None:
    plan = load(shared.plan)
    public_ids = {a.id for a in plan.activities if a.public}
    internal = [a for a in plan.activities if not a.public]
    assert public_ids and internal
    body = fetch(shared.port, "/public.ics").body
    cal = icalendar.Calendar.from_ical(body)
    uids = {str(e["UID"]) for e in cal.walk("VEVENT")}
    assert uids and all(uid.split("@")[0].split(".")[0] in public_ids for uid in uids)
    for e in cal.walk("VEVENT"):
        assert "ATTENDEE" not in e and "ORGANIZER" not in e
        assert str(e["CLASS"]) == "PUBLIC"
    pages = fetch(shared.port, "/").body.decode() + fetch(shared.port, "/en/").body.decode()
    text = body.decode()
    for a in internal:
        assert f"SUMMARY:{a.title}" not in text
        assert a.title not in pages, a.title
        assert f"UID:{a.id}@" not in text and f"UID:{a.id}." not in text
    for role in plan.roles:
        assert role.email not in text
        # The one address on the page is the contact the plan names for the public (a role
        # mailbox); no attendee's or organizer's address, and none in the feed.
        assert (role.email in pages) == (role.id == plan.contact), role.id
    assert "followup" not in text.lower() and "Uppföljning" not in text


def test_page_forbids_scripts_and_referrers(shared: Server) -> None:
    r = fetch(shared.port, "/")
    csp = r.header("content-security-policy") or ""
    assert "default-src 'none'" in csp and "script" not in csp
    assert r.header("referrer-policy") == "no-referrer"
    assert b"<script" not in r.body.lower()


def test_files_beside_the_plan_are_not_served(shared: Server) -> None:
    """The server reads nothing from disk per request: a file next to the plan is not served."""
    (shared.plan.parent / "secret.txt").write_text("secret")
    assert fetch(shared.port, "/secret.txt").status == 404
    assert fetch(shared.port, "/plan.yaml").status == 404
