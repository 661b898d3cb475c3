"""The sharding catalog on the config server primary: the ``config`` collections with MongoDB 8.0's document
shapes, read and written through the local storage engine.

Every write goes through ``Collection.insert/replace/delete`` on the replica set primary, so the oplog observer
replicates it like any client write; ``majority()`` then waits until the commit point covers it (the config
server acknowledges every catalog change with ``w: "majority"``). Reads return copies: a caller may change what
it read without touching the stored document.
"""

from __future__ import annotations

import copy
import datetime as dt
import itertools
import uuid as uuid_module
from typing import TYPE_CHECKING, Any

from bson.binary import Binary, UuidRepresentation
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.query.sort import sort_documents
from mongosim.sharding.shardkey import ShardKeyPattern
from mongosim.sharding.versions import ChunkVersion

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.storage.collection import Collection

CONFIG = "config"
SHARDS = "shards"
DATABASES = "databases"
COLLECTIONS = "collections"
CHUNKS = "chunks"
SETTINGS = "settings"
VERSION = "version"
CHANGELOG = "changelog"
ACTIONLOG = "actionlog"
MIGRATIONS = "migrations"
TAGS = "tags"

# config.changelog and config.actionlog are capped at 200 MB and 20 MB (ShardingCatalogManager::_initConfig*).
_CAPPED = {CHANGELOG: 200 * 1024 * 1024, ACTIONLOG: 20 * 1024 * 1024}
# The indexes the config server creates on the catalog collections (sharding_catalog_manager.cpp).
_INDEXES: dict[str, list[dict[str, Any]]] = {
    CHUNKS: [
        {"key": {"uuid": 1, "min": 1}, "name": "uuid_1_min_1", "unique": True},
        {"key": {"uuid": 1, "shard": 1, "min": 1}, "name": "uuid_1_shard_1_min_1", "unique": True},
        {"key": {"uuid": 1, "lastmod": 1}, "name": "uuid_1_lastmod_1", "unique": True},
        {"key": {"uuid": 1, "shard": 1, "onCurrentShardSince": 1}, "name": "uuid_1_shard_1_onCurrentShardSince_1"},
    ],
    SHARDS: [{"key": {"host": 1}, "name": "host_1", "unique": True}],
    TAGS: [{"key": {"ns": 1, "min": 1}, "name": "ns_1_min_1", "unique": True},
           {"key": {"ns": 1, "tag": 1}, "name": "ns_1_tag_1"}],
    MIGRATIONS: [{"key": {"ns": 1, "min": 1}, "name": "ns_1_min_1", "unique": True}],
}
DEFAULT_CHUNK_SIZE_MB = 128
_CHANGELOG_IDS = itertools.count()


def now_date() -> dt.datetime:
    """A BSON date: milliseconds, UTC."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


class Catalog:
    """The config database of one config server member; writes only on the writable primary."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self._setup_term: int | None = None

    # ------------------------------------------------------------------------------------------- primitives
    def _coll(self, name: str, create: bool = False) -> Collection | None:
        engine = self.server.storage
        assert engine is not None
        coll = engine.get_collection(CONFIG, name)
        if coll is None and create:
            options: dict[str, Any] = {}
            if name in _CAPPED:
                options = {"capped": True, "size": _CAPPED[name]}
            coll = engine.create_collection(CONFIG, name, options)
        return coll

    def find(self, name: str, filter_doc: dict[str, Any] | None = None,
             sort: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        coll = self._coll(name)
        if coll is None:
            return []
        match = matcher(filter_doc or {})
        docs = [copy.deepcopy(d) for d in coll.documents() if match(d)]
        return sort_documents(docs, sort) if sort else docs

    def find_one(self, name: str, filter_doc: dict[str, Any]) -> dict[str, Any] | None:
        coll = self._coll(name)
        if coll is None:
            return None
        if set(filter_doc) == {"_id"} and not isinstance(filter_doc["_id"], dict):
            found = coll.get(filter_doc["_id"])
            return copy.deepcopy(found) if found is not None else None
        match = matcher(filter_doc)
        return next((copy.deepcopy(d) for d in coll.documents() if match(d)), None)

    def insert(self, name: str, doc: dict[str, Any]) -> None:
        self.check_primary()
        coll = self._coll(name, create=True)
        assert coll is not None
        coll.insert(copy.deepcopy(doc))

    def save(self, name: str, doc: dict[str, Any]) -> None:
        """Insert or replace the document with ``doc``'s ``_id``."""
        self.check_primary()
        coll = self._coll(name, create=True)
        assert coll is not None
        current = coll.get(doc["_id"])
        if current is None:
            coll.insert(copy.deepcopy(doc))
        else:
            coll.replace(current, copy.deepcopy(doc))

    def delete(self, name: str, filter_doc: dict[str, Any]) -> int:
        self.check_primary()
        coll = self._coll(name)
        if coll is None:
            return 0
        match = matcher(filter_doc)
        doomed = [d for d in coll.documents() if match(d)]
        for doc in doomed:
            coll.delete(doc)
        return len(doomed)

    def now_ts(self) -> Timestamp:
        """A cluster time after every one handed out: catalog timestamps (collection incarnations,
        topologyTime, validAfter) are unique and ordered."""
        oplog = self.server.oplog
        return oplog.next_ts() if oplog is not None else Timestamp(int(now_date().timestamp()), 1)

    def check_primary(self) -> None:
        """Catalog writes happen on the writable primary only: elsewhere they would not replicate."""
        repl = self.server.repl
        if repl is None or not repl.is_writable_primary:
            raise CommandError("NotWritablePrimary", "not primary")

    async def majority(self, timeout_s: float = 60.0) -> None:
        """Wait until the majority commit point covers this node's last write (the catalog's acknowledgement)."""
        repl = self.server.repl
        if repl is None or repl.config is None:
            return
        target = repl.applied
        term = repl.term
        loop_deadline = self.server.uptime() + timeout_s
        while repl.last_committed < target:
            if not repl.is_primary or repl.term != term:
                raise CommandError("PrimarySteppedDown", "Primary stepped down while waiting for replication")
            remaining = loop_deadline - self.server.uptime()
            if remaining <= 0:
                raise CommandError("WriteConcernFailed", "waiting for replication timed out")
            await repl.wait_progress(None, remaining)

    # ------------------------------------------------------------------------------------------- setup
    def ensure_setup(self) -> None:
        """config.version and the catalog's indexes, once per primary term (idempotent)."""
        repl = self.server.repl
        term = getattr(repl, "term", None)
        if self._setup_term == term and term is not None:
            return
        self.check_primary()
        if self.find_one(VERSION, {"_id": 1}) is None:
            self.insert(VERSION, {"_id": 1, "clusterId": ObjectId()})
        for name, specs in _INDEXES.items():
            coll = self._coll(name, create=True)
            assert coll is not None
            existing = {index["name"] for index in coll.list_indexes()}
            missing = [dict(spec, v=2) for spec in specs if spec["name"] not in existing]
            if missing:
                coll.create_indexes(missing)
        for name in _CAPPED:
            self._coll(name, create=True)
        self._setup_term = term

    def cluster_id(self) -> ObjectId:
        doc = self.find_one(VERSION, {"_id": 1})
        if doc is None:
            self.ensure_setup()
            doc = self.find_one(VERSION, {"_id": 1})
        assert doc is not None
        cluster_id: ObjectId = doc["clusterId"]
        return cluster_id

    # ------------------------------------------------------------------------------------------- reads
    def shards(self) -> list[dict[str, Any]]:
        return self.find(SHARDS, sort={"_id": 1})

    def shard(self, name: str) -> dict[str, Any] | None:
        return self.find_one(SHARDS, {"_id": name})

    def database(self, name: str) -> dict[str, Any] | None:
        return self.find_one(DATABASES, {"_id": name})

    def collection(self, ns: str) -> dict[str, Any] | None:
        doc = self.find_one(COLLECTIONS, {"_id": ns})
        if doc is None or doc.get("unsplittable"):
            return None
        return doc

    def chunks(self, uuid: Any, filter_doc: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """The collection's chunks in key order."""
        docs = self.find(CHUNKS, {"uuid": uuid, **(filter_doc or {})})
        coll = next((c for c in self.find(COLLECTIONS, {"uuid": uuid})), None)
        if coll is None:
            return docs
        pattern = ShardKeyPattern(coll["key"])
        return sorted(docs, key=lambda c: pattern.sort_key(c["min"]))

    def collection_version(self, coll_doc: dict[str, Any]) -> ChunkVersion:
        best = Timestamp(0, 0)
        for chunk in self.find(CHUNKS, {"uuid": coll_doc["uuid"]}):
            lastmod = chunk["lastmod"]
            if (lastmod.time, lastmod.inc) > (best.time, best.inc):
                best = lastmod
        return ChunkVersion(best.time, best.inc, coll_doc["lastmodEpoch"], coll_doc["timestamp"])

    def chunk_size_bytes(self) -> int:
        """config.settings chunksize (MB, default 128) in bytes."""
        doc = self.find_one(SETTINGS, {"_id": "chunksize"})
        value = doc.get("value") if doc else None
        size_mb = float(value) if isinstance(value, (int, float)) and value > 0 else DEFAULT_CHUNK_SIZE_MB
        return int(size_mb * 1024 * 1024)

    def balancer_settings(self) -> dict[str, Any]:
        return self.find_one(SETTINGS, {"_id": "balancer"}) or {"_id": "balancer", "mode": "full", "stopped": False}

    # ------------------------------------------------------------------------------------------- logs
    def log_change(self, what: str, ns: str, details: dict[str, Any], shard: str = "config",
                   collection: str = CHANGELOG) -> None:
        """One config.changelog (or config.actionlog) entry, shaped as ShardingLogging writes it."""
        host = self.server.host_and_port
        when = now_date()
        entry = {"_id": f"{host}-{when.strftime('%Y-%m-%dT%H:%M:%S.%f')[:-3]}+00:00-{next(_CHANGELOG_IDS)}",
                 "server": self.server.hostname, "shard": shard, "clientAddr": "", "time": when, "what": what,
                 "ns": ns, "details": details}
        self.insert(collection, entry)


def shard_document(name: str, host: str, topology_time: Timestamp) -> dict[str, Any]:
    return {"_id": name, "host": host, "state": 1, "topologyTime": topology_time}


def database_document(name: str, primary: str, timestamp: Timestamp, last_mod: int = 1) -> dict[str, Any]:
    return {"_id": name, "primary": primary,
            "version": {"uuid": Binary.from_uuid(uuid_module.uuid4(), UuidRepresentation.STANDARD),
                        "timestamp": timestamp, "lastMod": last_mod}}


def collection_document(ns: str, uuid: Any, key: dict[str, Any], unique: bool, epoch: ObjectId,
                        timestamp: Timestamp) -> dict[str, Any]:
    return {"_id": ns, "lastmodEpoch": epoch, "lastmod": now_date(), "timestamp": timestamp, "uuid": uuid,
            "key": key, "unique": unique, "noBalance": False}


def chunk_document(uuid: Any, min_key: dict[str, Any], max_key: dict[str, Any], shard: str, lastmod: Timestamp,
                   valid_after: Timestamp, chunk_id: ObjectId | None = None,
                   history: list[dict[str, Any]] | None = None) -> dict[str, Any]:
    return {"_id": chunk_id or ObjectId(), "uuid": uuid, "min": min_key, "max": max_key, "shard": shard,
            "lastmod": lastmod, "onCurrentShardSince": valid_after,
            "history": history if history is not None else [{"validAfter": valid_after, "shard": shard}]}
