"""The intermediate form every reader produces: a document's paragraphs and tables, in order.

A reader knows its format and nothing of plans; everything after it reads only these values,
so a Word file, a PDF and a text file with the same tables give the same draft.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str
    line: int | None = None  # where a person finds it: the line (text) or None
    page: int | None = None  # the page (PDF) or None
    heading: bool = False  # the format says so (a Word heading style)


@dataclass(frozen=True, slots=True)
class Table:
    rows: tuple[tuple[str, ...], ...]
    line: int | None = None  # of its first row (text)
    page: int | None = None
    row_lines: tuple[int, ...] = ()  # the line of each row (text)

    def line_of(self, row: int) -> int | None:
        return self.row_lines[row] if row < len(self.row_lines) else self.line


Block = Paragraph | Table


@dataclass(frozen=True, slots=True)
class Document:
    name: str  # the file name, for messages
    blocks: tuple[Block, ...]

    @property
    def tables(self) -> list[Table]:
        return [b for b in self.blocks if isinstance(b, Table)]

    @property
    def has_text(self) -> bool:
        return any(
            (b.text.strip() if isinstance(b, Paragraph) else any(any(c for c in r) for r in b.rows))
            for b in self.blocks
        )


# A word that mixes Cyrillic and Latin letters is a slip of a converter, never meant: the
# seed's "Skер" (with Cyrillic е and р) is "Sker" in the PDF. Its Cyrillic letters are read as
# the Latin letters they transliterate to.
_CONFUSABLE = str.maketrans(
    "абвгдеёзийклмнопрстуфхАБВГДЕЁЗИЙКЛМНОПРСТУФХіІјЈ",
    "abvgdeezijklmnoprstufhABVGDEEZIJKLMNOPRSTUFHiIjJ",
)
_WORD = re.compile(r"\w+")
_CYRILLIC = re.compile("[\u0400-\u04ff]")


def _mixed_script(word: str) -> bool:
    scripts = {unicodedata.name(c, "").split()[0] for c in word if c.isalpha()}
    return "CYRILLIC" in scripts and "LATIN" in scripts


def clean(text: str) -> str:
    """One cell's or paragraph's text: spaces collapsed, mixed-script words mended."""
    text = unicodedata.normalize("NFC", text).replace("\u00ad", "")
    if _CYRILLIC.search(text):
        text = _WORD.sub(
            lambda m: (
                m.group(0).translate(_CONFUSABLE) if _mixed_script(m.group(0)) else m.group(0)
            ),
            text,
        )
    return " ".join(text.split())
