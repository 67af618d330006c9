"""The plancal command line: parse options, call the application, print. No logic lives here.

One handler: every ``UserError`` (a plan problem, a missing setting, a server that refuses) is
printed in the invocation's language and ends the command with exit status 1; usage errors
keep click's status 2. The commands live in one module per domain: ``plan`` (validate, agenda,
compile, schema, config), ``edit`` (skip, move, add, cancel, break, diff), ``remind``
(remind, run), ``web`` (serve, export, token) and ``push``.

Imports are deferred into the commands: ``plancal --help`` loads click and these modules only,
and ``plancal agenda`` never loads SQLAlchemy, icalendar or the holidays package.
"""

from __future__ import annotations

import sys
from typing import Any

import click

from plancal import __version__
from plancal.cli.options import current_lang


class Plancal(click.Group):
    """The group that turns a ``UserError`` into its problems on stderr and exit status 1."""

    def invoke(self, ctx: click.Context) -> Any:
        from plancal.app import holidays

        holidays.install()
        try:
            return super().invoke(ctx)
        except click.exceptions.Exit:
            raise
        except Exception as e:
            from plancal.errors import UserError

            if not isinstance(e, UserError):
                raise
            lang = current_lang()
            click.echo(e.render(lang), err=True)
            if closing := e.closing(lang):
                click.echo(closing, err=True)
            sys.exit(1)


@click.group(
    cls=Plancal,
    context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100},
)
@click.version_option(__version__, prog_name="plancal")
def main() -> None:
    """plancal: a lokal handlingsplan as calendars people use.

    Reads one reviewed plan file (YAML) and compiles it into iCalendar feeds, an agenda and
    reminders. Svenska: sätt --lang sv eller LANG=sv_SE.UTF-8.
    """


from plancal.cli import edit, plan, push, remind, web, wheel  # noqa: E402  (they register on main)

__all__ = ["edit", "main", "plan", "push", "remind", "web", "wheel"]
