"""The plan file format, declared once: checked by the loader, printed by ``plancal schema``."""

from __future__ import annotations

import re
from datetime import date
from typing import Any, ClassVar

from plancal.errors import Problems, Where
from plancal.i18n import MONTHS, WEEKDAYS, Lang, Message, Text, msg
from plancal.rules.cadence import WEEKDAY_WORDS
from plancal.rules.model import Due
from plancal.rules.schema import (
    EMAIL,
    INVALID,
    SLUG,
    Bool,
    Choice,
    DateK,
    DateOrMonthDay,
    DateTimeK,
    DurationK,
    Either,
    Field,
    Int,
    Kind,
    ListOf,
    MapOf,
    Record,
    Str,
    TimeK,
    TimeZoneK,
)

HOLIDAY_POLICY = Choice(
    {
        "skip": "skip",
        "hoppa över": "skip",
        "inställt": "skip",
        "next": "next",
        "nästa": "next",
        "nästa vardag": "next",
        "next working day": "next",
        "previous": "previous",
        "föregående": "previous",
        "föregående vardag": "previous",
        "previous working day": "previous",
        "keep": "keep",
        "ignore": "keep",
        "behåll": "keep",
        "false": "keep",
    }
)
BREAK_POLICY = Choice(
    {
        "skip": "skip",
        "hoppa över": "skip",
        "inställt": "skip",
        "before": "before",
        "före": "before",
        "innan": "before",
        "after": "after",
        "efter": "after",
        "continue": "continue",
        "ignore": "continue",
        "fortsätt": "continue",
        "pågår": "continue",
        "false": "continue",
    }
)
COUNT_POLICY = Choice(
    {
        "keep": "keep",
        "behåll": "keep",
        "drop": "drop",
        "färre": "drop",
        "stryk": "drop",
    }
)
AUDIENCE = Choice(
    {
        "public": "public",
        "offentlig": "public",
        "allmänheten": "public",
        "internal": "internal",
        "intern": "internal",
        "internt": "internal",
    }
)
LANGUAGE = Choice(
    {"sv": "sv", "svenska": "sv", "swedish": "sv", "en": "en", "engelska": "en", "english": "en"}
)


class WeekdayChoice(Choice):
    """A weekday in Swedish or English; a typo is answered with the names in the reader's
    language, in week order ("måndag, tisdag, …"), not the canonical English sorted A–Z."""

    def listing(self) -> Text:
        return Text(
            "a weekday: " + ", ".join(WEEKDAYS["en"]) + " (or måndag … söndag)",
            "en veckodag: " + ", ".join(WEEKDAYS["sv"]) + " (eller Monday … Sunday)",
        )

    def suggest(self, close: str) -> Message:
        """The day meant, named in the reader's language: 'wensday' → 'onsdag' in Swedish."""
        day = WEEKDAY_WORDS[close]
        return msg(
            Text("did you mean {en!r}?", "menade du {sv!r}?"),
            en=WEEKDAYS["en"][day].lower(),
            sv=WEEKDAYS["sv"][day],
        )


WEEKDAY = WeekdayChoice(
    {
        w: ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")[i]
        for w, i in WEEKDAY_WORDS.items()
    }
)
WEEKDAY_INDEX = {
    "monday": 0,
    "tuesday": 1,
    "wednesday": 2,
    "thursday": 3,
    "friday": 4,
    "saturday": 5,
    "sunday": 6,
}


class WeekOfMonthK(Kind):
    """Which week of the month: 1–4, or last (-1)."""

    WORDS: ClassVar[dict[str, int]] = {
        "first": 1,
        "första": 1,
        "second": 2,
        "andra": 2,
        "third": 3,
        "tredje": 3,
        "fourth": 4,
        "fjärde": 4,
        "last": -1,
        "sista": -1,
    }

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, int) and not isinstance(value, bool) and value in (1, 2, 3, 4, -1):
            return value
        if isinstance(value, str) and value.strip().lower() in self.WORDS:
            return self.WORDS[value.strip().lower()]
        problems.error(
            where,
            msg(
                Text("{value!r} is not a week of the month", "{value!r} är ingen vecka i månaden"),
                value=value,
            ),
            msg(Text("write 1, 2, 3, 4 or last", "skriv 1, 2, 3, 4 eller sista")),
        )
        return INVALID

    def expected(self) -> Text:
        return Text("a week of the month", "en vecka i månaden")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"anyOf": [{"enum": [1, 2, 3, 4, -1]}, {"enum": sorted(self.WORDS)}]}


MONTH_WORDS = {m.lower(): i + 1 for lang in ("sv", "en") for i, m in enumerate(MONTHS[lang])}
_YEARLY_RE = re.compile(
    r"^(?:(?:under|in|during|every|varje)\s+)?([a-zåäö]+)"
    r"(?:\s+månad)?(?:\s+(?:varje|every|each)\s+(?:år|year))?$"
)
MAX_DUE_DAYS = 3650  # ten years: a follow-up later than that belongs to another plan
_AFTER_EACH_RE = re.compile(
    r"^(\d+)\s*(?:dagar|dag|days?|d)\s+(?:efter|after)\s+(?:varje|each|every)"
    r"(?:\s+(?:tillfälle|möte|insats|occurrence|meeting))?$"
)
_AT_RE = re.compile(r"^(?:vid|at|on)\s+(nästa|next|varje|each|every)\s+([a-z0-9-]+)$")
_PLAN_END_RE = re.compile(
    r"^(?:(\d+)\s*(?:dagar|days?)\s+(?:efter|after)\s+)?"
    r"(?:plan[_ ]end|planens slut|planperiodens slut|end of (?:the )?plan)$"
)


class DueK(Kind):
    """When a follow-up is due, in words or as a mapping.

    ``2023-02-06``; ``september`` (every year, during that month); ``14 days after each``;
    ``at next bra-styrgrupp`` (the next occurrence of another activity after each occurrence);
    ``at each bra-styrgrupp``; ``plan end`` or ``30 days after plan end``; ``none``.
    Mappings: ``{yearly: september}``, ``{after_each: 14}``, ``{at_next: ID}``,
    ``{at_each: ID}``, ``{plan_end: 30}``.
    """

    HINT = Text(
        "write a date (2023-02-06), a month ('september'), '14 days after each', "
        "'at next ACTIVITY-ID', 'at each ACTIVITY-ID', 'plan end' or 'none'",
        "skriv ett datum (2023-02-06), en månad ('september'), '14 dagar efter varje', "
        "'vid nästa AKTIVITETS-ID', 'vid varje AKTIVITETS-ID', 'planens slut' eller 'ingen'",
    )

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, date):
            return Due("date", on=DateK().check(value, where, problems))
        if isinstance(value, dict) and len(value) == 1:
            ((key, arg),) = value.items()
            return self._mapping(str(key), arg, where, problems)
        if isinstance(value, str):
            text = " ".join(value.strip().lower().rstrip(".").split())
            due = self._words(text)
            if due is not None:
                return due
            m = _AFTER_EACH_RE.match(text) or _PLAN_END_RE.match(text)
            if m and m.group(1) and int(m.group(1)) > MAX_DUE_DAYS:
                problems.error(
                    where,
                    msg(
                        Text(
                            "{days} days is more than ten years after",
                            "{days} dagar är mer än tio år efter",
                        ),
                        days=m.group(1),
                    ),
                    msg(
                        Text(
                            "write at most {max} days, e.g. '14 days after each'",
                            "skriv högst {max} dagar, t.ex. '14 dagar efter varje'",
                        ),
                        max=MAX_DUE_DAYS,
                    ),
                )
                return INVALID
        problems.error(
            where,
            msg(
                Text(
                    "cannot read when {value!r} is due",
                    "kan inte läsa när {value!r} ska vara klart",
                ),
                value=value,
            ),
            msg(self.HINT),
        )
        return INVALID

    def _words(self, text: str) -> Due | None:
        text = " ".join(text.rstrip(".").split())
        try:
            return Due("date", on=date.fromisoformat(text))
        except ValueError:
            pass
        if text in ("none", "ingen", "inget", "-"):
            return Due("none")
        if (m := _YEARLY_RE.match(text)) and m.group(1) in MONTH_WORDS:
            return Due("yearly", month=MONTH_WORDS[m.group(1)])
        if (m := _AFTER_EACH_RE.match(text)) and int(m.group(1)) <= MAX_DUE_DAYS:
            return Due("after_each", days=int(m.group(1)))
        if m := _AT_RE.match(text):
            kind = "at_next" if m.group(1) in ("nästa", "next") else "at_each"
            return Due(kind, activity=m.group(2))  # type: ignore[arg-type]
        if (m := _PLAN_END_RE.match(text)) and int(m.group(1) or 0) <= MAX_DUE_DAYS:
            return Due("plan_end", days=int(m.group(1) or 0))
        return None

    def _mapping(self, key: str, arg: Any, where: Where, problems: Problems) -> Any:
        if key == "date":
            day = DateK().check(arg, where, problems)
            return INVALID if day is INVALID else Due("date", on=day)
        if key == "yearly":
            month = MONTH_WORDS.get(str(arg).strip().lower())
            if isinstance(arg, int) and 1 <= arg <= 12:
                month = arg
            if month is None:
                problems.error(
                    where,
                    msg(Text("{value!r} is not a month", "{value!r} är ingen månad"), value=arg),
                    msg(Text("write e.g. september", "skriv t.ex. september")),
                )
                return INVALID
            return Due("yearly", month=month)
        if key in ("after_each", "plan_end"):
            days = Int(0, MAX_DUE_DAYS).check(arg, where, problems)
            return INVALID if days is INVALID else Due(key, days=days)  # type: ignore[arg-type]
        if key in ("at_next", "at_each"):
            ref = SLUG.check(arg, where, problems)
            return INVALID if ref is INVALID else Due(key, activity=ref)  # type: ignore[arg-type]
        problems.error(
            where,
            msg(Text("unknown kind of due date {key!r}", "okänd sorts slutdatum {key!r}"), key=key),
            msg(self.HINT),
        )
        return INVALID

    def expected(self) -> Text:
        return Text("a due date", "ett slutdatum")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {
            "anyOf": [
                {"type": "string"},
                {
                    "type": "object",
                    "minProperties": 1,
                    "maxProperties": 1,
                    "properties": {
                        "date": {"type": "string", "format": "date"},
                        "yearly": {"type": ["string", "integer"]},
                        "after_each": {"type": "integer", "minimum": 0},
                        "plan_end": {"type": "integer", "minimum": 0},
                        "at_next": {"type": "string"},
                        "at_each": {"type": "string"},
                    },
                    "additionalProperties": False,
                },
            ]
        }


REMIND_DAYS = ListOf(Int(0, 365), allow_single=True, max_items=10)
ROLE_LIST = ListOf(SLUG, allow_single=True, max_items=200)
TEXT = Str()


def _is_str(v: Any) -> bool:
    return isinstance(v, str)


def _is_list(v: Any) -> bool:
    return isinstance(v, list)


def _is_map(v: Any) -> bool:
    return isinstance(v, dict)


def _is_number(v: Any) -> bool:
    return isinstance(v, int) and not isinstance(v, bool)


def _is_false(v: Any) -> bool:
    return v is False


FOLLOWUP = Record(
    "follow-up",
    [
        Field(
            "id",
            SLUG,
            Text(
                "Stable id of the follow-up; reminders are keyed by it.",
                "Uppföljningens stabila id; påminnelser knyts till det.",
            ),
            required=True,
        ),
        Field(
            "what", TEXT, Text("What must be delivered.", "Vad som ska levereras."), required=True
        ),
        Field(
            "due",
            DueK(),
            Text(
                "When it is due: a date, a month every year, N days after each occurrence, at the "
                "next/each occurrence of another activity, at the plan end, or none.",
                "När det ska vara klart: ett datum, en månad varje år, N dagar efter varje tillfälle, "
                "vid nästa/varje tillfälle av en annan aktivitet, vid planens slut, eller ingen.",
            ),
        ),
        Field(
            "to",
            TEXT,
            Text(
                "To whom it is reported (free text or a role).",
                "Till vem det redovisas (fritext eller en roll).",
            ),
        ),
        Field(
            "responsible",
            ROLE_LIST,
            Text(
                "Roles reminded before the deadline (default: the activity's organizer).",
                "Roller som påminns före slutdatum (standard: aktivitetens sammankallande).",
            ),
        ),
        Field(
            "remind",
            REMIND_DAYS,
            Text(
                "Days before the deadline to remind (default: the plan's).",
                "Dagar före slutdatum att påminna (standard: planens).",
            ),
        ),
    ],
    Text(
        "A follow-up: what is due, when, and who is reminded.",
        "En uppföljning: vad som ska göras, när, och vem som påminns.",
    ),
)

EXCEPTIONS = Record(
    "exceptions",
    [
        Field(
            "cancelled",
            ListOf(DateK()),
            Text("Occurrences that do not take place.", "Tillfällen som ställs in."),
        ),
        Field(
            "moved",
            MapOf(DateK(), DateTimeK()),
            Text(
                "Occurrences moved: original date → new date and time.",
                "Flyttade tillfällen: ursprungligt datum → nytt datum och tid.",
            ),
        ),
        Field("added", ListOf(DateTimeK()), Text("Extra occurrences.", "Extra tillfällen.")),
        Field(
            "reasons",
            MapOf(DateK(), Str()),
            Text(
                "Why an occurrence is cancelled or moved: original date → reason (shown in the "
                "agenda, the calendars and the reminders).",
                "Varför ett tillfälle ställs in eller flyttas: ursprungligt datum → skäl (syns i "
                "agendan, kalendrarna och påminnelserna).",
            ),
        ),
    ],
    Text("Changes to single occurrences.", "Ändringar av enstaka tillfällen."),
)

ACTIVITY = Record(
    "activity",
    [
        Field(
            "id",
            SLUG,
            Text(
                "Stable id; calendar UIDs are derived from it, so never change it.",
                "Stabilt id; kalenderns UID härleds från det, så ändra det aldrig.",
            ),
            required=True,
        ),
        Field(
            "title",
            TEXT,
            Text("Title shown in calendars.", "Rubrik som visas i kalendrar."),
            required=True,
        ),
        Field(
            "title_en",
            TEXT,
            Text(
                "The title in English, for English output (default: the title as written).",
                "Rubriken på engelska, för engelsk utdata (standard: rubriken som den står).",
            ),
        ),
        Field(
            "area",
            ListOf(TEXT, allow_single=True, max_items=20),
            Text(
                "Priority area(s), e.g. Ungdomskriminalitet.",
                "Prioriterat område, t.ex. Ungdomskriminalitet.",
            ),
        ),
        Field("description", TEXT, Text("Longer description.", "Längre beskrivning.")),
        Field("description_en", TEXT, Text("English description.", "Engelsk beskrivning.")),
        Field(
            "when",
            Either(
                [(_is_str, Str(max_length=300)), (_is_list, ListOf(DateTimeK()))],
                Text("words or a list of dates", "ord eller en lista med datum"),
            ),
            Text(
                "When it happens, in the plan's own words ('Varje måndag kl. 14.00', "
                "'11 ggr/år', 'Behovsanpassat'), an RRULE, or a list of dates.",
                "När den sker, med planens ord ('Varje måndag kl. 14.00', '11 ggr/år', "
                "'Behovsanpassat'), en RRULE, eller en lista med datum.",
            ),
            required=True,
        ),
        Field(
            "time",
            TimeK(),
            Text("Start time, if 'when' gives none.", "Starttid, om 'när' inte anger någon."),
        ),
        Field(
            "end",
            TimeK(),
            Text("End time (instead of a duration).", "Sluttid (i stället för varaktighet)."),
        ),
        Field(
            "duration", DurationK(), Text("How long a meeting lasts.", "Hur länge ett möte pågår.")
        ),
        Field(
            "all_day",
            Bool(),
            Text("An all-day event, without time.", "En heldagshändelse, utan klockslag."),
        ),
        Field(
            "weekday",
            WEEKDAY,
            Text(
                "Weekday for monthly and N-per-year activities.",
                "Veckodag för månatliga aktiviteter och N ggr/år.",
            ),
        ),
        Field(
            "week",
            WeekOfMonthK(),
            Text(
                "Week of the month for monthly and N-per-year activities (1–4 or last).",
                "Vecka i månaden för månatliga aktiviteter och N ggr/år (1–4 eller sista).",
            ),
        ),
        Field(
            "from",
            DateK(),
            Text(
                "First day the activity runs (default: plan start).",
                "Första dag aktiviteten pågår (standard: planens start).",
            ),
        ),
        Field(
            "until",
            DateK(),
            Text(
                "Last day the activity runs (default: plan end).",
                "Sista dag aktiviteten pågår (standard: planens slut).",
            ),
        ),
        Field(
            "pinned",
            ListOf(DateTimeK()),
            Text(
                "Exact dates for some of the N-per-year occurrences (each replaces the nearest "
                "computed one).",
                "Fasta datum för några av tillfällena vid N ggr/år (vart och ett ersätter det "
                "närmaste beräknade).",
            ),
        ),
        Field("place", TEXT, Text("Where it happens.", "Var den sker.")),
        Field(
            "place_en",
            TEXT,
            Text(
                "The place in English, for English output (default: the place as written).",
                "Platsen på engelska, för engelsk utdata (standard: platsen som den står).",
            ),
        ),
        Field(
            "organizer", SLUG, Text("Role that calls the meeting.", "Roll som är sammankallande.")
        ),
        Field("attendees", ROLE_LIST, Text("Roles that attend.", "Roller som deltar.")),
        Field(
            "audience",
            AUDIENCE,
            Text(
                "public: in the public feed; internal (default): only in private feeds, marked "
                "confidential.",
                "public: i det offentliga flödet; internal (standard): bara i privata flöden, "
                "markerad konfidentiell.",
            ),
        ),
        Field(
            "reminder",
            Either(
                [(_is_number, Int(0, 40320)), (_is_false, Bool())],
                Text("minutes or false", "minuter eller false"),
            ),
            Text(
                "Alarm, minutes before start; false for none.",
                "Larm, minuter före start; false för inget.",
            ),
        ),
        Field(
            "holidays",
            HOLIDAY_POLICY,
            Text(
                "On a holiday: skip, next (working day), previous, or keep.",
                "På en helgdag: skip (hoppa över), next (nästa vardag), previous (föregående), keep.",
            ),
        ),
        Field(
            "breaks",
            Either(
                [
                    (_is_str, BREAK_POLICY),
                    (_is_false, BREAK_POLICY),
                    (_is_map, MapOf(SLUG, BREAK_POLICY)),
                ],
                Text("a policy or a mapping break → policy", "en regel eller break → regel"),
            ),
            Text(
                "In a break: skip, before, after, or continue; or per break id.",
                "Under uppehåll: skip, before, after eller continue; eller per uppehålls-id.",
            ),
        ),
        Field(
            "count",
            COUNT_POLICY,
            Text(
                "N times a year: keep (default) places a meeting a break or holiday takes away "
                "in the nearest free month; drop accepts fewer.",
                "N ggr/år: keep (standard) lägger ett möte som ett uppehåll eller en helgdag tar "
                "bort i närmaste lediga månad; drop godtar färre.",
            ),
        ),
        Field(
            "exceptions",
            EXCEPTIONS,
            Text(
                "Moved, cancelled and added occurrences.",
                "Flyttade, inställda och tillagda tillfällen.",
            ),
        ),
        Field("followups", ListOf(FOLLOWUP), Text("Follow-ups (Uppföljning).", "Uppföljningar.")),
        Field(
            "overlaps",
            ListOf(SLUG, allow_single=True, max_items=200),
            Text(
                "Activities it may overlap (e.g. a meeting that replaces another that day): "
                "their shared people are not reported as double-booked.",
                "Aktiviteter den får överlappa (t.ex. ett möte som ersätter ett annat den dagen): "
                "gemensamma deltagare rapporteras inte som dubbelbokade.",
            ),
        ),
    ],
    Text("An activity of the plan.", "En aktivitet i planen."),
)

ROLE = Record(
    "role",
    [
        Field("name", TEXT, Text("Name shown to people.", "Namn som visas."), required=True),
        Field("name_en", TEXT, Text("English name.", "Engelskt namn.")),
        Field(
            "email",
            EMAIL,
            Text(
                "Role address (a mailbox, not a private person's).",
                "Rollens adress (en funktionsbrevlåda).",
            ),
            required=True,
        ),
    ],
    Text("A role and its address.", "En roll och dess adress."),
)

BREAK = Record(
    "break",
    [
        Field("id", SLUG, Text("Stable id.", "Stabilt id."), required=True),
        Field(
            "name",
            TEXT,
            Text("Name, e.g. Sommaruppehåll.", "Namn, t.ex. Sommaruppehåll."),
            required=True,
        ),
        Field(
            "from",
            DateOrMonthDay(),
            Text(
                "First day: a date, or MM-DD for every year.",
                "Första dag: ett datum, eller MM-DD för varje år.",
            ),
            required=True,
        ),
        Field(
            "to",
            DateOrMonthDay(),
            Text("Last day (inclusive).", "Sista dag (inklusive)."),
            required=True,
        ),
        Field(
            "policy",
            BREAK_POLICY,
            Text(
                "Default for activities that say nothing.",
                "Standard för aktiviteter som inget anger.",
            ),
        ),
    ],
    Text("A break: a period when meetings pause.", "Ett uppehåll: en period utan möten."),
)

DEFAULTS = Record(
    "defaults",
    [
        Field(
            "time",
            TimeK(),
            Text("Start time when nothing else says.", "Starttid när inget annat anges."),
            default="09:00",
        ),
        Field("duration", DurationK(), Text("Meeting length.", "Mötets längd."), default=60),
        Field(
            "weekday",
            WEEKDAY,
            Text(
                "Weekday for monthly and N-per-year activities.",
                "Veckodag för månatliga aktiviteter och N ggr/år.",
            ),
            default="tuesday",
        ),
        Field(
            "week",
            WeekOfMonthK(),
            Text("Week of the month (1–4 or last).", "Vecka i månaden (1–4 eller sista)."),
            default=2,
        ),
        Field("place", TEXT, Text("Default place.", "Standardplats.")),
        Field("place_en", TEXT, Text("Default place in English.", "Standardplats på engelska.")),
        Field(
            "reminder",
            Int(0, 40320),
            Text("Alarm, minutes before.", "Larm, minuter före."),
            default=15,
        ),
        Field(
            "holidays",
            HOLIDAY_POLICY,
            Text("Holiday policy.", "Regel för helgdagar."),
            default="next",
        ),
        Field("breaks", BREAK_POLICY, Text("Break policy.", "Regel för uppehåll."), default="skip"),
        Field(
            "remind",
            REMIND_DAYS,
            Text(
                "Days before a follow-up deadline to remind.",
                "Dagar före en uppföljning att påminna.",
            ),
            default=[14, 1],
        ),
    ],
    Text("Defaults for every activity.", "Standardvärden för alla aktiviteter."),
)

URL = Str(r"https?://\S+", Text("write an http(s) URL", "skriv en http(s)-adress"))
MUNICIPALITY = Record(
    "municipality",
    [
        Field(
            "name",
            TEXT,
            Text("Name, e.g. Söderhamns kommun.", "Namn, t.ex. Söderhamns kommun."),
            required=True,
        ),
        Field("name_en", TEXT, Text("English name.", "Engelskt namn.")),
        Field(
            "logo",
            Str(
                r"(?!.*\.\.)[^/\s]\S*\.(svg|png|jpg|jpeg|webp)",  # beside the plan, not above it
                Text(
                    "write a file name ending in .svg, .png, .jpg or .webp",
                    "skriv ett filnamn som slutar på .svg, .png, .jpg eller .webp",
                ),
            ),
            Text(
                "Logo file, relative to the plan file (shown on the public page).",
                "Logotypfil, relativt planfilen (visas på den publika sidan).",
            ),
        ),
    ],
    Text("Who publishes the plan.", "Vem som ger ut planen."),
)

PLAN = Record(
    "plan",
    [
        Field(
            "id",
            SLUG,
            Text(
                "Stable id of the plan; calendar UIDs are derived from it.",
                "Planens stabila id; kalenderns UID härleds från det.",
            ),
            required=True,
        ),
        Field("name", TEXT, Text("Name of the plan.", "Planens namn."), required=True),
        Field("name_en", TEXT, Text("English name of the plan.", "Planens namn på engelska.")),
        Field(
            "municipality",
            MUNICIPALITY,
            Text(
                "Who publishes the plan (shown on the public page).",
                "Vem som ger ut planen (visas på den publika sidan).",
            ),
        ),
        Field(
            "contact",
            SLUG,
            Text(
                "Role the public may contact; the page shows its name and address.",
                "Roll som allmänheten kan kontakta; sidan visar dess namn och adress.",
            ),
        ),
        Field(
            "document",
            URL,
            Text(
                "Address of the plan document; the public page links to it.",
                "Adress till plandokumentet; den publika sidan länkar till det.",
            ),
        ),
        Field(
            "timezone",
            TimeZoneK(),
            Text("Time zone of every time in the plan.", "Tidszon för alla tider i planen."),
            default="Europe/Stockholm",
        ),
        Field(
            "language",
            LANGUAGE,
            Text(
                "Language of calendar names and reminders.", "Språk i kalendernamn och påminnelser."
            ),
            default="sv",
        ),
        Field(
            "period",
            Record(
                "period",
                [
                    Field("start", DateK(), Text("First day.", "Första dag."), required=True),
                    Field("end", DateK(), Text("Last day.", "Sista dag."), required=True),
                ],
            ),
            Text("The period the plan covers.", "Perioden planen gäller."),
            required=True,
        ),
        Field(
            "holidays",
            Record(
                "holidays",
                [
                    Field(
                        "country",
                        Str(
                            r"[A-Z]{2}",
                            Text("write a country code, e.g. SE", "skriv en landskod, t.ex. SE"),
                        ),
                        Text("Country (ISO 3166 code).", "Land (ISO 3166-kod)."),
                        default="SE",
                    ),
                    Field(
                        "subdivision",
                        TEXT,
                        Text(
                            "Region, where holidays differ.", "Region, där helgdagar skiljer sig."
                        ),
                    ),
                    Field(
                        "de_facto",
                        Bool(),
                        Text(
                            "Count de-facto holidays (midsommarafton, julafton, nyårsafton).",
                            "Räkna de facto-helgdagar (midsommarafton, julafton, nyårsafton).",
                        ),
                        default=True,
                    ),
                ],
            ),
            Text("Holiday calendar.", "Helgdagskalender."),
        ),
        Field(
            "defaults",
            DEFAULTS,
            Text("Defaults for every activity.", "Standardvärden för alla aktiviteter."),
        ),
        Field(
            "breaks",
            ListOf(BREAK),
            Text("Breaks, e.g. the summer break.", "Uppehåll, t.ex. sommaruppehållet."),
        ),
        Field(
            "roles",
            MapOf(SLUG, ROLE),
            Text("Roles by id, with addresses.", "Roller efter id, med adresser."),
            required=True,
        ),
        Field(
            "activities",
            ListOf(ACTIVITY, max_items=5000),
            Text("The activities.", "Aktiviteterna."),
            required=True,
        ),
        Field(
            "followups",
            ListOf(FOLLOWUP),
            Text("Follow-ups of the whole plan.", "Uppföljningar av hela planen."),
        ),
        Field(
            "feeds",
            Record(
                "feeds",
                [
                    Field(
                        "refresh",
                        DurationK(),
                        Text(
                            "How often clients should fetch a feed.",
                            "Hur ofta klienter ska hämta ett flöde.",
                        ),
                        default=60,
                    ),
                    Field(
                        "url",
                        Str(
                            r"https?://\S+", Text("write an http(s) URL", "skriv en http(s)-adress")
                        ),
                        Text(
                            "Public base URL of the feeds, for links.",
                            "Flödenas publika basadress, för länkar.",
                        ),
                    ),
                ],
            ),
            Text("Feed settings.", "Inställningar för flöden."),
        ),
    ],
    Text(
        "A plancal plan: a lokal handlingsplan as calendars.",
        "En plancal-plan: en lokal handlingsplan som kalendrar.",
    ),
)


def json_schema(lang: Lang) -> dict[str, Any]:
    schema = PLAN.json(lang)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://plancal.example/schema/plan.json",
        **schema,
    }
