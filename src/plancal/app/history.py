"""The plan file's history and undo: every version plancal wrote, and going back one.

Each edit plancal writes is recorded in the state store (``state.planversions``) with the
file's bytes before and after, the command and a one-line summary. ``undo`` takes back the
newest edit not yet undone: it restores that edit's *before* bytes exactly, with the same
preview as every edit, and is itself recorded (so history shows it, and a second undo goes one
further back). If the file was changed outside plancal since plancal last wrote it, undo refuses
and shows the difference: it never throws away a hand edit.
"""

from __future__ import annotations

import difflib
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from plancal.app import planfile
from plancal.app.impact import Impact, assess
from plancal.app.reschedule import Proposal, _compiled
from plancal.errors import PlanError, Problem, UserError, Where
from plancal.i18n import Text, msg
from plancal.state import planversions
from plancal.state.planversions import Version
from plancal.state.store import Store

UNDO = "undo"


@dataclass(frozen=True)
class Entry:
    version: Version
    undone: bool  # a later undo took it back


def entries(store: Store, path: Path) -> list[Entry]:
    """The versions plancal wrote of the plan file, oldest first."""
    found = planversions.versions(store, path)
    undone = {v.undoes for v in found if v.undoes is not None}
    return [Entry(v, v.id in undone) for v in found]


def record(store: Store, proposal: Proposal, command: str, now: datetime) -> None:
    """Remember an edit that was just written (called under the plan file's lock)."""
    summary = proposal.edited.summary
    planversions.record(
        store,
        proposal.plan_file.path,
        proposal.edited.schedule.plan.id,
        command,
        (summary.render("en"), summary.render("sv")),
        proposal.plan_file.raw,
        proposal.data,
        now,
    )


@dataclass(frozen=True)
class Undo:
    plan_file: planfile.PlanFile
    version: Version  # the edit taken back
    impact: Impact
    data: bytes  # the file as it was before that edit


def _diff(path: Path, ours: bytes, theirs: bytes, limit: int = 40) -> str:
    lines = list(
        difflib.unified_diff(
            ours.decode("utf-8", "replace").splitlines(),
            theirs.decode("utf-8", "replace").splitlines(),
            f"{path} (plancal)",
            f"{path} (now)",
            lineterm="",
        )
    )
    more = len(lines) - limit
    return "\n".join(lines[:limit] + ([f"… (+{more})"] if more > 0 else []))


def prepare_undo(store: Store, path: Path) -> Undo:
    """Going back one edit, assessed; UserError if there is none or the file was hand-edited."""
    plan_file = planfile.read(path)
    found = entries(store, path)
    if not found:
        raise UserError(
            msg(
                Text(
                    "plancal has written no version of {file} (in this state store)",
                    "plancal har inte skrivit någon version av {file} (i det här tillståndet)",
                ),
                file=path,
            ),
            msg(
                Text(
                    "undo takes back edits made with plancal (skip, move, add, break …)",
                    "undo ångrar ändringar gjorda med plancal (skip, move, add, break …)",
                )
            ),
        )
    last = found[-1].version
    if plan_file.raw != last.after:
        raise PlanError(
            [
                Problem(
                    Where(str(path)),
                    msg(
                        Text(
                            "the plan file was changed outside plancal since plancal wrote it "
                            "({when}); undo would lose that change, so nothing was written:\n"
                            "{diff}",
                            "planfilen har ändrats utanför plancal sedan plancal skrev den "
                            "({when}); att ångra skulle förlora den ändringen, så inget skrevs:\n"
                            "{diff}",
                        ),
                        when=last.written.strftime("%Y-%m-%d %H:%M UTC"),
                        diff=_diff(path, last.after, plan_file.raw),
                    ),
                    msg(
                        Text(
                            "undo the hand edit yourself, or keep it (plancal diff OLD NEW shows "
                            "what an edit does)",
                            "ångra handändringen själv, eller behåll den (plancal diff GAMMAL NY "
                            "visar vad en ändring gör)",
                        )
                    ),
                )
            ]
        )
    target = next(
        (e.version for e in reversed(found) if not e.undone and e.version.undoes is None), None
    )
    if target is None or target.after != plan_file.raw:
        raise UserError(
            msg(
                Text(
                    "nothing left to undo in {file}",
                    "inget kvar att ångra i {file}",
                ),
                file=path,
            )
        )
    old = _compiled(plan_file)
    new = _compiled(planfile.PlanFile(path, target.before, *_decoded(target.before)))
    summary = msg(
        Text("undo: {summary}", "ångra: {summary}"),
        summary=Text(target.summary_en, target.summary_sv),
    )
    return Undo(plan_file, target, assess(old, new, summary), target.before)


def _decoded(raw: bytes) -> tuple[str, str, bool]:
    text = raw.decode("utf-8")
    bom = text.startswith("\ufeff")
    text = text.removeprefix("\ufeff")
    newline = "\r\n" if "\r\n" in text else "\n"
    return text.replace("\r\n", "\n"), newline, bom


def write_undo(store: Store, undo: Undo, now: datetime) -> None:
    """Write the undo under the plan's lock, if the file is still what undo read."""
    path = undo.plan_file.path
    with planfile.locked(path):
        latest = planversions.versions(store, path)
        if not latest or latest[-1].after != undo.plan_file.raw:
            raise planfile.changed_meanwhile(path)
        planfile.replace(undo.plan_file, undo.data)
        summary = undo.impact.summary
        assert summary is not None
        planversions.record(
            store,
            path,
            undo.version.plan_id,
            UNDO,
            (summary.render("en"), summary.render("sv")),
            undo.plan_file.raw,
            undo.data,
            now,
            undoes=undo.version.id,
        )
