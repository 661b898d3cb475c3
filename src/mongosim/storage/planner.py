"""Query planning over a collection's indexes: which index answers a filter, its bounds, and the candidates.

Rules (a deterministic stand-in for the server's multi-planner):
- ``{_id: <value>}`` is answered by the 8.0 express path (``EXPRESS_IXSCAN { _id: 1 }``).
- A hint (index name or key pattern) forces that index; ``{$natural: 1|-1}`` forces a collection scan.
- Otherwise the index whose leading fields the filter constrains best wins: most leading equality fields, then a
  range on the next field, then one that also provides the requested sort, then fewer fields. With no usable
  index but an index whose prefix is the sort, that index is scanned in full; else COLLSCAN.
- Sparse indexes are used only when the filter excludes null/missing on an indexed field; partial indexes only
  when every condition of the partial filter appears in the query.
Candidates are a superset of the matches: ranges on a multikey field are not intersected, and for multikey
compound indexes only the first field is bounded (both as the server does when it cannot prove tighter bounds).
"""

from __future__ import annotations

import bisect
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.regex import Regex

from mongosim.storage import keys as K
from mongosim.storage.hashing import hash64
from mongosim.storage.indexes import Index

if TYPE_CHECKING:
    from mongosim.storage.collection import Collection


@dataclass
class Plan:
    """How a collection answers a filter: which index, and the candidate documents in plan order.

    ``candidates`` is a superset of the matching documents (the caller still applies the filter);
    ``keys_examined`` grows as candidates are pulled. ``summary`` is the planSummary string
    ("COLLSCAN", "IXSCAN { a: 1 }", "EXPRESS_IXSCAN { _id: 1 }", "EOF"); ``stage``, ``index_name``,
    ``key_pattern`` and ``bounds`` (explain's indexBounds) describe it for explain. ``sorted_by_index`` is
    true when candidates already come in the requested sort order (no SORT stage needed).
    """

    stage: str
    candidates: Iterator[dict[str, Any]]
    index_name: str | None = None
    key_pattern: dict[str, Any] | None = None
    bounds: dict[str, list[str]] = field(default_factory=dict)
    direction: str = "forward"
    sorted_by_index: bool = False
    keys_examined: int = 0
    index_spec: dict[str, Any] | None = None
    is_multikey: bool = False
    multikey_paths: dict[str, list[int]] | None = None

    @property
    def summary(self) -> str:
        if self.key_pattern is None:
            return self.stage
        inner = ", ".join(f"{k}: {v if not isinstance(v, str) else json.dumps(v)}" for k, v in self.key_pattern.items())
        return f"{self.stage} {{ {inner} }}"

    @classmethod
    def eof(cls) -> Plan:
        return cls("EOF", iter(()))


class _Top:
    """Sorts after every key: the upper probe for bisect."""

    def __eq__(self, other: object) -> bool:
        return other is self

    def __lt__(self, other: object) -> bool:
        return False

    def __gt__(self, other: object) -> bool:
        return True

    __hash__ = object.__hash__


_TOP = _Top()


@dataclass
class Interval:
    """An interval of index keys in entry order (``None`` endpoints are unbounded), with explain's texts."""

    low: Any
    low_incl: bool
    high: Any
    high_incl: bool
    low_text: str
    high_text: str

    def contains(self, key: Any) -> bool:
        if self.low is not None and (key < self.low or (not self.low_incl and key == self.low)):
            return False
        return not (self.high is not None and (self.high < key or (not self.high_incl and key == self.high)))

    def text(self, backward: bool = False) -> str:
        if backward:
            return (f"{'[' if self.high_incl else '('}{self.high_text}, {self.low_text}"
                    f"{']' if self.low_incl else ')'}")
        return (f"{'[' if self.low_incl else '('}{self.low_text}, {self.high_text}"
                f"{']' if self.high_incl else ')'}")



# Type-bracketed open ends of range predicates: (low key, low text, high key, high text) per canonical type.
_BRACKETS: dict[int, tuple[Any, str, Any, str]] = {
    K.NUMBER: ((K.NUMBER, 1, float("-inf")), "-inf.0", (K.NUMBER, 1, float("inf")), "inf.0"),
    K.STRING: ((K.STRING, ""), '""', (K.OBJECT, ()), "{}"),
    K.DATE: ((K.DATE, -(2**63)), "new Date(-9223372036854775808)", (K.DATE, 2**63 - 1),
             "new Date(9223372036854775807)"),
    K.OBJECTID: ((K.OBJECTID, b"\x00" * 12), "ObjectId('000000000000000000000000')", (K.OBJECTID, b"\xff" * 12),
                 "ObjectId('ffffffffffffffffffffffff')"),
    K.BOOL: ((K.BOOL, False), "false", (K.BOOL, True), "true"),
    K.TIMESTAMP: ((K.TIMESTAMP, 0, 0), "Timestamp(0, 0)", (K.TIMESTAMP, 2**32 - 1, 2**32 - 1),
                  "Timestamp(4294967295, 4294967295)"),
}
_RANGE_OPS = ("$gt", "$gte", "$lt", "$lte")


# ------------------------------------------------------------------------------------------------ filter analysis
def conditions(filter_doc: dict[str, Any]) -> dict[str, list[tuple[str, Any]]]:
    """Per-field predicates the planner can use (top-level and ``$and`` conjuncts)."""
    out: dict[str, list[tuple[str, Any]]] = {}
    for name, value in filter_doc.items():
        if name == "$and" and isinstance(value, list):
            for clause in value:
                if isinstance(clause, dict):
                    for sub, conds in conditions(clause).items():
                        out.setdefault(sub, []).extend(conds)
        elif name.startswith("$"):
            continue
        elif isinstance(value, dict) and value and all(k.startswith("$") for k in value):
            out.setdefault(name, []).extend(value.items())
        else:
            out.setdefault(name, []).append(("$eq", value))
    return out


def _usable_value(value: Any) -> bool:
    return not isinstance(value, (list, Regex, re.Pattern)) and not (
        isinstance(value, dict) and any(str(k).startswith("$") for k in value))


def _point(value: Any) -> tuple[Any, bool, Any, bool, str, str]:
    key, text = K.sort_key(value), K.render(value)
    return key, True, key, True, text, text


def _value_intervals(op: str, operand: Any, hashed: bool) -> list[tuple[Any, ...]] | None:
    """Intervals ``(low, low_incl, high, high_incl, low_text, high_text)`` in value order for one predicate;
    None when the predicate cannot bound the index."""
    if op in ("$eq", "$in"):
        values = [operand] if op == "$eq" else operand
        if not isinstance(values, list) or not all(_usable_value(v) for v in values):
            return None
        points: dict[Any, tuple[Any, ...]] = {}
        for given in values:
            value = Int64(hash64(given)) if hashed else given
            if value is None:
                points[K.sort_key(K.UNDEFINED)] = _point(K.UNDEFINED)
            points[K.sort_key(value)] = _point(value)
        return [points[k] for k in sorted(points)]
    if op in _RANGE_OPS and not hashed and _usable_value(operand) and operand is not None:
        rank = K.canonical_type(operand)
        if rank not in _BRACKETS:
            return None
        key, text = K.sort_key(operand), K.render(operand)
        low_key, low_text, high_key, high_text = _BRACKETS[rank]
        if op in ("$gt", "$gte"):
            return [(key, op == "$gte", high_key, rank != K.STRING, text, high_text)]
        return [(low_key, True, key, op == "$lte", low_text, text)]
    return None


def _intersect(a: list[tuple[Any, ...]], b: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
    out = []
    for one in a:
        for two in b:
            low = one if one[0] > two[0] or (one[0] == two[0] and not one[1]) else two
            high = one if one[2] < two[2] or (one[2] == two[2] and not one[3]) else two
            if low[0] < high[2] or (low[0] == high[2] and low[1] and high[3]):
                out.append((low[0], low[1], high[2], high[3], low[4], high[5]))
    return out


def field_intervals(conds: list[tuple[str, Any]], hashed: bool, multikey: bool) -> list[tuple[Any, ...]] | None:
    """Intersected value-order intervals for one field, or None when unconstrained."""
    result: list[tuple[Any, ...]] | None = None
    ranged = False
    for op, operand in conds:
        intervals = _value_intervals(op, operand, hashed)
        if intervals is None:
            continue
        if result is None:
            result = intervals
        elif multikey and op in _RANGE_OPS and ranged:
            continue  # two ranges on a multikey field may be met by different elements
        else:
            result = _intersect(result, intervals)
        ranged = ranged or op in _RANGE_OPS
    return result


def _orient(intervals: list[tuple[Any, ...]] | None, kind: Any) -> list[Interval]:
    """Value-order intervals as entry-order intervals for an index field (descending fields reverse)."""
    if intervals is None:
        if kind == -1:
            return [Interval(None, True, None, True, "MaxKey", "MinKey")]
        return [Interval(None, True, None, True, "MinKey", "MaxKey")]
    if kind != -1:
        return [Interval(*iv) for iv in intervals]
    return [Interval(K.Desc(hi), hl, K.Desc(lo), li, hi_text, lo_text)
            for lo, li, hi, hl, lo_text, hi_text in reversed(intervals)]


def index_bounds(index: Index, query: dict[str, list[tuple[str, Any]]]) -> list[list[tuple[Any, ...]] | None]:
    """Per index field, its intervals (None = unbounded). Bounds of fields reached through the same array are not
    compounded: one array element may satisfy one predicate and another element the other."""
    out: list[list[tuple[Any, ...]] | None] = []
    crossed: set[str] = set()
    for name, kind in zip(index.fields, index.kinds, strict=True):
        prefixes = index.array_prefixes[name]
        intervals = field_intervals(query.get(name, []), kind == "hashed", bool(prefixes))
        out.append(None if prefixes & crossed else intervals)
        crossed |= prefixes
    return out


# ------------------------------------------------------------------------------------------------ planning
def _excludes_null(conds: list[tuple[str, Any]]) -> bool:
    for op, operand in conds:
        if op == "$eq" and operand is not None and _usable_value(operand):
            return True
        if op in _RANGE_OPS and operand is not None:
            return True
        if op == "$in" and isinstance(operand, list) and operand and None not in operand:
            return True
        if op == "$exists" and operand:
            return True
    return False


def _partial_covered(partial: dict[str, Any], filter_doc: dict[str, Any]) -> bool:
    query = conditions(filter_doc)
    for name, conds in conditions(partial).items():
        have = query.get(name, [])
        for cond in conds:
            if cond[0] == "$exists" and cond[1] and _excludes_null(have):
                continue
            if not any(cond[0] == op and K.id_key(cond[1]) == K.id_key(v) for op, v in have):
                return False
    return True


def _sort_direction(index: Index, sort: dict[str, Any] | None, leading_points: int) -> int:
    """1 or -1 when walking the index forward/backward yields ``sort`` order; 0 when it cannot."""
    if not sort or index.multikey or index.hashed:
        return 0
    items = list(sort.items())
    for skip in range(leading_points + 1):
        fields = index.fields[skip:skip + len(items)]
        if [name for name, _ in items] != fields:
            continue
        signs = {(1 if d == k else -1) for (_, d), k in zip(items, index.kinds[skip:], strict=False)
                 if isinstance(d, (int, float)) and d in (1, -1)}
        if len(signs) == 1 and all(isinstance(d, (int, float)) for _, d in items):
            return signs.pop()
    return 0


def _choose(coll: Collection, filter_doc: dict[str, Any], sort: dict[str, Any] | None
            ) -> tuple[Index, list[list[tuple[Any, ...]] | None], int] | None:
    query = conditions(filter_doc)
    best: tuple[tuple[int, ...], Index, list[Any], int] | None = None
    for position, index in enumerate(coll.indexes()):
        if index.hidden:
            continue
        per_field = index_bounds(index, query)
        if index.sparse and not any(_excludes_null(query.get(f, [])) for f in index.fields):
            continue
        if index.partial is not None and not _partial_covered(index.spec["partialFilterExpression"], filter_doc):
            continue
        points = 0
        for intervals in per_field:
            if intervals is None or not all(iv[0] == iv[2] for iv in intervals):
                break
            points += 1
        ranged = int(points < len(per_field) and per_field[points] is not None)
        direction = _sort_direction(index, sort, points)
        if points == 0 and not ranged and (direction == 0 or index.sparse or index.partial is not None):
            continue
        score = (points, ranged, int(direction != 0), int(index.unique), -len(index.fields), -position)
        if best is None or score > best[0]:
            best = (score, index, per_field, direction)
    return None if best is None else (best[1], best[2], best[3])


def plan(coll: Collection, filter_doc: dict[str, Any], *, hint: Any = None,
         sort: dict[str, Any] | None = None) -> Plan:
    filter_doc = filter_doc or {}
    natural = _natural(hint) or _natural(sort)
    if natural:
        direction = "forward" if natural > 0 else "backward"
        return Plan("COLLSCAN", coll.documents(reverse=natural < 0), direction=direction,
                    sorted_by_index=bool(_natural(sort)))
    if hint is None and len(filter_doc) == 1 and "_id" in filter_doc:
        value = filter_doc["_id"]
        if isinstance(value, dict) and list(value) == ["$eq"]:
            value = value["$eq"]
        if _usable_value(value) and coll.options.get("collation") is None:
            return _express(coll, value)
    if hint is not None:
        index = coll.find_hinted_index(hint)
        query = conditions(filter_doc)
        per_field = index_bounds(index, query)
        points = sum(1 for _ in _leading_points(per_field))
        return _index_plan(coll, index, per_field, _sort_direction(index, sort, points))
    chosen = _choose(coll, filter_doc, sort)
    if chosen is None:
        return Plan("COLLSCAN", coll.documents())
    return _index_plan(coll, *chosen)


def _leading_points(per_field: list[Any]) -> Iterator[None]:
    for intervals in per_field:
        if intervals is None or not all(iv[0] == iv[2] for iv in intervals):
            return
        yield None


def _natural(spec: Any) -> int:
    if isinstance(spec, dict) and list(spec) == ["$natural"]:
        value = spec["$natural"]
        return -1 if isinstance(value, (int, float)) and value < 0 else 1
    return 0


def _express(coll: Collection, value: Any) -> Plan:
    doc = coll.get(value)
    id_index = coll.indexes()[0]
    id_index.accesses += 1
    text = K.render(value)
    return Plan("EXPRESS_IXSCAN", iter([doc] if doc is not None else []), index_name="_id_",
                key_pattern={"_id": 1}, bounds={"_id": [f"[{text}, {text}]"]}, sorted_by_index=True,
                keys_examined=1 if doc is not None else 0, index_spec=dict(id_index.spec),
                multikey_paths={"_id": []})


def _index_plan(coll: Collection, index: Index, per_field: list[Any], sort_direction: int) -> Plan:
    index.accesses += 1
    oriented = [_orient(iv, kind) for iv, kind in zip(per_field, index.kinds, strict=True)]
    backward = sort_direction < 0
    bounds = {name: [iv.text(backward) for iv in (reversed(intervals) if backward else intervals)]
              for name, intervals in zip(index.fields, oriented, strict=True)}
    result = Plan("IXSCAN", iter(()), index_name=index.name, key_pattern=dict(index.key_pattern), bounds=bounds,
                  direction="backward" if backward else "forward", sorted_by_index=sort_direction != 0,
                  index_spec=dict(index.spec), is_multikey=index.multikey,
                  multikey_paths=index.multikey_paths)
    result.candidates = _walk(coll, index, oriented, backward, result)
    return result


def _walk(coll: Collection, index: Index, oriented: list[list[Interval]], backward: bool,
          result: Plan) -> Iterator[dict[str, Any]]:
    entries = index.ensure_entries(coll.records())
    leading, rest = oriented[0], oriented[1:]
    seen: set[int] = set()
    for interval in (reversed(leading) if backward else leading):
        start = 0 if interval.low is None else bisect.bisect_left(entries, ((interval.low,),))
        end = len(entries) if interval.high is None else bisect.bisect_right(entries, ((interval.high, _TOP),))
        window = entries[start:end]
        for key, rid in (reversed(window) if backward else window):
            result.keys_examined += 1
            if not interval.contains(key[0]):
                continue
            if rest and not all(any(iv.contains(part) for iv in ivs) for part, ivs in zip(key[1:], rest,
                                                                                       strict=True)):
                continue
            if rid in seen:
                continue
            seen.add(rid)
            doc = coll.get_record(rid)
            if doc is not None:
                yield doc
