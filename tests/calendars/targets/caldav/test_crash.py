"""Crash safety: the pushing process SIGKILLed before a write, or by the server after carrying
one out (the answer never arrives), then pushed again with the same store.

The next push must leave the calendar equal to the plan, with one resource per UID (a second
copy would make ``read`` refuse), say that it repaired an interrupted push, and a third push
must write nothing.
"""

from __future__ import annotations

import os
import signal
from pathlib import Path
from typing import Any

import pytest

from plancal.state.store import Store
from tests.calendars.targets.caldav.test_target_contract import occurrences
from tests.helpers.caldav import CalDavServer, run_push
from tests.helpers.imip import summer_break
from tests.helpers.target_contract import expected


def push_killed(server: CalDavServer, schedule: Any, path: Path, where: str, nth: int) -> bool:
    """``where``: "before" (the process dies before its nth write goes out) or "server" (the
    server carries out the nth write, then kills the process before answering)."""
    seen = [0]
    child: list[int] = []

    def after(entry: Any) -> None:
        if entry.method in ("PUT", "DELETE"):
            seen[0] += 1
            if where == "server" and seen[0] == nth and child:
                os.kill(child[0], signal.SIGKILL)

    server.after = after
    pid = os.fork()
    if pid == 0:
        count = 0

        def probe(name: str) -> None:
            nonlocal count
            if name == "before-write":
                count += 1
                if where == "before" and count == nth:
                    os.kill(os.getpid(), signal.SIGKILL)

        code = 0
        try:
            with Store(str(path)) as store:
                run_push(schedule, server, store, probe=probe)
        except BaseException:
            code = 3
        os._exit(code)
    child.append(pid)
    _, status = os.waitpid(pid, 0)
    server.after = None
    return os.WIFSIGNALED(status)


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before", "server"])
@pytest.mark.parametrize("nth", [1, 7, 20])
def test_killed_first_push_is_repaired(
    xandikos: CalDavServer, seed_schedule: Any, tmp_path: Path, where: str, nth: int
) -> None:
    path = tmp_path / "state.sqlite"
    assert push_killed(xandikos, seed_schedule, path, where, nth)
    with Store(str(path)) as store:
        again = run_push(seed_schedule, xandikos, store)
        assert again.interrupted == 1
        assert occurrences(xandikos, seed_schedule.plan.tz) == expected(seed_schedule)
        mark = len(xandikos.log)
        assert run_push(seed_schedule, xandikos, store).changes == []
        assert xandikos.writes()[-1:] and all(e.method == "REPORT" for e in xandikos.log[mark:])


@pytest.mark.slow
@pytest.mark.parametrize("where", ["before", "server"])
def test_killed_summer_break_push_is_repaired(
    radicale: CalDavServer, seed_schedule: Any, tmp_path: Path, where: str
) -> None:
    path = tmp_path / "state.sqlite"
    with Store(str(path)) as store:
        run_push(seed_schedule, radicale, store)
    edited = summer_break(seed_schedule)
    assert push_killed(radicale, edited, path, where, 2)
    with Store(str(path)) as store:
        again = run_push(edited, radicale, store)
        assert again.interrupted == 1
        assert occurrences(radicale, edited.plan.tz) == expected(edited)
        assert run_push(edited, radicale, store).changes == []
