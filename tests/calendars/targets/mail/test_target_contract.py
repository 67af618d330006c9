"""The mail target passes the contract every target passes, read back as attendees' clients do."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers.imip import Mail, shown
from tests.helpers.target_contract import TargetContract


class TestMail(TargetContract):
    @pytest.fixture(autouse=True)
    def _mail(self, mail: Mail) -> None:
        self.mail = mail

    def push(self, schedule: Any) -> Any:
        return self.mail.push(schedule)

    def shown(self, schedule: Any) -> list[tuple[str, str, str]]:
        return shown(self.mail.received, schedule.plan.tz)

    def add_foreign(self) -> Any:
        """Another plan's invitations from the same organizer, already in the store."""
        from plancal.calendars.push import Pushed
        from plancal.state.pushstate import PushState
        from tests.helpers.imip import ORGANIZER

        other = PushState(self.mail.store, f"mail:{ORGANIZER}", "another-plan")
        row = Pushed("x@another-plan.plancal", "x", "0", "d" * 32, {"title": "Annat"})
        other.remember([row], datetime(2022, 8, 1, tzinfo=UTC))
        return other, row

    def foreign_untouched(self, token: Any) -> bool:
        other, row = token
        known = other.load()
        return (
            list(known) == [row.key]
            and known[row.key].snapshot == row.snapshot
            and not any("another-plan" in str(r.message["Subject"]) for r in self.mail.received)
        )
