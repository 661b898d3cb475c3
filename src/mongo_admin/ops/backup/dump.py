"""Dumping one replica set into the backup format: every database and collection mongodump would take, with
metadata (options, indexes, UUID), views as metadata only, users and roles, several collections at a time.

Reads go to one member (the backup's source for that set) over a direct connection with ``secondaryOk``, in
natural order, raw BSON straight from the wire into the writer. On a config server replica set only the sharding
catalog, users and roles matter for a restore (the rest of ``config`` is sessions, caches and logs), which is
also what mongodump's own rules leave.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson.codec_options import CodecOptions
from bson.raw_bson import RawBSONDocument

from mongo_admin.ops.backup.format import DumpLayout, Encoding, StoredObject, metadata_json, mongodump_skips, put_object
from mongo_admin.ops.backup.lock import LOCK_COLLECTION, LOCK_DB
from mongo_admin.storage.base import Storage

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

BATCH = 5_000
# The config server's collections a restore needs: the sharding catalog (the rest are caches, logs, sessions).
CONFIG_CATALOG = frozenset({"databases", "collections", "chunks", "tags", "settings", "version", "shards"})


@dataclass(frozen=True)
class Namespace:
    db: str
    name: str
    type: str  # "collection", "view" or "timeseries"
    options: dict[str, Any]
    uuid: Any
    indexes: list[dict[str, Any]]

    @property
    def full(self) -> str:
        return f"{self.db}.{self.name}"


@dataclass
class DumpProgress:
    """Running totals for one replica set, updated as collections finish (read by the progress reporter)."""

    set_name: str
    collections_total: int = 0
    collections_done: int = 0
    documents: int = 0
    bytes: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)

    def add(self, stored: StoredObject) -> None:
        with self.lock:
            self.collections_done += 1
            self.documents += stored.documents or 0
            self.bytes += stored.raw_size


class Throttle:
    """A shared byte budget per second for every dump thread of a backup (``--rate-limit``): a backup read at a
    fixed rate leaves the rest of the servers' capacity to the application. ``None`` means unlimited."""

    def __init__(self, bytes_per_s: float | None) -> None:
        self.rate = bytes_per_s
        self._lock = threading.Lock()
        self._next_free = time.monotonic()

    def take(self, size: int) -> None:
        if not self.rate:
            return
        with self._lock:
            now = time.monotonic()
            start = max(now, self._next_free)
            self._next_free = start + size / self.rate
            wait = start - now
        if wait > 0:
            time.sleep(wait)


UNLIMITED = Throttle(None)


def _skipped(db: str, name: str, configsvr: bool) -> bool:
    if db == LOCK_DB and name == LOCK_COLLECTION:
        return True
    if db == "config":
        return not configsvr or name not in CONFIG_CATALOG
    return mongodump_skips(db, name) and not (db == "admin" and name in ("system.users", "system.roles",
                                                                         "system.version"))


def plan(client: Client, configsvr: bool) -> list[Namespace]:
    """Every namespace of the member to dump, with what its metadata file needs."""
    found = []
    for db in sorted(client.list_database_names()):
        if db == "local" or (db == "config" and not configsvr):
            continue
        database = client[db]
        for info in database.list_collections():
            name = str(info["name"])
            kind = str(info.get("type", "collection"))
            if name.startswith("system.buckets.") or _skipped(db, name, configsvr):
                continue
            indexes = [] if kind == "view" else [dict(index) for index in database[name].list_indexes()]
            for index in indexes:
                index.pop("ns", None)
            found.append(Namespace(db, name, kind, dict(info.get("options", {})),
                                   (info.get("info") or {}).get("uuid"), indexes))
    return found


def dump_namespace(client: Client, storage: Storage, layout: DumpLayout, namespace: Namespace,
                   progress: DumpProgress, throttle: Throttle = UNLIMITED) -> list[tuple[Namespace, str, StoredObject]]:
    """Store one namespace's metadata and (unless a view) documents; what was stored, by kind."""
    from mongo_admin.ops.backup.format import CollectionWriter

    stored: list[tuple[Namespace, str, StoredObject]] = []
    metadata = metadata_json(namespace.options, namespace.indexes, namespace.uuid, namespace.name,
                             "" if namespace.type == "collection" else namespace.type)
    stored.append((namespace, "metadata", put_object(storage, layout.metadata_key(namespace.db, namespace.name),
                                                      metadata.encode(), layout.encoding)))
    if namespace.type != "view":
        source = namespace.name if namespace.type != "timeseries" else f"system.buckets.{namespace.name}"
        collection: Any = client[namespace.db].get_collection(
            source, codec_options=CodecOptions(document_class=RawBSONDocument))
        key = layout.data_key(namespace.db, namespace.name, timeseries=namespace.type == "timeseries")
        with CollectionWriter(storage, key, layout.encoding) as writer:
            cursor = collection.find({}, batch_size=BATCH).hint([("$natural", 1)])
            try:
                for document in cursor:
                    raw = document.raw
                    throttle.take(len(raw))
                    writer.write(raw)
            finally:
                cursor.close()
        assert writer.result is not None
        kind = {"admin.system.users": "users", "admin.system.roles": "roles"}.get(namespace.full, "data")
        stored.append((namespace, kind, writer.result))
        progress.add(writer.result)
    else:
        progress.add(stored[-1][2])
    return stored


def dump_replica_set(client: Client, storage: Storage, root: str, encoding: Encoding, *, configsvr: bool,
                     parallel: int, progress: DumpProgress, server_version: str, tool_version: str,
                     throttle: Throttle = UNLIMITED,
                     cancelled: Callable[[], bool] = lambda: False) -> list[tuple[Namespace | None, str, StoredObject]]:
    """Dump the member ``client`` points at into ``root``; every stored object with its namespace and kind."""
    from mongo_admin.ops.backup.format import prelude_json

    layout = DumpLayout(root, encoding)
    namespaces = plan(client, configsvr)
    progress.collections_total = len(namespaces)
    results: list[tuple[Namespace | None, str, StoredObject]] = [
        (None, "prelude", put_object(storage, f"{root}/prelude.json{encoding.suffix}",
                                     prelude_json(server_version, tool_version).encode(), encoding))]

    def one(namespace: Namespace) -> list[tuple[Namespace, str, StoredObject]]:
        if cancelled():
            raise InterruptedError("backup cancelled")
        return dump_namespace(client, storage, layout, namespace, progress, throttle)

    with ThreadPoolExecutor(max_workers=parallel, thread_name_prefix=f"dump-{progress.set_name}") as pool:
        for stored in pool.map(one, namespaces):
            results.extend(stored)
    return results
