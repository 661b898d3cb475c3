"""What a backup is, as stored next to its files: the manifest (written last) and the record (written first).

Under ``<cluster>/backups/<backup_id>/`` in the storage:

- ``backup.json`` - the ``BackupRecord``: written before any work starts, rewritten on every state change,
  and kept with the failing step and first error line when the backup fails;
- ``manifest.json`` - the ``BackupManifest``: written once, atomically, after every file is stored. Its
  presence is what makes a backup complete. It lists every file with size, SHA-256 and document count
  (file keys are relative to the backup folder, so a folder can be copied elsewhere whole).

Both are JSON with a ``format_version``; a reader refuses a version newer than it knows.
"""

from __future__ import annotations

import datetime
import os
import socket
from typing import Literal, Self, TypeVar

from bson.timestamp import Timestamp
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from mongo_admin.errors import BackupFormatError, InvalidInputError
from mongo_admin.storage.base import Storage

FORMAT_VERSION = 1
MANIFEST_NAME = "manifest.json"
RECORD_NAME = "backup.json"

BackupType = Literal["full", "config", "shard"]
BackupState = Literal["starting", "running", "uploading", "done", "failed", "cancelled"]
FileKind = Literal["data", "metadata", "oplog", "users", "roles", "prelude"]
TERMINAL_STATES: frozenset[str] = frozenset({"done", "failed", "cancelled"})
_M = TypeVar("_M", bound=BaseModel)


def backup_prefix(cluster: str, backup_id: str) -> str:
    """The folder of one backup: ``<cluster>/backups/<backup_id>/``."""
    for what, value in (("cluster", cluster), ("backup id", backup_id)):
        if not value or "/" in value or value in (".", "..") or any(ord(char) < 0x20 for char in value):
            raise InvalidInputError(f"invalid {what} {value!r}", "it must be one path segment without '/'")
    return f"{cluster}/backups/{backup_id}/"


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=False)


class _Versioned(_Model):
    format_version: int = FORMAT_VERSION

    @field_validator("format_version")
    @classmethod
    def _known_version(cls, value: int) -> int:
        if value > FORMAT_VERSION:
            raise ValueError(f"format_version {value} is newer than this mongo-admin understands ({FORMAT_VERSION}); "
                             "upgrade mongo-admin to read it")
        return value


class ClusterTime(_Model):
    """A BSON Timestamp (oplog ``ts``: seconds ``t`` and increment ``i``) with its wall time in UTC."""

    t: int = Field(ge=0, lt=2**32)
    i: int = Field(ge=0, lt=2**32)
    time: datetime.datetime

    @classmethod
    def of(cls, timestamp: Timestamp) -> Self:
        return cls(t=timestamp.time, i=timestamp.inc,
                   time=datetime.datetime.fromtimestamp(timestamp.time, tz=datetime.UTC))

    def timestamp(self) -> Timestamp:
        return Timestamp(self.t, self.i)


class EncryptionInfo(_Model):
    """How the files are encrypted; the key itself is never stored, only its fingerprint."""

    cipher: Literal["AES-256-GCM"] = "AES-256-GCM"
    key_fingerprint: str = Field(pattern=r"^[0-9a-f]{64}$")


class ShardTopology(_Model):
    name: str
    hosts: list[str]


class Topology(_Model):
    """The cluster's shape when the backup was taken (a restore target must match it)."""

    config_set: str
    shards: list[ShardTopology] = []
    routers: list[str] = []


class BackupFile(_Model):
    """One stored file. ``key`` is relative to the backup folder; ``documents`` is None for files that are not
    BSON document streams (metadata, prelude); ``raw_size`` is the size before compression and encryption."""

    key: str
    kind: FileKind
    namespace: str = ""
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    documents: int | None = None
    raw_size: int | None = None


class ReplicaSetBackup(_Model):
    """One replica set's dump: its folder is ``<name>/`` in the backup folder."""

    name: str
    role: Literal["configsvr", "shardsvr"]
    source_host: str
    first_ts: ClusterTime | None = None
    last_ts: ClusterTime | None = None
    oplog_entries: int = 0
    files: list[BackupFile] = []


class BackupManifest(_Versioned):
    """A complete backup. ``restore_to_time`` is the cluster-consistent point every replica set reaches."""

    tool_version: str
    backup_id: str
    cluster: str
    type: BackupType
    cluster_consistent: bool
    note: str = ""
    mongodb_version: str
    fcv: str
    started_at: datetime.datetime
    finished_at: datetime.datetime
    restore_to_time: ClusterTime | None = None
    balancer_was: str = ""
    compression: Literal["gzip", "zstd", "none"] = "gzip"
    encryption: EncryptionInfo | None = None
    topology: Topology
    replica_sets: list[ReplicaSetBackup] = []

    @property
    def prefix(self) -> str:
        return backup_prefix(self.cluster, self.backup_id)

    def files(self) -> list[tuple[ReplicaSetBackup, BackupFile]]:
        return [(replica_set, item) for replica_set in self.replica_sets for item in replica_set.files]


class BackupStep(_Model):
    name: str
    started_at: datetime.datetime
    finished_at: datetime.datetime | None = None


class BackupRecord(_Versioned):
    """The backup's progress, persisted before work starts and on every change (``backup.json``)."""

    backup_id: str
    cluster: str
    type: BackupType
    state: BackupState = "starting"
    steps: list[BackupStep] = []
    failed_step: str | None = None
    error: str | None = None
    progress: float = Field(default=0.0, ge=0.0, le=100.0)
    started_at: datetime.datetime
    updated_at: datetime.datetime
    holder: str = ""

    @property
    def prefix(self) -> str:
        return backup_prefix(self.cluster, self.backup_id)

    @property
    def current_step(self) -> str | None:
        return self.steps[-1].name if self.steps and self.steps[-1].finished_at is None else None

    def begin_step(self, name: str, now: datetime.datetime) -> None:
        """Finish the running step, if any, and start ``name``."""
        self.finish_step(now)
        self.steps.append(BackupStep(name=name, started_at=now))
        self.updated_at = now

    def finish_step(self, now: datetime.datetime) -> None:
        if self.steps and self.steps[-1].finished_at is None:
            self.steps[-1].finished_at = now
            self.updated_at = now

    def fail(self, error: BaseException | str, now: datetime.datetime, *, state: BackupState = "failed") -> None:
        """Mark failed (or cancelled) at the running step, keeping the first line of the error."""
        self.failed_step = self.current_step or (self.steps[-1].name if self.steps else None)
        self.error = (str(error).strip().splitlines() or [type(error).__name__])[0]
        self.state = state
        self.updated_at = now


def current_holder() -> str:
    """``host/pid`` of this process, recorded as the backup's holder."""
    return f"{socket.gethostname()}/{os.getpid()}"


# ---- storage ----------------------------------------------------------------------------------------------

def _encode(model: BaseModel) -> bytes:
    return (model.model_dump_json(indent=2) + "\n").encode()


def write_manifest(storage: Storage, manifest: BackupManifest) -> str:
    """Store ``manifest.json`` atomically (the last write of a backup); returns its key."""
    key = manifest.prefix + MANIFEST_NAME
    storage.put(key, _encode(manifest))
    return key


def write_record(storage: Storage, record: BackupRecord) -> str:
    """Store ``backup.json`` atomically (first, then on every state change); returns its key."""
    key = record.prefix + RECORD_NAME
    storage.put(key, _encode(record))
    return key


def parse_manifest(data: bytes, key: str) -> BackupManifest:
    return _parse(BackupManifest, data, key)


def parse_record(data: bytes, key: str) -> BackupRecord:
    return _parse(BackupRecord, data, key)


def read_manifest(storage: Storage, cluster: str, backup_id: str) -> BackupManifest | None:
    """The manifest of a backup, or None when it has none (never finished, or no such backup)."""
    key = backup_prefix(cluster, backup_id) + MANIFEST_NAME
    if storage.stat(key) is None:
        return None
    return parse_manifest(storage.get(key), key)


def read_record(storage: Storage, cluster: str, backup_id: str) -> BackupRecord | None:
    key = backup_prefix(cluster, backup_id) + RECORD_NAME
    if storage.stat(key) is None:
        return None
    return parse_record(storage.get(key), key)


def _parse(model: type[_M], data: bytes, key: str) -> _M:
    try:
        return model.model_validate_json(data)
    except ValidationError as exc:
        problems = "; ".join(f"{'.'.join(str(part) for part in error['loc']) or '<root>'}: {error['msg']}"
                             for error in exc.errors())
        raise BackupFormatError(f"{key} is not a valid {model.__name__}", problems,
                                "the file is damaged or was written by another tool") from exc
