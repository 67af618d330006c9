"""Feed tokens: who may read which private feeds, kept as hashes in the state store.

A token opens a *set* of feeds of one plan (``--feed role-kommunpolis --feed deadlines``):
one token per subscriber (a person, a shared mailbox), so revoking one subscriber never
disturbs another, and a person who needs two feeds still has one secret. Its URLs are
``/t/<token>/<feed>.ics``.

The token is ``HMAC-SHA256(key, plan id + token id)``, with the key from the environment or
the keyring (``PLANCAL_SERVER_TOKEN_KEY``), never from the store. So the store holds only a
SHA-256 of each token (a stolen database opens nothing), the server needs no key at all (it
compares hashes), and ``plancal export`` can still write the same secret paths as static
files, years later, by deriving them again with the key.

Across a region (a folder of plans served together) a token may open feeds of several plans
(``plan_id`` is ``REGION`` and each feed is ``plan-id/slug``: a police officer's feeds in the
municipalities they serve), and a *person's* token names an e-mail address: it opens
``/t/<token>/person.ics`` (everything that person attends or answers for, in every plan) and
that person's role feeds in each plan, including plans added later. The server resolves which
feeds those are from the plans it serves; the store keeps only the address.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from plancal.errors import UserError
from plancal.i18n import Text, msg
from plancal.state.store import Store

MIN_KEY_LENGTH = 32
TOKEN_LENGTH = 43  # base64url of 32 bytes, unpadded
REGION = ""  # the plan_id of a token that spans plans
__all__ = [
    "REGION",
    "TOKEN_LENGTH",
    "Active",
    "Grant",
    "TokenError",
    "TokenInfo",
    "active",
    "active_all",
    "create",
    "create_region",
    "derive",
    "digest",
    "listing",
    "rederive",
    "revoke",
]


class TokenError(UserError):
    """A token command that cannot be done; the message is safe to show (no secret in it)."""


KEY_HINT = "python3 -c 'import secrets; print(secrets.token_urlsafe(32))'"


@dataclass(frozen=True, slots=True)
class Grant:
    """What one active token opens (built from the store's rows; the server holds them).

    ``files`` are the server's keys of the private files (``plan.ics``, or ``<plan-id>/plan.ics``
    in a region); ``plans`` the plans whose every-token files (the wheel) it opens; ``person``
    the address whose feed ``/t/<token>/person.ics`` is.
    """

    id: str
    digest: bytes
    files: frozenset[bytes]
    plans: frozenset[bytes] = frozenset()
    person: str | None = None


@dataclass(frozen=True, slots=True)
class Active:
    """One active token as the store has it, for a server to resolve against its plans."""

    id: str
    digest: bytes
    plan_id: str  # REGION for a token that spans plans
    feeds: tuple[str, ...]  # slugs; "plan-id/slug" when plan_id is REGION
    person: str | None

    def pairs(self) -> list[tuple[str, str]]:
        """(plan id, feed slug) for every feed named."""
        if self.plan_id != REGION:
            return [(self.plan_id, slug) for slug in self.feeds]
        return [tuple(f.split("/", 1)) for f in self.feeds if "/" in f]  # type: ignore[misc]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown of a token: never the token, never its hash."""

    id: str
    label: str
    feeds: tuple[str, ...]
    created: datetime
    revoked: datetime | None
    plan_id: str = REGION
    person: str | None = None


def check_key(key: str | None) -> bytes:
    if not key:
        raise TokenError(
            msg(
                Text(
                    "no token key: set PLANCAL_SERVER_TOKEN_KEY (or the keyring entry plancal / "
                    "server.token_key) to a long random secret, e.g. the output of: {hint}",
                    "ingen tokennyckel: sätt PLANCAL_SERVER_TOKEN_KEY (eller nyckelringens plancal / "
                    "server.token_key) till en lång slumpmässig hemlighet, t.ex. utdata från: {hint}",
                ),
                hint=KEY_HINT,
            )
        )
    if len(key) < MIN_KEY_LENGTH:
        raise TokenError(
            msg(
                Text(
                    "the token key is too short: use at least {n} random characters",
                    "tokennyckeln är för kort: använd minst {n} slumpmässiga tecken",
                ),
                n=MIN_KEY_LENGTH,
            )
        )
    return key.encode("utf-8")


def derive(key: bytes, plan_id: str, token_id: str) -> str:
    mac = hmac.new(key, f"plancal-feed-token\0{plan_id}\0{token_id}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).rstrip(b"=").decode("ascii")


def digest(token: str | bytes) -> bytes:
    return hashlib.sha256(token.encode("ascii") if isinstance(token, str) else token).digest()


def _utc(value: datetime) -> datetime:
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def create(
    store: Store,
    key: str | None,
    plan_id: str,
    feeds: Iterable[str],
    private: Collection[str],
    label: str,
    now: datetime,
) -> tuple[str, TokenInfo]:
    """A new token for some of the ``private`` feeds; the token is returned once, here."""
    slugs = tuple(dict.fromkeys(feeds))
    if not slugs:
        raise TokenError(
            msg(
                Text(
                    "a token must open at least one feed (--feed)",
                    "en token måste öppna minst ett flöde (--feed)",
                )
            )
        )
    unknown = [s for s in slugs if s not in private]
    if unknown:
        raise TokenError(
            msg(
                Text(
                    "not a private feed of this plan: {unknown}; the private feeds are: {known} (the "
                    "public feed needs no token)",
                    "inget privat flöde i planen: {unknown}; de privata flödena är: {known} (det "
                    "offentliga flödet behöver ingen token)",
                ),
                unknown=", ".join(unknown),
                known=", ".join(private),
            )
        )
    secret = check_key(key)
    return _insert(store, secret, plan_id, slugs, None, label, now)


def create_region(
    store: Store,
    key: str | None,
    feeds: Iterable[tuple[str, str]],
    person: str | None,
    private: Mapping[str, Collection[str]],
    people: Collection[str],
    label: str,
    now: datetime,
) -> tuple[str, TokenInfo]:
    """A token across the plans of a region: (plan id, feed) pairs and/or a person's feeds.

    ``private``: each plan's private feeds; ``people``: the addresses the region's plans name.
    """
    pairs = list(dict.fromkeys(feeds))
    address = person.strip().lower() if person else None
    if not pairs and address is None:
        raise TokenError(
            msg(
                Text(
                    "a token must open at least one feed (--feed PLAN-ID/FEED) or be a "
                    "person's (--person ADDRESS)",
                    "en token måste öppna minst ett flöde (--feed PLAN-ID/FLÖDE) eller vara "
                    "en persons (--person ADRESS)",
                )
            )
        )
    for plan_id, slug in pairs:
        if plan_id not in private:
            raise TokenError(
                msg(
                    Text(
                        "no plan {plan} in the folder; its plans are: {known}",
                        "ingen plan {plan} i mappen; dess planer är: {known}",
                    ),
                    plan=plan_id,
                    known=", ".join(sorted(private)) or "–",
                )
            )
        if slug not in private[plan_id]:
            raise TokenError(
                msg(
                    Text(
                        "not a private feed of {plan}: {unknown}; its private feeds are: "
                        "{known} (the public feed needs no token)",
                        "inget privat flöde i {plan}: {unknown}; dess privata flöden är: "
                        "{known} (det offentliga flödet behöver ingen token)",
                    ),
                    plan=plan_id,
                    unknown=slug,
                    known=", ".join(private[plan_id]),
                )
            )
    if address is not None and address not in people:
        raise TokenError(
            msg(
                Text(
                    "no plan in the folder names {address}: write the e-mail address of a "
                    "role (roles: … email:)",
                    "ingen plan i mappen nämner {address}: ange e-postadressen för en roll "
                    "(roles: … email:)",
                ),
                address=address,
            )
        )
    secret = check_key(key)
    entries = tuple(f"{plan_id}/{slug}" for plan_id, slug in pairs)
    return _insert(store, secret, REGION, entries, address, label, now)


def _insert(
    store: Store,
    secret: bytes,
    plan_id: str,
    feeds: tuple[str, ...],
    person: str | None,
    label: str,
    now: datetime,
) -> tuple[str, TokenInfo]:
    from sqlalchemy import insert

    from plancal.state.tables import feed_tokens as t

    now = _utc(now).replace(microsecond=0)
    token_id = secrets.token_hex(5)
    token = derive(secret, plan_id, token_id)
    with store.writing() as conn:
        conn.execute(
            insert(t).values(
                id=token_id,
                plan_id=plan_id,
                token_hash=digest(token).hex(),
                label=label,
                feeds=" ".join(feeds),
                person=person,
                created=now,
                revoked=None,
            )
        )
    return token, TokenInfo(token_id, label, feeds, now, None, plan_id, person)


def _scope(plan_id: str | Iterable[str]) -> list[str]:
    return [plan_id] if isinstance(plan_id, str) else list(plan_id)


def _info(r: Any) -> TokenInfo:
    return TokenInfo(
        r.id,
        r.label,
        tuple(r.feeds.split()),
        _utc(r.created),
        _utc(r.revoked) if r.revoked else None,
        r.plan_id,
        r.person,
    )


def listing(store: Store, plan_id: str | Iterable[str]) -> list[TokenInfo]:
    """The tokens of a plan (or of several: a region's plans and ``REGION``)."""
    from sqlalchemy import select

    from plancal.state.tables import feed_tokens as t

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.label, t.c.feeds, t.c.created, t.c.revoked, t.c.plan_id, t.c.person)
            .where(t.c.plan_id.in_(_scope(plan_id)))
            .order_by(t.c.created, t.c.id)
        ).all()
    return [_info(r) for r in rows]


def revoke(store: Store, plan_id: str | Iterable[str], token_id: str, now: datetime) -> TokenInfo:
    """Revoke a token of a plan (or of any of several plan ids); idempotent."""
    from sqlalchemy import select, update

    from plancal.state.tables import feed_tokens as t

    scope = _scope(plan_id)
    now = _utc(now).replace(microsecond=0)
    with store.writing() as conn:
        row = conn.execute(select(t).where(t.c.plan_id.in_(scope), t.c.id == token_id)).first()
        if row is None:
            raise TokenError(
                msg(
                    Text(
                        "no token {id!r} for the plan {plan}",
                        "ingen token {id!r} för planen {plan}",
                    ),
                    id=token_id,
                    plan=", ".join(p for p in scope if p) or "–",
                )
            )
        revoked = _utc(row.revoked) if row.revoked else now
        if row.revoked is None:
            conn.execute(update(t).where(t.c.id == token_id).values(revoked=now))
    info = _info(row)
    return TokenInfo(
        info.id, info.label, info.feeds, info.created, revoked, info.plan_id, info.person
    )


def active_all(store: Store) -> list[Active]:
    """Every active token of every plan and of the region, in id order (one query)."""
    from sqlalchemy import select

    from plancal.state.tables import feed_tokens as t

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.token_hash, t.c.plan_id, t.c.feeds, t.c.person)
            .where(t.c.revoked.is_(None))
            .order_by(t.c.id)
        ).all()
    return [
        Active(r.id, bytes.fromhex(r.token_hash), r.plan_id, tuple(r.feeds.split()), r.person)
        for r in rows
    ]


def active(store: Store, plan_id: str) -> dict[bytes, Grant]:
    """Every active token of a plan, by the SHA-256 of the token: the server's lookup map."""
    from sqlalchemy import select

    from plancal.state.tables import feed_tokens as t

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.token_hash, t.c.feeds).where(
                t.c.plan_id == plan_id, t.c.revoked.is_(None)
            )
        ).all()
    out = {}
    for r in rows:
        d = bytes.fromhex(r.token_hash)
        out[d] = Grant(r.id, d, frozenset(f"{s}.ics".encode("ascii") for s in r.feeds.split()))
    return out


def rederive(store: Store, key: str | None, plan_id: str) -> list[tuple[str, TokenInfo]]:
    """The active tokens again (for static export), checked against their stored hashes."""
    infos = [i for i in listing(store, plan_id) if i.revoked is None]
    if not infos:
        return []
    secret = check_key(key)
    known = {g.id: g.digest for g in active(store, plan_id).values()}
    out = []
    for info in infos:
        token = derive(secret, plan_id, info.id)
        if not hmac.compare_digest(digest(token), known.get(info.id, b"")):
            raise TokenError(
                msg(
                    Text(
                        "the token key is not the one token {id} was created with",
                        "tokennyckeln är inte den som token {id} skapades med",
                    ),
                    id=info.id,
                )
            )
        out.append((token, info))
    return out
