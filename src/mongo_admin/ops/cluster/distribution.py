"""Where a sharded cluster's data lives: per shard, per sharded collection and per collection on each shard, with
the totals and the balancer's state — what an operator reads before rebalancing or adding a shard.

Everything is read through the routers, from MongoDB's own sources:
- ``listShards``: every shard, also one that holds nothing yet;
- ``config.collections``: the sharded collections and their shard keys (MongoDB 8.0's tracked unsharded
  collections, ``unsplittable: true``, are left out), and ``config.chunks`` counted per collection (by uuid)
  and shard;
- ``$shardedDataDistribution``: per collection and shard, the documents the shard owns and their size, and the
  orphans it still holds (documents of ranges it has given away, not yet deleted);
- ``dbStats`` of every database but ``admin``, ``config`` and ``local``, whose ``raw`` answer gives each shard's
  documents, data size and storage size as the shard stores them (orphans and unsharded collections included);
- ``balancerStatus``: the balancer's mode and whether a round runs now.
"""

from __future__ import annotations

from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import ClusterStateError

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

# Databases of the cluster itself rather than of its users.
SYSTEM_DATABASES = frozenset({"admin", "config", "local"})
# dbStats calls in flight at once (one per database).
PARALLEL_READS = 4


@dataclass(frozen=True)
class ShardDistribution:
    """One shard: what it stores (``documents``, ``data_size_bytes``, ``storage_size_bytes``: every database of
    the cluster's users, orphans included) and its chunks of every sharded collection."""

    name: str
    documents: int
    orphaned_documents: int
    data_size_bytes: int
    storage_size_bytes: int | None
    chunks: int


@dataclass(frozen=True)
class CollectionDistribution:
    """One sharded collection, over all its shards: documents and bytes are those the shards own."""

    namespace: str
    shard_key: dict[str, Any]
    chunks: int
    documents: int
    orphaned_documents: int
    size_bytes: int


@dataclass(frozen=True)
class CollectionOnShard:
    """One sharded collection on one shard: its chunks there, the documents the shard owns and their size, and
    the orphans it still holds."""

    namespace: str
    shard: str
    chunks: int
    documents: int
    orphaned_documents: int
    size_bytes: int


@dataclass(frozen=True)
class DistributionTotals:
    shards: int
    sharded_collections: int
    chunks: int
    documents: int
    orphaned_documents: int
    data_size_bytes: int
    storage_size_bytes: int | None


@dataclass(frozen=True)
class BalancerState:
    mode: str  # "full" or "off", as balancerStatus says
    enabled: bool
    running: bool  # a balancing round is under way
    rounds: int | None


@dataclass(frozen=True)
class DataDistribution:
    message: str
    cluster: str
    server: str
    shards: list[ShardDistribution]
    collections: list[CollectionDistribution]
    collection_shards: list[CollectionOnShard]
    totals: DistributionTotals
    balancer: BalancerState | None


def cluster_distribution(name: str, home: Path | None = None) -> DataDistribution:
    """The distribution of the cluster ``name`` deployed on this machine, read through its routers."""
    from mongo_admin.ops.cluster.access import ClusterAccess
    from mongo_admin.ops.cluster.state import open_cluster

    paths, record = open_cluster(name, home)
    with ClusterAccess(paths, record).routers(timeout_s=10.0) as router:
        return read_distribution(router, name)


def read_distribution(router: Client, cluster: str) -> DataDistribution:
    """The distribution of the sharded cluster behind ``router`` (a client of its mongos routers);
    ClusterStateError when it is not a sharded cluster."""
    from mongo_admin.mongo import client as mongo

    if mongo.run_admin(router, {"hello": 1}).get("msg") != "isdbgrid":
        raise ClusterStateError(f"cluster {cluster} is not a sharded cluster",
                                "its connection string reaches no mongos router",
                                "register the cluster by its routers' addresses")
    server = mongo.build_info(router).server_label
    listed = mongo.run_admin(router, {"listShards": 1}).get("shards", [])
    shard_names = sorted(str(shard["_id"]) for shard in listed)
    set_names = {str(shard.get("host", "")).partition("/")[0]: str(shard["_id"]) for shard in listed}
    sharded = _sharded_collections(router)
    placements = _placements(router, {uuid: namespace for namespace, (uuid, _) in sharded.items()})
    stored = _stored(router, set_names)
    balancer = _balancer(router)

    per_shard_chunks: Counter[str] = Counter()
    per_shard_orphans: Counter[str] = Counter()
    for row in placements:
        per_shard_chunks[row.shard] += row.chunks
        per_shard_orphans[row.shard] += row.orphaned_documents
    shards = []
    for shard in shard_names:
        documents, data_size, storage_size = stored.get(shard, (0, 0, 0))
        shards.append(ShardDistribution(shard, documents, per_shard_orphans[shard], data_size, storage_size,
                                        per_shard_chunks[shard]))
    collections = _collections({namespace: key for namespace, (_, key) in sharded.items()}, placements)
    storage_sizes = [shard.storage_size_bytes for shard in shards]
    totals = DistributionTotals(
        shards=len(shards), sharded_collections=len(collections), chunks=sum(s.chunks for s in shards),
        documents=sum(s.documents for s in shards), orphaned_documents=sum(s.orphaned_documents for s in shards),
        data_size_bytes=sum(s.data_size_bytes for s in shards),
        storage_size_bytes=None if None in storage_sizes else sum(size or 0 for size in storage_sizes))
    return DataDistribution(_message(cluster, totals, shards, balancer), cluster, server, shards, collections,
                            placements, totals, balancer)


def _sharded_collections(router: Client) -> dict[str, tuple[Any, dict[str, Any]]]:
    """Namespace -> (uuid, shard key) of every sharded collection."""
    from mongo_admin.mongo import client as mongo

    found = mongo.aggregate(router, "config", "collections", [{"$match": {"unsplittable": {"$ne": True}}},
                                                              {"$project": {"_id": 1, "uuid": 1, "key": 1}}])
    return {str(document["_id"]): (document.get("uuid"), dict(document.get("key") or {})) for document in found}


def _placements(router: Client, namespaces: dict[Any, str]) -> list[CollectionOnShard]:
    """Every sharded collection (``namespaces``: uuid -> namespace) on every shard that has chunks of it or
    still holds orphans of it."""
    from mongo_admin.mongo import client as mongo

    chunks: Counter[tuple[str, str]] = Counter()
    for group in mongo.aggregate(router, "config", "chunks",
                                 [{"$group": {"_id": {"uuid": "$uuid", "shard": "$shard"}, "n": {"$sum": 1}}}]):
        namespace = namespaces.get(group["_id"].get("uuid"))
        if namespace is not None:
            chunks[(namespace, str(group["_id"].get("shard")))] += int(group["n"])
    owned: dict[tuple[str, str], tuple[int, int, int]] = {}
    for collection in mongo.aggregate(router, "admin", None, [{"$shardedDataDistribution": {}}]):
        for entry in collection.get("shards", []):
            owned[(str(collection["ns"]), str(entry["shardName"]))] = (
                int(entry.get("numOwnedDocuments", 0)), int(entry.get("numOrphanedDocs", 0)),
                int(entry.get("ownedSizeBytes", 0)))
    return [CollectionOnShard(namespace, shard, chunks[(namespace, shard)], *owned.get((namespace, shard), (0, 0, 0)))
            for namespace, shard in sorted(set(chunks) | set(owned))]


def _collections(keys: dict[str, dict[str, Any]], placements: list[CollectionOnShard]) -> list[CollectionDistribution]:
    out = []
    for namespace in sorted({row.namespace for row in placements} | set(keys)):
        rows = [row for row in placements if row.namespace == namespace]
        out.append(CollectionDistribution(namespace, keys.get(namespace, {}), sum(r.chunks for r in rows),
                                          sum(r.documents for r in rows), sum(r.orphaned_documents for r in rows),
                                          sum(r.size_bytes for r in rows)))
    return out


def _stored(router: Client, set_names: dict[str, str]) -> dict[str, tuple[int, int, int | None]]:
    """Per shard: documents, data size and storage size (None when a shard's answer lacks it) over the users'
    databases, from dbStats's per-shard ``raw`` answers (keyed by the shard's connection string)."""
    from mongo_admin.mongo import client as mongo

    listed = mongo.run_admin(router, {"listDatabases": 1, "nameOnly": True}).get("databases", [])
    databases = [str(db["name"]) for db in listed if str(db["name"]) not in SYSTEM_DATABASES]
    with ThreadPoolExecutor(max_workers=PARALLEL_READS, thread_name_prefix="dbstats") as pool:
        replies = list(pool.map(lambda db: mongo.run_command(router, db, {"dbStats": 1}), databases))
    totals: dict[str, tuple[int, int, int | None]] = {}
    for reply in replies:
        for key, stats in (reply.get("raw") or {}).items():
            shard = set_names.get(str(key).partition("/")[0], str(key))
            documents, data_size, storage_size = totals.get(shard, (0, 0, 0))
            storage = stats.get("storageSize")
            totals[shard] = (documents + int(stats.get("objects", 0)), data_size + int(stats.get("dataSize", 0)),
                             None if storage is None or storage_size is None else storage_size + int(storage))
    return totals


def _balancer(router: Client) -> BalancerState | None:
    from mongo_admin.errors import CommandFailedError
    from mongo_admin.mongo import client as mongo

    try:
        reply = mongo.run_admin(router, {"balancerStatus": 1})
    except CommandFailedError:  # a user without the clusterMonitor privileges it needs
        return None
    mode = str(reply.get("mode", "off"))
    rounds = reply.get("numBalancerRounds")
    return BalancerState(mode, mode != "off", bool(reply.get("inBalancerRound")),
                         int(rounds) if rounds is not None else None)


def _message(cluster: str, totals: DistributionTotals, shards: list[ShardDistribution],
             balancer: BalancerState | None) -> str:
    spread = ", ".join(f"{shard.name} {shard.chunks}" for shard in shards) or "no shard"
    said = "unknown" if balancer is None else ("running" if balancer.running else
                                               "enabled" if balancer.enabled else "disabled")
    return (f"cluster {cluster}: {totals.documents} documents, {totals.data_size_bytes} bytes of data; "
            f"chunks per shard: {spread}; balancer {said}")
