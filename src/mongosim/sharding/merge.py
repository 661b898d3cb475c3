"""How the router combines what several shards answered: the merge order of sorted streams, counts with skip
and limit, distinct values, and write errors mapped back to the client's statement indexes.

Pure functions over documents and replies, so the rules are unit-tested without processes.
"""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from mongosim.query.compare import order_key
from mongosim.query.sort import sort_key_getter, validate_sort

SortKey = Callable[[dict[str, Any]], tuple[Any, ...]]


class _Descending:
    """Wraps a sort key so that it orders backwards (for -1 fields of a compound sort)."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __lt__(self, other: _Descending) -> bool:
        return bool(other.key < self.key)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, _Descending) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def sort_key(sort_spec: dict[str, Any]) -> SortKey:
    """A key function ordering documents as ``sort_spec`` does (MongoDB's cross-type order; $meta keys and
    $natural compare equal)."""
    getters = [(sort_key_getter(path, direction), direction) for path, direction in validate_sort(sort_spec)
               if direction != 0 and path != "$natural"]

    def key(doc: dict[str, Any]) -> tuple[Any, ...]:
        return tuple(getter(doc) if direction > 0 else _Descending(getter(doc)) for getter, direction in getters)
    return key


def merge_sorted(streams: Iterable[Iterable[dict[str, Any]]], sort_spec: dict[str, Any]) -> Iterator[dict[str, Any]]:
    """The documents of already sorted streams in one sorted stream; equal keys keep shard order."""
    key = sort_key(sort_spec)
    keyed = ([(key(doc), index, position, doc) for position, doc in enumerate(stream)]
             for index, stream in enumerate(streams))
    for _, _, _, doc in heapq.merge(*keyed, key=lambda item: (item[0], item[1], item[2])):
        yield doc


def skip_and_limit(docs: Iterable[dict[str, Any]], skip: int, limit: int | None) -> list[dict[str, Any]]:
    out = list(docs)[skip:]
    return out[:limit] if limit else out


def shard_limit(skip: int, limit: int | None) -> int | None:
    """What each shard is asked for: the router skips, so a shard must return ``skip + limit`` documents."""
    return None if not limit else skip + limit


def merge_counts(counts: Iterable[int], skip: int, limit: int) -> int:
    """count through mongos: each shard counted with ``limit: skip + limit`` and no skip; the router applies
    skip and limit to the sum (exact, because a shard that hit its limit alone reaches skip + limit)."""
    total = sum(counts)
    n = max(0, total - skip)
    return min(n, limit) if limit else n


def merge_distinct(value_lists: Iterable[list[Any]]) -> list[Any]:
    """The union of the shards' distinct values, equal values (by BSON comparison) once, in BSON order."""
    seen: dict[Any, Any] = {}
    for values in value_lists:
        for value in values:
            seen.setdefault(order_key(value), value)
    return [seen[k] for k in sorted(seen)]


def map_write_errors(errors: Iterable[dict[str, Any]], indexes: list[int]) -> list[dict[str, Any]]:
    """A shard's writeErrors (indexes into the sub-batch it was sent) with the client's statement indexes."""
    out = []
    for error in errors:
        mapped = dict(error)
        mapped["index"] = indexes[int(error["index"])]
        out.append(mapped)
    return out


def sorted_write_errors(errors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return sorted(errors, key=lambda e: int(e["index"]))


# Stages that give the same result whether they run on each shard's documents or on the merged stream.
_PER_DOCUMENT_STAGES = frozenset({"$match", "$project", "$addFields", "$set", "$unset", "$unwind", "$replaceRoot",
                                  "$replaceWith"})
# Sources that describe each shard's own collection: every shard runs them (its documents name it in ``shard``).
_PER_SHARD_SOURCES = frozenset({"$collStats", "$indexStats"})


def split_pipeline(pipeline: list[dict[str, Any]]) -> tuple[list[dict[str, Any]], dict[str, Any] | None,
                                                             list[dict[str, Any]]]:
    """An aggregation split for several shards: the prefix each shard runs, the sort by which the router merges
    their streams (when the prefix ends with a ``$sort``; a ``$limit`` right after it is also pushed to the
    shards), and the part the router runs on the merged stream."""
    shards: list[dict[str, Any]] = []
    position = 0
    if pipeline and next(iter(pipeline[0])) in _PER_SHARD_SOURCES:
        shards.append(pipeline[0])
        position = 1
    while position < len(pipeline) and next(iter(pipeline[position])) in _PER_DOCUMENT_STAGES:
        shards.append(pipeline[position])
        position += 1
    merge_sort: dict[str, Any] | None = None
    if position < len(pipeline) and next(iter(pipeline[position])) == "$sort":
        merge_sort = pipeline[position]["$sort"]
        shards.append(pipeline[position])
        position += 1
        if position < len(pipeline) and next(iter(pipeline[position])) == "$limit":
            shards.append(pipeline[position])  # the router applies it again after merging
    return shards, merge_sort, pipeline[position:]
