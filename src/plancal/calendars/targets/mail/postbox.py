"""What the mail target needs from the state store (``plancal.state.invitations.Postbox``).

A letter is one message to one attendee about one version of one meeting. Its key is unique
(the same change computed twice gives the same key, so posting it again is a no-op); it is
posted before it is sent and kept with its bytes, so a crash resends at most the one message
that was in flight, byte for byte, with the same Message-ID.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Protocol


@dataclass(frozen=True)
class Letter:
    key: str  # meeting version × attendee × method (× occurrence): unique
    uid: str
    recurrence_id: str  # "" for the whole meeting or series
    attendee: str
    method: str  # REQUEST or CANCEL
    sequence: int
    message_id: str
    message: bytes = field(repr=False)


class Postbox(Protocol):
    def post(self, letters: Iterable[Letter], now: datetime) -> int:
        """Keep the letters not kept yet (one transaction) and what each attendee now holds."""
        ...

    def claim(self, now: datetime, lease: timedelta) -> Letter | None: ...
    def sent(self, letter: Letter, now: datetime) -> None: ...
    def release(self, letter: Letter, error: str) -> None: ...
    def failed(self, letter: Letter, error: str) -> None: ...
    def unsent(self) -> dict[str, set[str]]:
        """Letters not delivered yet (pending or in flight): uid → methods."""
        ...
