"""Everything the feed server sends, for one version of the plan: built here, served as is.

The same files serve ``plancal serve`` (as precomputed responses) and ``plancal export`` (as
static files at the same paths), so the two can never differ.
"""

from __future__ import annotations

import os
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plancal.app.publish import compiled_feeds, write_atomic
from plancal.calendars import page, wheel
from plancal.calendars.feeds import Feed
from plancal.errors import PlanError, Problem
from plancal.i18n import Lang, Text, msg
from plancal.rules.compile import Schedule
from plancal.rules.model import Plan
from plancal.state import versions
from plancal.state.store import Store
from plancal.web.resources import Resource, etag_of
from plancal.web.server import Site

CALENDAR = "text/calendar; charset=utf-8"
HTML = "text/html; charset=utf-8"
SVG = "image/svg+xml; charset=utf-8"
WHEEL = "wheel.svg"  # behind every token: the whole plan's årshjul, for the people in it
# No script at all, no referrer (a private URL never leaks through a link), no framing.
PAGE_HEADERS = (
    (
        "content-security-policy",
        "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' "
        "data:; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
    ),
    ("referrer-policy", "no-referrer"),
)
PRIVATE_HEADERS = (("referrer-policy", "no-referrer"), ("x-robots-tag", "noindex"))
PAGES: dict[Lang, str] = {"sv": "index.html", "en": "en/index.html"}
ALIASES = {"index.html": ("/", "/index.html"), "en/index.html": ("/en/", "/en/index.html")}


@dataclass(frozen=True)
class Built:
    """One version of the site: the files (name → bytes), when each changed, and the feeds."""

    plan_id: str
    files: dict[str, bytes]
    modified: dict[str, datetime]
    feeds: list[Feed]

    @property
    def public_files(self) -> list[str]:
        return [
            n
            for n in self.files
            if n != WHEEL and (not n.endswith(".ics") or n == self.public_feed.filename)
        ]

    @property
    def public_feed(self) -> Feed:
        return next(f for f in self.feeds if f.public)


LOGO_TYPES = {
    ".svg": "image/svg+xml",
    ".png": "image/png",
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".webp": "image/webp",
}
LOGO_MAX = 256 * 1024  # inlined into both pages: a logo, not a photograph


def logo_of(plan: Plan) -> page.Logo | None:
    """The municipality's logo file, beside the plan file; PlanError when it cannot be used."""
    m = plan.municipality
    if m is None or m.logo is None:
        return None
    path = Path(plan.source).parent / m.logo
    try:
        data = path.read_bytes()
    except OSError as e:
        problem = msg(
            Text("cannot read the logo {path}: {error}", "kan inte läsa logotypen {path}: {error}"),
            path=str(path),
            error=e.strerror or str(e),
        )
        raise PlanError([Problem(m.where, problem, LOGO_HINT)]) from None
    if len(data) > LOGO_MAX:
        problem = msg(
            Text(
                "the logo {path} is larger than {kb} kB",
                "logotypen {path} är större än {kb} kB",
            ),
            path=str(path),
            kb=LOGO_MAX // 1024,
        )
        raise PlanError([Problem(m.where, problem, LOGO_HINT)])
    return page.Logo(LOGO_TYPES[path.suffix.lower()], data)


LOGO_HINT = msg(
    Text(
        "write municipality: logo: as a file beside the plan file (SVG or PNG, at most 256 kB)",
        "ange municipality: logo: som en fil bredvid planfilen (SVG eller PNG, högst 256 kB)",
    )
)


def build(schedule: Schedule, store: Store, now: datetime, base_url: str) -> Built:
    """Compile every feed (SEQUENCE/DTSTAMP from the store) and both pages."""
    plan = schedule.plan
    feeds = compiled_feeds(schedule, store, now)
    public = next(f for f in feeds if f.public)
    today = now.astimezone(plan.tz).date()
    files = {f.filename: data for f, data in feeds.items()}
    logo = logo_of(plan)
    year = wheel.year_of(schedule, today)
    plan_feed = next(f for f in feeds if f.kind == "plan")
    plan_lang: Lang = "sv" if plan.language == "sv" else "en"
    files[WHEEL] = wheel.render(schedule, plan_feed, plan_lang, year).encode("utf-8")
    for lang, name in PAGES.items():
        public_wheel = wheel.render(schedule, public, lang, year, inline=True)
        files[name] = page.render(
            schedule, lang, base_url, public.filename, public.title, today, logo, public_wheel
        )
    modified = versions.stamp(store, plan.id, {n: etag_of(b) for n, b in files.items()}, now)
    return Built(plan.id, files, modified, list(feeds))


def site(built: Built, max_age: int, prefix: str = "") -> Site:
    """The responses: public page and feed at fixed paths, private feeds for token URLs.

    ``prefix`` is "" for a plan served alone (its URLs as always) or ``/<plan-id>`` for a plan
    of a region. Private files are keyed ``<plan-id>/<file>`` either way (``server.Site``).
    """
    public_cache = f"public, max-age={max_age}"
    # A token URL is a secret: no shared cache (a proxy) may keep a copy under it.
    private_cache = f"private, max-age={max_age}"
    routes: dict[bytes, Resource] = {}
    labels: dict[bytes, str] = {}
    private: dict[bytes, Resource] = {}
    own = built.plan_id

    def key(name: str) -> bytes:
        return f"{own}/{name}".encode("ascii")

    for feed in built.feeds:
        name = feed.filename
        if feed.public:
            res = Resource(built.files[name], CALENDAR, built.modified[name], public_cache)
            routes[f"{prefix}/{name}".encode("ascii")] = res
        else:
            private[key(name)] = Resource(
                built.files[name], CALENDAR, built.modified[name], private_cache, PRIVATE_HEADERS
            )
    private[key(WHEEL)] = Resource(
        built.files[WHEEL], SVG, built.modified[WHEEL], private_cache, PRIVATE_HEADERS
    )
    for name, paths in ALIASES.items():
        res = Resource(
            built.files[name],
            HTML,
            built.modified[name],
            public_cache,
            (*PAGE_HEADERS, ("content-language", "sv" if name == "index.html" else "en")),
        )
        for path in paths:
            routes[f"{prefix}{path}".encode("ascii")] = res
    for route in routes:
        labels[route] = route.decode("ascii")
    return Site(
        routes,
        private,
        labels,
        frozenset({WHEEL.encode("ascii")}),
        root_plan=b"" if prefix else own.encode("ascii"),
    )


def export(built: Built, out_dir: Path, tokens: Iterable[tuple[str, Iterable[str]]]) -> list[Path]:
    """The public page and feed, and each token's feeds under ``t/<token>/``, as files.

    ``t/`` belongs to plancal: a feed file there that no active token opens any more (a
    revoked token) is removed. Each file's mtime is its Last-Modified, which most web servers
    send as theirs.
    """
    written: list[Path] = []

    def put(rel: str, data: bytes, modified: datetime) -> None:
        path = out_dir / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomic(path, data)
        stamp = modified.timestamp()
        os.utime(path, (stamp, stamp))
        written.append(path)

    for name in built.public_files:
        put(name, built.files[name], built.modified[name])
    # A web host that lists directories would list every token: give t/ an empty index.
    put("t/index.html", b"", built.modified["index.html"])
    for token, feed_slugs in tokens:
        for slug in feed_slugs:
            name = f"{slug}.ics"
            if name in built.files and name != built.public_feed.filename:
                put(f"t/{token}/{name}", built.files[name], built.modified[name])
        put(f"t/{token}/{WHEEL}", built.files[WHEEL], built.modified[WHEEL])
    keep = set(written)
    tdir = out_dir / "t"
    for stale in sorted(tdir.glob("*/*")):
        if stale not in keep:
            stale.unlink()
    for folder in sorted(tdir.iterdir()):
        if folder.is_dir() and not any(folder.iterdir()):
            folder.rmdir()
    return written
