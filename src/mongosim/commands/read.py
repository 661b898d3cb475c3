"""Query commands: find, count and distinct (cursors and getMore in ``read_cursors``, aggregate and explain in
``read_aggregate``).

Reads of a missing database or collection return empty results; reads of a view run as the aggregation it
stands for (``views``). Each operation fills ``ctx.debug`` for the
"Slow query" line and the profiler.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bson.int64 import Int64

from mongosim.commands import command, views
from mongosim.commands.read_cursors import DEFAULT_FIRST_BATCH, Source, open_cursor, record_execution, runtime_errors
from mongosim.commands.read_options import check_type, deadline_of, guarded, namespace, non_negative
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, RANK_NUMBER, number_value, order_key, type_rank
from mongosim.query.explain import query_hashes
from mongosim.query.paths import candidates, get_path, split
from mongosim.query.project import projector
from mongosim.query.scan import Scan, scan
from mongosim.query.sort import is_natural, sort_documents, validate_sort
from mongosim.storage.engine import Collection


# ---------------------------------------------------------------------------------------------- find
@dataclass
class FindSpec:
    filter: dict[str, Any] | None
    projection: dict[str, Any] | None
    sort: dict[str, Any] | None
    skip: int
    limit: int | None
    hint: Any
    let: dict[str, Any] | None
    return_key: bool = False


def parse_find(cmd: dict[str, Any]) -> FindSpec:
    spec = FindSpec(check_type(cmd, "find", "filter", dict), check_type(cmd, "find", "projection", dict),
                    check_type(cmd, "find", "sort", dict), non_negative(cmd, "skip", "find") or 0,
                    non_negative(cmd, "limit", "find") or None, cmd.get("hint"), check_type(cmd, "find", "let", dict),
                    bool(cmd.get("returnKey")))
    if spec.sort:
        validate_sort(spec.sort)
    return spec


def execute_find(ctx: CommandContext, coll: Collection | None, spec: FindSpec,
                 deadline: float | None) -> tuple[Iterator[dict[str, Any]], Scan, bool]:
    """The result stream of a find, its scan (for counters) and whether it sorts in memory."""
    natural = is_natural(spec.sort)
    hint = spec.hint if spec.hint not in (None, "", {}) else ({"$natural": natural} if natural else None)
    state = scan(ctx, coll, spec.filter, hint=hint, sort=spec.sort if not natural else None, variables=spec.let)
    project = projector(spec.projection, query=spec.filter, variables=spec.let) if spec.projection else None
    docs: Iterator[dict[str, Any]] = guarded(state.documents, ctx, deadline)
    in_memory = bool(spec.sort) and not natural and not state.plan.sorted_by_index
    if natural < 0 and state.plan.stage == "COLLSCAN" and state.plan.direction == "forward":
        docs = iter(list(docs)[::-1])
    if in_memory:
        ctx.server.stats.scan_and_order += 1
        docs = iter(sort_documents(docs, spec.sort))
    if spec.skip:
        docs = itertools.islice(docs, spec.skip, None)
    if spec.limit:
        docs = itertools.islice(docs, spec.limit)
    if spec.return_key:
        pattern = state.plan.key_pattern or {}
        docs = ({k: v for k in pattern if (v := get_path(d, k)) is not MISSING} for d in docs)
    elif project is not None:
        docs = map(project, docs)
    return docs, state, in_memory


def _tail(coll: Collection, predicate: Callable[[Any], bool], last: list[Any],
          project: Callable[[dict[str, Any]], dict[str, Any]] | None) -> Callable[[], Iterator[dict[str, Any]]]:
    """A tailable cursor's refill: the matching documents inserted after the last one returned (projected).
    ``last`` holds the record id of the last document looked at, so a refill costs only what is new (and works
    for documents without ``_id``, like the oplog's)."""
    def refill() -> Iterator[dict[str, Any]]:
        after = last[0] if last else None
        if after is not None and coll.get_record(after) is None:
            oldest = coll.oldest()
            if oldest is not None and (coll.record_id(oldest) or 0) > after:
                raise CommandError("CappedPositionLost", "CollectionScan died due to position in capped "
                                   "collection being deleted.")
        for rid, doc in coll.records(after):
            last[:] = [rid]
            if predicate(doc):
                yield project(doc) if project is not None else doc
    return refill


def _view_aggregate(ctx: CommandContext, name: str, coll: Collection | None,
                    rewrite: Callable[[dict[str, Any]], dict[str, Any]], cmd: dict[str, Any]) -> dict[str, Any] | None:
    """A read of a view, run as the aggregation it stands for (the aggregate reply); None when ``name`` is a
    collection or nothing."""
    if coll is not None or views.view_definition(ctx.server, ctx.db, name) is None:
        return None
    from mongosim.commands.read_aggregate import aggregate  # aggregate builds on this module

    command_name, ctx.name = ctx.name, "aggregate"  # the rewritten command names its target under "aggregate"
    try:
        reply = aggregate(ctx, rewrite(cmd))
    finally:
        ctx.name = command_name
    assert isinstance(reply, dict)  # aggregate runs synchronously on mongod
    return reply


def _drained(ctx: CommandContext, reply: dict[str, Any]) -> list[dict[str, Any]]:
    """Every result of a one-document aggregation (count, distinct), its cursor closed."""
    cursor = reply["cursor"]
    if cursor.get("id"):
        ctx.server.cursors.remove(int(cursor["id"]))
    return list(cursor.get("firstBatch", []))


@command("find", counter="query")
def find(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name, coll = namespace(ctx, cmd)
    ctx.op_type = "query"
    on_view = _view_aggregate(ctx, name, coll, views.find_as_aggregate, cmd)
    if on_view is not None:
        return on_view
    spec = parse_find(cmd)
    batch_size = non_negative(cmd, "batchSize", "find")
    single = bool(cmd.get("singleBatch"))
    tailable, await_data = bool(cmd.get("tailable")), bool(cmd.get("awaitData"))
    if await_data and not tailable:
        raise CommandError("FailedToParse", "Cannot set 'awaitData' without also setting 'tailable'")
    if tailable:
        if coll is not None and not coll.capped:
            raise CommandError("BadValue", f"error processing query: ns={ctx.ns} tailable cursor requested on "
                               "non capped collection")
        if spec.sort and not is_natural(spec.sort):
            raise CommandError("BadValue", "cannot use tailable option with a sort other than {$natural: 1}")
    deadline = deadline_of(cmd)
    docs, state, in_memory = execute_find(ctx, coll, spec, deadline)
    ctx.debug["planSummary"] = state.plan.summary
    refill = None
    if tailable and coll is not None:
        last: list[Any] = []
        project = projector(spec.projection, query=spec.filter) if spec.projection else None
        refill = _tail(coll, state.predicate, last, project)
        docs = refill()
    source = Source(docs)
    limit_left = None if spec.limit is None else spec.limit
    first = batch_size if batch_size is not None else DEFAULT_FIRST_BATCH
    if limit_left is not None:
        first = min(first, limit_left)
    batch, exhausted = runtime_errors("Executor error during find command", lambda: source.batch(first))
    if limit_left is not None and len(batch) >= limit_left:
        exhausted = True
    if in_memory:
        ctx.debug["hasSortStage"] = True
    if state.plan.stage != "EXPRESS_IXSCAN" and coll is not None:
        ctx.debug["queryHash"], ctx.debug["planCacheKey"] = query_hashes(
            ctx.ns or "", spec.filter, spec.sort, spec.projection, [i["name"] for i in coll.list_indexes()])
        ctx.debug["planCacheShapeHash"] = ctx.debug["queryHash"]
    cursor_id = 0
    keep_open = tailable and coll is not None
    if (not exhausted or keep_open) and not single and coll is not None:
        ctx.debug["nreturned"] = len(batch)
        cursor = open_cursor(ctx, ctx.ns or "", source, scan_state=state, collection=coll, tailable=tailable,
                             await_data=await_data, refill=refill)
        cursor_id = cursor.id
    record_execution(ctx, state, len(batch), cursor_id, (exhausted and not keep_open) or single)
    return {"cursor": {"firstBatch": batch, "id": Int64(cursor_id), "ns": ctx.ns}}


# ---------------------------------------------------------------------------------------------- count, distinct
@command("count")
def count(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name, coll = namespace(ctx, cmd)
    on_view = _view_aggregate(ctx, name, coll, views.count_as_aggregate, cmd)
    if on_view is not None:
        return views.count_reply(_drained(ctx, on_view))
    query = check_type(cmd, "count", "query", dict) or {}
    skip = non_negative(cmd, "skip", "count") or 0
    limit = cmd.get("limit")
    limit = abs(int(number_value(limit))) if limit is not None and type_rank(limit) == RANK_NUMBER else 0
    hint = cmd.get("hint")
    if coll is not None and not query and hint in (None, "", {}) and ctx.shard_filter is None:
        ctx.debug["planSummary"] = "RECORD_STORE_FAST_COUNT"
        n = len(coll)
        state = None
    else:
        state = scan(ctx, coll, query, hint=hint)
        ctx.debug["planSummary"] = state.plan.summary
        n = sum(1 for _ in guarded(state.documents, ctx, deadline_of(cmd)))
    n = max(0, n - skip)
    if limit:
        n = min(n, limit)
    if state is not None:
        ctx.debug["keysExamined"], ctx.debug["docsExamined"] = state.keys_examined, state.docs_examined
    return {"n": n}


def distinct_values(docs: Iterator[dict[str, Any]], key: str) -> list[Any]:
    """The distinct values of ``key`` (arrays contribute their elements), in BSON order as the server's set."""
    parts = split(key)
    seen: dict[Any, Any] = {}
    for doc in docs:
        for value in candidates(doc, parts):
            if value is MISSING:
                continue
            for item in value if isinstance(value, list) else [value]:
                seen.setdefault(order_key(item), item)
    return [seen[k] for k in sorted(seen)]


@command("distinct")
def distinct(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    name, coll = namespace(ctx, cmd)
    if "key" not in cmd:
        raise CommandError(40414, "BSON field 'distinct.key' is missing but a required field")
    key = check_type(cmd, "distinct", "key", str)
    on_view = _view_aggregate(ctx, name, coll, views.distinct_as_aggregate, cmd)
    if on_view is not None:
        return views.distinct_reply(_drained(ctx, on_view))
    query = check_type(cmd, "distinct", "query", dict)
    state = scan(ctx, coll, query, hint=cmd.get("hint"))
    ctx.debug["planSummary"] = state.plan.summary
    values = distinct_values(guarded(state.documents, ctx, deadline_of(cmd)), key)
    ctx.debug["keysExamined"], ctx.debug["docsExamined"] = state.keys_examined, state.docs_examined
    return {"values": values}
