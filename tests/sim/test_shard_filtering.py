"""A shard's identity, shard version checks (StaleConfig) and orphan filtering, driven directly on the shard
primaries the way a config server and a router talk to them: a 1-member config server replica set whose
catalog the test writes, and two 1-member shard replica sets."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson.binary import Binary, UuidRepresentation
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from pymongo.errors import OperationFailure

from tests.support.replset import ReplSet

NS = "test.c"


class Catalog:
    """The config server's collections for one sharded collection ``test.c`` ``{x: 1}``."""

    def __init__(self, config: ReplSet, shards: list[ReplSet]) -> None:
        self.config = config
        self.shards = shards
        self.epoch = ObjectId()
        self.timestamp = Timestamp(1_700_000_000, 1)
        self.uuid = Binary.from_uuid(__import__("uuid").uuid4(), UuidRepresentation.STANDARD)
        self.cluster_id = ObjectId()

    @property
    def conn(self) -> str:
        return f"{self.config.name}/{','.join(self.config.hosts)}"

    def setup(self) -> None:
        cfg = self.config.client().config
        for rs in self.shards:
            cfg.shards.insert_one({"_id": rs.name, "host": f"{rs.name}/{','.join(rs.hosts)}", "state": 1})
            rs.client().admin.command({"_shardsvrSetShardIdentity": 1, "shardName": rs.name,
                                       "clusterId": self.cluster_id, "configsvrConnectionString": self.conn})
        cfg.databases.insert_one({"_id": "test", "primary": self.shards[0].name,
                                  "version": {"uuid": self.uuid, "timestamp": self.timestamp, "lastMod": 1}})
        cfg.collections.insert_one({"_id": NS, "lastmodEpoch": self.epoch, "timestamp": self.timestamp,
                                    "uuid": self.uuid, "key": {"x": 1}, "unique": False})
        # [MinKey, 50) on shard0 at 1|0, [50, MaxKey) on shard1 at 1|1.
        cfg.chunks.insert_many([
            {"uuid": self.uuid, "min": {"x": MinKey()}, "max": {"x": 50}, "shard": self.shards[0].name,
             "lastmod": Timestamp(1, 0)},
            {"uuid": self.uuid, "min": {"x": 50}, "max": {"x": MaxKey()}, "shard": self.shards[1].name,
             "lastmod": Timestamp(1, 1)}])

    def version(self, major: int, minor: int) -> dict[str, Any]:
        return {"e": self.epoch, "t": self.timestamp, "v": Timestamp(major, minor)}


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Catalog]:
    workdir: Path = tmp_path_factory.mktemp("shardfilter")
    config = ReplSet(workdir / "cfg", name="cfg", members=1, args=["--configsvr"])
    shards = [ReplSet(workdir / f"s{i}", name=f"shard{i}", members=1, args=["--shardsvr"]) for i in range(2)]
    try:
        for rs in (config, *shards):
            rs.start()
        for rs in (config, *shards):
            rs.initiate()
        catalog = Catalog(config, shards)
        catalog.setup()
        yield catalog
    finally:
        for rs in (*shards, config):
            rs.stop()


def test_identity_is_stored_and_reported(cluster: Catalog) -> None:
    for rs in cluster.shards:
        doc = rs.client().admin.system.version.find_one({"_id": "shardIdentity"})
        assert doc == {"_id": "shardIdentity", "shardName": rs.name, "clusterId": cluster.cluster_id,
                       "configsvrConnectionString": cluster.conn}
        state = rs.client().admin.command("shardingState")
        assert state["enabled"] is True and state["shardName"] == rs.name
        assert state["configServer"] == cluster.conn
    with pytest.raises(OperationFailure) as err:
        cluster.shards[0].client().admin.command({"_shardsvrSetShardIdentity": 1, "shardName": "other",
                                                  "clusterId": cluster.cluster_id,
                                                  "configsvrConnectionString": cluster.conn})
    assert err.value.code == 40371


def test_internal_commands_refused_off_a_shard(cluster: Catalog) -> None:
    with pytest.raises(OperationFailure) as err:
        cluster.config.client().admin.command({"_shardsvrMoveRange": NS, "toShard": "shard1", "min": {"x": 0}})
    assert err.value.code == 20 and err.value.details["errmsg"] == "_shardsvrMoveRange can only be run on shard servers"


def test_stale_version_gets_stale_config(cluster: Catalog) -> None:
    db = cluster.shards[1].client().test
    assert db.command({"find": "c", "filter": {}, "shardVersion": cluster.version(1, 1)})["ok"] == 1
    # A split elsewhere (same major) is not stale; an old major is.
    assert db.command({"find": "c", "filter": {}, "shardVersion": cluster.version(1, 0)})["ok"] == 1
    stale = {"e": cluster.epoch, "t": cluster.timestamp, "v": Timestamp(0, 5)}
    with pytest.raises(OperationFailure) as err:
        db.command({"insert": "c", "documents": [{"x": 70}], "shardVersion": stale})
    details = err.value.details
    assert details["code"] == 13388 and details["codeName"] == "StaleConfig"
    assert details["ns"] == NS and details["shardId"] == "shard1"
    assert details["vReceived"] == stale and details["vWanted"] == cluster.version(1, 1)
    assert details["errmsg"] == f"placement version mismatch detected for {NS}"
    unsharded = {"e": ObjectId("000000000000000000000000"), "t": Timestamp(0, 0), "v": Timestamp(0, 0)}
    with pytest.raises(OperationFailure) as err:
        db.command({"find": "c", "shardVersion": unsharded})
    assert err.value.details["errmsg"] == f"timestamp mismatch detected for {NS}"
    assert cluster.shards[1].client().admin.command("getShardVersion", NS)["global"] == Timestamp(1, 1)


def test_versioned_reads_skip_orphans(cluster: Catalog) -> None:
    db = cluster.shards[0].client().test
    # x: 10 is owned by shard0; x: 90 lies in shard1's chunk: an orphan on shard0.
    db.c.insert_many([{"_id": "owned", "x": 10}, {"_id": "orphan", "x": 90}])
    version = cluster.version(1, 0)
    found = db.command({"find": "c", "filter": {}, "shardVersion": version})["cursor"]["firstBatch"]
    assert [d["_id"] for d in found] == ["owned"]
    by_id = db.command({"find": "c", "filter": {"_id": "orphan"}, "shardVersion": version})["cursor"]["firstBatch"]
    assert by_id == []
    assert db.command({"count": "c", "shardVersion": version})["n"] == 1
    assert db.command({"distinct": "c", "key": "x", "shardVersion": version})["values"] == [10]
    agg = db.command({"aggregate": "c", "pipeline": [{"$group": {"_id": None, "n": {"$sum": 1}}}], "cursor": {},
                      "shardVersion": version})
    assert agg["cursor"]["firstBatch"] == [{"_id": None, "n": 1}]
    # Unversioned, as an operator connected to the shard: everything stored.
    assert sorted(d["_id"] for d in db.c.find()) == ["orphan", "owned"]
    assert db.c.count_documents({}) == 2
