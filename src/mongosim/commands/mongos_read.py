"""Routed reads on mongos: find (targeted or scatter-gather, merged on the router), getMore and killCursors
of router cursors, count and distinct.

A read reaching one shard is passed through whole (skip, limit and projection run there). A read reaching
several shards asks each for ``skip + limit`` documents and applies skip and limit on the router; a sorted one
is merge-sorted on the router, which then needs the sort fields, so a projection is applied by the router in
that case. Reads of the ``config`` and ``admin`` databases are answered by the config server. A read of a view
goes to the database's primary shard, which answers it when the collection under the view is unsharded; for a
sharded one it answers with the resolved view, and the router runs the read as that aggregation.
"""

from __future__ import annotations

import time
from typing import Any

from mongosim.commands import command, views
from mongosim.commands.mongos_common import (
    check_stale,
    config_cursor,
    existing_routing,
    forwarded,
    is_config_namespace,
    open_shard_cursors,
)
from mongosim.commands.read import parse_find
from mongosim.commands.read_cursors import DEFAULT_FIRST_BATCH
from mongosim.commands.read_options import check_type, collection_name, get_more_arguments, non_negative
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import RANK_NUMBER, number_value, type_rank
from mongosim.query.project import projector
from mongosim.sharding import merge
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import router_of
from mongosim.sharding.router_cursors import MergeStream, first_batch_reply, get_more, kill, open_router_cursor
from mongosim.sharding.targeting import shards_for_filter


def target_shards(routing: Routing, filter_doc: dict[str, Any] | None) -> list[str]:
    if routing.table is None:
        return [routing.database.primary]
    return shards_for_filter(routing.table, filter_doc)


# ---------------------------------------------------------------------------------------------- find
@command("find", counter="query", processes=("mongos",))
async def find(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ctx.op_type = "query"
    ns = ctx.ns or ""
    spec = parse_find(cmd)
    batch_size = non_negative(cmd, "batchSize", "find")
    first = batch_size if batch_size is not None else DEFAULT_FIRST_BATCH
    single = bool(cmd.get("singleBatch"))
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        remote = await config_cursor(ctx, cmd)
        return await open_router_cursor(ctx, ns, MergeStream([remote]), first, single)
    if await existing_routing(router, ns) is None:
        return first_batch_reply(ns, [], 0)

    async def attempt(routing: Routing) -> dict[str, Any]:
        shards = target_shards(routing, spec.filter)
        ctx.debug["nShards"] = len(shards)
        if len(shards) == 1:
            remotes = await open_shard_cursors(router, routing, shards, ctx.db, lambda _s: forwarded(cmd))
            return await open_router_cursor(ctx, ns, MergeStream(remotes), first, single)
        project_here = bool(spec.sort and spec.projection)
        body = forwarded(cmd, ("skip", "limit", "singleBatch", "projection" if project_here else ""))
        wanted = merge.shard_limit(spec.skip, spec.limit)
        if wanted is not None:
            body["limit"] = wanted
        remotes = await open_shard_cursors(router, routing, shards, ctx.db, lambda _s: body)
        project = projector(spec.projection, query=spec.filter, variables=spec.let) if project_here else None
        stream = MergeStream(remotes, spec.sort, spec.skip, spec.limit, project)
        return await open_router_cursor(ctx, ns, stream, first, single)

    try:
        return await router.routed(ns, attempt)
    except CommandError as exc:
        if views.ResolvedView.from_error(exc) is None:
            raise
    # A view of a sharded collection: the find runs as the aggregation it stands for, resolved by the router.
    stream = await _view_stream(ctx, ns, views.find_as_aggregate(cmd))
    return await open_router_cursor(ctx, ns, stream, first, single)


async def _view_stream(ctx: CommandContext, ns: str, aggregation: dict[str, Any]) -> Any:
    from mongosim.commands.mongos_aggregate import view_or_collection_stream  # builds on this module

    return await view_or_collection_stream(ctx, ns, aggregation)


async def _view_results(ctx: CommandContext, ns: str, aggregation: dict[str, Any]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = await (await _view_stream(ctx, ns, aggregation)).drain()
    return results


# ---------------------------------------------------------------------------------------------- cursors
@command("getMore", counter="getmore", processes=("mongos",))
async def get_more_command(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    cursor_id, ns, batch_size = get_more_arguments(ctx, cmd)
    reply = await get_more(ctx, int(cursor_id), ns, batch_size)
    cursor = ctx.server.cursors.get(int(cursor_id))
    if cursor is not None:
        cursor.last_access = time.time()
    return reply


@command("killCursors", processes=("mongos",))
async def kill_cursors(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ids = cmd.get("cursors")
    if not isinstance(ids, list):
        raise CommandError(40414, "BSON field 'killCursors.cursors' is missing but a required field")
    killed: list[Any] = []
    not_found: list[Any] = []
    for cursor_id in ids:
        (killed if await kill(ctx, int(cursor_id), ctx.ns or "") else not_found).append(cursor_id)
    return {"cursorsKilled": killed, "cursorsNotFound": not_found, "cursorsAlive": [], "cursorsUnknown": []}


# ---------------------------------------------------------------------------------------------- count, distinct
async def _config_single(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    router = router_of(ctx)
    body = forwarded(cmd)
    if ctx.db == "config":
        body.setdefault("readConcern", {"level": "majority"})
    reply = raise_for(await router.config_command(ctx.db, body))
    return {k: v for k, v in reply.items() if k not in ("ok", "$clusterTime", "operationTime")}


@command("count", processes=("mongos",))
async def count(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ns = ctx.ns or ""
    query = check_type(cmd, "count", "query", dict) or {}
    skip = non_negative(cmd, "skip", "count") or 0
    raw_limit = cmd.get("limit")
    limit = abs(int(number_value(raw_limit))) if raw_limit is not None and type_rank(raw_limit) == RANK_NUMBER else 0
    if is_config_namespace(ctx.db):
        return await _config_single(ctx, cmd)
    router = router_of(ctx)
    if await existing_routing(router, ns) is None:
        return {"n": 0}

    async def attempt(routing: Routing) -> dict[str, Any]:
        shards = target_shards(routing, query)
        body = forwarded(cmd, ("skip", "limit"))
        wanted = merge.shard_limit(skip, limit)
        if wanted is not None:
            body["limit"] = wanted
        replies = await router.shard_commands({s: {**body, **routing.version_fields(s)} for s in shards}, ctx.db)
        for reply in replies.values():
            check_stale(reply)
            raise_for(reply)
        return {"n": merge.merge_counts((int(r.get("n", 0)) for r in replies.values()), skip, limit)}

    try:
        return await router.routed(ns, attempt)
    except CommandError as exc:
        if views.ResolvedView.from_error(exc) is None:
            raise
    return views.count_reply(await _view_results(ctx, ns, views.count_as_aggregate(cmd)))


@command("distinct", processes=("mongos",))
async def distinct(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ns = ctx.ns or ""
    if "key" not in cmd:
        raise CommandError(40414, "BSON field 'distinct.key' is missing but a required field")
    check_type(cmd, "distinct", "key", str)
    query = check_type(cmd, "distinct", "query", dict)
    if is_config_namespace(ctx.db):
        return await _config_single(ctx, cmd)
    router = router_of(ctx)
    if await existing_routing(router, ns) is None:
        return {"values": []}

    async def attempt(routing: Routing) -> dict[str, Any]:
        shards = target_shards(routing, query)
        body = forwarded(cmd)
        replies = await router.shard_commands({s: {**body, **routing.version_fields(s)} for s in shards}, ctx.db)
        for reply in replies.values():
            check_stale(reply)
            raise_for(reply)
        return {"values": merge.merge_distinct(list(r.get("values", [])) for r in replies.values())}

    try:
        return await router.routed(ns, attempt)
    except CommandError as exc:
        if views.ResolvedView.from_error(exc) is None:
            raise
    return views.distinct_reply(await _view_results(ctx, ns, views.distinct_as_aggregate(cmd)))
