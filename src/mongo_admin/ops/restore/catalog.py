"""Restoring the sharding catalog on the config server primary, with shard names mapped to the target's.

The backup's ``config.databases``, ``config.collections``, ``config.chunks`` and ``config.tags`` replace the
target's entries for the databases being restored (only those); ``config.settings`` come back except the
balancer's, which the restore itself stops and puts back. Never written: ``config.shards`` (the target's shards
and hosts stay what they are: another cluster's hosts must not leak in) and ``config.version`` (its
``clusterId`` is the one every shard's identity document names). Shard ids in ``primary``, ``shard`` and chunk
``history`` go through the shard mapping.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson import ObjectId
from bson.binary import Binary

from mongo_admin.ops.restore.replay import ReplayRules
from mongo_admin.ops.restore.source import SetDump

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

CATALOG_REPLAYED = frozenset({"config.databases", "config.collections", "config.chunks", "config.tags",
                              "config.settings"})
BALANCER_SETTING = "balancer"
_SHARD_FIELDS = ("shard", "primary")


def map_shard_ids(value: Any, mapping: Mapping[str, str]) -> Any:
    """``value`` with every ``shard`` / ``primary`` string field (at any depth) renamed through ``mapping``."""
    if isinstance(value, Mapping):
        return {key: (mapping.get(item, item) if key in _SHARD_FIELDS and isinstance(item, str)
                      else map_shard_ids(item, mapping)) for key, item in value.items()}
    if isinstance(value, list):
        return [map_shard_ids(item, mapping) for item in value]
    return value


@dataclass(frozen=True)
class CatalogDump:
    """The sharding catalog as the config server dump holds it."""

    databases: list[dict[str, Any]]
    collections: list[dict[str, Any]]
    chunks: list[dict[str, Any]]
    tags: list[dict[str, Any]]
    settings: list[dict[str, Any]]

    @classmethod
    def read(cls, dump: SetDump) -> CatalogDump:
        return cls(*(dump.collection("config", name) for name in ("databases", "collections", "chunks", "tags",
                                                                  "settings")))

    def database_names(self) -> set[str]:
        return {str(doc["_id"]) for doc in self.databases}

    def primary_of(self, db: str) -> str | None:
        return next((str(doc.get("primary")) for doc in self.databases if doc["_id"] == db), None)

    def sharded(self) -> dict[str, dict[str, Any]]:
        """Sharded collections (not the tracked unsharded ones) by namespace."""
        return {str(doc["_id"]): doc for doc in self.collections
                if not doc.get("unsplittable") and not doc.get("dropped")}

    def chunks_of(self, uuid: Any) -> list[dict[str, Any]]:
        return [chunk for chunk in self.chunks if chunk.get("uuid") == uuid]


def _db_regex(databases: Iterable[str]) -> dict[str, str]:
    return {"$regex": "^(" + "|".join(re.escape(db) for db in sorted(databases)) + r")\."}


def replace_databases(client: Client, catalog: CatalogDump, mapping: Mapping[str, str],
                      databases: set[str]) -> dict[str, int]:
    """The target's catalog entries of ``databases`` replaced by the backup's; counts written by collection."""
    from pymongo import WriteConcern

    config = client.get_database("config", write_concern=WriteConcern(w="majority"))
    written = {"databases": 0, "collections": 0, "chunks": 0, "tags": 0}
    if not databases:
        return written
    in_dbs = _db_regex(databases)
    current = list(config.collections.find({"_id": in_dbs}, {"uuid": 1}))
    backup_collections = [doc for doc in catalog.collections if str(doc["_id"]).partition(".")[0] in databases]
    uuids = [doc["uuid"] for doc in current] + [doc["uuid"] for doc in backup_collections]
    chunks = [map_shard_ids(chunk, mapping) for chunk in catalog.chunks
              if chunk.get("uuid") in {doc["uuid"] for doc in backup_collections}]
    config.chunks.delete_many({"$or": [{"uuid": {"$in": uuids}}, {"_id": {"$in": [c["_id"] for c in chunks]}}]})
    config.collections.delete_many({"_id": in_dbs})
    config.tags.delete_many({"ns": in_dbs})
    config.databases.delete_many({"_id": {"$in": sorted(databases)}})
    for name, docs in (("databases", [map_shard_ids(doc, mapping) for doc in catalog.databases
                                      if doc["_id"] in databases]),
                       ("collections", backup_collections), ("chunks", chunks),
                       ("tags", [doc for doc in catalog.tags
                                 if str(doc.get("ns", "")).partition(".")[0] in databases])):
        if docs:
            config[name].insert_many(docs, ordered=False)
        written[name] = len(docs)
    return written


def restore_settings(client: Client, catalog: CatalogDump) -> int:
    from pymongo import WriteConcern

    settings = client.get_database("config", write_concern=WriteConcern(w="majority")).settings
    kept = [doc for doc in catalog.settings if doc.get("_id") != BALANCER_SETTING]
    for doc in kept:
        settings.replace_one({"_id": doc["_id"]}, doc, upsert=True)
    return len(kept)


def ensure_database(client: Client, catalog: CatalogDump, mapping: Mapping[str, str], db: str) -> str:
    """The target's primary shard of ``db``, creating the database (on the mapped backup primary) if missing."""
    found = client.config.databases.find_one({"_id": db})
    if found is None:
        primary = catalog.primary_of(db)
        options = {"primaryShard": mapping.get(primary, primary)} if primary else {}
        client.admin.command({"enableSharding": db, **options})
        found = client.config.databases.find_one({"_id": db})
    assert found is not None
    return str(found["primary"])


def install_collection(config_client: Client, catalog: CatalogDump, mapping: Mapping[str, str], source: str,
                       target: str, uuid: Binary) -> int:
    """A sharded collection of the backup entered in the catalog as ``target`` with ``uuid``: its key, options
    and chunk ranges as at the backup, placed on the mapped shards. The number of chunks."""
    from pymongo import WriteConcern

    config = config_client.get_database("config", write_concern=WriteConcern(w="majority"))
    doc = catalog.sharded()[source]
    fresh_ids = uuid != doc["uuid"]
    chunks = [map_shard_ids({**chunk, "uuid": uuid, **({"_id": ObjectId()} if fresh_ids else {})}, mapping)
              for chunk in catalog.chunks_of(doc["uuid"])]
    old = config.collections.find_one({"_id": target}, {"uuid": 1})
    if old is not None:
        config.chunks.delete_many({"uuid": old["uuid"]})
    config.chunks.delete_many({"uuid": uuid})
    config.collections.replace_one({"_id": target}, {**doc, "_id": target, "uuid": uuid}, upsert=True)
    if chunks:
        config.chunks.insert_many(chunks, ordered=False)
    config.tags.delete_many({"ns": target})
    tags = [{**tag, "ns": target, "_id": ObjectId()} for tag in catalog.tags if tag.get("ns") == source]
    if tags:
        config.tags.insert_many(tags, ordered=False)
    return len(chunks)


def config_replay_rules(mapping: Mapping[str, str], *, users: bool, keep_users: frozenset[str]) -> ReplayRules:
    """What the config server set's oplog replays: the catalog collections (shard ids mapped, not the balancer
    setting) and, when users are restored, users and roles other than the ones kept."""

    def target(ns: str) -> str | None:
        if ns in CATALOG_REPLAYED:
            return ns
        if ns in ("admin.system.users", "admin.system.roles"):
            return ns if users else None
        return None if ns.startswith(("config.", "admin.")) else ns

    def transform(entry: dict[str, Any]) -> dict[str, Any] | None:
        ids = {(entry.get("o") or {}).get("_id"), (entry.get("o2") or {}).get("_id")}
        if entry["ns"] == "config.settings" and BALANCER_SETTING in ids:
            return None
        if entry["ns"] == "admin.system.users" and ids & keep_users:
            return None
        return map_shard_ids(entry, mapping) if entry["ns"].startswith("config.") else entry

    return ReplayRules(target=target, transform=transform)
