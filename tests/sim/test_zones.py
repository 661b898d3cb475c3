"""Zones on a real cluster: addShardToZone / removeShardFromZone / updateZoneKeyRange with MongoDB 8.0's catalog
documents, codes and messages (sharding_catalog_manager_zone_operations.cpp), zone ranges that place a new
collection's initial chunks, the balancer splitting at zone bounds and moving data into its zone without losing
any, and balancerCollectionStatus / configureCollectionBalancing.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from typing import Any

import bson
import pymongo
import pytest
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from pymongo.errors import OperationFailure

from tests.support.sharded import ShardedCluster
from tests.support.simproc import wait_until

Client = pymongo.MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    sharded = ShardedCluster(tmp_path_factory.mktemp("zones"), shards=2, members=1, config_members=1,
                             config_args=["--setParameter", "mongosimBalancerRoundIntervalMillis=200"])
    try:
        sharded.start()
        yield sharded
    finally:
        sharded.stop()


@pytest.fixture(scope="module")
def router(cluster: ShardedCluster) -> Client:
    return cluster.router_client()


def failure(router: Client, command: str, value: Any, **kwargs: Any) -> dict[str, Any]:
    with pytest.raises(OperationFailure) as info:
        router.admin.command(command, value, **kwargs)
    details = dict(info.value.details or {})
    return {"code": details.get("code"), "errmsg": details.get("errmsg")}


def checksum(docs: list[dict[str, Any]]) -> str:
    digest = hashlib.sha256()
    for doc in sorted(docs, key=lambda d: d["_id"]):
        digest.update(bson.encode(doc))
    return digest.hexdigest()


def test_zone_commands_keep_the_catalog_and_refuse_bad_input(router: Client) -> None:
    admin = router.admin
    assert failure(router, "addShardToZone", "nosuch", zone="EU") == {
        "code": 70, "errmsg": "shard nosuch does not exist"}
    admin.command("addShardToZone", "shard0", zone="ERR")
    admin.command("addShardToZone", "shard0", zone="ERR")  # idempotent ($addToSet)
    assert (router.config.shards.find_one({"_id": "shard0"}) or {}).get("tags") == ["ERR"]

    admin.command("shardCollection", "zerr.c", key={"a": 1, "b": 1})
    assert failure(router, "updateZoneKeyRange", "zerr.c", min={"a": 0}, max={"a": 10}, zone="NOPE") == {
        "code": 177, "errmsg": "zone NOPE does not exist"}
    assert failure(router, "updateZoneKeyRange", "zerr.c", min={"b": 0}, max={"b": 10}, zone="ERR") == {
        "code": 61, "errmsg": "min: { b: 0 } is not a prefix of the shard key { a: 1, b: 1 } of ns: zerr.c"}
    assert failure(router, "updateZoneKeyRange", "zerr.c", min={"a": 10}, max={"a": 0}, zone="ERR") == {
        "code": 9, "errmsg": "min: { a: 10 } should be less than max: { a: 0 }"}

    admin.command("updateZoneKeyRange", "zerr.c", min={"a": 0}, max={"a": 10}, zone="ERR")
    admin.command("updateZoneKeyRange", "zerr.c", min={"a": 0}, max={"a": 10}, zone="ERR")  # the same again
    tags = list(router.config.tags.find({"ns": "zerr.c"}))
    assert len(tags) == 1
    assert isinstance(tags[0]["_id"], ObjectId)
    assert {k: v for k, v in tags[0].items() if k != "_id"} == {
        "ns": "zerr.c", "min": {"a": 0, "b": MinKey()}, "max": {"a": 10, "b": MinKey()}, "tag": "ERR"}
    overlap = failure(router, "updateZoneKeyRange", "zerr.c", min={"a": 5}, max={"a": 20}, zone="ERR")
    assert overlap == {"code": 178, "errmsg": "Zone range: { a: 5, b: MinKey } -->> { a: 20, b: MinKey }  on  ERR "
                       "is overlapping with existing: { a: 0, b: MinKey } -->> { a: 10, b: MinKey }  on  ERR"}

    assert failure(router, "removeShardFromZone", "shard0", zone="ERR") == {
        "code": 163, "errmsg": "cannot remove a shard from zone if a chunk range is associated with it"}
    admin.command("updateZoneKeyRange", "zerr.c", min={"a": 0}, max={"a": 10}, zone=None)
    assert router.config.tags.count_documents({"ns": "zerr.c"}) == 0
    admin.command("removeShardFromZone", "shard0", zone="ERR")
    assert (router.config.shards.find_one({"_id": "shard0"}) or {}).get("tags") == []


def test_hashed_zone_bounds_must_be_hashes(router: Client) -> None:
    router.admin.command("addShardToZone", "shard1", zone="HASH")
    router.admin.command("shardCollection", "zhash.c", key={"h": "hashed"})
    error = failure(router, "updateZoneKeyRange", "zhash.c", min={"h": 1}, max={"h": 5}, zone="HASH")
    assert error["code"] == 72
    assert "not of type NumberLong, MinKey, or MaxKey" in error["errmsg"]
    router.admin.command("updateZoneKeyRange", "zhash.c", min={"h": MinKey()}, max={"h": Int64(0)}, zone="HASH")


def test_zone_ranges_defined_before_sharding_place_the_initial_chunks(cluster: ShardedCluster,
                                                                      router: Client) -> None:
    admin = router.admin
    admin.command("enableSharding", "zpre", primaryShard="shard0")
    admin.command("addShardToZone", "shard1", zone="PRE")
    admin.command("updateZoneKeyRange", "zpre.c", min={"k": 100}, max={"k": 200}, zone="PRE")
    admin.command("shardCollection", "zpre.c", key={"k": 1})
    chunks = [(c["min"], c["max"], c["shard"]) for c in cluster.chunks("zpre.c")]
    assert [(low, high) for low, high, _ in chunks] == [
        ({"k": MinKey()}, {"k": 100}), ({"k": 100}, {"k": 200}), ({"k": 200}, {"k": MaxKey()})]
    assert chunks[1][2] == "shard1"
    router.zpre.c.insert_many([{"k": 150, "n": 1}, {"k": 5, "n": 2}])
    assert [d["n"] for d in cluster.shard_documents("shard1", "zpre.c")] == [1]  # the zone's shard holds it


def test_balancer_moves_a_zone_range_to_its_shard_and_keeps_every_document(cluster: ShardedCluster,
                                                                          router: Client) -> None:
    admin = router.admin
    admin.command("balancerStop")
    admin.command("enableSharding", "zmove", primaryShard="shard0")
    admin.command("shardCollection", "zmove.c", key={"k": 1})
    router.zmove.c.insert_many([{"k": i, "pad": "x" * 100} for i in range(2000)])
    before = checksum(list(router.zmove.c.find()))
    admin.command("addShardToZone", "shard1", zone="HIGH")
    admin.command("updateZoneKeyRange", "zmove.c", min={"k": 1000}, max={"k": MaxKey()}, zone="HIGH")
    status = admin.command("balancerCollectionStatus", "zmove.c")
    assert (status["balancerCompliant"], status["firstComplianceViolation"]) == (False, "zoneViolation")
    assert status["chunkSize"] == 128

    admin.command("balancerStart")

    def in_zone() -> bool:
        chunks = cluster.chunks("zmove.c")
        return all((c["shard"] == "shard1") == (c["min"]["k"] != MinKey() and c["min"]["k"] >= 1000)
                   for c in chunks)

    wait_until(in_zone, "move the zone's range to shard1", timeout=120)
    assert [(c["min"], c["max"]) for c in cluster.chunks("zmove.c")] == [
        ({"k": MinKey()}, {"k": 1000}), ({"k": 1000}, {"k": MaxKey()})]
    wait_until(lambda: admin.command("balancerCollectionStatus", "zmove.c")["balancerCompliant"],
               "report the collection compliant")
    docs = list(router.zmove.c.find())
    assert len(docs) == 2000 and checksum(docs) == before
    owned = cluster.owned_documents("zmove.c")
    assert {d["k"] for d in owned["shard1"]} == set(range(1000, 2000))

    router.zmove.c.insert_one({"k": 1500.5, "pad": "new"})
    assert any(d["k"] == 1500.5 for d in cluster.shard_documents("shard1", "zmove.c"))


def test_balancer_collection_status_reports_imbalance_and_unsharded(cluster: ShardedCluster,
                                                                    router: Client) -> None:
    admin = router.admin
    admin.command("balancerStop")
    assert failure(router, "balancerCollectionStatus", "zstat.none") == {
        "code": 118, "errmsg": "Collection unsharded or undefined"}
    admin.command("enableSharding", "zstat", primaryShard="shard0")
    admin.command("shardCollection", "zstat.c", key={"k": 1})
    status = admin.command("balancerCollectionStatus", "zstat.c")
    assert {k: v for k, v in status.items() if k in ("chunkSize", "balancerCompliant", "firstComplianceViolation")} \
        == {"chunkSize": 128, "balancerCompliant": True}
    admin.command("configureCollectionBalancing", "zstat.c", chunkSize=1)
    coll = router.config.collections.find_one({"_id": "zstat.c"}) or {}
    assert coll["maxChunkSizeBytes"] == 1024 * 1024
    assert failure(router, "configureCollectionBalancing", "zstat.c", chunkSize=2048) == {
        "code": 72, "errmsg": "Chunk size '2048' out of range [1MB, 1GB]"}
    router.zstat.c.insert_many([{"k": i, "pad": "y" * 1000} for i in range(5000)])
    status = admin.command("balancerCollectionStatus", "zstat.c")
    assert status["chunkSize"] == 1
    assert (status["balancerCompliant"], status["firstComplianceViolation"]) == (False, "chunksImbalance")
    admin.command("configureCollectionBalancing", "zstat.c", chunkSize=0)
    assert "maxChunkSizeBytes" not in (router.config.collections.find_one({"_id": "zstat.c"}) or {})
    assert admin.command("balancerCollectionStatus", "zstat.c")["balancerCompliant"] is True
