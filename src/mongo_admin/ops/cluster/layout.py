"""A spec made concrete: every process of the cluster with its role, replica set, host and port.

Ports written in the spec are kept; the others are taken from ``ports.base`` upwards, skipping ports the spec
uses and ports something already listens on. A cluster deployed before keeps the ports it has (a re-deploy must
not move a running member), so the previous layout's ports come first for nodes the spec leaves unnumbered.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict

from mongo_admin.errors import InvalidInputError
from mongo_admin.spec.model import ClusterSpec, MemberSpec

Role = Literal["configsvr", "shardsvr", "mongos"]
MAX_PORT = 65535


class Node(BaseModel):
    """One server process: ``id`` is stable and names its files (``cfg-0``, ``shard1-2``, ``router-0``)."""

    model_config = ConfigDict(frozen=True)

    id: str
    role: Role
    set_name: str | None = None
    member_id: int | None = None
    host: str
    port: int
    priority: float = 1.0
    votes: int = 1
    hidden: bool = False
    arbiter: bool = False

    @property
    def address(self) -> str:
        return f"{self.host}:{self.port}"

    @property
    def executable(self) -> str:
        return "mongos" if self.role == "mongos" else "mongod"

    def member_config(self) -> dict[str, object]:
        """This member's entry in replSetInitiate's ``members``, with only the fields that differ from
        MongoDB's defaults."""
        entry: dict[str, object] = {"_id": self.member_id, "host": self.address}
        if self.arbiter:
            entry["arbiterOnly"] = True
        if self.priority != 1.0 and not self.arbiter:
            entry["priority"] = self.priority
        if self.votes != 1:
            entry["votes"] = self.votes
        if self.hidden:
            entry["hidden"] = True
        return entry


class Layout(BaseModel):
    model_config = ConfigDict(frozen=True)

    cluster: str
    config_set: str
    shard_sets: list[str]
    nodes: list[Node]

    def members(self, set_name: str) -> list[Node]:
        return [node for node in self.nodes if node.set_name == set_name]

    @property
    def config_nodes(self) -> list[Node]:
        return self.members(self.config_set)

    @property
    def routers(self) -> list[Node]:
        return [node for node in self.nodes if node.role == "mongos"]

    def node(self, node_id: str) -> Node:
        for node in self.nodes:
            if node.id == node_id:
                return node
        raise KeyError(node_id)

    def connection_string(self, set_name: str) -> str:
        """``set/host:port,...`` as ``--configdb`` and ``addShard`` take it (arbiters left out)."""
        hosts = ",".join(node.address for node in self.members(set_name) if not node.arbiter)
        return f"{set_name}/{hosts}"

    def replset_config(self, set_name: str) -> dict[str, object]:
        config: dict[str, object] = {"_id": set_name,
                                     "members": [node.member_config() for node in self.members(set_name)]}
        if set_name == self.config_set:
            config["configsvr"] = True
        return config

    def router_uri(self) -> str:
        return "mongodb://" + ",".join(node.address for node in self.routers) + "/"


@dataclass(frozen=True)
class _Wanted:
    id: str
    role: Role
    set_name: str | None
    member_id: int | None
    host: str
    port: int | None
    member: MemberSpec | None


def _wanted(spec: ClusterSpec) -> list[_Wanted]:
    topology = spec.topology
    config_set = topology.config_set_name()
    wanted = [_Wanted(f"{config_set}-{index}", "configsvr", config_set, index, member.host, member.port, member)
              for index, member in enumerate(topology.config_servers.members)]
    for shard, name in zip(topology.shards, topology.shard_names(), strict=True):
        wanted += [_Wanted(f"{name}-{index}", "shardsvr", name, index, member.host, member.port, member)
                   for index, member in enumerate(shard.members)]
    wanted += [_Wanted(f"router-{index}", "mongos", None, None, router.host, router.port, None)
               for index, router in enumerate(topology.routers)]
    return wanted


def plan_layout(spec: ClusterSpec, *, previous: Layout | None = None,
                port_free: Callable[[str, int], bool] | None = None) -> Layout:
    """The nodes of ``spec``, with a port for each. ``port_free(host, port)`` says whether a port may be taken
    (default: any); ports of the previous layout are kept for nodes that still exist."""
    wanted = _wanted(spec)
    old = {node.id: (node.host, node.port) for node in previous.nodes} if previous is not None else {}
    taken = {(w.host, w.port) for w in wanted if w.port is not None}
    ports = {w.id: w.port for w in wanted if w.port is not None}
    for w in wanted:
        if w.port is None and w.id in old and old[w.id][0] == w.host and old[w.id] not in taken:
            ports[w.id] = old[w.id][1]
            taken.add(old[w.id])
    candidate = spec.ports.base
    nodes = []
    for w in wanted:
        port = ports.get(w.id)
        if port is None:
            while (w.host, candidate) in taken or (port_free is not None and not port_free(w.host, candidate)):
                candidate += 1
                if candidate > MAX_PORT:
                    raise InvalidInputError(f"no free port left for {w.id}",
                                            f"every port from {spec.ports.base} to {MAX_PORT} is taken",
                                            "set ports.base lower or give the nodes explicit ports")
            port = candidate
            taken.add((w.host, port))
        node = Node(id=w.id, role=w.role, set_name=w.set_name, member_id=w.member_id, host=w.host, port=port)
        if w.member is not None:
            node = node.model_copy(update={"priority": w.member.effective_priority, "votes": w.member.votes,
                                           "hidden": w.member.hidden, "arbiter": w.member.arbiter})
        nodes.append(node)
    return Layout(cluster=spec.name, config_set=spec.topology.config_set_name(),
                  shard_sets=spec.topology.shard_names(), nodes=nodes)
