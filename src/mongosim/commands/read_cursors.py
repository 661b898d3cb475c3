"""Result batches and open cursors of the read commands: the first batch, getMore and killCursors.

Replies have MongoDB's shapes (``{cursor: {firstBatch|nextBatch, id: Int64, ns}}``); a first batch holds 101
documents unless ``batchSize`` says otherwise, and every batch stops before 16 MiB. Open cursors live in
``server.cursors`` with the connection and session that made them; a tailable cursor refills from its
capped collection and, with awaitData, waits for new documents.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from bson import encode
from bson.int64 import Int64

from mongosim import MAX_BSON_OBJECT_SIZE
from mongosim.commands import command
from mongosim.commands.read_options import get_more_arguments, namespace
from mongosim.context import CommandContext
from mongosim.cursors import Cursor
from mongosim.errors import CommandError
from mongosim.query.compare import number_value
from mongosim.query.scan import Scan
from mongosim.storage.engine import Collection

DEFAULT_FIRST_BATCH = 101


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


# ---------------------------------------------------------------------------------------------- getMore
@command("getMore", counter="getmore")
async def get_more(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    cursor_id, ns, batch_size = get_more_arguments(ctx, cmd)
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
        db, _, name = cursor.collection.ns.partition(".")  # a read of a view reads the collection under it
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
