"""Stop, start, rolling restart and destroy of a deployed cluster, in MongoDB's safe order.

Stop: routers, then shards, then config servers; within a replica set the secondaries before the primary, so
no election is held only to be interrupted. Start: the reverse (config servers, shards, routers), each replica
set ready (a primary, every member up) before the next tier starts. Restart is rolling: per replica set the
secondaries one at a time, each back to SECONDARY before the next, then the primary is stepped down and
restarted; routers one at a time. Destroy stops everything and removes the cluster's files.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import ClusterStateError, CommandFailedError, MongoAdminError, ServerUnreachableError
from mongo_admin.ops.cluster import replsets
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import launch_spec, running_pid, start_nodes, stop_node, stop_order
from mongo_admin.ops.cluster.state import ClusterPaths, default_cluster_file, open_cluster, write_record
from mongo_admin.ops.records import exclusive_lock

READY_TIMEOUT_S = 120.0
STEP_DOWN_SECS = 60

Progress = Callable[[str], None]


def _silent(_: str) -> None:
    """The default progress sink."""


@dataclass(frozen=True)
class NodeAction:
    node: str
    address: str
    action: str  # "stopped (SIGTERM)", "already stopped", "started", "already running", "restarted"


@dataclass(frozen=True)
class LifecycleResult:
    message: str
    cluster: str
    server: str
    nodes: list[NodeAction]


def _primaries(access: ClusterAccess) -> set[str]:
    return {node.id for node in access.record.layout.nodes
            if node.role != "mongos" and running_pid(access.paths, node) is not None
            and replsets.member_view(access, node).state == "PRIMARY"}


def _stop(paths: ClusterPaths, node: Node, progress: Progress) -> NodeAction:
    outcome = stop_node(paths, node)
    if outcome is None:
        return NodeAction(node.id, node.address, "already stopped")
    progress(f"stopped {node.id} ({node.address}) with {outcome.signal}")
    return NodeAction(node.id, node.address, f"stopped ({outcome.signal})")


def stop_cluster(name: str, home: Path | None = None, progress: Progress = _silent) -> LifecycleResult:
    paths, record = open_cluster(name, home)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        actions = [_stop(paths, node, progress) for node in stop_order(record, _primaries(access))]
        record.state = "stopped"
        write_record(paths, record)
    stopped = sum(a.action.startswith("stopped") for a in actions)
    return LifecycleResult(f"cluster {name}: stopped {stopped} of {len(actions)} processes "
                           "(routers, then shards, then config servers)", name, record.binaries.server_label, actions)


def _start_tier(access: ClusterAccess, nodes: list[Node], progress: Progress) -> list[NodeAction]:
    paths, record = access.paths, access.record
    waiting = [node for node in nodes if running_pid(paths, node) is None]
    specs = {node: launch_spec(paths, record.layout, node, record.binaries, record.server_options)
             for node in waiting}
    start_nodes(paths, specs, lambda node_id, pid: progress(f"started {node_id} (pid {pid})"))
    return [NodeAction(n.id, n.address, "started" if n in waiting else "already running") for n in nodes]


def start_cluster(name: str, home: Path | None = None, progress: Progress = _silent,
                  timeout_s: float = READY_TIMEOUT_S) -> LifecycleResult:
    paths, record = open_cluster(name, home)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        layout = record.layout
        actions = _start_tier(access, layout.config_nodes, progress)
        replsets.wait_ready(access, layout.config_set, timeout_s)
        actions += _start_tier(access, [n for n in layout.nodes if n.role == "shardsvr"], progress)
        for set_name in layout.shard_sets:
            replsets.wait_ready(access, set_name, timeout_s)
        actions += _start_tier(access, layout.routers, progress)
        record.state = "running"
        write_record(paths, record)
    started = sum(a.action == "started" for a in actions)
    return LifecycleResult(f"cluster {name}: started {started} of {len(actions)} processes (config servers, "
                           "then shards, then routers); every replica set has a primary",
                           name, record.binaries.server_label, actions)


def _step_down(access: ClusterAccess, node: Node) -> None:
    from mongo_admin.mongo import client as mongo

    try:
        with access.node(node, timeout_s=30.0) as client:
            mongo.run_admin(client, {"replSetStepDown": STEP_DOWN_SECS, "secondaryCatchUpPeriodSecs": 10})
    except (CommandFailedError, ServerUnreachableError) as exc:
        # The primary closes connections as it steps down; the election that follows is what matters.
        if isinstance(exc, CommandFailedError) and exc.code not in (None, 189, 91, 11602):
            raise


def _restart_node(access: ClusterAccess, node: Node, progress: Progress) -> None:
    paths, record = access.paths, access.record
    stop_node(paths, node)
    start_nodes(paths, {node: launch_spec(paths, record.layout, node, record.binaries, record.server_options)},
                lambda node_id, pid: progress(f"restarted {node_id} (pid {pid})"))


def _wait_member(access: ClusterAccess, node: Node, timeout_s: float) -> None:
    deadline = time.monotonic() + timeout_s
    while True:
        state = replsets.member_view(access, node).state
        if state in ("PRIMARY", "SECONDARY", "ARBITER"):
            return
        if time.monotonic() >= deadline:
            raise ClusterStateError(f"{node.id} did not come back after its restart", f"it is {state}",
                                    f"see {access.paths.logpath(node)}")
        time.sleep(0.1)


def restart_cluster(name: str, home: Path | None = None, progress: Progress = _silent,
                    timeout_s: float = READY_TIMEOUT_S) -> LifecycleResult:
    """Rolling restart: the cluster stays available throughout (a primary per replica set at all times but
    during each election)."""
    paths, record = open_cluster(name, home)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        layout = record.layout
        actions: list[NodeAction] = []
        down = [n.id for n in layout.nodes if running_pid(paths, n) is None]
        if down:
            raise ClusterStateError(f"cluster {name} is not fully running", "stopped: " + ", ".join(down),
                                    f"start it first with: mongo-admin cluster start --cluster {name}")
        for set_name in [layout.config_set, *layout.shard_sets]:
            primary = replsets.wait_ready(access, set_name, timeout_s)
            for node in layout.members(set_name):
                if node.id != primary.id:
                    _restart_node(access, node, progress)
                    _wait_member(access, node, timeout_s)
                    actions.append(NodeAction(node.id, node.address, "restarted"))
            if sum(node.priority > 0 and node.votes == 1 and not node.hidden and not node.arbiter
                   for node in layout.members(set_name)) > 1:
                progress(f"stepping down {primary.id}, the primary of {set_name}")
                _step_down(access, primary)
            _restart_node(access, primary, progress)
            replsets.wait_ready(access, set_name, timeout_s)
            actions.append(NodeAction(primary.id, primary.address, "restarted (was primary)"))
        for router in layout.routers:
            _restart_node(access, router, progress)
            actions.append(NodeAction(router.id, router.address, "restarted"))
    return LifecycleResult(f"cluster {name}: rolling restart of {len(actions)} processes done, secondaries "
                           "before primaries", name, record.binaries.server_label, actions)


@dataclass(frozen=True)
class DestroyResult:
    message: str
    cluster: str
    stopped: list[NodeAction]
    removed: list[str]


def destroy_cluster(name: str, home: Path | None = None, progress: Progress = _silent) -> DestroyResult:
    """Stop every process and remove the cluster's state directory, data and logs."""
    paths, record = open_cluster(name, home)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        try:
            primaries = _primaries(access)
        except MongoAdminError:
            primaries = set()
        stopped = [_stop(paths, node, progress) for node in stop_order(record, primaries)]
        still = [n.id for n in record.layout.nodes if running_pid(paths, n) is not None]
        if still:
            raise ClusterStateError(f"cluster {name} could not be stopped", "still running: " + ", ".join(still),
                                    "stop those processes, then destroy again")
        removed = []
        data_dirs = {p.parent for n in record.layout.nodes if (p := paths.dbpath(n)) is not None}
        for directory in sorted({*data_dirs, *(paths.logpath(n).parent for n in record.layout.nodes),
                                 paths.logs, paths.root}, key=lambda p: len(p.parts), reverse=True):
            if directory.exists():
                shutil.rmtree(directory)
                removed.append(str(directory))
                progress(f"removed {directory}")
        paths.lock.unlink(missing_ok=True)
        marker = default_cluster_file(home)
        if marker.is_file() and marker.read_text().strip() == name:
            marker.unlink()
    return DestroyResult(f"cluster {name} destroyed: {len(stopped)} processes stopped, files removed", name,
                         stopped, removed)
