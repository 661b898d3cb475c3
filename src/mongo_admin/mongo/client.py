"""Client factory and typed helpers for the handful of server commands the platform reads.

Everything goes through pymongo over TCP; whether the server is real MongoDB or the mongosim simulator is
only ever learnt from ``buildInfo`` (the simulator adds a ``mongosim`` sub-document).
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeVar

import pymongo
from pymongo.errors import OperationFailure, PyMongoError

from mongo_admin.errors import CommandFailedError, ServerUnreachableError

DEFAULT_TIMEOUT_S = 5.0
APP_NAME = "mongo-admin"
# CommandNotFound: a server (or an older simulator) that does not implement a command.
COMMAND_NOT_FOUND = 59

Client = pymongo.MongoClient[dict[str, Any]]
T = TypeVar("T")


@dataclass(frozen=True)
class ClientAuth:
    """How the platform proves who it is to a cluster: a SCRAM user and, for TLS clusters, the CA that signed
    the servers' certificates and (for MONGODB-X509 or servers that require one) a client certificate.
    ``password`` never appears in ``repr``."""

    username: str | None = None
    password: str | None = field(default=None, repr=False)
    source: str = "admin"
    tls_ca_file: str | None = None
    tls_certificate_key_file: str | None = None

    def options(self) -> dict[str, Any]:
        """The pymongo keyword arguments for these credentials."""
        options: dict[str, Any] = {}
        if self.username is not None:
            options.update(username=self.username, password=self.password, authSource=self.source)
        if self.tls_ca_file is not None or self.tls_certificate_key_file is not None:
            options["tls"] = True
            if self.tls_ca_file is not None:
                options["tlsCAFile"] = self.tls_ca_file
            if self.tls_certificate_key_file is not None:
                options["tlsCertificateKeyFile"] = self.tls_certificate_key_file
        return options


def connect(uri: str, *, timeout_s: float = DEFAULT_TIMEOUT_S, direct: bool = True,
            auth: ClientAuth | None = None) -> Client:
    """A client that fails within ``timeout_s`` instead of pymongo's 30 s defaults."""
    timeout_ms = int(timeout_s * 1000)
    return pymongo.MongoClient(
        uri,
        directConnection=direct,
        serverSelectionTimeoutMS=timeout_ms,
        connectTimeoutMS=timeout_ms,
        socketTimeoutMS=timeout_ms,
        appname=APP_NAME,
        **(auth.options() if auth is not None else {}),
    )


def run_admin(client: Client, command: dict[str, Any]) -> dict[str, Any]:
    """Run an admin command; network failures become ``ServerUnreachableError`` naming the address."""
    return run_command(client, "admin", command)


def run_command(client: Client, database: str, command: dict[str, Any]) -> dict[str, Any]:
    """Run a command on ``database``; a refusal becomes ``CommandFailedError``, no answer
    ``ServerUnreachableError`` naming the address."""
    with _translated(client, next(iter(command))):
        return dict(client[database].command(command))


def aggregate(client: Client, database: str, collection: str | None,
              pipeline: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Every document of an aggregation on ``database.collection`` (``None``: a collectionless one, such as
    ``$shardedDataDistribution`` on admin), with the errors of ``run_command``."""
    with _translated(client, "aggregate"):
        target = client[database] if collection is None else client[database][collection]
        return [dict(document) for document in target.aggregate(pipeline)]


@contextlib.contextmanager
def _translated(client: Client, name: str) -> Iterator[None]:
    try:
        yield
    except OperationFailure as exc:
        reason = str((exc.details or {}).get("errmsg") or exc)
        raise CommandFailedError(f"the server refused '{name}'", reason, "check the server log",
                                 code=exc.code) from exc
    except PyMongoError as exc:
        address = ", ".join(f"{host}:{port}" for host, port in client.topology_description.server_descriptions())
        raise ServerUnreachableError(
            f"no answer from MongoDB at {address or 'the server'}",
            str(exc).split(", Timeout:")[0],
            "check that the server is running (mongo-admin sandbox status) and listening on that address",
        ) from exc


def ping(client: Client) -> None:
    run_admin(client, {"ping": 1})


@dataclass(frozen=True)
class BuildInfo:
    version: str
    git_version: str | None
    # Set only by mongosim: the simulator's own version. None means real MongoDB.
    simulator_version: str | None

    @property
    def simulator(self) -> bool:
        return self.simulator_version is not None

    @property
    def server_label(self) -> str:
        """What every output shows so nobody mistakes a sandbox figure for a production one."""
        if self.simulator_version is not None:
            return f"sandbox (mongosim {self.simulator_version})"
        return "MongoDB"


def parse_build_info(reply: dict[str, Any]) -> BuildInfo:
    sim = reply.get("mongosim")
    sim_version: str | None = None
    if isinstance(sim, dict) and sim.get("simulator"):
        sim_version = str(sim.get("version") or "unknown")
    git = reply.get("gitVersion")
    return BuildInfo(version=str(reply.get("version", "unknown")), git_version=str(git) if git else None,
                     simulator_version=sim_version)


def build_info(client: Client) -> BuildInfo:
    return parse_build_info(run_admin(client, {"buildInfo": 1}))


@dataclass(frozen=True)
class ServerStatusSummary:
    """The few ``serverStatus`` figures an operator looks at first."""

    host: str | None
    process: str | None
    pid: int | None
    uptime_s: float | None
    connections_current: int | None
    connections_available: int | None
    opcounters: dict[str, int] = field(default_factory=dict)


def _int(value: Any) -> int | None:
    return int(value) if isinstance(value, int | float) and not isinstance(value, bool) else None


def _section(reply: dict[str, Any], name: str) -> dict[str, Any]:
    value = reply.get(name)
    return value if isinstance(value, dict) else {}


def parse_server_status(reply: dict[str, Any]) -> ServerStatusSummary:
    connections = _section(reply, "connections")
    opcounters = _section(reply, "opcounters")
    uptime = reply.get("uptime")
    return ServerStatusSummary(
        host=str(reply["host"]) if "host" in reply else None,
        process=str(reply["process"]) if "process" in reply else None,
        pid=_int(reply.get("pid")),
        uptime_s=float(uptime) if isinstance(uptime, int | float) else None,
        connections_current=_int(connections.get("current")),
        connections_available=_int(connections.get("available")),
        opcounters={str(key): count for key, value in opcounters.items() if (count := _int(value)) is not None},
    )


def server_status(client: Client) -> ServerStatusSummary:
    # Only the header, connections and opcounters are read: skip the heavy sections.
    reply = run_admin(client, {"serverStatus": 1, "repl": 0, "metrics": 0, "locks": 0, "wiredTiger": 0})
    return parse_server_status(reply)


def storage_size_bytes(client: Client) -> int | None:
    """Total on-disk size of all databases (``listDatabases.totalSize``)."""
    return _int(run_admin(client, {"listDatabases": 1, "nameOnly": False}).get("totalSize"))


@dataclass(frozen=True)
class HelloSummary:
    writable_primary: bool
    set_name: str | None
    router: bool  # mongos answers hello with msg: "isdbgrid"
    max_wire_version: int | None
    secondary: bool = False
    primary: str | None = None  # the primary this member knows of, as "host:port"
    me: str | None = None
    # A --replSet member that has no config yet (never initiated, or removed): hello says isreplicaset: true.
    awaiting_config: bool = False


def hello(client: Client) -> HelloSummary:
    return parse_hello(run_admin(client, {"hello": 1}))


def parse_hello(reply: dict[str, Any]) -> HelloSummary:
    set_name = reply.get("setName")
    return HelloSummary(
        writable_primary=bool(reply.get("isWritablePrimary", reply.get("ismaster", False))),
        set_name=str(set_name) if set_name else None,
        router=reply.get("msg") == "isdbgrid",
        max_wire_version=_int(reply.get("maxWireVersion")),
        secondary=bool(reply.get("secondary", False)),
        primary=str(reply["primary"]) if reply.get("primary") else None,
        me=str(reply["me"]) if reply.get("me") else None,
        awaiting_config=bool(reply.get("isreplicaset")) and not set_name,
    )


def optional(call: Callable[[Client], T], client: Client) -> T | None:
    """``call(client)``, or None when the server does not implement the command (CommandNotFound)."""
    try:
        return call(client)
    except CommandFailedError as exc:
        if exc.code == COMMAND_NOT_FOUND:
            return None
        raise
