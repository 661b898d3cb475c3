"""Collection and database DDL: create (collections, capped, clustered, time-series, views), drop, dropDatabase,
renameCollection, collMod, convertToCapped, cloneCollectionAsCapped.

Views live where MongoDB keeps them, as ``{_id: "<db>.<view>", viewOn, pipeline}`` documents in
``<db>.system.views``; reading through a view is the aggregation layer's job. Every DDL command waits behind an
fsync lock like any other write.
"""

from __future__ import annotations

import copy
from typing import Any

from bson.int64 import Int64

from mongosim import nsstats, profiler
from mongosim.commands import command
from mongosim.commands.admin import GENERIC_ARGUMENTS
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.namespaces import check_collection_name, check_db_name, render, split_ns
from mongosim.server import Server
from mongosim.storage.engine import Collection

VIEWS = "system.views"
_CREATE_FIELDS = frozenset({"create", "capped", "size", "max", "autoIndexId", "validator", "validationLevel",
                            "validationAction", "collation", "clusteredIndex", "expireAfterSeconds", "timeseries",
                            "viewOn", "pipeline", "storageEngine", "indexOptionDefaults", "idIndex",
                            "changeStreamPreAndPostImages", "encryptedFields", "flags", "temp", "recordIdsReplicated"})
# Generic arguments a router attaches when it forwards create to the database's primary shard.
_ROUTING_ARGUMENTS = frozenset({"shardVersion", "databaseVersion"})
_LEVELS = ("off", "strict", "moderate")
_ACTIONS = ("error", "warn", "errorAndLog")
_GRANULARITY_SPAN = {"seconds": 3600, "minutes": 86400, "hours": 2592000}


def storage(ctx: CommandContext) -> Any:
    if ctx.server.storage is None:
        raise CommandError("CommandNotFound", f"no such command: '{ctx.name}'")
    return ctx.server.storage


def ensure_collection(engine: Any, db: str, name: str) -> Collection:
    """The collection, created when missing (explicit None test: an empty Collection is falsy)."""
    coll: Collection | None = engine.get_collection(db, name)
    if coll is None:
        coll = engine.create_collection(db, name)
    return coll


def view_document(server: Server, db: str, name: str) -> dict[str, Any] | None:
    views = server.storage.get_collection(db, VIEWS) if server.storage is not None else None
    return views.get(f"{db}.{name}") if views is not None else None


def _enum(cmd: dict[str, Any], command_name: str, field: str, allowed: tuple[str, ...]) -> None:
    if field in cmd and cmd[field] not in allowed:
        raise CommandError("BadValue", f"Enumeration value '{cmd[field]}' for field '{command_name}.{field}' is not a "
                           "valid value.")


def _validation_options(cmd: dict[str, Any], command_name: str, options: dict[str, Any]) -> None:
    if "validator" in cmd:
        if not isinstance(cmd["validator"], dict):
            raise CommandError("TypeMismatch", f"BSON field '{command_name}.validator' is the wrong type, expected "
                               "type 'object'")
        options["validator"] = cmd["validator"]
    _enum(cmd, command_name, "validationLevel", _LEVELS)
    _enum(cmd, command_name, "validationAction", _ACTIONS)
    if "validationLevel" in cmd:
        options["validationLevel"] = cmd["validationLevel"]
    if "validationAction" in cmd:
        options["validationAction"] = cmd["validationAction"]
    if "validator" in options:
        options.setdefault("validationLevel", "strict")
        options.setdefault("validationAction", "error")


def _capped_size(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
        raise CommandError("BadValue", "capped size must be a non-negative number")
    size = int(value)
    return size + (256 - size % 256) % 256  # WiredTiger rounds capped sizes up to 256 bytes


def collection_options(cmd: dict[str, Any]) -> dict[str, Any]:
    """The options create stores (and listCollections shows), validated like the server validates them."""
    for key in cmd:
        if key not in _CREATE_FIELDS and key not in GENERIC_ARGUMENTS and key not in _ROUTING_ARGUMENTS:
            raise CommandError(40415, f"BSON field 'create.{key}' is an unknown field.")
    options: dict[str, Any] = {}
    if cmd.get("capped"):
        if "size" not in cmd:
            raise CommandError("InvalidOptions", "the 'size' field is required when 'capped' is true")
        options["capped"] = True
        options["size"] = _capped_size(cmd["size"])
        if cmd.get("max"):
            options["max"] = int(cmd["max"])
    if cmd.get("clusteredIndex"):
        spec = cmd["clusteredIndex"]
        if spec is True:
            spec = {"key": {"_id": 1}, "unique": True}
        if not isinstance(spec, dict) or spec.get("key") != {"_id": 1} or spec.get("unique") is not True:
            raise CommandError("InvalidIndexSpecificationOption", "The clusteredIndex option is only supported for "
                               "key: {_id: 1} with unique: true")
        options["clusteredIndex"] = {"v": 2, "key": {"_id": 1}, "name": spec.get("name", "_id_"), "unique": True}
    if "timeseries" in cmd:
        series = cmd["timeseries"]
        if not isinstance(series, dict) or "timeField" not in series:
            raise CommandError(40414, "BSON field 'create.timeseries.timeField' is missing but a required field")
        if options.get("capped"):
            raise CommandError("InvalidOptions", "Time-series collection cannot be capped")
        granularity = series.get("granularity", "seconds")
        normalized = {"timeField": series["timeField"]}
        if "metaField" in series:
            normalized["metaField"] = series["metaField"]
        normalized["granularity"] = granularity
        normalized["bucketMaxSpanSeconds"] = int(series.get("bucketMaxSpanSeconds",
                                                            _GRANULARITY_SPAN.get(granularity, 3600)))
        options["timeseries"] = normalized
    if "expireAfterSeconds" in cmd:
        if "clusteredIndex" not in options and "timeseries" not in options:
            raise CommandError("InvalidOptions", "'expireAfterSeconds' is only supported on clustered collections "
                               "and time-series collections")
        options["expireAfterSeconds"] = Int64(int(cmd["expireAfterSeconds"]))
    _validation_options(cmd, "create", options)
    for key in ("collation", "storageEngine", "indexOptionDefaults", "changeStreamPreAndPostImages"):
        if key in cmd:
            options[key] = cmd[key]
    return options


def _exists_conflict(ns: str, existing: dict[str, Any], uuid: Any = None) -> CommandError:
    shown = {"uuid": uuid, **existing} if uuid is not None else existing
    return CommandError("NamespaceExists", f"namespace {ns} already exists, but with different options: "
                        f"{render(shown)}")


async def _create_view(ctx: CommandContext, cmd: dict[str, Any], name: str) -> dict[str, Any]:
    db = ctx.db
    view_on = cmd["viewOn"]
    if not isinstance(view_on, str) or not view_on:
        raise CommandError("BadValue", "'viewOn' must be a non-empty string")
    pipeline = cmd.get("pipeline", [])
    if not isinstance(pipeline, list) or not all(isinstance(stage, dict) for stage in pipeline):
        raise CommandError("TypeMismatch", "'pipeline' must be an array of objects")
    if {"capped", "timeseries", "clusteredIndex", "validator"} & set(cmd):
        raise CommandError("InvalidOptions", "Invalid option for a view: only 'viewOn', 'pipeline' and 'collation' "
                           "may be given")
    doc: dict[str, Any] = {"_id": f"{db}.{name}", "viewOn": view_on, "pipeline": pipeline}
    if "collation" in cmd:
        doc["collation"] = cmd["collation"]
    existing = view_document(ctx.server, db, name)
    if existing is not None:
        if existing == doc:
            return {}
        raise _exists_conflict(doc["_id"], {k: v for k, v in existing.items() if k != "_id"})
    if storage(ctx).get_collection(db, name) is not None:
        raise CommandError("NamespaceExists", f"Collection {db}.{name} already exists.")
    ensure_collection(storage(ctx), db, VIEWS).insert(doc)
    return {}


@command("create", processes=("mongod",))
async def create(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    check_db_name(db)
    name = check_collection_name(db, cmd.get("create"))
    ctx.ns = f"{db}.{name}"
    await ctx.server.wait_writes_allowed(ctx)
    if "viewOn" in cmd:
        return await _create_view(ctx, cmd, name)
    options = collection_options(cmd)
    engine = storage(ctx)
    existing = engine.get_collection(db, name)
    if existing is not None:
        if existing.options == options:
            return {}  # create is idempotent when the options match
        raise _exists_conflict(ctx.ns, existing.options, existing.uuid)
    if view_document(ctx.server, db, name) is not None:
        raise CommandError("NamespaceExists", f"A view already exists. NS: {ctx.ns}")
    engine.create_collection(db, name, options)
    return {}


def _profiling_on(server: Server, db: str) -> bool:
    return profiler.level(server, db) > 0


@command("drop", processes=("mongod",))
async def drop(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    name = cmd.get("drop")
    if not isinstance(name, str):
        raise CommandError("TypeMismatch", f"collection name has invalid type {type(name).__name__}")
    ctx.ns = f"{db}.{name}"
    await ctx.server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    server = ctx.server
    if name == profiler.PROFILE_COLLECTION and _profiling_on(server, db):
        raise CommandError("IllegalOperation", "turn off profiling before dropping system.profile collection")
    view = view_document(server, db, name)
    if view is not None:
        engine.get_collection(db, VIEWS).delete(view)
        return {"ns": ctx.ns}
    coll = engine.get_collection(db, name)
    if coll is None:
        return {}  # since 7.0 dropping a missing collection succeeds
    n_indexes = len(coll.list_indexes())
    server.cursors.kill_for_namespace(ctx.ns)
    engine.drop_collection(db, name)
    nsstats.forget(server, ctx.ns)
    return {"nIndexesWas": n_indexes, "ns": ctx.ns}


@command("dropDatabase", processes=("mongod",))
async def drop_database(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    server = ctx.server
    if server.config.cluster_role == "configsvr" and db == "config":
        raise CommandError("IllegalOperation", "Cannot drop 'config' database if mongod started with --configsvr")
    if server.config.repl_set and db == "local":
        raise CommandError("IllegalOperation", f"Cannot drop '{db}' database while replication is active")
    if cmd.get("dropDatabase") != 1:
        raise CommandError(5255100, "Have to pass 1 as 'drop' parameter")
    await server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    for coll in engine.list_collections(db):
        server.cursors.kill_for_namespace(coll.ns)
        nsstats.forget(server, coll.ns)
    engine.drop_database(db)
    profiler.state(server).levels.pop(db, None)
    return {}


@command("renameCollection", admin_only=True, processes=("mongod",))
async def rename_collection(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    source = cmd.get("renameCollection")
    if "to" not in cmd:
        raise CommandError(40414, "BSON field 'renameCollection.to' is missing but a required field")
    src_db, src = split_ns(source, "source")
    dst_db, dst = split_ns(cmd["to"], "target")
    try:
        check_db_name(dst_db)
        check_collection_name(dst_db, dst)
    except CommandError as exc:
        raise CommandError("InvalidNamespace", f"Invalid target namespace: {cmd['to']}") from exc
    if source == cmd["to"]:
        raise CommandError("IllegalOperation", "Can't rename a collection to itself")
    ctx.ns = source
    await ctx.server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    server = ctx.server
    if view_document(server, src_db, src) is not None:
        raise CommandError("CommandNotSupportedOnView", f"Namespace {source} is a view, not a collection")
    if src.startswith("system.") or dst.startswith("system."):
        raise CommandError("IllegalOperation", f"error with {'source' if src.startswith('system.') else 'target'} "
                           f"namespace: cannot write to '{source if src.startswith('system.') else cmd['to']}'")
    if engine.get_collection(src_db, src) is None:
        raise CommandError("NamespaceNotFound", f"Source collection {source} does not exist")
    if engine.get_collection(dst_db, dst) is not None and not cmd.get("dropTarget"):
        raise CommandError("NamespaceExists", "target namespace exists")
    if view_document(server, dst_db, dst) is not None:
        raise CommandError("NamespaceExists", "a view already exists with that name")
    server.cursors.kill_for_namespace(f"{src_db}.{src}")
    server.cursors.kill_for_namespace(f"{dst_db}.{dst}")
    engine.rename_collection(src_db, src, dst_db, dst, drop_target=bool(cmd.get("dropTarget")))
    nsstats.forget(server, f"{src_db}.{src}")
    return {}


def _set_options(coll: Collection, options: dict[str, Any]) -> None:
    setter = getattr(coll, "set_options", None)
    if callable(setter):
        setter(options)  # journalled catalog change
    else:
        coll.options.clear()
        coll.options.update(options)


def _index_for(coll: Collection, spec: dict[str, Any]) -> dict[str, Any]:
    for index in coll.list_indexes():
        if ("name" in spec and index["name"] == spec["name"]) or \
                ("keyPattern" in spec and index["key"] == spec["keyPattern"]):
            return index
    wanted = render(spec.get("keyPattern")) if "keyPattern" in spec else spec.get("name")
    raise CommandError("IndexNotFound", f"cannot find index {wanted} for ns {coll.ns}")


def _modify_index(coll: Collection, name: str, changes: dict[str, Any]) -> None:
    setter = getattr(coll, "set_index_option", None)
    for option, value in changes.items():
        if callable(setter):
            setter(name, option, value)  # journalled index catalog change
        else:
            for spec in getattr(coll, "_indexes", []):  # engine without the catalog call
                if spec["name"] == name:
                    spec[option] = value


@command("collMod", processes=("mongod",))
async def coll_mod(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    name = cmd.get("collMod")
    ctx.ns = f"{db}.{name}"
    await ctx.server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    view = view_document(ctx.server, db, str(name))
    if view is not None:
        updated = dict(view)
        for key in ("viewOn", "pipeline"):
            if key in cmd:
                updated[key] = cmd[key]
        engine.get_collection(db, VIEWS).replace(view, updated)
        return {}
    coll = engine.get_collection(db, str(name))
    if coll is None:
        raise CommandError("NamespaceNotFound", f"ns does not exist: {ctx.ns}")
    reply: dict[str, Any] = {}
    if "index" in cmd:
        spec = cmd["index"]
        if not isinstance(spec, dict) or not ({"name", "keyPattern"} & set(spec)):
            raise CommandError("InvalidOptions", "must specify either index name or key pattern for collMod")
        index = _index_for(coll, spec)
        changes: dict[str, Any] = {}
        if "expireAfterSeconds" in spec:
            if "expireAfterSeconds" not in index:
                raise CommandError("InvalidOptions", "no expireAfterSeconds field to update")
            reply["expireAfterSeconds_old"] = index["expireAfterSeconds"]
            reply["expireAfterSeconds_new"] = spec["expireAfterSeconds"]
            changes["expireAfterSeconds"] = spec["expireAfterSeconds"]
        if "hidden" in spec:
            if index["name"] == "_id_":
                raise CommandError("BadValue", "can't hide _id index")
            reply["hidden_old"] = bool(index.get("hidden", False))
            reply["hidden_new"] = bool(spec["hidden"])
            changes["hidden"] = bool(spec["hidden"])
        _modify_index(coll, index["name"], changes)
    options = dict(coll.options)
    _validation_options(cmd, "collMod", options)
    if "expireAfterSeconds" in cmd:
        options["expireAfterSeconds"] = Int64(int(cmd["expireAfterSeconds"]))
    for key in ("changeStreamPreAndPostImages",):
        if key in cmd:
            options[key] = cmd[key]
    if coll.capped and "cappedSize" in cmd:
        options["size"] = _capped_size(cmd["cappedSize"])
    if coll.capped and "cappedMax" in cmd:
        options["max"] = int(cmd["cappedMax"])
    if options != coll.options:
        _set_options(coll, options)
    return reply


def _copy_capped(source: Collection, target: Collection, size: int) -> None:
    """Copy in natural order, then drop the oldest documents beyond the cap (what a capped insert does)."""
    for doc in source.documents():
        target.insert(copy.deepcopy(doc))
    held = target.data_size()
    for oldest in target.documents():
        if held <= size:
            break
        target.delete(oldest)
        held = target.data_size()


@command("cloneCollectionAsCapped", processes=("mongod",))
async def clone_collection_as_capped(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    src = cmd.get("cloneCollectionAsCapped")
    dst = check_collection_name(db, cmd.get("toCollection"))
    if "size" not in cmd:
        raise CommandError(40414, "BSON field 'cloneCollectionAsCapped.size' is missing but a required field")
    ctx.ns = f"{db}.{src}"
    await ctx.server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    source = engine.get_collection(db, str(src))
    if source is None:
        raise CommandError("NamespaceNotFound", f"source collection {db}.{src} does not exist")
    if engine.get_collection(db, dst) is not None:
        raise CommandError("NamespaceExists", f"cloneCollectionAsCapped failed - destination collection {db}.{dst} "
                           f"already exists. source: {db}.{src} destination: {db}.{dst}")
    size = _capped_size(cmd["size"])
    target = engine.create_collection(db, dst, {"capped": True, "size": size})
    _copy_capped(source, target, size)
    return {}


@command("convertToCapped", processes=("mongod",))
async def convert_to_capped(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    db = ctx.db
    name = cmd.get("convertToCapped")
    if "size" not in cmd:
        raise CommandError(40414, "BSON field 'convertToCapped.size' is missing but a required field")
    ctx.ns = f"{db}.{name}"
    await ctx.server.wait_writes_allowed(ctx)
    engine = storage(ctx)
    source = engine.get_collection(db, str(name))
    if source is None:
        raise CommandError("NamespaceNotFound", f"source collection {ctx.ns} does not exist")
    size = _capped_size(cmd["size"])
    temp = f"tmp.convertToCapped.{name}"
    target = engine.create_collection(db, temp, {"capped": True, "size": size})
    _copy_capped(source, target, size)
    ctx.server.cursors.kill_for_namespace(ctx.ns)
    engine.rename_collection(db, temp, db, str(name), drop_target=True)
    nsstats.forget(ctx.server, ctx.ns)
    return {}
