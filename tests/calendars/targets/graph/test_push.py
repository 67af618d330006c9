"""The Graph target's behaviour beyond the contract: sending once, ordering, sign-in, limits."""

from __future__ import annotations

from collections import Counter
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest
import requests

from plancal.calendars.sync import desired
from tests.helpers.ews import beredning, seed_variant
from tests.helpers.graph import (
    CLIENT_ID,
    ORGANIZER,
    Loopback,
    _token,
    agenda_of,
    calendar_view,
    run_push,
    target,
)
from tests.simulators.graph import Simulator

WEST = "W. Europe Standard Time"


def test_dry_run_writes_nothing_and_forecasts_each_attendee(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    result = run_push(seed_schedule, graph_sim, dry_run=True)
    forecast = result.target.forecast(result.changes)
    assert graph_sim.writes() == [] and graph_sim.sent == []
    want = desired(seed_schedule, ORGANIZER)
    faltare = want["avstamning-polis-faltare@soderhamn-2022-2023.plancal"]
    assert len(faltare.moved) == 4
    expected: Counter[str] = Counter()
    for m in want.values():
        for a in m.attendees:
            expected[a] += 1 + len(m.moved)  # the invitation and each moved occurrence
    assert dict(forecast.messages) == dict(expected)
    assert not forecast.over_limit


def test_the_push_sends_what_the_dry_run_said_and_then_nothing(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    forecast = run_push(seed_schedule, graph_sim, dry_run=True)
    said = forecast.target.forecast(forecast.changes).messages
    run_push(seed_schedule, graph_sim)
    got = Counter(s.attendee for s in graph_sim.sent)
    assert dict(got) == dict(said)
    assert {s.kind for s in graph_sim.sent} == {"invitation"}  # no cancellation, no update
    writes = len(graph_sim.writes())
    again = run_push(seed_schedule, graph_sim)
    assert again.changes == [] and len(graph_sim.writes()) == writes
    assert Counter(s.attendee for s in graph_sim.sent) == got


def test_moves_are_ordered_so_that_no_step_crosses_a_neighbour(
    graph_sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    """Held: 13 Dec moved early to 10 Dec. Wanted: 8 Nov to 12 Dec and 13 Dec to 20 Dec.
    Moving 8 Nov first would land on or past 13 Dec's occurrence as it stands (10 Dec)."""
    first = seed_variant(
        tmp_path,
        "a.yaml",
        **beredning("    exceptions:\n      moved: {2022-12-13: 2022-12-10 10:00}\n"),
    )
    second = seed_variant(
        tmp_path,
        "b.yaml",
        **beredning(
            "    exceptions:\n      moved: {2022-11-08: 2022-12-12 10:00, "
            "2022-12-13: 2022-12-20 10:00}\n"
        ),
    )
    run_push(first, graph_sim)
    # The simulator does refuse the naive order:
    series = next(e for e in graph_sim.calendar(ORGANIZER) if e.subject == "Beredningsgruppen")
    import base64

    nov8 = datetime(2022, 11, 8, 8, tzinfo=UTC).isoformat()
    occ = base64.urlsafe_b64encode(f"occ|{series.id}|{nov8}".encode()).decode().rstrip("=")
    naive = requests.patch(
        f"{graph_sim.url}/users/{ORGANIZER}/events/{occ}",
        json={
            "start": {"dateTime": "2022-12-12T10:00:00", "timeZone": WEST},
            "end": {"dateTime": "2022-12-12T11:00:00", "timeZone": WEST},
        },
        headers={"Authorization": f"Bearer {_token(graph_sim)}"},
        timeout=10,
    )
    assert naive.status_code == 400
    assert naive.json()["error"]["code"] == "ErrorOccurrenceCrossingBoundary"
    result = run_push(second, graph_sim)
    assert {c.kind for c in result.changes} == {"move-occurrence"} and result.rounds == 1
    assert calendar_view(graph_sim, second.plan.tz) == agenda_of(second)


def test_a_cancelled_occurrence_carries_a_swedish_comment(
    graph_sim: Simulator, seed_schedule: Any, tmp_path: Path
) -> None:
    run_push(seed_schedule, graph_sim)
    before = len(graph_sim.sent)
    edited = seed_variant(tmp_path, **beredning("    exceptions:\n      cancelled: [2023-03-14]\n"))
    run_push(edited, graph_sim)
    new = graph_sim.sent[before:]
    assert {s.kind for s in new} == {"cancellation"} and len(new) == 2
    assert all(s.comment.startswith("Tillfället är inställt") for s in new)
    assert {s.occurrence for s in new} == {datetime(2023, 3, 14, 8, tzinfo=UTC)}


def test_monthly_day_31_is_the_last_day_of_short_months_in_graph(
    graph_sim: Simulator,
) -> None:
    body: dict[str, Any] = {
        "subject": "Månadsslut",
        "start": {"dateTime": "2023-01-31T09:00:00", "timeZone": WEST},
        "end": {"dateTime": "2023-01-31T10:00:00", "timeZone": WEST},
        "recurrence": {
            "pattern": {"type": "absoluteMonthly", "interval": 1, "dayOfMonth": 31},
            "range": {"type": "endDate", "startDate": "2023-01-31", "endDate": "2023-04-30"},
        },
    }
    headers = {"Authorization": f"Bearer {_token(graph_sim)}"}
    r = requests.post(
        f"{graph_sim.url}/users/{ORGANIZER}/events", json=body, headers=headers, timeout=10
    )
    assert r.status_code == 201, r.text
    days = [start.astimezone().date() for _, start, _ in graph_sim.view(ORGANIZER)]
    assert days == [date(2023, 1, 31), date(2023, 2, 28), date(2023, 3, 31), date(2023, 4, 30)]


def test_a_rule_on_day_31_is_refused_before_anything_is_written(
    graph_sim: Simulator, tmp_path: Path
) -> None:
    """RRULE BYMONTHDAY=31 skips short months; Outlook would put them on the last day."""
    from plancal.errors import PlanError

    plan = seed_variant(
        tmp_path,
        **{"    when: Varje måndag kl. 15.00\n": '    when: "RRULE:FREQ=MONTHLY;BYMONTHDAY=31"\n'},
    )
    with pytest.raises(PlanError) as e:
        run_push(plan, graph_sim)
    assert "BYMONTHDAY" in e.value.render("en")
    assert graph_sim.writes() == []


def test_a_mailbox_outside_the_apps_scope_is_a_clear_error(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    from plancal.calendars.targets.graph import GraphError

    with pytest.raises(GraphError) as e:
        run_push(seed_schedule, graph_sim, mailbox="kommunchef@soderhamn.example")
    text = e.value.render("en")
    assert "403" in text and "Calendars.ReadWrite" in text


def test_a_wrong_secret_is_a_clear_error_that_shows_no_secret(
    graph_sim: Simulator, seed_schedule: Any
) -> None:
    from plancal.calendars.targets.graph import GraphError

    with pytest.raises(GraphError) as e:
        run_push(seed_schedule, graph_sim, client_secret="fel-hemlighet-999")
    text = e.value.render("sv")
    assert "invalid_client" in text and "fel-hemlighet-999" not in text


def test_sign_in_with_a_certificate(graph_sim: Simulator, seed_schedule: Any) -> None:
    """The preferred credential: MSAL signs a client assertion with the private key; the
    simulator checks it with the certificate uploaded to the app."""
    import hashlib

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "plancal")])
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(1)
        .not_valid_before(datetime(2020, 1, 1, tzinfo=UTC))
        .not_valid_after(datetime(2040, 1, 1, tzinfo=UTC))
        .sign(key, hashes.SHA256())
    )
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    thumbprint = hashlib.sha1(cert.public_bytes(serialization.Encoding.DER)).hexdigest()
    graph_sim.certificates[CLIENT_ID] = cert
    t = target(seed_schedule, graph_sim, client_secret=None, certificate=pem, thumbprint=thumbprint)
    assert t.read() == {}
    assert graph_sim.sign_ins == ["certificate"]


def test_over_ten_thousand_requests_is_flagged(graph_sim: Simulator, seed_schedule: Any) -> None:
    from plancal.calendars.sync import Change

    t = target(seed_schedule, graph_sim)
    one = Change("cancel-meeting", "k", "a", "t")
    assert not t.forecast([one] * 10_000).over_limit
    assert t.forecast([one] * 10_001).over_limit


def test_nothing_goes_anywhere_but_loopback(graph_sim: Simulator) -> None:
    with pytest.raises(AssertionError):
        Loopback(graph_sim.base).get("https://graph.microsoft.com/v1.0/me", timeout=1)
