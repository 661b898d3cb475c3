"""Bad input to a sharded cluster's admin commands gets MongoDB 8.0's error codes and messages, and the good
edge cases (sharding a collection that does not exist yet, repeating shardCollection) succeed as they do there.

Messages are the server's own (cluster_move_chunk_cmd.cpp, create_collection_coordinator.cpp,
ShardsvrAddShardCommand, sharding_catalog_manager validateHostAsShard); codes are asserted everywhere.
"""

from __future__ import annotations

from typing import Any

import pymongo
import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey
from pymongo.errors import OperationFailure

from tests.support.replset import ReplSet
from tests.support.sharded import ShardedCluster

Client = pymongo.MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def router(small_cluster: ShardedCluster) -> Client:
    return small_cluster.router_client()


def failure(router: Client, command: str, value: Any, **kwargs: Any) -> dict[str, Any]:
    """The server's error reply (code, codeName, errmsg) to an admin command that must fail."""
    with pytest.raises(OperationFailure) as info:
        router.admin.command(command, value, **kwargs)
    return dict(info.value.details or {"code": info.value.code})


def test_sharding_a_missing_collection_creates_it(router: Client) -> None:
    reply = router.admin.command("shardCollection", "bad.fresh", key={"k": 1})
    assert reply["collectionsharded"] == "bad.fresh"
    assert "fresh" in router.bad.list_collection_names()
    coll = router.config.collections.find_one({"_id": "bad.fresh"})
    assert coll is not None
    assert coll["key"] == {"k": 1} and coll["unique"] is False
    assert {"uuid", "lastmodEpoch", "timestamp", "lastmod"} <= set(coll)
    chunks = list(router.config.chunks.find({"uuid": coll["uuid"]}))
    assert len(chunks) == 1
    assert chunks[0]["min"] == {"k": MinKey()} and chunks[0]["max"] == {"k": MaxKey()}
    primary = (router.config.databases.find_one({"_id": "bad"}) or {}).get("primary")
    assert chunks[0]["shard"] == primary
    index_keys = [ix["key"] for ix in router.bad.fresh.list_indexes()]
    assert {"k": 1} in index_keys  # the supporting index, created because the collection was empty


def test_sharding_again_with_the_same_key_succeeds(router: Client) -> None:
    router.admin.command("shardCollection", "bad.twice", key={"k": 1})
    assert router.admin.command("shardCollection", "bad.twice", key={"k": 1})["collectionsharded"] == "bad.twice"


def test_sharding_again_with_another_key_is_already_initialized(router: Client) -> None:
    router.admin.command("shardCollection", "bad.other", key={"k": 1})
    error = failure(router, "shardCollection", "bad.other", key={"j": 1})
    assert (error["code"], error["codeName"]) == (23, "AlreadyInitialized")
    assert error["errmsg"] == "sharding already enabled for collection bad.other"


@pytest.mark.parametrize("key", [{"k": -1}, {"k": 2}, {"k": "text"}, {"a": "hashed", "b": "hashed"}, {"a..b": 1},
                                 {"$k": 1}])
def test_invalid_shard_keys_are_bad_values(router: Client, key: dict[str, Any]) -> None:
    error = failure(router, "shardCollection", "bad.keys", key=key)
    assert (error["code"], error["codeName"]) == (2, "BadValue"), error
    assert router.config.collections.find_one({"_id": "bad.keys"}) is None


def test_a_hashed_key_cannot_be_unique(router: Client) -> None:
    error = failure(router, "shardCollection", "bad.hashedunique", key={"k": "hashed"}, unique=True)
    assert (error["code"], error["codeName"]) == (72, "InvalidOptions")
    assert error["errmsg"].startswith("Hashed shard keys cannot be declared unique.")


def test_move_chunk_to_an_unknown_shard_is_shard_not_found(router: Client) -> None:
    router.admin.command("shardCollection", "bad.moves", key={"k": 1})
    error = failure(router, "moveChunk", "bad.moves", find={"k": 1}, to="nope")
    assert (error["code"], error["codeName"]) == (70, "ShardNotFound")
    assert error["errmsg"] == "Could not move chunk in bad.moves to nope because that shard does not exist"
    error = failure(router, "moveRange", "bad.moves", min={"k": MinKey()}, toShard="nope")
    assert (error["code"], error["codeName"]) == (70, "ShardNotFound")


def test_add_shard_of_a_replica_set_without_shardsvr_is_refused(small_cluster: ShardedCluster, router: Client,
                                                                 tmp_path_factory: pytest.TempPathFactory) -> None:
    plain = ReplSet(tmp_path_factory.mktemp("plain-rs"), name="plain", members=1)
    try:
        plain.start().initiate()
        error = failure(router, "addShard", ShardedCluster.connection_string(plain))
        assert error["code"] == 50876
        assert error["errmsg"] == "Cannot run addShard on a node started without --shardsvr"
    finally:
        plain.stop()
    assert router.config.shards.find_one({"_id": "plain"}) is None
    assert sorted(s["_id"] for s in router.admin.command("listShards")["shards"]) == ["shard0", "shard1"]


def test_add_shard_of_the_config_server_replica_set_is_refused(small_cluster: ShardedCluster, router: Client) -> None:
    error = failure(router, "addShard", small_cluster.configdb)
    assert (error["code"], error["codeName"]) == (96, "OperationFailed")
    assert error["errmsg"] == f"Cannot add {small_cluster.configdb} as a shard since it is a config server"
