"""The database profiler: per-database levels and ``<db>.system.profile`` documents.

``install(server)`` is called once from ``Server.__init__``: it hangs everything the diagnostics layer needs on
the server — the profiler's and the per-namespace statistics' operation observers, start-up server parameters,
the session tracking and transaction-number check.

Level 0 is off, 1 profiles operations slower than ``slowms`` (sampled by ``sampleRate``) or those matching the
database's ``filter``, 2 profiles everything. Documents follow ``OpDebug::append``'s field order and go to a
capped (1 MiB) ``system.profile`` created on first use.
"""

from __future__ import annotations

import datetime as dt
import random
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import bson

from mongosim import parameters
from mongosim.query.match import matcher

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.server import Server
    from mongosim.storage.engine import Collection

PROFILE_COLLECTION = "system.profile"
PROFILE_SIZE = 1 << 20
FILTER_NOTE = ("When a filter expression is set, slowms and sampleRate are not used for profiling and slow-query "
               "log lines.")
_PLAN_KEYS = ("hasSortStage", "usedDisk", "fromMultiPlanner", "fromPlanCache", "replanned", "replanReason")
_WRITE_KEYS = ("nMatched", "nModified", "ninserted", "ndeleted", "nUpserted", "cursorExhausted", "keysInserted",
               "keysDeleted", "writeConflicts")
_HASH_KEYS = ("queryHash", "planCacheShapeHash", "planCacheKey", "queryShapeHash", "queryFramework")


@dataclass
class ProfilerState:
    levels: dict[str, int] = field(default_factory=dict)
    filters: dict[str, dict[str, Any]] = field(default_factory=dict)
    # Bytes held by each profile collection, to keep it under its cap without re-measuring on every insert.
    sizes: dict[str, int] = field(default_factory=dict)


_STATE: weakref.WeakKeyDictionary[Server, ProfilerState] = weakref.WeakKeyDictionary()


def state(server: Server) -> ProfilerState:
    current = _STATE.get(server)
    if current is None:
        current = _STATE[server] = ProfilerState()
        default_filter = server.config.profile_filter
        if default_filter:
            current.filters["*"] = default_filter
    return current


def install(server: Server) -> None:
    from mongosim import nsstats
    from mongosim.commands import sessions

    state(server)
    parameters.apply_startup(server)
    server.op_observers.append(observe)
    server.op_observers.append(nsstats.observe)
    server.before_command.append(sessions.check_transaction_fields)


def level(server: Server, db: str) -> int:
    return state(server).levels.get(db, server.profile_level)


def profile_filter(server: Server, db: str) -> dict[str, Any] | None:
    settings = state(server)
    return settings.filters.get(db, settings.filters.get("*"))


def settings_reply(server: Server, db: str) -> dict[str, Any]:
    reply: dict[str, Any] = {"was": level(server, db), "slowms": server.slowms,
                             "sampleRate": float(server.slow_op_sample_rate)}
    current_filter = profile_filter(server, db)
    if current_filter is not None:
        reply["filter"] = current_filter
        reply["note"] = FILTER_NOTE
    return reply


def set_level(server: Server, db: str, new_level: int, new_filter: Any) -> None:
    settings = state(server)
    settings.levels[db] = new_level
    if new_filter == "unset":
        settings.filters.pop(db, None)
    elif isinstance(new_filter, dict):
        settings.filters[db] = new_filter


def _client_ip(remote: str) -> str:
    return remote.rsplit(":", 1)[0].strip("[]") if ":" in remote else remote


def profile_document(ctx: CommandContext, reply: dict[str, Any], reslen: int, millis: int) -> dict[str, Any]:
    """One system.profile document, in ``OpDebug::append`` order."""
    from mongosim.server import redact

    debug = ctx.debug
    doc: dict[str, Any] = {"op": ctx.op_type, "ns": ctx.namespace, "command": redact(ctx.cmd)}
    for key in ("originatingCommand", "cursorid", "keysExamined", "docsExamined", *_PLAN_KEYS, *_WRITE_KEYS):
        if key in debug:
            doc[key] = debug[key]
    doc["numYield"] = 0
    if "nreturned" in debug:
        doc["nreturned"] = debug["nreturned"]
    for key in _HASH_KEYS:
        if key in debug:
            doc[key] = debug[key]
    if reply.get("ok") != 1:
        doc["ok"] = 0.0
        doc["errMsg"] = reply.get("errmsg")
        doc["errName"] = reply.get("codeName")
        doc["errCode"] = reply.get("code")
    doc["locks"] = {"FeatureCompatibilityVersion": {"acquireCount": {"r": bson.Int64(1)}},
                    "Global": {"acquireCount": {"r": bson.Int64(1)}}}
    doc["flowControl"] = {}
    doc["responseLength"] = reslen
    doc["protocol"] = ctx.protocol
    doc["millis"] = millis
    if "planSummary" in debug:
        doc["planSummary"] = debug["planSummary"]
    if "execStats" in debug:
        doc["execStats"] = debug["execStats"]
    now = dt.datetime.now(dt.UTC)
    doc["ts"] = now.replace(microsecond=now.microsecond // 1000 * 1000)
    conn = ctx.conn
    doc["client"] = _client_ip(conn.remote) if conn is not None else ""
    if conn is not None and conn.app_name:
        doc["appName"] = conn.app_name
    doc["allUsers"] = conn.auth.user_documents() if conn is not None else []
    doc["user"] = conn.auth.principal() if conn is not None else ""
    return doc


def should_profile(ctx: CommandContext, doc: dict[str, Any] | None = None) -> bool:
    server = ctx.server
    current = level(server, ctx.db)
    if current == 0:
        return False
    if current == 2:
        return True
    current_filter = profile_filter(server, ctx.db)
    if current_filter is not None:
        return doc is not None and matcher(current_filter)(doc)
    return doc is not None and doc["millis"] > server.slowms and random.random() < server.slow_op_sample_rate


def observe(ctx: CommandContext, reply: dict[str, Any], reslen: int, millis: int) -> None:
    """Operation observer: write the profile document when the database's level asks for one."""
    server = ctx.server
    if server.storage is None or not ctx.db or level(server, ctx.db) == 0:
        return
    # Writes are frozen under fsyncLock; mongod's profiler gives up rather than wait for the lock.
    if server.fsync_lock_count > 0:
        return
    doc = profile_document(ctx, reply, reslen, millis)
    if should_profile(ctx, doc):
        write(server, ctx.db, doc)


def profile_collection(server: Server, db: str) -> Collection:
    assert server.storage is not None
    coll = server.storage.get_collection(db, PROFILE_COLLECTION)
    if coll is None:
        coll = server.storage.create_collection(db, PROFILE_COLLECTION, {"capped": True, "size": PROFILE_SIZE})
    return coll


def write(server: Server, db: str, doc: dict[str, Any]) -> None:
    coll = profile_collection(server, db)
    settings = state(server)
    ns = coll.ns
    if ns not in settings.sizes:
        settings.sizes[ns] = coll.data_size()
    try:
        coll.insert(doc)
    except KeyError:
        # The engine keys documents by _id; profile documents have none on mongod. Until the engine stores
        # _id-less records (as it must for the oplog), give the entry one so profiling still works.
        doc["_id"] = bson.ObjectId()
        coll.insert(doc)
    settings.sizes[ns] += len(bson.encode(doc))
    cap = int(coll.options.get("size", PROFILE_SIZE))
    if settings.sizes[ns] <= cap:
        return
    # The engine may already have trimmed the capped collection: measure before removing anything.
    settings.sizes[ns] = coll.data_size()
    for oldest in coll.documents():
        if settings.sizes[ns] <= cap:
            break
        coll.delete(oldest)
        settings.sizes[ns] -= len(bson.encode(oldest))
