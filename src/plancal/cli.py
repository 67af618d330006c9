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
        "--lang",
        type=click.Choice(["sv", "en"]),
        default=None,
        help="Language of the output (default: from PLANCAL_LANG / LANG). Språk.",
    )(f)


def db_option(f: F) -> F:
    return click.option(
        "--db",
        "db_url",
        metavar="URL",
        default=None,
        help="State store: a SQLite path or postgresql://… (default: PLANCAL_DB, or a SQLite "
        "file in the user's state directory).",
    )(f)


def settings_option(f: F) -> F:
    return click.option(
        "--config",
        type=click.Path(dir_okay=False, path_type=Path),
        default=None,
        help="Settings file (default: PLANCAL_CONFIG or ~/.config/plancal/plancal.toml).",
    )(f)


def resolve_lang(lang: str | None) -> Lang:
    return lang if lang in ("sv", "en") else default_lang()  # type: ignore[return-value]


def say(text: Text, lang: Lang, err: bool = False, **values: Any) -> None:
    click.echo(text.render(lang, **values), err=err)


def fail_with_plan_problems(problems: Any, lang: Lang) -> NoReturn:
    for p in problems:
        click.echo(p.render(lang), err=True)
    errors = sum(1 for p in problems if p.severity == "error")
    say(
        Text("{n} problem(s); nothing was written.", "{n} problem; inget skrevs."),
        lang,
        err=True,
        n=errors,
    )
    sys.exit(1)


def schedule_or_exit(plan: Path, lang: Lang) -> Any:
    """The compiled plan, its warnings printed; or every problem printed and exit 1."""
    from plancal.core import check

    checked = check(plan)
    if checked.schedule is None:
        fail_with_plan_problems(checked.problems, lang)
    for p in checked.warnings:
        click.echo(p.render(lang), err=True)
    return checked.schedule


def parse_day(value: str | None, lang: Lang, option: str) -> date | None:
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            Text(
                "{value!r} is not a date; write YYYY-MM-DD",
                "{value!r} är inget datum; skriv ÅÅÅÅ-MM-DD",
            ).render(lang, value=value),
            param_hint=option,
        ) from None


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
        say(
            Text("{n} error(s) in {file}.", "{n} fel i {file}."),
            lg,
            err=True,
            n=len(checked.errors),
            file=plan,
        )
        sys.exit(1)
    s = checked.schedule
    say(
        Text(
            "{file}: OK – {activities} activities ({undated} without fixed time), {series} "
            "calendar events, {occurrences} meetings, {deadlines} follow-up deadlines.",
            "{file}: OK – {activities} aktiviteter ({undated} utan fast tid), {series} "
            "kalenderhändelser, {occurrences} möten, {deadlines} uppföljningsdatum.",
        ),
        lg,
        file=plan,
        activities=len(s.plan.activities),
        undated=len(s.as_needed),
        series=len(s.series),
        occurrences=len(s.occurrences()),
        deadlines=len(s.deadlines),
    )


@main.command()
@PLAN_ARG
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", metavar="DATE", help="Last day (YYYY-MM-DD), inclusive.")
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
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per line.",
)
@lang_option
def agenda(
    plan: Path,
    start: str | None,
    end: str | None,
    activities: tuple[str, ...],
    kind: str,
    cancelled: bool,
    fmt: str,
    lang: str | None,
) -> None:
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
            Text(
                "unknown activity {ids}; known: {known}", "okänd aktivitet {ids}; kända: {known}"
            ).render(lg, ids=", ".join(unknown), known=", ".join(schedule.plan.activity_by_id)),
            param_hint="--activity",
        )
    kinds: tuple[ag.Kind, ...] = {
        "all": ("meeting", "deadline", "as-needed"),
        "meetings": ("meeting", "as-needed"),
        "deadlines": ("deadline",),
    }[kind]  # type: ignore[assignment]
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
@click.option(
    "--out",
    "out_dir",
    required=True,
    type=click.Path(file_okay=False, path_type=Path),
    help="Folder for the feeds.",
)
@db_option
@lang_option
def compile_cmd(plan: Path, out_dir: Path, db_url: str | None, lang: str | None) -> None:
    """Compile the plan into iCalendar feeds (whole plan, per role, public, deadlines)."""
    from plancal.rules.errors import PlanError
    from plancal.scheduler.clock import utcnow
    from plancal.scheduler.publish import publish
    from plancal.scheduler.store import StoreError

    lg = resolve_lang(lang)
    schedule = schedule_or_exit(plan, lg)
    try:
        with open_store(db_url) as store:
            written = publish(schedule, out_dir, store, utcnow())
    except PlanError as e:  # the settings file
        fail_with_plan_problems(e.problems, lg)
    except StoreError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    except OSError as e:
        say(
            Text("cannot write to {dir}: {error}", "kan inte skriva till {dir}: {error}"),
            lg,
            err=True,
            dir=out_dir,
            error=e.strerror or str(e),
        )
        sys.exit(1)
    for w in written:
        mark = "*" if w.changed else " "
        click.echo(
            f"{mark} {w.path}  {w.events:>4} events  {w.size:>8} bytes"
            + ("  (public)" if w.feed.public else "")
        )
    say(
        Text("{n} feeds in {dir} (* = changed).", "{n} flöden i {dir} (* = ändrat)."),
        lg,
        n=len(written),
        dir=out_dir,
    )


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
@settings_option
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


# --- Reminders and the daemon (issue 4) ---


def parse_now(value: str | None, lang: Lang, tz: Any) -> Any:
    """--now: an ISO 8601 time; without an offset it is the plan's local time."""
    from datetime import datetime

    if value is None:
        return None
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise click.BadParameter(
            Text(
                "{value!r} is not a time; write e.g. 2023-01-23T09:00",
                "{value!r} är ingen tidpunkt; skriv t.ex. 2023-01-23T09:00",
            ).render(lang, value=value),
            param_hint="--now",
        ) from None
    return moment if moment.tzinfo else moment.replace(tzinfo=tz)


def load_for_reminders(plan: Path, config: Path | None, lang: Lang) -> Any:
    """The checked plan and the settings, or the problems and exit 1."""
    from plancal import settings
    from plancal.rules.errors import PlanError

    schedule = schedule_or_exit(plan, lang)
    try:
        loaded = settings.load(config)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lang)
    return schedule, loaded


@main.command()
@PLAN_ARG
@click.option(
    "--dry-run", is_flag=True, help="List what is owed now and what the outbox holds; send nothing."
)
@click.option(
    "--now",
    "at",
    metavar="TIME",
    help="Act as if it were this time (ISO 8601; plan-local without an offset).",
)
@db_option
@settings_option
@lang_option
def remind(
    plan: Path,
    dry_run: bool,
    at: str | None,
    db_url: str | None,
    config: Path | None,
    lang: str | None,
) -> None:
    """Send the follow-up reminders owed now; each goes out once, however often this runs."""
    import logging

    from plancal.rules.errors import PlanError
    from plancal.scheduler import report
    from plancal.scheduler.clock import utcnow
    from plancal.scheduler.dispatch import tick, worker_id
    from plancal.scheduler.mail import SmtpMailer, smtp_settings
    from plancal.scheduler.outbox import Outbox
    from plancal.scheduler.store import Store, StoreError

    logging.getLogger("plancal").addHandler(logging.NullHandler())  # the summary says it all
    lg = resolve_lang(lang)
    schedule, loaded = load_for_reminders(plan, config, lg)
    late_days = loaded.get("reminders", "late_days")
    fixed = parse_now(at, lg, schedule.plan.tz)
    try:
        smtp = None if dry_run else smtp_settings(loaded)
        with Store(db_url or loaded.get("store", "url")) as store:
            outbox = Outbox(store)
            if smtp is None:  # --dry-run
                now = fixed or utcnow()
                for line in report.lines(
                    schedule, report.preview(schedule, outbox, now, late_days), now, lg
                ):
                    click.echo(line)
                return
            worker, sent, failed, stopped = worker_id(), 0, 0, None
            with SmtpMailer(smtp) as mailer:
                while True:  # batch by batch, each with its own lease time
                    now = fixed or utcnow()
                    outcome = tick(schedule, outbox, mailer, now, worker, late_days=late_days)
                    for row in outcome.sent:
                        r = row.reminder
                        click.echo(
                            f"{r.recipient} <{r.address}>  {r.deadline}  {r.due}"
                            + ("  [late]" if row.late else "")
                        )
                    sent, failed = sent + len(outcome.sent), failed + len(outcome.failed)
                    stopped = outcome.stopped
                    if not outcome.more or stopped:
                        break
    except PlanError as e:  # the settings
        fail_with_plan_problems(e.problems, lg)
    except StoreError as e:
        click.echo(str(e), err=True)
        sys.exit(1)
    say(
        Text(
            "{sent} reminder(s) sent, {failed} refused by the server.",
            "{sent} påminnelse(r) skickade, {failed} avvisade av servern.",
        ),
        lg,
        sent=sent,
        failed=failed,
    )
    if stopped:
        say(
            Text(
                "Stopped: {error}. The rest stays owed and goes out on the next run.",
                "Avbrutet: {error}. Resten ligger kvar och skickas nästa gång.",
            ),
            lg,
            err=True,
            error=stopped,
        )
    if stopped or failed:
        sys.exit(1)


@main.command()
@PLAN_ARG
@click.option(
    "--out",
    "out_dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Folder for the feeds (default: the [daemon] out setting).",
)
@db_option
@settings_option
@lang_option
def run(
    plan: Path, out_dir: Path | None, db_url: str | None, config: Path | None, lang: str | None
) -> None:
    """Run as a service: reminders every minute, feeds recompiled at an interval.

    One instance per plan and store; SIGTERM stops it cleanly. Logs are JSON lines on stderr.
    """
    from plancal.rules.errors import PlanError
    from plancal.scheduler import daemon
    from plancal.scheduler.mail import smtp_settings
    from plancal.scheduler.store import Store, StoreError

    lg = resolve_lang(lang)
    schedule, loaded = load_for_reminders(plan, config, lg)
    try:
        smtp = smtp_settings(loaded)
        push = daemon.configured_push(loaded)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)
    out = out_dir or (Path(loaded.get("daemon", "out")) if loaded.get("daemon", "out") else None)
    try:
        with (
            Store(db_url or loaded.get("store", "url")) as store,
            daemon.single_instance(store, schedule.plan.id),
        ):
            daemon.configure_logging()
            service = daemon.Daemon(
                plan, store, smtp, loaded.get("reminders", "late_days"), out, push
            )
            daemon.serve(
                service,
                loaded.get("daemon", "reminder_every"),
                loaded.get("daemon", "publish_every"),
            )
    except (StoreError, daemon.AlreadyRunning) as e:
        click.echo(str(e), err=True)
        sys.exit(1)


# --- Rescheduling (issue 5) ---


def edit_options(f: F) -> F:
    """What every command that edits the plan takes."""
    for option in reversed(
        [
            click.option("--yes", "-y", is_flag=True, help="Write without asking."),
            click.option("--dry-run", is_flag=True, help="Only show the impact; write nothing."),
            click.option(
                "--format",
                "fmt",
                type=click.Choice(["text", "json"]),
                default="text",
                show_default=True,
                help="json: one object, for scripts.",
            ),
            lang_option,
        ]
    ):
        f = option(f)
    return f


def parse_when(value: str, lang: Lang, param: str) -> Any:
    """A date, or a date and time (2023-03-15 14:00, 2023-03-15T14:00, 2023-03-15 14.00)."""
    from plancal.rules.errors import Problems, Where
    from plancal.rules.schema import INVALID, DateTimeK

    parsed = DateTimeK().check(value.replace("T", " "), Where(param), Problems())
    if parsed is INVALID:
        raise click.BadParameter(
            Text(
                "{value!r} is not a date and time; write e.g. 2023-03-15 14:00",
                "{value!r} är inte datum och tid; skriv t.ex. 2023-03-15 14.00",
            ).render(lang, value=value),
            param_hint=param,
        )
    return parsed


def parse_break_day(value: str, lang: Lang, param: str) -> Any:
    """A date (this break once) or MM-DD (every year)."""
    import re

    if m := re.fullmatch(r"(\d\d)-(\d\d)", value.strip()):
        try:
            date(2024, int(m.group(1)), int(m.group(2)))  # a leap year: 02-29 is a day
            return (int(m.group(1)), int(m.group(2)))
        except ValueError:
            pass
    else:
        try:
            return date.fromisoformat(value.strip())
        except ValueError:
            pass
    raise click.BadParameter(
        Text(
            "{value!r} is neither a date (2023-06-26) nor MM-DD (06-26, every year)",
            "{value!r} är varken ett datum (2023-06-26) eller MM-DD (06-26, varje år)",
        ).render(lang, value=value),
        param_hint=param,
    )


def run_edit(
    plan: Path,
    make: Callable[[Any], Any],
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: str | None,
    adds_break: bool = False,
) -> None:
    """Show the impact of one edit, ask, write: the flow every rescheduling command shares."""
    from plancal import reschedule
    from plancal.impact import text_lines, to_json
    from plancal.rules.errors import PlanError

    lg = resolve_lang(lang)
    try:
        proposal = reschedule.prepare(plan, make, adds_break)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)
    if fmt == "text":
        for line in text_lines(proposal.impact, lg):
            click.echo(line)
    written = False
    if not dry_run and proposal.data != proposal.plan_file.raw:
        question = Text("Write this change to {file}?", "Skriva ändringen till {file}?")
        try:
            go = yes or click.confirm(question.render(lg, file=plan), default=False, err=True)
        except click.Abort:  # no answer (end of input): as good as no
            click.echo("", err=True)
            go = False
        if go:
            try:
                reschedule.write(proposal)
            except PlanError as e:
                fail_with_plan_problems(e.problems, lg)
            written = True
    if fmt == "json":
        import json

        click.echo(
            json.dumps(to_json(proposal.impact, lg) | {"written": written}, ensure_ascii=False)
        )
    elif written:
        say(
            Text(
                "Wrote {file}. `plancal compile` brings the feeds up to date.",
                "Skrev {file}. `plancal compile` uppdaterar flödena.",
            ),
            lg,
            file=plan,
        )
    elif not dry_run:
        say(Text("Nothing was written.", "Inget skrevs."), lg, err=True)
    if not written and not dry_run:
        sys.exit(1)


@main.group("break")
def break_group() -> None:
    """Breaks (uppehåll): periods when meetings pause, e.g. the summer."""


@break_group.command("add")
@PLAN_ARG
@click.argument("name")
@click.argument("start", metavar="FROM")
@click.argument("end", metavar="TO")
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
    start: str,
    end: str,
    policy: str | None,
    break_id: str | None,
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: str | None,
) -> None:
    """Add a break FROM–TO (dates, or MM-DD for every year); shows what it touches first."""
    lg = resolve_lang(lang)
    first, last = parse_break_day(start, lg, "FROM"), parse_break_day(end, lg, "TO")
    run_edit(
        plan,
        lambda ed: ed.add_break(name, first, last, policy, break_id),
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
def break_remove(
    plan: Path, break_id: str, yes: bool, dry_run: bool, fmt: str, lang: str | None
) -> None:
    """Remove a break; the meetings it paused come back."""
    run_edit(plan, lambda ed: ed.remove_break(break_id), yes, dry_run, fmt, lang)


@break_group.command("list")
@PLAN_ARG
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@lang_option
def break_list(plan: Path, fmt: str, lang: str | None) -> None:
    """The plan's breaks, and what each one skips, moves and keeps."""
    from plancal import reschedule
    from plancal.rules.errors import PlanError

    lg = resolve_lang(lang)
    try:
        infos = reschedule.breaks(plan)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)

    def day(value: Any) -> str:
        return value.isoformat() if isinstance(value, date) else f"{value[0]:02d}-{value[1]:02d}"

    if fmt == "json":
        import json

        for info in infos:
            b = info.brk
            click.echo(
                json.dumps(
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
                    ensure_ascii=False,
                )
            )
        return
    if not infos:
        say(Text("The plan has no breaks.", "Planen har inga uppehåll."), lg)
    for info in infos:
        b = info.brk
        yearly = Text(" (every year)", " (varje år)").render(lg) if b.yearly else ""
        policy = b.policy or Text("plan default", "planens standard").render(lg)
        click.echo(f"{b.id}  {b.name}  {day(b.start)} – {day(b.end)}{yearly}  [{policy}]")
        say(
            Text(
                "  skips {skipped}, moves {moved}, keeps {kept} occurrence(s)",
                "  ställer in {skipped}, flyttar {moved}, behåller {kept} tillfälle(n)",
            ),
            lg,
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
@click.argument("day", metavar="DATE")
@edit_options
def skip(
    plan: Path, activity: str, day: str, yes: bool, dry_run: bool, fmt: str, lang: str | None
) -> None:
    """Skip one occurrence of an activity (the one on DATE)."""
    lg = resolve_lang(lang)
    when = parse_day(day, lg, "DATE")
    run_edit(plan, lambda ed: ed.skip(activity, when), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("day", metavar="DATE")
@click.option(
    "--to",
    "to",
    required=True,
    metavar="DATETIME",
    help="New date and time (2023-03-15 14:00); a date alone keeps the time.",
)
@edit_options
def move(
    plan: Path,
    activity: str,
    day: str,
    to: str,
    yes: bool,
    dry_run: bool,
    fmt: str,
    lang: str | None,
) -> None:
    """Move the occurrence of an activity on DATE to another date and time."""
    lg = resolve_lang(lang)
    when, target = parse_day(day, lg, "DATE"), parse_when(to, lg, "--to")
    run_edit(plan, lambda ed: ed.move(activity, when, target), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.argument("when", metavar="DATETIME")
@edit_options
def add(
    plan: Path, activity: str, when: str, yes: bool, dry_run: bool, fmt: str, lang: str | None
) -> None:
    """Add an extra occurrence of an activity (a date alone takes the activity's time)."""
    lg = resolve_lang(lang)
    slot = parse_when(when, lg, "DATETIME")
    run_edit(plan, lambda ed: ed.add(activity, slot), yes, dry_run, fmt, lang)


@main.command()
@PLAN_ARG
@click.argument("activity")
@click.option(
    "--from",
    "start",
    required=True,
    metavar="DATE",
    help="First day without the activity (YYYY-MM-DD).",
)
@edit_options
def cancel(
    plan: Path, activity: str, start: str, yes: bool, dry_run: bool, fmt: str, lang: str | None
) -> None:
    """End an activity's series from DATE on (it runs until the day before)."""
    lg = resolve_lang(lang)
    first = parse_day(start, lg, "--from")
    run_edit(plan, lambda ed: ed.cancel_from(activity, first), yes, dry_run, fmt, lang)


@main.command("diff")
@click.argument("old", type=click.Path(dir_okay=False, path_type=Path))
@click.argument("new", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True
)
@lang_option
def diff_cmd(old: Path, new: Path, fmt: str, lang: str | None) -> None:
    """What changes in the calendars between two versions of a plan file.

    For review in git: plancal diff <(git show HEAD:plan.yaml) plan.yaml
    """
    from plancal import reschedule
    from plancal.impact import text_lines, to_json
    from plancal.rules.errors import PlanError

    lg = resolve_lang(lang)
    try:
        impact = reschedule.compare(old, new)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)
    if fmt == "json":
        import json

        click.echo(json.dumps(to_json(impact, lg), ensure_ascii=False))
        return
    for line in text_lines(impact, lg):
        click.echo(line)


# --- Feed server (issue 6) ---


def check_base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    import re

    if value is not None and not re.fullmatch(r"https?://[^\s/]+(/\S*)?", value):
        raise click.BadParameter(
            Text(
                "{value!r} is not a web address; write e.g. https://kalender.example.se/",
                "{value!r} är ingen webbadress; skriv t.ex. https://kalender.example.se/",
            ).render(default_lang(), value=value)
        )
    return value


BASE_URL = click.option(
    "--base-url",
    default=None,
    metavar="URL",
    callback=check_base_url,
    help="Public address people subscribe to (default: [server] base_url, "
    "else the plan's feeds url).",
)


def load_server_settings(config: Path | None, lang: Lang) -> Any:
    from plancal import settings
    from plancal.rules.errors import PlanError

    try:
        return settings.load(config)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lang)


def load_checked_schedule(plan: Path, lang: Lang) -> Any:
    from plancal.core import check

    checked = check(plan)
    if checked.schedule is None:
        fail_with_plan_problems(checked.problems, lang)
    for p in checked.warnings:
        click.echo(p.render(lang), err=True)
    return checked.schedule


def store_or_exit(db_url: str | None, config: Path | None) -> Any:
    from plancal.scheduler.store import StoreError

    try:
        return open_store(db_url, config)
    except StoreError as e:
        click.echo(str(e), err=True)
        sys.exit(1)


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
    lang: str | None,
) -> None:
    """Serve the feeds and the public page over HTTP; follows changes to the plan file."""
    import logging

    from plancal.rules.errors import PlanError
    from plancal.scheduler import serve as server
    from plancal.scheduler.clock import utcnow

    lg = resolve_lang(lang)
    conf = load_server_settings(config, lg)
    options = server.Options(
        host=host or conf.get("server", "host"),
        port=conf.get("server", "port") if port is None else port,
        base_url=base_url or conf.get("server", "base_url"),
        interval=conf.get("server", "reload"),
        max_age=conf.get("server", "max_age"),
        access_log=conf.get("server", "access_log"),
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
            lg,
            host=shown,
            port=bound,
            base=base,
        )

    store = store_or_exit(db_url, config)
    try:
        server.serve(plan, store, options, utcnow, ready, lg)
    except PlanError as e:
        fail_with_plan_problems(e.problems, lg)
    except OSError as e:
        say(
            Text(
                "cannot listen on {host}:{port}: {error}",
                "kan inte lyssna på {host}:{port}: {error}",
            ),
            lg,
            err=True,
            host=options.host,
            port=options.port,
            error=e.strerror or str(e),
        )
        sys.exit(1)
    finally:
        store.close()


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
    lang: str | None,
) -> None:
    """Write the public page, the public feed and each token's feeds as static files."""
    from plancal.scheduler import site, tokens
    from plancal.scheduler.clock import utcnow

    lg = resolve_lang(lang)
    conf = load_server_settings(config, lg)
    schedule = load_checked_schedule(plan, lg)
    base = base_url or conf.get("server", "base_url") or schedule.plan.url
    if not base:
        raise click.UsageError(
            Text(
                "where will the files be published? Give --base-url https://… (or [server] "
                "base_url, or url: in the plan)",
                "var publiceras filerna? Ange --base-url https://… (eller [server] base_url, eller "
                "url: i planen)",
            ).render(lg)
        )
    base = base if base.endswith("/") else base + "/"
    store = store_or_exit(db_url, config)
    try:
        grants = tokens.rederive(store, conf.get("server", "token_key"), schedule.plan.id)
        built = site.build(schedule, store, utcnow(), base)
        written = site.export(built, out_dir, [(t, info.feeds) for t, info in grants])
    except tokens.TokenError as e:
        click.echo(e.render(lg), err=True)
        sys.exit(1)
    except OSError as e:
        say(
            Text("cannot write to {dir}: {error}", "kan inte skriva till {dir}: {error}"),
            lg,
            err=True,
            dir=out_dir,
            error=e.strerror or str(e),
        )
        sys.exit(1)
    finally:
        store.close()
    say(
        Text(
            "{n} files in {dir}: the public page, the public feed and the feeds of {t} "
            "token(s) under t/ (keep directory listing off on the web host).",
            "{n} filer i {dir}: den offentliga sidan, det offentliga flödet och flödena för "
            "{t} token under t/ (stäng av kataloglistning på webbservern).",
        ),
        lg,
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
    lang: str | None,
) -> None:
    """Create a token for some private feeds and print its URLs (the only time they show)."""
    from plancal.calendars.feeds import feeds_for
    from plancal.scheduler import tokens
    from plancal.scheduler.clock import utcnow

    lg = resolve_lang(lang)
    conf = load_server_settings(config, lg)
    schedule = load_checked_schedule(plan, lg)
    private = [f.slug for f in feeds_for(schedule.plan) if not f.public]
    store = store_or_exit(db_url, config)
    try:
        secret, info = tokens.create(
            store,
            conf.get("server", "token_key"),
            schedule.plan.id,
            feeds,
            private,
            label[:200],
            utcnow(),
        )
    except tokens.TokenError as e:
        click.echo(e.render(lg), err=True)
        sys.exit(1)
    finally:
        store.close()
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
        lg,
        id=info.id,
    )
    for slug in info.feeds:
        click.echo(f"  {base}t/{secret}/{slug}.ics")


@token.command("list")
@PLAN_ARG
@db_option
@settings_option
@lang_option
def token_list(plan: Path, db_url: str | None, config: Path | None, lang: str | None) -> None:
    """List the plan's tokens: id, label, feeds, created, revoked (never the token)."""
    from plancal.scheduler import tokens

    lg = resolve_lang(lang)
    load_server_settings(config, lg)
    schedule = load_checked_schedule(plan, lg)
    store = store_or_exit(db_url, config)
    try:
        infos = tokens.listing(store, schedule.plan.id)
    finally:
        store.close()
    if not infos:
        say(Text("No tokens.", "Inga token."), lg)
    for i in infos:
        state = (
            Text("revoked {at}", "återkallad {at}").render(lg, at=f"{i.revoked:%Y-%m-%d %H:%M}Z")
            if i.revoked
            else Text("active", "aktiv").render(lg)
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
    plan: Path, token_id: str, db_url: str | None, config: Path | None, lang: str | None
) -> None:
    """Revoke a token by its id: its URLs answer 404 within one reload interval."""
    from plancal.scheduler import tokens
    from plancal.scheduler.clock import utcnow

    lg = resolve_lang(lang)
    load_server_settings(config, lg)
    schedule = load_checked_schedule(plan, lg)
    store = store_or_exit(db_url, config)
    try:
        info = tokens.revoke(store, schedule.plan.id, token_id, utcnow())
    except tokens.TokenError as e:
        click.echo(e.render(lg), err=True)
        sys.exit(1)
    finally:
        store.close()
    say(
        Text("Token {id} revoked ({feeds}).", "Token {id} återkallad ({feeds})."),
        lg,
        id=info.id,
        feeds=" ".join(info.feeds),
    )


# --- Exchange (issue 3) ---


@main.group()
def push() -> None:
    """Push the plan's meetings into a calendar system (invitations are sent from there)."""


@push.command("exchange")
@PLAN_ARG
@click.option(
    "--dry-run", is_flag=True, help="Show the changes and who would hear of them; write nothing."
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object per change, then a summary.",
)
@settings_option
@db_option
@lang_option
def push_exchange(
    plan: Path, dry_run: bool, fmt: str, config: Path | None, db_url: str | None, lang: str | None
) -> None:
    """Create, update and cancel the plan's meetings in the organizer's Exchange calendar."""
    import json

    from plancal import settings as settings_mod
    from plancal.calendars import push as report
    from plancal.calendars.exchange import ExchangeError, push_plan
    from plancal.rules.errors import PlanError
    from plancal.scheduler.store import StoreError

    lg = resolve_lang(lang)
    schedule = schedule_or_exit(plan, lg)
    tz = schedule.plan.tz

    def progress(done: int, total: int) -> None:
        if fmt == "text" and total >= 50:
            say(
                Text("  {done}/{total} written", "  {done}/{total} skrivna"),
                lg,
                err=True,
                done=done,
                total=total,
            )

    try:
        loaded = settings_mod.load(config)
        with open_store(db_url, config) as store:
            result = push_plan(schedule, loaded, store, dry_run=dry_run, progress=progress)
    except PlanError as e:  # the plan asks what Exchange cannot hold, or a missing setting
        fail_with_plan_problems(e.problems, lg)
    except (ExchangeError, report.PushError, StoreError) as e:
        click.echo(str(e), err=True)
        say(
            Text(
                "The push stopped; run it again: it continues where it stopped.",
                "Pushen avbröts; kör den igen: den fortsätter där den slutade.",
            ),
            lg,
            err=True,
        )
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
