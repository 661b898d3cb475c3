"""``health-check``: the questions an on-call operator asks first, each answered OK, WARNING or CRITICAL, with
the monitoring-plugin exit codes (0, 1, 2) so Nagios-style checks and cron jobs can use it directly.

Checks: every process up; a primary in every replica set; replication lag of every secondary; the oplog window
of every primary (only once the oplog is nearly full: a young oplog's short history is not a risk); the
balancer's mode; free disk space under every dbPath; connections in use against those available.
"""

from __future__ import annotations

import enum
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import provider
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.cluster.status import ClusterStatus, cluster_status, replica_set_status

OPLOG_FULL_RATIO = 0.9
# MongoDB's default heartbeat interval: by then a secondary has reported the progress it made.
LAG_RECHECK_S = 2.0


class Level(enum.IntEnum):
    OK = 0
    WARNING = 1
    CRITICAL = 2


@dataclass(frozen=True)
class Thresholds:
    lag_warning_s: float = 10.0
    lag_critical_s: float = 60.0
    oplog_warning_h: float = 24.0
    oplog_critical_h: float = 1.0
    disk_warning_pct: float = 10.0
    disk_critical_pct: float = 5.0
    connections_warning_pct: float = 80.0
    connections_critical_pct: float = 95.0


@dataclass(frozen=True)
class Check:
    check: str
    target: str
    level: str
    detail: str


@dataclass(frozen=True)
class HealthReport:
    message: str
    cluster: str
    server: str
    level: str
    exit_code: int
    checks: list[Check]


def _level(value: float, warning: float, critical: float, *, below: bool = False) -> Level:
    """CRITICAL/WARNING when ``value`` passes a threshold (upwards, or downwards with ``below``)."""
    if below:
        return Level.CRITICAL if value < critical else Level.WARNING if value < warning else Level.OK
    return Level.CRITICAL if value > critical else Level.WARNING if value > warning else Level.OK


def _processes(status: ClusterStatus) -> list[tuple[Level, Check]]:
    found = []
    for rs in status.replica_sets:
        members = [m for m in status.members if m.replica_set == rs.name]
        down = [m.node for m in members if m.state == "DOWN"]
        level = Level.CRITICAL if len(down) == len(members) else Level.WARNING if down else Level.OK
        detail = f"down: {', '.join(down)}" if down else f"{len(members)} of {len(members)} running"
        found.append((level, Check("processes", rs.name, level.name, detail)))
        if rs.primary is None:
            found.append((Level.CRITICAL, Check("primary", rs.name, "CRITICAL", "no primary: writes to this "
                                                "replica set fail until one is elected")))
        else:
            found.append((Level.OK, Check("primary", rs.name, "OK", f"primary {rs.primary}")))
        unhealthy = [f"{m.node} {m.state}" for m in members if m.state not in ("PRIMARY", "SECONDARY", "ARBITER",
                                                                                  "DOWN")]
        if unhealthy:
            found.append((Level.WARNING, Check("member state", rs.name, "WARNING", ", ".join(unhealthy))))
    routers_down = [r.node for r in status.routers if r.state != "UP"]
    level = (Level.CRITICAL if len(routers_down) == len(status.routers) else
             Level.WARNING if routers_down else Level.OK)
    found.append((level, Check("processes", "routers", level.name,
                               f"down: {', '.join(routers_down)}" if routers_down else
                               f"{len(status.routers)} of {len(status.routers)} up")))
    return found


def _lag(access: ClusterAccess, status: ClusterStatus, limits: Thresholds) -> list[tuple[Level, Check]]:
    """Lag of every secondary. Lag is the primary's last applied write time minus the secondary's; right after
    a write on an otherwise idle set that difference spans the whole idle time until the secondary reports its
    progress (heartbeats every 2 s), so a secondary over the threshold is read again after that interval and
    only lag that persists is reported."""
    lags = {m.node: m.lag_s for m in status.members if m.state == "SECONDARY" and m.lag_s is not None}
    suspects = {m.replica_set for m in status.members if (lags.get(m.node) or 0) > limits.lag_warning_s}
    if suspects:
        time.sleep(LAG_RECHECK_S)
        for set_name in suspects:
            _, members = replica_set_status(access, set_name)
            for member in members:
                if member.node in lags:
                    lags[member.node] = member.lag_s if member.lag_s is not None else lags[member.node]
    found = []
    for member in status.members:
        lag = lags.get(member.node)
        if lag is None:
            continue
        level = _level(lag, limits.lag_warning_s, limits.lag_critical_s)
        found.append((level, Check("replication lag", member.node, level.name,
                                   f"{lag:.1f} s behind the primary of {member.replica_set}")))
    return found


def _oplog(access: ClusterAccess, primary: Node, limits: Thresholds) -> tuple[Level, Check]:
    from pymongo.errors import PyMongoError

    try:
        with access.node(primary, timeout_s=5.0) as client:
            stats = client.local.command("collStats", "oplog.rs")
            oplog = client.local["oplog.rs"]
            first = oplog.find_one({}, sort=[("$natural", 1)], projection={"ts": 1})
            last = oplog.find_one({}, sort=[("$natural", -1)], projection={"ts": 1})
    except PyMongoError as exc:
        return Level.WARNING, Check("oplog window", f"{primary.set_name} ({primary.id})", "WARNING",
                                    f"could not read the oplog: {exc}")
    size, max_size = int(stats.get("size", 0)), int(stats.get("maxSize", 0) or 0)
    used = size / max_size if max_size else 0.0
    window_h = (last["ts"].time - first["ts"].time) / 3600 if first and last else 0.0
    target = f"{primary.set_name} ({primary.id})"
    if used < OPLOG_FULL_RATIO:
        return Level.OK, Check("oplog window", target, "OK", f"oplog {used:.0%} full, {window_h:.1f} h of history "
                               "so far: not yet a limit")
    level = _level(window_h, limits.oplog_warning_h, limits.oplog_critical_h, below=True)
    return level, Check("oplog window", target, level.name,
                        f"{window_h:.1f} h: a secondary down longer than this needs a full resync")


def _node_stats(access: ClusterAccess, node: Node, limits: Thresholds) -> list[tuple[Level, Check]]:
    from mongo_admin.mongo import client as mongo

    found = []
    dbpath = access.paths.dbpath(node)
    if dbpath is not None:
        total, free = provider(access.paths).disk_usage(node.host, dbpath)
        free_pct = free / total * 100 if total else 100.0
        level = _level(free_pct, limits.disk_warning_pct, limits.disk_critical_pct, below=True)
        found.append((level, Check("disk space", node.id, level.name,
                                   f"{free_pct:.0f} % free ({free // 2**30} GiB) under {dbpath}")))
    try:
        with access.node(node, timeout_s=2.0) as client:
            summary = mongo.server_status(client)
    except MongoAdminError:
        return found
    current, available = summary.connections_current, summary.connections_available
    if current is not None and available is not None and current + available > 0:
        used_pct = current / (current + available) * 100
        level = _level(used_pct, limits.connections_warning_pct, limits.connections_critical_pct)
        found.append((level, Check("connections", node.id, level.name,
                                   f"{current} in use, {available} available ({used_pct:.1f} %)")))
    return found


def _balancer(status: ClusterStatus) -> tuple[Level, Check]:
    mode = (status.balancer or {}).get("mode")
    if mode is None:
        return Level.WARNING, Check("balancer", "cluster", "WARNING", "no router answered balancerStatus")
    if mode == "off":
        return Level.WARNING, Check("balancer", "cluster", "WARNING", "the balancer is off: data does not even out "
                                    "between shards (start it with sh.startBalancer())")
    return Level.OK, Check("balancer", "cluster", "OK", f"mode {mode}")


def health_check(name: str, home: Path | None = None, limits: Thresholds | None = None) -> HealthReport:
    limits = limits or Thresholds()
    paths, record = open_cluster(name, home)
    access = ClusterAccess(paths, record)
    status = cluster_status(name, home)
    results = [*_processes(status), *_lag(access, status, limits), _balancer(status)]
    running = {m.node for m in status.members if m.state != "DOWN"} | {r.node for r in status.routers
                                                                        if r.state == "UP"}
    with ThreadPoolExecutor(max_workers=8) as pool:
        per_node = [pool.submit(_node_stats, access, node, limits) for node in record.layout.nodes
                    if node.id in running]
        primaries = [record.layout.node(rs.primary) for rs in status.replica_sets if rs.primary]
        oplogs = [pool.submit(_oplog, access, node, limits) for node in primaries]
        for future in per_node:
            results += future.result()
        results += [future.result() for future in oplogs]
    worst = max((level for level, _ in results), default=Level.OK)
    problems = [check for level, check in results if level is not Level.OK]
    summary = "; ".join(f"{c.check} {c.target}: {c.detail}" for c in problems[:3])
    return HealthReport(
        message=f"{worst.name}: cluster {name}" + (f": {summary}" if summary else
                                                   f": {len(results)} checks passed"),
        cluster=name, server=record.binaries.server_label, level=worst.name, exit_code=int(worst),
        checks=[check for _, check in results])
