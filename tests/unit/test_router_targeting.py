"""Which shards the router contacts for a filter, an inserted document or a single-document write."""

from __future__ import annotations

from typing import Any

import pytest
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.targeting import (
    shard_for_document,
    shard_for_exact_key,
    shards_for_filter,
    upsert_shard,
)
from mongosim.storage.hashing import hashed_key


def table(key: dict[str, Any], bounds: list[tuple[Any, Any, str]]) -> RoutingTable:
    """A routing table over ``key`` whose chunks are (min, max, shard) on the key's first field."""
    first, rest = next(iter(key)), list(key)[1:]
    coll = {"_id": "db.c", "uuid": "u", "key": key, "unique": False, "lastmodEpoch": ObjectId(),
            "timestamp": Timestamp(1, 1)}
    chunks = [{"min": {first: low, **{f: MinKey() for f in rest}}, "max": {first: high, **{f: MinKey() for f in rest}},
               "shard": shard, "lastmod": Timestamp(1, i)} for i, (low, high, shard) in enumerate(bounds)]
    return RoutingTable.from_documents(coll, chunks)


RANGED = table({"k": 1}, [(MinKey(), 0, "s0"), (0, 100, "s1"), (100, MaxKey(), "s2")])
COMPOUND = table({"a": 1, "b": 1}, [(MinKey(), 10, "s0"), (10, MaxKey(), "s1")])
HASHED = table({"h": "hashed"}, [(MinKey(), Int64(0), "s0"), (Int64(0), MaxKey(), "s1")])


@pytest.mark.parametrize(("filter_doc", "shards"), [
    ({"k": 5}, ["s1"]),
    ({"k": {"$eq": -3}}, ["s0"]),
    ({"k": 100}, ["s2"]),
    ({"k": {"$in": [-1, 150]}}, ["s0", "s2"]),
    ({"k": {"$gte": 10, "$lt": 50}}, ["s1"]),
    ({"k": {"$gte": 50, "$lte": 100}}, ["s1", "s2"]),
    ({"k": {"$lt": -5}}, ["s0"]),
    ({"$and": [{"k": 7}, {"x": 1}]}, ["s1"]),
    ({"x": 1}, ["s0", "s1", "s2"]),
    ({}, ["s0", "s1", "s2"]),
    (None, ["s0", "s1", "s2"]),
    ({"$or": [{"k": 1}, {"k": 2}]}, ["s0", "s1", "s2"]),
])
def test_range_key_targeting(filter_doc: dict[str, Any] | None, shards: list[str]) -> None:
    assert shards_for_filter(RANGED, filter_doc) == shards


@pytest.mark.parametrize(("filter_doc", "shards"), [
    ({"a": 3}, ["s0"]),
    ({"a": 3, "b": 4}, ["s0"]),
    ({"a": {"$gt": 20}}, ["s1"]),
    ({"b": 4}, ["s0", "s1"]),
])
def test_compound_key_targets_by_its_prefix(filter_doc: dict[str, Any], shards: list[str]) -> None:
    assert shards_for_filter(COMPOUND, filter_doc) == shards


def test_hashed_equality_targets_the_owner_of_the_hash() -> None:
    owner = "s0" if hashed_key("abc") < 0 else "s1"
    assert shards_for_filter(HASHED, {"h": "abc"}) == [owner]
    assert shard_for_exact_key(HASHED, {"h": "abc"}) == owner
    assert shards_for_filter(HASHED, {"h": {"$gt": "abc"}}) == ["s0", "s1"]


def test_hashed_in_targets_each_value_owner() -> None:
    values = [1, 2, 3, 4, 5, 6]
    expected = sorted({"s0" if hashed_key(v) < 0 else "s1" for v in values})
    assert shards_for_filter(HASHED, {"h": {"$in": values}}) == expected


def test_insert_goes_to_the_owner_and_missing_fields_are_null() -> None:
    assert shard_for_document(RANGED, {"k": 42}) == "s1"
    assert shard_for_document(RANGED, {"k": 1000}) == "s2"
    # null sorts before numbers: a document without the key belongs to the chunk holding null.
    assert shard_for_document(RANGED, {"x": 1}) == "s0"


def test_insert_with_an_array_shard_key_is_refused() -> None:
    with pytest.raises(CommandError, match="array"):
        shard_for_document(RANGED, {"k": [1, 2]})


def test_upsert_needs_the_full_shard_key() -> None:
    assert upsert_shard(COMPOUND, {"a": 11, "b": 1}) == "s1"
    with pytest.raises(CommandError) as error:
        upsert_shard(COMPOUND, {"a": 11})
    assert error.value.code == 61
    assert error.value.errmsg == "Failed to target upsert by query :: could not extract exact shard key"


def test_exact_key_is_none_without_every_key_field() -> None:
    assert shard_for_exact_key(COMPOUND, {"a": 1}) is None
    assert shard_for_exact_key(RANGED, {"k": {"$gt": 1}}) is None
