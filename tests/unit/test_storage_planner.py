"""Planner choices, explain bounds strings, candidate order and keysExamined."""

from __future__ import annotations

from typing import Any

import pytest

from mongosim.errors import CommandError
from mongosim.storage.engine import Collection, StorageEngine
from mongosim.storage.hashing import hash64


@pytest.fixture
def coll() -> Collection:
    coll = StorageEngine("/nonexistent").get_or_create_collection("test", "c")
    coll.create_indexes([{"key": {"a": 1}, "name": "a_1"}, {"key": {"b": 1, "c": -1}, "name": "b_1_c_-1"},
                         {"key": {"s": 1}, "name": "s_1", "sparse": True},
                         {"key": {"p": 1}, "name": "p_1", "partialFilterExpression": {"q": {"$exists": True}}},
                         {"key": {"h": "hashed"}, "name": "h_hashed"}])
    for i in range(10):
        coll.insert({"_id": i, "a": i, "b": i % 3, "c": i, "h": i, "name": f"n{i}"})
    return coll


def ids(docs: Any) -> list[Any]:
    return [doc["_id"] for doc in docs]


def test_id_equality_uses_the_express_path(coll: Collection) -> None:
    plan = coll.plan({"_id": 3})
    assert (plan.stage, plan.summary, plan.bounds) == ("EXPRESS_IXSCAN", "EXPRESS_IXSCAN { _id: 1 }",
                                                       {"_id": ["[3, 3]"]})
    assert ids(plan.candidates) == [3]
    assert plan.keys_examined == 1
    assert ids(coll.plan({"_id": 99}).candidates) == []


@pytest.mark.parametrize(("filter_doc", "summary", "bounds"), [
    ({"a": 5}, "IXSCAN { a: 1 }", {"a": ["[5, 5]"]}),
    ({"a": {"$gt": 5}}, "IXSCAN { a: 1 }", {"a": ["(5, inf.0]"]}),
    ({"a": {"$gte": 2, "$lt": 4.5}}, "IXSCAN { a: 1 }", {"a": ["[2, 4.5)"]}),
    ({"a": {"$lte": "m"}}, "IXSCAN { a: 1 }", {"a": ['["", "m"]']}),
    ({"a": {"$in": [7, 1, 7]}}, "IXSCAN { a: 1 }", {"a": ["[1, 1]", "[7, 7]"]}),
    ({"a": None}, "IXSCAN { a: 1 }", {"a": ["[undefined, undefined]", "[null, null]"]}),
    ({"b": 1}, "IXSCAN { b: 1, c: -1 }", {"b": ["[1, 1]"], "c": ["[MaxKey, MinKey]"]}),
    ({"b": 1, "c": {"$gt": 2}}, "IXSCAN { b: 1, c: -1 }", {"b": ["[1, 1]"], "c": ["[inf.0, 2)"]}),
    ({"h": 3}, 'IXSCAN { h: "hashed" }', {"h": [f"[{hash64(3)}, {hash64(3)}]"]}),
    ({"$and": [{"a": {"$gt": 1}}, {"a": {"$lt": 3}}]}, "IXSCAN { a: 1 }", {"a": ["(1, 3)"]}),
    ({"c": 1}, "COLLSCAN", {}),
    ({"a": {"$ne": 1}}, "COLLSCAN", {}),
    ({"s": None}, "COLLSCAN", {}),
    ({"s": 1}, "IXSCAN { s: 1 }", {"s": ["[1, 1]"]}),
    ({"p": 1}, "COLLSCAN", {}),
    ({"p": 1, "q": {"$exists": True}}, "IXSCAN { p: 1 }", {"p": ["[1, 1]"]}),
])
def test_plan_choice_and_bounds(coll: Collection, filter_doc: dict[str, Any], summary: str,
                                bounds: dict[str, list[str]]) -> None:
    plan = coll.plan(filter_doc)
    assert plan.summary == summary
    assert plan.bounds == bounds


def test_candidates_come_from_the_index_in_key_order(coll: Collection) -> None:
    plan = coll.plan({"a": {"$gte": 7}})
    assert ids(plan.candidates) == [7, 8, 9]
    assert plan.keys_examined == 3
    plan = coll.plan({"b": 1})
    assert ids(plan.candidates) == [7, 4, 1]  # c descending within b == 1


def test_sort_on_an_index_prefix_is_provided_by_the_index(coll: Collection) -> None:
    plan = coll.plan({}, sort={"a": -1})
    assert (plan.summary, plan.direction, plan.sorted_by_index) == ("IXSCAN { a: 1 }", "backward", True)
    assert plan.bounds == {"a": ["[MaxKey, MinKey]"]}
    assert ids(plan.candidates) == list(range(9, -1, -1))
    plan = coll.plan({"b": 2}, sort={"c": 1})
    assert (plan.sorted_by_index, plan.direction) == (True, "backward")
    assert ids(plan.candidates) == [2, 5, 8]
    assert coll.plan({"b": {"$gt": 0}}, sort={"c": 1}).sorted_by_index is False


def test_hints(coll: Collection) -> None:
    plan = coll.plan({"a": 1}, hint="b_1_c_-1")
    assert plan.summary == "IXSCAN { b: 1, c: -1 }"
    assert plan.bounds == {"b": ["[MinKey, MaxKey]"], "c": ["[MaxKey, MinKey]"]}
    assert coll.plan({"a": 1}, hint={"b": 1, "c": -1}).index_name == "b_1_c_-1"
    plan = coll.plan({"a": 1}, hint={"$natural": -1})
    assert (plan.stage, plan.direction) == ("COLLSCAN", "backward")
    assert ids(plan.candidates)[0] == 9
    with pytest.raises(CommandError) as err:
        coll.plan({}, hint="nope")
    assert (err.value.code, err.value.errmsg) == (2, "hint provided does not correspond to an existing index")


def test_multikey_ranges_are_not_intersected() -> None:
    coll = StorageEngine("/nonexistent").get_or_create_collection("test", "m")
    coll.create_index({"key": {"a": 1}, "name": "a_1"})
    coll.insert({"_id": 1, "a": [1, 10]})
    coll.insert({"_id": 2, "a": [20]})
    plan = coll.plan({"a": {"$gt": 3, "$lt": 6}})
    assert plan.is_multikey and plan.multikey_paths == {"a": [0]}
    assert plan.bounds == {"a": ["(3, inf.0]"]}
    assert 1 in ids(plan.candidates)


def test_plans_see_a_consistent_snapshot_when_writes_interleave(coll: Collection) -> None:
    plan = coll.plan({"a": {"$gte": 0}})
    first = next(plan.candidates)
    coll.delete(coll.get(5))
    coll.insert({"_id": 10, "a": 100})
    assert first["_id"] == 0
    assert 5 not in ids(plan.candidates)
