"""A ``--configsvr`` member's sharding role: the catalog, connections to the shards' primaries, the locks that
serialise catalog operations, and the balancer, all reachable as ``server.configsvr``.

Catalog operations that wait (on a shard or on replication) hold a lock so two of them cannot interleave:
one for shard membership (addShard, removeShard), one per database (createDatabase, movePrimary), one per
collection (shardCollection, moveRange). Split, merge and migration commits never wait between their reads and
writes, so they need no lock.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import defaultdict
from collections.abc import AsyncIterator
from typing import TYPE_CHECKING, Any

from mongosim import errors
from mongosim.errors import CommandError
from mongosim.sharding import router_codes as _router_codes  # noqa: F401 - ShardNotFound and friends
from mongosim.sharding.catalog import DATABASES, Catalog, database_document
from mongosim.sharding.remote import RemoteSet, raise_for

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.sharding.balancer import Balancer

_CODES = {"NoShardingEnabled": 203, "StaleEpoch": 150, "ShardNotFound": 70, "ShardKeyNotFound": 61}
for _name, _code in _CODES.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)

# Databases that never get a config.databases entry.
RESERVED_DATABASES = frozenset({"admin", "config", "local"})


class ConfigServer:
    def __init__(self, server: Server) -> None:
        self.server = server
        self.catalog = Catalog(server)
        self._remotes: dict[str, RemoteSet] = {}
        self.membership_lock = asyncio.Lock()
        self._locks: dict[str, asyncio.Lock] = defaultdict(asyncio.Lock)
        self.balancer: Balancer | None = None

    # ------------------------------------------------------------------------------------------- locks
    @contextlib.asynccontextmanager
    async def locked(self, name: str) -> AsyncIterator[None]:
        """The lock of a database or namespace (MongoDB's DDL lock), held across waits."""
        async with self._locks[name]:
            yield

    # ------------------------------------------------------------------------------------------- shards
    def connection_string(self) -> str:
        """This config server replica set as shards learn it: ``cfg/h1:p1,h2:p2``."""
        config = self.server.repl.config
        return f"{config.name}/{','.join(m.host for m in config.members)}"

    def remote(self, shard: str) -> RemoteSet:
        """The shard's replica set, from its config.shards entry."""
        doc = self.catalog.shard(shard)
        if doc is None:
            raise CommandError("ShardNotFound", f"Could not find shard {shard}")
        remote = self._remotes.get(shard)
        if remote is None or remote.connection_string != doc["host"]:
            if remote is not None:
                remote.close()
            remote = self._remotes[shard] = RemoteSet.from_connection_string(doc["host"])
        return remote

    async def shard_command(self, shard: str, db: str, cmd: dict[str, Any], timeout_s: float = 60.0,
                            check: bool = True) -> dict[str, Any]:
        """Run ``cmd`` on the shard's primary; with ``check`` an error reply is raised as a CommandError."""
        reply = await self.remote(shard).command(db, cmd, timeout_s)
        return raise_for(reply) if check else reply

    def forget_shard(self, shard: str) -> None:
        remote = self._remotes.pop(shard, None)
        if remote is not None:
            remote.close()

    async def data_sizes(self) -> dict[str, int]:
        """Each shard's total data on disk (listDatabases totalSize): how "least loaded" is judged."""
        sizes: dict[str, int] = {}
        for doc in self.catalog.shards():
            if doc.get("draining"):
                continue
            try:
                reply = await self.shard_command(doc["_id"], "admin", {"listDatabases": 1}, timeout_s=10.0)
                sizes[doc["_id"]] = int(reply.get("totalSize", 0))
            except CommandError:
                continue
        return sizes

    # ------------------------------------------------------------------------------------------- databases
    async def create_database(self, name: Any, primary: str | None = None) -> dict[str, Any]:
        """The database's config.databases entry, created with a primary shard (given, or the least loaded)
        when missing."""
        check_database_name(name)
        async with self.locked(name):
            existing = self.catalog.database(name)
            if existing is not None:
                if existing["_id"] != name:
                    raise CommandError("DatabaseDifferCase", f"database already created with different case "
                                       f"'{existing['_id']}'")
                if primary is not None and existing["primary"] != primary:
                    raise CommandError("NamespaceExists", f"database already created on a primary which is "
                                       f"different from {primary}")
                return existing
            differ = next((d for d in self.catalog.find(DATABASES) if d["_id"].lower() == name.lower()), None)
            if differ is not None:
                raise CommandError("DatabaseDifferCase", f"Cannot create database {name} because a database "
                                   f"with a different case '{differ['_id']}' already exists")
            if primary is not None:
                if self.catalog.shard(primary) is None:
                    raise CommandError("ShardNotFound", f"Could not find shard {primary}")
            else:
                primary = await self.least_loaded_shard()
            self.catalog.check_primary()
            doc = database_document(name, primary, self.catalog.now_ts())
            self.catalog.insert(DATABASES, doc)
            await self.catalog.majority()
            return doc

    async def least_loaded_shard(self, exclude: frozenset[str] = frozenset()) -> str:
        candidates = [d["_id"] for d in self.catalog.shards() if not d.get("draining") and d["_id"] not in exclude]
        if not candidates:
            raise CommandError("ShardNotFound", "No non-draining shard found")
        sizes = await self.data_sizes()
        return str(min(candidates, key=lambda s: (sizes.get(s, 0), s)))


def check_database_name(name: Any) -> None:
    if not isinstance(name, str) or not name or any(c in name for c in '/\\. "$') or len(name) >= 64:
        raise CommandError("InvalidNamespace", f"Invalid db name specified: {name}")
    if name in RESERVED_DATABASES:
        raise CommandError("InvalidOptions", f"Cannot manually create database '{name}'")


def install(server: Server) -> ConfigServer:
    """Give a --configsvr mongod its sharding role; the balancer runs while this member is primary."""
    from mongosim.sharding.balancer import Balancer

    role = ConfigServer(server)
    server.configsvr = role  # type: ignore[attr-defined]
    role.balancer = Balancer(role)
    role.balancer.start()
    server.shutdown_hooks.append(role.balancer.stop)
    return role


def config_server(server: Server) -> ConfigServer:
    """The node's config server role; the real refusal when the node is not a config server primary."""
    role = getattr(server, "configsvr", None)
    if role is None:
        raise CommandError("IllegalOperation", "This command can only be run on config servers")
    return role  # type: ignore[no-any-return]
