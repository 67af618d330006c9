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

import contextlib
import errno
import sys
from collections.abc import Sequence
from typing import Any

import click

from plancal import __version__
from plancal.cli.options import current_lang


class Plancal(click.Group):
    """The group that turns a ``UserError`` into its problems on stderr and exit status 1, and
    prints click's usage errors (exit status 2) in the invocation's language."""

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


from plancal.cli import edit, importing, plan, push, remind, web, wheel  # noqa: E402  (they register on main)

__all__ = ["edit", "importing", "main", "plan", "push", "remind", "web", "wheel"]
