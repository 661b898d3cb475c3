"""Collections, indexes, databases and their statistics through mongos.

create and listCollections go to the database's primary shard; indexes are built and dropped on every shard
owning chunks (the primary shard for an untracked collection) and listed from one of them; listDatabases,
dbStats and collStats add up what the shards report, keeping each shard's answer (``raw`` / ``shards``) as
mongos does. The ``config`` and ``admin`` databases live on the config server. drop and dropDatabase are
coordinated by the database's primary shard (``_shardsvrDropCollection``, ``_shardsvrDropDatabase``), which
drops on every shard and cleans the catalog; the router only forgets what it cached.
"""

from __future__ import annotations

from typing import Any

from bson.int64 import Int64

from mongosim.auth import authz
from mongosim.commands import command
from mongosim.commands.mongos_common import (
    check_stale,
    config_cursor,
    existing_routing,
    forwarded,
    is_config_namespace,
    on_primary,
    open_shard_cursors,
)
from mongosim.commands.read_cursors import DEFAULT_FIRST_BATCH
from mongosim.commands.read_options import collection_name
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import Router, router_of
from mongosim.sharding.router_cursors import MergeStream, first_batch_reply, open_router_cursor

MONGOS = ("mongos",)
_META = ("ok", "$clusterTime", "operationTime")


def _public(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in raise_for(reply).items() if k not in _META}


async def _on_shards(router: Router, routing: Routing, shards: list[str], db: str,
                     body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    replies = await router.shard_commands({s: {**body, **routing.version_fields(s)} for s in shards}, db)
    for reply in replies.values():
        check_stale(reply)
    return replies


async def _raw(router: Router, replies: dict[str, dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """Shard replies keyed by the shard's connection string, as mongos reports them in ``raw``."""
    out = {}
    for shard, reply in replies.items():
        out[(await router.catalog.shard(shard)).connection_string] = {k: v for k, v in reply.items()
                                                                     if k not in ("$clusterTime", "operationTime")}
    return out


async def _config_passthrough(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _public(await router_of(ctx).config_command(ctx.db, forwarded(cmd)))


# ---------------------------------------------------------------------------------------------- collections
@command("create", processes=MONGOS)
async def create(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)

    async def attempt(routing: Routing) -> dict[str, Any]:
        if routing.table is not None:
            raise CommandError("NamespaceExists", f"Collection {ctx.ns} already exists.")
        replies = await _on_shards(router, routing, [routing.database.primary], ctx.db, forwarded(cmd))
        return _public(replies[routing.database.primary])

    return await router.routed(ctx.ns or "", attempt, create_db=True)


@command("drop", processes=MONGOS)
async def drop(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """As mongos 8.0: the database's primary shard coordinates the drop on every shard and in the catalog."""
    name = collection_name(ctx, cmd)
    ns = ctx.ns or ""
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)
    if await existing_routing(router, ns) is None:
        return {"ns": ns}
    body = {"_shardsvrDropCollection": name, **forwarded(cmd, ("drop",))}
    body.setdefault("writeConcern", {"w": "majority"})

    async def attempt(routing: Routing) -> dict[str, Any]:
        return await on_primary(router, routing, ctx.db, body)

    try:
        reply = await router.routed(ns, attempt)
    finally:
        router.catalog.invalidate(ns)
    out: dict[str, Any] = {"ns": reply.get("ns", ns)}
    if "nIndexesWas" in reply:
        out["nIndexesWas"] = reply["nIndexesWas"]
    return out


def shards_body(shards: list[str], body: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s: dict(body) for s in shards}


@command("dropDatabase", processes=MONGOS)
async def drop_database(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        raise CommandError("IllegalOperation", f"Cannot drop the '{ctx.db}' database")
    if cmd.get("dropDatabase") != 1:
        raise CommandError(5255100, "Have to pass 1 as 'drop' parameter")
    if await router.catalog.database(ctx.db) is None:
        return {}
    body = {"_shardsvrDropDatabase": 1, **forwarded(cmd, ("dropDatabase",))}
    body.setdefault("writeConcern", {"w": "majority"})

    async def attempt(routing: Routing) -> dict[str, Any]:
        return await on_primary(router, routing, ctx.db, body)

    try:
        await router.routed(f"{ctx.db}.$cmd", attempt)
    except CommandError as exc:
        if exc.code != 26:  # NamespaceNotFound: another router dropped it meanwhile
            raise
        return {}
    finally:
        router.catalog.invalidate_database(ctx.db)
    return {"dropped": ctx.db}


@command("listCollections", processes=MONGOS)
async def list_collections(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ctx.ns = f"{ctx.db}.$cmd.listCollections"
    router = router_of(ctx)
    cursor_opts: dict[str, Any] = cmd["cursor"] if isinstance(cmd.get("cursor"), dict) else {}
    first = int(cursor_opts.get("batchSize", DEFAULT_FIRST_BATCH))
    if is_config_namespace(ctx.db):
        return await open_router_cursor(ctx, ctx.ns, MergeStream([await config_cursor(ctx, cmd)]), first)
    if await router.catalog.database(ctx.db) is None:
        return first_batch_reply(ctx.ns, [], 0)

    async def attempt(routing: Routing) -> dict[str, Any]:
        remotes = await open_shard_cursors(router, routing, [routing.database.primary], ctx.db,
                                           lambda _s: forwarded(cmd))
        return await open_router_cursor(ctx, ctx.ns or "", MergeStream(remotes), first)

    return await router.routed(f"{ctx.db}.$cmd", attempt)


# ---------------------------------------------------------------------------------------------- indexes
@command("createIndexes", processes=MONGOS)
async def create_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)

    async def attempt(routing: Routing) -> dict[str, Any]:
        replies = await _on_shards(router, routing, routing.owning_shards(), ctx.db, forwarded(cmd))
        for reply in replies.values():
            raise_for(reply)
        return {"raw": await _raw(router, replies)}

    return await router.routed(ctx.ns or "", attempt, create_db=True)


@command("dropIndexes", "deleteIndexes", processes=MONGOS)
async def drop_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)
    if await existing_routing(router, ctx.ns or "") is None:
        raise CommandError("NamespaceNotFound", f"ns not found {ctx.ns}")

    async def attempt(routing: Routing) -> dict[str, Any]:
        replies = await _on_shards(router, routing, routing.owning_shards(), ctx.db, forwarded(cmd))
        for reply in replies.values():
            raise_for(reply)
        first = next(iter(replies.values()))
        out: dict[str, Any] = {k: v for k, v in first.items() if k not in _META}
        out["raw"] = await _raw(router, replies)
        return out

    return await router.routed(ctx.ns or "", attempt)


@command("listIndexes", processes=MONGOS)
async def list_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ns = ctx.ns or ""
    router = router_of(ctx)
    cursor_opts: dict[str, Any] = cmd["cursor"] if isinstance(cmd.get("cursor"), dict) else {}
    first = int(cursor_opts.get("batchSize", DEFAULT_FIRST_BATCH))
    if is_config_namespace(ctx.db):
        return await open_router_cursor(ctx, ns, MergeStream([await config_cursor(ctx, cmd)]), first)
    if await existing_routing(router, ns) is None:
        raise CommandError("NamespaceNotFound", f"ns does not exist: {ns}")

    async def attempt(routing: Routing) -> dict[str, Any]:
        owners = routing.owning_shards()
        shard = routing.database.primary if routing.database.primary in owners else owners[0]
        remotes = await open_shard_cursors(router, routing, [shard], ctx.db, lambda _s: forwarded(cmd))
        return await open_router_cursor(ctx, ns, MergeStream(remotes), first)

    return await router.routed(ns, attempt)


# ---------------------------------------------------------------------------------------------- statistics
@command("listDatabases", admin_only=True, processes=MONGOS)
async def list_databases(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    router = router_of(ctx)
    await router.catalog.reload_shards()
    shards = sorted(router.catalog.known_shards())
    body = {k: v for k, v in forwarded(cmd).items() if k != "nameOnly"}
    replies = await router.shard_commands(shards_body(shards, body), "admin")
    config_reply = raise_for(await router.config_command("admin", body))
    merged: dict[str, dict[str, Any]] = {}
    sources = [(s, raise_for(r)) for s, r in replies.items()] + [("config", config_reply)]
    for shard, reply in sources:
        for db in reply.get("databases", []):
            name = db["name"]
            if (shard == "config") != (name in ("config", "admin")):
                continue  # shards' own config/admin databases are not the cluster's
            entry = merged.setdefault(name, {"name": name, "sizeOnDisk": 0, "empty": True, "shards": {}})
            size = int(db.get("sizeOnDisk", 0))
            entry["sizeOnDisk"] += size
            entry["empty"] = entry["empty"] and bool(db.get("empty", False))
            entry["shards"][shard] = Int64(size)
    visible = authz.database_filter(ctx)  # authorizedDatabases: only those the user has privileges on
    databases = [merged[name] for name in sorted(merged) if visible is None or visible(name)]
    if cmd.get("nameOnly"):
        return {"databases": [{"name": d["name"]} for d in databases]}
    for db in databases:
        db["sizeOnDisk"] = Int64(db["sizeOnDisk"])
    total = sum(int(d["sizeOnDisk"]) for d in databases)
    return {"databases": databases, "totalSize": Int64(total), "totalSizeMb": Int64(total // (1024 * 1024))}


_DB_SUMS = ("collections", "views", "objects", "dataSize", "storageSize", "totalSize", "indexes", "indexSize",
            "fsUsedSize", "fsTotalSize")


@command("dbStats", processes=MONGOS)
async def db_stats(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)
    await router.catalog.reload_shards()
    replies = {s: raise_for(r) for s, r in (await router.shard_commands(
        shards_body(sorted(router.catalog.known_shards()), forwarded(cmd)), ctx.db)).items()}
    out: dict[str, Any] = {"raw": await _raw(router, replies), "db": ctx.db}
    for key in _DB_SUMS:
        values = [r[key] for r in replies.values() if key in r]
        if values:
            out[key] = sum(values) if key not in ("fsUsedSize", "fsTotalSize") else max(values)
    objects = out.get("objects", 0)
    out["avgObjSize"] = (out.get("dataSize", 0) / objects) if objects else 0
    out["scaleFactor"] = cmd.get("scale", 1)
    return out


_COLL_SUMS = ("count", "size", "storageSize", "totalIndexSize", "totalSize", "nindexes")


@command("collStats", processes=MONGOS)
async def coll_stats(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ns = ctx.ns or ""
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await _config_passthrough(ctx, cmd)
    if await existing_routing(router, ns) is None:
        raise CommandError("NamespaceNotFound", f"Collection [{ns}] not found.")

    async def attempt(routing: Routing) -> dict[str, Any]:
        shards = routing.owning_shards()
        replies = {s: raise_for(r) for s, r in (await _on_shards(router, routing, shards, ctx.db,
                                                                  forwarded(cmd))).items()}
        if routing.table is None:
            only = replies[routing.database.primary]
            return {"sharded": False, "primary": routing.database.primary,
                    **{k: v for k, v in only.items() if k not in _META}}
        out: dict[str, Any] = {"sharded": True, "ns": ns}
        first = next(iter(replies.values()))
        for key in _COLL_SUMS:
            out[key] = sum(int(r.get(key, 0)) for r in replies.values()) if key != "nindexes" else first.get(key, 0)
        sizes: dict[str, int] = {}
        for reply in replies.values():
            for name, size in (reply.get("indexSizes") or {}).items():
                sizes[name] = sizes.get(name, 0) + int(size)
        out["indexSizes"] = sizes
        out["avgObjSize"] = out["size"] // out["count"] if out["count"] else 0
        out["capped"] = bool(first.get("capped", False))
        out["nchunks"] = len(routing.table.chunks)
        out["shards"] = {s: {k: v for k, v in r.items() if k not in _META} for s, r in replies.items()}
        return out

    return await router.routed(ns, attempt)

