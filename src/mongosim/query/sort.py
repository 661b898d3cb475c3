"""Sorting by a sort specification with MongoDB's cross-type ordering.

Contract: ``sort_documents(docs, sort_spec)`` returns a new list; ``validate_sort(spec)`` (also called by
``sort_documents``) raises ``CommandError`` for invalid specs: a non-numeric direction is 15974 "Illegal key in
$sort specification: a: \"x\"", a number other than 1/-1 is 15975. ``{$natural: ±1}`` keeps (or reverses)
natural order; ``{$meta: ...}`` keys are accepted and sort as equal (no text scores in the simulator).

A key's value in a document is the smallest (ascending) or largest (descending) of all the values its path
reaches, arrays contributing their elements; a missing path sorts as null, an empty array before null.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, RANK_NUMBER, number_value, order_key, render, type_rank
from mongosim.query.paths import candidates, split

_NULL_KEY = order_key(None)
_EMPTY_ARRAY_KEY = (0,)  # an empty array sorts before null and missing


def validate_sort(sort_spec: Any) -> list[tuple[str, int]]:
    """The (path, direction) pairs of a sort spec; ``$meta`` keys get direction 0."""
    if not isinstance(sort_spec, dict):
        raise CommandError("TypeMismatch", "Expected field sort to be of type object")
    pairs: list[tuple[str, int]] = []
    for key, direction in sort_spec.items():
        if not key:
            raise CommandError(40352, "FieldPath cannot be constructed with empty string")
        if key.startswith("$") and key != "$natural":
            raise CommandError(16410, "FieldPath field names may not start with '$'. Consider using $getField "
                               "or $setField.")
        if isinstance(direction, dict):
            if len(direction) != 1 or "$meta" not in direction:
                raise CommandError(17312, "$meta is the only expression supported by $sort right now")
            if direction["$meta"] not in ("textScore", "randVal", "searchScore", "indexKey", "recordId"):
                raise CommandError(31138, f"Illegal $meta sort: $meta: {render(direction['$meta'])}")
            pairs.append((key, 0))
            continue
        if type_rank(direction) != RANK_NUMBER or isinstance(direction, bool):
            raise CommandError(15974, f"Illegal key in $sort specification: {key}: {render(direction)}")
        value = number_value(direction)
        if value not in (1, -1):
            raise CommandError(15975, "$sort key ordering must be 1 (for ascending) or -1 (for descending)")
        pairs.append((key, int(value)))
    return pairs


def sort_key_getter(path: str, direction: int) -> Callable[[Any], tuple[Any, ...]]:
    """A function giving one document's sort key for ``path`` (already inverted-order agnostic)."""
    if "." not in path:
        def simple(doc: Any) -> tuple[Any, ...]:
            value = doc.get(path, MISSING) if type(doc) is dict else MISSING
            if type(value) is list:
                return _array_key(value, direction)
            return order_key(value)
        return simple
    parts = split(path)

    def dotted(doc: Any) -> tuple[Any, ...]:
        keys = []
        for value in candidates(doc, parts):
            if type(value) is list:
                keys.append(_array_key(value, direction))
            else:
                keys.append(order_key(value))
        return min(keys) if direction >= 0 else max(keys)
    return dotted


def _array_key(values: list[Any], direction: int) -> tuple[Any, ...]:
    if not values:
        return _EMPTY_ARRAY_KEY
    keys = [order_key(v) for v in values]
    return min(keys) if direction >= 0 else max(keys)


def sort_documents(docs: Iterable[dict[str, Any]], sort_spec: dict[str, Any] | None) -> list[dict[str, Any]]:
    result = list(docs)
    if not sort_spec:
        return result
    pairs = validate_sort(sort_spec)
    if len(pairs) == 1 and pairs[0][0] == "$natural":
        if pairs[0][1] < 0:
            result.reverse()
        return result
    # Stable sorts from the last key to the first give the compound order.
    for path, direction in reversed(pairs):
        if direction == 0 or path == "$natural":
            continue
        getter = sort_key_getter(path, direction)
        result.sort(key=getter, reverse=direction < 0)
    return result


def is_natural(sort_spec: dict[str, Any] | None) -> int:
    """1 or -1 when the sort is only ``{$natural: ±1}``, else 0."""
    if sort_spec and len(sort_spec) == 1 and "$natural" in sort_spec:
        return 1 if number_value(sort_spec["$natural"]) >= 0 else -1
    return 0
