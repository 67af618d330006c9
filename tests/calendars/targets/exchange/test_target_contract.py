"""The Exchange target passes the contract every target passes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers import typed
from tests.helpers.ews import ORGANIZER, occurrences_in, run_push
from tests.helpers.target_contract import TargetContract
from tests.simulators.ews import Item, Simulator


class TestExchange(TargetContract):
    @pytest.fixture(autouse=True)
    def _sim(self, sim: Simulator) -> None:
        self.sim = sim

    def push(self, schedule: Any) -> Any:
        return run_push(schedule, self.sim)

    def shown(self, schedule: Any) -> list[tuple[str, str, str]]:
        return occurrences_in(self.sim, schedule.plan.tz)

    def add_foreign(self) -> Any:
        return self.sim.add_item(
            ORGANIZER,
            subject="Tandläkare",
            start=datetime(2022, 11, 8, 8, tzinfo=UTC),
            end=datetime(2022, 11, 8, 9, tzinfo=UTC),
        )

    def foreign_untouched(self, token: Any) -> bool:
        now = {i.id: i for i in self.sim.calendar(ORGANIZER)}
        return now.get(token.id) is token and typed(token, Item).change == 1
