"""One index of a collection: key extraction (compound, multikey, hashed, sparse, partial) and its sorted entries.

Entries are ``(key, record_id)`` tuples kept sorted with ``bisect`` in MongoDB's key order: each key is a tuple of
per-field ``sort_key`` values (wrapped in ``Desc`` for descending fields, replaced by the hash for hashed fields).
Maintenance is incremental: an insert costs one ``insort`` per key. The ``_id`` index materializes its sorted
entries only when a plan first needs them (the ``_id`` lookups themselves use the collection's hash map), so the
common insert / find-by-_id path stays a few dict operations.
"""

from __future__ import annotations

import bisect
import itertools
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.storage.hashing import hash64
from mongosim.storage.keys import UNDEFINED, Desc, render, sort_key

Key = tuple[Any, ...]
Raw = tuple[Any, ...]
_MISSING = object()
# Per-entry overhead in the size estimate: record id and the storage engine's cell header.
ENTRY_OVERHEAD = 8


def approx_size(value: Any) -> int:
    """A cheap estimate of a value's BSON size, for index size statistics."""
    if isinstance(value, str):
        return len(value) + 5
    if isinstance(value, (bool,)) or value is None:
        return 1
    if isinstance(value, int):
        return 4 if -(2**31) <= value < 2**31 and type(value) is int else 8
    if isinstance(value, dict):
        return 5 + sum(len(k) + 2 + approx_size(v) for k, v in value.items())
    if isinstance(value, (list, tuple)):
        return 5 + sum(3 + approx_size(v) for v in value)
    if isinstance(value, bytes):
        return len(value) + 5
    if isinstance(value, float):
        return 8
    return 12


class Index:
    """The live state of one index: its spec (as listIndexes shows it) and its sorted entries."""

    def __init__(self, spec: dict[str, Any], predicate: Callable[[dict[str, Any]], bool] | None = None) -> None:
        self.spec = spec
        self.name: str = spec["name"]
        self.key_pattern: dict[str, Any] = spec["key"]
        self.fields = list(self.key_pattern)
        self.paths = [field.split(".") for field in self.fields]
        self.kinds: list[Any] = [v if isinstance(v, str) else (1 if v > 0 else -1) for v in self.key_pattern.values()]
        self.is_id = self.fields == ["_id"] and self.kinds == [1]
        self.unique = self.is_id or bool(spec.get("unique"))
        self.sparse = bool(spec.get("sparse"))
        self.partial = predicate
        self.hashed = "hashed" in self.kinds
        self.multikey = False
        # Per field, the paths of the arrays its values were found through (multikey paths).
        self.array_prefixes: dict[str, set[str]] = {field: set() for field in self.fields}
        self.key_bytes = 0
        self.num_keys = 0
        self.accesses = 0
        self.entries: list[tuple[Key, int]] | None = None if self.is_id else []
        self._simple = len(self.fields) == 1 and len(self.paths[0]) == 1 and self.partial is None

    # ------------------------------------------------------------------------------------------- spec view
    @property
    def multikey_paths(self) -> dict[str, list[int]]:
        """explain's multiKeyPaths: per field, the positions of the path components that are arrays."""
        return {field: sorted({prefix.count(".") for prefix in prefixes})
                for field, prefixes in self.array_prefixes.items()}

    @property
    def hidden(self) -> bool:
        return bool(self.spec.get("hidden"))

    @property
    def expire_after_seconds(self) -> float | None:
        value = self.spec.get("expireAfterSeconds")
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            return None
        return float(value)

    # ------------------------------------------------------------------------------------------- keys
    def _key_of(self, values: Raw) -> Key:
        out: list[Any] = []
        for value, kind in zip(values, self.kinds, strict=True):
            if kind == "hashed":
                out.append(sort_key(Int64(hash64(value))))
            elif kind == -1:
                out.append(Desc(sort_key(value)))
            else:
                out.append(sort_key(value))
        return tuple(out)

    def keys(self, doc: dict[str, Any]) -> list[tuple[Key, Raw]]:
        """The index keys of a document, each with the raw field values (for DuplicateKey messages)."""
        if self._simple:
            value = doc.get(self.fields[0], _MISSING)
            if value is _MISSING:
                if self.sparse:
                    return []
                value = None
            elif type(value) is list or type(value) is dict:
                return self._keys_general(doc)
            raw = (value,)
            return [(self._key_of(raw), raw)]
        if self.partial is not None and not self.partial(doc):
            return []
        return self._keys_general(doc)

    def _keys_general(self, doc: dict[str, Any]) -> list[tuple[Key, Raw]]:
        per_field: list[list[Any]] = []
        array_prefixes: list[str | None] = []
        all_missing = True
        for field, path, kind in zip(self.fields, self.paths, self.kinds, strict=True):
            values: list[Any] = []
            arrays: list[str] = []
            leaf_array = _resolve(doc, path, 0, values, arrays)
            if values:
                all_missing = False
            else:
                values = [None]
            if kind == "hashed" and leaf_array is not None:
                raise CommandError(16766, "hashed indexes do not currently support array values. Found array: "
                                   f"{render(leaf_array)}")
            per_field.append(values)
            array_prefixes.append(arrays[0] if arrays else None)
            if arrays:
                self.multikey = True
                self.array_prefixes[field].update(arrays)
        if self.sparse and all_missing:
            return []
        self._check_parallel(array_prefixes)
        if all(len(values) == 1 for values in per_field):
            raw = tuple(values[0] for values in per_field)
            return [(self._key_of(raw), raw)]
        seen: dict[Key, Raw] = {}
        for combo in itertools.product(*per_field):
            key = self._key_of(combo)
            seen.setdefault(key, combo)
        return list(seen.items())

    def _check_parallel(self, prefixes: list[str | None]) -> None:
        first: str | None = None
        for prefix in prefixes:
            if prefix is None:
                continue
            if first is None:
                first = prefix
            elif prefix != first and not prefix.startswith(first + ".") and not first.startswith(prefix + "."):
                raise CommandError("CannotIndexParallelArrays", f"cannot index parallel arrays "
                                   f"[{prefix.rsplit('.', 1)[-1]}] [{first.rsplit('.', 1)[-1]}]")

    # ------------------------------------------------------------------------------------------- entries
    def ensure_entries(self, records: Iterable[tuple[int, dict[str, Any]]]) -> list[tuple[Key, int]]:
        if self.entries is None:
            entries = [(key, rid) for rid, doc in records for key, _ in self.keys(doc)]
            entries.sort()
            self.entries = entries
        return self.entries

    def add(self, keys: list[tuple[Key, Raw]], rid: int) -> None:
        entries = self.entries
        for key, raw in keys:
            if entries is not None:
                bisect.insort(entries, (key, rid))
            self.num_keys += 1
            self.key_bytes += sum(approx_size(v) for v in raw) + ENTRY_OVERHEAD

    def remove(self, keys: list[tuple[Key, Raw]], rid: int) -> None:
        entries = self.entries
        for key, raw in keys:
            if entries is not None:
                pos = bisect.bisect_left(entries, (key, rid))
                if pos < len(entries) and entries[pos][1] == rid and entries[pos][0] == key:
                    del entries[pos]
            self.num_keys -= 1
            self.key_bytes -= sum(approx_size(v) for v in raw) + ENTRY_OVERHEAD

    def conflict(self, keys: list[tuple[Key, Raw]], rid: int | None) -> Raw | None:
        """For a unique index: the raw key values already held by another record, if any."""
        entries = self.entries
        if entries is None:
            return None
        for key, raw in keys:
            pos = bisect.bisect_left(entries, (key,))
            while pos < len(entries) and entries[pos][0] == key:
                if entries[pos][1] != rid:
                    return raw
                pos += 1
        return None

    def duplicate_error(self, ns: str, raw: Raw) -> CommandError:
        key_value = dict(zip(self.fields, raw, strict=True))
        shown = ", ".join(f"{field}: {render(value)}" for field, value in key_value.items())
        return CommandError("DuplicateKey", f"E11000 duplicate key error collection: {ns} index: {self.name} "
                            f"dup key: {{ {shown} }}", keyPattern=dict(self.key_pattern), keyValue=key_value)

    def scan(self, low: tuple[Any, ...] | None, high: tuple[Any, ...] | None) -> Iterator[tuple[Key, int]]:
        """Entries between two key prefixes (inclusive), from a snapshot taken now."""
        entries = self.entries or []
        start = 0 if low is None else bisect.bisect_left(entries, (low,))
        end = len(entries) if high is None else bisect.bisect_right(entries, (high, float("inf")))
        return iter(entries[start:end])

    def size_bytes(self) -> int:
        """The index's size on disk as collStats reports it: 4 KiB pages, at least one."""
        return max(4096, -(-self.key_bytes // 4096) * 4096)


def _resolve(value: Any, path: list[str], depth: int, out: list[Any], arrays: list[str]) -> list[Any] | None:
    """Collect the values at ``path`` (expanding arrays); record where arrays were crossed. Returns the leaf
    array when the final value is an array."""
    if depth == len(path):
        if isinstance(value, list):
            arrays.append(".".join(path))
            if value:
                out.extend(value)
            else:
                out.append(UNDEFINED)
            return value
        out.append(value)
        return None
    if isinstance(value, dict):
        child = value.get(path[depth], _MISSING)
        if child is _MISSING:
            return None
        return _resolve(child, path, depth + 1, out, arrays)
    if isinstance(value, list):
        arrays.append(".".join(path[:depth]))
        part = path[depth]
        leaf = None
        for element in value:
            if isinstance(element, dict) and part in element:
                leaf = _resolve(element[part], path, depth + 1, out, arrays) or leaf
            else:
                out.append(None)  # an element without the field indexes as null, as in MongoDB
        if part.isdigit() and int(part) < len(value):
            leaf = _resolve(value[int(part)], path, depth + 1, out, arrays) or leaf
        return leaf
    return None
