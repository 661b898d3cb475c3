"""The chunks a newly sharded collection starts with (MongoDB's ``InitialSplitPolicy``).

A range key, or a non-empty collection: one chunk ``[MinKey, MaxKey)`` on the database's primary shard. A
hashed key whose first field is the hashed one, on an empty collection: ``numInitialChunks`` (default two per
shard) chunks split at ``calculateHashedSplitPoints``' points, symmetric around 0, dealt to the shards in turn.
Chunk versions start at 1|0 and take one minor version each, in key order.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson.int64 import Int64
from bson.min_key import MinKey

from mongosim.errors import CommandError
from mongosim.sharding.shardkey import KeyValue, ShardKeyPattern

INT64_MAX = 2**63 - 1
# kMaxSplitPoints in the server: more initial chunks than this are refused.
MAX_INITIAL_CHUNKS = 8192


def hashed_split_points(num_chunks: int) -> list[int]:
    """``calculateHashedSplitPoints``: ``num_chunks - 1`` points evenly spaced over the signed 64-bit hash
    space, symmetric around 0 (0 itself when ``num_chunks`` is even)."""
    if num_chunks <= 1:
        return []
    interval = (INT64_MAX // num_chunks) * 2
    points: list[int] = []
    if num_chunks % 2 == 0:
        points.append(0)
        current = interval
    else:
        current = interval // 2
    for _ in range((num_chunks - 1) // 2):
        points.append(current)
        points.append(-current)
        current += interval
    return sorted(points)


@dataclass(frozen=True)
class InitialChunk:
    min: KeyValue
    max: KeyValue
    shard: str
    major: int
    minor: int


def initial_chunks(pattern: ShardKeyPattern, primary: str, shards: list[str], *, empty: bool,
                   num_initial_chunks: int = 0) -> list[InitialChunk]:
    """The chunks to create, in key order; ``shards`` lists every shard (sorted by id)."""
    whole = [InitialChunk(pattern.global_min(), pattern.global_max(), primary, 1, 0)]
    if not (empty and pattern.hashed_field is not None and pattern.fields[0] == pattern.hashed_field):
        if num_initial_chunks and pattern.hashed_field is None:
            raise CommandError("InvalidOptions", "numInitialChunks is only supported when the collection is empty "
                               "and has a hashed field in the shard key pattern")
        return whole
    if num_initial_chunks < 0 or num_initial_chunks > MAX_INITIAL_CHUNKS:
        raise CommandError("InvalidOptions", f"numInitialChunks cannot be more than either: {MAX_INITIAL_CHUNKS}, "
                           f"8192 * number of shards; or 8192")
    count = num_initial_chunks or 2 * len(shards)
    bounds = [_point(pattern, p) for p in hashed_split_points(count)]
    mins = [pattern.global_min(), *bounds]
    maxes = [*bounds, pattern.global_max()]
    pairs = zip(mins, maxes, strict=True)
    return [InitialChunk(low, high, shards[i % len(shards)], 1, i) for i, (low, high) in enumerate(pairs)]


def _point(pattern: ShardKeyPattern, value: int) -> KeyValue:
    """A split point: the hash as NumberLong in the hashed (first) field, MinKey in the fields after it."""
    point: dict[str, Any] = {pattern.fields[0]: Int64(value)}
    for field in pattern.fields[1:]:
        point[field] = MinKey()
    return point
