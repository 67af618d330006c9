"""The feed server: a raw ASGI application over precomputed responses.

URLs (all stable, all plain ASCII, so they are matched byte for byte, never decoded):

- ``/`` and ``/index.html``: the public page in Swedish; ``/en/`` in English;
- ``/public.ics``: the public feed;
- ``/t/<token>/<feed>.ics``: a private feed, for a token that opens it;
- ``/t/<token>/person.ics``: the feed of the person a token belongs to, across every plan.

A region (a folder of plans) serves each plan under ``/<plan-id>/`` — the same URLs below it,
``/<plan-id>/t/<token>/<feed>.ics`` for its private feeds — and its index page at ``/``.

Anything else, an unknown or revoked token, or a feed the token does not open, gets the same
404, byte for byte. Calendar clients poll for years, so the hot path is a dictionary lookup, a
scan of the request headers and two ``send`` calls: no framework, no per-request allocation
beyond what the ASGI server does. Who builds the responses (compiling the plan, the store, the
clock) is ``web/serve.py``; this module only answers.

Tokens are looked up by their SHA-256 in an in-memory map that the caller replaces when the
store changes. Hashing first means the lookup compares digests an attacker cannot steer byte by
byte, so it leaks no timing about any token; the final check is ``hmac.compare_digest``.
Tokens are never logged: a private request is logged with the token's public id.
"""

from __future__ import annotations

import hashlib
import hmac
import sys
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from plancal.state.tokens import TOKEN_LENGTH, Grant
from plancal.web.resources import EMPTY_BODY, Message, Resource, accepts_gzip, fixed

Scope = dict[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]

T = b"t"
PERSON = b"person.ics"
NOT_FOUND = fixed(404, b"Not found. Hittades inte.\n", {"cache-control": "no-store"})
NOT_ALLOWED = fixed(
    405, b"Method not allowed.\n", {"allow": "GET, HEAD", "cache-control": "no-store"}
)
SHA256 = hashlib.sha256
compare_digest = hmac.compare_digest


@dataclass(frozen=True)
class Site:
    """One version of everything served: replaced as a whole, never changed in place."""

    public: Mapping[bytes, Resource]  # request path → resource
    private: Mapping[bytes, Resource]  # b"<plan-id>/<file>" → resource
    labels: Mapping[bytes, str] = field(default_factory=dict)  # for logs: path → name
    for_every_token: frozenset[bytes] = frozenset()  # files any token of the plan opens
    people: Mapping[str, Resource] = field(default_factory=dict)  # address → person feed
    root_plan: bytes = b""  # the plan served at /, alone; b"" for a region
    redirects: Mapping[bytes, tuple[Message, Message]] = field(default_factory=dict)


class AccessLog:
    """One line per request: client, method, path (tokens replaced by their id), status,
    bytes, user agent. Text from the client is escaped and cut, so no one writes into the log.

    Lines have the format of the other log lines (``logging.basicConfig`` in the CLI) but skip
    the logging machinery, which would cost a third of the throughput: they are formatted with
    a per-second timestamp and written in batches by ``flush``, which the server calls a few
    times a second and at shutdown.
    """

    def __init__(self, write: Callable[[str], object] | None = None, batch: int = 256):
        self.write = write if write is not None else _stderr
        self.batch = batch
        self.lines: list[str] = []
        self._agents: dict[bytes, str] = {}
        self._second = -1
        self._stamp = ""

    def agent(self, raw: bytes | None) -> str:
        if raw is None:
            return "-"
        known = self._agents.get(raw)
        if known is None:
            known = clean(raw, 200)
            if len(self._agents) >= 1024:
                self._agents.clear()
            self._agents[raw] = known
        return known

    def __call__(
        self, scope: Scope, path: str, status: int, size: int, agent: bytes | None
    ) -> None:
        now = time.time()
        second = int(now)
        if second != self._second:
            self._second = second
            self._stamp = time.strftime("%Y-%m-%d %H:%M:%S", time.localtime(second))
        client = scope.get("client")
        self.lines.append(
            f"{self._stamp},{int((now - second) * 1000):03d} INFO plancal.access: "
            f'{client[0] if client else "-"} "{scope["method"]} {path}" {status} {size} '
            f'"{self.agent(agent)}"\n'
        )
        if len(self.lines) >= self.batch:
            self.flush()

    def flush(self) -> None:
        if self.lines:
            text = "".join(self.lines)
            self.lines.clear()
            self.write(text)


def _stderr(text: str) -> None:
    sys.stderr.write(text)
    sys.stderr.flush()


def clean(raw: bytes, limit: int) -> str:
    text = raw[:limit].decode("latin-1")
    if text.isprintable() and '"' not in text and "\\" not in text:
        return text + ("…" if len(raw) > limit else "")
    out = "".join(c if c.isprintable() and c not in '"\\' else f"\\x{ord(c):02x}" for c in text)
    return out + ("…" if len(raw) > limit else "")


def shown_path(path: bytes) -> str:
    """A path that matched nothing, safe to log: long segments (maybe a token) are hidden."""
    parts = [p if len(p) <= 16 else b"[...]" for p in path[:300].split(b"/")]
    return clean(b"/".join(parts), 300)


class FeedServer:
    """The ASGI application. ``site`` and ``grants`` are swapped whole by whoever reloads."""

    def __init__(
        self, site: Site, grants: Mapping[bytes, Grant] | None = None, log: AccessLog | None = None
    ):
        self.site = site
        self.grants: Mapping[bytes, Grant] = grants or {}
        self.log = log

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            if scope["type"] == "lifespan":
                await _lifespan(receive, send)
            return
        path: bytes = scope.get("raw_path") or scope["path"].encode("utf-8")
        site = self.site
        resource = site.public.get(path)
        grant = None
        if resource is None:
            resource, grant = self._private(site, path)
        if resource is None:
            moved = site.redirects.get(path) if grant is None else None
            await self._fixed(scope, send, moved or NOT_FOUND, path, None)
            return
        method = scope["method"]
        if method != "GET" and method != "HEAD":
            await self._fixed(scope, send, NOT_ALLOWED, path, grant)
            return
        match = since = encoding = agent = None
        for name, value in scope["headers"]:
            if name == b"if-none-match":
                match = value
            elif name == b"if-modified-since":
                since = value
            elif name == b"accept-encoding":
                encoding = value
            elif name == b"user-agent":
                agent = value
        variant = resource.identity
        if encoding is not None and resource.gzip is not None and accepts_gzip(encoding):
            variant = resource.gzip
        if (
            resource.etag_matches(match)
            if match is not None
            else since is not None and resource.unmodified_since(since)
        ):
            start, body = variant.not_modified, EMPTY_BODY
        else:
            start, body = variant.ok, (EMPTY_BODY if method == "HEAD" else variant.body)
        await send(start)
        await send(body)
        if self.log is not None:
            shown = (
                f"{path.partition(b'/t/')[0].decode('ascii')}/t/[{grant.id}]/"
                f"{path.rsplit(b'/', 1)[1].decode('ascii')}"
                if grant is not None
                else site.labels.get(path) or path.decode("ascii")
            )
            self.log(scope, shown, start["status"], len(body["body"]), agent)

    def _private(self, site: Site, path: bytes) -> tuple[Resource | None, Grant | None]:
        # b"/t/<token>/<file>" → [b"", b"t", token, file] (the plan alone, or person.ics);
        # b"/<plan-id>/t/<token>/<file>" → [b"", plan, b"t", token, file] (a region's plan)
        parts = path.split(b"/")
        if len(parts) == 4 and parts[1] == T:
            plan, token, file = site.root_plan, parts[2], parts[3]
        elif len(parts) == 5 and parts[2] == T and not site.root_plan:
            plan, token, file = parts[1], parts[3], parts[4]
        else:
            return None, None
        if len(token) != TOKEN_LENGTH:
            return None, None
        digest = SHA256(token).digest()
        grant = self.grants.get(digest)
        if grant is None or not compare_digest(grant.digest, digest):
            return None, None
        if file == PERSON and len(parts) == 4:
            return (site.people.get(grant.person) if grant.person else None), grant
        key = plan + b"/" + file
        if key in grant.files or (file in site.for_every_token and plan in grant.plans):
            return site.private.get(key), grant
        return None, None

    async def _fixed(
        self,
        scope: Scope,
        send: Send,
        response: tuple[Message, Message],
        path: bytes,
        grant: Grant | None,
    ) -> None:
        start, body = response
        await send(start)
        await send(EMPTY_BODY if scope["method"] == "HEAD" else body)
        if self.log is not None:
            agent = next((v for k, v in scope["headers"] if k == b"user-agent"), None)
            shown = f"/t/[{grant.id}]/..." if grant is not None else shown_path(path)
            self.log(scope, shown, start["status"], 0, agent)


async def _lifespan(receive: Receive, send: Send) -> None:
    """Accept startup and shutdown, for running the app under a plain ``uvicorn`` command."""
    while True:
        message = await receive()
        if message["type"] == "lifespan.startup":
            await send({"type": "lifespan.startup.complete"})
        elif message["type"] == "lifespan.shutdown":
            await send({"type": "lifespan.shutdown.complete"})
            return
