"""Push wiring: a calendar target, the state store's ledger and the push loop, for the commands."""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
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


def mail_organizer(settings: Any) -> str:
    """[mail] organizer, else [smtp] from; PlanError naming the setting when neither is set."""
    from plancal.config.settings import env_name
    from plancal.errors import PlanError, Problem, Where
    from plancal.i18n import Text, msg

    organizer = settings.get("mail", "organizer") or settings.get("smtp", "from")
    if organizer:
        return str(organizer).strip().lower()
    raise PlanError(
        [
            Problem(
                Where(f"{settings.source} [mail] organizer"),
                msg(
                    Text(
                        "invitations need an organizer address",
                        "inbjudningar behöver en arrangörsadress",
                    )
                ),
                msg(
                    Text(
                        "write organizer = … under [mail] (replies go there), or set {var}",
                        "skriv organizer = … under [mail] (svaren går dit), eller sätt {var}",
                    ),
                    var=env_name("mail", "organizer"),
                ),
            )
        ]
    )


def mail_target(
    schedule: Schedule,
    organizer: str,
    store: Store,
    sender: Any,
    now: datetime,
    envelope_from: str | None = None,
    dry_run: bool = False,
    **options: Any,
) -> Any:
    """The mail target over the store: revisions (SEQUENCE), the ledger and the postbox."""
    from plancal.calendars import ics
    from plancal.calendars.targets.mail.target import MailTarget
    from plancal.state.invitations import Postbox

    plan_id = schedule.plan.id
    if dry_run:
        revisions = store.revisions(plan_id)
    else:
        parts = ics.components(schedule)
        revisions = store.revise(plan_id, {c.key: c.digest for c in parts}, now)
    name = f"mail:{organizer}"
    return MailTarget(
        schedule,
        organizer,
        PushState(store, name, plan_id),
        Postbox(store, name, plan_id),
        sender,
        revisions,
        envelope_from=envelope_from,
        record=not dry_run,
        **options,
    )


def push_mail(
    schedule: Schedule,
    organizer: str,
    store: Store,
    sender: Any,
    now: datetime,
    envelope_from: str | None = None,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> PushResult:
    """``plancal push mail``: every attendee holds the plan's meetings, by invitation."""
    target = mail_target(schedule, organizer, store, sender, now, envelope_from, dry_run)
    return push(schedule, target, dry_run=dry_run, progress=progress)


def caldav_target(
    schedule: Schedule,
    connection: Any,
    organizer: str,
    store: Store | None,
    now: datetime | None = None,
    dry_run: bool = False,
    **options: Any,
) -> Any:
    """The CalDAV target over the store: revisions (SEQUENCE) and the push ledger."""
    from plancal.calendars import ics
    from plancal.calendars.targets.caldav.target import CalDavTarget

    plan_id = schedule.plan.id
    revisions: Any = {}
    state = None
    if store is not None:
        state = PushState(store, connection.target, plan_id)
        if dry_run or now is None:
            revisions = store.revisions(plan_id)
        else:
            parts = ics.components(schedule)
            revisions = store.revise(plan_id, {c.key: c.digest for c in parts}, now)
    return CalDavTarget(
        schedule, connection, organizer, state, revisions, record=not dry_run, **options
    )


def push_caldav(
    schedule: Schedule,
    settings: Any,
    url: str,
    store: Store,
    now: datetime,
    dry_run: bool = False,
    progress: Progress | None = None,
) -> PushResult:
    """``plancal push caldav``: the calendar at ``url`` made to hold the plan."""
    from plancal.calendars.targets.caldav.target import Connection, Unsettled

    organizer = settings.get("mail", "organizer") or settings.get("smtp", "from") or ""
    target = caldav_target(
        schedule,
        Connection.from_settings(settings, url),
        str(organizer).lower(),
        store,
        now=now,
        dry_run=dry_run,
    )
    try:
        return push(schedule, target, dry_run=dry_run, progress=progress, unsettled=Unsettled)
    finally:
        target.close()
