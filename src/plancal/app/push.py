"""Push wiring: a calendar target, the state store's ledger and the push loop, for the commands."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from plancal.calendars.push import Progress, PushResult, push
from plancal.rules.compile import Schedule
from plancal.state.pushstate import PushState
from plancal.state.store import Store


def push_plan(
    schedule: Schedule,
    settings: Any,
    store: Store,
    dry_run: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
) -> PushResult:
    """``plancal push exchange``: the settings' mailbox made to hold the plan."""
    from plancal.calendars.targets.exchange.target import Connection, ExchangeTarget, Unsettled

    conn = Connection.from_settings(settings)
    state = PushState(store, conn.target, schedule.plan.id)
    target = ExchangeTarget(
        conn, schedule.plan.id, schedule.plan.tz, state, sleep=sleep, record=not dry_run
    )
    return push(schedule, target, dry_run=dry_run, progress=progress, unsettled=Unsettled)


def push_graph(
    schedule: Schedule,
    settings: Any,
    store: Store,
    dry_run: bool = False,
    progress: Progress | None = None,
    sleep: Callable[[float], None] = time.sleep,
    http_client: Any = None,
) -> tuple[PushResult, Any]:
    """``plancal push graph``: the [graph] mailbox made to hold the plan, with the forecast of
    what each attendee receives and how many requests Graph counts."""
    from plancal.calendars.targets.graph import GraphConnection, Unsettled, build

    conn = GraphConnection.from_settings(settings)
    state = PushState(store, conn.target, schedule.plan.id)
    target = build(
        conn,
        schedule.plan.id,
        schedule.plan.tz,
        state,
        sleep=sleep,
        record=not dry_run,
        http_client=http_client,
    )
    result = push(schedule, target, dry_run=dry_run, progress=progress, unsettled=Unsettled)
    return result, target.forecast(result.changes)
