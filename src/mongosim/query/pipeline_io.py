"""Pipeline stages that reach other collections or other parts of the server: $lookup, $graphLookup,
$unionWith, $out, $merge, and the first-stage sources ($documents, $collStats, $indexStats, $currentOp,
$listSessions, $listLocalSessions).

$collStats / $indexStats / $currentOp take their data from the diagnostics module (``collstats_stage``,
``indexstats_stage``, ``currentop_stage``). $out and $merge write through the storage engine.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import uuid
from collections.abc import Iterator
from typing import Any

from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.query import expr as expressions
from mongosim.query.compare import MISSING, order_key
from mongosim.query.match import matcher
from mongosim.query.paths import candidates, get_path, split
from mongosim.query.pipeline import Docs, PipelineEnv, run_pipeline, set_field, stage


def _string_option(stage_name: str, spec: dict[str, Any], key: str, required: bool = True) -> str | None:
    value = spec.get(key)
    if value is None:
        if required:
            raise CommandError(40321 if stage_name == "$lookup" else 40105,
                               f"{stage_name} requires '{key}' to be specified" if stage_name != "$lookup"
                               else f"must specify '{key}' field for a $lookup")
        return None
    if not isinstance(value, str):
        raise CommandError(40321, f"{stage_name} argument '{key}: {value!r}' must be a string, is type "
                           f"{type(value).__name__}")
    return value


@stage("$lookup")
def _lookup(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    if not isinstance(spec, dict):
        raise CommandError(9, "the $lookup specification must be an Object")
    for key in spec:
        if key not in ("from", "localField", "foreignField", "as", "let", "pipeline"):
            raise CommandError(9, f"unknown argument to $lookup: {key}")
    as_field = _string_option("$lookup", spec, "as")
    assert as_field is not None
    source: Any = spec.get("from")
    db: str = env.db
    if isinstance(source, dict):
        db, source = source.get("db", env.db), source.get("coll")
    local = _string_option("$lookup", spec, "localField", required="pipeline" not in spec)
    foreign = _string_option("$lookup", spec, "foreignField", required="pipeline" not in spec)
    if (local is None) != (foreign is None):
        raise CommandError(9, "$lookup requires both or neither of 'localField' and 'foreignField' to be "
                           "specified")
    sub_pipeline = spec.get("pipeline")
    let = spec.get("let", {})
    if sub_pipeline is not None:
        from mongosim.query.pipeline import validate_pipeline

        validate_pipeline(sub_pipeline, nested=True)
    if source is None and not (sub_pipeline and next(iter(sub_pipeline[0]), "") == "$documents"):
        raise CommandError(9, "must specify 'from' field for a $lookup")

    def foreign_docs(filter_doc: dict[str, Any] | None) -> list[dict[str, Any]]:
        if source is None:
            return []
        return list(env.scan(source, filter_doc, db=db))

    def join(doc: dict[str, Any]) -> dict[str, Any]:
        filter_doc = None
        if local is not None and foreign is not None:
            value = get_path(doc, local)
            values = value if isinstance(value, list) else [expressions.null_if_missing(value)]
            filter_doc = {foreign: {"$in": values}}
        if sub_pipeline is None:
            matches = foreign_docs(filter_doc)
        else:
            variables = expressions.root_vars(doc, env.variables)
            bound = {name: expressions.evaluate(e, doc, variables) for name, e in let.items()}
            sub_env = env.with_variables(bound)
            matches = list(run_pipeline(iter(foreign_docs(filter_doc)), sub_pipeline, sub_env, nested=True))
        out = dict(doc)
        set_field(out, as_field.split("."), matches)
        return out
    return (join(doc) for doc in docs)


@stage("$graphLookup")
def _graph_lookup(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    for key in ("from", "startWith", "connectFromField", "connectToField", "as"):
        if key not in spec:
            raise CommandError(40105, f"missing '{key}' option to $graphLookup stage specification: {spec}")
    source, as_field = spec["from"], spec["as"]
    from_field, to_field = spec["connectFromField"], spec["connectToField"]
    max_depth = spec.get("maxDepth")
    depth_field = spec.get("depthField")
    restrict = spec.get("restrictSearchWithMatch") or {}
    restrict_ok = matcher(restrict, env.variables)
    from_parts = split(from_field)

    def traverse(doc: dict[str, Any]) -> dict[str, Any]:
        start = expressions.evaluate(spec["startWith"], doc, expressions.root_vars(doc, env.variables))
        frontier = start if isinstance(start, list) else [expressions.null_if_missing(start)]
        seen: dict[Any, dict[str, Any]] = {}
        visited_values: set[Any] = set()
        depth = 0
        while frontier and (max_depth is None or depth <= max_depth):
            values = [v for v in frontier if order_key(v) not in visited_values]
            visited_values.update(order_key(v) for v in values)
            if not values:
                break
            next_frontier: list[Any] = []
            for found in env.scan(source, {to_field: {"$in": values}}):
                key = order_key(found.get("_id"))
                if key in seen or not restrict_ok(found):
                    continue
                record = dict(found)
                if depth_field:
                    from bson.int64 import Int64

                    record[depth_field] = Int64(depth)
                seen[key] = record
                for value in candidates(found, from_parts):
                    if value is not MISSING:
                        next_frontier.extend(value if isinstance(value, list) else [value])
            frontier = next_frontier
            depth += 1
        out = dict(doc)
        out[as_field] = list(seen.values())
        return out
    return (traverse(doc) for doc in docs)


@stage("$unionWith")
def _union_with(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    source: Any = spec
    sub: Any = []
    if isinstance(spec, dict):
        source, sub = spec.get("coll"), spec.get("pipeline", [])
    elif not isinstance(spec, str):
        raise CommandError(40627, "the $unionWith stage specification must be an object or string")
    from mongosim.query.pipeline import validate_pipeline

    validate_pipeline(sub, nested=True)

    def union() -> Iterator[dict[str, Any]]:
        yield from docs
        other = env.scan(source) if source else iter(())
        yield from run_pipeline(other, sub, env, nested=True)
    return union()


def _ensure_id(doc: dict[str, Any]) -> dict[str, Any]:
    if "_id" in doc:
        return doc
    return {"_id": ObjectId(), **doc}


def _target(spec: Any, env: PipelineEnv, name: str) -> tuple[str, str]:
    db: Any = env.db
    coll: Any = spec
    if isinstance(spec, dict):
        coll = spec.get("coll") if name == "$out" else spec.get("into")
        if isinstance(coll, dict):
            db, coll = coll.get("db", env.db), coll.get("coll")
        elif name == "$out":
            db = spec.get("db", env.db)
    if isinstance(coll, str) and coll and isinstance(db, str):
        return db, coll
    raise CommandError(16990, f"{name} only supports a string or object argument, not {type(spec).__name__}")


def out_stage(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    db, name = _target(spec, env, "$out")
    storage = env.ctx.server.storage if env.ctx is not None else None
    if storage is None:
        raise CommandError("IllegalOperation", "$out requires a storage engine")
    temp = f"tmp.agg_out.{uuid.uuid4()}"
    coll = storage.create_collection(db, temp, {})
    try:
        for doc in docs:
            coll.insert(_ensure_id(doc))
        storage.rename_collection(db, temp, db, name, drop_target=True)
    except CommandError:
        storage.drop_collection(db, temp)
        raise
    env.written.append(f"{db}.{name}")
    return iter(())


def merge_stage(docs: Docs, spec: Any, env: PipelineEnv) -> Iterator[dict[str, Any]]:
    db, name = _target(spec, env, "$merge")
    options = spec if isinstance(spec, dict) else {}
    on = options.get("on", "_id")
    on_fields = [on] if isinstance(on, str) else list(on)
    when_matched = options.get("whenMatched", "merge")
    when_not_matched = options.get("whenNotMatched", "insert")
    storage = env.ctx.server.storage if env.ctx is not None else None
    if storage is None:
        raise CommandError("IllegalOperation", "$merge requires a storage engine")
    coll = storage.get_or_create_collection(db, name)
    for incoming in docs:
        doc = _ensure_id(incoming)
        key = {f: expressions.null_if_missing(get_path(doc, f)) for f in on_fields}
        existing = next((d for d in coll.documents() if matcher(key)(d)), None)
        if existing is None:
            if when_not_matched == "insert":
                coll.insert(doc)
            elif when_not_matched == "fail":
                raise CommandError(13113, "$merge could not find a matching document in the target collection "
                                   "for at least one document in the source collection")
            continue
        if when_matched == "fail":
            raise CommandError("DuplicateKey", f"E11000 duplicate key error collection: {db}.{name}")
        if when_matched == "keepExisting":
            continue
        if when_matched == "replace":
            new = dict(doc)
        elif when_matched == "merge":
            new = {**existing, **doc}
        else:  # a pipeline updating the existing document, with $$new bound to the incoming one
            new = next(run_pipeline(iter([existing]), when_matched, env.with_variables({"new": doc}), nested=True))
        new["_id"] = existing["_id"]
        coll.replace(existing, new)
    env.written.append(f"{db}.{name}")
    return iter(())


def source_stage(name: str, spec: Any, env: PipelineEnv) -> list[dict[str, Any]]:
    ctx = env.ctx
    if name == "$documents":
        value = expressions.evaluate(spec, {}, expressions.root_vars({}, env.variables))
        if not isinstance(value, list) or not all(isinstance(d, dict) for d in value):
            raise CommandError(5858203, "an array is expected")
        return list(value)
    if ctx is None:
        return []
    if name in ("$listSessions", "$listLocalSessions"):
        from mongosim.commands.sessions import sessions

        # Without authentication every session belongs to the user whose digest is SHA-256 of "".
        uid = hashlib.sha256(b"").digest()
        return [{"_id": {"id": uuid.UUID(bytes=key), "uid": uid},
                 "lastUse": dt.datetime.fromtimestamp(last, dt.UTC).replace(tzinfo=None)}
                for key, last in sessions(ctx.server).items()]
    from mongosim.commands import diagnostics

    collection = ctx.cmd.get("aggregate")
    if name == "$collStats":
        fn = getattr(diagnostics, "collstats_stage", None)
        args: tuple[Any, ...] = (ctx, env.db, collection, spec)
    elif name == "$indexStats":
        fn = getattr(diagnostics, "indexstats_stage", None)
        args = (ctx, env.db, collection)
    else:
        if env.db != "admin" or collection != 1:
            raise CommandError("InvalidNamespace", "$currentOp must be run against the 'admin' database with "
                               "{aggregate: 1}")
        fn = getattr(diagnostics, "currentop_stage", None)
        args = (ctx, spec)
    if fn is None:
        raise CommandError("CommandNotFound", f"{name} is not available on this server")
    return list(fn(*args))
