"""Data placement commands the config server coordinates: moveRange (and moveChunk through it), where the
donor shard primary does the copying, and movePrimary, which moves a database's unsharded collections.

moveRange: the range must lie within one chunk (its max defaults to the chunk's max); a range inside a chunk
is split off first, as the donor does before a real migration. The migration is recorded in
config.migrations while it runs, and logged to config.changelog (moveChunk.start, then moveChunk.from with the
donor's step timings and ``note: "success"``, written by the donor; or ``note: "aborted"``, written here when
the donor fails), which sh.status() counts.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.sharding.catalog import DATABASES, MIGRATIONS
from mongosim.sharding.chunk_ops import check_key, owning_chunk, sharded_collection, split_chunk
from mongosim.sharding.configsvr import check_database_name
from mongosim.sharding.remote import raise_for
from mongosim.sharding.shardkey import ShardKeyPattern, render_key

if TYPE_CHECKING:
    from mongosim.sharding.configsvr import ConfigServer

# A migration may take long (big ranges, throttled secondaries): the donor is given this long to finish.
MIGRATION_TIMEOUT_S = 3600.0
_REPLY_NOISE = frozenset({"ok", "$clusterTime", "operationTime", "errmsg", "code", "codeName"})


async def move_range(role: ConfigServer, ns: Any, to_shard: Any, low: Any, high: Any = None, *,
                     wait_for_delete: bool = False, force_jumbo: bool = False,
                     secondary_throttle: bool = False) -> dict[str, Any]:
    """Move [low, high) to ``to_shard``; returns the donor's reply (``{}`` when nothing had to move)."""
    if not isinstance(ns, str):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    catalog = role.catalog
    coll = sharded_collection(catalog, ns)
    pattern = ShardKeyPattern(coll["key"])
    if not isinstance(to_shard, str) or catalog.shard(to_shard) is None:
        raise CommandError("ShardNotFound", f"Could not find shard {to_shard}")
    low = check_key(pattern, low, "min")
    async with role.locked(ns):
        chunk = owning_chunk(catalog, coll, low)
        high = chunk["max"] if high is None else check_key(pattern, high, "max")
        if pattern.sort_key(high) <= pattern.sort_key(low):
            raise CommandError("InvalidOptions", f"min {render_key(low)} must be below max {render_key(high)}")
        if pattern.sort_key(high) > pattern.sort_key(chunk["max"]):
            raise CommandError("IllegalOperation", f"The range [{render_key(low)}, {render_key(high)}) of {ns} "
                               "spans more than one chunk")
        donor = chunk["shard"]
        if donor == to_shard:
            return {}
        target = catalog.shard(to_shard)
        if target is not None and target.get("draining"):
            raise CommandError("IllegalOperation", f"Can't move chunk to shard {to_shard} because it is draining")
        inside = [p for p in (low, high)
                  if pattern.sort_key(chunk["min"]) < pattern.sort_key(p) < pattern.sort_key(chunk["max"])]
        if inside:
            split_chunk(catalog, ns, inside, chunk_min=chunk["min"], chunk_max=chunk["max"])
        migration = {"_id": f"{ns}-{_key_id(low)}", "ns": ns, "min": low, "max": high, "fromShard": donor,
                     "toShard": to_shard, "waitForDelete": wait_for_delete, "forceJumbo": force_jumbo,
                     "secondaryThrottle": secondary_throttle}
        catalog.save(MIGRATIONS, migration)
        catalog.log_change("moveChunk.start", ns, {"min": low, "max": high, "from": donor, "to": to_shard})
        await catalog.majority()
        request = {"_shardsvrMoveRange": ns, "toShard": to_shard, "min": low, "max": high,
                   "waitForDelete": wait_for_delete, "forceJumbo": force_jumbo,
                   "secondaryThrottle": secondary_throttle, "fromShard": donor, "epoch": coll["lastmodEpoch"],
                   "collectionTimestamp": coll["timestamp"], "maxChunkSizeBytes": catalog.chunk_size_bytes(),
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
                    "min": low, "max": high, "from": donor, "to": to_shard, "note": "aborted",
                    "errmsg": reply.get("errmsg", ""), "totalTimeMillis": int((time.monotonic() - started) * 1000)},
                    shard=donor)
            await catalog.majority()
        return {k: v for k, v in raise_for(reply).items() if k not in _REPLY_NOISE}


def _key_id(key: dict[str, Any]) -> str:
    return "_".join(f"{field}_{value!r}" for field, value in key.items())


async def move_primary(role: ConfigServer, db: Any, to_shard: Any) -> None:
    """Make ``to_shard`` the database's primary shard: its unsharded collections are copied there (documents
    and indexes), the catalog entry changes (a new database version), then the old copies are dropped."""
    check_database_name(db)
    catalog = role.catalog
    if not isinstance(to_shard, str) or catalog.shard(to_shard) is None:
        raise CommandError("ShardNotFound", f"Could not find shard {to_shard}")
    async with role.locked(db):
        database = catalog.database(db)
        if database is None:
            raise CommandError("NamespaceNotFound", f"Database {db} not found")
        source = database["primary"]
        if source == to_shard:
            return
        sharded = {c["_id"] for c in catalog.find("collections") if not c.get("unsplittable")}
        listed = await role.shard_command(source, db, {"listCollections": 1, "filter": {"type": "collection"}})
        names = [c["name"] for c in listed.get("cursor", {}).get("firstBatch", [])
                 if f"{db}.{c['name']}" not in sharded and not c["name"].startswith("system.")]
        catalog.log_change("movePrimary.start", db, {"from": source, "to": to_shard, "collections": names})
        for name in names:
            await _copy_collection(role, source, to_shard, db, name)
        database["primary"] = to_shard
        version = dict(database["version"])
        version["lastMod"] = int(version.get("lastMod", 1)) + 1
        version["timestamp"] = catalog.now_ts()
        database["version"] = version
        catalog.save(DATABASES, database)
        catalog.log_change("movePrimary.commit", db, {"from": source, "to": to_shard})
        await catalog.majority()
        for name in names:
            await role.shard_command(source, db, {"drop": name, "writeConcern": {"w": "majority"}}, check=False)


async def _copy_collection(role: ConfigServer, source: str, target: str, db: str, name: str) -> None:
    existing = await role.shard_command(target, db, {"count": name})
    if int(existing.get("n", 0)):
        raise CommandError("NamespaceExists", f"movePrimary failed: destination shard {target} already holds "
                           f"documents in {db}.{name}")
    indexes = (await role.shard_command(source, db, {"listIndexes": name})).get("cursor", {}).get("firstBatch", [])
    specs = [{k: v for k, v in spec.items() if k not in ("v", "ns")} for spec in indexes if spec.get("name") != "_id_"]
    await role.shard_command(target, db, {"create": name}, check=False)
    if specs:
        await role.shard_command(target, db, {"createIndexes": name, "indexes": specs})
    reply = await role.shard_command(source, db, {"find": name, "batchSize": 1000})
    cursor = reply["cursor"]
    while True:
        batch = cursor.get("firstBatch", cursor.get("nextBatch", []))
        if batch:
            await role.shard_command(target, db, {"insert": name, "documents": batch, "ordered": False})
        if not cursor.get("id"):
            break
        reply = await role.shard_command(source, db, {"getMore": cursor["id"], "collection": name,
                                                      "batchSize": 1000})
        cursor = reply["cursor"]
