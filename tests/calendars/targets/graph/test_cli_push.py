"""`plancal push graph` as a user runs it: a real process, settings from the environment,
MSAL signing in over TLS to the simulator (which serves a certificate from a test CA)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.helpers import SEED
from tests.helpers.graph import CLIENT_ID, ORGANIZER, SECRET, TENANT
from tests.simulators.graph import Description, Simulator


@pytest.fixture
def tls_sim(graph_description: Description, tmp_path: Path) -> Iterator[tuple[Simulator, Path]]:
    import trustme

    ca = trustme.CA()
    bundle = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(bundle))
    s = Simulator(graph_description, tenant=TENANT, clients={CLIENT_ID: SECRET}, scope={ORGANIZER})
    s.start(tls=ca)
    yield s, bundle
    s.stop()
    assert not s.schema_errors and not s.response_errors, s.schema_errors + s.response_errors


def plancal(
    sim: Simulator, bundle: Path, tmp_path: Path, *args: str, **env_over: str
) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PLANCAL_CONFIG": str(tmp_path / "none.toml"),
        "PLANCAL_GRAPH_MAILBOX": ORGANIZER,
        "PLANCAL_GRAPH_TENANT_ID": TENANT,
        "PLANCAL_GRAPH_CLIENT_ID": CLIENT_ID,
        "PLANCAL_GRAPH_CLIENT_SECRET": SECRET,
        "PLANCAL_GRAPH_AUTHORITY": sim.base,
        "PLANCAL_GRAPH_URL": sim.url,
        "PLANCAL_GRAPH_TIMEOUT": "10",
        "REQUESTS_CA_BUNDLE": str(bundle),
        **env_over,
    }
    env = {k: v for k, v in env.items() if v != "-"}  # "-": not set at all
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "plancal.cli",
            "push",
            "graph",
            *args,
            "--db",
            str(tmp_path / "s.sqlite"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )


def test_dry_run_says_what_each_attendee_receives_and_writes_nothing(
    tls_sim: tuple[Simulator, Path], tmp_path: Path
) -> None:
    sim, bundle = tls_sim
    run = plancal(sim, bundle, tmp_path, str(SEED), "--dry-run", "--lang", "sv")
    assert run.returncode == 0, run.stderr
    assert "ny mötesserie" in run.stdout and "Provkörning: inget skrevs." in run.stdout
    assert "Varje deltagare får" in run.stdout
    assert "faltare@soderhamn.example: " in run.stdout
    assert not sim.writes() and not sim.sent
    assert SECRET not in run.stdout + run.stderr


def test_push_then_nothing_to_do(tls_sim: tuple[Simulator, Path], tmp_path: Path) -> None:
    sim, bundle = tls_sim
    first = plancal(sim, bundle, tmp_path, str(SEED), "--format", "json")
    assert first.returncode == 0, first.stderr
    lines = [json.loads(line) for line in first.stdout.splitlines()]
    forecast = next(x["forecast"] for x in lines if "forecast" in x)
    assert sum(forecast["messages"].values()) == len(sim.sent)
    second = plancal(sim, bundle, tmp_path, str(SEED))
    assert second.returncode == 0, second.stderr
    assert "nothing was sent" in second.stdout or "inget skickades" in second.stdout


def test_missing_settings_name_the_variables(
    tls_sim: tuple[Simulator, Path], tmp_path: Path
) -> None:
    sim, bundle = tls_sim
    run = plancal(
        sim,
        bundle,
        tmp_path,
        str(SEED),
        "--lang",
        "en",
        PLANCAL_GRAPH_TENANT_ID="-",
        PLANCAL_GRAPH_CLIENT_SECRET="-",
    )
    assert run.returncode == 1
    assert "PLANCAL_GRAPH_TENANT_ID" in run.stderr and "PLANCAL_GRAPH_CERTIFICATE" in run.stderr
    assert "Traceback" not in run.stderr


def test_a_secret_in_the_file_is_refused(tls_sim: tuple[Simulator, Path], tmp_path: Path) -> None:
    sim, bundle = tls_sim
    config = tmp_path / "plancal.toml"
    config.write_text('[graph]\nclient_secret = "hemligt"\n', encoding="utf-8")
    run = plancal(sim, bundle, tmp_path, str(SEED), PLANCAL_CONFIG=str(config))
    assert run.returncode == 1 and "hemligt" not in run.stderr + run.stdout
    assert "PLANCAL_GRAPH_CLIENT_SECRET" in run.stderr
