"""One round of metrics from a deployed cluster: every member and router polled in parallel, with the cluster's
credentials, each within its own timeout, so a dead or hung node is a gap in that round and never stalls it.

Per mongod: ``serverStatus`` (opcounters, connections, network, the WiredTiger cache, the global lock's queue,
memory), ``replSetGetStatus`` (its lag behind the primary), ``listDatabases`` (data on disk) and the free space
of the file system under its dbPath (through the cluster's provider). Per router: ``serverStatus``. Once per
round, through a router: ``$shardedDataDistribution``, summed per shard.

A ``Collector`` keeps one client per node between rounds: connecting and authenticating (SCRAM) every round
would cost more than the polling itself.
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor, wait
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

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
    role: str  # configsvr, shardsvr or mongos
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
    """Polls ``targets`` (default: every node of the cluster) each time ``collect`` is called.

    ``node_timeout_s`` bounds every call to one node; the round itself waits at most ``round_timeout_s``
    (default: three node timeouts) and marks whatever has not answered by then as a gap. A node whose previous
    poll is still running is not polled again (it is a gap), so a hung node never ties up more than one worker.
    """

    def __init__(self, access: ClusterAccess, *, targets: Sequence[Node] | None = None,
                 node_timeout_s: float = NODE_TIMEOUT_S, round_timeout_s: float | None = None,
                 clock: Callable[[], float] = time.time) -> None:
        self.access = access
        self.targets = list(targets if targets is not None else access.record.layout.nodes)
        self.node_timeout_s = node_timeout_s
        self.round_timeout_s = round_timeout_s if round_timeout_s is not None else 3 * node_timeout_s
        self._clock = clock
        self._clients: dict[str, Client] = {}
        self._clients_lock = threading.Lock()
        self._pending: dict[str, Future[NodeSample]] = {}
        self._pool = ThreadPoolExecutor(max_workers=min(MAX_WORKERS, len(self.targets) + 1),
                                        thread_name_prefix="metrics")

    def __enter__(self) -> Collector:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
        with self._clients_lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()

    def _client(self, node: Node) -> Client:
        # Made on the worker threads; making a client does not touch the network, so the lock is held briefly.
        with self._clients_lock:
            client = self._clients.get(node.id)
            if client is None:
                client = self.access.node_client(node, timeout_s=self.node_timeout_s)
                self._clients[node.id] = client
            return client

    def collect(self) -> ClusterSample:
        started = time.monotonic()
        taken_at = dt.datetime.fromtimestamp(self._clock(), dt.UTC)
        busy = {node_id for node_id, future in self._pending.items() if not future.done()}
        futures = {node.id: self._pool.submit(self._poll, node) for node in self.targets if node.id not in busy}
        self._pending.update(futures)
        routers = [node for node in self.targets if node.role == "mongos"]
        shards_future = self._pool.submit(self._distribution, routers) if routers else None
        waiting: list[Future[Any]] = [*futures.values(), *([shards_future] if shards_future else [])]
        wait(waiting, timeout=self.round_timeout_s)
        samples = []
        for node in self.targets:
            future = futures.get(node.id)
            if future is None:
                samples.append(_gap(node, "the previous poll of this node has not finished"))
            elif not future.done():
                samples.append(_gap(node, f"no answer within {self.round_timeout_s:g} s"))
            else:
                samples.append(future.result())
        shards: list[ShardData] = []
        shards_error = None if routers else "no router to ask"
        if shards_future is not None:
            if shards_future.done():
                shards, shards_error = shards_future.result()
            else:
                shards_error = f"no answer within {self.round_timeout_s:g} s"
        return ClusterSample(self.access.record.name, taken_at, time.monotonic() - started, samples, shards,
                             shards_error)

    def _poll(self, node: Node) -> NodeSample:
        from mongo_admin.mongo import client as mongo
        from mongo_admin.mongo import replset

        try:
            client = self._client(node)
            command: dict[str, Any] = {"serverStatus": 1, **dict.fromkeys(_SKIPPED_SECTIONS, 0)}
            values = server_status_values(mongo.run_admin(client, command))
            if node.role != "mongos":
                state = replset.replset_status(client)
                me = next((row for row in state.members if row.is_self), None)
                lag = state.lag_s(me) if me is not None else None
                if lag is not None:
                    values["repl.lag_s"] = lag
                size = mongo.storage_size_bytes(client)
                if size is not None:
                    values["storage.size_bytes"] = float(size)
        except MongoAdminError as exc:
            return _gap(node, f"{exc.what}: {exc.why}" if exc.why else exc.what)
        except Exception as exc:  # a bug or an odd reply must cost one node one round, not the round
            return _gap(node, f"{type(exc).__name__}: {exc}")
        values.update(self._disk(node))
        return NodeSample(node.id, node.address, node.role, node.set_name, values)

    def _disk(self, node: Node) -> dict[str, float]:
        from mongo_admin.ops.cluster.processes import provider

        dbpath = self.access.paths.dbpath(node)
        if dbpath is None:
            return {}
        try:
            total, free = provider(self.access.paths).disk_usage(node.host, dbpath)
        except (MongoAdminError, OSError):
            return {}
        return {"disk.total_bytes": float(total), "disk.free_bytes": float(free)}

    def _distribution(self, routers: Sequence[Node]) -> tuple[list[ShardData], str | None]:
        from pymongo.errors import PyMongoError

        error = "no router answered"
        for node in routers:
            try:
                cursor = self._client(node).admin.aggregate([{"$shardedDataDistribution": {}}])
                return shard_data(list(cursor)), None
            except (PyMongoError, MongoAdminError) as exc:
                error = f"{node.id}: {str(exc).split(', Timeout:')[0]}"
        return [], error


def _gap(node: Node, error: str) -> NodeSample:
    return NodeSample(node.id, node.address, node.role, node.set_name, {}, error)


def collect_cluster(access: ClusterAccess, *, node_timeout_s: float = NODE_TIMEOUT_S) -> ClusterSample:
    """One round with fresh clients (for a one-off reading; a poller keeps a ``Collector``)."""
    with Collector(access, node_timeout_s=node_timeout_s) as collector:
        return collector.collect()
