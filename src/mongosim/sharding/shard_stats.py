"""What a shard reports about its share of a collection: data size and document count without orphans, for
``_shardsvrGetStatsForBalancing``. As in 8.0, the orphans are the ``numOrphanDocs`` of the collection's range
deletion tasks (documents of ranges being deleted, or still being received), at the average document size."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mongosim.sharding.range_deleter import orphan_count

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState


def owned_size(state: ShardingState, ns: str) -> tuple[int, int]:
    """(data size in bytes, number of orphaned documents) of ``ns`` on this shard."""
    storage = state.server.storage
    db, _, name = ns.partition(".")
    coll = storage.get_collection(db, name) if storage is not None else None
    if coll is None:
        return 0, 0
    orphans = min(orphan_count(storage, coll.uuid), len(coll))
    return max(0, coll.data_size() - orphans * coll.avg_obj_size()), orphans
