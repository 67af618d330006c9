"""Rescheduling: skip, move, add, cancel, breaks, and the diff between two versions of a plan.

Every edit shows its impact first, then asks (``--yes`` writes without asking, ``--dry-run``
only shows); the flow is ``run_edit``.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import dataclass
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
    ask,
    db_option,
    format_option,
    lang_option,
    say,
)
from plancal.i18n import Lang, Text


@dataclass(frozen=True, slots=True)
class Flow:
    """How an edit is shown and written: what every command that edits the plan takes."""

    yes: bool
    dry_run: bool
    fmt: str
    verbose: bool
    lang: Lang
    db_url: str | None = None  # where the plan's history is kept


def edit_options(f: Callable[..., Any]) -> Callable[..., Any]:
    """The options every command that edits the plan takes, handed to it as one ``flow``."""

    @functools.wraps(f)
    def command(
        *args: Any,
        yes: bool,
        dry_run: bool,
        fmt: str,
        verbose: bool,
        lang: Lang,
        db_url: str | None,
        **kw: Any,
    ) -> Any:
        return f(*args, flow=Flow(yes, dry_run, fmt, verbose, lang, db_url), **kw)

    for option in reversed(
        [
            click.option("--yes", "-y", is_flag=True, help="Write without asking."),
            click.option("--dry-run", is_flag=True, help="Only show the impact; write nothing."),
            format_option("json: one object, for scripts."),
            click.option(
                "--verbose", "-v", is_flag=True, help="Also name each calendar event (UID)."
            ),
            lang_option,
            db_option,
        ]
    ):
        command = option(command)
    return command


def run_edit(plan: Path, make: Callable[[Any], Any], flow: Flow, adds_break: bool = False) -> None:
    """Show the impact of one edit, ask, write: the flow every rescheduling command shares."""
    from plancal.app import reschedule
    from plancal.app.impact import text_lines

    proposal = reschedule.prepare(plan, make, adds_break)
    command = _command_name(click.get_current_context())

    def write() -> None:
        from plancal.app import history
        from plancal.cli.options import open_store
        from plancal.scheduler.clock import utcnow

        with open_store(flow.db_url) as store:  # opened first: no write without its history
            reschedule.write(
                proposal,
                make,
                adds_break,
                lambda written: history.record(store, written, command, utcnow()),
            )

    if flow.fmt == "text":
        for line in text_lines(proposal.impact, flow.lang, flow.verbose):
            click.echo(line)
    confirm_and_write(plan, proposal.impact, proposal.data != proposal.plan_file.raw, write, flow)


def _command_name(ctx: click.Context) -> str:
    """The subcommand as typed, without the program's name: "skip", "break remove"."""
    names: list[str] = []
    while ctx.parent is not None:
        names.insert(0, ctx.info_name or "")
        ctx = ctx.parent
    return " ".join(names)


def confirm_and_write(
    plan: Path, impact: Any, changes: bool, write: Callable[[], None], flow: Flow
) -> None:
    """Ask (unless --yes), write, and say so; exit 1 when nothing was written."""
    from plancal.app.impact import to_json

    lang = flow.lang
    written = False
    if not flow.dry_run and changes:
        question = Text("Write this change to {file}?", "Vill du skriva ändringen till {file}?")
        try:
            go = flow.yes or ask(question, lang, file=plan)
        except click.Abort:  # no answer (end of input): as good as no
            click.echo("", err=True)
            go = False
        if go:
            write()
            written = True
    if flow.fmt == "json":
        from plancal import jsonlines

        click.echo(jsonlines.dumps(to_json(impact, lang) | {"written": written}))
    elif written:
        say(
            Text(
                "Wrote {file}. `plancal compile` brings the feeds up to date.",
                "Skrev {file}. `plancal compile` uppdaterar flödena.",
            ),
            lang,
            file=plan,
        )
    elif not flow.dry_run:
        say(Text("Nothing was written.", "Inget skrevs."), lang, err=True)
    if not written and not flow.dry_run:
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
    flow: Flow,
) -> None:
    """Add a break FROM–TO (dates, or MM-DD for every year); shows what it touches first."""
    run_edit(
        plan, lambda ed: ed.add_break(name, start, end, policy, break_id), flow, adds_break=True
    )


@break_group.command("remove")
@PLAN_ARG
@click.argument("break_id", metavar="ID")
@edit_options
def break_remove(plan: Path, break_id: str, flow: Flow) -> None:
    """Remove a break; the meetings it paused come back."""
    run_edit(plan, lambda ed: ed.remove_break(break_id), flow)


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


REASON = click.option(
    "--reason",
    metavar="TEXT",
    default=None,
    help="Why (written into the plan; shown in the agenda, the feeds and the reminders).",
)


def _cancel_one(plan: Path, activity: str, day: date, reason: str | None, flow: Flow) -> None:
    run_edit(plan, lambda ed: ed.skip(activity, day, reason), flow)


def _end_series(plan: Path, activity: str, start: date, flow: Flow) -> None:
    run_edit(plan, lambda ed: ed.cancel_from(activity, start), flow)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("day", metavar="DATE", type=DATE, required=False)
@click.option(
    "--from",
    "start",
    type=DATE,
    metavar="DATE",
    help="Old spelling of `plancal end`: end the whole series from DATE on.",
)
@REASON
@edit_options
def cancel(
    plan: Path,
    activity: str,
    day: date | None,
    start: date | None,
    reason: str | None,
    flow: Flow,
) -> None:
    """Cancel one occurrence of an activity (the one on DATE); the series goes on.

    To end the whole series, use `plancal end` (`cancel --from DATE` still does that).
    """
    lang = flow.lang
    if day is not None and start is not None:
        raise click.UsageError(
            Text(
                "give DATE to cancel one occurrence, or --from DATE to end the series; not both",
                "ange DATUM för att ställa in ett tillfälle, eller --from DATUM för att avsluta "
                "serien; inte båda",
            ).render(lang)
        )
    if start is not None:  # what `cancel --from` always meant: the series ends
        if reason is not None:
            raise click.UsageError(
                Text(
                    "--reason is for one occurrence; the end of a series has none",
                    "--reason gäller ett tillfälle; när en serie avslutas anges inget skäl",
                ).render(lang)
            )
        _end_series(plan, activity, start, flow)
        return
    if day is None:
        raise click.UsageError(
            Text(
                "which occurrence? Give its DATE (to end the whole series: plancal end "
                "PLAN ACTIVITY --from DATE)",
                "vilket tillfälle? Ange dess DATUM (för att avsluta hela serien: plancal end "
                "PLAN AKTIVITET --from DATUM)",
            ).render(lang)
        )
    _cancel_one(plan, activity, day, reason, flow)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("day", metavar="DATE", type=DATE)
@REASON
@edit_options
def skip(plan: Path, activity: str, day: date, reason: str | None, flow: Flow) -> None:
    """Same as `cancel`: cancel one occurrence of an activity (the one on DATE)."""
    _cancel_one(plan, activity, day, reason, flow)


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
def end(plan: Path, activity: str, start: date, flow: Flow) -> None:
    """End an activity's series from DATE on (it runs until the day before)."""
    _end_series(plan, activity, start, flow)


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
@REASON
@edit_options
def move(
    plan: Path, activity: str, day: date, to: date | datetime, reason: str | None, flow: Flow
) -> None:
    """Move the occurrence of an activity on DATE to another date and time."""
    run_edit(plan, lambda ed: ed.move(activity, day, to, reason), flow)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("when", metavar="DATETIME", type=DATETIME)
@edit_options
def add(plan: Path, activity: str, when: date | datetime, flow: Flow) -> None:
    """Add an extra occurrence of an activity (a date alone takes the activity's time)."""
    run_edit(plan, lambda ed: ed.add(activity, when), flow)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@format_option()
@click.option("--verbose", "-v", is_flag=True, help="Also name each calendar event (UID).")
@lang_option
def diff_cmd(old: Path, new: Path, fmt: str, verbose: bool, lang: Lang) -> None:
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
    for line in text_lines(impact, lang, verbose):
        click.echo(line)


@main.command()
@PLAN_ARG
@format_option("json: one object per line.")
@lang_option
@db_option
def history(plan: Path, fmt: str, lang: Lang, db_url: str | None) -> None:
    """The versions of the plan file that plancal wrote: when, which command, what changed."""
    from plancal.app import history as hist
    from plancal.cli.options import open_store

    with open_store(db_url) as store:
        found = hist.entries(store, plan)
    if fmt == "json":
        from plancal import jsonlines

        for e in found:
            v = e.version
            click.echo(
                jsonlines.dumps(
                    {
                        "version": v.id,
                        "written": v.written.isoformat(),
                        "command": v.command,
                        "summary": v.summary(lang),
                        "undone": e.undone,
                        "undoes": v.undoes,
                    }
                )
            )
        return
    if not found:
        say(
            Text(
                "plancal has written no version of {file} (in this state store).",
                "plancal har inte skrivit någon version av {file} (i det här tillståndet).",
            ),
            lang,
            file=plan,
        )
        return
    undone = Text("  (undone)", "  (ångrad)").render(lang)
    for e in found:
        v = e.version
        when = v.written.strftime("%Y-%m-%d %H:%M UTC")
        click.echo(
            f"{v.id:>4}  {when}  {v.command:<14} {v.summary(lang)}{undone if e.undone else ''}"
        )


@main.command()
@PLAN_ARG
@edit_options
def undo(plan: Path, flow: Flow) -> None:
    """Go back one version: take back the newest edit plancal wrote (see `plancal history`)."""
    from plancal.app import history as hist
    from plancal.app.impact import text_lines
    from plancal.cli.options import open_store
    from plancal.scheduler.clock import utcnow

    with open_store(flow.db_url) as store:
        proposal = hist.prepare_undo(store, plan)
        if flow.fmt == "text":
            for line in text_lines(proposal.impact, flow.lang, flow.verbose):
                click.echo(line)
        confirm_and_write(
            plan,
            proposal.impact,
            proposal.data != proposal.plan_file.raw,
            lambda: hist.write_undo(store, proposal, utcnow()),
            flow,
        )
