"""Usage errors (a missing argument, an unknown option, a value that is not a date) in the
invocation's language.

click writes its own English ("Usage:", "Error:", "Invalid value for", "Try … for help") through
gettext; a Swedish invocation gets the same facts in Swedish instead, with click's exit status 2.
English keeps click's own wording, which people can search for.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import click
from click import exceptions as ce

from plancal.cli.options import LANG_KEY
from plancal.i18n import LANGS, Lang, Text, default_lang

T = {
    "usage": Text("Usage:", "Användning:"),
    "options": Text("[OPTIONS]", "[FLAGGOR]"),
    "try": Text("Try '{command} --help' for help.", "Skriv '{command} --help' för hjälp."),
    "invalid_for": Text(
        "Invalid value for {hint}: {message}", "Ogiltigt värde för {hint}: {message}"
    ),
    "invalid": Text("Invalid value: {message}", "Ogiltigt värde: {message}"),
    "missing_argument": Text("Missing argument {hint}.", "Argumentet {hint} saknas."),
    "missing_option": Text("Missing option {hint}.", "Flaggan {hint} saknas."),
    "missing": Text("Missing {hint}.", "{hint} saknas."),
    "no_option": Text("No such option {name!r}.", "Det finns ingen flagga {name!r}."),
    "no_command": Text("No such command {name!r}.", "Det finns inget kommando {name!r}."),
    "did_you_mean": Text("Did you mean {names}?", "Menade du {names}?"),
    "needs_value": Text("Option {name!r} requires a value.", "Flaggan {name!r} behöver ett värde."),
    "takes_no_value": Text(
        "Option {name!r} does not take a value.", "Flaggan {name!r} tar inget värde."
    ),
    "extra": Text(
        "Got unexpected extra argument(s) ({args}).", "Oväntade extra argument ({args})."
    ),
    "missing_command": Text("Missing command.", "Kommando saknas."),
    "not_one_of": Text(
        "{value!r} is not one of {choices}.", "{value!r} är inte något av {choices}."
    ),
    "label": Text("Error", "fel"),
    "aborted": Text("Aborted.", "Avbrutet."),
}


def lang_of(ctx: click.Context | None, args: Sequence[str]) -> Lang:
    """The language the failed invocation asked for: --lang once parsed, else as written on the
    command line (the parse may have failed before --lang was read), else the environment's."""
    while ctx is not None:
        if LANG_KEY in ctx.meta:
            lang: Lang = ctx.meta[LANG_KEY]
            return lang
        ctx = ctx.parent
    for i, arg in enumerate(args):
        value = None
        if arg == "--lang" and i + 1 < len(args):
            value = args[i + 1]
        elif arg.startswith("--lang="):
            value = arg.split("=", 1)[1]
        if value in LANGS:
            return "sv" if value == "sv" else "en"
    return default_lang()


def _hint(e: ce.BadParameter) -> str:
    hint = e.param_hint
    if hint is None and e.param is not None:
        hint = e.param.get_error_hint(e.ctx) if e.ctx is not None else repr(e.param.name)
    if hint is None:
        return ""
    return hint if isinstance(hint, str) else " / ".join(repr(x) for x in hint)


def _possibilities(possibilities: Sequence[str] | None) -> str:
    if not possibilities:
        return ""
    return " " + T["did_you_mean"].render(
        "sv", names=" eller ".join(repr(p) for p in sorted(possibilities))
    )


def message(e: click.ClickException, lang: Lang) -> str:
    """What went wrong, in Swedish when asked (click's wording otherwise)."""
    if lang == "en":
        return e.format_message()
    if isinstance(e, ce.MissingParameter):
        hint = _hint(e)
        kind = e.param_type or (e.param.param_type_name if e.param is not None else "")
        key = {"argument": "missing_argument", "option": "missing_option"}.get(kind, "missing")
        return T[key].render("sv", hint=hint)
    if isinstance(e, ce.BadParameter):
        text = _swedish_click_text(e.message)
        hint = _hint(e)
        if not hint:
            return T["invalid"].render("sv", message=text)
        return T["invalid_for"].render("sv", hint=hint, message=text)
    if isinstance(e, ce.NoSuchOption):
        return T["no_option"].render("sv", name=e.option_name) + _possibilities(e.possibilities)
    if isinstance(e, ce.NoSuchCommand):
        return T["no_command"].render("sv", name=e.command_name) + _possibilities(e.possibilities)
    return _swedish_click_text(e.message)


# click's own sentences that reach a usage error's message, and their Swedish
_CLICK_SENTENCES: list[tuple[re.Pattern[str], str]] = [
    (re.compile(r"Option '([^']+)' requires (an argument|\d+ arguments)\."), "needs_value"),
    (re.compile(r"Option '([^']+)' does not take a value\."), "takes_no_value"),
    (re.compile(r"Got unexpected extra arguments? \((.*)\)"), "extra"),
    (re.compile(r"Missing command\."), "missing_command"),
]
_NOT_ONE_OF = re.compile(r"(.*) is not one of (.*)\.$")


def _swedish_click_text(text: str) -> str:
    for pattern, key in _CLICK_SENTENCES:
        if m := pattern.fullmatch(text):
            group = m.group(1) if m.groups() else ""
            return T[key].render("sv", name=group, args=group)
    if m := _NOT_ONE_OF.fullmatch(text):
        value = m.group(1).strip("'")
        return T["not_one_of"].render("sv", value=value, choices=m.group(2))
    return text


def show(e: click.ClickException, lang: Lang) -> None:
    """Print a usage error as click would, in the invocation's language."""
    if lang == "en":
        e.show()
        return
    ctx = getattr(e, "ctx", None)
    if isinstance(e, click.UsageError) and ctx is not None:
        pieces = " ".join(ctx.command.collect_usage_pieces(ctx)).replace(
            "[OPTIONS]", T["options"].render("sv")
        )
        click.echo(f"{T['usage'].render('sv')} {ctx.command_path} {pieces}".rstrip(), err=True)
        click.echo(T["try"].render("sv", command=ctx.command_path) + "\n", err=True)
    click.echo(f"{T['label'].render('sv')}: {message(e, 'sv')}", err=True)
