"""The balancer: a loop on the config server primary that evens out each sharded collection's data between
shards, and empties draining shards, by moving ranges with the same moveRange path users have.

A round runs when config.settings ``{_id: "balancer"}`` has ``mode: "full"`` (and not ``stopped``), the local
time is inside its ``activeWindow``, and this member is the writable primary. It asks every shard for its data
size per collection (``_shardsvrGetStatsForBalancing``), splits chunks that straddle a zone bound (config.tags),
lets ``balancer_policy`` choose the migrations, runs them concurrently, and logs the round to config.actionlog
(``what: "balancer.round"``). Collections with ``noBalance: true`` are left alone. ``collection_status`` answers
balancerCollectionStatus from the same snapshot and policy.

Pacing: MongoDB waits 10 s between rounds that moved nothing and ``balancerMigrationsThrottlingMs`` (1 s) after a
round that moved something. The first interval is the simulator-only server parameter
``mongosimBalancerRoundIntervalMillis`` (MongoDB has no such parameter; tests shorten it); balancerStart and
removeShard wake the loop at once.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import math
import time
import traceback
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.sharding import zones
from mongosim.sharding.balancer_policy import (
    CollectionSnapshot,
    Migration,
    choose_migrations,
    first_violation,
    in_window,
)
from mongosim.sharding.catalog import ACTIONLOG, COLLECTIONS, Catalog
from mongosim.sharding.chunk_ops import split_chunk
from mongosim.sharding.move_range import move_range
from mongosim.sharding.shardkey import ShardKeyPattern

if TYPE_CHECKING:
    from mongosim.sharding.configsvr import ConfigServer

ROUND_INTERVAL_PARAMETER = "mongosimBalancerRoundIntervalMillis"
THROTTLE_PARAMETER = "balancerMigrationsThrottlingMs"
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1


def _parameter(role: ConfigServer, name: str, default: int) -> int:
    value = role.server.parameters.get(name, role.server.config.set_parameters.get(name, default))
    try:
        return max(10, int(value))
    except (TypeError, ValueError):
        return default


class Balancer:
    def __init__(self, role: ConfigServer, clock: Callable[[], dt.datetime] = dt.datetime.now) -> None:
        self.role = role
        self.clock = clock
        self.rounds = 0
        self.in_round = False
        self._wake = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    # ------------------------------------------------------------------------------------------- lifecycle
    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="Balancer")

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
            self._task = None

    def wake(self) -> None:
        self._wake.set()

    def status(self) -> dict[str, Any]:
        settings = self.role.catalog.balancer_settings()
        mode = "off" if settings.get("stopped") or settings.get("mode") == "off" else settings.get("mode", "full")
        repl = self.role.server.repl
        return {"mode": mode, "inBalancerRound": self.in_round, "numBalancerRounds": Int64(self.rounds),
                "term": Int64(getattr(repl, "term", 0))}

    async def _run(self) -> None:
        server = self.role.server
        while not server.shutting_down:
            moved = 0
            repl = server.repl
            if repl is not None and repl.is_writable_primary:
                try:
                    moved = await self.run_round()
                except Exception as exc:  # a failed round is logged; the next one tries again
                    server.log.error("SHARDING", 21872, "Balancer", "Error while doing balance",
                                     {"error": repr(exc), "trace": traceback.format_exc(limit=5)})
            delay_ms = _parameter(self.role, THROTTLE_PARAMETER, 1000) if moved else \
                _parameter(self.role, ROUND_INTERVAL_PARAMETER, 10_000)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(delay_ms / 1000.0):
                    await self._wake.wait()
            self._wake.clear()

    # ------------------------------------------------------------------------------------------- one round
    def enabled(self) -> bool:
        settings = self.role.catalog.balancer_settings()
        if settings.get("stopped") or settings.get("mode", "full") == "off":
            return False
        return in_window(settings.get("activeWindow"), self.clock())

    async def run_round(self) -> int:
        """One balancing round; the number of ranges moved (0 when disabled or outside the window)."""
        catalog = self.role.catalog
        catalog.ensure_setup()
        if not self.enabled():
            return 0
        self.in_round = True
        started = time.monotonic()
        error: str | None = None
        migrations: list[Migration] = []
        moved = 0
        try:
            shards = catalog.shards()
            names = [s["_id"] for s in shards]
            draining = {s["_id"] for s in shards if s.get("draining")}
            collections = await self._snapshot(names)
            for coll in collections:
                if coll.needs_split():
                    await self._split_at_zone_bounds(coll)
            migrations = choose_migrations(collections, names, draining, catalog.chunk_size_bytes(),
                                           zones.zone_shards(shards))
            results = await asyncio.gather(*(self._migrate(m) for m in migrations), return_exceptions=True)
            moved = sum(1 for r in results if r is True)
            failures = [r for r in results if isinstance(r, BaseException)]
            if failures:
                error = str(failures[0])
        finally:
            self.in_round = False
        self.rounds += 1
        details: dict[str, Any] = {"executionTimeMillis": int((time.monotonic() - started) * 1000),
                                   "errorOccured": error is not None, "candidateChunks": len(migrations),
                                   "chunksMoved": moved}
        if error is not None:
            details["errmsg"] = error
        if self.role.server.repl.is_writable_primary:
            catalog.log_change("balancer.round", "", details, collection=ACTIONLOG)
        return moved

    async def collection_status(self, ns: str) -> dict[str, Any]:
        """balancerCollectionStatus: the collection's chunk size in MB and whether the balancer has anything to
        do for it (and what first)."""
        catalog = self.role.catalog
        coll = catalog.collection(ns)
        if coll is None:
            raise CommandError("NamespaceNotSharded", "Collection unsharded or undefined")
        shards = catalog.shards()
        names = [s["_id"] for s in shards]
        draining = {s["_id"] for s in shards if s.get("draining")}
        size_mb = math.ceil(collection_chunk_size(catalog, coll) / (1024 * 1024) * 100) / 100
        reply: dict[str, Any] = {"chunkSize": float(size_mb), "balancerCompliant": True}
        violation = "defragmentingChunks" if coll.get("defragmentCollection") else None
        if violation is None:
            snapshot = (await self._snapshot(names, only=ns))[0]
            violation = first_violation(snapshot, names, draining, catalog.chunk_size_bytes(),
                                        zones.zone_shards(shards))
        if violation is not None:
            reply.update(balancerCompliant=False, firstComplianceViolation=violation)
        return reply

    async def _split_at_zone_bounds(self, coll: CollectionSnapshot) -> None:
        """Split every chunk that straddles a zone bound there, as the balancer does before moving anything; the
        collection's lock keeps a migration of the same chunk from running meanwhile."""
        catalog = self.role.catalog
        async with self.role.locked(coll.ns):
            current = catalog.collection(coll.ns)
            if current is None or current["uuid"] != coll.uuid:
                return
            for chunk in catalog.chunks(coll.uuid):
                points = zones.boundary_points(coll.pattern, coll.zones, chunk["min"], chunk["max"])
                if points:
                    split_chunk(catalog, coll.ns, points, chunk_min=chunk["min"], chunk_max=chunk["max"])
            coll.chunks = catalog.chunks(coll.uuid)
        await catalog.majority()

    async def _snapshot(self, shards: list[str], only: str | None = None) -> list[CollectionSnapshot]:
        catalog = self.role.catalog
        if only is not None:
            colls = [c for c in catalog.find(COLLECTIONS, {"_id": only}) if not c.get("unsplittable")]
        else:
            colls = [c for c in catalog.find(COLLECTIONS, sort={"_id": 1})
                     if not c.get("noBalance") and not c.get("unsplittable")]
        if not colls:
            return []
        sizes: dict[str, dict[str, int]] = {c["_id"]: {} for c in colls}
        request = {"_shardsvrGetStatsForBalancing": 1, "scaleFactor": 1,
                   "collections": [{"ns": c["_id"], "UUID": c["uuid"]} for c in colls]}
        for shard in shards:
            try:
                reply = await self.role.shard_command(shard, "admin", request, timeout_s=30.0)
            except CommandError:
                continue  # an unreachable shard counts as empty this round
            for entry in reply.get("stats", []):
                ns = entry.get("namespace", entry.get("ns"))
                if ns in sizes:
                    sizes[ns][shard] = int(entry.get("collSize", 0))
        out = []
        for c in colls:
            pattern = ShardKeyPattern(c["key"])
            out.append(CollectionSnapshot(c["_id"], c["uuid"], pattern, catalog.chunks(c["uuid"]), sizes[c["_id"]],
                                          zones.ranges_of(catalog, c["_id"], pattern.fields),
                                          collection_chunk_size(catalog, c)))
        return out

    async def _migrate(self, migration: Migration) -> bool:
        high = migration.max
        if not migration.whole:
            high = await self._cut(migration)
        await move_range(self.role, migration.ns, migration.to_shard, migration.min, high)
        return True

    async def _cut(self, migration: Migration) -> dict[str, Any]:
        """An upper bound that leaves about one chunk size of data in [min, bound): a hashed key is cut at the
        middle of the hash range, a range key at the document that many bytes in (asked of the donor)."""
        catalog = self.role.catalog
        coll = catalog.collection(migration.ns)
        if coll is None:
            return migration.max
        pattern = ShardKeyPattern(coll["key"])
        first = pattern.fields[0]
        if pattern.hashed_field == first:
            low, high = _hash_bound(migration.min[first], INT64_MIN), _hash_bound(migration.max[first], INT64_MAX)
            middle = (low + high) // 2
            if low < middle < high:
                return {first: Int64(middle), **{f: migration.min[f] for f in pattern.fields[1:]}}
            return migration.max
        db, name = migration.ns.split(".", 1)
        bounds: dict[str, Any] = {"$gte": migration.min[first]}
        if not _is_max(migration.max[first]):
            bounds["$lt"] = migration.max[first]
        count = await self.role.shard_command(migration.from_shard, db, {"count": name})
        total = int(count.get("n", 0))
        size = migration.sizes.get(migration.from_shard, 0)
        if total <= 0 or size <= 0:
            return migration.max
        skip = max(1, collection_chunk_size(catalog, coll) * total // size)
        reply = await self.role.shard_command(migration.from_shard, db, {
            "find": name, "filter": {first: bounds}, "sort": dict.fromkeys(pattern.fields, 1), "skip": skip,
            "limit": 1, "projection": {"_id": 0, **dict.fromkeys(pattern.fields, 1)}})
        batch = reply.get("cursor", {}).get("firstBatch", [])
        if not batch:
            return migration.max
        point = pattern.extract(batch[0])
        if pattern.sort_key(point) <= pattern.sort_key(migration.min):
            return migration.max
        return point


def collection_chunk_size(catalog: Catalog, coll: dict[str, Any]) -> int:
    """The collection's maxChunkSizeBytes (configureCollectionBalancing), else the cluster's chunk size."""
    value = coll.get("maxChunkSizeBytes")
    if isinstance(value, int) and not isinstance(value, bool) and value > 0:
        return int(value)
    return catalog.chunk_size_bytes()


def _hash_bound(value: Any, default: int) -> int:
    return int(value) if isinstance(value, int) else default


def _is_max(value: Any) -> bool:
    from bson.max_key import MaxKey

    return isinstance(value, MaxKey)
