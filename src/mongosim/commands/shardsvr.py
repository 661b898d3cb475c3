"""A shard's internal sharding commands (mongod only; refused with the server's errors on a node that is not a
``--shardsvr`` member, or not its primary where the command needs one):

- ``_shardsvrSetShardIdentity`` (sent by the config server during addShard), ``shardingState``,
  ``getShardVersion`` (the mongod form), ``_flushRoutingTableCacheUpdates``, ``flushRouterConfig`` (the mongod
  form, 4.4+: the shard forgets its cached routing of a collection, a database or everything);
- the migration protocol: ``_shardsvrMoveRange`` on the donor, ``_recvChunkStart``, ``_recvChunkStatus``,
  ``_recvChunkCommit``, ``_recvChunkAbort``, ``_recvChunkReleaseCritSec`` on the recipient, ``_migrateClone``
  and ``_transferMods`` served by the donor;
- ``_shardsvrGetStatsForBalancing`` for the balancer;
- ``cleanupOrphaned``, which waits for the shard's range deletions of a collection to finish.
"""

from __future__ import annotations

import contextlib
import datetime as dt
from typing import Any

import bson
from bson.int64 import Int64

from mongosim import writeconcern
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.sharding import shard_stats
from mongosim.sharding.migration_donor import MigrationSource, move_range
from mongosim.sharding.migration_recipient import MigrationDestination
from mongosim.sharding.shard import IDENTITY_ID, ShardingState, require_state, state_of

MONGOD = ("mongod",)


def _string(cmd: dict[str, Any], field: str, where: str) -> str:
    value = cmd.get(field)
    if value is None:
        raise CommandError(40414, f"BSON field '{where}.{field}' is missing but a required field")
    if not isinstance(value, str):
        raise CommandError("TypeMismatch", f"BSON field '{where}.{field}' is the wrong type, expected type 'string'")
    return value


# ---------------------------------------------------------------------------------------------- collections
@command("_shardsvrCreateCollectionParticipant", processes=MONGOD)
async def create_collection_participant(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """The config server creates a newly sharded collection on a shard that gets initial chunks without being
    the database's primary, with the collection's UUID, options and indexes: every shard knows the collection by
    the same UUID, which migrations check."""
    require_state(ctx)
    await ctx.server.wait_writes_allowed(ctx)
    name = _string(cmd, "_shardsvrCreateCollectionParticipant", "_shardsvrCreateCollectionParticipant")
    uuid = cmd.get("collectionUUID")
    if not isinstance(uuid, bson.Binary) or uuid.subtype != 4:
        raise CommandError(40414, "BSON field '_shardsvrCreateCollectionParticipant.collectionUUID' is missing but a "
                           "required field")
    storage = ctx.server.storage
    assert storage is not None
    coll = storage.get_collection(ctx.db, name)
    if coll is not None and coll.uuid != uuid:
        if len(coll):
            raise CommandError("InvalidUUID", f"Cannot create collection {ctx.db}.{name} because we already have an "
                               f"identically named collection with UUID {coll.uuid!r}, which differs from the "
                               f"sharded collection's UUID {uuid!r}")
        storage.drop_collection(ctx.db, name)  # an empty leftover (a previous incarnation): replace it
        coll = None
    if coll is None:
        coll = storage.create_collection(ctx.db, name, dict(cmd.get("options") or {}), uuid)
    for spec in cmd.get("indexes") or []:
        if isinstance(spec, dict) and spec.get("name") != "_id_":
            coll.create_index({key: value for key, value in spec.items() if key != "v"})
    return {}


# ---------------------------------------------------------------------------------------------- identity
@command("_shardsvrSetShardIdentity", admin_only=True, processes=MONGOD)
async def set_shard_identity(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx)
    name = _string(cmd, "shardName", "_shardsvrSetShardIdentity")
    config = _string(cmd, "configsvrConnectionString", "_shardsvrSetShardIdentity")
    cluster_id = cmd.get("clusterId")
    if not isinstance(cluster_id, bson.ObjectId):
        raise CommandError(40414, "BSON field '_shardsvrSetShardIdentity.clusterId' is missing but a required field")
    current = state.identity
    if current is not None:
        if current.get("shardName") != name:
            raise CommandError(40371, f"shard name mismatch: the shard is already named {current.get('shardName')} "
                               f"and cannot become {name}")
        if current.get("clusterId") != cluster_id:
            raise CommandError(40372, f"clusterId mismatch: the shard belongs to cluster "
                               f"{current.get('clusterId')}, not {cluster_id}")
    doc = {"_id": IDENTITY_ID, "shardName": name, "clusterId": cluster_id, "configsvrConnectionString": config}
    storage = ctx.server.storage
    assert storage is not None
    coll = storage.get_or_create_collection("admin", "system.version")
    existing = coll.get(IDENTITY_ID)
    if existing is None:
        coll.insert(doc)
    elif existing != doc:
        coll.replace(existing, doc)  # a new config server connection string (its members changed)
    state.set_identity(doc)
    wce = await writeconcern.satisfy(ctx, writeconcern.from_command(ctx, cmd))
    return {"writeConcernError": wce} if wce else {}


@command("shardingState", admin_only=True, processes=MONGOD)
def sharding_state(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = state_of(ctx.server)
    identity = state.identity if state is not None else None
    if state is None or identity is None:
        return {"enabled": False}
    versions: dict[str, Any] = {}
    for ns, metadata in sorted(state.metadata.items()):
        versions[ns] = {"placementVersion": metadata.shard_version.lastmod,
                        "timestamp": metadata.shard_version.timestamp}
    return {"enabled": True, "configServer": identity["configsvrConnectionString"],
            "shardName": identity["shardName"], "clusterId": identity["clusterId"], "versions": versions}


@command("getShardVersion", admin_only=True, processes=MONGOD)
async def get_shard_version(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx, primary=False)
    state.require_identity()
    ns = cmd.get("getShardVersion")
    if not isinstance(ns, str) or "." not in ns:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    metadata = state.metadata.get(ns)
    reply: dict[str, Any] = {"configServer": state.require_identity()["configsvrConnectionString"]}
    if metadata is None:
        reply["global"] = "UNKNOWN"
        return reply
    version = metadata.shard_version
    reply["global"] = version.lastmod
    if cmd.get("fullMetadata") and metadata.table is not None:
        table = metadata.table
        reply["metadata"] = {"collVersion": metadata.collection_version.lastmod,
                             "collVersionEpoch": table.epoch, "collVersionTimestamp": table.timestamp,
                             "shardVersion": version.lastmod, "shardVersionEpoch": version.epoch,
                             "shardVersionTimestamp": version.timestamp, "keyPattern": table.pattern.key,
                             "chunks": [[low, high] for low, high in metadata.owned_ranges()]}
    return reply


@command("_flushRoutingTableCacheUpdates", "_flushRoutingTableCacheUpdatesWithWriteConcern", admin_only=True,
         processes=MONGOD)
async def flush_routing_table(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx, primary=False)
    state.require_identity()
    ns = cmd.get(ctx.name)
    if not isinstance(ns, str):
        raise CommandError("TypeMismatch", f"BSON field '{ctx.name}.{ctx.name}' is the wrong type, expected type "
                           "'string'")
    state.forget(ns)
    if cmd.get("syncFromConfig", True):
        await state.refresh(ns)
    return {}


@command("flushRouterConfig", "flushrouterconfig", admin_only=True, processes=MONGOD)
async def flush_router_config(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """The shard's filtering metadata and database versions are reloaded from the config servers on next use."""
    state = state_of(ctx.server)
    target = cmd.get(ctx.name)
    if state is not None:
        if isinstance(target, str) and "." in target:
            state.forget(target)
        elif isinstance(target, str) and target:
            for ns in [ns for ns in state.metadata if ns.partition(".")[0] == target]:
                state.forget(ns)
            state.databases.pop(target, None)
        else:
            state.forget()
    return {"flushed": True}


# ---------------------------------------------------------------------------------------------- donor
@command("_shardsvrMoveRange", admin_only=True, processes=MONGOD)
async def shardsvr_move_range(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx)
    state.require_identity()
    ns = _string(cmd, "_shardsvrMoveRange", "_shardsvrMoveRange")
    to_shard = _string(cmd, "toShard", "_shardsvrMoveRange")
    min_key, max_key = cmd.get("min"), cmd.get("max")
    if not isinstance(min_key, dict) and not isinstance(max_key, dict):
        raise CommandError("InvalidOptions", "Missing required parameter 'min' or 'max'")
    max_bytes = cmd.get("maxChunkSizeBytes")
    details = await move_range(state, ns, to_shard, min_key if isinstance(min_key, dict) else None,
                               max_key if isinstance(max_key, dict) else None,
                               bool(cmd.get("waitForDelete", cmd.get("_waitForDelete", False))),
                               int(max_bytes) if isinstance(max_bytes, int) and not isinstance(max_bytes, bool) else 0)
    await _changelog(state, "moveChunk.from", ns, details)
    return {}


def _donor(ctx: CommandContext, cmd: dict[str, Any]) -> MigrationSource:
    state = require_state(ctx)
    source: MigrationSource | None = state.donor
    if source is None or cmd.get("sessionId") != source.session_id:
        raise CommandError("NotYetInitialized", f"requested migration session id {cmd.get('sessionId')} does not "
                           "match active session id "
                           f"{source.session_id if source is not None else 'none'}")
    return source


@command("_migrateClone", admin_only=True, processes=MONGOD)
def migrate_clone(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return {"objects": _donor(ctx, cmd).next_clone_batch()}


@command("_transferMods", admin_only=True, processes=MONGOD)
def transfer_mods(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _donor(ctx, cmd).transfer_mods()


# ---------------------------------------------------------------------------------------------- recipient
@command("_recvChunkStart", admin_only=True, processes=MONGOD)
def recv_chunk_start(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx)
    state.require_identity()
    for field in ("from", "min", "max", "shardKeyPattern"):
        if field not in cmd:
            raise CommandError(40414, f"BSON field '_recvChunkStart.{field}' is missing but a required field")
    current = state.recipient
    if current is not None and current.phase not in ("done", "fail", "abort"):
        raise CommandError("ConflictingOperationInProgress", f"Unable to start new migration because this shard is "
                           f"currently receiving range '{current.ns}{current.min} -> {current.max}' from shard "
                           f"{current.from_shard}")
    if state.donor is not None:
        raise CommandError("ConflictingOperationInProgress", "Unable to start new migration because this shard is "
                           f"currently donating range '{state.donor.ns}{state.donor.min} -> {state.donor.max}'")
    destination = MigrationDestination(state, cmd)
    state.recipient = destination
    destination.start()
    return {"started": True}


def _recipient(ctx: CommandContext, cmd: dict[str, Any]) -> MigrationDestination:
    state = require_state(ctx)
    destination: MigrationDestination | None = state.recipient
    if destination is None or ("sessionId" in cmd and cmd["sessionId"] != destination.session_id):
        raise CommandError("CommandFailed", f"migrationSessionId {cmd.get('sessionId')} is not the active session")
    return destination


@command("_recvChunkStatus", admin_only=True, processes=MONGOD)
def recv_chunk_status(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _recipient(ctx, cmd).status()


@command("_recvChunkCommit", admin_only=True, processes=MONGOD)
async def recv_chunk_commit(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await _recipient(ctx, cmd).commit(ctx.wait_for)


@command("_recvChunkAbort", admin_only=True, processes=MONGOD)
def recv_chunk_abort(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    destination = _recipient(ctx, cmd)
    destination.abort()
    return destination.status()


@command("_recvChunkReleaseCritSec", admin_only=True, processes=MONGOD)
async def recv_chunk_release(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """The config server committed: the received range is owned, its documents are no longer orphans."""
    destination = _recipient(ctx, cmd)
    state = destination.state
    state.range_deleter.forget(destination.migration_id)
    await state.refresh(destination.ns)
    await _changelog(state, "moveChunk.to", destination.ns,
                     {"min": destination.min, "max": destination.max, "to": state.shard_name,
                      "from": destination.from_shard, "counts": destination.status()["counts"], "note": "success"})
    return {}


# ---------------------------------------------------------------------------------------------- orphans
@command("cleanupOrphaned", admin_only=True, processes=MONGOD)
async def cleanup_orphaned(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """8.0's cleanupOrphaned: wait until no range deletion task remains for the collection on this shard (the
    range deleter does the deleting; ``startingFromKey`` is only validated). Returns at once for a collection
    that does not exist here or is not sharded."""
    ns = _string(cmd, "cleanupOrphaned", "cleanupOrphaned")
    db, _, name = ns.partition(".")
    if not db or not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace: {ns}")
    state = require_state(ctx)
    state.require_identity()
    metadata = await state.refresh(ns)
    storage = ctx.server.storage
    coll = storage.get_collection(db, name) if storage is not None else None
    if coll is None or metadata.table is None:
        return {}
    start = cmd.get("startingFromKey")
    if start is not None and (not isinstance(start, dict) or list(start) != metadata.table.pattern.fields):
        raise CommandError("OrphanedRangeCleanUpFailed", "Could not cleanup orphaned data because start key does not "
                           "match shard key pattern")
    deleter = state.range_deleter
    uuid = coll.uuid
    remaining = len(deleter.tasks_for(uuid))
    if remaining:
        ctx.server.log.info("COMMAND", 4416003, ctx.conn.ctx_name if ctx.conn else "-",
                            "cleanupOrphaned going to wait for range deletion tasks to complete",
                            {"namespace": ns, "collectionUUID": uuid, "numRemainingDeletionTasks": remaining})
    max_time = cmd.get("maxTimeMS")
    limit = float(max_time) / 1000 if isinstance(max_time, (int, float)) and max_time > 0 else None
    if not await deleter.wait_until(lambda: not deleter.tasks_for(uuid), limit, ctx.wait_for):
        raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")
    return {}


# ---------------------------------------------------------------------------------------------- balancer
@command("_shardsvrGetStatsForBalancing", admin_only=True, processes=MONGOD)
def get_stats_for_balancing(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    state = require_state(ctx)
    collections = cmd.get("collections")
    if not isinstance(collections, list):
        raise CommandError(40414, "BSON field '_shardsvrGetStatsForBalancing.collections' is missing but a required "
                           "field")
    scale = cmd.get("scaleFactor", 1024 * 1024)
    if not isinstance(scale, int) or isinstance(scale, bool) or scale <= 0:
        raise CommandError("BadValue", "scaleFactor must be a positive integer")
    stats = []
    for entry in collections:
        ns = entry.get("ns") if isinstance(entry, dict) else entry
        if not isinstance(ns, str):
            raise CommandError("TypeMismatch", "BSON field '_shardsvrGetStatsForBalancing.collections.ns' is the "
                               "wrong type, expected type 'string'")
        size, _ = shard_stats.owned_size(state, ns)
        stats.append({"namespace": ns, "collSize": Int64(size // scale)})
    return {"stats": stats}


async def _changelog(state: ShardingState, what: str, ns: str, details: dict[str, Any]) -> None:
    """A config.changelog entry (as ShardingLogging writes it); losing one must not fail the migration."""
    server = state.server
    now = dt.datetime.now(dt.UTC)
    doc = {"_id": f"{server.host_and_port}-{now.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}+00:00-{bson.ObjectId()}",
           "server": server.host_and_port, "shard": state.shard_name, "clientAddr": "",
           "time": now, "what": what, "ns": ns, "details": details}
    with contextlib.suppress(CommandError):
        await state.config.command("config", {"insert": "changelog", "documents": [doc]}, timeout_s=10.0)

