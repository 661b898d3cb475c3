"""What a member's role allows, checked before every command, and the replica-set metadata added to every
reply.

Writes and DDL outside ``local`` need a writable primary (NotWritablePrimary 10107 "not primary"). Reads
outside ``local`` need a primary, or a secondary when the request allows secondaries (an OP_MSG
``$readPreference`` other than primary): otherwise NotPrimaryNoSecondaryOk (13435); RECOVERING, STARTUP2,
ROLLBACK and other states refuse reads even then (NotPrimaryOrSecondary 13436). Replies of an initiated
member carry ``$clusterTime`` (unsigned: a zero hash and keyId, as without keys) and ``operationTime``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from bson import Timestamp
from bson.binary import Binary
from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.repl import waits
from mongosim.repl.optime import MemberState

if TYPE_CHECKING:
    from mongosim.commands import CommandSpec
    from mongosim.context import CommandContext
    from mongosim.repl.coordinator import ReplicationCoordinator

WRITE_COMMANDS = frozenset({
    "insert", "update", "delete", "findAndModify", "create", "drop", "dropDatabase", "createIndexes",
    "dropIndexes", "collMod", "renameCollection", "applyOps", "convertToCapped", "cloneCollectionAsCapped",
    "emptycapped", "createUser", "updateUser", "dropUser", "dropAllUsersFromDatabase", "createRole", "updateRole",
    "dropRole", "grantRolesToUser", "revokeRolesFromUser", "shardCollection"})
READ_COMMANDS = frozenset({
    "find", "aggregate", "count", "distinct", "listCollections", "listIndexes", "collStats", "dbStats",
    "dataSize", "explain", "mapReduce", "listDatabases", "validate"})
_ZERO_SIGNATURE = {"hash": Binary(b"\x00" * 20, 0), "keyId": Int64(0)}
# Errors that mean the node's role changed: since 4.4 the reply leads with the node's topologyVersion, so a
# driver can tell a stale error from a fresh one (SDAM "errors with topologyVersion").
STATE_CHANGE_CODES = frozenset({91, 189, 10107, 11600, 11602, 13435, 13436})
# Errors a driver may retry a retryable write after; the server labels them RetryableWriteError (4.4+).
RETRYABLE_CODES = frozenset({6, 7, 89, 91, 189, 262, 9001, 10107, 11600, 11602, 13435, 13436})
RETRYABLE_WRITES = frozenset({"insert", "update", "delete", "findAndModify", "findandmodify"})


def _secondary_ok(cmd: dict[str, Any]) -> bool:
    pref = cmd.get("$readPreference")
    if isinstance(pref, dict):
        return bool(pref.get("mode", "primary") != "primary")
    return isinstance(pref, str) and pref != "primary"


def _writes_data(name: str, cmd: dict[str, Any]) -> bool:
    if name in WRITE_COMMANDS:
        return True
    if name == "aggregate":
        pipeline = cmd.get("pipeline")
        if isinstance(pipeline, list) and pipeline and isinstance(pipeline[-1], dict):
            return "$out" in pipeline[-1] or "$merge" in pipeline[-1]
    return False


class Gate:
    def __init__(self, coord: ReplicationCoordinator) -> None:
        self.coord = coord

    def before_command(self, ctx: CommandContext, spec: CommandSpec) -> Awaitable[None] | None:
        name = spec.name
        coord = self.coord
        gossip = ctx.cmd.get("$clusterTime")
        if gossip.__class__ is dict:
            # Vector clock gossip: a time seen in any message moves this node's clock past it, so a write that
            # follows another (here or on another shard) in causal order gets a later timestamp.
            seen = gossip.get("clusterTime")
            if isinstance(seen, Timestamp) and coord.config is not None:
                coord.server.oplog.advance_clock(seen)
        if ctx.db == "local":
            return None
        if _writes_data(name, ctx.cmd):
            if not coord.is_writable_primary:
                raise CommandError("NotWritablePrimary", "not primary")
            return None
        if name not in READ_COMMANDS:
            return None
        state = coord.state
        if state is not MemberState.PRIMARY:
            if not _secondary_ok(ctx.cmd):
                raise CommandError("NotPrimaryNoSecondaryOk", "not primary and secondaryOk=false")
            if state is not MemberState.SECONDARY:
                raise CommandError("NotPrimaryOrSecondary",
                                   "not primary or secondary; cannot currently read from this replSet member")
        target = waits.majority_read_target(coord, ctx.cmd)
        if target is None:
            return None
        return waits.wait_majority_read(coord, ctx, target)

    def reply_hook(self, ctx: CommandContext, reply: dict[str, Any]) -> None:
        coord = self.coord
        code = reply.get("code")
        if code in STATE_CHANGE_CODES and "topologyVersion" not in reply:
            fields = list(reply.items())
            reply.clear()
            reply["topologyVersion"] = coord.server.topology_version()
            reply.update(fields)
        if code in RETRYABLE_CODES and ctx.name in RETRYABLE_WRITES and "txnNumber" in ctx.cmd:
            labels = reply.setdefault("errorLabels", [])
            if "RetryableWriteError" not in labels:
                labels.append("RetryableWriteError")
        if coord.config is None:
            return
        cluster_time = coord.cluster_time()
        reply["$clusterTime"] = {"clusterTime": cluster_time, "signature": dict(_ZERO_SIGNATURE)}
        reply["operationTime"] = cluster_time
