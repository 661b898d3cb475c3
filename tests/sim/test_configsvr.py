"""The config server's ``_configsvr*`` commands against real processes: a one-member config server replica set
and two one-member shard replica sets, driven directly on the config server primary (as routers do)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from pymongo.errors import OperationFailure

from tests.support.replset import ReplSet

Client = pymongo.MongoClient[dict[str, Any]]


class Cluster:
    def __init__(self, workdir: Path) -> None:
        self.config = ReplSet(workdir / "cfg", name="cfg", members=1, args=["--configsvr"])
        self.shards = [ReplSet(workdir / f"s{i}", name=f"shard{i}", members=1, args=["--shardsvr"])
                       for i in range(2)]
        self.plain = ReplSet(workdir / "plain", name="plain", members=1)
        self.sets = [self.config, *self.shards, self.plain]

    def start(self) -> Cluster:
        for rs in self.sets:
            rs.start()
        for rs in self.sets:
            rs.initiate()
        return self

    def stop(self) -> None:
        for rs in self.sets:
            rs.stop()

    def cfg(self) -> Client:
        return self.config.probe(self.config.nodes[0])

    def shard(self, index: int) -> Client:
        return self.shards[index].probe(self.shards[index].nodes[0])

    def admin(self, *args: Any, **kwargs: Any) -> dict[str, Any]:
        return self.cfg().admin.command(*args, **kwargs)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Cluster]:
    c = Cluster(tmp_path_factory.mktemp("configsvr")).start()
    try:
        for rs in c.shards:
            reply = c.admin("_configsvrAddShard", f"{rs.name}/{rs.hosts[0]}")
            assert reply["shardAdded"] == rs.name
        yield c
    finally:
        c.stop()


def _error(cluster: Cluster, *args: Any, **kwargs: Any) -> OperationFailure:
    with pytest.raises(OperationFailure) as excinfo:
        cluster.admin(*args, **kwargs)
    return excinfo.value


def _msg(error: OperationFailure) -> str:
    return str((error.details or {}).get("errmsg", ""))


def test_add_shard_records_the_shard_and_gives_it_an_identity(cluster: Cluster) -> None:
    shards = list(cluster.cfg().config.shards.find().sort("_id", 1))
    assert [s["_id"] for s in shards] == ["shard0", "shard1"]
    assert set(shards[0]) == {"_id", "host", "state", "topologyTime"}
    assert shards[0]["host"] == f"shard0/{cluster.shards[0].hosts[0]}" and shards[0]["state"] == 1
    version = cluster.cfg().config.version.find_one({"_id": 1})
    assert version is not None
    identity = cluster.shard(0).admin["system.version"].find_one({"_id": "shardIdentity"})
    assert identity is not None and identity["shardName"] == "shard0"
    assert identity["clusterId"] == version["clusterId"]
    assert identity["configsvrConnectionString"] == f"cfg/{cluster.config.hosts[0]}"
    # adding the same replica set again is a no-op that answers with its name
    rs = cluster.shards[0]
    assert cluster.admin("_configsvrAddShard", f"{rs.name}/{rs.hosts[0]}")["shardAdded"] == "shard0"
    assert cluster.cfg().config.shards.count_documents({}) == 2
    assert [e["details"]["name"] for e in cluster.cfg().config.changelog.find({"what": "addShard"})] == \
        ["shard0", "shard1"]


def test_add_shard_refuses_what_cannot_be_a_shard(cluster: Cluster) -> None:
    plain = cluster.plain
    error = _error(cluster, "_configsvrAddShard", f"plain/{plain.hosts[0]}")
    assert error.code == 50876 and _msg(error) == "Cannot run addShard on a node started without --shardsvr"
    error = _error(cluster, "_configsvrAddShard", f"other/{plain.hosts[0]}")
    assert error.code == 96
    assert _msg(error) == (f"the provided connection string (other/{plain.hosts[0]}) does not match "
                                       "the actual set name plain")
    cfg = f"cfg/{cluster.config.hosts[0]}"
    error = _error(cluster, "_configsvrAddShard", cfg)
    assert error.code == 96 and _msg(error) == f"Cannot add {cfg} as a shard since it is a config server"
    error = _error(cluster, "_configsvrAddShard", "gone/127.0.0.1:1")
    assert error.code == 133


def test_configsvr_commands_are_refused_elsewhere(cluster: Cluster) -> None:
    with pytest.raises(OperationFailure) as excinfo:
        cluster.shard(0).admin.command("_configsvrBalancerStatus")
    assert excinfo.value.code == 20
    assert _msg(excinfo.value) == "_configsvrBalancerStatus can only be run on config servers"


def test_create_database_with_a_chosen_primary(cluster: Cluster) -> None:
    reply = cluster.admin("_configsvrCreateDatabase", "crm", primaryShard="shard1")
    doc = cluster.cfg().config.databases.find_one({"_id": "crm"})
    assert doc is not None and doc["primary"] == "shard1"
    assert set(doc["version"]) == {"uuid", "timestamp", "lastMod"} and doc["version"]["lastMod"] == 1
    assert reply["databaseVersion"] == doc["version"]
    error = _error(cluster, "_configsvrCreateDatabase", "crm2", primaryShard="nope")
    assert error.code == 70


def test_shard_collection_range_key(cluster: Cluster) -> None:
    cluster.admin("_configsvrCreateDatabase", "app", primaryShard="shard0")
    reply = cluster.admin("_configsvrShardCollection", "app.users", key={"a": 1}, unique=False)
    assert reply["collectionsharded"] == "app.users"
    config = cluster.cfg().config
    coll = config.collections.find_one({"_id": "app.users"})
    assert coll is not None
    info = next(cluster.shard(0).app.list_collections(filter={"name": "users"}))
    assert coll["uuid"] == info["info"]["uuid"]
    assert coll["key"] == {"a": 1} and coll["unique"] is False and coll["noBalance"] is False
    chunks = list(config.chunks.find({"uuid": coll["uuid"]}))
    assert len(chunks) == 1 and chunks[0]["shard"] == "shard0"
    assert chunks[0]["min"] == {"a": MinKey()} and chunks[0]["max"] == {"a": MaxKey()}
    assert chunks[0]["lastmod"].time == 1 and chunks[0]["lastmod"].inc == 0
    assert "a_1" in cluster.shard(0).app.users.index_information()
    # the same again succeeds; another key fails
    assert cluster.admin("_configsvrShardCollection", "app.users", key={"a": 1})["collectionsharded"] == "app.users"
    error = _error(cluster, "_configsvrShardCollection", "app.users", key={"b": 1})
    assert error.code == 23
    assert _msg(error) == "sharding already enabled for collection app.users"


def test_shard_collection_hashed_presplits_over_both_shards(cluster: Cluster) -> None:
    cluster.admin("_configsvrShardCollection", "app.events", key={"h": "hashed"})
    config = cluster.cfg().config
    coll = config.collections.find_one({"_id": "app.events"})
    assert coll is not None
    chunks = sorted(config.chunks.find({"uuid": coll["uuid"]}), key=lambda c: (c["lastmod"].time, c["lastmod"].inc))
    assert [c["shard"] for c in chunks] == ["shard0", "shard1", "shard0", "shard1"]
    assert [c["max"]["h"] for c in chunks[:3]] == [Int64(-4611686018427387902), Int64(0),
                                                   Int64(4611686018427387902)]
    for index in (0, 1):
        assert "h_hashed" in cluster.shard(index).app.events.index_information()


def test_shard_collection_bad_input(cluster: Cluster) -> None:
    cluster.shard(0).app.full.insert_many([{"a": i} for i in range(5)])
    error = _error(cluster, "_configsvrShardCollection", "app.full", key={"a": 1})
    assert error.code == 72
    assert _msg(error) == ("Please create an index that starts with the proposed shard key before "
                                       "sharding the collection")
    error = _error(cluster, "_configsvrShardCollection", "app.hu", key={"h": "hashed"}, unique=True)
    assert error.code == 72 and _msg(error).startswith("Hashed shard keys cannot be declared unique")
    assert _error(cluster, "_configsvrShardCollection", "app.bad", key={"a": -1}).code == 2
    assert _error(cluster, "_configsvrShardCollection", "nodot", key={"a": 1}).code == 73


def test_split_merge_and_move_errors(cluster: Cluster) -> None:
    cluster.admin("_configsvrShardCollection", "app.orders", key={"o": 1})
    reply = cluster.admin("_configsvrCommitChunkSplit", "app.orders", splitPoints=[{"o": 100}, {"o": 200}])
    assert reply["shardVersion"]["v"].time == 1 and reply["shardVersion"]["v"].inc == 3
    reply = cluster.admin("_configsvrCommitChunksMerge", "app.orders", chunkRange={"min": {"o": 100},
                                                                                   "max": {"o": MaxKey()}})
    assert reply["shardVersion"]["v"].inc == 4
    error = _error(cluster, "_configsvrMoveRange", "app.orders", toShard="nope", min={"o": 100})
    assert error.code == 70 and _msg(error) == "Could not find shard nope"
    assert _error(cluster, "_configsvrMoveRange", "app.unsharded", toShard="shard1", min={"o": 1}).code == 118


def test_move_range_migrates_through_the_donor(cluster: Cluster) -> None:
    cluster.admin("_configsvrShardCollection", "app.moves", key={"k": 1})
    cluster.shard(0).app.moves.insert_many([{"k": i, "pad": "x" * 50} for i in range(200)])
    cluster.admin("_configsvrMoveRange", "app.moves", toShard="shard1", min={"k": 100})
    config = cluster.cfg().config
    coll = config.collections.find_one({"_id": "app.moves"})
    assert coll is not None
    chunks = list(config.chunks.find({"uuid": coll["uuid"]}).sort("min", 1))
    assert [(c["min"]["k"], c["shard"]) for c in chunks] == [(MinKey(), "shard0"), (100, "shard1")]
    assert chunks[1]["lastmod"].time == 2
    assert config.migrations.count_documents({}) == 0
    assert cluster.shard(1).app.moves.count_documents({}) == 100
    whats = {e["what"] for e in config.changelog.find({"ns": "app.moves"})}
    assert {"moveChunk.start", "moveChunk.commit", "split"} <= whats


def test_balancer_start_stop_status(cluster: Cluster) -> None:
    status = cluster.admin("_configsvrBalancerStatus")
    assert set(status) >= {"mode", "inBalancerRound", "numBalancerRounds", "term"}
    assert isinstance(status["numBalancerRounds"], int) and status["mode"] == "full"
    cluster.admin("_configsvrBalancerStop")
    settings = cluster.cfg().config.settings.find_one({"_id": "balancer"})
    assert settings is not None and settings["mode"] == "off" and settings["stopped"] is True
    assert cluster.admin("_configsvrBalancerStatus")["mode"] == "off"
    cluster.admin("_configsvrBalancerStart")
    settings = cluster.cfg().config.settings.find_one({"_id": "balancer"})
    assert settings is not None and settings["mode"] == "full" and settings["stopped"] is False
