"""Read a plan's YAML fast, into dicts and lists that remember the line of every value.

libyaml (through PyYAML's C composer) builds the node tree in about a millisecond for the seed
plan, against tens of milliseconds for a pure-Python parser: it is most of ``plancal agenda``'s
start-up otherwise. Scalars are resolved here, by the YAML 1.2 core schema, not PyYAML's 1.1
resolver: ``14:00`` stays text (1.1 reads it as the number 840), ``no`` stays text, and dates
stay text for the plan's own date checks to report with their line.

Editing keeps comments and layout, which needs ruamel.yaml's round trip (``rules/edit.py``);
reading needs only values and lines.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

MAX_NODES = 200_000  # aliases can make a small file expand enormously ("billion laughs")
MAX_DEPTH = 64  # a plan nests five or six deep; deeper is a mistake or an attack

_NULL = re.compile(r"^(?:~|null|Null|NULL|)$")
_BOOL = {"true": True, "True": True, "TRUE": True, "false": False, "False": False, "FALSE": False}
_INT = re.compile(r"^[-+]?[0-9]+$")
_INT_OCT = re.compile(r"^0o[0-7]+$")
_INT_HEX = re.compile(r"^0x[0-9a-fA-F]+$")
_FLOAT = re.compile(r"^[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?$")
_SPECIAL_FLOAT = {
    ".inf": float("inf"),
    ".Inf": float("inf"),
    ".INF": float("inf"),
    "-.inf": float("-inf"),
    "-.Inf": float("-inf"),
    "-.INF": float("-inf"),
    ".nan": float("nan"),
    ".NaN": float("nan"),
    ".NAN": float("nan"),
}


class YamlError(ValueError):
    def __init__(
        self,
        message: str,
        line: int | None,
        column: int | None,
        begun: int | None = None,
        kind: str = "syntax",  # or "recursive": an alias inside what it names
    ):
        super().__init__(message)
        self.kind = kind
        self.message = message
        self.line = line  # 1-based
        self.column = column
        self.begun = begun  # the line where the construct in error began


class Lines:
    """Where a mapping's keys and values, or a sequence's items, stand (0-based, as ruamel)."""

    __slots__ = ("col", "keys", "line", "values")

    def __init__(self, line: int, col: int):
        self.line = line
        self.col = col
        self.keys: dict[Any, tuple[int, int]] = {}
        self.values: dict[Any, tuple[int, int]] = {}

    def key(self, k: Any) -> tuple[int, int]:
        return self.keys[k]

    def value(self, k: Any) -> tuple[int, int]:
        return self.values[k]

    def item(self, i: int) -> tuple[int, int]:
        return self.values[i]


class LineDict(dict[Any, Any]):
    lc: Lines


class LineList(list[Any]):
    lc: Lines


def load(text: str) -> Any:
    """The document's value, or YamlError with its line."""
    import yaml

    try:
        node = yaml.compose(text, Loader=yaml.CSafeLoader)
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = " ".join(str(x) for x in (e.context, e.problem) if x)
        begun = e.context_mark.line + 1 if e.context_mark is not None else None
        raise YamlError(
            what, mark.line + 1 if mark else None, mark.column + 1 if mark else None, begun
        ) from None
    except yaml.YAMLError as e:
        raise YamlError(str(e), None, None) from None
    if node is None:
        return None
    return _Converter().convert(node)


class _Converter:
    def __init__(self) -> None:
        self.count = 0
        self.open: set[int] = set()  # the collections being converted, outermost first

    def convert(self, node: Any) -> Any:
        import yaml

        self.count += 1
        if self.count > MAX_NODES:
            raise YamlError(
                f"more than {MAX_NODES} values (aliases expanding?)",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if isinstance(node, yaml.ScalarNode):
            return self.scalar(node)
        if len(self.open) >= MAX_DEPTH:
            raise YamlError(
                f"values nested more than {MAX_DEPTH} deep",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        with self._entered(node):
            return self._collection(node)

    @contextmanager
    def _entered(self, node: Any) -> Iterator[None]:
        # An alias to a collection that is still open is a value containing itself
        # (``area: &r [*r]``): infinite, so refused, not recursed into.
        if id(node) in self.open:
            raise YamlError(
                "an alias refers to the value it is inside of, which would never end",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
                kind="recursive",
            )
        self.open.add(id(node))
        try:
            yield
        finally:
            self.open.discard(id(node))

    def _collection(self, node: Any) -> Any:
        import yaml

        if isinstance(node, yaml.SequenceNode):
            seq = LineList()
            seq.lc = Lines(node.start_mark.line, node.start_mark.column)
            for i, item in enumerate(node.value):
                seq.lc.values[i] = (item.start_mark.line, item.start_mark.column)
                seq.append(self.convert(item))
            return seq
        if isinstance(node, yaml.MappingNode):
            return self.mapping(node)
        raise YamlError(f"unexpected YAML node {node.id}", node.start_mark.line + 1, None)

    def mapping(self, node: Any) -> LineDict:
        import yaml

        out = LineDict()
        out.lc = Lines(node.start_mark.line, node.start_mark.column)
        merged: list[Any] = []
        for key_node, value_node in node.value:
            if (
                isinstance(key_node, yaml.ScalarNode)
                and key_node.value == "<<"
                and not key_node.style
            ):
                merged.append(value_node)  # YAML merge key: defaults from an anchor
                continue
            if not isinstance(key_node, yaml.ScalarNode):
                raise YamlError(
                    "a key must be plain text",
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                )
            key = self.scalar(key_node)
            if key in out:
                first = out.lc.keys[key][0] + 1
                raise YamlError(
                    f'found duplicate key "{key}" (first on line {first})',
                    key_node.start_mark.line + 1,
                    key_node.start_mark.column + 1,
                    first,
                )
            out.lc.keys[key] = (key_node.start_mark.line, key_node.start_mark.column)
            out.lc.values[key] = (value_node.start_mark.line, value_node.start_mark.column)
            out[key] = self.convert(value_node)
        for value_node in merged:
            sources = (
                value_node.value if isinstance(value_node, yaml.SequenceNode) else [value_node]
            )
            for source in sources:
                if not isinstance(source, yaml.MappingNode):
                    raise YamlError("'<<' merges a mapping", source.start_mark.line + 1, None)
                with self._entered(source):
                    defaults = self.mapping(source)
                for key, value in defaults.items():
                    if key not in out:
                        out[key] = value
                        out.lc.keys[key] = (
                            value_node.start_mark.line,
                            value_node.start_mark.column,
                        )
                        out.lc.values[key] = out.lc.keys[key]
        return out

    def scalar(self, node: Any) -> Any:
        value: str = node.value
        if node.style:  # quoted or block: always text (plain is None, or '' from libyaml)
            return value
        if node.tag == "tag:yaml.org,2002:str" and not _INT_OCT.match(value):
            # libyaml tags a plain scalar str only if it is text under YAML 1.1 too (which
            # lacks 0o17), or if the file says ``!!str``: ``!!str`` alone is "", not null.
            return value
        if node.tag and not node.tag.startswith("tag:yaml.org,2002:"):
            raise YamlError(
                f"unknown tag {node.tag!r}; write the value without it",
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        if _NULL.match(value):
            return None
        if value in _BOOL:
            return _BOOL[value]
        if _INT.match(value):
            return int(value)
        if _INT_OCT.match(value):
            return int(value[2:], 8)
        if _INT_HEX.match(value):
            return int(value[2:], 16)
        if _FLOAT.match(value):
            return float(value)
        if value in _SPECIAL_FLOAT:
            return _SPECIAL_FLOAT[value]
        return value
