"""Router cursors: the results of a find or aggregate that several shards (or the config server) answer,
merged on the router and handed out in batches across getMore calls.

Each shard's cursor is a ``RemoteCursor`` (the shard, the host holding it, its id and the documents received
but not yet returned). ``MergeStream`` pulls from them lazily: unsorted results in shard order, sorted results
by a k-way merge that needs one buffered document per live shard cursor; the router applies skip, limit and
(when it had to keep the sort fields) the projection. A ``RouterCursor`` is the client-visible cursor.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from bson import encode
from bson.int64 import Int64

from mongosim import MAX_BSON_OBJECT_SIZE
from mongosim.cursors import Cursor
from mongosim.errors import CommandError
from mongosim.sharding.merge import sort_key
from mongosim.sharding.remote import raise_for

# How a remote cursor is continued: (host, db, command) -> reply.
Runner = Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]


@dataclass
class RemoteCursor:
    shard: str
    host: str
    db: str
    collection: str
    cursor_id: int
    run: Runner
    buffer: deque[dict[str, Any]] = field(default_factory=deque)

    @classmethod
    def from_reply(cls, shard: str, host: str, db: str, reply: dict[str, Any], run: Runner) -> RemoteCursor:
        cursor = raise_for(reply)["cursor"]
        collection = str(cursor.get("ns", "")).partition(".")[2]
        return cls(shard, host, db, collection, int(cursor.get("id", 0)), run, deque(cursor.get("firstBatch", [])))

    @property
    def live(self) -> bool:
        return self.cursor_id != 0

    @property
    def done(self) -> bool:
        return not self.buffer and not self.live

    async def fetch(self, batch_size: int | None) -> None:
        cmd: dict[str, Any] = {"getMore": Int64(self.cursor_id), "collection": self.collection}
        if batch_size:
            cmd["batchSize"] = batch_size
        reply = raise_for(await self.run(self.host, self.db, cmd))
        cursor = reply["cursor"]
        self.cursor_id = int(cursor.get("id", 0))
        self.buffer.extend(cursor.get("nextBatch", []))

    async def kill(self) -> None:
        if not self.live:
            return
        cursor_id, self.cursor_id = self.cursor_id, 0
        with contextlib.suppress(Exception):  # a shard that is gone has dropped its cursors anyway
            await self.run(self.host, self.db, {"killCursors": self.collection, "cursors": [Int64(cursor_id)]})


class MergeStream:
    """The merged results of several remote cursors, with the router's skip, limit and projection."""

    def __init__(self, remotes: list[RemoteCursor], sort: dict[str, Any] | None = None, skip: int = 0,
                 limit: int | None = None, project: Callable[[dict[str, Any]], dict[str, Any]] | None = None,
                 fetch_size: int | None = None) -> None:
        self.remotes = remotes
        self.key = sort_key(sort) if sort else None
        self.to_skip = skip
        self.remaining = limit
        self.project = project
        self.fetch_size = fetch_size
        self._pending: dict[str, Any] | None = None

    @property
    def exhausted(self) -> bool:
        return self._pending is None and (self.remaining == 0 or all(r.done for r in self.remotes))

    async def _refill(self) -> None:
        """Make sure every live remote that has returned everything buffered gets its next batch."""
        empty = [r for r in self.remotes if not r.buffer and r.live]
        if empty:
            await asyncio.gather(*(r.fetch(self.fetch_size) for r in empty))

    async def _next(self) -> dict[str, Any] | None:
        while True:
            if self.key is None:
                for remote in self.remotes:
                    while not remote.buffer and remote.live:
                        await remote.fetch(self.fetch_size)
                    if remote.buffer:
                        return remote.buffer.popleft()
                return None
            # A sorted merge can only pick the smallest document once every shard has shown its next one.
            while any(not r.buffer and r.live for r in self.remotes):
                await self._refill()
            candidates = [r for r in self.remotes if r.buffer]
            if not candidates:
                return None
            key = self.key
            best = min(candidates, key=lambda r: key(r.buffer[0]))
            return best.buffer.popleft()

    async def next_batch(self, max_docs: int | None) -> tuple[list[dict[str, Any]], bool]:
        """Up to ``max_docs`` documents (all when None) within 16 MiB; True when nothing is left."""
        out: list[dict[str, Any]] = []
        size = 0
        while (max_docs is None or len(out) < max_docs) and self.remaining != 0:
            doc = self._pending
            self._pending = None
            if doc is None:
                doc = await self._next()
                if doc is None:
                    break
                if self.to_skip:
                    self.to_skip -= 1
                    continue
                if self.project is not None:
                    doc = self.project(doc)
            size += len(encode(doc))
            if out and size > MAX_BSON_OBJECT_SIZE:
                self._pending = doc
                break
            out.append(doc)
            if self.remaining is not None:
                self.remaining -= 1
        if self.exhausted:
            await self.close()
        return out, self.exhausted

    async def drain(self) -> list[dict[str, Any]]:
        """Everything left, whatever its size (the input of the router's part of an aggregation)."""
        out: list[dict[str, Any]] = []
        while not self.exhausted:
            batch, _ = await self.next_batch(100_000)
            out.extend(batch)
        return out

    async def close(self) -> None:
        live = [r for r in self.remotes if r.live]
        if live:
            await asyncio.gather(*(r.kill() for r in live))


class ListStream:
    """Results computed on the router (an aggregation's merging part) served in batches."""

    def __init__(self, docs: list[dict[str, Any]]) -> None:
        self.docs = deque(docs)

    @property
    def exhausted(self) -> bool:
        return not self.docs

    async def next_batch(self, max_docs: int | None) -> tuple[list[dict[str, Any]], bool]:
        out: list[dict[str, Any]] = []
        size = 0
        while self.docs and (max_docs is None or len(out) < max_docs):
            size += len(encode(self.docs[0]))
            if out and size > MAX_BSON_OBJECT_SIZE:
                break
            out.append(self.docs.popleft())
        return out, not self.docs

    async def drain(self) -> list[dict[str, Any]]:
        out = list(self.docs)
        self.docs.clear()
        return out

    async def close(self) -> None:
        self.docs.clear()


@dataclass(eq=False)
class RouterCursor(Cursor):
    stream: MergeStream | ListStream | None = None


def first_batch_reply(ns: str, batch: list[dict[str, Any]], cursor_id: int) -> dict[str, Any]:
    return {"cursor": {"firstBatch": batch, "id": Int64(cursor_id), "ns": ns}}


async def open_router_cursor(ctx: Any, ns: str, stream: MergeStream | ListStream, batch_size: int | None,
                             single_batch: bool = False) -> dict[str, Any]:
    """The first batch and, when more remains, a registered cursor for getMore."""
    batch, exhausted = await stream.next_batch(batch_size)
    if exhausted or single_batch:
        if not exhausted:
            await stream.close()
        return first_batch_reply(ns, batch, 0)
    cmd = ctx.cmd
    cursor = RouterCursor(id=int(ctx.server.cursors.new_id()), ns=ns, source=iter(()), originating_command=cmd,
                          connection_id=ctx.conn.id if ctx.conn else None, lsid=cmd.get("lsid"),
                          no_timeout=bool(cmd.get("noCursorTimeout")), stream=stream)
    cursor.n_returned = len(batch)
    cursor.n_batches = 1
    ctx.server.cursors.register(cursor)
    return first_batch_reply(ns, batch, cursor.id)


async def get_more(ctx: Any, cursor_id: int, ns: str, batch_size: int | None) -> dict[str, Any]:
    server = ctx.server
    cursor = server.cursors.get(cursor_id)
    if cursor is None or cursor.killed or not isinstance(cursor, RouterCursor) or cursor.stream is None:
        raise CommandError("CursorNotFound", f"cursor id {cursor_id} not found")
    if cursor.ns != ns:
        raise CommandError("Unauthorized", f"Requested getMore on namespace '{ns}', but cursor belongs to a "
                           f"different namespace {cursor.ns}")
    if cursor.pinned:
        raise CommandError(292, f"cursor id {cursor_id} is already in use")
    cursor.pinned = True
    try:
        batch, exhausted = await cursor.stream.next_batch(batch_size)
    except CommandError:
        server.cursors.remove(cursor.id)
        await cursor.stream.close()
        raise
    finally:
        cursor.pinned = False
    cursor.n_returned += len(batch)
    cursor.n_batches += 1
    if exhausted:
        server.cursors.remove(cursor.id)
    return {"cursor": {"nextBatch": batch, "id": Int64(0 if exhausted else cursor.id), "ns": ns}}


async def kill(ctx: Any, cursor_id: int, ns: str) -> bool:
    cursor = ctx.server.cursors.get(cursor_id)
    if cursor is None or cursor.ns != ns:
        return False
    ctx.server.cursors.remove(cursor.id)
    cursor.killed = True
    if isinstance(cursor, RouterCursor) and cursor.stream is not None:
        await cursor.stream.close()
    return True
