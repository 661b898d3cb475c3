"""The update engine on plain documents: parsing errors with the server's exact messages, SafeNum arithmetic
types, no-op detection, upsert seeds, the positional match, insert preparation and write concern parsing."""

from __future__ import annotations

from typing import Any

import pytest
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.commands.validation import details
from mongosim.commands.writes import prepare_insert
from mongosim.errors import CommandError
from mongosim.query.update import apply_update, parse_update, upsert_document
from mongosim.query.update_paths import positional_match, query_equalities
from mongosim.query.update_values import arithmetic, identical
from mongosim.writeconcern import parse as parse_write_concern


def _apply(doc: dict[str, Any], update: Any, **kwargs: Any) -> dict[str, Any] | None:
    filters = kwargs.pop("array_filters", None)
    return apply_update(parse_update(update, array_filters=filters), doc, **kwargs)


def _error(fn: Any, *args: Any, **kwargs: Any) -> tuple[int, str]:
    with pytest.raises(CommandError) as info:
        fn(*args, **kwargs)
    return info.value.code, info.value.errmsg


@pytest.mark.parametrize(("update", "filters", "code", "message"), [
    ({"$foo": {"a": 1}}, None, 9,
     "Unknown modifier: $foo. Expected a valid update modifier or pipeline-style update specified as an array"),
    ({"$set": 1}, None, 9,
     "Modifiers operate on fields but we found type int instead. For example: {$mod: {<field>: ...}} not {$set: 1}"),
    ({"$set": {"a": 1}, "$inc": {"a": 1}}, None, 40, "Updating the path 'a' would create a conflict at 'a'"),
    ({"$set": {"a.b": 1, "a": 1}}, None, 40, "Updating the path 'a' would create a conflict at 'a'"),
    ({"$inc": {"a": "x"}}, None, 14, 'Cannot increment with non-numeric argument: {a: "x"}'),
    ({"$mul": {"a.b": None}}, None, 14, "Cannot multiply with non-numeric argument: {a.b: null}"),
    ({"$set": {"": 1}}, None, 56, "An empty update path is not valid."),
    ({"$set": {"a..b": 1}}, None, 56, "The update path 'a..b' contains an empty field name, which is not allowed."),
    ({"$set": {"a.$.$": 1}}, None, 2, "Too many positional (i.e. '$') elements found in path 'a.$.$'"),
    ({"$set": {"$.a": 1}}, None, 2, "Cannot have positional (i.e. '$') element in the first position in path '$.a'"),
    ({"$set": {"a.$[x]": 1}}, None, 2, "No array filter found for identifier 'x' in path 'a.$[x]'"),
    ({"$set": {"a": 1}}, [{"x": 1}], 9, "The array filter for identifier 'x' was not used in the update "
                                        "{ $set: { a: 1 } }"),
    ({"$set": {"a.$[x]": 1}}, [{"x": 1}, {"x": 2}], 9,
     "Found multiple array filters with the same top-level field name x"),
    ({"$set": {"a.$[x]": 1}}, [{"x": 1, "y": 1}], 9,
     "Error parsing array filter :: caused by :: Expected a single top-level field name, found 'x' and 'y'"),
    ({"$set": {"a.$[X]": 1}}, [{"X": 1}], 2, "Error parsing array filter :: caused by :: The top-level field "
                                             "name must be an alphanumeric string beginning with a lowercase "
                                             "letter, found 'X'"),
    ({"$rename": {"a": "a"}}, None, 2, 'The source and target field for $rename must differ: a: "a"'),
    ({"$rename": {"a": "a.b"}}, None, 2, 'The source and target field for $rename must not be on the same path: '
                                         'a: "a.b"'),
    ({"$rename": {"a": 5}}, None, 2, "The 'to' field for $rename must be a string: a: 5"),
    ({"$pop": {"a": 2}}, None, 9, "$pop expects 1 or -1, found: 2"),
    ({"$pullAll": {"a": 1}}, None, 2, "$pullAll requires an array argument but was given a int"),
    ({"$push": {"a": {"$each": [1], "$bad": 1}}}, None, 2, "Unrecognized clause in $push: $bad"),
    ({"$currentDate": {"a": "now"}}, None, 2, "string is not valid type for $currentDate. Please use a boolean "
                                              "('true') or a $type expression ({$type: 'timestamp/date'})."),
    ({"$bit": {"a": {"nand": 1}}}, None, 2, "The $bit modifier only supports 'and', 'or', and 'xor', not 'nand' "
                                            "which is an unknown operator: {nand: 1}"),
    ([{"$group": {"_id": 1}}], None, 72, "$group is not allowed to be used within an update"),
    ([{"$set": {"a": 1}}], [{"x": 1}], 9, "arrayFilters may not be specified for pipeline-style updates"),
])
def test_parse_errors(update: Any, filters: Any, code: int, message: str) -> None:
    assert _error(parse_update, update, array_filters=filters) == (code, message)


def test_replacement_with_multi_and_constants() -> None:
    assert _error(parse_update, {"a": 1}, multi=True) == (
        9, "multi update is not supported for replacement-style update")
    assert _error(parse_update, {"$set": {"a": 1}}, constants={"x": 1}) == (
        51198, "Constant values may only be specified for pipeline updates")


@pytest.mark.parametrize(("doc", "update", "code", "message"), [
    ({"_id": 1, "a": "x"}, {"$inc": {"a": 1}},
     14, "Cannot apply $inc to a value of non-numeric type. {_id: 1} has the field 'a' of non-numeric type string"),
    ({"_id": 1, "a": 1}, {"$set": {"a.b": 1}}, 28, "Cannot create field 'b' in element {a: 1}"),
    ({"_id": 1, "a": [{"n": 2.0}]}, {"$set": {"a.n": 1}}, 28, "Cannot create field 'n' in element {a: [ { n: 2.0 } ]}"),
    ({"_id": 1, "a": 1}, {"$push": {"a": 1}}, 2, "The field 'a' must be an array but is of type int in document "
                                                 "{_id: 1}"),
    ({"_id": 1, "a": 1}, {"$addToSet": {"a": 1}}, 2, "Cannot apply $addToSet to non-array field. Field named 'a' "
                                                     "has non-array type int"),
    ({"_id": 1, "a": 1}, {"$pop": {"a": 1}}, 14, "Path 'a' contains an element of non-array type 'int'"),
    ({"_id": 1, "a": 1}, {"$pull": {"a": 1}}, 2, "Cannot apply $pull to a non-array value"),
    ({"_id": 1, "a": 1.5}, {"$bit": {"a": {"and": 1}}}, 2,
     "Cannot apply $bit to a value of non-integral type._id: 1 has the field a of non-integer type double"),
    ({"_id": 1}, {"$set": {"_id": 2}}, 66, "Performing an update on the path '_id' would modify the immutable "
                                           "field '_id'"),
    ({"_id": 1}, {"_id": 2}, 66, "After applying the update, the (immutable) field '_id' was found to have been "
                                 "altered to _id: 2"),
    ({"_id": 1}, {"$set": {"$x": 1}}, 52, "The dollar ($) prefixed field '$x' in '$x' is not allowed in the "
                                          "context of an update's replacement document. Consider using an "
                                          "aggregation pipeline with $replaceWith."),
    ({"_id": 1, "a": [1]}, {"$set": {"a.$": 2}}, 2,
     "The positional operator did not find the match needed from the query."),
    ({"_id": 1, "a": 1}, {"$set": {"a.$[]": 2}}, 2, "Cannot apply array updates to non-array element a: 1"),
    ({"_id": 1, "a": {"b": [1]}}, {"$rename": {"a.b.0": "c"}}, 2,
     "The source field cannot be an array element, 'a.b.0' in doc with _id: 1 has an array field called 'b'"),
    ({"_id": 1, "n": Int64(2**63 - 1)}, {"$inc": {"n": 1}}, 2,
     "Failed to apply $inc operations to current value: (NumberLong)9223372036854775807"),
])
def test_apply_errors(doc: dict[str, Any], update: Any, code: int, message: str) -> None:
    assert _error(_apply, doc, update) == (code, message)


def test_array_filter_conflict_on_the_same_element() -> None:
    assert _error(_apply, {"_id": 1, "a": [0]}, {"$set": {"a.$[i]": 2, "a.$[j]": 3}},
                  array_filters=[{"i": 0}, {"j": 0}]) == (40, "Update created a conflict at 'a.0'")


@pytest.mark.parametrize(("a", "b", "op", "expected"), [
    (1, 2, "add", 3),
    (2**31 - 1, 1, "add", Int64(2**31)),
    (Int64(1), 1, "add", Int64(2)),
    (1, 1.5, "add", 2.5),
    (Decimal128("1.1"), 1, "add", Decimal128("2.1")),
    (0.5, Decimal128("2"), "multiply", Decimal128("1.000000000000000")),
    (Decimal128("1"), 0.1, "add", Decimal128("1.100000000000000")),
    (3, 4, "multiply", 12),
    (2**20, 2**20, "multiply", Int64(2**40)),
])
def test_arithmetic_keeps_server_types(a: Any, b: Any, op: str, expected: Any) -> None:
    result = arithmetic(op, a, b)
    assert identical(result, expected), (result, expected)


def test_noop_updates_return_none() -> None:
    doc = {"_id": 1, "a": 1, "l": [1, 2], "s": {"x": 1}}
    for update in ({"$set": {"a": 1}}, {"$inc": {"a": 0}}, {"$addToSet": {"l": 2}}, {"$pull": {"l": 3}},
                   {"$unset": {"zz": 1}}, {"$min": {"a": 5}}, {"$rename": {"missing": "b"}},
                   {"$set": {"s": {"x": 1}}}, {"a": 1, "l": [1, 2], "s": {"x": 1}}, {"$setOnInsert": {"b": 1}}):
        assert _apply(doc, update) is None, update
    assert doc == {"_id": 1, "a": 1, "l": [1, 2], "s": {"x": 1}}


def test_update_never_mutates_the_stored_document() -> None:
    doc = {"_id": 1, "a": {"b": [1, {"c": 2}]}}
    new = _apply(doc, {"$set": {"a.b.1.c": 3}, "$push": {"a.d": 4}})
    assert new == {"_id": 1, "a": {"b": [1, {"c": 3}], "d": [4]}}
    assert doc == {"_id": 1, "a": {"b": [1, {"c": 2}]}}


def test_new_fields_are_added_in_field_name_order() -> None:
    new = _apply({"_id": 1, "z": 0}, {"$set": {"c": 1, "a.y": 1, "a.x": 1}, "$inc": {"b": 1}})
    assert new is not None
    assert list(new) == ["_id", "z", "a", "b", "c"] and list(new["a"]) == ["x", "y"]


def test_upsert_document_from_query() -> None:
    doc = upsert_document(parse_update({"$set": {"x": 1}}), {"b": 1, "a.c": {"$eq": 2}, "$and": [{"d": 3}],
                                                             "e": {"$gt": 4}, "f": {"$in": [6]}})
    assert list(doc) == ["_id", "a", "b", "d", "f", "x"] and isinstance(doc["_id"], ObjectId)
    assert doc["a"] == {"c": 2}
    replaced = upsert_document(parse_update({"y": 1}), {"_id": 3, "k": 1})
    assert replaced == {"_id": 3, "y": 1}


@pytest.mark.parametrize(("query", "message"), [
    ({"a": 1, "a.b": 2}, "cannot infer query fields to set, both paths 'a.b' and 'a' are matched"),
    ({"$and": [{"a": 1}, {"a": 2}]}, "cannot infer query fields to set, path 'a' is matched twice"),
])
def test_upsert_query_conflicts(query: dict[str, Any], message: str) -> None:
    assert _error(query_equalities, query) == (54, message)


@pytest.mark.parametrize(("query", "doc", "expected"), [
    ({"a": 2}, {"a": [1, 2, 3]}, "1"),
    ({"a.b": 5}, {"a": [{"b": 1}, {"b": 5}]}, "1"),
    ({"a": {"$elemMatch": {"x": 1, "y": 2}}}, {"a": [{"x": 1}, {"x": 1, "y": 2}]}, "1"),
    ({"$and": [{"k": 1}, {"a": {"$gt": 1}}]}, {"k": 1, "a": [0, 5]}, "1"),
    ({"a": 1}, {"a": 1}, None),
])
def test_positional_match(query: dict[str, Any], doc: dict[str, Any], expected: str | None) -> None:
    assert positional_match(query, doc) == expected


def test_prepare_insert() -> None:
    doc = prepare_insert({"a": 1, "_id": 2, "t": Timestamp(0, 0)})
    assert list(doc) == ["_id", "a", "t"] and doc["t"].time > 0
    generated = prepare_insert({"a": 1})
    assert list(generated) == ["_id", "a"] and isinstance(generated["_id"], ObjectId)
    deep: dict[str, Any] = {"x": 1}
    for _ in range(100):
        deep = {"n": deep}
    assert _error(prepare_insert, deep) == (15, "cannot insert document because it exceeds 100 levels of nesting")
    big = {"s": "x" * (16 * 1024 * 1024)}
    assert _error(prepare_insert, big)[0] == 2
    assert _error(prepare_insert, {"_id": [1]}) == (53, "The '_id' value cannot be of type array")


@pytest.mark.parametrize(("spec", "expected"), [
    ({}, {"w": 1, "wtimeout": 0, "provenance": "implicitDefault"}),
    ({"w": "majority", "j": True, "wtimeout": 500}, {"w": "majority", "j": True, "wtimeout": 500,
                                                      "provenance": "clientSupplied"}),
    ({"w": 0}, {"w": 0, "wtimeout": 0, "provenance": "clientSupplied"}),
])
def test_write_concern_parse(spec: dict[str, Any], expected: dict[str, Any]) -> None:
    assert parse_write_concern({"writeConcern": spec}).to_document() == expected


def test_write_concern_parse_errors() -> None:
    assert _error(parse_write_concern, {"writeConcern": 1}) == (
        14, '"writeConcern" had the wrong type. Expected object, found int')
    assert _error(parse_write_concern, {"writeConcern": {"w": 51}}) == (
        9, "w has to be a non-negative number and not greater than 50")
    assert _error(parse_write_concern, {"writeConcern": {"x": 1}}) == (
        40415, "BSON field 'writeConcern.x' is an unknown field.")


def test_validation_details() -> None:
    assert details({"a": {"$gt": 5}, "b": {"$type": "string"}}, {"_id": 1, "a": 9, "b": 2}) == {
        "operatorName": "$and", "clausesNotSatisfied": [{"index": 1, "details": {
            "operatorName": "$type", "specifiedAs": {"b": {"$type": "string"}}, "reason": "type did not match",
            "consideredValue": 2, "consideredType": "int"}}]}
    assert details({"$jsonSchema": {"required": ["name"]}}, {"_id": 1}) == {
        "operatorName": "$jsonSchema", "schemaRulesNotSatisfied": [
            {"operatorName": "required", "specifiedAs": {"required": ["name"]}, "missingProperties": ["name"]}]}
    assert details({"a": 1}, {"_id": 1}) == {"operatorName": "$eq", "specifiedAs": {"a": 1},
                                              "reason": "field was missing"}
