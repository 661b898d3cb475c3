"""currentOp / $currentOp documents and killOp.

Operations come from ``server.active_ops`` (the CommandContext of every command in flight) and connections from
``server.connections``; idle cursors from the cursor manager. The shapes and field order follow the server's
``CurOp::reportState``; commands are redacted as in the log.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.serverstatus import is_write

if TYPE_CHECKING:
    from mongosim.connection import Connection
    from mongosim.context import CommandContext
    from mongosim.server import Server

FSYNC_INFO = "use db.fsyncUnlock() to terminate the fsync write/snapshot lock"
_STAGE_OPTIONS = ("allUsers", "idleConnections", "idleCursors", "idleSessions", "localOps", "backtrace",
                  "targetAllNodes", "truncateOps")


def current_op_time() -> str:
    now = dt.datetime.now(dt.UTC)
    return now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"


def _client_fields(server: Server, conn: Connection | None) -> dict[str, Any]:
    doc: dict[str, Any] = {"type": "op", "host": server.host_and_port}
    if conn is None:
        return doc
    doc["desc"] = conn.ctx_name
    doc["connectionId"] = conn.id
    doc["client"] = conn.remote
    if conn.app_name:
        doc["appName"] = conn.app_name
    if conn.client_metadata is not None:
        doc["clientMetadata"] = conn.client_metadata
    return doc


def op_document(server: Server, ctx: CommandContext) -> dict[str, Any]:
    from mongosim.server import redact

    doc = _client_fields(server, ctx.conn)
    doc["active"] = True
    doc["currentOpTime"] = current_op_time()
    users = ctx.conn.auth.user_documents() if ctx.conn is not None else []
    if users:
        doc["effectiveUsers"] = users
    doc["threaded"] = True
    doc["opid"] = ctx.opid
    if isinstance(ctx.cmd.get("lsid"), dict):
        doc["lsid"] = ctx.cmd["lsid"]
    elapsed_us = int((time.monotonic() - ctx.started) * 1_000_000)
    doc["secs_running"] = Int64(elapsed_us // 1_000_000)
    doc["microsecs_running"] = Int64(elapsed_us)
    doc["op"] = ctx.op_type
    doc["ns"] = ctx.namespace
    doc["redacted"] = False
    doc["command"] = redact(ctx.cmd)
    if "planSummary" in ctx.debug:
        doc["planSummary"] = ctx.debug["planSummary"]
    doc["numYields"] = 0
    if "queryFramework" in ctx.debug:
        doc["queryFramework"] = ctx.debug["queryFramework"]
    if ctx.killed:
        doc["killPending"] = True
    blocked = server.fsync_lock_count > 0 and is_write(ctx.name)
    doc["locks"] = {} if blocked else {"FeatureCompatibilityVersion": "r", "Global": "r"}
    doc["waitingForLock"] = blocked
    doc["lockStats"] = {}
    doc["waitingForFlowControl"] = False
    doc["flowControlStats"] = {}
    return doc


def _idle_connection(server: Server, conn: Connection) -> dict[str, Any]:
    doc = _client_fields(server, conn)
    doc["active"] = False
    doc["currentOpTime"] = current_op_time()
    doc["threaded"] = True
    return doc


def _idle_cursors(server: Server) -> list[dict[str, Any]]:
    docs = []
    for cursor in server.cursors.all():
        if cursor.pinned:
            continue
        doc: dict[str, Any] = {"type": "idleCursor", "host": server.host_and_port, "ns": cursor.ns}
        if cursor.lsid is not None:
            doc["lsid"] = cursor.lsid
        if cursor.plan_summary:
            doc["planSummary"] = cursor.plan_summary
        doc["cursor"] = {
            "cursorId": Int64(cursor.id),
            "createdDate": dt.datetime.fromtimestamp(cursor.created, dt.UTC),
            "lastAccessDate": dt.datetime.fromtimestamp(cursor.last_access, dt.UTC),
            "nDocsReturned": Int64(cursor.n_returned), "nBatchesReturned": Int64(cursor.n_batches),
            "noCursorTimeout": cursor.no_timeout, "tailable": cursor.tailable, "awaitData": cursor.await_data,
            "originatingCommand": cursor.originating_command, "planSummary": cursor.plan_summary or "COLLSCAN",
            "operationUsingCursorId": Int64(0)}
        docs.append(doc)
    return docs


def parse_stage_spec(spec: Any) -> dict[str, bool]:
    if not isinstance(spec, dict):
        raise CommandError("FailedToParse", "$currentOp options must be specified in an object, but found: "
                           f"{type(spec).__name__}")
    options = {"allUsers": False, "idleConnections": False, "idleCursors": False, "idleSessions": True,
               "localOps": False}
    for key, value in spec.items():
        if key not in _STAGE_OPTIONS:
            raise CommandError("FailedToParse", f"Unrecognized option '{key}' in $currentOp stage.")
        if not isinstance(value, bool):
            raise CommandError("FailedToParse", f"The '{key}' parameter of the $currentOp stage must be a boolean "
                               f"value, but found: {type(value).__name__}")
        options[key] = value
    return options


def collect(server: Server, requester: Connection | None, options: dict[str, bool]) -> list[dict[str, Any]]:
    """The $currentOp stage output: active operations, then idle connections and cursors when asked."""
    own_only = not options.get("allUsers", False) and bool(requester and requester.auth.users
                                                            and server.config.auth)
    docs: list[dict[str, Any]] = []
    busy: set[int] = set()
    for ctx in list(server.active_ops.values()):
        if ctx.conn is not None:
            busy.add(ctx.conn.id)
            if own_only and requester is not None and \
                    ctx.conn.auth.users != requester.auth.users:
                continue
        docs.append(op_document(server, ctx))
    if options.get("idleConnections"):
        for conn in list(server.connections.values()):
            if conn.id not in busy:
                docs.append(_idle_connection(server, conn))
    if options.get("idleCursors"):
        docs.extend(_idle_cursors(server))
    return docs


def current_op_command(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """``{currentOp: 1, $all?, $ownOps?, <filter>...}`` -> ``{inprog: [...], [fsyncLock, info]}``."""
    include_all = bool(cmd.get("$all"))
    filter_doc = {key: value for key, value in cmd.items()
                  if key not in ("currentOp", "$all", "$ownOps", "$truncateOps") and not key.startswith("$")
                  and key not in ("lsid", "comment", "maxTimeMS", "readPreference", "apiVersion", "apiStrict",
                                  "apiDeprecationErrors", "txnNumber", "autocommit")}
    options = {"allUsers": not cmd.get("$ownOps"), "idleConnections": include_all, "idleCursors": False}
    predicate = matcher(filter_doc)
    inprog = [doc for doc in collect(ctx.server, ctx.conn, options) if predicate(doc)]
    reply: dict[str, Any] = {"inprog": inprog}
    if ctx.server.fsync_lock_count > 0:
        reply["fsyncLock"] = True
        reply["info"] = FSYNC_INFO
    return reply


def kill_op(server: Server, opid: Any) -> None:
    """Mark the operation killed: its next interrupt check raises Interrupted (11601)."""
    if isinstance(opid, str) and ":" in opid:  # mongos form "<shard>:<opid>"
        opid = opid.rsplit(":", 1)[1]
    try:
        number = int(opid)
    except (TypeError, ValueError) as exc:
        raise CommandError("BadValue", "Expected op to be an integer or string of the form "
                           "\"shardName:opNumber\"") from exc
    ctx = server.active_ops.get(number)
    if ctx is None:
        return
    ctx.kill()
