"""applyOps: apply oplog entries as mongorestore --oplogReplay, PBM and replica-set tooling send them.

Entries are ``{op: "i"|"u"|"d"|"c"|"n", ns, o, o2?, ...}``. Updates come as ``$v: 2`` diffs
(``{diff: {d, u, i, s<field>}}``, arrays ``{a: true, l, u<n>, s<n>}``), as full replacements, or as legacy
modifier documents; inserts and replacements upsert, as the server's applyOps mode does. Commands (``c``) run
through the command registry, except ``create`` with a ``ui``: the collection is created with that UUID, as
``mongorestore --preserveUUID`` relies on (the caller needs the ``useUUID`` privilege). The reply is
``{applied, results: [true...]}``; on the first failure the error carries how many entries ran.
"""

from __future__ import annotations

import asyncio
import copy
from typing import Any

from bson import Binary

from mongosim import commands
from mongosim.commands import command
from mongosim.commands.ddl import collection_options, ensure_collection, view_document
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.match import matcher
from mongosim.query.update import apply_update, parse_update
from mongosim.repl.diff import apply_diff
from mongosim.storage.engine import Collection

_ENTRY_FIELDS = frozenset({"op", "ns", "o", "o2", "ui", "ts", "t", "v", "wall", "h", "b", "lsid", "txnNumber",
                           "stmtId", "prevOpTime", "preImageOpTime", "postImageOpTime", "fromMigrate", "_id",
                           "version", "needsRetryImage", "tid", "destinedRecipient", "$db"})


def _find(coll: Collection | None, query: dict[str, Any]) -> dict[str, Any] | None:
    if coll is None:
        return None
    if set(query) == {"_id"}:
        return coll.get(query["_id"])
    predicate = matcher(query)
    return next((doc for doc in coll.documents() if predicate(doc)), None)


def _apply_update(ctx: CommandContext, db: str, name: str, entry: dict[str, Any], always_upsert: bool) -> None:
    engine = ctx.server.storage
    assert engine is not None
    query = entry.get("o2")
    update = entry.get("o")
    if not isinstance(query, dict) or not isinstance(update, dict):
        raise CommandError("FailedToParse", "applyOps update entries need object 'o' and 'o2' fields")
    coll = engine.get_collection(db, name)
    current = _find(coll, query)
    if update.get("$v") == 2 and isinstance(update.get("diff"), dict):
        if current is None and not always_upsert:
            raise CommandError("NoMatchingDocument", f"Failed to apply update: no document matching {query}")
        base = copy.deepcopy(current) if current is not None else dict(query)
        new_doc = apply_diff(base, update["diff"])
    elif update and next(iter(update)).startswith("$"):
        modifiers = {key: value for key, value in update.items() if key != "$v"}
        parsed = parse_update(modifiers)
        base = current if current is not None else dict(query)
        new_doc = apply_update(parsed, base) or copy.deepcopy(base)
    else:
        new_doc = copy.deepcopy(update)
        if "_id" not in new_doc and "_id" in query:
            new_doc = {"_id": query["_id"], **new_doc}
    target = coll if coll is not None else ensure_collection(engine, db, name)
    if current is not None:
        target.replace(current, new_doc)
    elif always_upsert:
        target.insert(new_doc)
    else:
        raise CommandError("NoMatchingDocument", f"Failed to apply update: no document matching {query}")


def _create_with_uuid(ctx: CommandContext, db: str, cmd: dict[str, Any], ui: Any) -> None:
    """``create`` keeping the collection UUID of the entry (idempotent when it already exists with that UUID)."""
    if not isinstance(ui, Binary) or ui.subtype != 4:
        raise CommandError("InvalidUUID", "ui must be a UUID (BinData subtype 4)")
    name = cmd.get("create")
    if not isinstance(name, str) or not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace: {db}.{name}")
    if "viewOn" in cmd:
        raise CommandError("InvalidOptions", "a view has no UUID: create it without 'ui'")
    options = collection_options({key: value for key, value in cmd.items() if key != "idIndex"})
    engine = ctx.server.storage
    assert engine is not None
    existing = engine.get_collection(db, name)
    if existing is not None:
        if existing.uuid == ui:
            return
        raise CommandError("NamespaceExists", f"Collection {db}.{name} already exists with UUID {existing.uuid!r}")
    if view_document(ctx.server, db, name) is not None:
        raise CommandError("NamespaceExists", f"A view already exists. NS: {db}.{name}")
    for other in engine.all_collections():
        if other.uuid == ui:
            raise CommandError("NamespaceExists", f"UUID {ui!r} is already used by {other.db}.{other.name}")
    engine.create_collection(db, name, options, ui)


async def _apply_command(ctx: CommandContext, db: str, cmd: dict[str, Any], ui: Any = None) -> None:
    name = next(iter(cmd), "")
    if name == "create" and ui is not None:
        _create_with_uuid(ctx, db, cmd, ui)
        return
    if name == "createIndexes" and "indexes" not in cmd:
        spec = {key: value for key, value in cmd.items() if key != "createIndexes"}
        cmd = {"createIndexes": cmd["createIndexes"], "indexes": [spec]}
    if name == "renameCollection":
        db = "admin"
    handler = commands.lookup(name, ctx.server.process)
    if handler is None:
        raise CommandError("BadValue", f"Failed to apply operation due to missing command: {name}")
    sub = ctx.server.new_context(ctx.conn, db, {**cmd, "$db": db}, ctx.protocol)
    result = handler.handler(sub, sub.cmd)
    if asyncio.iscoroutine(result):
        await result


async def _apply_entry(ctx: CommandContext, entry: Any, always_upsert: bool) -> None:
    if not isinstance(entry, dict):
        raise CommandError("FailedToParse", "applyOps entries must be objects")
    unknown = [key for key in entry if key not in _ENTRY_FIELDS]
    if unknown:
        raise CommandError(40415, f"BSON field 'applyOps.{unknown[0]}' is an unknown field.")
    op = entry.get("op")
    ns = entry.get("ns", "")
    if op == "n":
        return
    if not isinstance(ns, str) or "." not in ns:
        raise CommandError("InvalidNamespace", f"invalid ns: {ns}")
    db, name = ns.split(".", 1)
    engine = ctx.server.storage
    assert engine is not None
    doc = entry.get("o")
    if op == "c":
        if not isinstance(doc, dict):
            raise CommandError("FailedToParse", "applyOps command entries need an object 'o'")
        await _apply_command(ctx, db, doc, entry.get("ui"))
    elif op == "i":
        if not isinstance(doc, dict):
            raise CommandError("FailedToParse", "applyOps insert entries need an object 'o'")
        coll = ensure_collection(engine, db, name)
        existing = coll.get(doc["_id"]) if "_id" in doc else None
        if existing is not None:
            coll.replace(existing, copy.deepcopy(doc))
        else:
            coll.insert(copy.deepcopy(doc))
    elif op == "u":
        _apply_update(ctx, db, name, entry, always_upsert)
    elif op == "d":
        target = engine.get_collection(db, name)
        current = _find(target, doc) if isinstance(doc, dict) else None
        if target is not None and current is not None:
            target.delete(current)
    else:
        raise CommandError("BadValue", f"Invalid op type: {op!r}")


@command("applyOps", processes=("mongod",))
async def apply_ops(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    entries = cmd.get("applyOps")
    if not isinstance(entries, list):
        raise CommandError("FailedToParse", "ops has to be an array")
    if ctx.server.storage is None:
        raise CommandError("CommandNotFound", "no such command: 'applyOps'")
    always_upsert = cmd.get("alwaysUpsert", True) is not False
    await ctx.server.wait_writes_allowed(ctx)
    results: list[bool] = []
    for entry in entries:
        ctx.check_interrupt()
        try:
            await _apply_entry(ctx, entry, always_upsert)
        except CommandError as exc:
            results.append(False)
            raise CommandError(exc.code, exc.errmsg, applied=len(results), results=results) from exc
        results.append(True)
    return {"applied": len(results), "results": results}
