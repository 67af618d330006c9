"""Pushing the plan's meetings into calendar systems, which send the invitations."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

from plancal.cli import main
from plancal.cli.options import (
    PLAN_ARG,
    compiled,
    db_option,
    format_option,
    lang_option,
    load_settings,
    open_store,
    say,
    settings_option,
)
from plancal.i18n import Lang, Text


@main.group()
def push() -> None:
    """Push the plan's meetings into a calendar system (invitations are sent from there)."""


@push.command("exchange")
@PLAN_ARG
@click.option(
    "--dry-run", is_flag=True, help="Show the changes and who would hear of them; write nothing."
)
@format_option("json: one object per change, then a summary.")
@settings_option
@db_option
@lang_option
def push_exchange(
    plan: Path, dry_run: bool, fmt: str, config: Path | None, db_url: str | None, lang: Lang
) -> None:
    """Create, update and cancel the plan's meetings in the organizer's Exchange calendar."""
    from plancal import jsonlines
    from plancal.app.push import push_plan
    from plancal.calendars import push as report
    from plancal.calendars.targets.exchange import ExchangeError

    schedule = compiled(plan, lang)
    tz = schedule.plan.tz

    def progress(done: int, total: int) -> None:
        if fmt == "text" and total >= 50:
            say(
                Text("  {done}/{total} written", "  {done}/{total} skrivna"),
                lang,
                err=True,
                done=done,
                total=total,
            )

    loaded = load_settings(config)
    try:
        with open_store(db_url, loaded=loaded) as store:
            result = push_plan(schedule, loaded, store, dry_run=dry_run, progress=progress)
    except (ExchangeError, report.PushError) as e:
        click.echo(e.render(lang), err=True)
        if dry_run:  # nothing was started, so there is nothing to continue
            say(Text("Dry run: nothing was written.", "Provkörning: inget skrevs."), lang, err=True)
        else:
            say(
                Text(
                    "The push stopped; run it again: it continues where it stopped.",
                    "Pushen avbröts; kör den igen: den fortsätter där den slutade.",
                ),
                lang,
                err=True,
            )
        raise SystemExit(1) from None
    if fmt == "json":
        for c in result.changes:
            click.echo(jsonlines.dumps(report.change_json(c, tz)))
        click.echo(jsonlines.dumps({"summary": report.summary(result, lang)}))
        return
    for line in report.change_lines(result.changes, tz, lang):
        click.echo(line)
    click.echo(report.summary_line(result, lang))


@push.command("graph")
@PLAN_ARG
@click.option(
    "--dry-run",
    is_flag=True,
    help="Show the changes, what each attendee will receive and the requests; write nothing.",
)
@format_option("json: one object per change, then the forecast and a summary.")
@settings_option
@db_option
@lang_option
def push_graph(
    plan: Path, dry_run: bool, fmt: str, config: Path | None, db_url: str | None, lang: Lang
) -> None:
    """Create, update and cancel the plan's meetings in Exchange Online through Microsoft Graph."""
    from plancal import jsonlines
    from plancal.app.push import push_graph as run
    from plancal.calendars import push as report
    from plancal.calendars.targets.graph import GraphError

    schedule = compiled(plan, lang)
    tz = schedule.plan.tz
    loaded = load_settings(config)
    try:
        with open_store(db_url, loaded=loaded) as store:
            result, forecast = run(schedule, loaded, store, dry_run=dry_run)
    except (GraphError, report.PushError) as e:
        click.echo(e.render(lang), err=True)
        say(
            Text(
                "The push stopped; run it again: it continues where it stopped.",
                "Pushen avbröts; kör den igen: den fortsätter där den slutade.",
            ),
            lang,
            err=True,
        )
        raise SystemExit(1) from None
    warn = Text(
        "Warning: this push needs about {n} requests; Graph allows 10,000 per mailbox in 10 "
        "minutes, so it will be throttled and take longer.",
        "Varning: denna push behöver omkring {n} anrop; Graph tillåter 10 000 per brevlåda på "
        "10 minuter, så den stryps och tar längre tid.",
    )
    if fmt == "json":
        for c in result.changes:
            click.echo(jsonlines.dumps(report.change_json(c, tz)))
        click.echo(
            jsonlines.dumps(
                {
                    "forecast": {
                        "messages": dict(sorted(forecast.messages.items())),
                        "requests": forecast.requests,
                        "over_limit": forecast.over_limit,
                    }
                }
            )
        )
        click.echo(jsonlines.dumps({"summary": report.summary(result, lang)}))
        return
    for line in report.change_lines(result.changes, tz, lang):
        click.echo(line)
    if dry_run and forecast.messages:
        say(
            Text(
                "Each attendee will receive (Graph sends a moved occurrence of a new series as "
                "a message of its own):",
                "Varje deltagare får (Graph skickar ett flyttat tillfälle i en ny serie som ett "
                "eget meddelande):",
            ),
            lang,
        )
        for address, n in sorted(forecast.messages.items()):
            click.echo(f"  {address}: {n}")
    if forecast.over_limit:
        say(warn, lang, err=True, n=forecast.requests)
    click.echo(report.summary_line(result, lang))


@push.command("mail")
@PLAN_ARG
@click.option(
    "--dry-run", is_flag=True, help="Show the changes and who would hear of them; send nothing."
)
@format_option("json: one object per change, then a summary.")
@settings_option
@db_option
@lang_option
def push_mail(
    plan: Path, dry_run: bool, fmt: str, config: Path | None, db_url: str | None, lang: Lang
) -> None:
    """Send every attendee the plan's meetings as invitations by e-mail (iMIP), once each."""
    from plancal.app.push import mail_organizer
    from plancal.app.push import push_mail as run
    from plancal.calendars import push as report
    from plancal.calendars.targets.mail.target import MailError
    from plancal.scheduler.clock import utcnow
    from plancal.scheduler.mail import InvitationSender, SmtpMailer, smtp_settings

    schedule = compiled(plan, lang)
    loaded = load_settings(config)
    organizer = mail_organizer(loaded)
    smtp = None if dry_run else smtp_settings(loaded)
    mailer = SmtpMailer(smtp) if smtp is not None else None
    try:
        with open_store(db_url, loaded=loaded) as store:
            result = run(
                schedule,
                organizer,
                store,
                InvitationSender(mailer) if mailer is not None else None,
                utcnow(),
                envelope_from=smtp.sender if smtp is not None else None,
                dry_run=dry_run,
            )
    except (MailError, report.PushError) as e:
        click.echo(e.render(lang), err=True)
        say(
            Text(
                "The push stopped; run it again: nothing is sent twice.",
                "Pushen avbröts; kör den igen: inget skickas två gånger.",
            ),
            lang,
            err=True,
        )
        raise SystemExit(1) from None
    finally:
        if mailer is not None:
            mailer.close()
    _print(result, schedule.plan.tz, fmt, lang)


@push.command("caldav")
@PLAN_ARG
@click.option(
    "--url", required=True, help="The calendar collection, e.g. https://…/calendars/me/plan/"
)
@click.option(
    "--dry-run", is_flag=True, help="Show the changes and who would hear of them; write nothing."
)
@format_option("json: one object per change, then a summary.")
@settings_option
@db_option
@lang_option
def push_caldav(
    plan: Path,
    url: str,
    dry_run: bool,
    fmt: str,
    config: Path | None,
    db_url: str | None,
    lang: Lang,
) -> None:
    """Make a CalDAV calendar hold the plan's meetings (one resource per meeting or series)."""
    from plancal.app.push import push_caldav as run
    from plancal.calendars import push as report
    from plancal.calendars.targets.caldav.target import CalDavError
    from plancal.scheduler.clock import utcnow

    if not url.startswith(("https://", "http://")):
        raise click.BadParameter(
            Text(
                "write the calendar's address, https://…",
                "skriv kalenderns adress, https://…",
            ).render(lang),
            param_hint="--url",
        )
    schedule = compiled(plan, lang)
    loaded = load_settings(config)
    try:
        with open_store(db_url, loaded=loaded) as store:
            result = run(schedule, loaded, url, store, utcnow(), dry_run=dry_run)
    except (CalDavError, report.PushError) as e:
        click.echo(e.render(lang), err=True)
        say(
            Text(
                "The push stopped; run it again: it continues where it stopped.",
                "Pushen avbröts; kör den igen: den fortsätter där den slutade.",
            ),
            lang,
            err=True,
        )
        raise SystemExit(1) from None
    _print(result, schedule.plan.tz, fmt, lang)


def _print(result: Any, tz: Any, fmt: str, lang: Lang) -> None:
    from plancal import jsonlines
    from plancal.calendars import push as report

    if fmt == "json":
        for c in result.changes:
            click.echo(jsonlines.dumps(report.change_json(c, tz)))
        click.echo(jsonlines.dumps({"summary": report.summary(result, lang, per_exception=False)}))
        return
    for line in report.change_lines(result.changes, tz, lang):
        click.echo(line)
    click.echo(report.summary_line(result, lang, per_exception=False))
