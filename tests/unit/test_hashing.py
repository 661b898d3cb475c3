"""The hashed index / hashed shard key function against the server's hasher_test.cpp vectors."""

from __future__ import annotations

from typing import Any

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.min_key import MinKey
from bson.objectid import ObjectId

from mongosim.storage.hashing import hash64, hashed_key


@pytest.mark.parametrize(("value", "expected"), [
    (42, -944302157085130861),
    (1, 5902408780260971510),
    ("abc", 8478485326885698097),
    ({"a": "abc", "b": Int64(123)}, 4771603801758380216),
    (["bar", "baz", "qux"], -2938911267422831539),
    (ObjectId("010203040506070809101112"), -5588663249627035708),
    (True, 6405873908747105701),
    (MinKey(), 7961148599568647290),
])
def test_hasher_test_vectors(value: Any, expected: int) -> None:
    assert hash64(value) == expected


def test_numbers_hash_by_their_truncated_integer_value() -> None:
    assert hash64(1) == hash64(1.987) == hash64(Int64(1)) == hash64(Decimal128("1.5"))
    assert hash64(-1.5) == hash64(-1)
    assert hash64(float("nan")) == hash64(0)
    assert hash64(2.0**63) == hash64(Int64(-(2**63)))
    assert hash64(1e300) == hash64(Int64(2**63 - 1))


def test_hashed_key_is_a_number_long() -> None:
    key = hashed_key("abc")
    assert isinstance(key, Int64)
    assert key == 8478485326885698097
