"""The mail target: each attendee gets the plan's meetings as invitations by e-mail (iMIP).

There is no calendar server to read back, so what plancal holds "in" this target is what it
has announced: the push ledger (``PushLedger``) keeps, per meeting or series, the version the
attendees last received, and ``read`` turns it into ``Held`` values for the same reconcile as
every other target. ``apply`` turns the changes into letters, one per attendee and message:

- METHOD:REQUEST with the whole meeting or series (master and overrides, the feeds' VEVENTs)
  for a new meeting, a changed one, a moved or restored occurrence, and a new attendee;
- METHOD:CANCEL with RECURRENCE-ID for a cancelled occurrence (left out when the same attendee
  gets the whole series in the same push: its EXDATE says it), and without for a cancelled
  series or an attendee taken off it.

Sending exactly once: the letters are posted to the store's postbox (one transaction, unique
key per meeting version × attendee × message) before the ledger records the new version, and
delivered after the round finds nothing left to change (``settled``). A push that dies before
the ledger is written computes the same letters again, and posting them is a no-op; one that
dies while sending leaves the letter in flight, which the next push sends again with the same
bytes and Message-ID once its lease has run out.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any, Protocol

from plancal.calendars import ics
from plancal.calendars.push import Progress, Pushed, PushLedger
from plancal.calendars.sync import Change, Held, Meeting, When
from plancal.calendars.targets.mail import imip
from plancal.calendars.targets.mail.message import compose, subject_and_lines
from plancal.calendars.targets.mail.postbox import Letter, Postbox
from plancal.errors import Problem, UserError
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import Schedule

Probe = Callable[[str], None]
LEASE = timedelta(minutes=2)  # a letter claimed longer ago belongs to a push that died


def no_probe(_point: str) -> None:
    pass


class MailError(UserError):
    """Delivery could not finish; the message is safe to show (no secret)."""


class Undelivered(Exception):
    """The SMTP server did not take a message. ``permanent``: it refused it for good."""

    def __init__(self, message: str, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


class Sender(Protocol):
    """Sends one message's bytes to one address (``scheduler.mail.InvitationSender``)."""

    def send(self, envelope_from: str, to: str, data: bytes) -> None: ...


@dataclass
class Delivery:
    """What this push delivered (for the report and the tests)."""

    sent: list[Letter] = field(default_factory=list)
    refused: list[Letter] = field(default_factory=list)


class MailTarget:
    def __init__(
        self,
        schedule: Schedule,
        organizer: str,
        ledger: PushLedger,
        postbox: Postbox | None,
        sender: Sender | None,
        revisions: Mapping[ics.Key, ics.Revision],
        envelope_from: str | None = None,
        clock: Callable[[], datetime] | None = None,
        record: bool = True,
        probe: Probe = no_probe,
        lease: timedelta = LEASE,
    ):
        plan = schedule.plan
        self.plan = plan
        self.lang: Lang = "sv" if plan.language == "sv" else "en"
        self._organizer = organizer.strip().lower()
        self.envelope_from = envelope_from or self._organizer
        self.ledger = ledger
        self.postbox = postbox
        self.sender = sender
        self.revisions = revisions
        self.clock = clock or (lambda: datetime.now(UTC))
        self.record = record  # False on a dry run: nothing is posted or recorded
        self.probe = probe
        self.lease = lease
        self.parts: dict[str, list[ics.Component]] = {}
        for c in ics.components(schedule):
            if not c.deadline:
                self.parts.setdefault(c.uid, []).append(c)
        self.names = {r.email.strip().lower(): r.label(self.lang) for r in plan.roles}
        self.snapshots: dict[str, dict[str, Any]] = {}
        self.delivery = Delivery()
        self.posted = 0

    @property
    def organizer(self) -> str:
        return self._organizer

    @property
    def target(self) -> str:
        return f"mail:{self._organizer}"

    # --- the Target protocol ------------------------------------------------------------

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]:
        return []

    def interrupted(self) -> Mapping[str, set[str]]:
        return self.postbox.unsent() if self.postbox is not None else {}

    def read(self) -> dict[str, Held]:
        known = self.ledger.load()
        self.snapshots = {k: p.snapshot for k, p in known.items()}
        return {k: _held(p) for k, p in known.items()}

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None:
        if not changes or not self.record:
            return
        assert self.postbox is not None, "a push that writes needs the store's postbox"
        now = self.clock()
        groups: dict[str, list[Change]] = {}
        for c in changes:
            groups.setdefault(c.key, []).append(c)
        letters: list[Letter] = []
        for key, group in groups.items():
            letters += self._letters(key, group, now)
        self.posted += self.postbox.post(letters, now)
        self.probe("posted")
        wanted = {c.key: c.want for c in changes if c.want is not None}
        self.ledger.remember(
            [self._pushed(m) for m in wanted.values()],
            now,
        )
        self.ledger.forget(sorted(set(groups) - set(wanted)))
        self.probe("recorded")
        if progress is not None:
            progress(len(changes), len(changes))

    def settled(self) -> None:
        """Nothing left to change: deliver what the postbox holds."""
        if self.record and self.postbox is not None:
            self.deliver()

    # --- letters ------------------------------------------------------------------------

    def _letters(self, key: str, group: list[Change], now: datetime) -> list[Letter]:
        want = next((c.want for c in group if c.want is not None), None)
        whole: set[str] = set()  # get the whole meeting or series (REQUEST)
        new: set[str] = set()  # ... for the first time
        gone: set[str] = set()  # get a CANCEL of the whole
        occurrences: dict[str, list[When]] = {}
        for c in group:
            if c.kind.startswith("create"):
                whole |= c.invite
                new |= c.invite
            elif c.kind.startswith("update"):
                whole |= c.invite | c.update
                new |= c.invite
                gone |= c.cancel
            elif c.kind.startswith("cancel-") and c.occurrence is None:
                gone |= c.cancel
            elif c.kind == "cancel-occurrence":
                assert c.occurrence is not None
                for a in c.cancel:
                    occurrences.setdefault(a, []).append(c.occurrence)
            else:  # move- and restore-occurrence
                whole |= c.update
        if want is not None:
            gone -= whole  # a meeting replaced under its UID: the new REQUEST says it all
        out: list[Letter] = []
        if want is not None and whole:
            out += self._whole(want, whole, new, now)
        if gone:
            out += self._cancel_whole(key, want, gone, now)
        for address, rids in sorted(occurrences.items()):
            if address in whole or want is None:
                continue
            for rid in sorted(rids, key=lambda r: r.isoformat()):
                out.append(self._cancel_occurrence(want, address, rid, now))
        return out

    def _who(self, addresses: set[str] | frozenset[str]) -> list[str]:
        names = {a: self.names.get(a, a) for a in addresses}
        return imip.people(self._organizer, self.names.get(self._organizer, ""), names)

    def _master(self, key: str) -> tuple[ics.Revision, tuple[str, ...]]:
        parts = self.parts[key]
        master = next(c for c in parts if c.recurrence_id == "")
        return self.revisions.get(master.key, ics.INITIAL), master.body

    def _whole(self, want: Meeting, to: set[str], new: set[str], now: datetime) -> list[Letter]:
        events = imip.series_events(self.parts[want.key], self.revisions, self._who(want.attendees))
        data = imip.calendar("REQUEST", events, self.plan.timezone)
        revision, _ = self._master(want.key)
        when = self._when_text(want)
        out = []
        for address in sorted(to):
            kind = "REQUEST-new" if address in new else "REQUEST-update"
            out.append(
                self._letter(
                    want.key,
                    "",
                    address,
                    "REQUEST",
                    revision.sequence,
                    data,
                    kind,
                    want.title,
                    when,
                    want.location,
                    now,
                )
            )
        return out

    def _cancel_whole(
        self, key: str, want: Meeting | None, to: set[str], now: datetime
    ) -> list[Letter]:
        snap = self.snapshots.get(key, {})
        if want is not None:  # attendees taken off a meeting that goes on
            revision, _ = self._master(key)
            title, where, when = want.title, want.location, self._when_text(want)
            bodies = [c.body for c in sorted(self.parts[key], key=lambda c: c.recurrence_id)]
        else:
            revision = ics.Revision(int(snap.get("sequence", 0)) + 1, now, now)
            title, where, when = snap.get("title", ""), snap.get("location"), snap.get("when", "")
            bodies = [tuple(snap.get("event", ()))]
        out = []
        for address in sorted(to):
            events = [imip.event(key, revision, bodies[0], self._who({address}), cancelled=True)]
            data = imip.calendar("CANCEL", events, self.plan.timezone)
            out.append(
                self._letter(
                    key,
                    "",
                    address,
                    "CANCEL",
                    revision.sequence,
                    data,
                    "CANCEL-series",
                    title,
                    when,
                    where,
                    now,
                )
            )
        return out

    def _cancel_occurrence(self, want: Meeting, address: str, rid: When, now: datetime) -> Letter:
        revision, master = self._master(want.key)
        event = imip.occurrence_cancel(
            want.key, revision, master, rid, self.plan.tz, self._who(want.attendees)
        )
        data = imip.calendar("CANCEL", [event], self.plan.timezone)
        rid_line = imip.when_line("RECURRENCE-ID", rid, self.plan.tz)
        return self._letter(
            want.key,
            rid_line.split(":", 1)[1],
            address,
            "CANCEL",
            revision.sequence,
            data,
            "CANCEL-occurrence",
            want.title,
            _local(rid, self.plan.tz),
            None,
            now,
        )

    def _letter(
        self,
        uid: str,
        rid: str,
        address: str,
        method: str,
        sequence: int,
        data: bytes,
        kind: str,
        title: str,
        when: str,
        where: str | None,
        now: datetime,
    ) -> Letter:
        # The key leaves DTSTAMP out: a push that recomputes this letter after a crash may
        # stamp a cancellation anew, and must still find the letter it posted.
        version = b"\n".join(line for line in data.splitlines() if not line.startswith(b"DTSTAMP:"))
        key = hashlib.sha256(
            "\x1f".join(
                [self.target, self.plan.id, uid, rid, method, str(sequence), address]
            ).encode()
            + b"\x1f"
            + version
        ).hexdigest()
        message_id = f"<{key[:40]}.invitation@plancal>"
        subject, lines = subject_and_lines(
            kind, title, when, where, self._organizer, self.plan.name, self.lang
        )
        message = compose(
            method=method,
            ical=data,
            subject=subject,
            lines=lines,
            organizer=self._organizer,
            organizer_name=self.names.get(self._organizer, ""),
            sender=self.envelope_from,
            to=address,
            to_name=self.names.get(address, ""),
            message_id=message_id,
            now=now,
            lang=self.lang,
        )
        return Letter(key, uid, rid, address, method, sequence, message_id, message)

    def _when_text(self, want: Meeting) -> str:
        first = _local(want.start, self.plan.tz)
        if want.recurring:
            return f"{want.activity.when} ({first} –)"
        return first

    def _pushed(self, want: Meeting) -> Pushed:
        revision, master = self._master(want.key)
        snapshot = {
            "activity": want.activity.id,
            "digest": want.digest,
            "timing": want.timing,
            "title": want.title,
            "location": want.location,
            "when": self._when_text(want),
            "recurring": want.recurring,
            "attendees": sorted(want.attendees),
            "cancelled": sorted(x.isoformat() for x in want.cancelled),
            "moved": sorted([k.isoformat(), v.isoformat()] for k, v in want.moved.items()),
            "sequence": revision.sequence,
            "event": list(master),
        }
        return Pushed(want.key, want.key, str(revision.sequence), want.digest, snapshot)

    # --- delivery -----------------------------------------------------------------------

    def deliver(self) -> None:
        """Send every posted letter; MailError if some must wait or were refused."""
        assert self.postbox is not None
        while True:
            letter = self.postbox.claim(self.clock(), self.lease)
            if letter is None:
                break
            self.probe("claimed")
            if self.sender is None:
                self.postbox.release(letter, "no sender")
                break
            try:
                self.sender.send(self.envelope_from, letter.attendee, letter.message)
            except Undelivered as e:
                if e.permanent:
                    self.postbox.failed(letter, str(e))
                    self.delivery.refused.append(letter)
                    continue
                self.postbox.release(letter, str(e))
                raise MailError(
                    msg(
                        Text(
                            "the mail server did not take the invitations now ({error}); "
                            "{n} wait in the store",
                            "e-postservern tog inte emot inbjudningarna nu ({error}); "
                            "{n} väntar i databasen",
                        ),
                        error=str(e),
                        n=sum(len(v) for v in self.postbox.unsent().values()),
                    )
                ) from None
            self.probe("delivered")
            self.postbox.sent(letter, self.clock())
            self.delivery.sent.append(letter)
        waiting = self.postbox.unsent()
        if waiting:
            raise MailError(
                msg(
                    Text(
                        "{n} invitation(s) are in flight from a push that was interrupted "
                        "less than {minutes} minutes ago; run the push again after that",
                        "{n} inbjudningar skickas av en push som avbröts för mindre än "
                        "{minutes} minuter sedan; kör pushen igen efter det",
                    ),
                    n=len(waiting),
                    minutes=int(self.lease.total_seconds() // 60),
                )
            )
        if self.delivery.refused:
            raise MailError(
                msg(
                    Text(
                        "the mail server refused the invitations to {who} for good; "
                        "check these addresses in the plan",
                        "e-postservern vägrade ta emot inbjudningarna till {who}; "
                        "kontrollera adresserna i planen",
                    ),
                    who=", ".join(sorted({x.attendee for x in self.delivery.refused})),
                )
            )


def _local(value: When, tz: Any) -> str:
    if isinstance(value, datetime):
        return value.astimezone(tz).strftime("%Y-%m-%d %H:%M")
    return value.isoformat()


def _when(text: str) -> When:
    return datetime.fromisoformat(text) if "T" in text else date.fromisoformat(text)


def _held(p: Pushed) -> Held:
    s = p.snapshot
    return Held(
        p.key,
        s["activity"],
        s["digest"],
        frozenset(s["attendees"]),
        frozenset(_when(x) for x in s["cancelled"]),
        {_when(a): _when(b) for a, b in s["moved"]},
        bool(s["recurring"]),
        s["title"],
        s["timing"],
    )
