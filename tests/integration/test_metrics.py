"""Metrics of a deployed sandbox cluster (access control on): a 1-member config server replica set, two 1-member
shards, one router.

The issue's test: a known number of operations through the router, and the rates the collector computes from
serverStatus counters, integrated over the rounds, must add up to what the servers counted (within 1 %). Then a
stopped member: a gap in the round (not a failed round), stored, and visible in the series read back, and the
restart that follows is a gap too, never a negative rate.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from prometheus_client.parser import text_string_to_metric_families

from mongo_admin.db.base import Base, make_engine, session_factory
from mongo_admin.metrics import rates
from mongo_admin.metrics.collector import ClusterSample, Collector
from mongo_admin.metrics.models import MetricRound, MetricSample
from mongo_admin.metrics.prometheus import render
from mongo_admin.metrics.store import NODE_DOWN, read_series, write_sample
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
from mongo_admin.ops.cluster.lifecycle import destroy_cluster
from mongo_admin.ops.cluster.processes import launch_spec, start_nodes, stop_node
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.spec.load import parse_spec
from tests.support.clusters import kill_cluster_leftovers
from tests.support.simproc import free_port_block, wait_until

pytestmark = pytest.mark.timeout(600)
SPEC = """\
name: mx
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""
INSERTS = 2000
FINDS = 3000


@pytest.fixture(scope="module")
def access(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClusterAccess]:
    home = tmp_path_factory.mktemp("metrics-home")
    text = SPEC.format(base=free_port_block(10))
    deploy(parse_spec(text), text, DeployOptions(home=home))
    paths, record = open_cluster("mx", home)
    access = ClusterAccess(paths, record)
    with access.routers() as client:
        client.admin.command("enableSharding", "app", primaryShard="shard0")
        for name, shard in (("a", "shard0"), ("b", "shard1")):
            client.admin.command("shardCollection", f"app.{name}", key={"k": 1})
            if shard != "shard0":
                client.admin.command("moveChunk", f"app.{name}", find={"k": 0}, to=shard)
    try:
        yield access
    finally:
        _destroy(home)


def _destroy(home: Path) -> None:
    try:
        destroy_cluster("mx", home)
    finally:
        kill_cluster_leftovers(home)


def counter_total(samples: list[ClusterSample], node: str, metric: str) -> float:
    points = []
    for sample in samples:
        row = next(n for n in sample.nodes if n.node == node)
        points.append(rates.CounterPoint(sample.taken_at.timestamp(), row.values.get(metric),
                                         row.values.get("uptime_s")))
    intervals = rates.rates(points)
    assert not rates.gaps(intervals)
    return rates.total(intervals)


def opcounters(access: ClusterAccess, node_id: str) -> dict[str, int]:
    with access.node(access.record.layout.node(node_id)) as client:
        return {k: int(v) for k, v in client.admin.command("serverStatus")["opcounters"].items()}


def test_rates_add_up_to_the_operations_run(access: ClusterAccess) -> None:
    nodes = ("router-0", "shard0-0", "shard1-0")
    samples: list[ClusterSample] = []
    with Collector(access) as collector, access.routers() as client:
        before = {node: opcounters(access, node) for node in nodes}
        samples.append(collector.collect())
        db = client.app
        for batch in range(4):  # the work spread over several rounds, between two collections on two shards
            for i in range(INSERTS // 4):
                key = batch * INSERTS + i
                db["a" if i % 2 else "b"].insert_one({"k": key, "batch": batch})
            for i in range(FINDS // 4):
                db["a" if i % 2 else "b"].find_one({"k": i})
            samples.append(collector.collect())
        after = {node: opcounters(access, node) for node in nodes}
    assert all(not sample.gaps for sample in samples), [s.gaps for s in samples]
    router_inserts = counter_total(samples, "router-0", "opcounters.insert")
    router_queries = counter_total(samples, "router-0", "opcounters.query")
    assert router_inserts == pytest.approx(INSERTS, rel=0.01)
    assert router_queries == pytest.approx(FINDS, rel=0.01)
    shard_inserts = sum(counter_total(samples, node, "opcounters.insert") for node in ("shard0-0", "shard1-0"))
    assert shard_inserts == pytest.approx(INSERTS, rel=0.01)
    for node in nodes:  # every rate total matches the simulator's own counter delta (first and last round)
        for name in ("insert", "query"):
            delta = after[node][name] - before[node][name]
            assert counter_total(samples, node, f"opcounters.{name}") == pytest.approx(delta, rel=0.01, abs=1)
    last = samples[-1]
    shard0 = next(n for n in last.nodes if n.node == "shard0-0")
    for name in ("connections.current", "cache.used_bytes", "cache.max_bytes", "queue.total", "mem.resident_mb",
                 "network.bytes_in", "storage.size_bytes", "disk.free_bytes", "repl.lag_s"):
        assert name in shard0.values, name
    owned = {shard.shard: shard.owned_docs for shard in last.shards}
    assert last.shards_error is None
    assert sum(owned.values()) >= INSERTS and set(owned) == {"shard0", "shard1"}


def test_stopped_member_is_a_gap_stored_and_read_back(access: ClusterAccess, tmp_path: Path) -> None:
    engine = make_engine(f"sqlite:///{tmp_path / 'platform.db'}")
    Base.metadata.create_all(engine, tables=[MetricRound.__table__, MetricSample.__table__])  # type: ignore[list-item]
    sessions = session_factory(engine)
    node = access.record.layout.node("shard1-0")
    samples = []
    with Collector(access, node_timeout_s=1.0) as collector, sessions() as session:
        def sample() -> ClusterSample:
            taken = collector.collect()
            write_sample(session, taken)
            session.commit()
            samples.append(taken)
            return taken

        sample()
        time.sleep(1.0)
        sample()
        stop_node(access.paths, node)
        started = time.monotonic()
        down = sample()
        assert time.monotonic() - started < 3 * 1.0 + 1.5  # the round is bounded by the node timeout
        gaps = {n.node: n.error for n in down.gaps}
        assert set(gaps) == {"shard1-0"}, gaps
        assert all(n.values for n in down.nodes if n.ok)
        text = render([down])
        values = {(s.name, s.labels.get("node")): s.value
                  for family in text_string_to_metric_families(text) for s in family.samples}
        assert values[("mongodb_up", "shard1-0")] == 0.0
        assert values[("mongodb_up", "shard0-0")] == 1.0
        start_nodes(access.paths, {node: launch_spec(access.paths, access.record.layout, node,
                                                     access.record.binaries, access.record.server_options)},
                    lambda *_: None)
        wait_until(lambda: not sample().gaps, "shard1-0 answers again", timeout=60, interval=0.5)
        time.sleep(1.0)
        sample()
        start = samples[0].taken_at - dt.timedelta(milliseconds=1)
        end = samples[-1].taken_at + dt.timedelta(milliseconds=1)
        step = (end - start).total_seconds() / 400
        uptime = read_series(session, "mx", "shard1-0", "uptime_s", start, end, step)
        commands = read_series(session, "mx", "shard1-0", "opcounters.command", start, end, step)
    engine.dispose()
    assert NODE_DOWN in {p.gap for p in uptime.points}
    valued = [p for p in uptime.points if p.value is not None]
    assert len(valued) == len(samples) - 1
    # Around the stop and the restart: gaps, never a negative rate; before and after: rates.
    rates_seen = [p.value for p in commands.points if p.value is not None]
    assert rates_seen and all(rate >= 0 for rate in rates_seen)
    assert {p.gap for p in commands.gaps} >= {NODE_DOWN}
    assert any(p.gap == rates.MISSING for p in commands.points)
