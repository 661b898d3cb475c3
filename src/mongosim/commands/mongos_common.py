"""What every routed command handler on mongos shares: the namespace it names, the fields forwarded to
shards, stale-routing detection, and reading the ``config`` database from the config server."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

from mongosim.context import CommandContext
from mongosim.sharding.catalog_cache import CONFIG_DATABASES, Routing
from mongosim.sharding.remote import raise_for
from mongosim.sharding.router import Router, StaleRouting, router_of
from mongosim.sharding.router_codes import STALE_CODES
from mongosim.sharding.router_cursors import RemoteCursor

# Fields of a client's command that stay with mongos: the session and transaction plumbing, the client's read
# preference, API version parameters, and the wire metadata.
_NOT_FORWARDED = frozenset({"$db", "lsid", "txnNumber", "$clusterTime", "$readPreference", "apiVersion",
                            "apiStrict", "apiDeprecationErrors", "autocommit", "startTransaction", "stmtId",
                            "stmtIds", "$audit", "$client", "shardVersion", "databaseVersion"})


def forwarded(cmd: dict[str, Any], drop: tuple[str, ...] = ()) -> dict[str, Any]:
    return {k: v for k, v in cmd.items() if k not in _NOT_FORWARDED and k not in drop}


def is_config_namespace(db: str) -> bool:
    return db in CONFIG_DATABASES


def check_stale(reply: dict[str, Any]) -> None:
    """A shard that refused the router's versions: the operation is retried with fresh routing."""
    if reply.get("ok") != 1 and reply.get("code") in STALE_CODES:
        raise StaleRouting(reply)
    for error in reply.get("writeErrors") or ():
        if error.get("code") in STALE_CODES:
            raise StaleRouting(error)


# A coordinated DDL (drop, dropDatabase, movePrimary) waits for every shard, retrying unreachable ones a while.
DDL_TIMEOUT_S = 900.0


async def on_primary(router: Router, routing: Routing, db: str, body: dict[str, Any],
                     admin: bool = False) -> dict[str, Any]:
    """A DDL command for the coordinator on the database's primary shard, with the database version the router
    routed by (StaleDbVersion makes the router refresh and retry); the reply without its metadata."""
    request = {**body, "databaseVersion": routing.database.version}
    reply = await router.shard_command(routing.database.primary, "admin" if admin else db, request,
                                       timeout_s=DDL_TIMEOUT_S)
    check_stale(reply)
    return {k: v for k, v in raise_for(reply).items() if k not in ("ok", "$clusterTime", "operationTime")}


async def existing_routing(router: Router, ns: str) -> Routing | None:
    """The routing of ``ns``, or None when its database does not exist (reads then find nothing)."""
    if await router.catalog.database(ns.partition(".")[0]) is None:
        return None
    return await router.catalog.routing(ns)


def shard_runner(router: Router, shard: str) -> Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]:
    async def run(host: str, db: str, cmd: dict[str, Any]) -> dict[str, Any]:
        remote = await router.catalog.shard(shard)
        reply = await remote.command_on(host, db, cmd)
        router.observe(reply)
        return reply
    return run


def config_runner(router: Router) -> Callable[[str, str, dict[str, Any]], Awaitable[dict[str, Any]]]:
    async def run(host: str, db: str, cmd: dict[str, Any]) -> dict[str, Any]:
        reply = await router.config.command_on(host, db, cmd)
        router.observe(reply)
        return reply
    return run


async def open_shard_cursors(router: Router, routing: Routing, shards: list[str], db: str,
                             build: Callable[[str], dict[str, Any]]) -> list[RemoteCursor]:
    """Send a cursor-opening command to each shard (with its versions); all succeed or all are closed."""
    async def one(shard: str) -> tuple[str, str, dict[str, Any]]:
        body = {**build(shard), **routing.version_fields(shard)}
        host, reply = await router.shard_run(shard, db, body)
        return shard, host, reply

    if len(shards) == 1:  # the targeted case: no task to run one request
        try:
            results: list[Any] = [await one(shards[0])]
        except Exception as exc:
            results = [exc]
    else:
        results = await asyncio.gather(*(one(s) for s in shards), return_exceptions=True)
    remotes: list[RemoteCursor] = []
    failure: BaseException | dict[str, Any] | None = None
    for result in results:
        if isinstance(result, BaseException):
            failure = failure or result
            continue
        shard, host, reply = result
        if reply.get("ok") != 1:
            if failure is None or (isinstance(failure, dict) and reply.get("code") in STALE_CODES):
                failure = reply
            continue
        remotes.append(RemoteCursor.from_reply(shard, host, db, reply, shard_runner(router, shard)))
    if failure is not None:
        await asyncio.gather(*(r.kill() for r in remotes))
        if isinstance(failure, BaseException):
            raise failure
        check_stale(failure)
        raise_for(failure)
    return remotes


async def config_cursor(ctx: CommandContext, cmd: dict[str, Any]) -> RemoteCursor:
    """A read of the config (or admin) database, answered by the config server primary."""
    router = router_of(ctx)
    body = forwarded(cmd)
    if ctx.db == "config":
        body.setdefault("readConcern", {"level": "majority"})
    reply = await router.config_command(ctx.db, body)
    raise_for(reply)
    host = router.config.primary or router.config.hosts[0]
    return RemoteCursor.from_reply("config", host, ctx.db, reply, config_runner(router))
