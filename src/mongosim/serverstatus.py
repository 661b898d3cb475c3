"""The serverStatus document: header fields and one builder per section.

Sections are kept in a registry so the layers above the core can add theirs (replication registers ``repl``,
``oplog`` and its own ``electionMetrics``; sharding registers ``sharding`` and ``shardingStatistics``) with
``register_section``. mongod emits sections in name order, as the server's section map does. Counters come from
``server.stats``; numbers the server keeps as 64-bit are ``Int64`` so typed clients decode them.
"""

from __future__ import annotations

import datetime as dt
import os
import resource
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import psutil
from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim import FCV, MONGODB_VERSION, commands

if TYPE_CHECKING:
    from mongosim.server import Server

SectionBuilder = Callable[["Server"], dict[str, Any]]
_WRITE_NAMES = frozenset({"insert", "update", "delete", "findAndModify", "create", "drop", "dropDatabase",
                          "renameCollection", "createIndexes", "dropIndexes", "collMod", "applyOps",
                          "convertToCapped", "cloneCollectionAsCapped"})
_READ_NAMES = frozenset({"find", "getMore", "aggregate", "count", "distinct"})
MAX_CONNECTIONS = 1_000_000


@dataclass(frozen=True)
class Section:
    builder: SectionBuilder
    default: bool = True
    processes: frozenset[str] = frozenset({"mongod", "mongos"})


SECTIONS: dict[str, Section] = {}


def register_section(name: str, builder: SectionBuilder, *, default: bool = True,
                     processes: tuple[str, ...] = ("mongod", "mongos")) -> None:
    """Add (or replace) a serverStatus section; ``default=False`` sections appear only when asked for."""
    SECTIONS[name] = Section(builder, default, frozenset(processes))


def now_ms() -> dt.datetime:
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _i64(mapping: dict[str, int]) -> dict[str, Int64]:
    return {key: Int64(value) for key, value in mapping.items()}


def is_write(name: str) -> bool:
    return name in _WRITE_NAMES


def document(server: Server, cmd: dict[str, Any]) -> dict[str, Any]:
    """``{serverStatus: 1, <section>: 0|1, all: 1}`` without ``ok``."""
    uptime = server.uptime()
    out: dict[str, Any] = {
        "host": server.host_and_port,
        "version": MONGODB_VERSION,
        "process": server.process,
        "pid": Int64(server.pid),
        "uptime": float(round(uptime)),
        "uptimeMillis": Int64(int(uptime * 1000)),
        "uptimeEstimate": Int64(int(uptime)),
        "localTime": now_ms(),
    }
    include_all = bool(cmd.get("all"))
    for name in sorted(SECTIONS):
        section = SECTIONS[name]
        if server.process not in section.processes:
            continue
        wanted = cmd.get(name)
        if wanted is not None and not isinstance(wanted, dict) and not wanted:
            continue
        if not (section.default or include_all or wanted):
            continue
        out[name] = section.builder(server)
    return out


# ------------------------------------------------------------------------------------------ sections
def _asserts(server: Server) -> dict[str, Any]:
    return {key: server.stats.asserts[key] for key in ("regular", "warning", "msg", "user", "tripwire",
                                                       "rollovers")}


def _catalog_stats(server: Server) -> dict[str, Any]:
    counts = {"collections": 0, "capped": 0, "clustered": 0, "timeseries": 0, "views": 0,
              "internalCollections": 0, "internalViews": 0, "csfle": 0, "queryableEncryption": 0}
    if server.storage is not None:
        for db in server.storage.list_databases():
            for coll in server.storage.list_collections(db):
                internal = db in ("admin", "local", "config") or coll.name.startswith("system.")
                if coll.options.get("timeseries"):
                    counts["timeseries"] += 1
                elif internal:
                    counts["internalCollections"] += 1
                else:
                    counts["collections"] += 1
                counts["capped"] += 1 if coll.options.get("capped") else 0
                counts["clustered"] += 1 if coll.options.get("clusteredIndex") else 0
                if coll.name == "system.views":
                    key = "internalViews" if db in ("admin", "local", "config") else "views"
                    counts[key] += len(coll)
    return counts


def _awaiting_hello(server: Server) -> int:
    return sum(1 for ctx in server.active_ops.values()
               if ctx.name in ("hello", "isMaster", "ismaster") and "maxAwaitTimeMS" in ctx.cmd)


def _connections(server: Server) -> dict[str, Any]:
    current = len(server.connections)
    soft_limit = resource.getrlimit(resource.RLIMIT_NOFILE)[0]
    ceiling = MAX_CONNECTIONS if soft_limit == resource.RLIM_INFINITY else min(MAX_CONNECTIONS,
                                                                               int(soft_limit * 0.8))
    active = sum(1 for conn in server.connections.values() if conn.current is not None)
    return {"current": current, "available": max(0, ceiling - current),
            "totalCreated": Int64(server.stats.connections_created),
            "rejected": Int64(server.stats.connections_rejected), "active": active, "threaded": current,
            "exhaustIsMaster": Int64(0), "exhaustHello": Int64(0),
            "awaitingTopologyChanges": Int64(_awaiting_hello(server)), "loadBalanced": Int64(0)}


def _election_metrics(server: Server) -> dict[str, Any]:
    zero = {"called": Int64(0), "successful": Int64(0)}
    out: dict[str, Any] = {reason: dict(zero) for reason in ("stepUpCmd", "priorityTakeover", "catchUpTakeover",
                                                             "electionTimeout", "freezeTimeout")}
    for key in ("numStepDownsCausedByHigherTerm", "numCatchUps", "numCatchUpsSucceeded",
                "numCatchUpsAlreadyCaughtUp", "numCatchUpsSkipped", "numCatchUpsTimedOut",
                "numCatchUpsFailedWithError", "numCatchUpsFailedWithNewTerm",
                "numCatchUpsFailedWithReplSetAbortPrimaryCatchUpCmd"):
        out[key] = Int64(0)
    out["averageCatchUpOps"] = 0.0
    return out


def _extra_info(server: Server) -> dict[str, Any]:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {"note": "fields vary by platform",
            "user_time_us": Int64(int(usage.ru_utime * 1_000_000)),
            "system_time_us": Int64(int(usage.ru_stime * 1_000_000)),
            "maximum_resident_set_kb": Int64(usage.ru_maxrss), "input_blocks": Int64(usage.ru_inblock),
            "output_blocks": Int64(usage.ru_oublock), "page_reclaims": Int64(usage.ru_minflt),
            "page_faults": Int64(usage.ru_majflt), "voluntary_context_switches": Int64(usage.ru_nvcsw),
            "involuntary_context_switches": Int64(usage.ru_nivcsw)}


def _fcv(server: Server) -> dict[str, Any]:
    major, minor = (int(part) for part in FCV.split("."))
    return {"major": major, "minor": minor, "transitioning": 0}


def _flow_control(server: Server) -> dict[str, Any]:
    return {"enabled": True, "targetRateLimit": 1_000_000_000, "timeAcquiringMicros": Int64(0),
            "locksPerKiloOp": 0.0, "sustainerRate": 0, "isLagged": False, "isLaggedCount": 0,
            "isLaggedTimeMicros": Int64(0)}


def _blocked_writers(server: Server) -> int:
    if server.fsync_lock_count == 0:
        return 0
    return sum(1 for ctx in server.active_ops.values() if is_write(ctx.name))


def _global_lock(server: Server) -> dict[str, Any]:
    readers = sum(1 for ctx in server.active_ops.values() if ctx.name in _READ_NAMES)
    writers = sum(1 for ctx in server.active_ops.values() if is_write(ctx.name))
    queued = _blocked_writers(server)
    return {"totalTime": Int64(int(server.uptime() * 1_000_000)),
            "currentQueue": {"total": queued, "readers": 0, "writers": queued},
            "activeClients": {"total": readers + writers - queued, "readers": readers, "writers": writers - queued}}


def _locks(server: Server) -> dict[str, Any]:
    ops = server.stats.opcounters
    reads = ops["query"] + ops["getmore"] + ops["command"]
    writes = ops["insert"] + ops["update"] + ops["delete"]
    acquire = {"r": Int64(reads), "w": Int64(writes)}
    return {"FeatureCompatibilityVersion": {"acquireCount": dict(acquire)},
            "ReplicationStateTransition": {"acquireCount": {"w": Int64(reads + writes)}},
            "Global": {"acquireCount": {**acquire, "W": Int64(1 + server.fsync_lock_count)}},
            "Database": {"acquireCount": dict(acquire)}, "Collection": {"acquireCount": dict(acquire)},
            "Mutex": {"acquireCount": {"r": Int64(reads)}}}


def _session_count(server: Server) -> int:
    from mongosim.commands.sessions import sessions

    return len(sessions(server))


def _session_cache(server: Server) -> dict[str, Any]:
    started = dt.datetime.fromtimestamp(server.started, dt.UTC).replace(microsecond=0)
    return {"activeSessionsCount": _session_count(server), "sessionsCollectionJobCount": 0,
            "lastSessionsCollectionJobDurationMillis": 0, "lastSessionsCollectionJobTimestamp": started,
            "lastSessionsCollectionJobEntriesRefreshed": 0, "lastSessionsCollectionJobEntriesEnded": 0,
            "lastSessionsCollectionJobCursorsClosed": 0, "transactionReaperJobCount": 0,
            "lastTransactionReaperJobDurationMillis": 0, "lastTransactionReaperJobTimestamp": started,
            "lastTransactionReaperJobEntriesCleanedUp": 0, "sessionCatalogSize": _session_count(server)}


def _mem(server: Server) -> dict[str, Any]:
    info = psutil.Process(os.getpid()).memory_info()
    return {"bits": 64, "resident": info.rss >> 20, "virtual": info.vms >> 20, "supported": True}


def _metrics(server: Server) -> dict[str, Any]:
    stats = server.stats
    known = commands.table(server.process)
    per_command: dict[str, dict[str, Int64]] = {}
    unknown = 0
    totals: dict[str, list[int]] = {}
    for name, (total, failed) in list(stats.commands.items()):
        spec = known.get(name)
        if spec is None:
            unknown += total
            continue
        entry = totals.setdefault(spec.name, [0, 0])
        entry[0] += total
        entry[1] += failed
    for name in sorted({spec.name for spec in known.values()}):
        total, failed = totals.get(name, (0, 0))
        per_command[name] = {"failed": Int64(failed), "total": Int64(total)}
    open_cursors = server.cursors.all()
    return {
        "commands": {"<UNKNOWN>": Int64(unknown), **per_command},
        "cursor": {"moreThanOneBatch": Int64(sum(1 for c in open_cursors if c.n_batches > 1)),
                   "timedOut": Int64(stats.cursors_timed_out),
                   "open": {"noTimeout": Int64(sum(1 for c in open_cursors if c.no_timeout)),
                            "pinned": Int64(sum(1 for c in open_cursors if c.pinned)),
                            "total": Int64(len(open_cursors))}},
        "document": _i64(stats.documents),
        "operation": {"scanAndOrder": Int64(stats.scan_and_order), "writeConflicts": Int64(stats.write_conflicts)},
        "queryExecutor": {"scanned": Int64(stats.keys_examined), "scannedObjects": Int64(stats.docs_examined),
                          "collectionScans": {"nonTailable": Int64(stats.collection_scans_nontailable),
                                              "total": Int64(stats.collection_scans)}},
        "ttl": {"deletedDocuments": Int64(stats.ttl_deleted), "passes": Int64(stats.ttl_passes),
                "subPasses": Int64(stats.ttl_passes)},
    }


def _network(server: Server) -> dict[str, Any]:
    stats = server.stats
    codec = {"bytesIn": Int64(0), "bytesOut": Int64(0)}
    return {"bytesIn": Int64(stats.bytes_in), "bytesOut": Int64(stats.bytes_out),
            "physicalBytesIn": Int64(stats.bytes_in), "physicalBytesOut": Int64(stats.bytes_out),
            "numSlowDNSOperations": Int64(0), "numSlowSSLOperations": Int64(0),
            "numRequests": Int64(stats.num_requests),
            "tcpFastOpen": {"kernelSetting": Int64(1), "serverSupported": True, "clientSupported": True,
                            "accepted": Int64(0)},
            "compression": {name: {"compressor": dict(codec), "decompressor": dict(codec)}
                            for name in ("snappy", "zstd", "zlib")},
            "serviceExecutors": {"passthrough": {"threadsRunning": len(server.connections),
                                                 "clientsInTotal": len(server.connections),
                                                 "clientsRunning": len(server.active_ops),
                                                 "clientsWaitingForData": len(server.connections)
                                                 - len(server.active_ops)}},
            "listenerProcessingTime": {"durationMicros": Int64(0)}}


def _op_latencies(server: Server) -> dict[str, Any]:
    return {kind: {"latency": Int64(values[0]), "ops": Int64(values[1])}
            for kind, values in server.stats.latencies.items()}


def _ticket_queue(server: Server, busy: int) -> dict[str, Any]:
    total = 128
    return {"out": busy, "available": total - busy, "totalTickets": total, "processing": busy,
            "addedToQueue": Int64(0), "removedFromQueue": Int64(0), "queueLength": Int64(0),
            "startedProcessing": Int64(0), "finishedProcessing": Int64(0),
            "totalTimeProcessingMicros": Int64(0), "canceled": Int64(0), "newAdmissions": Int64(0),
            "totalTimeQueuedMicros": Int64(0)}


def _queues(server: Server) -> dict[str, Any]:
    writers = sum(1 for ctx in server.active_ops.values() if is_write(ctx.name))
    readers = len(server.active_ops) - writers
    return {"execution": {"write": _ticket_queue(server, writers), "read": _ticket_queue(server, readers),
                          "monitor": {"timesDecreased": Int64(0), "timesIncreased": Int64(0),
                                      "totalAmountDecreased": Int64(0), "totalAmountIncreased": Int64(0),
                                      "resizeDurationMicros": Int64(0)}},
            "ingress": _ticket_queue(server, len(server.active_ops))}


def _storage_engine(server: Server) -> dict[str, Any]:
    return {"name": "wiredTiger", "supportsCommittedReads": True,
            "oldestRequiredTimestampForCrashRecovery": Timestamp(0, 0), "supportsPendingDrops": True,
            "dropPendingIdents": Int64(0), "supportsSnapshotReadConcern": True, "readOnly": False,
            "persistent": True, "backupCursorOpen": False, "supportsResumableIndexBuilds": True}


def _transactions(server: Server) -> dict[str, Any]:
    keys: tuple[str, ...] = (
        "retriedCommandsCount", "retriedStatementsCount", "transactionsCollectionWriteCount", "currentActive",
        "currentInactive", "currentOpen", "totalAborted", "totalCommitted", "totalStarted", "totalPrepared",
        "totalPreparedThenCommitted", "totalPreparedThenAborted", "currentPrepared")
    if server.process == "mongos":
        keys = ("currentOpen", "currentActive", "currentInactive", "totalStarted", "totalAborted",
                "abortCause", "totalCommitted")
    return {key: ({} if key == "abortCause" else Int64(0)) for key in keys}


def cache_max_bytes(server: Server) -> int:
    """WiredTiger's cache size: --wiredTigerCacheSizeGB, else max(256 MiB, 50% of (RAM - 1 GiB))."""
    configured = server.config.cache_size_gb
    if configured is not None:
        return int(configured * (1 << 30))
    ram = psutil.virtual_memory().total
    return max(256 << 20, int(0.5 * (ram - (1 << 30))))


def _data_bytes(server: Server) -> int:
    storage = server.storage
    if storage is None:
        return 0
    total = 0
    for db in storage.list_databases():
        for coll in storage.list_collections(db):
            total += coll.data_size()
    return total


def _wired_tiger(server: Server) -> dict[str, Any]:
    in_cache = _data_bytes(server)
    dirty = int(getattr(server.storage, "dirty_bytes", 0) or 0)
    checkpoints = int(getattr(server.storage, "checkpoint_count", 0) or 0)
    writes = server.stats.opcounters["insert"] + server.stats.opcounters["update"] + server.stats.opcounters["delete"]
    cache = {"application threads page read from disk to cache count": 0,
             "bytes currently in the cache": in_cache, "bytes dirty in the cache cumulative": writes * 512,
             "bytes read into cache": 0, "bytes written from cache": writes * 512,
             "eviction worker thread evicting pages": 0, "maximum bytes configured": cache_max_bytes(server),
             "modified pages evicted": 0, "pages read into cache": 0, "pages requested from the cache": 0,
             "pages written from cache": writes, "tracked dirty bytes in the cache": dirty,
             "tracked dirty pages in the cache": 1 if dirty else 0, "unmodified pages evicted": 0}
    return {"uri": "statistics:",
            "block-manager": {"blocks read": 0, "blocks written": writes, "bytes read": 0,
                              "bytes written": writes * 4096},
            "cache": cache,
            "connection": {"files currently open": 0, "total read I/Os": 0, "total write I/Os": writes},
            "cursor": {"cursor insert calls": server.stats.opcounters["insert"],
                       "cursor remove calls": server.stats.opcounters["delete"],
                       "cursor search calls": server.stats.opcounters["query"]},
            "data-handle": {"connection data handles currently active": 0},
            "log": {"log flush operations": 0, "log sync operations": 0, "log bytes written": writes * 128},
            "transaction": {"transaction begins": writes, "transaction checkpoints": checkpoints,
                            "transaction checkpoint currently running": 0,
                            "transaction checkpoint most recent time (msecs)": 0, "transactions committed": writes,
                            "transactions rolled back": 0},
            "session": {"open session count": len(server.connections)},
            "thread-yield": {"application thread time waiting for cache (usecs)": 0},
            "concurrentTransactions": {"write": {"out": 0, "available": 128, "totalTickets": 128},
                                       "read": {"out": 0, "available": 128, "totalTickets": 128}}}


def _opcounters(server: Server) -> dict[str, Any]:
    return _i64(server.stats.opcounters)


def _opcounters_repl(server: Server) -> dict[str, Any]:
    return _i64(server.stats.opcounters_repl)


_MONGOD = ("mongod",)
for _name, _builder, _processes in (
    ("asserts", _asserts, ("mongod", "mongos")), ("catalogStats", _catalog_stats, _MONGOD),
    ("connections", _connections, ("mongod", "mongos")), ("electionMetrics", _election_metrics, _MONGOD),
    ("extra_info", _extra_info, ("mongod", "mongos")), ("featureCompatibilityVersion", _fcv, _MONGOD),
    ("flowControl", _flow_control, _MONGOD), ("globalLock", _global_lock, _MONGOD), ("locks", _locks, _MONGOD),
    ("logicalSessionRecordCache", _session_cache, ("mongod", "mongos")), ("mem", _mem, ("mongod", "mongos")),
    ("metrics", _metrics, ("mongod", "mongos")), ("network", _network, ("mongod", "mongos")),
    ("opLatencies", _op_latencies, _MONGOD), ("opcounters", _opcounters, ("mongod", "mongos")),
    ("opcountersRepl", _opcounters_repl, _MONGOD), ("queues", _queues, _MONGOD),
    ("storageEngine", _storage_engine, _MONGOD), ("transactions", _transactions, ("mongod", "mongos")),
    ("wiredTiger", _wired_tiger, _MONGOD),
):
    register_section(_name, _builder, processes=_processes)

