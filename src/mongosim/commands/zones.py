"""Zones and per-collection balancing, on mongos and on the config server: addShardToZone, removeShardFromZone,
updateZoneKeyRange (``zone: null`` removes a range), balancerCollectionStatus and configureCollectionBalancing.
mongos checks the request's shape and forwards it to the config server primary's ``_configsvr*`` counterpart,
which keeps config.shards ``tags``, config.tags and config.collections (see ``mongosim.sharding.zones``)."""

from __future__ import annotations

from typing import Any

from mongosim.commands import command
from mongosim.commands.configsvr import MONGOD, _role
from mongosim.commands.mongos_admin import MONGOS, _namespace, _public
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.namespaces import render
from mongosim.query.compare import type_name
from mongosim.sharding import zones
from mongosim.sharding.catalog import COLLECTIONS
from mongosim.sharding.router import router_of

_MB = 1024 * 1024
_MAX_CHUNK_SIZE_MB = 1024


def _string(cmd: dict[str, Any], name: str, where: str) -> str:
    value = cmd.get(name)
    if value is None:
        raise CommandError(40414, f"BSON field '{where}.{name}' is missing but a required field")
    if not isinstance(value, str):
        raise CommandError("TypeMismatch", f"BSON field '{where}.{name}' is the wrong type '{type_name(value)}', "
                           "expected type 'string'")
    return value


def _zone_range_request(cmd: dict[str, Any], name: str) -> tuple[str, dict[str, Any], dict[str, Any], str | None]:
    ns = cmd.get(name)
    if not isinstance(ns, str) or "." not in ns or ns.startswith(".") or ns.endswith("."):
        raise CommandError("InvalidNamespace", f"{ns} is not a valid namespace")
    low, high = cmd.get("min"), cmd.get("max")
    zones.check_range(low, high)
    if "zone" not in cmd:
        raise CommandError("NoSuchKey", 'Missing expected field "zone"')
    zone = cmd["zone"]
    if zone is not None and not isinstance(zone, str):
        raise CommandError("TypeMismatch", f'"zone" had the wrong type. Expected string or null, found '
                           f"{type_name(zone)}")
    assert isinstance(low, dict) and isinstance(high, dict)
    return ns, low, high, zone


async def _to_config(ctx: CommandContext, body: dict[str, Any]) -> dict[str, Any]:
    body.setdefault("writeConcern", {"w": "majority"})
    return _public(await router_of(ctx).config_admin_command(body))


# ----------------------------------------------------------------------------------------------- mongos
@command("addShardToZone", "addshardtozone", admin_only=True, processes=MONGOS)
async def add_shard_to_zone(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    shard = _string(cmd, ctx.name, "addShardToZone")
    zone = _string(cmd, "zone", "addShardToZone")
    return await _to_config(ctx, {"_configsvrAddShardToZone": shard, "zone": zone})


@command("removeShardFromZone", "removeshardfromzone", admin_only=True, processes=MONGOS)
async def remove_shard_from_zone(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    shard = _string(cmd, ctx.name, "removeShardFromZone")
    zone = _string(cmd, "zone", "removeShardFromZone")
    return await _to_config(ctx, {"_configsvrRemoveShardFromZone": shard, "zone": zone})


@command("updateZoneKeyRange", "updatezonekeyrange", admin_only=True, processes=MONGOS)
async def update_zone_key_range(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns, low, high, zone = _zone_range_request(cmd, ctx.name)
    return await _to_config(ctx, {"_configsvrUpdateZoneKeyRange": ns, "min": low, "max": high, "zone": zone})


@command("balancerCollectionStatus", admin_only=True, processes=MONGOS)
async def balancer_collection_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, "balancerCollectionStatus")
    return _public(await router_of(ctx).config_admin_command({"_configsvrBalancerCollectionStatus": ns}))


@command("configureCollectionBalancing", admin_only=True, processes=MONGOS)
async def configure_collection_balancing(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    ns = _namespace(cmd, "configureCollectionBalancing")
    body: dict[str, Any] = {"_configsvrConfigureCollectionBalancing": ns}
    for name in ("chunkSize", "defragmentCollection", "enableAutoMerger", "enableBalancing"):
        if name in cmd:
            body[name] = cmd[name]
    reply = await _to_config(ctx, body)
    router_of(ctx).catalog.invalidate(ns)
    return reply


# ----------------------------------------------------------------------------------------------- config server
@command("_configsvrAddShardToZone", admin_only=True, processes=MONGOD)
async def configsvr_add_shard_to_zone(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    zones.add_shard_to_zone(role.catalog, _string(cmd, ctx.name, ctx.name), _string(cmd, "zone", ctx.name))
    await role.catalog.majority()
    return {}


@command("_configsvrRemoveShardFromZone", admin_only=True, processes=MONGOD)
async def configsvr_remove_shard_from_zone(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    zones.remove_shard_from_zone(role.catalog, _string(cmd, ctx.name, ctx.name), _string(cmd, "zone", ctx.name))
    await role.catalog.majority()
    return {}


@command("_configsvrUpdateZoneKeyRange", admin_only=True, processes=MONGOD)
async def configsvr_update_zone_key_range(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns, low, high, zone = _zone_range_request(cmd, ctx.name)
    role.catalog.ensure_setup()
    zones.update_zone_key_range(role.catalog, ns, low, high, zone)
    await role.catalog.majority()
    if role.balancer is not None:
        role.balancer.wake()
    return {}


@command("_configsvrBalancerCollectionStatus", admin_only=True, processes=MONGOD)
async def configsvr_balancer_collection_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns = _string(cmd, ctx.name, ctx.name)
    if "." not in ns or ns.startswith(".") or ns.endswith("."):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    assert role.balancer is not None
    return await role.balancer.collection_status(ns)


@command("_configsvrConfigureCollectionBalancing", admin_only=True, processes=MONGOD)
async def configsvr_configure_collection_balancing(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Per-collection chunk size (``maxChunkSizeBytes``; 0 restores the cluster's), ``enableAutoMerge`` and
    ``enableBalancing`` (``noBalance``). Defragmentation is not simulated: ``defragmentCollection: true`` is
    refused."""
    role = _role(ctx)
    ns = _string(cmd, ctx.name, ctx.name)
    catalog = role.catalog
    coll = catalog.collection(ns)
    if coll is None:
        raise CommandError("NamespaceNotSharded", f"Expected to match one doc for query {render({'_id': ns})} but "
                           "matched 0")
    details: dict[str, Any] = {}
    chunk_size = cmd.get("chunkSize")
    if chunk_size is not None:
        if not isinstance(chunk_size, (int, float)) or isinstance(chunk_size, bool):
            raise CommandError("TypeMismatch", f"BSON field 'configureCollectionBalancing.chunkSize' is the wrong "
                               f"type '{type_name(chunk_size)}', expected type 'int'")
        chunk_size = int(chunk_size)
        if chunk_size == 0:
            coll.pop("maxChunkSizeBytes", None)
        elif 0 < chunk_size <= _MAX_CHUNK_SIZE_MB:
            from bson.int64 import Int64

            coll["maxChunkSizeBytes"] = Int64(chunk_size * _MB)
        else:
            raise CommandError("InvalidOptions", f"Chunk size '{chunk_size}' out of range [1MB, 1GB]")
        details["chunkSizeMB"] = chunk_size
    if cmd.get("defragmentCollection"):
        raise CommandError("IllegalOperation", "defragmentCollection is not supported by mongosim")
    if cmd.get("enableAutoMerger") is not None:
        coll["enableAutoMerge"] = bool(cmd["enableAutoMerger"])
    if cmd.get("enableBalancing") is not None:
        coll["noBalance"] = not bool(cmd["enableBalancing"])
    catalog.save(COLLECTIONS, coll)
    catalog.log_change("configureCollectionBalancing", ns, details)
    await catalog.majority()
    if role.balancer is not None:
        role.balancer.wake()
    return {}
