"""The "när" column: the words people write for when an activity happens, as a Cadence.

One language for the plan file and the importer alike. Accepted, case-insensitively, in Swedish
and English (``FORMS`` lists every form with its meaning and examples; docs/planformat.md is
generated from it):

- weekly:    ``Varje måndag kl. 14.00``, ``varannan tisdag 9-10``, ``every Monday 14:00-15:00``,
             ``måndagar och torsdagar kl 13``, ``varje vecka``, ``var fjortonde dag``,
             ``varje vecka på onsdagar 13.00``, ``fortnightly`` (no weekday named: the
             activity's ``weekday``, else the plan's default)
- per year:  ``11 ggr/år``, ``Minst 3 ggr/år``, ``cirka fyra gånger per år``,
             ``vid minst tre tillfällen per år``, ``4–6 gånger per år`` (the lower bound),
             ``per tertial``, ``varje termin``, ``kvartalsvis``, ``twice a year``
- monthly:   ``1 ggr/månad``, ``varje månad``, ``monthly``, ``Första måndagen varje månad``,
             ``last Friday of every month``
- yearly:    ``Första tisdagen i oktober kl. 18.00``, ``the last Friday in May``
- one date:  ``Onsdag den 8 mars 2023, klockan 15:30``, ``7 March 2023 at 15:30`` (a weekday
             that disagrees with the date is refused)
- exact:     ``RRULE:FREQ=WEEKLY;BYDAY=MO`` (or without the ``RRULE:`` prefix); a YAML list of
             dates is handled by the plan loader as :class:`Dates`
- within a period: ``Varannan vecka under hösten 2022``, ``4 ggr/år under 2023``: the cadence,
             only then (``within``)
- no fixed time: ``Löpande…``, ``Behovsanpassat``, ``När behov uppstår…``, ``Vid behov``,
             ``as needed``, ``ongoing``; within a period: ``Under 2022``, ``under våren 2023``,
             ``hösten 2022``, ``spring 2023``: listed, never invented into meetings.

Anything else is an error that says what was not understood and what to write instead (the
nearest form); a misspelt weekday is never silently read as "when needed".

The agenda parses every activity's words at start, so the patterns only the rarer forms need
are compiled on first use (``_pattern``), behind a cheap test of the words.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date, datetime, time, timedelta
from functools import cache

from plancal.i18n import WEEKDAYS, Message, Text, msg
from plancal.rules.cadenceforms import FORMS, PHRASES, Form
from plancal.rules.cadencewords import (
    ABOUT_WORDS,
    AS_NEEDED_STARTS,
    AT_LEAST_WORDS,
    DURING,
    INTERVAL_WORDS,
    MAX_MINUTES,
    MONTH_WORDS,
    NAMED_FREQUENCIES,
    NUMBER_WORDS,
    ORDINALS,
    PER_YEAR,
    RRULE_DAYS,
    UNIT_WORDS,
    WEEKDAY_WORDS,
)

__all__ = [  # what the plan loader, the importer, the reference and the targets read
    "FORMS",
    "MONTH_WORDS",
    "NUMBER_WORDS",
    "ORDINALS",
    "PHRASES",
    "RRULE_DAYS",
    "WEEKDAY_WORDS",
    "AsNeeded",
    "Cadence",
    "CadenceError",
    "Dates",
    "Form",
    "Monthly",
    "PerYear",
    "RRule",
    "Weekly",
    "Yearly",
    "parse",
    "parse_time",
    "weekday_from_word",
    "within",
]


class CadenceError(ValueError):
    def __init__(self, message: Message, hint: Message | None = None):
        super().__init__(message.render("en"))
        self.message = message
        self.hint = hint


# --- the cadences ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weekly:
    """Every week (or every ``interval`` weeks) on the weekdays the words name; none named
    ("varje vecka") means the activity's weekday, else the plan's default."""

    weekdays: tuple[int, ...]  # Monday = 0; () = the activity's (or plan's) weekday
    interval: int = 1
    start_time: time | None = None
    end_time: time | None = None
    duration: timedelta | None = None
    within: tuple[date, date] | None = None  # "… under hösten 2022": only in that period


@dataclass(frozen=True, slots=True)
class Monthly:
    """Once a month, on the nth weekday the words name ("Första måndagen varje månad"), else
    on the plan's (or activity's) week-of-month and weekday."""

    start_time: time | None = None
    end_time: time | None = None
    weekday: int | None = None  # Monday = 0
    nth: int | None = None  # 1..4, or -1 for the last
    within: tuple[date, date] | None = None  # "… under hösten 2022": only in that period


@dataclass(frozen=True, slots=True)
class Yearly:
    """Once a year, on the nth weekday of a month: "Första tisdagen i oktober kl. 18.00"."""

    month: int  # 1..12
    weekday: int
    nth: int  # 1..4, or -1 for the last
    start_time: time | None = None
    end_time: time | None = None
    within: tuple[date, date] | None = None  # "… under hösten 2022": only in that period

    def rrule(self) -> str:
        return f"FREQ=YEARLY;BYMONTH={self.month};BYDAY={self.nth}{RRULE_DAYS[self.weekday]}"


@dataclass(frozen=True, slots=True)
class PerYear:
    """N times a year, spread over the months the plan allows. ``about`` ("cirka") and a range
    ("4–6", ``most`` 6, ``at_least``) are kept for the words people read; the count planned is
    ``count`` either way."""

    count: int
    at_least: bool = False
    start_time: time | None = None
    end_time: time | None = None
    about: bool = False
    most: int | None = None
    within: tuple[date, date] | None = None  # "… under hösten 2022": only in that period


@dataclass(frozen=True, slots=True)
class Dates:
    """An explicit list of dates or datetimes (a YAML list), or one date in words ("den 7 mars
    2023 kl. 15.30") with the time of day the words give."""

    items: tuple[date | datetime, ...]
    start_time: time | None = None
    end_time: time | None = None
    duration: timedelta | None = None


@dataclass(frozen=True, slots=True)
class RRule:
    """An explicit RFC 5545 recurrence rule (without DTSTART)."""

    text: str


@dataclass(frozen=True, slots=True)
class AsNeeded:
    """No fixed time: part of the plan, listed by the agenda, never invented into meetings.
    ``year`` ("Under 2022") or ``first``–``last`` ("under våren 2023") bound it."""

    text: str
    year: int | None = None
    first: date | None = None
    last: date | None = None

    def span(self) -> tuple[date, date] | None:
        if self.first is not None and self.last is not None:
            return self.first, self.last
        if self.year is not None:
            return date(self.year, 1, 1), date(self.year, 12, 31)
        return None


Cadence = Weekly | Monthly | Yearly | PerYear | Dates | RRule | AsNeeded


def within(c: Cadence) -> tuple[date, date] | None:
    """The period the words bound the activity to ("under våren 2023", "varannan vecka under
    hösten 2022"), or None."""
    if isinstance(c, AsNeeded):
        return c.span()
    return getattr(c, "within", None)


# --- times ---------------------------------------------------------------------------------

_TIME = r"(\d{1,2})(?:[.:](\d{2}))?\s*(am|pm|fm|em)?"
_TIME_RE = re.compile(rf"^(?:kl\.?\s*|klockan\s+|at\s+)?{_TIME}$")


def parse_time(text: str) -> time:
    """``14.00``, ``14:00``, ``kl. 14``, ``2 pm`` → time. Raises CadenceError."""
    m = _TIME_RE.match(text.strip().lower())
    if not m:
        raise CadenceError(
            msg(Text("{text!r} is not a time of day", "{text!r} är inte ett klockslag"), text=text),
            msg(
                Text(
                    "write hours and minutes, e.g. 14:00 or 14.00",
                    "skriv timmar och minuter, t.ex. 14.00 eller 14:00",
                )
            ),
        )
    return _time_from_match(m.group(1), m.group(2), m.group(3), text)


def _time_from_match(h: str, mnt: str | None, ampm: str | None, text: str) -> time:
    hour, minute = int(h), int(mnt or 0)
    if ampm in ("pm", "em") and hour < 12:
        hour += 12
    elif ampm in ("am", "fm") and hour == 12:
        hour = 0
    if hour > 23 or minute > 59:
        raise CadenceError(
            msg(
                Text(
                    "{text!r} is not a time of day: hours go 0–23, minutes 0–59",
                    "{text!r} är inget klockslag: timmar 0–23, minuter 0–59",
                ),
                text=text,
            ),
            msg(Text("write e.g. 14:00", "skriv t.ex. 14.00")),
        )
    return time(hour, minute)


# A trailing time, time range and/or duration: "kl. 14.00", "14-15", "at 14:00 for 45 minutes"
_TAIL_RE = re.compile(
    rf"""^(?:(?:kl\.?|klockan|at|@)\s*)?
        {_TIME}
        (?:\s*(?:-|–|—|till|to|until)\s*(?:kl\.?\s*)?{_TIME})?
        (?:\s*(?:,\s*)?(?:for|i|under)\s+(\d+(?:[.,]\d+)?)\s*
            (minuter|minutes|minute|min|m|timmar|timme|tim|hours|hour|h))?$""",
    re.VERBOSE,
)


def _parse_tail(tail: str, whole: str) -> tuple[time | None, time | None, timedelta | None]:
    tail = tail.strip().strip(",").strip()
    if not tail:
        return None, None, None
    m = _TAIL_RE.match(tail)
    if not m:
        raise CadenceError(
            msg(
                Text(
                    "cannot read the time in {text!r} (the part {tail!r})",
                    "kan inte läsa klockslaget i {text!r} (delen {tail!r})",
                ),
                text=whole,
                tail=tail,
            ),
            msg(
                Text(
                    "write e.g. 'every Monday 14:00', 'every Monday 14:00-15:00' or "
                    "'every Monday 14:00 for 45 minutes'",
                    "skriv t.ex. 'Varje måndag kl. 14.00', 'Varje måndag kl. 14.00–15.00' "
                    "eller 'Varje måndag kl. 14.00 i 45 minuter'",
                )
            ),
        )
    start = _time_from_match(m.group(1), m.group(2), m.group(3), whole)
    end = _time_from_match(m.group(4), m.group(5), m.group(6), whole) if m.group(4) else None
    if end is not None and end <= start:
        raise CadenceError(
            msg(
                Text(
                    "in {text!r} the meeting ends ({end}) before it starts ({start})",
                    "i {text!r} slutar mötet ({end}) innan det börjar ({start})",
                ),
                text=whole,
                start=start.strftime("%H:%M"),
                end=end.strftime("%H:%M"),
            ),
            msg(
                Text(
                    "write the start time first, e.g. 14:00-15:00",
                    "skriv starttiden först, t.ex. 14.00–15.00",
                )
            ),
        )
    duration = None
    if m.group(7):
        amount = float(m.group(7).replace(",", "."))
        unit = m.group(8)
        minutes = amount * 60 if unit.startswith(("t", "h")) else amount
        if not 0 < minutes <= MAX_MINUTES:
            raise CadenceError(
                msg(
                    Text(
                        "in {text!r} the meeting lasts longer than two weeks, or not at all",
                        "i {text!r} varar mötet längre än två veckor, eller inte alls",
                    ),
                    text=whole,
                ),
                msg(
                    Text(
                        "write how long one meeting lasts, e.g. 'i 45 minuter' or 'for 2 hours'",
                        "skriv hur länge ett möte varar, t.ex. 'i 45 minuter' eller 'i 2 timmar'",
                    )
                ),
            )
        duration = timedelta(minutes=round(minutes))
    return start, end, duration


# --- the parser ----------------------------------------------------------------------------


# The pattern sources; ``_pattern`` compiles one the first time a phrase needs it (the words
# of numbers and units are looked up in the tables, not spelt out in a pattern: cheaper).
_SOURCES: dict[str, str] = {
    # "11 ggr/år", "en gång i veckan", "4–6 gånger per år", "mellan 4 och 6 ggr per år": any
    # words where the numbers and the unit stand; _counted checks them against the tables
    "count": (
        r"^(?:(?:mellan|between)\s+(?P<b1>\d+|[a-zåäö]+)\s+(?:och|and)\s+(?P<b2>\d+|[a-zåäö]+)"
        r"|(?P<n>\d+|[a-zåäö]+)(?:\s*(?:-|–|—|(?:till|to)\b)\s*(?P<n2>\d+|[a-zåäö]+))?)"
        r"\s*(?:(?:gånger|gång|ggr|tillfällen|tillfälle|times|time|occasions|occasion)\b)?\.?"
        r"\s*(?:(?:/|per|om|i|an|a|each|every|varje|in\s+a)\b)?\s*(?:the\s+)?"
        r"(?P<unit>half[\s-](?:a\s+)?year|[a-zåäö]+)\b(?P<rest>.*)$"
    ),
    # "varje måndag", "varannan tisdag", "every other Friday" (the weekdays follow)
    "weekly_head": (
        r"^(?:(?:varje|var|every|each|alla)(?:\s+(annan|other))?(?:\s+|$)|(varannan)(?:\s+|$))"
    ),
    # "första måndagen varje månad", "sista fredagen i månaden", "first Monday of every month",
    # "första tisdagen i oktober", "the last Friday in May"
    "nth": (
        r"^(?:on\s+)?(?:the\s+|den\s+)?(?:varje\s+|every\s+)?"
        r"(?P<nth>" + "|".join(re.escape(o) for o in ORDINALS) + r")\s+"
        r"(?P<day>[a-zåäö]+?)(?:en|n)?\s+"
        r"(?:(?:i\s+|of\s+|in\s+)?(?:varje|every|each|the)?\s*(?P<month>månad|månaden|month)|"
        r"(?:i|in|of)\s+(?P<named>[a-zåäö]+))$"
    ),
    # "Onsdag den 8 mars 2023, klockan 15:30", "7 March 2023 at 15:30", "March 8, 2023",
    # "8/3 2023" (day/month, the Swedish way)
    "dated": (
        r"^(?:on\s+)?(?:(?P<wd>[a-zåäö]+)\.?\s*,?\s+)?(?:(?:den|the)\s+)?"
        r"(?:(?P<d>\d{1,2})(?::?[ae]|:de|st|nd|rd|th)?\.?\s+(?:of\s+)?(?P<m>[a-zåäö]+)\.?"
        r"|(?P<m2>[a-zåäö]+)\.?\s+(?:the\s+)?(?P<d2>\d{1,2})(?:st|nd|rd|th)?"
        r"|(?P<iso>\d{4}-\d{1,2}-\d{1,2})"
        r"|(?P<d3>\d{1,2})/(?P<m3>\d{1,2})(?:\s*-\s*(?=\d{4}))?)"
        r"(?:\s*,?\s*(?P<y>\d{4})\b)?(?P<tail>.*)$"
    ),
    # "under våren 2023", "hösten 2022", "during the autumn of 2022", "läsåret 2022/23"
    "period": (
        r"^(?:(?:under|during|in|i|within|throughout|hela)\s+)?(?:the\s+)?(?P<what>.*?)\s*"
        r"(?:\bof\s+|,\s*)?(?P<y>\d{4})(?:\s*(?:/|-|–|—)\s*(?P<y2>\d{4}|\d{2}))?$"
    ),
    "months": (r"^(?P<m1>[a-zåäö]+)(?:\s*(?:-|–|—|till|to|through|until)\s*(?P<m2>[a-zåäö]+))?$"),
    "tail_start": r"\s(?:kl\.?|klockan|at|@)\s*\d",
    "day_list": r"\s*(?:,|och|and|&|samt)?\s*([a-zåäö]+)\.?",
    "word": r"[a-zåäö]+",
}


@cache
def _pattern(name: str) -> re.Pattern[str]:
    return re.compile(_SOURCES[name])


def _normal(text: str) -> str:
    return " ".join(text.strip().lower().split()).rstrip(".")


def parse(text: str) -> Cadence:
    """Parse the words of the "när" column. Raises CadenceError with a hint."""
    raw = text.strip()
    t = _normal(text)
    if not t:
        raise CadenceError(
            msg(Text("'when' is empty", "'när' är tomt")),
            msg(
                Text(
                    "write e.g. 'every Monday 14:00', '5 times a year' or 'as needed'",
                    "skriv t.ex. 'Varje måndag kl. 14.00', '5 ggr/år' eller 'Behovsanpassat'",
                )
            ),
        )
    if t.startswith(("rrule:", "freq=")):
        return RRule(raw.split(":", 1)[1] if t.startswith("rrule:") else raw)
    has_year = _has_year(t)
    if t.startswith(AS_NEEDED_STARTS):
        return _as_needed_within(t, raw) if has_year else AsNeeded(raw)
    words = t.split()
    if len(words) == 2 and words[0] in DURING and words[1].isdigit() and len(words[1]) == 4:
        return AsNeeded(raw, int(words[1]))  # "Under 2022", without a pattern
    if has_year and (period := _period(t, raw)) is not None:
        return period
    if _may_be_a_date(t) and (dated := _dated(t, raw)) is not None:
        return dated
    if has_year and (bounded := _bounded(t, raw)) is not None:
        return bounded

    if any(w in ORDINALS for w in words[:4]):
        split = _pattern("tail_start").search(t)
        head, tail = (t[: split.start()].strip(), t[split.start() :]) if split else (t, "")
        if m := _pattern("nth").match(head):
            return _nth(m, tail, raw)

    about, at_least, counted = _qualifiers(t)
    first = counted.split(" ", 1)[0]
    if first in NAMED_FREQUENCIES:
        count, unit = NAMED_FREQUENCIES[first]
        rest = counted[len(first) :]
        if unit == "week":
            return _weekly(rest, count, raw, need_day=False)
        return _per(count, unit, at_least, rest, raw, about=about)
    if (m := _pattern("count").match(counted)) and (found := _counted(m, about, at_least, raw)):
        return found
    if every := _every_units(counted):
        return _every(*every, at_least, raw, about)

    weekly = _pattern("weekly_head").match(t)
    first_word = _pattern("word").match(t)
    if weekly or (first_word and first_word.group(0) in WEEKDAY_WORDS):
        interval = 1
        rest = t
        if weekly:
            rest = t[weekly.end() :]
            if weekly.group(1) or weekly.group(2):
                interval = 2
        return _weekly(rest, interval, raw)

    raise CadenceError(
        msg(
            Text("cannot read when {text!r} happens", "kan inte läsa när {text!r} sker"),
            text=raw,
        ),
        _nearest_hint(t),
    )


# --- qualifiers and counts ------------------------------------------------------------------


def _qualifiers(t: str) -> tuple[bool, bool, str]:
    """Strip "cirka", "minst", "vid" before a count: (about, at least, the rest)."""
    about = at_least = False
    changed = True
    while changed:
        changed = False
        for words, is_about in ((ABOUT_WORDS, True), (AT_LEAST_WORDS, False)):
            for w in words:
                if t.startswith(w + " "):
                    t = t[len(w) + 1 :]
                    about, at_least = (True, at_least) if is_about else (about, True)
                    changed = True
        if t.startswith("vid "):  # "vid minst tre tillfällen", "vid 4 tillfällen per år"
            after = t[4:].split(" ", 1)[0]
            if after.isdigit() or after in NUMBER_WORDS or after in ("minst", "cirka", "ca"):
                t = t[4:]
                changed = True
    return about, at_least, t


def _is_number(word: str) -> bool:
    return word.isdigit() or word in NUMBER_WORDS


def _number(word: str) -> int:
    return int(word) if word.isdigit() else NUMBER_WORDS[word]


_TWO_WORD_OTHER = {("var", "annan"), ("vart", "annat"), ("varje", "annan")}
_TWO_WORD_OTHER |= {("every", "other"), ("every", "second")}


def _interval_word(word: str) -> int | None:
    """ "14:e", "14th", "fjortonde", "two" -> 14, 14, 14, 2; None if not a count."""
    digits = word.rstrip(":adehnrst")
    if digits.isdigit() and word[len(digits) :] in (
        "",
        ":e",
        ":a",
        ":de",
        "e",
        "a",
        "st",
        "nd",
        "rd",
        "th",
    ):
        return int(digits)
    return INTERVAL_WORDS.get(word) or NUMBER_WORDS.get(word)


def _every_units(t: str) -> tuple[int, str, str] | None:
    """ "varannan vecka", "var fjortonde dag", "every 3 weeks on …", "varje kvartal" ->
    (every how many, unit, the rest); None if the words are not that shape."""
    words = t.split(" ")
    if words[0] in ("varannan", "vartannat"):
        n, used = 2, 1
    elif tuple(words[:2]) in _TWO_WORD_OTHER:
        n, used = 2, 2
    elif (
        words[0] in ("var", "vart", "every", "varje")
        and len(words) > 2
        and (counted := _interval_word(words[1])) is not None
    ):
        n, used = counted, 2
    elif words[0] in ("varje", "var", "every", "each", "per", "alla"):
        n, used = 1, 1
    else:
        return None
    if len(words) > used and words[used] == "the":
        used += 1
    for size in (3, 2, 1):  # "half a year", "half year", "vecka"
        unit = " ".join(words[used : used + size]).replace("-", " ")
        comma = unit.endswith(",")
        unit = unit.rstrip(",")
        if unit in UNIT_WORDS and len(words) >= used + size:
            rest = " ".join(words[used + size :])
            return n, UNIT_WORDS[unit], ("," if comma else "") + (" " + rest if rest else "")
    return None


def _counted(m: re.Match[str], about: bool, at_least: bool, raw: str) -> Cadence | None:
    """N per unit, or a range of N: "11 ggr/år", "en gång i veckan", "4–6 gånger per år";
    None when the words in those places are not numbers and a unit."""
    low_word = m.group("n") or m.group("b1")
    high_word = m.group("n2") or m.group("b2")
    unit_word = " ".join(m.group("unit").replace("-", " ").split())
    unit_word = "half year" if unit_word.startswith("half") else unit_word
    if not _is_number(low_word) or (high_word and not _is_number(high_word)):
        return None
    if unit_word not in UNIT_WORDS:
        return None
    count = _number(low_word)
    most = _number(high_word) if high_word else None
    unit = UNIT_WORDS[unit_word]
    rest = m.group("rest")
    if most is not None and most <= count:
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: a range goes from the smaller number to the larger",
                    "{text!r}: ett intervall går från det mindre talet till det större",
                ),
                text=raw,
            ),
            msg(Text("write e.g. '4–6 times a year'", "skriv t.ex. '4–6 gånger per år'")),
        )
    if unit == "week":
        if count == 1 and most is None:
            return _weekly(rest, 1, raw, need_day=False)
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: more than once a week needs the weekdays",
                    "{text!r}: oftare än en gång i veckan behöver veckodagarna",
                ),
                text=raw,
            ),
            msg(
                Text(
                    "name the days, e.g. 'Mondays and Thursdays 13:00'",
                    "skriv dagarna, t.ex. 'Måndagar och torsdagar kl. 13'",
                )
            ),
        )
    if most is not None:
        at_least = True  # "4–6": the plan promises at least four; four are planned
    return _per(count, unit, at_least, rest, raw, about=about, most=most)


def _every(n: int, unit: str, rest: str, at_least: bool, raw: str, about: bool) -> Cadence:
    """Every N units: "varannan vecka", "var fjortonde dag", "var tredje månad", "varje kvartal"."""
    if unit == "day":
        if n == 0 or n % 7:
            raise CadenceError(
                msg(
                    Text(
                        "{text!r}: every {n} days is not a whole number of weeks",
                        "{text!r}: var {n}:e dag är inte ett helt antal veckor",
                    ),
                    text=raw,
                    n=n,
                ),
                msg(
                    Text(
                        "write weeks, e.g. 'every other week', or an exact rule such as "
                        "RRULE:FREQ=DAILY;INTERVAL={n}",
                        "skriv veckor, t.ex. 'varannan vecka', eller en exakt regel som "
                        "RRULE:FREQ=DAILY;INTERVAL={n}",
                    ),
                    n=n,
                ),
            )
        return _weekly(rest, n // 7, raw, need_day=False)
    if unit == "week":
        if n < 1:
            raise _cannot(raw)
        return _weekly(rest, n, raw, need_day=False)
    per_year = PER_YEAR[unit]
    if n < 1 or per_year % n:
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: that is not a whole number of times a year",
                    "{text!r}: det blir inte ett helt antal gånger per år",
                ),
                text=raw,
            ),
            msg(
                Text(
                    "write how many times a year, e.g. '4 times a year', or use from/until "
                    "or a list of dates",
                    "skriv hur många gånger per år, t.ex. '4 ggr/år', eller använd from/until "
                    "eller en lista med datum",
                )
            ),
        )
    count = per_year // n
    return _per(count, "year", at_least, rest, raw, about=about)


def _per(
    count: int,
    unit: str,
    at_least: bool,
    tail: str,
    raw: str,
    about: bool = False,
    most: int | None = None,
) -> Cadence:
    start, end, _duration = _parse_tail(tail, raw)
    if unit == "day":
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: plancal plans meetings weekly at most often",
                    "{text!r}: plancal planerar möten högst en gång per veckodag",
                ),
                text=raw,
            ),
            msg(
                Text(
                    "name the weekdays, e.g. 'Mondays and Thursdays 13:00', or write "
                    "RRULE:FREQ=DAILY",
                    "skriv veckodagarna, t.ex. 'Måndagar och torsdagar kl. 13', eller "
                    "RRULE:FREQ=DAILY",
                )
            ),
        )
    if unit == "month":
        if count != 1 or most is not None:
            raise CadenceError(
                msg(
                    Text(
                        "{text!r}: more than once a month is a weekly cadence",
                        "{text!r}: oftare än en gång i månaden är en veckorytm",
                    ),
                    text=raw,
                ),
                msg(
                    Text(
                        "write e.g. 'every other Monday 10:00' or an RRULE",
                        "skriv t.ex. 'Varannan måndag kl. 10.00' eller en RRULE",
                    )
                ),
            )
        return Monthly(start, end)
    count *= PER_YEAR[unit]
    most = most * PER_YEAR[unit] if most is not None else None
    if not 1 <= count <= 12:
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: {count} times a year does not fit in the months of a year",
                    "{text!r}: {count} gånger per år ryms inte i årets månader",
                ),
                text=raw,
                count=count,
            ),
            msg(
                Text(
                    "use 1–12 times a year, or a weekly cadence such as 'every other Monday'",
                    "använd 1–12 ggr/år, eller en veckorytm som 'Varannan måndag'",
                )
            ),
        )
    if count == 12:
        return Monthly(start, end)
    return PerYear(count, at_least, start, end, about=about, most=most)


# --- the nth weekday of a month ---------------------------------------------------------------


def _nth(m: re.Match[str], tail: str, raw: str) -> Cadence:
    day = m.group("day")
    weekday = WEEKDAY_WORDS.get(day)
    if weekday is None:
        close = _closest_weekday(day)
        raise CadenceError(
            msg(
                Text("unknown weekday {word!r} in {text!r}", "okänd veckodag {word!r} i {text!r}"),
                word=day,
                text=raw,
            ),
            msg(Text("did you mean {close!r}?", "menade du {close!r}?"), close=close[0])
            if close
            else None,
        )
    nth = ORDINALS[m.group("nth")]
    start, end, _duration = _parse_tail(tail, raw)
    if m.group("month"):
        return Monthly(start, end, weekday, nth)
    named = m.group("named")
    month = MONTH_WORDS.get(named)
    if month is None:
        raise CadenceError(
            msg(
                Text("unknown month {word!r} in {text!r}", "okänd månad {word!r} i {text!r}"),
                word=named,
                text=raw,
            ),
            msg(
                Text(
                    "write a month (januari … december or January … December), or "
                    "'varje månad' / 'every month'",
                    "skriv en månad (januari … december), eller 'varje månad'",
                )
            ),
        )
    return Yearly(month, weekday, nth, start, end)


# --- weekdays -------------------------------------------------------------------------------


def _weekly(rest: str, interval: int, raw: str, need_day: bool = True) -> Weekly:
    """The weekdays and time after a weekly head. ``need_day`` False: the head said "vecka"
    ("varje vecka kl. 10"), so no weekday means the activity's own."""
    rest = re.sub(r"^\s*,?\s*(?:på|on|om)\s+", " ", rest) if not need_day else rest
    days: list[int] = []
    pos = 0
    day_list = _pattern("day_list")
    while True:
        m = day_list.match(rest, pos)
        if not m or not m.group(1):
            break
        word = m.group(1)
        if word in WEEKDAY_WORDS:
            days.append(WEEKDAY_WORDS[word])
            pos = m.end()
            continue
        if word in ("kl", "klockan", "at", "for", "i", "till", "to"):
            break
        if days and interval == 1:  # "tisdagar varannan vecka kl. 9"
            after = _every_units(rest[pos:].strip(" ,"))
            if after and after[1] in ("week", "day"):
                found = _every(*after, False, raw, False)
                assert isinstance(found, Weekly)
                if found.weekdays:
                    raise _cannot(raw)
                return Weekly(tuple(sorted(set(days))), found.interval, *_times(found))
        # "varje vecka under terminerna": no weekday was due, so unless the word looks like a
        # misspelt one, the time tail names the part not understood
        due = need_day or days or _closest_weekday(word) or _closest_unit(word)
        if due and (not days or (word.isalpha() and len(word) > 2)):
            raise _unknown_weekday(word, raw)
        break
    if not days and need_day:
        raise CadenceError(
            msg(Text("{text!r} names no weekday", "{text!r} anger ingen veckodag"), text=raw),
            msg(Text("write e.g. 'every Monday 14:00'", "skriv t.ex. 'Varje måndag kl. 14.00'")),
        )
    start, end, duration = _parse_tail(rest[pos:], raw)
    return Weekly(tuple(sorted(set(days))), interval, start, end, duration)


def _times(w: Weekly) -> tuple[time | None, time | None, timedelta | None]:
    return w.start_time, w.end_time, w.duration


def _unknown_weekday(word: str, raw: str) -> CadenceError:
    close = _closest_weekday(word)
    unit = [] if close else _closest_unit(word)
    if unit:  # "varje veckka": a misspelt unit, not a weekday
        return CadenceError(
            msg(
                Text("cannot read {word!r} in {text!r}", "kan inte läsa {word!r} i {text!r}"),
                word=word,
                text=raw,
            ),
            msg(Text("did you mean {close!r}?", "menade du {close!r}?"), close=unit[0]),
        )
    return CadenceError(
        msg(
            Text("unknown weekday {word!r} in {text!r}", "okänd veckodag {word!r} i {text!r}"),
            word=word,
            text=raw,
        ),
        msg(
            Text(
                "did you mean {close!r}? Weekdays: måndag … söndag or Monday … Sunday",
                "menade du {close!r}? Veckodagar: måndag … söndag eller Monday … Sunday",
            ),
            close=close[0],
        )
        if close
        else msg(
            Text(
                "write a weekday: måndag … söndag or Monday … Sunday",
                "skriv en veckodag: måndag … söndag eller Monday … Sunday",
            )
        ),
    )


def _cannot(raw: str) -> CadenceError:
    return CadenceError(
        msg(Text("cannot read when {text!r} happens", "kan inte läsa när {text!r} sker"), text=raw),
        _nearest_hint(_normal(raw)),
    )


# --- one date in words ------------------------------------------------------------------------


def _may_be_a_date(t: str) -> bool:
    """Cheap: a month's name among the words, an ISO date or a day/month."""
    words = [w.strip(",.") for w in t.split()]
    numeric = [w for w in words if w.replace("-", "").replace("/", "").isdigit()]
    return (
        any(w in MONTH_WORDS for w in words)
        or any("/" in w for w in numeric)
        or (_has_year(t) and any("-" in w for w in numeric))
    )


def _dated(t: str, raw: str) -> Dates | None:
    """ "Onsdag den 8 mars 2023, klockan 15:30", "7 March 2023 at 15:30", "2023-03-07 kl. 9"."""
    m = _pattern("dated").match(t)
    if not m:
        return None
    if m.group("iso"):
        y, mo, d = (int(x) for x in m.group("iso").split("-"))
        year: int | None = y
        if m.group("y"):
            return None
    elif m.group("d3"):
        d, mo = int(m.group("d3")), int(m.group("m3"))
        year = int(m.group("y")) if m.group("y") else None
    else:
        month_word = m.group("m") or m.group("m2")
        if month_word not in MONTH_WORDS:
            return None
        mo = MONTH_WORDS[month_word]
        d = int(m.group("d") or m.group("d2"))
        year = int(m.group("y")) if m.group("y") else None
    named = m.group("wd")
    if named in ("den", "the"):
        named = None
    if named is not None and named not in WEEKDAY_WORDS:
        if named in ORDINALS or named in UNIT_WORDS or named in NUMBER_WORDS:
            return None  # "första tisdagen i oktober" and its kin are not dates
        raise _unknown_weekday(named, raw)
    if year is None:
        raise CadenceError(
            msg(
                Text("{text!r} names a date without a year", "{text!r} anger ett datum utan år"),
                text=raw,
            ),
            msg(
                Text(
                    "write the year, e.g. '7 March 2023 at 15:30'",
                    "skriv året, t.ex. 'den 7 mars 2023 kl. 15.30'",
                )
            ),
        )
    try:
        day = date(year, mo, d)
    except ValueError:
        raise CadenceError(
            msg(Text("{text!r} is not a date", "{text!r} är inget datum"), text=raw),
            msg(
                Text(
                    "check the day of the month, e.g. '7 March 2023'",
                    "kontrollera dagen i månaden, t.ex. 'den 7 mars 2023'",
                )
            ),
        ) from None
    if named is not None and WEEKDAY_WORDS[named] != day.weekday():
        raise _wrong_weekday(day, WEEKDAY_WORDS[named], raw)
    try:
        start, end, duration = _parse_tail(m.group("tail"), raw)
    except CadenceError as e:
        raise CadenceError(
            e.message,
            msg(
                Text(
                    "write one date and its time, e.g. '7 March 2023 at 15:30'; several "
                    "dates go in a list: when: [2023-03-07 15:30, 2023-04-12 15:30]",
                    "skriv ett datum och dess tid, t.ex. 'den 7 mars 2023 kl. 15.30'; flera "
                    "datum skrivs som en lista: when: [2023-03-07 15:30, 2023-04-12 15:30]",
                )
            ),
        ) from None
    return Dates((day,), start, end, duration)


def _wrong_weekday(day: date, named: int, raw: str) -> CadenceError:
    before = day - timedelta(days=(day.weekday() - named) % 7 or 7)
    after = day + timedelta(days=(named - day.weekday()) % 7 or 7)
    return CadenceError(
        msg(
            Text(
                "in {text!r} the weekday and the date disagree: {day} is a {actual}, not a {named}",
                "i {text!r} stämmer veckodagen inte med datumet: {day} är en {actual_sv}, inte "
                "en {named_sv}",
            ),
            text=raw,
            day=day.isoformat(),
            actual=WEEKDAYS["en"][day.weekday()],
            named=WEEKDAYS["en"][named],
            actual_sv=WEEKDAYS["sv"][day.weekday()],
            named_sv=WEEKDAYS["sv"][named],
        ),
        msg(
            Text(
                "write the weekday of that date ({actual}), or the date of the {named} you mean "
                "({before} or {after})",
                "skriv datumets veckodag ({actual_sv}), eller datumet för den {named_sv} som "
                "avses ({before} eller {after})",
            ),
            actual=WEEKDAYS["en"][day.weekday()],
            named=WEEKDAYS["en"][named],
            actual_sv=WEEKDAYS["sv"][day.weekday()],
            named_sv=WEEKDAYS["sv"][named],
            before=before.isoformat(),
            after=after.isoformat(),
        ),
    )


# --- a period without frequency -------------------------------------------------------------

_HALF = ((1, 6), (7, 12))
_ORDINAL_WORDS = {
    1: ("första", "1:a", "first", "1st"),
    2: ("andra", "2:a", "second", "2nd"),
    3: ("tredje", "3:e", "third", "3rd"),
    4: ("fjärde", "4:e", "fourth", "4th"),
}


@cache
def _named_periods() -> dict[str, tuple[int, int]]:
    """Named parts of a year -> (first month, last month); seasons are fixed by the plan
    format: spring January–June (the spring term), summer June–August, autumn August–December."""
    out: dict[str, tuple[int, int]] = {}
    for words, months in (
        (("vår", "våren", "vårterminen", "vårtermin", "spring", "spring term"), (1, 6)),
        (("sommar", "sommaren", "summer"), (6, 8)),
        (
            ("höst", "hösten", "höstterminen", "hösttermin", "autumn", "fall", "autumn term"),
            (8, 12),
        ),
    ):
        for w in words:
            out[w] = months
    for n, ordinals in _ORDINAL_WORDS.items():
        for w in ordinals:
            if n <= 2:
                for half in ("halvåret", "halvår", "half", "half-year", "half year"):
                    out[f"{w} {half}"] = _HALF[n - 1]
            if n <= 3:
                for tertial in ("tertialet", "tertial"):
                    out[f"{w} {tertial}"] = (4 * n - 3, 4 * n)
            for quarter in ("kvartalet", "kvartal", "quarter"):
                out[f"{w} {quarter}"] = (3 * n - 2, 3 * n)
        out[f"q{n}"] = out[f"kvartal {n}"] = out[f"quarter {n}"] = (3 * n - 2, 3 * n)
        if n <= 3:
            out[f"t{n}"] = out[f"tertial {n}"] = (4 * n - 3, 4 * n)
    return out


_ACROSS_NEW_YEAR = {  # needs both years: (first month of the first year, last of the second)
    "läsåret": (8, 6),
    "läsår": (8, 6),
    "school year": (8, 6),
    "the school year": (8, 6),
    "academic year": (8, 6),
    "vintern": (12, 2),
    "vinter": (12, 2),
    "winter": (12, 2),
}


def _has_year(t: str) -> bool:
    for sep in "/–—-,":
        t = t.replace(sep, " ")
    return any(len(w) == 4 and w.isdigit() for w in t.split())


def _month_end(year: int, month: int) -> date:
    return date(year + month // 12, month % 12 + 1, 1) - timedelta(days=1)


def _period(t: str, raw: str) -> AsNeeded | None:
    """A period without frequency, or None when the words are not one."""
    m = _pattern("period").match(t)
    if not m:
        return None
    what = " ".join(m.group("what").split())
    year = int(m.group("y"))
    y2 = m.group("y2")
    second = None if y2 is None else int(y2) if len(y2) == 4 else year // 100 * 100 + int(y2)
    if second is not None and second != year + 1 and what:
        return None
    if not what:
        if second is None:
            return AsNeeded(raw, year)
        if second <= year:
            return None
        return AsNeeded(raw, None, date(year, 1, 1), date(second, 12, 31))
    if what in _ACROSS_NEW_YEAR:
        first_month, last_month = _ACROSS_NEW_YEAR[what]
        if second is None:
            raise CadenceError(
                msg(
                    Text(
                        "{text!r} spans two years: name both",
                        "{text!r} sträcker sig över två år: ange båda",
                    ),
                    text=raw,
                ),
                msg(
                    Text(
                        "write e.g. 'school year 2022/2023' or 'winter 2022/2023'",
                        "skriv t.ex. 'läsåret 2022/2023' eller 'vintern 2022/2023'",
                    )
                ),
            )
        return AsNeeded(raw, None, date(year, first_month, 1), _month_end(second, last_month))
    if second is not None:
        return None
    months = _named_periods().get(what)
    if months is None:
        found = _pattern("months").match(what)
        if not found or found.group("m1") not in MONTH_WORDS:
            return None
        last = found.group("m2") or found.group("m1")
        if last not in MONTH_WORDS or MONTH_WORDS[last] < MONTH_WORDS[found.group("m1")]:
            return None
        months = (MONTH_WORDS[found.group("m1")], MONTH_WORDS[last])
    return AsNeeded(raw, None, date(year, months[0], 1), _month_end(year, months[1]))


def _bounded(t: str, raw: str) -> Cadence | None:
    """ "Varannan vecka under hösten 2022", "4 ggr/år under 2023": a frequency within the period
    the words end with; None when they do not end with one."""
    for word in (" under ", " during ", " in ", " i ", ", "):
        at = t.rfind(word)
        if at < 0 or (period := _period(t[at + 1 :].strip(), raw)) is None:
            continue
        head = parse(t[:at].rstrip(" ,"))
        if isinstance(head, Weekly | Monthly | Yearly | PerYear):
            span = period.span()
            assert span is not None
            return replace(head, within=span)
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: only a weekly, monthly or N-a-year cadence can be bounded by a "
                    "period",
                    "{text!r}: bara en vecko-, månads- eller N-ggr/år-rytm kan avgränsas av en "
                    "period",
                ),
                text=raw,
            ),
            msg(
                Text(
                    "write the period alone ('under våren 2023') or a cadence with it "
                    "('every other week during autumn 2022')",
                    "skriv perioden ensam ('under våren 2023') eller en rytm med den "
                    "('varannan vecka under hösten 2022')",
                )
            ),
        )
    return None


def _as_needed_within(t: str, raw: str) -> AsNeeded:
    """ "Löpande under hösten 2022": when needed, within the period the words end with."""
    for word in (" under ", " during ", " in ", " i "):
        at = t.rfind(word)
        if at >= 0 and (found := _period(t[at + 1 :], raw)) is not None:
            return AsNeeded(raw, found.year, found.first, found.last)
    return AsNeeded(raw)


# --- hints ------------------------------------------------------------------------------------


def _nearest_hint(t: str) -> Message:
    """What to write instead: the example closest to the words, and the common forms."""
    examples = {e.lower(): e for f in FORMS for e in f.examples}
    near = _closest(t, list(examples), cutoff=0.6)
    common = msg(
        Text(
            "write e.g. 'every Monday 14:00', 'every other week', '11 times a year', "
            "'monthly', 'RRULE:FREQ=WEEKLY;BYDAY=MO' or 'as needed' (plancal schema --markdown "
            "lists every form)",
            "skriv t.ex. 'Varje måndag kl. 14.00', 'Varannan vecka', '11 ggr/år', "
            "'1 ggr/månad', 'RRULE:FREQ=WEEKLY;BYDAY=MO' eller 'Behovsanpassat' (plancal "
            "schema --markdown listar alla former)",
        )
    )
    if not near:
        return common
    return msg(
        Text("the nearest form: {near!r}; or {common}", "närmast: {near!r}; eller {common}"),
        near=examples[near[0]],
        common=common,
    )


def _fold(word: str) -> str:
    return word.translate(str.maketrans("åäö", "aao"))


def _closest(word: str, candidates: list[str], cutoff: float = 0.6) -> list[str]:
    """The likeliest candidate a misspelt word meant; ties go to the same first letter."""
    import difflib  # only when something is misspelt

    scored = [
        (
            difflib.SequenceMatcher(None, _fold(word), _fold(w)).ratio(),
            _fold(w)[:1] == _fold(word)[:1],
            w,
        )
        for w in candidates
    ]
    best = max(scored)
    return [best[2]] if best[0] >= cutoff else []


def _closest_unit(word: str) -> list[str]:
    """A misspelt unit ("veckka"); stricter than weekdays, short words are alike too easily."""
    return _closest(word, [w for w in UNIT_WORDS if " " not in w], cutoff=0.75)


def _closest_weekday(word: str) -> list[str]:
    """The likeliest weekday a misspelt word meant."""
    return _closest(word, [w for w in WEEKDAY_WORDS if len(w) > 3 and not w.endswith(("ar", "s"))])


def weekday_from_word(word: str) -> int | None:
    return WEEKDAY_WORDS.get(word.strip().lower().rstrip("."))
