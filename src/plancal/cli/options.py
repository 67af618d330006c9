"""What the commands share: options, typed parameters, output, and the plan and store they open.

Parameter types turn text into values once, with an error in the user's language; a command
receives a ``Lang``, a ``date`` or a ``datetime``, never a string to parse again.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from plancal.i18n import LANGS, Lang, Text, default_lang

if TYPE_CHECKING:
    from plancal.app.check import Checked
    from plancal.config.settings import Settings
    from plancal.rules.compile import Schedule
    from plancal.state.store import Store

F = TypeVar("F", bound=Callable[..., Any])
LANG_KEY = "plancal.lang"

PLAN_ARG = click.argument("plan", type=click.Path(dir_okay=False, path_type=Path))


def current_lang() -> Lang:
    """The language of this invocation: --lang once parsed, else the environment's."""
    ctx = click.get_current_context(silent=True)
    while ctx is not None:
        if LANG_KEY in ctx.meta:
            lang: Lang = ctx.meta[LANG_KEY]
            return lang
        ctx = ctx.parent
    return default_lang()


if TYPE_CHECKING:
    _ParamType = click.ParamType[Any, Any]  # generic from click 8.3 on
else:
    _ParamType = click.ParamType


class Param(_ParamType):
    """A parameter type whose refusals speak the invocation's language."""

    def refuse(
        self, text: Text, param: click.Parameter | None, ctx: click.Context | None, **values: Any
    ) -> Any:
        self.fail(text.render(current_lang(), **values), param, ctx)

    def refuse_date(
        self, value: Any, text: Text, param: click.Parameter | None, ctx: click.Context | None
    ) -> Any:
        """A date that is not one, with why when the shape is right ("juni har 30 dagar")."""
        from plancal.rules.schema import date_trouble

        trouble = date_trouble(str(value))
        if trouble is None:
            return self.refuse(text, param, ctx, value=value)
        why = Text("{value!r} is not a date: {why}", "{value!r} är inget datum: {why}")
        self.refuse(why, param, ctx, value=value, why=trouble.render(current_lang()))


class LangType(Param):
    name = "sv|en"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> Lang:
        if value in LANGS:
            chosen: Lang = value
            return chosen
        self.refuse(
            Text("{value!r}: choose sv or en", "{value!r}: välj sv eller en"),
            param,
            ctx,
            value=value,
        )
        raise AssertionError  # refuse() raised


def _remember_lang(ctx: click.Context, _param: click.Parameter, value: Lang | None) -> Lang:
    lang = value or default_lang()
    ctx.meta[LANG_KEY] = lang
    return lang


def lang_option(f: F) -> F:
    return click.option(
        "--lang",
        type=LangType(),
        default=None,
        is_eager=True,  # so the refusals of the other parameters speak it
        callback=_remember_lang,
        help="Language of the output (default: from PLANCAL_LANG / LANG). Språk.",
    )(f)


class DateType(Param):
    name = "date"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> date:
        if isinstance(value, date):
            return value
        try:
            return date.fromisoformat(str(value).strip())
        except ValueError:
            self.refuse_date(
                value,
                Text(
                    "{value!r} is not a date; write YYYY-MM-DD",
                    "{value!r} är inget datum; skriv ÅÅÅÅ-MM-DD",
                ),
                param,
                ctx,
            )
            raise AssertionError from None


class DateTimeType(Param):
    """A date, or a date and time (2023-03-15 14:00, 2023-03-15T14:00, 2023-03-15 14.00)."""

    name = "datetime"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> date | datetime:
        from plancal.errors import Problems, Where
        from plancal.rules.schema import INVALID, DateTimeK

        if isinstance(value, date):
            return value
        parsed = DateTimeK().check(str(value).replace("T", " "), Where("--"), Problems())
        if parsed is INVALID:
            self.refuse_date(
                value,
                Text(
                    "{value!r} is not a date and time; write e.g. 2023-03-15 14:00",
                    "{value!r} är inte datum och tid; skriv t.ex. 2023-03-15 14.00",
                ),
                param,
                ctx,
            )
        result: date | datetime = parsed
        return result


class MomentType(Param):
    """An ISO 8601 time; without an offset it is naive, to be read in the plan's zone."""

    name = "time"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> datetime:
        if isinstance(value, datetime):
            return value
        try:
            return datetime.fromisoformat(str(value))
        except ValueError:
            self.refuse(
                Text(
                    "{value!r} is not a time; write e.g. 2023-01-23T09:00",
                    "{value!r} är ingen tidpunkt; skriv t.ex. 2023-01-23T09:00",
                ),
                param,
                ctx,
                value=value,
            )
            raise AssertionError from None


class BreakDayType(Param):
    """A date (this break once) or MM-DD (every year)."""

    name = "date|MM-DD"

    def convert(
        self, value: Any, param: click.Parameter | None, ctx: click.Context | None
    ) -> date | tuple[int, int]:
        if isinstance(value, (date, tuple)):
            return value
        text = str(value).strip()
        if m := re.fullmatch(r"(\d\d)-(\d\d)", text):
            try:
                date(2024, int(m.group(1)), int(m.group(2)))  # a leap year: 02-29 is a day
                return (int(m.group(1)), int(m.group(2)))
            except ValueError:
                pass
        else:
            try:
                return date.fromisoformat(text)
            except ValueError:
                pass
        self.refuse(
            Text(
                "{value!r} is neither a date (2023-06-26) nor MM-DD (06-26, every year)",
                "{value!r} är varken ett datum (2023-06-26) eller MM-DD (06-26, varje år)",
            ),
            param,
            ctx,
            value=value,
        )
        raise AssertionError


class BaseUrlType(Param):
    name = "url"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> str:
        text = str(value)
        if not re.fullmatch(r"https?://[^\s/]+(/\S*)?", text):
            self.refuse(
                Text(
                    "{value!r} is not a web address; write e.g. https://kalender.example.se/",
                    "{value!r} är ingen webbadress; skriv t.ex. https://kalender.example.se/",
                ),
                param,
                ctx,
                value=value,
            )
        return text


DATE = DateType()
DATETIME = DateTimeType()
MOMENT = MomentType()
BREAK_DAY = BreakDayType()


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


def format_option(help_text: str | None = None) -> Callable[[F], F]:
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help=help_text,
    )


BASE_URL = click.option(
    "--base-url",
    type=BaseUrlType(),
    default=None,
    metavar="URL",
    help="Public address people subscribe to (default: [server] base_url, "
    "else the plan's feeds url).",
)


ANSWERS = {"j": True, "ja": True, "y": True, "yes": True, "n": False, "nej": False, "no": False}


def ask(question: Text, lang: Lang, **values: Any) -> bool:
    """A yes/no question on stderr, no by default; j/ja/n/nej in Swedish, y/yes/n/no in both.

    End of input (no one to answer) raises ``click.Abort``: as good as no.
    """
    suffix = " [j/N] " if lang == "sv" else " [y/N] "
    while True:
        answer = click.prompt(
            question.render(lang, **values) + suffix,
            default="",
            show_default=False,
            prompt_suffix="",
            err=True,
        )
        chosen = ANSWERS.get(str(answer).strip().lower()) if str(answer).strip() else False
        if chosen is not None:
            return chosen
        say(Text("Answer y or n.", "Svara j eller n."), lang, err=True)


def say(text: Text, lang: Lang, err: bool = False, **values: Any) -> None:
    click.echo(text.render(lang, **values), err=err)


def compiled(plan: Path, lang: Lang, calendars: bool = True) -> Schedule:
    """The compiled plan, its warnings printed; or PlanError with every problem."""
    schedule = checked_plan(plan, lang, calendars).schedule
    assert schedule is not None
    return schedule


def checked_plan(plan: Path, lang: Lang, calendars: bool = True) -> Checked:
    """As ``compiled``, with what the check found beside the schedule (its double bookings)."""
    from plancal.app.check import check
    from plancal.errors import PlanError

    checked = check(plan, calendars=calendars)
    if checked.schedule is None:
        raise PlanError(checked.problems)
    for p in checked.warnings:
        click.echo(p.render(lang), err=True)
    return checked


def load_settings(config: Path | None) -> Settings:
    from plancal.config import settings

    return settings.load(config)


@contextmanager
def open_store(
    db_url: str | None, config: Path | None = None, loaded: Settings | None = None
) -> Iterator[Store]:
    """The state store: --db, else the settings' [store] url, else the default SQLite file."""
    from plancal.state.store import Store

    if db_url is None:
        db_url = (loaded or load_settings(config)).get("store", "url")
    with Store(db_url) as store:
        yield store
