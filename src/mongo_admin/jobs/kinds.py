"""The job kinds the platform runs: ``backup`` and ``restore``, as adapters from job parameters to the operations
in ``ops/`` (their progress events mapped to the job's percent, step and log; cancellation polled at each of
their steps), with the cleanup a dead runner's job needs.

Both take the operation class ``backup-restore``: the cluster-side lock they take serialises them anyway, and
the job lock lets the API refuse a second one with 409 before anything starts.

Parameters (JSON, as the API and schedules store them):
- backup: ``type`` (full | config | shard), ``shard``, ``storage_url``, ``compression``, ``home``;
- restore: ``backup_id`` (required), ``type`` (full | shard | namespaces | config), ``shard``, ``namespaces``,
  ``point_in_time`` (ISO 8601 with zone), ``source_cluster``, ``storage_url``, ``home``.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from mongo_admin.errors import InvalidInputError
from mongo_admin.jobs.runner import JobContext, JobFunction, JobInfo, JobKind, JobRunner

OPERATION_CLASS = "backup-restore"
# Where each backup step starts, in percent of the job; the dump fills 5 → 80 by collections done.
BACKUP_STEPS = {"lock": 1.0, "balancer": 2.0, "sources": 4.0, "dump": 5.0, "cut-off": 82.0, "oplog": 88.0,
                "manifest": 95.0}
RESTORE_STEPS = {"preflight": 1.0, "lock": 5.0, "balancer": 8.0, "data": 10.0, "routing": 90.0}


def _home(params: Mapping[str, Any]) -> Path | None:
    return Path(params["home"]) if params.get("home") else None


def _cluster(params: Mapping[str, Any]) -> str:
    cluster = params.get("cluster")
    if not isinstance(cluster, str) or not cluster:
        raise InvalidInputError("a job needs a cluster", "no cluster name was given", "name the cluster")
    return cluster


def build_backup(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.backup.engine import BackupEvent, BackupOptions, create_backup

    cluster = _cluster(params)
    kind = params.get("type", "full")
    if kind not in ("full", "config", "shard"):
        raise InvalidInputError(f"unknown backup type {kind!r}", "the types are full, config and shard",
                                "choose one of them")

    def run(ctx: JobContext) -> Any:
        per_set: dict[str, tuple[int, int]] = {}
        named = False

        def progress(event: BackupEvent) -> None:
            nonlocal named
            if not named:
                ctx.reference(event.backup_id)
                named = True
            if event.step == "dump" and event.replica_set is not None:
                per_set[event.replica_set] = (event.collections_done, event.collections_total)
                done = sum(d for d, _ in per_set.values())
                total = sum(t for _, t in per_set.values())
                percent = BACKUP_STEPS["dump"] + (75.0 * done / total if total else 0.0)
                ctx.progress(percent, "dump", event.message)
            else:
                ctx.progress(BACKUP_STEPS.get(event.step), event.step, event.message)

        options = BackupOptions(kind=kind, shard=params.get("shard"), storage_url=params.get("storage_url"),
                                compression=params.get("compression"), home=_home(params),
                                cancelled=ctx.cancelled)
        return create_backup(cluster, options, progress)

    return run


def build_restore(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.restore.engine import (
        RestoreEvent,
        RestoreOptions,
        restore_cluster,
        restore_config,
        restore_namespaces,
        restore_shard,
    )

    cluster = _cluster(params)
    backup_id = params.get("backup_id")
    if not isinstance(backup_id, str) or not backup_id:
        raise InvalidInputError("a restore job needs a backup_id", "none was given",
                                "name the backup to restore (its id in the catalog)")
    kind = params.get("type", "full")
    if kind not in ("full", "shard", "namespaces", "config"):
        raise InvalidInputError(f"unknown restore type {kind!r}", "the types are full, shard, namespaces and "
                                "config", "choose one of them")
    moment = dt.datetime.fromisoformat(params["point_in_time"]) if params.get("point_in_time") else None
    if moment is not None and moment.tzinfo is None:
        raise InvalidInputError("point_in_time has no time zone", f"{params['point_in_time']!r} is ambiguous",
                                "write it with its offset, e.g. 2026-11-26T08:10:00Z")

    def run(ctx: JobContext) -> Any:
        named = False

        def progress(event: RestoreEvent) -> None:
            nonlocal named
            if not named:
                ctx.reference(event.restore_id)
                named = True
            ctx.progress(RESTORE_STEPS.get(event.step), event.step, event.message)

        options = RestoreOptions(home=_home(params), storage_url=params.get("storage_url"),
                                 source_cluster=params.get("source_cluster"), point_in_time=moment,
                                 cancelled=ctx.cancelled)
        if kind == "shard":
            return restore_shard(cluster, backup_id, str(params.get("shard") or ""), options, progress)
        if kind == "namespaces":
            return restore_namespaces(cluster, backup_id, list(params.get("namespaces") or []), options,
                                      progress=progress)
        if kind == "config":
            return restore_config(cluster, backup_id, options, progress)
        return restore_cluster(cluster, backup_id, options, progress)

    return run


def repair_cluster_lock(job: JobInfo, *, poll_s: float | None = None, patience_s: float | None = None) -> str:
    """After a backup or restore job's runner died: release the cluster-side lock it left, put the balancer
    back and mark its backup failed (``backup_status`` does all three once the lock is stale). The dead
    process's lock goes stale ``STALE_AFTER_S`` after its last heartbeat, so this waits that long at most."""
    from mongo_admin.ops.backup.catalog import backup_status
    from mongo_admin.ops.backup.lock import HEARTBEAT_S, STALE_AFTER_S

    params = job.params
    poll = HEARTBEAT_S if poll_s is None else poll_s
    deadline = time.monotonic() + (STALE_AFTER_S + 2 * HEARTBEAT_S if patience_s is None else patience_s)
    while True:
        status = backup_status(job.cluster, _home(params), params.get("storage_url"))
        if status.recovered:
            return status.recovered
        if status.running is None:
            return f"no lock left on cluster {job.cluster}; balancer {status.balancer}"
        if job.reference is not None and job.reference not in status.running:
            return f"the cluster's lock belongs to another operation ({status.running}); left alone"
        if time.monotonic() >= deadline:
            return (f"the cluster's lock of {status.running} is not stale yet; run `mongo-admin backup status "
                    f"--cluster {job.cluster}` later to release it and restore the balancer")
        time.sleep(poll)


BACKUP = JobKind("backup", OPERATION_CLASS, build_backup, repair_cluster_lock)
RESTORE = JobKind("restore", OPERATION_CLASS, build_restore, repair_cluster_lock)


def register_all(runner: JobRunner) -> None:
    """Register every job kind of the platform with ``runner``."""
    for kind in (BACKUP, RESTORE):
        runner.register(kind)
