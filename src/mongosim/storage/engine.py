"""The storage engine contract used by every command, and its implementation.

Contract (what callers may rely on):
- ``StorageEngine(dbpath)``; ``open()`` takes the dbpath lock (a second server on the same dbpath fails with
  ``StorageStartupError``) and recovers from the last checkpoint plus the journal; ``close()`` checkpoints and
  releases the lock. An engine that was never opened works purely in memory (unit tests).
- Every mutation (insert/replace/delete, catalog and index changes) is journalled before it returns;
  ``sync_journal()`` makes everything journalled so far durable (fsync) — writes with ``j: true`` call it before
  replying; a background commit does it every ``journal_commit_interval_ms`` otherwise. A journal write that
  fails (disk full: OutOfDiskSpace 14031) fails the mutation, which is then not applied.
- ``checkpoint()`` writes a consistent snapshot and starts a new journal (every ``storage.syncPeriodSecs`` and
  at clean shutdown); ``fsync`` = ``sync_journal()`` + ``checkpoint()``.
- Documents handed out by ``Collection`` belong to the engine: callers never mutate them (copy first).
- Natural order is insertion order; a replace keeps the document's position.
- Errors are ``CommandError`` with MongoDB's codes (DuplicateKey 11000 with keyPattern/keyValue, NamespaceExists
  48, NamespaceNotFound 26, IndexNotFound 27, IndexOptionsConflict 85, IndexKeySpecsConflict 86, ...).
- ``ttl_pass()`` deletes expired documents of TTL indexes (the TTL monitor calls it); ``ttl_observers`` are
  called with ``(collection, document)`` for each deletion (replication turns them into oplog entries) and
  ``ttl_gate`` (when set) must return True for a pass to run (only primaries expire documents).
- ``observer`` (None on a standalone): a ``ChangeObserver`` (``observer.py``) offered every document and catalog
  change, whose entries are journalled with the change; ``sync_listeners`` are called after every
  ``sync_journal()`` (everything journalled so far is then durable).
- ``catalog_listeners`` are called with ``(collection, change)`` after each catalog change is journalled (the
  collection as it was before the change; None and ``{"op": "dropDatabase", "db"}`` once a database with
  collections is dropped): the audit log records schema changes from them.
"""

from __future__ import annotations

import contextlib
import os
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bson.binary import Binary

from mongosim.errors import CommandError
from mongosim.storage import checkpoint as files
from mongosim.storage.checkpoint import StorageStartupError, decode, encode
from mongosim.storage.collection import Collection
from mongosim.storage.journal import (
    OP_CATALOG,
    OP_GROUP,
    OP_INSERT,
    Journal,
    journal_name,
    pack_group,
    read_journal,
    unpack_group,
)
from mongosim.storage.planner import Plan

if TYPE_CHECKING:
    from mongosim.logs import Logger
    from mongosim.storage.observer import ChangeObserver

__all__ = ["Collection", "Plan", "StorageEngine", "StorageStartupError"]

TTLObserver = Callable[[Collection, dict[str, Any]], None]
CatalogListener = Callable[[Collection | None, dict[str, Any]], None]


class StorageEngine:
    def __init__(self, dbpath: str, *, journal_commit_interval_ms: int = 100, log: Logger | None = None) -> None:
        self.dbpath = dbpath
        self.journal_commit_interval_ms = journal_commit_interval_ms
        self.log = log
        self._dbs: dict[str, dict[str, Collection]] = {}
        self._by_ident: dict[int, Collection] = {}
        self._next_ident = 1
        self._journal: Journal | None = None
        self._lock_fd: int | None = None
        self._checkpoint_id = 0
        self._catalog_dirty = False
        self.last_checkpoint: float | None = None
        self.checkpoints = 0
        self.recovery: dict[str, Any] = {}
        self.ttl_observers: list[TTLObserver] = []
        self.ttl_gate: Callable[[], bool] | None = None
        self.observer: ChangeObserver | None = None
        self.sync_listeners: list[Callable[[], None]] = []
        self.catalog_listeners: list[CatalogListener] = []

    # ------------------------------------------------------------------------------------------- lifecycle
    def open(self) -> None:
        files.check_dbpath(self.dbpath)
        self._lock_fd, unclean = files.acquire_lock(self.dbpath)
        try:
            self._recover(unclean)
        except StorageStartupError:
            self._release()
            raise
        except (OSError, ValueError) as exc:
            self._release()
            raise StorageStartupError(f"Failed to recover the data files in {self.dbpath}: {exc}", 100) from exc

    def _recover(self, unclean: bool) -> None:
        started = time.monotonic()
        if unclean:
            self._log("W", 22271, "Detected unclean shutdown - Lock file is not empty",
                      {"lockFile": os.path.join(self.dbpath, files.LOCK_FILE)})
        catalog = files.read_catalog(self.dbpath) or {"journal": 1, "checkpointId": 0, "nextIdent": 1,
                                                       "collections": []}
        self._checkpoint_id = int(catalog["checkpointId"])
        self._next_ident = int(catalog["nextIdent"])
        documents = 0
        for entry in catalog["collections"]:
            coll = Collection(self, entry["db"], entry["name"], dict(entry["options"]), entry["uuid"],
                              int(entry["ident"]))
            coll.file, coll.file_crc, coll.dirty = entry["file"], int(entry["crc"]), False
            docs, sizes = files.read_documents(self.dbpath, entry["file"], coll.file_crc)
            coll.load(docs, sizes)
            documents += len(docs)
            for spec in entry["indexes"]:
                coll.install_index(spec)
            self._install(coll)
        journal_dir = os.path.join(self.dbpath, files.JOURNAL_DIR)
        os.makedirs(journal_dir, exist_ok=True)
        number = int(catalog["journal"])
        path = os.path.join(journal_dir, journal_name(number))
        replayed = torn = 0
        if os.path.exists(path):
            contents = read_journal(path)
            for op, ident, body in contents.records:
                self._replay(op, ident, body)
            replayed, torn = len(contents.records), contents.torn_bytes
            self._journal = Journal.reopen(path, number, contents.valid_end)
        else:
            self._journal = Journal.create(journal_dir, number)
            files.fsync_dir(journal_dir)
        for name in os.listdir(journal_dir):
            if name != journal_name(number):
                os.unlink(os.path.join(journal_dir, name))
        self._remove_stale_files()
        self.recovery = {"checkpointId": self._checkpoint_id, "collections": len(catalog["collections"]),
                         "documents": documents, "journalRecordsReplayed": replayed, "tornBytesDiscarded": torn,
                         "durationMillis": int((time.monotonic() - started) * 1000)}
        if torn:
            self._log("W", 7600101, "Discarded a torn journal tail", {"journal": path, "bytes": torn})
        self._log("I", 7600100, "Recovered from the last checkpoint and the journal", dict(self.recovery))

    def close(self) -> None:
        """Checkpoint and release the dbpath (clean shutdown). Safe to call when open() failed or never ran."""
        if self._lock_fd is None:
            return
        try:
            self.checkpoint(force=True)
        finally:
            if self._journal is not None:
                self._journal.close()
                self._journal = None
            self._release()

    def _release(self) -> None:
        if self._lock_fd is not None:
            files.release_lock(self._lock_fd)
            self._lock_fd = None

    def _log(self, severity: str, msg_id: int, msg: str, attr: dict[str, Any]) -> None:
        if self.log is not None:
            self.log.log(severity, "STORAGE", msg_id, "initandlisten", msg, attr)

    # ------------------------------------------------------------------------------------------- journal
    def journal_append(self, op: int, ident: int, body: bytes) -> None:
        if self._journal is not None:
            self._journal.append(op, ident, body)

    def log_document(self, coll: Collection, kind: str, old: dict[str, Any] | None, new: dict[str, Any] | None,
                     op: int, body: bytes) -> None:
        """Journal a document change of ``coll`` (the caller applies it next), with the observer's entry."""
        observer = self.observer
        entry = None if observer is None else observer.document_change(coll, kind, old, new)
        if entry is None:
            journal = self._journal  # the standalone hot path: no extra call
            if journal is not None:
                journal.append(op, coll.ident, body)
        else:
            self.record_entry(entry, op, coll.ident, body)

    def catalog_change(self, change: dict[str, Any], coll: Collection | None = None) -> None:
        """Journal a catalog change of ``coll`` (as it is before the change), with the observer's entry."""
        body = encode(change)
        observer = self.observer
        entry = None if observer is None else observer.catalog_change(coll, change)
        if entry is None:
            self.journal_append(OP_CATALOG, int(change.get("ident", 0)), body)
        else:
            self.record_entry(entry, OP_CATALOG, int(change.get("ident", 0)), body)
        self._catalog_dirty = True
        for listener in self.catalog_listeners:
            listener(coll, change)

    def record_entry(self, entry: dict[str, Any], op: int | None = None, ident: int = 0, body: bytes = b"") -> None:
        """Journal a log entry (with the change ``op``/``ident``/``body`` it describes, as one record), then
        append it to the observer's log collection. Without a change: an entry on its own (a no-op)."""
        observer = self.observer
        assert observer is not None
        log = observer.log_collection
        raw = encode(entry)
        if op is None:
            self.journal_append(OP_INSERT, log.ident, raw)
        else:
            self.journal_append(OP_GROUP, 0, pack_group([(OP_INSERT, log.ident, raw), (op, ident, body)]))
        log.append_logged(entry, len(raw))
        observer.recorded(entry)

    def sync_journal(self) -> None:
        """Make every journalled mutation durable (cheap when nothing is pending)."""
        journal = self._journal
        if journal is not None and journal.synced != journal.offset:
            journal.sync()
        for listener in self.sync_listeners:
            listener()

    def journal_stats(self) -> dict[str, int]:
        journal = self._journal
        if journal is None:
            return {"records": 0, "bytes": 0, "syncs": 0}
        return {"records": journal.records, "bytes": journal.bytes_written, "syncs": journal.syncs}

    def _replay(self, op: int, ident: int, body: bytes) -> None:
        if op == OP_GROUP:
            for sub_op, sub_ident, sub_body in unpack_group(body):
                self._replay(sub_op, sub_ident, sub_body)
            return
        if op != OP_CATALOG:
            coll = self._by_ident.get(ident)
            if coll is not None:
                coll.replay(op, body)
            return
        change = decode(body)
        kind = change["op"]
        self._catalog_dirty = True
        if kind == "create":
            coll = Collection(self, change["db"], change["name"], dict(change["options"]), change["uuid"],
                              int(change["ident"]))
            self._next_ident = max(self._next_ident, coll.ident + 1)
            self._install(coll)
            return
        coll = self._by_ident.get(ident)
        if coll is None:
            return
        if kind == "drop":
            self._uninstall(coll)
        elif kind == "rename":
            self._uninstall(coll)
            coll.db, coll.name = change["db"], change["name"]
            self._install(coll)
        elif kind == "options":
            coll.options = dict(change["options"])
        elif kind == "createIndex":
            coll.install_index(change["spec"])
        elif kind == "dropIndex":
            coll.remove_index(change["name"])
        elif kind == "indexSpec":
            coll.replace_index_spec(change["name"], change["spec"])

    # ------------------------------------------------------------------------------------------- checkpoints
    def checkpoint(self, force: bool = False) -> bool:
        """Write a consistent snapshot and start a new journal; False when nothing changed since the last one."""
        journal = self._journal
        if journal is None:
            return False
        changed = self._catalog_dirty or any(coll.dirty for coll in self._by_ident.values())
        if not changed and not force:
            return False
        if not changed and journal.records == 0 and self.last_checkpoint is not None:
            return False
        journal.sync()
        checkpoint_id = self._checkpoint_id + 1
        entries = []
        for coll in self._by_ident.values():
            if coll.dirty or coll.file is None:
                name = files.data_file_name(coll.ident, checkpoint_id)
                coll.file_crc = files.write_atomically(self.dbpath, name, [encode(d) for d in coll.documents()])
                coll.file = name
            entries.append({"ident": coll.ident, "db": coll.db, "name": coll.name, "uuid": coll.uuid,
                            "options": coll.options, "indexes": [index.spec for index in coll.indexes()[1:]],
                            "file": coll.file, "crc": coll.file_crc, "count": len(coll)})
        journal_dir = os.path.join(self.dbpath, files.JOURNAL_DIR)
        new_journal = Journal.create(journal_dir, journal.number + 1)
        files.fsync_dir(journal_dir)
        catalog = {"format": files.FORMAT, "checkpointId": checkpoint_id, "journal": new_journal.number,
                   "nextIdent": self._next_ident, "collections": entries}
        files.write_atomically(self.dbpath, files.CATALOG_FILE, [encode(catalog)])
        files.fsync_dir(self.dbpath)
        # The new catalog is durable: the old journal and the files it no longer names can go.
        self._journal = new_journal
        journal.close()
        os.unlink(journal.path)
        self._checkpoint_id = checkpoint_id
        self._catalog_dirty = False
        for coll in self._by_ident.values():
            coll.dirty = False
        self._remove_stale_files()
        self.last_checkpoint = time.time()
        self.checkpoints += 1
        return True

    def fsync(self) -> None:
        """What the fsync command does: flush the journal and write a checkpoint."""
        self.sync_journal()
        self.checkpoint(force=True)

    def _remove_stale_files(self) -> None:
        keep = {coll.file for coll in self._by_ident.values()}
        for name in os.listdir(self.dbpath):
            stale_data = name.startswith("collection-") and name.endswith(".bson") and name not in keep
            if stale_data or name.endswith(".tmp"):
                with contextlib.suppress(OSError):
                    os.unlink(os.path.join(self.dbpath, name))

    # ------------------------------------------------------------------------------------------- catalog
    def next_ident(self) -> int:
        ident = self._next_ident
        self._next_ident += 1
        return ident

    def _install(self, coll: Collection) -> None:
        self._dbs.setdefault(coll.db, {})[coll.name] = coll
        self._by_ident[coll.ident] = coll

    def _uninstall(self, coll: Collection) -> None:
        colls = self._dbs.get(coll.db, {})
        if colls.get(coll.name) is coll:
            del colls[coll.name]
            if not colls:
                self._dbs.pop(coll.db, None)
        self._by_ident.pop(coll.ident, None)

    def all_collections(self) -> list[Collection]:
        return list(self._by_ident.values())

    def list_databases(self) -> list[str]:
        return sorted(name for name, colls in self._dbs.items() if colls)

    def database_sizes(self) -> dict[str, int]:
        """sizeOnDisk per database, as listDatabases reports it (data and index files)."""
        return {name: sum(c.storage_size() + c.total_index_size() for c in colls.values())
                for name, colls in sorted(self._dbs.items()) if colls}

    def list_collections(self, db: str) -> list[Collection]:
        return list(self._dbs.get(db, {}).values())

    def get_collection(self, db: str, name: str) -> Collection | None:
        return self._dbs.get(db, {}).get(name)

    def create_collection(self, db: str, name: str, options: dict[str, Any] | None = None,
                          uuid: Binary | None = None) -> Collection:
        """A new collection; ``uuid`` given when replicating one (members share collection UUIDs)."""
        colls = self._dbs.get(db, {})
        if name in colls:
            raise CommandError("NamespaceExists", f"Collection {db}.{name} already exists.")
        coll = Collection(self, db, name, dict(options or {}), uuid)
        self.catalog_change({"op": "create", "ident": coll.ident, "db": db, "name": name, "uuid": coll.uuid,
                             "options": coll.options}, coll)
        self._install(coll)
        return coll

    def get_or_create_collection(self, db: str, name: str) -> Collection:
        """The collection, created implicitly (as an insert or createIndexes does) when missing."""
        existing = self.get_collection(db, name)  # an empty collection is falsy (len 0): compare with None
        return existing if existing is not None else self.create_collection(db, name)

    def drop_collection(self, db: str, name: str) -> bool:
        coll = self.get_collection(db, name)
        if coll is None:
            return False
        self.catalog_change({"op": "drop", "ident": coll.ident}, coll)
        self._uninstall(coll)
        return True

    def drop_database(self, db: str) -> None:
        existed = bool(self._dbs.get(db))
        for coll in list(self._dbs.get(db, {}).values()):
            self.drop_collection(db, coll.name)
        if existed:
            for listener in self.catalog_listeners:
                listener(None, {"op": "dropDatabase", "db": db})
        observer = self.observer
        entry = None if observer is None else observer.catalog_change(None, {"op": "dropDatabase", "db": db})
        if entry is not None:
            self.record_entry(entry)

    def rename_collection(self, src_db: str, src: str, dst_db: str, dst: str, drop_target: bool = False) -> None:
        coll = self.get_collection(src_db, src)
        if coll is None:
            raise CommandError("NamespaceNotFound", f"Source collection {src_db}.{src} does not exist")
        if self.get_collection(dst_db, dst) is not None:
            if not drop_target:
                raise CommandError("NamespaceExists", "target namespace exists")
            self.drop_collection(dst_db, dst)
        self.catalog_change({"op": "rename", "ident": coll.ident, "db": dst_db, "name": dst}, coll)
        self._uninstall(coll)
        coll.db, coll.name = dst_db, dst
        self._install(coll)

    # ------------------------------------------------------------------------------------------- TTL
    def ttl_pass(self, now: float | None = None) -> int:
        """One TTL monitor pass: delete documents whose TTL-indexed date has expired; returns how many."""
        from mongosim.storage.ttl import expire_documents

        if self.ttl_gate is not None and not self.ttl_gate():
            return 0
        return expire_documents(self, time.time() if now is None else now)
