"""Shared fixtures: real files in tests/fixtures, the seed plan, isolated state, real PostgreSQL."""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
from hypothesis import settings

from tests.helpers import PG_ADMIN_URL, SEED

if TYPE_CHECKING:
    from plancal.rules.compile import Schedule
    from plancal.rules.model import Plan

pytest_plugins = [
    "tests.helpers.stores",
    "tests.helpers.smtp",
    "tests.helpers.web",
    "tests.helpers.ews",
    "tests.helpers.graph",
    "tests.helpers.imip",
    "tests.helpers.caldav",
]


settings.register_profile("default", max_examples=300)
settings.register_profile("thorough", max_examples=3000)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))


def pytest_configure(config: pytest.Config) -> None:
    # Every test run gets its own state and cache, so no test reads a developer's real store.
    base = Path(config.rootpath) / ".pytest_cache" / f"plancal-{os.getpid()}"
    os.environ.setdefault("PLANCAL_CACHE_DIR", str(base.parent / "plancal-cache"))
    os.environ["PLANCAL_STATE_DIR"] = str(base / "state")
    os.environ.pop("PLANCAL_DB", None)
    os.environ.pop("PLANCAL_LANG", None)


@pytest.fixture(scope="session")
def seed_plan() -> Plan:
    from plancal.rules.plan import load

    return load(SEED)


@pytest.fixture(scope="session")
def seed_schedule(seed_plan: Plan) -> Schedule:
    from plancal.rules.compile import compile_plan

    return compile_plan(seed_plan)


@pytest.fixture
def load_text() -> Callable[..., Plan]:
    from plancal.rules.plan import loads

    def load(text: str, name: str = "test.yaml") -> Plan:
        return loads(text, name)

    return load


@pytest.fixture(scope="session")
def pg_url() -> Iterator[str]:
    """A fresh database on the PostgreSQL server the project's machines run (.ci/run starts it)."""
    import psycopg

    name = f"plancal_test_{uuid.uuid4().hex[:12]}"
    try:
        admin = psycopg.connect(PG_ADMIN_URL, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as e:
        pytest.fail(
            f"PostgreSQL at {PG_ADMIN_URL} is not reachable ({e}); run .ci/run, which "
            "starts it, or set PLANCAL_TEST_PG"
        )
    with admin:
        admin.execute(f'CREATE DATABASE "{name}"')
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with psycopg.connect(PG_ADMIN_URL, autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
