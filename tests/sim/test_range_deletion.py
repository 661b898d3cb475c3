"""Range deletion as MongoDB 8.0 persists it (``config.rangeDeletions`` on the shards, resumed by a restarted
primary, counted by ``$shardedDataDistribution``), ``cleanupOrphaned``, and moveRange given only ``min`` or only
``max`` (the donor moves about one chunk size). Small clusters: two 1-member shards, a 1-member config server."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey
from pymongo.errors import OperationFailure

from tests.support.sharded import ShardedCluster
from tests.support.simproc import wait_until

NS = "rd.items"


@pytest.fixture
def delayed_cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    """Shards keep a donated range's orphans for an hour unless told otherwise."""
    cluster = ShardedCluster(tmp_path, shards=2, members=1, config_members=1,
                             shard_args=["--setParameter", "orphanCleanupDelaySecs=3600"])
    try:
        cluster.start()
        cluster.wait_shards_listed()
        yield cluster
    finally:
        cluster.stop()


def distribution(cluster: ShardedCluster, ns: str) -> dict[str, dict[str, Any]]:
    entries = {d["ns"]: d for d in cluster.router_client().admin.aggregate([{"$shardedDataDistribution": {}}])}
    return {s["shardName"]: s for s in entries[ns]["shards"]}


def range_deletions(cluster: ShardedCluster, shard: str) -> list[dict[str, Any]]:
    return list(cluster.shard_client(shard).config.rangeDeletions.find())


def test_a_killed_donor_resumes_its_range_deletion_after_restart(delayed_cluster: ShardedCluster) -> None:
    cluster = delayed_cluster
    router = cluster.router_client()
    admin = router.admin
    admin.command("enableSharding", "rd", primaryShard="shard0")
    admin.command("shardCollection", NS, key={"k": 1})
    router.rd.items.insert_many([{"_id": i, "k": i} for i in range(200)])
    admin.command("split", NS, middle={"k": 100})
    admin.command("moveChunk", NS, find={"k": 150}, to="shard1", _waitForDelete=False)

    # The donor's task, ready (no pending flag) and delayed; the recipient's own task went with the commit.
    [task] = range_deletions(cluster, "shard0")
    coll_doc = router.config.collections.find_one({"_id": NS})
    assert coll_doc is not None
    assert list(task) == ["_id", "nss", "collectionUuid", "donorShardId", "range", "whenToClean", "timestamp",
                          "numOrphanDocs", "keyPattern", "preMigrationShardVersion"]
    assert (task["nss"], task["collectionUuid"], task["donorShardId"]) == (NS, coll_doc["uuid"], "shard0")
    assert task["range"] == {"min": {"k": 100}, "max": {"k": MaxKey()}}
    assert (task["whenToClean"], task["numOrphanDocs"], task["keyPattern"]) == ("delayed", 100, {"k": 1})
    assert isinstance(task["_id"], bson.Binary) and task["_id"].subtype == 4
    assert isinstance(task["timestamp"], bson.Timestamp)
    assert range_deletions(cluster, "shard1") == []
    # Pending orphans: counted as such, never visible through the router.
    assert {name: (s["numOwnedDocuments"], s["numOrphanedDocs"]) for name, s in distribution(cluster, NS).items()} \
        == {"shard0": (100, 100), "shard1": (100, 0)}
    assert cluster.shard_client("shard0").rd.command("collStats", "items")["numOrphanDocs"] == 100
    assert router.rd.items.count_documents({}) == 200

    node = cluster.shards[0].nodes[0]
    node.kill()
    node.start()
    primary = cluster.shards[0].wait_for_primary()
    direct = primary.client()
    # Resumed with its delay: the task and the orphans are still there, reads still skip them.
    assert [t["_id"] for t in direct.config.rangeDeletions.find()] == [task["_id"]]
    assert direct.rd.items.count_documents({"k": {"$gte": 100}}) == 100
    wait_until(lambda: router.rd.items.count_documents({}) == 200, "read through the router after the restart")
    assert distribution(cluster, NS)["shard0"]["numOrphanedDocs"] == 100

    direct.admin.command("setParameter", 1, orphanCleanupDelaySecs=0)
    direct.admin.command("cleanupOrphaned", NS)  # returns once no range deletion remains for the collection
    assert list(direct.config.rangeDeletions.find()) == []
    assert direct.rd.items.count_documents({"k": {"$gte": 100}}) == 0
    assert direct.rd.items.count_documents({}) == 100
    assert {name: (s["numOwnedDocuments"], s["numOrphanedDocs"]) for name, s in distribution(cluster, NS).items()} \
        == {"shard0": (100, 0), "shard1": (100, 0)}
    assert router.rd.items.count_documents({}) == 200


def test_a_range_cannot_return_while_its_orphans_await_deletion(delayed_cluster: ShardedCluster) -> None:
    cluster = delayed_cluster
    router = cluster.router_client()
    admin = router.admin
    admin.command("enableSharding", "rd", primaryShard="shard0")
    admin.command("shardCollection", NS, key={"k": 1})
    router.rd.items.insert_many([{"_id": i, "k": i} for i in range(50)])
    admin.command("split", NS, middle={"k": 10})
    admin.command("moveChunk", NS, find={"k": 20}, to="shard1")
    cluster.shard_client("shard0").admin.command("setParameter", 1, receiveChunkWaitForRangeDeleterTimeoutMS=500)

    with pytest.raises(OperationFailure) as error:
        admin.command("moveChunk", NS, find={"k": 20}, to="shard0")
    assert "overlapping range deletion" in str(error.value)
    assert {c["shard"] for c in cluster.chunks(NS) if c["min"] == {"k": 10}} == {"shard1"}
    assert router.rd.items.count_documents({}) == 50
    with pytest.raises(OperationFailure) as timeout:
        cluster.shard_client("shard0").admin.command("cleanupOrphaned", NS, maxTimeMS=200)
    assert timeout.value.code == 50  # MaxTimeMSExpired: the delay is an hour

    # Once the orphans are gone the range moves back.
    cluster.shard_client("shard0").admin.command("setParameter", 1, orphanCleanupDelaySecs=0)
    cluster.shard_client("shard0").admin.command("cleanupOrphaned", NS)
    admin.command("moveChunk", NS, find={"k": 20}, to="shard0", _waitForDelete=True)
    assert range_deletions(cluster, "shard0") == range_deletions(cluster, "shard1") == []
    assert router.rd.items.count_documents({}) == 50
    assert cluster.shard_client("shard1").rd.items.count_documents({}) == 0


@pytest.fixture
def sized_cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    cluster = ShardedCluster(tmp_path, shards=2, members=1, config_members=1, chunk_size_mb=1)
    try:
        cluster.start()
        cluster.wait_shards_listed()
        cluster.router_client().admin.command("balancerStop")
        yield cluster
    finally:
        cluster.stop()


def chunk_bounds(cluster: ShardedCluster, ns: str) -> list[tuple[Any, Any, str]]:
    chunks = cluster.chunks(ns)
    assert chunks[0]["min"] == {"k": MinKey()} and chunks[-1]["max"] == {"k": MaxKey()}
    assert all(a["max"] == b["min"] for a, b in itertools.pairwise(chunks)), "chunks must be contiguous"
    return [(c["min"]["k"], c["max"]["k"], c["shard"]) for c in chunks]


def bytes_between(docs: list[dict[str, Any]], low: int, high: int) -> int:
    return sum(len(bson.encode(d)) for d in docs if low <= d["k"] < high)


def test_move_range_with_one_bound_moves_about_one_chunk_size(sized_cluster: ShardedCluster) -> None:
    cluster = sized_cluster
    router = cluster.router_client()
    admin = router.admin
    admin.command("enableSharding", "rd", primaryShard="shard0")
    admin.command("shardCollection", NS, key={"k": 1})
    docs = [{"_id": i, "k": i, "pad": "x" * 1000} for i in range(3000)]  # about 3 MB
    for start in range(0, len(docs), 500):
        router.rd.items.insert_many(docs[start:start + 500])
    mb = 1024 * 1024

    with pytest.raises(OperationFailure) as error:
        admin.command("moveRange", NS, toShard="shard1")
    assert error.value.code == 72  # InvalidOptions
    assert "Missing required parameter 'min' or 'max'" in str(error.value)

    admin.command("moveRange", NS, toShard="shard1", min={"k": 500})
    low, cut, shard = chunk_bounds(cluster, NS)[1]
    assert (low, shard) == (500, "shard1") and isinstance(cut, int)
    assert 0.8 * mb <= bytes_between(docs, 500, cut) <= 1.2 * mb
    assert chunk_bounds(cluster, NS) == [(MinKey(), 500, "shard0"), (500, cut, "shard1"), (cut, MaxKey(), "shard0")]

    admin.command("moveRange", NS, toShard="shard1", max={"k": 2800})
    bounds = chunk_bounds(cluster, NS)
    start, end, shard = bounds[3]
    assert (end, shard) == (2800, "shard1") and isinstance(start, int) and cut < start
    assert 0.8 * mb <= bytes_between(docs, start, 2800) <= 1.2 * mb
    assert bounds == [(MinKey(), 500, "shard0"), (500, cut, "shard1"), (cut, start, "shard0"),
                      (start, 2800, "shard1"), (2800, MaxKey(), "shard0")]

    # A range already under one chunk size moves whole: the bound is the chunk's own.
    admin.command("moveRange", NS, toShard="shard1", min={"k": 2800})
    assert chunk_bounds(cluster, NS)[-1] == (2800, MaxKey(), "shard1")
    assert router.rd.items.count_documents({}) == 3000
    owned = cluster.owned_documents(NS)
    assert len(owned["shard0"]) + len(owned["shard1"]) == 3000
    assert sorted(d["k"] for d in owned["shard1"]) == [*range(500, cut), *range(start, 3000)]
