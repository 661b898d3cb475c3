"""The live topology of a cluster known only by its connection string (registered, not deployed here): what the
servers behind it say of themselves, read once — ``hello``, then ``listShards`` through a router or
``replSetGetStatus`` from a replica set member.

Health, from that one reading: ``healthy`` when every shard (or replica-set member) answers as it should,
``degraded`` when the cluster serves but something is missing (a member not PRIMARY/SECONDARY/ARBITER, a shard
in draining), ``down`` when nobody answered.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from mongo_admin.errors import MongoAdminError

HEALTHY_STATES = ("PRIMARY", "SECONDARY", "ARBITER")
TIMEOUT_S = 3.0


@dataclass(frozen=True)
class RemoteMember:
    name: str
    state: str
    health: float


@dataclass(frozen=True)
class RemoteShard:
    id: str
    host: str
    state: int | None
    draining: bool


@dataclass(frozen=True)
class RemoteTopology:
    message: str
    kind: str  # "sharded" (through a router), "replica set" or "standalone"
    health: str
    version: str | None
    set_name: str | None = None
    shards: list[RemoteShard] = field(default_factory=list)
    members: list[RemoteMember] = field(default_factory=list)


def remote_topology(uri: str, *, username: str | None = None, password: str | None = None,
                    auth_source: str = "admin", tls: bool = False, timeout_s: float = TIMEOUT_S) -> RemoteTopology:
    """Read the topology through ``uri``; ServerUnreachableError (or CommandFailedError) when it cannot."""
    import pymongo

    from mongo_admin.mongo import client as mongo

    timeout_ms = int(timeout_s * 1000)
    options: dict[str, Any] = mongo.ClientAuth(username, password, auth_source).options()
    if tls:
        options["tls"] = True
    client: Any = pymongo.MongoClient(uri, directConnection=False, serverSelectionTimeoutMS=timeout_ms,
                                      connectTimeoutMS=timeout_ms, socketTimeoutMS=timeout_ms,
                                      appname=mongo.APP_NAME, **options)
    try:
        return _read(client, mongo)
    finally:
        client.close()


def _read(client: Any, mongo: Any) -> RemoteTopology:
    hello = mongo.run_admin(client, {"hello": 1})
    version: str | None = None
    try:
        version = str(mongo.run_admin(client, {"buildInfo": 1}).get("version"))
    except MongoAdminError:
        version = None
    if hello.get("msg") == "isdbgrid":
        reply = mongo.run_admin(client, {"listShards": 1})
        shards = [RemoteShard(str(s.get("_id")), str(s.get("host")), s.get("state"), bool(s.get("draining")))
                  for s in reply.get("shards", [])]
        ok = shards and all(s.state in (None, 1) and not s.draining for s in shards)
        health = "healthy" if ok else "degraded"
        return RemoteTopology(f"sharded cluster {health}: {len(shards)} shard(s) through a router", "sharded", health,
                              version, shards=shards)
    if hello.get("setName"):
        status = mongo.run_admin(client, {"replSetGetStatus": 1})
        members = [RemoteMember(str(m.get("name")), str(m.get("stateStr")), float(m.get("health", 0)))
                   for m in status.get("members", [])]
        has_primary = any(m.state == "PRIMARY" for m in members)
        all_ok = all(m.state in HEALTHY_STATES and m.health == 1 for m in members)
        health = "healthy" if has_primary and all_ok else "degraded" if has_primary else "down"
        return RemoteTopology(f"replica set {hello['setName']} {health}: {len(members)} member(s)", "replica set",
                              health, version, set_name=str(hello["setName"]), members=members)
    return RemoteTopology("standalone server answering", "standalone", "healthy", version)
