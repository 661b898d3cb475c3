"""The backup catalog, read from the storage itself: what backups a cluster has, their state, what each holds,
deleting one, and the cluster's backup status (who holds the lock, whether a dead run left it behind).

A backup is complete when its ``manifest.json`` exists; ``backup.json`` tells the state of every backup, also
the failed ones (with the failing step and first error line), which are listed, never hidden. ``backup status``
also repairs what a crashed run left (``recovery``): a lock whose heartbeat stopped is released, its backup or
restore marked failed, and the balancer it had stopped started again.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup import balancer
from mongo_admin.ops.backup.lock import current_holder
from mongo_admin.ops.backup.manifest import (
    MANIFEST_NAME,
    RECORD_NAME,
    TERMINAL_STATES,
    BackupManifest,
    BackupRecord,
    backup_prefix,
    read_manifest,
    read_record,
)
from mongo_admin.ops.backup.recovery import take_over_stale
from mongo_admin.ops.backup.retention import Candidate
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.storage.base import Storage


class BackupNotFoundError(MongoAdminError):
    """No backup with that id in the cluster's storage."""


@dataclass(frozen=True)
class BackupEntry:
    backup_id: str
    type: str
    state: str
    cluster_consistent: bool | None
    restore_to_time: str | None
    size_bytes: int | None
    documents: int | None
    started_at: str
    failed_step: str | None
    error: str | None


@dataclass(frozen=True)
class Window:
    """The cluster can be restored to any time from ``start`` to ``end``: a full backup's restore point and, with
    point-in-time slices, as far as every replica set's contiguous slices reach."""

    start: str
    end: str
    base_backup: str


@dataclass(frozen=True)
class BackupList:
    message: str
    cluster: str
    storage: str
    restorable: list[Window]
    backups: list[BackupEntry]


def _storage(name: str, home: Path | None, url: str | None) -> tuple[Storage, ClusterAccess]:
    from mongo_admin.ops.backup.engine import storage_for

    paths, record = open_cluster(name, home)
    return storage_for(paths, record, url), ClusterAccess(paths, record)


def backup_ids(storage: Storage, cluster: str) -> list[str]:
    prefix = f"{cluster}/backups/"
    ids = {info.key[len(prefix):].split("/", 1)[0] for info in storage.list(prefix)
           if info.key.endswith("/" + RECORD_NAME) or info.key.endswith("/" + MANIFEST_NAME)}
    return sorted(ids)


def _entry(record: BackupRecord | None, manifest: BackupManifest | None, backup_id: str) -> BackupEntry:
    files = [f for rs in manifest.replica_sets for f in rs.files] if manifest else []
    restore_to = manifest.restore_to_time.time.isoformat() if manifest and manifest.restore_to_time else None
    state = "done" if manifest is not None else (record.state if record else "unknown")
    return BackupEntry(
        backup_id=backup_id, type=manifest.type if manifest else (record.type if record else "?"), state=state,
        cluster_consistent=manifest.cluster_consistent if manifest else None, restore_to_time=restore_to,
        size_bytes=sum(f.size for f in files) if manifest else None,
        documents=sum(f.documents or 0 for f in files if f.kind in ("data", "users", "roles")) if manifest else None,
        started_at=(manifest.started_at if manifest else record.started_at if record else dt.datetime.min).isoformat(),
        failed_step=record.failed_step if record and manifest is None else None,
        error=record.error if record and manifest is None else None)


def list_backups(name: str, home: Path | None = None, storage_url: str | None = None) -> BackupList:
    storage, access = _storage(name, home, storage_url)
    entries = [_entry(read_record(storage, name, i), read_manifest(storage, name, i), i)
               for i in backup_ids(storage, name)]
    done = [e for e in entries if e.state == "done"]
    windows = restorable_windows(storage, name, access)
    span = (f"; restorable from {windows[0].start} to {windows[-1].end}" + (f" in {len(windows)} windows"
                                                                            if len(windows) > 1 else "")
            if windows else "; nothing restorable yet")
    return BackupList(message=f"cluster {name}: {len(entries)} backups, {len(done)} complete, in "
                              f"{storage.describe()}{span}", cluster=name, storage=storage.describe(),
                      restorable=windows, backups=entries)


def restorable_windows(storage: Storage, name: str, access: ClusterAccess) -> list[Window]:
    """Each complete full backup's restore point, widened by point-in-time slices where they continue it."""
    from mongo_admin.ops.backup.pitr_status import full_backups, restore_point, restore_windows
    from mongo_admin.ops.backup.slices import list_slices

    layout = access.record.layout
    sets = [layout.config_set, *layout.shard_sets]
    bases = full_backups(storage, name)
    by_set = {set_name: list_slices(storage, name, set_name) for set_name in sets}
    found = restore_windows(bases, by_set, sets)
    windows = [Window(w.start.time.isoformat(), w.end.time.isoformat(), w.base_backup) for w in found]
    covered = {b for w in found for b in w.backups}
    for base in bases:  # a backup with no slices after it is restorable to its own point only
        if base.backup_id not in covered:
            point = restore_point(base).as_datetime().isoformat()
            windows.append(Window(point, point, base.backup_id))
    return sorted(windows, key=lambda w: w.start)


@dataclass(frozen=True)
class BackupDetails:
    message: str
    backup: BackupEntry
    record: dict[str, object] | None
    manifest: dict[str, object] | None


def show_backup(name: str, backup_id: str, home: Path | None = None, storage_url: str | None = None) -> BackupDetails:
    storage, _ = _storage(name, home, storage_url)
    record, manifest = read_record(storage, name, backup_id), read_manifest(storage, name, backup_id)
    if record is None and manifest is None:
        raise BackupNotFoundError(f"no backup {backup_id} for cluster {name}", f"nothing under {storage.describe()}/"
                                  f"{backup_prefix(name, backup_id)}", "list them with: mongo-admin backup list")
    entry = _entry(record, manifest, backup_id)
    return BackupDetails(message=f"backup {backup_id}: {entry.type}, {entry.state}", backup=entry,
                         record=record.model_dump(mode="json") if record else None,
                         manifest=manifest.model_dump(mode="json") if manifest else None)


@dataclass(frozen=True)
class DeleteResult:
    message: str
    backup_id: str
    objects_removed: int


def delete_backup(name: str, backup_id: str, home: Path | None = None,
                  storage_url: str | None = None) -> DeleteResult:
    storage, access = _storage(name, home, storage_url)
    record = read_record(storage, name, backup_id)
    if record is None and read_manifest(storage, name, backup_id) is None:
        raise BackupNotFoundError(f"no backup {backup_id} for cluster {name}", "nothing to delete",
                                  "list them with: mongo-admin backup list")
    if record is not None and record.state not in TERMINAL_STATES:
        with access.routers(timeout_s=10.0) as router:
            holder = current_holder(router)
        if holder is not None and holder.operation_id == backup_id:
            raise MongoAdminError(f"backup {backup_id} is still running", f"held by {holder.describe()}",
                                  "wait for it to finish, then delete it")
    removed = storage.delete_prefix(backup_prefix(name, backup_id))
    return DeleteResult(f"backup {backup_id} deleted ({removed} objects)", backup_id, removed)


@dataclass(frozen=True)
class StatusResult:
    message: str
    cluster: str
    storage: str
    running: str | None
    heartbeat_age_s: float | None
    recovered: str | None
    balancer: str
    last_backup: BackupEntry | None


def backup_status(name: str, home: Path | None = None, storage_url: str | None = None) -> StatusResult:
    """What runs now, and the repair of a dead run: its lock released, its backup or restore marked failed, its
    balancer mode restored (``recovery.take_over_stale``)."""
    storage, access = _storage(name, home, storage_url)
    with access.routers(timeout_s=10.0) as router:
        recovered = take_over_stale(router, storage, name)
        holder = current_holder(router)
        age = (dt.datetime.now(dt.UTC) - holder.heartbeat).total_seconds() if holder else None
        mode = balancer.mode(router)
    ids = backup_ids(storage, name)
    last = _entry(read_record(storage, name, ids[-1]), read_manifest(storage, name, ids[-1]), ids[-1]) if ids else None
    running = holder.describe() if holder else None
    message = f"cluster {name}: " + (f"running {running}" if running else "no backup or restore running")
    if recovered:
        message += f"; {recovered}"
    return StatusResult(message=message, cluster=name, storage=storage.describe(), running=running,
                        heartbeat_age_s=round(age, 1) if age is not None else None, recovered=recovered,
                        balancer=mode, last_backup=last)


@dataclass(frozen=True)
class VerifyReport:
    message: str
    backup_id: str
    ok: bool
    files: int
    stored_bytes: int
    documents: int
    contents_checked: bool
    problems: list[str]


def verify_backup(name: str, backup_id: str, home: Path | None = None, storage_url: str | None = None,
                  key_file: Path | None = None) -> VerifyReport:
    """Re-read every file of a complete backup (see ``verify.verify_files``)."""
    from mongo_admin.ops.backup.encryption import EncryptionKey
    from mongo_admin.ops.backup.verify import verify_files

    storage, access = _storage(name, home, storage_url)
    manifest = read_manifest(storage, name, backup_id)
    if manifest is None:
        record = read_record(storage, name, backup_id)
        why = (f"it is {record.state}" + (f" (failed at '{record.failed_step}': {record.error})"
                                          if record.failed_step else "")) if record else "it does not exist"
        raise BackupNotFoundError(f"backup {backup_id} of cluster {name} is not a complete backup", why,
                                  "list complete backups with: mongo-admin backup list")
    key_file = key_file or access.record.backup.encryption_key_file
    key = EncryptionKey.from_file(key_file) if key_file and manifest.encryption else None
    result = verify_files(storage, manifest, key)
    return VerifyReport(message=result.summary().splitlines()[0], backup_id=backup_id, ok=result.ok,
                        files=result.files, stored_bytes=result.stored_bytes, documents=result.documents,
                        contents_checked=result.contents_checked, problems=[str(p) for p in result.problems])


@dataclass(frozen=True)
class PruneEntry:
    backup_id: str
    type: str
    state: str
    action: str  # "keep" or "delete" (or "deleted")
    reasons: list[str]


@dataclass(frozen=True)
class PruneResult:
    message: str
    cluster: str
    dry_run: bool
    kept: int
    deleted: int
    slices_deleted: int
    backups: list[PruneEntry]


def prune_backups(name: str, home: Path | None = None, storage_url: str | None = None, *, dry_run: bool = False,
                  now: dt.datetime | None = None) -> PruneResult:
    """Apply the cluster's retention policy (``backup.retention`` in its spec); ``dry_run`` only says what would
    go. A backup still holding the cluster lock is never deleted."""
    from mongo_admin.ops.backup.retention import decide

    storage, access = _storage(name, home, storage_url)
    candidates = []
    for backup_id in backup_ids(storage, name):
        record, manifest = read_record(storage, name, backup_id), read_manifest(storage, name, backup_id)
        entry = _entry(record, manifest, backup_id)
        restore_to = manifest.restore_to_time.time if manifest and manifest.restore_to_time else None
        started = manifest.started_at if manifest else record.started_at if record else None
        if started is None:
            continue
        candidates.append(Candidate(backup_id, entry.type, entry.state, started, restore_to))
    decisions = decide(candidates, access.record.backup.retention, now or dt.datetime.now(dt.UTC))
    by_id = {c.backup_id: c for c in candidates}
    entries = []
    for decision in decisions:
        candidate = by_id[decision.backup_id]
        action = "keep" if decision.keep else "delete"
        if not decision.keep and not dry_run:
            storage.delete_prefix(backup_prefix(name, decision.backup_id))
            action = "deleted"
        entries.append(PruneEntry(decision.backup_id, candidate.type, candidate.state, action, decision.reasons))
    gone = sum(e.action != "keep" for e in entries)
    slices = _prune_slices(storage, name, access, [by_id[d.backup_id] for d in decisions if d.keep], dry_run)
    verb = "would delete" if dry_run else "deleted"
    also = f" and {slices} oplog slices older than the oldest kept full backup" if slices else ""
    return PruneResult(message=f"cluster {name}: kept {len(entries) - gone} backups, {verb} {gone}{also}",
                       cluster=name, dry_run=dry_run, kept=len(entries) - gone, deleted=gone, slices_deleted=slices,
                       backups=entries)


def _prune_slices(storage: Storage, name: str, access: ClusterAccess, kept: list[Candidate], dry_run: bool) -> int:
    """Oplog slices that end before the oldest kept full backup's restore point serve no restore any more."""
    from mongo_admin.ops.backup.slices import list_slices

    bases = [c.restore_to for c in kept if c.type == "full" and c.restore_to]
    if not bases:
        return 0
    oldest = min(bases)
    layout = access.record.layout
    removed = 0
    for set_name in [layout.config_set, *layout.shard_sets]:
        for piece in list_slices(storage, name, set_name):
            if piece.end.as_datetime() < oldest:
                removed += 1
                if not dry_run:
                    storage.delete(piece.key)
    return removed
