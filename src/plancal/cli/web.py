"""The feeds on the web: serve, export as static files, and the tokens of the private feeds."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from plancal.cli import main
from plancal.cli.options import (
    BASE_URL,
    PLAN_ARG,
    compiled,
    db_option,
    lang_option,
    load_settings,
    open_store,
    say,
    settings_option,
)
from plancal.i18n import Lang, Text

if TYPE_CHECKING:
    from plancal.rules.compile import Schedule
    from plancal.state.tokens import TokenInfo

# One plan file (served at /, its URLs as always) or a folder of plans (a region: /<plan-id>/).
TARGET_ARG = click.argument("plan", metavar="PLAN|PLANS_DIR", type=click.Path(path_type=Path))


@main.command()
@TARGET_ARG
@click.option(
    "--host", default=None, help="Address to listen on (default: [server] host, 127.0.0.1)."
)
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=None,
    help="Port (default: [server] port, 8080; 0: any free port).",
)
@BASE_URL
@db_option
@settings_option
@lang_option
def serve(
    plan: Path,
    host: str | None,
    port: int | None,
    base_url: str | None,
    db_url: str | None,
    config: Path | None,
    lang: Lang,
) -> None:
    """Serve the feeds and the public page over HTTP; follows changes to the plan file.

    PLAN is one plan file, or a folder of plans (a region): each plan is then served under
    /<plan-id>/ and an index of the municipalities at /; a file added, changed or removed is
    picked up without a restart, and a broken plan keeps its last good version online.
    """
    import logging

    from plancal.errors import UserError
    from plancal.scheduler.clock import utcnow
    from plancal.web import serve as server
    from plancal.web.guard import Limits

    conf = load_settings(config)
    options = server.Options(
        host=host or conf.get("server", "host"),
        port=conf.get("server", "port") if port is None else port,
        base_url=base_url or conf.get("server", "base_url"),
        interval=conf.get("server", "reload"),
        max_age=conf.get("server", "max_age"),
        access_log=conf.get("server", "access_log"),
        limits=Limits(
            total=conf.get("server", "max_connections"),
            per_client=conf.get("server", "max_per_client"),
            header_timeout=conf.get("server", "header_timeout"),
        ),
    )
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(levelname)s %(name)s: %(message)s",
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)  # schema upgrades say enough

    def ready(base: str, bound: int) -> None:
        shown = f"[{options.host}]" if ":" in options.host else options.host
        if plan.is_dir():
            say(
                Text(
                    "Serving http://{host}:{port}/ – the plans of {dir} under {base}<plan-id>/, "
                    "their index at {base}; Ctrl-C stops.",
                    "Serverar http://{host}:{port}/ – planerna i {dir} under {base}<plan-id>/, "
                    "deras förteckning på {base}; Ctrl-C stoppar.",
                ),
                lang,
                host=shown,
                port=bound,
                base=base,
                dir=plan,
            )
            return
        say(
            Text(
                "Serving http://{host}:{port}/ – public page {base}, public feed "
                "{base}public.ics; Ctrl-C stops.",
                "Serverar http://{host}:{port}/ – offentlig sida {base}, offentligt flöde "
                "{base}public.ics; Ctrl-C stoppar.",
            ),
            lang,
            host=shown,
            port=bound,
            base=base,
        )

    with open_store(db_url, loaded=conf) as store:
        try:
            server.serve(plan, store, options, utcnow, ready, lang)
        except OSError as e:
            raise UserError(
                Text(
                    "cannot listen on {host}:{port}: {error}",
                    "kan inte lyssna på {host}:{port}: {error}",
                ).render(lang, host=options.host, port=options.port, error=e.strerror or str(e))
            ) from None


@main.command()
@PLAN_ARG
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the site.",
)
@BASE_URL
@db_option
@settings_option
@lang_option
def export(
    plan: Path,
    out_dir: Path,
    base_url: str | None,
    db_url: str | None,
    config: Path | None,
    lang: Lang,
) -> None:
    """Write the public page, the public feed and each token's feeds as static files."""
    from plancal.errors import UserError
    from plancal.scheduler.clock import utcnow
    from plancal.state import tokens
    from plancal.web import site

    conf = load_settings(config)
    schedule = compiled(plan, lang)
    base = base_url or conf.get("server", "base_url") or schedule.plan.url
    if not base:
        raise click.UsageError(
            Text(
                "where will the files be published? Give --base-url https://… (or [server] "
                "base_url, or url: in the plan)",
                "var publiceras filerna? Ange --base-url https://… (eller [server] base_url, eller "
                "url: i planen)",
            ).render(lang)
        )
    base = base if base.endswith("/") else base + "/"
    with open_store(db_url, loaded=conf) as store:
        grants = tokens.rederive(store, conf.get("server", "token_key"), schedule.plan.id)
        built = site.build(schedule, store, utcnow(), base)
        try:
            written = site.export(built, out_dir, [(t, info.feeds) for t, info in grants])
        except OSError as e:
            raise UserError(
                Text(
                    "cannot write to {dir}: {error}", "kan inte skriva till {dir}: {error}"
                ).render(lang, dir=out_dir, error=e.strerror or str(e))
            ) from None
    say(
        Text(
            "{n} files in {dir}: the public page, the public feed and the feeds of {t} "
            "token(s) under t/ (keep directory listing off on the web host).",
            "{n} filer i {dir}: den offentliga sidan, det offentliga flödet och flödena för "
            "{t} token under t/ (stäng av kataloglistning på webbservern).",
        ),
        lang,
        n=len(written),
        dir=out_dir,
        t=len(grants),
    )


@main.group()
def token() -> None:
    """Tokens for the private feeds: create (shown once), list, revoke."""


@token.command("create")
@TARGET_ARG
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="FEED",
    help="A private feed the token opens, e.g. role-kommunpolis; for a folder of plans "
    "PLAN-ID/FEED (repeatable).",
)
@click.option(
    "--person",
    metavar="ADDRESS",
    default=None,
    help="A person's token: opens /t/<token>/person.ics and that address's role feeds in every "
    "plan served.",
)
@click.option("--label", default="", help="Who it is for (shown by token list).")
@BASE_URL
@db_option
@settings_option
@lang_option
def token_create(
    plan: Path,
    feeds: tuple[str, ...],
    person: str | None,
    label: str,
    base_url: str | None,
    db_url: str | None,
    config: Path | None,
    lang: Lang,
) -> None:
    """Create a token for some private feeds and print its URLs (the only time they show).

    With a folder of plans, --feed names PLAN-ID/FEED, so one token may open feeds of
    several plans; --person ADDRESS makes a person's token, across every plan.
    """
    from plancal.calendars.feeds import feeds_for
    from plancal.scheduler.clock import utcnow
    from plancal.state import tokens

    conf = load_settings(config)
    schedules = region_schedules(plan, lang)
    region = plan.is_dir()
    private = {
        pid: [f.slug for f in feeds_for(s.plan) if not f.public] for pid, s in schedules.items()
    }
    people = {r.email.strip().lower() for s in schedules.values() for r in s.plan.roles}
    with open_store(db_url, loaded=conf) as store:
        key = conf.get("server", "token_key")
        if region or person:
            only = next(iter(schedules)) if not region else None
            pairs = [_pair(f, only, lang) for f in feeds]
            secret, info = tokens.create_region(
                store, key, pairs, person, private, people, label[:200], utcnow()
            )
        elif not feeds:
            raise click.UsageError(
                Text(
                    "name the feeds the token opens: --feed FEED (or --person ADDRESS)",
                    "ange flödena som token öppnar: --feed FLÖDE (eller --person ADRESS)",
                ).render(lang)
            )
        else:
            plan_id = next(iter(schedules))
            secret, info = tokens.create(
                store, key, plan_id, feeds, private[plan_id], label[:200], utcnow()
            )
    only_plan = None if region else next(iter(schedules.values())).plan
    base = (
        base_url
        or conf.get("server", "base_url")
        or (only_plan.url if only_plan else None)
        or f"http://{conf.get('server', 'host')}:{conf.get('server', 'port')}/"
    )
    base = base if base.endswith("/") else base + "/"
    say(
        Text(
            "Token {id} created. Its URLs (shown only now; keep them like a password):",
            "Token {id} skapad. Dess adresser (visas bara nu; hantera dem som ett lösenord):",
        ),
        lang,
        id=info.id,
    )
    for url in token_urls(base, secret, info, schedules, region):
        click.echo(f"  {url}")
    warn_if_local(base, lang)


def region_schedules(target: Path, lang: Lang) -> dict[str, Schedule]:
    """The plans of a file or folder by id; PlanError if any of them does not compile."""
    if not target.is_dir():
        schedule = compiled(target, lang)
        return {schedule.plan.id: schedule}
    from plancal.app import region
    from plancal.errors import PlanError

    loaded = region.load(target)
    if not loaded.members:
        region.plan_paths([target])  # the error for an empty folder
    if loaded.broken:
        raise PlanError([p for ps in loaded.broken.values() for p in ps])
    return loaded.schedules


def _pair(feed: str, only: str | None, lang: Lang) -> tuple[str, str]:
    """PLAN-ID/FEED, or FEED of the one plan named."""
    plan_id, slash, slug = feed.rpartition("/")
    if slash and plan_id:
        return plan_id, slug
    if only is not None:
        return only, feed
    raise click.UsageError(
        Text(
            "--feed {feed}: with a folder of plans, name the plan too: --feed PLAN-ID/{feed}",
            "--feed {feed}: med en mapp med planer, ange planen också: --feed PLAN-ID/{feed}",
        ).render(lang, feed=feed)
    )


def token_urls(
    base: str, secret: str, info: TokenInfo, schedules: dict[str, Schedule], region: bool
) -> list[str]:
    """Every URL a new token opens: each feed named, and a person's feed and role feeds."""
    from plancal.state.tokens import REGION

    def at(plan_id: str, name: str) -> str:
        return f"{base}{plan_id + '/' if region else ''}t/{secret}/{name}"

    urls = []
    if info.plan_id != REGION:
        urls += [at(info.plan_id, f"{slug}.ics") for slug in info.feeds]
    else:
        urls += [at(*f.split("/", 1)) + ".ics" for f in info.feeds]
    if info.person:
        urls.append(f"{base}t/{secret}/person.ics")
        for plan_id, schedule in schedules.items():
            for role in schedule.plan.roles:
                url = at(plan_id, f"role-{role.id}.ics")
                if role.email.strip().lower() == info.person and url not in urls:
                    urls.append(url)
    return urls


LOOPBACK = ("127.", "localhost", "[::1]", "0.0.0.0")


def warn_if_local(base: str, lang: Lang) -> None:
    """A link to this machine works only here: say so, and how to give the public address."""
    from urllib.parse import urlsplit

    from plancal.config.settings import env_name

    host = urlsplit(base).netloc.rsplit("@", 1)[-1]
    if not any(host.startswith(p) for p in LOOPBACK):
        return
    say(
        Text(
            "warning: these links point to {host}, which works only on this machine; people "
            "elsewhere cannot open them.\n    hint: give the public address with --base-url "
            "https://kalender.example.se/, or once for all with base_url under [server] in the "
            "settings file (or {env}, or url: in the plan); then create the token again.",
            "varning: adresserna pekar på {host}, som bara fungerar på den här datorn; andra "
            "kan inte öppna dem.\n    tips: ange den offentliga adressen med --base-url "
            "https://kalender.example.se/, eller en gång för alla med base_url under [server] i "
            "inställningsfilen (eller {env}, eller url: i planen); skapa sedan token på nytt.",
        ),
        lang,
        err=True,
        host=host,
        env=env_name("server", "base_url"),
    )


@token.command("list")
@TARGET_ARG
@db_option
@settings_option
@lang_option
def token_list(plan: Path, db_url: str | None, config: Path | None, lang: Lang) -> None:
    """List the plan's tokens: id, label, feeds, created, revoked (never the token)."""
    from plancal.state import tokens

    conf = load_settings(config)
    scope = [*region_schedules(plan, lang), tokens.REGION]
    with open_store(db_url, loaded=conf) as store:
        infos = tokens.listing(store, scope)
    if not infos:
        say(Text("No tokens.", "Inga token."), lang)
    for i in infos:
        state = (
            Text("revoked {at}", "återkallad {at}").render(lang, at=f"{i.revoked:%Y-%m-%d %H:%M}Z")
            if i.revoked
            else Text("active", "aktiv").render(lang)
        )
        opens = [*i.feeds, *([f"person:{i.person}"] if i.person else [])]
        click.echo(
            f"{i.id}  {i.created:%Y-%m-%d %H:%M}Z  {state:<28} {' '.join(opens)}"
            + (f"  – {i.label}" if i.label else "")
        )


@token.command("revoke")
@TARGET_ARG
@click.argument("token_id", metavar="ID")
@db_option
@settings_option
@lang_option
def token_revoke(
    plan: Path, token_id: str, db_url: str | None, config: Path | None, lang: Lang
) -> None:
    """Revoke a token by its id: its URLs answer 404 within one reload interval."""
    from plancal.scheduler.clock import utcnow
    from plancal.state import tokens

    conf = load_settings(config)
    scope = [*region_schedules(plan, lang), tokens.REGION]
    with open_store(db_url, loaded=conf) as store:
        info = tokens.revoke(store, scope, token_id, utcnow())
    say(
        Text("Token {id} revoked ({feeds}).", "Token {id} återkallad ({feeds})."),
        lang,
        id=info.id,
        feeds=" ".join([*info.feeds, *([f"person:{info.person}"] if info.person else [])]),
    )
