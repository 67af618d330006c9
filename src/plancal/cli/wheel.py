"""Pictures of the plan: the årshjul (year wheel) and the printable year plan."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import click

from plancal.cli import main
from plancal.cli.options import DATE, PLAN_ARG, compiled, lang_option, say
from plancal.i18n import Lang, Text


@main.command()
@PLAN_ARG
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The picture: .svg, .png or .pdf (PNG and PDF need the pictures extra).",
)
@click.option("--year", type=int, default=None, help="Which plan year (default: the first).")
@click.option(
    "--feed",
    default="plan",
    show_default=True,
    metavar="FEED",
    help="What it shows, as that feed does: plan, public, deadlines or role-ID.",
)
@lang_option
def wheel(plan: Path, out: Path, year: int | None, feed: str, lang: Lang) -> None:
    """Draw the årshjul: one plan year as a wheel of months, a ring per area."""
    from plancal.app import wheel as pictures

    schedule = compiled(plan, lang)
    size = pictures.write(schedule, out, feed, lang, year)
    say(
        Text("Wrote {file} ({size} bytes).", "Skrev {file} ({size} byte)."),
        lang,
        file=out,
        size=size,
    )


@main.command("print")
@PLAN_ARG
@click.option(
    "--out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The PDF to write (needs the pictures extra).",
)
@click.option("--from", "first", type=DATE, metavar="DATE", help="First day (default: the plan's).")
@click.option("--to", "last", type=DATE, metavar="DATE", help="Last day (default: the plan's).")
@lang_option
def print_cmd(plan: Path, out: Path, first: date | None, last: date | None, lang: Lang) -> None:
    """Print the year plan: a title page, a page per month, the deadlines, the årshjul.

    In the plan's own language unless --lang says otherwise.
    """
    from plancal.app import yearplan

    ctx = click.get_current_context()
    schedule = compiled(plan, lang)
    if ctx.get_parameter_source("lang") is not click.core.ParameterSource.COMMANDLINE:
        lang = "sv" if schedule.plan.language == "sv" else "en"
    pages = yearplan.write(schedule, out, first, last, lang)
    say(
        Text("Wrote {file} ({pages} pages).", "Skrev {file} ({pages} sidor)."),
        lang,
        file=out,
        pages=pages,
    )
