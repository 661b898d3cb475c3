"""movePrimary on the database's current primary shard (MongoDB 8.0's ``MovePrimaryCoordinator``): the
database's untracked collections move to another shard while writes to the database wait.

mongos sends ``_shardsvrMovePrimary {_shardsvrMovePrimary: db, to}`` to the primary shard with its database
version. The coordinator records itself in ``config.system.sharding_ddl_coordinators`` and:

1. ``clone`` — takes the database's critical section (every write to a collection of the database waits,
   those of new collections included), lets writes already past the check finish, then copies each untracked
   collection (options, indexes, documents) to the recipient shard, which must not hold documents of them;
2. ``commit`` — ``_configsvrCommitMovePrimary`` makes the recipient the primary shard with a new database
   version, and this shard forgets its cached database entry;
3. ``clean`` — releases the critical section (the writes that waited now fail with StaleDbVersion, so their
   routers refresh and send them to the new primary shard) and drops the old copies.

A clone that fails for good drops what it copied and releases the section (nothing moved). A coordinator
resumed from its record after losing its critical section (a restart) clones again unless the config server
already committed the move, so writes accepted meanwhile are never lost.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

import bson

from mongosim.errors import CommandError
from mongosim.sharding.ddl_coordinator import (
    MAJORITY,
    Participants,
    block,
    ddl_lock,
    delete_record,
    drop_local,
    load_record,
    log_change,
    new_record,
    save_record,
    unblock,
)

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState
    from mongosim.storage.collection import Collection

_BATCH_BYTES = 8 * 1024 * 1024
_BATCH_DOCS = 1000


async def move_primary(state: ShardingState, db: str, to_shard: str) -> None:
    parts = Participants(state)
    try:
        async with ddl_lock(state, db):
            shards = await parts.load()
            if to_shard not in shards:
                raise CommandError("ShardNotFound", f"Could not find shard {to_shard}")
            record = load_record(state, db, "movePrimary")
            if record is not None and record["toShardId"] != to_shard:
                raise CommandError("ConflictingOperationInProgress", f"Another movePrimary of {db} to "
                                   f"{record['toShardId']} is in progress")
            if record is None:
                if to_shard == state.shard_name:
                    return
                record = new_record(db, "movePrimary", "clone", toShardId=to_shard, collections=[])
                save_record(state, record)
                await log_change(parts, "movePrimary.start", db, {"from": state.shard_name, "to": to_shard})
            await _run(parts, db, record)
    finally:
        parts.close()


async def _run(parts: Participants, db: str, record: dict[str, Any]) -> None:
    state = parts.state
    to_shard = record["toShardId"]

    def advance(phase: str) -> None:
        record["phase"] = phase
        save_record(state, record)

    if record["phase"] == "commit" and db not in state.critical_sections:
        # Resumed after the section was lost: unless the move committed, writes may have landed here since the
        # copy, so it is made again.
        current = await state.config_find("databases", {"_id": db})
        committed = bool(current) and current[0].get("primary") == to_shard
        advance("clean" if committed else "clone")
    if record["phase"] == "clone":
        block(state, db)
        try:
            await _drop_copies(parts, to_shard, db, record["collections"])
            for _ in range(3):
                await asyncio.sleep(0)  # writes that passed the check before the section finish first
            names = await _untracked_collections(state, db)
            record["collections"] = names
            await _check_empty(parts, to_shard, db, names)
            for name in names:
                await _copy(parts, to_shard, db, name)
        except BaseException:
            await _abort(parts, db, record)
            raise
        advance("commit")
    if record["phase"] == "commit":
        cached = state.databases.get(db) or {}
        await parts.config("admin", {"_configsvrCommitMovePrimary": db, "to": to_shard,
                                     "expectedDatabaseVersion": cached.get("version"), "writeConcern": MAJORITY})
        state.databases.pop(db, None)
        advance("clean")
    if record["phase"] == "clean":
        state.databases.pop(db, None)
        unblock(state, db)
        for name in record["collections"]:
            drop_local(state, db, name)
        delete_record(state, record)
        await log_change(parts, "movePrimary.end", db, {"from": state.shard_name, "to": to_shard,
                                                        "collections": record["collections"]})


async def _abort(parts: Participants, db: str, record: dict[str, Any]) -> None:
    try:
        await _drop_copies(parts, record["toShardId"], db, record["collections"])
    except CommandError:
        pass  # the record stays; the next attempt cleans up
    else:
        delete_record(parts.state, record)
    finally:
        unblock(parts.state, db)


async def _untracked_collections(state: ShardingState, db: str) -> list[str]:
    storage = state.server.storage
    assert storage is not None
    tracked = {str(c["_id"]) for c in await state.config_find("collections", {"_id": {"$regex": f"^{db}\\."}})}
    return sorted(c.name for c in storage.list_collections(db)
                  if c.ns not in tracked and not c.name.startswith("system."))


async def _check_empty(parts: Participants, to_shard: str, db: str, names: list[str]) -> None:
    for name in names:
        existing = await parts.command(to_shard, db, {"count": name})
        if int(existing.get("n", 0)):
            raise CommandError("NamespaceExists", f"movePrimary failed: destination shard {to_shard} already "
                               f"holds documents in {db}.{name}")


async def _drop_copies(parts: Participants, to_shard: str, db: str, names: list[str]) -> None:
    for name in names:
        await parts.command(to_shard, db, {"drop": name, "writeConcern": MAJORITY})


async def _copy(parts: Participants, to_shard: str, db: str, name: str) -> None:
    storage = parts.state.server.storage
    assert storage is not None
    coll: Collection | None = storage.get_collection(db, name)
    if coll is None:
        return
    await parts.command(to_shard, db, {"drop": name})  # an empty leftover on the recipient
    await parts.command(to_shard, db, {"create": name, **dict(coll.options)})
    specs = [{k: v for k, v in spec.items() if k not in ("v", "ns")} for spec in coll.list_indexes()
             if spec.get("name") != "_id_"]
    if specs:
        await parts.command(to_shard, db, {"createIndexes": name, "indexes": specs})
    batch: list[dict[str, Any]] = []
    size = 0
    for doc in list(coll.documents()):
        batch.append(doc)
        size += len(bson.encode(doc))
        if size >= _BATCH_BYTES or len(batch) >= _BATCH_DOCS:
            await _insert(parts, to_shard, db, name, batch)
            batch, size = [], 0
    if batch:
        await _insert(parts, to_shard, db, name, batch)


async def _insert(parts: Participants, to_shard: str, db: str, name: str, docs: list[dict[str, Any]]) -> None:
    reply = await parts.command(to_shard, db, {"insert": name, "documents": docs, "ordered": True,
                                               "writeConcern": MAJORITY})
    errors = reply.get("writeErrors") or []
    if errors:
        first = errors[0]
        raise CommandError(int(first.get("code", 8)), f"movePrimary could not copy {db}.{name}: "
                           f"{first.get('errmsg', '')}")
