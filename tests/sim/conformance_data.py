"""Data sets for the query conformance suite, taken from the MongoDB manual's examples where it has them."""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex

OID = ObjectId("5f0c2d3e4a5b6c7d8e9f0a1b")

# "Query an Array" (manual: tutorial/query-arrays).
INVENTORY_ARRAYS: list[dict[str, Any]] = [
    {"_id": 1, "item": "journal", "qty": 25, "tags": ["blank", "red"], "dim_cm": [14, 21]},
    {"_id": 2, "item": "notebook", "qty": 50, "tags": ["red", "blank"], "dim_cm": [14, 21]},
    {"_id": 3, "item": "paper", "qty": 100, "tags": ["red", "blank", "plain"], "dim_cm": [14, 21]},
    {"_id": 4, "item": "planner", "qty": 75, "tags": ["blank", "red"], "dim_cm": [22.85, 30]},
    {"_id": 5, "item": "postcard", "qty": 45, "tags": ["blue"], "dim_cm": [10, 15.25]},
]

# "Query an Array of Embedded Documents" (manual: tutorial/query-array-of-documents).
INVENTORY_INSTOCK: list[dict[str, Any]] = [
    {"_id": 1, "item": "journal", "instock": [{"warehouse": "A", "qty": 5}, {"warehouse": "C", "qty": 15}]},
    {"_id": 2, "item": "notebook", "instock": [{"warehouse": "C", "qty": 5}]},
    {"_id": 3, "item": "paper", "instock": [{"warehouse": "A", "qty": 60}, {"warehouse": "B", "qty": 15}]},
    {"_id": 4, "item": "planner", "instock": [{"warehouse": "A", "qty": 40}, {"warehouse": "B", "qty": 5}]},
    {"_id": 5, "item": "postcard", "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]},
]

# "Query on Embedded/Nested Documents" (manual: tutorial/query-embedded-documents).
INVENTORY_NESTED: list[dict[str, Any]] = [
    {"_id": 1, "item": "journal", "qty": 25, "size": {"h": 14, "w": 21, "uom": "cm"}, "status": "A"},
    {"_id": 2, "item": "notebook", "qty": 50, "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "A"},
    {"_id": 3, "item": "paper", "qty": 100, "size": {"h": 8.5, "w": 11, "uom": "in"}, "status": "D"},
    {"_id": 4, "item": "planner", "qty": 75, "size": {"h": 22.85, "w": 30, "uom": "cm"}, "status": "D"},
    {"_id": 5, "item": "postcard", "qty": 45, "size": {"h": 10, "w": 15.25, "uom": "cm"}, "status": "A"},
]

# "Query for Null or Missing Fields" (manual: tutorial/query-for-null-fields).
NULLS: list[dict[str, Any]] = [{"_id": 1, "item": None}, {"_id": 2}]

# One field holding a value of every BSON type family, for type bracketing and ordering.
MIXED: list[dict[str, Any]] = [
    {"_id": 1, "a": 1},
    {"_id": 2, "a": 2.5},
    {"_id": 3, "a": Int64(3)},
    {"_id": 4, "a": Decimal128("4")},
    {"_id": 5, "a": "1"},
    {"_id": 6, "a": None},
    {"_id": 7},
    {"_id": 8, "a": [1, 5]},
    {"_id": 9, "a": []},
    {"_id": 10, "a": {"b": 1}},
    {"_id": 11, "a": True},
    {"_id": 12, "a": dt.datetime(2020, 1, 1)},
    {"_id": 13, "a": OID},
    {"_id": 14, "a": [[1, 2]]},
    {"_id": 15, "a": "abc"},
    {"_id": 16, "a": False},
    {"_id": 17, "a": Regex("^x", "i")},
    {"_id": 18, "a": b"\x01\x02"},
]

# $mod, $bits*: the manual's examples.
MOD_INVENTORY: list[dict[str, Any]] = [
    {"_id": 1, "item": "abc123", "qty": 0},
    {"_id": 2, "item": "xyz123", "qty": 5},
    {"_id": 3, "item": "ijk123", "qty": 12},
]
BITS: list[dict[str, Any]] = [
    {"_id": 1, "a": 54, "binaryValueofA": "00110110"},
    {"_id": 2, "a": 20, "binaryValueofA": "00010100"},
    {"_id": 3, "a": 20.0, "binaryValueofA": "00010100"},
    {"_id": 4, "a": b"\x66", "binaryValueofA": "01100110"},
]

# Aggregation examples (manual: $group, $unwind, $bucket, $lookup pages).
SALES: list[dict[str, Any]] = [
    {"_id": 1, "item": "abc", "price": Decimal128("10"), "quantity": Int64(2), "date": dt.datetime(2014, 3, 1, 8)},
    {"_id": 2, "item": "jkl", "price": Decimal128("20"), "quantity": Int64(1), "date": dt.datetime(2014, 3, 1, 9)},
    {"_id": 3, "item": "xyz", "price": Decimal128("5"), "quantity": Int64(10), "date": dt.datetime(2014, 3, 15, 9)},
    {"_id": 4, "item": "xyz", "price": Decimal128("5"), "quantity": Int64(20), "date": dt.datetime(2014, 4, 4, 11)},
    {"_id": 5, "item": "abc", "price": Decimal128("10"), "quantity": Int64(10), "date": dt.datetime(2014, 4, 4, 21)},
    {"_id": 6, "item": "def", "price": Decimal128("7.5"), "quantity": Int64(5), "date": dt.datetime(2015, 6, 4, 5)},
    {"_id": 7, "item": "def", "price": Decimal128("7.5"), "quantity": Int64(10), "date": dt.datetime(2015, 9, 10, 8)},
    {"_id": 8, "item": "abc", "price": Decimal128("10"), "quantity": Int64(5), "date": dt.datetime(2016, 2, 6, 20)},
]
SCORES: list[dict[str, Any]] = [
    {"_id": 1, "name": "a", "score": 10, "tags": ["x", "y"], "group": "g1"},
    {"_id": 2, "name": "b", "score": 20, "tags": ["y"], "group": "g1"},
    {"_id": 3, "name": "c", "score": 30, "tags": [], "group": "g2"},
    {"_id": 4, "name": "d", "score": 40, "group": "g2"},
    {"_id": 5, "name": "e", "score": None, "tags": None, "group": "g3"},
]
ORDERS: list[dict[str, Any]] = [
    {"_id": 1, "item": "almonds", "price": 12, "quantity": 2},
    {"_id": 2, "item": "pecans", "price": 20, "quantity": 1},
    {"_id": 3},
]
INVENTORY_LOOKUP: list[dict[str, Any]] = [
    {"_id": 1, "sku": "almonds", "description": "product 1", "instock": 120},
    {"_id": 2, "sku": "bread", "description": "product 2", "instock": 80},
    {"_id": 3, "sku": "cashews", "description": "product 3", "instock": 60},
    {"_id": 4, "sku": "pecans", "description": "product 4", "instock": 70},
    {"_id": 5, "sku": None, "description": "Incomplete"},
    {"_id": 6},
]

# $graphLookup (manual example: employees reporting hierarchy).
EMPLOYEES: list[dict[str, Any]] = [
    {"_id": 1, "name": "Dev"},
    {"_id": 2, "name": "Eliot", "reportsTo": "Dev"},
    {"_id": 3, "name": "Ron", "reportsTo": "Eliot"},
    {"_id": 4, "name": "Andrew", "reportsTo": "Eliot"},
    {"_id": 5, "name": "Asya", "reportsTo": "Ron"},
    {"_id": 6, "name": "Dan", "reportsTo": "Andrew"},
]

# Find projections (manual: tutorial/project-fields-from-query-results).
PROJECT_INVENTORY: list[dict[str, Any]] = [
    {"_id": 1, "item": "journal", "status": "A", "size": {"h": 14, "w": 21, "uom": "cm"},
     "instock": [{"warehouse": "A", "qty": 5}]},
    {"_id": 2, "item": "postcard", "status": "A", "size": {"h": 10, "w": 15.25, "uom": "cm"},
     "instock": [{"warehouse": "B", "qty": 15}, {"warehouse": "C", "qty": 35}]},
]

DATASETS: dict[str, list[dict[str, Any]]] = {
    "arrays": INVENTORY_ARRAYS, "instock": INVENTORY_INSTOCK, "nested": INVENTORY_NESTED, "nulls": NULLS,
    "mixed": MIXED, "mod": MOD_INVENTORY, "bits": BITS, "sales": SALES, "scores": SCORES, "orders": ORDERS,
    "inventory": INVENTORY_LOOKUP, "employees": EMPLOYEES, "project": PROJECT_INVENTORY,
}
