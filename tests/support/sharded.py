"""Bring up a complete sharded sandbox of simulator processes on loopback for tests: a config server replica
set, shard replica sets and mongos routers, with fast election settings."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo

from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, wait_until


class ShardedCluster:
    def __init__(self, workdir: Path, *, shards: int = 2, members: int = 3, config_members: int = 3,
                 routers: int = 1) -> None:
        self.workdir = workdir
        self.config = ReplSet(workdir / "config", name="cfg", members=config_members, args=["--configsvr"])
        self.shards = [ReplSet(workdir / f"shard{i}", name=f"shard{i}", members=members, args=["--shardsvr"])
                       for i in range(shards)]
        self.routers: list[SimProcess] = []
        self._router_count = routers
        self._clients: list[pymongo.MongoClient[dict[str, Any]]] = []

    @property
    def configdb(self) -> str:
        return f"{self.config.name}/{','.join(self.config.hosts)}"

    def start(self) -> ShardedCluster:
        for rs in (self.config, *self.shards):
            rs.start()
        for rs in (self.config, *self.shards):
            rs.initiate()
        for i in range(self._router_count):
            self.add_router(i)
        for rs in self.shards:
            self.client().admin.command("addShard", f"{rs.name}/{','.join(rs.hosts)}", name=rs.name)
        return self

    def add_router(self, index: int | None = None) -> SimProcess:
        index = len(self.routers) if index is None else index
        router = SimProcess(self.workdir / f"mongos{index}", process="mongos", args=["--configdb", self.configdb])
        router.start()
        self.routers.append(router)
        return router

    def client(self, router: int = 0, **kwargs: Any) -> pymongo.MongoClient[dict[str, Any]]:
        options: dict[str, Any] = {"serverSelectionTimeoutMS": 20000}
        options.update(kwargs)
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            f"mongodb://{self.routers[router].address}/", **options)
        self._clients.append(client)
        return client

    def wait_shards_listed(self) -> None:
        names = {rs.name for rs in self.shards}
        wait_until(lambda: {s["_id"] for s in self.client().admin.command("listShards")["shards"]} >= names,
                   "see every shard in listShards")

    def stop(self) -> None:
        for client in self._clients:
            client.close()
        self._clients.clear()
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
