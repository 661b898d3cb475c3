"""One round of metrics from a cluster: every member and router polled in parallel, with the cluster's
credentials, each within its own timeout, so a dead or hung node is a gap in that round and never stalls it.

Per mongod: ``serverStatus`` (opcounters, connections, network, the WiredTiger cache, the global lock's queue,
memory), ``replSetGetStatus`` (its lag behind the primary), ``listDatabases`` (data on disk) and, for a cluster
deployed here, the free space of the file system under its dbPath (through the cluster's provider). Per router:
``serverStatus``. Once per round, through a router: ``$shardedDataDistribution``, summed per shard.

Which nodes there are and how to reach them is the collector's ``Source`` (``metrics.sources``): a cluster
deployed here, or one registered by connection string. Sources keep one client per node between rounds:
connecting and authenticating (SCRAM) every round would cost more than the polling itself.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import Any

from mongo_admin.errors import MongoAdminError
from mongo_admin.metrics.sources import DeployedSource, Source, Target
from mongo_admin.ops.cluster.access import ClusterAccess

NODE_TIMEOUT_S = 2.0
MAX_WORKERS = 32

# Cumulative counters: their rates are what matters (metrics.rates).
OPCOUNTERS = ("insert", "query", "update", "delete", "getmore", "command")
COUNTERS = (*(f"opcounters.{name}" for name in OPCOUNTERS), "network.bytes_in", "network.bytes_out",
            "network.requests")
# Gauges: the value itself is what matters.
GAUGES = ("uptime_s", "connections.current", "connections.available", "cache.used_bytes", "cache.dirty_bytes",
          "cache.max_bytes", "queue.total", "queue.readers", "queue.writers", "mem.resident_mb", "mem.virtual_mb",
          "repl.lag_s", "storage.size_bytes", "disk.free_bytes", "disk.total_bytes")
SHARD_GAUGES = ("shard.owned_docs", "shard.owned_bytes", "shard.orphaned_docs", "shard.orphaned_bytes")
# serverStatus sections the collector does not read: left out so each reply stays small.
_SKIPPED_SECTIONS = ("asserts", "catalogStats", "electionMetrics", "extra_info", "flowControl", "locks",
                     "logicalSessionRecordCache", "metrics", "opLatencies", "opcountersRepl", "queues", "repl",
                     "sharding", "shardingStatistics", "storageEngine", "transactions", "tcmalloc", "oplog")


@dataclass(frozen=True)
class NodeSample:
    """What one node said in one round. ``error`` set means the node could not be read: a gap."""

    node: str
    address: str
    role: str  # configsvr, shardsvr, mongos, or mongod (a replica set or server registered on its own)
    replica_set: str | None
    values: dict[str, float] = field(default_factory=dict)
    error: str | None = None

    @property
    def ok(self) -> bool:
        return self.error is None


@dataclass(frozen=True)
class ShardData:
    """A shard's part of the sharded collections (``$shardedDataDistribution``, summed over collections)."""

    shard: str
    owned_docs: int
    owned_bytes: int
    orphaned_docs: int
    orphaned_bytes: int

    def values(self) -> dict[str, float]:
        return {"shard.owned_docs": self.owned_docs, "shard.owned_bytes": self.owned_bytes,
                "shard.orphaned_docs": self.orphaned_docs, "shard.orphaned_bytes": self.orphaned_bytes}


@dataclass(frozen=True)
class ClusterSample:
    cluster: str
    taken_at: dt.datetime
    duration_s: float
    nodes: list[NodeSample]
    shards: list[ShardData]
    shards_error: str | None = None

    @property
    def gaps(self) -> list[NodeSample]:
        return [sample for sample in self.nodes if not sample.ok]


def _number(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _dig(document: dict[str, Any], *path: str) -> Any:
    value: Any = document
    for key in path:
        if not isinstance(value, dict):
            return None
        value = value.get(key)
    return value


def server_status_values(reply: dict[str, Any]) -> dict[str, float]:
    """The collector's figures from a ``serverStatus`` reply (a section the server leaves out is left out)."""
    cache = ("wiredTiger", "cache")
    wanted: dict[str, tuple[str, ...]] = {
        "uptime_s": ("uptime",),
        **{f"opcounters.{name}": ("opcounters", name) for name in OPCOUNTERS},
        "network.bytes_in": ("network", "bytesIn"), "network.bytes_out": ("network", "bytesOut"),
        "network.requests": ("network", "numRequests"),
        "connections.current": ("connections", "current"), "connections.available": ("connections", "available"),
        "cache.used_bytes": (*cache, "bytes currently in the cache"),
        "cache.dirty_bytes": (*cache, "tracked dirty bytes in the cache"),
        "cache.max_bytes": (*cache, "maximum bytes configured"),
        "queue.total": ("globalLock", "currentQueue", "total"),
        "queue.readers": ("globalLock", "currentQueue", "readers"),
        "queue.writers": ("globalLock", "currentQueue", "writers"),
        "mem.resident_mb": ("mem", "resident"), "mem.virtual_mb": ("mem", "virtual"),
    }
    values = {}
    for name, path in wanted.items():
        number = _number(_dig(reply, *path))
        if number is not None:
            values[name] = number
    return values


def shard_data(distribution: Sequence[dict[str, Any]]) -> list[ShardData]:
    """``$shardedDataDistribution`` documents summed per shard, in shard name order."""
    totals: dict[str, list[int]] = {}
    for collection in distribution:
        for entry in collection.get("shards", []):
            row = totals.setdefault(str(entry.get("shardName")), [0, 0, 0, 0])
            for index, key in enumerate(("numOwnedDocuments", "ownedSizeBytes", "numOrphanedDocs",
                                         "orphanedSizeBytes")):
                row[index] += int(_number(entry.get(key)) or 0)
    return [ShardData(name, *row) for name, row in sorted(totals.items())]


class Collector:
    """Polls the targets of ``source`` (a ``ClusterAccess`` is read as its deployed cluster, every node) each
    time ``collect`` is called.

    ``node_timeout_s`` bounds every call to one node; the round itself waits at most ``round_timeout_s``
    (default: three node timeouts) and marks whatever has not answered by then as a gap. A node whose previous
    poll is still running is not polled again (it is a gap), so a hung node never ties up more than one worker.
    """

    def __init__(self, source: Source | ClusterAccess, *, node_timeout_s: float = NODE_TIMEOUT_S,
                 round_timeout_s: float | None = None, clock: Callable[[], float] = time.time) -> None:
        self.source: Source = DeployedSource(source) if isinstance(source, ClusterAccess) else source
        self.node_timeout_s = node_timeout_s
        self.round_timeout_s = round_timeout_s if round_timeout_s is not None else 3 * node_timeout_s
        self._clock = clock
        self._pending: dict[str, Future[NodeSample]] = {}
        self._pool = ThreadPoolExecutor(max_workers=MAX_WORKERS, thread_name_prefix="metrics")

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        self.source.close()

    def collect(self) -> ClusterSample:
        """One round; a MongoAdminError when the source knows no node to poll."""
        targets = self.source.targets()
        started = time.monotonic()
        taken_at = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        busy = {node_id for node_id, future in self._pending.items() if not future.done()}
        futures = {target.id: self._pool.submit(self._poll, target) for target in targets if target.id not in busy}
        # Polls still running stay pending (a node dropped from the targets is forgotten once its poll ends).
        self._pending = {**{node_id: self._pending[node_id] for node_id in busy}, **futures}
        routers = [target for target in targets if target.role == "mongos"]
        shards_future = self._pool.submit(self._distribution, routers) if routers else None
        waiting: list[Future[Any]] = [*futures.values(), *([shards_future] if shards_future else [])]
        wait(waiting, timeout=self.round_timeout_s)
        samples = []
        for target in targets:
            future = futures.get(target.id)
            if future is None:
                samples.append(_gap(target, "the previous poll of this node has not finished"))
            elif not future.done():
                samples.append(_gap(target, f"no answer within {self.round_timeout_s:g} s"))
            else:
                samples.append(future.result())
        shards: list[ShardData] = []
        shards_error = None if routers else "no router to ask"
        if shards_future is not None:
            if shards_future.done():
                shards, shards_error = shards_future.result()
            else:
                shards_error = f"no answer within {self.round_timeout_s:g} s"
        return ClusterSample(self.source.cluster, taken_at, time.monotonic() - started, samples, shards,
                             shards_error)

    def _poll(self, target: Target) -> NodeSample:
        from mongo_admin.mongo import client as mongo
        from mongo_admin.mongo import replset

        try:
            client = self.source.client(target, self.node_timeout_s)
            command: dict[str, Any] = {"serverStatus": 1, **dict.fromkeys(_SKIPPED_SECTIONS, 0)}
            values = server_status_values(mongo.run_admin(client, command))
            if target.role != "mongos":
                if target.set_name is not None:
                    state = replset.replset_status(client)
                    me = next((row for row in state.members if row.is_self), None)
                    lag = state.lag_s(me) if me is not None else None
                    if lag is not None:
                        values["repl.lag_s"] = lag
                size = mongo.storage_size_bytes(client)
                if size is not None:
                    values["storage.size_bytes"] = float(size)
        except MongoAdminError as exc:
            return _gap(target, f"{exc.what}: {exc.why}" if exc.why else exc.what)
        except Exception as exc:  # a bug or an odd reply must cost one node one round, not the round
            return _gap(target, f"{type(exc).__name__}: {exc}")
        values.update(self.source.disk(target))
        return NodeSample(target.id, target.address, target.role, target.set_name, values)

    def _distribution(self, routers: Sequence[Target]) -> tuple[list[ShardData], str | None]:
        from pymongo.errors import PyMongoError

        error = "no router answered"
        for target in routers:
            try:
                cursor = self.source.client(target, self.node_timeout_s).admin.aggregate(
                    [{"$shardedDataDistribution": {}}])
                return shard_data(list(cursor)), None
            except (PyMongoError, MongoAdminError) as exc:
                error = f"{target.id}: {str(exc).split(', Timeout:')[0]}"
        return [], error


def _gap(target: Target, error: str) -> NodeSample:
    return NodeSample(target.id, target.address, target.role, target.set_name, {}, error)


def collect_cluster(access: ClusterAccess, *, node_timeout_s: float = NODE_TIMEOUT_S) -> ClusterSample:
    """One round with fresh clients (for a one-off reading; a poller keeps a ``Collector``)."""
    with Collector(access, node_timeout_s=node_timeout_s) as collector:
        return collector.collect()
