"""Shard membership on the config server: addShard (validate the replica set, give it its identity, record it)
and removeShard (the draining state machine the balancer completes).

Validation follows ``ShardingCatalogManager::_validateHostAsShard``: the seed list must lead to a primary of a
replica set whose name matches the connection string and whose members include every seed host; a mongos or a
config server is refused; the set must have been started with ``--shardsvr``; and none of its databases may
already exist in the cluster.
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.repl.peer import PeerError
from mongosim.sharding.catalog import CHUNKS, COLLECTIONS, DATABASES, SHARDS, database_document, shard_document
from mongosim.sharding.remote import RemoteSet, parse_connection_string, raise_for

if TYPE_CHECKING:
    from mongosim.sharding.configsvr import ConfigServer

_SYSTEM_DBS = frozenset({"admin", "config", "local"})
_FIND_PRIMARY_S = 20.0


async def add_shard(role: ConfigServer, connection: Any, proposed: Any) -> str:
    if not isinstance(connection, str) or not connection:
        raise CommandError("BadValue", "Invalid connection string")
    if proposed is not None and (not isinstance(proposed, str) or not proposed):
        raise CommandError("BadValue", "shard name cannot be empty")
    set_name, hosts = parse_connection_string(connection)
    if not hosts:
        raise CommandError("FailedToParse", f"Invalid connection string {connection}")
    catalog = role.catalog
    async with role.membership_lock:
        catalog.ensure_setup()
        existing = _existing(role, set_name, hosts, proposed)
        if existing is not None:
            return existing
        remote = RemoteSet(set_name, hosts)
        try:
            hello = await _validated_hello(remote, connection, set_name, hosts)
            name = proposed or hello.get("setName") or ""
            if name == "config":
                raise CommandError("BadValue", "use of shard replica set with name 'config' is not allowed")
            if catalog.shard(name) is not None:
                raise CommandError("IllegalOperation", f"A shard with name '{name}' already exists")
            await _check_shard_server(remote, connection)
            databases = await _databases(remote)
            for db in databases:
                known = catalog.database(db)
                if known is not None:
                    raise CommandError("OperationFailed", f"can't add shard '{connection}' because a local database "
                                       f"'{db}' exists in another {known['primary']}")
            host = f"{set_name}/{','.join(hello.get('hosts') or hosts)}"
            identity = {"_shardsvrSetShardIdentity": 1, "shardName": name, "clusterId": catalog.cluster_id(),
                        "configsvrConnectionString": role.connection_string(),
                        "writeConcern": {"w": "majority"}}
            reply = await remote.command("admin", identity, timeout_s=30.0)
            if reply.get("ok") != 1:
                raise CommandError(int(reply.get("code", 96)), f"failed to run command {{ _shardsvrSetShardIdentity: "
                                   f"1, shardName: \"{name}\" }} when attempting to add shard {connection} :: "
                                   f"caused by :: {reply.get('errmsg', '')}")
        finally:
            remote.close()
        catalog.check_primary()
        catalog.insert(SHARDS, shard_document(name, host, catalog.now_ts()))
        for db in databases:
            catalog.insert(DATABASES, database_document(db, name, catalog.now_ts()))
        catalog.log_change("addShard", "", {"name": name, "host": host})
        await catalog.majority()
        return name


def _existing(role: ConfigServer, set_name: str, hosts: list[str], proposed: str | None) -> str | None:
    """The name of a shard these hosts already form (addShard retried), else None."""
    for doc in role.catalog.shards():
        doc_set, doc_hosts = parse_connection_string(doc["host"])
        if doc_set == set_name and set(hosts) & set(doc_hosts):
            if proposed is not None and proposed != doc["_id"]:
                raise CommandError("IllegalOperation", f"A shard already exists containing the replica set "
                                   f"'{set_name}'")
            return str(doc["_id"])
    return None


async def _validated_hello(remote: RemoteSet, connection: str, set_name: str, hosts: list[str]) -> dict[str, Any]:
    deadline = time.monotonic() + _FIND_PRIMARY_S
    hello: dict[str, Any] | None = None
    for host in hosts:
        try:
            hello = await remote.command_on(host, "admin", {"hello": 1}, timeout_s=5.0)
            break
        except PeerError:
            continue
    if hello is None:
        raise CommandError("FailedToSatisfyReadPreference", f"Could not find host matching read preference "
                           f"{{ mode: \"primary\" }} for set {set_name or connection}")
    if hello.get("msg") == "isdbgrid":
        raise CommandError("IllegalOperation", "cannot add a mongos as a shard")
    found = hello.get("setName") or ""
    if not set_name and found:
        raise CommandError("OperationFailed", f"host is part of set {found}; use replica set url format "
                           "<setname>/<server1>,<server2>, ...")
    if set_name and not found:
        raise CommandError("OperationFailed", "host did not return a set name; is the replica set still "
                           "initializing?")
    if set_name and set_name != found:
        raise CommandError("OperationFailed", f"the provided connection string ({connection}) does not match the "
                           f"actual set name {found}")
    if "configsvr" in hello:
        raise CommandError("OperationFailed", f"Cannot add {connection} as a shard since it is a config server")
    if not set_name:
        raise CommandError("OperationFailed", f"Cannot add {connection} as a shard since it is not a replica set")
    members = set(hello.get("hosts") or []) | set(hello.get("passives") or []) | set(hello.get("arbiters") or [])
    for host in hosts:
        if host not in members:
            raise CommandError("OperationFailed", f"in seed list {connection}, host {host} does not belong to "
                               f"replica set {found}")
    try:
        primary = await remote.find_primary(deadline)
    except CommandError as exc:
        raise CommandError("NotWritablePrimary", f"{connection} does not have a master. If this is a replica set, "
                           "ensure that it has a healthy primary and that the set has been properly "
                           "initiated.") from exc
    return await remote.command_on(primary, "admin", {"hello": 1}, timeout_s=5.0)


async def _check_shard_server(remote: RemoteSet, connection: str) -> None:
    """A replica set started without --shardsvr refuses to become a shard, with the error its addShard
    handler raises (ShardsvrAddShardCommand: 50876)."""
    opts = raise_for(await remote.command("admin", {"getCmdLineOpts": 1}, timeout_s=10.0))
    role = (opts.get("parsed", {}).get("sharding") or {}).get("clusterRole")
    if role != "shardsvr":
        raise CommandError(50876, "Cannot run addShard on a node started without --shardsvr")


async def _databases(remote: RemoteSet) -> list[str]:
    reply = raise_for(await remote.command("admin", {"listDatabases": 1, "nameOnly": True}, timeout_s=10.0))
    return [d["name"] for d in reply.get("databases", []) if d.get("name") not in _SYSTEM_DBS]


# ----------------------------------------------------------------------------------------------- removeShard
async def remove_shard(role: ConfigServer, name: Any) -> dict[str, Any]:
    if not isinstance(name, str) or not name:
        raise CommandError("BadValue", "Invalid shard name")
    catalog = role.catalog
    async with role.membership_lock:
        catalog.check_primary()
        shard = catalog.shard(name)
        if shard is None:
            raise CommandError("ShardNotFound", f"Shard {name} does not exist")
        if len(catalog.shards()) == 1:
            raise CommandError("IllegalOperation", "Operation not allowed because it would remove the last shard")
        dbs = sorted(d["_id"] for d in catalog.find(DATABASES, {"primary": name}))
        if not shard.get("draining"):
            if catalog.find(SHARDS, {"draining": True}):
                raise CommandError("ConflictingOperationInProgress", "Can't have more than one draining shard at a "
                                   "time")
            catalog.save(SHARDS, dict(shard, draining=True))
            catalog.log_change("removeShard.start", "", {"shard": name})
            await catalog.majority()
            if role.balancer is not None:
                role.balancer.wake()
            return {"msg": "draining started successfully", "state": "started", "shard": name,
                    "note": "you need to drop or movePrimary these databases", "dbsToMove": dbs,
                    "collectionsToMove": []}
        uuids = [c["uuid"] for c in catalog.find(COLLECTIONS)]
        chunks = [c for c in catalog.find(CHUNKS, {"shard": name}) if c["uuid"] in uuids]
        jumbo = sum(1 for c in chunks if c.get("jumbo"))
        if chunks or dbs:
            return {"msg": "draining ongoing", "state": "ongoing",
                    "remaining": {"chunks": Int64(len(chunks)), "dbs": Int64(len(dbs)), "jumboChunks": Int64(jumbo)},
                    "note": "you need to drop or movePrimary these databases", "dbsToMove": dbs,
                    "collectionsToMove": []}
        catalog.delete(SHARDS, {"_id": name})
        catalog.log_change("removeShard", "", {"shard": name})
        await catalog.majority()
        role.forget_shard(name)
        return {"msg": "removeshard completed successfully", "state": "completed", "shard": name}
