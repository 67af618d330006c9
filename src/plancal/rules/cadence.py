"""The "när" column: the words people write for when an activity happens, as a Cadence.

Accepted, case-insensitively, in Swedish and English:

- weekly:    ``Varje måndag kl. 14.00``, ``varannan tisdag 9-10``, ``every Monday 14:00-15:00``,
             ``every other Friday at 8:30 for 45 minutes``, ``måndagar och torsdagar kl 13``
- per year:  ``11 ggr/år``, ``Minst 3 ggr/år``, ``2 gånger/år``, ``5 times a year``,
             ``twice a year``, ``kvartalsvis``
- monthly:   ``1 ggr/månad``, ``varje månad``, ``monthly``, ``once a month``
- exact:     ``RRULE:FREQ=WEEKLY;BYDAY=MO`` (or without the ``RRULE:`` prefix); a YAML list of
             dates is handled by the plan loader as :class:`Dates`
- no fixed time: ``Löpande…``, ``Behovsanpassat``, ``När behov uppstår…``, ``Vid behov``,
             ``Under 2022``, ``as needed``, ``ongoing``, ``during 2022``: listed, never invented
             into meetings.

Anything else is an error that says what was not understood and what to write instead; a
misspelt weekday is never silently read as "when needed".
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from plancal.i18n import Message, Text, msg

WEEKDAY_WORDS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        ("måndag", "mån", "monday", "mon", "mo"),
        ("tisdag", "tis", "tuesday", "tue", "tues", "tu"),
        ("onsdag", "ons", "wednesday", "wed", "we"),
        ("torsdag", "tor", "tors", "thursday", "thu", "thur", "thurs", "th"),
        ("fredag", "fre", "friday", "fri", "fr"),
        ("lördag", "lör", "saturday", "sat", "sa"),
        ("söndag", "sön", "sunday", "sun", "su"),
    ]
):
    for _n in _names:
        WEEKDAY_WORDS[_n] = _i
        if len(_n) > 3:
            WEEKDAY_WORDS[_n + ("ar" if _n.endswith("dag") else "s")] = _i  # måndagar, mondays

MAX_MINUTES = 14 * 24 * 60  # a meeting, however long, ends within two weeks

RRULE_DAYS = ("MO", "TU", "WE", "TH", "FR", "SA", "SU")

NUMBER_WORDS = {
    "en": 1,
    "ett": 1,
    "one": 1,
    "once": 1,
    "två": 2,
    "two": 2,
    "twice": 2,
    "tre": 3,
    "three": 3,
    "thrice": 3,
    "fyra": 4,
    "four": 4,
    "fem": 5,
    "five": 5,
    "sex": 6,
    "six": 6,
    "sju": 7,
    "seven": 7,
    "åtta": 8,
    "eight": 8,
    "nio": 9,
    "nine": 9,
    "tio": 10,
    "ten": 10,
    "elva": 11,
    "eleven": 11,
    "tolv": 12,
    "twelve": 12,
}


class CadenceError(ValueError):
    def __init__(self, message: Message, hint: Message | None = None):
        super().__init__(message.render("en"))
        self.message = message
        self.hint = hint


# --- the cadences ------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Weekly:
    weekdays: tuple[int, ...]  # Monday = 0
    interval: int = 1
    start_time: time | None = None
    end_time: time | None = None
    duration: timedelta | None = None


@dataclass(frozen=True, slots=True)
class Monthly:
    """Once a month, on the plan's (or activity's) week-of-month and weekday."""

    start_time: time | None = None
    end_time: time | None = None


@dataclass(frozen=True, slots=True)
class PerYear:
    """N times a year, spread over the months the plan allows."""

    count: int
    at_least: bool = False
    start_time: time | None = None
    end_time: time | None = None


@dataclass(frozen=True, slots=True)
class Dates:
    """An explicit list of dates or datetimes."""

    items: tuple[date | datetime, ...]


@dataclass(frozen=True, slots=True)
class RRule:
    """An explicit RFC 5545 recurrence rule (without DTSTART)."""

    text: str


@dataclass(frozen=True, slots=True)
class AsNeeded:
    """No fixed time: part of the plan, listed by the agenda, never invented into meetings."""

    text: str
    year: int | None = None


Cadence = Weekly | Monthly | PerYear | Dates | RRule | AsNeeded


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

_AS_NEEDED_RE = re.compile(
    r"^(löpande|behovsanpassa|behovsstyr|när\s|vid\s+behov|enligt\s+behov|efter\s+behov|"
    r"kontinuerlig|as\s+needed|when\s+needed|when\s|ongoing|continuous|on\s+demand|ad\s+hoc)"
)
_DURING_YEAR_RE = re.compile(r"^(?:under|during|in)\s+(\d{4})$")
_NUM = r"(\d+|" + "|".join(sorted(NUMBER_WORDS, key=len, reverse=True)) + r")"
_PER_RE = re.compile(
    rf"^(?:(minst|at\s+least)\s+)?{_NUM}\s*"
    r"(?:ggr|gång|gånger|times?)?\s*(?:/|per|om|i|a|an|each|every)?\s*"
    r"(år|året|year|månad|månaden|month)$"
)
_NAMED_PER = {
    "monthly": (1, "month"),
    "varje månad": (1, "month"),
    "månadsvis": (1, "month"),
    "en gång i månaden": (1, "month"),
    "once a month": (1, "month"),
    "every month": (1, "month"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
    "årligen": (1, "year"),
    "once a year": (1, "year"),
    "en gång om året": (1, "year"),
    "twice a year": (2, "year"),
    "halvårsvis": (2, "year"),
    "quarterly": (4, "year"),
    "kvartalsvis": (4, "year"),
    "varje kvartal": (4, "year"),
}
_WEEKLY_HEAD_RE = re.compile(
    r"^(?:(?:every|var)\s+(\d+)(?::?[ae])?\s+(?:weeks?|veckor|vecka)\s+(?:on\s+|på\s+)?|"
    r"(?:varje|every|each|alla)(?:\s+(annan|other))?(?:\s+|$)|(varannan)(?:\s+|$))"
)
_WORD_RE = re.compile(r"[a-zåäö]+")
_TAIL_START_RE = re.compile(r"\s(?:kl\.?|klockan|at|@)\s*\d")
_DAY_LIST_RE = re.compile(r"\s*(?:,|och|and|&|samt)?\s*([a-zåäö]+)\.?")


def parse(text: str) -> Cadence:
    """Parse the words of the "när" column. Raises CadenceError with a hint."""
    raw = text
    t = " ".join(text.strip().lower().split())
    t = t.rstrip(".")
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
        return RRule(raw.strip().split(":", 1)[1] if t.startswith("rrule:") else raw.strip())
    if m := _DURING_YEAR_RE.match(t):
        return AsNeeded(raw.strip(), int(m.group(1)))
    if _AS_NEEDED_RE.match(t):
        return AsNeeded(raw.strip())

    split = _TAIL_START_RE.search(t)
    head, tail = (t[: split.start()].strip(), t[split.start() :]) if split else (t, "")
    if head in _NAMED_PER:
        count, unit = _NAMED_PER[head]
        return _per(count, unit, False, tail, raw)
    if m := _PER_RE.match(head):
        word = m.group(2)
        count = int(word) if word.isdigit() else NUMBER_WORDS[word]
        unit = "month" if m.group(3).startswith(("mån", "month")) else "year"
        return _per(count, unit, bool(m.group(1)), tail, raw)

    weekly = _WEEKLY_HEAD_RE.match(t)
    first_word = _WORD_RE.match(t)
    if weekly or (first_word and first_word.group(0) in WEEKDAY_WORDS):
        interval = 1
        rest = t
        if weekly:
            rest = t[weekly.end() :]
            if weekly.group(1):
                interval = int(weekly.group(1))
            elif weekly.group(2) or weekly.group(3):
                interval = 2
        return _weekly(rest, interval, raw)

    raise CadenceError(
        msg(
            Text("cannot read when {text!r} happens", "kan inte läsa när {text!r} sker"),
            text=raw.strip(),
        ),
        msg(
            Text(
                "write e.g. 'every Monday 14:00', '11 times a year', 'monthly', "
                "'RRULE:FREQ=WEEKLY;BYDAY=MO' or 'as needed'",
                "skriv t.ex. 'Varje måndag kl. 14.00', '11 ggr/år', '1 ggr/månad', "
                "'RRULE:FREQ=WEEKLY;BYDAY=MO' eller 'Behovsanpassat'",
            )
        ),
    )


def _per(count: int, unit: str, at_least: bool, tail: str, raw: str) -> Cadence:
    start, end, _duration = _parse_tail(tail, raw)
    if unit == "month":
        if count != 1:
            raise CadenceError(
                msg(
                    Text(
                        "{text!r}: more than once a month is a weekly cadence",
                        "{text!r}: oftare än en gång i månaden är en veckorytm",
                    ),
                    text=raw.strip(),
                ),
                msg(
                    Text(
                        "write e.g. 'every other Monday 10:00' or an RRULE",
                        "skriv t.ex. 'Varannan måndag kl. 10.00' eller en RRULE",
                    )
                ),
            )
        return Monthly(start, end)
    if not 1 <= count <= 12:
        raise CadenceError(
            msg(
                Text(
                    "{text!r}: {count} times a year does not fit in the months of a year",
                    "{text!r}: {count} gånger per år ryms inte i årets månader",
                ),
                text=raw.strip(),
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
    return PerYear(count, at_least, start, end)


def _weekly(rest: str, interval: int, raw: str) -> Weekly:
    days: list[int] = []
    pos = 0
    while True:
        m = _DAY_LIST_RE.match(rest, pos)
        if not m or not m.group(1):
            break
        word = m.group(1)
        if word in WEEKDAY_WORDS:
            days.append(WEEKDAY_WORDS[word])
            pos = m.end()
            continue
        if word in ("kl", "klockan", "at", "for", "i", "till", "to"):
            break
        if not days or (word.isalpha() and len(word) > 2):
            close = _closest_weekday(word)
            raise CadenceError(
                msg(
                    Text(
                        "unknown weekday {word!r} in {text!r}", "okänd veckodag {word!r} i {text!r}"
                    ),
                    word=word,
                    text=raw.strip(),
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
        break
    if not days:
        raise CadenceError(
            msg(
                Text("{text!r} names no weekday", "{text!r} anger ingen veckodag"), text=raw.strip()
            ),
            msg(Text("write e.g. 'every Monday 14:00'", "skriv t.ex. 'Varje måndag kl. 14.00'")),
        )
    start, end, duration = _parse_tail(rest[pos:], raw)
    return Weekly(tuple(sorted(set(days))), interval, start, end, duration)


def _fold(word: str) -> str:
    return word.translate(str.maketrans("åäö", "aao"))


def _closest_weekday(word: str) -> list[str]:
    """The likeliest weekday a misspelt word meant; ties go to the same first letter."""
    candidates = [w for w in WEEKDAY_WORDS if len(w) > 3 and not w.endswith(("ar", "s"))]
    scored = [
        (
            difflib.SequenceMatcher(None, _fold(word), _fold(w)).ratio(),
            _fold(w)[:1] == _fold(word)[:1],
            w,
        )
        for w in candidates
    ]
    best = max(scored)
    return [best[2]] if best[0] >= 0.6 else []


def weekday_from_word(word: str) -> int | None:
    return WEEKDAY_WORDS.get(word.strip().lower().rstrip("."))
