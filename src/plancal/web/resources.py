"""Responses computed once per version of a resource, so serving one is a dictionary lookup.

A ``Resource`` holds, for each representation (identity and, where it is smaller, gzip), the
ASGI messages of a 200 and of a 304, ready to send: the hot path builds nothing per request.

Validators: the ETag is strong (a hash of the bytes sent) and differs between identity and
gzip, as RFC 9110 asks of different representations; If-None-Match accepts either, since both
stand for the same content. Last-Modified comes from the store (``state/versions.py``).
"""

from __future__ import annotations

import gzip
import hashlib
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime
from email.utils import format_datetime, parsedate_to_datetime
from typing import Any

Message = dict[str, Any]
Headers = list[tuple[bytes, bytes]]

EMPTY_BODY: Message = {"type": "http.response.body", "body": b""}
COMMON: Headers = [(b"x-content-type-options", b"nosniff")]


def etag_of(body: bytes) -> str:
    return hashlib.sha256(body).hexdigest()[:32]


def http_date(moment: datetime) -> str:
    return format_datetime(moment.astimezone(UTC).replace(microsecond=0), usegmt=True)


class Variant:
    """One representation: its ETag and the messages that send it."""

    __slots__ = ("body", "etag", "not_modified", "ok")

    def __init__(self, body: bytes, etag: bytes, headers: Headers, validators: Headers):
        self.etag = etag
        self.ok: Message = {
            "type": "http.response.start",
            "status": 200,
            "headers": [*headers, (b"content-length", str(len(body)).encode("ascii")), *validators],
        }
        self.not_modified: Message = {
            "type": "http.response.start",
            "status": 304,
            "headers": validators,
        }
        self.body: Message = {"type": "http.response.body", "body": body}


class Resource:
    """A feed or a page, ready to be sent; immutable once built (a new version is a new one)."""

    __slots__ = ("etags", "gzip", "identity", "last_modified", "last_modified_header", "size")

    def __init__(
        self,
        body: bytes,
        content_type: str,
        last_modified: datetime,
        cache_control: str,
        extra: Iterable[tuple[str, str]] = (),
    ):
        self.last_modified = last_modified.astimezone(UTC).replace(microsecond=0)
        self.last_modified_header = http_date(self.last_modified).encode("ascii")
        self.size = len(body)
        tag = etag_of(body)
        plain = [
            (b"content-type", content_type.encode("ascii")),
            *COMMON,
            *((k.encode("ascii"), v.encode("ascii")) for k, v in extra),
        ]
        packed = gzip.compress(body, compresslevel=9, mtime=0)
        compress = len(packed) < len(body) * 0.9
        vary = [(b"vary", b"accept-encoding")] if compress else []

        def validators(etag: bytes) -> Headers:
            return [
                (b"etag", etag),
                (b"last-modified", self.last_modified_header),
                (b"cache-control", cache_control.encode("ascii")),
                *vary,
            ]

        identity_tag = f'"{tag}"'.encode("ascii")
        self.identity = Variant(body, identity_tag, plain, validators(identity_tag))
        self.gzip: Variant | None = None
        tags = {identity_tag}
        if compress:
            gzip_tag = f'"{tag}-gz"'.encode("ascii")
            self.gzip = Variant(
                packed, gzip_tag, [*plain, (b"content-encoding", b"gzip")], validators(gzip_tag)
            )
            tags.add(gzip_tag)
        self.etags = frozenset(tags)

    def etag_matches(self, header: bytes) -> bool:
        """If-None-Match: ``*``, or any listed tag (weak comparison, RFC 9110 13.1.2)."""
        if header in self.etags:
            return True
        for item in header.split(b","):
            item = item.strip()
            if item == b"*":
                return True
            if item.startswith(b"W/"):
                item = item[2:]
            if item in self.etags:
                return True
        return False

    def unmodified_since(self, header: bytes) -> bool:
        """If-Modified-Since: the resource has not changed since that time."""
        if header == self.last_modified_header:
            return True
        if len(header) > 64:
            return False
        try:
            since = parsedate_to_datetime(header.decode("latin-1"))
        except (TypeError, ValueError, IndexError):
            return False  # an invalid date is ignored (RFC 9110 13.1.3)
        if since.tzinfo is None:
            since = since.replace(tzinfo=UTC)
        return self.last_modified <= since


_GZIP_CACHE: dict[bytes, bool] = {}


def accepts_gzip(header: bytes) -> bool:
    """Accept-Encoding allows gzip (explicitly or by ``*``) with a non-zero quality."""
    known = _GZIP_CACHE.get(header)
    if known is not None:
        return known
    result = _parse_accept_gzip(header)
    if len(_GZIP_CACHE) >= 256:  # clients send few distinct values; bound it anyway
        _GZIP_CACHE.clear()
    if len(header) <= 256:
        _GZIP_CACHE[header] = result
    return result


def _parse_accept_gzip(header: bytes) -> bool:
    gzip_q: float | None = None
    star_q: float | None = None
    for item in header.lower().split(b","):
        coding, _, params = item.partition(b";")
        coding = coding.strip()
        q = 1.0
        for param in params.split(b";"):
            name, _, value = param.partition(b"=")
            if name.strip() == b"q":
                try:
                    q = float(value.strip())
                except ValueError:
                    q = 0.0
        if coding in (b"gzip", b"x-gzip"):
            gzip_q = q
        elif coding == b"*":
            star_q = q
    if gzip_q is not None:
        return gzip_q > 0
    return star_q is not None and star_q > 0


def fixed(status: int, body: bytes, headers: Mapping[str, str]) -> tuple[Message, Message]:
    """The two messages of a response that never varies (404, 405, ...)."""
    start = {
        "type": "http.response.start",
        "status": status,
        "headers": [
            (b"content-type", b"text/plain; charset=utf-8"),
            *COMMON,
            *((k.encode("ascii"), v.encode("ascii")) for k, v in headers.items()),
            (b"content-length", str(len(body)).encode("ascii")),
        ],
    }
    return start, {"type": "http.response.body", "body": body}
