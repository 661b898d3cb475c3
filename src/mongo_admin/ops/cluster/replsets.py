"""Bringing a cluster's replica sets up: initiate once, then wait until a primary is elected and every member
says it is PRIMARY, SECONDARY or ARBITER.

Readiness is read from each member's own ``hello``, which needs no authentication: a set deployed with a
keyfile has no user yet when it is initiated (MongoDB's localhost exception allows replSetInitiate and the first
createUser, nothing else).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

from mongo_admin.errors import CommandFailedError, MongoAdminError, ProcessStartError, ReplicaSetError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.processes import running_pid
from mongo_admin.providers import local

POLL_INTERVAL_S = 0.1
NUDGE_AFTER_S = 1.0
UNAUTHORIZED = 13


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


def initiate(access: ClusterAccess, set_name: str) -> bool:
    """replSetInitiate with the layout's config unless a member already has one; True when it initiated."""
    from mongo_admin.mongo import replset

    members = access.record.layout.members(set_name)
    if any(member_view(access, node).set_name for node in members):
        return False
    first = next(node for node in members if not node.arbiter)
    try:
        with access.node(first, as_admin=False, timeout_s=30.0) as client:
            replset.initiate(client, access.record.layout.replset_config(set_name))
    except CommandFailedError as exc:
        if exc.code == replset.ALREADY_INITIALIZED:
            return False
        raise ReplicaSetError(f"replSetInitiate of replica set {set_name} failed", f"{exc.why} (code {exc.code})",
                              f"see {access.paths.logpath(first)}") from exc
    return True


def _check_alive(access: ClusterAccess, nodes: list[Node]) -> None:
    for node in nodes:
        if running_pid(access.paths, node) is None:
            logpath = access.paths.logpath(node)
            tail = "; ".join(local.log_tail(logpath, 3))
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


def wait_ready(access: ClusterAccess, set_name: str, timeout_s: float, *, nudge: bool = False) -> Node:
    """The primary, once every member of ``set_name`` is PRIMARY, SECONDARY or ARBITER. ``nudge``: a set that
    has every member up but no primary after ``NUDGE_AFTER_S`` is asked to elect one now."""
    members = access.record.layout.members(set_name)
    began = time.monotonic()
    deadline = began + timeout_s
    views: list[MemberView] = []
    while True:
        _check_alive(access, members)
        views = [member_view(access, node) for node in members]
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
