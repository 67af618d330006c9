"""The *Vem* column: which organisations and functions a row names, as roles.

A plan names people by function ("Kommunpolis och utsedd socialsekreterare IFO"), by
organisation ("Polis och IFO") or in a sentence ("Förebyggande enheten är sammankallande.
Polisen är delaktig i Rådslaget"). The words below are the ones Swedish plans use; each
becomes one role, named as the document writes it the first time. A plain list of other
names ("Drogsamordnare, Föreningsrådet") gives one role per name; a sentence that names no
known function gives none, and the draft falls back to the plan's coordinator (a guess it
marks).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Known:
    id: str
    pattern: str  # a regular expression over the lower-cased text, whole words
    name_en: str
    police: bool = False  # the address goes on the police's domain


# Longest and most specific first: "socialsekreterare för Barn och unga" before "IFO".
KNOWN: tuple[Known, ...] = (
    Known("kommunpolis", r"kommunpolis(?:en)?", "Community police officer", police=True),
    Known(
        "socialsekreterare-barn-unga",
        r"socialsekreterare(?:n|na)? (?:för|inom) barn och unga",
        "Social workers, children and youth",
    ),
    Known(
        "socialsekreterare-ifo",
        r"(?:utsedd |utsedda )?socialsekreterare(?:n|na)?(?: (?:inom |på )?ifo)?",
        "Appointed social worker (IFO)",
    ),
    Known(
        "ifo",
        r"ifo|individ- och familjeomsorgen|socialtjänsten|socialförvaltningen",
        "Social services (IFO)",
    ),
    Known(
        "bra-styrgrupp",
        r"(?:styrgrupp(?:en)? för (?:lokalt |det lokala )?brå|(?:lokalt )?brå,? styrgrupp(?:en)?)",
        "Crime prevention council (BRÅ), steering group",
    ),
    Known(
        "ks-ordforande", r"kommunstyrelsens ordförande", "Chair of the municipal executive board"
    ),
    Known("trygghetssamordnare", r"trygghetssamordnar(?:e|en|na)", "Safety coordinator"),
    Known("drogsamordnare", r"drogsamordnar(?:e|en|na)", "Drug coordinator"),
    Known("kommunjurist", r"kommunjurist(?:en|er)?", "Municipal lawyer"),
    Known("faltare", r"fältar(?:e|en|na)|fältgrupp(?:en)?", "Field workers"),
    Known("forebyggande-enheten", r"förebyggande enheten", "Prevention unit"),
    Known("rektor", r"(?:skolans |skolornas )?rektor(?:n|er|erna)?", "Head teacher"),
    Known(
        "skolor",
        r"skol(?:or|orna|an)(?: med behov och intresse(?: för aktiviteten)?)?",
        "Schools",
    ),
    Known(
        "kommunikationsavdelningen",
        r"kommunikationsavdelningen|kommunikationsenheten",
        "Communications department",
    ),
    Known("samhallsservice", r"(?:sektor )?samhällsservice", "Community services"),
    Known(
        "representanter",
        r"kommun- och polisrepresentanter(?:na)?",
        "Municipal and police representatives",
    ),
    Known(
        "polisen",
        r"polis(?:en)?|polismyndigheten|lokalpolisområde(?:t)?(?: [A-ZÅÄÖ]?\w+)?",
        "Police",
        police=True,
    ),
)
_KNOWN_RE = [(k, re.compile(rf"(?<![\w-])(?:{k.pattern})(?![\w-])")) for k in KNOWN]


@dataclass(frozen=True, slots=True)
class Named:
    """One role a cell names: a stable id and the document's own words for it."""

    id: str
    name: str
    name_en: str | None
    police: bool
    known: bool


def slug(text: str, fallback: str, limit: int = 40) -> str:
    """An id from words: ASCII, lower case, whole words up to ``limit`` characters."""
    text = text.replace("–", "-").replace("—", "-")
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode()
    words = [w for w in re.split(r"[^a-z0-9]+", ascii_text.lower()) if w]
    result = ""
    for w in words:
        if result and len(result) + 1 + len(w) > limit:
            break
        result = f"{result}-{w}" if result else w[:limit]
    return result or fallback


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


# A plain list: names separated by commas, "och", "samt", "/" or "&" — but never the "och" of
# "Kommun- och polisrepresentanter", where the first word is cut short with a hyphen.
_SEPARATORS = re.compile(r"\s*(?:,|;|&|/|(?<!-)\s+och\s+|\s+samt\s+)\s*")
# A sentence, not a list: a full stop inside, or the verbs plans use about who does what.
_SENTENCE = re.compile(
    r"\.\s+\S|\b(?:är|ansvarar|initieras|deltar|leder|kallar|sammankallande|som)\b", re.I
)
_FILLERS = {"och", "samt", "and", "eller", "or", "med", "för", "av"}
CONVENER = re.compile(r"^(.*?)\s+är\s+sammankallande", re.I)


def is_sentence(text: str) -> bool:
    return bool(_SENTENCE.search(text))


def named(text: str, other_names: bool = True) -> list[Named]:
    """The roles a *Vem* cell names, in the order it names them, each once. ``other_names``:
    a plain list's names that are no known function become roles too (not for prose)."""
    found: list[tuple[int, Named]] = []
    lowered = text.lower()
    taken = [False] * len(text)
    for known, pattern in _KNOWN_RE:
        for m in pattern.finditer(lowered):
            if any(taken[m.start() : m.end()]):
                continue
            for i in range(m.start(), m.end()):
                taken[i] = True
            words = text[m.start() : m.end()]
            found.append(
                (m.start(), Named(known.id, _capital(words), known.name_en, known.police, True))
            )
    if other_names and not is_sentence(text):
        rest = "".join(c if not t else "\0" for c, t in zip(text, taken, strict=True))
        for part in _SEPARATORS.split(rest.replace("\0", ",")):
            part = part.strip(" .,:;()-")
            if len(part) < 3 or len(part.split()) > 6 or part.lower() in _FILLERS:
                continue
            start = text.find(part)
            found.append((start, Named(slug(part, "roll"), _capital(part), None, False, False)))
    result: list[Named] = []
    for _start, role in sorted(found, key=lambda f: f[0]):
        if all(r.id != role.id for r in result):
            result.append(role)
    return result


def convener(text: str) -> list[Named]:
    """The role a sentence calls the convener ("Förebyggande enheten är sammankallande")."""
    m = CONVENER.search(text)
    return named(m.group(1)) if m else []
