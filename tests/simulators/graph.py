"""A Microsoft Graph simulator (the calendar part, and Entra ID's token endpoint): the stand-in
for Exchange Online's REST API in plancal's tests.

A real HTTP server on loopback (port 0). Every request — and every part of a ``$batch`` — is
checked against Microsoft's published OpenAPI description of the calendar API (the parts the
tests need, vendored in ``tests/fixtures/graph-openapi``): path, method, query parameters and
body; so is every answer it gives. A request the description rejects is answered 400 and kept
in ``schema_errors``, an answer off the description in ``response_errors``; the fixtures turn
both into a test failure. The ``cancel`` action and the ``$batch`` envelope are not in that
description; they are checked against small schemas written from their documentation pages.

The description states shapes, not behaviour. What the simulator itself models, each rule
with the page it follows:

- No silent mode: every write to a meeting with attendees sends to them. A PATCH that holds
  only ``attendees`` goes to the changed attendees only; any other PATCH to everyone
  (https://learn.microsoft.com/graph/api/event-update, "attendees property and meeting
  updates"); a new attendee receives an invitation, a removed one a cancellation.
- One message per attendee for the master plus one per modified occurrence on each master
  update (Exchange sends a series' exceptions as separate meeting messages).
- Changing a series' pattern or times drops its exceptions; an occurrence cannot be moved
  onto or past the day of a neighbouring one (400 ErrorOccurrenceCrossingBoundary, the EWS
  code Graph passes through); a cancelled occurrence cannot be addressed again (404).
- ``cancel`` (organizer only) removes the event or occurrence and sends a cancellation with
  the comment (https://learn.microsoft.com/graph/api/event-cancel, 202 Accepted).
- Throttling: 429 with Retry-After when more than four requests run at once against one
  mailbox, counting each part of a batch that runs in parallel — parts chained by
  ``dependsOn`` run one after another (https://learn.microsoft.com/graph/throttling-limits,
  Outlook service limits; https://learn.microsoft.com/graph/json-batching) — and past 10,000
  requests per mailbox in the window; a part that depends on a failed one gets 424.
- De-duplication by ``transactionId``: a create with the id of an event that exists returns
  that event and sends nothing (https://learn.microsoft.com/graph/api/resources/event).
- ``absoluteMonthly`` on day 29–31 falls on the last day of a shorter month, as Outlook
  places it.
- Writes that finish after the client gave up (fault ``late``): the connection drops with no
  answer and the write lands a few requests later.
- Application permission scoped to mailboxes (RBAC for Applications): any other mailbox is
  403 ErrorAccessDenied.

Faults on demand, per request (``fault``) and per part of a batch (``part_fault``): 429 and
503 with Retry-After, an answer slower than the client's timeout (carried out), a connection
dropped before or after carrying the request out, a late write; ``on_request`` is where the
crash tests kill the pushing process.

It knows nothing of plancal: written from the Graph documentation and the description, with
its own recurrence expansion, so agreeing with plancal's agenda means something.
"""

from __future__ import annotations

import base64
import contextlib
import copy
import itertools
import json
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, unquote, urlsplit
from zoneinfo import ZoneInfo

DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
WEEK_INDEX = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1}
# Windows zone names the tests meet → an IANA zone with the same rules (CLDR windowsZones).
WINDOWS_ZONES = {
    "W. Europe Standard Time": "Europe/Berlin",
    "Romance Standard Time": "Europe/Paris",
    "GMT Standard Time": "Europe/London",
    "FLE Standard Time": "Europe/Helsinki",
    "Central Europe Standard Time": "Europe/Budapest",
    "Central European Standard Time": "Europe/Warsaw",
    "Greenwich Standard Time": "Atlantic/Reykjavik",
    "UTC": "UTC",
}
CONCURRENCY = 4  # per app per mailbox
WINDOW_LIMIT = 10_000  # requests per app per mailbox per 10 minutes
WRITE_METHODS = {"POST", "PATCH", "DELETE", "PUT"}

# The $batch envelope, from https://learn.microsoft.com/graph/json-batching (not part of the
# OpenAPI description): requests with id, method, url, optional headers, body and dependsOn;
# at most 20; the answer holds one response per request with id, status, headers and body.
BATCH_REQUEST = {
    "type": "object",
    "required": ["requests"],
    "additionalProperties": False,
    "properties": {
        "requests": {
            "type": "array",
            "minItems": 1,
            "maxItems": 20,
            "items": {
                "type": "object",
                "required": ["id", "method", "url"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string", "minLength": 1},
                    "method": {"enum": ["GET", "POST", "PATCH", "PUT", "DELETE"]},
                    "url": {"type": "string", "pattern": "^/"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                    "dependsOn": {"type": "array", "items": {"type": "string"}},
                },
            },
        }
    },
}
BATCH_RESPONSE = {
    "type": "object",
    "required": ["responses"],
    "additionalProperties": False,
    "properties": {
        "responses": {
            "type": "array",
            "items": {
                "type": "object",
                "required": ["id", "status"],
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "status": {"type": "integer"},
                    "headers": {"type": "object", "additionalProperties": {"type": "string"}},
                    "body": {},
                },
            },
        }
    },
}
# event: cancel (https://learn.microsoft.com/graph/api/event-cancel): one optional string.
CANCEL_REQUEST = {
    "type": "object",
    "additionalProperties": False,
    "properties": {"Comment": {"type": "string"}, "comment": {"type": "string"}},
}


# --- the description --------------------------------------------------------------------------


def _nullable(node: Any) -> Any:
    """OpenAPI 3.0's ``nullable: true`` in JSON Schema terms (a null is allowed)."""
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    if not isinstance(node, dict):
        return node
    out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
    if node.get("nullable") is True:
        if "type" in out:
            out["type"] = [out["type"], "null"]
            if "enum" in out:
                out["enum"] = [*out["enum"], None]
        else:
            return {"anyOf": [out, {"type": "null"}]}
    return out


def _flatten(schemas: dict[str, Any]) -> dict[str, Any]:
    """Entity types as one object each. The description builds them with ``allOf`` of a base
    type (event = entity + outlookItem + event), and every part says
    ``additionalProperties: {type: object}``; read literally, the entity part would reject
    ``subject`` for not being an object. Merged, the rule keeps its meaning: every declared
    property has its declared type, and anything undeclared must at least be an object."""
    done: dict[str, dict[str, Any]] = {}

    def merged(name: str) -> dict[str, Any]:
        if name in done:
            return done[name]
        node: dict[str, Any] = schemas[name]
        if "allOf" not in node:
            done[name] = node
            return node
        out: dict[str, Any] = {"type": "object", "properties": {}}
        required: list[str] = []
        for part in node["allOf"]:
            if "$ref" in part:
                part = merged(part["$ref"].rsplit("/", 1)[1])
            out["properties"].update(part.get("properties", {}))
            required += part.get("required", [])
            if "additionalProperties" in part:
                out["additionalProperties"] = part["additionalProperties"]
            if "title" in part:
                out["title"] = part["title"]
        if required:
            out["required"] = sorted(set(required))
        done[name] = out
        return out

    return {name: merged(name) for name in schemas}


class Description:
    """The vendored OpenAPI subset, as request and answer checks."""

    def __init__(self, path: Path):
        from jsonschema import Draft4Validator
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT4

        self.doc = json.loads(path.read_text(encoding="utf-8"))
        checked = _nullable(self.doc)
        checked["components"]["schemas"] = _flatten(checked["components"]["schemas"])
        resource = Resource.from_contents(checked, default_specification=DRAFT4)
        self.registry: Any = Registry().with_resource("urn:graph-calendar", resource)
        self._validator = Draft4Validator
        self.paths: list[tuple[re.Pattern[str], str]] = []
        for template in self.doc["paths"]:
            pattern = re.sub(r"\\\{[^}]+\\\}", "[^/]+", re.escape(template))
            self.paths.append((re.compile(f"^{pattern}$"), template))
        self._cache: dict[str, Any] = {}

    def _check(self, schema: dict[str, Any], value: Any) -> list[str]:
        key = json.dumps(schema, sort_keys=True)
        validator = self._cache.get(key)
        if validator is None:
            validator = self._validator(schema, registry=self.registry)
            self._cache[key] = validator
        return [
            f"{'/'.join(str(p) for p in e.absolute_path) or '(body)'}: {e.message[:300]}"
            for e in validator.iter_errors(value)
        ]

    def _schema(self, node: dict[str, Any]) -> dict[str, Any]:
        ref = node.get("$ref")
        if ref:
            return {"$ref": f"urn:graph-calendar{ref}"}
        return node

    def operation(self, method: str, path: str) -> tuple[str, dict[str, Any]] | None:
        for pattern, template in self.paths:
            if pattern.match(path):
                op = self.doc["paths"][template].get(method.lower())
                return (template, op) if op else None
        return None

    def check_request(self, method: str, path: str, query: dict[str, str], body: Any) -> list[str]:
        found = self.operation(method, path)
        if found is None:
            return [f"{method} {path}: no such operation in the description"]
        _, op = found
        params = {}
        for p in op.get("parameters", []):
            if "$ref" in p:
                p = self.doc["components"]["parameters"][p["$ref"].rsplit("/", 1)[1]]
            params[p["name"]] = p
        errors = []
        for name, value in query.items():
            spec = params.get(name)
            if spec is None or spec.get("in") != "query":
                errors.append(f"query parameter {name} is not in the description")
                continue
            if spec["schema"].get("type") == "integer" and not value.isdigit():
                errors.append(f"{name}={value}: not an integer")
        for name, spec in params.items():
            if spec.get("in") == "query" and spec.get("required") and name not in query:
                errors.append(f"required query parameter {name} is missing")
        want = op.get("requestBody")
        if want is not None:
            if body is None:
                errors.append("a body is required")
            else:
                schema = want["content"]["application/json"]["schema"]
                errors += self._check(self._schema(schema), body)
        elif body is not None:
            errors.append("this operation takes no body")
        return errors

    def check_response(self, method: str, path: str, status: int, body: Any) -> list[str]:
        found = self.operation(method, path)
        if found is None:
            return []
        _, op = found
        responses = op.get("responses", {})
        spec = responses.get("2XX") if 200 <= status < 300 else responses.get("default")
        if spec is None:
            return [f"status {status} is not described"]
        if "$ref" in spec:
            spec = self.doc["components"]["responses"][spec["$ref"].rsplit("/", 1)[1]]
        content = spec.get("content")
        if not content:
            return [] if body is None else ["an answer without a described body has one"]
        if body is None:
            return [] if status == 204 else ["the described body is missing"]
        return self._check(self._schema(content["application/json"]["schema"]), body)

    def check(self, schema: dict[str, Any], value: Any) -> list[str]:
        return self._check(schema, value)


# --- the mailbox model -----------------------------------------------------------------------


class GraphFailure(Exception):
    def __init__(self, status: int, code: str, message: str, headers: dict[str, str] | None = None):
        super().__init__(status, code, message)
        self.status = status
        self.code = code
        self.message = message
        self.headers = headers or {}


@dataclass
class Sent:
    """A meeting message the organizer's mailbox would send to one attendee."""

    organizer: str
    attendee: str
    kind: str  # invitation | update | cancellation
    item: str  # the event's iCalUId (the series' for its occurrences)
    occurrence: datetime | None  # original start (UTC) of an occurrence message
    subject: str
    request: int
    comment: str = ""


@dataclass
class Event:
    id: str
    mailbox: str
    uid: str
    change: int = 1
    subject: str = ""
    body: str = ""
    body_type: str = "text"
    start: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    end: datetime = datetime(2000, 1, 1, 1, tzinfo=UTC)
    zone: str = "UTC"
    all_day: bool = False
    location: str = ""
    show_as: str = "busy"
    sensitivity: str = "normal"
    categories: list[str] = field(default_factory=list)
    reminder_on: bool = True
    reminder_minutes: int = 15
    attendees: list[str] = field(default_factory=list)
    recurrence: dict[str, Any] | None = None
    props: dict[str, str] = field(default_factory=dict)  # single-value extended, by id
    cancelled: set[datetime] = field(default_factory=set)  # original starts (UTC)
    exceptions: dict[datetime, tuple[datetime, datetime]] = field(default_factory=dict)
    transaction_id: str | None = None
    announced: set[str] = field(default_factory=set)  # attendees that hold the meeting

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(WINDOWS_ZONES[self.zone])


def _last_day(year: int, month: int) -> int:
    return ((date(year + month // 12, month % 12 + 1, 1)) - timedelta(days=1)).day


def _nth(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        last = date(year, month, _last_day(year, month))
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def pattern_days(rec: dict[str, Any]) -> Iterable[date]:
    pattern, rng = rec["pattern"], rec["range"]
    first = date.fromisoformat(rng["startDate"])
    interval = int(pattern.get("interval") or 1)
    kind = pattern["type"]

    def unbounded() -> Iterable[date]:
        if kind == "daily":
            day = first
            while True:
                yield day
                day += timedelta(days=interval)
        elif kind == "weekly":
            week_start = DAYS.index(pattern.get("firstDayOfWeek") or "sunday")
            days = {DAYS.index(d) for d in pattern["daysOfWeek"]}
            begin = first - timedelta(days=(first.weekday() - week_start) % 7)
            while True:
                for i in range(7):
                    day = begin + timedelta(days=i)
                    if day.weekday() in days and day >= first:
                        yield day
                begin += timedelta(weeks=interval)
        else:
            year, month = first.year, first.month
            while True:
                if kind == "absoluteMonthly":
                    # Outlook: day 29–31 is the last day of a shorter month.
                    day = date(year, month, min(pattern["dayOfMonth"], _last_day(year, month)))
                elif kind == "relativeMonthly":
                    day = _nth(
                        year,
                        month,
                        DAYS.index(pattern["daysOfWeek"][0]),
                        WEEK_INDEX[pattern.get("index") or "first"],
                    )
                else:
                    raise GraphFailure(400, "ErrorInvalidRecurrence", f"{kind} is not simulated")
                if day >= first:
                    yield day
                month += interval
                year, month = year + (month - 1) // 12, (month - 1) % 12 + 1

    end = date.fromisoformat(rng["endDate"]) if rng.get("type") == "endDate" else None
    count = rng.get("numberOfOccurrences") if rng.get("type") == "numbered" else None
    for n, day in enumerate(unbounded(), start=1):
        if (end is not None and day > end) or (count and n > count) or n > 2000:
            return
        yield day


def occurrences(ev: Event) -> list[tuple[datetime, datetime]]:
    """(original start, original end) of each occurrence of a series, UTC, by wall clock."""
    assert ev.recurrence is not None
    tz = ev.tz
    local = ev.start.astimezone(tz)
    length = ev.end - ev.start
    out = []
    for day in pattern_days(ev.recurrence):
        begin = datetime.combine(day, local.time().replace(tzinfo=None), tz)
        if ev.all_day:
            days = max(1, round(length / timedelta(days=1)))
            finish = datetime.combine(day + timedelta(days=days), local.time(), tz)
        else:
            finish = datetime.combine(day, local.time(), tz) + length
        out.append((begin.astimezone(UTC), finish.astimezone(UTC)))
    return out


def _b64(text: str) -> str:
    return base64.urlsafe_b64encode(text.encode()).decode().rstrip("=")


def _unb64(value: str) -> str:
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).decode()
    except Exception:
        raise GraphFailure(400, "ErrorInvalidIdMalformed", "Id is malformed.") from None


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _graph_time(value: datetime) -> dict[str, str]:
    return {
        "dateTime": value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.0000000"),
        "timeZone": "UTC",
    }


def _parse_time(value: dict[str, Any]) -> tuple[datetime, str]:
    zone = value.get("timeZone") or "UTC"
    if zone not in WINDOWS_ZONES:
        raise GraphFailure(
            400,
            "TimeZoneNotSupportedException",
            f"A valid TimeZone value must be specified: {zone}",
        )
    text = str(value.get("dateTime") or "")
    try:
        naive = datetime.fromisoformat(text[:26] if "." in text else text)
    except ValueError:
        raise GraphFailure(
            400, "ErrorInvalidRequest", f"Cannot convert {text!r} to DateTime."
        ) from None
    if naive.tzinfo is not None:
        naive = naive.astimezone(ZoneInfo(WINDOWS_ZONES[zone])).replace(tzinfo=None)
    return naive.replace(tzinfo=ZoneInfo(WINDOWS_ZONES[zone])).astimezone(UTC), zone


@dataclass
class Logged:
    number: int
    operation: str
    mailbox: str | None
    fault: str | None
    write: bool
    parts: int = 1
    error: str | None = None


# --- the server ------------------------------------------------------------------------------


class Simulator:
    def __init__(
        self,
        description: Description,
        tenant: str = "contoso-tenant",
        clients: dict[str, str] | None = None,
        certificates: dict[str, Any] | None = None,
        scope: set[str] | None = None,
    ):
        self.description = description
        self.tenant = tenant
        self.clients = clients if clients is not None else {}  # client id → secret
        self.certificates = certificates if certificates is not None else {}  # id → cert
        self.scope = {m.lower() for m in scope} if scope is not None else None
        self.tokens: dict[str, str] = {}
        self.lock = threading.RLock()
        self.events: dict[str, dict[str, Event]] = {}  # mailbox → id → event
        self.sent: list[Sent] = []
        self.log: list[Logged] = []
        self.sign_ins: list[str] = []  # how each token was obtained: secret | certificate
        self.schema_errors: list[str] = []
        self.response_errors: list[str] = []
        self.fault: Callable[[int, str], str | None] = lambda n, op: None
        self.part_fault: Callable[[int, int, str], str | None] = lambda n, i, op: None
        self.on_request: Callable[[int, str], str | None] = lambda n, op: None
        self.kill: Callable[[], None] = lambda: None
        self.retry_after = 2
        self.slow_seconds = 1.0
        self.window_limit = WINDOW_LIMIT
        self.window_used: dict[str, int] = {}
        self.in_flight: dict[str, int] = {}
        self.deferred: list[tuple[int, Callable[[], object]]] = []
        self.page_size = 10  # Graph's default page for events and instances
        self._counter = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self.tls = False

    # --- life ------------------------------------------------------------------------------

    def start(self, tls: Any = None) -> Simulator:
        """Serve plain HTTP, or HTTPS with a ``trustme`` CA's certificate for 127.0.0.1 (so a
        separate process can sign in with MSAL, which accepts only https authorities)."""
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                sim._handle(self, "GET")

            def do_POST(self) -> None:
                sim._handle(self, "POST")

            def do_PATCH(self) -> None:
                sim._handle(self, "PATCH")

            def do_DELETE(self) -> None:
                sim._handle(self, "DELETE")

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        if tls is not None:
            import ssl

            context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
            tls.issue_cert("127.0.0.1").configure_cert(context)
            self._server.socket = context.wrap_socket(self._server.socket, server_side=True)
            self.tls = True
        threading.Thread(target=self._server.serve_forever, daemon=True).start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def base(self) -> str:
        assert self._server is not None
        scheme = "https" if self.tls else "http"
        return f"{scheme}://127.0.0.1:{self._server.server_address[1]}"

    @property
    def url(self) -> str:
        """The service root, as https://graph.microsoft.com/v1.0 is."""
        return self.base + "/v1.0"

    # --- what tests read and set -----------------------------------------------------------

    def calendar(self, mailbox: str) -> list[Event]:
        with self.lock:
            return list(self.events.get(mailbox.lower(), {}).values())

    def add_event(self, mailbox: str, **values: Any) -> Event:
        """Put an event in a calendar directly, as a person in Outlook would."""
        with self.lock:
            ev = Event(
                id=self._new_id(mailbox), mailbox=mailbox.lower(), uid=uuid.uuid4().hex, **values
            )
            self.events.setdefault(mailbox.lower(), {})[ev.id] = ev
            return ev

    def writes(self) -> list[Logged]:
        return [e for e in self.log if e.write]

    def _new_id(self, mailbox: str) -> str:
        return _b64(f"ev|{mailbox.lower()}|{next(self._ids)}")

    # --- HTTP ------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler, method: str) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length) if length else b""
        parts = urlsplit(h.path)
        path = unquote(parts.path)
        if path.startswith(f"/{self.tenant}/"):
            self._login(h, method, path, raw)
            return
        if not path.startswith("/v1.0/"):
            self._reply(h, 404, {"error": {"code": "NotFound", "message": "Not found."}})
            return
        with self.lock:
            number = next(self._counter)
            due = [w for n, w in self.deferred if n <= number]
            self.deferred = [(n, w) for n, w in self.deferred if n > number]
        for late in due:  # writes the client gave up on land now
            late()
        path = path[len("/v1.0") :]
        query = {k: v[0] for k, v in parse_qs(parts.query, keep_blank_values=True).items()}
        op = "$batch" if path == "/$batch" else f"{method} {self._kind(path)}"
        entry = Logged(number, op, None, None, method in WRITE_METHODS)
        with self.lock:
            self.log.append(entry)
        token = h.headers.get("Authorization", "")
        if not token.startswith("Bearer ") or token[7:] not in self.tokens:
            entry.error = "401"
            self._reply(
                h,
                401,
                {
                    "error": {
                        "code": "InvalidAuthenticationToken",
                        "message": "Access token is empty.",
                    }
                },
            )
            return
        try:
            body = json.loads(raw) if raw else None
        except ValueError:
            self._reply(
                h,
                400,
                {
                    "error": {
                        "code": "BadRequest",
                        "message": "Unable to read JSON request payload.",
                    }
                },
            )
            return
        hook = self.on_request(number, op)
        fault = self.fault(number, op) if hook is None else hook
        entry.fault = fault
        if fault in ("429", "503"):
            status = int(fault)
            self._reply(
                h,
                status,
                {
                    "error": {
                        "code": "TooManyRequests" if status == 429 else "ServiceUnavailable",
                        "message": "Try again later.",
                    }
                },
                {"Retry-After": str(self.retry_after)},
                check=None,
            )
            return
        if fault in ("drop", "kill-before"):
            if fault == "kill-before":
                self.kill()
            self._hang_up(h)
            return

        def carry_out() -> tuple[int, Any, dict[str, str]]:
            if path == "/$batch":
                return self._batch(number, body, entry)
            return self._one(number, method, path, query, body, entry, 0)

        if fault == "late":
            with self.lock:
                self.deferred.append((number + 3, lambda: carry_out() and None))
            self._hang_up(h)
            return
        status, answer, headers = carry_out()
        if fault in ("lost", "kill-after"):
            if fault == "kill-after":
                self.kill()
            self._hang_up(h)
            return
        if fault == "slow":
            time.sleep(self.slow_seconds)
        self._reply(h, status, answer, headers, check=None)

    def _kind(self, path: str) -> str:
        segs = path.strip("/").split("/")
        if len(segs) >= 3 and segs[2] == "events":
            if len(segs) == 3:
                return "events"
            if len(segs) == 4:
                return "event"
            return segs[4]  # instances | cancel
        return segs[-1] if segs else "?"

    def _hang_up(self, h: BaseHTTPRequestHandler) -> None:
        h.close_connection = True
        with contextlib.suppress(OSError):
            h.connection.shutdown(2)

    def _reply(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        body: Any,
        headers: dict[str, str] | None = None,
        check: tuple[str, str] | None = None,
    ) -> None:
        data = b"" if body is None else json.dumps(body).encode()
        try:
            h.send_response(status)
            if body is not None:
                h.send_header("Content-Type", "application/json")
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): the request was carried out all the same

    # --- sign-in (Entra ID's token endpoint) -------------------------------------------------

    def _login(self, h: BaseHTTPRequestHandler, method: str, path: str, raw: bytes) -> None:
        host = self.base if self.tls else "https://login.microsoftonline.com"
        issuer = f"{host}/{self.tenant}"
        if path.endswith("/.well-known/openid-configuration"):
            self._reply(
                h,
                200,
                {
                    "token_endpoint": f"{issuer}/oauth2/v2.0/token",
                    "authorization_endpoint": f"{issuer}/oauth2/v2.0/authorize",
                    "issuer": f"{issuer}/v2.0",
                },
            )
            return
        if not path.endswith("/oauth2/v2.0/token") or method != "POST":
            self._reply(h, 404, {"error": "not_found"})
            return
        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        client = form.get("client_id", "")
        how = None
        if form.get("grant_type") == "client_credentials" and form.get("scope", "").endswith(
            "/.default"
        ):
            if "client_secret" in form and self.clients.get(client) == form["client_secret"]:
                how = "secret"
            elif "client_assertion" in form and client in self.certificates:
                how = self._assertion(
                    client, form["client_assertion"], f"{issuer}/oauth2/v2.0/token"
                )
        if how is None:
            # AADSTS7000215: invalid client secret; the description holds no secret.
            self._reply(
                h,
                401,
                {
                    "error": "invalid_client",
                    "error_description": "AADSTS7000215: Invalid client secret or assertion provided.",
                },
            )
            return
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = client
            self.sign_ins.append(how)
        self._reply(h, 200, {"access_token": token, "token_type": "Bearer", "expires_in": 3599})

    def _assertion(self, client: str, assertion: str, audience: str) -> str | None:
        """A client assertion: a JWT signed with the certificate's key, x5t its thumbprint
        (https://learn.microsoft.com/entra/identity-platform/certificate-credentials)."""
        import hashlib

        import jwt
        from cryptography.hazmat.primitives.serialization import Encoding

        cert = self.certificates[client]
        try:
            header = jwt.get_unverified_header(assertion)
            thumb = hashlib.sha1(cert.public_bytes(Encoding.DER)).digest()
            x5t = base64.urlsafe_b64encode(thumb).decode().rstrip("=")
            if str(header.get("x5t", "")).rstrip("=") != x5t:
                return None
            claims = jwt.decode(
                assertion, cert.public_key(), algorithms=["RS256", "PS256"], audience=audience
            )
        except Exception:
            return None
        return "certificate" if claims.get("iss") == client == claims.get("sub") else None

    # --- requests ----------------------------------------------------------------------------

    def _one(
        self,
        number: int,
        method: str,
        path: str,
        query: dict[str, str],
        body: Any,
        entry: Logged,
        running: int,
    ) -> tuple[int, Any, dict[str, str]]:
        """One request (alone or a part of a batch): checked, throttled, carried out."""
        if path.endswith("/cancel") and method == "POST":
            errors = self.description.check(CANCEL_REQUEST, body if body is not None else {})
        else:
            errors = self.description.check_request(method, path, query, body)
        if errors:
            text = f"request {number} {method} {path}: " + "; ".join(errors)
            with self.lock:
                self.schema_errors.append(text)
            entry.error = "schema"
            return 400, {"error": {"code": "BadRequest", "message": text[:500]}}, {}
        segs = path.strip("/").split("/")
        mailbox = segs[1].lower() if len(segs) > 1 else ""
        entry.mailbox = mailbox
        try:
            if self.scope is not None and mailbox not in self.scope:
                raise GraphFailure(
                    403, "ErrorAccessDenied", "Access is denied. Check credentials and try again."
                )
            with self.lock:
                used = self.window_used.get(mailbox, 0) + 1
                self.window_used[mailbox] = used
                busy = self.in_flight.get(mailbox, 0) + running
            if used > self.window_limit or busy >= CONCURRENCY:
                raise GraphFailure(
                    429,
                    "ApplicationThrottled",
                    "Application is over its MailboxConcurrency limit.",
                    {"Retry-After": str(self.retry_after)},
                )
            with self.lock:
                self.in_flight[mailbox] = self.in_flight.get(mailbox, 0) + 1
            try:
                with self.lock:
                    status, answer = self._dispatch(number, method, segs, query, body)
            finally:
                with self.lock:
                    self.in_flight[mailbox] -= 1
            headers: dict[str, str] = {}
        except GraphFailure as e:
            status, answer, headers = (
                e.status,
                {"error": {"code": e.code, "message": e.message}},
                e.headers,
            )
        if status != 202 and not (path.endswith("/cancel")):
            problems = self.description.check_response(method, path, status, answer)
            if problems:
                with self.lock:
                    self.response_errors.append(
                        f"answer {number} {method} {path}: " + "; ".join(problems)
                    )
        return status, answer, headers

    def _batch(self, number: int, body: Any, entry: Logged) -> tuple[int, Any, dict[str, str]]:
        errors = self.description.check(BATCH_REQUEST, body)
        if not errors:
            ids = [r["id"] for r in body["requests"]]
            if len(set(ids)) != len(ids):
                errors.append("request ids are not unique")
            for r in body["requests"]:
                if "body" in r and "content-type" not in {k.lower() for k in r.get("headers", {})}:
                    errors.append(f"request {r['id']} has a body without Content-Type")
                for d in r.get("dependsOn", []):
                    if d not in ids[: ids.index(r["id"])]:
                        errors.append(f"request {r['id']} depends on {d}, not an earlier request")
        if errors:
            text = f"batch {number}: " + "; ".join(errors)
            with self.lock:
                self.schema_errors.append(text)
            return 400, {"error": {"code": "BadRequest", "message": text[:500]}}, {}
        parts = body["requests"]
        entry.parts = len(parts)
        entry.write = any(p["method"] in WRITE_METHODS for p in parts)
        level: dict[str, int] = {}
        for p in parts:
            level[p["id"]] = 1 + max((level[d] for d in p.get("dependsOn", [])), default=-1)
        answers: dict[str, dict[str, Any]] = {}
        for depth in sorted(set(level.values())):
            running = 0  # parts of this step that Graph runs at the same time
            for i, p in enumerate(parts):
                if level[p["id"]] != depth:
                    continue
                if any(answers[d]["status"] >= 400 for d in p.get("dependsOn", [])):
                    answers[p["id"]] = {
                        "id": p["id"],
                        "status": 424,
                        "body": {
                            "error": {
                                "code": "FailedDependency",
                                "message": "The dependent request failed.",
                            }
                        },
                    }
                    continue
                split = urlsplit(p["url"])
                query = {k: v[0] for k, v in parse_qs(split.query, keep_blank_values=True).items()}
                op = f"{p['method']} {self._kind(unquote(split.path))}"
                fault = self.part_fault(number, i, op)
                if fault in ("429", "503"):
                    answers[p["id"]] = {
                        "id": p["id"],
                        "status": int(fault),
                        "headers": {"Retry-After": str(self.retry_after)},
                        "body": {
                            "error": {"code": "TooManyRequests", "message": "Try again later."}
                        },
                    }
                    continue
                status, answer, headers = self._one(
                    number, p["method"], unquote(split.path), query, p.get("body"), entry, running
                )
                running += 1
                reply: dict[str, Any] = {"id": p["id"], "status": status}
                if headers:
                    reply["headers"] = headers
                if answer is not None:
                    reply["body"] = answer
                answers[p["id"]] = reply
        out = {"responses": [answers[p["id"]] for p in parts]}
        problems = self.description.check(BATCH_RESPONSE, out)
        if problems:
            with self.lock:
                self.response_errors.append(f"batch answer {number}: " + "; ".join(problems))
        return 200, out, {}

    # --- operations --------------------------------------------------------------------------

    def _dispatch(
        self, number: int, method: str, segs: list[str], query: dict[str, str], body: Any
    ) -> tuple[int, Any]:
        mailbox = segs[1].lower()
        rest = segs[2:]
        if rest == ["events"] and method == "GET":
            return 200, self._list(mailbox, query)
        if rest == ["events"] and method == "POST":
            return 201, self._create(number, mailbox, body)
        if rest == ["calendarView"] and method == "GET":
            return 200, self._view(mailbox, query)
        if len(rest) >= 2 and rest[0] == "events":
            ev, original = self._resolve(mailbox, rest[1])
            tail = rest[2:]
            if not tail and method == "GET":
                return 200, self._render(ev, original, query)
            if not tail and method == "PATCH":
                if original is None:
                    self._patch(number, ev, body)
                else:
                    self._patch_occurrence(number, ev, original, body)
                return 200, self._render(ev, original, {})
            if not tail and method == "DELETE":
                self._remove(number, ev, original, None)
                return 204, None
            if tail == ["cancel"] and method == "POST":
                if not ev.attendees:
                    # The organizer's action on a meeting; an appointment has nobody to tell.
                    raise GraphFailure(
                        400,
                        "ErrorInvalidRequest",
                        "Your request can't be completed. The meeting has no attendees.",
                    )
                comment = (body or {}).get("Comment") or (body or {}).get("comment") or ""
                self._remove(number, ev, original, comment)
                return 202, None
            if tail == ["instances"] and method == "GET":
                if original is not None or ev.recurrence is None:
                    raise GraphFailure(
                        400, "ErrorInvalidRequest", "The event is not a series master."
                    )
                return 200, self._instances(ev, query)
        raise GraphFailure(400, "BadRequest", f"{method} {'/'.join(segs)} is not simulated")

    def _resolve(self, mailbox: str, value: str) -> tuple[Event, datetime | None]:
        text = _unb64(value)
        kind, _, rest = text.partition("|")
        if kind == "occ":
            master_id, _, when = rest.rpartition("|")
            ev = self.events.get(mailbox, {}).get(master_id)
            if ev is None or ev.recurrence is None:
                raise GraphFailure(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            original = datetime.fromisoformat(when)
            if original in ev.cancelled or original not in {s for s, _ in occurrences(ev)}:
                raise GraphFailure(
                    404, "ErrorItemNotFound", "The specified object was not found in the store."
                )
            return ev, original
        ev = self.events.get(mailbox, {}).get(value)
        if ev is None:
            raise GraphFailure(
                404, "ErrorItemNotFound", "The specified object was not found in the store."
            )
        return ev, None

    # --- reading -----------------------------------------------------------------------------

    _FILTER = re.compile(
        r"^singleValueExtendedProperties/any\(ep:\s*ep/id eq '(?P<id>[^']+)' and ep/value eq '(?P<value>(?:[^']|'')*)'\)$",
        re.IGNORECASE,
    )
    _EXPAND = re.compile(r"^singleValueExtendedProperties\(\$filter=(?P<cond>.+)\)$")

    def _list(self, mailbox: str, query: dict[str, str]) -> dict[str, Any]:
        """List events: single events and series masters, not their occurrences
        (https://learn.microsoft.com/graph/api/user-list-events)."""
        events = sorted(self.events.get(mailbox, {}).values(), key=lambda e: e.id)
        if "$filter" in query:
            m = self._FILTER.match(query["$filter"].strip())
            if not m:
                raise GraphFailure(
                    400, "ErrorInvalidUrlQueryFilter", "The filter is not simulated."
                )
            value = m["value"].replace("''", "'")
            events = [e for e in events if e.props.get(m["id"]) == value]
        return self._page(
            [self._render(e, None, query) for e in events], query, f"/users/{mailbox}/events"
        )

    def _instances(self, ev: Event, query: dict[str, str]) -> dict[str, Any]:
        begin = _parse_query_time(query["startDateTime"])
        finish = _parse_query_time(query["endDateTime"])
        rows = []
        for original, end in occurrences(ev):
            if original in ev.cancelled:
                continue
            start, stop = ev.exceptions.get(original, (original, end))
            if start < finish and stop > begin:
                rows.append((start, self._render(ev, original, query)))
        rows.sort(key=lambda r: r[0])
        return self._page(
            [r[1] for r in rows], query, f"/users/{ev.mailbox}/events/{ev.id}/instances"
        )

    def _view(self, mailbox: str, query: dict[str, str]) -> dict[str, Any]:
        """calendarView: every single event, occurrence and exception in the window."""
        begin = _parse_query_time(query["startDateTime"])
        finish = _parse_query_time(query["endDateTime"])
        rows = []
        for ev in self.events.get(mailbox, {}).values():
            if ev.recurrence is None:
                if ev.start < finish and ev.end > begin:
                    rows.append((ev.start, ev.id, self._render(ev, None, query)))
                continue
            for original, end in occurrences(ev):
                if original in ev.cancelled:
                    continue
                start, stop = ev.exceptions.get(original, (original, end))
                if start < finish and stop > begin:
                    rows.append((start, ev.id, self._render(ev, original, query)))
        rows.sort(key=lambda r: (r[0], r[1]))
        return self._page([r[2] for r in rows], query, f"/users/{mailbox}/calendarView")

    def _page(self, rows: list[dict[str, Any]], query: dict[str, str], path: str) -> dict[str, Any]:
        top = min(int(query.get("$top") or self.page_size), 1000)
        skip = int(query.get("$skip") or 0)
        out: dict[str, Any] = {"value": rows[skip : skip + top]}
        if skip + top < len(rows):
            rest = {k: v for k, v in query.items() if k != "$skip"}
            rest["$skip"] = str(skip + top)
            from urllib.parse import urlencode

            out["@odata.nextLink"] = f"{self.url}{path}?{urlencode(rest)}"
        return out

    def _render(
        self, ev: Event, original: datetime | None, query: dict[str, str]
    ) -> dict[str, Any]:
        start, end = ev.start, ev.end
        kind = "seriesMaster" if ev.recurrence is not None else "singleInstance"
        if original is not None:
            length = ev.end - ev.start
            start, end = ev.exceptions.get(original, (original, original + length))
            if ev.all_day and original not in ev.exceptions:
                end = dict(occurrences(ev))[original]
            kind = "exception" if original in ev.exceptions else "occurrence"
        full: dict[str, Any] = {
            "id": ev.id if original is None else _b64(f"occ|{ev.id}|{original.isoformat()}"),
            "changeKey": _b64(f"ck|{ev.id}|{ev.change}"),
            "categories": list(ev.categories),
            "subject": ev.subject,
            "body": {"contentType": ev.body_type, "content": ev.body},
            "start": _graph_time(start),
            "end": _graph_time(end),
            "isAllDay": ev.all_day,
            "location": {"displayName": ev.location},
            "showAs": ev.show_as,
            "sensitivity": ev.sensitivity,
            "isReminderOn": ev.reminder_on,
            "reminderMinutesBeforeStart": ev.reminder_minutes,
            "iCalUId": ev.uid,
            "type": kind,
            "isOrganizer": True,
            "originalStartTimeZone": ev.zone,
            "originalEndTimeZone": ev.zone,
            "attendees": [
                {"emailAddress": {"address": a}, "type": "required"} for a in ev.attendees
            ],
        }
        if ev.recurrence is not None and original is None:
            full["recurrence"] = copy.deepcopy(ev.recurrence)
        if ev.transaction_id and original is None:
            full["transactionId"] = ev.transaction_id
        if original is not None:
            full["originalStart"] = _iso(original)
            full["seriesMasterId"] = ev.id
        select = query.get("$select")
        if select:
            keep = {"id", *select.split(",")}
            full = {k: v for k, v in full.items() if k in keep}
        expand = query.get("$expand")
        if expand:
            m = self._EXPAND.match(expand)
            if not m:
                raise GraphFailure(400, "BadRequest", "The $expand is not simulated.")
            ids = re.findall(r"id eq '([^']+)'", m["cond"])
            full["singleValueExtendedProperties"] = [
                {"id": i, "value": ev.props[i]} for i in ids if i in ev.props
            ]
        return full

    # --- writing -----------------------------------------------------------------------------

    def _create(self, number: int, mailbox: str, body: dict[str, Any]) -> dict[str, Any]:
        tx = body.get("transactionId")
        if tx:
            for ev in self.events.get(mailbox, {}).values():
                if ev.transaction_id == tx:
                    return self._render(ev, None, {})  # a retried create: the same event
        if "start" not in body or "end" not in body:
            raise GraphFailure(
                400,
                "ErrorInvalidRequest",
                "Your request can't be completed. Start and End are required.",
            )
        ev = Event(
            id=self._new_id(mailbox), mailbox=mailbox, uid=uuid.uuid4().hex, transaction_id=tx
        )
        self._set(ev, body, creating=True)
        self.events.setdefault(mailbox, {})[ev.id] = ev
        self._notify(ev, ev.attendees, "invitation", None, number)
        return self._render(ev, None, {})

    def _set(self, ev: Event, body: dict[str, Any], creating: bool = False) -> None:
        if "subject" in body:
            ev.subject = body["subject"] or ""
        if "body" in body:
            ev.body = body["body"].get("content") or ""
            ev.body_type = body["body"].get("contentType") or "text"
        if "location" in body:
            ev.location = body["location"].get("displayName") or ""
        if "isAllDay" in body:
            ev.all_day = bool(body["isAllDay"])
        for key, attr in (
            ("showAs", "show_as"),
            ("sensitivity", "sensitivity"),
            ("isReminderOn", "reminder_on"),
            ("reminderMinutesBeforeStart", "reminder_minutes"),
            ("categories", "categories"),
        ):
            if key in body:
                setattr(ev, attr, body[key])
        if "start" in body:
            ev.start, ev.zone = _parse_time(body["start"])
        if "end" in body:
            ev.end, _ = _parse_time(body["end"])
        if "recurrence" in body:
            ev.recurrence = _normalized(body["recurrence"]) if body["recurrence"] else None
        if "attendees" in body:
            seen: list[str] = []
            for a in body["attendees"]:
                address = str((a.get("emailAddress") or {}).get("address") or "").lower()
                if address and address not in seen:
                    seen.append(address)
            ev.attendees = seen
        for p in body.get("singleValueExtendedProperties") or []:
            ev.props[p["id"]] = p.get("value")
        if ev.end < ev.start:
            raise GraphFailure(400, "ErrorInvalidRequest", "The end is before the start.")
        if ev.all_day and (
            ev.start.astimezone(ev.tz).time() != datetime.min.time()
            or ev.end.astimezone(ev.tz).time() != datetime.min.time()
        ):
            # https://learn.microsoft.com/graph/api/resources/event: isAllDay — start and end
            # must be set to midnight.
            raise GraphFailure(
                400, "ErrorInvalidRequest", "An all-day event starts and ends at midnight."
            )
        if ev.recurrence is not None:
            first = ev.start.astimezone(ev.tz).date()
            if ev.recurrence["range"]["startDate"] != first.isoformat():
                # recurrenceRange.startDate: "Must be the same value as the start property".
                raise GraphFailure(
                    400,
                    "ErrorInvalidRequest",
                    "The recurrence start date must be the event's start date.",
                )
            if not occurrences(ev):
                raise GraphFailure(
                    400,
                    "ErrorRecurrenceHasNoOccurrence",
                    "The recurrence pattern has no occurrence.",
                )
        ev.change += 0 if creating else 1

    def _patch(self, number: int, ev: Event, body: dict[str, Any]) -> None:
        if "transactionId" in body and body["transactionId"] != ev.transaction_id:
            raise GraphFailure(400, "ErrorInvalidRequest", "transactionId cannot be changed.")
        before = list(ev.attendees)
        self._set(ev, body)
        if ev.recurrence is not None and any(
            k in body for k in ("recurrence", "start", "end", "isAllDay")
        ):
            ev.cancelled.clear()  # Exchange drops a series' exceptions with its pattern
            ev.exceptions.clear()
        now = ev.attendees
        added = [a for a in now if a not in before]
        removed = [a for a in before if a not in now and a in ev.announced]
        if set(body) == {"attendees"}:
            self._notify(ev, added, "invitation", None, number)
        else:
            self._notify(ev, now, None, None, number)
        self._notify(ev, removed, "cancellation", None, number)

    def _patch_occurrence(
        self, number: int, ev: Event, original: datetime, body: dict[str, Any]
    ) -> None:
        allowed = {"start", "end", "subject", "body", "location"}
        if set(body) - allowed:
            raise GraphFailure(
                400,
                "ErrorInvalidPropertySet",
                f"not simulated on an occurrence: {sorted(set(body) - allowed)}",
            )
        spans = dict(occurrences(ev))
        start, end = ev.exceptions.get(original, (original, spans[original]))
        if "start" in body:
            start, _ = _parse_time(body["start"])
        if "end" in body:
            end, _ = _parse_time(body["end"])
        if end < start:
            raise GraphFailure(400, "ErrorInvalidRequest", "The end is before the start.")
        self._check_crossing(ev, original, start, spans)
        ev.exceptions[original] = (start, end)
        ev.change += 1
        self._notify(ev, [a for a in ev.attendees if a in ev.announced], "update", original, number)

    def _check_crossing(
        self, ev: Event, original: datetime, start: datetime, spans: dict[datetime, datetime]
    ) -> None:
        """An occurrence may not move onto or past the day of a neighbouring one."""
        tz = ev.tz
        live = [o for o in sorted(spans) if o not in ev.cancelled]
        at = live.index(original)

        def day(o: datetime) -> date:
            return ev.exceptions.get(o, (o, o))[0].astimezone(tz).date()

        new = start.astimezone(tz).date()
        if (at > 0 and new <= day(live[at - 1])) or (
            at + 1 < len(live) and new >= day(live[at + 1])
        ):
            raise GraphFailure(
                400,
                "ErrorOccurrenceCrossingBoundary",
                "An occurrence cannot be moved onto or past a neighbouring occurrence.",
            )

    def _remove(
        self, number: int, ev: Event, original: datetime | None, comment: str | None
    ) -> None:
        """DELETE or cancel; the organizer's attendees that hold it hear of it either way."""
        told = [a for a in ev.attendees if a in ev.announced]
        if original is None:
            del self.events[ev.mailbox][ev.id]
        else:
            ev.cancelled.add(original)
            ev.exceptions.pop(original, None)
            ev.change += 1
        self._notify(ev, told, "cancellation", original, number, comment or "")

    def _notify(
        self,
        ev: Event,
        who: Iterable[str],
        kind: str | None,
        occurrence: datetime | None,
        number: int,
        comment: str = "",
    ) -> None:
        """Messages to ``who``; a master's invitation or update also sends one message per
        modified occurrence (Exchange sends the exceptions separately)."""
        for attendee in who:
            actual = kind or ("update" if attendee in ev.announced else "invitation")
            self.sent.append(
                Sent(ev.mailbox, attendee, actual, ev.uid, occurrence, ev.subject, number, comment)
            )
            if actual == "cancellation":
                if occurrence is None:
                    ev.announced.discard(attendee)
                continue
            if occurrence is None:
                for original in sorted(ev.exceptions):
                    self.sent.append(
                        Sent(ev.mailbox, attendee, actual, ev.uid, original, ev.subject, number)
                    )
            ev.announced.add(attendee)

    # --- views for tests -------------------------------------------------------------------

    def view(self, mailbox: str) -> list[tuple[Event, datetime, datetime]]:
        """Every single event and occurrence as it shows: (event, start, end), UTC."""
        with self.lock:
            out = []
            for ev in self.events.get(mailbox.lower(), {}).values():
                if ev.recurrence is None:
                    out.append((ev, ev.start, ev.end))
                    continue
                for original, end in occurrences(ev):
                    if original not in ev.cancelled:
                        start, stop = ev.exceptions.get(original, (original, end))
                        out.append((ev, start, stop))
            return sorted(out, key=lambda r: (r[1], r[0].subject))


def _normalized(rec: dict[str, Any]) -> dict[str, Any]:
    """A patternedRecurrence as Graph returns it: every field present, defaults filled."""
    p, r = rec.get("pattern") or {}, rec.get("range") or {}
    return {
        "pattern": {
            "type": p.get("type", "daily"),
            "interval": p.get("interval", 1),
            "month": p.get("month", 0),
            "dayOfMonth": p.get("dayOfMonth", 0),
            "daysOfWeek": list(p.get("daysOfWeek") or []),
            "firstDayOfWeek": p.get("firstDayOfWeek") or "sunday",
            "index": p.get("index") or "first",
        },
        "range": {
            "type": r.get("type", "noEnd"),
            "startDate": r.get("startDate"),
            "endDate": r.get("endDate") or "0001-01-01",
            "recurrenceTimeZone": r.get("recurrenceTimeZone") or "UTC",
            "numberOfOccurrences": r.get("numberOfOccurrences", 0),
        },
    }


def _parse_query_time(text: str) -> datetime:
    value = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def snapshot(sim: Simulator) -> Any:
    """The mailboxes and what was sent, to put back with ``restore`` (crash tests)."""
    with sim.lock:
        return copy.deepcopy((sim.events, sim.sent, next(sim._ids)))


def restore(sim: Simulator, state: Any) -> None:
    with sim.lock:
        events, sent, ids = copy.deepcopy(state)
        sim.events, sim.sent = events, sent
        sim._ids = itertools.count(ids + 1)
        sim._counter = itertools.count(1)
        sim.log.clear()
        sim.deferred.clear()
        sim.window_used.clear()


# --- the same mailbox through EWS ------------------------------------------------------------


def from_ews(ews_items: Iterable[Any], zone_names: dict[str, str] | None = None) -> list[Event]:
    """Items an EWS simulator holds, as Graph shows the same mailbox (one Exchange store, two
    protocols): named properties keep their set and name (Graph's id "String {set} Name n"),
    deleted occurrences become cancelled ones, modified ones exceptions, and whoever was sent
    the meeting still holds it."""
    from tests.simulators import ews

    out = []
    for item in ews_items:
        props = {
            f"String {{{key[0]}}} Name {key[1]}": str(value)
            for key, value in item.extended.items()
            if key[2] == "String" and key[0] and key[1]
        }
        ev = Event(
            id=_b64(f"ev|{item.mailbox}|ews-{item.id}"),
            mailbox=item.mailbox,
            uid=item.uid,
            subject=item.subject,
            body=item.body,
            start=item.start,
            end=item.end,
            zone=item.start_tz if item.start_tz in WINDOWS_ZONES else "UTC",
            all_day=item.all_day,
            location=item.location or "",
            show_as=item.free_busy.lower(),
            sensitivity=item.sensitivity.lower(),
            categories=list(item.categories),
            reminder_on=item.reminder_set,
            reminder_minutes=item.reminder_minutes,
            attendees=list(item.attendees),
            props=props,
            announced=set(item.announced),
        )
        if item.recurrence is not None:
            rec = item.recurrence
            kind = {
                "weekly": "weekly",
                "relative-monthly": "relativeMonthly",
                "absolute-monthly": "absoluteMonthly",
                "daily": "daily",
            }[rec["kind"]]
            pattern: dict[str, Any] = {"type": kind, "interval": rec.get("interval", 1)}
            if kind in ("weekly", "relativeMonthly"):
                pattern["daysOfWeek"] = [d.lower() for d in rec["days"]]
            if kind == "weekly":
                pattern["firstDayOfWeek"] = str(rec.get("first_day", "Monday")).lower()
            if kind == "relativeMonthly":
                pattern["index"] = {v: k for k, v in WEEK_INDEX.items()}[rec["index"]]
            if kind == "absoluteMonthly":
                pattern["dayOfMonth"] = rec["day"]
            ev.recurrence = _normalized(
                {
                    "pattern": pattern,
                    "range": {
                        "type": "endDate" if rec.get("end") else "noEnd",
                        "startDate": rec["start"].isoformat(),
                        "endDate": rec["end"].isoformat() if rec.get("end") else None,
                        "recurrenceTimeZone": ev.zone,
                    },
                }
            )
            originals = {n: s for n, s, _ in ews.instances(item)}
            ev.cancelled = {originals[n] for n in item.deleted}
            ev.exceptions = {originals[n]: (m.start, m.end) for n, m in item.modified.items()}
        out.append(ev)
    return out
