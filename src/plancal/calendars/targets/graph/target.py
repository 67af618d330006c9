"""The Graph target: the plan's meetings in an organizer's calendar in Exchange Online,
through Microsoft Graph (REST), for when EWS is switched off (2027-04-01).

Identity. Every event plancal writes carries single-value extended properties in plancal's
own property set — the *same* named properties the EWS target writes (plan, key, activity,
content and timing hashes), so a mailbox pushed through EWS is adopted by Graph as it is and
nobody is invited again (https://learn.microsoft.com/graph/api/resources/
extended-properties-overview; the id form "String {guid} Name name"). ``read`` lists the
plan's events by that property and, per series, its instances over the series' range, 20 per
``$batch``. Cancelled occurrences are what the recurrence read back implies minus the
instances returned; moved ones are exceptions whose start differs from ``originalStart``.

Sending exactly once. Graph has no "send to none": a meeting with attendees sends on every
write (https://learn.microsoft.com/graph/api/event-update: an update that holds only
``attendees`` goes to the changed attendees only; anything else to everyone). So a new series
with exceptions is created *without attendees* (no message), its occurrences are cancelled
and moved while nobody is invited, and only then are the attendees added, in a PATCH that holds
nothing else: each receives the invitation once, plus (Exchange's way) one message per moved
occurrence. The push loop does this over two rounds: the second reads the series back and
finds its exceptions and attendees missing. A create carries a ``transactionId`` that is
recorded in the state store before the request goes out and reused if the create is sent
again, so a create whose answer was lost, or which Graph finished after plancal gave up,
never makes a second meeting (https://learn.microsoft.com/graph/api/resources/event:
"transactionId"). Occurrences of announced series are cancelled with the ``cancel`` action and
a Swedish comment (https://learn.microsoft.com/graph/api/event-cancel); moves within a series
go in an order where no step lands on or past a neighbour (ErrorOccurrenceCrossingBoundary).

A series whose timing changes, or that gets an occurrence back (Graph cannot undelete one),
is rewritten: its master is patched with the new pattern, which drops its exceptions, and the
next round sets them again.
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote
from zoneinfo import ZoneInfo

from plancal.calendars.push import Progress, Pushed, PushLedger
from plancal.calendars.sync import Change, Held, Meeting, When, snapshot
from plancal.calendars.targets.graph.client import (
    Answer,
    GraphClient,
    GraphError,
    Sub,
    Unsettled,
    explain,
)
from plancal.calendars.targets.graph.recurrence import (
    graph_recurrence,
    occurrence_starts,
    pattern_spec,
    windows_zone,
)
from plancal.errors import Problem, Problems
from plancal.i18n import Text, msg

PROPERTY_SET = "5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11"  # the EWS target's set: one identity
NAMES = ("plancal-plan", "plancal-key", "plancal-activity", "plancal-digest", "plancal-timing")
CANCEL_COMMENT = "Tillfället är inställt enligt planen. (This occurrence is cancelled.)"
CANCEL_MEETING = "Mötet är inställt enligt planen. (This meeting is cancelled.)"
REQUESTS_PER_WINDOW = 10_000  # per app per mailbox per 10 minutes (Outlook service limits)


def prop_id(name: str) -> str:
    return f"String {{{PROPERTY_SET}}} Name {name}"


@dataclass
class _Handle:
    event_id: str
    held: Held
    all_day: bool
    instances: dict[When, str] = field(default_factory=dict)  # original start → instance id
    positions: dict[When, When] = field(default_factory=dict)  # original start → where now


class GraphTarget:
    def __init__(
        self,
        mailbox: str,
        client: GraphClient,
        plan_id: str,
        tz: ZoneInfo,
        state: PushLedger | None = None,
        clock: Callable[[], datetime] | None = None,
        record: bool = True,
    ):
        self.mailbox = mailbox
        self.client = client
        self.plan_id = plan_id
        self.tz = tz
        self.zone = windows_zone(tz) or "UTC"
        self.state = state
        self.clock = clock or (lambda: datetime.now(UTC))
        self.record = record  # False on a dry run: not even the state store is written
        self.handles: dict[str, _Handle] = {}
        self.vanished: list[str] = []
        self._transactions: dict[str, str] = {}  # key → transactionId, without a store
        self._root = f"/users/{quote(mailbox)}"

    @property
    def organizer(self) -> str:
        return self.mailbox.lower()

    # --- what plancal can say in Graph -------------------------------------------------------

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]:
        out = Problems()
        for m in want.values():
            if windows_zone(self.tz) is None:
                out.error(
                    m.activity.at("when"),
                    msg(
                        Text(
                            "plancal does not know the Windows name of the time zone {tz}",
                            "plancal känner inte Windows-namnet på tidszonen {tz}",
                        ),
                        tz=self.tz.key,
                    ),
                    msg(Text("use a European time zone", "använd en europeisk tidszon")),
                )
                break
            if m.rule is not None and pattern_spec(m.rule) is None:
                out.error(
                    m.activity.at("when"),
                    msg(
                        Text(
                            "Outlook cannot repeat {id!r} by this rule ({rule})",
                            "Outlook kan inte upprepa {id!r} enligt denna regel ({rule})",
                        ),
                        id=m.activity.id,
                        rule=m.rule.text or m.rule.freq,
                    ),
                    msg(
                        Text(
                            "write a weekly or monthly rule (FREQ=MONTHLY;BYDAY=2TU, or "
                            "BYMONTHDAY up to 28: Outlook moves day 29–31 to the last day of "
                            "a short month) or a list of dates",
                            "skriv en vecko- eller månadsregel (FREQ=MONTHLY;BYDAY=2TU, eller "
                            "BYMONTHDAY till och med 28: Outlook flyttar dag 29–31 till sista "
                            "dagen i en kort månad) eller en lista med datum",
                        )
                    ),
                )
        return out.problems

    def interrupted(self) -> dict[str, set[str]]:
        return self.state.in_flight() if self.state else {}

    def settled(self) -> None:
        if self.state is not None and self.record:
            self.state.end(None)

    # --- reading -------------------------------------------------------------------------

    def read(self) -> dict[str, Held]:
        fields = "subject,type,isAllDay,start,end,recurrence,attendees"
        wanted = " or ".join(f"id eq '{prop_id(n)}'" for n in NAMES)
        filt = (
            "singleValueExtendedProperties/Any(ep: ep/id eq "
            f"'{prop_id('plancal-plan')}' and ep/value eq '{_odata(self.plan_id)}')"
        )
        url = (
            f"{self._root}/events?$filter={quote(filt)}&$select={fields}"
            f"&$expand={quote(f'singleValueExtendedProperties($filter={wanted})')}&$top=100"
        )
        events = self.client.pages(url)
        held: dict[str, Held] = {}
        handles: dict[str, _Handle] = {}
        duplicates: list[str] = []
        series: list[tuple[str, dict[str, Any]]] = []
        for ev in events:
            props = {
                p.get("id", "").split(" Name ")[-1]: p.get("value")
                for p in ev.get("singleValueExtendedProperties") or []
            }
            key = props.get("plancal-key")
            if not key:
                continue
            if key in held:  # plancal never makes two; a copy made in Outlook may
                duplicates.append(key)
                continue
            all_day = bool(ev.get("isAllDay"))
            attendees = frozenset(
                str(a["emailAddress"]["address"]).lower()
                for a in ev.get("attendees") or []
                if (a.get("emailAddress") or {}).get("address")
            )
            recurring = ev.get("type") == "seriesMaster"
            h = Held(
                key,
                props.get("plancal-activity") or "",
                props.get("plancal-digest") or None,
                attendees,
                recurring=recurring,
                title=ev.get("subject") or "",
                timing=props.get("plancal-timing") or None,
            )
            held[key] = h
            handles[key] = _Handle(ev["id"], h, all_day)
            if recurring and ev.get("recurrence"):
                series.append((key, ev))
        if duplicates:
            raise GraphError(
                "the calendar holds two events tagged "
                + ", ".join(sorted(set(duplicates)))
                + "; delete the copy in Outlook, then push again"
            )
        self._instances(series, held, handles)
        self.handles = handles
        if self.state is not None and self.record:
            known = self.state.load()
            self.vanished = sorted(set(known) - set(held))
            self.state.forget(self.vanished)
            self.state.remember(
                (
                    Pushed(k, handles[k].event_id, "", h.digest or "", snapshot(h))
                    for k, h in held.items()
                ),
                self.clock(),
            )
        return held

    def _instances(
        self,
        series: list[tuple[str, dict[str, Any]]],
        held: dict[str, Held],
        handles: dict[str, _Handle],
    ) -> None:
        """Each series' instances over its range, 20 series per $batch, and from them its
        cancelled and moved occurrences."""
        subs: list[Sub] = []
        expected: dict[str, list[When]] = {}
        for key, ev in series:
            h = handles[key]
            start_local = _parse(ev["start"]).astimezone(self.tz)
            starts = occurrence_starts(ev["recurrence"], start_local, h.all_day, self.tz)
            expected[key] = starts
            if not starts:
                continue
            # A month either side: a moved first or last occurrence stays inside.
            first = _day(starts[0], self.tz) - timedelta(days=31)
            last = _day(starts[-1], self.tz) + timedelta(days=32)
            window = (
                f"startDateTime={first.isoformat()}T00:00:00Z"
                f"&endDateTime={last.isoformat()}T00:00:00Z"
            )
            subs.append(
                Sub(
                    "GET",
                    f"{self._root}/events/{quote(h.event_id)}/instances?{window}"
                    "&$select=start,end,originalStart,type&$top=999",
                    tag=key,
                )
            )
        found: dict[str, list[dict[str, Any]]] = {}
        while subs:
            more: list[Sub] = []
            for sub, answer in self.client.batch(subs, write=False):
                if not answer.ok:
                    raise GraphError(explain(answer))
                found.setdefault(sub.tag, []).extend(answer.body.get("value", []))
                if answer.body.get("@odata.nextLink"):
                    more.append(Sub("GET", _relative(answer.body["@odata.nextLink"]), tag=sub.tag))
            subs = more
        for key, starts in expected.items():
            h = handles[key]
            instances: dict[When, str] = {}
            positions: dict[When, When] = {}
            moved: dict[When, When] = {}
            for inst in found.get(key, []):
                original = self._when(_parse_utc(inst["originalStart"]), h.all_day)
                now = self._when(_parse(inst["start"]), h.all_day)
                instances[original] = inst["id"]
                positions[original] = now
                if inst.get("type") == "exception" and now != original:
                    moved[original] = now
            cancelled = frozenset(s for s in starts if s not in instances)
            old = held[key]
            held[key] = Held(
                old.key,
                old.activity,
                old.digest,
                old.attendees,
                cancelled,
                moved,
                True,
                old.title,
                old.timing,
            )
            h.held = held[key]
            h.instances = instances
            h.positions = positions

    def _when(self, moment: datetime, all_day: bool) -> When:
        return moment.astimezone(self.tz).date() if all_day else moment.astimezone(UTC)

    # --- writing -------------------------------------------------------------------------

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None:
        """Carry the changes out, phase by phase; Unsettled when a write's fate is unknown."""
        if not changes:
            return
        by_key: dict[str, list[Change]] = {}
        for c in changes:
            by_key.setdefault(c.key, []).append(c)
        removals: list[Sub] = []
        creates: list[Sub] = []
        occ_cancels: list[Sub] = []
        moves: dict[str, list[Sub]] = {}
        patches: list[Sub] = []
        for key, group in by_key.items():
            kinds = {c.kind for c in group}
            handle = self.handles.get(key)
            want = next((c.want for c in group if c.want is not None), None)
            if kinds & {"cancel-series", "cancel-meeting"} and handle is not None:
                removals.append(self._remove(key, handle))
                handle = None
            if want is None:
                continue
            if handle is None:
                creates.append(self._create(key, want))
                continue
            update = next((c for c in group if c.kind in ("update-series", "update-meeting")), None)
            if kinds & {"create-series", "create-meeting"}:
                # Held but never announced (an earlier round or push made it silently):
                # write everything but the attendees, who come once the exceptions are set.
                patches.append(self._patch(key, handle, self._content(want, timing=True)))
                continue
            if (update is not None and update.reschedules) or "restore-occurrence" in kinds:
                patches.append(self._patch(key, handle, self._content(want, timing=True)))
                continue
            for c in group:
                if c.kind == "cancel-occurrence" and c.occurrence is not None:
                    sub = self._cancel_occurrence(key, handle, c.occurrence)
                    if sub is not None:
                        occ_cancels.append(sub)
            series_moves = [
                (c.occurrence, c.start)
                for c in group
                if c.kind == "move-occurrence" and c.occurrence is not None
            ]
            if series_moves:
                moves[key] = self._moves(key, handle, want, series_moves)
            if update is not None:
                added = want.attendees - handle.held.attendees
                removed = handle.held.attendees - want.attendees
                body: dict[str, Any] = {}
                if update.update or want.digest != handle.held.digest:
                    body = self._content(want, timing=False)
                if added or removed:
                    body["attendees"] = _attendees(want.attendees)
                if body:
                    patches.append(self._patch(key, handle, body))

        total = len(removals) + len(creates) + len(occ_cancels) + len(patches)
        total += sum(len(m) for m in moves.values())
        done = [0]

        def tick(n: int) -> None:
            done[0] += n
            if progress is not None:
                progress(done[0], total)

        # Content first: a master update also re-sends each moved occurrence, so moves come
        # after it (else a moved occurrence would be announced twice). Attendees last: a
        # series set up silently gets its attendees once its exceptions are in place.
        content = [p for p in patches if set(p.body or {}) != {"attendees"}]
        invites = [p for p in patches if set(p.body or {}) == {"attendees"}]
        steps: list[tuple[list[list[Sub]], str]] = [
            ([[s] for s in removals], "delete"),
            ([[s] for s in creates], "create"),
            ([[s] for s in content], "update"),
            ([[s] for s in occ_cancels], "occurrence"),
            (list(moves.values()), "occurrence"),  # each series' moves in their order
            ([[s] for s in invites], "update"),
        ]
        for groups, action in steps:
            failures = self._write(groups, action, tick)
            refused = [f for status, f in failures if status in (400, 403)]
            if refused:  # refused for good: a second round would be refused again
                raise GraphError("Microsoft Graph refused: " + "; ".join(refused[:5]))
            if failures:
                raise Unsettled("; ".join(f for _, f in failures))

    def _write(
        self, groups: list[list[Sub]], action: str, tick: Callable[[int], None]
    ) -> list[tuple[int, str]]:
        """Send the writes, each journalled in the store while its answer is out. A create's
        journal entry is its transactionId: kept until the create is known to have landed."""
        subs = [s for g in groups for s in g]
        if not subs:
            return []
        if self.state is not None and self.record:
            self.state.begin(
                (
                    (s.tag, f"tx:{s.body['transactionId']}")
                    if action == "create" and s.body
                    else (s.tag, action)
                    for s in subs
                ),
                self.clock(),
            )
        results = [pair for g in self.client.chains(groups, write=True) for pair in g]
        failures: list[tuple[int, str]] = []
        settled: list[str] = []
        for sub, answer in results:
            gone = answer.status == 404 and action in ("delete", "occurrence")
            if answer.ok or gone:  # a 404 on a removal: already gone, as it wanted
                settled.append(sub.tag)
                if action == "create":
                    self._transactions.pop(sub.tag, None)
                continue
            failures.append(
                (answer.status, f"{sub.tag}: {sub.method} {answer.status} {answer.code}".strip())
            )
        if self.state is not None and self.record:
            self.state.end(settled if action == "create" else {s.tag for s in subs})
        tick(len(subs))
        return failures

    # --- requests --------------------------------------------------------------------------

    def _transaction(self, key: str) -> str:
        """The create's transactionId: the one an interrupted push recorded, or a new one."""
        if self.state is not None:
            for action in sorted(self.state.in_flight().get(key, set())):
                if action.startswith("tx:"):
                    return action[3:]
        if key not in self._transactions:
            self._transactions[key] = uuid.uuid4().hex
        return self._transactions[key]

    def _create(self, key: str, want: Meeting) -> Sub:
        body = self._content(want, timing=True)
        body["transactionId"] = self._transaction(key)
        if not (want.recurring and (want.cancelled or want.moved)):
            body["attendees"] = _attendees(want.attendees)  # nothing to set first: invite now
        return Sub("POST", f"{self._root}/events", body, tag=key)

    def _remove(self, key: str, handle: _Handle) -> Sub:
        url = f"{self._root}/events/{quote(handle.event_id)}"
        if handle.held.attendees and handle.held.digest is not None:
            return Sub("POST", f"{url}/cancel", {"Comment": CANCEL_MEETING}, tag=key)
        return Sub("DELETE", url, tag=key)

    def _cancel_occurrence(self, key: str, handle: _Handle, rid: When) -> Sub | None:
        instance = handle.instances.get(rid)
        if instance is None:
            return None  # already gone
        url = f"{self._root}/events/{quote(instance)}"
        if handle.held.attendees:
            return Sub("POST", f"{url}/cancel", {"Comment": CANCEL_COMMENT}, tag=key)
        return Sub("DELETE", url, tag=key)

    def _moves(
        self, key: str, handle: _Handle, want: Meeting, moves: list[tuple[When, When | None]]
    ) -> list[Sub]:
        """The moves of one series in an order where no step lands on or past the day of a
        neighbour as it stands at that step (Exchange refuses such a move with
        ErrorOccurrenceCrossingBoundary); sent as one chain."""
        positions = dict(handle.positions)
        for rid in want.cancelled:
            positions.pop(rid, None)
        todo = {rid: new or rid for rid, new in moves if rid in handle.instances}
        ordered: list[When] = []
        while todo:
            progress = False
            for rid in sorted(todo, key=_sort):
                if self._fits(rid, todo[rid], positions):
                    positions[rid] = todo.pop(rid)
                    ordered.append(rid)
                    progress = True
            if not progress:  # a cycle: send the rest; Graph's refusal ends the round
                ordered += sorted(todo, key=_sort)
                break
        out = []
        for rid in ordered:
            start = dict(moves)[rid] or rid
            body = self._span(want, start)
            out.append(
                Sub("PATCH", f"{self._root}/events/{quote(handle.instances[rid])}", body, tag=key)
            )
        return out

    def _fits(self, rid: When, new: When, positions: Mapping[When, When]) -> bool:
        order = sorted(positions, key=_sort)
        at = order.index(rid)
        day = _day(new, self.tz)
        if at > 0 and day <= _day(positions[order[at - 1]], self.tz):
            return False
        return not (at + 1 < len(order) and day >= _day(positions[order[at + 1]], self.tz))

    def _patch(self, key: str, handle: _Handle, body: dict[str, Any]) -> Sub:
        return Sub("PATCH", f"{self._root}/events/{quote(handle.event_id)}", body, tag=key)

    def _content(self, want: Meeting, timing: bool) -> dict[str, Any]:
        """Everything of an event but its attendees; its times and pattern with ``timing``
        (on a series these drop its exceptions, so they are written only when they change)."""
        a = want.activity
        body: dict[str, Any] = {
            "subject": want.title,
            "body": {"contentType": "text", "content": want.body},
            "location": {"displayName": want.location or ""},
            "isReminderOn": want.reminder is not None,
            "reminderMinutesBeforeStart": want.reminder or 0,
            "sensitivity": "private" if want.private else "normal",
            "showAs": "free" if want.all_day else "busy",
            "categories": list(a.areas),
            "singleValueExtendedProperties": [
                {"id": prop_id("plancal-plan"), "value": self.plan_id},
                {"id": prop_id("plancal-key"), "value": want.key},
                {"id": prop_id("plancal-activity"), "value": a.id},
                {"id": prop_id("plancal-digest"), "value": want.digest},
                {"id": prop_id("plancal-timing"), "value": want.timing},
            ],
        }
        if timing or not want.recurring:
            body.update(self._span(want, want.start))
            body["isAllDay"] = want.all_day
            if want.rule is not None:
                assert want.until is not None
                body["recurrence"] = graph_recurrence(
                    want.rule, _day(want.start, self.tz), _day(want.until, self.tz), self.zone
                )
        return body

    def _span(self, want: Meeting, start: When) -> dict[str, Any]:
        """start and end in the plan's zone, by the wall clock (as the plan means it)."""
        assert want.series is not None
        length = want.series.duration
        if isinstance(start, datetime):
            local = start.astimezone(self.tz).replace(tzinfo=None)
            end = local + length
        else:
            local = datetime.combine(start, datetime.min.time())
            end = local + length
        return {
            "start": {"dateTime": local.isoformat(), "timeZone": self.zone},
            "end": {"dateTime": end.isoformat(), "timeZone": self.zone},
        }

    # --- what a push will cost -------------------------------------------------------------

    def forecast(self, changes: Iterable[Change]) -> Forecast:
        """Messages per attendee, and requests Graph will count against the mailbox, as this
        target sends the changes: a master sent with moved occurrences costs each recipient
        one message more per moved occurrence (Exchange sends the exceptions separately)."""
        messages: dict[str, int] = {}
        parts = 0
        for c in changes:
            want = c.want
            extra = len(want.moved) if want is not None and want.recurring else 0
            parts += 1
            if c.kind == "create-series" and want is not None and (want.cancelled or want.moved):
                parts += 2 + len(want.cancelled) + len(want.moved)  # read back, set, invite
            for who in (c.invite, c.update):
                for address in who:
                    messages[address] = (
                        messages.get(address, 0)
                        + 1
                        + (extra if c.kind in ("create-series", "update-series") else 0)
                    )
            for address in c.cancel:
                messages[address] = messages.get(address, 0) + 1
        return Forecast(messages, parts)


@dataclass(frozen=True)
class Forecast:
    messages: Mapping[str, int]  # address → messages it will receive
    requests: int  # requests Graph counts against the mailbox (each part of a batch)

    @property
    def over_limit(self) -> bool:
        return self.requests > REQUESTS_PER_WINDOW


# --- helpers ---------------------------------------------------------------------------------


def _attendees(addresses: Iterable[str]) -> list[dict[str, Any]]:
    return [{"emailAddress": {"address": a}, "type": "required"} for a in sorted(addresses)]


def _odata(value: str) -> str:
    return value.replace("'", "''")


def _relative(link: str) -> str:
    """A nextLink inside a batch is sent relative to the service root."""
    from urllib.parse import urlsplit

    parts = urlsplit(link)
    path = parts.path
    marker = "/v1.0"
    if marker in path:
        path = path.split(marker, 1)[1]
    return path + (f"?{parts.query}" if parts.query else "")


def _parse(value: dict[str, Any]) -> datetime:
    """A dateTimeTimeZone Graph returned (UTC unless a Prefer header asked otherwise)."""
    text = str(value["dateTime"])
    zone = value.get("timeZone") or "UTC"
    if "." in text:
        head, frac = text.split(".", 1)
        text = f"{head}.{frac[:6]}"
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        if zone not in ("UTC", "Etc/UTC"):
            raise GraphError(f"Graph answered in time zone {zone}; plancal asks for UTC")
        moment = moment.replace(tzinfo=UTC)
    return moment


def _parse_utc(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def _day(value: When, tz: ZoneInfo) -> date:
    return value.astimezone(tz).date() if isinstance(value, datetime) else value


def _sort(value: When) -> str:
    return value.isoformat()


def build(
    connection: Any,
    plan_id: str,
    tz: ZoneInfo,
    state: PushLedger | None = None,
    sleep: Callable[[float], None] = time.sleep,
    record: bool = True,
    http_client: Any = None,
    session: Any = None,
) -> GraphTarget:
    """A target for the ``[graph]`` settings: MSAL for the token, requests for the rest."""
    from plancal.calendars.targets.graph.connection import token_source

    client = GraphClient(
        connection.url,
        token_source(connection, http_client=http_client),
        timeout=connection.timeout,
        max_wait=connection.max_wait,
        sleep=sleep,
        session=session,
    )
    return GraphTarget(connection.mailbox, client, plan_id, tz, state, record=record)


__all__ = ["Answer", "GraphError", "GraphTarget", "Unsettled", "build"]
