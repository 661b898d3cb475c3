"""The donor side of a chunk migration (``_shardsvrMoveRange`` on the donor primary), as MongoDB runs it:

1. snapshot the ``_id``s of the range's documents and, in the same step, start recording every change inside
   the range (the oplog's change listeners: inserts, updates, deletes of documents whose old or new shard key
   falls in the range);
2. ``_recvChunkStart`` on the recipient primary, which pulls the documents with ``_migrateClone`` and the
   recorded changes with ``_transferMods`` (deletes by ``_id``, the current document for the others);
3. poll ``_recvChunkStatus`` until the recipient is ``steady``, then hold the critical section (writes to the
   collection wait), ``_recvChunkCommit`` (the recipient drains the last changes), and commit with
   ``_configsvrCommitChunkMigration`` on the config server primary;
4. refresh the filtering metadata, release the critical section (waiting writes fail with StaleConfig and the
   router retries them on the new owner), and delete the range (synchronously with ``waitForDelete``).
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import OrderedDict
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

import bson

from mongosim import MAX_BSON_OBJECT_SIZE
from mongosim.errors import CommandError
from mongosim.repl.peer import PeerError
from mongosim.sharding.filtering import CollectionMetadata, in_range
from mongosim.sharding.range_bounds import other_bound
from mongosim.sharding.range_deleter import new_migration_id
from mongosim.sharding.remote import RemoteSet, raise_for
from mongosim.sharding.routing import Chunk, RoutingTable
from mongosim.sharding.versions import ChunkVersion
from mongosim.storage.keys import id_key

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState
    from mongosim.storage.collection import Collection

STEADY_TIMEOUT_S = 600.0
ID_MIGRATION_COMMITTED = 22018


class MigrationSource:
    """The donor's record of one migration: the clone cursor and the changes recorded since it started."""

    def __init__(self, state: ShardingState, coll: Collection, metadata: CollectionMetadata, min_key: dict[str, Any],
                 max_key: dict[str, Any], to_shard: str) -> None:
        assert metadata.table is not None
        self.state = state
        self.coll = coll
        self.ns = coll.ns
        self.metadata = metadata
        self.table = metadata.table
        self.min, self.max = min_key, max_key
        pattern = self.table.pattern
        self.low, self.high = pattern.sort_key(min_key), pattern.sort_key(max_key)
        self.to_shard = to_shard
        self.session_id = f"{state.shard_name}_{to_shard}_{bson.ObjectId()}"
        self.migration_id = new_migration_id()
        self._clone_ids: list[Any] = []
        self._clone_pos = 0
        self._mods: OrderedDict[Any, Any] = OrderedDict()
        self.cloned = self.cloned_bytes = 0

    # ------------------------------------------------------------------------------------------- recording
    def start(self) -> None:
        """Snapshot the range's ``_id``s and start recording changes, with no yield in between."""
        self._clone_ids = [doc["_id"] for doc in self.range_documents()]
        oplog = self.state.server.oplog
        if oplog is not None:
            oplog.change_listeners.append(self._changed)

    def range_documents(self) -> Iterator[dict[str, Any]]:
        return (doc for doc in self.coll.documents() if in_range(self.table, doc, self.low, self.high))

    def stop(self) -> None:
        oplog = self.state.server.oplog
        if oplog is not None and self._changed in oplog.change_listeners:
            oplog.change_listeners.remove(self._changed)

    def _changed(self, coll: Collection, op: str, old: dict[str, Any] | None, new: dict[str, Any] | None) -> None:
        if coll.ns != self.ns:
            return
        doc = new if new is not None else old
        assert doc is not None
        inside = (new is not None and in_range(self.table, new, self.low, self.high)) or \
            (old is not None and in_range(self.table, old, self.low, self.high))
        if inside:
            key = id_key(doc["_id"])
            self._mods.pop(key, None)
            self._mods[key] = doc["_id"]

    # ------------------------------------------------------------------------------------------- serving
    def next_clone_batch(self) -> list[dict[str, Any]]:
        """The next documents to clone (current versions, up to 16 MB); empty when the clone is complete."""
        out: list[dict[str, Any]] = []
        size = 0
        ids, coll = self._clone_ids, self.coll
        while self._clone_pos < len(ids):
            doc = coll.get(ids[self._clone_pos])
            if doc is not None and in_range(self.table, doc, self.low, self.high):
                doc_size = len(bson.encode(doc))
                if out and size + doc_size > MAX_BSON_OBJECT_SIZE - 1024 * 1024:
                    break
                out.append(doc)
                size += doc_size
            self._clone_pos += 1
        self.cloned += len(out)
        self.cloned_bytes += size
        return out

    def transfer_mods(self) -> dict[str, Any]:
        """The changes recorded since the last call: ``deleted`` ``{_id}``s and ``reload`` documents."""
        deleted: list[dict[str, Any]] = []
        reload: list[dict[str, Any]] = []
        size = 0
        while self._mods and size < MAX_BSON_OBJECT_SIZE - 1024 * 1024:
            _, id_value = self._mods.popitem(last=False)
            doc = self.coll.get(id_value)
            if doc is not None and in_range(self.table, doc, self.low, self.high):
                reload.append(doc)
                size += len(bson.encode(doc))
            else:
                deleted.append({"_id": id_value})
                size += 32
        return {"deleted": deleted, "reload": reload, "size": size}


async def move_range(state: ShardingState, ns: str, to_shard: str, min_key: dict[str, Any] | None,
                     max_key: dict[str, Any] | None, wait_for_delete: bool,
                     max_chunk_bytes: int = 0) -> dict[str, Any]:
    """Run one migration as the donor; returns the details logged with moveChunk.from. With one bound missing,
    the other is computed here (about ``max_chunk_bytes`` of data, as 8.0's donor does with autoSplitVector)."""
    if state.donor is not None:
        raise CommandError("ConflictingOperationInProgress", f"Unable to start new balancer operation because this "
                           f"shard is currently donating range '{state.donor.ns}{state.donor.min} -> "
                           f"{state.donor.max}' to shard {state.donor.to_shard}")
    started = time.monotonic()
    metadata = await state.refresh(ns)
    if metadata.table is None:
        raise CommandError("NamespaceNotSharded", f"Collection {ns} is not sharded")
    table = metadata.table
    pattern = table.pattern
    storage = state.server.storage
    assert storage is not None
    db, _, name = ns.partition(".")
    if min_key is None and max_key is None:
        raise CommandError("InvalidOptions", "Missing required parameter 'min' or 'max'")
    if min_key is None:
        assert max_key is not None
        chunk = _chunk_ending_at(table, max_key)
        min_key = other_bound(storage.get_collection(db, name), pattern, chunk.min, max_key, max_chunk_bytes,
                              forward=False) or chunk.min
    else:
        chunk = table.chunk_for(min_key)
        if max_key is None:
            max_key = other_bound(storage.get_collection(db, name), pattern, min_key, chunk.max, max_chunk_bytes,
                                  forward=True) or chunk.max
    if chunk.shard != state.shard_name or pattern.sort_key(chunk.min) > pattern.sort_key(min_key) \
            or pattern.sort_key(max_key) > pattern.sort_key(chunk.max) \
            or pattern.sort_key(min_key) >= pattern.sort_key(max_key):
        raise CommandError("IllegalOperation", f"Unable to move range {min_key} -> {max_key} of {ns}: the range "
                           f"is not within a chunk owned by shard {state.shard_name}")
    if to_shard == state.shard_name:
        raise CommandError("IllegalOperation", "Destination shard cannot be the same as source")
    coll = storage.get_or_create_collection(db, name)
    recipient = await _shard_remote(state, to_shard)
    source = MigrationSource(state, coll, metadata, min_key, max_key, to_shard)
    state.donor = source
    source.start()
    try:
        return await _run(state, source, recipient, wait_for_delete, started)
    finally:
        source.stop()
        state.donor = None
        event = state.critical_sections.pop(ns, None)
        if event is not None:
            event.set()


def _chunk_ending_at(table: RoutingTable, max_key: dict[str, Any]) -> Chunk:
    """The chunk whose max is ``max_key``, else the one holding it (8.0's getChunkForMaxBound)."""
    bound = table.pattern.sort_key(max_key)
    ending = next((c for c in table.chunks if table.pattern.sort_key(c.max) == bound), None)
    return ending if ending is not None else table.chunk_for(max_key)


async def _shard_remote(state: ShardingState, shard: str) -> RemoteSet:
    docs = await state.config_find("shards", {"_id": shard})
    if not docs:
        raise CommandError("ShardNotFound", f"Shard {shard} not found")
    return RemoteSet.from_connection_string(str(docs[0]["host"]))


async def _run(state: ShardingState, source: MigrationSource, recipient: RemoteSet, wait_for_delete: bool,
               started: float) -> dict[str, Any]:
    ns, table = source.ns, source.table
    steps: dict[str, int] = {}
    mark = time.monotonic()

    def step(name: str) -> None:
        nonlocal mark
        now = time.monotonic()
        steps[name] = int((now - mark) * 1000)
        mark = now

    donor_conn = _own_connection_string(state)
    deleter = state.range_deleter
    # Recorded (pending) before anything moves, so that a restart at any point can finish the cleanup.
    deleter.create(source.migration_id, ns, source.coll.uuid, table.pattern.key, source.min, source.max,
                   state.shard_name, when="now" if wait_for_delete else "delayed",
                   pre_migration_version=source.metadata.shard_version.to_wire())
    committing = False
    try:
        await deleter.majority()
        raise_for(await recipient.command("admin", {
            "_recvChunkStart": ns, "uuid": table.uuid, "sessionId": source.session_id,
            "migrationId": source.migration_id, "from": donor_conn, "fromShardName": state.shard_name,
            "toShardName": source.to_shard, "min": source.min, "max": source.max,
            "shardKeyPattern": table.pattern.key, "epoch": table.epoch, "collectionTimestamp": table.timestamp}))
        step("step 1 of 6")
        step("step 2 of 6")
        await _wait_steady(recipient, source)
        step("step 3 of 6")
        step("step 4 of 6")
        state.critical_sections[ns] = asyncio.Event()
        raise_for(await recipient.command("admin", {"_recvChunkCommit": ns, "sessionId": source.session_id}))
        committing = True
        version = await _commit(state, source)
    except BaseException as exc:
        await _abort(recipient, source)
        if not committing:
            deleter.forget(source.migration_id)
        elif not isinstance(exc, asyncio.CancelledError):
            # The commit's outcome is unknown (the config server may have committed): decide from its catalog.
            with contextlib.suppress(CommandError, PeerError, OSError):
                await deleter.resolve_pending(source.migration_id, during_migration=True)
        raise
    step("step 5 of 6")
    await state.refresh(ns)
    event = state.critical_sections.pop(ns, None)
    if event is not None:
        event.set()
    # Should this fail, the recipient counts the range as orphans until it refreshes; no data is affected.
    with contextlib.suppress(CommandError):
        await recipient.command("admin", {"_recvChunkReleaseCritSec": ns, "sessionId": source.session_id},
                                timeout_s=30.0)
    state.server.log.info("MIGRATE", ID_MIGRATION_COMMITTED, "MoveChunk", "Migration succeeded and updated "
                          "collection placement version", {"updatedCollectionPlacementVersion": version,
                                                           "migrationId": source.migration_id})
    # What the donor still stores of the range are orphans from now on: the task is ready.
    job = deleter.mark_ready(source.migration_id, sum(1 for _ in source.range_documents()))
    with contextlib.suppress(CommandError):
        await deleter.majority()
    if wait_for_delete and job is not None:
        await asyncio.wait({job})
    step("step 6 of 6")
    details = {"min": source.min, "max": source.max, **steps, "to": source.to_shard, "from": state.shard_name,
               "counts": {"cloned": source.cloned, "clonedBytes": source.cloned_bytes},
               "migrationId": source.migration_id, "totalTimeMillis": int((time.monotonic() - started) * 1000),
               "note": "success"}
    return details


def _own_connection_string(state: ShardingState) -> str:
    repl = state.server.repl
    config = getattr(repl, "config", None)
    if config is not None:
        return f"{config.name}/{','.join(m.host for m in config.members)}"
    return state.server.host_and_port


async def _wait_steady(recipient: RemoteSet, source: MigrationSource) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + STEADY_TIMEOUT_S
    while True:
        status = raise_for(await recipient.command("admin", {"_recvChunkStatus": source.ns,
                                                              "sessionId": source.session_id}))
        phase = status.get("state")
        if phase == "steady":
            return
        if phase in ("fail", "abort"):
            raise CommandError("OperationFailed", f"Data transfer error: {status.get('errmsg', phase)}")
        if loop.time() >= deadline:
            raise CommandError("ExceededTimeLimit", "Timed out waiting for the recipient to catch up")
        await asyncio.sleep(0.02)


async def _commit(state: ShardingState, source: MigrationSource) -> Any:
    table = source.table
    owned = [c for c in table.chunks if c.shard == state.shard_name]
    chunk = table.chunk_for(source.min)
    oplog = state.server.oplog
    reply = await state.config.command("admin", {
        "_configsvrCommitChunkMigration": source.ns, "fromShard": state.shard_name, "toShard": source.to_shard,
        "migratedChunk": {"min": source.min, "max": source.max,
                          "lastmod": ChunkVersion(chunk.lastmod.time, chunk.lastmod.inc, table.epoch,
                                                  table.timestamp).to_wire()},
        "fromShardCollectionVersion": state.metadata[source.ns].shard_version.to_wire() if owned else
        table.collection_version.to_wire(),
        "validAfter": oplog.next_ts() if oplog is not None else bson.Timestamp(int(time.time()), 1),
        "writeConcern": {"w": "majority"}})
    return raise_for(reply).get("shardVersion")


async def _abort(recipient: RemoteSet, source: MigrationSource) -> None:
    with contextlib.suppress(CommandError):
        await recipient.command("admin", {"_recvChunkAbort": source.ns, "sessionId": source.session_id},
                                timeout_s=10.0)
