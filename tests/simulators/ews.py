"""An Exchange Web Services simulator: the stand-in for Exchange in plancal's tests.

A real HTTP server on loopback (port 0) that speaks SOAP to the real exchangelib. Every request
body is validated against Microsoft's published schema (``shared/ews-schema``) and so is every
answer it gives; a request the schema rejects is answered with ErrorSchemaValidation and kept
in ``schema_errors``, which the fixtures turn into a test failure.

What it keeps and does, per mailbox: calendar items with their extended properties; recurring
series (daily, weekly, absolute and relative monthly patterns, end-date / numbered / no-end
ranges) expanded in the series' own time zone, with deleted and modified occurrences; the
meeting messages Exchange would send (``sent``: invitations, updates, cancellations per
attendee, per item and occurrence). Its rules follow Exchange where plancal depends on them:
changing a series' recurrence or times drops its exceptions; an occurrence cannot be moved onto
or past the day of a neighbouring one; a deleted occurrence cannot be addressed again.

Faults on demand (``fault``): ErrorServerBusy with BackOffMilliseconds, HTTP 503 (with or without
Retry-After), an answer slower than the client's timeout (the request *is* carried out), a
connection dropped before or after carrying the request out, and a hook that runs when a given
request arrives (the crash tests kill the pushing process there).

It knows nothing of plancal: it is written from the EWS documentation and schema, and expands
recurrences with its own code, so agreeing with plancal's agenda means something.
"""

from __future__ import annotations

import base64
import itertools
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from zoneinfo import ZoneInfo

from lxml import etree

S = "http://schemas.xmlsoap.org/soap/envelope/"
M = "http://schemas.microsoft.com/exchange/services/2006/messages"
T = "http://schemas.microsoft.com/exchange/services/2006/types"
NSMAP = {"s": S, "m": M, "t": T}

LOGIN = "https://login.microsoftonline.com"  # Entra ID, as MSAL addresses it
EWS_SCOPE = "https://outlook.office365.com/.default"
WRITES = {"CreateItem", "UpdateItem", "DeleteItem", "SendItem", "MoveItem", "CopyItem"}
WRITE_LEVELS = {"Editor", "Owner", "PublishingEditor"}  # calendar permission levels that write
ITEM_INFO = {"CreateItem", "UpdateItem", "GetItem"}  # answers of ItemInfoResponseMessageType
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
WEEK_INDEX = {"First": 1, "Second": 2, "Third": 3, "Fourth": 4, "Last": -1}
MONTHS = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
]
# Windows time zone ids the tests meet, to the IANA zone with the same rules.
WINDOWS_ZONES = {
    "W. Europe Standard Time": "Europe/Berlin",
    "UTC": "UTC",
    "GMT Standard Time": "Europe/London",
    "Romance Standard Time": "Europe/Paris",
    "Central Europe Standard Time": "Europe/Budapest",
}


def q(ns: str, name: str) -> str:
    return f"{{{ns}}}{name}"


class _Challenge(Exception):
    def __init__(self, token: str):
        super().__init__(token)
        self.token = token


class EwsError(Exception):
    """An error answered in the response message, with its EWS response code."""

    def __init__(self, code: str, message: str = "", backoff_ms: int | None = None):
        super().__init__(code, message)
        self.code = code
        self.message = message or code
        self.backoff_ms = backoff_ms


# --- the mailbox model -------------------------------------------------------------------------


@dataclass
class Sent:
    """A meeting message the organizer's mailbox would send to one attendee."""

    organizer: str
    attendee: str
    kind: str  # invitation | update | cancellation
    item: str  # the series' or meeting's UID
    occurrence: datetime | None  # original start (UTC) for an occurrence message
    subject: str
    request: int  # the request number that caused it


@dataclass
class Modified:
    start: datetime
    end: datetime


@dataclass
class Item:
    id: str
    mailbox: str
    uid: str
    change: int = 1
    subject: str = ""
    body: str = ""
    body_type: str = "Text"
    sensitivity: str = "Normal"
    importance: str = "Normal"
    categories: list[str] = field(default_factory=list)
    reminder_set: bool = True
    reminder_minutes: int = 15
    start: datetime = datetime(2000, 1, 1, tzinfo=UTC)
    end: datetime = datetime(2000, 1, 1, 1, tzinfo=UTC)
    all_day: bool = False
    free_busy: str = "Busy"
    location: str | None = None
    required: list[str] = field(default_factory=list)
    optional: list[str] = field(default_factory=list)
    resources: list[str] = field(default_factory=list)
    start_tz: str = "UTC"
    end_tz: str = "UTC"
    recurrence: dict[str, Any] | None = None
    extended: dict[tuple[str, ...], Any] = field(default_factory=dict)
    deleted: set[int] = field(default_factory=set)  # instance indexes
    modified: dict[int, Modified] = field(default_factory=dict)
    announced: set[str] = field(default_factory=set)  # attendees that hold the meeting
    created: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def change_key(self) -> str:
        return base64.b64encode(f"ck:{self.id}:{self.change}".encode()).decode()

    @property
    def attendees(self) -> list[str]:
        seen: list[str] = []
        for a in self.required + self.optional + self.resources:
            if a.lower() not in seen:
                seen.append(a.lower())
        return seen

    @property
    def tz(self) -> ZoneInfo:
        return ZoneInfo(WINDOWS_ZONES.get(self.start_tz, "UTC"))

    def touch(self) -> None:
        self.change += 1


def _local_date(value: datetime, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date()


def pattern_days(rec: dict[str, Any], first: date) -> Iterable[date]:
    """The days a recurrence pattern produces from ``first`` on, in order (unbounded)."""
    kind = rec["kind"]
    interval = rec.get("interval", 1)
    if kind == "daily":
        day = first
        while True:
            yield day
            day += timedelta(days=interval)
    elif kind == "weekly":
        days = sorted(DAYS.index(d) for d in rec["days"])
        monday = first - timedelta(days=first.weekday())
        while True:
            for d in days:
                day = monday + timedelta(days=d)
                if day >= first:
                    yield day
            monday += timedelta(weeks=interval)
    elif kind in ("relative-monthly", "absolute-monthly"):
        year, month = first.year, first.month
        while True:
            if kind == "absolute-monthly":
                # "If for a particular month this value is larger than the number of days in
                # the month, the last day of the month is assumed" (DayOfMonth,
                # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/dayofmonth):
                # unlike RFC 5545, which skips such months.
                last = (date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)).day
                day = date(year, month, min(rec["day"], last))
            else:
                day = _nth(year, month, DAYS.index(rec["days"][0]), rec["index"])
            if day is not None and day >= first:
                yield day
            month += interval
            year, month = year + (month - 1) // 12, (month - 1) % 12 + 1
    else:
        raise EwsError("ErrorInvalidRecurrence", f"pattern {kind} is not simulated")


def _nth(year: int, month: int, weekday: int, nth: int) -> date:
    if nth == -1:
        nxt = date(year + month // 12, month % 12 + 1, 1)
        last = nxt - timedelta(days=1)
        return last - timedelta(days=(last.weekday() - weekday) % 7)
    first = date(year, month, 1)
    return first + timedelta(days=(weekday - first.weekday()) % 7 + 7 * (nth - 1))


def instances(item: Item) -> list[tuple[int, datetime, datetime]]:
    """(instance index, original start, original end) of every instance of a series, in UTC.

    Instances follow the wall clock of the series' time zone across DST changes, as Exchange
    does; deleted ones keep their index.
    """
    rec = item.recurrence
    assert rec is not None
    tz = item.tz
    local_start = item.start.astimezone(tz)
    duration = item.end - item.start
    clock = local_start.time().replace(tzinfo=None)
    first: date = rec["start"]
    out: list[tuple[int, datetime, datetime]] = []
    for n, day in enumerate(pattern_days(rec, first), start=1):
        if rec.get("end") is not None and day > rec["end"]:
            break
        if rec.get("count") is not None and n > rec["count"]:
            break
        if rec.get("end") is None and rec.get("count") is None and n > 1000:
            break  # a no-end series: enough for any test
        begin = datetime.combine(day, clock, tz).astimezone(UTC)
        if item.all_day:
            end = datetime.combine(
                day + (duration // timedelta(days=1)) * timedelta(days=1)
                if duration >= timedelta(days=1)
                else day,
                clock,
                tz,
            ).astimezone(UTC)
        else:
            end = (datetime.combine(day, clock, tz) + duration).astimezone(UTC)
        out.append((n, begin, end))
    return out


# --- XML helpers ---------------------------------------------------------------------------------


def _text(el: Any, path: str) -> str | None:
    found = el.find(path, NSMAP)
    return None if found is None else (found.text or "")


def _dt(text: str) -> datetime:
    text = text.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    value = datetime.fromisoformat(text)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _bool(text: str | None) -> bool:
    return (text or "").strip().lower() in ("true", "1")


def _ext_key(uri: Any) -> tuple[str, ...]:
    return (
        uri.get("DistinguishedPropertySetId") or uri.get("PropertySetId") or "",
        uri.get("PropertyName") or uri.get("PropertyTag") or uri.get("PropertyId") or "",
        uri.get("PropertyType") or "",
    )


def _id(kind: str, *parts: str) -> str:
    return base64.b64encode(":".join((kind, *parts)).encode()).decode()


def _unid(value: str) -> list[str]:
    try:
        return base64.b64decode(value.encode()).decode().split(":")
    except Exception:
        raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.") from None


# --- the server ------------------------------------------------------------------------------


@dataclass
class Logged:
    number: int
    operation: str
    mailbox: str | None
    fault: str | None
    write: bool
    error: str | None = None


class Simulator:
    def __init__(
        self,
        schema: Any,
        users: dict[str, str] | None = None,
        delegates: dict[str, set[str]] | dict[str, dict[str, str]] | None = None,
        impersonators: set[str] | dict[str, set[str]] | None = None,
        clients: dict[str, str] | None = None,
    ):
        self.schema = schema
        self.users = users if users is not None else {"svc-plancal": "hemligt-lösen"}
        # Delegate access: the mailbox owner granted the account delegate rights *with* a
        # permission level on the calendar folder; only Editor (or higher) may create, change
        # and delete items (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/delegate-access-and-ews-in-exchange).
        # A plain set grants Editor, as an administrator following the README does.
        self.delegates: dict[str, dict[str, str]] = {
            user: (dict(boxes) if isinstance(boxes, dict) else dict.fromkeys(boxes, "Editor"))
            for user, boxes in (delegates or {}).items()
        }
        # Impersonation: the ApplicationImpersonation role assigned to the account, for every
        # mailbox or, with a management scope, for the mailboxes in it (a dict); without it,
        # or outside the scope, ErrorImpersonateUserDenied
        # (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/impersonation-and-ews-in-exchange,
        # https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-configure-impersonation).
        self.impersonators: dict[str, set[str] | None] = (
            {u: {b.lower() for b in boxes} for u, boxes in impersonators.items()}
            if isinstance(impersonators, dict)
            else dict.fromkeys(impersonators or (), None)
        )
        self.clients = clients if clients is not None else {}  # OAuth2 client id → secret
        self.tokens: dict[str, str] = {}  # access token → client id
        self.token_scopes: dict[str, str] = {}  # access token → the scope it was issued for
        self.certificates: dict[str, Any] = {}  # client id → its certificate (x509)
        self.sign_ins: list[str] = []  # how each token was earned: secret | certificate
        self.lock = threading.RLock()
        self.items: dict[str, dict[str, Item]] = {}  # mailbox → id → item
        self.sent: list[Sent] = []
        self.log: list[Logged] = []
        self.schema_errors: list[str] = []
        self.response_errors: list[str] = []
        self.fault: Callable[[int, str], str | None] = lambda n, op: None
        self.on_request: Callable[[int, str], str | None] = lambda n, op: None
        self.check_answers = 3  # how many answers of each operation to validate
        self._checked: dict[str, int] = {}
        self.kill: Callable[[], None] = lambda: None  # the crash tests end the client here
        self.backoff_ms = 20
        self.retry_after: int | None = None
        self.slow_seconds = 1.0
        self.directory: dict[str, str] = {}  # address or alias (lower case) → primary SMTP
        self.unlisted: set[str] = set()  # mailboxes hidden from address lists: not resolved
        self.busy_item = 1  # which item of a batch a "busy-item" fault refuses (0-based)
        # "Now" for the messages that depend on it (a cancelled series' future exceptions).
        self.clock: Callable[[], datetime] = lambda: datetime.now(UTC)
        # Exchange Online's sending limits for one mailbox: (messages a minute, recipients a
        # day), per "Sending limits" in
        # https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits
        # None: off (on premises, the administrator's throttling policy decides). Once a limit
        # is reached, a write that would send is refused with ErrorSubmissionQuotaExceeded, "a
        # user cannot immediately send more requests because the submission quota has been
        # reached" (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/responsecode).
        # Stricter than Exchange Online, which holds the minute's excess in the Outbox: a
        # client that does not pace itself is caught here.
        self.sending_limits: tuple[int, int] | None = None
        self.submitted: list[tuple[datetime, tuple[Any, ...], str]] = []  # when, message, to
        self._counter = itertools.count(1)
        self._ids = itertools.count(1)
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # --- life ------------------------------------------------------------------------------

    def start(self) -> Simulator:
        sim = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True  # headers and body go out at once, as IIS sends

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_POST(self) -> None:
                sim._handle(self)

            def do_GET(self) -> None:
                sim._discovery(self)

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()

    @property
    def url(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}/EWS/Exchange.asmx"

    @property
    def token_url_base(self) -> str:
        assert self._server is not None
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    # --- what tests read -------------------------------------------------------------------

    def calendar(self, mailbox: str) -> list[Item]:
        with self.lock:
            return list(self.items.get(mailbox.lower(), {}).values())

    def view(self, mailbox: str, start: datetime, end: datetime) -> list[dict[str, Any]]:
        """What a calendar view shows: every single meeting and occurrence overlapping."""
        with self.lock:
            out = []
            for item in self.items.get(mailbox.lower(), {}).values():
                for occ in self._expand(item):
                    if occ["start"] < end and occ["end"] > start:
                        out.append(occ)
            return sorted(out, key=lambda o: (o["start"], o["subject"]))

    def writes(self) -> list[Logged]:
        return [e for e in self.log if e.write]

    def add_item(self, mailbox: str, **values: Any) -> Item:
        """Put an item in a calendar directly, as a person in Outlook would."""
        with self.lock:
            n = next(self._ids)
            item = Item(
                id=_id("item", mailbox.lower(), str(n)),
                mailbox=mailbox.lower(),
                uid=uuid.uuid4().hex,
                **values,
            )
            self.items.setdefault(mailbox.lower(), {})[item.id] = item
            return item

    # --- HTTP ------------------------------------------------------------------------------

    def _handle(self, h: BaseHTTPRequestHandler) -> None:
        length = int(h.headers.get("Content-Length") or 0)
        raw = h.rfile.read(length)
        if h.path.endswith("/oauth2/v2.0/token"):
            self._token(h, raw)
            return
        with self.lock:
            number = next(self._counter)
        try:
            env = etree.fromstring(raw)
        except etree.XMLSyntaxError as e:
            self._reply(h, 400, f"bad XML: {e}".encode(), "text/plain")
            return
        body = env.find(q(S, "Body"))
        op_el = body[0] if body is not None and len(body) else None
        op = etree.QName(op_el).localname if op_el is not None else "?"
        entry = Logged(number, op, None, None, op in WRITES)
        with self.lock:
            self.log.append(entry)
        try:
            user = self._authenticate(h)
        except _Challenge as challenge:  # NTLM's second leg, on the same connection
            entry.error = "401-ntlm"
            h.send_response(401)
            h.send_header("WWW-Authenticate", f"NTLM {challenge.token}")
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        if user is None:
            entry.error = "401"
            h.send_response(401)
            h.send_header("WWW-Authenticate", "NTLM")
            h.send_header("WWW-Authenticate", 'Basic realm="EWS"')
            h.send_header("Content-Length", "0")
            h.end_headers()
            return
        try:
            self.schema.validate(op_el)
        except Exception as e:  # xmlschema's validation errors
            text = f"request {number} {op}: {str(e)[:2000]}"
            self.schema_errors.append(text)
            entry.error = "schema"
            self._reply(h, 500, self._fault("ErrorSchemaValidation", text))
            return
        hook = self.on_request(number, op)
        fault = self.fault(number, op) if hook is None else hook
        entry.fault = fault
        if fault == "busy":
            self._reply(
                h,
                500,
                self._fault(
                    "ErrorServerBusy",
                    "The server cannot service this request right now.",
                    self.backoff_ms,
                ),
            )
            return
        if fault == "503":
            extra = {"Retry-After": str(self.retry_after)} if self.retry_after else {}
            self._reply(h, 503, b"Service Unavailable", "text/plain", extra)
            return
        if fault in ("drop", "kill-before"):
            if fault == "kill-before":
                self.kill()
            h.close_connection = True
            h.connection.shutdown(2)
            return
        if fault == "slow":
            # A request Exchange works on for longer than the client waits: it is carried out
            # all the same, *after* the client gave up (a timeout cancels nothing on the
            # server), so a read right after the timeout does not see it yet.
            time.sleep(self.slow_seconds)
        try:
            result = self._dispatch(env, op_el, op, user, number, entry, fault)
        except EwsError as e:
            result = self._fault(e.code, e.message)
        if fault in ("lost", "kill-after"):
            if fault == "kill-after":
                self.kill()
            h.close_connection = True
            h.connection.shutdown(2)
            return
        self._reply(h, 200 if b"Fault>" not in result[:400] else 500, result)

    def _reply(
        self,
        h: BaseHTTPRequestHandler,
        status: int,
        data: bytes,
        ctype: str = "text/xml; charset=utf-8",
        headers: dict[str, str] | None = None,
    ) -> None:
        try:
            h.send_response(status)
            h.send_header("Content-Type", ctype)
            h.send_header("Content-Length", str(len(data)))
            for k, v in (headers or {}).items():
                h.send_header(k, v)
            h.end_headers()
            h.wfile.write(data)
        except (BrokenPipeError, ConnectionResetError):
            pass  # the client gave up (its timeout): the request was carried out all the same

    def _authenticate(self, h: BaseHTTPRequestHandler) -> str | None:
        auth = h.headers.get("Authorization", "")
        if auth.startswith("Basic "):
            raw = base64.b64decode(auth[6:])
            for charset in ("utf-8", "latin-1"):  # requests sends Latin-1, browsers UTF-8
                try:
                    user, _, password = raw.decode(charset).partition(":")
                except UnicodeDecodeError:
                    continue
                if self.users.get(user) == password:
                    return user
            return None
        if auth.startswith("NTLM "):
            # A real NTLM handshake (pyspnego's acceptor; accounts in $NTLM_USER_FILE).
            import spnego

            ctx = getattr(h, "ntlm", None)
            if ctx is None or ctx.complete:
                ctx = spnego.server(protocol="ntlm")
                h.ntlm = ctx  # type: ignore[attr-defined]
            try:
                out = ctx.step(base64.b64decode(auth[5:]))
            except Exception:
                return None
            if not ctx.complete:
                raise _Challenge(base64.b64encode(out or b"").decode())
            principal = str(ctx.client_principal or "")
            return principal if principal in self.users else None
        if auth.startswith("Bearer "):
            # An app-only token for EWS is asked for with the scope
            # https://outlook.office365.com/.default; one for another resource (Graph) is not
            # accepted (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/how-to-authenticate-an-ews-application-by-using-oauth).
            token = auth[7:]
            client = self.tokens.get(token)
            if client is None or self.token_scopes.get(token) != EWS_SCOPE:
                return None
            return f"app:{client}"
        return None

    def _discovery(self, h: BaseHTTPRequestHandler) -> None:
        """Entra ID's tenant discovery document, which MSAL reads before it signs in."""
        import json

        path = h.path.split("?")[0]
        if not path.endswith("/v2.0/.well-known/openid-configuration"):
            self._reply(h, 404, b"not found", "text/plain")
            return
        tenant = path.strip("/").split("/")[0]
        issuer = f"{LOGIN}/{tenant}"
        body = {
            "token_endpoint": f"{issuer}/oauth2/v2.0/token",
            "authorization_endpoint": f"{issuer}/oauth2/v2.0/authorize",
            "issuer": f"{issuer}/v2.0",
        }
        self._reply(h, 200, json.dumps(body).encode(), "application/json")

    def _token(self, h: BaseHTTPRequestHandler, raw: bytes) -> None:
        """Entra ID's token endpoint for client credentials: a client secret, or a client
        assertion signed with the app's certificate."""
        import json
        from urllib.parse import parse_qs

        form = {k: v[0] for k, v in parse_qs(raw.decode()).items()}
        client = form.get("client_id", "")
        tenant = h.path.strip("/").split("/")[0]
        how = None
        if form.get("grant_type") == "client_credentials":
            if "client_secret" in form and self.clients.get(client) == form["client_secret"]:
                how = "secret"
            elif "client_assertion" in form and client in self.certificates:
                audience = f"{LOGIN}/{tenant}/oauth2/v2.0/token"
                how = self._assertion(client, form["client_assertion"], audience)
        if how is None:
            # AADSTS7000215: invalid client secret or assertion; the text holds no secret.
            body = {
                "error": "invalid_client",
                "error_description": "AADSTS7000215: Invalid client secret or assertion.",
            }
            self._reply(h, 401, json.dumps(body).encode(), "application/json")
            return
        token = uuid.uuid4().hex
        with self.lock:
            self.tokens[token] = client
            self.token_scopes[token] = form.get("scope", "")
            self.sign_ins.append(how)
        self._reply(
            h,
            200,
            json.dumps(
                {"access_token": token, "token_type": "Bearer", "expires_in": 3600}
            ).encode(),
            "application/json",
        )

    def _assertion(self, client: str, assertion: str, audience: str) -> str | None:
        """A client assertion: a JWT signed with the certificate's private key, its x5t the
        certificate's SHA-1 thumbprint, issuer and subject the client id, audience the token
        endpoint (https://learn.microsoft.com/entra/identity-platform/certificate-credentials)."""
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
        except Exception:  # a bad signature, audience or token: refused like Entra ID does
            return None
        return "certificate" if claims.get("iss") == client == claims.get("sub") else None

    # --- SOAP ------------------------------------------------------------------------------

    def _envelope(self, body_el: Any) -> bytes:
        env = etree.Element(q(S, "Envelope"), nsmap={"s": S, "m": M, "t": T})
        header = etree.SubElement(env, q(S, "Header"))
        info = etree.SubElement(header, q(T, "ServerVersionInfo"))
        for k, v in (
            ("MajorVersion", "15"),
            ("MinorVersion", "1"),
            ("MajorBuildNumber", "2507"),
            ("MinorBuildNumber", "6"),
            ("Version", "V2017_07_11"),
        ):
            info.set(k, v)
        body = etree.SubElement(env, q(S, "Body"))
        body.append(body_el)
        # Answers are checked too, the first few of each kind per simulator: a large answer
        # costs half a second to validate, and every answer of a kind is built the same way.
        name = etree.QName(body_el).localname
        self._checked[name] = self._checked.get(name, 0) + 1
        refused = len(body_el) and any(m.get("ResponseClass") == "Error" for m in body_el[0])
        if self._checked[name] <= self.check_answers or refused:  # every refusal is checked
            try:
                self.schema.validate(body_el)
            except Exception as e:
                self.response_errors.append(str(e)[:2000])
        return etree.tostring(env, xml_declaration=True, encoding="utf-8")

    def _fault(self, code: str, message: str, backoff_ms: int | None = None) -> bytes:
        env = etree.Element(q(S, "Envelope"), nsmap={"s": S})
        body = etree.SubElement(env, q(S, "Body"))
        fault = etree.SubElement(body, q(S, "Fault"))
        etree.SubElement(fault, "faultcode").text = "a:" + code
        etree.SubElement(fault, "faultstring").text = message
        detail = etree.SubElement(fault, "detail")
        etree.SubElement(
            detail, q("http://schemas.microsoft.com/exchange/services/2006/errors", "ResponseCode")
        ).text = code
        etree.SubElement(
            detail, q("http://schemas.microsoft.com/exchange/services/2006/errors", "Message")
        ).text = message
        if backoff_ms is not None:
            xml = etree.SubElement(detail, q(T, "MessageXml"))
            value = etree.SubElement(xml, q(T, "Value"), Name="BackOffMilliseconds")
            value.text = str(backoff_ms)
        return etree.tostring(env, xml_declaration=True, encoding="utf-8")

    def _dispatch(
        self,
        env: Any,
        op_el: Any,
        op: str,
        user: str,
        number: int,
        entry: Logged,
        fault: str | None = None,
    ) -> bytes:
        header = env.find(q(S, "Header"))
        impersonated = None
        if header is not None:
            imp = header.find(".//t:ExchangeImpersonation", NSMAP)
            if imp is not None:
                impersonated = (
                    _text(imp, ".//t:PrimarySmtpAddress") or _text(imp, ".//t:SmtpAddress") or ""
                ).lower()
                scope = self.impersonators.get(user, set())
                if user not in self.impersonators or (
                    scope is not None and impersonated not in scope
                ):
                    raise EwsError(
                        "ErrorImpersonateUserDenied",
                        "The account does not have permission to impersonate.",
                    )
        if user.startswith("app:") and impersonated is None:
            raise EwsError(
                "ErrorMissingExchangeImpersonationHeader",
                "An application token needs the ExchangeImpersonation header.",
            )
        ctx = _Context(self, user, impersonated, number)
        ctx.busy_item = self.busy_item if fault == "busy-item" else None
        ctx.write = op in WRITES
        handler = getattr(self, f"_op_{op}", None)
        if handler is None:
            raise EwsError("ErrorInvalidOperation", f"{op} is not simulated")
        with self.lock:
            out = handler(ctx, op_el)
        entry.mailbox = ctx.mailbox_used
        return self._envelope(out)

    # --- operations -------------------------------------------------------------------------

    def _response(self, op: str, messages: list[Any]) -> Any:
        root = etree.Element(q(M, f"{op}Response"), nsmap={"m": M, "t": T})
        holder = etree.SubElement(root, q(M, "ResponseMessages"))
        for m in messages:
            holder.append(m)
        return root

    def _message(self, op: str, error: EwsError | None = None) -> Any:
        msg = etree.Element(q(M, f"{op}ResponseMessage"))
        if error is None:
            msg.set("ResponseClass", "Success")
            etree.SubElement(msg, q(M, "ResponseCode")).text = "NoError"
        else:
            msg.set("ResponseClass", "Error")
            etree.SubElement(msg, q(M, "MessageText")).text = error.message
            etree.SubElement(msg, q(M, "ResponseCode")).text = error.code
            etree.SubElement(msg, q(M, "DescriptiveLinkKey")).text = "0"
            if error.backoff_ms is not None:
                xml = etree.SubElement(msg, q(M, "MessageXml"))
                value = etree.SubElement(xml, q(T, "Value"), Name="BackOffMilliseconds")
                value.text = str(error.backoff_ms)
            if op in ITEM_INFO:
                # ItemInfoResponseMessageType requires Items, empty on an error, as in
                # https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/updateitemresponsemessage
                etree.SubElement(msg, q(M, "Items"))
        return msg

    def _op_ConvertId(self, ctx: _Context, el: Any) -> Any:
        return self._response(
            "ConvertId",
            [self._message("ConvertId", EwsError("ErrorInvalidIdMalformed", "Id is malformed."))],
        )

    def _resolve(self, values: dict[str, Any]) -> dict[str, Any]:
        """Recipients as Exchange keeps them: a directory alias becomes the mailbox's primary
        SMTP address, which is what every later read returns."""
        for k in ("required", "optional", "resources"):
            if k in values:
                values[k] = [self.directory.get(a, a) for a in values[k]]
        return values

    def _op_ResolveNames(self, ctx: _Context, el: Any) -> Any:
        """One name against the directory: its mailbox with the primary SMTP address
        (https://learn.microsoft.com/en-us/exchange/client-developer/web-service-reference/resolvenames)."""
        name = (_text(el, "m:UnresolvedEntry") or "").strip().lower().removeprefix("smtp:")
        primary = self.directory.get(name)
        if primary is None or primary in self.unlisted:
            error = EwsError("ErrorNameResolutionNoResults", "No results were found.")
            return self._response("ResolveNames", [self._message("ResolveNames", error)])
        msg = self._message("ResolveNames")
        found = etree.SubElement(
            msg,
            q(M, "ResolutionSet"),
            TotalItemsInView="1",
            IncludesLastItemInRange="true",
        )
        box = etree.SubElement(etree.SubElement(found, q(T, "Resolution")), q(T, "Mailbox"))
        etree.SubElement(box, q(T, "Name")).text = primary.split("@")[0]
        etree.SubElement(box, q(T, "EmailAddress")).text = primary
        etree.SubElement(box, q(T, "RoutingType")).text = "SMTP"
        etree.SubElement(box, q(T, "MailboxType")).text = "Mailbox"
        return self._response("ResolveNames", [msg])

    def _op_GetFolder(self, ctx: _Context, el: Any) -> Any:
        msgs = []
        for fid in el.find("m:FolderIds", NSMAP):
            try:
                root = fid.get("Id") == "root" and etree.QName(fid).localname.startswith("Dist")
                mailbox = ctx.folder_mailbox(fid)
                msg = self._message("GetFolder")
                folders = etree.SubElement(msg, q(M, "Folders"))
                folder = etree.SubElement(folders, q(T, "Folder" if root else "CalendarFolder"))
                etree.SubElement(
                    folder,
                    q(T, "FolderId"),
                    Id=_id("root" if root else "folder", mailbox),
                    ChangeKey="AgAAAA==",
                )
                if not root:
                    etree.SubElement(folder, q(T, "FolderClass")).text = "IPF.Appointment"
                etree.SubElement(folder, q(T, "DisplayName")).text = (
                    "Top of Information Store" if root else "Kalender"
                )
                etree.SubElement(folder, q(T, "TotalCount")).text = str(
                    len(self.items.get(mailbox, {}))
                )
                etree.SubElement(folder, q(T, "ChildFolderCount")).text = "0"
            except EwsError as e:
                msg = self._message("GetFolder", e)
            msgs.append(msg)
        return self._response("GetFolder", msgs)

    def _op_FindItem(self, ctx: _Context, el: Any) -> Any:
        folder_ids = el.find("m:ParentFolderIds", NSMAP)
        shape = _Shape(el.find("m:ItemShape", NSMAP))
        restriction = el.find("m:Restriction", NSMAP)
        view = el.find("m:CalendarView", NSMAP)
        paged = el.find("m:IndexedPageItemView", NSMAP)
        msgs = []
        for fid in folder_ids:
            try:
                mailbox = ctx.folder_mailbox(fid)
            except EwsError as e:
                msgs.append(self._message("FindItem", e))
                continue
            items = list(self.items.get(mailbox, {}).values())
            if view is not None:
                start, end = _dt(view.get("StartDate")), _dt(view.get("EndDate"))
                rows = [
                    o
                    for item in items
                    for o in self._expand(item)
                    if o["start"] < end and o["end"] > start
                ]
                rows.sort(key=lambda o: o["start"])
                limit = view.get("MaxEntriesReturned")
                if limit is not None and len(rows) > int(limit):
                    raise EwsError(
                        "ErrorExceededFindCountLimit", "Too many items in the calendar view."
                    )
                chosen = rows
                offset, total, last = 0, len(rows), True
            else:
                rows = [
                    {"item": i, "occurrence": None}
                    for i in items
                    if restriction is None or _matches(i, restriction[0])
                ]
                rows.sort(key=lambda o: (o["item"].start, o["item"].id))
                offset = int(paged.get("Offset", "0")) if paged is not None else 0
                size = int(paged.get("MaxEntriesReturned", "1000")) if paged is not None else 1000
                chosen = rows[offset : offset + size]
                total, last = len(rows), offset + size >= len(rows)
            msg = self._message("FindItem")
            root = etree.SubElement(msg, q(M, "RootFolder"))
            if view is None:
                root.set("IndexedPagingOffset", str(offset + len(chosen)))
            root.set("TotalItemsInView", str(total))
            root.set("IncludesLastItemInRange", "true" if last else "false")
            holder = etree.SubElement(root, q(T, "Items"))
            for row in chosen:
                holder.append(self._render(row["item"], shape, row.get("index"), find=True))
            msgs.append(msg)
        return self._response("FindItem", msgs)

    def _op_GetItem(self, ctx: _Context, el: Any) -> Any:
        shape = _Shape(el.find("m:ItemShape", NSMAP))
        msgs = []
        for ref in el.find("m:ItemIds", NSMAP):
            try:
                item, index = ctx.resolve(ref)
                msg = self._message("GetItem")
                etree.SubElement(msg, q(M, "Items")).append(self._render(item, shape, index))
            except EwsError as e:
                msg = self._message("GetItem", e)
            msgs.append(msg)
        return self._response("GetItem", msgs)

    def _op_CreateItem(self, ctx: _Context, el: Any) -> Any:
        send = el.get("SendMeetingInvitations")
        folder_el = el.find("m:SavedItemFolderId", NSMAP)
        mailbox = ctx.folder_mailbox(folder_el[0]) if folder_el is not None else ctx.default()
        msgs = []
        for position, node in enumerate(el.find("m:Items", NSMAP)):
            try:
                ctx.throttle(position)
                ctx.quota(send)
                if etree.QName(node).localname != "CalendarItem":
                    raise EwsError("ErrorInvalidRequest", "only calendar items are simulated")
                if send is None:
                    raise EwsError(
                        "ErrorSendMeetingInvitationsRequired",
                        "SendMeetingInvitations is required for calendar items.",
                    )
                n = next(self._ids)
                item = Item(id=_id("item", mailbox, str(n)), mailbox=mailbox, uid=uuid.uuid4().hex)
                fields = self._resolve(_parse_fields(node))
                if "uid" in fields:
                    item.uid = fields.pop("uid")
                _apply(item, fields)
                _check(item)
                self.items.setdefault(mailbox, {})[item.id] = item
                if send != "SendToNone":
                    self._notify(item, item.attendees, "invitation", None, ctx.number)
                msg = self._message("CreateItem")
                items = etree.SubElement(msg, q(M, "Items"))
                cal = etree.SubElement(items, q(T, "CalendarItem"))
                etree.SubElement(cal, q(T, "ItemId"), Id=item.id, ChangeKey=item.change_key)
            except EwsError as e:
                msg = self._message("CreateItem", e)
            msgs.append(msg)
        return self._response("CreateItem", msgs)

    def _op_UpdateItem(self, ctx: _Context, el: Any) -> Any:
        send = el.get("SendMeetingInvitationsOrCancellations")
        resolution = el.get("ConflictResolution", "AutoResolve")
        msgs = []
        for position, change in enumerate(el.find("m:ItemChanges", NSMAP)):
            try:
                ctx.throttle(position)
                ctx.quota(send)
                ref = change[0]
                item, index = ctx.resolve(ref)
                if (
                    resolution == "NeverOverwrite"
                    and ref.get("ChangeKey")
                    and etree.QName(ref).localname == "ItemId"
                    and ref.get("ChangeKey") != item.change_key
                ):
                    raise EwsError("ErrorIrresolvableConflict", "The change key is stale.")
                if send is None and item.attendees:
                    raise EwsError(
                        "ErrorSendMeetingInvitationsOrCancellationsRequired",
                        "SendMeetingInvitationsOrCancellations is required.",
                    )
                updates = change.find("t:Updates", NSMAP)
                if index is None:
                    self._update_item(item, updates, send or "SendToNone", ctx.number)
                else:
                    self._update_occurrence(item, index, updates, send or "SendToNone", ctx.number)
                msg = self._message("UpdateItem")
                items = etree.SubElement(msg, q(M, "Items"))
                cal = etree.SubElement(items, q(T, "CalendarItem"))
                if index is None:
                    etree.SubElement(cal, q(T, "ItemId"), Id=item.id, ChangeKey=item.change_key)
                else:
                    etree.SubElement(
                        cal,
                        q(T, "ItemId"),
                        Id=_id("occ", item.id, str(index)),
                        ChangeKey=item.change_key,
                    )
                conflicts = etree.SubElement(msg, q(M, "ConflictResults"))
                etree.SubElement(conflicts, q(T, "Count")).text = "0"
            except EwsError as e:
                msg = self._message("UpdateItem", e)
            msgs.append(msg)
        return self._response("UpdateItem", msgs)

    def _update_item(self, item: Item, updates: Any, send: str, number: int) -> None:
        before = list(item.attendees)
        values: dict[str, Any] = {}
        for upd in updates:
            kind = etree.QName(upd).localname
            uri = upd[0]
            if kind == "DeleteItemField":
                values[_uri_field(uri)] = None
                continue
            parsed = self._resolve(_parse_fields(upd.find("t:CalendarItem", NSMAP)))
            if kind == "AppendToItemField":
                for k, v in parsed.items():
                    if isinstance(v, list):
                        parsed[k] = list(getattr(item, k, [])) + v
            extended = {**values.get("extended", {}), **parsed.pop("extended", {})}
            values.update(parsed)
            if extended:
                values["extended"] = extended
        if "uid" in values:
            raise EwsError("ErrorInvalidPropertySet", "UID cannot be changed.")
        reset = any(k in values for k in ("recurrence", "start", "end", "start_tz", "end_tz"))
        _apply(item, values)
        if reset and item.recurrence is not None:
            # Exchange drops every exception when a series' pattern or times change.
            item.deleted.clear()
            item.modified.clear()
        _check(item)
        item.touch()
        now = item.attendees
        added = [a for a in now if a not in before]
        removed = [a for a in before if a not in now]
        if send in ("SendOnlyToAll", "SendToAllAndSaveCopy"):
            self._announce(item, now, number)
        elif send in ("SendOnlyToChanged", "SendToChangedAndSaveCopy"):
            self._announce(item, added, number)
        if send != "SendToNone":
            self._cancel(item, [a for a in removed if a in item.announced], number)

    def _update_occurrence(
        self, item: Item, index: int, updates: Any, send: str, number: int
    ) -> None:
        values: dict[str, Any] = {}
        for upd in updates:
            if etree.QName(upd).localname != "SetItemField":
                raise EwsError(
                    "ErrorInvalidPropertyForOperation",
                    "only SetItemField is simulated on occurrences",
                )
            values.update(_parse_fields(upd.find("t:CalendarItem", NSMAP)))
        allowed = {"start", "end", "start_tz", "end_tz", "subject", "location", "body", "body_type"}
        if set(values) - allowed:
            raise EwsError(
                "ErrorInvalidPropertySet",
                f"not simulated on occurrences: {sorted(set(values) - allowed)}",
            )
        inst = {n: (s, e) for n, s, e in instances(item)}
        current = item.modified.get(index)
        start = values.get("start", current.start if current else inst[index][0])
        end = values.get("end", current.end if current else inst[index][1])
        if end <= start:
            raise EwsError("ErrorCalendarEndDateIsEarlierThanStartDate", "End before start.")
        self._check_crossing(item, index, start, inst)
        item.modified[index] = Modified(start, end)
        item.touch()
        if send in ("SendOnlyToAll", "SendToAllAndSaveCopy"):
            self._notify(item, item.attendees, None, inst[index][0], number)

    def _check_crossing(
        self, item: Item, index: int, start: datetime, inst: dict[int, tuple[datetime, datetime]]
    ) -> None:
        """An occurrence may not move onto or past the day of a neighbouring one."""
        tz = item.tz
        day = _local_date(start, tz)
        live = [n for n in sorted(inst) if n not in item.deleted]
        pos = live.index(index)

        def current(n: int) -> datetime:
            return item.modified[n].start if n in item.modified else inst[n][0]

        if pos > 0 and day <= _local_date(current(live[pos - 1]), tz):
            raise EwsError(
                "ErrorOccurrenceCrossingBoundary",
                "An occurrence cannot be moved onto or past the previous one.",
            )
        if pos + 1 < len(live) and day >= _local_date(current(live[pos + 1]), tz):
            raise EwsError(
                "ErrorOccurrenceCrossingBoundary",
                "An occurrence cannot be moved onto or past the next one.",
            )

    def _op_DeleteItem(self, ctx: _Context, el: Any) -> Any:
        send = el.get("SendMeetingCancellations")
        msgs = []
        for position, ref in enumerate(el.find("m:ItemIds", NSMAP)):
            try:
                ctx.throttle(position)
                ctx.quota(send)
                item, index = ctx.resolve(ref)
                if send is None and item.attendees:
                    raise EwsError(
                        "ErrorSendMeetingCancellationsRequired",
                        "SendMeetingCancellations is required.",
                    )
                notify = send in ("SendOnlyToAll", "SendToAllAndSaveCopy")
                if index is None:
                    del self.items[item.mailbox][item.id]
                    if notify:
                        self._cancel(
                            item, [a for a in item.attendees if a in item.announced], ctx.number
                        )
                else:
                    original = {n: s for n, s, _ in instances(item)}[index]
                    item.deleted.add(index)
                    item.modified.pop(index, None)
                    item.touch()
                    if notify:
                        self._notify(
                            item,
                            [a for a in item.attendees if a in item.announced],
                            "cancellation",
                            original,
                            ctx.number,
                        )
                msg = self._message("DeleteItem")
            except EwsError as e:
                msg = self._message("DeleteItem", e)
            msgs.append(msg)
        return self._response("DeleteItem", msgs)

    def _announce(self, item: Item, who: Iterable[str], number: int) -> None:
        """A meeting request or update for a meeting or a whole series.

        Updating a series' master sends one message for the master and one more for every
        modified occurrence, each a separate meeting message in the same store (Graph's
        update-event page, which shares the mailbox store with EWS:
        https://learn.microsoft.com/en-us/graph/api/event-update). A new attendee gets the
        same: the series, then each exception.
        """
        who = list(who)
        kinds = {a: "update" if a in item.announced else "invitation" for a in who}
        originals = {n: s for n, s, _ in instances(item)} if item.recurrence else {}
        for attendee in who:
            self._notify(item, [attendee], kinds[attendee], None, number)
            for index in sorted(item.modified):
                self._notify(item, [attendee], kinds[attendee], originals[index], number)

    def _cancel(self, item: Item, who: Iterable[str], number: int) -> None:
        """Cancelling a series (to everyone, or to removed attendees) cancels the series and
        then each exception whose start has not yet passed (MS-OXOCAL 3.1.4.9.1:
        https://learn.microsoft.com/en-us/openspecs/exchange_server_protocols/ms-oxocal/2ae20b1f-9889-4eb3-a9fc-fbf9c9b9ff7e);
        deleted occurrences are not cancelled again."""
        who = list(who)
        now = self.clock()
        future = [m for _, m in sorted(item.modified.items()) if m.start > now]
        originals = {n: s for n, s, _ in instances(item)} if item.recurrence else {}
        starts = [originals[n] for n, m in sorted(item.modified.items()) if m.start > now]
        assert len(starts) == len(future)
        for attendee in who:
            for occurrence in starts:
                self._notify(item, [attendee], "cancellation", occurrence, number)
            self._notify(item, [attendee], "cancellation", None, number)

    def _notify(
        self,
        item: Item,
        who: Iterable[str],
        kind: str | None,
        occurrence: datetime | None,
        number: int,
    ) -> None:
        for attendee in who:
            actual = kind or ("update" if attendee in item.announced else "invitation")
            self.sent.append(
                Sent(item.mailbox, attendee, actual, item.uid, occurrence, item.subject, number)
            )
            self.submitted.append((self.clock(), (number, item.uid, occurrence), attendee))
            if actual == "cancellation":
                if occurrence is None:
                    item.announced.discard(attendee)
            else:
                item.announced.add(attendee)

    # --- rendering -------------------------------------------------------------------------

    def _expand(self, item: Item) -> list[dict[str, Any]]:
        if item.recurrence is None:
            return [
                {
                    "item": item,
                    "index": None,
                    "start": item.start,
                    "end": item.end,
                    "subject": item.subject,
                    "original": None,
                }
            ]
        out = []
        for n, start, end in instances(item):
            if n in item.deleted:
                continue
            mod = item.modified.get(n)
            out.append(
                {
                    "item": item,
                    "index": n,
                    "start": mod.start if mod else start,
                    "end": mod.end if mod else end,
                    "subject": item.subject,
                    "original": start,
                }
            )
        return out

    def _render(self, item: Item, shape: _Shape, index: int | None, find: bool = False) -> Any:
        occ: dict[str, Any] | None = None
        if index is not None:
            inst = {n: (s, e) for n, s, e in instances(item)}
            mod = item.modified.get(index)
            occ = {
                "original": inst[index][0],
                "start": mod.start if mod else inst[index][0],
                "end": mod.end if mod else inst[index][1],
                "modified": mod is not None,
            }
        values: list[Any] = []
        el = etree.Element(q(T, "CalendarItem"))
        item_id = item.id if index is None else _id("occ", item.id, str(index))
        values.append(etree.Element(q(T, "ItemId"), Id=item_id, ChangeKey=item.change_key))
        for uri in shape.uris(find):
            values.extend(_render_field(item, uri, occ, find))
        for ext in shape.extended:
            key = _ext_key(ext)
            if key in item.extended:
                prop = etree.Element(q(T, "ExtendedProperty"))
                field = etree.SubElement(prop, q(T, "ExtendedFieldURI"))
                for k, v in ext.attrib.items():
                    field.set(k, v)
                value = item.extended[key]
                if isinstance(value, list):
                    vals = etree.SubElement(prop, q(T, "Values"))
                    for v in value:
                        etree.SubElement(vals, q(T, "Value")).text = v
                else:
                    etree.SubElement(prop, q(T, "Value")).text = value
                values.append(prop)
        for child in _ordered(self.schema, values):
            el.append(child)
        return el


class _Context:
    def __init__(self, sim: Simulator, user: str, impersonated: str | None, number: int):
        self.sim = sim
        self.user = user
        self.impersonated = impersonated
        self.number = number
        self.mailbox_used: str | None = None
        self.busy_item: int | None = None
        self.write = False

    def throttle(self, position: int) -> None:
        """ErrorServerBusy for one item of a batch: that item is not carried out, the others
        are. Exchange reports throttling per response message as well as for a whole request
        (https://learn.microsoft.com/en-us/exchange/client-developer/exchange-web-services/ews-throttling-in-exchange),
        with BackOffMilliseconds in the message's MessageXml."""
        if position == self.busy_item:
            raise EwsError(
                "ErrorServerBusy",
                "The server cannot service this request right now. Try again later.",
                self.sim.backoff_ms,
            )

    def quota(self, send: str | None) -> None:
        """ErrorSubmissionQuotaExceeded for a write that would send once the minute's messages
        or the day's recipients reached the sending limits (see ``Simulator.sending_limits``)."""
        limits = self.sim.sending_limits
        if limits is None or send in (None, "SendToNone"):
            return
        now = self.sim.clock()
        minute = {m for when, m, _ in self.sim.submitted if when > now - timedelta(minutes=1)}
        day = [m for when, m, _ in self.sim.submitted if when > now - timedelta(days=1)]
        if len(minute) >= limits[0] or len(day) >= limits[1]:
            raise EwsError(
                "ErrorSubmissionQuotaExceeded",
                "The message can't be submitted because the sender's submission quota was "
                "exceeded.",
            )

    def default(self) -> str:
        box = self.impersonated or self.user.lower()
        return self._allowed(box)

    def _allowed(self, mailbox: str) -> str:
        mailbox = mailbox.lower()
        if self.impersonated is not None:
            if mailbox != self.impersonated:
                raise EwsError("ErrorAccessDenied", "Access is denied.")
        elif mailbox != self.user.lower():
            level = self.sim.delegates.get(self.user, {}).get(mailbox)
            if level is None or (self.write and level not in WRITE_LEVELS):
                raise EwsError("ErrorAccessDenied", "Access is denied. Check credentials.")
        self.mailbox_used = mailbox
        return mailbox

    def folder_mailbox(self, fid: Any) -> str:
        name = etree.QName(fid).localname
        if name == "DistinguishedFolderId":
            if fid.get("Id") not in ("calendar", "root"):
                raise EwsError("ErrorFolderNotFound", f"{fid.get('Id')} is not simulated")
            box = _text(fid, "t:Mailbox/t:EmailAddress")
            return self._allowed(box) if box else self.default()
        parts = _unid(fid.get("Id", ""))
        if parts[0] != "folder":
            raise EwsError("ErrorFolderNotFound", "The folder does not exist.")
        return self._allowed(parts[1])

    def resolve(self, ref: Any) -> tuple[Item, int | None]:
        name = etree.QName(ref).localname
        if name == "OccurrenceItemId":
            item, _ = self._item(ref.get("RecurringMasterId", ""))
            index = int(ref.get("InstanceIndex", "0"))
            return item, self._index(item, index)
        if name == "RecurringMasterItemId":
            item, _ = self._item(ref.get("OccurrenceId", ""))
            return item, None
        return self._item(ref.get("Id", ""))

    def _item(self, value: str) -> tuple[Item, int | None]:
        parts = _unid(value)
        if parts[0] == "occ":  # occ:<master id>:<instance index>
            item, _ = self._item(parts[1])
            return item, self._index(item, int(parts[2]))
        if parts[0] != "item" or len(parts) != 3:
            raise EwsError("ErrorInvalidIdMalformed", "Id is malformed.")
        mailbox = self._allowed(parts[1])
        found = self.sim.items.get(mailbox, {}).get(value)
        if found is None:
            raise EwsError("ErrorItemNotFound", "The specified object was not found in the store.")
        return found, None

    def _index(self, item: Item, index: int) -> int:
        if item.recurrence is None:
            raise EwsError(
                "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                "The item is not a recurring master.",
            )
        count = len(instances(item))
        if not 1 <= index <= count:
            raise EwsError(
                "ErrorCalendarOccurrenceIndexIsOutOfRecurrenceRange",
                "The occurrence index is out of the recurrence range.",
            )
        if index in item.deleted:
            raise EwsError(
                "ErrorCalendarOccurrenceIsDeletedFromRecurrence",
                "The occurrence was deleted from the recurrence.",
            )
        return index


# --- fields ------------------------------------------------------------------------------------


class _Shape:
    DEFAULT = (
        "item:Subject",
        "calendar:Start",
        "calendar:End",
        "calendar:Location",
        "calendar:IsAllDayEvent",
        "calendar:CalendarItemType",
        "calendar:UID",
        "calendar:IsRecurring",
    )

    def __init__(self, el: Any):
        self.base = _text(el, "t:BaseShape") or "IdOnly"
        self.fields: list[str] = []
        self.extended: list[Any] = []
        extra = el.find("t:AdditionalProperties", NSMAP)
        if extra is not None:
            for uri in extra:
                if etree.QName(uri).localname == "ExtendedFieldURI":
                    self.extended.append(uri)
                elif uri.get("FieldURI"):
                    self.fields.append(uri.get("FieldURI"))

    def uris(self, find: bool) -> list[str]:
        base = list(self.DEFAULT) if self.base in ("Default", "AllProperties") else []
        return base + [f for f in self.fields if f not in base]


NOT_IN_FIND = {
    "item:Body",
    "calendar:RequiredAttendees",
    "calendar:OptionalAttendees",
    "calendar:Resources",
    "calendar:ModifiedOccurrences",
    "calendar:DeletedOccurrences",
    "item:Attachments",
}


def _attendee_list(tag: str, addresses: list[str]) -> Any:
    el = etree.Element(q(T, tag))
    for a in addresses:
        att = etree.SubElement(el, q(T, "Attendee"))
        box = etree.SubElement(att, q(T, "Mailbox"))
        etree.SubElement(box, q(T, "EmailAddress")).text = a
        etree.SubElement(box, q(T, "RoutingType")).text = "SMTP"
        etree.SubElement(att, q(T, "ResponseType")).text = "Unknown"
    return el


def _simple(tag: str, text: str) -> Any:
    el = etree.Element(q(T, tag))
    el.text = text
    return el


def _render_field(item: Item, uri: str, occ: dict[str, Any] | None, find: bool) -> list[Any]:
    if find and uri in NOT_IN_FIND:
        # Exchange refuses these in FindItem; exchangelib never asks, so neither do we answer.
        raise EwsError("ErrorInvalidPropertyRequest", f"{uri} cannot be requested in FindItem")
    name = uri.split(":", 1)[1]
    recurring = item.recurrence is not None
    if name == "Subject":
        return [_simple("Subject", item.subject)]
    if name == "Sensitivity":
        return [_simple("Sensitivity", item.sensitivity)]
    if name == "Body":
        el = _simple("Body", item.body)
        el.set("BodyType", item.body_type)
        return [el]
    if name == "Categories":
        if not item.categories:
            return []
        el = etree.Element(q(T, "Categories"))
        for c in item.categories:
            etree.SubElement(el, q(T, "String")).text = c
        return [el]
    if name == "Importance":
        return [_simple("Importance", item.importance)]
    if name == "ReminderIsSet":
        return [_simple("ReminderIsSet", "true" if item.reminder_set else "false")]
    if name == "ReminderMinutesBeforeStart":
        return [_simple("ReminderMinutesBeforeStart", str(item.reminder_minutes))]
    if name == "UID":
        return [_simple("UID", item.uid)]
    if name == "Start":
        return [_simple("Start", _iso(occ["start"] if occ else item.start))]
    if name == "End":
        return [_simple("End", _iso(occ["end"] if occ else item.end))]
    if name == "OriginalStart":
        return [_simple("OriginalStart", _iso(occ["original"]))] if occ else []
    if name == "IsAllDayEvent":
        return [_simple("IsAllDayEvent", "true" if item.all_day else "false")]
    if name == "LegacyFreeBusyStatus":
        return [_simple("LegacyFreeBusyStatus", item.free_busy)]
    if name == "Location":
        return [_simple("Location", item.location)] if item.location else []
    if name == "IsMeeting":
        return [_simple("IsMeeting", "true" if item.attendees else "false")]
    if name == "IsCancelled":
        return [_simple("IsCancelled", "false")]
    if name == "IsRecurring":
        return [_simple("IsRecurring", "true" if recurring and occ is not None else "false")]
    if name == "MeetingRequestWasSent":
        return [_simple("MeetingRequestWasSent", "true" if item.announced else "false")]
    if name == "CalendarItemType":
        if occ is not None:
            kind = "Exception" if occ["modified"] else "Occurrence"
        else:
            kind = "RecurringMaster" if recurring else "Single"
        return [_simple("CalendarItemType", kind)]
    if name == "Organizer":
        org = etree.Element(q(T, "Organizer"))
        box = etree.SubElement(org, q(T, "Mailbox"))
        etree.SubElement(box, q(T, "EmailAddress")).text = item.mailbox
        etree.SubElement(box, q(T, "RoutingType")).text = "SMTP"
        return [org]
    if name == "RequiredAttendees":
        return [_attendee_list("RequiredAttendees", item.required)] if item.required else []
    if name == "OptionalAttendees":
        return [_attendee_list("OptionalAttendees", item.optional)] if item.optional else []
    if name == "Resources":
        return [_attendee_list("Resources", item.resources)] if item.resources else []
    if name == "Recurrence":
        return [_render_recurrence(item.recurrence)] if recurring and occ is None else []
    if name == "ModifiedOccurrences":
        if not recurring or occ is not None or not item.modified:
            return []
        inst = {n: s for n, s, _ in instances(item)}
        el = etree.Element(q(T, "ModifiedOccurrences"))
        for n in sorted(item.modified):
            o = etree.SubElement(el, q(T, "Occurrence"))
            etree.SubElement(
                o, q(T, "ItemId"), Id=_id("occ", item.id, str(n)), ChangeKey=item.change_key
            )
            etree.SubElement(o, q(T, "Start")).text = _iso(item.modified[n].start)
            etree.SubElement(o, q(T, "End")).text = _iso(item.modified[n].end)
            etree.SubElement(o, q(T, "OriginalStart")).text = _iso(inst[n])
        return [el]
    if name == "DeletedOccurrences":
        if not recurring or occ is not None or not item.deleted:
            return []
        inst = {n: s for n, s, _ in instances(item)}
        el = etree.Element(q(T, "DeletedOccurrences"))
        for n in sorted(item.deleted):
            d = etree.SubElement(el, q(T, "DeletedOccurrence"))
            etree.SubElement(d, q(T, "Start")).text = _iso(inst[n])
        return [el]
    if name in ("StartTimeZone", "EndTimeZone"):
        zone = item.start_tz if name == "StartTimeZone" else item.end_tz
        return [etree.Element(q(T, name), Id=zone)]
    if name == "FirstOccurrence" or name == "LastOccurrence":
        return []
    return []  # a property this item does not have: Exchange leaves it out


def _render_recurrence(rec: dict[str, Any] | None) -> Any:
    assert rec is not None
    el = etree.Element(q(T, "Recurrence"))
    kind = rec["kind"]
    if kind == "weekly":
        p = etree.SubElement(el, q(T, "WeeklyRecurrence"))
        etree.SubElement(p, q(T, "Interval")).text = str(rec["interval"])
        etree.SubElement(p, q(T, "DaysOfWeek")).text = " ".join(rec["days"])
        etree.SubElement(p, q(T, "FirstDayOfWeek")).text = rec.get("first_day", "Monday")
    elif kind == "relative-monthly":
        p = etree.SubElement(el, q(T, "RelativeMonthlyRecurrence"))
        etree.SubElement(p, q(T, "Interval")).text = str(rec["interval"])
        etree.SubElement(p, q(T, "DaysOfWeek")).text = rec["days"][0]
        index = {v: k for k, v in WEEK_INDEX.items()}[rec["index"]]
        etree.SubElement(p, q(T, "DayOfWeekIndex")).text = index
    elif kind == "absolute-monthly":
        p = etree.SubElement(el, q(T, "AbsoluteMonthlyRecurrence"))
        etree.SubElement(p, q(T, "Interval")).text = str(rec["interval"])
        etree.SubElement(p, q(T, "DayOfMonth")).text = str(rec["day"])
    else:
        p = etree.SubElement(el, q(T, "DailyRecurrence"))
        etree.SubElement(p, q(T, "Interval")).text = str(rec["interval"])
    if rec.get("end") is not None:
        r = etree.SubElement(el, q(T, "EndDateRecurrence"))
        etree.SubElement(r, q(T, "StartDate")).text = rec["start"].isoformat()
        etree.SubElement(r, q(T, "EndDate")).text = rec["end"].isoformat()
    elif rec.get("count") is not None:
        r = etree.SubElement(el, q(T, "NumberedRecurrence"))
        etree.SubElement(r, q(T, "StartDate")).text = rec["start"].isoformat()
        etree.SubElement(r, q(T, "NumberOfOccurrences")).text = str(rec["count"])
    else:
        r = etree.SubElement(el, q(T, "NoEndRecurrence"))
        etree.SubElement(r, q(T, "StartDate")).text = rec["start"].isoformat()
    return el


_ORDER: dict[str, int] = {}


def _ordered(schema: Any, children: list[Any]) -> list[Any]:
    """Children in the order CalendarItemType's sequence requires (read from the schema)."""
    if not _ORDER:
        ctype = schema.maps.types[q(T, "CalendarItemType")]
        for i, decl in enumerate(ctype.content.iter_elements()):
            _ORDER.setdefault(decl.local_name, i)
    return sorted(children, key=lambda c: _ORDER.get(etree.QName(c).localname, 10_000))


def _parse_addresses(el: Any) -> list[str]:
    return [(_text(a, "t:Mailbox/t:EmailAddress") or "").lower() for a in el]


def _parse_fields(node: Any) -> dict[str, Any]:
    """The fields a CalendarItem element sets, by name."""
    out: dict[str, Any] = {}
    for child in node:
        name = etree.QName(child).localname
        text = child.text or ""
        if name == "Subject":
            out["subject"] = text
        elif name == "Body":
            out["body"] = text
            out["body_type"] = child.get("BodyType", "Text")
        elif name == "Sensitivity":
            out["sensitivity"] = text
        elif name == "Importance":
            out["importance"] = text
        elif name == "Categories":
            out["categories"] = [c.text or "" for c in child]
        elif name == "ReminderIsSet":
            out["reminder_set"] = _bool(text)
        elif name == "ReminderMinutesBeforeStart":
            out["reminder_minutes"] = int(text)
        elif name == "ExtendedProperty":
            uri = child.find("t:ExtendedFieldURI", NSMAP)
            values = child.find("t:Values", NSMAP)
            value: Any = (
                [v.text or "" for v in values] if values is not None else _text(child, "t:Value")
            )
            out.setdefault("extended", {})[_ext_key(uri)] = value
        elif name == "UID":
            out["uid"] = text
        elif name == "Start":
            out["start"] = _dt(text)
        elif name == "End":
            out["end"] = _dt(text)
        elif name == "IsAllDayEvent":
            out["all_day"] = _bool(text)
        elif name == "LegacyFreeBusyStatus":
            out["free_busy"] = text
        elif name == "Location":
            out["location"] = text
        elif name == "RequiredAttendees":
            out["required"] = _parse_addresses(child)
        elif name == "OptionalAttendees":
            out["optional"] = _parse_addresses(child)
        elif name == "Resources":
            out["resources"] = _parse_addresses(child)
        elif name == "Recurrence":
            out["recurrence"] = _parse_recurrence(child)
        elif name == "StartTimeZone":
            out["start_tz"] = child.get("Id") or "UTC"
        elif name == "EndTimeZone":
            out["end_tz"] = child.get("Id") or "UTC"
        elif name == "MeetingTimeZone":
            out["start_tz"] = out["end_tz"] = child.get("TimeZoneName") or "UTC"
        elif name in ("ModifiedOccurrences", "DeletedOccurrences"):
            raise EwsError("ErrorInvalidPropertySet", f"{name} is read-only")
    return out


def _parse_recurrence(el: Any) -> dict[str, Any]:
    pattern, span = el[0], el[1]
    kind = etree.QName(pattern).localname
    rec: dict[str, Any] = {"interval": int(_text(pattern, "t:Interval") or "1")}
    if kind == "WeeklyRecurrence":
        rec["kind"] = "weekly"
        rec["days"] = (_text(pattern, "t:DaysOfWeek") or "").split()
        rec["first_day"] = _text(pattern, "t:FirstDayOfWeek") or "Sunday"
    elif kind == "RelativeMonthlyRecurrence":
        rec["kind"] = "relative-monthly"
        rec["days"] = [(_text(pattern, "t:DaysOfWeek") or "").strip()]
        rec["index"] = WEEK_INDEX[(_text(pattern, "t:DayOfWeekIndex") or "").strip()]
    elif kind == "AbsoluteMonthlyRecurrence":
        rec["kind"] = "absolute-monthly"
        rec["day"] = int(_text(pattern, "t:DayOfMonth") or "1")
    elif kind == "DailyRecurrence":
        rec["kind"] = "daily"
    else:
        raise EwsError("ErrorInvalidRecurrence", f"{kind} is not simulated")
    if any(d not in DAYS for d in rec.get("days", [])):
        raise EwsError("ErrorInvalidRecurrence", "only single weekdays are simulated")
    rec["start"] = date.fromisoformat((_text(span, "t:StartDate") or "")[:10])
    kind = etree.QName(span).localname
    if kind == "EndDateRecurrence":
        rec["end"] = date.fromisoformat((_text(span, "t:EndDate") or "")[:10])
    elif kind == "NumberedRecurrence":
        rec["count"] = int(_text(span, "t:NumberOfOccurrences") or "1")
    return rec


def _apply(item: Item, values: dict[str, Any]) -> None:
    for key, value in values.items():
        if key == "extended":
            item.extended.update(value)
        elif value is None:
            defaults = Item(id="", mailbox="", uid="")
            setattr(item, key, getattr(defaults, key))
        else:
            setattr(item, key, value)


def _check(item: Item) -> None:
    if item.end < item.start:
        raise EwsError(
            "ErrorCalendarEndDateIsEarlierThanStartDate", "EndDate is earlier than StartDate"
        )
    if item.recurrence is not None:
        first = _local_date(item.start, item.tz)
        if item.recurrence["start"] != first:
            # Exchange moves the series start to the pattern's first day; plancal never
            # relies on that, so a mismatch here is a mistake worth failing on.
            raise EwsError(
                "ErrorRecurrenceHasNoOccurrence",
                "The recurrence start does not match the item's start date.",
            )
        if not instances(item):
            raise EwsError(
                "ErrorRecurrenceHasNoOccurrence", "The recurrence pattern has no occurrence."
            )


def _uri_field(uri: Any) -> str:
    mapping = {
        "item:Subject": "subject",
        "item:Body": "body",
        "calendar:Location": "location",
        "calendar:RequiredAttendees": "required",
        "calendar:OptionalAttendees": "optional",
        "calendar:Resources": "resources",
        "calendar:Recurrence": "recurrence",
        "item:Categories": "categories",
        "item:ReminderMinutesBeforeStart": "reminder_minutes",
    }
    value = uri.get("FieldURI")
    if value not in mapping:
        raise EwsError("ErrorInvalidPropertyDelete", f"{value} cannot be deleted here")
    return mapping[value]


_OPS = re.compile(r"^(Is\w+|Exists|And|Or|Not|Contains)$")


def _field_value(item: Item, uri: Any) -> Any:
    name = etree.QName(uri).localname
    if name == "ExtendedFieldURI":
        return item.extended.get(_ext_key(uri))
    field_uri = uri.get("FieldURI")
    return {
        "item:Subject": item.subject,
        "calendar:Start": _iso(item.start),
        "calendar:End": _iso(item.end),
        "calendar:UID": item.uid,
        "calendar:Location": item.location,
    }.get(field_uri)


def _matches(item: Item, cond: Any) -> bool:
    name = etree.QName(cond).localname
    if name == "And":
        return all(_matches(item, c) for c in cond)
    if name == "Or":
        return any(_matches(item, c) for c in cond)
    if name == "Not":
        return not _matches(item, cond[0])
    if name == "Exists":
        return _field_value(item, cond[0]) is not None
    value = _field_value(item, cond[0])
    constant = cond.find("t:FieldURIOrConstant/t:Constant", NSMAP)
    other = constant.get("Value") if constant is not None else None
    if name == "IsEqualTo":
        return value is not None and str(value) == other
    if name == "IsNotEqualTo":
        return value is None or str(value) != other
    if name == "Contains":
        return value is not None and (cond.find("t:Constant", NSMAP).get("Value") or "") in value
    raise EwsError("ErrorUnsupportedQueryFilter", f"{name} is not simulated")


def snapshot(sim: Simulator) -> Any:
    """The mailboxes and what was sent, to put back with ``restore`` (crash tests)."""
    import copy

    with sim.lock:
        return copy.deepcopy((sim.items, sim.sent, next(sim._ids)))


def restore(sim: Simulator, state: Any) -> None:
    import copy

    with sim.lock:
        items, sent, ids = copy.deepcopy(state)
        sim.items, sim.sent = items, sent
        sim._ids = itertools.count(ids + 1)
        sim._counter = itertools.count(1)  # request numbers count from the restore
        sim.log.clear()
