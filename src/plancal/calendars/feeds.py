"""Which feeds a plan has, and what each one may contain.

Every feed but ``public`` is private (served behind a token). The public feed holds only
activities marked ``audience: public`` and never a follow-up, an attendee or an address: the
internal meetings are about young people at risk.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from plancal.i18n import Lang, Text
from plancal.rules.model import Plan

FeedKind = Literal["plan", "public", "deadlines", "role"]

TITLES: dict[FeedKind, Text] = {
    "plan": Text("{plan}", "{plan}"),
    "public": Text("{plan} – public activities", "{plan} – offentliga aktiviteter"),
    "deadlines": Text("{plan} – follow-ups", "{plan} – uppföljningar"),
    "role": Text("{plan} – {role}", "{plan} – {role}"),
}


@dataclass(frozen=True, slots=True)
class Feed:
    slug: str  # file name without .ics, and the last part of its URL
    kind: FeedKind
    title: str
    role: str | None = None

    @property
    def public(self) -> bool:
        return self.kind == "public"

    @property
    def filename(self) -> str:
        return f"{self.slug}.ics"

    def wants_meeting(self, public: bool, roles: frozenset[str]) -> bool:
        if self.kind == "plan":
            return True
        if self.kind == "public":
            return public
        if self.kind == "role":
            return self.role in roles
        return False

    def wants_deadline(self, responsible: frozenset[str]) -> bool:
        if self.kind in ("plan", "deadlines"):
            return True
        return self.kind == "role" and self.role in responsible


def feeds_for(plan: Plan) -> list[Feed]:
    lang: Lang = "sv" if plan.language == "sv" else "en"
    out = [
        Feed("plan", "plan", TITLES["plan"].render(lang, plan=plan.name)),
        Feed("public", "public", TITLES["public"].render(lang, plan=plan.name)),
        Feed("deadlines", "deadlines", TITLES["deadlines"].render(lang, plan=plan.name)),
    ]
    out += [
        Feed(
            f"role-{r.id}",
            "role",
            TITLES["role"].render(lang, plan=plan.name, role=r.label(lang)),
            r.id,
        )
        for r in plan.roles
    ]
    return out
