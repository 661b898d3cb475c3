"""Read commands: find, getMore, killCursors, count and distinct (aggregate and explain in ``read_aggregate``).

Replies have MongoDB's shapes (``{cursor: {firstBatch|nextBatch, id: Int64, ns}}``); a first batch holds 101
documents unless ``batchSize`` says otherwise, and every batch stops before 16 MiB. Open cursors live in
``server.cursors`` with the connection and session that made them. Reads of a missing database or collection
return empty results. Each operation fills ``ctx.debug`` for the "Slow query" line and the profiler.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bson import encode
from bson.int64 import Int64

from mongosim import MAX_BSON_OBJECT_SIZE
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.cursors import Cursor
from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, RANK_NUMBER, number_value, order_key, type_name, type_rank
from mongosim.query.explain import query_hashes
from mongosim.query.paths import candidates, get_path, split
from mongosim.query.project import projector
from mongosim.query.scan import Scan, scan
from mongosim.query.sort import is_natural, sort_documents, validate_sort
from mongosim.storage.engine import Collection

DEFAULT_FIRST_BATCH = 101
_TYPE_NAMES = {dict: "object", str: "string", bool: "bool", list: "array"}


# ---------------------------------------------------------------------------------------------- option parsing
def check_type(cmd: dict[str, Any], command_name: str, field: str, expected: type) -> Any:
    value = cmd.get(field)
    if value is None:
        return None
    if not isinstance(value, expected) or (expected is not bool and isinstance(value, bool)):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{field}' is the wrong type "
                           f"'{type_name(value)}', expected type '{_TYPE_NAMES.get(expected, 'object')}'")
    return value


def non_negative(cmd: dict[str, Any], field: str, command_name: str) -> int | None:
    value = cmd.get(field)
    if value is None:
        return None
    if type_rank(value) != RANK_NUMBER or isinstance(value, bool):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{field}' is the wrong type "
                           f"'{type_name(value)}', expected types '[long, int, decimal, double]'")
    number = int(number_value(value))
    if number < 0:
        raise CommandError(51024, f"BSON field '{field}' value must be >= 0, actual value '{number}'")
    return number


def namespace(ctx: CommandContext, cmd: dict[str, Any]) -> tuple[str, Collection | None]:
    """The collection a command names and the storage collection (None when it does not exist)."""
    name = cmd.get(ctx.name)
    if not isinstance(name, str):
        raise CommandError("InvalidNamespace", f"collection name has invalid type {type_name(name)}")
    if not name:
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ctx.db}.'")
    ctx.ns = f"{ctx.db}.{name}"
    storage = ctx.server.storage
    return name, storage.get_collection(ctx.db, name) if storage is not None else None


def deadline_of(cmd: dict[str, Any]) -> float | None:
    value = cmd.get("maxTimeMS")
    if value is None or value == 0:
        return None
    if type_rank(value) != RANK_NUMBER or number_value(value) < 0:
        raise CommandError("BadValue", f"{value!r} value for maxTimeMS is out of range")
    return time.monotonic() + float(number_value(value)) / 1000.0


def guarded(docs: Iterator[dict[str, Any]], ctx: CommandContext, deadline: float | None) -> Iterator[dict[str, Any]]:
    """Stop with MaxTimeMSExpired or Interrupted at safe points while documents are pulled."""
    for i, doc in enumerate(docs):
        if i & 63 == 63:
            ctx.check_interrupt()
            if deadline is not None and time.monotonic() > deadline:
                raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")
        yield doc
    if deadline is not None and time.monotonic() > deadline:
        raise CommandError("MaxTimeMSExpired", "operation exceeded time limit")


# ---------------------------------------------------------------------------------------------- cursors
class Source:
    """The rest of a result stream, able to put back the document that did not fit in the last batch."""

    def __init__(self, docs: Iterator[dict[str, Any]]) -> None:
        self.docs = docs
        self.pending: dict[str, Any] | None = None

    def __iter__(self) -> Source:
        return self

    def __next__(self) -> dict[str, Any]:
        if self.pending is not None:
            doc, self.pending = self.pending, None
            return doc
        return next(self.docs)

    def batch(self, max_docs: int | None) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``max_docs`` documents and at most 16 MiB; True when the stream is exhausted."""
        out: list[dict[str, Any]] = []
        size = 0
        while max_docs is None or len(out) < max_docs:
            try:
                doc = next(self)
            except StopIteration:
                return out, True
            if max_docs != 1:
                size += len(encode(doc))
                if out and size > MAX_BSON_OBJECT_SIZE:
                    self.pending = doc
                    return out, False
            out.append(doc)
        return out, False


@dataclass(eq=False)
class QueryCursor(Cursor):
    """A find or aggregate cursor: where its results come from and what they have cost so far."""

    scan_state: Scan | None = None
    collection: Collection | None = None
    counted_keys: int = 0
    counted_docs: int = 0
    query_hash: str | None = None
    plan_cache_key: str | None = None
    refill: Callable[[], Iterator[dict[str, Any]]] | None = None


def open_cursor(ctx: CommandContext, ns: str, source: Source, *, scan_state: Scan | None,
                collection: Collection | None, tailable: bool = False, await_data: bool = False,
                refill: Callable[[], Iterator[dict[str, Any]]] | None = None) -> QueryCursor:
    cmd = ctx.cmd
    cursor = QueryCursor(id=int(ctx.server.cursors.new_id()), ns=ns, source=source,
                         originating_command=cmd, connection_id=ctx.conn.id if ctx.conn else None,
                         lsid=cmd.get("lsid"), tailable=tailable, await_data=await_data,
                         no_timeout=bool(cmd.get("noCursorTimeout")),
                         plan_summary=ctx.debug.get("planSummary"), scan_state=scan_state, collection=collection,
                         counted_keys=scan_state.keys_examined if scan_state else 0,
                         counted_docs=scan_state.docs_examined if scan_state else 0,
                         query_hash=ctx.debug.get("queryHash"), plan_cache_key=ctx.debug.get("planCacheKey"),
                         refill=refill)
    cursor.n_returned = ctx.debug.get("nreturned", 0)
    cursor.n_batches = 1
    return ctx.server.cursors.register(cursor)  # type: ignore[return-value]


def record_execution(ctx: CommandContext, scan_state: Scan | None, nreturned: int, cursor_id: int,
                     exhausted: bool) -> None:
    """Fill the "Slow query" attributes in the server's order (planSummary already set)."""
    debug = ctx.debug
    if cursor_id:
        debug["cursorid"] = Int64(cursor_id)
    if scan_state is not None:
        debug["keysExamined"] = scan_state.keys_examined
        debug["docsExamined"] = scan_state.docs_examined
    if exhausted:
        debug["cursorExhausted"] = True
    debug["nreturned"] = nreturned
    debug["queryFramework"] = "classic"
    ctx.server.stats.documents["returned"] += nreturned


def runtime_errors(prefix: str, produce: Callable[[], Any]) -> Any:
    """Errors raised while documents flow get the executor's prefix, as the server reports them."""
    try:
        return produce()
    except CommandError as exc:
        if exc.code in (50, 11601, 11600, 43) or exc.errmsg.startswith(prefix):
            raise
        raise CommandError(exc.code, f"{prefix} :: caused by :: {exc.errmsg}", **exc.extra) from exc


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
    """A tailable cursor's refill: the matching documents inserted after the last one returned (projected)."""
    def refill() -> Iterator[dict[str, Any]]:
        docs = list(coll.documents())
        start = 0
        if last:
            for i, doc in enumerate(docs):
                if doc is last[0] or order_key(doc.get("_id")) == order_key(last[0].get("_id")):
                    start = i + 1
                    break
            else:
                raise CommandError("CappedPositionLost", "CollectionScan died due to position in capped "
                                   "collection being deleted.")
        for doc in docs[start:]:
            last[:] = [doc]
            if predicate(doc):
                yield project(doc) if project is not None else doc
    return refill


@command("find", counter="query")
def find(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    _, coll = namespace(ctx, cmd)
    ctx.op_type = "query"
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


# ---------------------------------------------------------------------------------------------- getMore
@command("getMore", counter="getmore")
async def get_more(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    cursor_id = cmd.get("getMore")
    if not isinstance(cursor_id, int) or isinstance(cursor_id, bool):
        raise CommandError("TypeMismatch", f"BSON field 'getMore.getMore' is the wrong type "
                           f"'{type_name(cursor_id)}', expected type 'long'")
    coll_name = cmd.get("collection")
    if coll_name is None:
        raise CommandError(40414, "BSON field 'getMore.collection' is missing but a required field")
    if not isinstance(coll_name, str):
        raise CommandError("TypeMismatch", f"BSON field 'getMore.collection' is the wrong type "
                           f"'{type_name(coll_name)}', expected type 'string'")
    ns = f"{ctx.db}.{coll_name}"
    ctx.ns, ctx.op_type = ns, "getmore"
    batch_size = non_negative(cmd, "batchSize", "getMore") or None
    server = ctx.server
    cursor = server.cursors.get(int(cursor_id))
    if cursor is None or cursor.killed:
        raise CommandError("CursorNotFound", f"cursor id {int(cursor_id)} not found")
    if cursor.ns != ns:
        raise CommandError("Unauthorized", f"Requested getMore on namespace '{ns}', but cursor belongs to a "
                           f"different namespace {cursor.ns}")
    if cursor.pinned:
        raise CommandError(292, f"cursor id {int(cursor_id)} is already in use")
    if isinstance(cursor, QueryCursor) and cursor.collection is not None and server.storage is not None:
        db, _, name = ns.partition(".")
        if server.storage.get_collection(db, name) is not cursor.collection:
            server.cursors.remove(cursor.id)
            raise CommandError("QueryPlanKilled", "collection dropped")
    ctx.debug["planSummary"] = cursor.plan_summary
    cursor.pinned = True
    try:
        batch, exhausted = await _next_batch(ctx, cursor, batch_size)
    except CommandError:
        server.cursors.remove(cursor.id)
        raise
    finally:
        cursor.pinned = False
        cursor.last_access = time.time()
    if exhausted and not cursor.tailable:
        server.cursors.remove(cursor.id)
    cursor.n_returned += len(batch)
    cursor.n_batches += 1
    state = cursor.scan_state if isinstance(cursor, QueryCursor) else None
    if isinstance(cursor, QueryCursor) and state is not None:
        keys, docs = state.keys_examined - cursor.counted_keys, state.docs_examined - cursor.counted_docs
        cursor.counted_keys, cursor.counted_docs = state.keys_examined, state.docs_examined
        ctx.debug.update({"cursorid": Int64(cursor.id), "keysExamined": keys, "docsExamined": docs})
    else:
        ctx.debug["cursorid"] = Int64(cursor.id)
    live = not exhausted or cursor.tailable
    if not live:
        ctx.debug["cursorExhausted"] = True
    ctx.debug["nreturned"] = len(batch)
    if isinstance(cursor, QueryCursor) and cursor.query_hash:
        ctx.debug.update({"queryHash": cursor.query_hash, "planCacheShapeHash": cursor.query_hash,
                          "planCacheKey": cursor.plan_cache_key})
    ctx.debug["queryFramework"] = "classic"
    server.stats.documents["returned"] += len(batch)
    return {"cursor": {"nextBatch": batch, "id": Int64(cursor.id if live else 0), "ns": ns}}


async def _next_batch(ctx: CommandContext, cursor: Cursor, batch_size: int | None) -> tuple[list[dict[str, Any]], bool]:
    source = cursor.source if isinstance(cursor.source, Source) else Source(cursor.source)
    batch, exhausted = runtime_errors("Executor error during getMore", lambda: source.batch(batch_size))
    refill = cursor.refill if isinstance(cursor, QueryCursor) else None
    if not cursor.tailable or refill is None or batch:
        return batch, exhausted
    # Tailable: look again for documents inserted since; awaitData waits up to maxTimeMS (default 1 s).
    wait_ms = number_value(ctx.cmd.get("maxTimeMS", 1000)) if cursor.await_data else 0
    deadline = time.monotonic() + float(wait_ms) / 1000.0
    while True:
        source.docs = refill()
        batch, _ = source.batch(batch_size)
        if batch or time.monotonic() >= deadline:
            return batch, False
        ctx.check_interrupt()
        await asyncio.sleep(0.02)


# ---------------------------------------------------------------------------------------------- killCursors
@command("killCursors")
def kill_cursors(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    namespace(ctx, cmd)
    ids = cmd.get("cursors")
    if not isinstance(ids, list):
        raise CommandError(40414, "BSON field 'killCursors.cursors' is missing but a required field")
    killed, not_found = [], []
    for cursor_id in ids:
        cursor = ctx.server.cursors.get(int(cursor_id))
        if cursor is not None and cursor.ns == ctx.ns:
            ctx.server.cursors.remove(cursor.id)
            cursor.killed = True
            killed.append(Int64(cursor_id))
        else:
            not_found.append(Int64(cursor_id))
    return {"cursorsKilled": killed, "cursorsNotFound": not_found, "cursorsAlive": [], "cursorsUnknown": []}


# ---------------------------------------------------------------------------------------------- count, distinct
@command("count")
def count(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    _, coll = namespace(ctx, cmd)
    query = check_type(cmd, "count", "query", dict) or {}
    skip = non_negative(cmd, "skip", "count") or 0
    limit = cmd.get("limit")
    limit = abs(int(number_value(limit))) if limit is not None and type_rank(limit) == RANK_NUMBER else 0
    hint = cmd.get("hint")
    if coll is not None and not query and hint in (None, "", {}):
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
    _, coll = namespace(ctx, cmd)
    if "key" not in cmd:
        raise CommandError(40414, "BSON field 'distinct.key' is missing but a required field")
    key = check_type(cmd, "distinct", "key", str)
    query = check_type(cmd, "distinct", "query", dict)
    state = scan(ctx, coll, query, hint=cmd.get("hint"))
    ctx.debug["planSummary"] = state.plan.summary
    values = distinct_values(guarded(state.documents, ctx, deadline_of(cmd)), key)
    ctx.debug["keysExamined"], ctx.debug["docsExamined"] = state.keys_examined, state.docs_examined
    return {"values": values}


# aggregate and explain register themselves on import.
from mongosim.commands import read_aggregate  # noqa: E402,F401
