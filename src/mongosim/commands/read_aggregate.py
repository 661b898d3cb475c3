"""The aggregate and explain commands.

aggregate runs ``query.pipeline`` over the collection; a leading ``$match`` is answered through the storage
plan (so it can use an index and shows in planSummary), first-stage sources ($collStats, $currentOp,
$documents...) need no collection, and ``{aggregate: 1}`` runs collectionless. explain answers for find,
aggregate, count, distinct, update, delete and findAndModify in the 8.0 classic-engine shapes, without
modifying anything.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

from bson.int64 import Int64

from mongosim.commands import command, views
from mongosim.commands.read import distinct_values, execute_find, parse_find
from mongosim.commands.read_cursors import DEFAULT_FIRST_BATCH, Source, open_cursor, record_execution, runtime_errors
from mongosim.commands.read_options import (
    aggregate_batch_size,
    check_type,
    deadline_of,
    guarded,
    namespace,
)
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query import explain as explaining
from mongosim.query.pipeline import SOURCE_STAGES, WRITE_STAGES, PipelineEnv, run_pipeline, validate_pipeline
from mongosim.query.scan import Scan, scan
from mongosim.storage.engine import Collection, Plan


def _target(ctx: CommandContext, cmd: dict[str, Any]) -> tuple[str | None, Collection | None, list[Any]]:
    """The collection read (on a view: the collection under it) and the view's pipeline to run first; the
    operation's namespace stays the one named (a view's cursor is named after the view)."""
    target = cmd.get("aggregate")
    if target in (1, 1.0) and not isinstance(target, bool):
        ctx.ns = f"{ctx.db}.$cmd.aggregate"
        return None, None, []
    name, coll = namespace(ctx, cmd)
    if coll is None:
        resolved = views.resolve(ctx.server, ctx.db, name)
        if resolved is not None:
            storage = ctx.server.storage
            underlying = storage.get_collection(ctx.db, resolved.collection) if storage is not None else None
            return name, underlying, list(resolved.pipeline)
    return name, coll, []


def _plan_pipeline(ctx: CommandContext, cmd: dict[str, Any], coll: Collection | None, collectionless: bool,
                   pipeline: list[Any]) -> tuple[Iterator[dict[str, Any]], Scan | None, list[Any]]:
    """The input stream of a pipeline and the stages left to run on it."""
    stages = validate_pipeline(pipeline)
    if stages and stages[0][0] in SOURCE_STAGES:
        return iter(()), None, pipeline
    if collectionless:
        raise CommandError("InvalidNamespace", "{aggregate: 1} is not valid for '" + (stages[0][0] if stages else
                           "") + "'; a collection is required.")
    filter_doc: dict[str, Any] | None = None
    rest = pipeline
    if stages and stages[0][0] == "$match" and isinstance(stages[0][1], dict):
        filter_doc, rest = stages[0][1], pipeline[1:]
    state = scan(ctx, coll, filter_doc, hint=cmd.get("hint"), variables=cmd.get("let"))
    return guarded(state.documents, ctx, deadline_of(cmd)), state, rest


@command("aggregate")
def aggregate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name, coll, view_pipeline = _target(ctx, cmd)
    if "pipeline" not in cmd:
        raise CommandError(40414, "BSON field 'aggregate.pipeline' is missing but a required field")
    pipeline = cmd["pipeline"]
    if not isinstance(pipeline, list):
        raise CommandError("TypeMismatch", "'pipeline' option must be specified as an array")
    pipeline = [*view_pipeline, *pipeline]
    if cmd.get("explain"):
        inner = {k: v for k, v in cmd.items() if k not in ("explain", "cursor")}
        return _explain(ctx, {"aggregate": cmd["aggregate"], **inner}, "queryPlanner")
    batch_size = aggregate_batch_size(cmd)
    check_type(cmd, "aggregate", "let", dict)
    docs, state, rest = _plan_pipeline(ctx, cmd, coll, name is None, pipeline)
    if state is not None:
        ctx.debug["planSummary"] = state.plan.summary
    env = PipelineEnv(ctx, ctx.db, cmd.get("let"))
    results = runtime_errors("PlanExecutor error during aggregation", lambda: run_pipeline(docs, rest, env))
    source = Source(results)
    writes = any(next(iter(s), "") in WRITE_STAGES for s in pipeline if isinstance(s, dict))
    limit = None if writes else (batch_size if batch_size is not None else DEFAULT_FIRST_BATCH)
    batch, exhausted = runtime_errors("PlanExecutor error during aggregation", lambda: source.batch(limit))
    if any(isinstance(s, dict) and "$sort" in s for s in pipeline):
        ctx.debug["hasSortStage"] = True
    if state is not None and coll is not None:
        match = pipeline[0].get("$match") if pipeline and isinstance(pipeline[0], dict) else None
        ctx.debug["queryHash"], ctx.debug["planCacheKey"] = explaining.query_hashes(
            ctx.ns or "", match, None, None, [i["name"] for i in coll.list_indexes()])
        ctx.debug["planCacheShapeHash"] = ctx.debug["queryHash"]
    cursor_id = 0
    if not exhausted:
        ctx.debug["nreturned"] = len(batch)
        cursor_id = open_cursor(ctx, ctx.ns or "", source, scan_state=state, collection=coll).id
    record_execution(ctx, state, len(batch), cursor_id, exhausted)
    return {"cursor": {"firstBatch": batch, "id": Int64(cursor_id), "ns": ctx.ns}}


# ---------------------------------------------------------------------------------------------- explain
_VIEW_REWRITES = {"find": views.find_as_aggregate, "count": views.count_as_aggregate,
                  "distinct": views.distinct_as_aggregate}
_EXPLAINABLE = ("find", "aggregate", "count", "distinct", "update", "delete", "findAndModify", "findandmodify")


@command("explain")
def explain(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    inner = cmd.get("explain")
    if not isinstance(inner, dict) or not inner:
        raise CommandError("FailedToParse", "explain command requires a nested object")
    verbosity = cmd.get("verbosity", "allPlansExecution")
    if verbosity not in explaining.VERBOSITIES:
        raise CommandError("FailedToParse", "verbosity string must be one of {'queryPlanner', "
                           "'executionStats', 'allPlansExecution'}")
    return _explain(ctx, inner, verbosity)


def _explain(ctx: CommandContext, inner: dict[str, Any], verbosity: str) -> dict[str, Any]:
    name = next(iter(inner))
    if name not in _EXPLAINABLE:
        raise CommandError("CommandNotFound", f"Explain failed due to unknown command: {name}")
    rewrite = _VIEW_REWRITES.get(name)
    if rewrite is not None and isinstance(inner.get(name), str) \
            and views.view_definition(ctx.server, ctx.db, inner[name]) is not None:
        inner, name = rewrite(inner), "aggregate"  # explained as the aggregation the view runs
    command_doc = {**inner, "$db": ctx.db}
    sub = CommandContext(ctx.server, ctx.conn, ctx.db, name, inner, ctx.protocol, ctx.opid)
    started = time.monotonic()
    if name == "aggregate":
        return _explain_aggregate(ctx, sub, inner, verbosity, command_doc)
    _, coll = namespace(sub, inner)
    ctx.ns = sub.ns
    execute = verbosity != "queryPlanner"
    if name == "find":
        spec = parse_find(inner)
        docs, state, in_memory = execute_find(sub, coll, spec, None)
        n = sum(1 for _ in docs) if execute else 0
        tree = explaining.find_plan(state.plan, spec.filter, spec.sort, spec.skip, spec.limit, spec.projection,
                                    in_memory)
        filter_doc, sort, projection = spec.filter, spec.sort, spec.projection
    else:
        filter_doc, sort, projection, state, n, tree = _explain_other(sub, coll, name, inner, execute)
    millis = int((time.monotonic() - started) * 1000)
    plan_hash, cache_key = explaining.query_hashes(sub.ns or "", filter_doc, sort, projection,
                                                   [i["name"] for i in coll.list_indexes()] if coll else [])
    planner = explaining.query_planner(sub.ns or "", filter_doc, tree, plan_hash, cache_key)
    execution = {"executionSuccess": True, "nReturned": n, "executionTimeMillis": millis,
                 "totalKeysExamined": state.keys_examined, "totalDocsExamined": state.docs_examined,
                 "executionStages": explaining.execution_stages(tree, n, state.docs_examined, state.keys_examined,
                                                                millis)}
    return explaining.explain_document(ctx, verbosity, planner, execution, command_doc)


def _explain_other(sub: CommandContext, coll: Collection | None, name: str, inner: dict[str, Any],
                   execute: bool) -> tuple[Any, Any, Any, Scan, int, dict[str, Any]]:
    if name == "count":
        query = inner.get("query") or {}
        state = scan(sub, coll, query, hint=inner.get("hint"))
        if coll is not None and not query:
            state = Scan(Plan("RECORD_STORE_FAST_COUNT", iter(())))
            return query, None, None, state, 0, {"stage": "RECORD_STORE_FAST_COUNT"}
        if execute:
            sum(1 for _ in state.documents)
        return query, None, None, state, 0, explaining.wrap("COUNT", explaining.scan_stage(state.plan, query))
    if name == "distinct":
        query = inner.get("query")
        state = scan(sub, coll, query, hint=inner.get("hint"))
        n = len(distinct_values(state.documents, inner.get("key", ""))) if execute else 0
        key = inner.get("key", "")
        tree = explaining.wrap("PROJECTION_DEFAULT", explaining.scan_stage(state.plan, query),
                               transformBy={"_id": 0, key: 1})
        return query, None, None, state, n, tree
    if name in ("findAndModify", "findandmodify"):
        query = inner.get("query") or {}
        state = scan(sub, coll, query, sort=inner.get("sort"))
        if execute:
            next(state.documents, None)
        stage = "DELETE" if inner.get("remove") else "UPDATE"
        return query, inner.get("sort"), None, state, 0, explaining.wrap(stage, explaining.scan_stage(state.plan,
                                                                                                      query))
    key = "updates" if name == "update" else "deletes"
    statements = inner.get(key)
    if not isinstance(statements, list) or len(statements) != 1 or not isinstance(statements[0], dict):
        raise CommandError("InvalidLength", f"explained {name} must have exactly one statement in '{key}'")
    query = statements[0].get("q") or {}
    state = scan(sub, coll, query, hint=statements[0].get("hint"))
    if execute:
        sum(1 for _ in state.documents)
    stage = "UPDATE" if name == "update" else "DELETE"
    return query, None, None, state, 0, explaining.wrap(stage, explaining.scan_stage(state.plan, query))


def _explain_aggregate(ctx: CommandContext, sub: CommandContext, inner: dict[str, Any], verbosity: str,
                       command_doc: dict[str, Any]) -> dict[str, Any]:
    name, coll, view_pipeline = _target(sub, inner)
    ctx.ns = sub.ns
    pipeline = inner.get("pipeline")
    if pipeline is None:
        raise CommandError(40414, "BSON field 'aggregate.pipeline' is missing but a required field")
    pipeline = [*view_pipeline, *pipeline]
    started = time.monotonic()
    docs, state, rest = _plan_pipeline(sub, inner, coll, name is None, pipeline)
    execute = verbosity != "queryPlanner" and not any(
        isinstance(s, dict) and next(iter(s), "") in WRITE_STAGES for s in pipeline)
    results = list(run_pipeline(docs, rest, PipelineEnv(sub, sub.db, inner.get("let")))) if execute else []
    millis = int((time.monotonic() - started) * 1000)
    match = pipeline[0].get("$match") if pipeline and isinstance(pipeline[0], dict) else None
    if state is None:
        stages = [dict(s) for s in pipeline]
        return explaining.explain_document(ctx, verbosity, None, None, command_doc, stages=stages)
    plan_hash, cache_key = explaining.query_hashes(sub.ns or "", match, None, None,
                                                   [i["name"] for i in coll.list_indexes()] if coll else [])
    tree = explaining.scan_stage(state.plan, match)
    planner = explaining.query_planner(sub.ns or "", match, tree, plan_hash, cache_key)
    execution = {"executionSuccess": True, "nReturned": state.docs_examined if not rest else len(results),
                 "executionTimeMillis": millis, "totalKeysExamined": state.keys_examined,
                 "totalDocsExamined": state.docs_examined,
                 "executionStages": explaining.execution_stages(tree, len(results) if not rest else
                                                                state.docs_examined, state.docs_examined,
                                                                state.keys_examined, millis)}
    if not rest:
        return explaining.explain_document(ctx, verbosity, planner, execution, command_doc)
    cursor_stage: dict[str, Any] = {"queryPlanner": planner}
    if verbosity != "queryPlanner":
        cursor_stage["executionStats"] = execution
    stages = [{"$cursor": cursor_stage}]
    for stage in rest:
        entry = dict(stage)
        if verbosity != "queryPlanner":
            entry["nReturned"] = Int64(len(results))
            entry["executionTimeMillisEstimate"] = Int64(millis)
        stages.append(entry)
    return explaining.explain_document(ctx, verbosity, None, None, command_doc, stages=stages)
