"""hello / isMaster: the handshake every client opens with and the awaitable form drivers' monitors poll.

Field names, order and BSON types follow MongoDB 8.0 (``CmdHello`` and ``MongosHelloResponse``). Replica-set
members add their replication fields through ``Server.hello_extension`` (set by the replication layer).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim import (
    LOGICAL_SESSION_TIMEOUT_MINUTES,
    MAX_BSON_OBJECT_SIZE,
    MAX_MESSAGE_SIZE_BYTES,
    MAX_WIRE_VERSION,
    MAX_WRITE_BATCH_SIZE,
    MIN_WIRE_VERSION,
    logs,
)
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError


def _now() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)


async def _await_topology(ctx: CommandContext, cmd: dict[str, Any]) -> None:
    """Awaitable hello: wait for a topology change or maxAwaitTimeMS, whichever comes first."""
    topology = cmd.get("topologyVersion")
    max_await = cmd.get("maxAwaitTimeMS")
    if topology is None and max_await is None:
        return
    if topology is None:
        raise CommandError(51760, "A request with a 'maxAwaitTimeMS' must include 'topologyVersion'")
    if max_await is None:
        raise CommandError(31368, "A request with a 'topologyVersion' must include 'maxAwaitTimeMS'")
    if not isinstance(max_await, (int, float)) or max_await < 0:
        raise CommandError(31373, "maxAwaitTimeMS must be a non-negative integer")
    server = ctx.server
    if not isinstance(topology, dict) or "processId" not in topology or "counter" not in topology:
        raise CommandError("TypeMismatch", "topologyVersion must be an object with processId and counter")
    counter = int(topology["counter"])
    if topology["processId"] == server.process_id:
        if counter > server.topology_counter:
            raise CommandError(51764, f"Received a topology version with counter: {counter} which is greater than "
                               f"the server topology version counter: {server.topology_counter}")
        if counter < server.topology_counter:
            return  # the client is behind: answer at once
    else:
        return  # another process (restart): answer at once
    await server.wait_topology_change(ctx, float(max_await) / 1000.0)


async def _hello(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    conn = ctx.conn
    if conn is not None:
        if "client" in cmd:
            if conn.hello_count > 0:
                raise CommandError("ClientMetadataCannotBeMutated",
                                   "The client metadata document may only be sent in the first hello")
            conn.client_metadata = cmd["client"] if isinstance(cmd["client"], dict) else None
            ctx.server.log.info("NETWORK", logs.ID_CLIENT_METADATA, conn.ctx_name, "client metadata",
                                {"remote": conn.remote, "client": conn.ctx_name, "negotiatedCompressors": [],
                                 "doc": conn.client_metadata})
        conn.hello_count += 1
    await _await_topology(ctx, cmd)
    server = ctx.server
    use_hello = ctx.name == "hello"
    primary_field = "isWritablePrimary" if use_hello else "ismaster"
    reply: dict[str, Any] = {}
    if server.process == "mongos":
        reply[primary_field] = True
        reply["msg"] = "isdbgrid"
        reply["topologyVersion"] = server.topology_version()
        if "helloOk" in cmd:
            reply["helloOk"] = True
    else:
        if "helloOk" in cmd:
            reply["helloOk"] = True
        extension = getattr(server, "hello_extension", None)
        if extension is not None:
            reply.update(extension(ctx, use_hello))
        else:
            reply[primary_field] = True
            reply["topologyVersion"] = server.topology_version()
    reply["maxBsonObjectSize"] = MAX_BSON_OBJECT_SIZE
    reply["maxMessageSizeBytes"] = MAX_MESSAGE_SIZE_BYTES
    reply["maxWriteBatchSize"] = MAX_WRITE_BATCH_SIZE
    reply["localTime"] = _now()
    reply["logicalSessionTimeoutMinutes"] = LOGICAL_SESSION_TIMEOUT_MINUTES
    reply["connectionId"] = conn.id if conn is not None else 0
    if server.process == "mongos":
        reply["maxWireVersion"] = MAX_WIRE_VERSION
        reply["minWireVersion"] = MIN_WIRE_VERSION
    else:
        reply["minWireVersion"] = MIN_WIRE_VERSION
        reply["maxWireVersion"] = MAX_WIRE_VERSION
        reply["readOnly"] = False
    for hook in getattr(server, "hello_tail_hooks", ()):
        hook(ctx, cmd, reply)
    reply["ok"] = 1.0
    return reply


@command("hello", no_auth=True)
async def hello(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await _hello(ctx, cmd)


@command("isMaster", "ismaster", no_auth=True)
async def is_master(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    if cmd.get("apiStrict") is True:
        raise CommandError("APIStrictError", f"Provided apiStrict:true, but the command {ctx.name} is not in API "
                           "Version 1. Information on supported commands and migrations in API Version 1 can be "
                           "found at https://www.mongodb.com/docs/manual/reference/stable-api")
    return await _hello(ctx, cmd)


_ = (ObjectId, Int64)
