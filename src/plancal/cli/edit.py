"""Rescheduling: skip, move, add, cancel, breaks, and the diff between two versions of a plan.

Every edit shows its impact first, then asks (``--yes`` writes without asking, ``--dry-run``
only shows); the flow is ``run_edit``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path
from typing import Any

import click

from plancal.cli import main
from plancal.cli.options import (
    BREAK_DAY,
    DATE,
    DATETIME,
    PLAN_ARG,
    F,
    format_option,
    lang_option,
    say,
)
from plancal.i18n import Lang, Text


def edit_options(f: F) -> F:
    """What every command that edits the plan takes."""
    for option in reversed(
        [
            click.option("--yes", "-y", is_flag=True, help="Write without asking."),
            click.option("--dry-run", is_flag=True, help="Only show the impact; write nothing."),
            format_option("json: one object, for scripts."),
            lang_option,
        ]
    ):
        f = option(f)
    return f


def run_edit(
    plan: Path,
    make: Callable[[Any], Any],
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: Lang,
    adds_break: bool = False,
) -> None:
    """Show the impact of one edit, ask, write: the flow every rescheduling command shares."""
    from plancal.app import reschedule
    from plancal.app.impact import text_lines, to_json

    proposal = reschedule.prepare(plan, make, adds_break)
    if fmt == "text":
        for line in text_lines(proposal.impact, lang):
            click.echo(line)
    written = False
    if not dry_run and proposal.data != proposal.plan_file.raw:
        question = Text("Write this change to {file}?", "Skriva ändringen till {file}?")
        try:
            go = yes or click.confirm(question.render(lang, file=plan), default=False, err=True)
        except click.Abort:  # no answer (end of input): as good as no
            click.echo("", err=True)
            go = False
        if go:
            reschedule.write(proposal)
            written = True
    if fmt == "json":
        from plancal import jsonlines

        click.echo(jsonlines.dumps(to_json(proposal.impact, lang) | {"written": written}))
    elif written:
        say(
            Text(
                "Wrote {file}. `plancal compile` brings the feeds up to date.",
                "Skrev {file}. `plancal compile` uppdaterar flödena.",
            ),
            lang,
            file=plan,
        )
    elif not dry_run:
        say(Text("Nothing was written.", "Inget skrevs."), lang, err=True)
    if not written and not dry_run:
        raise SystemExit(1)


@main.group("break")
def break_group() -> None:
    """Breaks (uppehåll): periods when meetings pause, e.g. the summer."""


@break_group.command("add")
@PLAN_ARG
@click.argument("name")
@click.argument("start", metavar="FROM", type=BREAK_DAY)
@click.argument("end", metavar="TO", type=BREAK_DAY)
@click.option(
    "--policy",
    type=click.Choice(["skip", "before", "after", "continue"]),
    default=None,
    help="What happens to a meeting in the break, for activities that "
    "say nothing themselves (default: the plan's).",
)
@click.option(
    "--id", "break_id", metavar="ID", default=None, help="Stable id (default: from the name)."
)
@edit_options
def break_add(
    plan: Path,
    name: str,
    start: date | tuple[int, int],
    end: date | tuple[int, int],
    policy: str | None,
    break_id: str | None,
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: Lang,
) -> None:
    """Add a break FROM–TO (dates, or MM-DD for every year); shows what it touches first."""
    run_edit(
        plan,
        lambda ed: ed.add_break(name, start, end, policy, break_id),
        yes,
        dry_run,
        fmt,
        lang,
        adds_break=True,
    )


@break_group.command("remove")
@PLAN_ARG
@click.argument("break_id", metavar="ID")
@edit_options
def break_remove(plan: Path, break_id: str, yes: bool, dry_run: bool, fmt: str, lang: Lang) -> None:
    """Remove a break; the meetings it paused come back."""
    run_edit(plan, lambda ed: ed.remove_break(break_id), yes, dry_run, fmt, lang)


@break_group.command("list")
@PLAN_ARG
@format_option()
@lang_option
def break_list(plan: Path, fmt: str, lang: Lang) -> None:
    """The plan's breaks, and what each one skips, moves and keeps."""
    from plancal.app import reschedule

    infos = reschedule.breaks(plan)

    def day(value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else f"{value[0]:02d}-{value[1]:02d}"

    if fmt == "json":
        from plancal import jsonlines

        for info in infos:
            b = info.brk
            click.echo(
                jsonlines.dumps(
                    {
                        "id": b.id,
                        "name": b.name,
                        "from": day(b.start),
                        "to": day(b.end),
                        "yearly": b.yearly,
                        "policy": b.policy,
                        "skipped": info.skipped,
                        "moved": info.moved,
                        "kept": info.kept,
                        "activities": dict(info.policies),
                    },
                )
            )
        return
    if not infos:
        say(Text("The plan has no breaks.", "Planen har inga uppehåll."), lang)
    for info in infos:
        b = info.brk
        yearly = Text(" (every year)", " (varje år)").render(lang) if b.yearly else ""
        policy = b.policy or Text("plan default", "planens standard").render(lang)
        click.echo(f"{b.id}  {b.name}  {day(b.start)} – {day(b.end)}{yearly}  [{policy}]")
        say(
            Text(
                "  skips {skipped}, moves {moved}, keeps {kept} occurrence(s)",
                "  ställer in {skipped}, flyttar {moved}, behåller {kept} tillfälle(n)",
            ),
            lang,
            skipped=info.skipped,
            moved=info.moved,
            kept=info.kept,
        )
        by_policy: dict[str, list[str]] = {}
        for aid, resolved in info.policies:
            by_policy.setdefault(resolved, []).append(aid)
        for name_, ids in sorted(by_policy.items()):
            click.echo(f"  {name_}: {', '.join(ids)}")


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("day", metavar="DATE", type=DATE)
@edit_options
def skip(
    plan: Path, activity: str, day: date, yes: bool, dry_run: bool, fmt: str, lang: Lang
) -> None:
    """Skip one occurrence of an activity (the one on DATE)."""
    run_edit(plan, lambda ed: ed.skip(activity, day), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("day", metavar="DATE", type=DATE)
@click.option(
    "--to",
    "to",
    required=True,
    type=DATETIME,
    metavar="DATETIME",
    help="New date and time (2023-03-15 14:00); a date alone keeps the time.",
)
@edit_options
def move(
    plan: Path,
    activity: str,
    day: date,
    to: date | datetime,
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: Lang,
) -> None:
    """Move the occurrence of an activity on DATE to another date and time."""
    run_edit(plan, lambda ed: ed.move(activity, day, to), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("when", metavar="DATETIME", type=DATETIME)
@edit_options
def add(
    plan: Path,
    activity: str,
    when: date | datetime,
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: Lang,
) -> None:
    """Add an extra occurrence of an activity (a date alone takes the activity's time)."""
    run_edit(plan, lambda ed: ed.add(activity, when), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.option(
    "--from",
    "start",
    required=True,
    type=DATE,
    metavar="DATE",
    help="First day without the activity (YYYY-MM-DD).",
)
@edit_options
def cancel(
    plan: Path, activity: str, start: date, yes: bool, dry_run: bool, fmt: str, lang: Lang
) -> None:
    """End an activity's series from DATE on (it runs until the day before)."""
    run_edit(plan, lambda ed: ed.cancel_from(activity, start), yes, dry_run, fmt, lang)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@format_option()
@lang_option
def diff_cmd(old: Path, new: Path, fmt: str, lang: Lang) -> None:
    """What changes in the calendars between two versions of a plan file.

    For review in git: plancal diff <(git show HEAD:plan.yaml) plan.yaml
    """
    from plancal.app import reschedule
    from plancal.app.impact import text_lines, to_json

    impact = reschedule.compare(old, new)
    if fmt == "json":
        from plancal import jsonlines

        click.echo(jsonlines.dumps(to_json(impact, lang)))
        return
    for line in text_lines(impact, lang):
        click.echo(line)
