"""The state store on every backend: each test that takes ``store`` runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from plancal.state.store import Store


def clean(store: Store) -> Store:
    """A session-wide PostgreSQL database, emptied for the next test."""
    from sqlalchemy import delete

    from plancal.state.tables import metadata

    with store.engine.begin() as conn:
        for table in reversed(metadata.sorted_tables):
            conn.execute(delete(table))
    return store


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Store]:
    """The same test on a SQLite file and on the real PostgreSQL server."""
    if request.param == "sqlite":
        with Store(str(tmp_path / "state.sqlite")) as opened:
            yield opened
    else:
        with Store(request.getfixturevalue("pg_url")) as opened:
            yield clean(opened)
