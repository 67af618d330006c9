"""Pushing the plan's meetings into calendar systems, which send the invitations."""

from __future__ import annotations

from pathlib import Path

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
