"""The feeds on the web: serve, export as static files, and the tokens of the private feeds."""

from __future__ import annotations

import sys
from pathlib import Path

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


@main.command()
@PLAN_ARG
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
    """Serve the feeds and the public page over HTTP; follows changes to the plan file."""
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
@PLAN_ARG
@click.option(
    "--feed",
    "feeds",
    multiple=True,
    metavar="FEED",
    required=True,
    help="A private feed the token opens, e.g. role-kommunpolis (repeatable).",
)
@click.option("--label", default="", help="Who it is for (shown by token list).")
@BASE_URL
@db_option
@settings_option
@lang_option
def token_create(
    plan: Path,
    feeds: tuple[str, ...],
    label: str,
    base_url: str | None,
    db_url: str | None,
    config: Path | None,
    lang: Lang,
) -> None:
    """Create a token for some private feeds and print its URLs (the only time they show)."""
    from plancal.calendars.feeds import feeds_for
    from plancal.scheduler.clock import utcnow
    from plancal.state import tokens

    conf = load_settings(config)
    schedule = compiled(plan, lang)
    private = [f.slug for f in feeds_for(schedule.plan) if not f.public]
    with open_store(db_url, loaded=conf) as store:
        secret, info = tokens.create(
            store,
            conf.get("server", "token_key"),
            schedule.plan.id,
            feeds,
            private,
            label[:200],
            utcnow(),
        )
    base = (
        base_url
        or conf.get("server", "base_url")
        or schedule.plan.url
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
    for slug in info.feeds:
        click.echo(f"  {base}t/{secret}/{slug}.ics")


@token.command("list")
@PLAN_ARG
@db_option
@settings_option
@lang_option
def token_list(plan: Path, db_url: str | None, config: Path | None, lang: Lang) -> None:
    """List the plan's tokens: id, label, feeds, created, revoked (never the token)."""
    from plancal.state import tokens

    conf = load_settings(config)
    schedule = compiled(plan, lang)
    with open_store(db_url, loaded=conf) as store:
        infos = tokens.listing(store, schedule.plan.id)
    if not infos:
        say(Text("No tokens.", "Inga token."), lang)
    for i in infos:
        state = (
            Text("revoked {at}", "återkallad {at}").render(lang, at=f"{i.revoked:%Y-%m-%d %H:%M}Z")
            if i.revoked
            else Text("active", "aktiv").render(lang)
        )
        click.echo(
            f"{i.id}  {i.created:%Y-%m-%d %H:%M}Z  {state:<28} {' '.join(i.feeds)}"
            + (f"  – {i.label}" if i.label else "")
        )


@token.command("revoke")
@PLAN_ARG
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
    schedule = compiled(plan, lang)
    with open_store(db_url, loaded=conf) as store:
        info = tokens.revoke(store, schedule.plan.id, token_id, utcnow())
    say(
        Text("Token {id} revoked ({feeds}).", "Token {id} återkallad ({feeds})."),
        lang,
        id=info.id,
        feeds=" ".join(info.feeds),
    )
