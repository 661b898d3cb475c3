"""DDL coordinators on a database's primary shard: dropping a collection and dropping a database, as MongoDB
8.0's ``DropCollectionCoordinator`` and ``DropDatabaseCoordinator`` do it, and what a participant shard does
when asked.

mongos sends ``_shardsvrDropCollection`` / ``_shardsvrDropDatabase`` to the database's primary shard with the
database version it routed by (a shard that is not, or no longer, primary answers StaleDbVersion). The primary
shard records the operation in its ``config.system.sharding_ddl_coordinators`` (``{_id: {namespace,
operationType}, phase, ...}``) before acting and moves it through named phases, so a drop interrupted midway
(a shard unreachable, the coordinator restarted) is resumed from its record by the next request for the same
namespace, and every phase can be run twice: a retry converges.

dropCollection phases: ``freezeCollection`` (the collection's config.collections entry is remembered and
``dropCollection.start`` logged), ``enterCriticalSection`` (writes to the collection wait on every shard),
``dropCollection`` (the catalog entries — config.collections, config.chunks through ``_configsvrRemoveChunks``,
config.tags through ``_configsvrRemoveTags`` — are removed, the collection is dropped on every other shard, then
on the primary shard, each shard forgetting its filtering metadata; ``dropCollection`` logged),
``releaseCriticalSection`` (waiting writes go on, find the collection gone and come back through the router as
StaleConfig, so routers refresh). Drops go to every shard, tracked or not: migrations and movePrimary can
leave copies behind.

dropDatabase phases: ``dropCollections`` (``dropDatabase.start``; each tracked collection of the database
dropped as above), ``dropDatabase`` (writes to the database wait on the primary shard; every shard drops its
copy of the database and forgets its database version; the config.databases entry goes; ``dropDatabase``
logged).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import re
import time
from typing import TYPE_CHECKING, Any

import bson

from mongosim import nsstats
from mongosim.errors import CommandError
from mongosim.sharding.remote import RemoteSet, raise_for

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState

COORDINATORS = "system.sharding_ddl_coordinators"
MAJORITY = {"w": "majority"}
# A coordinator keeps retrying a step that failed for a transient reason (a shard unreachable or electing) this
# long, as MongoDB's coordinators retry until they succeed.
RETRY_FOR_S = 600.0
_RETRY_PAUSE_S = 0.5
# HostUnreachable, HostNotFound, NetworkTimeout, FailedToSatisfyReadPreference, ShutdownInProgress,
# InterruptedAtShutdown, NotWritablePrimary, PrimarySteppedDown, InterruptedDueToReplStateChange,
# NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, SocketException, WriteConcernFailed.
RETRIABLE = frozenset({6, 7, 89, 133, 91, 11600, 10107, 189, 11602, 13435, 13436, 9001, 64})


# ---------------------------------------------------------------------------------------------- plumbing
class Participants:
    """The cluster's shards as the coordinator reaches them: itself locally, the others over the network,
    every call retried while the failure is transient."""

    def __init__(self, state: ShardingState) -> None:
        self.state = state
        self._remotes: dict[str, RemoteSet] = {}
        self.shards: list[str] = []

    async def load(self) -> list[str]:
        docs = await self.state.config_find("shards", {}, {"_id": 1})
        for doc in docs:
            current = self._remotes.get(str(doc["_id"]))
            if current is None or current.connection_string != doc["host"]:
                self._remotes[str(doc["_id"])] = RemoteSet.from_connection_string(str(doc["host"]))
        self.shards = [str(d["_id"]) for d in docs]
        return self.shards

    @property
    def others(self) -> list[str]:
        me = self.state.shard_name
        return [s for s in self.shards if s != me]

    async def command(self, shard: str, db: str, cmd: dict[str, Any]) -> dict[str, Any]:
        remote = self._remotes[shard]
        return await retrying(self.state, lambda: remote.command(db, cmd, timeout_s=30.0))

    async def config(self, db: str, cmd: dict[str, Any]) -> dict[str, Any]:
        config = self.state.config
        return await retrying(self.state, lambda: config.command(db, cmd, timeout_s=30.0))

    def close(self) -> None:
        for remote in self._remotes.values():
            remote.close()
        self._remotes.clear()


async def retrying(state: ShardingState, call: Any) -> dict[str, Any]:
    """``await call()`` until it succeeds, retrying transient failures for RETRY_FOR_S; other errors raise."""
    deadline = time.monotonic() + RETRY_FOR_S
    while True:
        try:
            return raise_for(await call())
        except CommandError as exc:
            if exc.code not in RETRIABLE or time.monotonic() >= deadline or state.server.shutting_down:
                raise
        await asyncio.sleep(_RETRY_PAUSE_S)


def _locks(state: ShardingState) -> dict[str, asyncio.Lock]:
    locks: dict[str, asyncio.Lock] | None = getattr(state, "ddl_locks", None)
    if locks is None:
        locks = {}
        state.ddl_locks = locks  # type: ignore[attr-defined]
    return locks


@contextlib.asynccontextmanager
async def ddl_lock(state: ShardingState, name: str) -> Any:
    """The primary shard's DDL lock of a database or namespace: one coordinator at a time per name."""
    locks = _locks(state)
    lock = locks.setdefault(name, asyncio.Lock())
    async with lock:
        yield


async def check_database_version(state: ShardingState, db: str, received: Any) -> None:
    """A router's request for a database DDL must reach the primary shard with the current database version
    (StaleDbVersion otherwise, with ``vWanted`` when this shard is the primary)."""
    cached = await state.refresh_database(db)
    if cached is None:
        raise CommandError("StaleDbVersion", f"database {db} does not exist", db=db, vReceived=received)
    version = cached.get("version") or {}
    if cached.get("primary") != state.shard_name:
        raise CommandError("StaleDbVersion", f"this shard is not the primary shard of {db}", db=db,
                           vReceived=received)
    if isinstance(received, dict) and (version.get("uuid") != received.get("uuid")
                                       or version.get("timestamp") != received.get("timestamp")):
        raise CommandError("StaleDbVersion", f"version mismatch detected for {db}", db=db, vReceived=received,
                           vWanted=version)


# ---------------------------------------------------------------------------------------------- records
def _records(state: ShardingState) -> Any:
    storage = state.server.storage
    assert storage is not None
    return storage.get_or_create_collection("config", COORDINATORS)


def load_record(state: ShardingState, namespace: str, operation: str) -> dict[str, Any] | None:
    doc = _records(state).get({"namespace": namespace, "operationType": operation})
    return dict(doc) if doc is not None else None


def save_record(state: ShardingState, record: dict[str, Any]) -> None:
    """Persist the coordinator's record (journalled at once: a crash right after must still find it)."""
    coll = _records(state)
    current = coll.get(record["_id"])
    if current is None:
        coll.insert(dict(record))
    else:
        coll.replace(current, dict(record))
    storage = state.server.storage
    if storage is not None:
        storage.sync_journal()


def delete_record(state: ShardingState, record: dict[str, Any]) -> None:
    coll = _records(state)
    current = coll.get(record["_id"])
    if current is not None:
        coll.delete(current)


def new_record(namespace: str, operation: str, phase: str, **fields: Any) -> dict[str, Any]:
    return {"_id": {"namespace": namespace, "operationType": operation}, "phase": phase, **fields}


async def log_change(parts: Participants, what: str, ns: str, details: dict[str, Any]) -> None:
    """A config.changelog entry, as ShardingLogging writes one from a shard."""
    server = parts.state.server
    now = dt.datetime.now(dt.UTC)
    now = now.replace(microsecond=now.microsecond // 1000 * 1000)
    doc = {"_id": f"{server.host_and_port}-{now.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}+00:00-{bson.ObjectId()}",
           "server": server.host_and_port, "shard": parts.state.shard_name, "clientAddr": "", "time": now,
           "what": what, "ns": ns, "details": details}
    await parts.config("config", {"insert": "changelog", "documents": [doc], "writeConcern": MAJORITY})


# ---------------------------------------------------------------------------------------------- participant
def block(state: ShardingState, key: str) -> None:
    """Hold the critical section of a namespace (or of a whole database, keyed by its name): writes wait."""
    if key not in state.critical_sections:
        state.critical_sections[key] = asyncio.Event()


def unblock(state: ShardingState, key: str) -> None:
    event = state.critical_sections.pop(key, None)
    if event is not None:
        event.set()


def drop_local(state: ShardingState, db: str, name: str) -> int | None:
    """Drop the collection on this shard and forget its filtering metadata and pending range deletions;
    the number of indexes it had, None when it did not exist."""
    server = state.server
    storage = server.storage
    assert storage is not None
    ns = f"{db}.{name}"
    state.forget(ns)
    coll = storage.get_collection(db, name)
    if coll is None:
        return None
    deleter = state.range_deleter
    if deleter is not None:  # the collection's orphans go with it: its pending range deletions are moot
        for task in deleter.tasks_for(coll.uuid):
            deleter.forget(task["_id"])
    n_indexes = len(coll.list_indexes())
    server.cursors.kill_for_namespace(ns)
    storage.drop_collection(db, name)
    nsstats.forget(server, ns)
    return n_indexes


def drop_database_local(state: ShardingState, db: str) -> None:
    server = state.server
    storage = server.storage
    assert storage is not None
    for coll in storage.list_collections(db):
        drop_local(state, db, coll.name)
    storage.drop_database(db)
    for ns in [n for n in state.metadata if n.partition(".")[0] == db]:
        state.forget(ns)
    state.databases.pop(db, None)


async def _on_all(parts: Participants, db: str, cmd: dict[str, Any], local: Any) -> dict[str, dict[str, Any]]:
    """``cmd`` on every other shard, then ``local()`` here (the primary shard goes last, as MongoDB does)."""
    replies = {}
    for shard in parts.others:
        replies[shard] = await parts.command(shard, db, cmd)
    replies[parts.state.shard_name] = local()
    return replies


# ---------------------------------------------------------------------------------------------- dropCollection
async def drop_collection(state: ShardingState, db: str, name: str) -> dict[str, Any]:
    """Coordinate the drop of ``db.name`` from its primary shard; the reply mongos returns."""
    ns = f"{db}.{name}"
    parts = Participants(state)
    try:
        async with ddl_lock(state, ns):
            record = load_record(state, ns, "dropCollection")
            if record is None:
                colls = await state.config_find("collections", {"_id": ns})
                record = new_record(ns, "dropCollection", "freezeCollection",
                                    collInfo=colls[0] if colls else None)
                save_record(state, record)
            return await _run_drop_collection(parts, db, name, record)
    finally:
        parts.close()


async def _run_drop_collection(parts: Participants, db: str, name: str, record: dict[str, Any]) -> dict[str, Any]:
    state = parts.state
    ns = f"{db}.{name}"
    await parts.load()
    reason = {"command": "dropCollection", "ns": ns}

    def advance(phase: str) -> None:
        record["phase"] = phase
        save_record(state, record)

    if record["phase"] == "freezeCollection":
        await log_change(parts, "dropCollection.start", ns, {})
        advance("enterCriticalSection")
    if record["phase"] == "enterCriticalSection":
        await _on_all(parts, db, {"_shardsvrParticipantBlock": name, "blockType": "ReadsAndWrites",
                                  "reason": reason}, lambda: block(state, ns))
        advance("dropCollection")
    if record["phase"] == "dropCollection":
        info = record.get("collInfo")
        if info is not None:
            await parts.config("config", {"delete": "collections", "deletes": [
                {"q": {"_id": ns, "uuid": info.get("uuid")}, "limit": 0}], "writeConcern": MAJORITY})
            await parts.config("admin", {"_configsvrRemoveChunks": 1, "collectionUUID": info.get("uuid"),
                                         "writeConcern": MAJORITY})
            await parts.config("admin", {"_configsvrRemoveTags": ns, "writeConcern": MAJORITY})
        replies = await _on_all(parts, db, {"_shardsvrDropCollectionParticipant": name, "writeConcern": MAJORITY},
                                lambda: {"nIndexesWas": drop_local(state, db, name)})
        was = replies[state.shard_name].get("nIndexesWas")
        if was is None:
            was = next((r["nIndexesWas"] for r in replies.values() if r.get("nIndexesWas") is not None), None)
        if was is not None and record.get("nIndexesWas") is None:
            record["nIndexesWas"] = was
        await log_change(parts, "dropCollection", ns, {})
        advance("releaseCriticalSection")
    if record["phase"] == "releaseCriticalSection":
        await _on_all(parts, db, {"_shardsvrParticipantBlock": name, "blockType": "Unblock", "reason": reason},
                      lambda: unblock(state, ns))
        delete_record(state, record)
    reply: dict[str, Any] = {"ns": ns}
    if record.get("nIndexesWas") is not None:
        reply["nIndexesWas"] = record["nIndexesWas"]
    return reply


# ---------------------------------------------------------------------------------------------- dropDatabase
async def drop_database(state: ShardingState, db: str) -> dict[str, Any]:
    """Coordinate the drop of database ``db`` from its primary shard."""
    parts = Participants(state)
    try:
        async with ddl_lock(state, db):
            record = load_record(state, db, "dropDatabase")
            if record is None:
                record = new_record(db, "dropDatabase", "dropCollections")
                save_record(state, record)
                await log_change(parts, "dropDatabase.start", db, {})
            if record["phase"] == "dropCollections":
                prefix = f"^{re.escape(db)}\\."
                for coll in await state.config_find("collections", {"_id": {"$regex": prefix}}):
                    _, _, name = str(coll["_id"]).partition(".")
                    await drop_collection(state, db, name)
                record["phase"] = "dropDatabase"
                save_record(state, record)
            await parts.load()
            block(state, db)
            try:
                await _on_all(parts, db, {"_shardsvrDropDatabaseParticipant": 1, "writeConcern": MAJORITY},
                              lambda: drop_database_local(state, db))
                await parts.config("config", {"delete": "databases", "deletes": [{"q": {"_id": db}, "limit": 1}],
                                              "writeConcern": MAJORITY})
                state.databases.pop(db, None)
                await log_change(parts, "dropDatabase", db, {})
                delete_record(state, record)
            finally:
                unblock(state, db)
            return {"dropped": db}
    finally:
        parts.close()
