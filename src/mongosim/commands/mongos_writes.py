"""insert, update, delete and findAndModify on mongos: validated as the server parses them, routed by
``sharding.router_writes``. Writes to the ``config`` and ``admin`` databases go to the config server."""

from __future__ import annotations

from typing import Any

from mongosim.commands import command
from mongosim.commands import writes as w
from mongosim.commands.mongos_common import check_stale, forwarded, is_config_namespace
from mongosim.commands.read_options import collection_name
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.sharding.catalog_cache import Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import router_of
from mongosim.sharding.router_writes import without_shard_key, write_batch
from mongosim.sharding.targeting import shard_for_exact_key, shards_for_filter, upsert_shard

_STATEMENTS = {"insert": "documents", "update": "updates", "delete": "deletes"}
_REPLY_META = ("ok", "$clusterTime", "operationTime")


async def _batch(ctx: CommandContext, cmd: dict[str, Any], kind: str) -> dict[str, Any]:
    collection_name(ctx, cmd)
    ctx.op_type = kind if kind != "delete" else "remove"
    statements = w.statements(cmd, _STATEMENTS[kind], kind)
    ordered = w.flag(cmd, "ordered", kind, True)
    counters = ctx.server.stats.opcounters
    counters[kind] += len(statements)
    router = router_of(ctx)
    if is_config_namespace(ctx.db):
        reply = raise_for(await router.config_command(ctx.db, forwarded(cmd)))
        return {k: v for k, v in reply.items() if k not in _REPLY_META}
    base = forwarded(cmd, (_STATEMENTS[kind],))
    return await write_batch(router, kind, ctx.ns or "", base, statements, ordered)


@command("insert", counter=None, processes=("mongos",))
async def insert(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await _batch(ctx, cmd, "insert")


@command("update", counter=None, processes=("mongos",))
async def update(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await _batch(ctx, cmd, "update")


@command("delete", counter=None, processes=("mongos",))
async def delete(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return await _batch(ctx, cmd, "delete")


@command("findAndModify", "findandmodify", processes=("mongos",))
async def find_and_modify(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    coll = collection_name(ctx, cmd)
    query = w.document(cmd, "query", "findAndModify", {}) or {}
    upsert = w.flag(cmd, "upsert", "findAndModify")
    router = router_of(ctx)
    body = forwarded(cmd)
    if ctx.name == "findandmodify":
        body = {"findAndModify": coll, **{k: v for k, v in body.items() if k != "findandmodify"}}
    if is_config_namespace(ctx.db):
        reply = raise_for(await router.config_command(ctx.db, body))
        return {k: v for k, v in reply.items() if k not in _REPLY_META}

    async def on(routing: Routing, shard: str, request: dict[str, Any]) -> dict[str, Any]:
        reply = await router.shard_command(shard, ctx.db, {**request, **routing.version_fields(shard)})
        check_stale(reply)
        return raise_for(reply)

    async def attempt(routing: Routing) -> dict[str, Any]:
        table = routing.table
        if table is None:
            reply = await on(routing, routing.database.primary, body)
        elif upsert:
            reply = await on(routing, upsert_shard(table, query), body)
        else:
            targets = shards_for_filter(table, query)
            exact = shard_for_exact_key(table, query)
            if exact is not None or len(targets) == 1:
                reply = await on(routing, exact or targets[0], body)
            else:
                empty = {"lastErrorObject": {"n": 0, "updatedExisting": False} if "update" in body else {"n": 0},
                         "value": None}
                reply = await without_shard_key(
                    router, routing, ctx.db, query, body.get("sort"), targets,
                    lambda shard, doc_id: on(routing, shard, {**body, "query": {"$and": [query, {"_id": doc_id}]}}),
                    empty=empty)
        return {k: v for k, v in reply.items() if k not in _REPLY_META}

    if "remove" not in body and "update" not in body:
        raise CommandError(9, "Either an update or remove=true must be specified")
    return await router.routed(ctx.ns or "", attempt, create_db=True)
