"""The bound a donor shard computes for a moveRange given only ``min`` (or only ``max``), as MongoDB 8.0's
``computeOtherBound`` does with ``autoSplitVector``: the first split point that leaves about
``maxChunkSizeBytes`` of data between the given bound and it, inside the chunk that bound belongs to.

As autoSplitVector estimates it: documents per chunk is ``maxChunkSizeBytes`` over the collection's average
document size; a range holding no more documents than that is moved whole (the chunk's other bound). The split
point is the shard key of the next document in key order (forwards from ``min``, backwards from ``max``),
never cutting between documents with the same key.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.sharding.shardkey import KeyValue, ShardKeyPattern
    from mongosim.storage.collection import Collection


def other_bound(coll: Collection | None, pattern: ShardKeyPattern, low: KeyValue, high: KeyValue,
                max_chunk_bytes: int, forward: bool) -> KeyValue | None:
    """The computed max (``forward``) or min of a range starting at ``low`` / ending at ``high`` (the owning
    chunk's other bound bounds the search); None when the whole of [low, high) is small enough to move."""
    if coll is None or max_chunk_bytes <= 0:
        return None
    average = coll.avg_obj_size()
    if average <= 0:
        return None
    per_chunk = max(1, max_chunk_bytes // average)
    lo, hi = pattern.sort_key(low), pattern.sort_key(high)
    keys: list[tuple[Any, KeyValue]] = []
    for doc in coll.documents():
        try:
            key = pattern.extract(doc)
        except CommandError:
            continue  # a document the server cannot place (an array in a key field) is not counted
        sort_key = pattern.sort_key(key)
        if lo <= sort_key < hi:
            keys.append((sort_key, key))
    if len(keys) <= per_chunk:
        return None
    keys.sort(key=lambda item: item[0], reverse=not forward)
    if forward:
        # The first key after per_chunk documents starts the next range; equal keys stay together.
        position = per_chunk
        while position < len(keys) and keys[position][0] == keys[position - 1][0]:
            position += 1
        return keys[position][1] if position < len(keys) else None
    # Backwards: the smallest key of the last per_chunk documents (with all its equals) starts the moved range.
    split = keys[per_chunk - 1]
    return split[1] if split[0] > lo else None
