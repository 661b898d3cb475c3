"""The mongos router: its connection to the config server replica set, the catalog cache, the shard
connections, its registration in ``config.mongos``, the cluster time it gossips, and the retry loop that
refreshes routing after a shard answers StaleConfig.

``install(server)`` runs when a ``mongos`` starts (``--configdb cfg/h:p,...``); the command handlers in
``commands/mongos_*.py`` reach the router as ``server.router``.
"""

from __future__ import annotations

import asyncio
import datetime as dt
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim import MONGODB_VERSION
from mongosim.errors import CommandError
from mongosim.sharding import router_codes as _codes  # noqa: F401 - registers the sharding code names
from mongosim.sharding.catalog_cache import CatalogCache, Routing
from mongosim.sharding.remote import RemoteSet

if TYPE_CHECKING:
    from mongosim.context import CommandContext
    from mongosim.server import Server

T = TypeVar("T")
PING_INTERVAL_S = 30.0
# kMaxNumStaleVersionRetries: how often mongos refreshes and retries one operation.
MAX_STALE_RETRIES = 10
_ZERO_SIGNATURE = {"hash": Binary(b"\x00" * 20, 0), "keyId": Int64(0)}


class StaleRouting(Exception):
    """A shard refused the routing the router used; the catalog entry has been dropped, retry."""

    def __init__(self, reply: dict[str, Any]) -> None:
        super().__init__(reply.get("errmsg", "stale config"))
        self.reply = reply


class Router:
    def __init__(self, server: Server, configdb: str) -> None:
        self.server = server
        self.config = RemoteSet.from_connection_string(configdb)
        # Long admin commands (moveChunk, removeShard...) go through their own connections, so they never hold
        # up the catalog reads other operations need meanwhile.
        self.config_admin = RemoteSet.from_connection_string(configdb)
        self.catalog = CatalogCache(self.config, server.log)
        self.cluster_time: Timestamp | None = None
        self._started = dt.datetime.now(dt.UTC).replace(tzinfo=None)

    # ------------------------------------------------------------------------------------------ cluster time
    def observe(self, reply: dict[str, Any]) -> None:
        """Advance the router's cluster time from a config server's or shard's reply."""
        gossip = reply.get("$clusterTime")
        seen = gossip.get("clusterTime") if isinstance(gossip, dict) else reply.get("operationTime")
        if isinstance(seen, Timestamp) and (self.cluster_time is None or seen > self.cluster_time):
            self.cluster_time = seen

    def gossip(self, cmd: dict[str, Any]) -> dict[str, Any]:
        """``cmd`` carrying the router's cluster time, so the receiving node's clock moves past it."""
        if self.cluster_time is None:
            return cmd
        return {**cmd, "$clusterTime": {"clusterTime": self.cluster_time, "signature": dict(_ZERO_SIGNATURE)}}

    def before_command(self, ctx: CommandContext, spec: Any) -> None:
        """A client's cluster time (gossiped by every driver) advances the router's."""
        if "$clusterTime" in ctx.cmd:
            self.observe(ctx.cmd)

    def reply_hook(self, ctx: CommandContext, reply: dict[str, Any]) -> None:
        if self.cluster_time is None:
            return
        reply["$clusterTime"] = {"clusterTime": self.cluster_time, "signature": dict(_ZERO_SIGNATURE)}
        reply.setdefault("operationTime", self.cluster_time)

    # ------------------------------------------------------------------------------------------ remote calls
    async def config_command(self, db: str, cmd: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        """A command on the config server primary (reads of the config database, catalog refreshes)."""
        reply = await self.config.command(db, self.gossip(cmd), timeout_s)
        self.observe(reply)
        return reply

    async def config_admin_command(self, cmd: dict[str, Any], timeout_s: float = 600.0) -> dict[str, Any]:
        """An admin command forwarded to the config server primary's ``_configsvr*`` counterpart."""
        reply = await self.config_admin.command("admin", self.gossip(cmd), timeout_s)
        self.observe(reply)
        return reply

    async def shard_command(self, shard: str, db: str, cmd: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        return (await self.shard_run(shard, db, cmd, timeout_s))[1]

    async def shard_run(self, shard: str, db: str, cmd: dict[str, Any],
                        timeout_s: float = 60.0) -> tuple[str, dict[str, Any]]:
        """A command on a shard's primary: the host that answered (cursors live there) and the reply."""
        remote = await self.catalog.shard(shard)
        reply = await remote.command(db, self.gossip(cmd), timeout_s)
        self.observe(reply)
        return remote.primary or remote.hosts[0], reply

    async def shard_commands(self, requests: dict[str, dict[str, Any]], db: str) -> dict[str, dict[str, Any]]:
        """The same kind of command to several shards at once, by shard id."""
        shards = list(requests)
        replies = await asyncio.gather(*(self.shard_command(s, db, requests[s]) for s in shards))
        return dict(zip(shards, replies, strict=True))

    async def routed(self, ns: str, attempt: Callable[[Routing], Awaitable[T]], create_db: bool = False) -> T:
        """Run ``attempt`` with the namespace's routing; when it raises StaleRouting the cached entries are
        dropped and it runs again with fresh ones (at most MAX_STALE_RETRIES times, as mongos)."""
        last: StaleRouting | None = None
        for _ in range(MAX_STALE_RETRIES):
            routing = await self.catalog.routing(ns, create_db=create_db)
            try:
                return await attempt(routing)
            except StaleRouting as stale:
                last = stale
                self.note_stale(ns, stale.reply)
        assert last is not None
        reply = last.reply
        raise CommandError(int(reply.get("code", 13388)), str(reply.get("errmsg", "stale config")))

    def note_stale(self, ns: str, reply: dict[str, Any]) -> None:
        if reply.get("code") == 249:
            self.catalog.invalidate_database(ns.partition(".")[0])
        else:
            self.catalog.invalidate(ns)

    def pool_stats(self) -> dict[str, dict[str, int]]:
        """The connections this router holds to config servers and shards, by host (``connPoolStats.hosts``)."""
        hosts: dict[str, dict[str, int]] = {}
        for remote in (self.config, self.config_admin, *self.catalog.known_shards().values()):
            for host, stats in remote.pool_stats().items():
                into = hosts.setdefault(host, dict.fromkeys(stats, 0))
                for key, value in stats.items():
                    into[key] += value
        return hosts

    # ------------------------------------------------------------------------------------------ config.mongos
    async def register(self) -> None:
        """Upsert this router's ``config.mongos`` document (``type_mongos``), as the sharding uptime reporter
        does every 30 seconds."""
        now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
        now = now.replace(microsecond=now.microsecond // 1000 * 1000)
        doc = {"advisoryHostFQDNs": [], "created": self._started.replace(microsecond=0),
               "mongoVersion": MONGODB_VERSION, "ping": now, "up": Int64(int(self.server.uptime())),
               "waiting": True}
        await self.config.command("config", {
            "update": "mongos",
            "updates": [{"q": {"_id": self.server.host_and_port}, "u": {"$set": doc}, "upsert": True}],
            "writeConcern": {"w": "majority", "wtimeout": 15000}}, timeout_s=20.0)

    async def start(self) -> None:
        try:
            await self.register()
            await self.catalog.reload_shards()
        except Exception as exc:  # the config servers may still be starting; the periodic job tries again
            self.server.log.warning("SHARDING", 22727, "Uptime-reporter", "Error while attempting to write this "
                                    "node's uptime to config.mongos", {"error": str(exc)})

    def close(self) -> None:
        self.catalog.close()
        self.config.close()
        self.config_admin.close()


async def install(server: Server) -> None:
    """Turn a started ``mongos`` into a router (called from ``Server.start``)."""
    configdb = server.config.config_db
    if not configdb:
        raise CommandError("BadValue", "mongos requires --configdb")
    router = Router(server, configdb)
    server.router = router  # type: ignore[attr-defined]
    server.reply_hooks.append(router.reply_hook)
    server.before_command.append(router.before_command)
    asyncio.get_running_loop().create_task(router.start(), name="Uptime-reporter-start")
    server.add_periodic("Uptime-reporter", PING_INTERVAL_S, router.register)
    server.shutdown_hooks.append(router.close)


def router_of(ctx: CommandContext) -> Router:
    router = getattr(ctx.server, "router", None)
    if router is None:
        raise CommandError("ShardingStateNotInitialized", "This is not a sharding server")
    return router  # type: ignore[no-any-return]
