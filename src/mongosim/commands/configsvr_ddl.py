"""The config server's side of coordinated DDL: what a primary shard's drop coordinator and movePrimary
coordinator ask of the catalog (``admin`` database, config server primary, majority-acknowledged).

- ``_configsvrRemoveChunks {collectionUUID}``: the chunks of a dropped collection (under the collection's
  catalog lock, so a migration being committed finishes first);
- ``_configsvrRemoveTags {_configsvrRemoveTags: ns}``: its zone ranges;
- ``_configsvrCommitMovePrimary {_configsvrCommitMovePrimary: db, expectedDatabaseVersion, to}``: the new
  primary shard, with a new database version; committing again to the same shard succeeds (a coordinator that
  resumes after the commit).
"""

from __future__ import annotations

from typing import Any

import bson

from mongosim.commands import command
from mongosim.commands.configsvr import _role
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.sharding.catalog import CHUNKS, COLLECTIONS, DATABASES, TAGS

MONGOD = ("mongod",)


@command("_configsvrRemoveChunks", admin_only=True, processes=MONGOD)
async def remove_chunks(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    uuid = cmd.get("collectionUUID")
    if not isinstance(uuid, bson.Binary):
        raise CommandError(40414, "BSON field '_configsvrRemoveChunks.collectionUUID' is missing but a required "
                           "field")
    owner = role.catalog.find_one(COLLECTIONS, {"uuid": uuid})
    async with role.locked(str(owner["_id"]) if owner else f"uuid:{uuid.hex()}"):
        role.catalog.delete(CHUNKS, {"uuid": uuid})
        await role.catalog.majority()
    return {}


@command("_configsvrRemoveTags", admin_only=True, processes=MONGOD)
async def remove_tags(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    ns = cmd.get("_configsvrRemoveTags")
    if not isinstance(ns, str) or "." not in ns:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    role.catalog.delete(TAGS, {"ns": ns})
    await role.catalog.majority()
    return {}


@command("_configsvrCommitMovePrimary", admin_only=True, processes=MONGOD)
async def commit_move_primary(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    role = _role(ctx)
    catalog = role.catalog
    db = cmd.get("_configsvrCommitMovePrimary")
    to = cmd.get("to")
    expected = cmd.get("expectedDatabaseVersion")
    if not isinstance(db, str) or not isinstance(to, str):
        raise CommandError("InvalidOptions", "_configsvrCommitMovePrimary needs a database and a shard")
    if catalog.shard(to) is None:
        raise CommandError("ShardNotFound", f"Could not find shard {to}")
    async with role.locked(db):
        database = catalog.database(db)
        if database is None:
            raise CommandError("NamespaceNotFound", f"Database {db} not found")
        if database["primary"] == to:
            return {"databaseVersion": database["version"]}  # committed already: a resumed coordinator
        version = database.get("version") or {}
        if isinstance(expected, dict) and (expected.get("uuid") != version.get("uuid")
                                           or expected.get("timestamp") != version.get("timestamp")):
            raise CommandError("StaleDbVersion", f"version mismatch detected for {db}", db=db,
                               vReceived=expected, vWanted=version)
        database["primary"] = to
        database["version"] = {**version, "lastMod": int(version.get("lastMod", 1)) + 1,
                               "timestamp": catalog.now_ts()}
        catalog.save(DATABASES, database)
        await catalog.majority()
        return {"databaseVersion": database["version"]}
