"""Reading the plan: validate, agenda, conflicts, compile, schema, and the settings (config)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from plancal.cli import main
from plancal.cli.options import (
    DATE,
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


@main.command()
@PLAN_ARG
@lang_option
def validate(plan: Path, lang: Lang) -> None:
    """Check a plan file; list every problem with file and line (exit 1 on errors)."""
    from plancal.app.check import check

    checked = check(plan)
    for p in checked.problems:
        click.echo(p.render(lang), err=p.severity == "error")
    if checked.errors or checked.schedule is None:
        say(
            Text("{n} error(s) in {file}.", "{n} fel i {file}."),
            lang,
            err=True,
            n=len(checked.errors),
            file=plan,
        )
        raise SystemExit(1)
    s = checked.schedule
    say(
        Text(
            "{file}: OK – {activities} activities ({undated} without fixed time), {series} "
            "calendar events, {occurrences} meetings, {deadlines} follow-up deadlines.",
            "{file}: OK – {activities} aktiviteter ({undated} utan fast tid), {series} "
            "kalenderhändelser, {occurrences} möten, {deadlines} uppföljningsdatum.",
        ),
        lang,
        file=plan,
        activities=len(s.plan.activities),
        undated=len(s.as_needed),
        series=len(s.series),
        occurrences=len(s.occurrences()),
        deadlines=len(s.deadlines),
    )
    unintended = [d for d in checked.double_bookings if not d.allowed]
    if unintended:
        say(
            Text(
                "{n} double booking(s): see the warnings above, or `plancal conflicts {file}`.",
                "{n} dubbelbokning(ar): se varningarna ovan, eller `plancal conflicts {file}`.",
            ),
            lang,
            n=len(unintended),
            file=plan,
        )


@main.command()
@PLAN_ARG
@click.option("--from", "start", type=DATE, metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, metavar="DATE", help="Last day (YYYY-MM-DD), inclusive.")
@click.option(
    "--activity", "activities", multiple=True, metavar="ID", help="Only this activity (repeatable)."
)
@click.option(
    "--kind",
    type=click.Choice(["all", "meetings", "deadlines"]),
    default="all",
    show_default=True,
    help="Meetings, follow-up deadlines, or both.",
)
@click.option("--cancelled", is_flag=True, help="Also list occurrences that do not take place.")
@format_option("json: one object per line.")
@lang_option
def agenda(
    plan: Path,
    start: date | None,
    end: date | None,
    activities: tuple[str, ...],
    kind: str,
    cancelled: bool,
    fmt: str,
    lang: Lang,
) -> None:
    """List the plan's meetings and follow-up deadlines, in time order."""
    from plancal.app import agenda as ag

    schedule = compiled(plan, lang, calendars=False)
    unknown = [a for a in activities if a not in schedule.plan.activity_by_id]
    if unknown:
        raise click.BadParameter(
            Text(
                "unknown activity {ids}; known: {known}", "okänd aktivitet {ids}; kända: {known}"
            ).render(lang, ids=", ".join(unknown), known=", ".join(schedule.plan.activity_by_id)),
            param_hint="--activity",
        )
    kinds: tuple[ag.Kind, ...] = {
        "all": ("meeting", "deadline", "as-needed"),
        "meetings": ("meeting", "as-needed"),
        "deadlines": ("deadline",),
    }[kind]  # type: ignore[assignment]
    items = ag.rows(schedule, lang, start, end, activities or None, kinds, cancelled)
    if fmt == "json":
        from plancal import jsonlines

        for item in items:
            click.echo(jsonlines.dumps(item.to_json()))
        return
    for line in ag.text_lines(items, lang):
        click.echo(line)


@main.command()
@click.argument("plans", nargs=-1, required=True, type=click.Path(path_type=Path))
@click.option("--from", "start", type=DATE, metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", type=DATE, metavar="DATE", help="Last day (YYYY-MM-DD), inclusive.")
@format_option("json: one object per double booking, one per line.")
@lang_option
def conflicts(
    plans: tuple[Path, ...], start: date | None, end: date | None, fmt: str, lang: Lang
) -> None:
    """List double bookings: a person in two meetings at once, in one plan or across several.

    PLANS are plan files or folders of them; people are matched by e-mail address, so an
    officer who serves several municipalities is checked across their plans. Overlaps a plan
    allows with 'overlaps' are not listed. Exit status 1 when there is a double booking.
    """
    from plancal.app import conflicts as found_in

    found = found_in.find(plans, start, end)
    if fmt == "json":
        from plancal import jsonlines

        for d in found.double_bookings:
            click.echo(jsonlines.dumps(found_in.to_json(d, lang)))
    else:
        for line in found_in.text_lines(found, lang):
            click.echo(line)
    if found.unintended:
        raise SystemExit(1)


@main.command("compile")
@PLAN_ARG
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the feeds.",
)
@db_option
@lang_option
def compile_cmd(plan: Path, out_dir: Path, db_url: str | None, lang: Lang) -> None:
    """Compile the plan into iCalendar feeds (whole plan, per role, public, deadlines)."""
    from plancal.app.publish import publish
    from plancal.errors import UserError
    from plancal.scheduler.clock import utcnow

    schedule = compiled(plan, lang)
    with open_store(db_url) as store:
        try:
            written = publish(schedule, out_dir, store, utcnow())
        except OSError as e:
            raise UserError(
                Text(
                    "cannot write to {dir}: {error}", "kan inte skriva till {dir}: {error}"
                ).render(lang, dir=out_dir, error=e.strerror or str(e))
            ) from None
    for w in written:
        mark = "*" if w.changed else " "
        click.echo(
            f"{mark} {w.path}  {w.events:>4} events  {w.size:>8} bytes"
            + ("  (public)" if w.feed.public else "")
        )
    say(
        Text("{n} feeds in {dir} (* = changed).", "{n} flöden i {dir} (* = ändrat)."),
        lang,
        n=len(written),
        dir=out_dir,
    )


@main.command()
@lang_option
def schema(lang: Lang) -> None:
    """Print the JSON Schema of the plan file, for editors that complete and check YAML."""
    from plancal import jsonlines
    from plancal.rules.format import json_schema

    click.echo(jsonlines.dumps(json_schema(lang), indent=2))


@main.command()
@settings_option
@lang_option
def config(config: Path | None, lang: Lang) -> None:
    """Show the effective settings (secrets masked) and where each can be set."""
    from plancal.config import settings

    loaded = load_settings(config)
    say(Text("Settings file: {source}", "Inställningsfil: {source}"), lang, source=loaded.source)
    shown = loaded.shown()
    for section in settings.SECTIONS:
        click.echo(f"[{section.name}]  # {section.doc.render(lang)}")
        for option in section.options:
            value = shown[section.name][option.key]
            where = settings.env_name(section.name, option.key)
            click.echo(f"{option.key} = {value!r}  # {option.doc.render(lang)} (${where})")
