"""From EWS to Graph on the same mailbox: what plancal wrote through EWS is adopted by the
Graph target as it is — the same named properties, read through Graph — and nobody is
invited again.

One Exchange store seen through two protocols: the EWS simulator's items after a real EWS
push are put into the Graph simulator as Graph shows the same mailbox (``from_ews``: the
named properties keep their set and name, deleted occurrences are cancelled ones, modified
occurrences exceptions, and whoever was sent the meeting holds it).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from tests.helpers.ews import ORGANIZER, beredning, seed_variant
from tests.helpers.ews import run_push as ews_push
from tests.helpers.graph import agenda_of, calendar_view
from tests.helpers.graph import run_push as graph_push
from tests.simulators import ews, graph


def move_mailbox(ews_sim: ews.Simulator, graph_sim: graph.Simulator) -> None:
    with graph_sim.lock:
        graph_sim.events[ORGANIZER] = {e.id: e for e in graph.from_ews(ews_sim.calendar(ORGANIZER))}


def test_meetings_pushed_through_ews_are_adopted_without_a_message(
    sim: ews.Simulator, graph_sim: graph.Simulator, seed_schedule: Any
) -> None:
    ews_push(seed_schedule, sim)
    assert sim.sent  # EWS invited everyone once
    move_mailbox(sim, graph_sim)
    result = graph_push(seed_schedule, graph_sim)
    assert result.changes == [] and result.rounds == 0
    assert graph_sim.sent == [] and graph_sim.writes() == []
    assert calendar_view(graph_sim, seed_schedule.plan.tz) == agenda_of(seed_schedule)


def test_after_adoption_a_change_reaches_only_whom_it_concerns(
    sim: ews.Simulator, graph_sim: graph.Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    ews_push(seed_schedule, sim)
    move_mailbox(sim, graph_sim)
    edited = seed_variant(tmp_path, **beredning("    exceptions:\n      cancelled: [2023-03-14]\n"))
    result = graph_push(edited, graph_sim)
    assert [c.kind for c in result.changes] == ["cancel-occurrence"]
    cancelled = [s for s in graph_sim.sent if s.kind == "cancellation"]
    assert graph_sim.sent == cancelled and len(cancelled) == 2
    assert all("inställt" in s.comment for s in cancelled)  # the Swedish comment
    assert calendar_view(graph_sim, edited.plan.tz) == agenda_of(edited)
