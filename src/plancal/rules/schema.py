"""What a plan file may say: one declarative schema that checks, converts and explains.

Each node of the YAML tree is checked against a Kind. A Kind converts the YAML value into a
plain Python value, reports every problem with its line, and describes itself as JSON Schema
(``plancal schema``), so editors complete and check the same rules the loader applies. The
descriptions are the documentation of the format, in Swedish and English.
"""

from __future__ import annotations

import difflib
import math
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import Any, ClassVar

from plancal.errors import Problems, Where
from plancal.i18n import Lang, Text, msg

INVALID: Any = object()  # a value that failed its check; callers skip dependent checks


def _line_col(parent: Any, key: Any) -> tuple[int | None, int | None]:
    lc = getattr(parent, "lc", None)
    if lc is None:
        return None, None
    try:
        if isinstance(key, int) and isinstance(parent, list):
            line, col = lc.item(key)
        else:
            line, col = lc.value(key) if hasattr(lc, "value") else lc.key(key)
    except (KeyError, IndexError, TypeError, AttributeError):
        return None, None
    return line + 1, col + 1


def _key_where(parent: Any, key: Any, base: Where) -> Where:
    lc = getattr(parent, "lc", None)
    try:
        line, col = lc.key(key)  # type: ignore[union-attr]
        return Where(base.file, line + 1, col + 1)
    except (KeyError, TypeError, AttributeError):
        return base


def child_where(parent: Any, key: Any, base: Where) -> Where:
    line, col = _line_col(parent, key)
    return Where(base.file, line, col) if line is not None else base


@dataclass(frozen=True, slots=True)
class Located:
    """A converted record: its values, where it starts, and where each of its keys stands."""

    values: dict[str, Any]
    where: Where
    lines: dict[str, Where]

    def __getitem__(self, key: str) -> Any:
        return self.values[key]

    def get(self, key: str, default: Any = None) -> Any:
        return self.values.get(key, default)

    def at(self, key: str) -> Where:
        return self.lines.get(key, self.where)


def _type_name(value: Any) -> Text:
    if isinstance(value, bool):
        return Text("true/false", "sant/falskt")
    if isinstance(value, int | float):
        return Text("a number", "ett tal")
    if isinstance(value, str):
        return Text("text", "text")
    if isinstance(value, list):
        return Text("a list", "en lista")
    if isinstance(value, dict):
        return Text("a mapping", "en mappning")
    if isinstance(value, datetime | date):
        return Text("a date", "ett datum")
    return Text("nothing", "ingenting")


class Kind:
    doc: Text | None = None

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        raise NotImplementedError

    def json(self, lang: Lang) -> dict[str, Any]:
        raise NotImplementedError

    def expected(self) -> Text:
        raise NotImplementedError

    def wrong_type(
        self, value: Any, where: Where, problems: Problems, example: str | None = None
    ) -> Any:
        got = _type_name(value)
        problems.error(
            where,
            msg(
                Text("expected {what}, found {got}", "väntade {what}, fann {got}"),
                what=self.expected(),
                got=got,
            ),
            msg(Text("write e.g. {example}", "skriv t.ex. {example}"), example=example)
            if example
            else None,
        )
        return INVALID


@dataclass
class Str(Kind):
    pattern: str | None = None
    pattern_hint: Text | None = None
    max_length: int = 2000
    examples: tuple[str, ...] = ()

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            return self.wrong_type(
                value, where, problems, self.examples[0] if self.examples else None
            )
        text = str(value).strip()
        if not text:
            problems.error(where, msg(Text("this must not be empty", "detta får inte vara tomt")))
            return INVALID
        if len(text) > self.max_length:
            problems.error(
                where,
                msg(
                    Text("text longer than {n} characters", "text längre än {n} tecken"),
                    n=self.max_length,
                ),
            )
            return INVALID
        if self.pattern and not re.fullmatch(self.pattern, text):
            problems.error(
                where,
                msg(
                    Text("{value!r} is not allowed here", "{value!r} är inte tillåtet här"),
                    value=text,
                ),
                msg(self.pattern_hint) if self.pattern_hint else None,
            )
            return INVALID
        return text

    def expected(self) -> Text:
        return Text("text", "text")

    def json(self, lang: Lang) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": self.max_length}
        if self.pattern:
            out["pattern"] = f"^{self.pattern}$"
        if self.examples:
            out["examples"] = list(self.examples)
        return out


SLUG = Str(
    r"[a-z0-9][a-z0-9-]{0,62}",
    Text(
        "use lowercase letters a–z, digits and '-', e.g. 'beredningsgrupp'",
        "använd små bokstäver a–z, siffror och '-', t.ex. 'beredningsgrupp'",
    ),
    examples=("beredningsgrupp",),
)
EMAIL = Str(
    r"[^@\s<>\"]+@[^@\s<>\"]+\.[^@\s<>\"]+",
    Text(
        "write one e-mail address, e.g. kommunpolis@polisen.example",
        "skriv en e-postadress, t.ex. kommunpolis@polisen.example",
    ),
    examples=("kommunpolis@polisen.example",),
)


@dataclass
class Int(Kind):
    minimum: int | None = None
    maximum: int | None = None

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, bool) or not isinstance(value, int):
            if isinstance(value, str) and value.strip().lstrip("-").isdigit():
                value = int(value.strip())
            else:
                return self.wrong_type(value, where, problems, str(self.minimum or 1))
        if (self.minimum is not None and value < self.minimum) or (
            self.maximum is not None and value > self.maximum
        ):
            problems.error(
                where,
                msg(
                    Text("{value} is outside {lo}–{hi}", "{value} ligger utanför {lo}–{hi}"),
                    value=value,
                    lo=self.minimum,
                    hi=self.maximum,
                ),
            )
            return INVALID
        return int(value)

    def expected(self) -> Text:
        return Text("a whole number", "ett heltal")

    def json(self, lang: Lang) -> dict[str, Any]:
        out: dict[str, Any] = {"type": "integer"}
        if self.minimum is not None:
            out["minimum"] = self.minimum
        if self.maximum is not None:
            out["maximum"] = self.maximum
        return out


@dataclass
class Bool(Kind):
    WORDS: ClassVar[dict[str, bool]] = {
        "true": True,
        "yes": True,
        "ja": True,
        "1": True,
        "on": True,
        "false": False,
        "no": False,
        "nej": False,
        "0": False,
        "off": False,
    }

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.strip().lower() in self.WORDS:  # environment text
            return self.WORDS[value.strip().lower()]
        return self.wrong_type(value, where, problems, "true")

    def expected(self) -> Text:
        return Text("true or false", "true eller false")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "boolean"}


@dataclass
class Choice(Kind):
    """One of a few words; aliases (Swedish, English, synonyms) map to one canonical value."""

    values: dict[str, str]
    docs: dict[str, Text] = field(default_factory=dict)

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, bool) and not value and "false" in self.values:
            return self.values["false"]
        if not isinstance(value, str):
            return self.wrong_type(value, where, problems, self.canonical()[0])
        key = value.strip().lower()
        if key in self.values:
            return self.values[key]
        close = difflib.get_close_matches(key, list(self.values), n=1, cutoff=0.6)
        problems.error(
            where,
            msg(
                Text("{value!r} is not one of {choices}", "{value!r} är inte något av {choices}"),
                value=value,
                choices=", ".join(self.canonical()),
            ),
            msg(Text("did you mean {close!r}?", "menade du {close!r}?"), close=close[0])
            if close
            else None,
        )
        return INVALID

    def canonical(self) -> list[str]:
        return sorted(set(self.values.values()))

    def expected(self) -> Text:
        return Text(
            "one of " + ", ".join(self.canonical()), "något av " + ", ".join(self.canonical())
        )

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "string", "enum": sorted(self.values)}


def _parse_date_text(text: str) -> date | None:
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        return None


DATE_HINT = Text(
    "write a date as YYYY-MM-DD, e.g. 2023-02-06", "skriv datum som ÅÅÅÅ-MM-DD, t.ex. 2023-02-06"
)


@dataclass
class DateK(Kind):
    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, datetime):
            return value.date()
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            parsed = _parse_date_text(value)
            if parsed:
                return parsed
            problems.error(
                where,
                msg(Text("{value!r} is not a date", "{value!r} är inget datum"), value=value),
                msg(DATE_HINT),
            )
            return INVALID
        return self.wrong_type(value, where, problems, "2023-02-06")

    def expected(self) -> Text:
        return Text("a date (YYYY-MM-DD)", "ett datum (ÅÅÅÅ-MM-DD)")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "string", "format": "date"}


_MONTH_DAY_RE = re.compile(r"(\d{2})-(\d{2})")


@dataclass
class DateOrMonthDay(Kind):
    """A date (once) or MM-DD (every year), for breaks."""

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, date | datetime):
            return DateK().check(value, where, problems)
        if isinstance(value, str):
            m = _MONTH_DAY_RE.fullmatch(value.strip())
            if m:
                month, day = int(m.group(1)), int(m.group(2))
                try:
                    date(2024, month, day)  # a leap year: 02-29 is a month-day
                except ValueError:
                    problems.error(
                        where,
                        msg(
                            Text(
                                "{value!r} is not a day of the year",
                                "{value!r} är ingen dag på året",
                            ),
                            value=value,
                        ),
                    )
                    return INVALID
                return (month, day)
            return DateK().check(value, where, problems)
        return self.wrong_type(value, where, problems, "07-01")

    def expected(self) -> Text:
        return Text(
            "a date (YYYY-MM-DD) or a day of every year (MM-DD)",
            "ett datum (ÅÅÅÅ-MM-DD) eller en dag varje år (MM-DD)",
        )

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "string", "pattern": r"^(\d{4}-)?\d{2}-\d{2}$"}


_DATETIME_RE = re.compile(r"(\d{4}-\d{2}-\d{2})(?:[ T](?:kl\.?\s*)?(\d{1,2})[.:](\d{2}))?")


@dataclass
class DateTimeK(Kind):
    """``2022-10-24 13:00`` (or ``13.00``); a bare date takes the activity's time."""

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if isinstance(value, datetime):
            return value.replace(tzinfo=None, second=0, microsecond=0)
        if isinstance(value, date):
            return value
        if isinstance(value, str):
            m = _DATETIME_RE.fullmatch(value.strip())
            day = _parse_date_text(m.group(1)) if m else None
            if m and day:
                if m.group(2) is None:
                    return day
                hour, minute = int(m.group(2)), int(m.group(3))
                if hour < 24 and minute < 60:
                    return datetime.combine(day, time(hour, minute))
            problems.error(
                where,
                msg(
                    Text("{value!r} is not a date and time", "{value!r} är inte datum och tid"),
                    value=value,
                ),
                msg(Text("write e.g. 2022-10-24 13:00", "skriv t.ex. 2022-10-24 13.00")),
            )
            return INVALID
        return self.wrong_type(value, where, problems, "2022-10-24 13:00")

    def expected(self) -> Text:
        return Text("a date and time (YYYY-MM-DD HH:MM)", "datum och tid (ÅÅÅÅ-MM-DD TT.MM)")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {
            "type": "string",
            "pattern": r"^\d{4}-\d{2}-\d{2}([ T](kl\.? ?)?\d{1,2}[.:]\d{2})?$",
        }


@dataclass
class TimeK(Kind):
    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        from plancal.rules.cadence import CadenceError, parse_time

        if isinstance(value, bool):
            return self.wrong_type(value, where, problems, "14:00")
        if isinstance(value, float):  # YAML reads 14.30 as a number
            value = f"{value:.2f}"
        if isinstance(value, int):
            value = str(value)
        if not isinstance(value, str):
            return self.wrong_type(value, where, problems, "14:00")
        try:
            return parse_time(value)
        except CadenceError as e:
            problems.error(where, e.message, e.hint)
            return INVALID

    def expected(self) -> Text:
        return Text("a time of day (HH:MM)", "ett klockslag (TT.MM)")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": ["string", "number"], "examples": ["14:00", "14.00"]}


_DURATION_RE = re.compile(
    r"(?:(\d+(?:[.,]\d+)?)\s*(?:h|tim|timme|timmar|hours?))?\s*"
    r"(?:(\d+)\s*(?:m|min|minuter|minutes?))?"
)
_ISO_DURATION_RE = re.compile(r"PT(?:(\d+)H)?(?:(\d+)M)?")


@dataclass
class DurationK(Kind):
    """Minutes as a number, or ``1 h``, ``1,5 h``, ``1 h 30 min``, ``90 min``, ``PT1H30M``."""

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        minutes: float | None = None
        if isinstance(value, bool):
            minutes = None
        elif isinstance(value, int | float):
            minutes = float(value)
        elif isinstance(value, str):
            text = value.strip().lower()
            iso = _ISO_DURATION_RE.fullmatch(value.strip().upper())
            m = _DURATION_RE.fullmatch(text)
            if text.isdigit():
                minutes = float(text)
            elif iso and (iso.group(1) or iso.group(2)):
                minutes = int(iso.group(1) or 0) * 60 + int(iso.group(2) or 0)
            elif m and (m.group(1) or m.group(2)):
                minutes = float((m.group(1) or "0").replace(",", ".")) * 60 + int(m.group(2) or 0)
        # NaN and infinity compare false with everything: test for a finite value first.
        if minutes is None or not math.isfinite(minutes) or not 0 < minutes <= 24 * 60 * 14:
            problems.error(
                where,
                msg(
                    Text("{value!r} is not a duration", "{value!r} är ingen varaktighet"),
                    value=value,
                ),
                msg(
                    Text(
                        "write minutes (90) or e.g. '1 h 30 min'",
                        "skriv minuter (90) eller t.ex. '1 h 30 min'",
                    )
                ),
            )
            return INVALID
        return timedelta(minutes=round(minutes))

    def expected(self) -> Text:
        return Text("a duration", "en varaktighet")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": ["integer", "string"], "examples": [60, "1 h 30 min"]}


_NOT_ZONES = ("right", "posix", "posixrules", "localtime", "Factory")
_ZONE_NAME = re.compile(r"[A-Za-z][A-Za-z0-9_+-]{0,29}(?:/[A-Za-z0-9_+-]{1,30}){0,2}")


@dataclass
class TimeZoneK(Kind):
    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

        if not isinstance(value, str):
            return self.wrong_type(value, where, problems, "Europe/Stockholm")
        key = value.strip()
        try:
            # An IANA name is short, and a leap-second ("right/") or "posix/" copy of a zone
            # is not what calendars mean by its name: refused before the disk is asked.
            if not _ZONE_NAME.fullmatch(key) or key.split("/")[0] in _NOT_ZONES:
                raise ValueError(key)
            ZoneInfo(key)
        except (ZoneInfoNotFoundError, ValueError, OSError):
            problems.error(
                where,
                msg(Text("unknown time zone {value!r}", "okänd tidszon {value!r}"), value=value),
                msg(
                    Text(
                        "write an IANA zone, e.g. Europe/Stockholm",
                        "skriv en IANA-zon, t.ex. Europe/Stockholm",
                    )
                ),
            )
            return INVALID
        return value.strip()

    def expected(self) -> Text:
        return Text("a time zone", "en tidszon")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "string", "examples": ["Europe/Stockholm"]}


@dataclass
class ListOf(Kind):
    item: Kind
    allow_single: bool = False  # a lone value stands for a list of one
    max_items: int = 10_000

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if not isinstance(value, list):
            if self.allow_single and value is not None:
                item = self.item.check(value, where, problems)
                return INVALID if item is INVALID else [item]
            return self.wrong_type(value, where, problems)
        if len(value) > self.max_items:
            problems.error(
                where, msg(Text("more than {n} items", "fler än {n} poster"), n=self.max_items)
            )
            return INVALID
        out = []
        ok = True
        for i, item in enumerate(value):
            converted = self.item.check(item, child_where(value, i, where), problems)
            ok &= converted is not INVALID
            out.append(converted)
        return out if ok else INVALID

    def expected(self) -> Text:
        inner = self.item.expected()
        return Text(f"a list of {inner.en}", f"en lista med {inner.sv}")

    def json(self, lang: Lang) -> dict[str, Any]:
        array = {"type": "array", "items": self.item.json(lang), "maxItems": self.max_items}
        return {"anyOf": [self.item.json(lang), array]} if self.allow_single else array


@dataclass
class MapOf(Kind):
    key: Kind
    value: Kind

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if not isinstance(value, dict):
            return self.wrong_type(value, where, problems)
        out: dict[Any, Any] = {}
        ok = True
        for k, v in value.items():
            kw = _key_where(value, k, where)
            ck = self.key.check(k, kw, problems)
            cv = self.value.check(v, child_where(value, k, where), problems)
            ok &= ck is not INVALID and cv is not INVALID
            if ck is not INVALID:
                out[ck] = cv
        return out if ok else INVALID

    def expected(self) -> Text:
        return Text("a mapping", "en mappning")

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"type": "object", "additionalProperties": self.value.json(lang)}


@dataclass
class Either(Kind):
    """The first kind whose YAML type matches decides; its problems are the ones reported."""

    options: Sequence[tuple[Callable[[Any], bool], Kind]]
    what: Text

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        for accepts, kind in self.options:
            if accepts(value):
                return kind.check(value, where, problems)
        return self.wrong_type(value, where, problems)

    def expected(self) -> Text:
        return self.what

    def json(self, lang: Lang) -> dict[str, Any]:
        return {"anyOf": [k.json(lang) for _, k in self.options]}


@dataclass(frozen=True)
class Field:
    name: str
    kind: Kind
    doc: Text
    required: bool = False
    default: Any = None


RECORD_NAMES_SV = {
    "plan": "plan",
    "activity": "aktivitet",
    "follow-up": "uppföljning",
    "exceptions": "undantag",
    "role": "roll",
    "break": "uppehåll",
    "defaults": "standardvärden",
    "period": "period",
    "holidays": "helgdagar",
    "feeds": "flöden",
}


@dataclass
class Record(Kind):
    title: str
    fields: list[Field]
    doc: Text | None = None

    @property
    def name(self) -> Text:
        return Text(self.title, RECORD_NAMES_SV.get(self.title, self.title))

    def check(self, value: Any, where: Where, problems: Problems) -> Any:
        if not isinstance(value, dict):
            return self.wrong_type(value, where, problems)
        by_name = {f.name: f for f in self.fields}
        values: dict[str, Any] = {}
        lines: dict[str, Where] = {}
        ok = True
        for key, raw in value.items():
            kw = _key_where(value, key, where)
            name = str(key)
            f = by_name.get(name)
            if f is None:
                close = difflib.get_close_matches(name, list(by_name), n=1)
                problems.error(
                    kw,
                    msg(
                        Text("unknown key {key!r} in {title}", "okänd nyckel {key!r} i {title}"),
                        key=name,
                        title=self.name,
                    ),
                    msg(Text("did you mean {close!r}?", "menade du {close!r}?"), close=close[0])
                    if close
                    else msg(
                        Text("allowed keys: {keys}", "tillåtna nycklar: {keys}"),
                        keys=", ".join(by_name),
                    ),
                )
                ok = False
                continue
            if f.name in values:
                problems.error(
                    kw, msg(Text("{key!r} is given twice", "{key!r} anges två gånger"), key=f.name)
                )
                ok = False
                continue
            lines[f.name] = kw
            if raw is None:
                if f.required:
                    problems.error(
                        kw,
                        msg(Text("{key!r} needs a value", "{key!r} behöver ett värde"), key=f.name),
                    )
                    ok = False
                continue
            converted = f.kind.check(raw, child_where(value, key, where), problems)
            if converted is INVALID:
                ok = False
            values[f.name] = converted
        for f in self.fields:
            if f.name in values:
                continue
            # A key given with no value (``timezone:``) means the default, as if left out.
            if f.required:
                if f.name not in lines:
                    problems.error(
                        where,
                        msg(
                            Text("{title} needs {key!r}", "{title} saknar {key!r}"),
                            title=self.name,
                            key=f.name,
                        ),
                        msg(f.doc),
                    )
                    ok = False
            elif f.default is not None:
                values[f.name] = f.kind.check(f.default, where, problems)
        record = Located(values, where, lines)
        return record if ok else _Partial(record)

    def expected(self) -> Text:
        return Text(f"a {self.title} (a mapping)", f"en {self.title} (en mappning)")

    def json(self, lang: Lang) -> dict[str, Any]:
        props: dict[str, Any] = {}
        for f in self.fields:
            schema = dict(f.kind.json(lang))
            schema["description"] = f.doc.sv if lang == "sv" else f.doc.en
            if f.default is not None and isinstance(f.default, str | int | bool | list):
                schema["default"] = f.default
            props[f.name] = schema
        out: dict[str, Any] = {
            "type": "object",
            "title": self.title,
            "properties": props,
            "additionalProperties": False,
            "required": [f.name for f in self.fields if f.required],
        }
        if self.doc:
            out["description"] = self.doc.sv if lang == "sv" else self.doc.en
        return out


class _Partial:
    """A record with problems inside: kept so sibling checks (unique ids) still run."""

    def __init__(self, record: Located):
        self.record = record


def is_record(value: Any) -> bool:
    return isinstance(value, Located)


def record_of(value: Any) -> Located | None:
    if isinstance(value, Located):
        return value
    if isinstance(value, _Partial):
        return value.record
    return None
