"""Fixtures for the Exchange tests: the schema (loaded once), a simulator per test, a target."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.helpers import FIXTURES
from tests.simulators.ews import Simulator

ORGANIZER = "samordnare@soderhamn.example"
USER, PASSWORD = "svc-plancal", "hemligt-lösen-123"


def schema_dir() -> Path:
    """Microsoft's EWS schema, vendored in ``tests/fixtures/ews-schema`` (see its README)."""
    return FIXTURES / "ews-schema"


@pytest.fixture(scope="session")
def ews_schema() -> Any:
    import xmlschema

    path = schema_dir() / "messages.xsd"
    if not path.exists():
        pytest.fail(f"the EWS schema is not at {path}")
    return xmlschema.XMLSchema(str(path), validation="lax")


@pytest.fixture
def sim(ews_schema: Any) -> Iterator[Simulator]:
    # The grants an administrator gives as the README says: ApplicationImpersonation scoped to
    # the organizer's mailbox (the default access), and delegate access with Editor rights.
    s = Simulator(
        ews_schema,
        users={USER: PASSWORD},
        delegates={USER: {ORGANIZER}},
        impersonators={USER: {ORGANIZER}},
    )
    s.start()
    yield s
    s.stop()
    assert not s.schema_errors, "requests the EWS schema rejects:\n" + "\n".join(s.schema_errors)
    assert not s.response_errors, "simulator answers off-schema:\n" + "\n".join(s.response_errors)


# --- helpers the Exchange tests share ---------------------------------------------------------

BEREDNING = (
    '    time: "09.00"\n    organizer: trygghetssamordnare\n'
    "    attendees: [trygghetssamordnare, kommunpolis]\n"
)
BEREDNING_PEOPLE = {"trygghetssamordnare@soderhamn.example", "kommunpolis@polisen.example"}
BEREDNING_KEY = "beredningsgrupp@soderhamn-2022-2023.plancal"


def seed_variant(tmp_path: Path, name: str = "plan.yaml", **replace: str) -> Any:
    """The seed plan with some text replaced, compiled (a real file, as a user edits it)."""
    from plancal.app.check import load_schedule
    from tests.helpers import SEED

    text = SEED.read_text(encoding="utf-8")
    for old, new in replace.items():
        old = {"beredning": BEREDNING}.get(old, old)
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    schedule, _ = load_schedule(path)
    return schedule


def beredning(extra: str) -> dict[str, str]:
    """Replacements that give the Beredningsgrupp activity these extra lines."""
    return {"beredning": BEREDNING + extra}


def connection(sim: Simulator, **over: Any) -> Any:
    from plancal.calendars.targets.exchange.target import Connection

    values: dict[str, Any] = {
        "mailbox": ORGANIZER,
        "url": sim.url,
        "auth": "basic",
        "username": USER,
        "password": PASSWORD,
        "timeout": 5,
        "max_wait": 120,
        "settle": 0.05,  # the simulator's writes land at once unless a test makes them slow
        "access": "delegate",  # the tests of delegate access; impersonation is asked for
    }
    values.update(over)
    return Connection(**values)


def run_push(
    schedule: Any,
    sim: Simulator,
    store: Any = None,
    dry_run: bool = False,
    sleep: Any = None,
    clock: Any = None,
    http_client: Any = None,
    **over: Any,
) -> Any:
    """One `plancal push exchange`, as the CLI runs it, against the simulator (``sleep`` and
    ``clock`` replace the target's, for tests where time passes only when slept)."""
    import time

    from plancal.calendars.push import push
    from plancal.calendars.targets.exchange.target import ExchangeTarget, Unsettled
    from plancal.state.pushstate import PushState

    conn = connection(sim, **over)
    state = PushState(store, conn.target, schedule.plan.id) if store is not None else None
    target = ExchangeTarget(
        conn,
        schedule.plan.id,
        schedule.plan.tz,
        state,
        sleep=sleep if sleep is not None else time.sleep,
        clock=clock,
        http_client=http_client,
    )
    return push(schedule, target, dry_run=dry_run, unsettled=Unsettled)


def occurrences_in(sim: Simulator, tz: Any) -> list[tuple[str, str, str]]:
    """The organizer's calendar over everything, as (subject, start, end) in local time."""
    from datetime import UTC, datetime

    rows = sim.view(ORGANIZER, datetime(2000, 1, 1, tzinfo=UTC), datetime(2100, 1, 1, tzinfo=UTC))
    out = []
    for r in rows:
        item = r["item"]
        if item.all_day:
            out.append(
                (
                    r["subject"],
                    r["start"].astimezone(item.tz).date().isoformat(),
                    r["end"].astimezone(item.tz).date().isoformat(),
                )
            )
        else:
            out.append(
                (
                    r["subject"],
                    r["start"].astimezone(tz).isoformat(),
                    r["end"].astimezone(tz).isoformat(),
                )
            )
    return sorted(out)


def agenda_of(schedule: Any) -> list[tuple[str, str, str]]:
    from datetime import datetime

    out = []
    for o in schedule.occurrences():
        if isinstance(o.start, datetime):
            out.append((o.activity.title, o.start.isoformat(), o.end.isoformat()))
        else:
            out.append((o.activity.title, o.start.isoformat(), o.end.isoformat()))
    return sorted(out)


def self_signed(name: str = "plancal") -> tuple[Any, str, str]:
    """A certificate made here (cryptography): (certificate, private key PEM, thumbprint as
    Entra ID shows it: SHA-1 of the DER, hex)."""
    import hashlib
    from datetime import UTC, datetime

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
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
    return cert, pem, thumbprint
