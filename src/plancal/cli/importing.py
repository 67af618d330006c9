"""Reading a plan document: ``plancal import`` (Word, PDF or plain text → a draft plan file)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path

import click

from plancal.cli import main
from plancal.cli.options import DATE, lang_option, say
from plancal.i18n import Lang, Text


@main.command("import")
@click.argument("document", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--out",
    "out",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="The plan file to write (never over an existing one without --force).",
)
@click.option("--id", "plan_id", default=None, help="The plan's id (default: from the title).")
@click.option(
    "--period",
    nargs=2,
    type=DATE,
    metavar="FROM TO",
    default=None,
    help="First and last day of the plan (default: the years in the title).",
)
@click.option("--force", is_flag=True, help="Replace --out if it exists.")
@lang_option
def import_cmd(
    document: Path,
    out: Path,
    plan_id: str | None,
    period: tuple[date, date] | None,
    force: bool,
    lang: Lang,
) -> None:
    """Read a plan document (.docx, .pdf, .txt) and write a draft plan file that validates.

    Every guess is marked '# antagande' in the file; a checklist of what to confirm follows.
    """
    from plancal.app.importplan import import_document, period_problem
    from plancal.importing.draft import Options
    from plancal.scheduler.clock import utcnow

    if plan_id is not None and not re.fullmatch(r"[a-z0-9][a-z0-9-]{0,62}", plan_id):
        raise click.BadParameter(
            Text(
                "use lowercase letters a–z, digits and '-', e.g. 'soderhamn-2022-2023'",
                "använd små bokstäver a–z, siffror och '-', t.ex. 'soderhamn-2022-2023'",
            ).render(lang),
            param_hint="--id",
        )
    if period is not None and (problem := period_problem(*period)) is not None:
        raise problem
    imported = import_document(
        document, out, Options(plan_id, period, utcnow().date()), force=force
    )
    draft = imported.draft
    say(
        Text(
            "Wrote {file}: {activities} activities, {roles} roles. Every guess is marked "
            "'antagande' in the file.",
            "Skrev {file}: {activities} aktiviteter, {roles} roller. Varje gissning är "
            "markerad 'antagande' i filen.",
        ),
        lang,
        file=out,
        activities=draft.activities,
        roles=draft.roles,
    )
    say(Text("Confirm before you use the plan:", "Bekräfta innan planen används:"), lang)
    for n, item in enumerate(draft.checklist, start=1):
        click.echo(f"  {n}. {item.render(lang)}")
    if draft.unread:
        say(
            Text(
                "'When' that plancal cannot read yet (kept as a comment, when: Behovsanpassat):",
                "'När' som plancal inte kan läsa än (sparat som kommentar, when: Behovsanpassat):",
            ),
            lang,
        )
        for u in draft.unread:
            where = f"{document}:{u.line}: " if u.line else ""
            when = u.when or Text("(empty)", "(tomt)").render(lang)
            click.echo(f"  {where}{u.activity}: {when}")
    if imported.warnings:
        say(
            Text(
                "plancal validate {file} has {n} warning(s) for the draft (double bookings or "
                "follow-ups without dates): look at them too.",
                "plancal validate {file} har {n} varning(ar) om utkastet (dubbelbokningar eller "
                "uppföljningar utan datum): titta på dem också.",
            ),
            lang,
            file=out,
            n=imported.warnings,
        )
    say(
        Text(
            "Next: plancal validate {file}, then plancal agenda {file}.",
            "Nästa steg: plancal validate {file}, sedan plancal agenda {file}.",
        ),
        lang,
        file=out,
    )
