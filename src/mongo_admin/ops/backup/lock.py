"""One backup or restore per cluster at a time: a lock document in the cluster itself, with heartbeats.

The lock lives in ``admin.mongoAdminLock`` on the config servers (written through a router), so every machine
that operates the cluster sees it, as PBM keeps its lock in the cluster. The holder refreshes ``heartbeat`` every
few seconds; a lock whose heartbeat is older than ``STALE_AFTER_S`` belongs to a process that died and is taken
over — the caller learns what the dead holder was doing (its operation, id and the balancer mode it had found)
so it can mark that backup failed and put the balancer back. The collection is excluded from backups.

Each lock is one document, named by its ``_id``: ``operation`` (``LOCK_ID``) serialises backups and restores;
other names (``PITR_LOCK_ID``: one oplog slicer per cluster) are independent locks with the same rules.
"""

from __future__ import annotations

import datetime as dt
import os
import socket
import threading
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import MongoAdminError

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

LOCK_DB = "admin"
LOCK_COLLECTION = "mongoAdminLock"
LOCK_ID = "operation"
PITR_LOCK_ID = "pitr"
HEARTBEAT_S = 5.0
# A holder silent this long is dead (PBM's StaleFrameSec). MONGO_ADMIN_LOCK_STALE_SECONDS shortens it where a
# test or an impatient operator cannot wait; it never goes below three heartbeats.
STALE_AFTER_S = max(3 * HEARTBEAT_S, float(os.environ.get("MONGO_ADMIN_LOCK_STALE_SECONDS", "30")))


class LockHeldError(MongoAdminError):
    """Another backup or restore holds the cluster's lock."""


@dataclass(frozen=True)
class Holder:
    """Who holds (or held) the lock and what it was doing."""

    operation: str  # "backup" or "restore"
    operation_id: str
    host: str
    pid: int
    started_at: dt.datetime
    heartbeat: dt.datetime
    balancer_was: str | None

    @classmethod
    def from_document(cls, doc: dict[str, Any]) -> Holder:
        return cls(operation=str(doc.get("operation")), operation_id=str(doc.get("operationId")),
                   host=str(doc.get("host")), pid=int(doc.get("pid", 0)), started_at=_utc(doc.get("startedAt")),
                   heartbeat=_utc(doc.get("heartbeat")), balancer_was=doc.get("balancerWas"))

    def describe(self) -> str:
        return (f"{self.operation} {self.operation_id} (pid {self.pid} on {self.host}, started "
                f"{self.started_at.isoformat(timespec='seconds')})")


def _utc(value: Any) -> dt.datetime:
    if isinstance(value, dt.datetime):
        return value if value.tzinfo else value.replace(tzinfo=dt.UTC)
    return dt.datetime.fromtimestamp(0, dt.UTC)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


class ClusterLock:
    """Held from ``acquire`` to ``release``; a daemon thread keeps the heartbeat fresh meanwhile."""

    def __init__(self, client: Client, operation: str, operation_id: str, lock_id: str = LOCK_ID) -> None:
        self.client = client
        self.lock_id = lock_id
        self.operation = operation
        self.operation_id = operation_id
        self.taken_over: Holder | None = None
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    @property
    def _collection(self) -> Any:
        from pymongo import WriteConcern

        return self.client[LOCK_DB].get_collection(LOCK_COLLECTION, write_concern=WriteConcern(w="majority"))

    def acquire(self) -> ClusterLock:
        """Take the lock; LockHeldError naming the holder when it is alive, a takeover when it is stale."""
        from pymongo.errors import DuplicateKeyError

        now = _now()
        mine = {"_id": self.lock_id, "operation": self.operation, "operationId": self.operation_id,
                "host": socket.gethostname(), "pid": os.getpid(), "startedAt": now, "heartbeat": now,
                "balancerWas": None}
        try:
            self._collection.insert_one(mine)
        except DuplicateKeyError:
            current = self._collection.find_one({"_id": self.lock_id})
            if current is None:  # released in between: try once more
                return self.acquire()
            holder = Holder.from_document(current)
            age = (now - holder.heartbeat).total_seconds()
            if age < STALE_AFTER_S:
                raise LockHeldError(f"another operation is running on this cluster: {holder.describe()}",
                                    f"its heartbeat is {age:.0f} s old", "wait for it to finish (mongo-admin backup "
                                    "status shows it), or, if its process is gone, retry in "
                                    f"{STALE_AFTER_S - age:.0f} s when its lock goes stale") from None
            # Compare-and-swap on the stale heartbeat: of two processes taking over, one wins.
            replaced = self._collection.find_one_and_replace({"_id": self.lock_id, "heartbeat": current["heartbeat"]},
                                                             mine)
            if replaced is None:
                return self.acquire()
            self.taken_over = holder
        self._thread = threading.Thread(target=self._beat, name=f"{self.operation}-lock-heartbeat", daemon=True)
        self._thread.start()
        return self

    def _beat(self) -> None:
        while not self._stop.wait(HEARTBEAT_S):
            try:
                self._collection.update_one({"_id": self.lock_id, "operationId": self.operation_id},
                                            {"$set": {"heartbeat": _now()}})
            except Exception:  # a missed heartbeat is retried; going stale is the safe failure
                continue

    def remember_balancer(self, mode: str | None) -> None:
        """Record the balancer mode found before stopping it, so a takeover can put it back."""
        self._collection.update_one({"_id": self.lock_id, "operationId": self.operation_id},
                                    {"$set": {"balancerWas": mode}})

    def release(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(HEARTBEAT_S + 1)
        self._collection.delete_one({"_id": self.lock_id, "operationId": self.operation_id})

    def held(self) -> bool:
        """Whether the lock document still names this holder (False once a takeover replaced it)."""
        return self._collection.find_one({"_id": self.lock_id, "operationId": self.operation_id}) is not None


def current_holder(client: Client, lock_id: str = LOCK_ID) -> Holder | None:
    """The lock's holder, if any (``backup status`` shows it, with its heartbeat age)."""
    doc = client[LOCK_DB][LOCK_COLLECTION].find_one({"_id": lock_id})
    return Holder.from_document(doc) if doc else None
