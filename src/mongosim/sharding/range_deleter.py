"""The range deleter: removes the documents of a range a shard no longer owns (left behind by a migration it
donated, or cloned in by a migration it received that failed).

Each task is first recorded in ``config.rangeDeletions`` on the shard (8.0's ``RangeDeletionTask``: ``_id``
the migration id, ``nss``, ``collectionUuid``, ``donorShardId``, ``range: {min, max}``, ``whenToClean``,
``timestamp``, ``numOrphanDocs``, ``keyPattern``), which replicates; the documents are deleted in batches
(``fromMigrate: true`` in the oplog), yielding to the event loop between batches, skipping any document the
shard owns again by then; the task document goes last. Tasks still pending keep their documents counted as
orphans (``_shardsvrGetStatsForBalancing``).
"""

from __future__ import annotations

import asyncio
import contextlib
import uuid as uuid_module
from collections.abc import Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson.binary import Binary, UuidRepresentation
from bson.int64 import Int64

from mongosim.sharding.filtering import in_range
from mongosim.sharding.routing import RoutingTable

if TYPE_CHECKING:
    from mongosim.sharding.shard import ShardingState
    from mongosim.storage.collection import Collection

BATCH = 1000
ID_DELETED_RANGE = 21990


@dataclass
class RangeTask:
    id: Binary
    ns: str
    table: RoutingTable
    low: Any
    high: Any
    min: dict[str, Any]
    max: dict[str, Any]


def new_migration_id() -> Binary:
    return Binary.from_uuid(uuid_module.uuid4(), UuidRepresentation.STANDARD)


class RangeDeleter:
    def __init__(self, state: ShardingState) -> None:
        self.state = state
        self.pending: dict[Binary, RangeTask] = {}
        self._tasks: set[asyncio.Task[int]] = set()

    def orphan_ranges(self, ns: str) -> list[tuple[RoutingTable, Any, Any]]:
        return [(t.table, t.low, t.high) for t in self.pending.values() if t.ns == ns]

    def _tasks_collection(self) -> Collection:
        storage = self.state.server.storage
        assert storage is not None
        return storage.get_or_create_collection("config", "rangeDeletions")

    def record(self, task_id: Binary, ns: str, table: RoutingTable, min_key: dict[str, Any], max_key: dict[str, Any],
               donor: str, pending: bool = False) -> RangeTask:
        """Write the task document and count the range's documents as orphans from now on."""
        pattern = table.pattern
        task = RangeTask(task_id, ns, table, pattern.sort_key(min_key), pattern.sort_key(max_key), min_key, max_key)
        coll = self._collection(ns)
        orphans = sum(1 for _ in self._documents(coll, task)) if coll is not None else 0
        doc: dict[str, Any] = {"_id": task_id, "nss": ns, "collectionUuid": table.uuid, "donorShardId": donor,
                               "range": {"min": min_key, "max": max_key}}
        if pending:
            doc["pending"] = True
        oplog = self.state.server.oplog
        doc.update({"whenToClean": "now", "timestamp": oplog.next_ts() if oplog is not None else None,
                    "numOrphanDocs": Int64(orphans), "keyPattern": dict(pattern.key)})
        self._tasks_collection().insert(doc)
        self.pending[task_id] = task
        return task

    def forget(self, task_id: Binary) -> None:
        """The range is owned after all (a received migration committed): drop the task, keep the documents."""
        self.pending.pop(task_id, None)
        coll = self._tasks_collection()
        doc = coll.get(task_id)
        if doc is not None:
            coll.delete(doc)

    def _collection(self, ns: str) -> Collection | None:
        storage = self.state.server.storage
        db, _, name = ns.partition(".")
        return storage.get_collection(db, name) if storage is not None else None

    @staticmethod
    def _documents(coll: Collection, task: RangeTask) -> Iterator[dict[str, Any]]:
        for doc in coll.documents():
            if in_range(task.table, doc, task.low, task.high):
                yield doc

    async def delete_range(self, task: RangeTask) -> int:
        """Delete the task's documents (not those the shard owns again), then its task document."""
        coll = self._collection(task.ns)
        deleted = 0
        owned = None
        metadata = self.state.metadata.get(task.ns)
        if metadata is not None and metadata.sharded:
            owned = metadata.doc_filter()
        if coll is not None:
            doomed = [doc for doc in self._documents(coll, task) if owned is None or not owned(doc)]
            for start in range(0, len(doomed), BATCH):
                with self._migrating():
                    for doc in doomed[start:start + BATCH]:
                        coll.delete(doc)
                        deleted += 1
                await asyncio.sleep(0)
        self.forget(task.id)
        self.state.server.log.info("SHARDING", ID_DELETED_RANGE, "range-deleter", "Finished deleting documents in "
                                   "range", {"namespace": task.ns, "range": f"[{task.min}, {task.max})",
                                             "numDeleted": deleted})
        return deleted

    def schedule(self, task: RangeTask) -> None:
        """Delete in the background (a migration without waitForDelete)."""
        job = asyncio.get_running_loop().create_task(self.delete_range(task), name="range-deleter")
        self._tasks.add(job)
        job.add_done_callback(self._tasks.discard)

    @contextlib.contextmanager
    def _migrating(self) -> Iterator[None]:
        oplog = self.state.server.oplog
        if oplog is None:
            yield
            return
        with oplog.migrating():
            yield

    async def stop(self) -> None:
        for job in list(self._tasks):
            job.cancel()
