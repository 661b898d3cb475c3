"""The router's connection pool to the shards: one client's waiting operation does not hold up another's
requests to the same shard, a connection broken by a shard restart is discarded, and ``connPoolStats`` shows
the pools."""

from __future__ import annotations

import threading
from typing import Any

import pytest

from tests.support.sharded import ShardedCluster
from tests.support.simproc import wait_until


def blocked_insert(cluster: ShardedCluster, ns: str) -> dict[str, Any] | None:
    """The shard's in-progress insert into ``ns`` (waiting behind the fsync lock), if any."""
    ops = cluster.shard_client("shard0").admin.command("currentOp", {"ns": ns, "op": "insert"})["inprog"]
    return ops[0] if ops else None


def test_a_blocked_operation_does_not_hold_up_other_clients_on_the_same_shard(small_cluster: ShardedCluster) -> None:
    router = small_cluster.router_client()
    router.admin.command("enableSharding", "pool_blocked", primaryShard="shard0")
    coll = router.pool_blocked.items
    coll.insert_many([{"_id": i, "v": i} for i in range(10)])
    writer = small_cluster.client()
    reader = small_cluster.client(timeoutMS=30000)
    shard = small_cluster.shard_client("shard0")
    shard.admin.command("fsync", lock=True)
    outcome: list[Any] = []

    def insert_behind_the_lock() -> None:
        try:
            outcome.append(writer.pool_blocked.items.insert_one({"_id": "late"}).inserted_id)
        except Exception as exc:  # reported by the assertions below
            outcome.append(exc)

    thread = threading.Thread(target=insert_behind_the_lock)
    thread.start()
    try:
        wait_until(lambda: blocked_insert(small_cluster, "pool_blocked.items"), "see the insert wait on the shard")
        # Reads routed to the same shard, through the same router, while that insert waits.
        assert reader.pool_blocked.items.find_one({"_id": 3}) == {"_id": 3, "v": 3}
        assert reader.pool_blocked.items.count_documents({}) == 10
        assert sorted(d["_id"] for d in reader.pool_blocked.items.find({"v": {"$gte": 8}})) == [8, 9]
        assert thread.is_alive() and not outcome, "the insert should still be waiting for the fsync lock"
        hosts = router.admin.command("connPoolStats")["hosts"]
        assert hosts[small_cluster.shard("shard0").hosts[0]]["created"] >= 2
    finally:
        shard.admin.command("fsyncUnlock")
        thread.join(60)
    assert outcome == ["late"]
    assert coll.count_documents({}) == 11


def test_a_connection_broken_by_a_shard_restart_is_discarded(small_cluster: ShardedCluster) -> None:
    router = small_cluster.router_client()
    router.admin.command("enableSharding", "pool_restart", primaryShard="shard1")
    coll = router.pool_restart.items
    coll.insert_one({"_id": 1})
    host = small_cluster.shard("shard1").hosts[0]
    before = router.admin.command("connPoolStats")["hosts"][host]
    assert before["available"] >= 1
    rs = small_cluster.shard("shard1")
    rs.nodes[0].restart()
    rs.wait_for_primary()
    coll.insert_one({"_id": 2})
    assert [d["_id"] for d in coll.find().sort("_id", 1)] == [1, 2]
    after = router.admin.command("connPoolStats")["hosts"][host]
    assert after["created"] > before["created"]
    assert after["inUse"] == 0 and after["available"] >= 1


def test_conn_pool_stats_shape(small_cluster: ShardedCluster) -> None:
    router = small_cluster.router_client()
    router.admin.command("enableSharding", "pool_stats", primaryShard="shard0")
    router.pool_stats.items.insert_one({"_id": 1})
    stats = router.admin.command("connPoolStats")
    for field in ("numClientConnections", "numAScopedConnections", "totalInUse", "totalAvailable", "totalCreated",
                  "totalRefreshing", "pools", "hosts"):
        assert field in stats, field
    for host in (*small_cluster.config.hosts, small_cluster.shard("shard0").hosts[0]):
        assert set(stats["hosts"][host]) >= {"inUse", "available", "created", "refreshing"}
    hosts = stats["hosts"].values()
    assert stats["totalCreated"] == sum(h["created"] for h in hosts)
    assert stats["totalAvailable"] == sum(h["available"] for h in hosts)
    with pytest.raises(Exception, match="no such command"):
        router.admin.command("shardConnPoolStats")  # removed in 5.0
