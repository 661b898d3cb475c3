"""Chunk migration driven the way the config server drives it: ``_shardsvrMoveRange`` on the donor primary,
while a writer acting as a router sends versioned inserts, updates and deletes into the range being moved and
retries on the owner the config server names whenever a shard answers StaleConfig. Afterwards every
acknowledged document is readable exactly once through versioned reads of both shards."""

from __future__ import annotations

import random
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson.binary import Binary, UuidRepresentation
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from pymongo.errors import OperationFailure

from tests.support.replset import ReplSet
from tests.support.simproc import wait_until

NS = "test.m"


class MiniCluster:
    def __init__(self, workdir: Path) -> None:
        self.config = ReplSet(workdir / "cfg", name="cfg", members=1, args=["--configsvr"])
        self.shards = [ReplSet(workdir / f"s{i}", name=f"shard{i}", members=1, args=["--shardsvr"])
                       for i in range(2)]
        self.epoch = ObjectId()
        self.timestamp = Timestamp(1_700_000_000, 1)
        self.uuid = Binary.from_uuid(uuid.uuid4(), UuidRepresentation.STANDARD)

    def start(self) -> None:
        for rs in (self.config, *self.shards):
            rs.start()
        for rs in (self.config, *self.shards):
            rs.initiate()
        conn = f"cfg/{','.join(self.config.hosts)}"
        cfg = self.config.client().config
        cluster_id = ObjectId()
        for rs in self.shards:
            cfg.shards.insert_one({"_id": rs.name, "host": f"{rs.name}/{','.join(rs.hosts)}", "state": 1})
            rs.client().admin.command({"_shardsvrSetShardIdentity": 1, "shardName": rs.name, "clusterId": cluster_id,
                                       "configsvrConnectionString": conn})
        cfg.databases.insert_one({"_id": "test", "primary": "shard0",
                                  "version": {"uuid": self.uuid, "timestamp": self.timestamp, "lastMod": 1}})
        cfg.collections.insert_one({"_id": NS, "lastmodEpoch": self.epoch, "timestamp": self.timestamp,
                                    "uuid": self.uuid, "key": {"x": 1}, "unique": False})
        cfg.chunks.insert_many([
            {"uuid": self.uuid, "min": {"x": MinKey()}, "max": {"x": 0}, "shard": "shard0",
             "lastmod": Timestamp(1, 0), "history": []},
            {"uuid": self.uuid, "min": {"x": 0}, "max": {"x": MaxKey()}, "shard": "shard0",
             "lastmod": Timestamp(1, 1), "history": []}])

    def stop(self) -> None:
        for rs in (*self.shards, self.config):
            rs.stop()

    def owner_and_version(self, x: int) -> tuple[str, dict[str, Any]]:
        """What a router reads from config.chunks: the owning shard of ``x`` and that shard's version."""
        chunks = list(self.config.client().config.chunks.find({"uuid": self.uuid}))
        owner = "shard0" if x < 0 else next(c["shard"] for c in chunks if c["min"]["x"] == 0)
        return owner, self.shard_version(owner, chunks)

    def shard_version(self, shard: str, chunks: list[dict[str, Any]] | None = None) -> dict[str, Any]:
        chunks = chunks if chunks is not None else list(self.config.client().config.chunks.find({"uuid": self.uuid}))
        mine = [c["lastmod"] for c in chunks if c["shard"] == shard] or [Timestamp(0, 0)]
        return {"e": self.epoch, "t": self.timestamp, "v": max(mine, key=lambda ts: (ts.time, ts.inc))}

    def db(self, shard: str) -> Any:
        return self.shards[int(shard[-1])].client().test


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[MiniCluster]:
    mini = MiniCluster(tmp_path)
    try:
        mini.start()
        yield mini
    finally:
        mini.stop()


class RoutedWriter(threading.Thread):
    """Versioned writes into [0, MaxKey) that retry on StaleConfig; ``expected`` is every acknowledged state."""

    def __init__(self, cluster: MiniCluster, expected: dict[int, int]) -> None:
        super().__init__(daemon=True)
        self.cluster = cluster
        self.expected = expected
        self.stop_event = threading.Event()
        self.stale_retries = 0
        self.ops = 0
        self.route: tuple[str, dict[str, Any]] | None = None
        self.error: BaseException | None = None

    def routed(self, x: int, cmd: dict[str, Any]) -> dict[str, Any]:
        """As a router: the cached owner and version, refreshed from config.chunks only after StaleConfig."""
        while True:
            if self.route is None:
                self.route = self.cluster.owner_and_version(x)
            shard, version = self.route
            try:
                return self.cluster.db(shard).command({**cmd, "shardVersion": version})  # type: ignore[no-any-return]
            except OperationFailure as exc:
                if exc.code != 13388:
                    raise
                self.stale_retries += 1
                self.route = None

    def run(self) -> None:
        rng = random.Random(7)
        next_x = 100_000
        try:
            while not self.stop_event.is_set():
                choice = rng.random()
                self.ops += 1
                if choice < 0.5:
                    x, next_x = next_x, next_x + 1
                    reply = self.routed(x, {"insert": "m", "documents": [{"_id": x, "x": x, "v": 0}]})
                    assert reply["n"] == 1
                    self.expected[x] = 0
                elif choice < 0.8 and self.expected:
                    x = rng.choice(list(self.expected))
                    reply = self.routed(x, {"update": "m", "updates": [{"q": {"_id": x, "x": x},
                                                                       "u": {"$inc": {"v": 1}}}]})
                    assert reply["nModified"] == 1, (x, reply)
                    self.expected[x] += 1
                elif self.expected:
                    x = rng.choice(list(self.expected))
                    reply = self.routed(x, {"delete": "m", "deletes": [{"q": {"_id": x, "x": x}, "limit": 1}]})
                    assert reply["n"] == 1, (x, reply)
                    del self.expected[x]
        except BaseException as exc:  # reported by the test
            self.error = exc


def routed_documents(cluster: MiniCluster) -> list[dict[str, Any]]:
    docs: list[dict[str, Any]] = []
    for shard in ("shard0", "shard1"):
        reply = cluster.db(shard).command({"find": "m", "filter": {}, "batchSize": 1 << 20,
                                           "shardVersion": cluster.shard_version(shard)})
        assert reply["cursor"]["id"] == 0
        docs.extend(reply["cursor"]["firstBatch"])
    return docs


def test_migration_under_concurrent_writes(cluster: MiniCluster) -> None:
    donor = cluster.db("shard0")
    expected = {x: 0 for x in range(5000)}
    donor.m.insert_many([{"_id": x, "x": x, "v": 0} for x in range(5000)])
    writer = RoutedWriter(cluster, expected)
    writer.start()
    try:
        reply = cluster.shards[0].client().admin.command(
            {"_shardsvrMoveRange": NS, "toShard": "shard1", "min": {"x": 0}, "max": {"x": MaxKey()},
             "waitForDelete": True})
        assert reply["ok"] == 1
        # Keep writing against the new owner for a while, through the same stale-then-retry path.
        done = writer.ops
        wait_until(lambda: writer.ops >= done + 200 or not writer.is_alive(), "write to the new owner")
    finally:
        writer.stop_event.set()
        writer.join(30)
    assert writer.error is None, writer.error
    assert writer.stale_retries > 0  # the writer was sent to the new owner by StaleConfig
    chunks = list(cluster.config.client().config.chunks.find({"uuid": cluster.uuid}))
    assert {c["shard"] for c in chunks if c["min"]["x"] == 0} == {"shard1"}
    docs = routed_documents(cluster)
    ids = [d["_id"] for d in docs]
    assert len(ids) == len(set(ids)), "a document is visible twice"
    assert {d["_id"]: d["v"] for d in docs} == expected
    # The donor deleted the range (waitForDelete) and the recipient's copy is owned: no orphans anywhere.
    assert donor.m.count_documents({"x": {"$gte": 0}}) == 0
    assert cluster.db("shard1").m.count_documents({}) == len(expected)
    stats = cluster.shards[1].client().admin.command({"_shardsvrGetStatsForBalancing": 1,
                                                      "collections": [{"ns": NS}], "scaleFactor": 1})
    assert stats["stats"][0]["namespace"] == NS and stats["stats"][0]["collSize"] > 0
    entries = list(cluster.shards[1].client().local.oplog.rs.find({"ns": NS, "op": "i", "fromMigrate": True}))
    assert len(entries) >= 5000 - 100
