"""The router's catalog cache: database entries, routing tables and the shard registry, read from the config
server primary with ``readConcern: majority`` and kept until a shard says they are stale (StaleConfig,
StaleDbVersion) or ``flushRouterConfig`` drops them.

A namespace whose ``config.collections`` entry is missing is untracked: its operations go to the database's
primary shard with the UNSHARDED shard version and the database version.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.sharding import router_codes as codes
from mongosim.sharding.remote import RemoteSet, raise_for
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.versions import ChunkVersion

if TYPE_CHECKING:
    from mongosim.logs import Logger

MAJORITY = {"level": "majority"}
# Databases the config server owns: nobody routes them to a shard.
CONFIG_DATABASES = frozenset({"config", "admin"})


@dataclass(frozen=True)
class DatabaseEntry:
    name: str
    primary: str
    version: dict[str, Any]


@dataclass(frozen=True)
class Routing:
    """What a routed operation on one namespace needs: the database entry and, when tracked, the routing
    table; ``version_fields(shard)`` is what the router attaches to the command it sends that shard."""

    ns: str
    database: DatabaseEntry
    table: RoutingTable | None

    @property
    def sharded(self) -> bool:
        return self.table is not None

    def version_fields(self, shard: str) -> dict[str, Any]:
        if self.table is None:
            return {"shardVersion": ChunkVersion.unsharded().to_wire(), "databaseVersion": self.database.version}
        return {"shardVersion": self.table.shard_version(shard).to_wire()}

    def owning_shards(self) -> list[str]:
        return self.table.shards() if self.table is not None else [self.database.primary]


class CatalogCache:
    def __init__(self, config: RemoteSet, log: Logger) -> None:
        self.config = config
        self.log = log
        self._databases: dict[str, DatabaseEntry] = {}
        self._tables: dict[str, RoutingTable | None] = {}
        self._shards: dict[str, RemoteSet] = {}
        self._locks: dict[str, asyncio.Lock] = {}

    # ------------------------------------------------------------------------------------------ reading
    async def find_all(self, collection: str, filter_doc: dict[str, Any], sort: dict[str, Any] | None = None,
                       db: str = "config") -> list[dict[str, Any]]:
        """Every document of a config server collection matching ``filter_doc`` (majority-committed)."""
        cmd: dict[str, Any] = {"find": collection, "filter": filter_doc, "readConcern": MAJORITY}
        if sort:
            cmd["sort"] = sort
        reply = raise_for(await self.config.command(db, cmd))
        cursor = reply["cursor"]
        docs = list(cursor.get("firstBatch", []))
        host = self.config.primary
        while cursor.get("id") and host is not None:
            more = raise_for(await self.config.command_on(host, db, {"getMore": Int64(cursor["id"]),
                                                                     "collection": collection}))
            cursor = more["cursor"]
            docs.extend(cursor.get("nextBatch", []))
        return docs

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self._locks.get(key)
        if lock is None:
            lock = self._locks[key] = asyncio.Lock()
        return lock

    # ------------------------------------------------------------------------------------------ shards
    async def shard(self, shard_id: str) -> RemoteSet:
        remote = self._shards.get(shard_id)
        if remote is None:
            await self.reload_shards()
            remote = self._shards.get(shard_id)
        if remote is None:
            raise CommandError("ShardNotFound", f"Shard {shard_id} not found")
        return remote

    async def reload_shards(self) -> list[dict[str, Any]]:
        docs = await self.find_all("shards", {}, {"_id": 1})
        seen = set()
        for doc in docs:
            shard_id = str(doc["_id"])
            seen.add(shard_id)
            name_and_hosts = RemoteSet.from_connection_string(str(doc.get("host", "")))
            current = self._shards.get(shard_id)
            if current is None:
                self._shards[shard_id] = name_and_hosts
            else:
                current.update_hosts(name_and_hosts.hosts)
        for gone in [s for s in self._shards if s not in seen]:
            self._shards.pop(gone).close()
        return docs

    def known_shards(self) -> dict[str, RemoteSet]:
        return dict(self._shards)

    # ------------------------------------------------------------------------------------------ databases
    async def database(self, name: str, create: bool = False) -> DatabaseEntry | None:
        entry = self._databases.get(name)
        if entry is not None:
            return entry
        async with self._lock("db:" + name):
            entry = self._databases.get(name)
            if entry is None:
                entry = await self._load_database(name)
            if entry is None and create:
                # As mongos does on the first write to a new database: the config server picks the primary shard.
                raise_for(await self.config.command("admin", {"_configsvrCreateDatabase": name,
                                                              "writeConcern": {"w": "majority"}}))
                entry = await self._load_database(name)
            if entry is not None:
                self._databases[name] = entry
            return entry

    async def _load_database(self, name: str) -> DatabaseEntry | None:
        docs = await self.find_all("databases", {"_id": name})
        if not docs:
            return None
        doc = docs[0]
        self.log.info("SH_REFR", codes.REFRESHED_DATABASE, "CatalogCache-0", "Refreshed cached database entry",
                      {"db": name, "newDbVersion": doc.get("version")})
        return DatabaseEntry(name, str(doc["primary"]), dict(doc.get("version") or {}))

    # ------------------------------------------------------------------------------------------ collections
    async def routing(self, ns: str, create_db: bool = False) -> Routing:
        """The routing of ``ns``; raises NamespaceNotFound when its database does not exist (unless asked to
        create it, as a write does)."""
        db = ns.partition(".")[0]
        entry = await self.database(db, create=create_db)
        if entry is None:
            raise CommandError("NamespaceNotFound", f"database {db} not found")
        return Routing(ns, entry, await self.table(ns))

    async def table(self, ns: str) -> RoutingTable | None:
        if ns in self._tables:
            return self._tables[ns]
        async with self._lock("ns:" + ns):
            if ns not in self._tables:
                self._tables[ns] = await self._load_table(ns)
            return self._tables[ns]

    async def _load_table(self, ns: str) -> RoutingTable | None:
        colls = await self.find_all("collections", {"_id": ns})
        if not colls:
            return None
        coll = colls[0]
        chunks = await self.find_all("chunks", {"uuid": coll.get("uuid")}, {"min": 1})
        table = RoutingTable.from_documents(coll, chunks)
        self.log.info("SH_REFR", codes.REFRESHED_COLLECTION, "CatalogCache-0", "Refreshed cached collection",
                      {"namespace": ns, "lookupSinceVersion": None,
                       "newVersion": {"0": str(table.collection_version.lastmod)}, "timeInStore": None,
                       "durationMillis": 0})
        return table

    # ------------------------------------------------------------------------------------------ invalidation
    def invalidate(self, ns: str) -> None:
        self._tables.pop(ns, None)

    def invalidate_database(self, db: str) -> None:
        self._databases.pop(db, None)
        for ns in [n for n in self._tables if n.partition(".")[0] == db]:
            self._tables.pop(ns, None)

    def flush(self) -> None:
        self._databases.clear()
        self._tables.clear()

    def close(self) -> None:
        for remote in self._shards.values():
            remote.close()
        self._shards.clear()
