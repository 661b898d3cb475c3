"""Catalog and storage reports: listCollections, listDatabases, dbStats, collStats, dataSize, validate."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import bson
from bson.int64 import Int64

from mongosim import MAX_BSON_OBJECT_SIZE, storagestats
from mongosim.auth import authz
from mongosim.commands import command
from mongosim.commands.ddl import VIEWS, storage, view_document
from mongosim.context import CommandContext
from mongosim.cursors import Cursor
from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.query.project import projector

_ID_INDEX = {"v": 2, "key": {"_id": 1}, "name": "_id_"}


def _collection_entries(ctx: CommandContext, db: str) -> Iterator[dict[str, Any]]:
    engine = storage(ctx)
    entries: list[dict[str, Any]] = []
    for coll in engine.list_collections(db):
        options = dict(coll.options)
        if options.get("timeseries"):
            entries.append({"name": coll.name, "type": "timeseries", "options": options,
                            "info": {"readOnly": False}})
            continue
        entry: dict[str, Any] = {"name": coll.name, "type": "collection", "options": options,
                                 "info": {"readOnly": False, "uuid": coll.uuid}}
        if not options.get("clusteredIndex"):
            entry["idIndex"] = dict(_ID_INDEX)
        entries.append(entry)
    views = engine.get_collection(db, VIEWS)
    for view in views.documents() if views is not None else []:
        view_options: dict[str, Any] = {"viewOn": view["viewOn"], "pipeline": view["pipeline"]}
        if "collation" in view:
            view_options["collation"] = view["collation"]
        entries.append({"name": str(view["_id"]).split(".", 1)[1], "type": "view", "options": view_options,
                        "info": {"readOnly": True}})
    return iter(sorted(entries, key=lambda entry: entry["name"]))


def cursor_reply(ctx: CommandContext, ns: str, docs: Iterator[dict[str, Any]], batch_size: Any) -> dict[str, Any]:
    """A command cursor: the first batch now, the rest through getMore."""
    if batch_size is not None and (isinstance(batch_size, bool) or not isinstance(batch_size, int) or batch_size < 0):
        raise CommandError("BadValue", "batchSize must be non-negative")
    first: list[dict[str, Any]] = []
    limit = 101 if batch_size is None else batch_size
    while len(first) < limit:
        try:
            first.append(next(docs))
        except StopIteration:
            return {"cursor": {"id": Int64(0), "ns": ns, "firstBatch": first}}
    cursors = ctx.server.cursors
    cursor = cursors.register(Cursor(cursors.new_id(), ns, docs, ctx.cmd,
                                     connection_id=ctx.conn.id if ctx.conn else None, lsid=ctx.cmd.get("lsid")))
    cursor.n_returned = len(first)
    cursor.n_batches = 1
    return {"cursor": {"id": Int64(cursor.id), "ns": ns, "firstBatch": first}}


@command("listCollections", processes=("mongod",))
def list_collections(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    filter_doc = cmd.get("filter") or {}
    if not isinstance(filter_doc, dict):
        raise CommandError("TypeMismatch", "BSON field 'listCollections.filter' is the wrong type, expected type "
                           "'object'")
    cursor_opts = cmd.get("cursor") or {}
    predicate = matcher(filter_doc)
    name_only = bool(cmd.get("nameOnly")) and set(filter_doc) <= {"name", "type"}
    shape = projector({"name": 1, "type": 1, "_id": 0}) if name_only else None
    visible = authz.collection_filter(ctx)  # authorizedCollections: only what the user may act on
    docs = (shape(entry) if shape else entry for entry in _collection_entries(ctx, ctx.db)
            if predicate(entry) and (visible is None or visible(entry["name"])))
    return cursor_reply(ctx, f"{ctx.db}.$cmd.listCollections", docs, cursor_opts.get("batchSize"))


@command("listDatabases", admin_only=True, processes=("mongod",))
def list_databases(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    filter_doc = cmd.get("filter") or {}
    predicate = matcher(filter_doc)
    name_only = bool(cmd.get("nameOnly"))
    databases: list[dict[str, Any]] = []
    total = 0
    visible = authz.database_filter(ctx)  # authorizedDatabases: only those the user has privileges on
    for name in storage(ctx).list_databases():
        if visible is not None and not visible(name):
            continue
        if name_only:
            entry: dict[str, Any] = {"name": name}
        else:
            size = storagestats.database_size(ctx.server, name)
            entry = {"name": name, "sizeOnDisk": Int64(size), "empty": size == 0}
        if predicate(entry):
            databases.append(entry)
            total += int(entry.get("sizeOnDisk", 0))
    if name_only:
        return {"databases": databases}
    return {"databases": databases, "totalSize": Int64(total), "totalSizeMb": Int64(total >> 20)}


@command("dbStats", processes=("mongod",))
def db_stats(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    scale = storagestats.check_scale(cmd.get("scale"), "dbStats")
    storage(ctx)
    return storagestats.database_stats(ctx.server, ctx.db, scale, bool(cmd.get("freeStorage")))


@command("collStats", processes=("mongod",))
def coll_stats(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name = cmd.get("collStats")
    if not isinstance(name, str) or not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ctx.db}.{name}'")
    scale = storagestats.check_scale(cmd.get("scale"), "collStats")
    ctx.ns = f"{ctx.db}.{name}"
    if view_document(ctx.server, ctx.db, name) is not None:
        raise CommandError("CommandNotSupportedOnView", f"Namespace {ctx.ns} is a view, not a collection")
    storage(ctx)
    ctx.server.log.warning("COMMAND", 7024600, ctx.conn.ctx_name if ctx.conn else "-",
                           "The collStats command is deprecated. For more information, see "
                           "https://dochub.mongodb.org/core/collStats-deprecated")
    return storagestats.collection_stats(ctx.server, ctx.db, name, scale)


def _in_range(doc: dict[str, Any], low: dict[str, Any], high: dict[str, Any]) -> bool:
    """Key range [min, max) on the leading field of the key pattern."""
    field = next(iter(low))
    value = doc.get(field)
    return bool(matcher({field: {"$gte": low[field], "$lt": high[field]}})({field: value}))


@command("dataSize", "datasize", processes=("mongod",))
def data_size(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    started = time.monotonic()
    ns = cmd.get(ctx.name)
    if not isinstance(ns, str) or "." not in ns:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    low, high = cmd.get("min"), cmd.get("max")
    if (low is None) != (high is None):
        raise CommandError("BadValue", f"Max must {'' if low else 'not '}be set if min is {'' if low else 'not '}set.")
    db, name = ns.split(".", 1)
    coll = storage(ctx).get_collection(db, name)
    reply: dict[str, Any] = {}
    if coll is None or len(coll) == 0:
        return {"size": Int64(0), "numObjects": Int64(0), "millis": Int64(int((time.monotonic() - started) * 1000))}
    if cmd.get("estimate") is not None:
        reply["estimate"] = bool(cmd.get("estimate"))
    size = objects = 0
    for doc in coll.documents():
        if low and high and not _in_range(doc, low, high):
            continue
        size += len(bson.encode(doc))
        objects += 1
    reply.update({"size": Int64(size), "numObjects": Int64(objects),
                  "millis": Int64(int((time.monotonic() - started) * 1000))})
    return reply


def _keys_for(docs: list[dict[str, Any]], spec: dict[str, Any]) -> int:
    """Index entries: one per document (sparse/partial indexes skip documents without the key)."""
    fields = list(spec.get("key", {}))
    if spec.get("sparse"):
        return sum(1 for doc in docs if any(field.split(".")[0] in doc for field in fields))
    if "partialFilterExpression" in spec:
        return sum(1 for doc in docs if matcher(spec["partialFilterExpression"])(doc))
    return len(docs)


@command("validate", processes=("mongod",))
def validate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name = cmd.get("validate")
    ctx.ns = f"{ctx.db}.{name}"
    if view_document(ctx.server, ctx.db, str(name)) is not None:
        raise CommandError("CommandNotSupportedOnView", "Cannot validate a view")
    coll = storage(ctx).get_collection(ctx.db, str(name))
    if coll is None:
        raise CommandError("NamespaceNotFound", f"Collection '{ctx.ns}' does not exist to validate.")
    docs = list(coll.documents())
    errors: list[str] = []
    invalid = 0
    seen: set[bytes] = set()
    for doc in docs:
        try:
            encoded = bson.encode(doc)
        except (bson.errors.InvalidDocument, OverflowError):
            invalid += 1
            continue
        if len(encoded) > MAX_BSON_OBJECT_SIZE:
            invalid += 1
        if "_id" in doc:
            key = bson.encode({"": doc["_id"]})
            if key in seen:
                errors.append(f"Duplicate _id found in collection {ctx.ns}")
            seen.add(key)
    if invalid:
        errors.append(f"Detected {invalid} invalid BSON document(s) in {ctx.ns}")
    indexes = coll.list_indexes()
    keys = {spec["name"]: _keys_for(docs, spec) for spec in indexes}
    return {"ns": ctx.ns, "uuid": coll.uuid, "nInvalidDocuments": invalid, "nNonCompliantDocuments": 0,
            "nrecords": len(docs), "nIndexes": len(indexes), "keysPerIndex": keys,
            "indexDetails": {name: {"valid": True} for name in keys}, "valid": not errors, "repaired": False,
            "warnings": [], "errors": errors, "extraIndexEntries": [], "missingIndexEntries": [],
            "corruptRecords": []}
