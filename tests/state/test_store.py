"""The state store: one contract, passed by SQLite and by a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from plancal.state.store import MIGRATIONS, SCHEMA_HEAD, Store, StoreError, safe_url

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
MASTER = ("a@p.plancal", "")
OVERRIDE = ("a@p.plancal", "20240108T140000")


class TestStore:
    """What every store backend must do; subclasses only say how to open one."""

    def reopen(self, store: Store) -> Store:
        return Store(store.url)

    def test_new_components_start_at_sequence_zero(self, store: Store) -> None:
        got = store.revise("p", {MASTER: "d1"}, T0)
        assert got[MASTER].sequence == 0
        assert got[MASTER].modified == got[MASTER].created == T0

    def test_unchanged_content_keeps_sequence_and_stamp(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        got = store.revise("p", {MASTER: "d1"}, T1)
        assert (got[MASTER].sequence, got[MASTER].modified) == (0, T0)

    def test_changed_content_raises_sequence_and_stamps_now(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        got = store.revise("p", {MASTER: "d2"}, T1)
        assert (got[MASTER].sequence, got[MASTER].modified, got[MASTER].created) == (1, T1, T0)

    def test_new_override_starts_above_its_master(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        store.revise("p", {MASTER: "d2"}, T1)
        got = store.revise("p", {MASTER: "d2", OVERRIDE: "o1"}, T1)
        assert got[OVERRIDE].sequence == 2

    def test_overrides_born_with_their_master_start_with_it(self, store: Store) -> None:
        got = store.revise("p", {MASTER: "d1", OVERRIDE: "o1"}, T0)
        assert got[OVERRIDE].sequence == got[MASTER].sequence == 0

    def test_state_survives_reopening(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        store.revise("p", {MASTER: "d2"}, T1)
        with self.reopen(store) as again:
            assert again.revisions("p")[MASTER].sequence == 1
            assert again.revisions("p")[MASTER].modified == T1

    def test_a_vanished_component_returns_with_its_history(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        store.revise("p", {}, T1)
        got = store.revise("p", {MASTER: "d3"}, T1)
        assert got[MASTER].sequence == 1

    def test_plans_do_not_share_revisions(self, store: Store) -> None:
        store.revise("p", {MASTER: "d1"}, T0)
        got = store.revise("q", {MASTER: "d2"}, T1)
        assert got[MASTER].sequence == 0
        assert store.revisions("p")[MASTER].sequence == 0

    def test_many_components_in_one_call(self, store: Store) -> None:
        digests = {(f"u{i}@p", ""): f"d{i}" for i in range(2000)}
        store.revise("p", digests, T0)
        changed = dict(digests)
        changed[("u7@p", "")] = "new"
        got = store.revise("p", changed, T1)
        assert [k for k, r in got.items() if r.sequence] == [("u7@p", "")]

    def test_concurrent_revisions_do_not_fail_or_lose_a_bump(self, store: Store) -> None:
        errors: list[BaseException] = []

        def work(digest: str) -> None:
            try:
                with self.reopen(store) as own:
                    own.revise("p", {MASTER: digest}, T0)
            except BaseException as e:
                errors.append(e)

        threads = [threading.Thread(target=work, args=(f"d{i}",)) for i in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert not errors
        assert store.revisions("p")[MASTER].sequence == 3  # one insert, three changes


def test_schema_head_is_the_newest_migration() -> None:
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_heads() == [SCHEMA_HEAD]


def test_default_store_is_a_sqlite_file_in_the_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PLANCAL_STATE_DIR", str(tmp_path / "st"))
    with Store() as store:
        assert store.dialect == "sqlite"
    assert (tmp_path / "st" / "plancal.sqlite").exists()


def test_unreachable_database_is_a_clear_error_without_the_password() -> None:
    with pytest.raises(StoreError) as caught:
        Store("postgresql://plancal:hemligt@127.0.0.1:1/nope")
    assert "hemligt" not in str(caught.value)
    assert "127.0.0.1" in str(caught.value)
    assert "hemligt" not in safe_url("postgresql://plancal:hemligt@db/x")


def test_regression_a_newer_schema_is_a_clear_error_not_a_traceback(tmp_path: Path) -> None:
    # Alembic raised "Can't locate revision" from a database a newer plancal had migrated.
    path = str(tmp_path / "state.sqlite")
    with Store(path) as store:
        from sqlalchemy import text

        with store.engine.begin() as conn:
            conn.execute(text("UPDATE alembic_version SET version_num = '9999'"))
    with pytest.raises(StoreError) as caught:
        Store(path)
    assert "9999" in str(caught.value) and SCHEMA_HEAD in str(caught.value)
