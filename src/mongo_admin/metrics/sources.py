"""Where a metrics collector finds a cluster's nodes and how it reaches them.

``DeployedSource``: a cluster deployed on this machine. Its state directory names every node, holds the
credentials and TLS files, and its provider reads the free space under each dbPath.

``RegisteredSource``: a cluster registered by connection string. Its nodes are those its last topology reading
found (``ops.cluster.remote``): every router of the string (``router-0``, ``router-1``... in address order),
every member of the config servers and of every shard (``<replica set>-<member _id>``, as deployed clusters name
theirs), or the members of the replica set the string names. A reading every poller round picks up added shards
and members; one that fails keeps the nodes found before, so a cluster that stops answering shows as gaps.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

from mongo_admin.errors import MongoAdminError, ServerUnreachableError
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.layout import Node
from mongo_admin.ops.cluster.remote import RemoteCluster, RemoteTopology

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client


@dataclass(frozen=True)
class Target:
    """One process to poll; ``id`` names its series."""

    id: str
    address: str
    role: str  # configsvr, shardsvr, mongos, or mongod (a replica set or server registered on its own)
    set_name: str | None = None


class Source(Protocol):
    """What a collector needs of a cluster. ``targets`` may change between rounds; ``client`` is called on the
    collector's worker threads."""

    @property
    def cluster(self) -> str: ...

    def targets(self) -> list[Target]:
        """The processes to poll this round; a MongoAdminError when none is known."""
        ...

    def client(self, target: Target, timeout_s: float) -> Client:
        """A client to ``target`` alone (kept between rounds; ``timeout_s`` bounds each call when it is made)."""
        ...

    def disk(self, target: Target) -> dict[str, float]:
        """``disk.total_bytes`` and ``disk.free_bytes`` under the target's dbPath, or nothing when unknown."""
        ...

    def close(self) -> None: ...


class DeployedSource:
    """A cluster deployed on this machine; ``nodes`` (default: every node of its layout) are the targets."""

    def __init__(self, access: ClusterAccess, nodes: Sequence[Node] | None = None) -> None:
        self.access = access
        self.cluster = access.record.name
        self._nodes = {node.id: node for node in (nodes if nodes is not None else access.record.layout.nodes)}
        self._targets = [Target(node.id, node.address, node.role, node.set_name) for node in self._nodes.values()]
        self._clients: dict[str, Client] = {}
        self._lock = threading.Lock()

    def targets(self) -> list[Target]:
        return self._targets

    def client(self, target: Target, timeout_s: float) -> Client:
        with self._lock:
            client = self._clients.get(target.id)
            if client is None:
                client = self.access.node_client(self._nodes[target.id], timeout_s=timeout_s)
                self._clients[target.id] = client
            return client

    def disk(self, target: Target) -> dict[str, float]:
        from mongo_admin.ops.cluster.processes import provider

        node = self._nodes[target.id]
        dbpath = self.access.paths.dbpath(node)
        if dbpath is None:
            return {}
        try:
            total, free = provider(self.access.paths).disk_usage(node.host, dbpath)
        except (MongoAdminError, OSError):
            return {}
        return {"disk.total_bytes": float(total), "disk.free_bytes": float(free)}

    def close(self) -> None:
        with self._lock:
            clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            client.close()


class RegisteredSource:
    """A cluster registered by connection string, read through ``remote`` (whose clients it shares)."""

    def __init__(self, cluster: str, remote: RemoteCluster) -> None:
        self.cluster = cluster
        self.remote = remote
        self._targets: list[Target] | None = None
        self._unknown_why = "its topology has not been read yet"

    def read_topology(self) -> RemoteTopology:
        """Read the topology now, and poll what it found from the next round on."""
        try:
            topology = self.remote.topology()
        except MongoAdminError as exc:
            self._unknown_why = f"{exc.what}: {exc.why}" if exc.why else exc.what
            raise
        self._targets = targets_of(topology)
        return topology

    def targets(self) -> list[Target]:
        if self._targets is None:
            raise ServerUnreachableError(f"no node of cluster {self.cluster} is known yet", self._unknown_why,
                                         "check that the registered connection string reaches its routers (or "
                                         "replica set) from the API's machine, with the registered credentials")
        return self._targets

    def client(self, target: Target, timeout_s: float) -> Client:
        return self.remote.server_client(target.address)

    def disk(self, target: Target) -> dict[str, float]:
        return {}  # the file systems of a remote cluster are not reachable from here

    def close(self) -> None:
        self.remote.close()


def targets_of(topology: RemoteTopology) -> list[Target]:
    """The processes a topology reading found, named as a deployed cluster names its own."""
    if topology.kind == "standalone":
        return [Target("standalone", member.name, "mongod") for member in topology.members]
    if topology.kind == "replica set":
        return [Target(f"{topology.set_name}-{m.member_id}", m.name, "mongod", topology.set_name)
                for m in topology.members if m.member_id is not None]
    found = [Target(f"router-{index}", router.address, "mongos") for index, router in enumerate(topology.routers)]
    sets = [*([(topology.config_servers, "configsvr")] if topology.config_servers is not None else []),
            *((shard, "shardsvr") for shard in topology.shards)]
    for rs, role in sets:
        found += [Target(f"{rs.set_name}-{m.member_id}", m.name, role, rs.set_name)
                  for m in rs.members if m.member_id is not None]
    return found
