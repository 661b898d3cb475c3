"""Coordinated DDL in a sharded cluster, as MongoDB 8.0 runs it: drop and dropDatabase coordinated by the
database's primary shard (every shard drops, the catalog forgets, other routers follow), a drop interrupted
midway and run again, and movePrimary under concurrent writers (writes wait for the copy, then go to the new
primary shard; none lost, none doubled).

Clusters are 1-member replica sets: these scenarios are about routing and coordination, not replication. One
shard grows to three members after addShard and the whole cluster restarts: drops must still be prompt.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.errors import PyMongoError

from tests.support.replset import ReplSet
from tests.support.sharded import Client, ShardedCluster, running_cluster
from tests.support.simproc import SimProcess, free_port, wait_until

SMALL: dict[str, Any] = {"shards": 2, "members": 1, "config_members": 1}


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    with running_cluster(tmp_path, **SMALL, routers=2) as started:
        yield started


def spread(cluster: ShardedCluster, router: Client, ns: str) -> None:
    """Shard ``ns`` on {k: 1} with chunks on both shards and 100 documents."""
    db, coll = ns.split(".", 1)
    router.admin.command("enableSharding", db, primaryShard="shard0")
    router.admin.command("shardCollection", ns, key={"k": 1})
    router.admin.command("split", ns, middle={"k": 50})
    router.admin.command("moveChunk", ns, find={"k": 75}, to="shard1")
    router[db][coll].insert_many([{"_id": i, "k": i} for i in range(100)])


def changelog(router: Client, ns: str) -> list[str]:
    return [d["what"] for d in router.config.changelog.find({"ns": ns}).sort("time", 1)]


def stored(cluster: ShardedCluster, ns: str) -> dict[str, int]:
    db, coll = ns.split(".", 1)
    return {rs.name: cluster.shard_client(rs.name)[db][coll].count_documents({}) for rs in cluster.shards}


def test_sharded_drop_through_one_router_then_use_through_another(cluster: ShardedCluster) -> None:
    ns = "ddl.items"
    first, second = cluster.client(0), cluster.client(1)
    spread(cluster, first, ns)
    assert second.ddl.items.count_documents({"k": {"$gte": 50}}) == 50  # the second router has a table now
    uuid = first.config.collections.find_one({"_id": ns})["uuid"]

    reply = first.ddl.command("drop", "items")
    assert reply["ns"] == ns and reply["nIndexesWas"] == 2 and reply["ok"] == 1.0

    assert first.config.collections.find_one({"_id": ns}) is None
    assert first.config.chunks.count_documents({"uuid": uuid}) == 0
    assert "items" not in cluster.shard_client("shard0").ddl.list_collection_names()
    assert "items" not in cluster.shard_client("shard1").ddl.list_collection_names()
    whats = changelog(first, ns)
    assert "dropCollection.start" in whats and "dropCollection" in whats
    assert whats.index("dropCollection.start") < whats.index("dropCollection")

    # The router that cached the dropped collection's routing follows: nothing to read, and a write re-creates
    # the collection unsharded on the primary shard.
    assert second.ddl.items.find_one({"k": 75}) is None
    assert second.ddl.items.count_documents({}) == 0
    second.ddl.items.insert_many([{"_id": i, "k": i} for i in range(10)])
    assert first.ddl.items.count_documents({}) == 10
    assert first.config.collections.find_one({"_id": ns}) is None
    assert stored(cluster, ns) == {"shard0": 10, "shard1": 0}

    # Dropped and re-created sharded through the first router, the second routes by the new incarnation.
    first.ddl.items.drop()
    first.admin.command("shardCollection", ns, key={"k": 1})
    first.admin.command("split", ns, middle={"k": 50})
    first.admin.command("moveChunk", ns, find={"k": 75}, to="shard1")
    second.ddl.items.insert_many([{"_id": i, "k": i} for i in range(100)])
    assert stored(cluster, ns) == {"shard0": 50, "shard1": 50}
    assert second.ddl.items.count_documents({"k": {"$gte": 50}}) == 50
    assert first.ddl.items.count_documents({}) == 100
    assert first.config.collections.find_one({"_id": ns})["uuid"] != uuid

    # Dropping a collection that does not exist succeeds, as on mongod.
    assert second.ddl.command("drop", "never")["ok"] == 1.0


def test_drop_database_leaves_nothing_on_any_shard_nor_in_the_catalog(cluster: ShardedCluster) -> None:
    first, second = cluster.client(0), cluster.client(1)
    spread(cluster, first, "gone.sharded")
    first.gone.plain.insert_many([{"_id": i} for i in range(20)])
    first.gone.plain.create_index("x")
    assert second.gone.plain.count_documents({}) == 20  # cached database entry on the second router
    assert second.gone.sharded.count_documents({}) == 100

    reply = first.gone.command("dropDatabase")
    assert reply["dropped"] == "gone" and reply["ok"] == 1.0

    for rs in cluster.shards:
        assert "gone" not in cluster.shard_client(rs.name).list_database_names()
    config = first.config
    assert config.databases.find_one({"_id": "gone"}) is None
    assert config.collections.count_documents({"_id": {"$regex": "^gone\\."}}) == 0
    assert config.chunks.count_documents({}) == config.chunks.count_documents(
        {"uuid": {"$in": [c["uuid"] for c in config.collections.find()]}})
    whats = [d["what"] for d in config.changelog.find({"ns": {"$in": ["gone", "gone.sharded"]}}).sort("time", 1)]
    assert whats.index("dropDatabase.start") < whats.index("dropCollection") < whats.index("dropDatabase")
    assert "gone" not in first.list_database_names()

    # The router whose database version is stale refreshes: reads find nothing, writes re-create the database.
    assert second.gone.plain.count_documents({}) == 0
    assert list(second.gone.sharded.find()) == []
    second.gone.plain.insert_one({"_id": "again"})
    assert first.gone.plain.find_one() == {"_id": "again"}
    assert first.config.databases.find_one({"_id": "gone"}) is not None
    first.admin.command("shardCollection", "gone.sharded", key={"k": 1})
    second.gone.sharded.insert_many([{"_id": i, "k": i} for i in range(5)])
    assert first.gone.sharded.count_documents({}) == 5


def test_a_drop_interrupted_midway_is_run_again_to_completion(cluster: ShardedCluster) -> None:
    ns = "halt.items"
    router = cluster.client(0)
    spread(cluster, router, ns)
    shard0, shard1 = cluster.shard("shard0").nodes[0], cluster.shard("shard1").nodes[0]
    shard1.stop()  # a participant is unreachable: the coordinator cannot get past the critical section

    def drop() -> None:
        with contextlib.suppress(PyMongoError):  # its shard is killed under it
            cluster.client(1).halt.command("drop", "items")

    dropping = threading.Thread(target=drop, daemon=True)
    dropping.start()
    records = cluster.shard_client("shard0").config["system.sharding_ddl_coordinators"]
    wait_until(lambda: records.find_one({"_id.namespace": ns}), "see the coordinator's record on shard0")
    cluster.shard_client("shard0").admin.command("fsync")
    shard0.kill()  # the coordinator dies midway
    shard0.start()
    shard1.start()
    cluster.shard("shard0").wait_for_primary()
    cluster.shard("shard1").wait_for_primary()

    def drop_again() -> bool:
        try:
            router.halt.command("drop", "items")
            return True
        except PyMongoError:
            return False  # the restarted shards may still be finding each other

    wait_until(drop_again, "drop the collection again", timeout=120)
    dropping.join(120)  # the first router, retrying its request on the restarted shard, is answered too
    assert not dropping.is_alive()
    assert router.config.collections.find_one({"_id": ns}) is None
    assert stored(cluster, ns) == {"shard0": 0, "shard1": 0}
    assert records.find_one({"_id.namespace": ns}) is None
    assert "dropCollection" in changelog(router, ns)
    router.halt.items.insert_one({"_id": 1, "k": 1})  # writes are not held by a leftover critical section
    assert router.halt.items.count_documents({}) == 1


class Writer(threading.Thread):
    """Inserts and increments its own documents through one router until stopped, remembering what the server
    acknowledged."""

    def __init__(self, client: Client, coll: str, number: int) -> None:
        super().__init__(daemon=True)
        self.coll = client.moving[coll]
        self.number = number
        self.expected: dict[str, int] = {}
        self.errors: list[str] = []
        self.stop = threading.Event()

    def run(self) -> None:
        i = 0
        while not self.stop.is_set():
            i += 1
            try:
                target = f"w{self.number}-{i - 1}"
                if i % 3 == 0 and target in self.expected:
                    if self.coll.update_one({"_id": target}, {"$inc": {"n": 1}}).matched_count != 1:
                        self.errors.append(f"update of {target} matched nothing")
                    else:
                        self.expected[target] += 1
                else:
                    doc_id = f"w{self.number}-{i}"
                    self.coll.insert_one({"_id": doc_id, "n": 0})
                    self.expected[doc_id] = 0
            except PyMongoError as exc:
                self.errors.append(f"{type(exc).__name__}: {exc}")


def test_move_primary_under_concurrent_writers_loses_and_duplicates_nothing(cluster: ShardedCluster) -> None:
    admin = cluster.client(0).admin
    admin.command("enableSharding", "moving", primaryShard="shard0")
    cluster.client(0).moving.a.insert_one({"_id": "seed", "n": 0})
    cluster.client(1).moving.b.create_index("n")
    writers = [Writer(cluster.client(i % 2), "ab"[i % 2], i) for i in range(4)]
    for writer in writers:
        writer.start()
    try:
        wait_until(lambda: all(len(w.expected) >= 20 for w in writers), "let every writer get going")
        reply = admin.command("movePrimary", "moving", to="shard1")
        assert reply["ok"] == 1.0
        counts = [len(w.expected) for w in writers]
        wait_until(lambda: all(len(w.expected) >= c + 10 for w, c in zip(writers, counts, strict=True)),
                   "see writes acknowledged after the move")
    finally:
        for writer in writers:
            writer.stop.set()
        for writer in writers:
            writer.join(60)
    assert [e for w in writers for e in w.errors] == []
    assert admin.command("listShards")["ok"] == 1.0
    assert cluster.client(0).config.databases.find_one({"_id": "moving"})["primary"] == "shard1"

    for name in ("a", "b"):
        expected = {doc_id: n for w in writers if w.coll.name == name for doc_id, n in w.expected.items()}
        if name == "a":
            expected["seed"] = 0
        on_new = list(cluster.shard_client("shard1").moving[name].find())
        ids = [d["_id"] for d in on_new]
        assert len(ids) == len(set(ids)), f"a document of {name} is stored twice"
        assert {d["_id"]: d["n"] for d in on_new} == expected
        assert cluster.shard_client("shard0").moving[name].count_documents({}) == 0
        assert cluster.client(1).moving[name].count_documents({}) == len(expected)
    assert "n_1" in cluster.shard_client("shard1").moving.b.index_information()
    whats = changelog(cluster.client(0), "moving")
    assert whats.index("movePrimary.start") < whats.index("movePrimary.end")


# ---------------------------------------------------------------------------------------------- after a restart
def _grow(cluster: ShardedCluster, rs: ReplSet, extra: int) -> None:
    """Add ``extra`` members to a running 1-member shard, one reconfig each (as an operator grows a set after
    addShard, which recorded only the first member in config.shards), then make the first member unelectable
    and step it down: another member is primary, and the shard's connection string names only a secondary."""
    admin = rs.probe(rs.nodes[0]).admin
    for _ in range(extra):
        node = SimProcess(rs.nodes[0].workdir.parent / f"node{len(rs.nodes)}", port=free_port(),
                          args=["--replSet", rs.name, "--oplogSize", "64", "--shardsvr", *cluster.shard_args])
        node.start()
        rs.nodes.append(node)
        config = admin.command("replSetGetConfig")["config"]
        config["version"] += 1
        config["members"].append({"_id": len(config["members"]), "host": node.address})
        admin.command("replSetReconfig", config)
        rs.wait_healthy()
    with contextlib.suppress(PyMongoError):  # the primary closes connections as it steps down
        admin.command("replSetStepDown", 60, secondaryCatchUpPeriodSecs=10)
    primary = wait_until(lambda: rs.primary() not in (None, rs.nodes[0]) and rs.primary(),
                         f"elect another primary of {rs.name}")
    admin = rs.probe(primary).admin
    config = admin.command("replSetGetConfig")["config"]
    config["version"] += 1
    config["members"][0]["priority"] = 0
    admin.command("replSetReconfig", config)
    rs.wait_healthy()


def _restart_everything(cluster: ShardedCluster) -> None:
    """Every process stopped (routers, shards, config servers) and started again (config servers first)."""
    for router in cluster.routers:
        router.stop()
    for rs in (*cluster.shards, cluster.config):
        for node in rs.nodes:
            node.stop()
    for rs in (cluster.config, *cluster.shards):
        for node in rs.nodes:
            node.start(wait=False)
        for node in rs.nodes:
            node.wait_ready()
        rs.wait_for_primary()
    for router in cluster.routers:
        router.start()


def test_drops_are_prompt_after_a_restart_when_a_shard_grew_after_it_was_added(tmp_path: Path) -> None:
    with running_cluster(tmp_path, **SMALL) as cluster:
        router = cluster.client()
        spread(cluster, router, "grown.items")  # primary shard: shard0, chunks on both shards
        router.grown.plain.insert_one({"_id": 1})
        router.admin.command("enableSharding", "elsewhere", primaryShard="shard1")  # its coordinator is shard1
        router.admin.command("shardCollection", "elsewhere.items", key={"k": "hashed"})
        router.elsewhere.items.insert_many([{"k": i} for i in range(40)])
        _grow(cluster, cluster.shard("shard0"), 2)
        _restart_everything(cluster)
        cluster.shard("shard0").wait_healthy()
        assert cluster.shard("shard0").primary() is not cluster.shard("shard0").nodes[0]

        # Deadlines instead of the hang: a reply (or an error) well before the client gives up.
        client = cluster.client(socketTimeoutMS=90_000)
        assert client.grown.items.count_documents({}) == 100
        assert client.grown.command("drop", "items")["ok"] == 1.0
        client.drop_database("grown")
        client.drop_database("elsewhere")
        assert client.config.databases.find_one({"_id": {"$in": ["grown", "elsewhere"]}}) is None
        assert client.config.collections.find_one({"_id": {"$regex": "^(grown|elsewhere)\\."}}) is None
        for name in ("grown", "elsewhere"):
            assert name not in cluster.shard_client("shard0").list_database_names()
            assert name not in cluster.shard_client("shard1").list_database_names()
        records = cluster.shard_client("shard0").config["system.sharding_ddl_coordinators"]
        assert records.count_documents({}) == 0
        client.grown.items.insert_one({"k": 1})  # the database is usable again, created anew
        assert client.grown.items.count_documents({}) == 1
