"""A YAML structure error in plain words: what is wrong on which line, and what to write.

libyaml says "mapping values are not allowed in this context" or "did not find expected '-'
indicator"; a coordinator needs "line 12 is indented more than the line above: 'place' seems
to belong with 'title'". The parser's message decides the kind of mistake, the text itself
(indentation, the key on the line) decides the words; a message not recognised keeps the
parser's words as a last resort, with the general hint.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from plancal.i18n import Message, Text, msg
from plancal.rules.yamlread import YamlError

_KEY = re.compile(r"^(?P<dash>(?:- +)*)(?P<key>[^\s#'\"{\[][^:#]*?|'[^']*'|\"[^\"]*\")\s*:(?:\s|$)")


@dataclass(frozen=True, slots=True)
class Explained:
    line: int | None
    column: int | None
    message: Message
    hint: Message


@dataclass(frozen=True, slots=True)
class _Line:
    number: int  # 1-based
    indent: int  # where the key begins, after any "- "
    key: str | None
    text: str  # the line as written, without its indentation
    item: bool = False  # begins a list item ("- key: value")


def _lines(text: str) -> list[_Line]:
    out = []
    for i, raw in enumerate(text.splitlines(), start=1):
        stripped = raw.lstrip(" ")
        if not stripped or stripped.startswith("#"):
            continue
        indent = len(raw) - len(stripped)
        m = _KEY.match(stripped)
        if m is None:
            out.append(_Line(i, indent, None, stripped.rstrip()))
            continue
        key = m.group("key").strip().strip("'\"")
        dash = m.group("dash")
        out.append(_Line(i, indent + len(dash), key, stripped.rstrip(), bool(dash)))
    return out


def _first_tab(text: str) -> int | None:
    """The first line whose indentation holds a tab (a tab inside a value is fine)."""
    for i, raw in enumerate(text.splitlines(), start=1):
        lead = raw[: len(raw) - len(raw.lstrip(" \t"))]
        if "\t" in lead and raw.strip():
            return i
    return None


def _owner(lines: list[_Line], index: int, indent: int) -> _Line | None:
    """The key a line at ``indent`` would belong to: the nearest key above that is less
    indented (for a line indented too far, the line above it with the same indent as the
    siblings it should line up with)."""
    for line in reversed(lines[: index + 1]):
        if line.key is not None and line.indent < indent:
            return line
        if line.item and line.indent == indent:  # the list item the siblings are part of
            return line
    return None


def explain(text: str, e: YamlError) -> Explained | None:
    """Plain words for a YAML structure error, or None to keep the general message."""
    tab = _first_tab(text)
    if tab is not None and (e.line is None or tab <= e.line):
        return Explained(
            tab,
            1,
            msg(
                Text(
                    "tab character on line {n}: use spaces for indentation",
                    "tabbtecken på rad {n}: använd mellanslag för indrag",
                ),
                n=tab,
            ),
            msg(
                Text(
                    "YAML does not allow tabs in indentation; most editors can insert spaces "
                    "when Tab is pressed",
                    "YAML tillåter inte tabbar i indrag; de flesta redigerare kan skriva "
                    "mellanslag när man trycker Tab",
                )
            ),
        )
    if e.line is None:
        return None
    lines = _lines(text)
    at = next((i for i, line in enumerate(lines) if line.number == e.line), None)
    here = lines[at] if at is not None else None
    above = lines[at - 1] if at is not None and at > 0 else None
    what = e.message

    if "mapping values are not allowed" in what and here is not None and above is not None:
        if here.indent > above.indent and above.key is not None:
            # libyaml reports the over-indented key's colon: the key itself reads as a value
            return _over_indented(text, lines, at or 0, e.line)
        return Explained(
            e.line,
            e.column,
            msg(
                Text(
                    "line {n}: a colon followed by a space inside a value",
                    "rad {n}: ett kolon följt av mellanslag inne i ett värde",
                ),
                n=e.line,
            ),
            msg(
                Text(
                    'put the value in quotes, e.g. title: "Möte: planering"',
                    'sätt värdet inom citattecken, t.ex. title: "Möte: planering"',
                )
            ),
        )
    if "could not find expected ':'" in what:
        line = e.begun or e.line
        return Explained(
            line,
            None,
            msg(
                Text(
                    "line {n} has no colon after its key",
                    "rad {n} saknar kolon efter nyckeln",
                ),
                n=line,
            ),
            msg(
                Text(
                    "write key: value (a colon and a space), or indent the line under the key "
                    "it continues",
                    "skriv nyckel: värde (kolon och mellanslag), eller dra in raden under "
                    "nyckeln den fortsätter",
                )
            ),
        )
    if "expected '-' indicator" in what or "did not find expected key" in what:
        return _misaligned(lines, at, e.line)
    if "quoted scalar" in what and "end of stream" in what:
        line = e.begun or e.line
        return Explained(
            line,
            None,
            msg(
                Text(
                    "a quote opened on line {n} is never closed",
                    "ett citattecken som öppnas på rad {n} stängs aldrig",
                ),
                n=line,
            ),
            msg(Text("close the quote on the same line", "stäng citattecknet på samma rad")),
        )
    return None


def _over_indented(text: str, lines: list[_Line], at: int, number: int) -> Explained:
    raw = text.splitlines()[number - 1]
    key = raw.strip().split(":", 1)[0].strip()
    above = lines[at - 1]
    owner = _owner(lines, at - 1, above.indent)
    belongs = (
        msg(
            Text(
                "'{key}' seems to belong with '{sibling}' under '{owner}' (line {line})",
                "'{key}' ser ut att höra till '{owner}' (rad {line}), bredvid '{sibling}'",
            ),
            key=key,
            owner=owner.text,
            line=owner.number,
            sibling=above.key,
        )
        if owner is not None
        else msg(
            Text(
                "'{key}' seems to belong beside '{sibling}'",
                "'{key}' ser ut att höra bredvid '{sibling}'",
            ),
            key=key,
            sibling=above.key,
        )
    )
    indent = len(raw) - len(raw.lstrip(" "))
    return Explained(
        number,
        indent + 1,
        msg(
            Text(
                "line {n} is indented more than the line above: {belongs}",
                "rad {n} är mer indragen än raden ovanför: {belongs}",
            ),
            n=number,
            belongs=belongs,
        ),
        msg(
            Text(
                "indent '{key}' by {spaces} spaces, as '{sibling}' on line {line}",
                "dra in '{key}' {spaces} mellanslag, som '{sibling}' på rad {line}",
            ),
            key=key,
            spaces=above.indent,
            sibling=above.key,
            line=above.number,
        ),
    )


def _misaligned(lines: list[_Line], at: int | None, number: int) -> Explained:
    here = lines[at] if at is not None else None
    siblings = (
        [line for line in lines[: at or 0] if line.key is not None and line.indent > here.indent]
        if here is not None
        else []
    )
    if here is not None and siblings:
        sibling = siblings[-1]
        owner = _owner(lines, lines.index(sibling), sibling.indent)
        where = (
            msg(
                Text(" (under '{owner}', line {line})", " (under '{owner}', rad {line})"),
                owner=owner.text,
                line=owner.number,
            )
            if owner is not None
            else ""
        )
        return Explained(
            number,
            here.indent + 1,
            msg(
                Text(
                    "line {n} does not line up with the lines above it",
                    "rad {n} står inte i linje med raderna ovanför",
                ),
                n=number,
            ),
            msg(
                Text(
                    "indent it by {spaces} spaces like '{sibling}' on line {line}{where}, or "
                    "as far as the key it belongs to",
                    "dra in den {spaces} mellanslag som '{sibling}' på rad {line}{where}, "
                    "eller lika långt som nyckeln den hör till",
                ),
                spaces=sibling.indent,
                sibling=sibling.key,
                line=sibling.number,
                where=where,
            ),
        )
    return Explained(
        number,
        None,
        msg(
            Text(
                "line {n} does not line up with the lines above it",
                "rad {n} står inte i linje med raderna ovanför",
            ),
            n=number,
        ),
        msg(
            Text(
                "lines of one list or mapping start in the same column; use spaces",
                "rader i samma lista eller mappning börjar i samma kolumn; använd mellanslag",
            )
        ),
    )
