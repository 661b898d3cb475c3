"""Counters the server keeps for serverStatus: opcounters, network, connections, latencies, per-command totals."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field


def _opcounters() -> dict[str, int]:
    return {"insert": 0, "query": 0, "update": 0, "delete": 0, "getmore": 0, "command": 0}


@dataclass
class ServerStats:
    opcounters: dict[str, int] = field(default_factory=_opcounters)
    opcounters_repl: dict[str, int] = field(default_factory=_opcounters)
    bytes_in: int = 0
    bytes_out: int = 0
    num_requests: int = 0
    connections_created: int = 0
    connections_rejected: int = 0
    # opLatencies: [latency in microseconds, ops] for reads, writes, commands
    latencies: dict[str, list[int]] = field(default_factory=lambda: {"reads": [0, 0], "writes": [0, 0],
                                                                      "commands": [0, 0],
                                                                      "transactions": [0, 0]})
    commands: dict[str, list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))  # total, failed
    asserts: dict[str, int] = field(default_factory=lambda: {"regular": 0, "warning": 0, "msg": 0, "user": 0,
                                                             "tripwire": 0, "rollovers": 0})
    # metrics.document and metrics.queryExecutor
    documents: dict[str, int] = field(default_factory=lambda: {"deleted": 0, "inserted": 0, "returned": 0,
                                                               "updated": 0})
    keys_examined: int = 0
    docs_examined: int = 0
    collection_scans: int = 0
    collection_scans_nontailable: int = 0
    scan_and_order: int = 0
    write_conflicts: int = 0
    cursors_timed_out: int = 0
    ttl_passes: int = 0
    ttl_deleted: int = 0
