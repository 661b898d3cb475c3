"""Bringing a cluster's replica sets up: initiate once, then wait until a primary is elected and every member
says it is PRIMARY, SECONDARY or ARBITER.

Readiness is read from each member's own ``hello``, which needs no authentication: a set deployed with a
keyfile has no user yet when it is initiated (MongoDB's localhost exception allows replSetInitiate and the first
createUser, nothing else).
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from mongo_admin.errors import CommandFailedError, MongoAdminError, ProcessStartError, ReplicaSetError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import provider, running_pid

POLL_INTERVAL_S = 0.1
NUDGE_AFTER_S = 1.0
UNAUTHORIZED = 13
# ConfigurationInProgress, NewReplicaSetConfigurationIncompatible (stale version), CurrentConfigNotCommittedYet.
RECONFIG_RETRY_CODES = frozenset({109, 103, 308})


@dataclass(frozen=True)
class MemberView:
    node: Node
    state: str  # PRIMARY, SECONDARY, ARBITER, STARTUP (no config yet), OTHER, DOWN
    set_name: str | None


def member_view(access: ClusterAccess, node: Node) -> MemberView:
    from mongo_admin.mongo import client as mongo

    try:
        with access.node(node, as_admin=False, timeout_s=1.0) as client:
            reply = mongo.run_admin(client, {"hello": 1})
    except MongoAdminError:
        return MemberView(node, "DOWN", None)
    if reply.get("isWritablePrimary"):
        state = "PRIMARY"
    elif reply.get("secondary"):
        state = "SECONDARY"
    elif reply.get("arbiterOnly"):
        state = "ARBITER"
    elif reply.get("isreplicaset") and not reply.get("setName"):
        state = "STARTUP"
    else:
        state = "OTHER"
    set_name = reply.get("setName")
    return MemberView(node, state, str(set_name) if set_name else None)


def _first_member(members: list[Node]) -> Node:
    """The member a set is initiated with: the electable one with the highest priority (it stays primary, so
    adding the others causes no priority takeover)."""
    electable = [node for node in members if node.priority > 0 and node.votes == 1 and not node.hidden
                 and not node.arbiter]
    return max(electable, key=lambda node: node.priority)


def initiate(access: ClusterAccess, set_name: str) -> bool:
    """replSetInitiate with the first member alone unless a member already has a config; True when it
    initiated. A one-voter set elects its member at once, where a full set would wait out the election timeout
    (10 s by default) before its first election; ``add_members`` then brings in the others."""
    from mongo_admin.mongo import replset

    members = access.record.layout.members(set_name)
    if any(member_view(access, node).set_name for node in members):
        return False
    first = _first_member(members)
    config = access.record.layout.replset_config(set_name)
    config["members"] = [first.member_config()]
    try:
        with access.node(first, as_admin=False, timeout_s=30.0) as client:
            replset.initiate(client, config)
    except CommandFailedError as exc:
        if exc.code == replset.ALREADY_INITIALIZED:
            return False
        raise ReplicaSetError(f"replSetInitiate of replica set {set_name} failed", f"{exc.why} (code {exc.code})",
                              f"see {access.paths.logpath(first)}") from exc
    return True


def _run_on(access: ClusterAccess, node: Node, command: dict[str, Any]) -> dict[str, Any]:
    """Run an admin command on ``node``: through the localhost exception while the set has no user yet, as the
    administrator once it has one."""
    from mongo_admin.mongo import client as mongo

    try:
        with access.node(node, as_admin=False, timeout_s=30.0) as client:
            return mongo.run_admin(client, command)
    except CommandFailedError as exc:
        if exc.code != UNAUTHORIZED or not access.record.auth:
            raise
    with access.node(node, as_admin=True, timeout_s=30.0) as client:
        return mongo.run_admin(client, command)


def add_members(access: ClusterAccess, set_name: str, timeout_s: float) -> list[str]:
    """Add every member of the layout the set's config lacks, one replSetReconfig each (MongoDB accepts one new
    voting member per reconfig, and a reconfig only once the previous config is committed); the ids added."""
    layout = access.record.layout
    members = layout.members(set_name)
    primary = wait_ready(access, set_name, timeout_s, only_configured=True)
    added = []
    deadline = time.monotonic() + timeout_s
    for node in members:
        while True:
            status = _run_on(access, primary, {"replSetGetStatus": 1})
            present = {str(m.get("name")) for m in status.get("members", [])}
            if node.address in present:
                break
            version = next(int(m.get("configVersion", 1)) for m in status["members"] if m.get("self"))
            config = layout.replset_config(set_name)
            config["version"] = version + 1
            config["members"] = [n.member_config() for n in members if n.address in present or n is node]
            try:
                _run_on(access, primary, {"replSetReconfig": config, "maxTimeMS": int(timeout_s * 1000)})
                added.append(node.id)
                break
            except CommandFailedError as exc:
                # The previous config not yet committed or a concurrent version bump (newlyAdded removal): retry.
                if exc.code not in RECONFIG_RETRY_CODES or time.monotonic() >= deadline:
                    raise ReplicaSetError(f"adding {node.id} ({node.address}) to replica set {set_name} failed",
                                          f"{exc.why} (code {exc.code})",
                                          f"see {access.paths.logpath(primary)}") from exc
                time.sleep(POLL_INTERVAL_S)
    return added


def _check_alive(access: ClusterAccess, nodes: list[Node]) -> None:
    for node in nodes:
        if running_pid(access.paths, node) is None:
            logpath = access.paths.logpath(node)
            tail = "; ".join(provider(access.paths).log_tail(node.host, logpath, 3))
            raise ProcessStartError(f"{node.id} ({node.address}) exited", "its process is gone" +
                                    (f"; last log lines: {tail}" if tail else ""), f"see {logpath}")


def _step_up(access: ClusterAccess, views: list[MemberView]) -> bool:
    """Ask the highest-priority secondary to run for election now (replSetStepUp), instead of waiting out the
    election timeout (10 s by default) of a freshly initiated set; False when the server refuses (with access
    control on and no user yet, the localhost exception does not allow it)."""
    from mongo_admin.mongo import client as mongo

    candidates = sorted((v.node for v in views if v.state == "SECONDARY" and v.node.priority > 0),
                        key=lambda node: -node.priority)
    if not candidates:
        return True
    try:
        with access.node(candidates[0], as_admin=False, timeout_s=5.0) as client:
            mongo.run_admin(client, {"replSetStepUp": 1})
    except CommandFailedError as exc:
        return exc.code != UNAUTHORIZED
    except MongoAdminError:
        return True
    return True


def wait_ready(access: ClusterAccess, set_name: str, timeout_s: float, *, nudge: bool = False,
               only_configured: bool = False) -> Node:
    """The primary, once every member of ``set_name`` is PRIMARY, SECONDARY or ARBITER (with
    ``only_configured``, every member that has the set's config: the others are yet to be added). ``nudge``: a
    set that has every member up but no primary after ``NUDGE_AFTER_S`` is asked to elect one now."""
    members = access.record.layout.members(set_name)
    began = time.monotonic()
    deadline = began + timeout_s
    views: list[MemberView] = []
    while True:
        _check_alive(access, members)
        views = [member_view(access, node) for node in members]
        if only_configured:
            views = [view for view in views if view.state != "STARTUP"]
        primaries = [view.node for view in views if view.state == "PRIMARY"]
        if len(primaries) == 1 and all(view.state in ("PRIMARY", "SECONDARY", "ARBITER") for view in views):
            return primaries[0]
        if nudge and not primaries and time.monotonic() - began >= NUDGE_AFTER_S and \
                all(view.state in ("SECONDARY", "ARBITER") for view in views):
            nudge = _step_up(access, views)
        if time.monotonic() >= deadline:
            break
        time.sleep(POLL_INTERVAL_S)
    states = ", ".join(f"{view.node.id} {view.state}" for view in views)
    raise ReplicaSetError(f"replica set {set_name} did not become ready within {timeout_s:g} s",
                          f"members: {states}" + ("" if any(v.state == "PRIMARY" for v in views)
                                                  else "; no primary was elected"),
                          "read the member logs: " + ", ".join(str(access.paths.logpath(n)) for n in members))


def primary_of(access: ClusterAccess, set_name: str) -> Node | None:
    for node in access.record.layout.members(set_name):
        if member_view(access, node).state == "PRIMARY":
            return node
    return None


def wait_healthy(access: ClusterAccess, set_name: str, timeout_s: float) -> None:
    """Until the primary's replSetGetStatus shows every member PRIMARY, SECONDARY or ARBITER with health 1: what
    an operator reads, which trails the members' own view by up to a heartbeat interval."""
    deadline = time.monotonic() + timeout_s
    said = ""
    while True:
        primary = wait_ready(access, set_name, max(1.0, deadline - time.monotonic()))
        status = _run_on(access, primary, {"replSetGetStatus": 1})
        rows = status.get("members", [])
        behind = [f"{m.get('name')} {m.get('stateStr')} (health {m.get('health')})" for m in rows
                  if m.get("stateStr") not in ("PRIMARY", "SECONDARY", "ARBITER") or m.get("health") != 1]
        if not behind and len(rows) == len(access.record.layout.members(set_name)):
            return
        said = ", ".join(behind) or f"{len(rows)} members in the config"
        if time.monotonic() >= deadline:
            raise ReplicaSetError(f"replica set {set_name} is not healthy after {timeout_s:g} s",
                                  f"its primary {primary.address} reports: {said}",
                                  "read the member logs: " + ", ".join(str(access.paths.logpath(n))
                                                                       for n in access.record.layout.members(set_name)))
        time.sleep(POLL_INTERVAL_S)

