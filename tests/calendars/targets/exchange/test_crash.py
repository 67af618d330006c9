"""Crash safety: the pushing process killed at 100 points, then run again.

Each point is a real process (forked, so it starts in milliseconds) pushing into the
simulator; when the simulator receives the chosen request it SIGKILLs that process, either
before carrying the request out or after (the answer then never arrives). A fresh push with the
same state store must leave the calendar equal to the plan, with no duplicate item and no
message sent twice.
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

from plancal.calendars.sync import desired, messages, reconcile
from plancal.state.pushstate import PushState
from plancal.state.store import Store
from tests.helpers.ews import (
    ORGANIZER,
    agenda_of,
    beredning,
    connection,
    occurrences_in,
    run_push,
    seed_variant,
)
from tests.simulators.ews import Simulator, restore, snapshot

BATCH = 2  # small batches: more requests, so more places to die


def push_killed_at(sim: Simulator, schedule: Any, store_path: Path, point: int, when: str) -> int:
    """Run a push in a child process that the simulator kills at request ``point``."""
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
            from exchangelib.protocol import close_connections

            close_connections()  # the parent's pooled connections are not ours
            with Store(str(store_path)) as store:
                run_push(schedule, sim, store, batch=BATCH, sleep=lambda s: None)
        except BaseException:
            code = 3
        os._exit(code)
    pid_box.append(pid)
    _, status = os.waitpid(pid, 0)
    sim.on_request = lambda n, op: None
    return status


def check(sim: Simulator, schedule: Any, first: Any = None) -> None:
    assert occurrences_in(sim, schedule.plan.tz) == agenda_of(schedule)
    keys = [
        v
        for i in sim.calendar(ORGANIZER)
        for (_, n, _), v in i.extended.items()
        if n == "plancal-key"
    ]
    assert len(keys) == len(set(keys)) == len(schedule.series)
    sent = Counter((s.attendee, s.item, s.kind, s.occurrence) for s in sim.sent)
    assert max(sent.values(), default=1) == 1, [k for k, v in sent.items() if v > 1]
    # One invitation per meeting or series (each exception's own meeting request aside, which
    # the uniqueness above already bounds), however the push was cut.
    invitations = Counter(
        (s.attendee, s.item) for s in sim.sent if s.kind == "invitation" and s.occurrence is None
    )
    assert max(invitations.values()) == 1
    if first is not None:  # into the empty calendar: exactly what a dry run predicts
        got = Counter(s.attendee for s in sim.sent if s.kind == "invitation")
        assert got == messages(reconcile(desired(schedule, ORGANIZER), {})).invitations


def requests_of(sim: Simulator, schedule: Any, store_path: Path) -> int:
    from exchangelib.protocol import close_connections

    close_connections()  # count as the child will: from a fresh connection
    with Store(str(store_path)) as store:
        run_push(schedule, sim, store, batch=BATCH)
    return len(sim.log)


@pytest.mark.slow
def test_killed_at_100_points_then_run_again(
    sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
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
    # Scenario A: the first push of the seed. Scenario B, C: plan changes on a pushed calendar.
    total_a = requests_of(sim, seed_schedule, tmp_path / "a.sqlite")
    pushed = snapshot(sim)
    shutil.copy(tmp_path / "a.sqlite", tmp_path / "pushed.sqlite")
    restore(sim, pushed)
    total_b = requests_of(sim, changed, tmp_path / "b.sqlite")
    restore(sim, pushed)
    shutil.copy(tmp_path / "pushed.sqlite", tmp_path / "c.sqlite")
    total_c = requests_of(sim, changed_time, tmp_path / "c.sqlite")
    points = (
        [
            (seed_schedule, empty, base_store, n, w)
            for n in range(1, total_a + 1)
            for w in ("kill-after", "kill-before")
        ]
        + [
            (changed, pushed, tmp_path / "pushed.sqlite", n, w)
            for n in range(1, total_b + 1)
            for w in ("kill-after", "kill-before")
        ]
        + [
            (changed_time, pushed, tmp_path / "pushed.sqlite", n, w)
            for n in range(1, total_c + 1)
            for w in ("kill-after", "kill-before")
        ]
    )
    assert len(points) >= 100, (total_a, total_b, total_c)
    step = len(points) / 100
    chosen = [points[int(i * step)] for i in range(100)]
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
        check(sim, schedule, seed_schedule if start is empty else None)
    assert killed == 100
    assert repaired > 30  # every kill during a write left its intent for the next push
