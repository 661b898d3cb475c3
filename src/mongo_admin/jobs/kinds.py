"""The job kinds the platform runs: ``backup`` and ``restore``, as adapters from job parameters to the operations
in ``ops/`` (their progress events mapped to the job's percent, step and log; cancellation polled at each of
their steps), with the cleanup a dead runner's job needs (its cluster-side lock, balancer and record repaired).

Both take the operation class ``backup-restore``: the cluster-side lock they take serialises them anyway, and
the job lock lets the API refuse a second one with 409 before anything starts.

Parameters (JSON, as the API and schedules store them):
- backup: ``type`` (full | config | shard), ``shard``, ``storage_url``, ``compression``, ``parallel``
  (collections dumped at once per replica set), ``rate_limit_mb_s``, ``home``;
- restore: ``backup_id`` (or ``point_in_time`` alone: the newest full backup before it is the base), ``type``
  (full | shard | namespaces | config), ``shard``, ``namespaces``, ``rename`` (namespace -> new namespace),
  ``shard_map`` (backup shard -> target shard), ``by_position`` (pair shards in order), ``from_shard`` (the
  backup's shard a shard restore reads), ``point_in_time`` (ISO 8601 with zone), ``source_cluster``,
  ``storage_url``, ``home``;
- verify: ``backup_id`` (default: the newest complete backup), ``storage_url``, ``home`` (re-reads its files);
- drill: ``backup_id`` (default: the newest complete full backup), ``storage_url``, ``home`` (restores it into a
  scratch cluster and compares);
- health-check: ``home``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING, Any

from mongo_admin.errors import InvalidInputError
from mongo_admin.jobs.deployment_kinds import ClusterHook, deployment_kinds
from mongo_admin.jobs.runner import JobContext, JobFunction, JobInfo, JobKind, JobRunner

if TYPE_CHECKING:
    from mongo_admin.storage.base import Storage

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
                                parallel_collections=params.get("parallel"),
                                rate_limit_mb_s=params.get("rate_limit_mb_s"), cancelled=ctx.cancelled)
        return create_backup(cluster, options, progress)

    return run


def build_restore(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.restore.engine import (
        RestoreEvent,
        RestoreOptions,
        base_for,
        restore_cluster,
        restore_config,
        restore_namespaces,
        restore_shard,
    )

    cluster = _cluster(params)
    backup_id = params.get("backup_id")
    if (not isinstance(backup_id, str) or not backup_id) and not params.get("point_in_time"):
        raise InvalidInputError("a restore job needs a backup_id or a point_in_time", "neither was given",
                                "name the backup to restore (its id in the catalog), or the moment to restore to")
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
                                 shard_map=dict(params["shard_map"]) if params.get("shard_map") else None,
                                 by_position=bool(params.get("by_position")), from_shard=params.get("from_shard"),
                                 cancelled=ctx.cancelled)
        base = backup_id if isinstance(backup_id, str) and backup_id else None
        if base is None:
            assert moment is not None
            base = base_for(options.source_cluster or cluster, moment, options)
            ctx.log(f"point-in-time restore to {moment.isoformat()} from full backup {base}")
        if kind == "shard":
            return restore_shard(cluster, base, str(params.get("shard") or ""), options, progress)
        if kind == "namespaces":
            return restore_namespaces(cluster, base, list(params.get("namespaces") or []), options,
                                      rename=dict(params["rename"]) if params.get("rename") else None,
                                      progress=progress)
        if kind == "config":
            return restore_config(cluster, base, options, progress)
        return restore_cluster(cluster, base, options, progress)

    return run


def close_dead_operation(job: JobInfo) -> str:
    """After a backup or restore job's runner died: once the cluster-side lock it left goes stale, release it and
    put the balancer back, then mark the operation's record (``backup.json``, the restore record) failed with the
    job's error (``recovery.recover_operation``)."""
    from mongo_admin.ops.backup.recovery import recover_operation

    return recover_operation(job.cluster, job.kind, job.reference, job.error or "its runner died",
                             _record_storage(job.kind, job.cluster, job.params), home=_home(job.params))


def _record_storage(kind: str, cluster: str, params: Mapping[str, Any]) -> Storage:
    """Where the job's operation keeps its record: a backup in the cluster's storage, a restore where the
    restore engine puts it."""
    from mongo_admin.ops.backup.engine import storage_for
    from mongo_admin.ops.cluster.state import open_cluster
    from mongo_admin.ops.restore.record import restore_storage

    paths, record = open_cluster(cluster, _home(params))
    if kind == "restore":
        return restore_storage(paths, record, params.get("storage_url"), params.get("source_cluster") or cluster,
                               _home(params))
    return storage_for(paths, record, params.get("storage_url"))


def newest_backup(cluster: str, params: Mapping[str, Any], *, full_only: bool) -> str:
    """``backup_id`` from the parameters, else the newest complete (full, with ``full_only``) backup."""
    from mongo_admin.ops.backup.catalog import list_backups

    if isinstance(params.get("backup_id"), str) and params["backup_id"]:
        return str(params["backup_id"])
    listing = list_backups(cluster, _home(params), params.get("storage_url"))
    done = [b for b in listing.backups if b.state == "done" and (b.type == "full" or not full_only)]
    if not done:
        raise InvalidInputError(f"cluster {cluster} has no complete {'full ' if full_only else ''}backup",
                                "there is nothing to check yet", "take a backup first")
    return done[-1].backup_id


def build_verify(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.backup.catalog import verify_backup

    cluster = _cluster(params)

    def run(ctx: JobContext) -> Any:
        backup_id = newest_backup(cluster, params, full_only=False)
        ctx.reference(backup_id)
        ctx.progress(5.0, "verify", f"re-reading every file of backup {backup_id}")
        report = verify_backup(cluster, backup_id, _home(params), params.get("storage_url"))
        if not report.ok:
            raise InvalidInputError(f"backup {backup_id} failed verification", "; ".join(report.problems[:3]),
                                    "take a new backup; keep this one for inspection")
        return report

    return run


def build_drill(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.backup.drill import restore_drill

    cluster = _cluster(params)

    def run(ctx: JobContext) -> Any:
        backup_id = newest_backup(cluster, params, full_only=True)
        ctx.reference(backup_id)
        ctx.progress(5.0, "drill", f"restoring backup {backup_id} into a scratch cluster")
        result = restore_drill(cluster, backup_id, _home(params), params.get("storage_url"))
        if not result.ok:
            raise InvalidInputError(f"backup {backup_id} failed its restore drill", "; ".join(result.problems[:3]),
                                    "take a new backup; keep this one for inspection")
        return result

    return run


def build_health_check(params: Mapping[str, Any]) -> JobFunction:
    from mongo_admin.ops.health import health_check

    cluster = _cluster(params)

    def run(ctx: JobContext) -> Any:
        ctx.progress(5.0, "health-check", f"checking cluster {cluster}")
        report = health_check(cluster, _home(params))
        ctx.log(report.message)
        return report

    return run


BACKUP = JobKind("backup", OPERATION_CLASS, build_backup, close_dead_operation)
RESTORE = JobKind("restore", OPERATION_CLASS, build_restore, close_dead_operation)
# Verification reads the storage only; a drill deploys a scratch cluster (one at a time per cluster).
VERIFY = JobKind("verify", None, build_verify)
DRILL = JobKind("drill", "drill", build_drill)
HEALTH_CHECK = JobKind("health-check", None, build_health_check)


def register_all(runner: JobRunner, cluster_hook: ClusterHook | None = None) -> None:
    """Register every job kind of the platform with ``runner``; ``cluster_hook`` hears of clusters deployed and
    destroyed by the deployment kinds (``jobs.deployment_kinds``)."""
    for kind in (BACKUP, RESTORE, VERIFY, DRILL, HEALTH_CHECK,
                 *(deployment_kinds(cluster_hook) if cluster_hook else deployment_kinds())):
        runner.register(kind)
