"""Rescheduling from start to end: read the plan, make one edit, assess it, write it.

The CLI calls ``prepare`` (nothing is written), shows ``proposal.impact``, asks, then calls
``write``. ``compare`` is ``plancal diff``; ``breaks`` is ``plancal break list``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from plancal.app import planfile
from plancal.app.impact import Impact, assess
from plancal.errors import PlanError, Problem
from plancal.rules.cadence import AsNeeded
from plancal.rules.compile import Schedule, compile_with_problems
from plancal.rules.diff import diff, kept_in_break
from plancal.rules.edit import Edited, Editor
from plancal.rules.model import Break, BreakPolicy
from plancal.rules.plan import loads_with_problems


@dataclass(frozen=True)
class Proposal:
    plan_file: planfile.PlanFile
    edited: Edited
    impact: Impact
    data: bytes  # the new file, in the old file's encoding and line ends


def _compiled(plan_file: planfile.PlanFile) -> Schedule:
    plan, problems = loads_with_problems(plan_file.text, str(plan_file.path))
    if plan is not None and not problems.errors:
        schedule = compile_with_problems(plan, problems)
        if not problems.errors:
            return schedule
    raise PlanError(sorted(problems.problems, key=Problem.sort_key))


def prepare(path: Path, make: Callable[[Editor], Edited], adds_break: bool = False) -> Proposal:
    """The edit ``make`` asks for, proven and assessed; PlanError if refused."""
    plan_file = planfile.read(path)
    schedule = _compiled(plan_file)
    edited = make(Editor(plan_file.text, str(path), schedule))
    impact = assess(
        schedule,
        edited.schedule,
        edited.summary,
        edited.break_id if adds_break else None,
        edited.gone,
    )
    return Proposal(plan_file, edited, impact, plan_file.encode(edited.text))


def write(proposal: Proposal) -> None:
    planfile.replace(proposal.plan_file, proposal.data)


def compare(old: Path, new: Path) -> Impact:
    # ``plancal diff <(git show HEAD:plan.yaml) plan.yaml`` reads a pipe: allowed here only.
    return assess(
        _compiled(planfile.read(old, pipes=True)), _compiled(planfile.read(new, pipes=True))
    )


@dataclass(frozen=True)
class BreakInfo:
    brk: Break
    policies: tuple[tuple[str, BreakPolicy], ...]  # activity id → its resolved policy
    skipped: int  # occurrences the break takes away
    moved: int
    kept: int  # occurrences inside it of activities that continue


def breaks(path: Path) -> list[BreakInfo]:
    """Each break with what it does: compared with the plan without it."""
    plan_file = planfile.read(path)
    schedule = _compiled(plan_file)
    out = []
    for brk in schedule.plan.breaks:
        without = Editor(plan_file.text, str(path), schedule).remove_break(brk.id).schedule
        effect = diff(without, schedule).occurrences
        kept = kept_in_break(schedule, brk.id, effect)
        policies = tuple(
            (a.id, a.break_policy(brk.id))
            for a in schedule.plan.activities
            if not isinstance(a.cadence, AsNeeded)
        )
        out.append(
            BreakInfo(
                brk,
                policies,
                sum(1 for c in effect if c.kind == "skipped"),
                sum(1 for c in effect if c.kind == "moved"),
                len(kept),
            )
        )
    return out
