"""Feed tokens and served versions in the store: one contract, on SQLite and on PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import ClassVar

import pytest

from plancal.state import tokens, versions
from plancal.state.store import Store

T0 = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)
T1 = T0 + timedelta(hours=1)
KEY = "k" * 40
PRIVATE = ("plan", "deadlines", "role-kommunpolis")


class TestToken:
    def test_created_token_is_stored_only_as_a_hash(self, store: Store) -> None:
        from sqlalchemy import text

        token, info = tokens.create(
            store, KEY, "p", ["deadlines", "plan", "deadlines"], PRIVATE, "Anna", T0
        )
        assert len(token) == tokens.TOKEN_LENGTH and info.feeds == ("deadlines", "plan")
        with store.engine.connect() as conn:
            rows = [
                tuple(str(v) for v in r) for r in conn.execute(text("SELECT * FROM feed_tokens"))
            ]
        assert rows and not any(token in v for r in rows for v in r)
        assert tokens.digest(token).hex() in rows[0]

    def test_active_map_is_keyed_by_the_hash_of_the_token(self, store: Store) -> None:
        token, info = tokens.create(store, KEY, "p", ["deadlines"], PRIVATE, "", T0)
        grants = tokens.active(store, "p")
        grant = grants[tokens.digest(token)]
        assert grant.id == info.id and grant.files == frozenset({b"deadlines.ics"})
        assert tokens.active(store, "other-plan") == {}

    def test_revoke_removes_it_from_the_active_map_and_is_idempotent(self, store: Store) -> None:
        _, info = tokens.create(store, KEY, "p", ["plan"], PRIVATE, "", T0)
        other, _ = tokens.create(store, KEY, "p", ["plan"], PRIVATE, "", T0)
        assert tokens.revoke(store, "p", info.id, T1).revoked == T1
        assert tokens.revoke(store, "p", info.id, T1 + timedelta(days=1)).revoked == T1
        assert set(tokens.active(store, "p")) == {tokens.digest(other)}
        listed = {i.id: i for i in tokens.listing(store, "p")}
        assert listed[info.id].revoked == T1 and len(listed) == 2

    def test_revoking_an_unknown_or_foreign_token_is_a_clear_error(self, store: Store) -> None:
        _, info = tokens.create(store, KEY, "p", ["plan"], PRIVATE, "", T0)
        with pytest.raises(tokens.TokenError, match="no token"):
            tokens.revoke(store, "p", "nope", T1)
        with pytest.raises(tokens.TokenError) as caught:
            tokens.revoke(store, "q", info.id, T1)
        assert "ingen token" in caught.value.render("sv")

    def test_rederive_gives_the_same_tokens_and_refuses_another_key(self, store: Store) -> None:
        first, _ = tokens.create(store, KEY, "p", ["plan"], PRIVATE, "", T0)
        second, gone = tokens.create(store, KEY, "p", ["deadlines"], PRIVATE, "", T0)
        tokens.revoke(store, "p", gone.id, T1)
        assert [t for t, _ in tokens.rederive(store, KEY, "p")] == [first]
        with pytest.raises(tokens.TokenError, match="not the one"):
            tokens.rederive(store, "x" * 40, "p")
        assert second != first

    def test_served_versions_keep_last_modified_until_the_content_changes(
        self, store: Store
    ) -> None:
        assert versions.stamp(store, "p", {"public.ics": "a", "index.html": "b"}, T0) == {
            "public.ics": T0,
            "index.html": T0,
        }
        assert versions.stamp(store, "p", {"public.ics": "a"}, T1) == {"public.ics": T0}
        assert versions.stamp(store, "p", {"public.ics": "c"}, T1) == {"public.ics": T1}
        assert versions.stamp(store, "q", {"public.ics": "c"}, T1) == {"public.ics": T1}

    def test_a_change_is_always_later_even_with_a_clock_behind(self, store: Store) -> None:
        versions.stamp(store, "p", {"public.ics": "a"}, T1)
        got = versions.stamp(store, "p", {"public.ics": "b"}, T0)
        assert got["public.ics"] == T1 + timedelta(seconds=1)


@pytest.mark.parametrize(
    ("key", "message"),
    [
        (None, "PLANCAL_SERVER_TOKEN_KEY"),
        ("", "PLANCAL_SERVER_TOKEN_KEY"),
        ("short", "too short"),
    ],
)
def test_a_missing_or_weak_key_is_refused_before_anything_is_written(
    tmp_path: Path, key: str | None, message: str
) -> None:
    with Store(str(tmp_path / "s.sqlite")) as store:
        with pytest.raises(tokens.TokenError, match=message):
            tokens.create(store, key, "p", ["plan"], PRIVATE, "", T0)
        assert tokens.listing(store, "p") == []


def test_only_private_feeds_of_the_plan_can_be_granted(tmp_path: Path) -> None:
    with Store(str(tmp_path / "s.sqlite")) as store:
        with pytest.raises(tokens.TokenError, match="public feed needs no token"):
            tokens.create(store, KEY, "p", ["public"], PRIVATE, "", T0)
        with pytest.raises(tokens.TokenError, match="at least one feed"):
            tokens.create(store, KEY, "p", [], PRIVATE, "", T0)


def test_tokens_differ_per_plan_and_id_and_are_url_safe() -> None:
    a = tokens.derive(KEY.encode(), "p", "1")
    assert a != tokens.derive(KEY.encode(), "q", "1") != tokens.derive(KEY.encode(), "p", "2")
    assert len(a) == 43 and all(c.isalnum() or c in "-_" for c in a)


class TestRegionToken:
    PRIVATE: ClassVar[dict[str, tuple[str, ...]]] = {"a": PRIVATE, "b": PRIVATE}

    def test_a_token_across_plans_keeps_its_pairs_and_a_person_their_address(
        self, store: Store
    ) -> None:
        pairs = [("a", "plan"), ("b", "role-kommunpolis"), ("a", "plan")]
        token, info = tokens.create_region(
            store, KEY, pairs, " Anna@Example.org ", self.PRIVATE, {"anna@example.org"}, "", T0
        )
        assert info.plan_id == tokens.REGION and info.person == "anna@example.org"
        assert info.feeds == ("a/plan", "b/role-kommunpolis")
        (active,) = tokens.active_all(store)
        assert active.digest == tokens.digest(token) and active.person == "anna@example.org"
        assert active.pairs() == [("a", "plan"), ("b", "role-kommunpolis")]
        alone, _ = tokens.create(store, KEY, "a", ["deadlines"], PRIVATE, "", T0)
        assert {a.digest for a in tokens.active_all(store)} == {
            tokens.digest(token),
            tokens.digest(alone),
        }
        assert len(tokens.listing(store, ["a", tokens.REGION])) == 2
        assert len(tokens.listing(store, "b")) == 0  # a region token is the region's
        tokens.revoke(store, ["b", tokens.REGION], info.id, T1)
        assert [a.digest for a in tokens.active_all(store)] == [tokens.digest(alone)]

    def test_a_long_list_of_feeds_fits(self, store: Store) -> None:
        # a coordinator of 290 municipalities: more than the 4000 characters of old
        private = {f"kommun{i:03d}-2022-2023": PRIVATE for i in range(290)}
        pairs = [(p, "role-kommunpolis") for p in private]
        tokens.create_region(store, KEY, pairs, None, private, (), "", T0)
        (active,) = tokens.active_all(store)
        assert len(" ".join(active.feeds)) > 4000 and active.pairs() == pairs

    @pytest.mark.parametrize(
        ("pairs", "person", "said"),
        [
            ([], None, "at least one feed"),
            ([("c", "plan")], None, "no plan c in the folder"),
            ([("a", "public")], None, "not a private feed of a: public"),
            ([], "nobody@example.org", "no plan in the folder names nobody@example.org"),
        ],
    )
    def test_refused(
        self, store: Store, pairs: list[tuple[str, str]], person: str | None, said: str
    ) -> None:
        with pytest.raises(tokens.TokenError, match=said):
            tokens.create_region(store, KEY, pairs, person, self.PRIVATE, set(), "", T0)
        assert tokens.active_all(store) == []
