"""The balancer on a real config server: with a 1 MB chunk size it moves data off the shard that holds it all
until the shards differ by at most three chunk sizes, logging its rounds to config.actionlog."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.replset import ReplSet
from tests.support.simproc import wait_until

MB = 1024 * 1024


@pytest.fixture
def sets(tmp_path: Path) -> Iterator[tuple[ReplSet, list[ReplSet]]]:
    config = ReplSet(tmp_path / "cfg", name="cfg", members=1,
                     args=["--configsvr", "--setParameter", "mongosimBalancerRoundIntervalMillis=200"])
    shards = [ReplSet(tmp_path / f"s{i}", name=f"shard{i}", members=1, args=["--shardsvr"]) for i in range(2)]
    try:
        for rs in (config, *shards):
            rs.start()
        for rs in (config, *shards):
            rs.initiate()
        yield config, shards
    finally:
        for rs in (config, *shards):
            rs.stop()


def test_balancer_evens_out_data_size(sets: tuple[ReplSet, list[ReplSet]]) -> None:
    config, shards = sets
    cfg = config.probe(config.nodes[0])
    for rs in shards:
        cfg.admin.command("_configsvrAddShard", f"{rs.name}/{rs.hosts[0]}")
    cfg.admin.command("_configsvrBalancerStop")
    cfg.config.settings.update_one({"_id": "chunksize"}, {"$set": {"value": 1}}, upsert=True)
    cfg.admin.command("_configsvrCreateDatabase", "app", primaryShard="shard0")
    donor = shards[0].probe(shards[0].nodes[0])
    donor.app.items.create_index("k")
    donor.app.items.insert_many([{"k": i, "pad": "x" * 1000} for i in range(7000)])
    cfg.admin.command("_configsvrShardCollection", "app.items", key={"k": 1})
    rounds_before = cfg.admin.command("_configsvrBalancerStatus")["numBalancerRounds"]
    cfg.admin.command("_configsvrBalancerStart")
    recipient = shards[1].probe(shards[1].nodes[0])

    def owned_sizes() -> dict[str, int]:
        out: dict[str, int] = {}
        for rs, client in (("shard0", donor), ("shard1", recipient)):
            stats: Any = client.admin.command("_shardsvrGetStatsForBalancing", collections=[{"ns": "app.items"}],
                                              scaleFactor=1)
            out[rs] = int(stats["stats"][0]["collSize"])
        return out

    def balanced() -> bool:
        sizes = owned_sizes()
        return abs(sizes["shard0"] - sizes["shard1"]) <= 3 * MB

    wait_until(balanced, "even out data between the shards", timeout=120)
    status = cfg.admin.command("_configsvrBalancerStatus")
    assert status["numBalancerRounds"] > rounds_before
    rounds = list(cfg.config.actionlog.find({"what": "balancer.round"}))
    assert rounds and any(r["details"]["chunksMoved"] > 0 for r in rounds)
    coll = cfg.config.collections.find_one({"_id": "app.items"})
    assert coll is not None
    assert {c["shard"] for c in cfg.config.chunks.find({"uuid": coll["uuid"]})} == {"shard0", "shard1"}
