"""The CalDAV target: the plan's meetings as calendar object resources in one collection.

One resource per UID: a series with its overrides (RECURRENCE-ID) and EXDATEs, or a single
meeting — the feeds' VEVENTs (``calendars/ics.py``) with the plan's VTIMEZONE, the organizer
and the attendees (SCHEDULE-AGENT=CLIENT: a server that schedules must not send invitations of
its own; ``plancal push mail`` does that). The master carries plancal's tag, X-PLANCAL-PLAN,
with the activity and the content and timing hashes; ``read`` keeps only resources with this
plan's tag, so nothing else in the collection is ever written or deleted.

HTTP (httpx, with a thin layer here rather than the ``caldav`` library: every write must be
exactly one conditional request whose status plancal interprets itself, and the library's
save() neither sends If-Match nor reports a 412 as such):

- read: one REPORT calendar-query (Depth: 1) asking for getetag and calendar-data;
- create: PUT with ``If-None-Match: *``; update: PUT with ``If-Match: <etag>``; delete: DELETE
  with ``If-Match: <etag>``. A 412 means someone changed or made the resource after the read:
  the round ends (``Unsettled``), the push reads again and reconciles from what is there;
- a timeout or a dropped connection during a write leaves it unsettled the same way (the write
  is recorded in ``push_intents`` before it goes out and cleared when its answer is in);
- 503 with Retry-After, and 429, are waited out and the same request is sent again.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import TYPE_CHECKING, Any
from urllib.parse import quote, urljoin, urlparse
from xml.etree import ElementTree

from plancal.calendars import ics
from plancal.calendars.push import Progress, Pushed, PushLedger
from plancal.calendars.sync import Change, Held, Meeting, When, snapshot
from plancal.calendars.vtimezone import vtimezone_lines
from plancal.errors import Problem, UserError
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import Schedule

if TYPE_CHECKING:
    import httpx

TAG = "X-PLANCAL-PLAN"
DAV, CAL = "DAV:", "urn:ietf:params:xml:ns:caldav"
QUERY = (
    '<?xml version="1.0" encoding="utf-8"?>\n'
    '<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">'
    "<D:prop><D:getetag/><C:calendar-data/></D:prop>"
    '<C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT"/>'
    "</C:comp-filter></C:filter></C:calendar-query>"
)
Probe = Callable[[str], None]


def no_probe(_point: str) -> None:
    pass


def shown_url(url: str) -> str:
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.password is None:
        return url
    host = parts.netloc.rsplit("@", 1)[1]
    return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{host}"))


class CalDavError(UserError):
    """The server refused or could not be reached; the message is safe to show (no secret)."""


class Unsettled(RuntimeError):
    """A write whose outcome is unknown or that lost a race (412): read again and reconcile."""


@dataclass(frozen=True)
class Connection:
    url: str  # the calendar collection
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    timeout: float = 30.0
    max_wait: float = 300.0

    @property
    def target(self) -> str:
        return f"caldav:{self.shown_url}"

    @property
    def shown_url(self) -> str:
        """The URL as messages and logs show it: a password written into it is masked."""
        return shown_url(self.url)

    @classmethod
    def from_settings(cls, settings: Any, url: str) -> Connection:
        get: Callable[[str], Any] = lambda key: settings.get("caldav", key)  # noqa: E731
        return cls(
            url=url if url.endswith("/") else url + "/",
            username=get("username"),
            password=get("password"),
            timeout=float(get("timeout") or 30),
        )


class CalDavTarget:
    def __init__(
        self,
        schedule: Schedule,
        connection: Connection,
        organizer: str,
        ledger: PushLedger | None,
        revisions: Mapping[ics.Key, ics.Revision],
        client: httpx.Client | None = None,
        record: bool = True,
        clock: Callable[[], datetime] | None = None,
        sleep: Callable[[float], None] = time.sleep,
        probe: Probe = no_probe,
    ):
        plan = schedule.plan
        self.plan = plan
        self.c = connection
        self._organizer = organizer.strip().lower()
        self.ledger = ledger
        self.revisions = revisions
        self.record = record
        self.clock = clock or (lambda: datetime.now(UTC))
        self.sleep = sleep
        self.probe = probe
        self.lang: Lang = "sv" if plan.language == "sv" else "en"
        self.parts: dict[str, list[ics.Component]] = {}
        for part in ics.components(schedule):
            if not part.deadline:
                self.parts.setdefault(part.uid, []).append(part)
        self.names = {r.email.strip().lower(): r.label(self.lang) for r in plan.roles}
        self.where: dict[str, tuple[str, str]] = {}  # key → (href, etag) as last read
        self.requests: Counter[str] = Counter()  # HTTP method → requests sent
        self.conflicts = 0  # 412 answers
        self._client = client
        self.waited = 0.0

    @property
    def organizer(self) -> str:
        return self._organizer

    # --- HTTP ------------------------------------------------------------------------------

    def client(self) -> httpx.Client:
        if self._client is None:
            import httpx

            auth = (self.c.username, self.c.password or "") if self.c.username else None
            self._client = httpx.Client(auth=auth, timeout=self.c.timeout)
        return self._client

    def close(self) -> None:
        if self._client is not None:
            self._client.close()

    def _send(
        self, method: str, url: str, write: bool, headers: dict[str, str], body: bytes = b""
    ) -> httpx.Response:
        import httpx

        pause = 0.5
        attempts = 0
        while True:
            self.requests[method] += 1
            try:
                response = self.client().request(method, url, headers=headers, content=body)
            except httpx.TransportError as e:
                if write:
                    raise Unsettled(f"no answer to {method} ({type(e).__name__})") from None
                attempts += 1
                if attempts > 5:
                    raise CalDavError(
                        msg(
                            Text(
                                "the CalDAV server at {url} does not answer ({error})",
                                "CalDAV-servern på {url} svarar inte ({error})",
                            ),
                            url=self.c.shown_url,
                            error=type(e).__name__,
                        )
                    ) from None
                wait = pause
            else:
                if response.status_code not in (429, 503):
                    return response
                wait = _retry_after(response, pause)
            pause = min(pause * 2, 30.0)
            if self.waited + wait > self.c.max_wait:
                raise CalDavError(
                    msg(
                        Text(
                            "the CalDAV server stayed busy for more than {n} s; run the push "
                            "again later (nothing is lost)",
                            "CalDAV-servern var upptagen i mer än {n} s; kör pushen igen "
                            "senare (inget går förlorat)",
                        ),
                        n=int(self.c.max_wait),
                    )
                )
            self.waited += wait
            self.sleep(wait)

    def _refused(self, response: httpx.Response, what: str) -> CalDavError:
        if response.status_code in (401, 403):
            return CalDavError(
                msg(
                    Text(
                        "the CalDAV server at {url} refused the sign-in or the access ({status}); "
                        "check [caldav] username and PLANCAL_CALDAV_PASSWORD",
                        "CalDAV-servern på {url} nekade inloggningen eller åtkomsten ({status}); "
                        "kontrollera [caldav] username och PLANCAL_CALDAV_PASSWORD",
                    ),
                    url=self.c.shown_url,
                    status=response.status_code,
                )
            )
        return CalDavError(
            msg(
                Text(
                    "the CalDAV server at {url} answered {status} to {what}",
                    "CalDAV-servern på {url} svarade {status} på {what}",
                ),
                url=self.c.shown_url,
                status=response.status_code,
                what=what,
            )
        )

    # --- the Target protocol ---------------------------------------------------------------

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]:
        return []

    def interrupted(self) -> Mapping[str, set[str]]:
        return self.ledger.in_flight() if self.ledger is not None else {}

    def settled(self) -> None:
        if self.ledger is not None and self.record:
            self.ledger.end(None)

    def read(self) -> dict[str, Held]:
        """One calendar-query REPORT; only the resources tagged with this plan count."""
        response = self._send(
            "REPORT",
            self.c.url,
            False,
            {"Depth": "1", "Content-Type": "application/xml; charset=utf-8"},
            QUERY.encode(),
        )
        if response.status_code != 207:
            raise self._refused(response, "REPORT calendar-query")
        held: dict[str, Held] = {}
        where: dict[str, tuple[str, str]] = {}
        remembered: list[Pushed] = []
        for href, etag, data in _multistatus(response.content):
            h = self._held(data)
            if h is None:
                continue
            href = urljoin(self.c.url, href)
            if h.key in held:
                raise CalDavError(
                    msg(
                        Text(
                            "two resources hold the meeting {key}; delete the copy, then push "
                            "again",
                            "två resurser har mötet {key}; ta bort kopian och kör pushen igen",
                        ),
                        key=h.key,
                    )
                )
            held[h.key] = h
            where[h.key] = (href, etag)
            remembered.append(Pushed(h.key, href, etag, h.digest or "", snapshot(h)))
        self.where = where
        if self.ledger is not None and self.record:
            known = self.ledger.load()
            self.ledger.forget(sorted(set(known) - set(held)))
            self.ledger.remember(remembered, self.clock())
        return held

    def _held(self, data: str) -> Held | None:
        from icalendar import Calendar

        try:
            calendar = Calendar.from_ical(data)
        except ValueError:
            return None  # not ours to judge: something plancal cannot read is not plancal's
        events: list[Any] = list(calendar.walk("VEVENT"))
        master: Any = next((e for e in events if "RECURRENCE-ID" not in e), None)
        if master is None or str(master.get(TAG, "")) != self.plan.id:
            return None
        cancelled: set[When] = set()
        exdates = master.get("EXDATE", [])
        for group in exdates if isinstance(exdates, list) else [exdates]:
            cancelled.update(_utc(d.dt) for d in group.dts)
        moved: dict[When, When] = {}
        for e in events:
            if "RECURRENCE-ID" in e:
                rid, start = _utc(e["RECURRENCE-ID"].dt), _utc(e["DTSTART"].dt)
                if rid != start:
                    moved[rid] = start
        attendees = master.get("ATTENDEE", [])
        attendees = attendees if isinstance(attendees, list) else [attendees]
        return Held(
            str(master["UID"]),
            str(master.get("X-PLANCAL-ACTIVITY", "")),
            str(master.get("X-PLANCAL-DIGEST", "")) or None,
            frozenset(str(a).lower().removeprefix("mailto:") for a in attendees),
            frozenset(cancelled),
            moved,
            "RRULE" in master,
            str(master.get("SUMMARY", "")),
            str(master.get("X-PLANCAL-TIMING", "")) or None,
        )

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None:
        if not changes or not self.record:
            return
        groups: dict[str, Meeting | None] = {}
        for c in changes:
            if c.want is not None or c.key not in groups:
                groups[c.key] = c.want
        lost = 0
        for n, (key, want) in enumerate(sorted(groups.items())):
            known = self.where.get(key)
            if want is None:
                if known is None:
                    continue
                action, headers = "delete", {"If-Match": known[1]}
                url, body = known[0], b""
            else:
                url = known[0] if known else urljoin(self.c.url, _name(key))
                headers = {"If-Match": known[1]} if known else {"If-None-Match": "*"}
                headers["Content-Type"] = "text/calendar; charset=utf-8"
                action, body = ("update" if known else "create"), self.resource(want)
            if self.ledger is not None:
                self.ledger.begin([(key, action)], self.clock())
            self.probe("before-write")
            response = self._send("DELETE" if want is None else "PUT", url, True, headers, body)
            self.probe("after-write")
            if response.status_code == 412:  # changed or made by someone else since the read
                self.conflicts += 1
                lost += 1
            elif response.status_code == 404 and want is None:
                pass  # already gone
            elif not 200 <= response.status_code < 300:
                raise self._refused(response, f"{'DELETE' if want is None else 'PUT'} {key}")
            if self.ledger is not None:
                self.ledger.end([key])
            if progress is not None:
                progress(n + 1, len(groups))
        if lost:
            raise Unsettled(f"{lost} resource(s) changed on the server since they were read")

    # --- the resource ---------------------------------------------------------------------

    def resource(self, want: Meeting) -> bytes:
        names = {a: self.names.get(a, a) for a in want.attendees}
        who = ics.people_lines(
            self._organizer or "plancal@invalid",
            self.names.get(self._organizer, ""),
            names,
            "SCHEDULE-AGENT=CLIENT",
        )
        tag = [
            f"{TAG}:{ics.escape(self.plan.id)}",
            f"X-PLANCAL-ACTIVITY:{ics.escape(want.activity.id)}",
            f"X-PLANCAL-DIGEST:{want.digest}",
            f"X-PLANCAL-TIMING:{want.timing}",
        ]
        lines = ["BEGIN:VCALENDAR", "VERSION:2.0", f"PRODID:{ics.PRODID}", "CALSCALE:GREGORIAN"]
        parts = sorted(self.parts[want.key], key=lambda c: c.recurrence_id)
        if any(c.timed for c in parts):
            lines += vtimezone_lines(self.plan.timezone)
        for c in parts:
            revision = self.revisions.get(c.key, ics.INITIAL)
            extra = tag if c.recurrence_id == "" else []
            lines += ics.vevent(c.uid, revision, c.body, who, extra=extra)
        lines.append("END:VCALENDAR")
        return b"".join(ics.fold(line) for line in lines)


def _name(key: str) -> str:
    safe = "".join(ch if ch.isalnum() or ch in "-._" else "_" for ch in key)
    return quote(safe) + ".ics"


def _utc(value: Any) -> When:
    if isinstance(value, datetime):
        return value.astimezone(UTC) if value.tzinfo else value.replace(tzinfo=UTC)
    assert isinstance(value, date)
    return value


def _retry_after(response: httpx.Response, default: float) -> float:
    try:
        return max(0.0, float(response.headers.get("Retry-After", "")))
    except ValueError:
        return default


def _multistatus(content: bytes) -> list[tuple[str, str, str]]:
    """(href, etag, calendar-data) of each 200 response in a multistatus body."""
    root = ElementTree.fromstring(content)
    out = []
    for response in root.iter(f"{{{DAV}}}response"):
        href = response.findtext(f"{{{DAV}}}href") or ""
        for propstat in response.iter(f"{{{DAV}}}propstat"):
            status = propstat.findtext(f"{{{DAV}}}status") or ""
            if " 200 " not in status:
                continue
            etag = propstat.findtext(f".//{{{DAV}}}getetag") or ""
            data = propstat.findtext(f".//{{{CAL}}}calendar-data") or ""
            if etag and data:
                out.append((urlparse(href).path if "://" in href else href, etag, data))
    return out
