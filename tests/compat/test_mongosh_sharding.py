"""The official shell's sharding helpers against a simulator mongos: sh.enableSharding, sh.shardCollection,
sh.splitAt, sh.moveChunk, the balancer helpers, and sh.status(), which reads every config collection and
command an operator's first look at a cluster depends on (mongosh getPrintableShardStatus).

sh.status() prints the object it returns, one section per key (shardingVersion, shards, active mongoses,
autosplit, balancer, shardedDataDistribution, databases), so the sections are checked on that object.
"""

from __future__ import annotations

from typing import Any

import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from tests.compat.test_mongosh import run_mongosh
from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def mongos(small_cluster: ShardedCluster) -> SimProcess:
    return small_cluster.routers[0]


@pytest.fixture(scope="module")
def helpers_result(mongos: SimProcess) -> Any:
    """The shell's own helpers set up a sharded collection split in two, one half on each shard."""
    return run_mongosh(mongos, """
        const en = sh.enableSharding('shelldb', 'shard0');
        const sc = sh.shardCollection('shelldb.orders', {customer: 1});
        const sp = sh.splitAt('shelldb.orders', {customer: 500});
        const mv = sh.moveChunk('shelldb.orders', {customer: 750}, 'shard1');
        const orders = db.getSiblingDB('shelldb').orders;
        orders.insertMany(Array.from({length: 1000}, (_, i) => ({customer: i, total: i % 7})));
        out({en: en.ok, sc: sc.collectionsharded, sp: sp.ok, mv: mv.ok, count: orders.countDocuments({}),
             hello: db.hello().msg, balancer: sh.getBalancerState(),
             running: sh.isBalancerRunning().mode});
    """)


def test_sharding_helpers_work(helpers_result: Any) -> None:
    assert helpers_result == {"en": 1, "sc": "shelldb.orders", "sp": 1, "mv": 1, "count": 1000, "hello": "isdbgrid",
                              "balancer": True, "running": "full"}


def test_sh_status_shows_shards_databases_and_chunk_distribution(small_cluster: ShardedCluster, mongos: SimProcess,
                                                                  helpers_result: Any) -> None:
    status = run_mongosh(mongos, "out(sh.status().value);")
    assert set(status) >= {"shardingVersion", "shards", "active mongoses", "autosplit", "balancer",
                           "shardedDataDistribution", "databases"}
    assert isinstance(status["shardingVersion"]["clusterId"], ObjectId)
    shards = status["shards"]
    assert [s["_id"] for s in shards] == ["shard0", "shard1"]
    assert [s["host"] for s in shards] == [ShardedCluster.connection_string(rs) for rs in small_cluster.shards]
    assert all(s["state"] == 1 and isinstance(s["topologyTime"], Timestamp) for s in shards)
    assert status["active mongoses"] == [{"8.0.4": 1}]
    assert status["autosplit"] == {"Currently enabled": "yes"}
    assert status["balancer"]["Currently enabled"] == "yes"
    assert status["balancer"]["Currently running"] in ("yes", "no")
    assert status["balancer"]["Failed balancer rounds in last 5 attempts"] == 0
    assert status["balancer"]["Migration Results for the last 24 hours"] == {"1": "Success"}

    databases = {entry["database"]["_id"]: entry for entry in status["databases"]}
    assert {"config", "shelldb"} <= set(databases)
    assert databases["shelldb"]["database"]["primary"] == "shard0"
    orders = databases["shelldb"]["collections"]["shelldb.orders"]
    assert orders["shardKey"] == {"customer": 1}
    assert (orders["unique"], orders["balancing"]) == (False, True)
    assert orders["chunkMetadata"] == [{"shard": "shard0", "nChunks": 1}, {"shard": "shard1", "nChunks": 1}]
    assert [(c["min"], c["max"], c["on shard"]) for c in orders["chunks"]] == [
        ({"customer": MinKey()}, {"customer": 500}, "shard0"),
        ({"customer": 500}, {"customer": MaxKey()}, "shard1")]
    assert all(isinstance(c["last modified"], Timestamp) for c in orders["chunks"])
    assert orders["tags"] == []

    distribution = {entry["ns"]: entry for entry in status["shardedDataDistribution"]}
    shelldb = {s["shardName"]: s for s in distribution["shelldb.orders"]["shards"]}
    assert {name: s["numOwnedDocuments"] for name, s in shelldb.items()} == {"shard0": 500, "shard1": 500}
    assert all(s["ownedSizeBytes"] > 0 for s in shelldb.values())


def test_sh_status_reports_a_stopped_balancer(mongos: SimProcess, helpers_result: Any) -> None:
    result = run_mongosh(mongos, """
        sh.stopBalancer();
        const stopped = sh.status().value.balancer;
        const state = sh.getBalancerState();
        sh.startBalancer();
        out({stopped: stopped['Currently enabled'], state: state, after: sh.getBalancerState()});
    """)
    assert result == {"stopped": "no", "state": False, "after": True}


def test_zone_helpers_and_sh_status_tags(mongos: SimProcess) -> None:
    """sh.addShardToZone / addShardTag, sh.updateZoneKeyRange / addTagRange, sh.removeRangeFromZone and
    sh.balancerCollectionStatus against the simulator, and the ranges as sh.status() lists them."""
    result = run_mongosh(mongos, """
        sh.addShardToZone('shard1', 'EU');
        sh.addShardTag('shard0', 'US');
        sh.enableSharding('zonedb', 'shard0');
        sh.shardCollection('zonedb.people', {country: 1});
        const upd = sh.updateZoneKeyRange('zonedb.people', {country: 'DE'}, {country: 'DF'}, 'EU');
        sh.addTagRange('zonedb.people', {country: 'US'}, {country: 'UT'}, 'US');
        sh.addTagRange('zonedb.people', {country: 'FR'}, {country: 'FS'}, 'EU');
        const removed = sh.removeRangeFromZone('zonedb.people', {country: 'FR'}, {country: 'FS'});
        let error = null;
        try { sh.updateZoneKeyRange('zonedb.people', {country: 'DA'}, {country: 'DZ'}, 'EU'); }
        catch (e) { error = e.codeName; }
        const status = sh.status().value;
        const zonedb = status.databases.find(d => d.database._id === 'zonedb');
        const shards = status.shards.map(s => ({id: s._id, tags: s.tags}));
        out({upd: upd.ok, removed: removed.ok, error: error, tags: zonedb.collections['zonedb.people'].tags,
             shards: shards, compliant: sh.balancerCollectionStatus('zonedb.people').balancerCompliant});
    """)
    assert (result["upd"], result["removed"], result["error"]) == (1, 1, "RangeOverlapConflict")
    assert result["tags"] == [{"tag": "EU", "min": {"country": "DE"}, "max": {"country": "DF"}},
                              {"tag": "US", "min": {"country": "US"}, "max": {"country": "UT"}}]
    assert {s["id"]: s["tags"] for s in result["shards"]} == {"shard0": ["US"], "shard1": ["EU"]}
    assert isinstance(result["compliant"], bool)
