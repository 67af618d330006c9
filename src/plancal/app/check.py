"""What the commands share: read a plan and compile it, collecting every problem."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from plancal.errors import PlanError, Problem, Problems, of_severity
from plancal.i18n import Text, msg
from plancal.rules import conflicts
from plancal.rules.compile import Schedule, compile_with_problems
from plancal.rules.model import Plan
from plancal.rules.plan import load_with_problems


@dataclass(frozen=True)
class Checked:
    plan: Plan | None
    schedule: Schedule | None
    problems: tuple[Problem, ...]
    double_bookings: tuple[conflicts.DoubleBooking, ...] = ()

    @property
    def errors(self) -> list[Problem]:
        return of_severity(self.problems, "error")

    @property
    def warnings(self) -> list[Problem]:
        return of_severity(self.problems, "warning")


def check(path: str | Path, calendars: bool = True) -> Checked:
    """Load and compile; with ``calendars``, also confirm the feeds can state the time zone.

    Double bookings (``rules.conflicts``) are warnings: the plan compiles, and says where.
    """
    plan, problems = load_with_problems(path)
    if plan is None or problems.errors:
        return Checked(plan, None, _in_order(problems))
    schedule = compile_with_problems(plan, problems)
    if calendars and not problems.errors:
        _check_timezone(plan, problems)
    if problems.errors:
        return Checked(plan, None, _in_order(problems))
    found = conflicts.find(schedule)
    problems.problems.extend(conflicts.warnings(found))
    return Checked(plan, schedule, _in_order(problems), tuple(found))


def _in_order(problems: Problems) -> tuple[Problem, ...]:
    return tuple(sorted(problems.problems, key=Problem.sort_key))


def _check_timezone(plan: Plan, problems: Problems) -> None:
    from plancal.calendars.vtimezone import TimezoneRuleError, check_rules

    try:
        check_rules(plan.timezone, plan.start.year, plan.end.year + 1)
    except TimezoneRuleError as e:
        problems.error(
            plan.where,
            msg(
                Text("time zone {tz}: {error}", "tidszon {tz}: {error}"),
                tz=plan.timezone,
                error=str(e),
            ),
            msg(
                Text(
                    "use a zone whose rules are stable over the plan period",
                    "använd en tidszon vars regler är stabila under planperioden",
                )
            ),
        )


def load_schedule(path: str | Path) -> tuple[Schedule, tuple[Problem, ...]]:
    """The compiled plan and its warnings, or PlanError."""
    checked = check(path)
    if checked.schedule is None:
        raise PlanError(checked.problems)
    return checked.schedule, tuple(checked.warnings)
