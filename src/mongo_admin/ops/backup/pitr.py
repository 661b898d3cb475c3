"""Continuous oplog slicing for point-in-time recovery, and the status of what it achieved.

Every ``slice_seconds`` (the spec's ``backup.pitr.slice_seconds``, 60 by default) a round runs, all replica sets
(config servers and every shard) at once:

1. align — the router's cluster time is the round's target; each set's primary is asked for a no-op note past
   it (``appendOplogNote`` with ``maxClusterTime``; a set that already wrote past it writes nothing), so an idle
   shard's oplog reaches the round's time as the busy ones' do, and the cluster's recovery point advances every
   round, not only the busiest shard's;
2. range — on the set's chosen member (``choose_source``: hidden, then secondary, then primary) the slice runs
   from where the set's chain ends to the set's majority-committed point (``replSetGetStatus``
   ``optimes.lastCommittedOpTime``, never past what that member applied), so no slice holds a write a rollback
   could undo;
3. store — the entries (the platform's lock writes left out) are streamed into one object named by its range
   (``slices``), compressed and encrypted like the cluster's backups; the member's oldest entry is checked after
   the read, and a slice the oplog rolled over under is never stored.

Where a chain starts: at the last slice's end; with no slice yet, at the newest full backup's ``restore_to_time``.
When the member's oplog no longer reaches that point (it rolled over, or the slicer was down too long), the range
is a gap: recorded in storage, shown by ``pitr_status``, never hidden; the chain restarts from the oldest full
backup taken after the gap whose restore point the oplog still holds, or waits for one.

Slicing does not pause for backups: both read the oplog, and a backup taken while slicing runs becomes one more
base inside the chain. One slicer runs per cluster (its own lock, ``PITR_LOCK_ID``, beside the backup lock).
"""

from __future__ import annotations

import datetime as dt
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Self

from bson import Timestamp

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup import oplog
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.engine import storage_for
from mongo_admin.ops.backup.format import CollectionWriter, Encoding
from mongo_admin.ops.backup.lock import PITR_LOCK_ID, ClusterLock
from mongo_admin.ops.backup.manifest import BackupManifest, ClusterTime
from mongo_admin.ops.backup.pitr_status import (
    GapInfo,
    PitrStatus,
    RestoreWindow,
    SetStatus,
    full_backups,
    has_set,
    majority_point,
    pitr_status,
    restore_point,
)
from mongo_admin.ops.backup.slices import (
    GapRecord,
    OplogTime,
    PitrRangeError,
    Slice,
    describe,
    gap_key,
    list_gaps,
    list_slices,
    replay_entries,
    slice_key,
    slices_for,
    write_gap,
)
from mongo_admin.ops.backup.sources import choose_source
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

SetAction = Literal["sliced", "idle", "waiting", "gap", "failed"]
MAJORITY_WAIT_S = 10.0  # how long a round waits for a set's majority point to reach the round's target
READ_TIMEOUT_S = 120.0
STALE_CLUSTER_TIME = 209


class PitrError(MongoAdminError):
    """Oplog slicing cannot run (disabled, no router, lock lost) or a whole round failed."""


@dataclass(frozen=True)
class PitrOptions:
    storage_url: str | None = None
    compression: Literal["gzip", "zstd", "none"] | None = None
    encryption_key_file: Path | None = None
    slice_seconds: float | None = None  # default: the spec's backup.pitr.slice_seconds
    home: Path | None = None


@dataclass(frozen=True)
class SetRound:
    """What one round did for one replica set; ``covered_to`` is where its newest chain ends afterwards."""

    set_name: str
    action: SetAction
    message: str
    source: str | None = None
    key: str | None = None
    start: OplogTime | None = None
    end: OplogTime | None = None
    entries: int = 0
    stored_bytes: int = 0
    covered_to: OplogTime | None = None
    gap_after: OplogTime | None = None  # a gap found this round: nothing is stored after this point until the next


@dataclass(frozen=True)
class RoundResult:
    """One slicing round: ``recovery_point`` is the earliest ``covered_to`` of all sets (None if one has none)."""

    message: str
    cluster: str
    round: int
    started_at: dt.datetime
    target: OplogTime | None
    sets: list[SetRound]
    recovery_point: OplogTime | None


@dataclass(frozen=True)
class SlicerResult:
    message: str
    cluster: str
    rounds: int
    slices: int
    gaps: int
    last_round: RoundResult | None


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def _first_line(exc: BaseException) -> str:
    return (str(exc).strip().splitlines() or [type(exc).__name__])[0]


class _RolledOver(Exception):
    """Raised inside a slice's writer so the incomplete object is never stored."""


class _CannotStart(Exception):
    def __init__(self, action: SetAction, why: str, gap: OplogTime | None = None) -> None:
        super().__init__(why)
        self.action = action
        self.why = why
        self.gap = gap


class _Slicer:
    def __init__(self, name: str, options: PitrOptions) -> None:
        self.paths, self.cluster = open_cluster(name, options.home)
        self.name = name
        self.access = ClusterAccess(self.paths, self.cluster)
        settings = self.cluster.backup
        self.storage = storage_for(self.paths, self.cluster, options.storage_url)
        key_file = options.encryption_key_file or settings.encryption_key_file
        self.encoding = Encoding(options.compression or settings.compression,
                                 EncryptionKey.from_file(key_file) if key_file else None)
        self.slice_seconds = float(options.slice_seconds or settings.pitr.slice_seconds)
        layout = self.cluster.layout
        self.sets = [layout.config_set, *layout.shard_sets]
        self.rounds = 0
        self.slices = 0
        self.gaps = 0
        # Each set's newest slice, listed once and then kept as this (only) slicer writes more.
        self.newest: dict[str, Slice | None] = {}
        self.router: Client | None = None
        self.lock: ClusterLock | None = None
        self.pool: ThreadPoolExecutor | None = None

    # ------------------------------------------------------------------------------------------ lifecycle
    def __enter__(self) -> Self:
        if not self.cluster.backup.pitr.enabled:
            raise PitrError(f"point-in-time recovery is not enabled for cluster {self.name}",
                            "the spec's backup.pitr.enabled is false",
                            "set backup.pitr.enabled: true in the cluster spec and deploy it")
        self.router = self.access.router_client(timeout_s=30.0)
        try:
            self.lock = ClusterLock(self.router, "pitr", f"slicer-{_now().strftime('%Y-%m-%dT%H:%M:%SZ')}",
                                    PITR_LOCK_ID).acquire()
        except BaseException:
            self.router.close()
            raise
        self.pool = ThreadPoolExecutor(max_workers=len(self.sets), thread_name_prefix="pitr")
        return self

    def __exit__(self, *_: object) -> None:
        try:
            if self.pool is not None:
                self.pool.shutdown(wait=True)
        finally:
            try:
                if self.lock is not None:
                    self.lock.release()
            finally:
                if self.router is not None:
                    self.router.close()

    def still_locked(self) -> bool:
        from pymongo.errors import PyMongoError

        assert self.lock is not None
        try:
            return self.lock.held()
        except PyMongoError:  # unknown is not lost: the heartbeat decides
            return True

    # ------------------------------------------------------------------------------------------ a round
    def round(self) -> RoundResult:
        from pymongo.errors import PyMongoError

        assert self.pool is not None
        self.rounds += 1
        started = _now()
        try:
            backups = full_backups(self.storage, self.name)
            target = self._cluster_time()
        except (MongoAdminError, PyMongoError) as exc:
            raise PitrError(f"slicing round {self.rounds} of cluster {self.name} failed", _first_line(exc),
                            "check the cluster (mongo-admin cluster status) and the backup storage") from exc
        results = list(self.pool.map(lambda name: self._one_set(name, target, backups), self.sets))
        self.slices += sum(1 for r in results if r.action == "sliced")
        self.gaps += sum(1 for r in results if r.gap_after is not None)
        covered = [r.covered_to for r in results]
        recovery = None if any(c is None for c in covered) else min(c for c in covered if c is not None)
        summary = "; ".join(f"{r.set_name} {r.action}" + (f" to {r.end}" if r.end else "")
                            + ("" if r.action in ("sliced", "idle") else f" ({r.message})") for r in results)
        message = (f"round {self.rounds} of cluster {self.name}: {summary}; recovery point "
                   f"{recovery if recovery else 'none yet'}")
        return RoundResult(message, self.name, self.rounds, started, OplogTime.of(target) if target else None,
                           results, recovery)

    def _cluster_time(self) -> Timestamp | None:
        """The newest cluster time the router has seen: every write it acknowledged is at or before it."""
        assert self.router is not None
        reply = self.router.admin.command("ping")
        value = (reply.get("$clusterTime") or {}).get("clusterTime")
        return value if isinstance(value, Timestamp) else None

    def _one_set(self, set_name: str, target: Timestamp | None, backups: list[BackupManifest]) -> SetRound:
        from pymongo.errors import PyMongoError

        try:
            return self._slice_set(set_name, target, backups)
        except (MongoAdminError, PyMongoError) as exc:
            try:
                last = max((s.end for s in list_slices(self.storage, self.name, set_name)), default=None)
            except MongoAdminError:
                last = None
            return SetRound(set_name, "failed", _first_line(exc), covered_to=OplogTime.of(last) if last else None)

    def _align(self, set_name: str, target: Timestamp) -> None:
        from pymongo.errors import OperationFailure

        from mongo_admin.ops.cluster import replsets

        primary = replsets.primary_of(self.access, set_name)
        if primary is None:
            return  # nothing can be written without a primary: the committed point is what it is
        with self.access.node(primary, timeout_s=30.0) as client:
            try:
                client.admin.command("appendOplogNote", data={"mongoAdminPitr": self.rounds},
                                     maxClusterTime=Timestamp(target.time, target.inc + 1))
            except OperationFailure as exc:
                if exc.code != STALE_CLUSTER_TIME:  # the set already wrote past the target: as good
                    raise

    def _slice_set(self, set_name: str, target: Timestamp | None, backups: list[BackupManifest]) -> SetRound:
        if set_name not in self.newest:
            self.newest[set_name] = max(list_slices(self.storage, self.name, set_name), key=lambda s: s.end,
                                        default=None)
        last = self.newest[set_name]
        covered = OplogTime.of(last.end) if last else None
        if target is not None:
            self._align(set_name, target)
        source = choose_source(self.access, set_name)
        where = f"{source.node.address} ({source.kind})"
        with self.access.node(source.node, timeout_s=READ_TIMEOUT_S) as client:
            majority = majority_point(client)
            deadline = time.monotonic() + MAJORITY_WAIT_S
            while target is not None and majority < target and time.monotonic() < deadline:
                time.sleep(0.05)
                majority = majority_point(client)
            oldest = oplog.oldest_ts(client)
            try:
                start, base, gap = self._start(set_name, last, oldest, backups)
            except _CannotStart as blocked:
                return SetRound(set_name, blocked.action, blocked.why, where, covered_to=covered,
                                gap_after=blocked.gap)
            if majority <= start:
                return SetRound(set_name, "idle", "nothing new is majority-committed", where,
                                covered_to=OplogTime.of(start), gap_after=gap)
            key = slice_key(self.name, set_name, start, majority, self.encoding)
            try:
                with CollectionWriter(self.storage, key, self.encoding) as writer:
                    for entry in oplog.entries(client, start, majority):
                        writer.write(entry.raw)
                    if oplog.oldest_ts(client) > start:
                        raise _RolledOver
            except _RolledOver:
                after = self._record_gap(set_name, start, oplog.oldest_ts(client),
                                         "the oplog rolled over while the slice was read")
                return SetRound(set_name, "gap", "the oplog rolled over while the slice was read; the chain "
                                "restarts from the next full backup", where, covered_to=covered, gap_after=after)
        assert writer.result is not None
        self.newest[set_name] = Slice(set_name, key, start, majority, writer.result.size, self.encoding.compression,
                                      self.encoding.key is not None)
        if base is not None:  # only a restart from a backup ends a gap
            self._close_gaps(set_name, start, base)
        message = f"{writer.documents} entries" + (f", restarted from backup {base} after a gap" if base and last
                                                   else f", from backup {base}" if base else "")
        return SetRound(set_name, "sliced", message, where, key, OplogTime.of(start), OplogTime.of(majority),
                        writer.documents, writer.result.size, OplogTime.of(majority), gap)

    def _start(self, set_name: str, last: Slice | None, oldest: Timestamp,
               backups: list[BackupManifest]) -> tuple[Timestamp, str | None, OplogTime | None]:
        """Where this set's next slice starts, the backup it (re)starts from (None: it continues the chain) and
        a gap found on the way; _CannotStart when it has nowhere to start from."""
        if last is not None and oldest <= last.end:
            return last.end, None, None
        bases = [b for b in backups if has_set(b, set_name)]
        if last is None and not bases:
            raise _CannotStart("waiting", "no full backup to start from yet (mongo-admin backup create)")
        # Nothing sliced yet: the newest backup; after a gap: the oldest backup after it the oplog still reaches.
        bases = [b for b in bases if restore_point(b) > last.end] if last is not None else bases[-1:]
        usable = [b for b in bases if oldest <= restore_point(b)]
        gap = None
        if last is not None:
            gap = self._record_gap(set_name, last.end, oldest, "the oplog no longer holds the end of the last "
                                   "slice (it rolled over, or slicing stopped for too long)")
        elif not usable:
            gap = self._record_gap(set_name, restore_point(bases[-1]), oldest, "the oplog no longer holds the "
                                   f"restore point of backup {bases[-1].backup_id}")
        if not usable:
            raise _CannotStart("gap", f"the oplog of {set_name} starts at {describe(oldest)}, after where the "
                               "chain ends: take a full backup to restart it", gap)
        return restore_point(usable[0]), usable[0].backup_id, gap

    def _record_gap(self, set_name: str, after: Timestamp, oldest: Timestamp, reason: str) -> OplogTime:
        """Record the gap after ``after`` once (a later round finding it again keeps the first record)."""
        if self.storage.stat(gap_key(self.name, set_name, after)) is None:
            write_gap(self.storage, self.name, GapRecord(set_name=set_name, after=ClusterTime.of(after),
                                                         oldest_available=ClusterTime.of(oldest),
                                                         detected_at=_now(), reason=reason))
        return OplogTime.of(after)

    def _close_gaps(self, set_name: str, start: Timestamp, base: str | None) -> None:
        for gap in list_gaps(self.storage, self.name, set_name):
            if gap.resumed_at is None and gap.after.timestamp() < start:
                write_gap(self.storage, self.name, gap.model_copy(update={"resumed_at": ClusterTime.of(start),
                                                                          "resumed_from_backup": base}))


def slice_once(name: str, options: PitrOptions | None = None) -> RoundResult:
    """One slicing round of cluster ``name`` under the slicer lock (for cron and tests)."""
    with _Slicer(name, options or PitrOptions()) as slicer:
        return slicer.round()


def run_slicer(name: str, options: PitrOptions | None = None, stop_event: threading.Event | None = None,
               progress: Callable[[RoundResult], None] = lambda _: None) -> SlicerResult:
    """Slice every ``slice_seconds`` until ``stop_event`` is set (or the lock is lost); each round is reported
    to ``progress``. A failed round is reported and retried at the next tick, never fatal."""
    stop = stop_event or threading.Event()
    last: RoundResult | None = None
    with _Slicer(name, options or PitrOptions()) as slicer:
        while True:
            began = time.monotonic()
            try:
                last = slicer.round()
            except PitrError as exc:
                last = RoundResult(exc.message(), name, slicer.rounds, _now(), None, [], None)
            progress(last)
            if not slicer.still_locked():
                raise PitrError(f"the slicer of cluster {name} lost its lock", "another slicer took it over "
                                "(this one missed heartbeats for too long)", "run one slicer per cluster")
            if stop.wait(max(0.0, slicer.slice_seconds - (time.monotonic() - began))):
                break
        return SlicerResult(f"slicer of cluster {name} stopped after {slicer.rounds} rounds: {slicer.slices} "
                            f"slices, {slicer.gaps} gaps", name, slicer.rounds, slicer.slices, slicer.gaps, last)


# The whole PITR surface from one module: the slicer here, its status and the restore-side readers beside it.
__all__ = ["GapInfo", "PitrError", "PitrOptions", "PitrRangeError", "PitrStatus", "RestoreWindow", "RoundResult",
           "SetRound", "SetStatus", "SlicerResult", "pitr_status", "replay_entries", "run_slicer", "slice_once",
           "slices_for"]
