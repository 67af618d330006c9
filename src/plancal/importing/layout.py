"""Where the plan is in a document: the activity tables and their areas, and the prose.

Tables with the columns *Aktivitet*, *När*, *Vem*, *Uppföljning* (or their English names) are
the activity tables; the area of one is the heading above it (the nearest short line, passing
"Mål" and its goals), or the entry of the "Prioriterade områden" list it is placed under. The
text of some PDFs puts each heading right after its table instead: when every table is followed
by a heading and that reading leaves fewer tables without an area and headings without a table,
the heading below names the table. A table without a header row right after an activity table
on the next page continues it. The prose gives the title (and from it the period), the
municipality, the evaluation of the whole plan with its date and who is responsible, dated
reports, and the communication section.
Anything a person must fix is a ``UserError`` naming the file, the line or page, and what to
write instead.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date

from plancal.errors import Problem, UserError, Where
from plancal.i18n import Message, Text, msg
from plancal.importing.document import Block, Document, Paragraph, Table, clean
from plancal.importing.followups import dates_in

COLUMNS: dict[str, str] = {
    "aktivitet": "activity",
    "aktiviteter": "activity",
    "activity": "activity",
    "activities": "activity",
    "när": "when",
    "när?": "when",
    "when": "when",
    "vem": "who",
    "vem?": "who",
    "ansvarig": "who",
    "who": "who",
    "uppföljning": "followup",
    "uppföljning/utvärdering": "followup",
    "follow-up": "followup",
    "follow up": "followup",
    "followup": "followup",
}
REQUIRED = ("activity", "when", "who", "followup")
HEADER = "Aktivitet, När, Vem, Uppföljning"


@dataclass(frozen=True, slots=True)
class Row:
    area: str | None
    activity: str
    when: str
    who: str
    followup: str
    line: int | None
    page: int | None
    table: int  # 1-based, in the order the document has them


@dataclass(frozen=True, slots=True)
class Communication:
    paragraphs: tuple[str, ...]
    line: int | None


@dataclass(frozen=True, slots=True)
class Dated:
    text: str
    day: date


@dataclass
class Layout:
    rows: list[Row]
    title: str | None = None
    municipality: str | None = None  # "Söderhamns kommun"
    police: str | None = None  # "Lokalpolisområde Hälsingland"
    evaluation: Dated | None = None
    evaluation_roles: str = ""
    reports: list[Dated] = field(default_factory=list)
    communication: Communication | None = None
    areas: list[str] = field(default_factory=list)


def _at(block: Block, number: int) -> Message:
    """'table 2 (page 3)' / 'tabell 2 (sida 3)' — the page where the format has pages."""
    if block.page is not None:
        return msg(
            Text("table {n} (page {page})", "tabell {n} (sida {page})"), n=number, page=block.page
        )
    return msg(Text("table {n}", "tabell {n}"), n=number)


_BULLET = re.compile(r"^\s*(?:[-•*–·▪◦]|\d+[.)])\s+")
_NOT_AREAS = {"mål", "mål:", "syfte", "syfte:", "goals", "goal", "aim", "innehåll", "bakgrund"}


def _headingish(p: Paragraph) -> bool:
    text = p.text.strip()
    if p.heading:
        return True
    if not text or _BULLET.match(text) or text.endswith((".", ":", ",", ";")):
        return False
    return len(text.split()) <= 5 and text[:1].isupper()


def _column(cell: str) -> str | None:
    return COLUMNS.get(clean(cell).lower().rstrip(":"))


def layout(doc: Document) -> Layout:
    """The rows of every activity table and the prose the plan needs; UserError otherwise."""
    if not doc.has_text:
        raise UserError(
            [
                Problem(
                    Where(doc.name),
                    msg(
                        Text(
                            "{file} is empty: it has no text", "{file} är tom: den har ingen text"
                        ),
                        file=doc.name,
                    ),
                    msg(
                        Text(
                            "import the plan document itself, with its tables ({header})",
                            "importera själva plandokumentet, med dess tabeller ({header})",
                        ),
                        header=HEADER,
                    ),
                )
            ]
        )
    paragraphs = [b for b in doc.blocks if isinstance(b, Paragraph)]
    areas = _priority_areas(paragraphs)
    result = Layout(rows=[], areas=areas)
    problems: list[Problem] = []
    area: str | None = None
    last_heading: str | None = None
    columns: list[str] | None = None  # of the activity table just read, for its continuation
    table_number = 0
    # The area headings between one activity table and the next, and each row's table (tables
    # with nothing between them are one), to tell afterwards which side a heading stands on.
    between: list[list[str]] = [[]]
    group_of: list[int] = []
    text_since = True
    leads: list[bool] = [False]  # the first line after each table is an area heading
    for block in doc.blocks:
        if isinstance(block, Paragraph):
            text = clean(block.text)
            if not text:
                continue
            columns = None
            headings = len(between[-1])
            if areas and text.lower() in {a.lower() for a in areas}:
                area = next(a for a in areas if a.lower() == text.lower())
                between[-1].append(area)
            elif _headingish(block) and text.lower() not in _NOT_AREAS:
                last_heading = text
                if not areas:
                    area = text
                    between[-1].append(text)
            if not text_since:
                leads[-1] = len(between[-1]) > headings
            text_since = True
            continue
        table_number += 1
        numbered = [
            (tuple(clean(c) for c in r), block.line_of(i)) for i, r in enumerate(block.rows)
        ]
        numbered = [(r, n) for r, n in numbered if any(r)]
        rows = [r for r, _n in numbered]
        if not rows:
            continue
        header = [_column(c) for c in rows[0]]
        known = [h for h in header if h]
        if len(set(known)) >= 2:
            missing = [c for c in REQUIRED if c not in known]
            extra = [rows[0][i] for i, h in enumerate(header) if h is None]
            if missing or extra or len(known) != len(set(known)):
                problems.append(
                    _bad_columns(doc, numbered[0][1], block, table_number, rows[0], missing, extra)
                )
                columns = None
                continue
            columns = [h for h in header if h]
            body = rows[1:]
        elif columns is not None and len(rows[0]) == len(columns):
            body = rows  # the same table, on from the page before
        else:
            continue
        if text_since or not group_of:
            between.append([])
            leads.append(False)
        text_since = False
        offset = len(rows) - len(body)
        for index, cells in enumerate(body):
            line = numbered[offset + index][1]
            values = dict(zip(columns, cells, strict=True))
            if not values["activity"] and result.rows and result.rows[-1].table == table_number:
                # the rest of a row the page broke: its cells belong to the row above
                prev = result.rows[-1]
                result.rows[-1] = Row(
                    prev.area,
                    prev.activity,
                    f"{prev.when} {values['when']}".strip(),
                    f"{prev.who} {values['who']}".strip(),
                    f"{prev.followup} {values['followup']}".strip(),
                    prev.line,
                    prev.page,
                    prev.table,
                )
                continue
            if not values["activity"]:
                continue
            result.rows.append(
                Row(
                    area or last_heading,
                    values["activity"],
                    values["when"],
                    values["who"],
                    values["followup"],
                    line,
                    block.page,
                    table_number,
                )
            )
            group_of.append(len(between) - 2)
    if problems:
        raise UserError(problems)
    if not result.rows:
        raise UserError(
            [
                Problem(
                    Where(doc.name),
                    msg(
                        Text(
                            "{file} has no activity table: plancal reads the tables with the columns {header}",
                            "{file} har ingen aktivitetstabell: plancal läser tabellerna med kolumnerna {header}",
                        ),
                        file=doc.name,
                        header=HEADER,
                    ),
                    msg(
                        Text(
                            "a PDF's tables are found by their ruling lines: if the tables have none, import the Word document instead, or give the table lines",
                            "en PDF:s tabeller hittas genom sina linjer: om tabellerna saknar linjer, importera Word-dokumentet i stället, eller ge tabellen linjer",
                        )
                    )
                    if any(b.page is not None for b in doc.blocks)
                    else msg(
                        Text(
                            "give the activities as a table whose first row is {header} (in a text file: cells separated by tabs)",
                            "skriv aktiviteterna som en tabell vars första rad är {header} (i en textfil: celler åtskilda med tabb)",
                        ),
                        header=HEADER,
                    ),
                )
            ]
        )
    if all(leads[1:]) and _headings_follow(result.rows, group_of, between, bool(areas)):
        result.rows = [
            replace(r, area=between[g + 1][0]) for r, g in zip(result.rows, group_of, strict=True)
        ]
    _prose(doc, paragraphs, result)
    return result


def _headings_follow(
    rows: list[Row], group_of: list[int], between: list[list[str]], listed: bool
) -> bool:
    """Whether each table's area heading stands after it (as the text of some PDFs has it)
    rather than before; asked only when the line right after each table is a heading.
    ``between[i]`` holds the headings before table ``i`` (the last, those after the last
    table). The layout that leaves no table without an area and no heading
    without a table wins; a tie is the usual one, the heading before. Without a list of areas
    any short line is a heading, so only a table with no heading before it at all tells."""
    tables = len(between) - 1
    if tables == 0:
        return False
    area_before = {g: r.area for r, g in zip(rows, group_of, strict=True)}
    missing_before = sum(1 for g in range(tables) if area_before.get(g) is None)
    missing_after = sum(1 for seg in between[1:] if not seg)
    if not listed:
        return missing_before > 0 and missing_after == 0
    orphans_before = sum(max(len(seg) - 1, 0) for seg in between[1:-1]) + len(between[-1])
    orphans_after = sum(max(len(seg) - 1, 0) for seg in between[1:])
    return (missing_after, orphans_after) < (missing_before, orphans_before)


def _bad_columns(
    doc: Document,
    line: int | None,
    block: Table,
    number: int,
    header: tuple[str, ...],
    missing: list[str],
    extra: list[str],
) -> Problem:
    names = {"activity": "Aktivitet", "when": "När", "who": "Vem", "followup": "Uppföljning"}
    parts: list[Message] = []
    if missing:
        parts.append(
            msg(
                Text("it lacks {cols}", "den saknar {cols}"),
                cols=", ".join(names[m] for m in missing),
            )
        )
    if extra:
        parts.append(
            msg(
                Text(
                    "it has columns plancal does not read: {cols}",
                    "den har kolumner som plancal inte läser: {cols}",
                ),
                cols=", ".join(repr(e) for e in extra),
            )
        )
    if not parts:
        parts.append(msg(Text("a column appears twice", "en kolumn finns två gånger")))
    return Problem(
        Where(doc.name, line),
        msg(
            Text("{table} has the columns {have}: {why}", "{table} har kolumnerna {have}: {why}"),
            table=_at(block, number),
            have=" | ".join(header),
            why=_joined(parts),
        ),
        msg(
            Text(
                "give the table exactly the columns {header}, in any order (move other information into the cells)",
                "ge tabellen exakt kolumnerna {header}, i valfri ordning (flytta annan information in i cellerna)",
            ),
            header=HEADER,
        ),
    )


def _joined(parts: list[Message]) -> Message:
    values = tuple((f"p{i}", p) for i, p in enumerate(parts))
    template = "; ".join(f"{{p{i}}}" for i in range(len(parts)))
    return Message(Text(template, template), values)


def _priority_areas(paragraphs: list[Paragraph]) -> list[str]:
    """The list under "Prioriterade områden:" (or "Priority areas:"), when the plan has one."""
    for i, p in enumerate(paragraphs):
        if re.match(
            r"^\s*(prioriterade områden|priority areas|prioriterade fokusområden)\s*:?\s*$",
            p.text,
            re.I,
        ):
            areas: list[str] = []
            for q in paragraphs[i + 1 :]:
                if not _BULLET.match(q.text):
                    break
                areas.append(clean(_BULLET.sub("", q.text)).rstrip("."))
            return areas
    return []


_YEARS = re.compile(r"\b((?:19|20)\d\d)(?:\s*[-–—/]\s*((?:19|20)\d\d))?\b")
_MUNICIPALITY = re.compile(r"\b([A-ZÅÄÖ][\wåäöé-]+ kommun)\b")
_POLICE = re.compile(r"\b(Lokalpolisområde [A-ZÅÄÖ][\wåäö-]+)")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-ZÅÄÖ])")


def years_of(title: str) -> tuple[int, int] | None:
    m = _YEARS.search(title)
    if not m:
        return None
    first = int(m[1])
    last = int(m[2]) if m[2] else first
    return (first, last) if first <= last else None


def _prose(doc: Document, paragraphs: list[Paragraph], result: Layout) -> None:
    texts = [clean(p.text) for p in paragraphs]
    for text in texts[:15]:
        if (
            re.search(r"\b(handlingsplan|plan|medborgarlöfte|överenskommelse)\b", text, re.I)
            and len(text) < 120
        ):
            result.title = text
            break
    if result.title is None:
        result.title = next((t for t in texts if t), None)
    for text in texts[:40]:
        if result.municipality is None and (m := _MUNICIPALITY.search(text)):
            result.municipality = m[1]
        if result.police is None and (m := _POLICE.search(text)):
            result.police = m[1]
    in_responsible = False
    for i, text in enumerate(texts):
        if in_responsible:
            if _headingish(paragraphs[i]) and ":" not in text:
                in_responsible = False
            else:
                result.evaluation_roles += " " + text.split(":", 1)[-1]
                continue
        if re.match(r"^ansvariga? för (att )?uppföljning", text, re.I):
            in_responsible = True
            continue
        for sentence in _SENTENCE_END.split(text):
            found = dates_in(sentence)
            if not found:
                continue
            if re.search(r"\butvärder|\bevaluat", sentence, re.I) and result.evaluation is None:
                result.evaluation = Dated(sentence.strip(), found[-1][0])
            elif re.search(r"\b(rapport|redovis|återrapport|report)", sentence, re.I):
                result.reports.extend(Dated(sentence.strip(), d) for d, _span in found)
    result.communication = _communication(paragraphs)


def _communication(paragraphs: list[Paragraph]) -> Communication | None:
    """The section under a "Kommunikation" heading (the table of contents has one too, with
    nothing under it before the next heading: the longest section wins)."""
    best: Communication | None = None
    for start, heading in enumerate(paragraphs):
        if not re.match(r"^\s*(kommunikation|communication)\s*$", heading.text, re.I):
            continue
        body: list[str] = []
        for p in paragraphs[start + 1 :]:
            text = clean(p.text)
            if _headingish(p) and re.search(
                r"uppföljning|utvärdering|follow|evaluation|bilaga", text, re.I
            ):
                break
            if text:
                body.append(text)
        if body and (best is None or len(body) > len(best.paragraphs)):
            best = Communication(tuple(body), heading.line)
    return best
