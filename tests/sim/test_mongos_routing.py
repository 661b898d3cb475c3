"""mongos over a small cluster (two 1-member shards, a 1-member config server, two routers): admin commands,
unsharded and sharded CRUD, targeting, scatter-gather merging, refresh after another router's migration, and
the config reads ``sh.status()`` makes."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.errors import BulkWriteError, OperationFailure

from tests.support.sharded import ShardedCluster
from tests.support.simproc import wait_until

NS = "routing.sharded"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    workdir: Path = tmp_path_factory.mktemp("mongos-routing")
    cluster = ShardedCluster(workdir, shards=2, members=1, config_members=1, routers=2)
    try:
        cluster.start()
        cluster.wait_shards_listed()
        client = cluster.router_client()
        client.admin.command("enableSharding", "routing", primaryShard="shard0")
        client.admin.command("shardCollection", NS, key={"k": 1})
        client.admin.command("split", NS, middle={"k": 50})
        client.admin.command("moveChunk", NS, find={"k": 50}, to="shard1")
        client.routing.sharded.insert_many([{"_id": i, "k": i, "v": i % 10, "tag": f"t{i % 3}"} for i in range(100)])
        yield cluster
    finally:
        cluster.stop()


def found(doc: dict[str, Any] | None) -> dict[str, Any]:
    assert doc is not None
    return doc


def opcounter(cluster: ShardedCluster, shard: str, name: str) -> int:
    return int(cluster.shard_client(shard).admin.command("serverStatus")["opcounters"][name])


def test_shards_through_the_router(cluster: ShardedCluster) -> None:
    client = cluster.router_client()
    shards = client.admin.command("listShards")["shards"]
    assert [(s["_id"], s["host"], s["state"]) for s in shards] == [
        (rs.name, cluster.connection_string(rs), 1) for rs in cluster.shards]
    shard_map = client.admin.command("getShardMap")
    assert shard_map["map"]["shard0"] == cluster.connection_string(cluster.shards[0])
    assert shard_map["map"]["config"] == cluster.configdb
    assert shard_map["hosts"][cluster.shards[1].hosts[0]] == "shard1"
    assert shard_map["connStrings"][cluster.configdb] == "config"
    hello = client.admin.command("hello")
    assert hello["msg"] == "isdbgrid" and "$clusterTime" in hello


def test_unsharded_collection_lives_on_the_primary_shard(cluster: ShardedCluster) -> None:
    coll = cluster.router_client().routing.plain
    coll.insert_many([{"_id": i, "x": i % 4} for i in range(30)])
    coll.update_many({"x": 1}, {"$set": {"odd": True}})
    coll.delete_one({"_id": 0})
    assert coll.count_documents({}) == 29
    assert [d["_id"] for d in coll.find({"odd": True}).sort("_id", -1).limit(3)] == [29, 25, 21]
    assert found(coll.find_one_and_update({"_id": 2}, {"$inc": {"x": 10}}, return_document=True))["x"] == 12
    assert len(cluster.shard_documents("shard0", "routing.plain")) == 29
    assert cluster.shard_documents("shard1", "routing.plain") == []
    assert "plain" in cluster.router_client().routing.list_collection_names()


def test_inserts_land_on_the_owning_shard(cluster: ShardedCluster) -> None:
    low = sorted(d["k"] for d in cluster.shard_documents("shard0", NS))
    high = sorted(d["k"] for d in cluster.shard_documents("shard1", NS))
    assert low == list(range(50)) and high == list(range(50, 100))


def test_targeted_find_contacts_one_shard(cluster: ShardedCluster) -> None:
    coll = cluster.router_client().routing.sharded
    plan = coll.find({"k": 75}).explain()["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "SINGLE_SHARD"
    assert [s["shardName"] for s in plan["shards"]] == ["shard1"]
    assert coll.find({"v": 3}).explain()["queryPlanner"]["winningPlan"]["stage"] == "SHARD_MERGE"
    assert coll.find({}).sort("k", 1).explain()["queryPlanner"]["winningPlan"]["stage"] == "SHARD_MERGE_SORT"
    before = opcounter(cluster, "shard0", "query")
    assert found(coll.find_one({"k": 75}))["_id"] == 75
    assert opcounter(cluster, "shard0", "query") == before


@pytest.mark.parametrize(("sort", "skip", "limit"), [
    ([("v", 1), ("k", -1)], 0, 0), ([("k", -1)], 7, 11), ([("tag", 1), ("k", 1)], 45, 10),
    ([("v", -1), ("_id", 1)], 95, 0)])
def test_scatter_gather_sort_skip_limit(cluster: ShardedCluster, sort: list[tuple[str, int]], skip: int,
                                        limit: int) -> None:
    coll = cluster.router_client().routing.sharded
    got = list(coll.find({}, {"_id": 0, "k": 1}).sort(sort).skip(skip).limit(limit).batch_size(4))
    everything = list(coll.find({}))
    for key, direction in reversed(sort):
        everything.sort(key=lambda d: d[key], reverse=direction < 0)
    expected = everything[skip:skip + limit] if limit else everything[skip:]
    assert got == [{"k": d["k"]} for d in expected]


def test_count_distinct_and_aggregate_merge(cluster: ShardedCluster) -> None:
    coll = cluster.router_client().routing.sharded
    assert coll.count_documents({}) == 100
    assert coll.count_documents({"v": 3}, skip=2, limit=5) == 5
    assert coll.count_documents({"k": {"$gte": 40}}, skip=55) == 5
    assert coll.distinct("tag") == ["t0", "t1", "t2"]
    groups = list(coll.aggregate([{"$match": {"k": {"$gte": 10}}}, {"$group": {"_id": "$tag", "n": {"$sum": 1}}},
                                  {"$sort": {"_id": 1}}]))
    assert groups == [{"_id": "t0", "n": 30}, {"_id": "t1", "n": 30}, {"_id": "t2", "n": 30}]
    top = list(coll.aggregate([{"$sort": {"k": -1}}, {"$limit": 3}, {"$project": {"_id": 0, "k": 1}}]))
    assert top == [{"k": 99}, {"k": 98}, {"k": 97}]


def test_writes_through_the_router(cluster: ShardedCluster) -> None:
    coll = cluster.router_client().routing.writes
    cluster.router_client().admin.command("shardCollection", "routing.writes", key={"k": 1})
    cluster.router_client().admin.command("split", "routing.writes", middle={"k": 0})
    cluster.router_client().admin.command("moveChunk", "routing.writes", find={"k": 0}, to="shard1")
    with pytest.raises(BulkWriteError) as error:
        coll.insert_many([{"_id": 1, "k": -5}, {"_id": 2, "k": 5}, {"_id": 1, "k": -6}, {"_id": 4, "k": 6}],
                         ordered=False)
    details = error.value.details
    assert details["nInserted"] == 3
    assert [(e["index"], e["code"]) for e in details["writeErrors"]] == [(2, 11000)]
    assert coll.update_many({}, {"$set": {"seen": True}}).modified_count == 3
    assert coll.update_one({"_id": 4}, {"$set": {"one": 1}}).modified_count == 1  # without the shard key
    assert found(coll.find_one({"k": 6}))["one"] == 1
    with pytest.raises(OperationFailure) as upsert:
        coll.update_one({"_id": 9}, {"$set": {"x": 1}}, upsert=True)
    assert upsert.value.code == 61
    assert coll.update_one({"k": 70}, {"$set": {"x": 1}}, upsert=True).upserted_id is not None
    assert [d["k"] for d in cluster.shard_documents("shard1", "routing.writes")] == [5, 6, 70]
    assert coll.delete_many({"seen": True}).deleted_count == 3
    assert coll.count_documents({}) == 1


def test_a_stale_router_refreshes_after_a_migration_elsewhere(cluster: ShardedCluster) -> None:
    stale, fresh = cluster.router_client(1), cluster.router_client(0)
    assert stale.routing.sharded.count_documents({"k": {"$gte": 90}}) == 10  # caches the routing table
    fresh.admin.command("moveChunk", NS, find={"k": 50}, to="shard0")
    try:
        refreshes = sum('"Refreshed cached collection"' in line and NS in line
                        for line in cluster.routers[1].log_lines())
        assert found(stale.routing.sharded.find_one({"k": 95}))["_id"] == 95
        # The shard refused the old version (StaleConfig) and the router refreshed its routing table.
        assert sum('"Refreshed cached collection"' in line and NS in line
                   for line in cluster.routers[1].log_lines()) > refreshes
        assert stale.routing.sharded.count_documents({"k": {"$gte": 90}}) == 10
        stale.routing.sharded.update_one({"k": 96}, {"$set": {"moved": True}})
        assert found(fresh.routing.sharded.find_one({"k": 96}))["moved"] is True
        assert stale.routing.sharded.find({"k": 96}).explain()["queryPlanner"]["winningPlan"]["shards"][0][
            "shardName"] == "shard0"
    finally:
        fresh.admin.command("moveChunk", NS, find={"k": 50}, to="shard1")


def test_sh_status_reads(cluster: ShardedCluster) -> None:
    client = cluster.router_client()
    config = client.config
    assert found(config.version.find_one({}, {"minCompatibleVersion": 0}))["clusterId"] is not None
    wait_until(lambda: config.mongos.count_documents({}) == 2, "see both routers in config.mongos")
    latest = next(config.mongos.find().sort("ping", -1).limit(1))
    versions = list(config.mongos.aggregate([{"$match": {"ping": {"$gt": latest["ping"].replace(year=2000)}}},
                                             {"$group": {"_id": "$mongoVersion", "num": {"$sum": 1}}},
                                             {"$sort": {"num": -1}}]))
    assert versions == [{"_id": "8.0.4", "num": 2}]
    coll = found(config.collections.find_one({"_id": NS, "dropped": {"$ne": True}, "unsplittable": {"$ne": True}}))
    per_shard = list(config.chunks.aggregate([
        {"$match": {"uuid": coll["uuid"]}}, {"$group": {"_id": "$shard", "cnt": {"$sum": 1}}},
        {"$project": {"_id": 0, "shard": "$_id", "nChunks": "$cnt"}}, {"$sort": {"shard": 1}}]))
    assert per_shard == [{"shard": "shard0", "nChunks": 1}, {"shard": "shard1", "nChunks": 1}]
    assert list(config.locks.find({"state": {"$eq": 2}})) == []
    assert found(config.databases.find_one({"_id": "routing"}))["primary"] == "shard0"
    status = client.admin.command("balancerStatus")
    assert status["mode"] in ("full", "off") and "inBalancerRound" in status
    distribution = {d["ns"]: d for d in client.admin.aggregate([{"$shardedDataDistribution": {}}])}
    owned = {s["shardName"]: s["numOwnedDocuments"] for s in distribution[NS]["shards"]}
    assert owned == {"shard0": 50, "shard1": 50}
    assert client.admin.command("flushRouterConfig", 1)["flushed"] is True
    version = client.admin.command("getShardVersion", NS)
    assert set(version) >= {"version", "versionEpoch", "versionTimestamp"}


def test_coll_and_index_stats_through_the_router_name_each_shard(cluster: ShardedCluster) -> None:
    # One document per shard owning chunks, each naming its shard and host (what mongosh's getShardDistribution
    # reads); a shard's member names itself when asked directly too.
    coll = cluster.router_client().routing.sharded
    stats = list(coll.aggregate([{"$collStats": {"storageStats": {}}}]))
    by_shard = {doc["shard"]: doc for doc in stats}
    assert set(by_shard) == {"shard0", "shard1"} and len(stats) == 2
    assert all(list(doc)[:4] == ["ns", "shard", "host", "localTime"] and doc["ns"] == NS for doc in stats)
    assert {shard: doc["storageStats"]["count"] for shard, doc in by_shard.items()} == {"shard0": 50, "shard1": 50}
    # host is the server's host name and port, as the real server gives it.
    assert by_shard["shard1"]["host"].rsplit(":", 1)[1] == cluster.shards[1].hosts[0].rsplit(":", 1)[1]
    (direct,) = cluster.shard_client("shard0").routing.sharded.aggregate([{"$collStats": {"count": {}}}])
    assert (direct["shard"], direct["count"]) == ("shard0", 50)
    indexes = list(coll.aggregate([{"$indexStats": {}}, {"$match": {"name": "k_1"}}]))
    assert sorted(doc["shard"] for doc in indexes) == ["shard0", "shard1"]
    assert all(list(doc) == ["name", "key", "host", "accesses", "shard", "spec"] for doc in indexes)


def test_mongod_only_commands_fail_on_the_router(cluster: ShardedCluster) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = cluster.router_client()
    with pytest.raises(OperationFailure) as error:
        client.admin.command("replSetGetStatus")
    assert error.value.code == 59
