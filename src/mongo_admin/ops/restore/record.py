"""The record of one restore, stored next to the backups as ``<cluster>/restores/<restore_id>.json``.

Written before any work starts (state ``starting``), rewritten on every step (``running``), and kept with the
failing step and the first line of the error when the restore fails, as a backup's ``backup.json`` is.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, ConfigDict, Field

from mongo_admin.ops.backup.manifest import BackupStep, backup_prefix
from mongo_admin.storage.base import Storage

if TYPE_CHECKING:
    from mongo_admin.ops.cluster.state import ClusterPaths, ClusterRecord

RestoreKind = Literal["full", "shard", "namespaces", "config"]
RestoreState = Literal["starting", "running", "done", "failed", "cancelled"]
FORMAT_VERSION = 1


def restore_key(cluster: str, restore_id: str) -> str:
    """``<cluster>/restores/<restore_id>.json`` (the names are checked like backup folder names)."""
    backup_prefix(cluster, restore_id)
    return f"{cluster}/restores/{restore_id}.json"


class RestoreRecord(BaseModel):
    model_config = ConfigDict(extra="forbid")

    format_version: int = FORMAT_VERSION
    restore_id: str
    backup_id: str
    source_cluster: str
    cluster: str
    kind: RestoreKind
    state: RestoreState = "starting"
    steps: list[BackupStep] = []
    failed_step: str | None = None
    error: str | None = None
    shard_map: dict[str, str] = {}
    restore_to_time: dt.datetime | None = None
    progress: float = Field(default=0.0, ge=0.0, le=100.0)
    started_at: dt.datetime
    updated_at: dt.datetime
    holder: str = ""

    @property
    def current_step(self) -> str | None:
        return self.steps[-1].name if self.steps and self.steps[-1].finished_at is None else None

    def begin_step(self, name: str, now: dt.datetime) -> None:
        self.finish_step(now)
        self.steps.append(BackupStep(name=name, started_at=now))
        self.updated_at = now

    def finish_step(self, now: dt.datetime) -> None:
        if self.steps and self.steps[-1].finished_at is None:
            self.steps[-1].finished_at = now
            self.updated_at = now

    def fail(self, error: BaseException | str, now: dt.datetime, *, state: RestoreState = "failed") -> None:
        self.failed_step = self.current_step or (self.steps[-1].name if self.steps else None)
        self.error = (str(error).strip().splitlines() or [type(error).__name__])[0]
        self.state = state
        self.updated_at = now


def write_restore_record(storage: Storage, record: RestoreRecord) -> str:
    key = restore_key(record.cluster, record.restore_id)
    storage.put(key, (record.model_dump_json(indent=2) + "\n").encode())
    return key


def read_restore_record(storage: Storage, cluster: str, restore_id: str) -> RestoreRecord | None:
    key = restore_key(cluster, restore_id)
    if storage.stat(key) is None:
        return None
    return RestoreRecord.model_validate_json(storage.get(key))


def list_restore_records(storage: Storage, cluster: str) -> list[RestoreRecord]:
    """Every restore record of ``cluster`` in ``storage``, oldest first."""
    prefix = f"{cluster}/restores/"
    records = [RestoreRecord.model_validate_json(storage.get(info.key)) for info in storage.list(prefix)
               if info.key.endswith(".json") and "/" not in info.key[len(prefix):]]
    return sorted(records, key=lambda record: (record.started_at, record.restore_id))


def restore_storage(paths: ClusterPaths, cluster: ClusterRecord, storage_url: str | None, source_cluster: str,
                    home: Path | None) -> Storage:
    """Where a restore into ``cluster`` reads its backup and keeps its record: ``storage_url``, else the source
    cluster's backup storage (the target's own when the source is not deployed here)."""
    from mongo_admin.errors import MongoAdminError
    from mongo_admin.ops.backup.engine import storage_for
    from mongo_admin.ops.cluster.state import open_cluster

    if storage_url or source_cluster == cluster.name:
        return storage_for(paths, cluster, storage_url)
    try:
        source_paths, source = open_cluster(source_cluster, home)
    except MongoAdminError:
        return storage_for(paths, cluster)
    return storage_for(source_paths, source)


def list_restores(name: str, home: Path | None = None, storage_url: str | None = None) -> list[RestoreRecord]:
    """The restore records of deployed cluster ``name``, read from its backup storage."""
    from mongo_admin.ops.backup.engine import storage_for
    from mongo_admin.ops.cluster.state import open_cluster

    paths, record = open_cluster(name, home)
    return list_restore_records(storage_for(paths, record, storage_url), name)
