"""Which connections the feed server keeps: caps per client address and in total, and a
deadline for every request head.

A connection is *waiting* from the moment it opens (or its last response was sent) until its
request line and headers are complete; only then does it cost the server work. A waiting
connection must finish its head within ``header_timeout`` seconds, or it is closed: a client
that sends one header line every few seconds, or half a request and then nothing, holds a
connection for that long at most.

The caps decide who gives way when there is no room. A new connection from an address that
already holds ``per_client`` connections closes that address's oldest waiting one; a new
connection when ``total`` are open closes the oldest waiting one of anyone. Only when every
open connection is busy with a response is a new one refused (503). So a thousand slow
clients cost the server at most its caps and never keep a real request out: the slowest
connections are the ones that give way.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Protocol


class Guarded(Protocol):
    client_host: str

    def evict(self) -> None: ...


@dataclass(frozen=True)
class Limits:
    total: int = 2000
    per_client: int = 64
    header_timeout: float = 10.0


@dataclass
class Guard:
    limits: Limits = field(default_factory=Limits)
    waiting: dict[Guarded, float] = field(default_factory=dict)  # since when; oldest first
    per_client: dict[str, int] = field(default_factory=lambda: defaultdict(int))
    counted: set[Guarded] = field(default_factory=set)  # admitted and not yet released
    evicted: int = 0
    refused: int = 0
    timed_out: int = 0

    def admit(self, conn: Guarded, now: float = 0.0) -> bool:
        """Make room for ``conn`` if needed; False: refuse it (every connection is busy)."""
        if self.per_client[conn.client_host] >= self.limits.per_client and not self._evict(
            conn.client_host
        ):
            self.refused += 1
            return False
        if len(self.counted) >= self.limits.total and not self._evict(None):
            self.refused += 1
            return False
        self.counted.add(conn)
        self.per_client[conn.client_host] += 1
        self.waiting[conn] = now
        return True

    @property
    def open(self) -> int:
        return len(self.counted)

    def busy(self, conn: Guarded) -> None:
        """The head is complete: the connection works on a request, not evictable."""
        self.waiting.pop(conn, None)

    def idle(self, conn: Guarded, now: float = 0.0) -> None:
        """The response is sent: waiting for the next request head again (newest)."""
        self.waiting.pop(conn, None)
        self.waiting[conn] = now

    def expired(self, now: float) -> list[Guarded]:
        """Close and forget the connections whose head is not complete ``header_timeout``
        seconds after they began waiting. One sweep a second does it for all of them: no timer
        per request (a timer armed and cancelled per request cost a fifth of a feed's CPU)."""
        late = []
        for conn, since in self.waiting.items():  # in the order they began waiting
            if now - since < self.limits.header_timeout:
                break
            late.append(conn)
        for conn in late:
            self.closed(conn)
            self.timed_out += 1
            conn.evict()
        return late

    def closed(self, conn: Guarded) -> None:
        """The connection is gone, or going: its place is free now (idempotent)."""
        self.waiting.pop(conn, None)
        if conn not in self.counted:
            return
        self.counted.discard(conn)
        self.per_client[conn.client_host] -= 1
        if not self.per_client[conn.client_host]:
            del self.per_client[conn.client_host]

    def _evict(self, host: str | None) -> bool:
        for victim in self.waiting:
            if host is None or victim.client_host == host:
                self.closed(victim)  # counted free now: the transport closes later
                self.evicted += 1
                victim.evict()
                return True
        return False
