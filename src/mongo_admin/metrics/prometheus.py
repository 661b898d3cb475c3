"""Prometheus text exposition of the latest round of each cluster (what ``/metrics`` serves).

Names follow Prometheus' conventions: a ``mongodb_`` prefix, base units (seconds, bytes), counters ending in
``_total`` (Prometheus' own ``rate()`` handles restarts, so the raw counters are exposed, not our rates). Every
node series carries ``cluster``, ``replica_set`` (empty for a router), ``node`` and ``role``; ``mongodb_up`` is 0
for a node that could not be read in the round, and such a node has no other series in it.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric

from mongo_admin.metrics.collector import COUNTERS, ClusterSample

CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"
NODE_LABELS = ("cluster", "replica_set", "node", "role")
MB = 1 << 20


@dataclass(frozen=True)
class Exposed:
    name: str
    help: str
    scale: float = 1.0


EXPOSED: dict[str, Exposed] = {
    "uptime_s": Exposed("mongodb_uptime_seconds", "Seconds since the server process started."),
    "opcounters.insert": Exposed("mongodb_opcounters_insert", "Documents inserted (serverStatus opcounters)."),
    "opcounters.query": Exposed("mongodb_opcounters_query", "Queries (serverStatus opcounters)."),
    "opcounters.update": Exposed("mongodb_opcounters_update", "Update statements (serverStatus opcounters)."),
    "opcounters.delete": Exposed("mongodb_opcounters_delete", "Delete statements (serverStatus opcounters)."),
    "opcounters.getmore": Exposed("mongodb_opcounters_getmore", "getMore operations (serverStatus opcounters)."),
    "opcounters.command": Exposed("mongodb_opcounters_command", "Other commands (serverStatus opcounters)."),
    "network.bytes_in": Exposed("mongodb_network_received_bytes", "Bytes received from clients."),
    "network.bytes_out": Exposed("mongodb_network_sent_bytes", "Bytes sent to clients."),
    "network.requests": Exposed("mongodb_network_requests", "Requests received."),
    "connections.current": Exposed("mongodb_connections_current", "Open incoming connections."),
    "connections.available": Exposed("mongodb_connections_available", "Incoming connections still available."),
    "cache.used_bytes": Exposed("mongodb_cache_used_bytes", "Bytes in the WiredTiger cache."),
    "cache.dirty_bytes": Exposed("mongodb_cache_dirty_bytes", "Dirty bytes in the WiredTiger cache."),
    "cache.max_bytes": Exposed("mongodb_cache_max_bytes", "Configured size of the WiredTiger cache."),
    "queue.total": Exposed("mongodb_global_lock_queue", "Operations queued for the global lock."),
    "queue.readers": Exposed("mongodb_global_lock_queue_readers", "Readers queued for the global lock."),
    "queue.writers": Exposed("mongodb_global_lock_queue_writers", "Writers queued for the global lock."),
    "mem.resident_mb": Exposed("mongodb_memory_resident_bytes", "Resident memory of the process.", MB),
    "mem.virtual_mb": Exposed("mongodb_memory_virtual_bytes", "Virtual memory of the process.", MB),
    "repl.lag_s": Exposed("mongodb_replication_lag_seconds", "How far this member is behind its primary."),
    "storage.size_bytes": Exposed("mongodb_storage_size_bytes", "On-disk size of all databases (listDatabases)."),
    "disk.free_bytes": Exposed("mongodb_disk_free_bytes", "Free bytes on the file system of the dbPath."),
    "disk.total_bytes": Exposed("mongodb_disk_total_bytes", "Size of the file system of the dbPath."),
}
SHARD_EXPOSED: dict[str, Exposed] = {
    "shard.owned_docs": Exposed("mongodb_shard_owned_documents", "Documents of sharded collections the shard owns."),
    "shard.owned_bytes": Exposed("mongodb_shard_owned_bytes", "Bytes of sharded collections the shard owns."),
    "shard.orphaned_docs": Exposed("mongodb_shard_orphaned_documents", "Orphaned documents the shard still holds."),
    "shard.orphaned_bytes": Exposed("mongodb_shard_orphaned_bytes", "Bytes of orphaned documents on the shard."),
}


class _LatestSamples:
    """A prometheus_client collector over fixed samples (a fresh registry per rendering: nothing global)."""

    def __init__(self, samples: Sequence[ClusterSample]) -> None:
        self.samples = samples

    def collect(self) -> Iterator[Metric]:
        up = GaugeMetricFamily("mongodb_up", "1 when the node answered in the last round, else 0.",
                               labels=NODE_LABELS)
        families: dict[str, GaugeMetricFamily | CounterMetricFamily] = {}
        for metric, exposed in EXPOSED.items():
            kind = CounterMetricFamily if metric in COUNTERS else GaugeMetricFamily
            families[metric] = kind(exposed.name, exposed.help, labels=NODE_LABELS)
        shard_families = {metric: GaugeMetricFamily(exposed.name, exposed.help, labels=("cluster", "shard"))
                          for metric, exposed in SHARD_EXPOSED.items()}
        duration = GaugeMetricFamily("mongo_admin_metrics_round_seconds", "How long the last collection round took.",
                                     labels=("cluster",))
        gaps = GaugeMetricFamily("mongo_admin_metrics_round_gaps", "Nodes that could not be read in the last round.",
                                 labels=("cluster",))
        for sample in self.samples:
            duration.add_metric([sample.cluster], sample.duration_s)
            gaps.add_metric([sample.cluster], len(sample.gaps))
            for node in sample.nodes:
                labels = [sample.cluster, node.replica_set or "", node.node, node.role]
                up.add_metric(labels, 1.0 if node.ok else 0.0)
                for metric, value in node.values.items():
                    if metric in families:
                        families[metric].add_metric(labels, value * EXPOSED[metric].scale)
            for shard in sample.shards:
                for metric, value in shard.values().items():
                    shard_families[metric].add_metric([sample.cluster, shard.shard], value)
        for family in (up, *families.values(), *shard_families.values(), duration, gaps):
            if family.samples:
                yield family


def render(samples: Sequence[ClusterSample]) -> str:
    """The exposition text of the latest round of each cluster in ``samples``."""
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_LatestSamples(samples))
    return generate_latest(registry).decode()
