"""What a shard reports about its share of a collection: data size and document count without orphans (the
documents of ranges it is deleting or still receiving), for ``_shardsvrGetStatsForBalancing``."""

from __future__ import annotations

from typing import TYPE_CHECKING

import bson

from mongosim.sharding.filtering import in_range

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState


def owned_size(state: ShardingState, ns: str) -> tuple[int, int]:
    """(data size in bytes, number of orphaned documents) of ``ns`` on this shard."""
    storage = state.server.storage
    db, _, name = ns.partition(".")
    coll = storage.get_collection(db, name) if storage is not None else None
    if coll is None:
        return 0, 0
    ranges = state.range_deleter.orphan_ranges(ns)
    if not ranges:
        return coll.data_size(), 0
    orphans = orphan_bytes = 0
    for doc in coll.documents():
        if any(in_range(table, doc, low, high) for table, low, high in ranges):
            orphans += 1
            orphan_bytes += len(bson.encode(doc))
    return max(0, coll.data_size() - orphan_bytes), orphans
