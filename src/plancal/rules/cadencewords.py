"""The words of the "när" language: weekdays, months, numbers, ordinals, the units a frequency
counts in, and the words before a count. Tables only; ``rules/cadence.py`` reads them."""

from __future__ import annotations

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

# "var fjortonde dag", "var tredje vecka", "every third week": the ordinals of an interval
INTERVAL_WORDS = {
    "annan": 2,
    "andra": 2,
    "other": 2,
    "second": 2,
    "tredje": 3,
    "third": 3,
    "fjärde": 4,
    "fourth": 4,
    "femte": 5,
    "fifth": 5,
    "sjätte": 6,
    "sixth": 6,
    "sjunde": 7,
    "seventh": 7,
    "åttonde": 8,
    "eighth": 8,
    "fjortonde": 14,
    "fourteenth": 14,
    "tjugoförsta": 21,
    "tjugoåttonde": 28,
}

# The units a frequency counts in, and how many of each a year has (a week is a rule, not a
# count: "en gång i veckan" is weekly; a day counts only in whole weeks, "var 14:e dag").
UNIT_WORDS: dict[str, str] = {}
for _unit, _words in (
    ("day", ("dag", "dagar", "dagen", "day", "days")),
    ("week", ("vecka", "veckan", "veckor", "week", "weeks")),
    ("month", ("månad", "månaden", "månader", "month", "months")),
    ("quarter", ("kvartal", "kvartalet", "quarter", "quarters")),
    ("tertial", ("tertial", "tertialet", "tertialer", "tertials")),
    ("term", ("termin", "terminen", "terminer", "term", "terms", "semester", "semesters")),
    ("half", ("halvår", "halvåret", "halvårs", "half-year", "half year", "half a year")),
    ("year", ("år", "året", "year", "years", "läsår", "läsåret", "school year")),
):
    for _w in _words:
        UNIT_WORDS[_w] = _unit
PER_YEAR = {"year": 1, "half": 2, "term": 2, "tertial": 3, "quarter": 4, "month": 12}

# One word that says how often: "kvartalsvis", "fortnightly" -> (count, unit)
NAMED_FREQUENCIES: dict[str, tuple[int, str]] = {
    "veckovis": (1, "week"),
    "weekly": (1, "week"),
    "fortnightly": (2, "week"),  # every second week (the count is the interval here)
    "månadsvis": (1, "month"),
    "monthly": (1, "month"),
    "kvartalsvis": (1, "quarter"),
    "quarterly": (1, "quarter"),
    "tertialvis": (1, "tertial"),
    "terminsvis": (1, "term"),
    "halvårsvis": (1, "half"),
    "semiannually": (1, "half"),
    "semi-annually": (1, "half"),
    "årligen": (1, "year"),
    "yearly": (1, "year"),
    "annually": (1, "year"),
}

# "cirka fyra gånger per år", "vid minst tre tillfällen per år": what may stand before a count
ABOUT_WORDS = (
    "cirka",
    "ca.",
    "ca",
    "c:a",
    "omkring",
    "ungefär",
    "runt",
    "about",
    "approximately",
    "approx.",
    "around",
    "roughly",
)
AT_LEAST_WORDS = ("minst", "at least", "no fewer than")

ORDINALS = {
    "första": 1,
    "1:a": 1,
    "first": 1,
    "1st": 1,
    "andra": 2,
    "2:a": 2,
    "second": 2,
    "2nd": 2,
    "tredje": 3,
    "3:e": 3,
    "third": 3,
    "3rd": 3,
    "fjärde": 4,
    "4:e": 4,
    "fourth": 4,
    "4th": 4,
    "sista": -1,
    "last": -1,
}
MONTH_WORDS: dict[str, int] = {}
for _i, _names in enumerate(
    [
        ("januari", "january", "jan"),
        ("februari", "february", "feb"),
        ("mars", "march", "mar"),
        ("april", "apr"),
        ("maj", "may"),
        ("juni", "june", "jun"),
        ("juli", "july", "jul"),
        ("augusti", "august", "aug"),
        ("september", "sep", "sept"),
        ("oktober", "october", "okt", "oct"),
        ("november", "nov"),
        ("december", "dec"),
    ],
    start=1,
):
    for _n in _names:
        MONTH_WORDS[_n] = _i

# "Behovsanpassat", "Löpande under året", "När behov uppstår …", "as needed": no fixed time
AS_NEEDED_STARTS = (
    "löpande",
    "behovsanpassa",
    "behovsstyr",
    "när ",
    "vid behov",
    "enligt behov",
    "efter behov",
    "kontinuerlig",
    "as needed",
    "when needed",
    "when ",
    "ongoing",
    "continuous",
    "on demand",
    "ad hoc",
)
DURING = ("under", "during", "in", "i", "hela", "within", "throughout")
