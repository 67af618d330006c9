"""What push targets remember in the state store: one contract, on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

from plancal.calendars.push import Pushed
from plancal.state.pushstate import PushState
from plancal.state.store import Store

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
TARGET = "exchange:samordnare@soderhamn.example@mail.example"


def row(key: str, change: str = "ck1", digest: str = "d1") -> Pushed:
    return Pushed(
        key,
        f"id-{key}",
        change,
        digest,
        {"attendees": ["a@b.example"], "cancelled": ["2023-07-11"]},
    )


class TestPushState:
    def test_remembered_items_come_back_as_written(self, store: Store) -> None:
        state = PushState(store, TARGET, "p")
        state.remember([row("a"), row("b")], T0)
        again = PushState(Store(store.url), TARGET, "p").load()
        assert again == {"a": row("a"), "b": row("b")}

    def test_remembering_again_replaces(self, store: Store) -> None:
        state = PushState(store, TARGET, "p")
        state.remember([row("a")], T0)
        state.remember([row("a", "ck2", "d2")], T0)
        assert state.load()["a"].change_key == "ck2"

    def test_targets_and_plans_are_apart(self, store: Store) -> None:
        PushState(store, TARGET, "p").remember([row("a")], T0)
        assert PushState(store, TARGET, "q").load() == {}
        assert PushState(store, TARGET + "x", "p").load() == {}

    def test_forget(self, store: Store) -> None:
        state = PushState(store, TARGET, "p")
        state.remember([row("a"), row("b")], T0)
        state.forget(["a"])
        assert set(state.load()) == {"b"}
        state.forget()
        assert state.load() == {}

    def test_writes_in_flight_until_their_answer(self, store: Store) -> None:
        state = PushState(store, TARGET, "p")
        state.begin([("a", "create"), ("b", "update"), ("a", "update")], T0)
        state.begin([("a", "create")], T0)  # the same write again: still one row
        assert state.in_flight() == {"a": {"create", "update"}, "b": {"update"}}
        state.end(["a"])
        assert state.in_flight() == {"b": {"update"}}
        state.end()
        assert state.in_flight() == {}
