"""Crash safety: the pushing process killed at 100 points, then run again.

As for EWS: each point is a forked process pushing into the Graph simulator, killed with
SIGKILL when the simulator receives the chosen request — before carrying it out or after
(the answer never arrives). A fresh push with the same state store must leave the calendar
equal to the plan, with no duplicate event and no message sent twice; a create interrupted
after it landed is found again through the transactionId the store kept.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from collections import Counter
from pathlib import Path
from typing import Any

import pytest

from plancal.state.pushstate import PushState
from plancal.state.store import Store
from tests.helpers.ews import beredning, seed_variant
from tests.helpers.graph import ORGANIZER, agenda_of, calendar_view, connection, run_push
from tests.simulators.graph import Simulator, restore, snapshot

BATCH = 4  # small batches: more requests, so more places to die
KEY = "String {5b8a2d0e-9c1f-4a51-9f59-2c1d5e7a0c11} Name plancal-key"


def push_killed_at(sim: Simulator, schedule: Any, store_path: Path, point: int, when: str) -> int:
    pid_box: list[int] = []

    def kill() -> None:
        deadline = time.monotonic() + 5
        while not pid_box and time.monotonic() < deadline:
            time.sleep(0.001)
        os.kill(pid_box[0], signal.SIGKILL)

    sim.kill = kill
    sim.on_request = lambda n, op: when if n == point else None
    pid = os.fork()
    if pid == 0:  # the child: push, and never return into pytest
        code = 0
        try:
            with Store(str(store_path)) as store:
                run_push(schedule, sim, store, batch=BATCH)
        except BaseException:
            code = 3
        os._exit(code)
    pid_box.append(pid)
    _, status = os.waitpid(pid, 0)
    sim.on_request = lambda n, op: None
    return status


def check(sim: Simulator, schedule: Any) -> None:
    assert calendar_view(sim, schedule.plan.tz) == agenda_of(schedule)
    keys = [e.props.get(KEY) for e in sim.calendar(ORGANIZER)]
    assert len(keys) == len(set(keys)) == len(schedule.series)
    sent = Counter((s.attendee, s.item, s.kind, s.occurrence) for s in sim.sent)
    assert max(sent.values(), default=1) == 1, [k for k, v in sent.items() if v > 1]
    invitations = Counter((s.attendee, s.item) for s in sim.sent if s.kind == "invitation")
    assert max(invitations.values(), default=1) >= 1


def requests_of(sim: Simulator, schedule: Any, store_path: Path) -> int:
    with Store(str(store_path)) as store:
        run_push(schedule, sim, store, batch=BATCH)
    return len(sim.log)


@pytest.mark.slow
def test_killed_at_100_points_then_run_again(
    graph_sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    sim = graph_sim
    changed = seed_variant(
        tmp_path,
        **beredning(
            "    place: Kommunhuset\n    exceptions:\n      cancelled: [2023-03-14]\n"
            "      moved: {2022-11-08: 2022-11-09 10:00}\n      added: [2023-03-21 09:00]\n"
        ),
    )
    changed_time = seed_variant(
        tmp_path,
        "b.yaml",
        **{
            "    when: 5 ggr/år\n": "    when: 5 ggr/år\n    place: Stadshuset\n",
            "    when: Varje måndag kl. 15.00\n": "    when: Varje tisdag kl. 15.00\n",
        },
    )
    empty, base_store = snapshot(sim), tmp_path / "base.sqlite"
    Store(str(base_store)).close()
    total_a = requests_of(sim, seed_schedule, tmp_path / "a.sqlite")
    pushed = snapshot(sim)
    shutil.copy(tmp_path / "a.sqlite", tmp_path / "pushed.sqlite")
    restore(sim, pushed)
    total_b = requests_of(sim, changed, tmp_path / "b.sqlite")
    restore(sim, pushed)
    shutil.copy(tmp_path / "pushed.sqlite", tmp_path / "c.sqlite")
    total_c = requests_of(sim, changed_time, tmp_path / "c.sqlite")
    points = [
        (schedule, start, store, n, w)
        for schedule, start, store, total in (
            (seed_schedule, empty, base_store, total_a),
            (changed, pushed, tmp_path / "pushed.sqlite", total_b),
            (changed_time, pushed, tmp_path / "pushed.sqlite", total_c),
        )
        for n in range(1, total + 1)
        for w in ("kill-after", "kill-before")
    ]
    chosen = (
        [points[i % len(points)] for i in range(100)]
        if len(points) < 100
        else [points[int(i * len(points) / 100)] for i in range(100)]
    )
    killed = repaired = 0
    for schedule, start, store_file, point, when in chosen:
        restore(sim, start)
        work = tmp_path / "work.sqlite"
        shutil.copy(store_file, work)
        status = push_killed_at(sim, schedule, work, point, when)
        killed += os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        with Store(str(work)) as store:
            result = run_push(schedule, sim, store, batch=BATCH)
            conn = connection(sim)
            assert PushState(store, conn.target, schedule.plan.id).in_flight() == {}
        repaired += result.interrupted > 0
        check(sim, schedule)
    assert killed == 100
    assert repaired > 20  # every kill during a write left its intent for the next push
