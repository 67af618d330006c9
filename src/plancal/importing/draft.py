"""The draft plan: the document's rows and prose as a plan file that validates.

Pure: ``compose(layout, options)`` returns the YAML text with comments, the checklist of what
a person must confirm, and the *När* phrases plancal could not read. Every value the document
does not state is written anyway (a guess is better than an error) and marked on its line with
``# antagande: …``; the document's own words stay in ``title``, ``description``, ``when`` and
``what``.
"""

from __future__ import annotations

import difflib
import json
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time

from plancal.i18n import MONTHS, WEEKDAYS, Message, Text, msg
from plancal.importing import followups as fu
from plancal.importing.layout import Layout, Row, years_of
from plancal.importing.roles import KNOWN, Named, convener, is_sentence, named, slug
from plancal.rules.cadence import (
    AsNeeded,
    CadenceError,
    Dates,
    Monthly,
    PerYear,
    Weekly,
    Yearly,
    parse,
)
from plancal.rules.compile import months_of

ASSUME = "antagande"
ADDRESS = f"# {ASSUME}: fyll i adress"
DEFAULT_TIME = "09.00"
DEFAULT_DURATION = 60
DEFAULT_WEEKDAY = 1  # tisdag
DEFAULT_WEEK = 2
COORDINATOR = "trygghetssamordnare"


@dataclass(frozen=True, slots=True)
class Options:
    plan_id: str | None = None
    period: tuple[date, date] | None = None
    today: date | None = None  # the year to fall back on when the document names none
    # Activities and follow-ups (by id) whose words plancal read but could not use in this
    # plan (a year or a date outside the period): written without a time or a deadline.
    unusable: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Unread:
    activity: str
    when: str
    line: int | None


@dataclass(frozen=True)
class Draft:
    text: str
    checklist: tuple[Message, ...]
    unread: tuple[Unread, ...]
    activities: int
    roles: int


@dataclass
class _FollowUp:
    id: str
    what: str
    due: str
    to: str | None = None
    responsible: list[str] = field(default_factory=list)
    guess: str | None = None
    stated: str = ""  # the due the document's words gave, before any fallback


@dataclass
class _Activity:
    id: str
    title: str
    areas: list[str]
    when_text: str
    rows: list[Row]
    cadence: object | None = None
    unread: str | None = None
    description: str | None = None
    organizer: str = ""
    attendees: list[str] = field(default_factory=list)
    organizer_guess: str | None = None
    followups: list[_FollowUp] = field(default_factory=list)
    pinned: list[date] = field(default_factory=list)
    weekday: int | None = None
    audience: str | None = None
    all_day: bool = False
    breaks: str | None = None
    breaks_guess: str | None = None
    steering: bool = False
    attendees_guess: str | None = None
    slot: tuple[str, int] | None = None  # a time and week of its own, so meetings do not collide


# --- YAML scalars --------------------------------------------------------------------------

_PLAIN = re.compile(r"^[A-Za-zÅÄÖåäöÉé][\w .,()/+–-]*$")
_RISKY = {"yes", "no", "true", "false", "null", "on", "off", "y", "n", "~"}


def q(text: str) -> str:
    """A YAML scalar that reads back as exactly this text."""
    text = " ".join(text.split())
    plain = _PLAIN.match(text) and text.lower() not in _RISKY and not text.endswith(":")
    if plain and " #" not in text and ": " not in text:
        return text
    return json.dumps(text, ensure_ascii=False)


def _unique(base: str, taken: set[str]) -> str:
    base = base or "aktivitet"
    name, n = base, 2
    while name in taken:
        name, n = f"{base}-{n}", n + 1
    taken.add(name)
    return name


def _norm(text: str) -> str:
    return " ".join(re.sub(r"[^\wåäö ]", " ", text.lower()).split())


def _close(a: str, b: str) -> bool:
    m = difflib.SequenceMatcher(None, _norm(a), _norm(b))
    return m.real_quick_ratio() >= 0.9 and m.quick_ratio() >= 0.9 and m.ratio() >= 0.9


def _same(a: _Activity, row: Row) -> bool:
    """The same activity listed under another area, in nearly the same words ("Aktiv
    medverkan i projektet …" / "Att aktivt medverka i projektet …") and at the same time."""
    return _close(a.when_text, row.when) and _close(a.title, row.activity)


# --- composing -----------------------------------------------------------------------------


class _Composer:
    def __init__(self, layout: Layout, options: Options):
        self.layout = layout
        self.options = options
        self.checklist: list[Message] = []
        self.roles: dict[str, Named] = {}
        self.activity_ids: set[str] = set()
        self.followup_ids: set[str] = set()
        self.activities: list[_Activity] = []
        self.period_guess: str | None = None
        self.breaks: list[tuple[str, str, str, str]] = []  # id, name, from, to
        self.guess_questions: list[tuple[int, _Activity]] = []
        title = layout.title or ""
        self.municipality = layout.municipality
        town = (self.municipality or "").removesuffix(" kommun")
        if town.endswith("s") and not town.endswith("ss"):
            town = town[:-1]
        self.town = town
        self.domain = f"{slug(town, 'kommun')}.example"
        self.start, self.end = self._period(title)

    # the period ------------------------------------------------------------------------

    def _period(self, title: str) -> tuple[date, date]:
        if self.options.period:
            return self.options.period
        years = years_of(title)
        if years:
            self.period_guess = f"{ASSUME}: titeln anger bara åren"
        else:
            found = [d.year for r in self.layout.rows for d, _ in fu.dates_in(r.followup)]
            if found:
                years = (min(found), max(found))
                self.period_guess = f"{ASSUME}: åren för dokumentets datum"
            else:
                year = (self.options.today or date(2000, 1, 1)).year
                years = (year, year)
                self.period_guess = f"{ASSUME}: dokumentet anger ingen period; i år"
        start, end = date(years[0], 1, 1), date(years[1], 12, 31)
        self.checklist.append(
            msg(
                Text(
                    "The plan period {start} – {end}: the document does not give the first and last day.",
                    "Planens period {start} – {end}: dokumentet anger inte första och sista dag.",
                ),
                start=start.isoformat(),
                end=end.isoformat(),
            )
        )
        return start, end

    # roles -----------------------------------------------------------------------------

    def _role(self, role: Named) -> str:
        if role.id not in self.roles:
            self.roles[role.id] = role
        return role.id

    def _coordinator(self) -> str:
        known = next(k for k in KNOWN if k.id == COORDINATOR)
        return self._role(Named(COORDINATOR, "Trygghetssamordnare", known.name_en, False, True))

    # activities ------------------------------------------------------------------------

    def activities_from_rows(self) -> None:
        for row in self.layout.rows:
            same = next((a for a in self.activities if _same(a, row)), None)
            if same is not None:
                if row.area and row.area not in same.areas:
                    same.areas.append(row.area)
                same.rows.append(row)
                self._followups(same, row.followup)
                continue
            activity = _Activity(
                id=_unique(slug(row.activity, "aktivitet", 48), self.activity_ids),
                title=row.activity,
                areas=[row.area] if row.area else [],
                when_text=row.when,
                rows=[row],
            )
            self._when(activity)
            self._who(activity, row.who)
            self._followups(activity, row.followup)
            self.activities.append(activity)
        for a in self.activities:
            if len(a.rows) > 1:
                self.checklist.append(
                    msg(
                        Text(
                            "{title!r} is listed under {areas}: the draft makes it one activity.",
                            "{title!r} står under {areas}: utkastet gör den till en aktivitet.",
                        ),
                        title=a.title,
                        areas=" + ".join(a.areas),
                    )
                )

    def _when(self, a: _Activity) -> None:
        try:
            if a.id in self.options.unusable:
                raise CadenceError(msg(Text("outside the plan", "utanför planen")))
            a.cadence = parse(a.when_text)
        except CadenceError:
            a.unread = a.when_text
            a.cadence = AsNeeded("Behovsanpassat")
            self.checklist.append(
                msg(
                    Text(
                        "When does {title!r} happen? The document says {when!r}, which plancal cannot read or place in the plan period; the draft lists it without a time (Behovsanpassat).",
                        "När sker {title!r}? Dokumentet säger {when!r}, som plancal inte kan läsa eller lägga i planens period; utkastet listar den utan tid (Behovsanpassat).",
                    ),
                    title=a.title,
                    when=a.when_text,
                )
            )
            return
        c = a.cadence
        if isinstance(c, PerYear) or (isinstance(c, Monthly) and c.weekday is None):
            taken = sum(1 for x in self.activities if x.slot is not None)
            if c.start_time is None:
                a.slot = SLOTS[taken % len(SLOTS)]
            else:
                a.slot = (c.start_time.strftime("%H.%M"), SLOTS[taken % len(SLOTS)][1])
        # asked once the day is known: the steering group's may come from its report dates
        self.guess_questions.append((len(self.checklist), a))
        self.checklist.append(_PENDING)

    def ask_guesses(self) -> None:
        """One question per activity naming exactly what its *När* leaves to the draft."""
        for index, a in self.guess_questions:
            g = guesses(a)
            asked: list[Text] = []
            said: list[Text] = []
            if g.weekday is not None:
                asked.append(Text("weekday", "veckodag"))
                said.append(_weekday(g.weekday))
            if g.week is not None:
                asked.append(Text("week of the month", "vecka i månaden"))
                said.append(Text(f"week {g.week}", f"vecka {g.week}"))
            if g.months:
                asked.append(Text("months", "månader"))
                said.append(_months(g.months))
            if g.time is not None:
                asked.append(Text("time", "tid"))
                said.append(Text(f"at {g.time}", f"kl. {g.time}"))
            if g.duration is not None:
                asked.append(Text("length", "längd"))
                said.append(Text(f"{g.duration} minutes", f"{g.duration} minuter"))
            if not asked:
                continue
            self.checklist[index] = msg(
                Text(
                    "When does {title!r} ({when}) meet? The document does not give the {asked}; the draft says {said}.",
                    "När möts {title!r} ({when})? Dokumentet anger inte {asked}; utkastet säger {said}.",
                ),
                title=a.title,
                when=a.when_text,
                asked=Text(_and([t.en for t in asked], "or"), _and([t.sv for t in asked], "eller")),
                said=Text(", ".join(t.en for t in said), ", ".join(t.sv for t in said)),
            )
        self.checklist = [m for m in self.checklist if m is not _PENDING]

    def _who(self, a: _Activity, who: str) -> None:
        roles = named(who)
        leader = convener(who)
        if is_sentence(who):
            a.description = who
        if not roles:
            a.organizer = self._coordinator()
            a.attendees = [a.organizer]
            a.organizer_guess = f"{ASSUME}: dokumentet namnger ingen roll"
            self.checklist.append(
                msg(
                    Text(
                        "Who calls {title!r}? The document names no role ({who!r}); the draft says the safety coordinator.",
                        "Vem kallar till {title!r}? Dokumentet namnger ingen roll ({who!r}); utkastet säger trygghetssamordnaren.",
                    ),
                    title=a.title,
                    who=who,
                )
            )
            return
        ids = [self._role(r) for r in roles]
        if leader:
            a.organizer = self._role(leader[0])
        else:
            a.organizer = ids[0]
            if len(ids) > 1:
                a.organizer_guess = f"{ASSUME}: den först nämnda kallar"
        a.attendees = ids
        # The steering group's own meeting ("Lokalt BRÅ, styrgrupp"): the group attends it.
        group = [r for r in named(a.title) if r.id == "bra-styrgrupp"]
        if group:
            a.steering = True
            if group[0].id not in a.attendees:
                a.attendees.append(self._role(group[0]))
                a.attendees_guess = f"{ASSUME}: styrgruppen deltar i sitt eget möte"
        if _PUBLIC.search(a.title):
            a.audience = "public"
            self.checklist.append(
                msg(
                    Text(
                        "{title!r} is for the public: the draft shows it in the public feed and page.",
                        "{title!r} riktar sig till allmänheten: utkastet visar den i det offentliga flödet och på sidan.",
                    ),
                    title=a.title,
                )
            )

    def _followups(self, a: _Activity, cell: str) -> None:
        for f in fu.read(cell):
            due, guess = self._due(a, f)
            what = f.what
            if any(x.what == _capital(what) and x.stated == due for x in a.followups):
                continue  # the same follow-up, in the row's other area
            followup = _FollowUp(
                id=_unique(slug(f"{a.id} {_short(what)}", "uppfoljning", 60), self.followup_ids),
                what=_capital(what),
                due=due,
                to="Styrgruppen för BRÅ" if f.to_steering_group else None,
                guess=guess,
                stated=due,
            )
            if followup.id in self.options.unusable:
                followup.guess = f"{ASSUME}: dokumentet säger {due}, utanför planens period"
                followup.due = "ingen"
                self.checklist.append(
                    msg(
                        Text(
                            "{what!r} ({title}) is due {due} in the document, outside the plan period: the draft gives it no deadline.",
                            "{what!r} ({title}) ska enligt dokumentet vara klar {due}, utanför planens period: utkastet ger den inget slutdatum.",
                        ),
                        what=followup.what,
                        title=a.title,
                        due=due,
                    )
                )
            a.followups.append(followup)

    def _due(self, a: _Activity, f: fu.FollowUpText) -> tuple[str, str | None]:
        d = f.due
        guess = f"{ASSUME}: {', '.join(f.guesses)}" if f.guesses else None
        if d.kind == "date" and d.day is not None:
            return d.day.isoformat(), None
        if d.kind == "month" and d.month is not None:
            return MONTHS["sv"][d.month - 1], guess
        if d.kind == "after":
            return f"{d.days} dagar efter varje", guess
        if d.kind in ("next", "each"):
            return f"steering:{d.kind}", None  # resolved once every activity is known
        return "ingen", None

    def resolve_steering(self) -> None:
        """ "Till styrgruppen för BRÅ": at the next (or each) meeting of the BRÅ activity."""
        steering = next((a for a in self.activities if a.steering and a.title), None)
        for a in self.activities:
            for f in a.followups:
                if not f.due.startswith("steering:"):
                    continue
                kind = f.due.split(":", 1)[1]
                if steering is None or steering is a:
                    f.due = "ingen"
                    f.guess = f"{ASSUME}: planen har inget styrgruppsmöte att vänta på"
                else:
                    f.due = f"vid {'nästa' if kind == 'next' else 'varje'} {steering.id}"
                    f.guess = f"{ASSUME}: vid styrgruppens möte"
        if steering is None or not isinstance(steering.cadence, PerYear):
            return
        # A report "till styrgruppen för BRÅ 2023-02-06" is given at its meeting that day.
        days = sorted(
            {
                date.fromisoformat(f.due)
                for a in self.activities
                for f in a.followups
                if f.to and re.fullmatch(r"\d{4}-\d{2}-\d{2}", f.due)
            }
        )
        days = [d for d in days if self.start <= d <= self.end]
        if days:
            steering.pinned = days
            if len({d.weekday() for d in days}) == 1:
                steering.weekday = days[0].weekday()

    def communication(self) -> None:
        c = self.layout.communication
        if c is None:
            return
        text = " ".join(c.paragraphs)
        found = _cadence_in(text)
        if found is None:
            return
        phrase, after = found
        title = re.split(r"\s+samt\s+|[,.;]", after.strip(), maxsplit=1)[0].strip()
        title = re.sub(r"^(?:att\s+)?", "", title)
        channels = [p for p in c.paragraphs if len(p.split()) <= 10 and not p.endswith((".", ":"))]
        channels = [p for p in channels if not re.match(r"^ansvarig", p, re.I)]
        responsible: list[str] = []
        for p in c.paragraphs:
            if m := re.match(r"^ansvarig[^:]*:\s*(.+)$", p, re.I):
                responsible += [self._role(r) for r in named(m[1])]
        if not responsible:
            responsible = [self._coordinator()]
        a = _Activity(
            id=_unique(slug(title, "kommunikation"), self.activity_ids),
            title=_capital(title),
            areas=["Kommunikation"],
            when_text=phrase,
            rows=[],
            cadence=parse(phrase),
            description="; ".join(channels) or None,
            organizer=responsible[0],
            attendees=responsible,
            audience="public",
            all_day=True,
        )
        self.activities.append(a)
        self.checklist.append(
            msg(
                Text(
                    "{title!r} ({when}) comes from the communication section: the draft makes it a public all-day entry on the plan's default day.",
                    "{title!r} ({when}) kommer från avsnittet om kommunikation: utkastet gör den till en offentlig heldagspost på planens standarddag.",
                ),
                title=a.title,
                when=phrase,
            )
        )
        if re.search(r"uppehåll\w* (?:över|under) sommaren|sommaruppehåll", text, re.I):
            self.breaks.append(("sommar", "Sommaruppehåll", "07-01", "07-31"))
            self.checklist.append(
                msg(
                    Text(
                        "The summer break: the draft says July; meetings every week continue through it.",
                        "Sommaruppehållet: utkastet säger juli; möten varje vecka fortsätter under det.",
                    )
                )
            )

    def plan_followups(self) -> list[_FollowUp]:
        """The evaluation of the whole plan and the dated reports of its prose. Someone must be
        reminded: those the plan makes responsible for follow-up, else the roles the sentence
        names, else the coordinator (a guess)."""
        result: list[_FollowUp] = []
        ev = self.layout.evaluation
        answerable = [self._role(r) for r in named(self.layout.evaluation_roles)]

        def responsible(text: str) -> tuple[list[str], str | None]:
            ids = answerable or [self._role(r) for r in named(text, other_names=False)]
            if ids:
                return ids, None
            return [self._coordinator()], f"{ASSUME}: dokumentet namnger ingen ansvarig"

        if ev is not None:
            due = "planens slut" if ev.day >= self.end else ev.day.isoformat()
            who, guess = responsible(ev.text)
            if due == "planens slut" and ev.day != self.end:
                guess = f"{ASSUME}: {ev.day.isoformat()} är planens slut"
            result.append(
                _FollowUp(
                    _unique("utvardering", self.followup_ids),
                    ev.text.rstrip("."),
                    due,
                    responsible=who,
                    guess=guess,
                )
            )
        for r in self.layout.reports:
            who, guess = responsible(r.text)
            result.append(
                _FollowUp(
                    _unique(slug(f"rapport-{r.day.isoformat()}", "rapport"), self.followup_ids),
                    r.text.rstrip("."),
                    r.day.isoformat(),
                    responsible=who,
                    guess=guess,
                )
            )
        return result

    # writing ---------------------------------------------------------------------------

    def render(self) -> str:
        layout = self.layout
        years = (
            f"{self.start.year}"
            if self.start.year == self.end.year
            else f"{self.start.year}–{self.end.year}"
        )
        plan_id = self.options.plan_id or slug(f"{self.town or 'plan'} {years}", "plan")
        name = layout.title or f"Lokal handlingsplan {years}"
        plan_fus = self.plan_followups()
        has_breaks = bool(self.breaks)
        if has_breaks:
            for a in self.activities:
                if isinstance(a.cadence, Weekly):
                    a.breaks = "continue"
                    a.breaks_guess = f"{ASSUME}: möten varje vecka har inget uppehåll"
        out: list[str] = [
            f"# Utkast från `plancal import`: {q(name)}",
            '# Allt som dokumentet inte säger är gissat och markerat "antagande" på sin rad:',
            "# kontrollera dem, fyll i adresserna och kör `plancal validate` på filen.",
            "# Formatet beskrivs i docs/planformat.md.",
            "",
            f"id: {plan_id}",
            f"name: {q(name)}",
            "timezone: Europe/Stockholm",
            "language: sv",
        ]
        if self.municipality:
            out += ["", "municipality:", f"  name: {q(self.municipality)}"]
        out += [
            "",
            "period:",
            f"  start: {self.start.isoformat()}"
            + (f"  # {self.period_guess}" if self.period_guess else ""),
            f"  end: {self.end.isoformat()}",
            "",
            "holidays:",
            "  country: SE",
            "  de_facto: true",
            "",
            "defaults:",
            f'  time: "{DEFAULT_TIME}"  # {ASSUME}',
            f"  duration: {DEFAULT_DURATION}  # {ASSUME}: minuter",
            f"  weekday: {WEEKDAYS['sv'][DEFAULT_WEEKDAY]}  # {ASSUME}: för N ggr/år och 1 ggr/månad",
            f"  week: {DEFAULT_WEEK}  # {ASSUME}: andra veckan i månaden",
            "  holidays: next  # ett möte på en helgdag flyttas till nästa vardag",
            f"  remind: [14, 2]  # {ASSUME}: påminnelse 14 och 2 dagar före en uppföljning",
        ]
        if has_breaks:
            out += ["  breaks: skip", "", "breaks:"]
            for bid, bname, start, end in self.breaks:
                out += [
                    f"  - id: {bid}",
                    f"    name: {q(bname)}",
                    f'    from: "{start}"  # {ASSUME}: juli',
                    f'    to: "{end}"',
                ]
        out += ["", "roles:"]
        for role in self.roles.values():
            domain = "polisen.example" if role.police else self.domain
            out += [f"  {role.id}:", f"    name: {q(role.name)}"]
            if role.name_en:
                out.append(f"    name_en: {q(role.name_en)}")
            out.append(f"    email: {role.id.replace('-', '.')}@{domain}  {ADDRESS}")
        out += ["", "activities:"]
        area = None
        for a in self.activities:
            first = a.areas[0] if a.areas else None
            if first != area and first:
                out += ["", f"  # --- {first} " + "-" * max(3, 80 - len(first))]
                area = first
            out += self._activity(a)
        if plan_fus:
            out += ["", "followups:"]
            for f in plan_fus:
                out += self._followup(f, "  ")
        return "\n".join(out) + "\n"

    def _activity(self, a: _Activity) -> list[str]:
        out = [""]
        for row in a.rows:
            where = f"rad {row.line}" if row.line else (f"sida {row.page}" if row.page else "")
            out.append(
                f"  # Tabell {row.table}"
                + (f", {where}" if where else "")
                + (f" ({row.area})" if row.area else "")
            )
        if a.unread is not None:
            out.append(
                f"  # När (ordagrant, kan inte läsas än): {json.dumps(a.unread, ensure_ascii=False)}"
            )
        out += [f"  - id: {a.id}", f"    title: {q(a.title)}"]
        if a.description:
            out.append(f"    description: {q(a.description)}")
        if len(a.areas) > 1:
            out.append(f"    area: [{', '.join(q(x) for x in a.areas)}]")
        elif a.areas:
            out.append(f"    area: {q(a.areas[0])}")
        if a.unread is not None:
            out.append(f'    when: Behovsanpassat  # {ASSUME}: se "När" ovan')
        else:
            comment = ""
            if a.rows == [] and a.all_day:
                comment = f"  # {ASSUME}: ur texten om kommunikation"
            elif months := guesses(a).months:
                comment = f"  # {ASSUME}: {_months(months).sv}"
            out.append(f"    when: {q(a.when_text)}{comment}")
        g = guesses(a)
        if g.weekday is not None:
            why = "rapportdatumen till styrgruppen" if a.weekday is not None else "ingen veckodag"
            out.append(f"    weekday: {WEEKDAYS['sv'][g.weekday]}  # {ASSUME}: {why}")
        if g.week is not None:
            out.append(f"    week: {g.week}  # {ASSUME}")
        if g.time is not None:
            out.append(f'    time: "{g.time}"  # {ASSUME}: ingen tid')
        if a.pinned:
            at = (a.slot[0] if a.slot else DEFAULT_TIME).replace(".", ":")
            pins = ", ".join(f"{d.isoformat()} {at}" for d in a.pinned)
            out.append(
                f"    pinned: [{pins}]  # {ASSUME}: styrgruppen möts de dagar rapporterna lämnas"
            )
        if g.duration is not None:
            out.append(f"    duration: {g.duration}  # {ASSUME}: minuter")
        if a.all_day:
            out.append(f"    all_day: true  # {ASSUME}: en publicering, inget möte")
        organizer = f"    organizer: {a.organizer}"
        if a.organizer_guess:
            organizer += f"  # {a.organizer_guess}"
        attendees = f"    attendees: [{', '.join(a.attendees)}]"
        if a.attendees_guess:
            attendees += f"  # {a.attendees_guess}"
        out += [organizer, attendees]
        if a.audience:
            out.append(f"    audience: {a.audience}  # {ASSUME}: riktar sig till allmänheten")
        if a.all_day:
            out.append("    reminder: false")
        if a.breaks:
            out.append(
                f"    breaks: {a.breaks}" + (f"  # {a.breaks_guess}" if a.breaks_guess else "")
            )
        if a.followups:
            out.append("    followups:")
            for f in a.followups:
                out += self._followup(f, "      ")
        return out

    def _followup(self, f: _FollowUp, indent: str) -> list[str]:
        out = [
            f"{indent}- id: {f.id}",
            f"{indent}  what: {q(f.what)}",
            f"{indent}  due: {q(f.due)}" + (f"  # {f.guess}" if f.guess else ""),
        ]
        if f.to:
            out.append(f"{indent}  to: {q(f.to)}")
        if f.responsible:
            out.append(f"{indent}  responsible: [{', '.join(f.responsible)}]")
        return out

    def address_checklist(self) -> None:
        self.checklist.insert(
            0,
            msg(
                Text(
                    "The e-mail address of {n} role(s): {names} (placeholders on .example, marked 'antagande: fyll i adress').",
                    "E-postadressen till {n} roll(er): {names} (platshållare på .example, markerade 'antagande: fyll i adress').",
                ),
                n=len(self.roles),
                names=", ".join(r.name for r in self.roles.values()),
            ),
        )


# Activities for the public: citizen dialogues and safety walks go in the public feed.
_PUBLIC = re.compile(r"medborgardialog|trygghetsvandring|öppet möte|informationsmöte|citizen", re.I)
# N a year and once a month meet on the plan's default day; each gets its own morning and week,
# so two of them never book the same people at once, and a weekly afternoon meeting a holiday
# moves to that day keeps its time (each a guess, marked).
SLOTS = tuple((time, week) for week in (2, 3, 4, 1) for time in ("09.00", "10.30"))


@dataclass(frozen=True, slots=True)
class Guesses:
    """What an activity's *När* leaves to the draft (None or empty: the words give it)."""

    weekday: int | None = None
    week: int | None = None
    months: tuple[int, ...] = ()
    time: str | None = None  # "09.00"
    duration: int | None = None  # minutes


def guesses(a: _Activity) -> Guesses:
    c = a.cadence
    if (
        a.unread is not None
        or a.all_day
        or not isinstance(c, (Weekly, Monthly, Yearly, PerYear, Dates))
    ):
        return Guesses()  # as needed and seasons have no time; an RRULE says what it means
    weekday = week = None
    months: tuple[int, ...] = ()
    if isinstance(c, Weekly) and not c.weekdays:
        weekday = DEFAULT_WEEKDAY
    if a.slot is not None:  # N a year, once a month: the day is the draft's
        weekday, week = DEFAULT_WEEKDAY, a.slot[1]
        if isinstance(c, PerYear):
            months = _months_of(c)
    if weekday is not None and a.weekday is not None:
        weekday = a.weekday
    start = c.start_time
    if isinstance(c, Dates) and any(isinstance(d, datetime) for d in c.items):
        start = start or time()  # the items carry their time
    timed = c.end_time is not None or getattr(c, "duration", None) is not None
    return Guesses(
        weekday=weekday,
        week=week,
        months=months,
        time=None if start is not None else (a.slot[0] if a.slot else DEFAULT_TIME),
        duration=None if timed else DEFAULT_DURATION,
    )


def _months_of(c: PerYear) -> tuple[int, ...]:
    """The months plancal gives N a year (as the compiler spreads them): a fixed pattern in a
    whole year, a share of N spread over a part of one."""
    if c.within is None:
        return months_of(c.count)
    first, last = c.within
    if first.year != last.year or (first.month, last.month) == (1, 12):
        return months_of(c.count)
    span = list(range(first.month, last.month + 1))
    k = min(round(c.count * len(span) / 12), len(span))
    return tuple(span[int((i + 0.5) * len(span) / k)] for i in range(k)) if k else ()


def _months(months: tuple[int, ...]) -> Text:
    """ "mars och oktober"; from seven a year, the months left out."""
    if len(months) > 6:
        left = tuple(m for m in range(1, 13) if m not in months)
        return Text(
            f"every month but {_and([MONTHS['en'][m - 1] for m in left], 'and')} (in a whole year)",
            f"alla månader utom {_and([MONTHS['sv'][m - 1] for m in left], 'och')} (ett helt år)",
        )
    return Text(
        f"{_and([MONTHS['en'][m - 1] for m in months], 'and')} (in a whole year)",
        f"{_and([MONTHS['sv'][m - 1] for m in months], 'och')} (ett helt år)",
    )


def _and(items: list[str], word: str) -> str:
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} {word} {items[-1]}"


_PENDING = msg(Text("", ""))  # a checklist place kept until the question is known


def _weekday(day: int) -> Text:
    return Text(WEEKDAYS["en"][day], WEEKDAYS["sv"][day])


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


def _short(text: str) -> str:
    return " ".join(_norm(text).split()[:4])


_CADENCE_START = re.compile(r"\b(?:varje|varannan|var|minst|en|två|tre|fyra|\d+)\b", re.I)


def _cadence_in(text: str) -> tuple[str, str] | None:
    """The first phrase in prose that says how often ("varje månad"), and the text after it
    (a parenthesis passed), or None. Phrases without a fixed time do not count."""
    for m in _CADENCE_START.finditer(text):
        words = text[m.start() :].split()
        for n in range(min(6, len(words)), 1, -1):
            phrase = " ".join(words[:n]).rstrip(",.;")
            try:
                cadence = parse(phrase)
            except CadenceError:
                continue
            if isinstance(cadence, AsNeeded):
                break
            rest = text[m.start() :][len(" ".join(words[:n])) :]
            rest = re.sub(r"^\s*\([^)]*\)", "", rest)
            return phrase, rest
    return None


def compose(layout: Layout, options: Options) -> Draft:
    """The draft plan text, the checklist and what could not be read."""
    c = _Composer(layout, options)
    c.activities_from_rows()
    c.resolve_steering()
    c.ask_guesses()
    c.communication()
    text = c.render()
    c.address_checklist()
    unread = tuple(
        Unread(a.title, a.unread, a.rows[0].line if a.rows else None)
        for a in c.activities
        if a.unread is not None
    )
    return Draft(text, tuple(c.checklist), unread, len(c.activities), len(c.roles))
