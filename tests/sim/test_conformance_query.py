"""Query conformance: filters, projections and sorts from the MongoDB manual's documented behaviour, run
through pymongo against one simulator process. Each data set is inserted once into its own collection."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pymongo
import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.regex import Regex
from pymongo.errors import OperationFailure

from tests.sim.conformance_data import DATASETS, OID
from tests.support.simproc import SimProcess

ALL_MIXED = list(range(1, 19))


def _without(*ids: int) -> list[int]:
    return [i for i in ALL_MIXED if i not in ids]


MATCH_CASES: list[tuple[str, dict[str, Any], list[int]]] = [
    # equality, numeric equivalence across types
    ("mixed", {"a": 1}, [1, 8]),
    ("mixed", {"a": 1.0}, [1, 8]),
    ("mixed", {"a": Int64(3)}, [3]),
    ("mixed", {"a": 3}, [3]),
    ("mixed", {"a": 3.0}, [3]),
    ("mixed", {"a": 4}, [4]),
    ("mixed", {"a": Decimal128("2.5")}, [2]),
    ("mixed", {"a": "1"}, [5]),
    ("mixed", {"a": True}, [11]),
    ("mixed", {"a": False}, [16]),
    ("mixed", {"a": {"b": 1}}, [10]),
    ("mixed", {"a.b": 1}, [10]),
    ("mixed", {"a": [1, 5]}, [8]),
    ("mixed", {"a": [5, 1]}, []),
    ("mixed", {"a": [1, 2]}, [14]),
    ("mixed", {"a": []}, [9]),
    ("mixed", {"a": OID}, [13]),
    ("mixed", {"a": dt.datetime(2020, 1, 1)}, [12]),
    ("mixed", {"a": b"\x01\x02"}, [18]),
    ("mixed", {"a": {"$eq": [1, 5]}}, [8]),
    ("mixed", {"a": {"$eq": Regex("^x", "i")}}, [17]),
    # null and missing
    ("mixed", {"a": None}, [6, 7]),
    ("mixed", {"a": {"$eq": None}}, [6, 7]),
    ("mixed", {"a": {"$ne": None}}, _without(6, 7)),
    ("mixed", {"a": {"$in": [None]}}, [6, 7]),
    ("mixed", {"a": {"$gte": None}}, [6, 7]),
    ("mixed", {"a": {"$lte": None}}, [6, 7]),
    ("mixed", {"a": {"$gt": None}}, []),
    ("mixed", {"a": {"$lt": None}}, []),
    ("nulls", {"item": None}, [1, 2]),
    ("nulls", {"item": {"$type": 10}}, [1]),
    ("nulls", {"item": {"$type": "null"}}, [1]),
    ("nulls", {"item": {"$exists": False}}, [2]),
    ("nulls", {"item": {"$exists": True}}, [1]),
    ("nulls", {"item": {"$ne": None}}, []),
    ("nulls", {"item": {"$in": [None]}}, [1, 2]),
    ("nulls", {"item": {"$nin": [None]}}, []),
    # comparison with type bracketing
    ("mixed", {"a": {"$gt": 1}}, [2, 3, 4, 8]),
    ("mixed", {"a": {"$gte": 1}}, [1, 2, 3, 4, 8]),
    ("mixed", {"a": {"$lt": 3}}, [1, 2, 8]),
    ("mixed", {"a": {"$lte": Int64(3)}}, [1, 2, 3, 8]),
    ("mixed", {"a": {"$gt": 2, "$lt": 4}}, [2, 3, 8]),
    ("mixed", {"a": {"$elemMatch": {"$gt": 2, "$lt": 4}}}, []),
    ("mixed", {"a": {"$gt": Decimal128("3.5")}}, [4, 8]),
    ("mixed", {"a": {"$gt": "a"}}, [15]),
    ("mixed", {"a": {"$gte": ""}}, [5, 15]),
    ("mixed", {"a": {"$lt": "b"}}, [5, 15]),
    ("mixed", {"a": {"$gt": dt.datetime(2019, 1, 1)}}, [12]),
    ("mixed", {"a": {"$lt": dt.datetime(2019, 1, 1)}}, []),
    ("mixed", {"a": {"$gte": False}}, [11, 16]),
    ("mixed", {"a": {"$gt": False}}, [11]),
    ("mixed", {"a": {"$gt": {"a": 1}}}, [10]),
    ("mixed", {"a": {"$ne": 1}}, _without(1, 8)),
    ("mixed", {"a": {"$ne": "abc"}}, _without(15)),
    ("mixed", {"a": {"$gt": 0, "$lt": 2}}, [1, 8]),
    # $in / $nin
    ("mixed", {"a": {"$in": [1, "abc"]}}, [1, 8, 15]),
    ("mixed", {"a": {"$in": [2.5, Int64(4)]}}, [2, 4]),
    ("mixed", {"a": {"$in": [re.compile("^a")]}}, [15]),
    ("mixed", {"a": {"$in": [Regex("^A", "i"), 3]}}, [3, 15]),
    ("mixed", {"a": {"$in": []}}, []),
    ("mixed", {"a": {"$nin": []}}, ALL_MIXED),
    ("mixed", {"a": {"$nin": [1, None]}}, _without(1, 6, 7, 8)),
    ("mixed", {"a": {"$in": [[1, 5]]}}, [8]),
    # $exists, $type
    ("mixed", {"a": {"$exists": True}}, _without(7)),
    ("mixed", {"a": {"$exists": 1}}, _without(7)),
    ("mixed", {"a": {"$exists": False}}, [7]),
    ("mixed", {"a": {"$exists": 0}}, [7]),
    ("mixed", {"a": {"$type": "number"}}, [1, 2, 3, 4, 8]),
    ("mixed", {"a": {"$type": "string"}}, [5, 15]),
    ("mixed", {"a": {"$type": 2}}, [5, 15]),
    ("mixed", {"a": {"$type": "array"}}, [8, 9, 14]),
    ("mixed", {"a": {"$type": 4}}, [8, 9, 14]),
    ("mixed", {"a": {"$type": "null"}}, [6]),
    ("mixed", {"a": {"$type": 16}}, [1, 8]),
    ("mixed", {"a": {"$type": "int"}}, [1, 8]),
    ("mixed", {"a": {"$type": "long"}}, [3]),
    ("mixed", {"a": {"$type": 18}}, [3]),
    ("mixed", {"a": {"$type": "decimal"}}, [4]),
    ("mixed", {"a": {"$type": "double"}}, [2]),
    ("mixed", {"a": {"$type": 1}}, [2]),
    ("mixed", {"a": {"$type": "bool"}}, [11, 16]),
    ("mixed", {"a": {"$type": "date"}}, [12]),
    ("mixed", {"a": {"$type": "objectId"}}, [13]),
    ("mixed", {"a": {"$type": "object"}}, [10]),
    ("mixed", {"a": {"$type": "regex"}}, [17]),
    ("mixed", {"a": {"$type": "binData"}}, [18]),
    ("mixed", {"a": {"$type": ["string", "bool"]}}, [5, 11, 15, 16]),
    ("mixed", {"a": {"$type": [1, "long"]}}, [2, 3]),
    # $size, $all, $elemMatch, positional paths
    ("mixed", {"a": {"$size": 2}}, [8]),
    ("mixed", {"a": {"$size": 0}}, [9]),
    ("mixed", {"a": {"$size": 1}}, [14]),
    ("mixed", {"a": {"$all": [1, 5]}}, [8]),
    ("mixed", {"a": {"$all": [1]}}, [1, 8]),
    ("mixed", {"a": {"$all": []}}, []),
    ("mixed", {"a": {"$all": [[1, 2]]}}, [14]),
    ("mixed", {"a": {"$elemMatch": {"$gte": 5}}}, [8]),
    ("mixed", {"a": {"$elemMatch": {"$gt": 0, "$lt": 2}}}, [8]),
    ("mixed", {"a.0": 1}, [8, 14]),
    ("mixed", {"a.1": 5}, [8]),
    ("mixed", {"a.0.1": 2}, [14]),
    ("mixed", {"a.0": {"$exists": True}}, [8, 14]),
    # regular expressions
    ("mixed", {"a": re.compile("^a")}, [15]),
    ("mixed", {"a": Regex("^A", "i")}, [15]),
    ("mixed", {"a": {"$regex": "^A", "$options": "i"}}, [15]),
    ("mixed", {"a": {"$regex": "c$"}}, [15]),
    ("mixed", {"a": {"$regex": Regex("B")}}, []),
    ("mixed", {"a": {"$regex": Regex("B", "i")}}, [15]),
    ("mixed", {"a": Regex("^x", "i")}, [17]),
    ("mixed", {"a": {"$not": re.compile("^a")}}, _without(15)),
    ("mixed", {"a": {"$not": {"$regex": "^a"}}}, _without(15)),
    # $not, logical operators, $comment
    ("mixed", {"a": {"$not": {"$gt": 1}}}, _without(2, 3, 4, 8)),
    ("mixed", {"a": {"$not": {"$type": "number"}}}, _without(1, 2, 3, 4, 8)),
    ("mixed", {"$or": [{"a": 1}, {"a": "abc"}]}, [1, 8, 15]),
    ("mixed", {"$and": [{"a": {"$gt": 0}}, {"a": {"$lt": 2}}]}, [1, 8]),
    ("mixed", {"$nor": [{"a": {"$exists": True}}]}, [7]),
    ("mixed", {"$nor": [{"a": {"$type": "number"}}, {"a": {"$type": "string"}}]},
     _without(1, 2, 3, 4, 5, 8, 15)),
    ("mixed", {"$or": [{"a": {"$size": 0}}, {"_id": {"$gte": 17}}]}, [9, 17, 18]),
    ("mixed", {"$comment": "just a note", "a": 1}, [1, 8]),
    ("mixed", {"_id": {"$in": [1, 2, 99]}, "a": {"$type": "int"}}, [1]),
    # $mod and bitwise operators
    ("mixed", {"a": {"$mod": [2, 1]}}, [1, 3, 8]),
    ("mixed", {"a": {"$mod": [2, 0]}}, [2, 4]),
    ("mod", {"qty": {"$mod": [4, 0]}}, [1, 3]),
    ("mod", {"qty": {"$mod": [4.5, 0]}}, [1, 3]),
    ("mod", {"qty": {"$mod": [-4, 0]}}, [1, 3]),
    ("bits", {"a": {"$bitsAllSet": [1, 5]}}, [1, 4]),
    ("bits", {"a": {"$bitsAllSet": 50}}, [1]),
    ("bits", {"a": {"$bitsAnySet": [1, 5]}}, [1, 4]),
    ("bits", {"a": {"$bitsAllClear": [1, 5]}}, [2, 3]),
    ("bits", {"a": {"$bitsAnyClear": [1, 5]}}, [2, 3]),
    ("bits", {"a": {"$bitsAnySet": 35}}, [1, 4]),
    # $expr and $jsonSchema
    ("mixed", {"$expr": {"$eq": ["$a", 1]}}, [1]),
    ("mixed", {"$expr": {"$isArray": "$a"}}, [8, 9, 14]),
    ("mixed", {"$expr": {"$gt": ["$a", None]}}, _without(6, 7)),
    ("scores", {"$expr": {"$gt": ["$score", 15]}}, [2, 3, 4]),
    ("scores", {"$expr": {"$and": [{"$gte": ["$score", 20]}, {"$lt": ["$score", 40]}]}}, [2, 3]),
    ("scores", {"$expr": {"$eq": [{"$size": {"$ifNull": ["$tags", []]}}, 0]}}, [3, 4, 5]),
    ("nested", {"$expr": {"$gt": ["$size.w", "$size.h"]}}, [1, 2, 3, 4, 5]),
    ("nested", {"$expr": {"$lt": [{"$multiply": ["$qty", 2]}, 100]}}, [1, 5]),
    ("nested", {"$jsonSchema": {"required": ["status"], "properties": {"qty": {"bsonType": "int", "minimum": 50}}}},
     [2, 3, 4]),
    ("nested", {"$jsonSchema": {"properties": {"size": {"bsonType": "object",
                                                        "properties": {"uom": {"enum": ["in"]}}}}}}, [2, 3]),
    ("nulls", {"$jsonSchema": {"required": ["item"]}}, [1]),
    ("mixed", {"$jsonSchema": {"properties": {"a": {"bsonType": "string", "minLength": 2}}}}, [7, 15]),
    # manual: query an array
    ("arrays", {"tags": ["red", "blank"]}, [2]),
    ("arrays", {"tags": {"$all": ["red", "blank"]}}, [1, 2, 3, 4]),
    ("arrays", {"tags": "red"}, [1, 2, 3, 4]),
    ("arrays", {"dim_cm": {"$gt": 25}}, [4]),
    ("arrays", {"dim_cm": {"$gt": 15, "$lt": 20}}, [1, 2, 3, 5]),
    ("arrays", {"dim_cm": {"$elemMatch": {"$gt": 22, "$lt": 30}}}, [4]),
    ("arrays", {"dim_cm.1": {"$gt": 25}}, [4]),
    ("arrays", {"tags": {"$size": 3}}, [3]),
    ("arrays", {"tags": {"$in": ["blue", "plain"]}}, [3, 5]),
    ("arrays", {"tags": {"$nin": ["red"]}}, [5]),
    ("arrays", {"qty": {"$in": [25, 75]}}, [1, 4]),
    ("arrays", {"tags.0": "red"}, [2, 3]),
    ("arrays", {"tags": {"$elemMatch": {"$eq": "plain"}}}, [3]),
    ("arrays", {"dim_cm": {"$all": [14, 21]}}, [1, 2, 3]),
    ("arrays", {"$or": [{"qty": {"$lt": 30}}, {"item": re.compile("^p")}]}, [1, 3, 4, 5]),
    ("arrays", {"item": {"$regex": "^P", "$options": "i"}}, [3, 4, 5]),
    ("arrays", {"tags": {"$not": {"$size": 2}}}, [3, 5]),
    ("arrays", {"tags": {"$ne": "red"}}, [5]),
    ("arrays", {"dim_cm": {"$lt": 11}}, [5]),
    ("arrays", {"dim_cm": {"$not": {"$lt": 11}}}, [1, 2, 3, 4]),
    # manual: query an array of embedded documents
    ("instock", {"instock": {"warehouse": "A", "qty": 5}}, [1]),
    ("instock", {"instock": {"qty": 5, "warehouse": "A"}}, []),
    ("instock", {"instock.qty": {"$lte": 20}}, [1, 2, 3, 4, 5]),
    ("instock", {"instock.0.qty": {"$lte": 20}}, [1, 2, 5]),
    ("instock", {"instock": {"$elemMatch": {"qty": 5, "warehouse": "A"}}}, [1]),
    ("instock", {"instock": {"$elemMatch": {"qty": {"$gt": 10, "$lte": 20}}}}, [1, 3, 5]),
    ("instock", {"instock.qty": {"$gt": 10, "$lte": 20}}, [1, 3, 4, 5]),
    ("instock", {"instock.qty": 5, "instock.warehouse": "A"}, [1, 4]),
    ("instock", {"instock.warehouse": {"$all": ["A", "B"]}}, [3, 4]),
    ("instock", {"instock.qty": {"$size": 2}}, []),
    ("instock", {"instock": {"$size": 1}}, [2]),
    ("instock", {"instock.warehouse": {"$ne": "A"}}, [2, 5]),
    ("instock", {"instock": {"$all": [{"$elemMatch": {"warehouse": "A"}}, {"$elemMatch": {"qty": 15}}]}}, [1, 3]),
    ("instock", {"instock.warehouse": {"$in": ["B"]}, "instock.qty": {"$gt": 50}}, [3]),
    ("instock", {"instock": {"$elemMatch": {"warehouse": "B", "qty": {"$gt": 50}}}}, []),
    ("instock", {"instock.1": {"$exists": True}}, [1, 3, 4, 5]),
    ("instock", {"instock.1.warehouse": "C"}, [1, 5]),
    # manual: query embedded documents
    ("nested", {"size": {"h": 14, "w": 21, "uom": "cm"}}, [1]),
    ("nested", {"size": {"w": 21, "h": 14, "uom": "cm"}}, []),
    ("nested", {"size.uom": "in"}, [2, 3]),
    ("nested", {"size.h": {"$lt": 15}}, [1, 2, 3, 5]),
    ("nested", {"size.h": {"$lt": 15}, "size.uom": "in", "status": "D"}, [3]),
    ("nested", {"status": {"$in": ["A", "D"]}}, [1, 2, 3, 4, 5]),
    ("nested", {"status": "A", "qty": {"$lt": 30}}, [1]),
    ("nested", {"$or": [{"status": "A"}, {"qty": {"$lt": 30}}]}, [1, 2, 5]),
    ("nested", {"status": "A", "$or": [{"qty": {"$lt": 30}}, {"item": re.compile("^p")}]}, [1, 5]),
    ("nested", {"size": {"$type": "object"}}, [1, 2, 3, 4, 5]),
    ("nested", {"size.uom": {"$exists": True}}, [1, 2, 3, 4, 5]),
    ("nested", {"size.x": {"$exists": True}}, []),
    ("nested", {"size.uom": {"$in": ["cm"]}, "qty": {"$gte": 45}}, [4, 5]),
    ("nested", {"size.w": {"$gte": 15.25, "$lte": 21}}, [1, 5]),
    ("nested", {"item": {"$gt": "n", "$lt": "pl"}}, [2, 3]),
    ("nested", {"_id": {"$gt": 3}}, [4, 5]),
    ("nested", {"_id": 2}, [2]),
    ("nested", {"_id": {"$eq": 4}}, [4]),
    ("nested", {"_id": 99}, []),
]


ERROR_CASES: list[tuple[dict[str, Any], int, str]] = [
    ({"a": {"$foo": 1}}, 2, "unknown operator: $foo"),
    ({"$foo": 1}, 2, "unknown top level operator: $foo. If you have a field name that starts with a '$' symbol, "
                     "consider using $getField or $setField."),
    ({"$not": {"a": 1}}, 2, "unknown top level operator: $not. If you are trying to negate an entire expression, "
                            "use $nor."),
    ({"$and": []}, 2, "$and/$or/$nor must be a nonempty array"),
    ({"$or": []}, 2, "$and/$or/$nor must be a nonempty array"),
    ({"$or": {"a": 1}}, 2, "$or must be an array"),
    ({"$or": [1]}, 2, "$or/$and/$nor entries need to be full objects"),
    ({"a": {"$in": 1}}, 2, "$in needs an array"),
    ({"a": {"$nin": "x"}}, 2, "$nin needs an array"),
    ({"a": {"$all": 1}}, 2, "$all needs an array"),
    ({"a": {"$type": "foo"}}, 2, "Unknown type name alias: foo"),
    ({"a": {"$type": 100}}, 2, "Invalid numerical type code: 100"),
    ({"a": {"$mod": [0, 1]}}, 2, "divisor cannot be 0"),
    ({"a": {"$mod": [1]}}, 2, "malformed mod, not enough elements"),
    ({"a": {"$mod": [1, 2, 3]}}, 2, "malformed mod, too many elements"),
    ({"a": {"$mod": 1}}, 2, "malformed mod, needs to be an array"),
    ({"a": {"$not": 1}}, 2, "$not needs a regex or a document"),
    ({"a": {"$not": {}}}, 2, "$not cannot be empty"),
    ({"a": {"$elemMatch": 1}}, 2, "$elemMatch needs an Object"),
    ({"a": {"$regex": 1}}, 2, "$regex has to be a string"),
    ({"a": {"$options": "i"}}, 2, "$options needs a $regex"),
    ({"a": {"$ne": re.compile("x")}}, 2, "Can't have regex as arg to $ne."),
    ({"a": {"$gt": re.compile("x")}}, 2, "Can't have RegEx as arg to predicate over field 'a'."),
    ({"a": {"$in": [{"$gt": 1}]}}, 2, "cannot nest $ under $in"),
    ({"a": {"$all": [{"$gt": 1}]}}, 2, "no $ expressions in $all"),
    ({"a": {"$all": [{"$elemMatch": {"b": 1}}, 5]}}, 2, "$all/$elemMatch has to be consistent"),
    ({"a": {"$regex": "a", "$options": "z"}}, 51108, "invalid flag in regex options: z"),
    ({"$expr": {"$foo": 1}}, 168, "Unrecognized expression '$foo'"),
    ({"a": {"$elemMatch": {"$expr": {"$eq": [1, 1]}}}}, 2, "$expr can only be applied to the top-level document"),
    ({"a": {"$size": -1}}, 2, "Failed to parse $size."),
    ({"a": {"$size": "x"}}, 2, "Failed to parse $size."),
    ({"$jsonSchema": {"foo": 1}}, 9, "Unknown $jsonSchema keyword: foo"),
]


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    database = client.conformance_query
    for name, docs in DATASETS.items():
        database[name].insert_many([dict(d) for d in docs])
    return database


@pytest.mark.parametrize(("dataset", "filter_doc", "expected"), MATCH_CASES,
                         ids=[f"{i}-{c[0]}" for i, c in enumerate(MATCH_CASES)])
def test_filter(db: Any, dataset: str, filter_doc: dict[str, Any], expected: list[int]) -> None:
    found = sorted(doc["_id"] for doc in db[dataset].find(filter_doc, {"_id": 1}))
    assert found == expected


@pytest.mark.parametrize(("filter_doc", "code", "message"), ERROR_CASES,
                         ids=[str(i) for i in range(len(ERROR_CASES))])
def test_invalid_filter(db: Any, filter_doc: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(OperationFailure) as info:
        db.mixed.find_one(filter_doc)
    assert info.value.code == code
    assert message in str(info.value.details.get("errmsg") if info.value.details else "")


PROJECTION_CASES: list[tuple[dict[str, Any], dict[str, Any], dict[str, Any]]] = [
    ({}, {"item": 1, "status": 1}, {"_id": 1, "item": "journal", "status": "A"}),
    ({}, {"status": 1, "item": 1}, {"_id": 1, "item": "journal", "status": "A"}),
    ({}, {"item": 1, "status": 1, "_id": 0}, {"item": "journal", "status": "A"}),
    ({}, {"status": 0, "instock": 0}, {"_id": 1, "item": "journal", "size": {"h": 14, "w": 21, "uom": "cm"}}),
    ({}, {"item": 1, "size.uom": 1}, {"_id": 1, "item": "journal", "size": {"uom": "cm"}}),
    ({}, {"item": 1, "size": {"uom": 1}}, {"_id": 1, "item": "journal", "size": {"uom": "cm"}}),
    ({}, {"size.uom": 0, "instock": 0}, {"_id": 1, "item": "journal", "status": "A", "size": {"h": 14, "w": 21}}),
    ({}, {"item": 1, "instock.qty": 1}, {"_id": 1, "item": "journal", "instock": [{"qty": 5}]}),
    ({}, {"_id": 0, "size": 0, "instock": 0}, {"item": "journal", "status": "A"}),
    ({}, {"_id": 1}, {"_id": 1}),
    ({}, {"_id": 0, "item": True}, {"item": "journal"}),
    ({}, {"nothere": 1}, {"_id": 1}),
    ({"_id": 2}, {"item": 1, "instock": {"$slice": -1}},
     {"_id": 2, "item": "postcard", "instock": [{"warehouse": "C", "qty": 35}]}),
    ({"_id": 2}, {"_id": 0, "instock": {"$slice": 1}, "size": 0, "status": 0},
     {"item": "postcard", "instock": [{"warehouse": "B", "qty": 15}]}),
    ({"_id": 2}, {"instock": {"$slice": [1, 1]}, "item": 1},
     {"_id": 2, "item": "postcard", "instock": [{"warehouse": "C", "qty": 35}]}),
    ({"_id": 2}, {"instock": {"$elemMatch": {"qty": {"$gt": 20}}}},
     {"_id": 2, "instock": [{"warehouse": "C", "qty": 35}]}),
    ({"_id": 2}, {"instock": {"$elemMatch": {"qty": {"$gt": 100}}}}, {"_id": 2}),
    ({"instock.qty": 35}, {"instock.$": 1}, {"_id": 2, "instock": [{"warehouse": "C", "qty": 35}]}),
    ({"instock.warehouse": "B"}, {"_id": 0, "item": 1, "instock.$": 1},
     {"item": "postcard", "instock": [{"warehouse": "B", "qty": 15}]}),
    ({}, {"_id": 0, "area": {"$multiply": ["$size.h", "$size.w"]}}, {"area": 294}),
    ({}, {"item": 1, "code": {"$toUpper": "$status"}}, {"_id": 1, "item": "journal", "code": "A"}),
    ({}, {"_id": 0, "where": "$instock.warehouse"}, {"where": ["A"]}),
    ({}, {"_id": 0, "label": {"$literal": "fixed"}}, {"label": "fixed"}),
    ({}, {"_id": 0, "nested.x": "$item"}, {"nested": {"x": "journal"}}),
]


@pytest.mark.parametrize(("filter_doc", "projection", "expected"), PROJECTION_CASES,
                         ids=[str(i) for i in range(len(PROJECTION_CASES))])
def test_projection(db: Any, filter_doc: dict[str, Any], projection: dict[str, Any], expected: dict[str, Any]) -> None:
    assert db.project.find_one(filter_doc, projection) == expected


@pytest.mark.parametrize(("projection", "code", "message"), [
    ({"item": 1, "status": 0}, 31254, "Cannot do exclusion on field status in inclusion projection"),
    ({"status": 0, "item": 1}, 31253, "Cannot do inclusion on field item in exclusion projection"),
    ({"size": 1, "size.uom": 1}, 31249, "Path collision at size.uom remaining portion uom"),
    ({"size.uom": 1, "size": 1}, 31250, "Path collision at size"),
    ({"status": 0, "x": {"$add": [1, 2]}}, 31252, "Cannot use expression other than $meta in exclusion projection"),
    ({"x": {"$nope": 1}}, 168, "Unrecognized expression '$nope'"),
])
def test_invalid_projection(db: Any, projection: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(OperationFailure) as info:
        db.project.find_one({}, projection)
    assert info.value.code == code
    assert message in str(info.value)


SORT_CASES: list[tuple[str, list[tuple[str, int]], list[int]]] = [
    # BSON order across types: [] < null/missing < numbers < strings < objects < arrays < binData < ObjectId
    # < bool < date < regex; arrays sort by their smallest (ascending) or largest (descending) element.
    ("mixed", [("a", 1), ("_id", 1)], [9, 6, 7, 1, 8, 2, 3, 4, 5, 15, 10, 14, 18, 13, 16, 11, 12, 17]),
    ("mixed", [("a", -1), ("_id", 1)], [17, 12, 11, 16, 13, 18, 14, 10, 15, 5, 8, 4, 3, 2, 1, 6, 7, 9]),
    ("arrays", [("qty", 1)], [1, 5, 2, 4, 3]),
    ("arrays", [("qty", -1)], [3, 4, 2, 5, 1]),
    ("arrays", [("dim_cm", -1), ("_id", 1)], [4, 1, 2, 3, 5]),
    ("arrays", [("dim_cm", 1), ("_id", -1)], [5, 3, 2, 1, 4]),
    ("nested", [("status", 1), ("qty", -1)], [2, 5, 1, 3, 4]),
    ("nested", [("size.h", 1), ("_id", 1)], [2, 3, 5, 1, 4]),
    ("nested", [("item", -1)], [5, 4, 3, 2, 1]),
    ("instock", [("instock.qty", 1), ("_id", 1)], [1, 2, 4, 3, 5]),
    ("instock", [("instock.qty", -1), ("_id", 1)], [3, 4, 5, 1, 2]),
    ("nested", [("$natural", -1)], [5, 4, 3, 2, 1]),
]


@pytest.mark.parametrize(("dataset", "sort", "expected"), SORT_CASES, ids=[str(i) for i in range(len(SORT_CASES))])
def test_sort(db: Any, dataset: str, sort: list[tuple[str, int]], expected: list[int]) -> None:
    assert [d["_id"] for d in db[dataset].find({}, {"_id": 1}).sort(sort)] == expected


@pytest.mark.parametrize(("sort", "code", "message"), [
    ({"a": 2}, 15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)"),
    ({"a": 0}, 15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)"),
    ({"a": "x"}, 15974, 'Illegal key in $sort specification: a: "x"'),
    ({"a": {"$meta": "foo"}}, 31138, "Illegal $meta sort"),
])
def test_invalid_sort(db: Any, sort: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(OperationFailure) as info:
        db.command("find", "mixed", sort=sort)
    assert info.value.code == code
    assert message in str(info.value)


def test_skip_limit_and_natural_order(db: Any) -> None:
    assert [d["_id"] for d in db.mixed.find({}, {"_id": 1}).skip(3).limit(4)] == [4, 5, 6, 7]
    assert [d["_id"] for d in db.mixed.find({}, {"_id": 1}).sort("_id", -1).limit(2)] == [18, 17]


def test_distinct_unwinds_arrays_and_sorts(db: Any) -> None:
    assert db.arrays.distinct("tags") == ["blank", "blue", "plain", "red"]
    assert db.instock.distinct("instock.warehouse") == ["A", "B", "C"]
    assert db.arrays.distinct("dim_cm", {"qty": {"$gte": 75}}) == [14, 21, 22.85, 30]
    assert db.nulls.distinct("item") == [None]
    assert db.mixed.distinct("nothere") == []


def test_count_with_query_skip_limit(db: Any) -> None:
    assert db.command("count", "nested")["n"] == 5
    assert db.command("count", "nested", query={"status": "A"})["n"] == 3
    assert db.command("count", "nested", query={"status": "A"}, skip=1)["n"] == 2
    assert db.command("count", "nested", limit=2)["n"] == 2
    assert db.nested.count_documents({"qty": {"$gt": 40}}) == 4
    assert db.command("count", "no_such_collection")["n"] == 0
