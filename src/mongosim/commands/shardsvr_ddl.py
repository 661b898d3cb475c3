"""A shard's coordinated DDL commands (mongod, ``--shardsvr`` primary):

- coordinators, run on the database's primary shard at a router's request (which attaches the
  ``databaseVersion`` it routed by): ``_shardsvrDropCollection {_shardsvrDropCollection: coll}``,
  ``_shardsvrDropDatabase: 1``, ``_shardsvrMovePrimary {_shardsvrMovePrimary: db, to}`` (admin database);
- participants, run on every shard by a coordinator: ``_shardsvrParticipantBlock {_shardsvrParticipantBlock:
  coll, blockType: "ReadsAndWrites" | "Unblock"}``, ``_shardsvrDropCollectionParticipant: coll``,
  ``_shardsvrDropDatabaseParticipant: 1``.

``sharding.ddl_coordinator`` and ``sharding.move_primary`` hold the protocols.
"""

from __future__ import annotations

from typing import Any

from mongosim import writeconcern
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.sharding import ddl_coordinator, move_primary
from mongosim.sharding.shard import ShardingState, require_state

MONGOD = ("mongod",)


def _state(ctx: CommandContext) -> ShardingState:
    state = require_state(ctx)
    state.require_identity()
    return state


def _collection(ctx: CommandContext, cmd: dict[str, Any]) -> str:
    name = cmd.get(ctx.name)
    if not isinstance(name, str) or not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ctx.db}.{name}'")
    ctx.ns = f"{ctx.db}.{name}"
    return name


async def _acknowledged(ctx: CommandContext, cmd: dict[str, Any], reply: dict[str, Any]) -> dict[str, Any]:
    wce = await writeconcern.satisfy(ctx, writeconcern.from_command(ctx, cmd))
    return {**reply, "writeConcernError": wce} if wce else reply


# ---------------------------------------------------------------------------------------------- coordinators
@command("_shardsvrDropCollection", processes=MONGOD)
async def drop_collection(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    name = _collection(ctx, cmd)
    await ddl_coordinator.check_database_version(state, ctx.db, cmd.get("databaseVersion"))
    return await _acknowledged(ctx, cmd, await ddl_coordinator.drop_collection(state, ctx.db, name))


@command("_shardsvrDropDatabase", processes=MONGOD)
async def drop_database(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    if ctx.db in ("admin", "config", "local"):
        raise CommandError("IllegalOperation", f"Cannot drop the '{ctx.db}' database")
    await ddl_coordinator.check_database_version(state, ctx.db, cmd.get("databaseVersion"))
    return await _acknowledged(ctx, cmd, await ddl_coordinator.drop_database(state, ctx.db))


@command("_shardsvrMovePrimary", admin_only=True, processes=MONGOD)
async def shardsvr_move_primary(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    db = cmd.get("_shardsvrMovePrimary")
    to = cmd.get("to")
    if not isinstance(db, str) or not db:
        raise CommandError("InvalidNamespace", f"invalid db name specified: {db}")
    if not isinstance(to, str):
        raise CommandError(40414, "BSON field '_shardsvrMovePrimary.to' is missing but a required field")
    await ddl_coordinator.check_database_version(state, db, cmd.get("databaseVersion"))
    await move_primary.move_primary(state, db, to)
    return await _acknowledged(ctx, cmd, {})


# ---------------------------------------------------------------------------------------------- participants
@command("_shardsvrParticipantBlock", processes=MONGOD)
async def participant_block(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    name = _collection(ctx, cmd)
    kind = cmd.get("blockType", "ReadsAndWrites")
    if kind == "Unblock":
        ddl_coordinator.unblock(state, f"{ctx.db}.{name}")
    elif kind in ("ReadsAndWrites", "Writes"):
        ddl_coordinator.block(state, f"{ctx.db}.{name}")
    else:
        raise CommandError("BadValue", f"Enumeration value '{kind}' for field "
                           "'_shardsvrParticipantBlock.blockType' is not a valid value.")
    return {}


@command("_shardsvrDropCollectionParticipant", processes=MONGOD)
async def drop_collection_participant(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    name = _collection(ctx, cmd)
    await ctx.server.wait_writes_allowed(ctx)
    was = ddl_coordinator.drop_local(state, ctx.db, name)
    return await _acknowledged(ctx, cmd, {"nIndexesWas": was} if was is not None else {})


@command("_shardsvrDropDatabaseParticipant", processes=MONGOD)
async def drop_database_participant(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = _state(ctx)
    await ctx.server.wait_writes_allowed(ctx)
    ddl_coordinator.drop_database_local(state, ctx.db)
    return await _acknowledged(ctx, cmd, {})
