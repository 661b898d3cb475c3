"""Data placement the config server coordinates: moveRange (and moveChunk through it), where the donor shard
primary does the copying. (movePrimary is coordinated by the database's primary shard: ``move_primary``.)

moveRange: the range must lie within one chunk; a range inside a chunk is split off first, as the donor does
before a real migration. Given only ``min`` (or only ``max``), the donor computes the other bound so that about
one chunk size (the collection's ``maxChunkSizeBytes``, else config.settings ``chunksize``) moves, and the
commit splits the chunk there. The migration is recorded in
config.migrations while it runs, and logged to config.changelog (moveChunk.start, then moveChunk.from with the
donor's step timings and ``note: "success"``, written by the donor; or ``note: "aborted"``, written here when
the donor fails), which sh.status() counts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.sharding.catalog import MIGRATIONS
from mongosim.sharding.chunk_ops import check_key, owning_chunk, sharded_collection, split_chunk
from mongosim.sharding.remote import raise_for
from mongosim.sharding.shardkey import KeyValue, ShardKeyPattern, render_key

if TYPE_CHECKING:
    from mongosim.sharding.catalog import Catalog
    from mongosim.sharding.configsvr import ConfigServer

# A migration may take long (big ranges, throttled secondaries): the donor is given this long to finish.
MIGRATION_TIMEOUT_S = 3600.0
_REPLY_NOISE = frozenset({"ok", "$clusterTime", "operationTime", "errmsg", "code", "codeName"})


async def move_range(role: ConfigServer, ns: Any, to_shard: Any, low: Any, high: Any = None, *,
                     wait_for_delete: bool = False, force_jumbo: bool = False,
                     secondary_throttle: bool = False) -> dict[str, Any]:
    """Move [low, high) to ``to_shard``; returns the donor's reply (``{}`` when nothing had to move). One bound
    may be None: the donor then computes it (about a chunk size of data, 8.0's moveRange with min or max only)."""
    if not isinstance(ns, str):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    catalog = role.catalog
    coll = sharded_collection(catalog, ns)
    pattern = ShardKeyPattern(coll["key"])
    if not isinstance(to_shard, str) or catalog.shard(to_shard) is None:
        raise CommandError("ShardNotFound", f"Could not find shard {to_shard}")
    if low is None and high is None:
        raise CommandError("InvalidOptions", "Missing required parameter 'min' or 'max'")
    low = None if low is None else check_key(pattern, low, "min")
    high = None if high is None else check_key(pattern, high, "max")
    async with role.locked(ns):
        chunk = owning_chunk(catalog, coll, low) if low is not None else _chunk_ending_at(catalog, coll, high)
        first, last = low if low is not None else chunk["min"], high if high is not None else chunk["max"]
        if pattern.sort_key(last) <= pattern.sort_key(first):
            raise CommandError("InvalidOptions", f"min {render_key(first)} must be below max {render_key(last)}")
        if pattern.sort_key(last) > pattern.sort_key(chunk["max"]):
            raise CommandError("IllegalOperation", f"The range [{render_key(first)}, {render_key(last)}) of {ns} "
                               "spans more than one chunk")
        donor = chunk["shard"]
        if donor == to_shard:
            return {}
        target = catalog.shard(to_shard)
        if target is not None and target.get("draining"):
            raise CommandError("IllegalOperation", f"Can't move chunk to shard {to_shard} because it is draining")
        inside = [p for p in (low, high) if p is not None
                  and pattern.sort_key(chunk["min"]) < pattern.sort_key(p) < pattern.sort_key(chunk["max"])]
        if inside:
            split_chunk(catalog, ns, inside, chunk_min=chunk["min"], chunk_max=chunk["max"])
        # A missing bound is the donor's to compute: it is absent from the record and the request alike.
        bounds = {k: v for k, v in (("min", low), ("max", high)) if v is not None}
        migration = {"_id": f"{ns}-{_key_id(low if low is not None else first)}", "ns": ns, **bounds,
                     "fromShard": donor, "toShard": to_shard, "waitForDelete": wait_for_delete,
                     "forceJumbo": force_jumbo, "secondaryThrottle": secondary_throttle}
        catalog.save(MIGRATIONS, migration)
        catalog.log_change("moveChunk.start", ns, {**bounds, "from": donor, "to": to_shard})
        await catalog.majority()
        max_bytes = coll.get("maxChunkSizeBytes")  # configureCollectionBalancing's, else the balancer's chunksize
        request = {"_shardsvrMoveRange": ns, "toShard": to_shard, **bounds,
                   "waitForDelete": wait_for_delete, "forceJumbo": force_jumbo,
                   "secondaryThrottle": secondary_throttle, "fromShard": donor, "epoch": coll["lastmodEpoch"],
                   "collectionTimestamp": coll["timestamp"],
                   "maxChunkSizeBytes": Int64(max_bytes if isinstance(max_bytes, int) and max_bytes > 0
                                              else catalog.chunk_size_bytes()),
                   "writeConcern": {"w": "majority"}}
        started = time.monotonic()
        try:
            reply = await role.shard_command(donor, "admin", request, MIGRATION_TIMEOUT_S, check=False)
        except CommandError as exc:
            reply = {"ok": 0.0, "errmsg": exc.errmsg, "code": exc.code}
        if role.server.repl is not None and role.server.repl.is_writable_primary:
            catalog.delete(MIGRATIONS, {"_id": migration["_id"]})
            if reply.get("ok") != 1:
                # The donor logs moveChunk.from when it succeeds; a failed migration is logged here.
                catalog.log_change("moveChunk.from", ns, {
                    **bounds, "from": donor, "to": to_shard, "note": "aborted",
                    "errmsg": reply.get("errmsg", ""), "totalTimeMillis": int((time.monotonic() - started) * 1000)},
                    shard=donor)
            await catalog.majority()
        return {k: v for k, v in raise_for(reply).items() if k not in _REPLY_NOISE}


def _chunk_ending_at(catalog: Catalog, coll: dict[str, Any], high: KeyValue) -> dict[str, Any]:
    """The chunk whose max is ``high``, else the one holding it (8.0's getChunkForMaxBound)."""
    pattern = ShardKeyPattern(coll["key"])
    bound = pattern.sort_key(high)
    ending = next((c for c in catalog.chunks(coll["uuid"]) if pattern.sort_key(c["max"]) == bound), None)
    return ending if ending is not None else owning_chunk(catalog, coll, high)


def _key_id(key: dict[str, Any]) -> str:
    return "_".join(f"{field}_{value!r}" for field, value in key.items())
