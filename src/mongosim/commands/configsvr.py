"""The config server's internal commands (``_configsvr*``): what routers forward admin commands to and what
shards call to commit chunk changes. All run on the ``admin`` database of the config server primary; a mongod
that is not a config server refuses them (IllegalOperation), a secondary answers NotWritablePrimary.

Every change is written with majority acknowledgement before the reply, as the config server does.
"""

from __future__ import annotations

import asyncio
from typing import Any

from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import type_name
from mongosim.sharding import chunk_ops, membership, move_range, shard_collection
from mongosim.sharding.catalog import SETTINGS
from mongosim.sharding.configsvr import ConfigServer

MONGOD = ("mongod",)


def _role(ctx: CommandContext) -> ConfigServer:
    role = getattr(ctx.server, "configsvr", None)
    if role is None:
        raise CommandError("IllegalOperation", f"{ctx.name} can only be run on config servers")
    role.catalog.check_primary()
    return role  # type: ignore[no-any-return]


def _field(cmd: dict[str, Any], name: str, where: str, kind: type | tuple[type, ...], expected: str,
           required: bool = True) -> Any:
    value = cmd.get(name)
    if value is None:
        if required:
            raise CommandError(40414, f"BSON field '{where}.{name}' is missing but a required field")
        return None
    if not isinstance(value, kind) or isinstance(value, bool):
        raise CommandError("TypeMismatch", f"BSON field '{where}.{name}' is the wrong type '{type_name(value)}', "
                           f"expected type '{expected}'")
    return value


# ----------------------------------------------------------------------------------------------- membership
@command("_configsvrAddShard", admin_only=True, processes=MONGOD)
async def add_shard(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    name = await membership.add_shard(role, cmd.get("_configsvrAddShard"), cmd.get("name"))
    return {"shardAdded": name}


@command("_configsvrRemoveShard", admin_only=True, processes=MONGOD)
async def remove_shard(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await membership.remove_shard(_role(ctx), cmd.get("_configsvrRemoveShard"))


# ----------------------------------------------------------------------------------------------- databases
@command("_configsvrCreateDatabase", admin_only=True, processes=MONGOD)
async def create_database(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    role.catalog.ensure_setup()
    primary = _field(cmd, "primaryShard", "_configsvrCreateDatabase", str, "string", required=False)
    doc = await role.create_database(cmd.get("_configsvrCreateDatabase"), primary)
    return {"databaseVersion": doc["version"]}


# ----------------------------------------------------------------------------------------------- collections
@command("_configsvrShardCollection", admin_only=True, processes=MONGOD)
async def shard_collection_cmd(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    return await shard_collection.shard_collection(role, cmd.get("_configsvrShardCollection"), cmd)


@command("_configsvrCommitChunkSplit", admin_only=True, processes=MONGOD)
async def commit_split(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns = _field(cmd, "_configsvrCommitChunkSplit", "_configsvrCommitChunkSplit", str, "string")
    points = _field(cmd, "splitPoints", "_configsvrCommitChunkSplit", list, "array")
    low = _field(cmd, "min", "_configsvrCommitChunkSplit", dict, "object", required=False)
    high = _field(cmd, "max", "_configsvrCommitChunkSplit", dict, "object", required=False)
    version = chunk_ops.split_chunk(role.catalog, ns, points, chunk_min=low, chunk_max=high,
                                    epoch=cmd.get("collEpoch"))
    await role.catalog.majority()
    return {"shardVersion": version.to_wire()}


@command("_configsvrCommitChunksMerge", admin_only=True, processes=MONGOD)
async def commit_merge(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns = _field(cmd, "_configsvrCommitChunksMerge", "_configsvrCommitChunksMerge", str, "string")
    chunk_range = cmd.get("chunkRange")
    bounds = cmd.get("bounds")
    if isinstance(chunk_range, dict):
        low, high = chunk_range.get("min"), chunk_range.get("max")
    elif isinstance(bounds, list) and len(bounds) == 2:
        low, high = bounds
    else:
        raise CommandError(40414, "BSON field '_configsvrCommitChunksMerge.chunkRange' is missing but a required "
                           "field")
    shard = _field(cmd, "shard", "_configsvrCommitChunksMerge", str, "string", required=False)
    version = chunk_ops.merge_chunks(role.catalog, ns, low, high, shard)
    await role.catalog.majority()
    return {"shardVersion": version.to_wire()}


@command("_configsvrMoveRange", admin_only=True, processes=MONGOD)
async def move_range_cmd(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns = _field(cmd, "_configsvrMoveRange", "_configsvrMoveRange", str, "string")
    to_shard = _field(cmd, "toShard", "_configsvrMoveRange", str, "string")
    low = _field(cmd, "min", "_configsvrMoveRange", dict, "object", required=False)
    high = _field(cmd, "max", "_configsvrMoveRange", dict, "object", required=False)
    await move_range.move_range(role, ns, to_shard, low, high,
                                wait_for_delete=bool(cmd.get("waitForDelete", cmd.get("_waitForDelete", False))),
                                force_jumbo=bool(cmd.get("forceJumbo", False)),
                                secondary_throttle=bool(cmd.get("secondaryThrottle", False)))
    return {}


@command("_configsvrCommitChunkMigration", admin_only=True, processes=MONGOD)
async def commit_migration(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    where = "_configsvrCommitChunkMigration"
    ns = _field(cmd, where, where, str, "string")
    from_shard = _field(cmd, "fromShard", where, str, "string")
    to_shard = _field(cmd, "toShard", where, str, "string")
    chunk = _field(cmd, "migratedChunk", where, dict, "object")
    donor_version, _moved = chunk_ops.commit_migration(role.catalog, ns, from_shard, to_shard, chunk.get("min"),
                                                       chunk.get("max"), cmd.get("validAfter"))
    await role.catalog.majority()
    return {"shardVersion": donor_version.to_wire()}


# ----------------------------------------------------------------------------------------------- balancer
def _save_balancer(role: ConfigServer, mode: str) -> None:
    settings = role.catalog.balancer_settings()
    settings.update({"_id": "balancer", "mode": mode, "stopped": mode == "off"})
    role.catalog.save(SETTINGS, settings)


@command("_configsvrBalancerStart", admin_only=True, processes=MONGOD)
async def balancer_start(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    _save_balancer(role, "full")
    await role.catalog.majority()
    if role.balancer is not None:
        role.balancer.wake()
    return {}


@command("_configsvrBalancerStop", admin_only=True, processes=MONGOD)
async def balancer_stop(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Turns the balancer off and waits for a round in progress to finish, as balancerStop does."""
    role = _role(ctx)
    _save_balancer(role, "off")
    await role.catalog.majority()
    balancer = role.balancer
    while balancer is not None and balancer.in_round:
        ctx.check_interrupt()
        await asyncio.sleep(0.05)
    return {}


@command("_configsvrBalancerStatus", admin_only=True, processes=MONGOD)
def balancer_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    assert role.balancer is not None
    return role.balancer.status()
