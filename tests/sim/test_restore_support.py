"""What a restore needs from a server, against real simulator processes: ``applyOps`` create with ``ui`` (the
collection UUID kept, as ``mongorestore --preserveUUID`` does), ``flushRouterConfig`` on a shard (MongoDB 4.4+),
``invalidateUserCache``, and ``create`` with options through a router."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.binary import Binary
from pymongo.errors import OperationFailure

from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess

NS = "rs.items"


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    workdir: Path = tmp_path_factory.mktemp("restore-support")
    cluster = ShardedCluster(workdir, shards=2, members=1, config_members=1, routers=1)
    try:
        cluster.start()
        cluster.wait_shards_listed()
        yield cluster
    finally:
        cluster.stop()


def test_apply_ops_create_keeps_the_uuid(shared_mongod: SimProcess) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    wanted = Binary(uuid.uuid4().bytes, 4)
    op = {"op": "c", "ns": "keepuuid.$cmd", "ui": wanted, "o": {"create": "capped", "capped": True, "size": 4096}}
    assert client.admin.command("applyOps", [op])["applied"] == 1
    info = next(client.keepuuid.list_collections(filter={"name": "capped"}))
    assert info["info"]["uuid"] == wanted
    assert info["options"] == {"capped": True, "size": 4096}
    # Idempotent with the same UUID, refused with another one or for a UUID another collection has.
    assert client.admin.command("applyOps", [op])["applied"] == 1
    with pytest.raises(OperationFailure) as other:
        client.admin.command("applyOps", [{**op, "ui": Binary(uuid.uuid4().bytes, 4)}])
    assert other.value.code == 48  # NamespaceExists
    with pytest.raises(OperationFailure) as taken:
        client.admin.command("applyOps", [{**op, "o": {"create": "second"}}])
    assert taken.value.code == 48
    with pytest.raises(OperationFailure):
        client.admin.command("applyOps", [{**op, "ui": "not-a-uuid", "o": {"create": "third"}}])


def test_create_with_options_through_a_router(cluster: ShardedCluster) -> None:
    client = cluster.router_client()
    client.admin.command("enableSharding", "rs", primaryShard="shard0")
    client.rs.create_collection("capped", capped=True, size=4096, max=10)
    info = next(client.rs.list_collections(filter={"name": "capped"}))
    assert info["options"] == {"capped": True, "size": 4096, "max": 10}


def test_flush_router_config_on_a_shard_and_invalidate_user_cache(cluster: ShardedCluster) -> None:
    client = cluster.router_client()
    client.admin.command("enableSharding", "rs", primaryShard="shard0")
    client.admin.command("shardCollection", NS, key={"k": 1})
    client.rs.items.insert_many([{"k": i} for i in range(10)])
    shard = cluster.shard_client("shard0")
    assert NS in shard.admin.command("shardingState")["versions"]
    assert shard.admin.command("flushRouterConfig", NS)["flushed"] is True
    assert NS not in shard.admin.command("shardingState")["versions"]
    client.rs.items.find_one({"k": 1})  # a versioned request reloads it
    assert NS in shard.admin.command("shardingState")["versions"]
    assert shard.admin.command("flushRouterConfig", "rs")["flushed"] is True
    assert shard.admin.command("flushRouterConfig", 1)["flushed"] is True
    assert shard.admin.command("shardingState")["versions"] == {}
    assert client.rs.items.count_documents({}) == 10
    assert client.admin.command("invalidateUserCache")["ok"] == 1
    assert shard.admin.command("invalidateUserCache")["ok"] == 1
