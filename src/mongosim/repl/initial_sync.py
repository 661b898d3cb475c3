"""Initial sync: a member with no oplog copies every database (except ``local``) from a sync source, then
replays the source's oplog from where it stood before the copy, so writes made during the copy are not lost.

Run by ``SyncManager`` while the member is STARTUP2. An attempt: mark the sync in progress
(``local.replset.minvalid`` ``initialSyncFlag``, so an interrupted sync starts over after a restart), drop the
user databases and any partial oplog, note the source's newest oplog entry (the begin point), clone the
databases (``cloner.py``: collections with their options and UUIDs, documents in batches, then indexes), fetch
and apply the source's oplog from the begin point (inclusive: it becomes our first entry), clear the flag and
become SECONDARY. A failed attempt (source gone, its oplog rolled past the begin point) is logged and retried
with another source, up to ``numInitialSyncAttempts`` (10) before a pause.
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.repl import cloner
from mongosim.repl import source as sources
from mongosim.repl.cloner import SourceError
from mongosim.repl.optime import MemberState, OpTime
from mongosim.repl.peer import PeerClient, PeerError

if TYPE_CHECKING:
    from mongosim.repl.sync import SyncManager
    from mongosim.server import Server

MINVALID = "replset.minvalid"
MAX_ATTEMPTS = 10
ID_ATTEMPT = 21164
ID_DROPPING = 21165
ID_BEGIN = 21173
ID_CLONED = 21181
ID_ATTEMPT_FAILED = 21200
ID_DONE = 21192
ID_NO_SOURCE = 21203


def needs_initial_sync(server: Server) -> bool:
    """No oplog entry yet, or an initial sync that never finished."""
    engine = server.storage
    assert engine is not None
    minvalid = engine.get_collection("local", MINVALID)
    if minvalid is not None and any(doc.get("initialSyncFlag") for doc in minvalid.documents()):
        return True
    return bool(server.oplog.top().is_null())


def _set_flag(server: Server, flag: bool, applied: OpTime | None = None) -> None:
    engine = server.storage
    assert engine is not None
    coll = engine.get_or_create_collection("local", MINVALID)
    old = next(iter(coll.documents()), None)
    doc: dict[str, Any] = {"_id": old["_id"] if old is not None else ObjectId()}
    position = applied or OpTime(-1, Timestamp(0, 1))
    doc["t"], doc["ts"] = Int64(position.term), position.ts
    if flag:
        doc["initialSyncFlag"] = True
    if old is None:
        coll.insert(doc)
    else:
        coll.replace(old, doc)
    engine.sync_journal()


class InitialSync:
    def __init__(self, manager: SyncManager) -> None:
        self.manager = manager
        self.server = manager.server
        self.log = manager.server.log

    async def run(self) -> None:
        for attempt in range(1, MAX_ATTEMPTS + 1):
            if self.manager.repl.state is not MemberState.STARTUP2:
                return
            host = self._choose_source()
            if host is None:
                self.log.info("INITSYNC", ID_NO_SOURCE, "ReplCoordExtern-0", "No valid sync source available "
                              "for initial sync; waiting", {"attempt": attempt})
                await self.manager.repl.wait_progress(None, 1.0)
                continue
            self.log.info("INITSYNC", ID_ATTEMPT, "ReplCoordExtern-0", "Starting initial sync attempt",
                          {"initialSyncAttempt": attempt, "initialSyncMaxAttempts": MAX_ATTEMPTS,
                           "syncSource": host})
            client = PeerClient(host)
            try:
                await self._attempt(client, host)
                return
            except (PeerError, SourceError, InitialSyncAborted) as exc:
                self.log.error("INITSYNC", ID_ATTEMPT_FAILED, "ReplCoordExtern-0", "Initial sync attempt failed",
                               {"attemptsLeft": MAX_ATTEMPTS - attempt, "error": str(exc), "syncSource": host})
                self.manager.deny(host, 2.0)
                await asyncio.sleep(1.0)
            finally:
                client.close()
        await asyncio.sleep(5.0)  # every attempt failed: pause before the loop tries again

    def _choose_source(self) -> str | None:
        view = [m for m in self.manager.repl.members_view() if not m.applied.is_null() or m.is_self]
        chosen = sources.choose(view, OpTime.null(), requested=self.manager.repl.requested_sync_source,
                                denied=set(self.manager.denied))
        return chosen.host if chosen is not None else None

    async def _attempt(self, client: PeerClient, host: str) -> None:
        started = time.monotonic()
        server = self.server
        engine = server.storage
        assert engine is not None
        _set_flag(server, True)
        self.manager.source = host
        self.manager.repl.sync_source_host = host
        dropped = [db for db in engine.list_databases() if db != "local"]
        if dropped:
            self.log.info("INITSYNC", ID_DROPPING, "ReplCoordExtern-0", "Dropping user databases",
                          {"databases": dropped})
        for db in dropped:
            engine.drop_database(db)
        server.oplog.truncate_after(Timestamp(0, 0))
        newest = [entry async for entry in cloner.cursor(client, "local", {
            "find": "oplog.rs", "sort": {"$natural": -1}, "limit": 1, "singleBatch": True})]
        if not newest:
            raise InitialSyncAborted(f"{host} has no oplog entries yet")
        begin = newest[0]["ts"]
        self.log.info("INITSYNC", ID_BEGIN, "ReplCoordExtern-0", "Initial syncer oplog begin point",
                      {"beginFetchingTimestamp": begin, "beginApplyingTimestamp": begin})
        databases = collections = documents = 0
        for db in await cloner.database_names(client):
            if db == "local":
                continue
            databases += 1
            for info in await cloner.collection_infos(client, db):
                documents += await cloner.clone_collection(engine, client, db, info,
                                                           build_indexes=self.manager.build_indexes)
                collections += 1
                if self.manager.repl.state is not MemberState.STARTUP2:
                    raise InitialSyncAborted("member left STARTUP2 during the clone")
        self.log.info("INITSYNC", ID_CLONED, "ReplCoordExtern-0", "Finished cloning data. Beginning oplog replay",
                      {"databases": databases, "collections": collections, "documents": documents})
        entries = 0
        first = True
        batch: list[dict[str, Any]] = []
        async for entry in cloner.cursor(client, "local", {"find": "oplog.rs", "filter": {"ts": {"$gte": begin}},
                                                           "batchSize": cloner.BATCH_SIZE}):
            if first and entry["ts"] != begin:
                raise InitialSyncAborted(f"{host}'s oplog no longer holds the begin point {begin}")
            first = False
            batch.append(entry)
            if len(batch) >= cloner.BATCH_SIZE:
                await self.manager.apply(batch)
                entries += len(batch)
                batch = []
        await self.manager.apply(batch)
        entries += len(batch)
        top = server.oplog.top()
        _set_flag(server, False, top)
        self.log.info("INITSYNC", ID_DONE, "ReplCoordExtern-0", "Initial sync done",
                      {"durationMillis": int((time.monotonic() - started) * 1000), "syncSource": host,
                       "databasesCloned": databases, "collectionsCloned": collections,
                       "documentsCloned": documents, "oplogEntriesApplied": entries,
                       "lastAppliedOpTime": top.to_document()})
        self.manager.repl.set_follower_state(MemberState.SECONDARY)


class InitialSyncAborted(Exception):
    """This attempt cannot finish; another one starts over."""
