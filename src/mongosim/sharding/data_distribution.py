"""``$shardedDataDistribution`` on mongos: for each sharded collection, per shard, the documents it owns and
the orphans it still holds, with their sizes — what capacity tools and ``sh.status()`` read.

As MongoDB 8.0 computes it: a shard's record count, average object size and orphans come from its collection
statistics — the orphans being the ``numOrphanDocs`` of its ``config.rangeDeletions`` tasks for the collection
(ranges it is deleting or still receiving) —; owned documents are the rest, owned size ``owned * avgObjSize``
and orphaned size ``orphans * avgObjSize``.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

if TYPE_CHECKING:
    from mongosim.sharding.router import Router


async def _shard_entry(router: Router, ns: str, shard: str) -> dict[str, Any]:
    db, _, coll = ns.partition(".")
    stats = await router.shard_command(shard, db, {"collStats": coll})
    if stats.get("ok") != 1:
        stats = {}  # the collection does not exist there (a shard that never held a chunk)
    records = int(stats.get("count", 0))
    average = int(stats.get("avgObjSize", 0))
    orphans = min(records, int(stats.get("numOrphanDocs", 0)))
    owned = records - orphans
    return {"shardName": shard, "numOrphanedDocs": Int64(orphans), "numOwnedDocuments": Int64(owned),
            "ownedSizeBytes": Int64(owned * average), "orphanedSizeBytes": Int64(orphans * average)}


async def sharded_data_distribution(router: Router) -> list[dict[str, Any]]:
    collections = await router.catalog.find_all("collections", {"unsplittable": {"$ne": True}}, {"_id": 1})
    await router.catalog.reload_shards()
    out: list[dict[str, Any]] = []
    for coll in collections:
        ns = str(coll["_id"])
        router.catalog.invalidate(ns)
        table = await router.catalog.table(ns)
        if table is None:
            continue
        owners = set(table.shards())
        shards = sorted(owners | set(router.catalog.known_shards()))
        entries = await asyncio.gather(*(_shard_entry(router, ns, s) for s in shards))
        # A shard appears while it owns chunks of the collection or still holds orphans of it.
        out.append({"ns": ns, "shards": [e for e in entries
                                         if e["shardName"] in owners or int(e["numOrphanedDocs"]) > 0]})
    return out
