"""Prometheus text exposition of a collection round, checked with prometheus_client's own parser."""

from __future__ import annotations

import datetime as dt

from prometheus_client.parser import text_string_to_metric_families

from mongo_admin.metrics.collector import ClusterSample, NodeSample, ShardData, server_status_values, shard_data
from mongo_admin.metrics.prometheus import render

T0 = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)


def node(node_id: str = "shard0-0", role: str = "shardsvr", replica_set: str | None = "shard0",
         error: str | None = None, **values: float) -> NodeSample:
    defaults = {"uptime_s": 120.0, "opcounters.insert": 2000.0, "connections.current": 7.0, "mem.resident_mb": 3.0}
    return NodeSample(node_id, f"127.0.0.1:{27017}", role, replica_set,
                      {} if error else {**defaults, **values}, error)


def sample(*nodes: NodeSample, shards: list[ShardData] | None = None, cluster: str = "prod") -> ClusterSample:
    return ClusterSample(cluster, T0, 0.25, list(nodes), shards or [])


def parsed(text: str) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    return {(s.name, tuple(sorted(s.labels.items()))): s.value
            for family in text_string_to_metric_families(text) for s in family.samples}


def labels(node_id: str, role: str, replica_set: str, cluster: str = "prod") -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"cluster": cluster, "node": node_id, "role": role, "replica_set": replica_set}.items()))


def test_node_values_with_labels_types_and_units() -> None:
    text = render([sample(node(), node("router-0", "mongos", None, **{"opcounters.query": 3000.0}))])
    values = parsed(text)
    shard0 = labels("shard0-0", "shardsvr", "shard0")
    router = labels("router-0", "mongos", "")
    assert values[("mongodb_up", shard0)] == 1.0
    assert values[("mongodb_opcounters_insert_total", shard0)] == 2000.0
    assert values[("mongodb_opcounters_query_total", router)] == 3000.0
    assert values[("mongodb_connections_current", shard0)] == 7.0
    assert values[("mongodb_memory_resident_bytes", shard0)] == 3.0 * 2**20
    assert values[("mongodb_uptime_seconds", router)] == 120.0
    assert values[("mongo_admin_metrics_round_seconds", (("cluster", "prod"),))] == 0.25
    assert "# TYPE mongodb_opcounters_insert_total counter" in text
    assert "mongodb_opcounters_update" not in text  # no family without a sample
    assert "# TYPE mongodb_connections_current gauge" in text


def test_a_node_that_did_not_answer_is_down_with_no_other_series() -> None:
    values = parsed(render([sample(node(), node("shard1-0", replica_set="shard1", error="no answer"))]))
    down = labels("shard1-0", "shardsvr", "shard1")
    assert values[("mongodb_up", down)] == 0.0
    assert [key for key in values if key[1] == down] == [("mongodb_up", down)]
    assert values[("mongo_admin_metrics_round_gaps", (("cluster", "prod"),))] == 1.0


def test_shards_and_several_clusters() -> None:
    shards = shard_data([{"ns": "app.a", "shards": [{"shardName": "shard0", "numOwnedDocuments": 10,
                                                      "ownedSizeBytes": 1000, "numOrphanedDocs": 1,
                                                      "orphanedSizeBytes": 100}]},
                         {"ns": "app.b", "shards": [{"shardName": "shard0", "numOwnedDocuments": 5,
                                                      "ownedSizeBytes": 500, "numOrphanedDocs": 0,
                                                      "orphanedSizeBytes": 0},
                                                     {"shardName": "shard1", "numOwnedDocuments": 7,
                                                      "ownedSizeBytes": 70, "numOrphanedDocs": 0,
                                                      "orphanedSizeBytes": 0}]}])
    assert shards == [ShardData("shard0", 15, 1500, 1, 100), ShardData("shard1", 7, 70, 0, 0)]
    values = parsed(render([sample(node(), shards=shards), sample(node(), cluster="qa")]))
    assert values[("mongodb_shard_owned_documents", (("cluster", "prod"), ("shard", "shard0")))] == 15.0
    assert values[("mongodb_shard_orphaned_bytes", (("cluster", "prod"), ("shard", "shard0")))] == 100.0
    assert values[("mongodb_up", labels("shard0-0", "shardsvr", "shard0", "qa"))] == 1.0


def test_label_values_are_escaped() -> None:
    text = render([sample(node('we"ird\\node'))])
    assert parsed(text)[("mongodb_up", labels('we"ird\\node', "shardsvr", "shard0"))] == 1.0


def test_nothing_collected_yet_is_valid_exposition() -> None:
    assert parsed(render([])) == {}


def test_server_status_values_reads_the_sections_it_knows_and_skips_the_rest() -> None:
    reply = {"uptime": 12.0, "opcounters": {"insert": 5, "query": 7, "bogus": "x"},
             "connections": {"current": 3, "available": 997},
             "network": {"bytesIn": 100, "bytesOut": 200, "numRequests": 9},
             "wiredTiger": {"cache": {"bytes currently in the cache": 4096, "tracked dirty bytes in the cache": 0,
                                      "maximum bytes configured": 1 << 30}},
             "globalLock": {"currentQueue": {"total": 2, "readers": 1, "writers": True}},
             "mem": {"resident": 50, "virtual": 900}}
    values = server_status_values(reply)
    assert values["opcounters.insert"] == 5.0
    assert values["network.bytes_out"] == 200.0
    assert values["cache.max_bytes"] == float(1 << 30)
    assert values["queue.total"] == 2.0
    assert "queue.writers" not in values  # a bool is not a number
    assert "opcounters.update" not in values
    assert server_status_values({"uptime": 1}) == {"uptime_s": 1.0}
