"""The Swedish reference of the plan format (``docs/planformat.md``), generated from the declared
schema (``rules/format.py``) and the cadence language (``rules/cadence.py``), so it cannot drift
from what plancal accepts: every key with its sentence and an example, every ``when`` phrase.

``plancal schema --markdown`` prints it; a test checks that the committed file is this text, that
every key has an example, and that every example and phrase is accepted as written.
"""

from __future__ import annotations

from collections.abc import Iterator

from plancal.rules.cadence import FORMS
from plancal.rules.format import PLAN
from plancal.rules.schema import Either, Field, Kind, ListOf, MapOf, Record

# One example per key, as YAML under that key (checked against the key's declared kind).
EXAMPLES: dict[str, str] = {
    "plan.id": "soderhamn-2022-2023",
    "plan.name": "Lokal handlingsplan Söderhamn 2022–2023",
    "plan.name_en": "Local action plan Söderhamn 2022–2023",
    "plan.municipality": (
        "\n  name: Söderhamns kommun\n  name_en: Söderhamn Municipality\n  logo: vapen.svg"
    ),
    "plan.contact": "trygghetssamordnare",
    "plan.document": "https://www.soderhamn.example/handlingsplan-2022-2023.pdf",
    "plan.timezone": "Europe/Stockholm",
    "plan.language": "sv",
    "plan.period": "\n  start: 2022-09-01\n  end: 2023-12-31",
    "plan.holidays": "\n  country: SE\n  de_facto: true",
    "plan.defaults": "\n  time: '09:00'\n  duration: 60\n  weekday: tisdag\n  week: 2",
    "plan.breaks": "\n  - id: sommar\n    name: Sommaruppehåll\n    from: 06-26\n    to: 08-06",
    "plan.roles": (
        "\n  kommunpolis:\n    name: Kommunpolis\n    email: kommunpolis@polisen.example"
    ),
    "plan.activities": (
        "\n  - id: lagesbild\n    title: Lokal gemensam lägesbild\n"
        "    when: Varje tisdag kl. 10.00\n    organizer: kommunpolis"
    ),
    "plan.followups": (
        "\n  - id: utvardering\n    what: Utvärdering av planen\n    due: planens slut\n"
        "    responsible: [kommunpolis]"
    ),
    "plan.feeds": "\n  refresh: 60\n  url: https://kalender.soderhamn.example/",
    "period.start": "2022-09-01",
    "period.end": "2023-12-31",
    "holidays.country": "SE",
    "holidays.subdivision": "AB",
    "holidays.de_facto": "true",
    "defaults.time": "'09:00'",
    "defaults.duration": "60",
    "defaults.weekday": "tisdag",
    "defaults.week": "andra",
    "defaults.place": "Söderhamns stadshus",
    "defaults.place_en": "Söderhamn town hall",
    "defaults.reminder": "15",
    "defaults.holidays": "nästa vardag",
    "defaults.breaks": "hoppa över",
    "defaults.remind": "[14, 1]",
    "break.id": "sommar",
    "break.name": "Sommaruppehåll",
    "break.from": "06-26",
    "break.to": "08-06",
    "break.policy": "efter",
    "role.name": "Trygghetssamordnare",
    "role.name_en": "Community safety coordinator",
    "role.email": "trygghetssamordnare@soderhamn.example",
    "activity.id": "beredningsgrupp",
    "activity.title": "Beredningsgruppen",
    "activity.title_en": "Preparatory group",
    "activity.area": "[Ungdomskriminalitet, Samverkan]",
    "activity.description": "Förbereder styrgruppens möten.",
    "activity.description_en": "Prepares the steering group's meetings.",
    "activity.count": "keep",
    "activity.overlaps": "[avstamning-ifo]",
    "activity.when": "Första tisdagen varje månad kl. 09.00",
    "activity.time": "'14:00'",
    "activity.end": "'15:30'",
    "activity.duration": "90",
    "activity.all_day": "true",
    "activity.weekday": "torsdag",
    "activity.week": "sista",
    "activity.from": "2023-01-01",
    "activity.until": "2023-06-30",
    "activity.pinned": "[2023-03-14]",
    "activity.place": "Polisstationen Söderhamn",
    "activity.place_en": "Söderhamn police station",
    "activity.organizer": "kommunpolis",
    "activity.attendees": "[kommunpolis, trygghetssamordnare]",
    "activity.audience": "offentlig",
    "activity.reminder": "30",
    "activity.holidays": "föregående vardag",
    "activity.breaks": "\n  sommar: före",
    "activity.exceptions": (
        "\n  cancelled: [2023-03-13]\n  moved:\n    2023-03-07: 2023-03-08 10:00\n"
        "  reasons:\n    2023-03-13: Polisen på utbildning"
    ),
    "activity.followups": (
        "\n  - id: rapport\n    what: Kort skriftlig rapport till styrgruppen\n"
        "    due: vid nästa styrgrupp"
    ),
    "exceptions.cancelled": "[2023-03-13]",
    "exceptions.moved": "\n  2023-03-07: 2023-03-08 10:00",
    "exceptions.added": "[2023-05-16 13:00]",
    "exceptions.reasons": "\n  2023-03-13: Polisen på utbildning",
    "follow-up.id": "arsrapport",
    "follow-up.what": "Årsrapport till kommunstyrelsen",
    "follow-up.due": "september",
    "follow-up.to": "Kommunstyrelsen",
    "follow-up.responsible": "[trygghetssamordnare]",
    "follow-up.remind": "[30, 7]",
    "municipality.name": "Söderhamns kommun",
    "municipality.name_en": "Söderhamn Municipality",
    "municipality.logo": "vapen.svg",
    "feeds.refresh": "60",
    "feeds.url": "https://kalender.soderhamn.example/",
}

# Due dates in words (follow-up.due), each accepted as written (a test checks it).
DUE_PHRASES: tuple[tuple[str, str], ...] = (
    ("2023-02-06", "ett datum"),
    ("september", "under september, varje år (påminnelsen räknas till månadens början)"),
    ("14 dagar efter varje", "14 dagar efter varje tillfälle av aktiviteten"),
    ("vid nästa styrgrupp", "vid nästa tillfälle av aktiviteten med id styrgrupp"),
    ("vid varje styrgrupp", "vid varje tillfälle av aktiviteten med id styrgrupp"),
    ("planens slut", "när planperioden slutar"),
    ("30 dagar efter planens slut", "30 dagar efter planperiodens slut"),
    ("ingen", "inget slutdatum"),
)

SECTIONS: tuple[tuple[str, str], ...] = (
    ("plan", "Planen (översta nivån)"),
    ("period", "period"),
    ("holidays", "holidays – helgdagar"),
    ("defaults", "defaults – standardvärden"),
    ("feeds", "feeds – flöden"),
    ("municipality", "municipality – kommunen som ger ut planen"),
    ("role", "roles – roller (under roles, efter id)"),
    ("break", "breaks – uppehåll (en lista)"),
    ("activity", "activities – aktiviteter (en lista)"),
    ("exceptions", "exceptions – undantag (i en aktivitet)"),
    ("follow-up", "followups – uppföljningar (i en aktivitet eller i planen)"),
)


def records(kind: Kind = PLAN) -> dict[str, Record]:
    """Every record of the format, by title, found by walking the declared schema."""
    found: dict[str, Record] = {}

    def walk(k: Kind) -> None:
        if isinstance(k, Record):
            if k.title in found:
                return
            found[k.title] = k
            for f in k.fields:
                walk(f.kind)
        elif isinstance(k, ListOf):
            walk(k.item)
        elif isinstance(k, MapOf):
            walk(k.value)
        elif isinstance(k, Either):
            for _test, option in k.options:
                walk(option)

    walk(kind)
    return found


def _field(record: str, f: Field) -> Iterator[str]:
    notes = []
    if f.required:
        notes.append("obligatorisk")
    if f.default is not None:
        default = f.default if not isinstance(f.default, bool) else str(f.default).lower()
        notes.append(f"standard: `{default}`")
    yield f"### `{f.name}`" + (f" ({', '.join(notes)})" if notes else "")
    yield ""
    yield f.doc.sv
    yield ""
    yield "```yaml"
    example = EXAMPLES[f"{record}.{f.name}"]
    yield f"{f.name}:{'' if example.startswith(chr(10)) else ' '}{example}"
    yield "```"
    yield ""


def markdown() -> str:
    """docs/planformat.md, in Swedish."""
    found = records()
    out = [
        "# Planformatet",
        "",
        "<!-- Genererad av `plancal schema --markdown` från det deklarerade schemat "
        "(src/plancal/rules/format.py, reference.py, cadence.py). Ändra där, inte här. -->",
        "",
        "En plan är en YAML-fil: nycklar och värden, indrag med mellanslag (aldrig tabbar). "
        "`plancal init` skriver en första plan åt dig; `plancal validate plan.yaml` säger vad "
        "som är fel, med radnummer. Nycklarna skrivs på engelska; värdena (veckodagar, regler, "
        "`när`-fraser) går att skriva på svenska eller engelska.",
        "",
        "## Innehåll",
        "",
    ]
    for title, heading in SECTIONS:
        out.append(f"- [{heading}](#{title})")
    out += [
        "- [`when` – när en aktivitet sker](#when)",
        "- [`due` – när en uppföljning ska vara klar](#due)",
        "",
    ]
    for title, heading in SECTIONS:
        record = found[title]
        out += [f'<a id="{title}"></a>', "", f"## {heading}", ""]
        if record.doc is not None:
            out += [record.doc.sv, ""]
        for f in record.fields:
            out += list(_field(title, f))
    out += [
        '<a id="when"></a>',
        "",
        "## `when` – när en aktivitet sker",
        "",
        "Skriv som i planen, på svenska eller engelska; stora och små bokstäver spelar ingen "
        "roll. En tid läggs till med `kl. 14.00`, `kl. 14.00–15.30` eller `kl. 14.00 i 45 "
        "minuter`. Allt som inte går att läsa är ett fel som säger vad som ska skrivas i "
        'stället; en felstavad veckodag läses aldrig som "vid behov".',
        "",
    ]
    for form in FORMS:
        out += [f"### {form.title.sv}", "", form.meaning.sv, ""]
        out += [f"- `{p}`" for p in form.examples]
        out.append("")
    out += [
        '<a id="due"></a>',
        "",
        "## `due` – när en uppföljning ska vara klar",
        "",
    ]
    out += [f"- `{phrase}` – {meaning}" for phrase, meaning in DUE_PHRASES]
    out.append("")
    return "\n".join(out)
