"""Which member of each replica set a backup reads: the least disruptive healthy one.

As PBM ranks them: a hidden member first (it serves no clients), then a secondary (the one least behind), and the
primary only when no secondary is healthy — a backup's reads then compete with the application's, and the result
says so. Arbiters hold no data and are never chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node

# Preference by kind: lower is better.
RANK = {"hidden": 0, "secondary": 1, "primary": 2}


class NoSourceError(MongoAdminError):
    """A replica set has no member a backup could read."""


@dataclass(frozen=True)
class Source:
    set_name: str
    node: Node
    kind: str  # "hidden", "secondary" or "primary"
    lag_s: float


def choose_source(access: ClusterAccess, set_name: str) -> Source:
    from mongo_admin.mongo import replset

    nodes = access.record.layout.members(set_name)
    state = None
    for node in nodes:
        try:
            with access.node(node, timeout_s=5.0) as client:
                state = replset.replset_status(client)
            break
        except MongoAdminError:
            continue
    if state is None:
        raise NoSourceError(f"no member of replica set {set_name} answers",
                            "every member is down or refuses the administrator",
                            "check it with: mongo-admin cluster status")
    rows = {row.host: row for row in state.members}
    candidates = []
    for node in nodes:
        row = rows.get(node.address)
        if node.arbiter or row is None or row.health != 1 or row.state_str not in ("PRIMARY", "SECONDARY"):
            continue
        kind = "primary" if row.state_str == "PRIMARY" else ("hidden" if node.hidden else "secondary")
        candidates.append(Source(set_name, node, kind, state.lag_s(row) or 0.0))
    if not candidates:
        raise NoSourceError(f"replica set {set_name} has no healthy data-bearing member",
                            ", ".join(f"{r.host} {r.state_str}" for r in state.members),
                            "bring a member back (mongo-admin cluster start) and retry")
    return min(candidates, key=lambda s: (RANK[s.kind], s.lag_s))
