"""createIndexes, dropIndexes (deleteIndexes) and listIndexes, with MongoDB 8.0's replies and errors.

Index specs are validated and normalized by the storage engine (``storage/indexspec.py``); this module parses the
commands, creates the collection implicitly for createIndexes (undone when the build fails), and shapes replies:
createIndexes ``{numIndexesBefore, numIndexesAfter, createdCollectionAutomatically, [commitQuorum], [note]}``,
dropIndexes ``{nIndexesWas, [msg]}``, listIndexes a cursor ``{id: 0, ns: "<db>.$cmd.listIndexes.<coll>"}``.
"""

from __future__ import annotations

from typing import Any

from bson.int64 import Int64

from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.cursors import Cursor
from mongosim.errors import CommandError
from mongosim.storage.collection import Collection
from mongosim.storage.engine import StorageEngine
from mongosim.storage.indexspec import ALLOWED_FIELDS, type_name
from mongosim.storage.keys import render


def _storage(ctx: CommandContext) -> StorageEngine:
    storage = ctx.server.storage
    if storage is None:
        raise CommandError("CommandNotFound", f"no such command: '{ctx.name}'")
    return storage


def _collection_name(ctx: CommandContext, cmd: dict[str, Any]) -> str:
    name = cmd[ctx.name]
    if not isinstance(name, str):
        raise CommandError("InvalidNamespace", f"collection name has invalid type {type_name(name)}")
    if not name or not ctx.db:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ctx.db}.{name}'")
    ctx.ns = f"{ctx.db}.{name}"
    return name


def _index_specs(cmd: dict[str, Any]) -> list[dict[str, Any]]:
    if "indexes" not in cmd:
        raise CommandError(40414, "BSON field 'createIndexes.indexes' is missing but a required field")
    specs = cmd["indexes"]
    if not isinstance(specs, list):
        raise CommandError("TypeMismatch", f"BSON field 'createIndexes.indexes' is the wrong type "
                           f"'{type_name(specs)}', expected type 'array'")
    ignore_unknown = cmd.get("ignoreUnknownIndexOptions", False)
    if not isinstance(ignore_unknown, bool):
        raise CommandError("TypeMismatch", "BSON field 'createIndexes.ignoreUnknownIndexOptions' is the wrong type "
                           f"'{type_name(ignore_unknown)}', expected type 'bool'")
    if ignore_unknown:
        specs = [{k: v for k, v in spec.items() if k in ALLOWED_FIELDS} if isinstance(spec, dict) else spec
                 for spec in specs]
    if not specs:
        raise CommandError("BadValue", "Must specify at least one index to create")
    return specs


@command("createIndexes")
async def create_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    storage = _storage(ctx)
    name = _collection_name(ctx, cmd)
    specs = _index_specs(cmd)
    if "commitQuorum" in cmd and not ctx.server.config.repl_set:
        raise CommandError("BadValue", "Standalones can't specify commitQuorum")
    await ctx.server.wait_writes_allowed(ctx)
    coll = storage.get_collection(ctx.db, name)
    created = coll is None
    if coll is None:
        coll = storage.create_collection(ctx.db, name)
        try:
            coll.create_indexes(specs)
        except CommandError:
            storage.drop_collection(ctx.db, name)  # the implicit creation is undone with the failed build
            raise
        before = 1
    else:
        before = len(coll.indexes())
        coll.create_indexes(specs)
    after = len(coll.indexes())
    if after == before and not created:
        return {"numIndexesBefore": before, "numIndexesAfter": after, "note": "all indexes already exist"}
    reply: dict[str, Any] = {"numIndexesBefore": before, "numIndexesAfter": after,
                             "createdCollectionAutomatically": created}
    if ctx.server.config.repl_set:
        reply["commitQuorum"] = cmd.get("commitQuorum", "votingMembers")
    if after == before:
        reply["note"] = "all indexes already exist"
    elif after < before + len(specs):
        reply["note"] = "index already exists"
    return reply


def _indexes_to_drop(coll: Collection, target: Any) -> list[str]:
    """The names a dropIndexes ``index`` argument designates (validated before anything is dropped)."""
    if isinstance(target, str):
        if target == "*":
            return [index.name for index in coll.indexes()[1:]]
        if coll.get_index(target) is None:
            raise CommandError("IndexNotFound", f"index not found with name [{target}]")
        if target == "_id_":
            raise CommandError("InvalidOptions", "cannot drop _id index")
        return [target]
    if isinstance(target, dict):
        found = coll.find_indexes_by_key(target)
        if not found:
            raise CommandError("IndexNotFound", f"can't find index with key: {render(target)}")
        if len(found) > 1:
            raise CommandError("AmbiguousIndexKeyPattern", f"{len(found)} indexes found for key: {render(target)}, "
                               "identify by name instead. Conflicting indexes: "
                               f"{render(found[0].spec)}, {render(found[1].spec)}")
        if found[0].is_id:
            raise CommandError("InvalidOptions", "cannot drop _id index")
        if found[0].name == "*":
            raise CommandError("InvalidOptions", "cannot drop an index named '*' by key pattern.  You must drop the "
                               "entire collection, drop all indexes on the collection by using an index name of "
                               "'*', or downgrade to 3.4 to drop only this index.")
        return [found[0].name]
    if isinstance(target, list):
        for item in target:
            if not isinstance(item, str):
                raise CommandError("TypeMismatch", f"dropIndexes {coll.ns} ({coll.uuid.as_uuid()}) failed to drop "
                                   f"multiple indexes {render(target)}: index name must be a string")
        for item in target:
            if item == "*":
                raise CommandError("BadValue", "'*' is not allowed in an array of index names")
            if coll.get_index(item) is None:
                raise CommandError("IndexNotFound", f"index not found with name [{item}]")
            if item == "_id_":
                raise CommandError("InvalidOptions", "cannot drop _id index")
        return list(dict.fromkeys(target))
    raise CommandError("TypeMismatch", "BSON field 'dropIndexes.index' is the wrong type "
                       f"'{type_name(target)}', expected types '[string, object, array]'")


@command("dropIndexes", "deleteIndexes")
async def drop_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    storage = _storage(ctx)
    name = _collection_name(ctx, cmd)
    if "index" not in cmd:
        raise CommandError(40414, f"BSON field '{ctx.name}.index' is missing but a required field")
    await ctx.server.wait_writes_allowed(ctx)
    coll = storage.get_collection(ctx.db, name)
    if coll is None:
        raise CommandError("NamespaceNotFound", f"ns not found {ctx.db}.{name}")
    names = _indexes_to_drop(coll, cmd["index"])
    reply: dict[str, Any] = {"nIndexesWas": len(coll.indexes())}
    for index_name in names:
        coll.drop_index(index_name)
    if cmd["index"] == "*":
        reply["msg"] = "non-_id indexes dropped for collection"
    return reply


@command("listIndexes", counter="command")
def list_indexes(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    storage = _storage(ctx)
    name = _collection_name(ctx, cmd)
    coll = storage.get_collection(ctx.db, name)
    if coll is None:
        raise CommandError("NamespaceNotFound", f"ns does not exist: {ctx.db}.{name}")
    ns = f"{ctx.db}.$cmd.listIndexes.{name}"
    specs = coll.list_indexes()
    options = cmd.get("cursor") or {}
    batch_size = options.get("batchSize") if isinstance(options, dict) else None
    cursor_id = Int64(0)
    if isinstance(batch_size, int) and 0 <= batch_size < len(specs):
        cursor = Cursor(ctx.server.cursors.new_id(), ns, iter(specs[batch_size:]), dict(cmd),
                        connection_id=ctx.conn.id if ctx.conn is not None else None, lsid=cmd.get("lsid"))
        ctx.server.cursors.register(cursor)
        cursor_id, specs = Int64(cursor.id), specs[:batch_size]
    return {"cursor": {"id": cursor_id, "ns": ns, "firstBatch": specs}}
