"""Index specifications: validation with the server's messages, and the normalized form listIndexes returns.

``validate_spec(spec)`` follows ``index_key_validate::validateIndexSpec`` (errors wrapped in "Error in specification
... :: caused by :: ..." as createIndexes reports them), then the _id / reserved-name checks and the TTL checks.
``normalize_spec(spec)`` lays the spec out as ``IndexCatalogImpl::_fixIndexSpec`` does: ``v``, ``unique`` /
``hidden`` / ``prepareUnique`` when true, ``key``, ``name``, then the remaining options in the order given.
``comparison(a, b)`` is ``IndexDescriptor::compareIndexOptions``: "different", "equivalent" or "identical".
"""

from __future__ import annotations

import math
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.storage.keys import id_key, render

ALLOWED_FIELDS = frozenset({
    "background", "unique", "sparse", "expireAfterSeconds", "hidden", "storageEngine", "weights",
    "default_language", "language_override", "textIndexVersion", "2dsphereIndexVersion", "bits", "min", "max",
    "collation", "partialFilterExpression", "wildcardProjection", "originalSpec", "clustered", "prepareUnique",
    "coarsestIndexedLevel", "finestIndexedLevel", "dropDups", "v", "key", "name", "ns",
})
_BOOL_FIELDS = ("background", "unique", "sparse", "dropDups", "prepareUnique", "clustered")
KNOWN_PLUGINS = frozenset({"hashed", "2d", "2dsphere", "text", "geoHaystack", "columnstore"})
SUPPORTED_PLUGINS = frozenset({"", "hashed"})
_ID_FIELDS = frozenset({"collation", "name", "v", "key", "ns", "_id"})
# Options that do not make two indexes different (compared only for "identical").
_NOT_COMPARED = frozenset({"key", "ns", "name", "v", "textIndexVersion", "2dsphereIndexVersion", "background",
                           "dropDups", "collation", "partialFilterExpression", "unique", "sparse",
                           "wildcardProjection"})
_COLLATION_DEFAULTS = (("caseLevel", False), ("caseFirst", "off"), ("strength", 3), ("numericOrdering", False),
                       ("alternate", "non-ignorable"), ("maxVariable", "punct"), ("normalization", False),
                       ("backwards", False), ("version", "57.1"))
_PARTIAL_OPERATORS = frozenset({"$eq", "$exists", "$gt", "$gte", "$lt", "$lte", "$type", "$in"})


def type_name(value: Any) -> str:
    """BSON type names as the server spells them in messages."""
    from mongosim.storage import keys

    if isinstance(value, bool):
        return "bool"
    if isinstance(value, float):
        return "double"
    if isinstance(value, int):
        return "int" if -(2**31) <= value < 2**31 and not isinstance(value, Int64) else "long"
    if isinstance(value, Decimal128):
        return "decimal"
    names = {keys.NULL: "null", keys.STRING: "string", keys.OBJECT: "object", keys.ARRAY: "array",
             keys.BINDATA: "binData", keys.OBJECTID: "objectId", keys.DATE: "date", keys.TIMESTAMP: "timestamp",
             keys.REGEX: "regex", keys.MINKEY: "minKey", keys.MAXKEY: "maxKey", keys.CODE: "javascript",
             keys.UNDEF: "undefined"}
    return names.get(keys.canonical_type(value), "object")


def _number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, Decimal128):
        return float(value.to_decimal())
    if isinstance(value, Decimal):
        return float(value)
    return None


def plugin_name(key: dict[str, Any]) -> str:
    for value in key.values():
        if isinstance(value, str):
            return value
    return ""


def _validate_key_pattern(key: dict[str, Any]) -> None:
    fail = "CannotCreateIndex"
    if not key:
        raise CommandError(fail, "Index keys cannot be empty.")
    plugin = plugin_name(key)
    if plugin and plugin not in KNOWN_PLUGINS and plugin != "wildcard":
        raise CommandError(fail, f"Unknown index plugin '{plugin}'")
    for field, value in key.items():
        number = _number(value)
        if number is not None:
            if math.isnan(number):
                raise CommandError(fail, "Values in the index key pattern cannot be NaN.")
            if number == 0.0:
                raise CommandError(fail, "Values in the index key pattern cannot be 0.")
        elif not isinstance(value, str):
            raise CommandError(fail, f"Values in v:2 index key pattern cannot be of type {type_name(value)}. Only "
                               "numbers > 0, numbers < 0, and strings are allowed.")
        if isinstance(value, str) and value != plugin:
            raise CommandError(fail, "Can't use more than one index plugin for a single index.")
        if field == "":
            raise CommandError(fail, "Index keys cannot be an empty field.")
        if field == "_fts" and value != "text":
            raise CommandError(fail, "Index key contains an illegal field name: '_fts'")
        parts = field.split(".")
        for position, part in enumerate(parts):
            if part == "":
                raise CommandError(fail, "Index keys cannot contain an empty field.")
            dbref = position > 0 and part in ("$db", "$id", "$ref")
            if part.startswith("$") and not dbref and not (part == "$**" and position == len(parts) - 1):
                raise CommandError(fail, "Index key contains an illegal field name: field name starts with '$'.")
        if isinstance(value, str) and value == "":
            raise CommandError(fail, "Values in the index key pattern cannot be empty strings")


def _validate_fields(spec: dict[str, Any]) -> None:
    for field in spec:
        if field not in ALLOWED_FIELDS:
            raise CommandError("InvalidIndexSpecificationOption", f"The field '{field}' is not valid for an index "
                               f"specification. Specification: {render(spec)}")
    for field, value in spec.items():
        if field == "key":
            if not isinstance(value, dict):
                raise CommandError("TypeMismatch", f"The field 'key' must be an object, but got {type_name(value)}")
            _validate_key_pattern(value)
        elif field == "name" and not isinstance(value, str):
            raise CommandError("TypeMismatch", f"The field 'name' must be a string, but got {type_name(value)}")
        elif field == "hidden" and not isinstance(value, bool):
            # (sic) the server names the wrong field in this message
            raise CommandError("TypeMismatch", f"The field 'name' must be a bool, but got {type_name(value)}")
        elif field == "v":
            number = _number(value)
            if number is None:
                raise CommandError("TypeMismatch", f"The field 'v' must be a number, but got {type_name(value)}")
            if number not in (1.0, 2.0):
                raise CommandError("CannotCreateIndex", f"Invalid index specification {render(spec)}; cannot "
                                   f"create an index with v={int(number)}")
        elif field in ("collation", "partialFilterExpression", "storageEngine"):
            if not isinstance(value, dict):
                raise CommandError("TypeMismatch", f"The field '{field}' must be an object, but got "
                                   f"{type_name(value)}")
            if field == "collation" and not value:
                raise CommandError("BadValue", "The field 'collation' cannot be an empty object.")
        elif field in _BOOL_FIELDS and _number(value) is None and not isinstance(value, bool):
            raise CommandError("TypeMismatch", f"The field '{field} has value {field}: {render(value)}, which is not "
                               "convertible to bool")
    if "key" not in spec:
        raise CommandError("FailedToParse", "The 'key' field is a required property of an index specification")
    if "name" not in spec:
        raise CommandError("FailedToParse", "The 'name' field is a required property of an index specification")
    if "weights" in spec and plugin_name(spec["key"]) != "text":
        raise CommandError("CannotCreateIndex", f"Invalid index specification {render(spec)}; the field 'weights' "
                           "can only be specified with text indexes")
    if spec.get("unique") and spec.get("prepareUnique"):
        raise CommandError("CannotCreateIndex", f"Invalid index specification {render(spec)}; cannot create an "
                           "index with the 'unique' option and the 'prepareUnique' option")


def _validate_ttl(spec: dict[str, Any]) -> None:
    if "expireAfterSeconds" not in spec:
        return
    value = spec["expireAfterSeconds"]
    suffix = f". Index spec: {render(spec)}"
    number = _number(value)
    reason = None
    if number is None:
        reason = f"TTL index 'expireAfterSeconds' option must be numeric, but received a type of '{type_name(value)}"
    elif math.isnan(number):
        reason = "TTL index 'expireAfterSeconds' option must not be NaN"
    elif not -(2**31) <= int(number) < 2**31:
        reason = "TTL index 'expireAfterSeconds' must be within the range of a 32-bit integer"
    elif number < 0:
        reason = "TTL index 'expireAfterSeconds' option cannot be less than 0"
    if reason is not None:
        raise CommandError("CannotCreateIndex", f"{suffix} :: caused by :: {reason}")
    if len(spec["key"]) != 1:
        raise CommandError("CannotCreateIndex", "TTL indexes are single-field indexes, compound indexes do not "
                           f"support TTL. Index spec: {render(spec)}")


def _validate_partial(spec: dict[str, Any]) -> None:
    def check(expr: dict[str, Any], top: bool) -> None:
        for field, cond in expr.items():
            if field in ("$and", "$or") and top and isinstance(cond, list):
                for clause in cond:
                    if isinstance(clause, dict):
                        check(clause, False)
                continue
            if field.startswith("$") or (isinstance(cond, dict) and any(
                    op.startswith("$") and (op not in _PARTIAL_OPERATORS or (op == "$exists" and not cond[op]))
                    for op in cond)):
                raise CommandError("CannotCreateIndex",
                                   f"Expression not supported in partial index: {render({field: cond})}")

    if "partialFilterExpression" in spec:
        if spec.get("sparse"):
            raise CommandError("CannotCreateIndex", 'cannot mix "partialFilterExpression" and "sparse" options')
        check(spec["partialFilterExpression"], True)


def validate_spec(spec: Any, ns_is_system: bool = False) -> dict[str, Any]:
    """Validate one createIndexes spec; returns the normalized spec. Raises CommandError like the server."""
    if not isinstance(spec, dict):
        raise CommandError("TypeMismatch", f"The elements of the 'indexes' array must be objects, but got "
                           f"{type_name(spec)}")
    try:
        _validate_fields(spec)
    except CommandError as exc:
        raise CommandError(exc.code, f"Error in specification {render(spec)} :: caused by :: {exc.errmsg}") from exc
    key = spec["key"]
    if list(key) == ["_id"] and _number(key["_id"]) == 1.0:
        for field in spec:
            if field not in _ID_FIELDS:
                raise CommandError("InvalidIndexSpecificationOption", f"The field '{field}' is not valid for an _id "
                                   f"index specification. Specification: {render(spec)}")
    elif spec["name"] == "_id_":
        raise CommandError("BadValue", "The index name '_id_' is reserved for the _id index, which must have key "
                           f"pattern {{_id: 1}}, found key: {render(key)}")
    elif spec["name"] == "*":
        raise CommandError("BadValue", "The index name '*' is not valid.")
    elif ns_is_system and "hidden" in spec:
        raise CommandError("BadValue", "Can't hide index on system collection")
    plugin = plugin_name(key)
    if plugin not in SUPPORTED_PLUGINS:
        raise CommandError("CannotCreateIndex", f"Index type '{plugin}' is not supported by mongosim")
    if plugin == "hashed":
        hashed = [f for f, v in key.items() if v == "hashed"]
        if len(hashed) > 1:
            raise CommandError(31303, f"A maximum of one index field is allowed to be hashed but found "
                               f"{len(hashed)} for 'key' {render(key)}")
        if spec.get("unique"):
            raise CommandError(16764, "Currently hashed indexes cannot guarantee uniqueness. Use a regular index.")
    _validate_partial(spec)
    _validate_ttl(spec)
    return normalize_spec(spec)


def normalize_spec(spec: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {"v": int(_number(spec.get("v", 2)) or 2)}
    for flag in ("unique", "hidden", "prepareUnique"):
        if spec.get(flag):
            out[flag] = True
    out["key"] = spec["key"]
    out["name"] = spec["name"]
    for field, value in spec.items():
        if field in ("_id", "dropDups", "ns", "v", "unique", "key", "name", "hidden", "prepareUnique"):
            continue
        if field == "collation":
            full = _full_collation(value)
            if full is not None:
                out[field] = full
            continue
        out[field] = value
    return out


def _full_collation(collation: dict[str, Any]) -> dict[str, Any] | None:
    """The collation as the server stores it: every option filled in; "simple" means no collation at all."""
    if collation.get("locale") == "simple":
        return None
    full = {"locale": collation.get("locale")}
    for name, default in _COLLATION_DEFAULTS:
        full[name] = collation.get(name, default)
    return full


def comparison(candidate: dict[str, Any], existing: dict[str, Any]) -> str:
    """How a requested index relates to an existing one: "different", "equivalent" or "identical"."""
    if id_key(candidate["key"]) != id_key(existing["key"]):
        return "different"
    is_id = list(candidate["key"]) == ["_id"]
    for flag in ("unique", "sparse"):
        if (bool(candidate.get(flag)) or (flag == "unique" and is_id)) != \
                (bool(existing.get(flag)) or (flag == "unique" and is_id)):
            return "different"
    for option in ("collation", "partialFilterExpression", "wildcardProjection"):
        if id_key(candidate.get(option)) != id_key(existing.get(option)):
            return "different"
    ours = {k: id_key(v) for k, v in candidate.items() if k not in _NOT_COMPARED}
    theirs = {k: id_key(v) for k, v in existing.items() if k not in _NOT_COMPARED}
    return "identical" if ours == theirs else "equivalent"
