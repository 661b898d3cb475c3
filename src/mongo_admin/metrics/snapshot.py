"""The latest topology and health of one cluster, as ``GET /clusters/{name}`` serves them.

A cluster's poller reads them at the start of every round and the ``SnapshotKeeper`` keeps the result in memory
with the moment it was read, so a detail request costs no round trip to the cluster (and a dead node does not
slow it down). A live reading (``?refresh=true``, or no recent snapshot) is bounded by a timeout; callers that
ask while one is under way share it, and one that outlasts its caller is still kept when it arrives.

What is read: for a cluster deployed here, ``cluster status`` and ``health-check``; for one registered by
connection string, its remote topology (``ops.cluster.remote``), whose health is the topology's own.
"""

from __future__ import annotations

import dataclasses
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from mongo_admin.db.base import utcnow
from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.cluster.remote import RemoteTopology

UNREACHABLE = "unreachable"


@dataclass(frozen=True)
class Reading:
    status: str  # healthy, degraded or down
    topology: dict[str, Any]
    health: dict[str, Any] | None = None


@dataclass(frozen=True)
class Snapshot:
    """One reading and when it started; ``status`` is ``unreachable`` and ``error`` says why when it failed."""

    status: str
    topology: dict[str, Any] | None
    health: dict[str, Any] | None
    error: str | None
    observed_at: datetime
    duration_s: float


def deployed_reading(name: str, home: Path) -> Reading:
    """``cluster status`` and ``health-check`` of the cluster ``name`` deployed under ``home``."""
    from mongo_admin.ops.cluster.status import cluster_status
    from mongo_admin.ops.health import health_check

    status = cluster_status(name, home)
    return Reading(status.health, dataclasses.asdict(status), dataclasses.asdict(health_check(name, home)))


def remote_reading(topology: RemoteTopology) -> Reading:
    return Reading(topology.health, dataclasses.asdict(topology))


class SnapshotKeeper:
    """The latest snapshot of one cluster (``latest``), and the live readings that replace it."""

    def __init__(self, read: Callable[[], Reading], *, clock: Callable[[], datetime] = utcnow) -> None:
        self._read = read
        self._clock = clock
        self._lock = threading.Lock()
        self._reading: Future[Snapshot] | None = None
        self.latest: Snapshot | None = None

    def refresh(self, timeout_s: float | None = None) -> Snapshot | None:
        """Read the cluster now, or join the reading already under way: the new snapshot, or None when it is
        not ready within ``timeout_s`` (it becomes ``latest`` when it arrives). Never raises for the cluster:
        a failed reading is an ``unreachable`` snapshot."""
        with self._lock:
            future = self._reading
            if future is None:
                future = self._reading = Future()
                threading.Thread(target=self._run, args=(future,), name="cluster-snapshot", daemon=True).start()
        try:
            return future.result(timeout_s)
        except TimeoutError:
            return None

    def current(self, *, refresh: bool, max_age_s: float, timeout_s: float) -> tuple[Snapshot | None, bool]:
        """What a detail request gets, and whether it was read for it: ``latest`` while it is at most
        ``max_age_s`` old and no ``refresh`` is asked; else a live reading, or — when that takes more than
        ``timeout_s`` — ``latest`` however old (None when there is none)."""
        kept = self.latest
        if kept is not None and not refresh and (self._clock() - kept.observed_at).total_seconds() <= max_age_s:
            return kept, False
        fresh = self.refresh(timeout_s)
        return (fresh, True) if fresh is not None else (self.latest, False)

    def _run(self, future: Future[Snapshot]) -> None:
        observed_at, started = self._clock(), time.monotonic()
        try:
            reading = self._read()
            snapshot = Snapshot(reading.status, reading.topology, reading.health, None, observed_at,
                                time.monotonic() - started)
        except MongoAdminError as exc:
            snapshot = Snapshot(UNREACHABLE, None, None, f"{exc.what}: {exc.why}" if exc.why else exc.what,
                                observed_at, time.monotonic() - started)
        except Exception as exc:  # a malformed connection string, a driver error: reported, never raised
            snapshot = Snapshot(UNREACHABLE, None, None, type(exc).__name__, observed_at, time.monotonic() - started)
        with self._lock:
            if self.latest is None or self.latest.observed_at <= observed_at:
                self.latest = snapshot
            self._reading = None
        future.set_result(snapshot)
