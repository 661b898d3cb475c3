"""The range deleter: removes the documents of a range a shard no longer owns (left behind by a migration it
donated, or cloned in by a migration it received that failed), driven by persisted tasks as MongoDB 8.0's
RangeDeleterService is.

Each task is a document of ``config.rangeDeletions`` on the shard (8.0's ``RangeDeletionTask``: ``_id`` the
migration id, ``nss``, ``collectionUuid``, ``donorShardId``, ``range: {min, max}``, ``pending`` while the
migration has not decided, ``processing`` while the documents are being deleted, ``whenToClean`` — ``"now"``, or
``"delayed"`` by ``orphanCleanupDelaySecs`` —, ``timestamp``, ``numOrphanDocs``, ``keyPattern``,
``preMigrationShardVersion``), written on the primary and replicated like any other write:

- the donor records a pending task before it starts cloning, the recipient records one for the range it
  receives (counting the documents it clones in ``numOrphanDocs``);
- on commit the recipient's task is removed and the donor's is made ready (``pending`` unset, ``numOrphanDocs``
  the range's documents); on abort the donor's is removed and the recipient's is made ready;
- a ready task waits out its delay, then its documents are deleted in batches (``fromMigrate: true`` in the
  oplog), skipping any the shard owns again, ``numOrphanDocs`` counting down; the task document goes last.

On step-up (a restart of a one-member set included) the new primary resumes every task: ready ones are
scheduled again (the delay starts over, as in 8.0), and pending ones — a migration that was interrupted — are
decided from the routing table the config server holds, which is what 8.0 recovers from its migration
coordinator documents: a donor that no longer owns the range committed, a recipient that owns it did.
Simplification: the delay is re-read from the parameter while waiting, so lowering ``orphanCleanupDelaySecs`` at
runtime also shortens the waits already running (8.0 fixes each task's wake-up time when it is scheduled).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid as uuid_module
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from bson.binary import Binary, UuidRepresentation
from bson.int64 import Int64

from mongosim import parameters
from mongosim.errors import CommandError
from mongosim.repl.optime import MemberState
from mongosim.repl.peer import PeerError
from mongosim.sharding.shardkey import ShardKeyPattern

if TYPE_CHECKING:
    from mongosim.sharding.filtering import CollectionMetadata
    from mongosim.sharding.shard import ShardingState
    from mongosim.storage.collection import Collection
    from mongosim.storage.engine import StorageEngine

BATCH = 1000
RETRY_S = 1.0
TASKS_DB, TASKS_COLL = "config", "rangeDeletions"
ID_DELETED_RANGE = 21990
ID_CONFLICT_WAIT = 22001


def new_migration_id() -> Binary:
    return Binary.from_uuid(uuid_module.uuid4(), UuidRepresentation.STANDARD)


class TaskRange:
    """A task document's range, compared by shard key sort keys."""

    def __init__(self, doc: dict[str, Any]) -> None:
        self.doc = doc
        self.pattern = ShardKeyPattern(dict(doc["keyPattern"]))
        bounds = doc["range"]
        self.low, self.high = self.pattern.sort_key(bounds["min"]), self.pattern.sort_key(bounds["max"])

    def contains(self, stored: dict[str, Any]) -> bool:
        try:
            key = self.pattern.sort_key(self.pattern.extract(stored))
        except CommandError:
            return False
        return bool(self.low <= key < self.high)

    def overlaps(self, low: Any, high: Any) -> bool:
        return bool(self.low < high and low < self.high)


def orphan_count(storage: StorageEngine | None, collection_uuid: Any) -> int:
    """The collection's orphans as 8.0 counts them: ``numOrphanDocs`` summed over its range deletion tasks."""
    tasks = storage.get_collection(TASKS_DB, TASKS_COLL) if storage is not None else None
    if tasks is None or collection_uuid is None:
        return 0
    return sum(int(doc.get("numOrphanDocs", 0)) for doc in tasks.documents()
               if doc.get("collectionUuid") == collection_uuid)


class RangeDeleter:
    def __init__(self, state: ShardingState) -> None:
        self.state = state
        self._jobs: dict[Binary, asyncio.Task[int]] = {}
        self._background: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    # ------------------------------------------------------------------------------------------- the tasks
    def _tasks(self) -> Collection:
        storage = self.state.server.storage
        assert storage is not None
        return storage.get_or_create_collection(TASKS_DB, TASKS_COLL)

    def task(self, task_id: Any) -> dict[str, Any] | None:
        storage = self.state.server.storage
        coll = storage.get_collection(TASKS_DB, TASKS_COLL) if storage is not None else None
        return coll.get(task_id) if coll is not None else None

    def tasks_for(self, collection_uuid: Any) -> list[dict[str, Any]]:
        storage = self.state.server.storage
        coll = storage.get_collection(TASKS_DB, TASKS_COLL) if storage is not None else None
        if coll is None:
            return []
        return [doc for doc in coll.documents() if doc.get("collectionUuid") == collection_uuid]

    def create(self, task_id: Binary, ns: str, collection_uuid: Any, key_pattern: dict[str, Any],
               min_key: dict[str, Any], max_key: dict[str, Any], donor: str, *, when: str = "now",
               pre_migration_version: dict[str, Any] | None = None) -> dict[str, Any]:
        """Record a pending task (the migration has not decided yet); its documents are not touched."""
        oplog = self.state.server.oplog
        doc: dict[str, Any] = {"_id": task_id, "nss": ns, "collectionUuid": collection_uuid, "donorShardId": donor,
                               "range": {"min": min_key, "max": max_key}, "pending": True, "whenToClean": when,
                               "timestamp": oplog.next_ts() if oplog is not None else None,
                               "numOrphanDocs": Int64(0), "keyPattern": dict(key_pattern)}
        if pre_migration_version is not None:
            doc["preMigrationShardVersion"] = pre_migration_version
        self._tasks().insert(doc)
        return doc

    def _update(self, task_id: Any, change: Callable[[dict[str, Any]], None]) -> dict[str, Any] | None:
        coll = self._tasks()
        old = coll.get(task_id)
        if old is None:
            return None
        new = dict(old)
        change(new)
        if new != old:
            coll.replace(old, new)
        return new

    def add_orphans(self, task_id: Any, delta: int) -> None:
        """Keep ``numOrphanDocs`` up to date as documents are cloned in or deleted."""
        if delta:
            self._update(task_id, lambda d: d.update(numOrphanDocs=Int64(max(0, int(d["numOrphanDocs"]) + delta))))

    def forget(self, task_id: Any) -> None:
        """Remove the task without deleting anything: the range's documents are owned (or already gone)."""
        job = self._jobs.pop(task_id, None)
        if job is not None and job is not asyncio.current_task():
            job.cancel()
        coll = self._tasks()
        doc = coll.get(task_id)
        if doc is not None:
            coll.delete(doc)
        self._notify()

    def forget_collection(self, collection_uuid: Any) -> None:
        """A dropped collection's tasks go with it (8.0's drop participants remove them by UUID)."""
        for doc in self.tasks_for(collection_uuid):
            self.forget(doc["_id"])

    def mark_ready(self, task_id: Any, num_orphans: int | None = None) -> asyncio.Task[int] | None:
        """The migration decided that the range's documents are orphans here: unset ``pending`` and schedule
        the deletion. Returns the deletion job (None when there is no such task)."""
        def ready(doc: dict[str, Any]) -> None:
            doc.pop("pending", None)
            if num_orphans is not None:
                doc["numOrphanDocs"] = Int64(num_orphans)
        if self._update(task_id, ready) is None:
            return None
        return self.schedule(task_id)

    def count_in_range(self, doc: dict[str, Any]) -> int:
        coll = self._collection(str(doc["nss"]))
        if coll is None:
            return 0
        task_range = TaskRange(doc)
        return sum(1 for stored in coll.documents() if task_range.contains(stored))

    async def majority(self, timeout_s: float = 60.0) -> None:
        """Wait until this node's writes so far are majority-committed (how 8.0 persists its task changes)."""
        repl = self.state.server.repl
        if repl is None or repl.config is None:
            return
        target, term = repl.applied, repl.term
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        while repl.last_committed < target:
            if not repl.is_primary or repl.term != term:
                raise CommandError("PrimarySteppedDown", "Primary stepped down while waiting for replication")
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise CommandError("WriteConcernFailed", "waiting for replication timed out")
            await repl.wait_progress(None, remaining)

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    async def wait_until(self, done: Callable[[], bool], timeout_s: float | None,
                         wait: Callable[[asyncio.Event, float | None], Any] | None = None) -> bool:
        """Wait until ``done()`` (checked whenever a task goes, and every second); False on time-out. ``wait``
        is a command's ``ctx.wait_for``, so killOp and maxTimeMS apply."""
        loop = asyncio.get_running_loop()
        deadline = None if timeout_s is None else loop.time() + timeout_s
        while not done():
            remaining = RETRY_S if deadline is None else min(RETRY_S, deadline - loop.time())
            if remaining <= 0:
                return False
            if wait is not None:
                await wait(self._changed, remaining)
            else:
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(remaining):
                        await self._changed.wait()
        return True

    def conflicting(self, collection_uuid: Any, pattern: ShardKeyPattern, min_key: dict[str, Any],
                    max_key: dict[str, Any]) -> list[dict[str, Any]]:
        """Tasks of the collection whose range overlaps [min_key, max_key) (8.0's checkForConflictingDeletions)."""
        low, high = pattern.sort_key(min_key), pattern.sort_key(max_key)
        return [doc for doc in self.tasks_for(collection_uuid) if TaskRange(doc).overlaps(low, high)]

    # ------------------------------------------------------------------------------------------- deleting
    def schedule(self, task_id: Any) -> asyncio.Task[int]:
        """Run the task's deletion in the background (once: a task already running keeps its job)."""
        job = self._jobs.get(task_id)
        if job is not None and not job.done():
            return job
        job = asyncio.get_running_loop().create_task(self._run(task_id), name="range-deleter")
        self._jobs[task_id] = job
        job.add_done_callback(lambda finished: self._finished(task_id, finished))
        return job

    def _finished(self, task_id: Any, job: asyncio.Task[int]) -> None:
        if self._jobs.get(task_id) is job:
            del self._jobs[task_id]
        if not job.cancelled():
            job.exception()  # retrieved: a failed deletion leaves its task for the next step-up

    def _writable(self) -> bool:
        repl = self.state.server.repl
        return repl is None or bool(repl.is_writable_primary)

    async def _delay(self, doc: dict[str, Any]) -> None:
        if doc.get("whenToClean") != "delayed":
            return
        loop = asyncio.get_running_loop()
        start = loop.time()
        while True:
            delay = float(parameters.value(self.state.server, "orphanCleanupDelaySecs"))
            remaining = start + delay - loop.time()
            if remaining <= 0:
                return
            await asyncio.sleep(min(remaining, RETRY_S))

    async def _metadata(self, ns: str) -> CollectionMetadata | None:
        """Fresh filtering metadata (retried while the config server cannot answer); None when no longer primary."""
        while self._writable():
            try:
                return await self.state.refresh(ns)
            except (CommandError, PeerError, OSError):
                await asyncio.sleep(RETRY_S)
        return None

    async def _run(self, task_id: Any) -> int:
        doc = self.task(task_id)
        if doc is None or doc.get("pending"):
            return 0
        await self._delay(doc)
        ns = str(doc["nss"])
        metadata = await self._metadata(ns)
        doc = self.task(task_id)
        if metadata is None or doc is None:
            return 0
        coll = self._collection(ns)
        if coll is None or coll.uuid != doc["collectionUuid"] or not metadata.sharded:
            self.forget(task_id)  # the collection was dropped (or recreated): nothing of it is left to delete
            return 0
        self._update(task_id, lambda d: d.update(processing=True))
        owned = metadata.doc_filter()
        task_range = TaskRange(doc)
        doomed = [stored for stored in coll.documents() if task_range.contains(stored) and not owned(stored)]
        deleted = 0
        for start in range(0, len(doomed), BATCH):
            if not self._writable():
                return deleted  # stepped down: the next primary resumes the task
            batch = 0
            with self._migrating():
                for stored in doomed[start:start + BATCH]:
                    current = coll.get(stored["_id"])
                    if current is not None and task_range.contains(current) and not owned(current):
                        coll.delete(current)
                        batch += 1
            deleted += batch
            self.add_orphans(task_id, -batch)
            await asyncio.sleep(0)
        self.forget(task_id)
        bounds = doc["range"]
        self.state.server.log.info("SHARDING", ID_DELETED_RANGE, "range-deleter", "Finished deleting documents in "
                                   "range", {"namespace": ns, "range": f"[{bounds['min']}, {bounds['max']})",
                                             "numDeleted": deleted})
        return deleted

    def _collection(self, ns: str) -> Collection | None:
        storage = self.state.server.storage
        db, _, name = ns.partition(".")
        return storage.get_collection(db, name) if storage is not None else None

    @contextlib.contextmanager
    def _migrating(self) -> Iterator[None]:
        oplog = self.state.server.oplog
        if oplog is None:
            yield
            return
        with oplog.migrating():
            yield

    # ------------------------------------------------------------------------------------------- recovery
    async def on_step_up(self) -> None:
        """A step-up hook: once this node accepts writes, resume the persisted tasks (in the background)."""
        job = asyncio.get_running_loop().create_task(self._resume(), name="range-deleter-recovery")
        self._background.add(job)
        job.add_done_callback(self._background.discard)

    def on_state_change(self, old: MemberState, new: MemberState) -> None:
        """Leaving primary: stop deleting; the tasks stay for the next primary."""
        if old is MemberState.PRIMARY and new is not MemberState.PRIMARY:
            self._cancel_all()

    async def _resume(self) -> None:
        repl = self.state.server.repl
        term = repl.term if repl is not None else None
        while repl is not None and not repl.is_writable_primary:
            if not repl.is_primary or repl.term != term:
                return
            await asyncio.sleep(0.05)
        if self.state.identity is None:
            return
        storage = self.state.server.storage
        coll = storage.get_collection(TASKS_DB, TASKS_COLL) if storage is not None else None
        docs = list(coll.documents()) if coll is not None else []
        for doc in docs:
            if not doc.get("pending"):
                self.schedule(doc["_id"])
        for doc in docs:  # these may need the config server, which may still be starting
            if doc.get("pending"):
                await self.resolve_pending(doc["_id"])

    async def resolve_pending(self, task_id: Any, *, during_migration: bool = False) -> None:
        """Decide an interrupted migration's pending task from the config server's routing table: the range is
        owned by this shard after all (donor: aborted, recipient: committed) — drop the task; otherwise the
        documents are orphans — make it ready. ``during_migration``: the donor's own failed commit, which asks
        the config server once (a failure leaves the task pending for the next step-up)."""
        doc = self.task(task_id)
        if doc is None or not doc.get("pending") or (not during_migration and self._active_migration(task_id)):
            return
        ns = str(doc["nss"])
        metadata = await self.state.refresh(ns) if during_migration else await self._metadata(ns)
        doc = self.task(task_id)
        if metadata is None or doc is None or not doc.get("pending"):
            return
        coll = self._collection(ns)
        if not metadata.sharded or coll is None or coll.uuid != doc["collectionUuid"]:
            self.forget(task_id)  # the collection was dropped (or recreated) meanwhile
            return
        if metadata.owns_key(doc["range"]["min"]):
            self.forget(task_id)
        else:
            self.mark_ready(task_id, self.count_in_range(doc))

    def _active_migration(self, task_id: Any) -> bool:
        donor, recipient = self.state.donor, self.state.recipient
        return (donor is not None and donor.migration_id == task_id) or (
            recipient is not None and recipient.migration_id == task_id and recipient.active)

    def _cancel_all(self) -> None:
        for job in [*self._jobs.values(), *self._background]:
            job.cancel()
        self._jobs.clear()

    async def stop(self) -> None:
        self._cancel_all()
