"""The plancal command line: parse options, call the application, print. No logic lives here.

One handler: every ``UserError`` (a plan problem, a missing setting, a server that refuses) is
printed in the invocation's language and ends the command with exit status 1; usage errors
keep click's status 2. The commands live in one module per domain: ``plan`` (validate, agenda,
compile, schema, config, init), ``edit`` (skip, move, add, cancel, break, diff, history, undo),
``importing`` (import), ``remind`` (remind, run), ``web`` (serve, export, token), ``push``
and ``wheel``.

Imports are deferred: a command's module is imported only when that command runs (``COMMANDS``
says which module defines it), and inside it the heavy libraries only in the command that needs
them. ``plancal --help`` loads click and this package's ``options`` only; ``plancal agenda``
loads ``plan.py`` of the command modules and never SQLAlchemy, icalendar or the holidays package.
"""

from __future__ import annotations

import contextlib
import errno
import importlib
import sys
from collections.abc import Sequence
from typing import Any

import click

from plancal import __version__
from plancal.cli.options import current_lang

# Each command: the module that defines it (``plancal.cli.<module>``) and the first paragraph
# of its help, which ``plancal --help`` lists without importing the module. A test checks both
# against the commands themselves; a new command is added here too.
COMMANDS: dict[str, tuple[str, str]] = {
    "add": (
        "edit",
        "Add an extra occurrence of an activity (a date alone takes the activity's time).",
    ),
    "agenda": ("plan", "List the plan's meetings and follow-up deadlines, in time order."),
    "break": ("edit", "Breaks (uppehåll): periods when meetings pause, e.g. the summer."),
    "cancel": (
        "edit",
        "Cancel one occurrence of an activity (the one on DATE); the series goes on.",
    ),
    "compile": (
        "plan",
        "Compile the plan into iCalendar feeds (whole plan, per role, public, deadlines).",
    ),
    "config": (
        "plan",
        "Show the effective settings (secrets masked) and where each can be set.",
    ),
    "conflicts": (
        "plan",
        "List double bookings: a person in two meetings at once, in one plan or across several.",
    ),
    "diff": ("edit", "What changes in the calendars between two versions of a plan file."),
    "end": ("edit", "End an activity's series from DATE on (it runs until the day before)."),
    "export": (
        "web",
        "Write the public page, the public feed and each token's feeds as static files.",
    ),
    "history": (
        "edit",
        "The versions of the plan file that plancal wrote: when, which command, what changed.",
    ),
    "import": (
        "importing",
        "Read a plan document (.docx, .pdf, .txt) and write a draft plan file that validates.",
    ),
    "init": (
        "plan",
        "Write a first plan file from a few questions (or from the options, without questions).",
    ),
    "move": ("edit", "Move the occurrence of an activity on DATE to another date and time."),
    "print": (
        "wheel",
        "Print the year plan: a title page, a page per month, the deadlines, the årshjul.",
    ),
    "push": (
        "push",
        "Push the plan's meetings into a calendar system (invitations are sent from there).",
    ),
    "remind": (
        "remind",
        "Send the follow-up reminders owed now; each goes out once, however often this runs.",
    ),
    "run": (
        "remind",
        "Run as a service: reminders every minute, feeds recompiled at an interval.",
    ),
    "schema": (
        "plan",
        "Print the JSON Schema of the plan file, for editors that complete and check YAML.",
    ),
    "serve": (
        "web",
        "Serve the feeds and the public page over HTTP; follows changes to the plan file.",
    ),
    "skip": (
        "edit",
        "Same as `cancel`: cancel one occurrence of an activity (the one on DATE).",
    ),
    "token": ("web", "Tokens for the private feeds: create (shown once), list, revoke."),
    "undo": (
        "edit",
        "Go back one version: take back the newest edit plancal wrote (see `plancal history`).",
    ),
    "validate": (
        "plan",
        "Check a plan file, or every plan in a folder; list every problem with file and line.",
    ),
    "wheel": ("wheel", "Draw the årshjul: one plan year as a wheel of months, a ring per area."),
}
MODULES = (
    "edit",
    "importing",
    "plan",
    "push",
    "remind",
    "web",
    "wheel",
)  # the modules that define commands


def load_commands(module: str | None = None) -> None:
    """Import a command module (``None``: all of them); each registers its commands on ``main``."""
    for name in MODULES if module is None else (module,):
        importlib.import_module(f"plancal.cli.{name}")


class Plancal(click.Group):
    """The group that turns a ``UserError`` into its problems on stderr and exit status 1, and
    prints click's usage errors (exit status 2) in the invocation's language.

    Its commands are loaded when asked for (``COMMANDS``): running one imports its module only.
    """

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted({*COMMANDS, *self.commands})

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name not in self.commands:
            # An unknown name loads them all: so click can suggest the names close to it.
            load_commands(COMMANDS[cmd_name][0] if cmd_name in COMMANDS else None)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: click.Context, formatter: click.HelpFormatter) -> None:
        """click's list of commands, from ``COMMANDS`` for those not loaded (so ``--help``
        imports none of the command modules); click shortens each summary as it would."""
        shown: dict[str, click.Command] = {
            name: click.Command(name, help=summary) for name, (_, summary) in COMMANDS.items()
        }
        shown.update(self.commands)
        click.Group(self.name, commands=shown).format_commands(ctx, formatter)

    def main(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return self._main(*args, **kwargs)
        except OSError as e:  # --help and --version print before any command is invoked
            if e.errno not in _OUTPUT_ERRORS:
                raise
            _output_failed(e)

    def _main(
        self,
        args: Sequence[str] | None = None,
        prog_name: str | None = None,
        complete_var: str | None = None,
        standalone_mode: bool = True,
        **extra: Any,
    ) -> Any:
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, False, **extra)
        from plancal.cli import usage

        argv = list(sys.argv[1:] if args is None else args)
        try:
            result = super().main(argv, prog_name, complete_var, False, **extra)
        except click.ClickException as e:
            usage.show(e, usage.lang_of(getattr(e, "ctx", None), argv))
            sys.exit(e.exit_code)
        except click.Abort:
            click.echo(usage.T["aborted"].render(usage.lang_of(None, argv)), err=True)
            sys.exit(1)
        sys.exit(result if isinstance(result, int) else 0)

    def invoke(self, ctx: click.Context) -> Any:
        from plancal.app import holidays

        holidays.install()
        try:
            result = super().invoke(ctx)
            sys.stdout.flush()  # a full disk or a closed pipe shows here, not at exit
            return result
        except click.exceptions.Exit:
            raise
        except OSError as e:
            if e.errno not in _OUTPUT_ERRORS:
                raise
            _output_failed(e)
        except Exception as e:
            from plancal.errors import UserError

            if not isinstance(e, UserError):
                raise
            lang = current_lang()
            click.echo(e.render(lang), err=True)
            if closing := e.closing(lang):
                click.echo(closing, err=True)
            sys.exit(1)


# Writing the output failed: the reader went away (``| head``), the disk or quota is full
# (``> /dev/full``), or the terminal is gone.
_OUTPUT_ERRORS = {errno.EPIPE, errno.ENOSPC, errno.EDQUOT, errno.EIO}


def _output_failed(e: OSError) -> None:
    import os

    from plancal.i18n import Text

    # Whatever is still buffered for stdout can never be written: drop it, so the
    # interpreter's exit does not fail a second time with a traceback of its own.
    with contextlib.suppress(OSError, ValueError):
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    message = Text(
        "error: cannot write the output: {error}",
        "fel: kan inte skriva utdata: {error}",
    ).render(current_lang(), error=e.strerror or str(e))
    with contextlib.suppress(OSError):  # stderr may be gone too; the status still says it
        click.echo(message, err=True)
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

    \b
    Exit status / slutstatus:
      0  done / klart
      1  a problem with the plan, settings, a server or the output; the message says
         file, line and what to do / ett problem med planen, inställningarna, en server
         eller utdata; meddelandet säger fil, rad och vad du kan göra
      2  usage error: unknown option, missing argument / fel användning: okänd flagga,
         argument saknas
    """
