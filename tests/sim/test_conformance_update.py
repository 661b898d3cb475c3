"""Update conformance: table-driven cases whose expected documents come from the MongoDB manual's examples and
rules for each update operator (reference/operator/update/*), run through the real ``update`` command.

Every case gets a fresh collection on one module-scoped server; expected documents are compared with their
field order (MongoDB 5.0+ adds new fields in lexicographic order), and BSON types are checked with ``$type``
queries where the manual states them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64

from tests.support.simproc import SimProcess

ANY_ID = object()  # an upsert's generated ObjectId


@dataclass
class Case:
    name: str
    docs: list[dict[str, Any]]
    q: dict[str, Any]
    u: Any
    expect: list[dict[str, Any]] | None = None
    error: int | None = None
    multi: bool = False
    upsert: bool = False
    array_filters: list[dict[str, Any]] | None = None
    let: dict[str, Any] | None = None
    modified: int | None = None
    types: dict[str, str] = field(default_factory=dict)


def C(name: str, docs: list[dict[str, Any]], q: dict[str, Any], u: Any, expect: Any = None, **opts: Any) -> Case:
    return Case(name, docs, q, u, expect, **opts)


def E(name: str, docs: list[dict[str, Any]], q: dict[str, Any], u: Any, code: int, **opts: Any) -> Case:
    return Case(name, docs, q, u, None, error=code, **opts)


INVENTORY = {"_id": 100, "quantity": 250, "instock": True, "reorder": False,
             "details": {"model": "14QQ", "make": "Clothes Corp"}, "tags": ["apparel", "clothing"],
             "ratings": [{"by": "Customer007", "rating": 4}]}
QUIZZES = [{"wk": 1, "score": 10}, {"wk": 2, "score": 8}, {"wk": 3, "score": 5}, {"wk": 4, "score": 6}]
GRADES = [{"grade": 80, "mean": 75, "std": 6}, {"grade": 85, "mean": 90, "std": 4}, {"grade": 85, "mean": 85, "std": 6}]
QUESTIONS = [{"type": "quiz", "questions": [10, 8, 5]}, {"type": "quiz", "questions": [8, 9, 6]},
             {"type": "hw", "questions": [5, 4, 3]}, {"type": "exam", "questions": [25, 10, 23, 0]}]
RESULTS = [{"item": "A", "score": 5, "answers": [{"q": 1, "a": 4}, {"q": 2, "a": 6}]},
           {"item": "B", "score": 8, "answers": [{"q": 1, "a": 8}, {"q": 2, "a": 9}]}]
ONE = [{"_id": 1}]


def _with(doc: dict[str, Any], **changes: Any) -> dict[str, Any]:
    return {**doc, **changes}


CASES = [
    # $set
    C("set-top-level-fields", [INVENTORY], {"_id": 100},
      {"$set": {"quantity": 500, "details": {"model": "2600", "make": "Fashionaires"},
                "tags": ["coats", "outerwear", "clothing"]}},
      [_with(INVENTORY, quantity=500, details={"model": "2600", "make": "Fashionaires"},
             tags=["coats", "outerwear", "clothing"])]),
    C("set-embedded-field", [INVENTORY], {"_id": 100}, {"$set": {"details.make": "Kustom Kidz"}},
      [_with(INVENTORY, details={"model": "14QQ", "make": "Kustom Kidz"})]),
    C("set-array-elements", [INVENTORY], {"_id": 100}, {"$set": {"tags.1": "rain gear", "ratings.0.rating": 2}},
      [_with(INVENTORY, tags=["apparel", "rain gear"], ratings=[{"by": "Customer007", "rating": 2}])]),
    C("set-new-fields-lexicographic", ONE, {"_id": 1}, {"$set": {"b": 1, "a": 1}}, [{"_id": 1, "a": 1, "b": 1}]),
    C("set-numeric-names-numeric-order", [{"_id": 1, "a": {}}], {"_id": 1}, {"$set": {"a.10": 1, "a.2": 2}},
      [{"_id": 1, "a": {"2": 2, "10": 1}}]),
    C("set-creates-embedded-path", ONE, {"_id": 1}, {"$set": {"x.y.z": 1}}, [{"_id": 1, "x": {"y": {"z": 1}}}]),
    C("set-same-value-is-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"a": 1}}, [{"_id": 1, "a": 1}],
      modified=0),
    C("set-other-numeric-type-modifies", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"a": 1.0}},
      [{"_id": 1, "a": 1.0}], modified=1, types={"a": "double"}),
    C("set-pads-array-with-nulls", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$set": {"a.3": 2}},
      [{"_id": 1, "a": [1, None, None, 2]}]),
    C("set-id-same-value-allowed", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"_id": 1, "a": 2}},
      [{"_id": 1, "a": 2}]),
    C("set-empty-operator-is-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {}}, [{"_id": 1, "a": 1}],
      modified=0),
    C("set-keeps-existing-field-position", [{"_id": 1, "a": 1, "b": 2}], {"_id": 1}, {"$set": {"a": 5, "c": 3}},
      [{"_id": 1, "a": 5, "b": 2, "c": 3}]),
    C("set-document-value", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"a": {"x": [1, {"y": 2}]}}},
      [{"_id": 1, "a": {"x": [1, {"y": 2}]}}]),
    C("set-multi-updates-all", [{"_id": 1}, {"_id": 2}], {}, {"$set": {"s": True}},
      [{"_id": 1, "s": True}, {"_id": 2, "s": True}], multi=True, modified=2),
    C("set-single-updates-first-match", [{"_id": 1, "k": 1}, {"_id": 2, "k": 1}], {"k": 1}, {"$set": {"s": 1}},
      [{"_id": 1, "k": 1, "s": 1}, {"_id": 2, "k": 1}], modified=1),
    E("set-through-scalar-not-viable", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"a.b": 1}}, 28),
    E("set-through-array-by-name-not-viable", [{"_id": 1, "a": [{"b": 1}]}], {"_id": 1}, {"$set": {"a.b": 2}}, 28),
    E("set-id-changed-immutable", [{"_id": 1}], {"_id": 1}, {"$set": {"_id": 2}}, 66),
    E("set-top-level-dollar-field", [{"_id": 1}], {"_id": 1}, {"$set": {"$x": 1}}, 52),
    E("set-conflict-prefix", [{"_id": 1}], {"_id": 1}, {"$set": {"a": 1, "a.b": 2}}, 40),
    E("set-conflict-nested", [{"_id": 1}], {"_id": 1}, {"$set": {"a.b": 1, "a.b.c": 2}}, 40),
    E("set-empty-path", [{"_id": 1}], {"_id": 1}, {"$set": {"": 1}}, 56),
    E("set-empty-path-part", [{"_id": 1}], {"_id": 1}, {"$set": {"a..b": 1}}, 56),
    E("set-argument-not-object", [{"_id": 1}], {"_id": 1}, {"$set": 1}, 9),
    # $unset
    C("unset-fields", [INVENTORY], {"_id": 100}, {"$unset": {"quantity": "", "instock": ""}},
      [{k: v for k, v in INVENTORY.items() if k not in ("quantity", "instock")}]),
    C("unset-missing-is-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$unset": {"b": ""}}, [{"_id": 1, "a": 1}],
      modified=0),
    C("unset-array-element-leaves-null", [{"_id": 1, "a": [1, 2, 3]}], {"_id": 1}, {"$unset": {"a.1": ""}},
      [{"_id": 1, "a": [1, None, 3]}]),
    C("unset-embedded", [{"_id": 1, "a": {"b": 1, "c": 2}}], {"_id": 1}, {"$unset": {"a.b": 1}},
      [{"_id": 1, "a": {"c": 2}}]),
    C("unset-through-scalar-is-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$unset": {"a.b": 1}},
      [{"_id": 1, "a": 1}], modified=0),
    E("unset-id-immutable", [{"_id": 1}], {"_id": 1}, {"$unset": {"_id": 1}}, 66),
    # $inc
    C("inc-manual-example", [{"_id": 1, "sku": "abc123", "quantity": 10, "metrics": {"orders": 2, "ratings": 3.5}}],
      {"sku": "abc123"}, {"$inc": {"quantity": -2, "metrics.orders": 1}},
      [{"_id": 1, "sku": "abc123", "quantity": 8, "metrics": {"orders": 3, "ratings": 3.5}}]),
    C("inc-missing-field-creates", ONE, {"_id": 1}, {"$inc": {"n": 5}}, [{"_id": 1, "n": 5}]),
    C("inc-int32-overflow-becomes-long", [{"_id": 1, "n": 2147483647}], {"_id": 1}, {"$inc": {"n": 1}},
      [{"_id": 1, "n": 2147483648}], types={"n": "long"}),
    C("inc-int-by-double-is-double", [{"_id": 1, "n": 1}], {"_id": 1}, {"$inc": {"n": 0.5}},
      [{"_id": 1, "n": 1.5}], types={"n": "double"}),
    C("inc-long-stays-long", [{"_id": 1, "n": Int64(5)}], {"_id": 1}, {"$inc": {"n": 1}}, [{"_id": 1, "n": 6}],
      types={"n": "long"}),
    C("inc-by-zero-is-noop", [{"_id": 1, "n": 3}], {"_id": 1}, {"$inc": {"n": 0}}, [{"_id": 1, "n": 3}],
      modified=0),
    C("inc-array-element", [{"_id": 1, "a": [1, 2]}], {"_id": 1}, {"$inc": {"a.1": 10}},
      [{"_id": 1, "a": [1, 12]}]),
    E("inc-non-numeric-field", [{"_id": 1, "n": "x"}], {"_id": 1}, {"$inc": {"n": 1}}, 14),
    E("inc-null-field", [{"_id": 1, "n": None}], {"_id": 1}, {"$inc": {"n": 1}}, 14),
    E("inc-non-numeric-argument", [{"_id": 1}], {"_id": 1}, {"$inc": {"n": "1"}}, 14),
    E("inc-and-set-same-field", [{"_id": 1}], {"_id": 1}, {"$inc": {"n": 1}, "$set": {"n": 2}}, 40),
    # $mul
    C("mul-manual-example", [{"_id": 1, "item": "Hats", "price": 10.99, "quantity": 25}], {"_id": 1},
      {"$mul": {"price": 1.25, "quantity": 2}},
      [{"_id": 1, "item": "Hats", "price": 13.7375, "quantity": 50}]),
    C("mul-missing-field-zero", [{"_id": 2, "item": "Unknown"}], {"_id": 2}, {"$mul": {"price": Int64(100)}},
      [{"_id": 2, "item": "Unknown", "price": 0}], types={"price": "long"}),
    C("mul-mixed-types", [{"_id": 3, "item": "Scarf", "price": Int64(10)}], {"_id": 3}, {"$mul": {"price": 5}},
      [{"_id": 3, "item": "Scarf", "price": 50}], types={"price": "long"}),
    C("mul-by-one-is-noop", [{"_id": 1, "n": 4}], {"_id": 1}, {"$mul": {"n": 1}}, [{"_id": 1, "n": 4}],
      modified=0),
    E("mul-non-numeric-field", [{"_id": 1, "n": [1]}], {"_id": 1}, {"$mul": {"n": 2}}, 14),
    E("mul-non-numeric-argument", [{"_id": 1}], {"_id": 1}, {"$mul": {"n": True}}, 14),
    # $rename
    C("rename-field", [{"_id": 1, "nmae": {"first": "george", "last": "washington"}, "alias": ["x"]}], {"_id": 1},
      {"$rename": {"nmae": "name"}},
      [{"_id": 1, "alias": ["x"], "name": {"first": "george", "last": "washington"}}]),
    C("rename-embedded-to-top", [{"_id": 1, "name": {"first": "george", "last": "washington"}}], {"_id": 1},
      {"$rename": {"name.first": "fname"}}, [{"_id": 1, "name": {"last": "washington"}, "fname": "george"}]),
    C("rename-missing-is-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$rename": {"wife": "spouse"}},
      [{"_id": 1, "a": 1}], modified=0),
    C("rename-overwrites-target", [{"_id": 1, "a": 1, "b": 2}], {"_id": 1}, {"$rename": {"a": "b"}},
      [{"_id": 1, "b": 1}]),
    C("rename-to-new-embedded-path", [{"_id": 1, "a": 1, "z": 0}], {"_id": 1}, {"$rename": {"a": "b.c"}},
      [{"_id": 1, "z": 0, "b": {"c": 1}}]),
    C("rename-into-embedded-document", [{"_id": 1, "a": 1, "b": {"x": 0}}], {"_id": 1}, {"$rename": {"a": "b.a"}},
      [{"_id": 1, "b": {"x": 0, "a": 1}}]),
    E("rename-same-field", [{"_id": 1, "a": 1}], {"_id": 1}, {"$rename": {"a": "a"}}, 2),
    E("rename-same-path", [{"_id": 1, "a": 1}], {"_id": 1}, {"$rename": {"a": "a.b"}}, 2),
    E("rename-target-not-string", [{"_id": 1, "a": 1}], {"_id": 1}, {"$rename": {"a": 1}}, 2),
    E("rename-source-in-array", [{"_id": 1, "a": [{"b": 1}]}], {"_id": 1}, {"$rename": {"a.0.b": "c"}}, 2),
    E("rename-dynamic-source", [{"_id": 1, "a": [1]}], {"_id": 1, "a": 1}, {"$rename": {"a.$": "c"}}, 2),
    E("rename-conflicts-with-set", [{"_id": 1, "a": 1}], {"_id": 1}, {"$rename": {"a": "b"}, "$set": {"b": 1}}, 40),
    E("rename-id", [{"_id": 1}], {"_id": 1}, {"$rename": {"_id": "x"}}, 66),
    # $min / $max
    C("min-lower-value", [{"_id": 1, "highScore": 800, "lowScore": 200}], {"_id": 1}, {"$min": {"lowScore": 150}},
      [{"_id": 1, "highScore": 800, "lowScore": 150}]),
    C("min-higher-value-noop", [{"_id": 1, "highScore": 800, "lowScore": 150}], {"_id": 1},
      {"$min": {"lowScore": 250}}, [{"_id": 1, "highScore": 800, "lowScore": 150}], modified=0),
    C("max-higher-value", [{"_id": 1, "highScore": 800, "lowScore": 200}], {"_id": 1},
      {"$max": {"highScore": 950}}, [{"_id": 1, "highScore": 950, "lowScore": 200}]),
    C("max-lower-value-noop", [{"_id": 1, "highScore": 950}], {"_id": 1}, {"$max": {"highScore": 870}},
      [{"_id": 1, "highScore": 950}], modified=0),
    C("min-dates", [{"_id": 1, "dateEntered": dt.datetime(2023, 10, 1), "dateExpired": dt.datetime(2023, 10, 31)}],
      {"_id": 1}, {"$min": {"dateEntered": dt.datetime(2023, 9, 25)}},
      [{"_id": 1, "dateEntered": dt.datetime(2023, 9, 25), "dateExpired": dt.datetime(2023, 10, 31)}]),
    C("min-missing-field-sets", ONE, {"_id": 1}, {"$min": {"a": 5}}, [{"_id": 1, "a": 5}]),
    C("max-string-above-number", [{"_id": 1, "a": 100}], {"_id": 1}, {"$max": {"a": "x"}}, [{"_id": 1, "a": "x"}]),
    C("min-null-below-number", [{"_id": 1, "a": 100}], {"_id": 1}, {"$min": {"a": None}}, [{"_id": 1, "a": None}]),
    C("min-equal-other-type-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"$min": {"a": 1.0}}, [{"_id": 1, "a": 1}],
      modified=0),
    # $currentDate
    C("current-date-date-and-timestamp", [{"_id": 1, "status": "a"}], {"_id": 1},
      {"$currentDate": {"lastModified": True, "cancellation.date": {"$type": "timestamp"}}}, None,
      types={"lastModified": "date", "cancellation.date": "timestamp"}),
    C("current-date-type-date", [{"_id": 1}], {"_id": 1}, {"$currentDate": {"d": {"$type": "date"}}}, None,
      types={"d": "date"}),
    E("current-date-bad-type", [{"_id": 1}], {"_id": 1}, {"$currentDate": {"d": {"$type": "datetime"}}}, 2),
    E("current-date-bad-argument", [{"_id": 1}], {"_id": 1}, {"$currentDate": {"d": 1}}, 2),
    # $setOnInsert
    C("set-on-insert-upsert", [], {"_id": 1}, {"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}},
      [{"_id": 1, "defaultQty": 100, "item": "apple"}], upsert=True),
    C("set-on-insert-ignored-on-update", [{"_id": 1, "item": "pear"}], {"_id": 1},
      {"$set": {"item": "apple"}, "$setOnInsert": {"defaultQty": 100}}, [{"_id": 1, "item": "apple"}],
      upsert=True),
    C("set-on-insert-only-is-noop", [{"_id": 1}], {"_id": 1}, {"$setOnInsert": {"a": 1}}, [{"_id": 1}],
      upsert=True, modified=0),
    # $push
    C("push-value", [{"_id": 1, "scores": [44, 78, 38, 80]}], {"_id": 1}, {"$push": {"scores": 89}},
      [{"_id": 1, "scores": [44, 78, 38, 80, 89]}]),
    C("push-creates-array", ONE, {"_id": 1}, {"$push": {"scores": 1}}, [{"_id": 1, "scores": [1]}]),
    C("push-array-as-one-element", [{"_id": 1, "a": []}], {"_id": 1}, {"$push": {"a": [1, 2]}},
      [{"_id": 1, "a": [[1, 2]]}]),
    C("push-each", [{"_id": 1, "scores": [44]}], {"_id": 1}, {"$push": {"scores": {"$each": [90, 92, 85]}}},
      [{"_id": 1, "scores": [44, 90, 92, 85]}]),
    C("push-each-sort-slice", [{"_id": 5, "quizzes": QUIZZES}], {"_id": 5},
      {"$push": {"quizzes": {"$each": [{"wk": 5, "score": 8}, {"wk": 6, "score": 7}, {"wk": 7, "score": 6}],
                             "$sort": {"score": -1}, "$slice": 3}}},
      [{"_id": 5, "quizzes": [{"wk": 1, "score": 10}, {"wk": 2, "score": 8}, {"wk": 5, "score": 8}]}]),
    C("push-position-start", [{"_id": 1, "scores": [100]}], {"_id": 1},
      {"$push": {"scores": {"$each": [50, 60, 70], "$position": 0}}}, [{"_id": 1, "scores": [50, 60, 70, 100]}]),
    C("push-position-middle", [{"_id": 1, "scores": [50, 60, 70, 100]}], {"_id": 1},
      {"$push": {"scores": {"$each": [20, 30], "$position": 2}}},
      [{"_id": 1, "scores": [50, 60, 20, 30, 70, 100]}]),
    C("push-position-negative", [{"_id": 1, "scores": [50, 60, 20, 30, 70, 100]}], {"_id": 1},
      {"$push": {"scores": {"$each": [90, 80], "$position": -2}}},
      [{"_id": 1, "scores": [50, 60, 20, 30, 90, 80, 70, 100]}]),
    C("push-position-past-end", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$push": {"a": {"$each": [2], "$position": 9}}},
      [{"_id": 1, "a": [1, 2]}]),
    C("push-slice-from-end", [{"_id": 1, "scores": [40, 50, 60]}], {"_id": 1},
      {"$push": {"scores": {"$each": [80, 78, 86], "$slice": -5}}}, [{"_id": 1, "scores": [50, 60, 80, 78, 86]}]),
    C("push-slice-from-front", [{"_id": 2, "scores": [89, 90]}], {"_id": 2},
      {"$push": {"scores": {"$each": [100, 20], "$slice": 3}}}, [{"_id": 2, "scores": [89, 90, 100]}]),
    C("push-slice-only", [{"_id": 3, "scores": [89, 70, 100, 20]}], {"_id": 3},
      {"$push": {"scores": {"$each": [], "$slice": -3}}}, [{"_id": 3, "scores": [70, 100, 20]}]),
    C("push-slice-zero-empties", [{"_id": 1, "a": [1, 2]}], {"_id": 1}, {"$push": {"a": {"$each": [], "$slice": 0}}},
      [{"_id": 1, "a": []}]),
    C("push-sort-numbers", [{"_id": 2, "tests": [89, 70, 89, 50]}], {"_id": 2},
      {"$push": {"tests": {"$each": [40, 60], "$sort": 1}}}, [{"_id": 2, "tests": [40, 50, 60, 70, 89, 89]}]),
    C("push-sort-only", [{"_id": 3, "tests": [89, 70, 100, 20]}], {"_id": 3},
      {"$push": {"tests": {"$each": [], "$sort": -1}}}, [{"_id": 3, "tests": [100, 89, 70, 20]}]),
    C("push-sort-by-field", [{"_id": 1, "quizzes": [{"id": 1, "score": 6}, {"id": 2, "score": 9}]}], {"_id": 1},
      {"$push": {"quizzes": {"$each": [{"id": 3, "score": 8}, {"id": 4, "score": 7}, {"id": 5, "score": 6}],
                             "$sort": {"score": 1}}}},
      [{"_id": 1, "quizzes": [{"id": 1, "score": 6}, {"id": 5, "score": 6}, {"id": 4, "score": 7},
                              {"id": 3, "score": 8}, {"id": 2, "score": 9}]}]),
    C("push-each-empty-is-noop", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$push": {"a": {"$each": []}}},
      [{"_id": 1, "a": [1]}], modified=0),
    C("push-sort-mixed-types", [{"_id": 1, "a": ["b", 2, None]}], {"_id": 1}, {"$push": {"a": {"$each": [1],
                                                                                          "$sort": 1}}},
      [{"_id": 1, "a": [None, 1, 2, "b"]}]),
    E("push-to-non-array", [{"_id": 1, "a": 1}], {"_id": 1}, {"$push": {"a": 2}}, 2),
    E("push-unknown-clause", [{"_id": 1, "a": []}], {"_id": 1}, {"$push": {"a": {"$each": [1], "$foo": 1}}}, 2),
    E("push-each-not-array", [{"_id": 1, "a": []}], {"_id": 1}, {"$push": {"a": {"$each": 1}}}, 2),
    E("push-slice-not-integer", [{"_id": 1, "a": []}], {"_id": 1}, {"$push": {"a": {"$each": [1], "$slice": "x"}}},
      2),
    E("push-sort-bad-direction", [{"_id": 1, "a": []}], {"_id": 1}, {"$push": {"a": {"$each": [1], "$sort": 2}}}, 2),
    # $addToSet
    C("add-to-set-array-value", [{"_id": 1, "letters": ["a", "b"]}], {"_id": 1},
      {"$addToSet": {"letters": ["c", "d"]}}, [{"_id": 1, "letters": ["a", "b", ["c", "d"]]}]),
    C("add-to-set-existing-noop", [{"_id": 1, "colors": ["blue", "green"]}], {"_id": 1},
      {"$addToSet": {"colors": "green"}}, [{"_id": 1, "colors": ["blue", "green"]}], modified=0),
    C("add-to-set-each", [{"_id": 2, "item": "cable", "tags": ["electronics", "supplies"]}], {"_id": 2},
      {"$addToSet": {"tags": {"$each": ["camera", "electronics", "accessories"]}}},
      [{"_id": 2, "item": "cable", "tags": ["electronics", "supplies", "camera", "accessories"]}]),
    C("add-to-set-creates-array", ONE, {"_id": 1}, {"$addToSet": {"a": {"$each": [1, 1, 2]}}},
      [{"_id": 1, "a": [1, 2]}]),
    C("add-to-set-document-field-order-matters", [{"_id": 1, "a": [{"x": 1, "y": 2}]}], {"_id": 1},
      {"$addToSet": {"a": {"y": 2, "x": 1}}}, [{"_id": 1, "a": [{"x": 1, "y": 2}, {"y": 2, "x": 1}]}]),
    C("add-to-set-numeric-equality", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$addToSet": {"a": 1.0}},
      [{"_id": 1, "a": [1]}], modified=0),
    E("add-to-set-non-array", [{"_id": 1, "a": "x"}], {"_id": 1}, {"$addToSet": {"a": 1}}, 2),
    E("add-to-set-each-not-array", [{"_id": 1}], {"_id": 1}, {"$addToSet": {"a": {"$each": 1}}}, 14),
    # $pop
    C("pop-first", [{"_id": 1, "scores": [8, 9, 10]}], {"_id": 1}, {"$pop": {"scores": -1}},
      [{"_id": 1, "scores": [9, 10]}]),
    C("pop-last", [{"_id": 10, "scores": [9, 10]}], {"_id": 10}, {"$pop": {"scores": 1}},
      [{"_id": 10, "scores": [9]}]),
    C("pop-empty-noop", [{"_id": 1, "a": []}], {"_id": 1}, {"$pop": {"a": 1}}, [{"_id": 1, "a": []}], modified=0),
    C("pop-missing-noop", ONE, {"_id": 1}, {"$pop": {"a": 1}}, ONE, modified=0),
    E("pop-non-array", [{"_id": 1, "a": 1}], {"_id": 1}, {"$pop": {"a": 1}}, 14),
    E("pop-bad-argument", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$pop": {"a": 2}}, 9),
    # $pull
    C("pull-values-and-conditions",
      [{"_id": 1, "fruits": ["apples", "pears", "oranges", "grapes", "bananas"],
        "vegetables": ["carrots", "celery", "squash", "carrots"]}], {"_id": 1},
      {"$pull": {"fruits": {"$in": ["apples", "oranges"]}, "vegetables": "carrots"}},
      [{"_id": 1, "fruits": ["pears", "grapes", "bananas"], "vegetables": ["celery", "squash"]}]),
    C("pull-condition", [{"_id": 1, "votes": [3, 5, 6, 7, 7, 8]}], {"_id": 1}, {"$pull": {"votes": {"$gte": 6}}},
      [{"_id": 1, "votes": [3, 5]}]),
    C("pull-documents-by-query", [{"_id": 1, "results": [{"item": "A", "score": 5}, {"item": "B", "score": 8}]}],
      {"_id": 1}, {"$pull": {"results": {"score": 8, "item": "B"}}},
      [{"_id": 1, "results": [{"item": "A", "score": 5}]}]),
    C("pull-nested-elem-match", [{"_id": 1, "results": RESULTS}], {"_id": 1},
      {"$pull": {"results": {"answers": {"$elemMatch": {"q": 2, "a": {"$gte": 8}}}}}},
      [{"_id": 1, "results": [RESULTS[0]]}]),
    C("pull-array-value", [{"_id": 1, "a": [[1, 2], [3]]}], {"_id": 1}, {"$pull": {"a": [1, 2]}},
      [{"_id": 1, "a": [[3]]}]),
    C("pull-nothing-noop", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$pull": {"a": 5}}, [{"_id": 1, "a": [1]}],
      modified=0),
    C("pull-multi", [{"_id": 1, "a": [1, 2]}, {"_id": 2, "a": [2, 3]}], {}, {"$pull": {"a": 2}},
      [{"_id": 1, "a": [1]}, {"_id": 2, "a": [3]}], multi=True, modified=2),
    E("pull-non-array", [{"_id": 1, "a": 1}], {"_id": 1}, {"$pull": {"a": 1}}, 2),
    # $pullAll
    C("pull-all", [{"_id": 1, "scores": [0, 2, 5, 5, 1, 0]}], {"_id": 1}, {"$pullAll": {"scores": [0, 5]}},
      [{"_id": 1, "scores": [2, 1]}]),
    E("pull-all-argument-not-array", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$pullAll": {"a": 1}}, 2),
    # $bit
    C("bit-and", [{"_id": 1, "expdata": 13}], {"_id": 1}, {"$bit": {"expdata": {"and": 10}}},
      [{"_id": 1, "expdata": 8}]),
    C("bit-or", [{"_id": 2, "expdata": 3}], {"_id": 2}, {"$bit": {"expdata": {"or": 5}}}, [{"_id": 2, "expdata": 7}]),
    C("bit-xor", [{"_id": 3, "expdata": 1}], {"_id": 3}, {"$bit": {"expdata": {"xor": 5}}},
      [{"_id": 3, "expdata": 4}]),
    C("bit-long-operand", [{"_id": 1, "a": 1}], {"_id": 1}, {"$bit": {"a": {"or": Int64(2)}}}, [{"_id": 1, "a": 3}],
      types={"a": "long"}),
    C("bit-missing-field", ONE, {"_id": 1}, {"$bit": {"a": {"or": 6}}}, [{"_id": 1, "a": 6}]),
    E("bit-non-integer-operand", [{"_id": 1, "a": 1}], {"_id": 1}, {"$bit": {"a": {"and": 1.5}}}, 2),
    E("bit-unknown-operation", [{"_id": 1, "a": 1}], {"_id": 1}, {"$bit": {"a": {"nand": 1}}}, 2),
    E("bit-non-integer-field", [{"_id": 1, "a": 1.5}], {"_id": 1}, {"$bit": {"a": {"and": 1}}}, 2),
    # positional $
    C("positional-array-value", [{"_id": 1, "grades": [85, 80, 80]}], {"_id": 1, "grades": 80},
      {"$set": {"grades.$": 82}}, [{"_id": 1, "grades": [85, 82, 80]}]),
    C("positional-embedded-document", [{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                                             {"grade": 85, "mean": 90, "std": 5},
                                                             {"grade": 85, "mean": 85, "std": 8}]}],
      {"_id": 4, "grades.grade": 85}, {"$set": {"grades.$.std": 6}},
      [{"_id": 4, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 85, "mean": 90, "std": 6},
                             {"grade": 85, "mean": 85, "std": 8}]}]),
    C("positional-elem-match", [{"_id": 5, "grades": [{"grade": 80, "mean": 75, "std": 8},
                                                      {"grade": 85, "mean": 90, "std": 5},
                                                      {"grade": 90, "mean": 85, "std": 3}]}],
      {"_id": 5, "grades": {"$elemMatch": {"grade": {"$lte": 90}, "mean": {"$gt": 80}}}},
      {"$set": {"grades.$.grade": 18}},
      [{"_id": 5, "grades": [{"grade": 80, "mean": 75, "std": 8}, {"grade": 18, "mean": 90, "std": 5},
                             {"grade": 90, "mean": 85, "std": 3}]}]),
    C("positional-inc", [{"_id": 1, "a": [1, 2, 3]}], {"a": {"$gt": 1}}, {"$inc": {"a.$": 10}},
      [{"_id": 1, "a": [1, 12, 3]}]),
    C("positional-push-into-nested", [{"_id": 1, "a": [{"k": 1, "v": []}, {"k": 2, "v": []}]}], {"a.k": 2},
      {"$push": {"a.$.v": "x"}}, [{"_id": 1, "a": [{"k": 1, "v": []}, {"k": 2, "v": ["x"]}]}]),
    E("positional-without-array-match", [{"_id": 1, "a": [1]}], {"_id": 1}, {"$set": {"a.$": 2}}, 2),
    E("positional-in-first-position", [{"_id": 1}], {"_id": 1}, {"$set": {"$.a": 2}}, 2),
    E("positional-twice", [{"_id": 1, "a": [[1]]}], {"a": 1}, {"$set": {"a.$.$": 2}}, 2),
    E("positional-on-upsert", [], {"a": 1}, {"$set": {"a.$": 2}}, 2, upsert=True),
    # all positional $[]
    C("all-positional-inc", [{"_id": 1, "grades": [85, 82, 80]}, {"_id": 2, "grades": [88, 90, 92]}], {},
      {"$inc": {"grades.$[]": 10}}, [{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 102]}],
      multi=True),
    C("all-positional-embedded", [{"_id": 1, "grades": [{"grade": 80, "std": 8}, {"grade": 85, "std": 6}]}], {},
      {"$inc": {"grades.$[].std": -2}}, [{"_id": 1, "grades": [{"grade": 80, "std": 6}, {"grade": 85, "std": 4}]}]),
    C("all-positional-nested-push", [{"_id": 1, "a": [[1], [2]]}], {"_id": 1}, {"$push": {"a.$[]": 3}},
      [{"_id": 1, "a": [[1, 3], [2, 3]]}]),
    C("all-positional-empty-array-noop", [{"_id": 1, "a": []}], {"_id": 1}, {"$set": {"a.$[]": 1}},
      [{"_id": 1, "a": []}], modified=0),
    E("all-positional-non-array", [{"_id": 1, "a": 1}], {"_id": 1}, {"$set": {"a.$[]": 1}}, 2),
    E("all-positional-missing-on-upsert", [], {"_id": 9}, {"$set": {"a.$[]": 1}}, 2, upsert=True),
    # filtered positional $[<identifier>]
    C("filtered-positional", [{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 102]},
                              {"_id": 3, "grades": [95, 110, 100]}], {},
      {"$set": {"grades.$[element]": 100}},
      [{"_id": 1, "grades": [95, 92, 90]}, {"_id": 2, "grades": [98, 100, 100]},
       {"_id": 3, "grades": [95, 100, 100]}], multi=True, array_filters=[{"element": {"$gte": 100}}], modified=2),
    C("filtered-positional-embedded", [{"_id": 1, "grades": GRADES}], {}, {"$set": {"grades.$[elem].mean": 100}},
      [{"_id": 1, "grades": [GRADES[0], _with(GRADES[1], mean=100), _with(GRADES[2], mean=100)]}],
      array_filters=[{"elem.grade": {"$gte": 85}}]),
    C("filtered-positional-two-conditions", [{"_id": 1, "grades": GRADES}], {},
      {"$inc": {"grades.$[elem].std": -1}},
      [{"_id": 1, "grades": [GRADES[0], GRADES[1], _with(GRADES[2], std=5)]}],
      array_filters=[{"elem.grade": {"$gte": 85}, "elem.std": {"$gte": 5}}]),
    C("filtered-positional-negation", [{"_id": 1, "degrees": [{"level": "Master"}, {"level": "Bachelor"}]}], {},
      {"$set": {"degrees.$[degree].gradcampaign": 1}},
      [{"_id": 1, "degrees": [{"level": "Master", "gradcampaign": 1}, {"level": "Bachelor"}]}],
      array_filters=[{"degree.level": {"$ne": "Bachelor"}}]),
    C("filtered-positional-nested", [{"_id": 1, "grades": QUESTIONS}], {},
      {"$inc": {"grades.$[t].questions.$[score]": 2}},
      [{"_id": 1, "grades": [{"type": "quiz", "questions": [12, 10, 5]}, {"type": "quiz", "questions": [10, 11, 6]},
                             QUESTIONS[2], QUESTIONS[3]]}],
      array_filters=[{"t.type": "quiz"}, {"score": {"$gte": 8}}]),
    C("filtered-positional-with-all-positional", [{"_id": 1, "a": [{"b": [1, 5]}, {"b": [6]}]}], {},
      {"$set": {"a.$[].b.$[big]": 0}}, [{"_id": 1, "a": [{"b": [1, 0]}, {"b": [0]}]}],
      array_filters=[{"big": {"$gt": 4}}]),
    C("filtered-positional-no-match-noop", [{"_id": 1, "a": [1, 2]}], {}, {"$set": {"a.$[x]": 0}},
      [{"_id": 1, "a": [1, 2]}], array_filters=[{"x": {"$gt": 5}}], modified=0),
    C("filtered-positional-or-filter", [{"_id": 1, "a": [1, 5, 9]}], {}, {"$set": {"a.$[x]": 0}},
      [{"_id": 1, "a": [0, 5, 0]}], array_filters=[{"$or": [{"x": 1}, {"x": 9}]}]),
    E("filtered-positional-unused-filter", [{"_id": 1, "a": [1]}], {}, {"$set": {"a": 1}}, 9,
      array_filters=[{"x": 1}]),
    E("filtered-positional-missing-filter", [{"_id": 1, "a": [1]}], {}, {"$set": {"a.$[x]": 1}}, 2),
    E("filtered-positional-bad-identifier", [{"_id": 1, "a": [1]}], {}, {"$set": {"a.$[X]": 1}}, 2,
      array_filters=[{"X": 1}]),
    E("filtered-positional-duplicate-identifier", [{"_id": 1, "a": [1]}], {}, {"$set": {"a.$[x]": 1}}, 9,
      array_filters=[{"x": 1}, {"x": 2}]),
    E("filtered-positional-two-names", [{"_id": 1, "a": [1]}], {}, {"$set": {"a.$[x]": 1}}, 9,
      array_filters=[{"x": 1, "y": 1}]),
    E("filtered-positional-same-element-conflict", [{"_id": 1, "a": [0]}], {}, {"$set": {"a.$[i]": 2, "a.$[j]": 3}},
      40, array_filters=[{"i": 0}, {"j": 0}]),
    # replacement
    C("replace-keeps-id", [{"_id": 1, "a": 1, "b": 2}], {"_id": 1}, {"c": 3, "a": 4}, [{"_id": 1, "c": 3, "a": 4}]),
    C("replace-with-same-id", [{"_id": 1, "a": 1}], {"a": 1}, {"a": 2, "_id": 1}, [{"_id": 1, "a": 2}]),
    C("replace-identical-noop", [{"_id": 1, "a": 1}], {"_id": 1}, {"a": 1}, [{"_id": 1, "a": 1}], modified=0),
    C("replace-empty-document", [{"_id": 1, "a": 1}], {"_id": 1}, {}, [{"_id": 1}]),
    C("replace-upsert-takes-query-id", [], {"_id": 7, "a": 1}, {"b": 2}, [{"_id": 7, "b": 2}], upsert=True),
    C("replace-upsert-ignores-other-equalities", [], {"a": 1}, {"b": 2}, [{"_id": ANY_ID, "b": 2}], upsert=True),
    C("replace-nested-dollar-field-allowed", [{"_id": 1}], {"_id": 1}, {"a": {"$b": 1}}, [{"_id": 1, "a": {"$b": 1}}]),
    E("replace-changes-id", [{"_id": 1, "a": 1}], {"_id": 1}, {"_id": 2, "a": 1}, 66),
    E("replace-top-level-dollar-field", [{"_id": 1}], {"_id": 1}, {"a": 1, "$b": 1}, 52),
    E("replace-multi", [{"_id": 1}], {}, {"a": 1}, 9, multi=True),
    E("replace-id-array", [{"_id": 1}], {"_id": 1}, {"_id": [1]}, 53),
    # aggregation pipeline updates
    C("pipeline-set-expression", [{"_id": 1, "a": 2, "b": 3}], {"_id": 1},
      [{"$set": {"total": {"$add": ["$a", "$b"]}}}], [{"_id": 1, "a": 2, "b": 3, "total": 5}]),
    C("pipeline-unset", [{"_id": 1, "a": 2, "b": 3}], {"_id": 1}, [{"$unset": ["a"]}], [{"_id": 1, "b": 3}]),
    C("pipeline-replace-with-merge", [{"_id": 1, "a": 1}], {"_id": 1},
      [{"$replaceWith": {"$mergeObjects": [{"x": 0, "a": 0}, "$$ROOT"]}}], [{"_id": 1, "x": 0, "a": 1}]),
    C("pipeline-now", [{"_id": 1}], {"_id": 1}, [{"$set": {"modified": "$$NOW"}}], None, types={"modified": "date"}),
    C("pipeline-project", [{"_id": 1, "a": 1, "b": 2}], {"_id": 1}, [{"$project": {"b": 1}}], [{"_id": 1, "b": 2}]),
    C("pipeline-two-stages", [{"_id": 1, "a": 1}], {"_id": 1},
      [{"$set": {"b": "$a"}}, {"$set": {"c": {"$add": ["$b", 1]}}}], [{"_id": 1, "a": 1, "b": 1, "c": 2}]),
    C("pipeline-upsert-from-query", [], {"_id": 7, "a": 1}, [{"$set": {"b": {"$add": ["$a", 1]}}}],
      [{"_id": 7, "a": 1, "b": 2}], upsert=True),
    C("pipeline-let-variable", [{"_id": 1}], {"_id": 1}, [{"$set": {"x": "$$v"}}], [{"_id": 1, "x": 5}],
      let={"v": 5}),
    C("pipeline-noop", [{"_id": 1, "a": 1}], {"_id": 1}, [{"$set": {"a": 1}}], [{"_id": 1, "a": 1}], modified=0),
    E("pipeline-changes-id", [{"_id": 1}], {"_id": 1}, [{"$set": {"_id": 2}}], 66),
    E("pipeline-removes-id", [{"_id": 1}], {"_id": 1}, [{"$unset": "_id"}], 66),
    E("pipeline-disallowed-stage", [{"_id": 1}], {"_id": 1}, [{"$match": {}}], 72),
    E("pipeline-unknown-stage", [{"_id": 1}], {"_id": 1}, [{"$frobnicate": {}}], 40324),
    E("pipeline-with-array-filters", [{"_id": 1}], {"_id": 1}, [{"$set": {"a": 1}}], 9, array_filters=[{"x": 1}]),
    # upserts
    C("upsert-equality-fields", [], {"a": 1, "b.c": 2}, {"$set": {"d": 3}},
      [{"_id": ANY_ID, "a": 1, "b": {"c": 2}, "d": 3}], upsert=True),
    C("upsert-and-equalities", [], {"$and": [{"a": 1}, {"b": {"$eq": 2}}]}, {"$set": {"c": 3}},
      [{"_id": ANY_ID, "a": 1, "b": 2, "c": 3}], upsert=True),
    C("upsert-single-in", [], {"a": {"$in": [5]}}, {"$set": {"b": 1}}, [{"_id": ANY_ID, "a": 5, "b": 1}],
      upsert=True),
    C("upsert-ignores-comparisons", [], {"a": {"$gt": 1}, "b": 2}, {"$inc": {"n": 1}},
      [{"_id": ANY_ID, "b": 2, "n": 1}], upsert=True),
    C("upsert-query-fields-sorted", [], {"b": 1, "a": 1}, {"$set": {"c": 1}},
      [{"_id": ANY_ID, "a": 1, "b": 1, "c": 1}], upsert=True),
    C("upsert-id-from-query-first", [], {"x": 1, "_id": 5}, {"$set": {"y": 1}}, [{"_id": 5, "x": 1, "y": 1}],
      upsert=True),
    C("upsert-set-id", [], {"x": 1}, {"$set": {"_id": 9}}, [{"_id": 9, "x": 1}], upsert=True),
    C("upsert-document-equality", [], {"a": {"b": 1}}, {"$set": {"a.c": 2}}, [{"_id": ANY_ID, "a": {"b": 1, "c": 2}}],
      upsert=True),
    C("upsert-existing-match-updates", [{"_id": 1, "a": 1}], {"a": 1}, {"$set": {"b": 1}}, [{"_id": 1, "a": 1, "b": 1}],
      upsert=True),
    E("upsert-conflicting-query-paths", [], {"a": 1, "a.b": 1}, {"$set": {"c": 1}}, 54, upsert=True),
    E("upsert-with-expr", [], {"$expr": {"$eq": ["$a", 1]}}, {"$set": {"c": 1}}, 224, upsert=True),
    E("upsert-changes-query-id", [], {"_id": 1}, {"$set": {"_id": 2}}, 66, upsert=True),
    # parsing
    C("operators-merged-in-field-order", ONE, {"_id": 1}, {"$set": {"c": 1}, "$inc": {"b": 1}},
      [{"_id": 1, "b": 1, "c": 1}]),
    C("update-no-match-no-upsert", [{"_id": 1}], {"_id": 2}, {"$set": {"a": 1}}, [{"_id": 1}], modified=0),
    E("unknown-modifier", [{"_id": 1}], {"_id": 1}, {"$foo": {"a": 1}}, 9),
    E("modifier-mixed-with-field", [{"_id": 1}], {"_id": 1}, {"$set": {"a": 1}, "b": 2}, 9),
]


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    return shared_mongod.client().conformance_update


def _ordered(value: Any) -> Any:
    """Documents as lists of pairs, so comparisons include field order."""
    if isinstance(value, dict):
        return [(k, _ordered(v)) for k, v in value.items()]
    if isinstance(value, list):
        return [_ordered(v) for v in value]
    return value


@pytest.mark.parametrize("case", CASES, ids=[case.name for case in CASES])
def test_update_case(db: Any, case: Case) -> None:
    coll = db[case.name.replace("-", "_")]
    coll.drop()
    if case.docs:
        coll.insert_many([dict(doc) for doc in case.docs])
    statement: dict[str, Any] = {"q": case.q, "u": case.u, "multi": case.multi, "upsert": case.upsert}
    if case.array_filters is not None:
        statement["arrayFilters"] = case.array_filters
    options: dict[str, Any] = {"let": case.let} if case.let else {}
    reply = db.command("update", coll.name, updates=[statement], **options)
    if case.error is not None:
        assert [e["code"] for e in reply.get("writeErrors", [])] == [case.error], reply
        assert _ordered(list(coll.find().sort("_id", 1))) == _ordered([dict(d) for d in case.docs])
        return
    assert "writeErrors" not in reply, reply
    if case.modified is not None:
        assert reply["nModified"] == case.modified, reply
    after = list(coll.find().sort("_id", pymongo.ASCENDING))
    if case.expect is not None:
        expect = case.expect
        if any(doc.get("_id") is ANY_ID for doc in expect):
            assert [doc["_id"] for doc in reply.get("upserted", [])] == [after[0]["_id"]]
            expect = [{**doc, "_id": after[0]["_id"]} if doc.get("_id") is ANY_ID else doc for doc in expect]
        assert _ordered(after) == _ordered(expect)
    for path, bson_type in case.types.items():
        assert coll.count_documents({path: {"$type": bson_type}}) == 1, (path, bson_type, after)


def test_suite_is_large_enough() -> None:
    assert len(CASES) >= 150
