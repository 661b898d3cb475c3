"""A ``--shardsvr`` member's sharding state: its identity, the filtering metadata it keeps per collection, the
migration critical sections, and the check every versioned command passes before it runs.

Identity: ``admin.system.version`` ``{_id: "shardIdentity", shardName, clusterId, configsvrConnectionString}``,
written by ``_shardsvrSetShardIdentity`` on the primary and replicated, so every member reads it from its own
storage (at start-up, and lazily on a secondary that received it later).

Versioned commands: a router attaches ``shardVersion`` (and ``databaseVersion`` for untracked collections).
``before_command`` checks it against this shard's metadata, refreshing from the config server once when the
metadata is unknown or differs; a mismatch is StaleConfig (13388) with ``ns``, ``vReceived``, ``vWanted``,
``shardId``. A versioned command on a sharded collection runs with ``ctx.shard_filter`` set, so its scans skip
orphans. Commands without ``shardVersion`` (an operator connected directly) run unchecked and unfiltered,
as on a real shard. A versioned read of a view whose collection is sharded fails with
CommandOnShardedViewNotSupportedOnMongod (169, with ``resolvedView``) for the router to run across the shards.
While a migration's critical section holds a collection, writes to it wait.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError
from mongosim.sharding.filtering import CollectionMetadata, check_shard_version
from mongosim.sharding.remote import RemoteSet, raise_for
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.versions import ChunkVersion

if TYPE_CHECKING:
    from mongosim.commands import CommandSpec
    from mongosim.context import CommandContext
    from mongosim.server import Server

IDENTITY_ID = "shardIdentity"
WRITE_NAMES = frozenset({"insert", "update", "delete", "findAndModify", "findandmodify"})
# How long a write waits for a migration's critical section before failing with StaleConfig (the router
# retries): mongod's migrationLockAcquisitionMaxWaitMS is 500 ms, its critical section timeout 5 minutes.
CRITICAL_SECTION_WAIT_S = 60.0
ID_SHARDING_INIT = 22078


def state_of(server: Server) -> ShardingState | None:
    return getattr(server, "sharding_state", None)


def require_state(ctx: CommandContext, primary: bool = True) -> ShardingState:
    """The shard's state for an internal sharding command; the server's errors when this node cannot run it."""
    state = state_of(ctx.server)
    if state is None:
        raise CommandError("IllegalOperation", f"{ctx.name} can only be run on shard servers")
    if primary:
        repl = ctx.server.repl
        if repl is None or not repl.is_writable_primary:
            raise CommandError("NotWritablePrimary", "not primary")
    return state


class ShardingState:
    def __init__(self, server: Server) -> None:
        self.server = server
        self._identity: dict[str, Any] | None = None
        self._config: RemoteSet | None = None
        self.metadata: dict[str, CollectionMetadata] = {}
        self.databases: dict[str, dict[str, Any]] = {}
        self._refreshes: dict[str, asyncio.Future[CollectionMetadata]] = {}
        # Collections whose migration critical section is held: the event is set when it is released.
        self.critical_sections: dict[str, asyncio.Event] = {}
        # The migration this shard donates / receives (one at a time each, as mongod's ActiveMigrationsRegistry).
        self.donor: Any = None
        self.recipient: Any = None
        self.range_deleter: Any = None

    # ------------------------------------------------------------------------------------------- identity
    @property
    def identity(self) -> dict[str, Any] | None:
        if self._identity is None and self.server.storage is not None:
            coll = self.server.storage.get_collection("admin", "system.version")
            doc = coll.get(IDENTITY_ID) if coll is not None else None
            if doc is not None:
                self._identity = dict(doc)
                self.server.log.info("SHARDING", ID_SHARDING_INIT, "initandlisten",
                                     "Initializing sharding state from shardIdentity document",
                                     {"shardIdentity": self._identity})
        return self._identity

    @property
    def shard_name(self) -> str:
        identity = self.require_identity()
        return str(identity["shardName"])

    def require_identity(self) -> dict[str, Any]:
        identity = self.identity
        if identity is None:
            raise CommandError("ShardingStateNotInitialized", "Cannot accept sharding commands if sharding state "
                               "has not been initialized with a shardIdentity document")
        return identity

    def set_identity(self, doc: dict[str, Any]) -> None:
        self._identity = dict(doc)
        self._config = None

    @property
    def config(self) -> RemoteSet:
        if self._config is None:
            self._config = RemoteSet.from_connection_string(str(self.require_identity()["configsvrConnectionString"]))
        return self._config

    async def config_find(self, coll: str, filter_doc: dict[str, Any],
                          sort: dict[str, Any] | None = None) -> list[dict[str, Any]]:
        """Majority-committed documents of a config server collection (``config`` database)."""
        return await find_all(self.config, "config", coll, filter_doc, sort)

    # ------------------------------------------------------------------------------------------- metadata
    async def refresh(self, ns: str) -> CollectionMetadata:
        """Load the collection's routing table from the config server (one refresh at a time per namespace:
        concurrent callers share it)."""
        pending = self._refreshes.get(ns)
        if pending is not None:
            return await asyncio.shield(pending)
        future: asyncio.Future[CollectionMetadata] = asyncio.get_running_loop().create_future()
        self._refreshes[ns] = future
        try:
            metadata = await self._load(ns)
            self.metadata[ns] = metadata
            future.set_result(metadata)
            return metadata
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved: concurrent waiters re-raise it, nobody warns about it
            raise
        finally:
            self._refreshes.pop(ns, None)

    async def _load(self, ns: str) -> CollectionMetadata:
        colls = await self.config_find("collections", {"_id": ns})
        coll = colls[0] if colls else None
        if coll is None or coll.get("unsplittable"):
            return CollectionMetadata(ns, self.shard_name, None)
        chunks = await self.config_find("chunks", {"uuid": coll.get("uuid")}, {"min": 1})
        return CollectionMetadata(ns, self.shard_name, RoutingTable.from_documents(coll, chunks))

    async def metadata_for(self, ns: str) -> CollectionMetadata:
        known = self.metadata.get(ns)
        return known if known is not None else await self.refresh(ns)

    def forget(self, ns: str | None = None) -> None:
        if ns is None:
            self.metadata.clear()
            self.databases.clear()
        else:
            self.metadata.pop(ns, None)

    async def refresh_database(self, db: str) -> dict[str, Any] | None:
        docs = await self.config_find("databases", {"_id": db})
        if not docs:
            self.databases.pop(db, None)
            return None
        self.databases[db] = docs[0]
        return docs[0]

    # ------------------------------------------------------------------------------------------- the check
    def before_command(self, ctx: CommandContext, spec: CommandSpec) -> Awaitable[None] | None:
        cmd = ctx.cmd
        received = cmd.get("shardVersion")
        if received is None and not self.critical_sections:
            return None  # the common case, unversioned and no migration committing: no cost
        ns = _namespace(ctx, spec.name)
        if ns is None:
            return None
        # A collection's critical section (a migration, a drop) is keyed by its namespace, a database's
        # (movePrimary, dropDatabase) by the database name.
        blocked = spec.name in WRITE_NAMES and (ns in self.critical_sections
                                                 or ns.partition(".")[0] in self.critical_sections)
        if received is None and not blocked:
            return None
        if not isinstance(received, dict) and received is not None:
            raise CommandError("TypeMismatch", "shardVersion must be an object")
        if received is not None and _reads_view(ctx, spec.name, ns):
            return self._check_view(ctx, spec.name, ns, received)
        if not blocked and received is not None:
            known = self.metadata.get(ns)
            version = ChunkVersion.from_wire(received)
            if known is not None and _compatible(known, version) and self._database_ok(ctx, ns, known):
                self._install_filter(ctx, known)
                return None
        return self._check_slow(ctx, spec.name, ns, received, blocked)

    async def _check_slow(self, ctx: CommandContext, name: str, ns: str, received: dict[str, Any] | None,
                          blocked: bool) -> None:
        for key in (ns, ns.partition(".")[0]) if blocked else ():
            event = self.critical_sections.get(key)
            if event is not None:
                released = await ctx.wait_for(event, CRITICAL_SECTION_WAIT_S)
                if not released and received is not None:
                    version = ChunkVersion.from_wire(received)
                    raise CommandError("StaleConfig", f"The critical section for {ns} is acquired with reason: "
                                       "migrating chunk", ns=ns, vReceived=version.to_wire(), shardId=self.shard_name)
        if received is None:
            return
        version = ChunkVersion.from_wire(received)
        known = self.metadata.get(ns)
        if known is None or not _compatible(known, version):
            known = await self.refresh(ns)
        check_shard_version(known, version)
        await self._check_database(ctx, ns, known)
        self._install_filter(ctx, known)

    async def _check_view(self, ctx: CommandContext, name: str, ns: str, received: dict[str, Any]) -> None:
        """A router's read of a view: the view's own namespace is checked like any untracked one (database
        version); when the collection under it is sharded, this shard alone cannot answer, and the router is
        given the resolved view to run (CommandOnShardedViewNotSupportedOnMongod)."""
        from mongosim.commands import views

        await self._check_slow(ctx, name, ns, received, False)
        db, _, view = ns.partition(".")
        resolved = views.resolve(self.server, db, view)
        if resolved is None:
            return
        underlying = self.metadata.get(resolved.ns)
        if underlying is None or not underlying.sharded:  # sharded since it was cached, perhaps
            underlying = await self.refresh(resolved.ns)
        if underlying.sharded:
            raise resolved.sharded_error()

    def _database_ok(self, ctx: CommandContext, ns: str, known: CollectionMetadata) -> bool:
        received = ctx.cmd.get("databaseVersion")
        if received is None or known.sharded:
            return True
        cached = self.databases.get(ns.partition(".")[0])
        return cached is not None and _same_db_version(cached, received) and cached.get("primary") == self.shard_name

    async def _check_database(self, ctx: CommandContext, ns: str, known: CollectionMetadata) -> None:
        """Untracked collections live on the database's primary shard: a router with an old databaseVersion, or
        one that sent the command to a shard that is no longer primary, gets StaleDbVersion (249)."""
        if self._database_ok(ctx, ns, known):
            return
        db = ns.partition(".")[0]
        received = ctx.cmd["databaseVersion"]
        cached = await self.refresh_database(db)
        if cached is not None and _same_db_version(cached, received) and cached.get("primary") == self.shard_name:
            return
        extra: dict[str, Any] = {"db": db, "vReceived": received}
        if cached is not None and cached.get("primary") == self.shard_name:
            extra["vWanted"] = cached.get("version")
        raise CommandError("StaleDbVersion", f"version mismatch detected for {db}", **extra)

    @staticmethod
    def _install_filter(ctx: CommandContext, known: CollectionMetadata) -> None:
        if known.sharded:
            ctx.shard_filter = (known.ns, known.doc_filter())


def _compatible(known: CollectionMetadata, received: ChunkVersion) -> bool:
    wanted = known.shard_version
    return received.same_collection(wanted) and received.major == wanted.major


def _same_db_version(cached: dict[str, Any], received: Any) -> bool:
    version = cached.get("version") or {}
    return isinstance(received, dict) and version.get("uuid") == received.get("uuid") \
        and version.get("timestamp") == received.get("timestamp")


def _reads_view(ctx: CommandContext, name: str, ns: str) -> bool:
    """A read (or its explain) of a namespace that is a view here, not a collection."""
    if name == "explain" and isinstance(ctx.cmd.get("explain"), dict):
        name = next(iter(ctx.cmd["explain"]), "")
    if name not in ("find", "aggregate", "count", "distinct"):
        return False
    storage = ctx.server.storage
    db, _, coll = ns.partition(".")
    if storage is None or storage.get_collection(db, coll) is not None:
        return False
    views = storage.get_collection(db, "system.views")
    return views is not None and views.get(ns) is not None


def _namespace(ctx: CommandContext, name: str) -> str | None:
    """The collection a versioned command targets (explain: its inner command's)."""
    cmd = ctx.cmd
    if name == "explain" and isinstance(cmd.get("explain"), dict):
        cmd = cmd["explain"]
    target = next(iter(cmd.values()), None)
    if not isinstance(target, str) or not target:
        return None
    return f"{ctx.db}.{target}"


async def find_all(remote: RemoteSet, db: str, coll: str, filter_doc: dict[str, Any],
                   sort: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    """Every majority-committed document of ``db.coll`` matching ``filter_doc`` on the set's primary."""
    cmd: dict[str, Any] = {"find": coll, "filter": filter_doc, "readConcern": {"level": "majority"},
                           "batchSize": 1 << 30}
    if sort:
        cmd["sort"] = sort
    reply = raise_for(await remote.command(db, cmd))
    cursor = reply["cursor"]
    docs = list(cursor.get("firstBatch", []))
    while cursor.get("id") and remote.primary is not None:
        more = raise_for(await remote.command_on(remote.primary, db, {"getMore": cursor["id"], "collection": coll,
                                                                      "batchSize": 1 << 30}))
        cursor = more["cursor"]
        docs.extend(cursor.get("nextBatch", []))
    return docs


async def install(server: Server) -> None:
    """Make a started ``--shardsvr`` mongod a shard: its sharding state and the versioned-command check."""
    from mongosim.sharding import router_codes as _codes  # noqa: F401 - sharding error names
    from mongosim.sharding.range_deleter import RangeDeleter

    state = ShardingState(server)
    server.sharding_state = state  # type: ignore[attr-defined]
    state.range_deleter = RangeDeleter(state)
    server.before_command.append(state.before_command)
    state.identity  # noqa: B018 - loaded (and logged) at start-up when this member already has one
    server.shutdown_hooks.append(state.range_deleter.stop)
    if server.repl is not None:  # the range deleter resumes its persisted tasks on every step-up
        server.repl.step_up_hooks.append(state.range_deleter.on_step_up)
        server.repl.state_listeners.append(state.range_deleter.on_state_change)
