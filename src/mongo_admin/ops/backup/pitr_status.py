"""What point-in-time recovery has achieved: per replica set the newest slice and its lag behind the set's
majority-committed point, the gaps, and per cluster the windows it can be restored to.

A window starts at a full backup's ``restore_to_time`` and reaches as far as every replica set's chain of
contiguous slices from that point does: a restore to a time inside it takes that backup (or a later one in the
same window) and replays each set's slices up to the time. A gap ends a window; the next starts at the first full
backup after it. ``backup list`` and ``backup status`` show the same windows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING

from bson import Timestamp

from mongo_admin.errors import BackupFormatError, MongoAdminError
from mongo_admin.ops.backup.engine import storage_for
from mongo_admin.ops.backup.lock import PITR_LOCK_ID, current_holder
from mongo_admin.ops.backup.manifest import MANIFEST_NAME, BackupManifest, parse_manifest
from mongo_admin.ops.backup.slices import OplogTime, Slice, chains, list_gaps, list_slices
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.storage.base import Storage

if TYPE_CHECKING:
    from pathlib import Path

    from mongo_admin.mongo.client import Client


@dataclass(frozen=True)
class GapInfo:
    set_name: str
    after: OplogTime
    resumed_at: OplogTime | None
    resumed_from_backup: str | None
    oldest_available: OplogTime
    detected_at: dt.datetime
    reason: str


@dataclass(frozen=True)
class SetStatus:
    set_name: str
    slices: int
    first_start: OplogTime | None
    last_end: OplogTime | None
    majority: OplogTime | None  # the set's majority-committed point now (None when no member answered)
    lag_s: float | None  # how far the newest slice ends behind that point
    gaps: list[GapInfo]


@dataclass(frozen=True)
class RestoreWindow:
    """The cluster can be restored to any time in ``[start, end]``: ``base_backup`` (or a later one of
    ``backups``) plus every set's contiguous slices."""

    base_backup: str
    start: OplogTime
    end: OplogTime
    backups: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class PitrStatus:
    message: str
    cluster: str
    enabled: bool
    slice_seconds: float
    storage: str
    slicer: str | None  # the running slicer (lock holder), None when none runs or the cluster is unreachable
    replica_sets: list[SetStatus]
    windows: list[RestoreWindow]
    restorable_from: OplogTime | None
    restorable_to: OplogTime | None
    recovery_point: OplogTime | None  # the earliest newest-slice end over all sets
    open_gaps: int


def full_backups(storage: Storage, cluster: str) -> list[BackupManifest]:
    """The cluster's complete full backups, oldest restore point first (a damaged manifest is not a base)."""
    found = []
    for info in storage.list(f"{cluster}/backups/"):
        if not info.key.endswith("/" + MANIFEST_NAME) or info.key.count("/") != 3:
            continue
        try:
            manifest = parse_manifest(storage.get(info.key), info.key)
        except BackupFormatError:
            continue
        if manifest.type == "full" and manifest.restore_to_time is not None:
            found.append(manifest)
    return sorted(found, key=lambda m: m.restore_to_time.timestamp())  # type: ignore[union-attr]


def restore_point(manifest: BackupManifest) -> Timestamp:
    assert manifest.restore_to_time is not None
    return manifest.restore_to_time.timestamp()


def has_set(manifest: BackupManifest, set_name: str) -> bool:
    return any(rs.name == set_name for rs in manifest.replica_sets)


def majority_point(client: Client) -> Timestamp:
    """The member's majority-committed optime, never past what the member itself applied."""
    optimes = client.admin.command("replSetGetStatus")["optimes"]
    committed: Timestamp = optimes["lastCommittedOpTime"]["ts"]
    applied: Timestamp = optimes["appliedOpTime"]["ts"]
    return min(committed, applied)


def restore_windows(backups: list[BackupManifest], by_set: dict[str, list[Slice]],
                    sets: list[str]) -> list[RestoreWindow]:
    """The time ranges the cluster can be restored to: from each full backup's restore point, as far as every
    set's contiguous slices reach (a window from a later backup that overlaps one before extends it)."""
    chains_by_set = {name: chains(by_set.get(name, [])) for name in sets}
    windows: list[RestoreWindow] = []
    for backup in sorted(backups, key=restore_point):
        point = restore_point(backup)
        if not all(has_set(backup, name) for name in sets):
            continue
        ends = []
        for name in sets:
            chain = next((c for c in chains_by_set[name] if c[0].start <= point <= c[-1].end), None)
            if chain is None:
                break
            ends.append(chain[-1].end)
        else:
            end = min(ends)
            if windows and point <= windows[-1].end.timestamp():
                previous = windows[-1]
                windows[-1] = replace(previous, end=max(previous.end, OplogTime.of(end)),
                                      backups=[*previous.backups, backup.backup_id])
            else:
                windows.append(RestoreWindow(backup.backup_id, OplogTime.of(point), OplogTime.of(end),
                                             [backup.backup_id]))
    return windows


def _live(access: ClusterAccess, sets: list[str]) -> tuple[str | None, dict[str, Timestamp]]:
    """The running slicer and each set's majority point, as far as the cluster answers."""
    from pymongo.errors import PyMongoError

    holder: str | None = None
    try:
        with access.routers(timeout_s=5.0) as router:
            found = current_holder(router, PITR_LOCK_ID)
            holder = found.describe() if found else None
    except (MongoAdminError, PyMongoError):
        pass
    points: dict[str, Timestamp] = {}
    for name in sets:
        for node in access.record.layout.members(name):
            if node.arbiter:
                continue
            try:
                with access.node(node, timeout_s=3.0) as client:
                    points[name] = majority_point(client)
                break
            except (MongoAdminError, PyMongoError, KeyError):
                continue
    return holder, points


def pitr_status(name: str, *, storage_url: str | None = None, home: Path | None = None) -> PitrStatus:
    """Per replica set the newest slice end, its lag behind the majority point, and gaps; per cluster the windows
    it can be restored to. Reads storage, and the cluster when it answers."""
    paths, cluster = open_cluster(name, home)
    access = ClusterAccess(paths, cluster)
    storage = storage_for(paths, cluster, storage_url)
    sets = [cluster.layout.config_set, *cluster.layout.shard_sets]
    by_set = {rs: list_slices(storage, name, rs) for rs in sets}
    holder, points = _live(access, sets)
    statuses = []
    for rs in sets:
        slices = by_set[rs]
        end = max((s.end for s in slices), default=None)
        point = points.get(rs)
        lag = max(0.0, float(point.time - end.time)) if point is not None and end is not None else None
        gaps = [GapInfo(rs, OplogTime.of(g.after.timestamp()),
                        OplogTime.of(g.resumed_at.timestamp()) if g.resumed_at else None, g.resumed_from_backup,
                        OplogTime.of(g.oldest_available.timestamp()), g.detected_at, g.reason)
                for g in list_gaps(storage, name, rs)]
        statuses.append(SetStatus(rs, len(slices), OplogTime.of(slices[0].start) if slices else None,
                                  OplogTime.of(end) if end else None, OplogTime.of(point) if point else None,
                                  lag, gaps))
    windows = restore_windows(full_backups(storage, name), by_set, sets)
    ends = [s.last_end for s in statuses]
    recovery = None if not ends or any(e is None for e in ends) else min(e for e in ends if e is not None)
    open_gaps = sum(1 for s in statuses for g in s.gaps if g.resumed_at is None)
    all_gaps = sum(len(s.gaps) for s in statuses)
    if windows:
        text = f"restorable from {windows[0].start} to {windows[-1].end}"
        if len(windows) > 1:
            text += f" in {len(windows)} separate windows (gaps between them)"
    else:
        text = "no restorable window yet (a full backup followed by slices of every replica set is needed)"
    lags = [s.lag_s for s in statuses if s.lag_s is not None]
    message = (f"PITR of cluster {name}: {text}; " + (f"slicer running ({holder})" if holder else "no slicer running")
               + (f"; worst lag {max(lags):.0f} s" if lags else "")
               + (f"; {all_gaps} gaps ({open_gaps} open)" if all_gaps else "; no gaps"))
    return PitrStatus(message, name, cluster.backup.pitr.enabled,
                      float(cluster.backup.pitr.slice_seconds), storage.describe(), holder,
                      statuses, windows, windows[0].start if windows else None,
                      windows[-1].end if windows else None, recovery, open_gaps)

