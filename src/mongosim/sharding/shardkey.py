"""Shard key patterns: validating a key, extracting a document's shard key value, and what a filter pins.

A key is ``{field: 1, ...}`` (range) or has one ``"hashed"`` field. A document's value for a field it lacks is
null; arrays are not allowed in shard key fields. For a hashed field the value is the field's 64-bit hash, as
``config.chunks`` bounds hold it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, order_key
from mongosim.query.paths import get_path
from mongosim.storage.hashing import hashed_key

KeyValue = dict[str, Any]
KeyRange = tuple[KeyValue, KeyValue]  # [min, max), as chunk bounds


class ShardKeyPattern:
    def __init__(self, key: dict[str, Any]) -> None:
        if not isinstance(key, dict) or not key:
            raise CommandError("BadValue", "Shard key must be a non-empty object")
        hashed = [field for field, kind in key.items() if kind == "hashed"]
        for field, kind in key.items():
            if kind not in (1, 1.0, "hashed") or isinstance(kind, bool):
                raise CommandError("BadValue", f"Shard key {render_key(key)} can only contain fields with values of "
                                   "1 or 'hashed'")
            if not field or field.startswith("$") or ".." in field or field.endswith("."):
                raise CommandError("BadValue", f"Field {field} of shard key {render_key(key)} is not a valid path")
        if len(hashed) > 1:
            raise CommandError("BadValue", f"Shard key {render_key(key)} can only contain one hashed field")
        self.key = {field: ("hashed" if kind == "hashed" else 1) for field, kind in key.items()}
        self.fields = list(key)
        self.hashed_field = hashed[0] if hashed else None

    @property
    def is_hashed(self) -> bool:
        return self.hashed_field is not None

    def extract(self, doc: dict[str, Any]) -> KeyValue:
        """The document's shard key value; raises ShardKeyNotFound-style errors for arrays."""
        out: KeyValue = {}
        for field in self.fields:
            value = get_path(doc, field)
            if isinstance(value, list):
                raise CommandError("BadValue", f"Shard key cannot contain array values or array descendants "
                                   f"(field: {field})")
            if value is MISSING:
                value = None
            out[field] = hashed_key(value) if field == self.hashed_field else value
        return out

    def equality(self, filter_doc: dict[str, Any] | None) -> KeyValue | None:
        """The full shard key when the filter fixes every key field by equality (directly, with $eq, or inside a
        top-level $and), else None."""
        if not filter_doc:
            return None
        pinned = _equalities(filter_doc)
        out: KeyValue = {}
        for field in self.fields:
            if field not in pinned:
                return None
            value = pinned[field]
            out[field] = hashed_key(value) if field == self.hashed_field else value
        return out

    def ranges(self, filter_doc: dict[str, Any] | None) -> list[KeyRange] | None:
        """Key ranges [min, max] (inclusive bounds as key documents) a filter can touch, from its constraints
        on the key's first field; None when it constrains nothing usable (the query goes to every shard)."""
        if not filter_doc:
            return None
        first = self.fields[0]
        if self.hashed_field is not None:
            key = self.equality(filter_doc)
            if key is not None:
                return [(key, key)]
            values = _in_values(filter_doc, first) if first == self.hashed_field else None
            if values is None:
                return None
            return [self._point({first: hashed_key(v)}) for v in values]
        values = _in_values(filter_doc, first)
        if values is not None:
            return [self._point({first: v}) for v in values]
        bounds = _range_bounds(filter_doc, first)
        if bounds is None:
            return None
        low, high = bounds
        return [({**{first: low}, **{f: MinKey() for f in self.fields[1:]}},
                 {**{first: high}, **{f: MaxKey() for f in self.fields[1:]}})]

    def _point(self, prefix: KeyValue) -> KeyRange:
        rest = self.fields[len(prefix):]
        return ({**prefix, **{f: MinKey() for f in rest}}, {**prefix, **{f: MaxKey() for f in rest}})

    def global_min(self) -> KeyValue:
        return {field: MinKey() for field in self.fields}

    def global_max(self) -> KeyValue:
        return {field: MaxKey() for field in self.fields}

    def sort_key(self, key: KeyValue) -> tuple[Any, ...]:
        """Order of shard key values (and chunk bounds), field by field in BSON order."""
        return tuple(order_key(key.get(field)) for field in self.fields)


def render_key(key: dict[str, Any]) -> str:
    inner = ", ".join(f"{field}: {value!r}" if isinstance(value, str) else f"{field}: {value}"
                      for field, value in key.items())
    return "{ " + inner + " }"


def _plain(value: Any) -> bool:
    return not isinstance(value, (dict, list, Regex, re.Pattern))


def _equalities(filter_doc: dict[str, Any]) -> dict[str, Any]:
    pinned: dict[str, Any] = {}
    for field, value in filter_doc.items():
        if field == "$and" and isinstance(value, list):
            for clause in value:
                if isinstance(clause, dict):
                    pinned.update(_equalities(clause))
        elif field.startswith("$"):
            continue
        elif _plain(value):
            pinned[field] = value
        elif isinstance(value, dict) and set(value) == {"$eq"} and _plain(value["$eq"]):
            pinned[field] = value["$eq"]
    return pinned


def _in_values(filter_doc: dict[str, Any], field: str) -> list[Any] | None:
    value = filter_doc.get(field, MISSING)
    if value is not MISSING and _plain(value):
        return [value]
    if isinstance(value, dict):
        if set(value) == {"$eq"} and _plain(value["$eq"]):
            return [value["$eq"]]
        if set(value) == {"$in"} and isinstance(value["$in"], list) and all(_plain(v) for v in value["$in"]):
            return list(value["$in"])
    return None


def _range_bounds(filter_doc: dict[str, Any], field: str) -> tuple[Any, Any] | None:
    spec = filter_doc.get(field)
    if not isinstance(spec, dict) or not spec or not set(spec) <= {"$gt", "$gte", "$lt", "$lte"}:
        return None
    low: Any = MinKey()
    high: Any = MaxKey()
    for op, value in spec.items():
        if not _plain(value):
            return None
        if op in ("$gt", "$gte"):
            low = value
        else:
            high = value
    return low, high


def overlaps(pattern: ShardKeyPattern, ranges: Iterable[KeyRange], chunk_min: KeyValue, chunk_max: KeyValue) -> bool:
    """Whether any inclusive key range intersects the chunk [chunk_min, chunk_max)."""
    cmin, cmax = pattern.sort_key(chunk_min), pattern.sort_key(chunk_max)
    return any(pattern.sort_key(low) < cmax and pattern.sort_key(high) >= cmin for low, high in ranges)
