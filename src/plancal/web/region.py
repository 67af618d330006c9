"""A region served: each plan's last good site under ``/<plan-id>/``, the index page at ``/``,
the people's feeds, and the grants of the tokens — composed into one ``server.Site``.

Everything here is derived from the plan files and the store, never from this host's clock or
file times: the bytes of a page or feed are the plans' own, and each resource's Last-Modified
is the store's (``state.versions``), so every host serving the same plans on one store answers
every URL identically. The region's own resources (index, status, people's feeds) are stamped
under the plan id ``REGION`` (""), which no plan can have.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from pathlib import Path

from plancal.calendars import person, regionpage
from plancal.errors import Problem
from plancal.i18n import Lang, Text
from plancal.rules.compile import Schedule
from plancal.rules.model import Plan
from plancal.state import versions
from plancal.state.store import Store
from plancal.state.tokens import REGION, Active, Grant
from plancal.web import site
from plancal.web.resources import Message, Resource, etag_of, fixed
from plancal.web.server import Site

STATUS = "status.txt"
INDEX_ROUTES = {"index.html": ("/", "/index.html"), "en/index.html": ("/en/", "/en/index.html")}
TEXT = "text/plain; charset=utf-8"
PERSON_TITLE = Text("{person} – meetings and follow-ups", "{person} – möten och uppföljningar")


@dataclass(frozen=True)
class Served:
    """One plan as served: its built site and what the region needs of it."""

    path: Path
    plan_id: str
    site: Site
    files: Mapping[str, bytes]
    entry: regionpage.Entry
    roles: Mapping[str, tuple[str, ...]]  # address (lower case) → the role ids it holds
    refresh: timedelta
    lang: Lang
    tz: tzinfo
    day: date  # the plan's local day it was built on (the page lists what comes next)


def roles_by_address(plan: Plan) -> dict[str, tuple[str, ...]]:
    out: dict[str, tuple[str, ...]] = {}
    for role in plan.roles:
        address = role.email.strip().lower()
        out[address] = (*out.get(address, ()), role.id)
    return out


def entry_of(plan: Plan) -> regionpage.Entry:
    m = plan.municipality
    return regionpage.Entry(
        plan.id,
        {lang: m.label(lang) if m else plan.label(lang) for lang in ("sv", "en")},
        {lang: plan.label(lang) for lang in ("sv", "en")},
    )


def serve_plan(
    schedule: Schedule,
    path: Path,
    store: Store,
    now: datetime,
    base_url: str,
    max_age: int,
    prefix: str,
) -> Served:
    """Build one plan's site (PlanError when its logo cannot be used)."""
    plan = schedule.plan
    built = site.build(schedule, store, now, base_url)
    return Served(
        path,
        plan.id,
        site.site(built, max_age, prefix),
        built.files,
        entry_of(plan),
        roles_by_address(plan),
        plan.refresh,
        "sv" if plan.language == "sv" else "en",
        plan.tz,
        now.astimezone(plan.tz).date(),
    )


def grants(actives: Iterable[Active], plans: Mapping[str, Served]) -> dict[bytes, Grant]:
    """What each active token opens among the plans served, by the SHA-256 of the token."""
    out: dict[bytes, Grant] = {}
    for a in actives:
        keys: set[bytes] = set()
        opened: set[bytes] = set()
        for plan_id, slug in a.pairs():
            if plan_id in plans:
                keys.add(f"{plan_id}/{slug}.ics".encode("ascii"))
                opened.add(plan_id.encode("ascii"))
        if a.person:
            for plan_id, served in plans.items():
                for role in served.roles.get(a.person, ()):
                    keys.add(f"{plan_id}/role-{role}.ics".encode("ascii"))
                    opened.add(plan_id.encode("ascii"))
        out[a.digest] = Grant(a.id, a.digest, frozenset(keys), frozenset(opened), a.person)
    return out


def person_name(address: str) -> str:
    """The store's name of a person's feed: no address in the table of served versions."""
    return "person/" + hashlib.sha256(address.encode("utf-8")).hexdigest()[:32]


def person_feed(address: str, plans: Mapping[str, Served]) -> bytes:
    """Everything ``address`` attends or answers for, in every plan (by plan id)."""
    held = [(pid, plans[pid]) for pid in sorted(plans) if address in plans[pid].roles]
    calendars = [
        served.files[f"role-{role}.ics"] for _, served in held for role in served.roles[address]
    ]
    lang: Lang = held[0][1].lang if held else "sv"
    refresh = min((s.refresh for _, s in held), default=timedelta(hours=1))
    return person.merge(PERSON_TITLE.render(lang, person=address), refresh, calendars)


STATUS_TEXT = {
    "served": Text("plans served: {n}", "planer som serveras: {n}"),
    "broken": Text(
        "broken: {file}: {n} problem(s){where}; {state}",
        "trasig: {file}: {n} problem{where}; {state}",
    ),
    "lines": Text(" (line {lines})", " (rad {lines})"),
    "kept": Text("serving its last good version", "den senaste fungerande versionen serveras"),
    "absent": Text("not served", "serveras inte"),
}


def status_text(
    plans: Mapping[str, Served], broken: Mapping[Path, tuple[Problem, ...]], lang: Lang
) -> bytes:
    """What an operator needs to know, without a plan's contents: which files are broken."""
    t = STATUS_TEXT
    served_paths = {s.path for s in plans.values()}
    out = [t["served"].render(lang, n=len(plans))]
    for path in sorted(broken):
        numbers = sorted({p.where.line for p in broken[path] if p.where and p.where.line})
        where = t["lines"].render(lang, lines=", ".join(map(str, numbers))) if numbers else ""
        state = t["kept" if path in served_paths else "absent"].render(lang)
        out.append(
            t["broken"].render(lang, file=path.name, n=len(broken[path]), where=where, state=state)
        )
    return ("\n".join(out) + "\n").encode("utf-8")


def region_resources(
    plans: Mapping[str, Served],
    people: Iterable[str],
    broken: Mapping[Path, tuple[Problem, ...]],
    store: Store,
    now: datetime,
    max_age: int,
    with_index: bool,
    lang: Lang = "en",
) -> tuple[dict[bytes, Resource], dict[str, Resource]]:
    """The index pages and status (public routes) and each person's feed, stamped together."""
    files: dict[str, bytes] = {}
    if with_index:
        entries = [p.entry for p in plans.values()]
        files["index.html"] = regionpage.render(entries, "sv")
        files["en/index.html"] = regionpage.render(entries, "en")
        files[STATUS] = status_text(plans, broken, lang)  # for the operator: the server's lang
    names = {address: person_name(address) for address in sorted(set(people))}
    for address, name in names.items():
        files[name] = person_feed(address, plans)
    modified = versions.stamp(store, REGION, {n: etag_of(b) for n, b in files.items()}, now)
    public_cache = f"public, max-age={max_age}"
    routes: dict[bytes, Resource] = {}
    for name, paths in INDEX_ROUTES.items():
        if name in files:
            lang = "sv" if name == "index.html" else "en"
            res = Resource(
                files[name],
                site.HTML,
                modified[name],
                public_cache,
                (*site.PAGE_HEADERS, ("content-language", lang)),
            )
            for path in paths:
                routes[path.encode("ascii")] = res
    if STATUS in files:
        routes[b"/status.txt"] = Resource(files[STATUS], TEXT, modified[STATUS], "no-cache")
    private_cache = f"private, max-age={max_age}"
    feeds = {
        address: Resource(
            files[name], site.CALENDAR, modified[name], private_cache, site.PRIVATE_HEADERS
        )
        for address, name in names.items()
    }
    return routes, feeds


def combine(
    plans: Mapping[str, Served],
    routes: Mapping[bytes, Resource],
    people: Mapping[str, Resource],
    single: bool,
) -> Site:
    """One Site of every plan's (and the region's) resources: a lookup stays one dict get."""
    public: dict[bytes, Resource] = dict(routes)
    private: dict[bytes, Resource] = {}
    labels: dict[bytes, str] = {r: r.decode("ascii") for r in routes}
    every: set[bytes] = set()
    moved: dict[bytes, tuple[Message, Message]] = {}
    for served in plans.values():
        if not single:  # /<plan-id> and /<plan-id>/en lack the slash relative links need
            plan = served.plan_id
            moved[f"/{plan}".encode("ascii")] = _moved(f"{plan}/")
            moved[f"/{plan}/en".encode("ascii")] = _moved("en/")
        public.update(served.site.public)
        private.update(served.site.private)
        labels.update(served.site.labels)
        every |= served.site.for_every_token
    root = next(iter(plans.values())).site.root_plan if single and plans else b""
    return Site(public, private, labels, frozenset(every), people, root, moved)


def _moved(location: str) -> tuple[Message, Message]:
    # relative, so it holds behind a proxy that serves the region under a path of its own
    return fixed(
        301, b"Moved. Flyttad.\n", {"location": location, "cache-control": "max-age=86400"}
    )
