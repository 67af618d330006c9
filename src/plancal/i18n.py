"""Bilingual interface text.

The code speaks English, the users Swedish: every message a person reads is written once in
both languages where it is raised, so a missing translation is visible in review, not at run
time. Rendering picks one language late, in the CLI.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any, Literal

Lang = Literal["sv", "en"]
LANGS: tuple[Lang, ...] = ("sv", "en")


@dataclass(frozen=True, slots=True)
class Text:
    """A message in English and Swedish, with named placeholders for str.format."""

    en: str
    sv: str

    def render(self, lang: Lang, **values: Any) -> str:
        return (self.sv if lang == "sv" else self.en).format(**values)


@dataclass(frozen=True, slots=True)
class Message:
    """A Text with its values bound: what a problem or a report line carries."""

    text: Text
    values: tuple[tuple[str, Any], ...] = ()

    def render(self, lang: Lang) -> str:
        return self.text.render(lang, **{k: _localize(v, lang) for k, v in self.values})


def _localize(value: Any, lang: Lang) -> Any:
    """Nested Texts and Messages speak the language of the message they stand in."""
    if isinstance(value, Text):
        return value.sv if lang == "sv" else value.en
    if isinstance(value, Message):
        return value.render(lang)
    return value


def msg(template: Text, /, **values: Any) -> Message:
    return Message(template, tuple(sorted(values.items())))


def default_lang(environ: dict[str, str] | None = None) -> Lang:
    """Swedish when the locale says so (PLANCAL_LANG, LC_ALL, LC_MESSAGES, LANG), else English."""
    env = os.environ if environ is None else environ
    explicit = env.get("PLANCAL_LANG", "").strip().lower()
    if explicit in LANGS:
        return "sv" if explicit == "sv" else "en"
    for key in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(key, "")
        if value:
            return "sv" if value.lower().startswith("sv") else "en"
    return "en"


WEEKDAYS: dict[Lang, tuple[str, ...]] = {
    "sv": ("måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
MONTHS: dict[Lang, tuple[str, ...]] = {
    "sv": (
        "januari",
        "februari",
        "mars",
        "april",
        "maj",
        "juni",
        "juli",
        "augusti",
        "september",
        "oktober",
        "november",
        "december",
    ),
    "en": (
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
    ),
}
