"""``$v: 2`` update diffs: computed from old and new documents, applied back, in the server's format."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from bson import encode
from bson.int64 import Int64

from mongosim.repl.diff import apply_diff, compute_document_diff, same_value, update_entry_object

BIG = "x" * 200

# (name, old, new, expected diff)
CASES: list[tuple[str, dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ("identical", {"_id": 1, "a": 1}, {"_id": 1, "a": 1}, {}),
    ("set existing field", {"_id": 1, "a": 1, "b": BIG}, {"_id": 1, "a": 2, "b": BIG}, {"u": {"a": 2}}),
    ("add field", {"_id": 1, "b": BIG}, {"_id": 1, "b": BIG, "c": 3}, {"i": {"c": 3}}),
    ("remove field", {"_id": 1, "a": 1, "b": BIG}, {"_id": 1, "b": BIG}, {"d": {"a": False}}),
    ("type change int to double", {"_id": 1, "a": 1, "b": BIG}, {"_id": 1, "a": 1.0, "b": BIG},
     {"u": {"a": 1.0}}),
    ("int32 to int64", {"_id": 1, "a": 5, "b": BIG}, {"_id": 1, "a": Int64(5), "b": BIG}, {"u": {"a": Int64(5)}}),
    ("nested field", {"_id": 1, "o": {"x": 1, "y": BIG}}, {"_id": 1, "o": {"x": 2, "y": BIG}},
     {"so": {"u": {"x": 2}}}),
    ("deeply nested insert", {"_id": 1, "o": {"p": {"q": 1, "r": BIG}}}, {"_id": 1, "o": {"p": {"q": 1, "r": BIG,
                                                                                             "s": True}}},
     {"so": {"sp": {"i": {"s": True}}}}),
    ("small nested doc replaced whole", {"_id": 1, "o": {"x": 1}, "b": BIG}, {"_id": 1, "o": {"x": 2}, "b": BIG},
     {"u": {"o": {"x": 2}}}),
    ("array element", {"_id": 1, "arr": [BIG, 2, 3]}, {"_id": 1, "arr": [BIG, 20, 3]},
     {"sarr": {"a": True, "u1": 20}}),
    ("array push", {"_id": 1, "arr": [BIG, 2]}, {"_id": 1, "arr": [BIG, 2, 3]}, {"sarr": {"a": True, "u2": 3}}),
    ("array shrink", {"_id": 1, "arr": [BIG, 2, 3]}, {"_id": 1, "arr": [BIG]}, {"sarr": {"a": True, "l": 1}}),
    ("document inside array", {"_id": 1, "arr": [{"k": 1, "v": BIG}]}, {"_id": 1, "arr": [{"k": 2, "v": BIG}]},
     {"sarr": {"a": True, "s0": {"u": {"k": 2}}}}),
    ("moved field", {"_id": 1, "a": 1, "b": 2, "c": BIG}, {"_id": 1, "b": 2, "c": BIG, "a": 1},
     {"i": {"a": 1}}),
    ("object becomes scalar", {"_id": 1, "o": {"x": 1}, "b": BIG}, {"_id": 1, "o": 5, "b": BIG}, {"u": {"o": 5}}),
]


@pytest.mark.parametrize(("name", "old", "new", "expected"), CASES, ids=[case[0] for case in CASES])
def test_diff_round_trip(name: str, old: dict[str, Any], new: dict[str, Any], expected: dict[str, Any]) -> None:
    diff = compute_document_diff(old, new)
    assert diff == expected
    applied = apply_diff(copy.deepcopy(old), diff)
    # Byte-for-byte: field order and numeric types survive.
    assert encode(applied) == encode(new)


def test_applying_a_diff_twice_changes_nothing_more() -> None:
    old = {"_id": 1, "a": 1, "arr": [1, 2, 3], "o": {"x": 1, "y": BIG}}
    new = {"_id": 1, "arr": [1, 5], "o": {"x": 1, "y": BIG, "z": 0}, "n": "new"}
    diff = compute_document_diff(old, new)
    once = apply_diff(copy.deepcopy(old), diff)
    twice = apply_diff(copy.deepcopy(once), diff)
    assert encode(once) == encode(twice) == encode(new)


def test_a_diff_larger_than_the_document_is_logged_as_a_replacement() -> None:
    o, is_diff = update_entry_object({"_id": 1, "a": 1}, {"_id": 1, "b": 2, "c": 3})
    assert (o, is_diff) == ({"_id": 1, "b": 2, "c": 3}, False)


def test_small_changes_are_logged_as_diffs() -> None:
    o, is_diff = update_entry_object({"_id": 1, "a": 1, "b": BIG}, {"_id": 1, "a": 2, "b": BIG})
    assert is_diff
    assert o == {"$v": 2, "diff": {"u": {"a": 2}}}


def test_same_value_is_bson_equality() -> None:
    assert same_value({"a": 1, "b": 2}, {"a": 1, "b": 2})
    assert not same_value({"a": 1, "b": 2}, {"b": 2, "a": 1})
    assert not same_value(1, 1.0)
    assert not same_value(True, 1)
    assert same_value(float("nan"), float("nan"))
    assert not same_value([1, 2], [1, 2, 3])
