"""The Graph target passes the contract every target passes."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from tests.helpers.graph import ORGANIZER, calendar_view, run_push
from tests.helpers.target_contract import TargetContract
from tests.simulators.graph import Simulator


class TestGraph(TargetContract):
    @pytest.fixture(autouse=True)
    def _sim(self, graph_sim: Simulator) -> None:
        self.sim = graph_sim

    def push(self, schedule: Any) -> Any:
        return run_push(schedule, self.sim)

    def shown(self, schedule: Any) -> list[tuple[str, str, str]]:
        return calendar_view(self.sim, schedule.plan.tz)

    def add_foreign(self) -> Any:
        return self.sim.add_event(
            ORGANIZER,
            subject="Tandläkare",
            start=datetime(2022, 11, 8, 8, tzinfo=UTC),
            end=datetime(2022, 11, 8, 9, tzinfo=UTC),
        )

    def foreign_untouched(self, token: Any) -> bool:
        now = {e.id: e for e in self.sim.calendar(ORGANIZER)}
        unchanged: bool = token.change == 1
        return now.get(token.id) is token and unchanged
