"""Problems found in a plan file, each pointing at file and line, with what to write instead."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from plancal.i18n import Lang, Message

Severity = Literal["error", "warning"]


@dataclass(frozen=True, slots=True)
class Where:
    file: str
    line: int | None = None  # 1-based, as editors count
    column: int | None = None

    def __str__(self) -> str:
        parts = [self.file]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)


@dataclass(frozen=True, slots=True)
class Problem:
    where: Where
    message: Message
    hint: Message | None = None
    severity: Severity = "error"

    def render(self, lang: Lang) -> str:
        label = {
            "error": {"sv": "fel", "en": "error"},
            "warning": {"sv": "varning", "en": "warning"},
        }[self.severity][lang]
        text = f"{self.where}: {label}: {self.message.render(lang)}"
        if self.hint is not None:
            text += "\n    " + ("tips" if lang == "sv" else "hint") + ": " + self.hint.render(lang)
        return text

    def sort_key(self) -> tuple[str, int, int]:
        return (self.where.file, self.where.line or 0, self.where.column or 0)


def of_severity(problems: Iterable[Problem], severity: Severity) -> list[Problem]:
    return [p for p in problems if p.severity == severity]


class PlanError(Exception):
    """The plan cannot be used as written. Carries every problem found, not only the first."""

    def __init__(self, problems: Iterable[Problem]):
        self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(self.render("en"))

    def render(self, lang: Lang) -> str:
        return "\n".join(p.render(lang) for p in self.problems)


@dataclass
class Problems:
    """Collects problems while a plan is read, so all of them are reported at once."""

    problems: list[Problem] = field(default_factory=list)

    def error(self, where: Where, message: Message, hint: Message | None = None) -> None:
        self.problems.append(Problem(where, message, hint, "error"))

    def warn(self, where: Where, message: Message, hint: Message | None = None) -> None:
        self.problems.append(Problem(where, message, hint, "warning"))

    @property
    def errors(self) -> list[Problem]:
        return of_severity(self.problems, "error")

    @property
    def warnings(self) -> list[Problem]:
        return of_severity(self.problems, "warning")

    def raise_if_errors(self) -> None:
        if self.errors:
            raise PlanError(self.problems)
