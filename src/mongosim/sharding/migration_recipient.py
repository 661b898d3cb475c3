"""The recipient side of a chunk migration (``_recvChunkStart`` on the recipient primary).

A background task creates the collection with the donor's UUID and options and the donor's indexes, removes
anything left in the range from an earlier failed migration, pulls the documents with ``_migrateClone``, then
applies the donor's recorded changes with ``_transferMods`` until there are none (``steady``). It keeps polling
in ``steady`` until the donor asks ``_recvChunkCommit`` (holding its critical section): then it drains the last
changes and is ``done``. Until the config server commits, the range is not owned here, so routed reads do not
see the documents being received. Every write is marked ``fromMigrate``. States as ``_recvChunkStatus``
reports them: ready, clone, catchup, steady, commitStart, done, fail, abort.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim import parameters
from mongosim.errors import CommandError
from mongosim.repl.peer import PeerError
from mongosim.sharding.filtering import in_range
from mongosim.sharding.range_deleter import ID_CONFLICT_WAIT
from mongosim.sharding.remote import RemoteSet, raise_for
from mongosim.sharding.routing import Chunk, RoutingTable
from mongosim.sharding.shardkey import ShardKeyPattern

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState
    from mongosim.storage.collection import Collection

STEADY_POLL_S = 0.02


class MigrationDestination:
    def __init__(self, state: ShardingState, cmd: dict[str, Any]) -> None:
        self.state = state
        self.ns = str(cmd["_recvChunkStart"])
        self.uuid = cmd.get("uuid")
        self.session_id = cmd.get("sessionId")
        self.migration_id = cmd.get("migrationId")
        self.from_conn = str(cmd["from"])
        self.from_shard = str(cmd.get("fromShardName", ""))
        self.min, self.max = dict(cmd["min"]), dict(cmd["max"])
        self.key_pattern = dict(cmd["shardKeyPattern"])
        pattern = ShardKeyPattern(self.key_pattern)
        # A one-chunk table: enough to test which documents lie in the range being received.
        timestamp = cmd.get("collectionTimestamp") or Timestamp(0, 0)
        self.table = RoutingTable(self.ns, self.uuid, pattern, False, cmd.get("epoch"), timestamp,
                                  [Chunk(pattern.global_min(), pattern.global_max(), "", timestamp)])
        self.low, self.high = pattern.sort_key(self.min), pattern.sort_key(self.max)
        self.phase = "ready"
        self.errmsg: str | None = None
        self.counts = {"cloned": 0, "clonedBytes": 0, "catchup": 0, "steady": 0}
        self._commit_requested = asyncio.Event()
        self._done = asyncio.Event()
        self._task: asyncio.Task[None] | None = None
        self.donor = RemoteSet.from_connection_string(self.from_conn)

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._run(), name="migrateThread")

    @property
    def active(self) -> bool:
        return self.phase not in ("done", "fail", "abort")

    def status(self) -> dict[str, Any]:
        out: dict[str, Any] = {"active": self.active, "sessionId": self.session_id,
                               "ns": self.ns, "from": self.from_conn, "fromShardId": self.from_shard,
                               "min": self.min, "max": self.max, "shardKeyPattern": self.key_pattern,
                               "supportsCriticalSectionDuringCatchUp": True, "state": self.phase,
                               "counts": {k: Int64(v) for k, v in self.counts.items()}}
        if self.errmsg is not None:
            out["errmsg"] = self.errmsg
        return out

    async def commit(self, ctx_wait: Any) -> dict[str, Any]:
        """The donor holds its critical section: drain the last changes, then report ``done``."""
        if self.phase != "steady":
            raise CommandError("CommandFailed", f"Migration commit attempted in wrong state: {self.phase}")
        self.phase = "commitStart"
        self._commit_requested.set()
        await ctx_wait(self._done, 120.0)
        if self.phase != "done":
            raise CommandError("CommandFailed", f"_recvChunkCommit failed: {self.errmsg or self.phase}")
        return self.status()

    def abort(self, reason: str = "aborted by donor") -> None:
        if self.phase in ("done", "fail", "abort"):
            return
        self.phase = "abort"
        self.errmsg = reason
        if self._task is not None:
            self._task.cancel()
        self._cleanup()

    # ------------------------------------------------------------------------------------------- the work
    async def _run(self) -> None:
        try:
            coll = await self._prepare()
            self.phase = "clone"
            await self._clone(coll)
            self.phase = "catchup"
            while await self._apply_mods(coll, "catchup"):
                pass
            self.phase = "steady"
            while not self._commit_requested.is_set():
                await self._apply_mods(coll, "steady")
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(STEADY_POLL_S):
                        await self._commit_requested.wait()
            while await self._apply_mods(coll, "steady"):
                pass
            self.phase = "done"
        except asyncio.CancelledError:
            raise
        except (CommandError, PeerError, KeyError, ValueError) as exc:
            self.phase = "fail"
            self.errmsg = str(exc)
            self._cleanup()
        finally:
            self._done.set()
            self.donor.close()

    def _storage(self) -> Any:
        storage = self.state.server.storage
        assert storage is not None
        return storage

    def _check_primary(self) -> None:
        repl = self.state.server.repl
        if repl is None or not repl.is_writable_primary:
            raise CommandError("NotWritablePrimary", "not primary: migration recipient stepped down")

    async def _prepare(self) -> Collection:
        db, _, name = self.ns.partition(".")
        infos = raise_for(await self.donor.command(db, {"listCollections": 1, "filter": {"name": name}}))
        batch = infos["cursor"]["firstBatch"]
        options = dict(batch[0].get("options", {})) if batch else {}
        uuid = batch[0].get("info", {}).get("uuid", self.uuid) if batch else self.uuid
        indexes = raise_for(await self.donor.command(db, {"listIndexes": name}))["cursor"]["firstBatch"]
        await self._wait_for_conflicting_deletions(uuid)
        self._check_primary()
        storage = self._storage()
        coll: Collection | None = storage.get_collection(db, name)
        with self._migrating():
            if coll is None:
                coll = storage.create_collection(db, name, options, uuid)
            elif uuid is not None and coll.uuid != uuid:
                raise CommandError("InvalidUUID", f"Cannot create collection {self.ns} because we already have an "
                                   f"identically named collection with UUID {coll.uuid!r}, which differs from the "
                                   f"donor's UUID {uuid!r}. Manually drop the collection on this shard if it "
                                   "contains data from a previous incarnation of " + self.ns)
            specs = [{k: v for k, v in spec.items() if k != "ns"} for spec in indexes if spec.get("name") != "_id_"]
            if specs:
                coll.create_indexes(specs)
            # Leftovers of an earlier failed migration of this range would be resurrected: remove them first.
            for doc in [d for d in coll.documents() if in_range(self.table, d, self.low, self.high)]:
                coll.delete(doc)
        # The incoming range's documents are orphans here until the migration commits.
        deleter = self.state.range_deleter
        deleter.create(self.migration_id, self.ns, coll.uuid, self.key_pattern, self.min, self.max, self.from_shard)
        await deleter.majority()
        return coll

    async def _wait_for_conflicting_deletions(self, uuid: Any) -> None:
        """Documents of an earlier migration of an overlapping range may still await deletion here: wait for
        their tasks to finish (up to receiveChunkWaitForRangeDeleterTimeoutMS), as 8.0's recipient does."""
        deleter = self.state.range_deleter
        pattern = self.table.pattern

        def clean() -> bool:
            return not deleter.conflicting(uuid, pattern, self.min, self.max)
        if clean():
            return
        self.state.server.log.info("MIGRATE", ID_CONFLICT_WAIT, "migrateThread", "Migration paused because the "
                                   "requested range overlaps with a range already scheduled for deletion",
                                   {"namespace": self.ns, "range": f"[{self.min}, {self.max})",
                                    "migrationId": self.migration_id})
        timeout_s = float(parameters.value(self.state.server, "receiveChunkWaitForRangeDeleterTimeoutMS")) / 1000
        if not await deleter.wait_until(clean, timeout_s):
            raise CommandError("ExceededTimeLimit", "Exceeded deadline waiting for overlapping range deletion to "
                               "finish")

    async def _clone(self, coll: Collection) -> None:
        while True:
            reply = raise_for(await self.donor.command("admin", {"_migrateClone": self.ns,
                                                                  "sessionId": self.session_id}))
            docs = reply.get("objects", [])
            if not docs:
                return
            self._check_primary()
            inserted = 0
            with self._migrating():
                for doc in docs:
                    existing = coll.get(doc["_id"])
                    if existing is None:
                        coll.insert(doc)
                        inserted += 1
                    else:
                        coll.replace(existing, doc)
            self.state.range_deleter.add_orphans(self.migration_id, inserted)
            self.counts["cloned"] += len(docs)
            self.counts["clonedBytes"] += int(reply.get("size", 0))

    async def _apply_mods(self, coll: Collection, phase: str) -> bool:
        """Apply one ``_transferMods`` batch; False when the donor had nothing."""
        reply = raise_for(await self.donor.command("admin", {"_transferMods": self.ns,
                                                              "sessionId": self.session_id}))
        deleted, reload = reply.get("deleted", []), reply.get("reload", [])
        if not deleted and not reload:
            return False
        self._check_primary()
        delta = 0
        with self._migrating():
            for key in deleted:
                existing = coll.get(key["_id"])
                if existing is not None and in_range(self.table, existing, self.low, self.high):
                    coll.delete(existing)
                    delta -= 1
            for doc in reload:
                existing = coll.get(doc["_id"])
                if existing is None:
                    coll.insert(doc)
                    delta += 1
                else:
                    coll.replace(existing, doc)
        self.state.range_deleter.add_orphans(self.migration_id, delta)
        self.counts[phase] += len(deleted) + len(reload)
        return True

    def _cleanup(self) -> None:
        """A failed or aborted migration: the received documents are orphans; delete them in the background
        (only where this node is still primary: otherwise the next primary resolves the pending task)."""
        repl = self.state.server.repl
        if repl is not None and not repl.is_writable_primary:
            return
        deleter = self.state.range_deleter
        task = deleter.task(self.migration_id)
        if task is not None and task.get("pending"):
            deleter.mark_ready(self.migration_id, deleter.count_in_range(task))

    @contextlib.contextmanager
    def _migrating(self) -> Iterator[None]:
        oplog = self.state.server.oplog
        if oplog is None:
            yield
            return
        with oplog.migrating():
            yield
