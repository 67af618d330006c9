"""``plancal import``: a plan document in, a draft plan file out, proven before it is written.

The readers give the document's paragraphs and tables, ``importing.layout`` finds the plan in
them and ``importing.draft`` writes the text; here the text is loaded and compiled like any
plan file (a draft that does not validate is never written) and replaced atomically, never
over an existing file unless asked.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from pathlib import Path

from plancal.errors import PlanError, Problem, UserError, Where
from plancal.files import atomic_write
from plancal.i18n import Text, msg
from plancal.importing.draft import Draft, Options, compose
from plancal.importing.layout import layout
from plancal.importing.readers import read


@dataclass(frozen=True)
class Imported:
    draft: Draft
    out: Path
    warnings: int  # what `plancal validate` will say about the draft (double bookings, …)


def draft_of(source: Path, options: Options) -> Draft:
    """The draft for ``source``, not yet checked or written."""
    return compose(layout(read(source)), options)


def import_document(source: Path, out: Path, options: Options, force: bool = False) -> Imported:
    from plancal.rules.compile import compile_with_problems
    from plancal.rules.plan import loads_with_problems

    if out.exists() and not force:
        raise UserError(
            [
                Problem(
                    Where(str(out)),
                    msg(Text("{file} already exists", "{file} finns redan"), file=str(out)),
                    msg(
                        Text(
                            "choose another --out, or add --force to replace it",
                            "välj en annan --out, eller lägg till --force för att ersätta den",
                        )
                    ),
                )
            ]
        )
    if out.exists() and out.is_dir():
        raise UserError(msg(Text("{file} is a folder", "{file} är en mapp"), file=str(out)))
    draft = draft_of(source, options)
    plan, problems = loads_with_problems(draft.text, str(out))
    if plan is not None and not problems.errors:
        compile_with_problems(plan, problems)
    if problems.errors:
        raise PlanError(problems.problems)
    try:
        atomic_write(out, draft.text.encode("utf-8"), mode=0o644)
    except OSError as e:
        raise UserError(
            msg(
                Text("cannot write {file}: {error}", "kan inte skriva {file}: {error}"),
                file=str(out),
                error=e.strerror or str(e),
            ),
            msg(
                Text(
                    "check the folder exists and may be written",
                    "kontrollera att mappen finns och får skrivas",
                )
            ),
        ) from None
    return Imported(draft, out, len(problems.warnings))


def period_problem(start: date, end: date) -> UserError | None:
    if start <= end:
        return None
    return UserError(
        msg(
            Text(
                "the period ends ({end}) before it starts ({start})",
                "perioden slutar ({end}) innan den börjar ({start})",
            ),
            start=start.isoformat(),
            end=end.isoformat(),
        ),
        msg(
            Text(
                "write --period FROM TO, the first day first",
                "skriv --period FRÅN TILL, första dagen först",
            )
        ),
    )
