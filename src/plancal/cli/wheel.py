"""Pictures of the plan: the årshjul (year wheel)."""

from __future__ import annotations

from pathlib import Path

import click

from plancal.cli import main
from plancal.cli.options import PLAN_ARG, compiled, lang_option, say
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
