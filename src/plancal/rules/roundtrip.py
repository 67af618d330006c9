"""Round-trip YAML editing that leaves every untouched byte of the file as it was.

ruamel.yaml's round trip keeps comments, key order, quoting and flow style, but it re-emits the
whole document, and it hangs a comment that follows a collection on that collection's last
node, so a key appended to an activity would land *below* the comment that introduces the next
activity. So an edit here is three steps, each checked:

1. ruamel dumps the document before and after the change, in the file's own indentation;
2. the difference between those two dumps is the edit; an insertion that ruamel put below
   trailing comments or blank lines moves up above them (comments less indented than the new
   lines belong to what follows);
3. that difference is applied to the *original text*, so every line outside it stays
   byte-for-byte what it was, even where ruamel would have re-formatted it.

Pure: text in, text out.
"""

from __future__ import annotations

import io
import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from difflib import SequenceMatcher
from typing import Any

from plancal.errors import PlanError, Problem, Where
from plancal.i18n import Text, msg

# (mapping indent, sequence indent, sequence dash offset): the seed's layout first.
_LAYOUTS = ((2, 4, 2), (2, 2, 0), (4, 4, 2), (4, 6, 4), (4, 4, 0), (2, 4, 0), (4, 2, 0))


class EditConflict(PlanError):
    """The change cannot be written without disturbing the file's layout."""


@dataclass
class Document:
    """A plan file loaded for editing: ``data`` is ruamel's tree; change it, then ``text()``."""

    original: str
    data: Any
    layout: tuple[int, int, int]
    name: str

    def _yaml(self) -> Any:
        from ruamel.yaml import YAML

        yaml = YAML()
        yaml.preserve_quotes = True
        yaml.width = 4096  # never re-wrap a line
        mapping, sequence, offset = self.layout
        yaml.indent(mapping=mapping, sequence=sequence, offset=offset)
        return yaml

    def dump(self) -> str:
        out = io.StringIO()
        self._yaml().dump(self.data, out)
        return out.getvalue()

    def text(self, baseline: str) -> str:
        """The original text with the change applied; ``baseline`` is ``dump()`` before it."""
        after = _lift_insertions(baseline, self.dump())
        result = _apply(self.original, baseline, after, self.name)
        if result != after and not _same_data(after, result):
            raise _conflict(self.name, 1)
        return result


def load(text: str, name: str = "<plan>") -> tuple[Document, str]:
    """The document and its baseline dump (what ruamel writes for the unchanged file)."""
    from ruamel.yaml.error import YAMLError

    try:
        data = load_data(text)
    except YAMLError as e:
        mark = getattr(e, "problem_mark", None)
        raise PlanError(
            [
                Problem(
                    Where(name, mark.line + 1 if mark else None),
                    msg(
                        Text(
                            "the file cannot be edited: {error}",
                            "filen kan inte redigeras: {error}",
                        ),
                        error=str(e).splitlines()[0],
                    ),
                    msg(
                        Text(
                            "fix the YAML first (plancal validate shows where)",
                            "rätta YAML-koden först (plancal validate visar var)",
                        )
                    ),
                )
            ]
        ) from None
    best: tuple[float, Document, str] | None = None
    for layout in _layouts(text):  # the one ruamel reproduces the file with, or the closest
        doc = Document(text, data, layout, name)
        dumped = doc.dump()
        if dumped == text:
            return doc, dumped
        ratio = SequenceMatcher(
            None, text.splitlines(), dumped.splitlines(), autojunk=False
        ).ratio()
        if best is None or ratio > best[0]:
            best = (ratio, doc, dumped)
    assert best is not None
    return best[1], best[2]


def _layouts(text: str) -> list[tuple[int, int, int]]:
    """The likely layouts: what the file's first nested mapping and block list show first."""
    lines = [
        line for line in text.splitlines() if line.strip() and not line.lstrip().startswith("#")
    ]
    mapping: int | None = None
    sequence: tuple[int, int] | None = None
    for line, nxt in itertools.pairwise(lines):
        if not line.rstrip().endswith(":") or line.lstrip().startswith("- "):
            continue
        key_col, col = _indent(line), _indent(nxt)
        body = nxt.lstrip()
        if body.startswith("- ") and sequence is None and col >= key_col:
            content = col + 1 + _indent(body[1:])
            sequence = (content - key_col, col - key_col)
        elif not body.startswith("- ") and mapping is None and col > key_col:
            mapping = col - key_col
        if mapping is not None and sequence is not None:
            break
    guess = [(m, *sequence) for m in dict.fromkeys((mapping or 2, 2, 4))] if sequence else []
    return guess + [layout for layout in _LAYOUTS if layout not in guess]


def load_data(text: str) -> Any:
    """A fresh tree of an already loaded text (each tried edit changes its own)."""
    from ruamel.yaml import YAML

    yaml = YAML()
    yaml.preserve_quotes = True
    return yaml.load(text)


# --- where the change goes -------------------------------------------------------------------


def _is_filler(line: str) -> bool:
    stripped = line.strip()
    return not stripped or stripped.startswith("#")


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def _lift_insertions(before: str, after: str) -> str:
    """Move inserted lines above the comments and blank lines that belong to what follows."""
    a, b = before.splitlines(keepends=True), after.splitlines(keepends=True)
    out: list[str] = []
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            out += b[j1:j2]
            continue
        new = b[j1:j2]
        first = next((line for line in new if not _is_filler(line)), None)
        if tag == "insert" and first is not None:
            depth = _indent(first)
            lifted: list[str] = []
            while out and _is_filler(out[-1]) and (not out[-1].strip() or _indent(out[-1]) < depth):
                lifted.insert(0, out.pop())
            out += new + lifted
        elif tag == "delete" or (tag == "replace" and i2 - i1 > j2 - j1):
            # A removed node takes its trailing blank lines and comments along in ruamel's
            # model; they introduce what follows, so they stay.
            old = a[i1:i2]
            kept: list[str] = []
            while old and _is_filler(old[-1]) and (not new or not _is_filler(new[-1])):
                kept.insert(0, old.pop())
            out += new + kept
        else:
            out += new
    lifted_text = "".join(out)
    return lifted_text if _same_data(after, lifted_text) else after


def _same_data(left: str, right: str) -> bool:
    """Both texts read as the same values, by the reader the plan loader itself uses."""
    from plancal.rules.yamlread import YamlError, load

    try:
        return bool(load(left) == load(right))
    except YamlError:  # a moved line broke the YAML: keep ruamel's placement
        return False


def _apply(original: str, before: str, after: str, name: str) -> str:
    """Apply the before → after difference to ``original`` (equal to ``before`` but for layout)."""
    if original == before:
        return after
    o = original.splitlines(keepends=True)
    a = before.splitlines(keepends=True)
    b = after.splitlines(keepends=True)
    to_original = _line_map(a, o)
    out: list[str] = []
    position = 0  # next original line not yet copied
    for tag, i1, i2, j1, j2 in SequenceMatcher(None, a, b, autojunk=False).get_opcodes():
        if tag == "equal":
            continue
        span = _span_in_original(to_original, i1, i2, len(a), len(o))
        if span is None:
            near = next((to_original[k] for k in range(i1, -1, -1) if k in to_original), -1)
            raise _conflict(name, near + 2)
        start, end = span
        out += o[position:start]
        out += b[j1:j2]
        position = end
    out += o[position:]
    return "".join(out)


def _span_in_original(
    to_original: dict[int, int], i1: int, i2: int, size: int, original_size: int
) -> tuple[int, int] | None:
    """Where dump lines i1..i2 stand in the original, if they stand there unchanged.

    Replaced lines must be identical and adjacent in the original; an insertion goes after
    the line before it, or else before the line after it (``Document.text`` then checks that
    the result still reads as the edited document).
    """
    if i2 > i1:
        found = [to_original.get(k) for k in range(i1, i2)]
        if any(f is None for f in found):
            return None
        first, last = found[0], found[-1]
        assert first is not None and last is not None
        if last - first != i2 - i1 - 1:
            return None
        return first, last + 1
    before = to_original.get(i1 - 1) if i1 > 0 else -1
    if before is not None:
        return before + 1, before + 1
    # The line before was re-formatted: insert above the next one, or at the very end.
    after = to_original.get(i1) if i1 < size else None
    if after is not None:
        return after, after
    return (original_size, original_size) if i1 >= size else None


def _conflict(name: str, line: int) -> EditConflict:
    return EditConflict(
        [
            Problem(
                Where(name, line),
                msg(
                    Text(
                        "the change cannot be written here without re-formatting the lines around "
                        "it",
                        "ändringen kan inte skrivas här utan att raderna runt den formateras om",
                    )
                ),
                msg(
                    Text(
                        "write the change by hand; `plancal validate` checks it",
                        "skriv ändringen för hand; `plancal validate` kontrollerar den",
                    )
                ),
            )
        ]
    )


def _line_map(a: Sequence[str], o: Sequence[str]) -> dict[int, int]:
    """Line i of ``a`` → the identical line of ``o`` it corresponds to."""
    mapping: dict[int, int] = {}
    for block in SequenceMatcher(None, a, o, autojunk=False).get_matching_blocks():
        for k in range(block.size):
            mapping[block.a + k] = block.b + k
    return mapping


# --- building nodes --------------------------------------------------------------------------


def block_map(**values: Any) -> Any:
    from ruamel.yaml.comments import CommentedMap

    node = CommentedMap()
    for key, value in values.items():
        node[key] = value
    return node


def like_siblings(node: Any, siblings: Sequence[Any]) -> Any:
    """A new mapping or list written in flow style when its siblings are."""
    if (
        siblings
        and hasattr(siblings[-1], "fa")
        and siblings[-1].fa.flow_style()
        and hasattr(node, "fa")
    ):
        node.fa.set_flow_style()
    return node


def block_seq(items: Sequence[Any]) -> Any:
    from ruamel.yaml.comments import CommentedSeq

    return CommentedSeq(items)


def quoted(text: str) -> Any:
    from ruamel.yaml.scalarstring import DoubleQuotedScalarString

    return DoubleQuotedScalarString(text)


def insert_key(mapping: Any, key: str, value: Any, before: Sequence[str] = ()) -> None:
    """Add ``key`` before the first key of the mapping that belongs after it, else at the end."""
    if key in mapping:  # written but empty ("exceptions:" with nothing under it)
        mapping[key] = value
        return
    for position, existing in enumerate(mapping.keys()):
        if existing in before:
            mapping.insert(position, key, value)
            return
    mapping[key] = value


def insert_sorted(seq: Any, item: Any, key: Callable[[Any], Any]) -> None:
    position = len(seq)
    for i, existing in enumerate(seq):
        if key(existing) > key(item):
            position = i
            break
    seq.insert(position, item)
