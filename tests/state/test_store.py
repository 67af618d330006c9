"""The state store: one contract, passed by SQLite and by a real PostgreSQL server."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta

from plancal.state.store import Store

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
