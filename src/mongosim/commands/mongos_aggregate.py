"""aggregate and explain on mongos.

An aggregation whose leading ``$match`` (or the collection's placement) reaches one shard runs there whole.
Otherwise it is split (``sharding.merge.split_pipeline``): each shard runs the per-document prefix (and a
``$sort``, with a following ``$limit``), the router merges the streams (merge-sorting on that sort) and runs the
rest with the query engine. ``{aggregate: 1, pipeline: [{$shardedDataDistribution: {}}]}`` on admin is
computed by the router; other collectionless aggregations ($currentOp, $documents) run on the router itself.

A read of a view whose collection is sharded comes back from the primary shard as
CommandOnShardedViewNotSupportedOnMongod with the resolved view; the router then runs the resolved aggregation
(the view's pipeline first) on that collection, the cursor keeping the view's name.

explain answers in the mongos shape: ``queryPlanner.mongosPlannerVersion`` and a winning plan whose stage is
SINGLE_SHARD, SHARD_MERGE or SHARD_MERGE_SORT over the shards' own explains.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mongosim.commands import command, views
from mongosim.commands import read_aggregate as local
from mongosim.commands.mongos_common import (
    check_stale,
    config_cursor,
    existing_routing,
    forwarded,
    is_config_namespace,
    open_shard_cursors,
)
from mongosim.commands.mongos_read import target_shards
from mongosim.commands.read_cursors import DEFAULT_FIRST_BATCH
from mongosim.commands.read_options import aggregate_batch_size, check_type, collection_name
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query import explain as explaining
from mongosim.query.pipeline import PipelineEnv, run_pipeline, stage_name
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.data_distribution import sharded_data_distribution
from mongosim.sharding.merge import split_pipeline
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import Router, router_of
from mongosim.sharding.router_cursors import ListStream, MergeStream, first_batch_reply, open_router_cursor

# Stages that read or write other collections: on the router they would need a second routed operation.
_ROUTER_UNSUPPORTED = frozenset({"$lookup", "$graphLookup", "$unionWith", "$out", "$merge"})


def _leading_match(pipeline: list[Any]) -> dict[str, Any] | None:
    if pipeline and isinstance(pipeline[0], dict) and isinstance(pipeline[0].get("$match"), dict):
        return dict(pipeline[0]["$match"])
    return None


def _batch_size(cmd: dict[str, Any]) -> int:
    size = aggregate_batch_size(cmd)
    return DEFAULT_FIRST_BATCH if size is None else size


@command("aggregate", processes=("mongos",))
async def aggregate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    if "pipeline" not in cmd:
        raise CommandError(40414, "BSON field 'aggregate.pipeline' is missing but a required field")
    pipeline = cmd["pipeline"]
    if not isinstance(pipeline, list):
        raise CommandError("TypeMismatch", "'pipeline' option must be specified as an array")
    check_type(cmd, "aggregate", "let", dict)
    target = cmd.get("aggregate")
    first_stage = stage_name(pipeline[0]) if pipeline else ""
    if target in (1, 1.0) and not isinstance(target, bool):
        ctx.ns = f"{ctx.db}.$cmd.aggregate"
        if first_stage != "$shardedDataDistribution":
            return local.aggregate(ctx, cmd)  # type: ignore[return-value]
        if ctx.db != "admin":
            raise CommandError("InvalidNamespace", "$shardedDataDistribution must be run against the 'admin' "
                               "database with {aggregate: 1}")
        docs = await sharded_data_distribution(router_of(ctx))
        env = PipelineEnv(ctx, ctx.db, cmd.get("let"))
        results = list(run_pipeline(iter(docs), pipeline[1:], env))
        return await open_router_cursor(ctx, ctx.ns, ListStream(results), _batch_size(cmd))
    collection_name(ctx, cmd)
    ns = ctx.ns or ""
    if cmd.get("explain"):
        inner = {k: v for k, v in cmd.items() if k not in ("explain", "cursor")}
        return await _explain(ctx, inner, "queryPlanner")
    first = _batch_size(cmd)
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        return await open_router_cursor(ctx, ns, MergeStream([await config_cursor(ctx, cmd)]), first)
    if await existing_routing(router, ns) is None:
        return first_batch_reply(ns, [], 0)
    return await open_router_cursor(ctx, ns, await view_or_collection_stream(ctx, ns, cmd), first)


Stream = MergeStream | ListStream


async def view_or_collection_stream(ctx: CommandContext, ns: str, cmd: dict[str, Any]) -> Stream:
    """The results of aggregation ``cmd`` on ``ns``; when ``ns`` is a view whose collection is sharded (the
    primary shard answers CommandOnShardedViewNotSupportedOnMongod with the resolved view), the resolved
    aggregation — the view's pipeline, then ``cmd``'s — run on that collection across its shards."""
    try:
        return await _routed_stream(ctx, ns, cmd)
    except CommandError as exc:
        resolved = views.ResolvedView.from_error(exc)
        if resolved is None:
            raise
    pipeline = [*resolved.pipeline, *cmd["pipeline"]]
    return await _routed_stream(ctx, resolved.ns, {**cmd, "aggregate": resolved.collection, "pipeline": pipeline})


async def _routed_stream(ctx: CommandContext, ns: str, cmd: dict[str, Any]) -> Stream:
    router = router_of(ctx)
    pipeline = cmd["pipeline"]

    async def attempt(routing: Routing) -> Stream:
        shards = target_shards(routing, _leading_match(pipeline))
        ctx.debug["nShards"] = len(shards)
        if len(shards) == 1:
            return MergeStream(await open_shard_cursors(router, routing, shards, ctx.db, lambda _s: forwarded(cmd)))
        shard_part, merge_sort, router_part = split_pipeline(pipeline)
        unsupported = [stage_name(s) for s in router_part if stage_name(s) in _ROUTER_UNSUPPORTED]
        if unsupported:
            raise CommandError("IllegalOperation", f"{unsupported[0]} on a collection spread over several shards "
                               "is not supported by the simulator's mongos")
        body = {**forwarded(cmd), "pipeline": shard_part, "cursor": {}}
        remotes = await open_shard_cursors(router, routing, shards, ctx.db, lambda _s: body)
        stream = MergeStream(remotes, merge_sort)
        if not router_part:
            return stream
        merged = await stream.drain()
        env = PipelineEnv(ctx, ctx.db, cmd.get("let"))
        return ListStream(list(run_pipeline(iter(merged), router_part, env)))

    return await router.routed(ns, attempt)


# ---------------------------------------------------------------------------------------------- explain
_FILTER_OF = {"find": "filter", "count": "query", "distinct": "query", "findAndModify": "query",
              "findandmodify": "query"}


def _explained_filter(name: str, inner: dict[str, Any]) -> dict[str, Any] | None:
    if name in _FILTER_OF:
        value = inner.get(_FILTER_OF[name])
        return value if isinstance(value, dict) else None
    if name == "aggregate":
        return _leading_match(inner.get("pipeline") or [])
    statements = inner.get("updates" if name == "update" else "deletes")
    if isinstance(statements, list) and len(statements) == 1 and isinstance(statements[0], dict):
        query = statements[0].get("q")
        return query if isinstance(query, dict) else None
    raise CommandError("InvalidLength", f"explained {name} must have exactly one statement")


@command("explain", processes=("mongos",))
async def explain(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    inner = cmd.get("explain")
    if not isinstance(inner, dict) or not inner:
        raise CommandError("FailedToParse", "explain command requires a nested object")
    verbosity = cmd.get("verbosity", "allPlansExecution")
    if verbosity not in explaining.VERBOSITIES:
        raise CommandError("FailedToParse", "verbosity string must be one of {'queryPlanner', "
                           "'executionStats', 'allPlansExecution'}")
    return await _explain(ctx, inner, verbosity)


async def _explain(ctx: CommandContext, inner: dict[str, Any], verbosity: str) -> dict[str, Any]:
    name = next(iter(inner))
    if name not in _FILTER_OF and name not in ("aggregate", "update", "delete"):
        raise CommandError("CommandNotFound", f"Explain failed due to unknown command: {name}")
    sub = CommandContext(ctx.server, ctx.conn, ctx.db, name, inner, ctx.protocol, ctx.opid)
    collection_name(sub, inner)
    ns = ctx.ns = sub.ns or ""
    router = router_of(ctx)
    body = {"explain": forwarded(inner), "verbosity": verbosity}
    if is_config_namespace(ctx.db):
        reply = raise_for(await router.config_command(ctx.db, body))
        return {k: v for k, v in reply.items() if k not in ("ok", "$clusterTime", "operationTime")}
    if await existing_routing(router, ns) is None:
        raise CommandError("NamespaceNotFound", f"database {ctx.db} not found")

    try:
        return await router.routed(ns, _explain_attempt(ctx, router, name, inner, verbosity))
    except CommandError as exc:
        resolved = views.ResolvedView.from_error(exc)
        if resolved is None:
            raise
    # A view of a sharded collection: explained as the resolved aggregation.
    rewrite = _VIEW_REWRITES.get(name)
    aggregation = rewrite(inner) if rewrite is not None else dict(inner)
    return await _explain(ctx, {**aggregation, "aggregate": resolved.collection,
                                "pipeline": [*resolved.pipeline, *aggregation["pipeline"]]}, verbosity)


_VIEW_REWRITES = {"find": views.find_as_aggregate, "count": views.count_as_aggregate,
                  "distinct": views.distinct_as_aggregate}


def _explain_attempt(ctx: CommandContext, router: Router, name: str, inner: dict[str, Any],
                     verbosity: str) -> Any:
    async def attempt(current: Routing) -> dict[str, Any]:
        targets = target_shards(current, _explained_filter(name, inner))
        started = time.monotonic()
        replies = await asyncio.gather(*(router.shard_command(s, ctx.db, {
            "explain": {**forwarded(inner), **current.version_fields(s)}, "verbosity": verbosity}) for s in targets))
        for reply in replies:
            check_stale(reply)
            raise_for(reply)
        millis = int((time.monotonic() - started) * 1000)
        return await _mongos_explain(ctx, router, name, inner, verbosity, dict(zip(targets, replies, strict=True)),
                                     millis)

    return attempt


async def _mongos_explain(ctx: CommandContext, router: Router, name: str, inner: dict[str, Any], verbosity: str,
                          replies: dict[str, dict[str, Any]], millis: int) -> dict[str, Any]:
    strings = {s: (await router.catalog.shard(s)).connection_string for s in replies}
    command_doc = {**inner, "$db": ctx.db}
    if name == "aggregate":
        shard_part, _, router_part = split_pipeline(list(inner.get("pipeline") or []))
        out: dict[str, Any] = {"mergeType": "anyShard" if len(replies) == 1 else "mongos"}
        if len(replies) > 1:
            out["splitPipeline"] = {"shardsPart": shard_part, "mergerPart": router_part}
        else:
            out["splitPipeline"] = None
        out["shards"] = {s: {"host": strings[s], **_strip(r)} for s, r in replies.items()}
        out["serverInfo"] = explaining.server_info(ctx)
        out["command"] = command_doc
        return out
    sort = inner.get("sort") if name == "find" else None
    stage = "SINGLE_SHARD" if len(replies) == 1 else "SHARD_MERGE_SORT" if sort else "SHARD_MERGE"
    planner_shards, execution_shards = [], []
    totals = {"nReturned": 0, "totalKeysExamined": 0, "totalDocsExamined": 0}
    for shard, reply in replies.items():
        planner = dict(reply.get("queryPlanner") or {})
        planner_shards.append({"explainVersion": reply.get("explainVersion", "1"), "shardName": shard,
                               "connectionString": strings[shard], "serverInfo": reply.get("serverInfo"),
                               **planner})
        stats = reply.get("executionStats")
        if isinstance(stats, dict):
            for key in totals:
                totals[key] += int(stats.get(key, 0))
            execution_shards.append({"shardName": shard, **stats})
    out = {"queryPlanner": {"mongosPlannerVersion": 1, "winningPlan": {"stage": stage, "shards": planner_shards}}}
    if verbosity != "queryPlanner":
        out["executionStats"] = {
            "nReturned": totals["nReturned"], "executionTimeMillis": millis,
            "totalKeysExamined": totals["totalKeysExamined"], "totalDocsExamined": totals["totalDocsExamined"],
            "executionStages": {"stage": stage, "nReturned": totals["nReturned"], "executionTimeMillis": millis,
                                "totalKeysExamined": totals["totalKeysExamined"],
                                "totalDocsExamined": totals["totalDocsExamined"], "totalChildMillis": millis,
                                "shards": execution_shards}}
    out["serverInfo"] = explaining.server_info(ctx)
    out["serverParameters"] = dict(explaining.SERVER_PARAMETERS)
    out["command"] = command_doc
    return out


def _strip(reply: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in reply.items() if k not in ("ok", "$clusterTime", "operationTime", "command",
                                                        "serverParameters")}
