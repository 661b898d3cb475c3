"""The live topology of a cluster known only by its connection string (registered, not deployed here): what its
servers say of themselves. Through the connection string: ``hello`` and ``buildInfo``; for a router, then
``listShards`` and ``getShardMap`` (where the config servers are). Over direct connections: ``replSetGetStatus``
from one member of every replica set (each shard, the config servers, or the replica set the string names) and
``hello`` from every router the string lists.

Health, from that one reading: ``healthy`` when every router answers, every replica set has a primary, every
member is PRIMARY, SECONDARY or ARBITER and no shard is draining; ``down`` when a replica set has no primary
(writes to it fail); ``degraded`` otherwise. When nothing answers at the connection string, reading raises.

A ``RemoteCluster`` keeps its clients (one through the connection string, one direct client per server) between
readings, so the poller of a registered cluster neither reconnects nor re-authenticates every round; its metrics
collector polls through the same direct clients. Direct connections carry the string's own options (TLS files,
authentication mechanism) but not those about the whole deployment (``replicaSet``, SRV settings).
"""

from __future__ import annotations

import dataclasses
import re
import threading
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import MongoAdminError, ServerUnreachableError

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

HEALTHY_STATES = ("PRIMARY", "SECONDARY", "ARBITER")
TIMEOUT_S = 3.0
# getShardMap's name for the config server replica set.
CONFIG_SERVERS = "config"
# Connection-string options about the whole deployment, not one server: left out of direct connections.
_DEPLOYMENT_OPTIONS = frozenset({"replicaset", "directconnection", "loadbalanced", "srvservicename", "srvmaxhosts"})
_TLS_OPTION = re.compile(r"[?&](tls|ssl)=", re.IGNORECASE)


@dataclass(frozen=True)
class RemoteMember:
    name: str  # host:port, as the replica set's configuration names it
    state: str
    health: float
    member_id: int | None = None
    lag_s: float | None = None
    uptime_s: int | None = None
    message: str = ""


@dataclass(frozen=True)
class RemoteShard:
    """A shard (or, as ``config_servers``, the config server replica set) with its members as the member that
    answered sees them. ``error`` says why no member answered; the members are then the last ones seen (or the
    hosts of ``host``), in state UNKNOWN."""

    id: str
    host: str  # "set/host:port,..." as listShards gives it
    state: int | None
    draining: bool
    members: list[RemoteMember] = field(default_factory=list)
    error: str | None = None

    @property
    def set_name(self) -> str:
        name, slash, _ = self.host.partition("/")
        return name if slash else self.id

    @property
    def hosts(self) -> list[str]:
        listed = self.host.partition("/")[2] if "/" in self.host else self.host
        return [host for host in listed.split(",") if host]


@dataclass(frozen=True)
class RemoteRouter:
    address: str
    state: str  # "UP" or "DOWN"
    error: str | None = None


@dataclass(frozen=True)
class RemoteTopology:
    message: str
    kind: str  # "sharded" (through a router), "replica set" or "standalone"
    health: str
    version: str | None
    server: str | None = None  # "MongoDB" or "sandbox (mongosim X)", from buildInfo
    simulator: bool | None = None  # whether buildInfo names mongosim; None (like server) when it was not read
    set_name: str | None = None
    shards: list[RemoteShard] = field(default_factory=list)
    # The replica set's members, or the standalone server alone.
    members: list[RemoteMember] = field(default_factory=list)
    config_servers: RemoteShard | None = None
    routers: list[RemoteRouter] = field(default_factory=list)


def server_uri(uri: str, address: str, *, tls: bool = False) -> str:
    """A direct connection string to the server at ``address`` of ``uri``'s deployment: the options of ``uri``
    that are about a server kept, those about the deployment left out; TLS on when asked (an SRV string implies
    it, as drivers read one)."""
    scheme, _, rest = uri.partition("://")
    options = [option for option in rest.partition("?")[2].split("&")
               if option and _option_name(option) not in _DEPLOYMENT_OPTIONS]
    if (tls or scheme == "mongodb+srv") and not any(_option_name(option) in ("tls", "ssl") for option in options):
        options.append("tls=true")
    return f"mongodb://{address}/" + (f"?{'&'.join(options)}" if options else "")


def seed_uri(uri: str, *, tls: bool = False) -> str:
    """``uri`` itself, with ``tls=true`` added when TLS is asked and the string does not say."""
    if not tls or _TLS_OPTION.search(uri):
        return uri
    base, question, query = uri.partition("?")
    if not question and "/" not in base.partition("://")[2]:
        base += "/"
    return f"{base}?{query + '&' if query else ''}tls=true"


def _option_name(option: str) -> str:
    return option.partition("=")[0].lower()


class RemoteCluster:
    """Readings of the cluster behind ``uri``, as ``username`` (SCRAM, ``auth_source``) — the same user must
    exist on the routers and, as a shard-local user, on every shard for the direct connections — with TLS when
    ``tls``. Every server call is bounded by ``timeout_s``. Thread-safe; ``close`` ends every client."""

    def __init__(self, uri: str, *, username: str | None = None, password: str | None = None,
                 auth_source: str = "admin", tls: bool = False, timeout_s: float = TIMEOUT_S) -> None:
        from mongo_admin.mongo.client import ClientAuth

        self.uri = uri
        self.tls = tls
        self.timeout_s = timeout_s
        self._auth = ClientAuth(username, password, auth_source)
        self._seed: Client | None = None
        self._servers: dict[str, Client] = {}
        self._lock = threading.Lock()
        # Per replica set: the member that answered the last reading (asked first next time), and its members.
        self._answered: dict[str, str] = {}
        self._known: dict[str, list[RemoteMember]] = {}

    def __enter__(self) -> RemoteCluster:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    def close(self) -> None:
        with self._lock:
            clients = [*self._servers.values(), *([self._seed] if self._seed is not None else [])]
            self._servers, self._seed = {}, None
        for client in clients:
            client.close()

    def seed_client(self) -> Client:
        """The client through the connection string (the routers of a sharded cluster)."""
        from mongo_admin.mongo.client import connect

        with self._lock:
            if self._seed is None:
                self._seed = connect(seed_uri(self.uri, tls=self.tls), timeout_s=self.timeout_s, direct=False,
                                     auth=self._auth)
            return self._seed

    def server_client(self, address: str) -> Client:
        """The direct client to one server of the cluster (made once; making one does not touch the network)."""
        from mongo_admin.mongo.client import connect

        with self._lock:
            client = self._servers.get(address)
            if client is None:
                client = connect(server_uri(self.uri, address, tls=self.tls), timeout_s=self.timeout_s,
                                 direct=True, auth=self._auth)
                self._servers[address] = client
            return client

    def topology(self) -> RemoteTopology:
        """Read the topology now; ServerUnreachableError (or CommandFailedError) when the connection string
        does not answer."""
        seed = self.seed_client()
        hello = _through(seed, {"hello": 1})
        version, server, simulator = _build(seed)
        if hello.get("msg") == "isdbgrid":
            return self._sharded(seed, version, server, simulator)
        if hello.get("setName"):
            set_name = str(hello["setName"])
            hosts = [str(h) for key in ("hosts", "passives", "arbiters") for h in hello.get(key, [])]
            members, error = self._replica_set(set_name, hosts)
            health = _set_health(members)
            return RemoteTopology(f"replica set {set_name} {health}: {len(members)} member(s)"
                                  + (f" ({error})" if error else ""), "replica set", health, version, server,
                                  simulator, set_name=set_name, members=members)
        address = next(iter(_addresses(seed)), None)
        members = [RemoteMember(address, "STANDALONE", 1.0)] if address else []
        return RemoteTopology("standalone server answering", "standalone", "healthy", version, server, simulator,
                              members=members)

    # ---------------------------------------------------------------------------------------------- readings
    def _sharded(self, seed: Client, version: str | None, server: str | None,
                 simulator: bool | None) -> RemoteTopology:
        listed = _through(seed, {"listShards": 1}).get("shards", [])
        config_host = _config_host(seed)
        routers = sorted(_addresses(seed))
        with ThreadPoolExecutor(max_workers=min(16, len(listed) + len(routers) + 1),
                                thread_name_prefix="topology") as pool:
            shard_futures = [pool.submit(self._shard, str(s.get("_id")), str(s.get("host")), s.get("state"),
                                         bool(s.get("draining"))) for s in listed]
            config_future = (pool.submit(self._shard, CONFIG_SERVERS, config_host, None, False)
                             if config_host else None)
            router_futures = [pool.submit(self._router, address) for address in routers]
            shards = [future.result() for future in shard_futures]
            config = config_future.result() if config_future is not None else None
            router_rows = [future.result() for future in router_futures]
        sets = [*shards, *([config] if config is not None else [])]
        health = _sharded_health(shards, sets, router_rows)
        members = [member for rs in sets for member in rs.members]
        up = sum(m.health == 1 for m in members) + sum(r.state == "UP" for r in router_rows)
        return RemoteTopology(f"sharded cluster {health}: {len(shards)} shard(s), {up} of "
                              f"{len(members) + len(router_rows)} processes up", "sharded", health, version, server,
                              simulator, shards=shards, config_servers=config, routers=router_rows)

    def _shard(self, shard_id: str, host: str, state: Any, draining: bool) -> RemoteShard:
        shard = RemoteShard(shard_id, host, state if isinstance(state, int) else None, draining)
        members, error = self._replica_set(shard.set_name, shard.hosts)
        return dataclasses.replace(shard, members=members, error=error)

    def _replica_set(self, set_name: str, hosts: list[str]) -> tuple[list[RemoteMember], str | None]:
        """The set's members from the first member that answers ``replSetGetStatus`` (the one that answered
        last time is asked first); the last members seen, state UNKNOWN, and why, when none answers."""
        from mongo_admin.mongo import replset

        known = self._known.get(set_name, [])
        first = self._answered.get(set_name)
        candidates = list(dict.fromkeys([*([first] if first else []), *hosts, *(m.name for m in known)]))
        why = "no member is listed"
        for address in candidates:
            try:
                state = replset.replset_status(self.server_client(address))
            except MongoAdminError as exc:
                why = f"{address}: {exc.why or exc.what}"
                continue
            members = []
            for row in state.members:
                lag = state.lag_s(row)
                members.append(RemoteMember(row.host, row.state_str, row.health, row.member_id,
                                            round(lag, 3) if lag is not None else None, row.uptime_s, row.message))
            self._answered[set_name], self._known[set_name] = address, members
            return members, None
        unknown = [dataclasses.replace(m, state="UNKNOWN", health=0.0, lag_s=None) for m in known]
        return (unknown or [RemoteMember(host, "UNKNOWN", 0.0) for host in hosts],
                f"no member of {set_name} answered replSetGetStatus (last: {why})")

    def _router(self, address: str) -> RemoteRouter:
        from mongo_admin.mongo import client as mongo

        try:
            mongo.run_admin(self.server_client(address), {"hello": 1})
        except MongoAdminError as exc:
            return RemoteRouter(address, "DOWN", exc.why or exc.what)
        return RemoteRouter(address, "UP")


def _through(seed: Client, command: dict[str, Any]) -> dict[str, Any]:
    """``command`` through the connection string. A router that has just gone away fails the one command sent to
    it; the driver then marks it unknown, so one more try goes to another (when none was selectable in time,
    there is no second try)."""
    from pymongo.errors import ServerSelectionTimeoutError

    from mongo_admin.mongo import client as mongo

    try:
        return mongo.run_admin(seed, command)
    except ServerUnreachableError as exc:
        if isinstance(exc.__cause__, ServerSelectionTimeoutError):
            raise
        return mongo.run_admin(seed, command)


def _addresses(client: Client) -> list[str]:
    """The servers the client was given or found (every router of a sharded cluster's string)."""
    return [f"{host}:{port}" for host, port in client.topology_description.server_descriptions()]


def _build(client: Client) -> tuple[str | None, str | None, bool | None]:
    """Version, server label and whether it is the simulator, from buildInfo (all None when it fails)."""
    from mongo_admin.mongo import client as mongo

    try:
        info = mongo.parse_build_info(_through(client, {"buildInfo": 1}))
    except MongoAdminError:
        return None, None, None
    return info.version, info.server_label, info.simulator


def _config_host(seed: Client) -> str | None:
    """The config server replica set's connection string (``getShardMap``); None when the user may not ask."""
    try:
        shard_map = _through(seed, {"getShardMap": 1}).get("map", {})
    except MongoAdminError:
        return None
    host = shard_map.get(CONFIG_SERVERS) if isinstance(shard_map, dict) else None
    return str(host) if host else None


def _set_health(members: list[RemoteMember]) -> str:
    has_primary = any(m.state == "PRIMARY" for m in members)
    all_ok = all(m.state in HEALTHY_STATES and m.health == 1 for m in members)
    return "healthy" if has_primary and all_ok else "degraded" if has_primary else "down"


def _sharded_health(shards: list[RemoteShard], sets: list[RemoteShard], routers: list[RemoteRouter]) -> str:
    if any(_set_health(rs.members) == "down" for rs in sets):
        return "down"
    fine = (bool(shards) and all(_set_health(rs.members) == "healthy" for rs in sets)
            and all(s.state in (None, 1) and not s.draining for s in shards)
            and all(r.state == "UP" for r in routers))
    return "healthy" if fine else "degraded"

