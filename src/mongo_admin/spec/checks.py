"""Rules that tie the spec's fields together, each reported with the location it concerns.

MongoDB's own replica set rules (replSetInitiate would refuse the configuration): at most 7 voting members, at
least one electable member, hidden members and arbiters with priority 0, non-voting members with priority 0,
at most one arbiter (8.0 refuses more unless a server parameter allows it), no arbiter in a config server
replica set. Cluster rules: shard names unique and different from the config server set's, and no two
processes on the same host and port.
"""

from __future__ import annotations

from dataclasses import dataclass

from mongo_admin.spec.model import ClusterSpec, ReplicaSetSpec

MAX_VOTING_MEMBERS = 7


@dataclass(frozen=True)
class Problem:
    location: str
    message: str


def check(spec: ClusterSpec) -> list[Problem]:
    """Every rule broken by ``spec``, in file order."""
    problems: list[Problem] = []
    topology = spec.topology
    problems += _replica_set("topology.config_servers", topology.config_servers, config_servers=True)
    for index, shard in enumerate(topology.shards):
        problems += _replica_set(f"topology.shards[{index}]", shard, config_servers=False)
    problems += _names(spec)
    problems += _ports(spec)
    if spec.security.keyfile and not spec.security.auth:
        problems.append(Problem("security.keyfile", "a keyfile turns access control on in MongoDB, so it "
                                "cannot be combined with auth: false; set keyfile: false as well to run "
                                "without access control"))
    return problems


def _replica_set(where: str, rs: ReplicaSetSpec, *, config_servers: bool) -> list[Problem]:
    problems: list[Problem] = []
    for index, member in enumerate(rs.members):
        at = f"{where}.members[{index}]"
        if member.priority and member.priority > 0:
            if member.hidden:
                problems.append(Problem(f"{at}.priority", "a hidden member must have priority 0; remove "
                                        "priority or set it to 0"))
            if member.arbiter:
                problems.append(Problem(f"{at}.priority", "an arbiter must have priority 0; remove priority"))
            if member.votes == 0:
                problems.append(Problem(f"{at}.priority", "a non-voting member (votes: 0) must have priority "
                                        "0; remove priority or give the member a vote"))
        if member.arbiter and member.votes == 0:
            problems.append(Problem(f"{at}.votes", "an arbiter exists only to vote; remove votes: 0"))
        if member.arbiter and config_servers:
            problems.append(Problem(f"{at}.arbiter", "a config server replica set cannot have arbiters; make "
                                    "this member a data-bearing member"))
    voting = sum(member.votes for member in rs.members)
    if voting > MAX_VOTING_MEMBERS:
        problems.append(Problem(f"{where}.members", f"{voting} voting members; MongoDB allows at most "
                                f"{MAX_VOTING_MEMBERS}: give the others votes: 0 and priority: 0"))
    if not any(member.electable for member in rs.members):
        problems.append(Problem(f"{where}.members", "no member can become primary; at least one member must "
                                "vote, have priority above 0, and be neither hidden nor an arbiter"))
    arbiters = [index for index, member in enumerate(rs.members) if member.arbiter]
    if len(arbiters) > 1:
        problems.append(Problem(f"{where}.members[{arbiters[1]}].arbiter", "MongoDB 8.0 allows one arbiter "
                                "per replica set; make this member data-bearing"))
    return problems


def _names(spec: ClusterSpec) -> list[Problem]:
    problems: list[Problem] = []
    config_name = spec.topology.config_set_name()
    seen: dict[str, int] = {}
    for index, name in enumerate(spec.topology.shard_names()):
        at = f"topology.shards[{index}].name"
        if name == config_name:
            problems.append(Problem(at, f"{name!r} is the config server replica set's name; give the shard "
                                    "another name"))
        if name in seen:
            problems.append(Problem(at, f"shard name {name!r} is used twice (also topology.shards[{seen[name]}]"
                                    ".name)"))
        seen.setdefault(name, index)
    return problems


def _ports(spec: ClusterSpec) -> list[Problem]:
    problems: list[Problem] = []
    taken: dict[tuple[str, int], str] = {}
    for location, host, port in explicit_ports(spec):
        key = (host, port)
        if key in taken:
            problems.append(Problem(location, f"port {port} on {host} is used twice (also {taken[key]})"))
        else:
            taken[key] = location
    return problems


def explicit_ports(spec: ClusterSpec) -> list[tuple[str, str, int]]:
    """(location, host, port) of every port written in the spec, in file order."""
    found: list[tuple[str, str, int]] = []
    topology = spec.topology
    sets = [("topology.config_servers", topology.config_servers)]
    sets += [(f"topology.shards[{index}]", shard) for index, shard in enumerate(topology.shards)]
    for where, rs in sets:
        for index, member in enumerate(rs.members):
            if member.port is not None:
                found.append((f"{where}.members[{index}].port", member.host, member.port))
    for index, router in enumerate(topology.routers):
        if router.port is not None:
            found.append((f"topology.routers[{index}].port", router.host, router.port))
    return found
