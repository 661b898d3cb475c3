"""Pure query logic on Python documents: BSON ordering, path reading, matching, projection, sorting, pipelines."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, compare, order_key, values_equal
from mongosim.query.expr import evaluate
from mongosim.query.match import matcher
from mongosim.query.paths import candidates, get_path
from mongosim.query.pipeline import PipelineEnv, run_pipeline
from mongosim.query.project import projector
from mongosim.query.scan import express_id
from mongosim.query.sort import sort_documents

ORDERED = [MinKey(), None, float("nan"), -1, Decimal128("0.5"), Int64(2), 3.5, "", "a", {}, {"a": 1}, [], [1],
           b"", ObjectId("000000000000000000000000"), False, True, dt.datetime(1970, 1, 1), MaxKey()]


@pytest.mark.parametrize("index", range(len(ORDERED) - 1))
def test_bson_total_order(index: int) -> None:
    assert compare(ORDERED[index], ORDERED[index + 1]) == -1
    assert compare(ORDERED[index + 1], ORDERED[index]) == 1


@pytest.mark.parametrize(("a", "b"), [(1, 1.0), (1, Int64(1)), (Decimal128("1.0"), 1), (None, MISSING),
                                      ({"a": 1}, {"a": 1.0}), (float("nan"), float("nan"))])
def test_equal_values_have_equal_keys(a: Any, b: Any) -> None:
    assert order_key(a) == order_key(b)


def test_field_order_matters_in_embedded_documents() -> None:
    assert not values_equal({"a": 1, "b": 2}, {"b": 2, "a": 1})


@pytest.mark.parametrize(("doc", "path", "expected"), [
    ({"a": {"b": 1}}, "a.b", [1]),
    ({"a": [{"b": 1}, {"c": 2}]}, "a.b", [1, MISSING]),
    ({"a": [1, 2]}, "a.1", [2]),
    ({"a": [{"0": "x"}]}, "a.0", [{"0": "x"}, "x"]),
    ({"a": 5}, "a.b", [MISSING]),
    ({}, "a", [MISSING]),
])
def test_query_paths(doc: dict[str, Any], path: str, expected: list[Any]) -> None:
    assert candidates(doc, tuple(path.split("."))) == expected


def test_expression_paths_map_arrays() -> None:
    assert get_path({"a": [{"b": 1}, {"c": 2}, {"b": 3}]}, "a.b") == [1, 3]
    assert get_path({"a": {"b": 1}}, "a.c") is MISSING


def test_matcher_validates_at_compile_time() -> None:
    with pytest.raises(CommandError) as info:
        matcher({"a": {"$in": 5}})
    assert (info.value.code, info.value.errmsg) == (2, "$in needs an array")


def test_projection_never_mutates_the_stored_document() -> None:
    stored = {"_id": 1, "a": {"b": 1, "c": 2}, "l": [1, 2, 3]}
    before = copy.deepcopy(stored)
    for spec in ({"a.b": 0}, {"l": {"$slice": 1}}, {"a.c": 1}, None):
        result = projector(spec)(stored)
        assert result is not stored
    assert stored == before


def test_sort_is_stable_and_uses_array_extremes() -> None:
    docs: list[dict[str, Any]] = [{"_id": 1, "a": [3, 9]}, {"_id": 2, "a": 5}, {"_id": 3, "a": [1, 4]}, {"_id": 4}]
    assert [d["_id"] for d in sort_documents(docs, {"a": 1})] == [4, 3, 1, 2]
    assert [d["_id"] for d in sort_documents(docs, {"a": -1})] == [1, 2, 3, 4]


def test_express_path_only_for_plain_id_equality() -> None:
    assert express_id({"_id": 5}) == (True, 5)
    assert express_id({"_id": {"$eq": "x"}}) == (True, "x")
    assert express_id({"_id": {"$gt": 5}})[0] is False
    assert express_id({"_id": 5, "a": 1})[0] is False
    assert express_id({"_id": None})[0] is False


def test_expression_arithmetic_keeps_bson_types() -> None:
    assert type(evaluate({"$add": [Int64(1), 1]}, {})) is Int64
    assert evaluate({"$add": [2**31 - 1, 1]}, {}) == 2**31
    assert isinstance(evaluate({"$multiply": [Decimal128("1.5"), 2]}, {}), Decimal128)
    with pytest.raises(CommandError) as info:
        evaluate({"$add": ["a", 1]}, {})
    assert info.value.code == 14


def test_pipeline_runs_without_a_server() -> None:
    docs = [{"_id": i, "g": i % 2} for i in range(6)]
    out = list(run_pipeline(iter(docs), [{"$group": {"_id": "$g", "ids": {"$push": "$_id"}}}, {"$sort": {"_id": 1}}],
                            PipelineEnv(None, "test")))
    assert out == [{"_id": 0, "ids": [0, 2, 4]}, {"_id": 1, "ids": [1, 3, 5]}]
    assert docs[0] == {"_id": 0, "g": 0}
