"""Index key extraction, spec validation and normalization, conflicts, and unique constraints."""

from __future__ import annotations

from typing import Any

import bson
import pytest

from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.storage.engine import Collection, StorageEngine
from mongosim.storage.indexes import Index
from mongosim.storage.indexspec import validate_spec
from mongosim.storage.keys import UNDEFINED


def raw_keys(spec: dict[str, Any], doc: dict[str, Any]) -> list[tuple[Any, ...]]:
    partial = spec.get("partialFilterExpression")
    index = Index({"v": 2, "name": "i", **spec}, matcher(partial) if partial else None)
    return sorted((raw for _, raw in index.keys(doc)), key=repr)


def make_collection() -> Collection:
    return StorageEngine("/nonexistent").get_or_create_collection("test", "c")


@pytest.mark.parametrize(("spec", "doc", "expected"), [
    ({"key": {"a": 1}}, {"a": 5}, [(5,)]),
    ({"key": {"a": 1}}, {}, [(None,)]),
    ({"key": {"a": 1}}, {"a": [1, 2, 2]}, [(1,), (2,)]),
    ({"key": {"a": 1}}, {"a": []}, [(UNDEFINED,)]),
    ({"key": {"a.b": 1}}, {"a": {"b": 3}}, [(3,)]),
    ({"key": {"a.b": 1}}, {"a": [{"b": 1}, {"c": 2}]}, [(1,), (None,)]),
    ({"key": {"a": 1, "b": -1}}, {"a": [1, 2], "b": "x"}, [(1, "x"), (2, "x")]),
    ({"key": {"a.b": 1, "a.c": 1}}, {"a": [{"b": 1, "c": 2}]}, [(1, 2)]),
    ({"key": {"a": 1}, "sparse": True}, {"b": 1}, []),
    ({"key": {"a": 1, "b": 1}, "sparse": True}, {"b": 1}, [(None, 1)]),
    ({"key": {"a": 1}, "partialFilterExpression": {"a": {"$gt": 5}}}, {"a": 3}, []),
    ({"key": {"a": 1}, "partialFilterExpression": {"a": {"$gt": 5}}}, {"a": 7}, [(7,)]),
])
def test_index_keys(spec: dict[str, Any], doc: dict[str, Any], expected: list[tuple[Any, ...]]) -> None:
    assert raw_keys(spec, doc) == sorted(expected, key=repr)


def test_parallel_arrays_cannot_be_indexed() -> None:
    with pytest.raises(CommandError) as err:
        raw_keys({"key": {"a": 1, "b": 1}}, {"a": [1], "b": [2]})
    assert err.value.code == 171
    assert err.value.errmsg == "cannot index parallel arrays [b] [a]"


def test_hashed_index_rejects_arrays_and_keys_by_hash() -> None:
    index = Index({"v": 2, "key": {"a": "hashed"}, "name": "a_hashed"})
    assert [key for key, _ in index.keys({"a": 1})] == [key for key, _ in index.keys({"a": 1.5})]
    with pytest.raises(CommandError) as err:
        index.keys({"a": [1]})
    assert err.value.code == 16766


@pytest.mark.parametrize(("spec", "code", "message"), [
    ({"key": {}, "name": "x"}, 67, "Error in specification { key: {}, name: \"x\" } :: caused by :: Index keys "
                                   "cannot be empty."),
    ({"key": {"a": 0}, "name": "x"}, 67, "Values in the index key pattern cannot be 0."),
    ({"key": {"a": "bogus"}, "name": "x"}, 67, "Unknown index plugin 'bogus'"),
    ({"key": {"$a": 1}, "name": "x"}, 67, "Index key contains an illegal field name: field name starts with '$'."),
    ({"key": {"a": 1}, "name": "x", "foo": 1}, 197, "The field 'foo' is not valid for an index specification."),
    ({"key": {"a": 1}}, 9, "The 'name' field is a required property of an index specification"),
    ({"key": {"a": 1}, "name": 5}, 14, "The field 'name' must be a string, but got int"),
    ({"key": {"a": 1}, "name": "x", "unique": "yes"}, 14, "which is not convertible to bool"),
    ({"key": {"a": 1}, "name": "_id_"}, 2, "The index name '_id_' is reserved for the _id index"),
    ({"key": {"a": 1}, "name": "*"}, 2, "The index name '*' is not valid."),
    ({"key": {"a": 1, "b": 1}, "name": "x", "expireAfterSeconds": 10}, 67, "TTL indexes are single-field indexes"),
    ({"key": {"a": 1}, "name": "x", "expireAfterSeconds": -1}, 67, "option cannot be less than 0"),
    ({"key": {"a": 1}, "name": "x", "sparse": True, "partialFilterExpression": {"a": 1}}, 67,
     'cannot mix "partialFilterExpression" and "sparse" options'),
    ({"key": {"a": "hashed"}, "name": "x", "unique": True}, 16764, "hashed indexes cannot guarantee uniqueness"),
])
def test_invalid_specs_fail_like_the_server(spec: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(CommandError) as err:
        validate_spec(spec)
    assert err.value.code == code
    assert message in err.value.errmsg


def test_specs_are_normalized_in_the_servers_order() -> None:
    spec = validate_spec({"name": "a_1", "key": {"a": 1}, "sparse": True, "unique": 1, "hidden": False,
                          "expireAfterSeconds": 60, "collation": {"locale": "fr"}})
    assert list(spec) == ["v", "unique", "key", "name", "sparse", "expireAfterSeconds", "collation"]
    assert spec["unique"] is True and spec["v"] == 2
    assert spec["collation"]["locale"] == "fr" and spec["collation"]["strength"] == 3


def test_conflicting_indexes() -> None:
    coll = make_collection()
    assert coll.create_index({"key": {"a": 1}, "name": "a_1"}) is True
    assert coll.create_index({"key": {"a": 1}, "name": "a_1"}) is False
    with pytest.raises(CommandError) as err:
        coll.create_index({"key": {"a": 1}, "name": "other"})
    assert (err.value.code, err.value.errmsg) == (85, "Index already exists with a different name: a_1")
    with pytest.raises(CommandError) as err:
        coll.create_index({"key": {"b": 1}, "name": "a_1"})
    assert err.value.code == 86
    with pytest.raises(CommandError) as err:
        coll.create_index({"key": {"a": 1}, "name": "a_1", "expireAfterSeconds": 5})
    assert err.value.code == 85
    assert coll.create_index({"key": {"a": 1}, "name": "a_unique", "unique": True}) is True


def test_unique_indexes_reject_duplicates_with_the_exact_message() -> None:
    coll = make_collection()
    coll.create_index({"key": {"a": 1, "b": 1}, "name": "a_1_b_1", "unique": True})
    coll.insert({"_id": 1, "a": 1, "b": "x"})
    with pytest.raises(CommandError) as err:
        coll.insert({"_id": 2, "a": 1.0, "b": "x"})
    assert err.value.to_document() == {
        "ok": 0.0, "code": 11000, "codeName": "DuplicateKey",
        "errmsg": 'E11000 duplicate key error collection: test.c index: a_1_b_1 dup key: { a: 1.0, b: "x" }',
        "keyPattern": {"a": 1, "b": 1}, "keyValue": {"a": 1.0, "b": "x"}}
    with pytest.raises(CommandError) as err:
        coll.insert({"_id": 1.0})
    assert err.value.errmsg == "E11000 duplicate key error collection: test.c index: _id_ dup key: { _id: 1.0 }"
    coll.insert({"_id": 3, "a": 2, "b": "x"})
    with pytest.raises(CommandError):
        coll.replace(coll.get(3), {"_id": 3, "a": 1, "b": "x"})
    coll.replace(coll.get(3), {"_id": 3, "a": 3, "b": "x"})
    assert len(coll) == 2


def test_building_a_unique_index_over_duplicates_fails_and_leaves_no_index() -> None:
    coll = make_collection()
    coll.insert({"_id": 1, "a": 1})
    coll.insert({"_id": 2, "a": 1})
    with pytest.raises(CommandError) as err:
        coll.create_indexes([{"key": {"b": 1}, "name": "b_1"}, {"key": {"a": 1}, "name": "a_1", "unique": True}])
    assert err.value.code == 11000
    assert err.value.errmsg.startswith("Index build failed: ")
    assert err.value.errmsg.endswith("dup key: { a: 1 }")
    assert [spec["name"] for spec in coll.list_indexes()] == ["_id_"]


def test_sizes_are_maintained_incrementally() -> None:
    coll = make_collection()
    coll.create_index({"key": {"a": 1}, "name": "a_1"})
    big, small = {"_id": 1, "a": "x" * 100}, {"_id": 2, "a": "y"}
    coll.insert(big)
    coll.insert(small)
    assert coll.data_size() == len(bson.encode(big)) + len(bson.encode(small))
    coll.delete(coll.get(1))
    assert coll.data_size() == len(bson.encode(small))
    assert coll.index_sizes() == {"_id_": 4096, "a_1": 4096}
    assert coll.storage_size() == 4096


def test_capped_collections_evict_the_oldest_documents() -> None:
    coll = StorageEngine("/nonexistent").create_collection("test", "log", {"capped": True, "size": 1, "max": 3})
    for i in range(5):
        coll.insert({"_id": i})
    assert [doc["_id"] for doc in coll.documents()] == [2, 3, 4]
    coll.delete(coll.get(3))
    coll.insert({"_id": 5})
    assert [doc["_id"] for doc in coll.documents()] == [2, 4, 5]
    assert coll.max_size() == 4096
