"""The plancal command line: parse options, call the core, print. No logic lives here.

Imports are deferred into the commands: ``plancal --help`` loads click and this module only,
and ``plancal agenda`` never loads SQLAlchemy, icalendar or the holidays package.
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any, NoReturn, TypeVar

import click

from plancal import __version__
from plancal.i18n import Lang, Text, default_lang

F = TypeVar("F", bound=Callable[..., Any])

PLAN_ARG = click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))


def lang_option(f: F) -> F:
    return click.option(
        "--lang", type=click.Choice(["sv", "en"]), default=None,
        help="Language of the output (default: from PLANCAL_LANG / LANG). Språk.")(f)


def db_option(f: F) -> F:
    return click.option(
        "--db", "db_url", metavar="URL", default=None,
        help="State store: a SQLite path or postgresql://… (default: PLANCAL_DB, or a SQLite "
             "file in the user's state directory).")(f)


def resolve_lang(lang: str | None) -> Lang:
    return lang if lang in ("sv", "en") else default_lang()  # type: ignore[return-value]


def say(text: Text, lang: Lang, err: bool = False, **values: Any) -> None:
    click.echo(text.render(lang, **values), err=err)


def fail_with_plan_problems(problems: Any, lang: Lang) -> NoReturn:
    for p in problems:
        click.echo(p.render(lang), err=True)
    errors = sum(1 for p in problems if p.severity == "error")
    say(Text("{n} problem(s); nothing was written.", "{n} problem; inget skrevs."), lang,
        err=True, n=errors)
    sys.exit(1)


def parse_day(value: str | None, lang: Lang, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            Text("{value!r} is not a date; write YYYY-MM-DD",
                 "{value!r} är inget datum; skriv ÅÅÅÅ-MM-DD").render(lang, value=value),
            param_hint=option) from None


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="plancal")
def main() -> None:
    """plancal: a lokal handlingsplan as calendars people use.

    Reads one reviewed plan file (YAML) and compiles it into iCalendar feeds, an agenda and
    reminders. Svenska: sätt --lang sv eller LANG=sv_SE.UTF-8.
    """


@main.command()
@PLAN_ARG
@lang_option
def validate(plan: Path, lang: str | None) -> None:
    """Check a plan file; list every problem with file and line (exit 1 on errors)."""
    from plancal.core import check

    lg = resolve_lang(lang)
    checked = check(plan)
    for p in checked.problems:
        click.echo(p.render(lg), err=p.severity == "error")
    if checked.errors or checked.schedule is None:
        say(Text("{n} error(s) in {file}.", "{n} fel i {file}."), lg, err=True,
            n=len(checked.errors), file=plan)
        sys.exit(1)
    s = checked.schedule
    say(Text("{file}: OK – {activities} activities ({undated} without fixed time), {series} "
             "calendar events, {occurrences} meetings, {deadlines} follow-up deadlines.",
             "{file}: OK – {activities} aktiviteter ({undated} utan fast tid), {series} "
             "kalenderhändelser, {occurrences} möten, {deadlines} uppföljningsdatum."), lg,
        file=plan, activities=len(s.plan.activities), undated=len(s.as_needed),
        series=len(s.series), occurrences=len(s.occurrences()), deadlines=len(s.deadlines))


@main.command()
@PLAN_ARG
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD), inclusive.")
@click.option("--activity", "activities", multiple=True, metavar="ID",
              help="Only this activity (repeatable).")
@click.option("--kind", type=click.Choice(["all", "meetings", "deadlines"]), default="all",
              show_default=True, help="Meetings, follow-up deadlines, or both.")
@click.option("--cancelled", is_flag=True, help="Also list occurrences that do not take place.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object per line.")
@lang_option
def agenda(plan: Path, start: str | None, end: str | None, activities: tuple[str, ...],
           kind: str, cancelled: bool, fmt: str, lang: str | None) -> None:
    """List the plan's meetings and follow-up deadlines, in time order."""
    from plancal import agenda as ag
    from plancal.core import check

    lg = resolve_lang(lang)
    first, last = parse_day(start, lg, "--from"), parse_day(end, lg, "--to")
    checked = check(plan, calendars=False)
    if checked.schedule is None:
        fail_with_plan_problems(checked.problems, lg)
    schedule = checked.schedule
    unknown = [a for a in activities if a not in schedule.plan.activity_by_id]
    if unknown:
        raise click.BadParameter(
            Text("unknown activity {ids}; known: {known}",
                 "okänd aktivitet {ids}; kända: {known}").render(
                lg, ids=", ".join(unknown), known=", ".join(schedule.plan.activity_by_id)),
            param_hint="--activity")
    kinds: tuple[ag.Kind, ...] = {"all": ("meeting", "deadline", "as-needed"),
                                  "meetings": ("meeting", "as-needed"),
                                  "deadlines": ("deadline",)}[kind]  # type: ignore[assignment]
    items = ag.rows(schedule, lg, first, last, activities or None, kinds, cancelled)
    if fmt == "json":
        import json

        for item in items:
            click.echo(json.dumps(item.to_json(), ensure_ascii=False))
        return
    for line in ag.text_lines(items, lg):
        click.echo(line)


@main.command("compile")
@PLAN_ARG
@click.option("--out", "out_dir", required=True,
              type=click.Path(file_okay=False, path_type=Path), help="Folder for the feeds.")
@db_option
@lang_option
def compile_cmd(plan: Path, out_dir: Path, db_url: str | None, lang: str | None) -> None:
    """Compile the plan into iCalendar feeds (whole plan, per role, public, deadlines)."""
    from plancal.core import check
    from plancal.rules.errors import PlanError
    from plancal.scheduler.clock import utcnow
    from plancal.scheduler.publish import publish
    from plancal.scheduler.store import StoreError

    lg = resolve_lang(lang)
    checked = check(plan)
    if checked.schedule is None:
        fail_with_plan_problems(checked.problems, lg)
    for p in checked.warnings:
        click.echo(p.render(lg), err=True)
    try:
        with open_store(db_url) as store:
            written = publish(checked.schedule, out_dir, store, utcnow())
    except PlanError as e:  # the settings file
        fail_with_plan_problems(e.problems, lg)
    except StoreError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    except OSError as e:
        say(Text("cannot write to {dir}: {error}", "kan inte skriva till {dir}: {error}"), lg,
            err=True, dir=out_dir, error=e.strerror or str(e))
        sys.exit(1)
    for w in written:
        mark = "*" if w.changed else " "
        click.echo(f"{mark} {w.path}  {w.events:>4} events  {w.size:>8} bytes"
                   + ("  (public)" if w.feed.public else ""))
    say(Text("{n} feeds in {dir} (* = changed).", "{n} flöden i {dir} (* = ändrat)."), lg,
        n=len(written), dir=out_dir)


@main.command()
@lang_option
def schema(lang: str | None) -> None:
    """Print the JSON Schema of the plan file, for editors that complete and check YAML."""
    import json

    from plancal.rules.format import json_schema

    click.echo(json.dumps(json_schema(resolve_lang(lang)), ensure_ascii=False, indent=2))


def open_store(db_url: str | None, config: Path | None = None) -> Any:
    """The state store: --db, else the settings' [store] url, else the default SQLite file."""
    from plancal.scheduler.store import Store

    if db_url is None:
        from plancal import settings

        db_url = settings.load(config).get("store", "url")
    return Store(db_url)


@main.command()
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Settings file (default: PLANCAL_CONFIG or ~/.config/plancal/plancal.toml).")
@lang_option
def config(config: Path | None, lang: str | None) -> None:
    """Show the effective settings (secrets masked) and where each can be set."""
    from plancal import settings
    from plancal.rules.errors import PlanError

    lg = resolve_lang(lang)
    try:
        loaded = settings.load(config)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)
    say(Text("Settings file: {source}", "Inställningsfil: {source}"), lg, source=loaded.source)
    shown = loaded.shown()
    for section in settings.SECTIONS:
        click.echo(f"[{section.name}]  # {section.doc.render(lg)}")
        for option in section.options:
            value = shown[section.name][option.key]
            where = settings.env_name(section.name, option.key)
            click.echo(f"{option.key} = {value!r}  # {option.doc.render(lg)} (${where})")


# --- Exchange (issue 3) ---


@main.group()
def push() -> None:
    """Push the plan's meetings into a calendar system (invitations are sent from there)."""


@push.command("exchange")
@PLAN_ARG
@click.option("--dry-run", is_flag=True,
              help="Show the changes and who would hear of them; write nothing.")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True, help="json: one object per change, then a summary.")
@click.option("--config", type=click.Path(dir_okay=False, path_type=Path), default=None,
              help="Settings file with [exchange] (default: PLANCAL_CONFIG or "
                   "~/.config/plancal/plancal.toml).")
@db_option
@lang_option
def push_exchange(plan: Path, dry_run: bool, fmt: str, config: Path | None, db_url: str | None,
                  lang: str | None) -> None:
    """Create, update and cancel the plan's meetings in the organizer's Exchange calendar."""
    import json

    from plancal import settings as settings_mod
    from plancal.calendars import push as report
    from plancal.calendars.exchange import ExchangeError, push_plan
    from plancal.core import check
    from plancal.rules.errors import PlanError
    from plancal.scheduler.store import StoreError

    lg = resolve_lang(lang)
    checked = check(plan)
    if checked.schedule is None:
        fail_with_plan_problems(checked.problems, lg)
    schedule = checked.schedule
    tz = schedule.plan.tz

    def progress(done: int, total: int) -> None:
        if fmt == "text" and total >= 50:
            say(Text("  {done}/{total} written", "  {done}/{total} skrivna"), lg, err=True,
                done=done, total=total)

    try:
        loaded = settings_mod.load(config)
        with open_store(db_url, config) as store:
            result = push_plan(schedule, loaded, store, dry_run=dry_run, progress=progress)
    except PlanError as e:  # the plan asks what Exchange cannot hold, or a missing setting
        fail_with_plan_problems(e.problems, lg)
    except (ExchangeError, report.PushError, StoreError) as e:
        click.echo(str(e), err=True)
        say(Text("The push stopped; run it again: it continues where it stopped.",
                 "Pushen avbröts; kör den igen: den fortsätter där den slutade."), lg,
            err=True)
        sys.exit(1)
    if fmt == "json":
        for c in result.changes:
            click.echo(json.dumps(report.change_json(c, tz), ensure_ascii=False))
        click.echo(json.dumps({"summary": report.summary(result, lg)}, ensure_ascii=False))
        return
    for line in report.change_lines(result.changes, tz, lg):
        click.echo(line)
    click.echo(report.summary_line(result, lg))


if __name__ == "__main__":  # pragma: no cover
    main()
