"""Sharded-cluster scenarios as an operator lives them: chunk migrations under concurrent writes, the balancer
spreading data onto a newly added shard (and staying still when stopped), a router whose routing table went
stale, and a shard drained and removed. Every check reads the cluster through mongos, the way clients do, and
cross-checks what each shard's primary really stores.

Clusters are as small as each scenario allows (1-member config server and shard replica sets): these scenarios
are about routing and migration, not replication.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from bson import json_util
from bson.int64 import Int64
from pymongo.errors import PyMongoError

from tests.support.sharded import ShardedCluster, running_cluster
from tests.support.simproc import wait_until

MB = 1024 * 1024
SMALL: dict[str, Any] = {"shards": 2, "members": 1, "config_members": 1}


def checksum(docs: list[dict[str, Any]]) -> int:
    """Order-independent checksum of documents: the sum of a digest of each document's canonical form."""
    total = 0
    for doc in docs:
        text = json_util.dumps(dict(sorted(doc.items())), json_options=json_util.CANONICAL_JSON_OPTIONS)
        total += int.from_bytes(hashlib.sha256(text.encode()).digest()[:8], "little")
    return total % 2**64


def presplit(cluster: ShardedCluster, ns: str, points: list[int], *, alternate: bool = True) -> None:
    """Split a {k: 1} collection at ``points``; with ``alternate``, every other chunk goes to shard1."""
    admin = cluster.router_client().admin
    for point in points:
        admin.command("split", ns, middle={"k": point})
    if alternate:
        for chunk in cluster.chunks(ns)[1::2]:
            admin.command("moveChunk", ns, bounds=[chunk["min"], chunk["max"]], to="shard1")


class Writer(threading.Thread):
    """Inserts documents and increments counters on its own documents through mongos until told to stop,
    remembering every write the server acknowledged and every write that failed."""

    def __init__(self, cluster: ShardedCluster, ns: str, number: int) -> None:
        super().__init__(daemon=True)
        self.client = cluster.client()
        db, coll = ns.split(".", 1)
        self.coll = self.client[db][coll]
        self.number = number
        self.rng = random.Random(number)
        self.expected: dict[str, dict[str, Any]] = {}
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                if i % 4 == 0 and self.expected:
                    target = self.rng.choice(list(self.expected))
                    result = self.coll.update_one({"_id": target}, {"$inc": {"n": 1}})
                    if result.matched_count != 1:
                        self.errors.append(f"update of {target} matched {result.matched_count}")
                    self.expected[target]["n"] += 1
                else:
                    doc_id = f"w{self.number}-{i}"
                    doc = {"_id": doc_id, "k": self.rng.randrange(1000), "n": 0}
                    self.coll.insert_one(dict(doc))
                    self.expected[doc_id] = doc
            except PyMongoError as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    with running_cluster(tmp_path, **SMALL) as started:
        yield started


def test_migrations_under_concurrent_writes_lose_and_duplicate_nothing(cluster: ShardedCluster) -> None:
    ns = "load.items"
    admin = cluster.router_client().admin
    admin.command("enableSharding", "load", primaryShard="shard0")
    admin.command("shardCollection", ns, key={"k": 1})
    presplit(cluster, ns, list(range(100, 1000, 100)))
    writers = [Writer(cluster, ns, n) for n in range(3)]
    for writer in writers:
        writer.start()
    rng = random.Random(7)
    moves = 0
    try:
        wait_until(lambda: all(len(w.expected) >= 20 for w in writers), "let every writer get going")
        for moves in range(1, 17):
            chunk = rng.choice(cluster.chunks(ns))
            other = "shard1" if chunk["shard"] == "shard0" else "shard0"
            if moves % 2:
                admin.command("moveChunk", ns, bounds=[chunk["min"], chunk["max"]], to=other)
            else:
                admin.command("moveRange", ns, min=chunk["min"], max=chunk["max"], toShard=other)
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(60)
    assert moves == 16
    errors = [e for w in writers for e in w.errors]
    assert errors == [], f"writes failed during migrations: {errors[:5]}"
    expected = {doc_id: doc for w in writers for doc_id, doc in w.expected.items()}
    assert len(expected) > 60

    coll = cluster.router_client().load.items
    seen = list(coll.find({}, {"_id": 1, "k": 1, "n": 1}))
    ids = [d["_id"] for d in seen]
    assert len(ids) == len(set(ids)), "a document came back twice through mongos"
    assert set(ids) == set(expected), (f"missing {sorted(set(expected) - set(ids))[:5]}, "
                                       f"unexpected {sorted(set(ids) - set(expected))[:5]}")
    assert coll.count_documents({}) == len(expected)
    assert list(coll.aggregate([{"$count": "n"}])) == [{"n": len(expected)}]
    assert checksum(seen) == checksum(list(expected.values()))

    owned = cluster.owned_documents(ns)
    assert sum(len(docs) for docs in owned.values()) == len(expected)
    owned_ids = [d["_id"] for docs in owned.values() for d in docs]
    assert sorted(owned_ids) == sorted(expected), "each document is owned by exactly one shard"
    moved = cluster.router_client().config.changelog.count_documents({"what": "moveChunk.commit", "ns": ns})
    assert moved >= 16 + 5  # the five moves of presplit, then the sixteen under load


def test_stale_router_routes_reads_and_writes_after_a_migration_through_another(tmp_path: Path) -> None:
    with running_cluster(tmp_path, **SMALL, routers=2) as cluster:
        ns = "stale.items"
        fresh, stale = cluster.client(0), cluster.client(1)
        fresh.admin.command("enableSharding", "stale", primaryShard="shard0")
        fresh.admin.command("shardCollection", ns, key={"k": 1})
        fresh.admin.command("split", ns, middle={"k": 50})
        stale.stale.items.insert_many([{"_id": i, "k": i} for i in range(100)])
        assert stale.stale.items.count_documents({"k": {"$gte": 50}}) == 50  # the second router has a table now

        fresh.admin.command("moveChunk", ns, find={"k": 75}, to="shard1")

        items = stale.stale.items
        assert items.find_one({"k": 75}) == {"_id": 75, "k": 75}
        assert items.count_documents({"k": {"$gte": 50}}) == 50
        assert sorted(d["_id"] for d in items.find({"k": {"$gte": 40, "$lt": 60}})) == list(range(40, 60))
        items.insert_one({"_id": 100, "k": 80})
        assert items.update_many({"k": {"$gte": 50}}, {"$set": {"moved": True}}).modified_count == 51
        assert items.delete_one({"k": 60}).deleted_count == 1
        assert items.count_documents({}) == 100
        assert fresh.stale.items.count_documents({"moved": True}) == 50

        owned = cluster.owned_documents(ns)
        assert sorted(d["_id"] for d in owned["shard0"]) == list(range(50))
        assert sorted(d["_id"] for d in owned["shard1"]) == [i for i in range(50, 101) if i != 60]
        assert all(d.get("moved") for d in owned["shard1"])
        # What the donor still stores of the moved range are orphans awaiting deletion, never new writes.
        assert all(d["_id"] != 100 and not d.get("moved") for d in cluster.shard_documents("shard0", ns)
                   if d["k"] >= 50)

        # And back again: the router that moved nothing keeps following.
        fresh.admin.command("moveChunk", ns, find={"k": 75}, to="shard0")
        items.insert_one({"_id": 101, "k": 90})
        assert items.count_documents({"k": {"$gte": 50}}) == 51
        assert {d["_id"] for d in cluster.owned_documents(ns)["shard0"]} >= {101, 100, 75}


def test_remove_shard_drains_to_completion_and_leaves_config_shards(cluster: ShardedCluster) -> None:
    router = cluster.router_client()
    admin = router.admin
    admin.command("enableSharding", "drain", primaryShard="shard0")
    admin.command("enableSharding", "homed", primaryShard="shard1")  # a database whose primary must move
    admin.command("shardCollection", "drain.items", key={"k": 1})
    presplit(cluster, "drain.items", [100, 200, 300, 400])
    router.drain.items.insert_many([{"k": i} for i in range(500)])
    on_shard1 = cluster.chunk_counts("drain.items")["shard1"]
    admin.command("balancerStop")  # draining needs the balancer: while it is off, progress is frozen

    started = admin.command("removeShard", "shard1")
    assert (started["msg"], started["state"], started["shard"]) == ("draining started successfully", "started",
                                                                     "shard1")
    assert started["dbsToMove"] == ["homed"]
    assert (router.config.shards.find_one({"_id": "shard1"}) or {}).get("draining") is True

    ongoing = admin.command("removeShard", "shard1")
    assert (ongoing["msg"], ongoing["state"]) == ("draining ongoing", "ongoing")
    assert ongoing["remaining"] == {"chunks": Int64(on_shard1), "dbs": Int64(1), "jumboChunks": Int64(0)}
    assert isinstance(ongoing["remaining"]["chunks"], Int64)
    assert ongoing["dbsToMove"] == ["homed"]

    admin.command("balancerStart")
    wait_until(lambda: admin.command("removeShard", "shard1")["remaining"]["chunks"] == 0,
               "let the balancer move every chunk off the draining shard", timeout=120)
    assert admin.command("removeShard", "shard1")["state"] == "ongoing"  # the database still lives there
    admin.command("movePrimary", "homed", to="shard0")

    def removal_completed() -> dict[str, Any] | None:
        reply: dict[str, Any] = admin.command("removeShard", "shard1")
        return reply if reply["state"] == "completed" else None  # "pendingDataCleanup" may come first

    completed = wait_until(removal_completed, "complete the removal", timeout=60)
    assert (completed["msg"], completed["shard"]) == ("removeshard completed successfully", "shard1")

    assert router.config.shards.find_one({"_id": "shard1"}) is None
    assert [s["_id"] for s in admin.command("listShards")["shards"]] == ["shard0"]
    assert cluster.chunk_counts("drain.items") == {"shard0": len(cluster.chunks("drain.items"))}
    assert (router.config.databases.find_one({"_id": "homed"}) or {}).get("primary") == "shard0"
    assert router.drain.items.count_documents({}) == 500
    assert sorted(d["k"] for d in router.drain.items.find()) == list(range(500))


def owned_bytes(cluster: ShardedCluster, ns: str) -> dict[str, int]:
    return {shard: sum(len(bson.encode(d)) for d in docs) for shard, docs in cluster.owned_documents(ns).items()}


def placement(cluster: ShardedCluster, ns: str) -> list[tuple[str, str]]:
    return [(json_util.dumps(c["min"]), c["shard"]) for c in cluster.chunks(ns)]


def assert_unchanged_for(seconds: float, expected: Any, observe: Callable[[], Any]) -> None:
    """Watch for something that must NOT happen: ``observe()`` keeps returning ``expected`` throughout the
    window (no condition can end such a wait early, so it is the one timed wait here)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        assert observe() == expected
        time.sleep(0.2)
    assert observe() == expected


# The balancer loop wakes every 10 s in MongoDB; the simulator's own parameter shortens that so the stopped
# balancer can be watched through several wake-ups (6 here) without a long test.
BALANCER_WAKEUP = ["--setParameter", "mongosimBalancerRoundIntervalMillis=500"]
STOPPED_BALANCER_WATCH_S = 3.0


def test_balancer_evens_out_a_new_shard_and_moves_nothing_when_stopped(tmp_path: Path) -> None:
    with running_cluster(tmp_path, **SMALL, chunk_size_mb=1, config_args=BALANCER_WAKEUP) as cluster:
        ns = "bal.data"
        router = cluster.router_client()
        router.admin.command("enableSharding", "bal", primaryShard="shard0")
        router.admin.command("shardCollection", ns, key={"k": 1})
        presplit(cluster, ns, list(range(250, 4000, 250)))  # 16 chunks of ~0.5 MB, half on each shard
        payload = "x" * 2000
        for start in range(0, 4000, 400):
            router.bal.data.insert_many([{"k": k, "p": payload} for k in range(start, start + 400)])
        before = owned_bytes(cluster, ns)
        assert before["shard0"] > 3 * MB and before["shard1"] > 3 * MB

        cluster.add_shard(members=1)
        router.admin.command("balancerStart")

        def balanced() -> dict[str, int] | None:
            sizes = owned_bytes(cluster, ns)
            # MongoDB 8.0: a collection is balanced when shards differ by less than 3 x the chunk size.
            return sizes if sizes.get("shard2", 0) > 0 and max(sizes.values()) - min(sizes.values()) < 3 * MB \
                else None

        sizes = wait_until(balanced, "let the balancer even out data size across three shards", timeout=180)
        assert set(sizes) == {"shard0", "shard1", "shard2"}
        assert router.bal.data.count_documents({}) == 4000
        status = router.admin.command("balancerStatus")
        assert status["mode"] == "full" and status["numBalancerRounds"] > 0

        router.admin.command("balancerStop")
        assert router.admin.command("balancerStatus")["mode"] == "off"
        settings = router.config.settings.find_one({"_id": "balancer"})
        assert settings is not None and settings["mode"] == "off" and settings["stopped"] is True
        wait_until(lambda: not router.admin.command("balancerStatus")["inBalancerRound"], "finish the round")

        # Pile 8 MB onto shard0 alone: an imbalance the balancer would fix at once were it running.
        router.admin.command("shardCollection", "bal.more", key={"k": 1})
        presplit(cluster, "bal.more", list(range(500, 4000, 500)), alternate=False)
        for start in range(0, 4000, 400):
            router.bal.more.insert_many([{"k": k, "p": payload} for k in range(start, start + 400)])
        frozen = {"bal.data": placement(cluster, ns), "bal.more": placement(cluster, "bal.more")}
        rounds = router.admin.command("balancerStatus")["numBalancerRounds"]
        assert_unchanged_for(STOPPED_BALANCER_WATCH_S, frozen, lambda: {
            "bal.data": placement(cluster, ns), "bal.more": placement(cluster, "bal.more")})
        assert router.admin.command("balancerStatus")["numBalancerRounds"] == rounds

        router.admin.command("balancerStart")  # the watch meant something: running, it does move the pile
        wait_until(lambda: len(cluster.chunk_counts("bal.more")) > 1, "see the balancer move bal.more chunks",
                   timeout=120)
