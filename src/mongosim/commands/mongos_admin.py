"""Sharding admin commands on mongos, answered with MongoDB's public replies. Those that change the catalog are
forwarded to the config server primary's ``_configsvr*`` commands (see ``mongosim.sharding``); the router drops
what it cached about the namespace afterwards, so its next operation routes by the new catalog."""

from __future__ import annotations

import time
from typing import Any

from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mongosim.commands import command
from mongosim.commands.mongos_common import forwarded, on_primary
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import type_name
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import Router, router_of
from mongosim.sharding.routing import Chunk, RoutingTable

MONGOS = ("mongos",)
_META = ("ok", "$clusterTime", "operationTime")
_INT64_MIN, _INT64_MAX = -(2**63), 2**63 - 1


def _public(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raise_for(reply).items() if k not in _META}


def _namespace(cmd: dict[str, Any], name: str) -> str:
    ns = cmd.get(name)
    if not isinstance(ns, str):
        raise CommandError("TypeMismatch", f"BSON field '{name}.{name}' is the wrong type '{type_name(ns)}', "
                           "expected type 'string'")
    if "." not in ns or ns.startswith(".") or ns.endswith("."):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    return ns


async def _forward(ctx: CommandContext, internal: str, cmd: dict[str, Any], ns: str | None = None) -> dict[str, Any]:
    router = router_of(ctx)
    body = {internal: cmd[ctx.name], **{k: v for k, v in forwarded(cmd).items() if k != ctx.name}}
    body.setdefault("writeConcern", {"w": "majority"})
    try:
        return _public(await router.config_admin_command(body))
    finally:
        if ns is not None:
            router.catalog.invalidate(ns)


async def _sharded_table(router: Router, ns: str) -> RoutingTable:
    router.catalog.invalidate(ns)
    table = await router.catalog.table(ns)
    if table is None:
        raise CommandError("NamespaceNotSharded", f"{ns} is not sharded")
    return table


# ---------------------------------------------------------------------------------------------- shards
@command("addShard", admin_only=True, processes=MONGOS)
async def add_shard(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    reply = await _forward(ctx, "_configsvrAddShard", cmd)
    await router_of(ctx).catalog.reload_shards()
    return reply


@command("removeShard", admin_only=True, processes=MONGOS)
async def remove_shard(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    reply = await _forward(ctx, "_configsvrRemoveShard", cmd)
    if reply.get("state") == "completed":
        await router_of(ctx).catalog.reload_shards()
    return reply


@command("listShards", admin_only=True, processes=MONGOS)
async def list_shards(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"shards": await router_of(ctx).catalog.reload_shards()}


@command("getShardMap", admin_only=True, processes=MONGOS)
async def get_shard_map(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    router = router_of(ctx)
    docs = await router.catalog.reload_shards()
    strings = {str(d["_id"]): str(d["host"]) for d in docs}
    strings["config"] = router.config.connection_string
    hosts: dict[str, str] = {}
    for shard, conn in strings.items():
        for host in conn.partition("/")[2].split(","):
            if host:
                hosts[host] = shard
    conn_strings = {conn: shard for shard, conn in strings.items()}
    return {"map": strings, "hosts": hosts, "connStrings": conn_strings}


# ---------------------------------------------------------------------------------------------- databases
@command("enableSharding", "enablesharding", admin_only=True, processes=MONGOS)
async def enable_sharding(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = cmd.get(ctx.name)
    if not isinstance(db, str) or not db:
        raise CommandError("InvalidNamespace", f"invalid db name specified: {db}")
    body: dict[str, Any] = {"_configsvrCreateDatabase": db, "writeConcern": {"w": "majority"}}
    if "primaryShard" in cmd:
        body["primaryShard"] = cmd["primaryShard"]
    router = router_of(ctx)
    _public(await router.config_admin_command(body))
    router.catalog.invalidate_database(db)
    return {}


@command("movePrimary", "moveprimary", admin_only=True, processes=MONGOS)
async def move_primary(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = cmd.get(ctx.name)
    if not isinstance(db, str) or not db:
        raise CommandError("InvalidNamespace", f"invalid db name specified: {db}")
    if "to" not in cmd:
        raise CommandError(40414, "BSON field 'movePrimary.to' is missing but a required field")
    router = router_of(ctx)
    started = time.monotonic()
    if await router.catalog.database(db) is None:
        raise CommandError("NamespaceNotFound", f"Database {db} not found")
    body = {"_shardsvrMovePrimary": db, "to": cmd["to"], "writeConcern": {"w": "majority"}}

    async def attempt(routing: Routing) -> dict[str, Any]:
        # The database's primary shard coordinates the move (MongoDB 8.0's MovePrimaryCoordinator).
        return await on_primary(router, routing, db, body, admin=True)

    try:
        await router.routed(f"{db}.$cmd", attempt)
    finally:
        router.catalog.invalidate_database(db)
    return {"primary": f"{cmd['to']}:{(await router.catalog.shard(str(cmd['to']))).connection_string}",
            "millis": int((time.monotonic() - started) * 1000)}


# ---------------------------------------------------------------------------------------------- collections
@command("shardCollection", "shardcollection", admin_only=True, processes=MONGOS)
async def shard_collection(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, ctx.name)
    reply = await _forward(ctx, "_configsvrShardCollection", cmd, ns)
    router_of(ctx).catalog.invalidate_database(ns.partition(".")[0])
    return reply


@command("split", admin_only=True, processes=MONGOS)
async def split(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, "split")
    router = router_of(ctx)
    table = await _sharded_table(router, ns)
    given = [k for k in ("middle", "find", "bounds") if k in cmd]
    if len(given) != 1:
        raise CommandError("BadValue", "need to specify only one of find, bounds or middle")
    if "middle" in cmd:
        middle = cmd["middle"]
        if not isinstance(middle, dict):
            raise CommandError("TypeMismatch", "middle must be an object")
        chunk = table.chunk_for(middle)
        point = middle
    else:
        chunk = _chunk_named(table, cmd, "split")
        point = await _median(router, table, chunk)
    body = {"_configsvrCommitChunkSplit": ns, "splitPoints": [point], "min": chunk.min, "max": chunk.max,
            "collEpoch": table.epoch, "writeConcern": {"w": "majority"}}
    try:
        _public(await router.config_admin_command(body))
    finally:
        router.catalog.invalidate(ns)
    return {}


def _chunk_named(table: RoutingTable, cmd: dict[str, Any], name: str) -> Chunk:
    """The chunk a ``find`` (a query pinning the shard key) or ``bounds`` ([min, max] of one chunk) names."""
    if "find" in cmd:
        key = table.pattern.equality(cmd["find"]) if isinstance(cmd["find"], dict) else None
        if key is None:
            raise CommandError("ShardKeyNotFound", f"no shard key found in chunk query {cmd['find']}")
        return table.chunk_for(key)
    bounds = cmd.get("bounds")
    if not isinstance(bounds, list) or len(bounds) != 2 or not all(isinstance(b, dict) for b in bounds):
        raise CommandError("TypeMismatch", f"BSON field '{name}.bounds' must be an array of two objects")
    chunk = table.chunk_for(bounds[0])
    pattern = table.pattern
    if pattern.sort_key(chunk.min) != pattern.sort_key(bounds[0]) or \
            pattern.sort_key(chunk.max) != pattern.sort_key(bounds[1]):
        raise CommandError("BadValue", f"no chunk found with the shard key bounds [{bounds[0]}, {bounds[1]})")
    return chunk


async def _median(router: Router, table: RoutingTable, chunk: Chunk) -> dict[str, Any]:
    """Where ``split`` without ``middle`` cuts a chunk: the middle of the hash range for a hashed key, else
    the key of the chunk's median document (by the key's first field)."""
    pattern = table.pattern
    first = pattern.fields[0]
    if pattern.hashed_field == first:
        low = _INT64_MIN if isinstance(chunk.min[first], MinKey) else int(chunk.min[first])
        high = _INT64_MAX if isinstance(chunk.max[first], MaxKey) else int(chunk.max[first])
        point: dict[str, Any] = {first: Int64((low + high) // 2)}
        point.update({f: MinKey() for f in pattern.fields[1:]})
        return point
    db, _, coll = table.ns.partition(".")
    version = {"shardVersion": table.shard_version(chunk.shard).to_wire()}
    in_chunk = {first: {"$gte": chunk.min[first], "$lt": chunk.max[first]}}
    count = raise_for(await router.shard_command(chunk.shard, db, {"count": coll, "query": in_chunk, **version}))
    n = int(count.get("n", 0))
    reply = raise_for(await router.shard_command(chunk.shard, db, {
        "find": coll, "filter": in_chunk, "sort": {f: 1 for f in pattern.fields}, "skip": n // 2, "limit": 1,
        "singleBatch": True, **version}))
    docs = reply["cursor"].get("firstBatch", [])
    median = pattern.extract(docs[0]) if docs else None
    if median is None or pattern.sort_key(median) <= pattern.sort_key(chunk.min):
        raise CommandError("CannotSplit", f"Cannot split chunk [{chunk.min}, {chunk.max}): not enough distinct "
                           "shard key values in the chunk")
    return median


@command("mergeChunks", admin_only=True, processes=MONGOS)
async def merge_chunks(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, "mergeChunks")
    bounds = cmd.get("bounds")
    if not isinstance(bounds, list) or len(bounds) != 2:
        raise CommandError(40414, "BSON field 'mergeChunks.bounds' is missing but a required field")
    router = router_of(ctx)
    table = await _sharded_table(router, ns)
    body = {"_configsvrCommitChunksMerge": ns, "bounds": bounds, "shard": table.chunk_for(bounds[0]).shard,
            "writeConcern": {"w": "majority"}}
    try:
        _public(await router.config_admin_command(body))
    finally:
        router.catalog.invalidate(ns)
    return {}


@command("moveChunk", "movechunk", admin_only=True, processes=MONGOS)
async def move_chunk(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, ctx.name)
    to = cmd.get("to")
    if not isinstance(to, str):
        raise CommandError(40414, "BSON field 'moveChunk.to' is missing but a required field")
    if ("find" in cmd) == ("bounds" in cmd):
        raise CommandError("BadValue", "need to specify either a find query, or both lower and upper bounds.")
    router = router_of(ctx)
    if to not in {shard["_id"] for shard in await router.catalog.reload_shards()}:
        # mongos checks the destination itself before asking the config server (ClusterMoveChunkCmd).
        raise CommandError("ShardNotFound", f"Could not move chunk in {ns} to {to} because that shard does not exist")
    table = await _sharded_table(router, ns)
    chunk = _chunk_named(table, cmd, "moveChunk")
    started = time.monotonic()
    body = {"_configsvrMoveRange": ns, "toShard": to, "min": chunk.min, "max": chunk.max,
            "waitForDelete": bool(cmd.get("_waitForDelete", cmd.get("waitForDelete", False))),
            "forceJumbo": bool(cmd.get("forceJumbo", False)), "writeConcern": {"w": "majority"}}
    try:
        _public(await router.config_admin_command(body))
    finally:
        router.catalog.invalidate(ns)
    return {"millis": int((time.monotonic() - started) * 1000)}


@command("moveRange", admin_only=True, processes=MONGOS)
async def move_range(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, "moveRange")
    if not isinstance(cmd.get("toShard"), str):
        raise CommandError(40414, "BSON field 'moveRange.toShard' is missing but a required field")
    if "min" not in cmd and "max" not in cmd:
        raise CommandError("InvalidOptions", "Missing required parameter 'min' or 'max'")
    body: dict[str, Any] = {"_configsvrMoveRange": ns, "toShard": cmd["toShard"], "writeConcern": {"w": "majority"},
                            "waitForDelete": bool(cmd.get("waitForDelete", False)),
                            "forceJumbo": bool(cmd.get("forceJumbo", False))}
    for bound in ("min", "max"):
        if bound in cmd:
            body[bound] = cmd[bound]
    router = router_of(ctx)
    try:
        _public(await router.config_admin_command(body))
    finally:
        router.catalog.invalidate(ns)
    return {}


# ---------------------------------------------------------------------------------------------- balancer
@command("balancerStart", admin_only=True, processes=MONGOS)
async def balancer_start(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _public(await router_of(ctx).config_admin_command({"_configsvrBalancerStart": 1}))


@command("balancerStop", admin_only=True, processes=MONGOS)
async def balancer_stop(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _public(await router_of(ctx).config_admin_command({"_configsvrBalancerStop": 1}))


@command("balancerStatus", admin_only=True, processes=MONGOS)
async def balancer_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _public(await router_of(ctx).config_admin_command({"_configsvrBalancerStatus": 1}))


# ---------------------------------------------------------------------------------------------- routing cache
@command("flushRouterConfig", "flushrouterconfig", admin_only=True, processes=MONGOS)
async def flush_router_config(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    target = cmd.get(ctx.name)
    catalog = router_of(ctx).catalog
    if isinstance(target, str) and target:
        if "." in target:
            catalog.invalidate(target)
        else:
            catalog.invalidate_database(target)
    else:
        catalog.flush()
    return {"flushed": True}


@command("getShardVersion", "getshardversion", admin_only=True, processes=MONGOS)
async def get_shard_version(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, ctx.name)
    table = await router_of(ctx).catalog.table(ns)
    if table is None:
        raise CommandError("NamespaceNotSharded", f"Collection {ns} is not sharded.")
    version = table.collection_version
    reply: dict[str, Any] = {"version": version.lastmod, "versionEpoch": version.epoch,
                             "versionTimestamp": version.timestamp}
    if cmd.get("fullMetadata"):
        reply["chunks"] = [[c.min, c.max] for c in table.chunks]
    return reply


# ---------------------------------------------------------------------------------------------- connections
@command("connPoolStats", processes=MONGOS)
async def conn_pool_stats(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """The router's pooled connections to config servers and shards (one task executor pool in mongosim)."""
    hosts = router_of(ctx).pool_stats()
    totals = {key: sum(h[key] for h in hosts.values()) for key in ("inUse", "available", "created", "refreshing")}
    pool = {"poolInUse": totals["inUse"], "poolAvailable": totals["available"], "poolCreated": totals["created"],
            "poolRefreshing": totals["refreshing"], **hosts}
    return {"numClientConnections": 0, "numAScopedConnections": 0, "totalInUse": totals["inUse"],
            "totalAvailable": totals["available"], "totalCreated": totals["created"],
            "totalRefreshing": totals["refreshing"], "pools": {"NetworkInterfaceTL-TaskExecutorPool-0": pool},
            "hosts": hosts}
