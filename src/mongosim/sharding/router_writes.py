"""Routed writes: insert, update, delete and findAndModify through mongos.

Inserts go to the shard owning each document's key, batched per shard: an ordered batch is sent as runs of
consecutive documents for the same shard, one run after the other, stopping at the first error; an unordered
one as one batch per shard, all at once. Shard ``writeErrors`` get the client's indexes back. Statements a
shard refused with StaleConfig are sent again after a refresh; the others are not repeated.

Updates and deletes are routed one statement at a time: a multi write goes to every shard its filter reaches
(``n`` and ``nModified`` summed); a single write goes to the shard its full shard key (or key range) names,
else, as MongoDB 8.0 does for writes without a shard key, the router first finds the one document (on the
shards its filter reaches, honouring the statement's ``sort``) and then writes it on its shard by ``_id``. An
upsert must pin the full shard key. Untracked collections get the whole batch sent to the database's primary
shard.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.sharding import merge
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import MAX_STALE_RETRIES, StaleRouting
from mongosim.sharding.router_codes import STALE_CODES
from mongosim.sharding.targeting import shard_for_document, shard_for_exact_key, shards_for_filter, upsert_shard

if TYPE_CHECKING:
    from mongosim.sharding.router import Router


@dataclass
class WriteResult:
    n: int = 0
    n_modified: int = 0
    upserted: list[dict[str, Any]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    write_concern_error: dict[str, Any] | None = None

    def absorb(self, reply: dict[str, Any], indexes: list[int]) -> list[dict[str, Any]]:
        """Add a shard's reply for the statements ``indexes``; returns its stale errors (not recorded)."""
        self.n += int(reply.get("n", 0))
        self.n_modified += int(reply.get("nModified", 0))
        for upsert in reply.get("upserted") or ():
            self.upserted.append({"index": indexes[int(upsert["index"])], "_id": upsert["_id"]})
        stale = [e for e in reply.get("writeErrors") or () if e.get("code") in STALE_CODES]
        others = [e for e in reply.get("writeErrors") or () if e.get("code") not in STALE_CODES]
        self.errors.extend(merge.map_write_errors(others, indexes))
        if reply.get("writeConcernError") and self.write_concern_error is None:
            self.write_concern_error = reply["writeConcernError"]
        return stale

    def reply(self, kind: str) -> dict[str, Any]:
        out: dict[str, Any] = {"n": self.n}
        if kind == "update":
            if self.upserted:
                out["upserted"] = sorted(self.upserted, key=lambda u: int(u["index"]))
            out["nModified"] = self.n_modified
        if self.errors:
            out["writeErrors"] = merge.sorted_write_errors(self.errors)
        if self.write_concern_error:
            out["writeConcernError"] = self.write_concern_error
        return out


def _stale_reply(reply: dict[str, Any]) -> bool:
    return reply.get("ok") != 1 and reply.get("code") in STALE_CODES


def _batch_command(kind: str, base: dict[str, Any], statements: list[Any], routing: Routing,
                   shard: str) -> dict[str, Any]:
    field_name = {"insert": "documents", "update": "updates", "delete": "deletes"}[kind]
    return {**base, field_name: statements, **routing.version_fields(shard)}


async def write_batch(router: Router, kind: str, ns: str, base: dict[str, Any], statements: list[Any],
                      ordered: bool) -> dict[str, Any]:
    """Run a whole insert / update / delete batch through the router; the client's reply."""
    result = WriteResult()
    pending = list(range(len(statements)))
    db = ns.partition(".")[0]
    for _ in range(MAX_STALE_RETRIES):
        routing = await router.catalog.routing(ns, create_db=True)
        if routing.table is None or kind == "insert":
            pending = await _send_groups(router, kind, db, base, statements, routing, pending, ordered, result,
                                         _destination(routing, statements))
        else:
            pending = await _statements_one_by_one(router, kind, db, base, statements, routing, pending, ordered,
                                                   result)
        if not pending:
            break
        router.catalog.invalidate(ns)
        router.catalog.invalidate_database(db)
    else:
        for index in pending:
            result.errors.append({"index": index, "code": 13388,
                                  "errmsg": f"Failed to route the write to {ns} after {MAX_STALE_RETRIES} attempts"})
    return result.reply(kind)


def _destination(routing: Routing, statements: list[Any]) -> Callable[[int], str]:
    """Where statement ``i`` goes when statements are batched: the primary shard of an untracked collection,
    the owner of the document's key for an insert into a sharded one."""
    table = routing.table
    if table is None:
        primary = routing.database.primary
        return lambda _i: primary
    return lambda i: shard_for_document(table, statements[i])


def _groups(pending: list[int], shards: dict[int, str], ordered: bool) -> list[tuple[str, list[int]]]:
    """Statements by destination: runs of consecutive statements (ordered) or one group per shard."""
    groups: list[tuple[str, list[int]]] = []
    by_shard: dict[str, list[int]] = {}
    for index in pending:
        shard = shards[index]
        if ordered:
            if groups and groups[-1][0] == shard:
                groups[-1][1].append(index)
            else:
                groups.append((shard, [index]))
        else:
            by_shard.setdefault(shard, []).append(index)
    return groups if ordered else list(by_shard.items())


def _error_entry(index: int, exc: CommandError) -> dict[str, Any]:
    """A ``writeErrors`` entry as the server writes one: index, code, the error's extra fields, errmsg."""
    return {"index": index, "code": exc.code, **exc.extra, "errmsg": exc.errmsg}


async def _send_groups(router: Router, kind: str, db: str, base: dict[str, Any], statements: list[Any],
                       routing: Routing, pending: list[int], ordered: bool, result: WriteResult,
                       shard_of: Callable[[int], str]) -> list[int]:
    """Send the pending statements batched per shard; the statements left to retry after a refresh. A
    statement that cannot be placed (an array in a shard key field) fails alone, ending an ordered batch."""
    shards: dict[int, str] = {}
    unplaced: list[dict[str, Any]] = []
    for index in pending:
        try:
            shards[index] = shard_of(index)
        except CommandError as exc:
            unplaced.append(_error_entry(index, exc))
            if ordered:
                break
    placed = [i for i in pending if i in shards]

    async def send(shard: str, indexes: list[int]) -> tuple[list[int], dict[str, Any]]:
        cmd = _batch_command(kind, base, [statements[i] for i in indexes], routing, shard)
        return indexes, await router.shard_command(shard, db, cmd)

    groups = _groups(placed, shards, ordered)
    if ordered:
        for position, (shard, indexes) in enumerate(groups):
            sent, reply = await send(shard, indexes)
            left = _absorb(result, sent, reply, ordered=True)
            if left:
                return left + [i for _, later in groups[position + 1:] for i in later] + [
                    int(e["index"]) for e in unplaced]
            if result.errors:
                return []
        result.errors.extend(unplaced)
        return []
    retry: list[int] = []
    replies = [await send(*groups[0])] if len(groups) == 1 else await asyncio.gather(*(send(s, ix) for s, ix in groups))
    for sent, reply in replies:
        retry.extend(_absorb(result, sent, reply, ordered=False))
    result.errors.extend(unplaced)
    return sorted(retry)


def _absorb(result: WriteResult, sent: list[int], reply: dict[str, Any], ordered: bool) -> list[int]:
    """Record a shard's reply; the statements of ``sent`` to send again (refused as stale). An ordered batch
    stopped at its first stale statement, an unordered one refused each stale statement alone."""
    if _stale_reply(reply):
        return list(sent)
    raise_for(reply)
    stale = result.absorb(reply, sent)
    if not stale:
        return []
    positions = sorted(int(e["index"]) for e in stale)
    return sent[positions[0]:] if ordered else [sent[p] for p in positions]


async def _statements_one_by_one(router: Router, kind: str, db: str, base: dict[str, Any], statements: list[Any],
                                 routing: Routing, pending: list[int], ordered: bool,
                                 result: WriteResult) -> list[int]:
    for position, index in enumerate(pending):
        try:
            reply = await _write_statement(router, kind, db, base, statements[index], routing)
        except StaleRouting:
            return pending[position:]
        except CommandError as exc:
            result.errors.append(_error_entry(index, exc))
            if ordered:
                return []
            continue
        before = len(result.errors)
        result.absorb(reply, [index])
        if ordered and len(result.errors) > before:
            return []
    return []


async def _write_statement(router: Router, kind: str, db: str, base: dict[str, Any], statement: Any,
                           routing: Routing) -> dict[str, Any]:
    """One update or delete statement on a sharded collection; a reply as a shard gives it (for one statement)."""
    table = routing.table
    assert table is not None
    if not isinstance(statement, dict):
        raise CommandError("TypeMismatch", f"BSON field '{kind}.{'updates' if kind == 'update' else 'deletes'}"
                           ".0' is the wrong type, expected type 'object'")
    query: dict[str, Any] = statement["q"] if isinstance(statement.get("q"), dict) else {}
    multi = bool(statement.get("multi")) if kind == "update" else statement.get("limit") in (0, 0.0)
    upsert = kind == "update" and bool(statement.get("upsert"))

    async def on(shard: str, stmt: dict[str, Any]) -> dict[str, Any]:
        reply = await router.shard_command(shard, db, _batch_command(kind, base, [stmt], routing, shard))
        if _stale_reply(reply) or any(e.get("code") in STALE_CODES for e in reply.get("writeErrors") or ()):
            raise StaleRouting(reply)
        return raise_for(reply)

    if upsert:
        return await on(upsert_shard(table, query), statement)
    targets = shards_for_filter(table, query)
    exact = shard_for_exact_key(table, query)
    if exact is not None or len(targets) == 1:
        return await on(exact or targets[0], statement)
    if multi:
        replies = await asyncio.gather(*(on(s, statement) for s in targets))
        combined = WriteResult()
        for reply in replies:
            combined.absorb(reply, [0])
        return {"ok": 1, **combined.reply(kind)}
    empty = {"ok": 1, "n": 0, "nModified": 0} if kind == "update" else {"ok": 1, "n": 0}
    return await without_shard_key(
        router, routing, db, query, statement.get("sort"), targets,
        lambda shard, doc_id: on(shard, {**statement, "q": {"$and": [query, {"_id": doc_id}]}}), empty=empty)


async def without_shard_key(router: Router, routing: Routing, db: str, query: dict[str, Any], sort: Any,
                            targets: list[str], write: Callable[[str, Any], Awaitable[dict[str, Any]]],
                            empty: dict[str, Any]) -> dict[str, Any]:
    """MongoDB 8.0's write without shard key: find the document the write would pick (the first by ``sort``
    across the shards), then write it on its shard by ``_id``. A document that moved or changed between the two
    phases is looked for again."""
    coll = routing.ns.partition(".")[2]
    for _ in range(MAX_STALE_RETRIES):
        finds = {}
        for shard in targets:
            cmd: dict[str, Any] = {"find": coll, "filter": query, "limit": 1, "singleBatch": True,
                                   **routing.version_fields(shard)}
            if isinstance(sort, dict) and sort:
                cmd["sort"] = sort
            finds[shard] = cmd
        replies = await router.shard_commands(finds, db)
        candidates: list[tuple[str, dict[str, Any]]] = []
        for shard, reply in replies.items():
            if _stale_reply(reply):
                raise StaleRouting(reply)
            batch = raise_for(reply)["cursor"].get("firstBatch", [])
            if batch:
                candidates.append((shard, batch[0]))
        if not candidates:
            return empty
        if isinstance(sort, dict) and sort:
            key = merge.sort_key(sort)
            candidates.sort(key=lambda c: key(c[1]))
        shard, doc = candidates[0]
        reply = await write(shard, doc.get("_id"))
        if int(reply.get("n", 0)) or reply.get("writeErrors") or reply.get("value") is not None:
            return reply
        if reply.get("lastErrorObject", {}).get("n"):
            return reply
    return empty
