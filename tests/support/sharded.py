"""Bring up a complete sharded sandbox of simulator processes on loopback for tests: a config server replica
set, shard replica sets and mongos routers, with fast election settings.

Sizes are options so each test starts only what its scenario needs (1-member sets where replication is not
the point). Helpers read the cluster the way an operator would: through a router, or directly from a shard's
primary where a test must see what one shard holds.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo

from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, wait_until

Client = pymongo.MongoClient[dict[str, Any]]


class ShardedCluster:
    """``shards`` shard replica sets of ``members`` members (``--shardsvr``), a config server replica set of
    ``config_members`` members (``--configsvr``) and ``routers`` mongos. ``chunk_size_mb`` sets
    ``config.settings`` ``{_id: "chunksize"}`` after start-up (MongoDB's smallest is 1); ``shard_args`` and
    ``config_args`` are extra command-line options for the shard and config server members, ``router_args`` for
    the routers. Shards start with
    ``orphanCleanupDelaySecs=0`` (MongoDB's default keeps a donated range's orphans 15 minutes, during which the
    range cannot move back to that shard); a test wanting a delay passes its own ``--setParameter``, which wins.
    ``keyfile`` starts every process with ``--keyFile`` (internal authentication, access control on): the
    cluster is then set up through the localhost exception, before any user exists."""

    def __init__(self, workdir: Path, *, shards: int = 2, members: int = 3, config_members: int = 3,
                 routers: int = 1, chunk_size_mb: int | None = None, shard_args: list[str] | None = None,
                 config_args: list[str] | None = None, keyfile: Path | None = None,
                 router_args: list[str] | None = None) -> None:
        self.workdir = workdir
        self.security_args = ["--keyFile", str(keyfile)] if keyfile is not None else []
        self.members = members
        self.shard_args = ["--setParameter", "orphanCleanupDelaySecs=0", *self.security_args, *(shard_args or [])]
        self.router_args = list(router_args or [])
        self.chunk_size_mb = chunk_size_mb
        self.config = ReplSet(workdir / "config", name="cfg", members=config_members,
                              args=["--configsvr", *self.security_args, *(config_args or [])])
        self.shards = [self._new_shard(i) for i in range(shards)]
        self.routers: list[SimProcess] = []
        self._router_count = routers
        self._clients: list[Client] = []
        self._shard_clients: dict[str, Client] = {}
        self._router_clients: dict[int, Client] = {}

    def _new_shard(self, index: int, members: int | None = None) -> ReplSet:
        name = f"shard{index}"
        return ReplSet(self.workdir / name, name=name, members=members or self.members,
                       args=["--shardsvr", *self.shard_args])

    @property
    def configdb(self) -> str:
        return f"{self.config.name}/{','.join(self.config.hosts)}"

    @staticmethod
    def connection_string(rs: ReplSet) -> str:
        return f"{rs.name}/{','.join(rs.hosts)}"

    def start(self) -> ShardedCluster:
        for rs in (self.config, *self.shards):
            rs.start()
        for rs in (self.config, *self.shards):
            rs.initiate()
        for i in range(self._router_count):
            self.add_router(i)
        for rs in self.shards:
            self._add_shard(rs)
        if self.chunk_size_mb is not None:
            self.set_chunk_size(self.chunk_size_mb)
        return self

    def add_router(self, index: int | None = None) -> SimProcess:
        index = len(self.routers) if index is None else index
        router = SimProcess(self.workdir / f"mongos{index}", process="mongos",
                            args=["--configdb", self.configdb, *self.security_args, *self.router_args])
        router.start()
        self.routers.append(router)
        return router

    def start_shard(self, members: int | None = None) -> ReplSet:
        """Start and initiate one more shard replica set (not yet part of the cluster)."""
        rs = self._new_shard(len(self.shards), members)
        self.shards.append(rs)
        rs.start()
        rs.initiate()
        return rs

    def add_shard(self, members: int | None = None) -> ReplSet:
        """Start one more shard replica set and add it through the first router, as an operator would."""
        rs = self.start_shard(members)
        self._add_shard(rs)
        return rs

    def _add_shard(self, rs: ReplSet) -> None:
        def add() -> bool:
            self.router_client().admin.command("addShard", self.connection_string(rs), name=rs.name)
            return True
        if self.security_args:  # the router grants the localhost exception once it has read the users
            wait_until(add, f"add {rs.name} through the localhost exception")
        else:
            add()

    def shard(self, name: str) -> ReplSet:
        return next(rs for rs in self.shards if rs.name == name)

    def client(self, router: int = 0, **kwargs: Any) -> Client:
        options: dict[str, Any] = {"serverSelectionTimeoutMS": 20000}
        options.update(kwargs)
        client: Client = pymongo.MongoClient(f"mongodb://{self.routers[router].address}/", **options)
        self._clients.append(client)
        return client

    def router_client(self, router: int = 0) -> Client:
        """One reused client per router, for the harness's own reads and polls."""
        client = self._router_clients.get(router)
        if client is None:
            client = self._router_clients[router] = self.client(router)
        return client

    def set_chunk_size(self, megabytes: int) -> None:
        """As the manual says to: upsert ``{_id: "chunksize", value: <MB>}`` in config.settings through mongos."""
        self.router_client().config.settings.update_one({"_id": "chunksize"}, {"$set": {"_id": "chunksize",
                                                                                  "value": megabytes}}, upsert=True)

    def wait_shards_listed(self) -> None:
        names = {rs.name for rs in self.shards}
        wait_until(lambda: {s["_id"] for s in self.router_client().admin.command("listShards")["shards"]} >= names,
                   "see every shard in listShards")

    def chunks(self, ns: str) -> list[dict[str, Any]]:
        """The collection's config.chunks documents (matched by uuid, as 5.0+ stores them), sorted by min."""
        config = self.router_client().config
        coll = config.collections.find_one({"_id": ns})
        assert coll is not None, f"{ns} is not in config.collections"
        return list(config.chunks.find({"uuid": coll["uuid"]}).sort("min", 1))

    def chunk_counts(self, ns: str) -> dict[str, int]:
        counts: dict[str, int] = {}
        for chunk in self.chunks(ns):
            counts[chunk["shard"]] = counts.get(chunk["shard"], 0) + 1
        return counts

    def shard_client(self, shard: str) -> Client:
        """One reused client to the shard's primary (replica-set URI), for direct reads in polls."""
        client = self._shard_clients.get(shard)
        if client is None:
            client = self._shard_clients[shard] = self.shard(shard).client()
        return client

    def shard_documents(self, shard: str, ns: str) -> list[dict[str, Any]]:
        """Every document the shard's primary stores for ``ns``, orphans included (a direct, unversioned read)."""
        db, coll = ns.split(".", 1)
        return list(self.shard_client(shard)[db][coll].find())

    def owned_documents(self, ns: str) -> dict[str, list[dict[str, Any]]]:
        """Per shard, the stored documents whose shard key falls in a chunk config.chunks assigns to that shard
        (orphans a migration left behind are not counted)."""
        from mongosim.sharding.routing import RoutingTable  # the shared chunk model: key order and hashing

        coll_doc = self.router_client().config.collections.find_one({"_id": ns})
        assert coll_doc is not None, f"{ns} is not in config.collections"
        table = RoutingTable.from_documents(coll_doc, self.chunks(ns))
        return {rs.name: [d for d in self.shard_documents(rs.name, ns)
                          if table.chunk_for(table.pattern.extract(d)).shard == rs.name]
                for rs in self.shards}

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
        self._router_clients.clear()
        self._shard_clients.clear()  # owned by the shards' ReplSets, closed by their stop()
        for router in self.routers:
            router.stop()
        for rs in (*self.shards, self.config):
            rs.stop()


@contextlib.contextmanager
def running_cluster(workdir: Path, **kwargs: Any) -> Iterator[ShardedCluster]:
    cluster = ShardedCluster(workdir, **kwargs)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
