"""Reading the plan: validate, agenda, conflicts, compile, schema, and the settings (config)."""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import click

from plancal.cli import main
from plancal.cli.options import (
    DATE,
    PLAN_ARG,
    checked_plan,
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
@click.argument("plan", metavar="PLAN|PLANS_DIR", type=click.Path(path_type=Path))
@lang_option
def validate(plan: Path, lang: Lang) -> None:
    """Check a plan file, or every plan in a folder; list every problem with file and line.

    For a folder, each plan is checked on its own (a broken one hides nothing of the others),
    plan ids must be unique, and people shared by e-mail address are checked for double
    bookings across the plans. Exit 1 on any error.
    """
    if plan.is_dir():
        validate_region(plan, lang)
        return
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


def validate_region(folder: Path, lang: Lang) -> None:
    from plancal.app import region

    region.plan_paths([folder])  # at least one plan file, or a clear error
    loaded = region.load(folder)
    broken = loaded.broken
    for p in loaded.problems:
        click.echo(p.render(lang), err=p.severity == "error")
    for m in loaded.members:
        if m.path in broken:
            say(
                Text("{file}: {n} error(s).", "{file}: {n} fel."),
                lang,
                err=True,
                file=m.path,
                n=len(broken[m.path]),
            )
        elif m.schedule is not None:
            s = m.schedule
            say(
                Text(
                    "{file}: OK – {activities} activities, {occurrences} meetings, "
                    "{deadlines} follow-up deadlines.",
                    "{file}: OK – {activities} aktiviteter, {occurrences} möten, "
                    "{deadlines} uppföljningsdatum.",
                ),
                lang,
                file=m.path,
                activities=len(s.plan.activities),
                occurrences=len(s.occurrences()),
                deadlines=len(s.deadlines),
            )
    shared = region.across(loaded)
    for p in shared:
        click.echo(p.render(lang))
    say(
        Text(
            "{ok} of {n} plan(s) OK; {shared} double booking(s) across plans.",
            "{ok} av {n} plan(er) OK; {shared} dubbelbokning(ar) mellan planerna.",
        ),
        lang,
        ok=len(loaded.members) - len(broken),
        n=len(loaded.members),
        shared=len(shared),
    )
    if broken:
        raise SystemExit(1)


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
@click.option(
    "--ids", is_flag=True, help="Show each activity's id, as the editing commands take it."
)
@format_option("json: one object per line.")
@lang_option
def agenda(
    plan: Path,
    start: date | None,
    end: date | None,
    activities: tuple[str, ...],
    kind: str,
    cancelled: bool,
    ids: bool,
    fmt: str,
    lang: Lang,
) -> None:
    """List the plan's meetings and follow-up deadlines, in time order."""
    from plancal.app import agenda as ag

    checked = checked_plan(plan, lang, calendars=False)
    schedule = checked.schedule
    assert schedule is not None
    unknown = [a for a in activities if a not in schedule.plan.activity_by_id]
    if unknown:
        from plancal.rules.names import activity_hint

        raise click.BadParameter(
            Text("unknown activity {id}; {hint}", "okänd aktivitet {id}; {hint}").render(
                lang, id=unknown[0], hint=activity_hint(schedule.plan, unknown[0]).render(lang)
            ),
            param_hint="--activity",
        )
    kinds: tuple[ag.Kind, ...] = {
        "all": ("meeting", "deadline", "as-needed"),
        "meetings": ("meeting", "as-needed"),
        "deadlines": ("deadline",),
    }[kind]  # type: ignore[assignment]
    items = ag.rows(
        schedule,
        lang,
        start,
        end,
        activities or None,
        kinds,
        cancelled,
        double_bookings=checked.double_bookings,  # the check's sweep, not a second one
    )
    if fmt == "json":
        from plancal import jsonlines

        for item in items:
            click.echo(jsonlines.dumps(item.to_json()))
        return
    for line in ag.text_lines(items, lang, ids):
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
@click.option(
    "--markdown",
    is_flag=True,
    help="Print the reference of the plan format in Swedish (docs/planformat.md) instead.",
)
@lang_option
def schema(markdown: bool, lang: Lang) -> None:
    """Print the JSON Schema of the plan file, for editors that complete and check YAML."""
    if markdown:
        from plancal.rules.reference import markdown as reference

        click.echo(reference(), nl=False)
        return
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


# --- a first plan ------------------------------------------------------------------------------


def _pair(text: str, option: str, lang: Lang) -> tuple[str, str]:
    """ "Titel=värde" from an option; a usage error in the invocation's language otherwise."""
    name, sep, value = text.partition("=")
    if not sep or not name.strip() or not value.strip():
        raise click.UsageError(
            Text(
                "{option} takes NAME=VALUE, e.g. {option} 'Lägesbild=Varje tisdag kl. 10.00'",
                "{option} tar NAMN=VÄRDE, t.ex. {option} 'Lägesbild=Varje tisdag kl. 10.00'",
            ).render(lang, option=option)
        )
    return name.strip(), value.strip()


def _ask(question: Text, lang: Lang, check: Any = None, default: str | None = None) -> str:
    """One answer; asked again, with what is wrong, until ``check`` accepts it."""
    while True:
        shown = question.render(lang) + (f" [{default}]" if default else "") + ": "
        answer = click.prompt(shown, default=default or "", show_default=False, prompt_suffix="")
        answer = str(answer).strip()
        problem = check(answer) if check else None
        if problem is None:
            return answer
        click.echo(f"  {problem}", err=True)


def _date_problem(lang: Lang) -> Any:
    from plancal.rules.schema import date_trouble

    def check(answer: str) -> str | None:
        try:
            date.fromisoformat(answer)
            return None
        except ValueError:
            trouble = date_trouble(answer)
            why = trouble.render(lang) if trouble else None
            return why or Text("write YYYY-MM-DD", "skriv ÅÅÅÅ-MM-DD").render(lang)

    return check


def _when_problem(lang: Lang, yearly: bool) -> Any:
    from plancal.rules import cadence

    def check(answer: str) -> str | None:
        if not answer:
            return None
        text = f"{answer} ggr/år" if yearly and answer.isdigit() else answer
        try:
            cadence.parse(text)
            return None
        except cadence.CadenceError as e:
            hint = f" – {e.hint.render(lang)}" if e.hint else ""
            return e.message.render(lang) + hint

    return check


def _email_problem(lang: Lang) -> Any:
    def check(answer: str) -> str | None:
        if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", answer):
            return None
        return Text(
            "write an e-mail address, e.g. kommunpolis@polisen.se",
            "skriv en e-postadress, t.ex. kommunpolis@polisen.se",
        ).render(lang)

    return check


@main.command()
@click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--municipality", default=None, help="The municipality (kommun), e.g. Söderhamn.")
@click.option("--from", "start", type=DATE, metavar="DATE", help="First day of the plan.")
@click.option("--to", "end", type=DATE, metavar="DATE", help="Last day of the plan.")
@click.option(
    "--weekly",
    multiple=True,
    metavar="TITLE=WHEN",
    help="A weekly meeting, e.g. 'Lägesbild=Varje tisdag kl. 10.00' (repeatable).",
)
@click.option(
    "--per-year",
    multiple=True,
    metavar="TITLE=N",
    help="A meeting N times a year, e.g. 'Styrgrupp=4' (repeatable).",
)
@click.option(
    "--role",
    "roles",
    multiple=True,
    metavar="NAME=EMAIL",
    help="A role and its address, e.g. 'Kommunpolis=kommunpolis@polisen.se' (repeatable).",
)
@click.option("--place", default=None, help="Where meetings usually are.")
@lang_option
def init(
    plan: Path,
    municipality: str | None,
    start: date | None,
    end: date | None,
    weekly: tuple[str, ...],
    per_year: tuple[str, ...],
    roles: tuple[str, ...],
    place: str | None,
    lang: Lang,
) -> None:
    """Write a first plan file from a few questions (or from the options, without questions)."""
    from plancal.app.newplan import Answers, Meeting, create
    from plancal.scheduler.clock import utcnow

    asking = municipality is None
    if asking:
        say(
            Text(
                "A few questions, and plancal writes a first plan to {file}. An empty answer "
                "ends a list.",
                "Några frågor, så skriver plancal en första plan till {file}. Ett tomt svar "
                "avslutar en lista.",
            ),
            lang,
            file=plan,
        )
        municipality = _ask(Text("Municipality", "Kommun"), lang, lambda a: None if a else "–")
    if start is None:
        if not asking:
            raise click.UsageError(Text("give --from DATE", "ange --from DATUM").render(lang))
        this_year = utcnow().year
        start = date.fromisoformat(
            _ask(
                Text("First day of the plan", "Planens första dag"),
                lang,
                _date_problem(lang),
                f"{this_year}-01-01",
            )
        )
    if end is None:
        if not asking:
            raise click.UsageError(Text("give --to DATE", "ange --to DATUM").render(lang))
        end = date.fromisoformat(
            _ask(
                Text("Last day of the plan", "Planens sista dag"),
                lang,
                _date_problem(lang),
                f"{start.year + 1}-12-31",
            )
        )
    weekly_meetings = [Meeting(*_pair(w, "--weekly", lang)) for w in weekly]
    yearly_meetings = [Meeting(*_pair(p, "--per-year", lang)) for p in per_year]
    role_pairs = [_pair(r, "--role", lang) for r in roles]
    if asking:
        while title := _ask(
            Text("A weekly meeting (title)", "Ett möte varje vecka (rubrik)"), lang
        ):
            when = _ask(
                Text("  When? e.g. Varje måndag kl. 14.00", "  När? t.ex. Varje måndag kl. 14.00"),
                lang,
                _when_problem(lang, yearly=False),
            )
            weekly_meetings.append(Meeting(title, when or "Varje måndag kl. 14.00"))
        while title := _ask(
            Text("A meeting a few times a year (title)", "Ett möte några gånger om året (rubrik)"),
            lang,
        ):
            n = _ask(
                Text("  How many times a year?", "  Hur många gånger om året?"),
                lang,
                _when_problem(lang, yearly=True),
                "4",
            )
            yearly_meetings.append(Meeting(title, n))
        while name := _ask(Text("A role (name)", "En roll (namn)"), lang):
            email = _ask(
                Text("  Its e-mail address", "  Rollens e-postadress"), lang, _email_problem(lang)
            )
            role_pairs.append((name, email))
        if place is None:
            place = _ask(Text("Usual place (may be empty)", "Vanlig plats (får vara tom)"), lang)
    if not role_pairs:
        raise click.UsageError(
            Text(
                "a plan needs at least one role with an address (--role 'Kommunpolis=…')",
                "en plan behöver minst en roll med adress (--role 'Kommunpolis=…')",
            ).render(lang)
        )
    yearly_meetings = [
        Meeting(m.title, f"{m.when} ggr/år" if m.when.isdigit() else m.when)
        for m in yearly_meetings
    ]
    answers = Answers(
        municipality or "",
        start,
        end,
        tuple(role_pairs),
        tuple(weekly_meetings),
        tuple(yearly_meetings),
        place or None,
    )
    create(plan, answers, utcnow().date())
    say(
        Text(
            "Wrote {file}. Next: plancal validate {file}, then plancal agenda {file}. The "
            "format is described in docs/planformat.md.",
            "Skrev {file}. Nästa steg: plancal validate {file}, sedan plancal agenda {file}. "
            "Formatet beskrivs i docs/planformat.md.",
        ),
        lang,
        file=plan,
    )
