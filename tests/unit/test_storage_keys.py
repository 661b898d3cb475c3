"""BSON equality keys, MongoDB's cross-type order, and the server's value rendering."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from mongosim.storage.keys import UNDEFINED, Desc, id_key, render, sort_key

EQUAL = [
    (1, 1.0), (1, Int64(1)), (1, Decimal128("1")), (1.0, Decimal128("1.00")), (Int64(2**40), float(2**40)),
    (float("nan"), float("nan")), (float("nan"), Decimal128("NaN")), (0.0, -0.0), ("abc", "abc"),
    ({"a": 1, "b": [1, 2]}, {"a": 1.0, "b": [Int64(1), 2.0]}), (None, None),
    (dt.datetime(2024, 1, 1), dt.datetime(2024, 1, 1)), (ObjectId("0" * 24), ObjectId("0" * 24)),
]
NOT_EQUAL = [
    (1, True), (0, False), (1, "1"), (Decimal128("0.1"), 0.1), ({"a": 1, "b": 2}, {"b": 2, "a": 1}),
    ([1, 2], [2, 1]), (None, False), (b"a", "a"), (1, [1]), (Timestamp(1, 1), dt.datetime(1970, 1, 1, 0, 0, 1)),
]


@pytest.mark.parametrize(("left", "right"), EQUAL)
def test_values_mongodb_considers_equal_have_equal_keys(left: Any, right: Any) -> None:
    assert id_key(left) == id_key(right)
    assert hash(id_key(left)) == hash(id_key(right))
    assert sort_key(left) == sort_key(right)


@pytest.mark.parametrize(("left", "right"), NOT_EQUAL)
def test_values_mongodb_considers_different_have_different_keys(left: Any, right: Any) -> None:
    assert id_key(left) != id_key(right)
    assert sort_key(left) != sort_key(right)


def test_cross_type_order_is_mongodbs() -> None:
    ordered = [MinKey(), UNDEFINED, None, float("nan"), -5, 1, Decimal128("1.5"), 2.0, "", "a", "b", {}, {"a": 1},
               [], [1], Binary(b"\x01", 0), Binary(b"\x00\x00", 0), ObjectId("0" * 24), ObjectId("f" * 24), False,
               True, dt.datetime(1970, 1, 1), dt.datetime(2024, 1, 1), Timestamp(0, 1), Timestamp(1, 0),
               Regex("a", "i"), MaxKey()]
    keys = [sort_key(value) for value in ordered]
    assert keys == sorted(keys)
    assert len({repr(k) for k in keys}) == len(keys)


def test_strings_compare_by_bytes_and_objects_field_by_field() -> None:
    assert sort_key("B") < sort_key("a") < sort_key("é")
    assert sort_key({"a": 1, "b": 1}) < sort_key({"a": 1, "c": 0})
    assert sort_key({"a": 1}) < sort_key({"a": 1, "b": 0})
    assert sort_key({"a": 5}) < sort_key({"a": "x"})


def test_desc_inverts_the_order() -> None:
    assert Desc(sort_key(2)) < Desc(sort_key(1))
    assert (Desc(sort_key(1)), sort_key("x")) == (Desc(sort_key(1.0)), sort_key("x"))


@pytest.mark.parametrize(("value", "text"), [
    (1, "1"), (Int64(7), "7"), (1.0, "1.0"), (2.5, "2.5"), (float("inf"), "inf.0"), (-float("inf"), "-inf.0"),
    (float("nan"), "nan.0"), (1e20, "1e+20"), ("a\"b", '"a\\"b"'), (None, "null"), (True, "true"),
    ({"a": 1, "b": "x"}, '{ a: 1, b: "x" }'), ({}, "{}"), ([1, 2], "[ 1, 2 ]"), ([], "[]"),
    (ObjectId("65a1b2c3d4e5f60718293a4b"), "ObjectId('65a1b2c3d4e5f60718293a4b')"),
    (dt.datetime(1970, 1, 1, 0, 0, 1), "new Date(1000)"), (Timestamp(5, 1), "Timestamp(5, 1)"),
    (MinKey(), "MinKey"), (MaxKey(), "MaxKey"), (Decimal128("1.5"), 'NumberDecimal("1.5")'),
])
def test_render_matches_the_servers_to_string(value: Any, text: str) -> None:
    assert render(value) == text
