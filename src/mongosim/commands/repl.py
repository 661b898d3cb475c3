"""The replica-set commands: administration (replSetInitiate, replSetGetStatus, replSetGetConfig,
replSetReconfig, replSetStepDown, replSetStepUp, replSetFreeze, replSetMaintenance, replSetSyncFrom,
replSetAbortPrimaryCatchUp) and the internal ones members send each other (replSetHeartbeat,
replSetRequestVotes, replSetUpdatePosition). The work is done by ``mongosim.repl``; these handlers parse and
dispatch."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from mongosim.commands import command
from mongosim.errors import CommandError
from mongosim.repl import codes as _codes  # noqa: F401 - registers replication's error code names
from mongosim.repl import reconfig, stepdown
from mongosim.repl.status import replset_status

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.repl.coordinator import ReplicationCoordinator

_MONGOD = ("mongod",)


def _coordinator(ctx: CommandContext) -> ReplicationCoordinator:
    coord = ctx.server.repl
    if coord is None:
        raise CommandError("NoReplicationEnabled", "This node was not started with replication enabled.")
    return coord  # type: ignore[no-any-return]


def _initialized(ctx: CommandContext) -> ReplicationCoordinator:
    coord = _coordinator(ctx)
    if coord.config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    return coord


@command("replSetInitiate", admin_only=True, processes=_MONGOD)
async def repl_set_initiate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await reconfig.initiate(_coordinator(ctx), ctx, cmd)


@command("replSetGetStatus", admin_only=True, processes=_MONGOD)
def repl_set_get_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return replset_status(_initialized(ctx))


@command("replSetGetConfig", admin_only=True, processes=_MONGOD)
def repl_set_get_config(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    coord = _initialized(ctx)
    assert coord.config is not None
    doc = coord.config.to_document()
    # newlyAdded is the server's own bookkeeping: shown only on request, as MongoDB's test library asks for it.
    if not cmd.get("$_internalIncludeNewlyAdded"):
        for member in doc["members"]:
            member.pop("newlyAdded", None)
    reply: dict[str, Any] = {"config": doc}
    if cmd.get("commitmentStatus"):
        if not coord.is_primary:
            raise CommandError("NotWritablePrimary", "commitmentStatus is only supported on primary.")
        reply["commitmentStatus"] = reconfig.config_committed(coord)
    return reply


@command("replSetReconfig", admin_only=True, processes=_MONGOD)
async def repl_set_reconfig(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await reconfig.reconfig(_coordinator(ctx), ctx, cmd)


@command("replSetStepDown", admin_only=True, processes=_MONGOD)
async def repl_set_step_down(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await stepdown.step_down(_initialized(ctx), ctx, cmd)


@command("replSetStepUp", admin_only=True, processes=_MONGOD)
async def repl_set_step_up(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await stepdown.step_up(_coordinator(ctx), cmd)


@command("replSetFreeze", admin_only=True, processes=_MONGOD)
def repl_set_freeze(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return stepdown.freeze(_coordinator(ctx), cmd)


@command("replSetMaintenance", admin_only=True, processes=_MONGOD)
def repl_set_maintenance(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return stepdown.maintenance(_coordinator(ctx), cmd)


@command("replSetSyncFrom", admin_only=True, processes=_MONGOD)
def repl_set_sync_from(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return stepdown.sync_from(_coordinator(ctx), cmd)


@command("replSetAbortPrimaryCatchUp", admin_only=True, processes=_MONGOD)
def repl_set_abort_primary_catch_up(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    coord = _initialized(ctx)
    if not coord.is_primary:
        raise CommandError("NotWritablePrimary", "error aborting primary catchup: not primary")
    # A new primary here needs no catch-up phase: it won with the freshest data of the voters that elected it.
    raise CommandError("IllegalOperation", "The node is not in catch-up mode.")


# ------------------------------------------------------------------------------------------------ internal
@command("replSetHeartbeat", processes=_MONGOD)
def repl_set_heartbeat(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _coordinator(ctx).heartbeats.handle(cmd)


@command("replSetRequestVotes", processes=_MONGOD)
def repl_set_request_votes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _coordinator(ctx).elections.handle_vote_request(cmd)


@command("replSetUpdatePosition", processes=_MONGOD)
def repl_set_update_position(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    coord = _initialized(ctx)
    optimes = cmd.get("optimes")
    if not isinstance(optimes, list):
        raise CommandError(40414, "BSON field 'UpdatePositionArgs.optimes' is missing but a required field")
    coord.process_update_position([entry for entry in optimes if isinstance(entry, dict)])
    return {}
