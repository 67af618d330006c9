"""Push a plan to a target: read, reconcile, apply, and again until nothing is left to do.

Target-agnostic: the target reads what plancal owns into ``Held`` values and applies
``Change`` lists (``sync.py``). A round whose writes may or may not have landed (a timeout, a
dropped connection) ends early with ``Unsettled``; the next round reads the target again and
reconciles from what is really there, so nothing is sent twice. A push is done when a round
finds no difference; that last read also refreshes what the state store remembers.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Protocol

from plancal.calendars.sync import Change, Held, Meeting, desired, reconcile
from plancal.rules.compile import Schedule
from plancal.rules.errors import PlanError, Problem

Progress = Callable[[int, int], None]


class Target(Protocol):
    @property
    def organizer(self) -> str: ...

    def problems(self, want: Mapping[str, Meeting]) -> list[Problem]: ...

    def interrupted(self) -> Mapping[str, set[str]]: ...

    def read(self) -> dict[str, Held]: ...

    def apply(self, changes: list[Change], progress: Progress | None = None) -> None: ...

    def settled(self) -> None: ...


class PushError(RuntimeError):
    """The push could not finish; the message is safe to show."""


@dataclass
class PushResult:
    changes: list[Change]  # what the first round found to do (all of it, on a dry run)
    rounds: int = 0  # rounds that wrote
    interrupted: int = 0  # writes left in flight by an earlier push, now repaired
    dry_run: bool = False
    unsettled: list[str] = field(default_factory=list)  # why rounds ended early


def plan_changes(schedule: Schedule, target: Target) -> tuple[dict[str, Meeting], list[Change]]:
    want = desired(schedule, target.organizer)
    problems = target.problems(want)
    if problems:
        raise PlanError(problems)
    return want, reconcile(want, target.read())


def push(schedule: Schedule, target: Target, dry_run: bool = False,
         progress: Progress | None = None, max_rounds: int = 30,
         unsettled: type[Exception] = RuntimeError) -> PushResult:
    """Make the target hold the plan. ``unsettled`` is the target's "outcome unknown" error."""
    interrupted = len(target.interrupted())
    want, changes = plan_changes(schedule, target)
    result = PushResult(changes, 0, interrupted, dry_run)
    if dry_run:
        return result
    todo = changes
    for _ in range(max_rounds):
        if not todo:
            target.settled()
            return result
        result.rounds += 1
        try:
            target.apply(todo, progress)
        except unsettled as e:
            result.unsettled.append(str(e))
        todo = reconcile(want, target.read())
    raise PushError(f"the target still differs from the plan after {max_rounds} rounds: "
                    + (result.unsettled[-1] if result.unsettled else "no reason given"))
