"""One way to fail: ``UserError`` and the problems it carries.

Whatever a person can act on — a plan file that cannot be used, a setting that is missing, a
database or a calendar server that refuses — is raised as a ``UserError`` (or a subclass)
carrying ``Problem``s: where (file and line, when there is one), what is wrong, and what to
write or do instead, in both languages. The CLI has one handler that prints them and exits 1;
anything else that escapes is a bug.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Literal

from plancal.i18n import Lang, Message, Text

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
    where: Where | None
    message: Message
    hint: Message | None = None
    severity: Severity = "error"

    def render(self, lang: Lang) -> str:
        label = {
            "error": {"sv": "fel", "en": "error"},
            "warning": {"sv": "varning", "en": "warning"},
        }[self.severity][lang]
        text = f"{label}: {self.message.render(lang)}"
        if self.where is not None:
            text = f"{self.where}: {text}"
        if self.hint is not None:
            text += "\n    " + ("tips" if lang == "sv" else "hint") + ": " + self.hint.render(lang)
        return text

    def sort_key(self) -> tuple[str, int, int]:
        w = self.where or Where("")
        return (w.file, w.line or 0, w.column or 0)


def of_severity(problems: Iterable[Problem], severity: Severity) -> list[Problem]:
    return [p for p in problems if p.severity == severity]


class UserError(Exception):
    """Something the user can act on. Carries every problem found, not only the first.

    Give it problems, or one message (with a hint) that has no place in a file.
    """

    def __init__(
        self,
        problems: Iterable[Problem] | Message | Text | str,
        hint: Message | Text | None = None,
    ):
        if isinstance(problems, (Message, Text, str)):
            self.problems = [Problem(None, _message(problems), _message(hint) if hint else None)]
        else:
            self.problems = sorted(problems, key=Problem.sort_key)
        super().__init__(self.render("en"))

    def render(self, lang: Lang) -> str:
        return "\n".join(p.render(lang) for p in self.problems)

    def closing(self, lang: Lang) -> str | None:
        """A last line after the problems, where the kind of failure has one."""
        return None


class PlanError(UserError):
    """The plan (or the settings file) cannot be used as written; nothing was written."""

    def closing(self, lang: Lang) -> str | None:
        n = len(of_severity(self.problems, "error"))
        return Text("{n} problem(s); nothing was written.", "{n} problem; inget skrevs.").render(
            lang, n=n
        )


def _message(value: Message | Text | str) -> Message:
    if isinstance(value, Message):
        return value
    if isinstance(value, Text):
        return Message(value)
    return Message(Text("{text}", "{text}"), (("text", value),))


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
