"""Fixtures for the Graph tests: the description (loaded once), a simulator per test, a push.

MSAL insists on an https authority, so the sign-in goes through ``Loopback``: a requests
session that sends what MSAL addresses to login.microsoftonline.com to the simulator on
127.0.0.1 instead. Nothing leaves the machine.
"""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest
import requests

from tests.helpers import FIXTURES
from tests.simulators.graph import Description, Simulator

ORGANIZER = "samordnare@soderhamn.example"
TENANT = "7f3c1a2b-soderhamn"
CLIENT_ID = "plancal-app"
SECRET = "hemlig-klient-123"
LOGIN = "https://login.microsoftonline.com"


@pytest.fixture(scope="session")
def graph_description() -> Description:
    path = FIXTURES / "graph-openapi" / "calendar-subset.json"
    if not path.exists():
        pytest.fail(f"the Graph description is not at {path}")
    return Description(path)


@pytest.fixture
def graph_sim(graph_description: Description) -> Iterator[Simulator]:
    s = Simulator(graph_description, tenant=TENANT, clients={CLIENT_ID: SECRET}, scope={ORGANIZER})
    s.start()
    yield s
    s.stop()
    assert not s.schema_errors, "requests the description rejects:\n" + "\n".join(s.schema_errors)
    assert not s.response_errors, "simulator answers off-description:\n" + "\n".join(
        s.response_errors
    )


class Loopback(requests.Session):
    """Sends requests for the sign-in host to the simulator (MSAL requires https)."""

    def __init__(self, base: str):
        super().__init__()
        self.base_url = base

    def request(self, method: str | bytes, url: str | bytes, *args: Any, **kwargs: Any) -> Any:
        text = url.decode() if isinstance(url, bytes) else url
        if text.startswith(LOGIN):
            text = self.base_url + text[len(LOGIN) :]
        assert text.startswith("http://127.0.0.1:"), text  # nothing leaves the machine
        verb = method.decode() if isinstance(method, bytes) else method
        return super().request(verb, text, *args, **kwargs)


def connection(sim: Simulator, **over: Any) -> Any:
    from plancal.calendars.targets.graph import GraphConnection

    values: dict[str, Any] = {
        "mailbox": ORGANIZER,
        "tenant_id": TENANT,
        "client_id": CLIENT_ID,
        "client_secret": SECRET,
        "url": sim.url,
        "timeout": 5,
        "max_wait": 600,
    }
    values.update(over)
    return GraphConnection(**values)


def target(
    schedule: Any,
    sim: Simulator,
    store: Any = None,
    sleep: Any = None,
    record: bool = True,
    batch: int = 20,
    **over: Any,
) -> Any:
    from plancal.calendars.targets.graph import build
    from plancal.state.pushstate import PushState

    conn = connection(sim, **over)
    state = PushState(store, conn.target, schedule.plan.id) if store is not None else None
    t = build(
        conn,
        schedule.plan.id,
        schedule.plan.tz,
        state,
        sleep=sleep if sleep is not None else (lambda s: None),
        record=record,
        http_client=Loopback(sim.base),
    )
    t.client.batch_size = batch  # smaller batches: more requests, more places to fail
    return t


def run_push(
    schedule: Any,
    sim: Simulator,
    store: Any = None,
    dry_run: bool = False,
    sleep: Any = None,
    batch: int = 20,
    **over: Any,
) -> Any:
    """One `plancal push graph`, as the CLI runs it, against the simulator."""
    from plancal.calendars.push import push
    from plancal.calendars.targets.graph import Unsettled

    t = target(schedule, sim, store, sleep, record=not dry_run, batch=batch, **over)
    result = push(schedule, t, dry_run=dry_run, unsettled=Unsettled)
    result.target = t  # type: ignore[attr-defined]
    return result


def calendar_view(sim: Simulator, tz: Any, mailbox: str = ORGANIZER) -> list[tuple[str, str, str]]:
    """The organizer's calendarView over everything, read over HTTP as any client would:
    (subject, local start, local end), sorted; all-day events as days."""
    from tests.simulators.graph import WINDOWS_ZONES  # noqa: F401  (the simulator's zones)

    session = requests.Session()
    token = _token(sim)
    url: str | None = (
        f"{sim.url}/users/{mailbox}/calendarView?startDateTime=2000-01-01T00:00:00Z"
        "&endDateTime=2100-01-01T00:00:00Z&$select=subject,start,end,isAllDay&$top=100"
    )
    rows = []
    while url:
        r = session.get(url, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert r.status_code == 200, r.text
        data = r.json()
        for ev in data["value"]:
            start = _utc(ev["start"]["dateTime"]).astimezone(tz)
            end = _utc(ev["end"]["dateTime"]).astimezone(tz)
            if ev["isAllDay"]:
                rows.append((ev["subject"], start.date().isoformat(), end.date().isoformat()))
            else:
                rows.append((ev["subject"], start.isoformat(), end.isoformat()))
        url = data.get("@odata.nextLink")
    return sorted(rows)


def _token(sim: Simulator) -> str:
    r = requests.post(
        f"{sim.base}/{sim.tenant}/oauth2/v2.0/token",
        data={
            "grant_type": "client_credentials",
            "client_id": CLIENT_ID,
            "client_secret": SECRET,
            "scope": "https://graph.microsoft.com/.default",
        },
        timeout=10,
    )
    return str(r.json()["access_token"])


def _utc(text: str) -> datetime:
    return datetime.fromisoformat(text[:26]).replace(tzinfo=UTC)


def agenda_of(schedule: Any) -> list[tuple[str, str, str]]:
    return sorted(
        (o.activity.title, o.start.isoformat(), o.end.isoformat()) for o in schedule.occurrences()
    )
