"""Leases: which plans of a region each process runs, shared fairly, lost with the process."""

from __future__ import annotations

import math
from collections.abc import Iterator
from datetime import timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from plancal.state.leases import FileLeases, PgLeases, holders, leases, share
from plancal.state.store import Store
from tests.helpers.stores import clean

PLANS = [f"kommun{i:03d}-2022-2023" for i in range(30)]
PERIOD = timedelta(seconds=30)


@given(
    plans=st.integers(1, 60),
    members=st.integers(1, 8),
    held=st.integers(0, 60),
    taken_by_others=st.integers(0, 60),
)
def test_a_share_never_exceeds_its_fair_part_and_takes_only_free_plans(
    plans: int, members: int, held: int, taken_by_others: int
) -> None:
    names = [f"p{i}" for i in range(plans)]
    mine = set(names[:held])
    others = set(names[held : held + taken_by_others])
    decided = share(names, mine, others, members, "me")
    after = (mine - set(decided.give)) | set(decided.take)
    fair = math.ceil(plans / members)
    assert not set(decided.take) & (mine | others)
    assert set(decided.give) <= mine
    if len(mine) > fair + 1:  # above the share by more than the slack: back to the share
        assert len(after) == fair and not decided.take
    else:
        assert len(after) <= max(len(mine), fair)
    if len(mine) < fair:  # room: take what is free, up to the fair part
        free = set(names) - mine - others
        assert len(decided.take) == min(fair - len(mine), len(free))


def test_plans_that_left_the_region_are_given_back() -> None:
    decided = share(["a", "b"], {"a", "gone"}, set(), 1, "me")
    assert decided.give == ["gone"] and decided.take == ["b"]


@pytest.fixture
def pg_store(pg_url: str) -> Iterator[Store]:
    with Store(pg_url) as store:
        yield clean(store)


@pytest.mark.postgres
def test_three_processes_ten_plans_each_then_two_share_the_dead_ones(pg_store: Store) -> None:
    members = [PgLeases(pg_store, f"host{i}:1:x", "region", PERIOD) for i in range(3)]
    try:
        for m in members:
            m.register()  # all three joined before anyone looked
        for m in members:
            m.refresh(PLANS)
        owned = [m.owned() for m in members]
        assert [len(o) for o in owned] == [10, 10, 10]
        assert set().union(*owned) == set(PLANS)
        assert set(holders(pg_store, PLANS)) == set(PLANS)

        members[0].close()  # its session ends: its locks go at once
        assert set(holders(pg_store, PLANS)) == owned[1] | owned[2]
        changes = [m.refresh(PLANS) for m in members[1:]]
        assert all(c.members == 2 for c in changes)
        after = [m.owned() for m in members[1:]]
        assert after[0] | after[1] == set(PLANS) and not after[0] & after[1]
        assert all(len(o) <= 16 for o in after)  # ceil(30 / 2) + 1
        assert owned[1] <= after[0] and owned[2] <= after[1]  # nobody lost a plan it had

        newcomer = PgLeases(pg_store, "host9:1:x", "region", PERIOD)
        members.append(newcomer)
        newcomer.register()
        for m in members[1:]:  # the two give back above their share; the newcomer takes
            m.refresh(PLANS)
        for m in members[1:]:
            m.refresh(PLANS)
        shares = [m.owned() for m in members[1:]]
        assert sorted(len(o) for o in shares) == [10, 10, 10]
        assert set().union(*shares) == set(PLANS)
    finally:
        for m in members:
            m.close()


@pytest.mark.postgres
def test_a_process_whose_looks_stopped_owns_nothing_and_its_session_is_ended(
    pg_store: Store,
) -> None:
    """A frozen process (or one cut off) stops acting at 2/3 of the period; the server ends
    its idle session at the period (idle_session_timeout), which frees its plans."""
    from sqlalchemy import text

    m = PgLeases(pg_store, "host1:1:x", "region", timedelta(seconds=3))
    try:
        m.refresh(PLANS[:3])
        assert m.owned() == set(PLANS[:3])
        assert m._conn is not None
        settings: dict[str, str] = dict(
            m._conn.execute(
                text(
                    "SELECT name, setting FROM pg_settings WHERE name IN ('idle_session_timeout', "
                    "'tcp_keepalives_idle', 'tcp_keepalives_interval', 'tcp_keepalives_count')"
                )
            ).all()
        )
        assert settings["idle_session_timeout"] == "3000"  # ms: the period
        m._last_look -= 2.5  # as if the last look were 2.5 s ago (> 2/3 of 3 s)
        assert m.owned() == frozenset()
    finally:
        m.close()


@pytest.mark.postgres
def test_a_region_run_and_a_single_plan_run_take_the_same_lock(pg_store: Store) -> None:
    from plancal.scheduler.daemon import single_instance

    m = PgLeases(pg_store, "host1:1:x", "region", PERIOD)
    try:
        with single_instance(pg_store, PLANS[0]):
            m.refresh(PLANS[:2])
            assert m.owned() == {PLANS[1]}
    finally:
        m.close()


def test_on_sqlite_a_process_takes_every_plan_no_other_holds(tmp_path: object) -> None:
    from pathlib import Path

    assert isinstance(tmp_path, Path)
    with Store(str(tmp_path / "s.sqlite")) as store:
        first, second = (leases(store, f"w{i}", "region", PERIOD) for i in range(2))
        assert isinstance(first, FileLeases)
        try:
            first.refresh(PLANS[:3])
            second.refresh(PLANS[:4])
            assert first.owned() == set(PLANS[:3]) and second.owned() == {PLANS[3]}
            first.close()
            second.refresh(PLANS[:4])
            assert second.owned() == set(PLANS[:4])
        finally:
            first.close()
            second.close()
