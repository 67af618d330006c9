"""Exchange Online's sending limits, kept by the push itself.

One mailbox may send 30 messages a minute and to 10,000 recipients a day (Exchange Online
limits, "Sending limits":
https://learn.microsoft.com/en-us/office365/servicedescriptions/exchange-online-service-description/exchange-online-limits#sending-limits).
Past the first, messages wait; past the second, the mailbox is refused for a day. So a push
paces itself a minute at a time, and stops before the day's recipients would pass the limit:
what is left is still a difference, and the next run (a day later) reconciles it.

A pure record (no clock, no sleep here): the target passes ``now`` and sleeps as it is told.
What was sent over the last day is kept in the push ledger (one row, ``LEDGER_KEY``), written
*before* the messages go out, so a push that dies still counts what it may have sent.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

LEDGER_KEY = "~sending"  # the ledger row for what was sent; never an item's key
MINUTE = timedelta(minutes=1)
DAY = timedelta(days=1)


@dataclass(frozen=True)
class Limits:
    per_minute: int = 0  # meeting messages a minute; 0: none
    per_day: int = 0  # recipients a day; 0: none

    @property
    def active(self) -> bool:
        return bool(self.per_minute or self.per_day)


@dataclass
class Sending:
    """What the mailbox sent over the last day: (when, messages, recipients)."""

    limits: Limits
    log: list[tuple[datetime, int, int]] = field(default_factory=list)

    def messages_since(self, now: datetime) -> int:
        return sum(m for when, m, _ in self.log if when > now - MINUTE)

    def recipients_since(self, now: datetime) -> int:
        return sum(r for when, _, r in self.log if when > now - DAY)

    def wait(self, now: datetime, messages: int) -> float:
        """Seconds until ``messages`` more fit in the minute (0: now). More than a minute's
        worth (one request can carry that many) goes alone, into an empty minute."""
        if not self.limits.per_minute or not messages:
            return 0.0
        need = min(messages, self.limits.per_minute)
        recent = sorted((w, m) for w, m, _ in self.log if w > now - MINUTE)
        used = sum(m for _, m in recent)
        for when, m in recent:  # the oldest leave the minute first
            if used + need <= self.limits.per_minute:
                break
            used -= m
            if used + need <= self.limits.per_minute:
                return max((when + MINUTE - now).total_seconds(), 0.0)
        return 0.0

    def fits_minute(self, now: datetime, messages: int) -> bool:
        if not self.limits.per_minute:
            return True
        return self.messages_since(now) + messages <= self.limits.per_minute

    def fits_day(self, now: datetime, recipients: int) -> bool:
        if not self.limits.per_day:
            return True
        return self.recipients_since(now) + recipients <= self.limits.per_day

    def day_frees(self, now: datetime, recipients: int) -> datetime:
        """When ``recipients`` more fit in the day, as the oldest sends leave it."""
        used = self.recipients_since(now)
        for when, _, r in sorted(x for x in self.log if x[0] > now - DAY):
            used -= r
            if used + recipients <= self.limits.per_day:
                return when + DAY
        return now  # nothing sent that counts: it fits now (or never, if alone too many)

    def spend(self, now: datetime, messages: int, recipients: int) -> None:
        self.log = [x for x in self.log if x[0] > now - DAY]
        if messages or recipients:
            self.log.append((now, messages, recipients))

    def snapshot(self) -> dict[str, Any]:
        return {"log": [[w.isoformat(), m, r] for w, m, r in self.log]}

    @classmethod
    def from_snapshot(cls, limits: Limits, data: dict[str, Any] | None) -> Sending:
        log = [
            (datetime.fromisoformat(w), int(m), int(r)) for w, m, r in (data or {}).get("log", [])
        ]
        return cls(limits, log)
