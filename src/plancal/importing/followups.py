"""The *Uppföljning* column: what is followed up, and when, as the plan format's ``due``.

One cell may hold several follow-ups ("Rapport sammanställs efter varje insats. Föredras
sedan för styrgruppen för BRÅ"): each sentence that says when is one. The forms:

- a date ("2023-02-06", "6 februari 2023") → that date;
- a month every year ("under september månad varje år") → the month, yearly;
- after each occurrence ("efter varje insats", "efter genomförda medborgardialoger") →
  N days after each (N guessed);
- to the BRÅ steering group without a date ("föredras för styrgruppen för BRÅ") → at its next
  meeting; at each of its meetings ("vid varje styrgruppsmöte i BRÅ") → at each;
- once a year ("1 ggr/år") → a month, yearly (guessed);
- anything else ("Kontinuerligt", "Reflektion vid sittande bord") → no deadline.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date

from plancal.rules.cadence import MONTH_WORDS

DAYS_AFTER = 14  # a guess: a report two weeks after the meeting it reports on


@dataclass(frozen=True, slots=True)
class Due:
    kind: str  # "date", "month", "after", "next", "each", "end", "none"
    day: date | None = None
    month: int | None = None
    days: int | None = None


@dataclass(slots=True)
class FollowUpText:
    what: str
    due: Due
    to_steering_group: bool = False
    guesses: list[str] = field(default_factory=list)  # what the draft marks "antagande"


_ISO = re.compile(r"\b(\d{4})-(\d{2})-(\d{2})\b")
_LONG = re.compile(
    r"\b(\d{1,2})(?::e|:a)?\s+("
    + "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
    + r")\s+(\d{4})\b",
    re.I,
)


def dates_in(text: str) -> list[tuple[date, tuple[int, int]]]:
    """Every calendar date the text writes, with where it stands (valid dates only)."""
    found: list[tuple[date, tuple[int, int]]] = []
    for m in _ISO.finditer(text):
        try:
            found.append((date(int(m[1]), int(m[2]), int(m[3])), m.span()))
        except ValueError:
            continue
    for m in _LONG.finditer(text):
        try:
            found.append((date(int(m[3]), MONTH_WORDS[m[2].lower()], int(m[1])), m.span()))
        except ValueError:
            continue
    return sorted(found, key=lambda f: f[1])


_STEERING = re.compile(
    r"styrgrupp(?:en|smöte\w*)?\s+(?:för|i)\s+(?:lokalt\s+)?brå|brå[- ]styrgrupp", re.I
)
_EACH_STEERING = re.compile(r"\bvid\s+varje\s+styrgrupp", re.I)
_AFTER_EACH = re.compile(r"\befter\s+(?:varje|varje\s+genomförd|genomförd[ae]?)\b", re.I)
_MONTH_YEARLY = re.compile(
    r"\b("
    + "|".join(sorted(MONTH_WORDS, key=len, reverse=True))
    + r")(?:\s+månad)?\s+(?:varje|varje\s+år|årligen|each)",
    re.I,
)
_ONCE_A_YEAR = re.compile(r"^\s*(?:1|en)\s*(?:ggr|gång)\s*(?:/|per|om|i)\s*år(?:et)?\s*$", re.I)
_SENTENCES = re.compile(r"(?<=\.)\s+(?=[A-ZÅÄÖ])")


def read(cell: str) -> list[FollowUpText]:
    """The follow-ups one *Uppföljning* cell asks for (none for an empty cell)."""
    text = cell.strip()
    if not text:
        return []
    sentences = [s.strip() for s in _SENTENCES.split(text) if s.strip()]
    found = [f for s in sentences if (f := _one(s)) is not None]
    timed = [f for f in found if f.due.kind != "none"]
    if timed:
        return timed
    return [FollowUpText(_what(text), Due("none"))]


def _what(text: str) -> str:
    return text.strip().rstrip(".").strip()


def _one(sentence: str) -> FollowUpText | None:
    steering = bool(_STEERING.search(sentence))
    dates = dates_in(sentence)
    if dates:
        day, (start, end) = dates[0]
        what = (sentence[:start] + sentence[end:]).strip(" ,.;:")
        return FollowUpText(_what(what) or "Uppföljning", Due("date", day=day), steering)
    if _EACH_STEERING.search(sentence):
        return FollowUpText(_what(sentence), Due("each"), True)
    if m := _MONTH_YEARLY.search(sentence):
        return FollowUpText(_what(sentence), Due("month", month=MONTH_WORDS[m[1].lower()]))
    if _AFTER_EACH.search(sentence):
        return FollowUpText(
            _what(sentence),
            Due("after", days=DAYS_AFTER),
            steering,
            [f"{DAYS_AFTER} dagar efter varje tillfälle"],
        )
    if steering:
        return FollowUpText(_what(sentence), Due("next"), True)
    if _ONCE_A_YEAR.match(sentence):
        return FollowUpText(
            f"Uppföljning ({_what(sentence)})", Due("month", month=12), guesses=["i december"]
        )
    return FollowUpText(_what(sentence), Due("none"))
