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
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from collections.abc import Collection, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime

from plancal.errors import UserError
from plancal.i18n import Text, msg
from plancal.state.store import Store

MIN_KEY_LENGTH = 32
TOKEN_LENGTH = 43  # base64url of 32 bytes, unpadded
__all__ = [
    "TOKEN_LENGTH",
    "Grant",
    "TokenError",
    "TokenInfo",
    "active",
    "create",
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
    """What one active token opens (built from the store's rows; the server holds them)."""

    id: str
    digest: bytes
    files: frozenset[bytes]


@dataclass(frozen=True, slots=True)
class TokenInfo:
    """What may be shown of a token: never the token, never its hash."""

    id: str
    label: str
    feeds: tuple[str, ...]
    created: datetime
    revoked: datetime | None


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
                feeds=" ".join(slugs),
                created=now,
                revoked=None,
            )
        )
    return token, TokenInfo(token_id, label, slugs, now, None)


def listing(store: Store, plan_id: str) -> list[TokenInfo]:
    from sqlalchemy import select

    from plancal.state.tables import feed_tokens as t

    with store.engine.connect() as conn:
        rows = conn.execute(
            select(t.c.id, t.c.label, t.c.feeds, t.c.created, t.c.revoked)
            .where(t.c.plan_id == plan_id)
            .order_by(t.c.created, t.c.id)
        ).all()
    return [
        TokenInfo(
            r.id,
            r.label,
            tuple(r.feeds.split()),
            _utc(r.created),
            _utc(r.revoked) if r.revoked else None,
        )
        for r in rows
    ]


def revoke(store: Store, plan_id: str, token_id: str, now: datetime) -> TokenInfo:
    from sqlalchemy import select, update

    from plancal.state.tables import feed_tokens as t

    now = _utc(now).replace(microsecond=0)
    with store.writing() as conn:
        row = conn.execute(select(t).where(t.c.plan_id == plan_id, t.c.id == token_id)).first()
        if row is None:
            raise TokenError(
                msg(
                    Text(
                        "no token {id!r} for the plan {plan}",
                        "ingen token {id!r} för planen {plan}",
                    ),
                    id=token_id,
                    plan=plan_id,
                )
            )
        revoked = _utc(row.revoked) if row.revoked else now
        if row.revoked is None:
            conn.execute(update(t).where(t.c.id == token_id).values(revoked=now))
    return TokenInfo(row.id, row.label, tuple(row.feeds.split()), _utc(row.created), revoked)


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
