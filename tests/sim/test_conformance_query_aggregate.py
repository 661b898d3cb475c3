"""Aggregation conformance: stages, accumulators and expressions as the MongoDB manual documents them, run
through pymongo against one simulator process."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pymongo
import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from pymongo.errors import OperationFailure

from tests.sim.conformance_data import DATASETS
from tests.support.simproc import SimProcess


def normalize(value: Any) -> Any:
    """Decimal128 compared by value (10 and 1.0E+1 are the same number)."""
    if isinstance(value, Decimal128):
        return value.to_decimal().normalize()
    if isinstance(value, dict):
        return {k: normalize(v) for k, v in value.items()}
    if isinstance(value, list):
        return [normalize(v) for v in value]
    return value


def unordered(docs: list[Any]) -> list[Any]:
    return sorted((normalize(d) for d in docs), key=repr)


D = Decimal
# (collection, pipeline, expected, ordered)
STAGE_CASES: list[tuple[str, list[dict[str, Any]], list[dict[str, Any]], bool]] = [
    # $group with accumulators (manual: $group examples on the sales collection)
    ("sales", [{"$group": {"_id": "$item", "totalSaleAmount": {"$sum": {"$multiply": ["$price", "$quantity"]}}}}],
     [{"_id": "abc", "totalSaleAmount": D(170)}, {"_id": "jkl", "totalSaleAmount": D(20)},
      {"_id": "xyz", "totalSaleAmount": D(150)}, {"_id": "def", "totalSaleAmount": D("112.5")}], False),
    ("sales", [{"$group": {"_id": "$item", "n": {"$sum": 1}}}],
     [{"_id": "abc", "n": 3}, {"_id": "jkl", "n": 1}, {"_id": "xyz", "n": 2}, {"_id": "def", "n": 2}], False),
    ("sales", [{"$group": {"_id": None, "count": {"$count": {}}}}], [{"_id": None, "count": 8}], True),
    ("sales", [{"$group": {"_id": None, "count": {"$sum": 1}}}], [{"_id": None, "count": 8}], True),
    ("sales", [{"$group": {"_id": "$item", "avgQty": {"$avg": "$quantity"}}}, {"$sort": {"_id": 1}}],
     [{"_id": "abc", "avgQty": 17 / 3}, {"_id": "def", "avgQty": 7.5}, {"_id": "jkl", "avgQty": 1.0},
      {"_id": "xyz", "avgQty": 15.0}], True),
    ("sales", [{"$group": {"_id": {"$year": "$date"}, "n": {"$sum": 1}}}, {"$sort": {"_id": 1}}],
     [{"_id": 2014, "n": 5}, {"_id": 2015, "n": 2}, {"_id": 2016, "n": 1}], True),
    ("sales", [{"$group": {"_id": {"y": {"$year": "$date"}, "m": {"$month": "$date"}}, "n": {"$sum": 1}}},
               {"$sort": {"_id.y": 1, "_id.m": 1}}],
     [{"_id": {"y": 2014, "m": 3}, "n": 3}, {"_id": {"y": 2014, "m": 4}, "n": 2},
      {"_id": {"y": 2015, "m": 6}, "n": 1}, {"_id": {"y": 2015, "m": 9}, "n": 1},
      {"_id": {"y": 2016, "m": 2}, "n": 1}], True),
    ("sales", [{"$group": {"_id": "$item", "qtys": {"$push": "$quantity"}}}],
     [{"_id": "abc", "qtys": [2, 10, 5]}, {"_id": "jkl", "qtys": [1]}, {"_id": "xyz", "qtys": [10, 20]},
      {"_id": "def", "qtys": [5, 10]}], False),
    ("sales", [{"$group": {"_id": "$price", "items": {"$addToSet": "$item"}}}, {"$match": {"_id": Decimal128("10")}}],
     [{"_id": D(10), "items": ["abc"]}], True),
    ("sales", [{"$sort": {"date": 1}}, {"$group": {"_id": "$item", "first": {"$first": "$date"},
                                                  "last": {"$last": "$date"}}}, {"$match": {"_id": "abc"}}],
     [{"_id": "abc", "first": dt.datetime(2014, 3, 1, 8), "last": dt.datetime(2016, 2, 6, 20)}], True),
    ("sales", [{"$group": {"_id": "$item", "lo": {"$min": "$quantity"}, "hi": {"$max": "$quantity"}}}],
     [{"_id": "abc", "lo": 2, "hi": 10}, {"_id": "jkl", "lo": 1, "hi": 1}, {"_id": "xyz", "lo": 10, "hi": 20},
      {"_id": "def", "lo": 5, "hi": 10}], False),
    ("sales", [{"$group": {"_id": None, "total": {"$sum": "$quantity"}, "avg": {"$avg": "$quantity"},
                           "missing": {"$sum": "$nothere"}, "none": {"$avg": "$nothere"}}}],
     [{"_id": None, "total": 63, "avg": 7.875, "missing": 0, "none": None}], True),
    ("scores", [{"$group": {"_id": "$group", "avg": {"$avg": "$score"}, "max": {"$max": "$score"}}}],
     [{"_id": "g1", "avg": 15.0, "max": 20}, {"_id": "g2", "avg": 35.0, "max": 40},
      {"_id": "g3", "avg": None, "max": None}], False),
    ("scores", [{"$group": {"_id": "$nothere", "n": {"$sum": 1}}}], [{"_id": None, "n": 5}], True),
    ("scores", [{"$group": {"_id": None, "names": {"$push": {"$concat": ["$name", "!"]}}}}],
     [{"_id": None, "names": ["a!", "b!", "c!", "d!", "e!"]}], True),
    ("scores", [{"$group": {"_id": "$group", "docs": {"$mergeObjects": {"$arrayToObject": [[["k", "$name"]]]}}}},
                {"$sort": {"_id": 1}}],
     [{"_id": "g1", "docs": {"k": "b"}}, {"_id": "g2", "docs": {"k": "d"}}, {"_id": "g3", "docs": {"k": "e"}}], True),
    ("scores", [{"$match": {"score": {"$ne": None}}},
                {"$group": {"_id": None, "sd": {"$stdDevPop": "$score"}}}],
     [{"_id": None, "sd": 125 ** 0.5}], True),
    # $match, $count, $sortByCount, $bucket
    ("sales", [{"$match": {"item": "abc"}}, {"$count": "n"}], [{"n": 3}], True),
    ("sales", [{"$match": {"item": "none"}}, {"$count": "n"}], [], True),
    ("sales", [{"$sortByCount": "$item"}, {"$match": {"count": {"$ne": 2}}}],
     [{"_id": "abc", "count": 3}, {"_id": "jkl", "count": 1}], True),
    ("sales", [{"$bucket": {"groupBy": "$quantity", "boundaries": [0, 5, 10, 100], "default": "other",
                            "output": {"count": {"$sum": 1}}}}],
     [{"_id": 0, "count": 2}, {"_id": 5, "count": 2}, {"_id": 10, "count": 4}], True),
    ("sales", [{"$bucket": {"groupBy": "$quantity", "boundaries": [0, 5], "default": "other"}}],
     [{"_id": 0, "count": 2}, {"_id": "other", "count": 6}], True),
    ("sales", [{"$bucket": {"groupBy": "$quantity", "boundaries": [1, 21],
                            "output": {"items": {"$addToSet": "$item"}, "n": {"$sum": 1}}}},
               {"$project": {"n": 1}}],
     [{"_id": 1, "n": 8}], False),
    # $project, $addFields/$set, $unset, $replaceRoot/$replaceWith
    ("sales", [{"$match": {"_id": 1}}, {"$project": {"_id": 0, "item": 1,
                                                     "total": {"$multiply": ["$price", "$quantity"]}}}],
     [{"item": "abc", "total": D(20)}], True),
    ("sales", [{"$match": {"_id": 1}}, {"$project": {"item": 0, "date": 0, "price": 0}}],
     [{"_id": 1, "quantity": 2}], True),
    ("sales", [{"$match": {"_id": 1}}, {"$project": {"item": True, "q": "$quantity", "lit": {"$literal": "$x"}}}],
     [{"_id": 1, "item": "abc", "q": 2, "lit": "$x"}], True),
    ("sales", [{"$match": {"_id": 3}}, {"$addFields": {"meta.big": {"$gt": ["$quantity", 5]}, "item": "ZZ"}},
               {"$project": {"date": 0, "price": 0}}],
     [{"_id": 3, "item": "ZZ", "quantity": 10, "meta": {"big": True}}], True),
    ("sales", [{"$match": {"_id": 3}}, {"$set": {"quantity": {"$add": ["$quantity", 1]}}},
               {"$project": {"quantity": 1}}], [{"_id": 3, "quantity": 11}], True),
    ("sales", [{"$match": {"_id": 2}}, {"$unset": ["price", "date"]}],
     [{"_id": 2, "item": "jkl", "quantity": 1}], True),
    ("sales", [{"$match": {"_id": 2}}, {"$unset": "date"}, {"$unset": ["price", "quantity"]}],
     [{"_id": 2, "item": "jkl"}], True),
    ("sales", [{"$match": {"_id": 1}}, {"$replaceRoot": {"newRoot": {"x": "$item", "q": "$quantity"}}}],
     [{"x": "abc", "q": 2}], True),
    ("sales", [{"$match": {"_id": 1}}, {"$replaceWith": {"$mergeObjects": [{"item": "?", "extra": 1},
                                                                           {"item": "$item"}]}}],
     [{"item": "abc", "extra": 1}], True),
    # $sort, $skip, $limit, $sample
    ("sales", [{"$sort": {"_id": -1}}, {"$skip": 2}, {"$limit": 2}, {"$project": {"_id": 1}}],
     [{"_id": 6}, {"_id": 5}], True),
    ("sales", [{"$sort": {"quantity": -1, "_id": 1}}, {"$limit": 3}, {"$project": {"quantity": 1}}],
     [{"_id": 4, "quantity": 20}, {"_id": 3, "quantity": 10}, {"_id": 5, "quantity": 10}], True),
    ("sales", [{"$sort": {"item": 1, "date": -1}}, {"$project": {"_id": 1}}],
     [{"_id": 8}, {"_id": 5}, {"_id": 1}, {"_id": 7}, {"_id": 6}, {"_id": 2}, {"_id": 4}, {"_id": 3}], True),
    ("sales", [{"$sample": {"size": 3}}, {"$count": "n"}], [{"n": 3}], True),
    ("sales", [{"$sample": {"size": 100}}, {"$count": "n"}], [{"n": 8}], True),
    # $unwind (manual: $unwind examples)
    ("scores", [{"$unwind": "$tags"}, {"$project": {"tags": 1}}],
     [{"_id": 1, "tags": "x"}, {"_id": 1, "tags": "y"}, {"_id": 2, "tags": "y"}], True),
    ("scores", [{"$unwind": {"path": "$tags", "includeArrayIndex": "idx"}}, {"$project": {"tags": 1, "idx": 1}}],
     [{"_id": 1, "tags": "x", "idx": 0}, {"_id": 1, "tags": "y", "idx": 1}, {"_id": 2, "tags": "y", "idx": 0}], True),
    ("scores", [{"$unwind": {"path": "$tags", "preserveNullAndEmptyArrays": True, "includeArrayIndex": "i"}},
                {"$project": {"tags": 1, "i": 1}}],
     [{"_id": 1, "tags": "x", "i": 0}, {"_id": 1, "tags": "y", "i": 1}, {"_id": 2, "tags": "y", "i": 0},
      {"_id": 3, "i": None}, {"_id": 4, "i": None}, {"_id": 5, "tags": None, "i": None}], True),
    ("scores", [{"$unwind": "$name"}, {"$count": "n"}], [{"n": 5}], True),
    ("scores", [{"$unwind": "$tags"}, {"$sortByCount": "$tags"}],
     [{"_id": "y", "count": 2}, {"_id": "x", "count": 1}], True),
    # $facet
    ("sales", [{"$facet": {"byYear": [{"$group": {"_id": {"$year": "$date"}, "n": {"$sum": 1}}},
                                      {"$sort": {"_id": 1}}],
                           "total": [{"$count": "n"}], "top": [{"$sort": {"quantity": -1}}, {"$limit": 1},
                                                               {"$project": {"_id": 1}}]}}],
     [{"byYear": [{"_id": 2014, "n": 5}, {"_id": 2015, "n": 2}, {"_id": 2016, "n": 1}], "total": [{"n": 8}],
       "top": [{"_id": 4}]}], True),
    # $lookup (manual example: orders and inventory)
    ("orders", [{"$lookup": {"from": "inventory", "localField": "item", "foreignField": "sku",
                             "as": "inventory_docs"}}, {"$project": {"ids": "$inventory_docs._id"}}],
     [{"_id": 1, "ids": [1]}, {"_id": 2, "ids": [4]}, {"_id": 3, "ids": [5, 6]}], True),
    ("orders", [{"$match": {"_id": {"$lte": 2}}},
                {"$lookup": {"from": "inventory", "let": {"it": "$item", "q": "$quantity"},
                             "pipeline": [{"$match": {"$expr": {"$and": [{"$eq": ["$sku", "$$it"]},
                                                                         {"$gte": ["$instock", "$$q"]}]}}},
                                          {"$project": {"_id": 0, "instock": 1}}],
                             "as": "stock"}}, {"$project": {"stock": 1}}],
     [{"_id": 1, "stock": [{"instock": 120}]}, {"_id": 2, "stock": [{"instock": 70}]}], True),
    ("orders", [{"$match": {"_id": 1}}, {"$lookup": {"from": "no_such", "localField": "item", "foreignField": "x",
                                                     "as": "none"}}, {"$project": {"none": 1}}],
     [{"_id": 1, "none": []}], True),
    # $graphLookup (manual example: reporting hierarchy)
    ("employees", [{"$match": {"name": "Asya"}},
                   {"$graphLookup": {"from": "employees", "startWith": "$reportsTo", "connectFromField": "reportsTo",
                                     "connectToField": "name", "as": "chain", "depthField": "d"}},
                   {"$project": {"_id": 0, "chain": {"$map": {"input": "$chain", "in": ["$$this.name", "$$this.d"]}}}}],
     [{"chain": [["Ron", 0], ["Eliot", 1], ["Dev", 2]]}], True),
    ("employees", [{"$match": {"name": "Dan"}},
                   {"$graphLookup": {"from": "employees", "startWith": "$reportsTo", "connectFromField": "reportsTo",
                                     "connectToField": "name", "as": "chain", "maxDepth": 0}},
                   {"$project": {"_id": 0, "n": {"$size": "$chain"}}}], [{"n": 1}], True),
    # $unionWith
    ("orders", [{"$project": {"_id": 1}}, {"$unionWith": {"coll": "employees", "pipeline": [
        {"$match": {"_id": {"$gt": 4}}}, {"$project": {"_id": 1}}]}}],
     [{"_id": 1}, {"_id": 2}, {"_id": 3}, {"_id": 5}, {"_id": 6}], True),
]


def _expr(expression: Any) -> list[dict[str, Any]]:
    return [{"$documents": [{"a": 5, "b": 2, "s": "Hello", "arr": [1, 2, 3, 4], "n": None,
                             "d": dt.datetime(2024, 2, 29, 13, 45, 30, 123000), "o": {"x": 1, "y": 2}}]},
            {"$project": {"_id": 0, "r": expression}}]


# (expression, expected result) evaluated over one document with $documents.
EXPRESSION_CASES: list[tuple[Any, Any]] = [
    ({"$add": ["$a", "$b", 1]}, 8),
    ({"$add": ["$a", 0.5]}, 5.5),
    ({"$add": ["$d", 1000]}, dt.datetime(2024, 2, 29, 13, 45, 31, 123000)),
    ({"$add": ["$a", "$n"]}, None),
    ({"$subtract": ["$a", "$b"]}, 3),
    ({"$subtract": ["$d", dt.datetime(2024, 2, 29, 13, 45, 30)]}, Int64(123)),
    ({"$multiply": ["$a", "$b", 2]}, 20),
    ({"$divide": ["$a", "$b"]}, 2.5),
    ({"$mod": ["$a", "$b"]}, 1),
    ({"$mod": [-5, 2]}, -1),
    ({"$abs": -3}, 3),
    ({"$ceil": 2.1}, 3.0),
    ({"$floor": -2.1}, -3.0),
    ({"$round": [2.5, 0]}, 2.0),
    ({"$round": [3.14159, 2]}, 3.14),
    ({"$trunc": [7.89, 1]}, 7.8),
    ({"$pow": [2, 10]}, 1024),
    ({"$sqrt": 16}, 4.0),
    ({"$max": [1, "$a", 3]}, 5),
    ({"$min": "$arr"}, 1),
    ({"$sum": "$arr"}, 10),
    ({"$avg": "$arr"}, 2.5),
    ({"$eq": ["$a", 5]}, True),
    ({"$ne": ["$a", 5]}, False),
    ({"$gt": ["$s", 1]}, True),
    ({"$lt": ["$n", 0]}, True),
    ({"$cmp": ["$a", "$b"]}, 1),
    ({"$cmp": ["abc", "abd"]}, -1),
    ({"$eq": ["$missing", None]}, False),
    ({"$and": [1, "$a", True]}, True),
    ({"$and": [1, 0]}, False),
    ({"$or": [0, "$n", False]}, False),
    ({"$not": ["$n"]}, True),
    ({"$cond": [{"$gt": ["$a", 3]}, "big", "small"]}, "big"),
    ({"$cond": {"if": "$n", "then": 1, "else": 2}}, 2),
    ({"$ifNull": ["$n", "$missing", "default"]}, "default"),
    ({"$ifNull": ["$a", 0]}, 5),
    ({"$switch": {"branches": [{"case": {"$lt": ["$a", 0]}, "then": "neg"},
                               {"case": {"$gt": ["$a", 0]}, "then": "pos"}], "default": "zero"}}, "pos"),
    ({"$concat": ["$s", ", ", "world"]}, "Hello, world"),
    ({"$concat": ["$s", "$n"]}, None),
    ({"$toUpper": "$s"}, "HELLO"),
    ({"$toLower": "$s"}, "hello"),
    ({"$substrCP": ["$s", 1, 3]}, "ell"),
    ({"$strLenCP": "$s"}, 5),
    ({"$split": ["a,b,c", ","]}, ["a", "b", "c"]),
    ({"$trim": {"input": "  x  "}}, "x"),
    ({"$ltrim": {"input": "xxhixx", "chars": "x"}}, "hixx"),
    ({"$indexOfCP": ["$s", "l"]}, 2),
    ({"$strcasecmp": ["hello", "$s"]}, 0),
    ({"$regexMatch": {"input": "$s", "regex": "^h", "options": "i"}}, True),
    ({"$replaceAll": {"input": "a-b-c", "find": "-", "replacement": "+"}}, "a+b+c"),
    ({"$size": "$arr"}, 4),
    ({"$arrayElemAt": ["$arr", -1]}, 4),
    ({"$first": "$arr"}, 1),
    ({"$last": "$arr"}, 4),
    ({"$in": [3, "$arr"]}, True),
    ({"$in": [9, "$arr"]}, False),
    ({"$concatArrays": ["$arr", [5]]}, [1, 2, 3, 4, 5]),
    ({"$filter": {"input": "$arr", "as": "x", "cond": {"$gt": ["$$x", 2]}}}, [3, 4]),
    ({"$map": {"input": "$arr", "in": {"$multiply": ["$$this", 10]}}}, [10, 20, 30, 40]),
    ({"$reduce": {"input": "$arr", "initialValue": 0, "in": {"$add": ["$$value", "$$this"]}}}, 10),
    ({"$slice": ["$arr", 2]}, [1, 2]),
    ({"$slice": ["$arr", -2]}, [3, 4]),
    ({"$slice": ["$arr", 1, 2]}, [2, 3]),
    ({"$reverseArray": "$arr"}, [4, 3, 2, 1]),
    ({"$range": [0, 6, 2]}, [0, 2, 4]),
    ({"$indexOfArray": ["$arr", 3]}, 2),
    ({"$isArray": "$arr"}, True),
    ({"$setUnion": [[1, 2], [2, 3]]}, [1, 2, 3]),
    ({"$setIntersection": ["$arr", [2, 4, 6]]}, [2, 4]),
    ({"$setDifference": ["$arr", [2, 4]]}, [1, 3]),
    ({"$setEquals": [[1, 2], [2, 1, 1]]}, True),
    ({"$setIsSubset": [[1], "$arr"]}, True),
    ({"$anyElementTrue": [[0, False, 1]]}, True),
    ({"$allElementsTrue": [[1, True, 0]]}, False),
    ({"$mergeObjects": ["$o", {"y": 3, "z": 4}]}, {"x": 1, "y": 3, "z": 4}),
    ({"$objectToArray": "$o"}, [{"k": "x", "v": 1}, {"k": "y", "v": 2}]),
    ({"$arrayToObject": [[{"k": "p", "v": 1}]]}, {"p": 1}),
    ({"$getField": "s"}, "Hello"),
    ({"$type": "$a"}, "int"),
    ({"$type": "$missing"}, "missing"),
    ({"$type": "$arr"}, "array"),
    ({"$type": "$d"}, "date"),
    ({"$isNumber": "$s"}, False),
    ({"$toString": "$a"}, "5"),
    ({"$toInt": "42"}, 42),
    ({"$toLong": 7}, Int64(7)),
    ({"$toDouble": "2.5"}, 2.5),
    ({"$toBool": 0}, False),
    ({"$convert": {"input": "x", "to": "int", "onError": -1}}, -1),
    ({"$convert": {"input": "$n", "to": "int", "onNull": 0}}, 0),
    ({"$year": "$d"}, 2024),
    ({"$month": "$d"}, 2),
    ({"$dayOfMonth": "$d"}, 29),
    ({"$hour": "$d"}, 13),
    ({"$minute": "$d"}, 45),
    ({"$second": "$d"}, 30),
    ({"$millisecond": "$d"}, 123),
    ({"$dayOfWeek": "$d"}, 5),
    ({"$dayOfYear": "$d"}, 60),
    ({"$dateToString": {"date": "$d", "format": "%Y-%m-%d %H:%M:%S.%L"}}, "2024-02-29 13:45:30.123"),
    ({"$let": {"vars": {"x": 10}, "in": {"$add": ["$$x", "$a"]}}}, 15),
    ({"$literal": {"$add": [1, 2]}}, {"$add": [1, 2]}),
    ("$o.x", 1),
    ("$$ROOT.a", 5),
    ({"k": "$a", "m": "$missing"}, {"k": 5}),
    ([1, "$a", "$missing"], [1, 5, None]),
]


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    database = client.conformance_aggregate
    for name, docs in DATASETS.items():
        database[name].insert_many([dict(d) for d in docs])
    return database


@pytest.mark.parametrize(("collection", "pipeline", "expected", "ordered"), STAGE_CASES,
                         ids=[str(i) for i in range(len(STAGE_CASES))])
def test_stage(db: Any, collection: str, pipeline: list[dict[str, Any]], expected: list[dict[str, Any]],
               ordered: bool) -> None:
    result = list(db[collection].aggregate(pipeline))
    if ordered:
        assert normalize(result) == normalize(expected)
    else:
        assert unordered(result) == unordered(expected)


@pytest.mark.parametrize(("expression", "expected"), EXPRESSION_CASES,
                         ids=[str(i) for i in range(len(EXPRESSION_CASES))])
def test_expression(db: Any, expression: Any, expected: Any) -> None:
    (result,) = list(db.aggregate(_expr(expression)))
    assert result == {"r": expected}
    assert type(result["r"]) is type(expected)


@pytest.mark.parametrize(("pipeline", "code", "message"), [
    ([{"$foo": {}}], 40324, "Unrecognized pipeline stage name: '$foo'"),
    ([{"$match": {}, "$limit": 1}], 40323, "A pipeline stage specification object must contain exactly one field."),
    ([{"$out": "x"}, {"$match": {}}], 40601, "$out can only be the final stage in the pipeline"),
    ([{"$group": {"n": {"$sum": 1}}}], 15955, "a group specification must include an _id"),
    ([{"$group": {"_id": 1, "n": {"$foo": 1}}}], 15952, "unknown group operator '$foo'"),
    ([{"$project": {"a": 1, "b": 0}}], 31254, "Cannot do exclusion on field b in inclusion projection"),
    ([{"$project": {"x": {"$bogus": 1}}}], 168, "Unrecognized expression '$bogus'"),
    ([{"$limit": 0}], 15958, "the limit must be positive"),
    ([{"$skip": -1}], 15956, "invalid argument to $skip stage"),
    ([{"$sort": {"a": 3}}], 15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)"),
    ([{"$unwind": "tags"}], 28818, "path option to $unwind stage should be prefixed with a '$': tags"),
    ([{"$count": "$n"}], 40158, "the count field cannot be a $-prefixed path"),
    ([{"$match": {"$expr": {"$divide": [1, 0]}}}], 2, "can't $divide by zero"),
    ([{"$replaceRoot": {"newRoot": "$name"}}], 40228, "'newRoot' expression must evaluate to an object"),
    ([{"$match": {"a": {"$in": 5}}}], 2, "$in needs an array"),
])
def test_invalid_pipeline(db: Any, pipeline: list[dict[str, Any]], code: int, message: str) -> None:
    with pytest.raises(OperationFailure) as info:
        list(db.scores.aggregate(pipeline))
    assert info.value.code == code
    assert message in str(info.value)


def test_out_replaces_the_target_collection(db: Any) -> None:
    db.sales_abc.insert_one({"_id": "old"})
    assert list(db.sales.aggregate([{"$match": {"item": "abc"}}, {"$project": {"quantity": 1}},
                                    {"$out": "sales_abc"}])) == []
    assert sorted(d["_id"] for d in db.sales_abc.find()) == [1, 5, 8]


def test_merge_into_a_collection(db: Any) -> None:
    db.merged.insert_one({"_id": "abc", "seen": True})
    list(db.sales.aggregate([{"$group": {"_id": "$item", "n": {"$sum": 1}}}, {"$merge": {"into": "merged"}}]))
    assert db.merged.find_one({"_id": "abc"}) == {"_id": "abc", "seen": True, "n": 3}
    assert db.merged.count_documents({}) == 4


def test_pymongo_count_documents_pipeline(db: Any) -> None:
    assert db.sales.count_documents({"item": "xyz"}) == 2
    assert db.sales.count_documents({}, skip=2, limit=3) == 3
