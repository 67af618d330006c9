"""``plancal import``: a plan document in, a draft plan file out, proven before it is written.

The readers give the document's paragraphs and tables, ``importing.layout`` finds the plan in
them and ``importing.draft`` writes the text; here the text is loaded and compiled like any
plan file (a draft that does not validate is never written) and replaced atomically, never
over an existing file unless asked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import Path

from plancal.app.output import write_output
from plancal.errors import PlanError, Problem, UserError, Where
from plancal.i18n import Text, msg
from plancal.importing.draft import Draft, Options, compose
from plancal.importing.layout import layout
from plancal.importing.readers import read


@dataclass(frozen=True)
class Imported:
    draft: Draft
    out: Path
    warnings: int  # what `plancal validate` will say about the draft (double bookings, …)


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
    document = layout(read(source))
    # A guess is better than an error: what the document says but the plan cannot use (a year
    # or a date outside the period) is written again without a time or a deadline, and listed.
    unusable: set[str] = set()
    for _round in range(10):  # each round sets aside at least one more; a plan has few
        draft = compose(document, replace(options, unusable=frozenset(unusable)))
        plan, problems = loads_with_problems(draft.text, str(out))
        if plan is not None and not problems.errors:
            compile_with_problems(plan, problems)
        if not problems.errors:
            break
        owners = {_owner(draft.text, p.where.line) for p in problems.errors if p.where}
        if not owners - unusable or None in owners:
            break
        unusable |= {o for o in owners if o is not None}
    if problems.errors:
        raise PlanError(problems.problems)
    hint = Text(
        "check the folder exists and may be written", "kontrollera att mappen finns och får skrivas"
    )
    write_output(out, draft.text.encode("utf-8"), mode=0o644, hint=msg(hint))
    return Imported(draft, out, len(problems.warnings))


_ID = re.compile(r"^\s*- id: ([a-z0-9-]+)")


def _owner(text: str, line: int | None) -> str | None:
    """The id of the activity or follow-up whose lines hold ``line`` (None: the plan's own)."""
    if line is None:
        return None
    lines = text.splitlines()
    for number in range(min(line, len(lines)), 0, -1):
        if m := _ID.match(lines[number - 1]):
            return m.group(1)
        if lines[number - 1] in ("activities:", "followups:"):
            return None
    return None


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
