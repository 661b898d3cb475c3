"""Rollback: undo the entries of our oplog that the sync source does not have, saving what they changed.

Run by ``SyncManager`` when the first entry the source returns is not our last one. Steps (mongod's "rollback
via refetch", with the summary and files of its later implementation):
1. ROLLBACK state; find the common point by walking our oplog and the source's (``{$natural: -1}``) back
   together until an entry with the same ts and term; every newer local entry is divergent.
2. Save every document a divergent insert or update touched, as it is here now, to
   ``<dbpath>/rollback/<collection UUID>/removed.<time>.bson`` (concatenated BSON: bsondump/mongorestore read
   it), unless ``createRollbackDataFiles`` is false.
3. Make the data match the source: collections touched by divergent commands (create, drop, rename, index and
   collMod changes, dropDatabase) are copied again from the source (or dropped when it has none); documents of
   divergent inserts, updates and deletes are fetched by ``_id`` and re-inserted, replaced or deleted.
4. Truncate our oplog after the common point; applied and durable optimes go back to it; the rollback id
   (``replSetGetRBID``) is incremented; "Rollback summary" is logged.
5. RECOVERING, until the fetcher has applied the source's oplog up to its newest entry at step 3 (minValid),
   then SECONDARY. No oplog entry is written for any of these changes.
"""

from __future__ import annotations

import datetime as dt
import os
from collections import Counter
from typing import TYPE_CHECKING, Any

from bson import encode

from mongosim.errors import CommandError
from mongosim.repl import cloner
from mongosim.repl.applier import split_ns
from mongosim.repl.format import now_ms
from mongosim.repl.oplog import parameter
from mongosim.repl.optime import MemberState, OpTime
from mongosim.storage.keys import id_key
from mongosim.wire.messages import CODEC_OPTIONS

if TYPE_CHECKING:
    from mongosim.repl.peer import PeerClient
    from mongosim.repl.sync import SyncManager
    from mongosim.storage.engine import StorageEngine

RBID_COLLECTION = "system.rollback.id"
ID_STARTING = 21098
ID_COMMON_POINT = 21607
ID_NO_COMMON_POINT = 21589
ID_FILE = 21608
ID_SUMMARY = 21612
ID_COMPLETE = 21611
REFETCH_CHUNK = 500


def rollback_id(engine: StorageEngine) -> int:
    """The rollback id (``replSetGetRBID``): 1 until this node first rolls back."""
    coll = engine.get_collection("local", RBID_COLLECTION)
    doc = coll.get("rollbackId") if coll is not None else None
    return int(str(doc["rollbackId"])) if doc is not None else 1


def _bump_rollback_id(engine: StorageEngine) -> int:
    coll = engine.get_or_create_collection("local", RBID_COLLECTION)
    old = coll.get("rollbackId")
    rbid = (int(old["rollbackId"]) if old is not None else 1) + 1
    new = {"_id": "rollbackId", "rollbackId": rbid}
    if old is None:
        coll.insert(new)
    else:
        coll.replace(old, new)
    return rbid


class Rollback:
    def __init__(self, manager: SyncManager, client: PeerClient, host: str) -> None:
        self.manager = manager
        self.server = manager.server
        self.engine = manager.server.storage
        self.oplog = manager.oplog
        self.client = client
        self.host = host
        self.log = manager.server.log

    def _log(self, msg_id: int, msg: str, attr: dict[str, Any] | None = None) -> None:
        self.log.info("ROLLBACK", msg_id, "BackgroundSync", msg, attr)

    async def run(self) -> None:
        repl = self.manager.repl
        started = now_ms()
        last = self.oplog.top()
        self._log(ID_STARTING, "Starting rollback due to fetcher error",
                  {"error": "OplogStartMissing: our last optime fetched is not in the sync source's oplog",
                   "lastOpTimeFetched": last.to_document(), "syncSource": self.host})
        if not repl.set_follower_state(MemberState.ROLLBACK):
            return
        common, divergent = await self._common_point()
        if common is None:
            self.log.error("ROLLBACK", ID_NO_COMMON_POINT, "BackgroundSync", "Rollback failed: no common point "
                           "with the sync source", {"syncSource": self.host})
            self.manager.deny(self.host)
            repl.set_follower_state(MemberState.RECOVERING)
            return
        self._log(ID_COMMON_POINT, "Rollback common point", {"commonPointOpTime": OpTime.of_entry(common)
                                                              .to_document()})
        documents, namespaces, counts = self._affected(divergent)
        self._save(documents)
        resynced = await self._resync_collections(namespaces)
        await self._refetch_documents(documents, resynced)
        newest = [entry async for entry in cloner.cursor(self.client, "local", {
            "find": "oplog.rs", "sort": {"$natural": -1}, "limit": 1, "singleBatch": True})]
        truncated = self.oplog.truncate_after(common["ts"])
        assert self.engine is not None
        rbid = _bump_rollback_id(self.engine)
        self.engine.sync_journal()
        self.manager.min_valid = OpTime.of_entry(newest[0]) if newest else None
        self._log(ID_SUMMARY, "Rollback summary", {
            "startTime": started, "endTime": now_ms(), "syncSource": self.host, "rbid": rbid,
            "lastOptimeRolledBack": last.to_document(), "commonPoint": OpTime.of_entry(common).to_document(),
            "lastWallClockTimeRolledBack": divergent[0].get("wall") if divergent else started,
            "firstOpWallClockTimeAfterCommonPoint": divergent[-1].get("wall") if divergent else started,
            "truncateTimestamp": divergent[-1]["ts"] if divergent else common["ts"],
            "affectedNamespaces": sorted(namespaces | {f"{db}.{name}" for db, name, _ in documents}),
            "rollbackCommandCounts": dict(sorted(counts.items())),
            "totalEntriesRolledBackIncludingNoops": truncated})
        self._log(ID_COMPLETE, "Rollback complete")
        repl.set_follower_state(MemberState.RECOVERING)
        self.manager._check_min_valid()

    # ------------------------------------------------------------------------------------------- common point
    async def _common_point(self) -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        """The newest entry both oplogs hold, and our entries after it (newest first)."""
        top = self.oplog.top()
        remote = cloner.cursor(self.client, "local", {"find": "oplog.rs", "filter": {"ts": {"$lte": top.ts}},
                                                      "sort": {"$natural": -1}, "projection": {"ts": 1, "t": 1},
                                                      "batchSize": cloner.BATCH_SIZE})
        divergent: list[dict[str, Any]] = []
        local = self.oplog.entries_newest_first()
        mine = next(local, None)
        theirs = await anext(remote, None)
        while mine is not None and theirs is not None:
            if mine["ts"] == theirs["ts"]:
                if int(mine.get("t", -1)) == int(theirs.get("t", -1)):
                    return mine, divergent
                divergent.append(mine)
                mine, theirs = next(local, None), await anext(remote, None)
            elif mine["ts"] > theirs["ts"]:
                divergent.append(mine)
                mine = next(local, None)
            else:
                theirs = await anext(remote, None)
        return None, divergent

    # ------------------------------------------------------------------------------------------- what changed
    def _affected(self, divergent: list[dict[str, Any]]) -> tuple[dict[tuple[str, str, Any], list[Any]], set[str],
                                                                   Counter[str]]:
        """Documents touched by divergent CRUD entries ((db, coll, uuid) -> _ids, inserts and updates
        first-class for the rollback files), namespaces touched by divergent commands, and the counts the
        summary reports."""
        documents: dict[tuple[str, str, Any], list[Any]] = {}
        namespaces: set[str] = set()
        counts: Counter[str] = Counter()
        for entry in divergent:
            op = entry.get("op")
            if op == "n":
                continue
            if op == "c":
                cmd = entry["o"]
                name = next(iter(cmd), "")
                counts[name] += 1
                db, _ = split_ns(entry["ns"])
                if name == "renameCollection":
                    namespaces.update({str(cmd["renameCollection"]), str(cmd["to"])})
                elif name == "dropDatabase":
                    namespaces.add(f"{db}.*")
                elif name != "applyOps":
                    namespaces.add(f"{db}.{cmd[name]}")
                continue
            counts[{"i": "insert", "u": "update", "d": "delete"}[str(op)]] += 1
            db, coll = split_ns(entry["ns"])
            id_value = entry["o2"]["_id"] if op == "u" else entry["o"]["_id"]
            ids = documents.setdefault((db, coll, entry.get("ui")), [])
            if all(id_key(known) != id_key(id_value) for known in ids):
                ids.append(id_value)
        return documents, namespaces, counts

    # ------------------------------------------------------------------------------------------- rollback files
    def _save(self, documents: dict[tuple[str, str, Any], list[Any]]) -> None:
        """The local versions of documents about to be replaced or removed, one file per collection."""
        create = parameter(self.server, "createRollbackDataFiles", True)
        if create in (False, "false", "0"):
            return
        assert self.engine is not None
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%S")
        for (db, name, uuid), ids in documents.items():
            coll = self.engine.get_collection(db, name)
            if coll is None:
                continue
            docs = [doc for doc in (coll.get(id_value) for id_value in ids) if doc is not None]
            if not docs:
                continue
            folder = str(uuid.as_uuid()) if hasattr(uuid, "as_uuid") else str(coll.uuid.as_uuid())
            directory = os.path.join(self.engine.dbpath, "rollback", folder)
            os.makedirs(directory, exist_ok=True)
            path = os.path.join(directory, f"removed.{stamp}.bson")
            suffix = 1
            while os.path.exists(path):
                path = os.path.join(directory, f"removed.{stamp}.{suffix}.bson")
                suffix += 1
            with open(path, "wb") as handle:
                for doc in docs:
                    handle.write(encode(doc, codec_options=CODEC_OPTIONS))
                handle.flush()
                os.fsync(handle.fileno())
            self._log(ID_FILE, "Preparing to write deleted documents to a rollback file",
                      {"namespace": f"{db}.{name}", "uuid": folder, "file": path, "documents": len(docs)})

    # ------------------------------------------------------------------------------------------- refetch
    async def _resync_collections(self, namespaces: set[str]) -> set[str]:
        """Copy each namespace again from the source (``db.*``: the whole database); returns what was copied."""
        assert self.engine is not None
        done: set[str] = set()
        for ns in sorted(namespaces):
            db, name = split_ns(ns)
            if name == "*":
                infos = await cloner.collection_infos(self.client, db)
                for coll in self.engine.list_collections(db):
                    if all(info["name"] != coll.name for info in infos):
                        self.engine.drop_collection(db, coll.name)
            else:
                infos = await cloner.collection_infos(self.client, db, name)
                if not infos:
                    self.engine.drop_collection(db, name)
                    done.add(ns)
            for info in infos:
                await cloner.clone_collection(self.engine, self.client, db, info,
                                              build_indexes=self.manager.build_indexes)
                done.add(f"{db}.{info['name']}")
        return done

    async def _refetch_documents(self, documents: dict[tuple[str, str, Any], list[Any]], resynced: set[str]) -> None:
        assert self.engine is not None
        for (db, name, _), ids in documents.items():
            if f"{db}.{name}" in resynced:
                continue
            coll = self.engine.get_collection(db, name)
            if coll is None:
                continue
            for start in range(0, len(ids), REFETCH_CHUNK):
                chunk = ids[start:start + REFETCH_CHUNK]
                found = {id_key(doc["_id"]): doc async for doc in
                         cloner.documents(self.client, db, name, {"_id": {"$in": chunk}})}
                for id_value in chunk:
                    self._converge(coll, coll.get(id_value), found.get(id_key(id_value)))

    def _converge(self, coll: Any, mine: dict[str, Any] | None, theirs: dict[str, Any] | None) -> None:
        try:
            if theirs is None:
                if mine is not None:
                    coll.delete(mine)
            elif mine is None:
                coll.insert(theirs)
            elif encode(mine, codec_options=CODEC_OPTIONS) != encode(theirs, codec_options=CODEC_OPTIONS):
                coll.replace(mine, theirs)
        except CommandError as exc:
            self.log.warning("ROLLBACK", ID_FILE, "BackgroundSync", "Could not restore a document from the "
                             "sync source", {"namespace": coll.ns, "error": exc.errmsg})

