"""Per-namespace operation statistics: ``top`` totals, $collStats latencyStats and queryExecStats, and the
per-index access counters $indexStats reports.

An operation observer (installed with the profiler) accounts every finished operation that names a collection;
the query layer calls ``record_index_access`` each time a plan uses an index.
"""

from __future__ import annotations

import datetime as dt
import time
import weakref
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.serverstatus import is_write

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.server import Server

_TOP_FIELDS = ("total", "readLock", "writeLock", "queries", "getmore", "insert", "update", "remove", "commands")
_OP_FIELD = {"query": "queries", "getmore": "getmore", "insert": "insert", "update": "update", "remove": "remove",
             "command": "commands"}
_READ_OPS = frozenset({"find", "getMore", "aggregate", "count", "distinct"})
_TRANSACTION_OPS = frozenset({"commitTransaction", "abortTransaction"})


@dataclass
class NamespaceStats:
    top: dict[str, list[int]] = field(default_factory=lambda: {name: [0, 0] for name in _TOP_FIELDS})
    latency: dict[str, list[int]] = field(default_factory=lambda: {kind: [0, 0] for kind in
                                                                   ("reads", "writes", "commands", "transactions")})
    collection_scans: int = 0
    collection_scans_nontailable: int = 0


@dataclass
class IndexAccess:
    ops: int = 0
    since: dt.datetime = field(default_factory=lambda: dt.datetime.now(dt.UTC))


@dataclass
class ServerNamespaceStats:
    namespaces: dict[str, NamespaceStats] = field(default_factory=dict)
    indexes: dict[tuple[str, str], IndexAccess] = field(default_factory=dict)


_STATE: weakref.WeakKeyDictionary[Server, ServerNamespaceStats] = weakref.WeakKeyDictionary()


def state(server: Server) -> ServerNamespaceStats:
    current = _STATE.get(server)
    if current is None:
        current = _STATE[server] = ServerNamespaceStats()
    return current


def namespace(server: Server, ns: str) -> NamespaceStats:
    namespaces = state(server).namespaces
    stats = namespaces.get(ns)
    if stats is None:  # not setdefault: that would build a NamespaceStats on every call
        stats = namespaces[ns] = NamespaceStats()
    return stats


def record_index_access(server: Server, ns: str, index_name: str) -> None:
    """Count one use of an index by a query plan (what $indexStats reports as accesses.ops)."""
    entry = state(server).indexes.get((ns, index_name))
    if entry is None:
        entry = state(server).indexes[(ns, index_name)] = IndexAccess()
    entry.ops += 1


def index_access(server: Server, ns: str, index_name: str) -> IndexAccess:
    entry = state(server).indexes.get((ns, index_name))
    if entry is None:
        entry = state(server).indexes[(ns, index_name)] = IndexAccess(
            since=dt.datetime.fromtimestamp(server.started, dt.UTC))
    return entry


def forget(server: Server, ns: str, index_name: str | None = None) -> None:
    """Drop the counters of a dropped index (or of every index and the namespace itself)."""
    current = state(server)
    for key in [key for key in current.indexes if key[0] == ns and (index_name is None or key[1] == index_name)]:
        del current.indexes[key]
    if index_name is None:
        current.namespaces.pop(ns, None)


def observe(ctx: CommandContext, reply: dict[str, Any], reslen: int, millis: int) -> None:
    if ctx.ns is None or ctx.ns.endswith(".$cmd"):
        return
    micros = int((time.monotonic() - ctx.started) * 1_000_000)
    stats = namespace(ctx.server, ctx.ns)
    write = is_write(ctx.name)
    for name in ("total", "writeLock" if write else "readLock", _OP_FIELD.get(ctx.op_type, "commands")):
        stats.top[name][0] += micros
        stats.top[name][1] += 1
    kind = ("transactions" if ctx.name in _TRANSACTION_OPS else "reads" if ctx.name in _READ_OPS
            else "writes" if write else "commands")
    stats.latency[kind][0] += micros
    stats.latency[kind][1] += 1
    if ctx.debug.get("planSummary") == "COLLSCAN":
        stats.collection_scans += 1
        if not ctx.cmd.get("tailable"):
            stats.collection_scans_nontailable += 1


def top_document(server: Server) -> dict[str, Any]:
    totals: dict[str, Any] = {"note": "all times in microseconds"}
    for ns in sorted(state(server).namespaces):
        stats = state(server).namespaces[ns]
        totals[ns] = {name: {"time": Int64(values[0]), "count": Int64(values[1])} for name, values in stats.top.items()}
    return {"totals": totals}


def latency_stats(server: Server, ns: str, histograms: bool) -> dict[str, Any]:
    stats = state(server).namespaces.get(ns) or NamespaceStats()
    out: dict[str, Any] = {}
    for kind, (latency, ops) in stats.latency.items():
        entry: dict[str, Any] = {"latency": Int64(latency), "ops": Int64(ops)}
        if histograms:
            entry["histogram"] = []
        out[kind] = entry
    return out


def query_exec_stats(server: Server, ns: str) -> dict[str, Any]:
    stats = state(server).namespaces.get(ns) or NamespaceStats()
    return {"collectionScans": {"total": Int64(stats.collection_scans),
                                "nonTailable": Int64(stats.collection_scans_nontailable)}}
