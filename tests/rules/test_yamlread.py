"""The fast reader: YAML 1.2 scalars, lines for every value, and refusals with a line."""

from __future__ import annotations

import pytest

from plancal.rules.yamlread import YamlError, load


def test_yaml_1_2_core_scalars() -> None:
    doc = load(
        "a: 14:00\nb: no\nc: 2023-02-06\nd: 14.30\ne: 7\nf: true\ng: ~\nh: '7'\ni: 0x1F\nj: .inf\n"
    )
    assert doc == {
        "a": "14:00",
        "b": "no",
        "c": "2023-02-06",
        "d": 14.3,
        "e": 7,
        "f": True,
        "g": None,
        "h": "7",
        "i": 31,
        "j": float("inf"),
    }


def test_lines_of_keys_values_and_items() -> None:
    doc = load("# c\nroles:\n  kp: {name: K}\nlist:\n  - a\n  - b\n")
    assert doc.lc.key("roles") == (1, 0)
    assert doc["roles"].lc.value("kp") == (2, 6)
    assert doc["list"].lc.item(1) == (5, 4)


def test_merge_key_takes_defaults_from_an_anchor() -> None:
    doc = load("base: &b {time: '9.00', place: Stadshuset}\nx:\n  <<: *b\n  place: Polisen\n")
    assert doc["x"] == {"time": "9.00", "place": "Polisen"}


def test_duplicate_key_names_both_lines() -> None:
    with pytest.raises(YamlError) as caught:
        load("a: 1\nb: 2\na: 3\n")
    assert caught.value.line == 3 and "first on line 1" in caught.value.message


def test_alias_bomb_is_refused() -> None:
    lines = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        lines.append(f"a{i}: &a{i} [{', '.join([f'*a{i - 1}'] * 10)}]")
    with pytest.raises(YamlError) as caught:
        load("\n".join(lines))
    assert "more than" in caught.value.message


def test_unknown_tag_is_refused() -> None:
    with pytest.raises(YamlError) as caught:
        load("a: !python/object x\n")
    assert caught.value.line == 1 and "unknown tag" in caught.value.message
