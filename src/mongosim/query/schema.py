"""``$jsonSchema`` matching: the JSON Schema draft 4 subset MongoDB supports, with ``bsonType``.

As in the server, type-specific keywords (minimum, minLength, items, properties...) only constrain values of
their type, and a property's schema only applies when the property is present.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from mongosim.errors import CommandError
from mongosim.query.compare import RANK_NUMBER, TYPE_ALIASES, bson_type, number_value, order_key, type_rank

Check = Callable[[Any], bool]
_JSON_TYPES = {"object": {3}, "array": {4}, "number": {1, 16, 18, 19}, "boolean": {8}, "string": {2},
               "null": {10}}
_KNOWN = frozenset({"bsonType", "type", "required", "properties", "additionalProperties", "patternProperties",
                    "minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "minLength", "maxLength",
                    "pattern", "enum", "items", "additionalItems", "minItems", "maxItems", "uniqueItems",
                    "minProperties", "maxProperties", "allOf", "anyOf", "oneOf", "not", "multipleOf",
                    "dependencies", "title", "description", "encrypt", "encryptMetadata"})


def schema_predicate(schema: dict[str, Any]) -> Callable[[Any], bool]:
    return _compile(schema)


def _codes(spec: Any, keyword: str) -> set[int]:
    codes: set[int] = set()
    for name in spec if isinstance(spec, list) else [spec]:
        if keyword == "type":
            if name not in _JSON_TYPES:
                raise CommandError("BadValue", f"Unknown type name alias: {name}")
            codes |= _JSON_TYPES[name]
        elif name == "number":
            codes |= {1, 16, 18, 19}
        elif name in TYPE_ALIASES:
            codes.add(TYPE_ALIASES[name])
        else:
            raise CommandError("BadValue", f"Unknown type name alias: {name}")
    return codes


def _is_num(value: Any) -> bool:
    return type_rank(value) == RANK_NUMBER and not isinstance(value, bool)


def _compile(schema: Any) -> Check:
    if not isinstance(schema, dict):
        raise CommandError("TypeMismatch", "$jsonSchema keyword 'properties' must be an object")
    checks: list[Check] = []
    for keyword, spec in schema.items():
        if keyword not in _KNOWN:
            raise CommandError("FailedToParse", f"Unknown $jsonSchema keyword: {keyword}")
        check = _keyword(schema, keyword, spec)
        if check is not None:
            checks.append(check)
    return lambda v: all(c(v) for c in checks)


def _bounded(spec: Any, kind: type, lower: bool) -> Check:
    limit = int(number_value(spec))

    def run(v: Any) -> bool:
        if not isinstance(v, kind):
            return True
        size = len(v)  # type: ignore[arg-type]  # kind is str, list or dict
        return size >= limit if lower else size <= limit
    return run


def _range(bound: Any, exclusive: bool, lower: bool) -> Check:
    def run(v: Any) -> bool:
        if not _is_num(v):
            return True
        n = number_value(v)
        if lower:
            return bool(n > bound if exclusive else n >= bound)
        return bool(n < bound if exclusive else n <= bound)
    return run


def _keyword(schema: dict[str, Any], keyword: str, spec: Any) -> Check | None:
    """The check one keyword adds (None for annotations such as title and description)."""
    if keyword in ("bsonType", "type"):
        codes = _codes(spec, keyword)
        return lambda v: bson_type(v) in codes
    if keyword == "required":
        names = list(spec)
        return lambda v: not isinstance(v, dict) or all(n in v for n in names)
    if keyword == "properties":
        props = {name: _compile(sub) for name, sub in spec.items()}
        return lambda v: not isinstance(v, dict) or all(chk(v[name]) for name, chk in props.items() if name in v)
    if keyword == "patternProperties":
        patterns = [(re.compile(p), _compile(sub)) for p, sub in spec.items()]
        return lambda v: not isinstance(v, dict) or all(
            chk(val) for key, val in v.items() for rx, chk in patterns if rx.search(key))
    if keyword == "additionalProperties":
        return _additional(schema, spec)
    if keyword in ("minimum", "maximum"):
        exclusive = bool(schema.get("exclusiveMinimum" if keyword == "minimum" else "exclusiveMaximum"))
        return _range(number_value(spec), exclusive, keyword == "minimum")
    if keyword in ("minLength", "maxLength"):
        return _bounded(spec, str, keyword == "minLength")
    if keyword in ("minItems", "maxItems"):
        return _bounded(spec, list, keyword == "minItems")
    if keyword in ("minProperties", "maxProperties"):
        return _bounded(spec, dict, keyword == "minProperties")
    if keyword == "pattern":
        rx = re.compile(spec)
        return lambda v: not isinstance(v, str) or rx.search(v) is not None
    if keyword == "enum":
        keys = [order_key(e) for e in spec]
        return lambda v: order_key(v) in keys
    if keyword == "items":
        if isinstance(spec, list):
            item_checks = [_compile(s) for s in spec]
            return lambda v: not isinstance(v, list) or all(
                chk(e) for chk, e in zip(item_checks, v, strict=False))
        item = _compile(spec)
        return lambda v: not isinstance(v, list) or all(item(e) for e in v)
    if keyword == "uniqueItems":
        if not spec:
            return None
        return lambda v: not isinstance(v, list) or len({order_key(e) for e in v}) == len(v)
    if keyword in ("allOf", "anyOf", "oneOf"):
        subs = [_compile(s) for s in spec]
        if keyword == "allOf":
            return lambda v: all(sub(v) for sub in subs)
        if keyword == "anyOf":
            return lambda v: any(sub(v) for sub in subs)
        return lambda v: sum(1 for sub in subs if sub(v)) == 1
    if keyword == "not":
        negated = _compile(spec)
        return lambda v: not negated(v)
    if keyword == "multipleOf":
        divisor = number_value(spec)
        return lambda v: not _is_num(v) or number_value(v) % divisor == 0
    return None


def _additional(schema: dict[str, Any], spec: Any) -> Check:
    known = set(schema.get("properties", {}))
    patterns = [re.compile(p) for p in schema.get("patternProperties", {})]
    extra = _compile(spec) if isinstance(spec, dict) else None

    def run(v: Any) -> bool:
        if not isinstance(v, dict):
            return True
        for key, value in v.items():
            if key in known or any(p.search(key) for p in patterns):
                continue
            if extra is None and not spec:
                return False
            if extra is not None and not extra(value):
                return False
        return True
    return run
