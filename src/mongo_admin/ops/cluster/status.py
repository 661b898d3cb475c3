"""``cluster status``: every replica set with its members (state, health, lag behind the primary, uptime), the
routers, and the balancer, read in parallel, one replSetGetStatus per replica set.

Health: ``healthy`` when every process runs, every replica set has a primary and every member is PRIMARY,
SECONDARY or ARBITER; ``degraded`` when the cluster still serves (every replica set has a primary, a router
answers) but something is missing; ``down`` otherwise.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import provider, running_pid
from mongo_admin.ops.cluster.state import ClusterPaths, ClusterRecord, cluster_names, open_cluster, read_record

Health = Literal["healthy", "degraded", "down"]
HEALTHY_STATES = ("PRIMARY", "SECONDARY", "ARBITER")


@dataclass(frozen=True)
class MemberStatus:
    replica_set: str
    node: str
    address: str
    state: str
    health: float
    lag_s: float | None
    uptime_s: int | None
    pid: int | None
    message: str


@dataclass(frozen=True)
class ReplicaSetStatus:
    name: str
    role: str  # "configsvr" or "shardsvr"
    primary: str | None
    members_healthy: int
    members: int


@dataclass(frozen=True)
class RouterStatus:
    node: str
    address: str
    state: str  # "UP" or "DOWN"
    pid: int | None
    uptime_s: int | None


@dataclass(frozen=True)
class ClusterStatus:
    message: str
    cluster: str
    server: str
    version: str  # of the deployed binaries
    simulator: bool  # the binaries are mongosim's (server says it too, in words)
    health: Health
    deployed_state: str
    balancer: dict[str, Any] | None
    replica_sets: list[ReplicaSetStatus]
    members: list[MemberStatus]
    routers: list[RouterStatus]


def replica_set_status(access: ClusterAccess, set_name: str) -> tuple[ReplicaSetStatus, list[MemberStatus]]:
    from mongo_admin.mongo import replset

    layout = access.record.layout
    nodes = layout.members(set_name)
    pids = {node.id: running_pid(access.paths, node) for node in nodes}
    state = None
    for node in [n for n in nodes if pids[n.id] is not None]:
        try:
            with access.node(node, timeout_s=2.0) as client:
                state = replset.replset_status(client)
            break
        except MongoAdminError:
            continue
    rows = {row.host: row for row in state.members} if state is not None else {}
    members = []
    for node in nodes:
        row = rows.get(node.address)
        if pids[node.id] is None:
            members.append(MemberStatus(set_name, node.id, node.address, "DOWN", 0.0, None, None, None,
                                        "not running"))
        elif row is None:
            members.append(MemberStatus(set_name, node.id, node.address, "UNKNOWN", 0.0, None, None, pids[node.id],
                                        "no member of the set answered replSetGetStatus"))
        else:
            assert state is not None
            lag = state.lag_s(row)
            members.append(MemberStatus(set_name, node.id, node.address, row.state_str, row.health,
                                        round(lag, 3) if lag is not None else None, row.uptime_s, pids[node.id],
                                        row.message))
    primary = next((m.node for m in members if m.state == "PRIMARY"), None)
    healthy = sum(m.state in HEALTHY_STATES and m.health == 1 for m in members)
    return ReplicaSetStatus(set_name, "configsvr" if set_name == layout.config_set else "shardsvr", primary,
                            healthy, len(members)), members


def _router(access: ClusterAccess, node: Node) -> RouterStatus:
    from mongo_admin.mongo import client as mongo

    pid = running_pid(access.paths, node)
    if pid is None:
        return RouterStatus(node.id, node.address, "DOWN", None, None)
    try:
        with access.node(node, as_admin=False, timeout_s=2.0) as client:
            mongo.run_admin(client, {"hello": 1})
    except MongoAdminError:
        return RouterStatus(node.id, node.address, "DOWN", pid, None)
    return RouterStatus(node.id, node.address, "UP", pid, provider(access.paths).uptime_s(node.host, pid))


def _balancer(access: ClusterAccess) -> dict[str, Any] | None:
    from mongo_admin.mongo import client as mongo

    up = [n for n in access.record.layout.routers if running_pid(access.paths, n) is not None]
    for node in up:
        try:
            with access.node(node, timeout_s=2.0) as client:
                reply = mongo.run_admin(client, {"balancerStatus": 1})
            return {"mode": reply.get("mode"), "inBalancerRound": reply.get("inBalancerRound"),
                    "numBalancerRounds": reply.get("numBalancerRounds")}
        except MongoAdminError:
            continue
    return None


def _health(sets: list[ReplicaSetStatus], routers: list[RouterStatus]) -> Health:
    if any(rs.primary is None for rs in sets) or not any(r.state == "UP" for r in routers):
        return "down"
    if all(rs.members_healthy == rs.members for rs in sets) and all(r.state == "UP" for r in routers):
        return "healthy"
    return "degraded"


def cluster_status(name: str, home: Path | None = None) -> ClusterStatus:
    paths, record = open_cluster(name, home)
    access = ClusterAccess(paths, record)
    layout = record.layout
    with ThreadPoolExecutor(max_workers=8) as pool:
        sets = {set_name: pool.submit(replica_set_status, access, set_name)
                for set_name in [layout.config_set, *layout.shard_sets]}
        routers = [pool.submit(_router, access, node) for node in layout.routers]
        balancer = pool.submit(_balancer, access)
        results = [future.result() for future in sets.values()]
        router_rows = [r.result() for r in routers]
        balancer_state = balancer.result()
    replica_sets = [summary for summary, _ in results]
    members = [member for _, rows in results for member in rows]
    health = _health(replica_sets, router_rows)
    up = sum(m.state != "DOWN" for m in members) + sum(r.state == "UP" for r in router_rows)
    return ClusterStatus(
        message=f"cluster {name} is {health}: {up} of {len(layout.nodes)} processes up, "
                f"{_plural(len(layout.shard_sets), 'shard')}, {_plural(len(router_rows), 'router')} "
                f"({record.binaries.server_label})",
        cluster=name, server=record.binaries.server_label, version=record.binaries.version,
        simulator=record.binaries.simulator, health=health, deployed_state=record.state,
        balancer=balancer_state, replica_sets=replica_sets, members=members, routers=router_rows)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" + ("" if count == 1 else "s")


@dataclass(frozen=True)
class ClusterListEntry:
    name: str
    state: str
    server: str
    processes: int
    running: int
    routers: str


def list_clusters(home: Path | None = None) -> list[ClusterListEntry]:
    entries = []
    for name in cluster_names(home):
        record: ClusterRecord | None = read_record(ClusterPaths(name, home))
        if record is None:
            continue
        paths = ClusterPaths.for_record(record, home)
        running = sum(running_pid(paths, node) is not None for node in record.layout.nodes)
        entries.append(ClusterListEntry(name, record.state, record.binaries.server_label, len(record.layout.nodes),
                                        running, record.layout.router_uri()))
    return entries
