"""Load a plan file: YAML → checked against the format → frozen Plan, or every problem at once.

Three passes, each reporting all it finds: YAML syntax (ruamel, which keeps line numbers), the
declared format (``format.py``), and the meaning (ids unique, references known, dates inside
the period, cadences readable). Compilation (``compile.py``) adds what only the calendar can
tell: a moved date that is not an occurrence, a time that does not exist on a DST night.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from pathlib import Path
from typing import Any, cast

from plancal.errors import PlanError, Problem, Problems, Where
from plancal.i18n import Text, msg
from plancal.rules import cadence as cad
from plancal.rules.days import HolidaySpec
from plancal.rules.format import PLAN, WEEKDAY_INDEX
from plancal.rules.model import (
    Activity,
    Break,
    BreakPolicy,
    Due,
    Exceptions,
    FollowUp,
    Municipality,
    Plan,
    Role,
)
from plancal.rules.schema import INVALID, Located, record_of

WEEKDAY_NAMES = tuple(WEEKDAY_INDEX)  # by index: Monday = 0
MAX_PLAN_YEARS = 30
FIRST_YEAR, LAST_YEAR = 1970, 2199  # calendars and time-zone rules are written for these
# A plan is text people write: the seed plan (two years, a whole municipality) is 14 kB.
# Anything larger than this is refused before it is read whole.
MAX_PLAN_BYTES = 1024 * 1024


def load(path: str | Path) -> Plan:
    """The plan in the file, or PlanError with every problem (warnings are dropped)."""
    plan, problems = load_with_problems(path)
    problems.raise_if_errors()
    assert plan is not None
    return plan


def load_with_problems(path: str | Path) -> tuple[Plan | None, Problems]:
    try:
        data = read_source(path)
    except PlanError as e:
        problems = Problems()
        problems.problems.extend(e.problems)
        return None, problems
    return loads_with_problems(data, str(path))


def read_source(path: str | Path, pipes: bool = False) -> bytes:
    """The plan file's bytes: the one way plancal reads a plan. PlanError if it cannot.

    Only a regular file is read (with ``pipes``, also a pipe, as ``<(git show …)`` gives),
    and at most ``MAX_PLAN_BYTES``: a FIFO nobody writes to would block, and a device such as
    /dev/zero never ends. The file is opened without blocking and checked before it is read.
    """
    import os
    import stat

    name = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError as e:
        raise _unreadable(name, e) from None
    try:
        mode = os.fstat(fd).st_mode
        if not (stat.S_ISREG(mode) or (pipes and stat.S_ISFIFO(mode))):
            raise PlanError(
                [
                    Problem(
                        Where(name),
                        msg(
                            Text(
                                "the plan is not a regular file: it is a {kind}",
                                "planen är ingen vanlig fil utan en {kind}",
                            ),
                            kind=_file_kind(mode),
                        ),
                        msg(
                            Text(
                                "give the path of the plan's YAML file",
                                "ange sökvägen till planens YAML-fil",
                            )
                        ),
                    )
                ]
            )
        os.set_blocking(fd, True)
        chunks: list[bytes] = []
        size = 0
        while chunk := os.read(fd, 65536):
            size += len(chunk)
            if size > MAX_PLAN_BYTES:
                raise PlanError(
                    [
                        Problem(
                            Where(name),
                            msg(
                                Text(
                                    "the plan file is larger than {limit} MB",
                                    "planfilen är större än {limit} MB",
                                ),
                                limit=MAX_PLAN_BYTES // (1024 * 1024),
                            ),
                            msg(
                                Text(
                                    "a plan is a text file people write; split it into "
                                    "several plans",
                                    "en plan är en textfil som människor skriver; dela upp den "
                                    "i flera planer",
                                )
                            ),
                        )
                    ]
                )
            chunks.append(chunk)
    except OSError as e:
        raise _unreadable(name, e) from None
    finally:
        os.close(fd)
    return b"".join(chunks)


def _file_kind(mode: int) -> Text:
    import stat

    if stat.S_ISFIFO(mode):
        return Text("named pipe (FIFO)", "namngiven pipe (FIFO)")
    if stat.S_ISCHR(mode) or stat.S_ISBLK(mode):
        return Text("device", "enhet")
    if stat.S_ISDIR(mode):
        return Text("folder", "mapp")
    if stat.S_ISSOCK(mode):
        return Text("socket", "socket")
    return Text("special file", "specialfil")


def _unreadable(name: str, e: OSError) -> PlanError:
    return PlanError(
        [
            Problem(
                Where(name),
                msg(
                    Text("cannot read the plan file: {error}", "kan inte läsa planfilen: {error}"),
                    error=e.strerror or str(e),
                ),
                msg(
                    Text(
                        "check the path and its permissions",
                        "kontrollera sökvägen och behörigheten",
                    )
                ),
            )
        ]
    )


def loads(data: bytes | str, name: str = "<plan>") -> Plan:
    plan, problems = loads_with_problems(data, name)
    problems.raise_if_errors()
    assert plan is not None
    return plan


def loads_with_problems(data: bytes | str, name: str = "<plan>") -> tuple[Plan | None, Problems]:
    problems = Problems()
    if isinstance(data, bytes):
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError as e:
            line = data[: e.start].count(b"\n") + 1
            problems.error(
                Where(name, line),
                msg(Text("the file is not UTF-8 text", "filen är inte UTF-8-text")),
                msg(Text("save the file as UTF-8", "spara filen som UTF-8")),
            )
            return None, problems
    else:
        text = data
    doc = parse_yaml(text, name, problems)
    if doc is None:
        return None, problems
    lc = getattr(doc, "lc", None)
    root = Where(name, lc.line + 1, lc.col + 1) if lc is not None else Where(name, 1, 1)
    checked = PLAN.check(doc, root, problems)
    record = _rec(checked)
    if record is None:
        return None, problems
    plan = _Builder(record, name, problems).build()
    return plan, problems


def parse_yaml(text: str, name: str, problems: Problems) -> Any:
    from plancal.rules.yamlread import YamlError, load

    try:
        doc = load(text)
    except YamlError as e:
        from plancal.rules.yamlwords import explain

        plain = explain(text, e)
        if plain is not None:
            problems.error(Where(name, plain.line, plain.column), plain.message, plain.hint)
            return None
        what = e.message
        if e.begun is not None and e.begun != e.line and "duplicate" not in what:
            what += f" (begun on line {e.begun})"
        if e.kind == "recursive":
            hint = msg(
                Text(
                    "an alias (*name) must not stand inside the value its anchor (&name) "
                    "marks: write the values out instead",
                    "ett alias (*namn) får inte stå inuti värdet som dess ankare (&namn) "
                    "märker: skriv ut värdena i stället",
                )
            )
        elif "duplicate key" in what:
            hint = msg(
                Text(
                    "a key may appear once in a mapping: remove or rename one",
                    "en nyckel får bara finnas en gång: ta bort eller byt namn på en",
                )
            )
        else:
            hint = msg(
                Text(
                    "check the indentation, colons, quotes and brackets here and on "
                    "the line it began",
                    "kontrollera indrag, kolon, citattecken och "
                    "parenteser här och på raden där det började",
                )
            )
        problems.error(
            Where(name, e.line, e.column),
            msg(Text("YAML syntax: {what}", "YAML-syntax: {what}"), what=what),
            hint,
        )
        return None
    if doc is None:
        problems.error(
            Where(name, 1),
            msg(Text("the plan file is empty", "planfilen är tom")),
            msg(
                Text(
                    "start from examples/soderhamn-2022-2023.yaml",
                    "utgå från examples/soderhamn-2022-2023.yaml",
                )
            ),
        )
        return None
    return doc


def _suggest(word: str, known: Iterable[str]) -> Any:
    close = difflib.get_close_matches(word, list(known), n=1)
    if close:
        return msg(Text("did you mean {close!r}?", "menade du {close!r}?"), close=close[0])
    return msg(Text("known: {known}", "kända: {known}"), known=", ".join(sorted(known)) or "–")


def _rec(value: Any) -> Located | None:
    """A record (complete or not) with its invalid values read as absent."""
    found = record_of(value)
    return None if found is None else _Valid(found)


class _Valid(Located):
    """A record whose invalid values read as absent, for checks that run on partial records."""

    def __init__(self, rec: Located):
        super().__init__(
            {k: v for k, v in rec.values.items() if v is not INVALID}, rec.where, rec.lines
        )


class _Builder:
    def __init__(self, record: Located, name: str, problems: Problems):
        self.r = record
        self.name = name
        self.p = problems
        self.defaults = _rec(record.get("defaults")) or Located({}, record.where, {})
        from plancal.rules.format import DEFAULTS

        # Defaults are declared in DEFAULTS; fill what the file leaves out.
        base = DEFAULTS.check({}, record.where, Problems())
        assert isinstance(base, Located)
        self.default = {
            **base.values,
            **{k: v for k, v in self.defaults.values.items() if v is not INVALID},
        }

    def build(self) -> Plan | None:
        r = self.r
        period = _rec(r.get("period"))
        start = period.get("start") if period else None
        end = period.get("end") if period else None
        if isinstance(start, date) and isinstance(end, date):
            if end < start:
                self.p.error(
                    period.at("end") if period else r.where,
                    msg(
                        Text(
                            "the period ends ({end}) before it starts ({start})",
                            "perioden slutar ({end}) innan den börjar ({start})",
                        ),
                        start=start,
                        end=end,
                    ),
                )
                start, end = None, None  # one problem, not one more per activity
            if (
                start is not None
                and end is not None
                and FIRST_YEAR <= start.year <= end.year <= LAST_YEAR
                and end.year - start.year > MAX_PLAN_YEARS
            ):
                self.p.error(
                    period.at("end") if period else r.where,
                    msg(
                        Text(
                            "a plan period longer than {n} years", "en planperiod längre än {n} år"
                        ),
                        n=MAX_PLAN_YEARS,
                    ),
                    msg(Text("split it into several plans", "dela upp den i flera planer")),
                )
            for key, day in (("start", start), ("end", end)):
                if day is not None and not FIRST_YEAR <= day.year <= LAST_YEAR:
                    self.p.error(
                        period.at(key) if period else r.where,
                        msg(
                            Text(
                                "{day} is outside the years a plan can run ({first}–{last})",
                                "{day} ligger utanför åren en plan kan gälla ({first}–{last})",
                            ),
                            day=day,
                            first=FIRST_YEAR,
                            last=LAST_YEAR,
                        ),
                        msg(
                            Text(
                                "write the dates the plan starts and ends, e.g. 2023-01-01",
                                "skriv datumen då planen börjar och slutar, t.ex. 2023-01-01",
                            )
                        ),
                    )
                    start, end = None, None  # dates near 9999 overflow in date arithmetic
        if not (isinstance(start, date) and isinstance(end, date)):
            start, end = None, None
        self.start, self.end = start, end

        roles = self._roles()
        raw_roles = r.get("roles")
        # A role with a problem of its own is still a known name: no second error per use.
        self.role_ids = set(raw_roles) if isinstance(raw_roles, dict) else set(roles)
        breaks = self._breaks()
        self.break_ids = {b.id for b in breaks}
        activities = self._activities(roles)
        plan_followups = self._followups(r.get("followups"), None, None, roles, activities)
        self._check_followup_refs(activities, plan_followups)
        contact = self._contact(roles)
        self._check_overlaps(activities)

        if self.p.errors or start is None or end is None:
            return None
        holidays = _rec(r.get("holidays"))
        feeds = _rec(r.get("feeds"))
        return Plan(
            id=r["id"],
            name=r["name"],
            timezone=r.get("timezone"),
            start=start,
            end=end,
            language=r.get("language", "sv"),
            holidays=HolidaySpec(
                country=holidays.get("country", "SE"),
                subdivision=holidays.get("subdivision"),
                de_facto=holidays.get("de_facto", True),
            )
            if holidays
            else HolidaySpec(),
            breaks=tuple(breaks),
            roles=tuple(roles.values()),
            activities=tuple(activities),
            followups=tuple(plan_followups),
            refresh=feeds.get("refresh", timedelta(hours=1)) if feeds else timedelta(hours=1),
            url=feeds.get("url") if feeds else None,
            source=self.name,
            where=r.where,
            name_en=r.get("name_en"),
            municipality=self._municipality(),
            contact=contact,
            document=r.get("document"),
        )

    # --- who publishes it ---------------------------------------------------------------------

    def _municipality(self) -> Municipality | None:
        m = _rec(self.r.get("municipality"))
        if m is None or m.get("name") is None:
            return None
        return Municipality(m["name"], m.get("name_en"), m.get("logo"), m.where)

    def _contact(self, roles: dict[str, Role]) -> str | None:
        ref = self.r.get("contact")
        if ref is not None and ref not in self.role_ids:
            self.p.error(
                self.r.at("contact"),
                msg(Text("unknown role {role!r}", "okänd roll {role!r}"), role=ref),
                _suggest(ref, roles),
            )
            return None
        return str(ref) if ref is not None else None

    # --- roles and breaks ------------------------------------------------------------------

    def _roles(self) -> dict[str, Role]:
        roles: dict[str, Role] = {}
        raw = self.r.get("roles")
        if not isinstance(raw, dict):
            return roles
        for role_id, value in raw.items():
            rec = _rec(value)
            if rec is None or value is INVALID or "name" not in rec.values:
                continue
            if not isinstance(value, Located):
                continue
            roles[role_id] = Role(role_id, rec["name"], rec["email"], rec.get("name_en"), rec.where)
        return roles

    def _breaks(self) -> list[Break]:
        out: list[Break] = []
        seen: dict[str, Where] = {}
        for value in self.r.get("breaks") or []:
            rec = _rec(value)
            if rec is None:
                continue
            bid = rec.get("id")
            self._unique("break", rec, seen)
            if not isinstance(value, Located):
                continue
            start, end = rec["from"], rec["to"]
            if isinstance(start, tuple) != isinstance(end, tuple):
                self.p.error(
                    rec.at("to"),
                    msg(
                        Text(
                            "'from' and 'to' must both be dates or both be MM-DD (every year)",
                            "'from' och 'to' ska båda vara datum eller båda MM-DD (varje år)",
                        )
                    ),
                )
                continue
            if isinstance(start, date) and isinstance(end, date) and end < start:
                self.p.error(
                    rec.at("to"),
                    msg(
                        Text(
                            "the break ends before it starts", "uppehållet slutar innan det börjar"
                        )
                    ),
                )
                continue
            out.append(Break(bid, rec["name"], start, end, rec.get("policy"), rec.where))
        return out

    def _unique(self, what: str, rec: Located, seen: dict[str, Where]) -> None:
        """Report a record whose id an earlier one of its kind already has."""
        ident = rec.get("id")
        if not isinstance(ident, str):
            return
        if ident not in seen:
            seen[ident] = rec.at("id")
            return
        self.p.error(
            rec.at("id"),
            msg(
                Text(
                    "duplicate {what} id {id!r} (first at line {line})",
                    "{what}-id {id!r} finns redan (först på rad {line})",
                ),
                what=what,
                id=ident,
                line=seen[ident].line,
            ),
            msg(Text("give every {what} its own id", "ge varje {what} ett eget id"), what=what),
        )

    # --- activities --------------------------------------------------------------------------

    def _activities(self, roles: dict[str, Role]) -> list[Activity]:
        out: list[Activity] = []
        seen: dict[str, Where] = {}
        self.followup_ids: dict[str, Where] = {}
        for value in self.r.get("activities") or []:
            rec = _rec(value)
            if rec is None:
                continue
            self._unique("activity", rec, seen)
            # A record with a bad field is still checked for what it references, so every
            # problem is reported at once; it just does not become an Activity.
            activity = self._activity(rec, roles, complete=isinstance(value, Located))
            if activity is not None:
                out.append(activity)
        self.activity_ids = set(seen)
        return out

    def _activity(self, rec: Located, roles: dict[str, Role], complete: bool) -> Activity | None:
        ok = complete
        when = rec.get("when")
        cadence: cad.Cadence
        if when is None:
            cadence = cad.AsNeeded("")
            when_text = ""
            ok = False
        elif isinstance(when, list):
            cadence = cad.Dates(tuple(when))
            when_text = ", ".join(str(w) for w in when)
        else:
            when_text = when
            try:
                cadence = cad.parse(when)
            except cad.CadenceError as e:
                self.p.error(rec.at("when"), e.message, e.hint)
                cadence = cad.AsNeeded(when)
                ok = False

        for key in ("organizer",):
            ref = rec.get(key)
            if ref is not None and ref not in self.role_ids:
                self.p.error(
                    rec.at(key),
                    msg(Text("unknown role {role!r}", "okänd roll {role!r}"), role=ref),
                    _suggest(ref, roles),
                )
                ok = False
        for ref in rec.get("attendees") or []:
            if ref is not INVALID and ref not in self.role_ids:
                self.p.error(
                    rec.at("attendees"),
                    msg(Text("unknown role {role!r}", "okänd roll {role!r}"), role=ref),
                    _suggest(ref, roles),
                )
                ok = False

        start_time, duration = self._time_and_duration(rec, cadence)
        all_day = bool(rec.get("all_day", False))
        span_start, span_end = self._span(rec, cadence)
        pinned = tuple(rec.get("pinned") or ())
        if pinned and not isinstance(cadence, cad.PerYear | cad.Monthly):
            self.p.error(
                rec.at("pinned"),
                msg(
                    Text(
                        "'pinned' is for N-times-a-year and monthly activities",
                        "'pinned' gäller aktiviteter N ggr/år och månatliga",
                    )
                ),
                msg(
                    Text(
                        "move a single occurrence with exceptions: moved",
                        "flytta ett enskilt tillfälle med exceptions: moved",
                    )
                ),
            )
            ok = False
        for day in pinned:
            ok &= self._inside(day, rec.at("pinned"), span_start, span_end)
        if isinstance(cadence, cad.Dates):  # a listed date, or one in words, lies in the plan
            for day in cadence.items:
                ok &= self._inside(day, rec.at("when"), span_start, span_end)

        exceptions = self._exceptions(rec, span_start, span_end)
        policies = self._break_policies(rec)
        aid = rec.get("id")
        followups = self._followups(rec.get("followups"), aid, rec.get("organizer"), roles, None)
        weekday = rec.get("weekday") or self.default["weekday"]
        week = rec.get("week") or self.default["week"]
        if isinstance(cadence, cad.Monthly) and cadence.weekday is not None:
            weekday = WEEKDAY_NAMES[cadence.weekday]  # the words name the day: they decide
            week = cadence.nth
        reminder = rec.get("reminder", self.default["reminder"])
        if not ok or exceptions is None or aid is None:
            return None
        return Activity(
            id=aid,
            title=rec["title"],
            description_en=rec.get("description_en"),
            when=when_text,
            cadence=cadence,
            areas=tuple(rec.get("area") or ()),
            description=rec.get("description"),
            start_time=None if all_day else start_time,
            duration=duration,
            all_day=all_day,
            weekday=WEEKDAY_INDEX[weekday],
            week=week,
            start=span_start or date.min,
            end=span_end or date.max,
            pinned=pinned,
            place=rec.get("place", self.default.get("place")),
            place_en=rec.get("place_en")
            or (self.default.get("place_en") if rec.get("place") is None else None),
            title_en=rec.get("title_en"),
            organizer=rec.get("organizer"),
            attendees=tuple(rec.get("attendees") or ()),
            audience=rec.get("audience", "internal"),
            reminder=None if reminder is False else reminder,
            holiday_policy=rec.get("holidays", self.default["holidays"]),
            break_policies=policies,
            count_policy=rec.get("count", "keep"),
            exceptions=exceptions,
            followups=tuple(followups),
            overlaps=tuple(dict.fromkeys(rec.get("overlaps") or ())),
            where=rec.where,
            lines=tuple(rec.lines.items()),
        )

    def _time_and_duration(self, rec: Located, cadence: cad.Cadence) -> tuple[time, timedelta]:
        c_time = getattr(cadence, "start_time", None)
        c_end = getattr(cadence, "end_time", None)
        c_duration = getattr(cadence, "duration", None)
        if c_time is not None and rec.get("time") is not None and rec["time"] != c_time:
            self.p.error(
                rec.at("time"),
                msg(
                    Text(
                        "'time' ({time}) contradicts 'when', which says {when_time}",
                        "'time' ({time}) motsäger 'when', som säger {when_time}",
                    ),
                    time=rec["time"].strftime("%H:%M"),
                    when_time=c_time.strftime("%H:%M"),
                ),
                msg(Text("keep the time in one place", "ange tiden på ett ställe")),
            )
        start: time = c_time or rec.get("time") or self.default["time"]
        end_time = c_end or rec.get("end")
        if rec.get("end") is not None and rec.get("duration") is not None:
            self.p.error(
                rec.at("duration"),
                msg(
                    Text(
                        "give 'end' or 'duration', not both",
                        "ange 'end' eller 'duration', inte båda",
                    )
                ),
            )
        if end_time is not None:
            minutes = (end_time.hour * 60 + end_time.minute) - (start.hour * 60 + start.minute)
            if minutes <= 0:
                self.p.error(
                    rec.at("end"),
                    msg(
                        Text(
                            "the meeting ends ({end}) before it starts ({start})",
                            "mötet slutar ({end}) innan det börjar ({start})",
                        ),
                        end=end_time.strftime("%H:%M"),
                        start=start.strftime("%H:%M"),
                    ),
                )
                minutes = 60
            return start, timedelta(minutes=minutes)
        if rec.get("all_day"):
            return start, timedelta(days=1)
        return start, c_duration or rec.get("duration") or self.default["duration"]

    def _span(self, rec: Located, cadence: cad.Cadence) -> tuple[date | None, date | None]:
        start: date | None = rec.get("from") or self.start
        end: date | None = rec.get("until") or self.end
        # "Under 2022", "under våren 2023", "varannan vecka under hösten 2022": only then
        within = cad.within(cadence)
        if within is not None:
            if self.start and self.end and not (within[0] <= self.end and self.start <= within[1]):
                self.p.error(
                    rec.at("when"),
                    msg(
                        Text(
                            "{when!r} ({first} – {last}) lies outside the plan period "
                            "({start} – {end})",
                            "{when!r} ({first} – {last}) ligger utanför planperioden "
                            "({start} – {end})",
                        ),
                        when=rec.get("when"),
                        first=within[0],
                        last=within[1],
                        start=self.start,
                        end=self.end,
                    ),
                    msg(
                        Text(
                            "write a period inside the plan, e.g. 'under våren {year}'",
                            "skriv en period inom planen, t.ex. 'under våren {year}'",
                        ),
                        year=self.end.year,
                    ),
                )
                return start, end
            start = max(start or within[0], within[0])
            end = min(end or within[1], within[1])
        for key, day in (("from", rec.get("from")), ("until", rec.get("until"))):
            if day is not None:
                self._inside(day, rec.at(key), self.start, self.end)
        if start and end and end < start:
            self.p.error(
                rec.at("until") if "until" in rec.lines else rec.at("when"),
                msg(
                    Text(
                        "the activity ends ({end}) before it starts ({start})",
                        "aktiviteten slutar ({end}) innan den börjar ({start})",
                    ),
                    start=start,
                    end=end,
                ),
            )
        return start, end

    def _inside(
        self, day: date | datetime, where: Where, start: date | None, end: date | None
    ) -> bool:
        d = day.date() if isinstance(day, datetime) else day
        if start is not None and end is not None and not start <= d <= end:
            self.p.error(
                where,
                msg(
                    Text(
                        "{day} is outside {start} – {end}", "{day} ligger utanför {start} – {end}"
                    ),
                    day=d,
                    start=start,
                    end=end,
                ),
                msg(
                    Text(
                        "use a date inside the plan period (and the activity's from/until)",
                        "använd ett datum inom planperioden (och aktivitetens from/until)",
                    )
                ),
            )
            return False
        return True

    def _exceptions(self, rec: Located, start: date | None, end: date | None) -> Exceptions | None:
        ex = _rec(rec.get("exceptions"))
        if ex is None:
            return Exceptions()
        ok = True
        cancelled = tuple(ex.get("cancelled") or ())
        moved = tuple((ex.get("moved") or {}).items())
        added = tuple(ex.get("added") or ())
        reasons = tuple((ex.get("reasons") or {}).items())
        pins = {p.date() if isinstance(p, datetime) else p for p in rec.get("pinned") or ()}
        changed = set(cancelled) | {o for o, _ in moved} | pins
        for day, _why in reasons:
            if day not in changed:
                self.p.error(
                    ex.at("reasons"),
                    msg(
                        Text(
                            "a reason for {day}, which is neither cancelled nor moved",
                            "ett skäl för {day}, som varken är inställt eller flyttat",
                        ),
                        day=day,
                    ),
                    msg(
                        Text(
                            "list {day} under cancelled or moved, or remove the reason",
                            "skriv {day} under cancelled eller moved, eller ta bort skälet",
                        ),
                        day=day,
                    ),
                )
                ok = False
        for day in cancelled:
            ok &= self._inside(day, ex.at("cancelled"), start, end)
        for orig, new in moved:
            ok &= self._inside(orig, ex.at("moved"), start, end)
            ok &= self._inside(new, ex.at("moved"), self.start, self.end)
        for day in added:
            ok &= self._inside(day, ex.at("added"), self.start, self.end)
        both = set(cancelled) & {o for o, _ in moved}
        for day in sorted(both):
            self.p.error(
                ex.at("moved"),
                msg(
                    Text("{day} is both cancelled and moved", "{day} är både inställd och flyttad"),
                    day=day,
                ),
                msg(Text("keep one of them", "behåll en av dem")),
            )
            ok = False
        return Exceptions(cancelled, moved, added, reasons) if ok else None

    def _break_policies(self, rec: Located) -> tuple[tuple[str, BreakPolicy], ...]:
        raw = rec.get("breaks")
        default: BreakPolicy = self.default["breaks"]
        per_break: dict[str, BreakPolicy] = {}
        if isinstance(raw, dict):
            for bid, policy in raw.items():
                if bid not in self.break_ids:
                    self.p.error(
                        rec.at("breaks"),
                        msg(Text("unknown break {id!r}", "okänt uppehåll {id!r}"), id=bid),
                        _suggest(bid, self.break_ids),
                    )
                per_break[bid] = policy
        elif isinstance(raw, str):
            return tuple(
                (b.get("id"), cast(BreakPolicy, raw))
                for b in map(record_of, self.r.get("breaks") or [])
                if b
            )
        out = []
        for value in self.r.get("breaks") or []:
            b = _rec(value)
            if b is None:
                continue
            bid = b.get("id")
            out.append((bid, per_break.get(bid, b.get("policy") or default)))
        return tuple(out)

    def _check_overlaps(self, activities: list[Activity]) -> None:
        """``overlaps`` names other activities of this plan."""
        for a in activities:
            for ref in a.overlaps:
                if ref == a.id:
                    self.p.error(
                        a.at("overlaps"),
                        msg(
                            Text(
                                "{id!r} cannot overlap itself",
                                "{id!r} kan inte överlappa sig själv",
                            ),
                            id=ref,
                        ),
                        msg(
                            Text(
                                "name the other activity it may overlap",
                                "ange den andra aktiviteten den får överlappa",
                            )
                        ),
                    )
                elif ref not in self.activity_ids:
                    self.p.error(
                        a.at("overlaps"),
                        msg(
                            Text(
                                "'overlaps' names an unknown activity {ref!r}",
                                "'overlaps' nämner en okänd aktivitet {ref!r}",
                            ),
                            ref=ref,
                        ),
                        _suggest(ref, self.activity_ids),
                    )

    # --- follow-ups --------------------------------------------------------------------------

    def _followups(
        self,
        raw: Any,
        activity_id: str | None,
        organizer: str | None,
        roles: dict[str, Role],
        _activities: Any,
    ) -> list[FollowUp]:
        out: list[FollowUp] = []
        for value in raw or []:
            rec = _rec(value)
            if rec is None:
                continue
            fid = rec.get("id")
            self._unique("follow-up", rec, self.followup_ids)
            if not isinstance(value, Located):
                continue
            due: Due = rec.get("due") or Due("none")
            if due.kind == "after_each" and activity_id is None:
                self.p.error(
                    rec.at("due"),
                    msg(
                        Text(
                            "a follow-up of the whole plan has no 'each occurrence'",
                            "en uppföljning av hela planen har inga tillfällen",
                        )
                    ),
                    msg(
                        Text(
                            "put it under the activity it follows",
                            "lägg den under aktiviteten den följer upp",
                        )
                    ),
                )
                continue
            responsible = tuple(rec.get("responsible") or ((organizer,) if organizer else ()))
            if not responsible and due.kind != "none":
                self.p.error(
                    rec.at("id"),
                    msg(Text("nobody is reminded of {id!r}", "ingen påminns om {id!r}"), id=fid),
                    msg(Text("add responsible: [ROLE-ID]", "lägg till responsible: [ROLL-ID]")),
                )
                continue
            bad = [r for r in responsible if r not in self.role_ids]
            for ref in bad:
                self.p.error(
                    rec.at("responsible"),
                    msg(Text("unknown role {role!r}", "okänd roll {role!r}"), role=ref),
                    _suggest(ref, roles),
                )
            if due.kind == "date" and due.on is not None:
                self._inside(
                    due.on,
                    rec.at("due"),
                    self.start,
                    self.end + timedelta(days=366) if self.end else None,
                )
            if bad:
                continue
            out.append(
                FollowUp(
                    id=fid,
                    what=rec["what"],
                    due=due,
                    to=rec.get("to"),
                    responsible=responsible,
                    remind_days=tuple(
                        sorted(set(rec.get("remind") or self.default["remind"]), reverse=True)
                    ),
                    activity_id=activity_id,
                    where=rec.where,
                )
            )
        return out

    def _check_followup_refs(
        self, activities: list[Activity], plan_followups: list[FollowUp]
    ) -> None:
        by_id = {a.id: a for a in activities}
        for fu in [f for a in activities for f in a.followups] + plan_followups:
            ref = fu.due.activity
            if ref is None:
                continue
            if ref not in self.activity_ids:
                self.p.error(
                    fu.where,
                    msg(
                        Text(
                            "follow-up {id!r} names an unknown activity {ref!r}",
                            "uppföljningen {id!r} nämner en okänd aktivitet {ref!r}",
                        ),
                        id=fu.id,
                        ref=ref,
                    ),
                    _suggest(ref, self.activity_ids),
                )
            elif (
                ref in by_id
                and isinstance(by_id[ref].cadence, cad.AsNeeded)
                and not by_id[ref].exceptions.added
            ):
                self.p.warn(
                    fu.where,
                    msg(
                        Text(
                            "follow-up {id!r} waits for {ref!r}, which has no fixed dates",
                            "uppföljningen {id!r} väntar på {ref!r}, som saknar fasta datum",
                        ),
                        id=fu.id,
                        ref=ref,
                    ),
                )
            if fu.activity_id is None and fu.due.kind == "at_next":
                self.p.error(
                    fu.where,
                    msg(
                        Text(
                            "'at next' needs an activity whose occurrences it follows",
                            "'vid nästa' behöver en aktivitet vars tillfällen den följer",
                        )
                    ),
                    msg(
                        Text(
                            "use 'at each' or put it under an activity",
                            "använd 'vid varje' eller lägg den under en aktivitet",
                        )
                    ),
                )
