"""Stop, start, rolling restart and destroy of a deployed cluster, in MongoDB's safe order.

Stop: routers, then shards, then config servers; within a replica set the secondaries before the primary, so
no election is held only to be interrupted. Start: the reverse (config servers, shards, routers), each replica
set ready (a primary, every member up) before the next tier starts. Restart is rolling: per replica set the
secondaries one at a time, each back to SECONDARY before the next, then the primary is stepped down and
restarted; routers one at a time. Destroy stops everything and removes the cluster's files.

One node (a member or a router) can be stopped and started on its own, for maintenance. A primary is stepped down
first when another electable member of its set is a healthy secondary, so the set keeps a primary.
"""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import (
    ClusterStateError,
    CommandFailedError,
    InvalidInputError,
    MongoAdminError,
    ServerUnreachableError,
)
from mongo_admin.ops.cluster import replsets
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import launch_spec, running_pid, start_nodes, stop_node, stop_order
from mongo_admin.ops.cluster.state import (
    ClusterPaths,
    ClusterRecord,
    default_cluster_file,
    open_cluster,
    write_record,
)
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
    # "stopped (SIGTERM)" (a primary: "... after a step-down"), "already stopped", "started", "already running",
    # "restarted"
    action: str


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


def _wait_member(access: ClusterAccess, node: Node, timeout_s: float) -> str:
    """Until the member started again says it is PRIMARY, SECONDARY or ARBITER; that state."""
    deadline = time.monotonic() + timeout_s
    while True:
        state = replsets.member_view(access, node).state
        if state in ("PRIMARY", "SECONDARY", "ARBITER"):
            return state
        if time.monotonic() >= deadline:
            raise ClusterStateError(f"{node.id} did not come back after it was started", f"it is {state}",
                                    f"see {access.paths.logpath(node)}")
        time.sleep(0.1)


def _electable(node: Node) -> bool:
    """Whether the member can become primary."""
    return node.priority > 0 and node.votes == 1 and not node.hidden and not node.arbiter


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
            if sum(_electable(node) for node in layout.members(set_name)) > 1:
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


def find_node(record: ClusterRecord, node_id: str) -> Node:
    """The node ``node_id`` of the cluster (its id as ``cluster status`` shows it); InvalidInputError listing the
    cluster's nodes when there is none."""
    try:
        return record.layout.node(node_id)
    except KeyError:
        raise InvalidInputError(f"cluster {record.name} has no node {node_id!r}",
                                "its nodes are " + ", ".join(node.id for node in record.layout.nodes),
                                f"name one of them, as 'mongo-admin cluster status --cluster {record.name}' shows "
                                "them") from None


def _hand_over(access: ClusterAccess, primary: Node, timeout_s: float, progress: Progress) -> Node | None:
    """Step ``primary`` down when another electable member of its set is a healthy secondary, and wait until one
    is elected: the new primary, or None (nothing done) when no member can take over."""
    assert primary.set_name is not None
    others = [node for node in access.record.layout.members(primary.set_name)
              if node.id != primary.id and _electable(node)]
    if not any(replsets.member_view(access, node).state == "SECONDARY" for node in others):
        return None
    progress(f"stepping down {primary.id}, the primary of {primary.set_name}")
    _step_down(access, primary)
    deadline = time.monotonic() + timeout_s
    while True:
        successor = next((node for node in others if replsets.member_view(access, node).state == "PRIMARY"), None)
        if successor is not None:
            progress(f"{successor.id} is the primary of {primary.set_name} now")
            return successor
        if time.monotonic() >= deadline:
            raise ClusterStateError(f"no member of {primary.set_name} became primary after {primary.id} stepped "
                                    "down", f"none was elected within {timeout_s:g} s; {primary.id} was not stopped",
                                    "read the member logs: " + ", ".join(str(access.paths.logpath(node))
                                                                         for node in others))
        time.sleep(0.1)


def _running(paths: ClusterPaths, nodes: list[Node]) -> int:
    return sum(running_pid(paths, node) is not None for node in nodes)


def stop_cluster_node(name: str, node_id: str, home: Path | None = None, progress: Progress = _silent,
                 timeout_s: float = READY_TIMEOUT_S) -> LifecycleResult:
    """Stop one member or router of the cluster; its data is kept. The message says what became of its replica
    set: the member that took over from a primary, or that the set has no primary until a member is back."""
    paths, record = open_cluster(name, home)
    node = find_node(record, node_id)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        if running_pid(paths, node) is None:
            return LifecycleResult(f"cluster {name}: {node.id} ({node.address}) is already stopped", name,
                                   record.binaries.server_label, [NodeAction(node.id, node.address, "already stopped")])
        if node.role == "mongos":
            action = _stop(paths, node, progress)
            routers = record.layout.routers
            return LifecycleResult(f"cluster {name}: stopped router {node.id} ({node.address}); "
                                   f"{_running(paths, routers)} of {len(routers)} routers run", name,
                                   record.binaries.server_label, [action])
        assert node.set_name is not None
        members = record.layout.members(node.set_name)
        was_primary = replsets.member_view(access, node).state == "PRIMARY"
        successor = _hand_over(access, node, timeout_s, progress) if was_primary else None
        action = _stop(paths, node, progress)
    voters = [member for member in members if member.votes == 1]
    what = f"cluster {name}: stopped {node.id} ({node.address})"
    if successor is not None:
        what += f", the primary of {node.set_name}, after stepping it down: {successor.id} is its primary now"
        action = NodeAction(node.id, node.address, f"{action.action} after a step-down")
    elif was_primary:
        what += (f", the primary of {node.set_name}, without a step-down (no other electable member is a healthy "
                 f"secondary): {node.set_name} has no primary until {node.id} is started again")
    elif 2 * _running(paths, voters) <= len(voters):
        what += (f"; a majority of the voting members of {node.set_name} is down: it has no primary until one is "
                 "started again")
    return LifecycleResult(f"{what}; {_running(paths, members)} of {len(members)} members of {node.set_name} run",
                           name, record.binaries.server_label, [action])


def start_cluster_node(name: str, node_id: str, home: Path | None = None, progress: Progress = _silent,
                  timeout_s: float = READY_TIMEOUT_S) -> LifecycleResult:
    """Start one member or router of the cluster with its deployed settings; a member is waited for until it is
    PRIMARY, SECONDARY or ARBITER again."""
    paths, record = open_cluster(name, home)
    node = find_node(record, node_id)
    with exclusive_lock(paths.lock):
        access = ClusterAccess(paths, record)
        actions = _start_tier(access, [node], progress)
        if actions[0].action != "started":
            return LifecycleResult(f"cluster {name}: {node.id} ({node.address}) is already running", name,
                                   record.binaries.server_label, actions)
        if node.role == "mongos":
            routers = record.layout.routers
            return LifecycleResult(f"cluster {name}: started router {node.id} ({node.address}); "
                                   f"{_running(paths, routers)} of {len(routers)} routers run", name,
                                   record.binaries.server_label, actions)
        assert node.set_name is not None
        state = _wait_member(access, node, timeout_s)
    members = record.layout.members(node.set_name)
    return LifecycleResult(f"cluster {name}: started {node.id} ({node.address}), {state} of {node.set_name}; "
                           f"{_running(paths, members)} of {len(members)} members of {node.set_name} run", name,
                           record.binaries.server_label, actions)


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
