"""A first plan from a few answers (``plancal init``): a commented YAML file that validates.

The answers are plain values (``Answers``); ``compose`` writes the text with comments that say
what each part is for and where to read more, and ``create`` proves the text loads and compiles
before it is written, atomically, never over an existing file.
"""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from plancal.errors import PlanError, UserError
from plancal.files import atomic_write
from plancal.i18n import Text, msg


@dataclass(frozen=True)
class Meeting:
    title: str
    when: str  # the plan's words: "Varje måndag kl. 14.00", "4 ggr/år"


@dataclass(frozen=True)
class Answers:
    municipality: str
    start: date
    end: date
    roles: tuple[tuple[str, str], ...]  # (name, e-mail address)
    weekly: tuple[Meeting, ...] = ()
    per_year: tuple[Meeting, ...] = ()
    place: str | None = None
    notes: list[str] = field(default_factory=list)


def slug(text: str, fallback: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text.lower()).strip("-")[:60].strip("-") or fallback


_PLAIN = re.compile(r"^[A-Za-zÅÄÖåäöÉé0-9][\w .,()/@+–-]*$")


def scalar(text: str) -> str:
    """A YAML scalar that reads back as this text: plain when safe, else double-quoted."""
    text = text.strip()
    risky = text.lower() in ("yes", "no", "true", "false", "null", "on", "off", "~")
    if _PLAIN.match(text) and not risky and not re.match(r"^[\d.:-]+$", text):
        return text
    return json.dumps(text, ensure_ascii=False)


def _unique(base: str, taken: set[str]) -> str:
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def compose(a: Answers, today: date) -> str:
    """The plan file's text: commented, in Swedish, as the coordinator will keep it."""
    plan_id = slug(f"{a.municipality} {a.start.year} {a.end.year}", "plan")
    years = f"{a.start.year}" if a.start.year == a.end.year else f"{a.start.year}–{a.end.year}"
    role_ids: list[str] = []
    taken: set[str] = set()
    lines = [
        f"# Lokal handlingsplan för {a.municipality}, påbörjad med `plancal init` {today}.",
        "# Formatet beskrivs i docs/planformat.md (eller: plancal schema --markdown).",
        "# Kontrollera filen med `plancal validate FIL` och se mötena med `plancal agenda FIL`.",
        f"id: {plan_id}  # stabilt: kalendrarna känner igen planen på det",
        f"name: {scalar(f'Lokal handlingsplan {a.municipality} {years}')}",
        "language: sv",
        "timezone: Europe/Stockholm",
        "",
        "# Perioden planen gäller (första och sista dag).",
        "period:",
        f"  start: {a.start.isoformat()}",
        f"  end: {a.end.isoformat()}",
        "",
        "# Svenska helgdagar, med midsommarafton, julafton och nyårsafton. Ett möte på en",
        "# helgdag flyttas till nästa vardag (ändra med holidays: under defaults).",
        "holidays:",
        "  country: SE",
        "  de_facto: true",
        "",
        "# Standardvärden för alla aktiviteter. Möten N gånger om året läggs på veckodagen och",
        "# veckan i månaden som står här (andra tisdagen), kl. 09.00, om inget annat anges.",
        "defaults:",
        '  time: "09:00"',
        "  duration: 60",
        "  weekday: tisdag",
        "  week: 2",
    ]
    if a.place:
        lines.append(f"  place: {scalar(a.place)}")
    lines += [
        "",
        "# Rollerna och deras adresser. Använd funktionsbrevlådor, inte personers adresser:",
        "# påminnelser och kallelser går till rollen, också när någon byter tjänst.",
        "roles:",
    ]
    for name, email in a.roles:
        role_id = _unique(slug(name, "roll"), taken)
        role_ids.append(role_id)
        lines += [f"  {role_id}:", f"    name: {scalar(name)}", f"    email: {scalar(email)}"]
    organizer = role_ids[0]
    attendees = ", ".join(role_ids)
    activity_ids: set[str] = set()
    lines += [
        "",
        "# Aktiviteterna. Id:t är stabilt: kalendrarna känner igen mötena på det, så ändra det",
        "# aldrig. `when` skrivs med planens ord; alla fraser står i docs/planformat.md.",
    ]
    if not a.weekly and not a.per_year:
        lines.append("activities: []  # lägg till aktiviteter här")
    else:
        lines.append("activities:")
    for heading, meetings in (
        ("# Möten varje vecka (eller varannan)", a.weekly),
        ("# Möten några gånger om året", a.per_year),
    ):
        if not meetings:
            continue
        lines.append(f"  {heading}")
        for m in meetings:
            lines += [
                f"  - id: {_unique(slug(m.title, 'aktivitet'), activity_ids)}",
                f"    title: {scalar(m.title)}",
                f"    when: {scalar(m.when)}",
                f"    organizer: {organizer}",
                f"    attendees: [{attendees}]",
            ]
    return "\n".join(lines) + "\n"


def create(path: Path, a: Answers, today: date) -> str:
    """Write the new plan to ``path`` once it is proven to load and compile; never overwrite."""
    from plancal.rules.compile import compile_with_problems
    from plancal.rules.plan import loads_with_problems

    if path.exists():
        raise UserError(
            msg(Text("{file} already exists", "{file} finns redan"), file=str(path)),
            msg(
                Text(
                    "choose another name; plancal init never overwrites a plan",
                    "välj ett annat namn; plancal init skriver aldrig över en plan",
                )
            ),
        )
    text = compose(a, today)
    plan, problems = loads_with_problems(text, str(path))
    if plan is not None and not problems.errors:
        compile_with_problems(plan, problems)
    if problems.errors:
        raise PlanError(problems.problems)
    atomic_write(path, text.encode("utf-8"), mode=0o644)
    return text
