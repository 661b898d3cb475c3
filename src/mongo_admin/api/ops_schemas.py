"""Request and response bodies of the operations routers (backups, restores, schedules, metrics), in
``XCreate / XUpdate / XPublic`` families. Responses are the operations' own results, serialised."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from mongo_admin.api.cluster_schemas import ClusterName
from mongo_admin.api.json_types import NUMBER_ONLY, JsonBool

Namespace = Annotated[str, StringConstraints(min_length=3, max_length=255, pattern=r"^[^.$\s]+\.[^$\s]+$")]
ShardName = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_.-]+$")]
BackupId = Annotated[str, StringConstraints(min_length=1, max_length=128, pattern=r"^[A-Za-z0-9_.:-]+$")]
_NULL: JsonDict = {"type": "null"}


def _require_shard_for_shard_backups(backup_type: str | None, shard: str | None) -> None:
    if (backup_type == "shard") != (shard is not None):
        raise ValueError("shard is required for a shard backup and only for one")


# The same rule as JSON Schema, so that the document states it.
_SHARD_FOR_SHARD_BACKUPS: JsonDict = {"oneOf": [
    {"required": ["type", "shard"], "properties": {"type": {"const": "shard"}, "shard": {"type": "string"}}},
    {"properties": {"type": {"not": {"const": "shard"}}, "shard": _NULL}},
]}


class _FromResult(BaseModel):
    model_config = ConfigDict(from_attributes=True)


class JobAccepted(BaseModel):
    job_id: str
    kind: str
    cluster: str
    state: str
    url: str = Field(description="Where to follow the job (GET; its events at .../events).")


# --- backups --------------------------------------------------------------------------------------------------

class BackupCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_SHARD_FOR_SHARD_BACKUPS)

    type: Literal["full", "config", "shard"] = "full"
    shard: ShardName | None = Field(default=None, description="The shard of a shard backup.")
    compression: Literal["gzip", "zstd", "none"] | None = None
    parallel: Annotated[int, Field(ge=1, le=64), NUMBER_ONLY] | None = Field(
        default=None, description="Collections dumped at once per replica set.")
    rate_limit_mb_s: Annotated[float, Field(ge=0.01), NUMBER_ONLY] | None = Field(
        default=None, description="Read at most this many megabytes of documents per second.")

    @model_validator(mode="after")
    def _shard_for_shard_backups(self) -> BackupCreate:
        _require_shard_for_shard_backups(self.type, self.shard)
        return self


class BackupEntryPublic(_FromResult):
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


class WindowPublic(_FromResult):
    start: str
    end: str
    base_backup: str


class BackupsPublic(_FromResult):
    message: str
    cluster: str
    storage: str
    restorable: list[WindowPublic] = Field(description="Times the cluster can be restored to, oldest first.")
    backups: list[BackupEntryPublic]
    count: int


class BackupDetailsPublic(_FromResult):
    message: str
    backup: BackupEntryPublic
    record: dict[str, Any] | None
    manifest: dict[str, Any] | None


class VerifyPublic(_FromResult):
    message: str
    backup_id: str
    ok: bool
    files: int
    stored_bytes: int
    documents: int
    contents_checked: bool
    problems: list[str]


class BackupStatusPublic(_FromResult):
    message: str
    cluster: str
    storage: str
    running: str | None = Field(description="The backup or restore holding the cluster's lock, if any.")
    heartbeat_age_s: float | None
    recovered: str | None = Field(description="What was repaired after a run that died, if anything.")
    balancer: str
    last_backup: BackupEntryPublic | None


class RunbookBlockPublic(_FromResult):
    kind: Literal["text", "commands"] = Field(description="text: a paragraph (inline `code` in backticks); "
                                              "commands: shell lines to run as written.")
    text: str


class RunbookStepPublic(_FromResult):
    title: str
    blocks: list[RunbookBlockPublic]


class RunbookPublic(_FromResult):
    message: str
    backup_id: str
    title: str
    facts: list[str] = Field(description="What the backup is: type, restore point, versions, sets, storage.")
    steps: list[RunbookStepPublic] = Field(description="The procedure, in order (numbered from 1).")
    markdown: str = Field(description="The same runbook as Markdown.")


class BackupDeleted(_FromResult):
    message: str
    backup_id: str
    objects_removed: int


class PruneEntryPublic(_FromResult):
    backup_id: str
    type: str
    state: str
    action: str = Field(description="keep, delete (dry run) or deleted")
    reasons: list[str]


class PrunePublic(_FromResult):
    message: str
    cluster: str
    dry_run: bool
    kept: int
    deleted: int
    slices_deleted: int
    backups: list[PruneEntryPublic]


class OplogTimePublic(_FromResult):
    t: int
    i: int
    time: datetime


class PitrGapPublic(_FromResult):
    set_name: str
    after: OplogTimePublic
    resumed_at: OplogTimePublic | None
    resumed_from_backup: str | None
    oldest_available: OplogTimePublic
    detected_at: datetime
    reason: str


class PitrSetPublic(_FromResult):
    set_name: str
    slices: int
    first_start: OplogTimePublic | None
    last_end: OplogTimePublic | None
    majority: OplogTimePublic | None
    lag_s: float | None
    gaps: list[PitrGapPublic]


class PitrWindowPublic(_FromResult):
    base_backup: str
    start: OplogTimePublic
    end: OplogTimePublic
    backups: list[str]


class PitrPublic(_FromResult):
    message: str
    cluster: str
    enabled: bool
    slice_seconds: float
    storage: str
    slicer: str | None
    replica_sets: list[PitrSetPublic]
    windows: list[PitrWindowPublic]
    restorable_from: OplogTimePublic | None
    restorable_to: OplogTimePublic | None
    recovery_point: OplogTimePublic | None
    open_gaps: int


# --- restores -------------------------------------------------------------------------------------------------

# What RestoreCreate._coherent checks, as JSON Schema, so that the document states it.
_COHERENT_RESTORE: JsonDict = {"allOf": [
    {"anyOf": [{"required": ["backup_id"], "properties": {"backup_id": {"type": "string"}}},
               {"required": ["point_in_time"], "properties": {"point_in_time": {"type": "string"}}}]},
    {"oneOf": [
        {"required": ["kind", "shard"],
         "properties": {"kind": {"const": "shard"}, "shard": {"type": "string"}, "namespaces": {"maxItems": 0},
                        "rename": {"maxProperties": 0}}},
        {"required": ["kind", "namespaces"],
         "properties": {"kind": {"const": "namespaces"}, "shard": _NULL, "namespaces": {"minItems": 1},
                        "from_shard": _NULL}},
        {"properties": {"kind": {"enum": ["cluster", "config"]}, "shard": _NULL, "namespaces": {"maxItems": 0},
                        "rename": {"maxProperties": 0}, "from_shard": _NULL}},
    ]},
]}


class RestoreCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra=_COHERENT_RESTORE)

    kind: Literal["cluster", "shard", "namespaces", "config"] = "cluster"
    backup_id: BackupId | None = Field(default=None, description="The backup to restore; with point_in_time "
                                       "alone, the newest full backup before that moment.")
    point_in_time: AwareDatetime | None = Field(default=None, description="Restore to this moment (ISO 8601 with "
                                                "its offset or Z; a time without one is refused).")
    source_cluster: str | None = Field(default=None, max_length=64,
                                       description="The cluster the backup belongs to (default: this one).")
    shard: ShardName | None = Field(default=None, description="The shard a shard restore replaces.")
    namespaces: list[Namespace] = Field(default_factory=list, description="db.coll or db.* (namespaces restore).")
    rename: dict[Namespace, Namespace] = Field(default_factory=dict,
                                               description="Restore a namespace under another name.")
    shard_map: dict[ShardName, ShardName] = Field(default_factory=dict,
                                                  description="Backup shard -> target shard.")
    by_position: JsonBool = Field(default=False, description="Pair the backup's shards with the target's in order.")
    from_shard: ShardName | None = Field(default=None, description="The backup's shard a shard restore reads "
                                         "(default: the shard of the same name).")

    @model_validator(mode="after")
    def _coherent(self) -> RestoreCreate:
        if self.backup_id is None and self.point_in_time is None:
            raise ValueError("give backup_id, point_in_time or both")
        if (self.kind == "shard") != (self.shard is not None):
            raise ValueError("shard is required for a shard restore and only for one")
        if (self.kind == "namespaces") != bool(self.namespaces):
            raise ValueError("namespaces are required for a namespaces restore and only for one")
        if self.rename and self.kind != "namespaces":
            raise ValueError("rename applies to a namespaces restore only")
        if self.from_shard is not None and self.kind != "shard":
            raise ValueError("from_shard applies to a shard restore only")
        return self


class RestorePublic(_FromResult):
    restore_id: str
    backup_id: str
    source_cluster: str
    cluster: str
    kind: str
    state: str
    current_step: str | None
    failed_step: str | None
    error: str | None
    shard_map: dict[str, str]
    restore_to_time: datetime | None
    progress: float
    started_at: datetime
    updated_at: datetime


class RestoresPublic(BaseModel):
    data: list[RestorePublic]
    count: int


class PreflightCheckPublic(_FromResult):
    name: str = Field(description="base backup, backup, topology, key, files, primaries, namespaces, space, "
                                  "point in time or lock.")
    ok: bool
    detail: str = Field(description="What the check found, or why it refused.")
    fix: str = Field(description="How to fix a refusal (empty when the check passed).")


class PlannedNamespacePublic(_FromResult):
    namespace: str = Field(description="As the backup holds it.")
    restored_as: str
    documents: int = Field(description="Documents in the backup (before any oplog is replayed).")


class RestorePreflightPublic(_FromResult):
    message: str
    ok: bool = Field(description="Every check passed: the restore can start now.")
    cluster: str
    source_cluster: str
    kind: str = Field(description="The restore engine's kind: full (a whole-cluster restore), shard, namespaces "
                                  "or config.")
    backup_id: str | None = Field(description="The backup restored (the base chosen for a point in time).")
    point_in_time: datetime | None
    restore_to_time: datetime | None = Field(description="The moment the cluster would be restored to.")
    shard_map: dict[str, str] = Field(description="Backup replica set -> target replica set.")
    namespaces: list[PlannedNamespacePublic] = Field(description="What would be dropped and written again.")
    documents: int
    bytes: int = Field(description="Uncompressed size of the backup's files the restore reads.")
    files_checked: int
    checks: list[PreflightCheckPublic] = Field(description="Every check that ran, in order; they stop at the "
                                                           "first refusal.")


# --- schedules ------------------------------------------------------------------------------------------------

ScheduleKind = Literal["backup", "verify", "drill", "health-check"]
MisfireGrace = Annotated[int, Field(ge=0, le=86400), NUMBER_ONLY]
ScheduleName = Annotated[str, StringConstraints(min_length=1, max_length=100, pattern=r"^[A-Za-z0-9_. :@-]+$")]


class ScheduleParams(BaseModel):
    """What the scheduled job does: a backup's ``type`` and ``shard``; the ``backup_id`` a verify or drill checks
    (default: the newest complete backup when it runs)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_SHARD_FOR_SHARD_BACKUPS)

    type: Literal["full", "config", "shard"] | None = None
    shard: ShardName | None = None
    compression: Literal["gzip", "zstd", "none"] | None = None
    backup_id: BackupId | None = None

    @model_validator(mode="after")
    def _shard_for_shard_backups(self) -> ScheduleParams:
        _require_shard_for_shard_backups(self.type, self.shard)
        return self


class ScheduleCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ScheduleName
    kind: ScheduleKind
    cluster: ClusterName
    cron: str = Field(min_length=9, max_length=200, description="Five fields: minute hour day month weekday.")
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone the cron fields are read in.")
    params: ScheduleParams = Field(default_factory=ScheduleParams)
    misfire_grace_s: MisfireGrace = 300
    paused: JsonBool = False


class ScheduleUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: ScheduleName | None = None
    cron: str | None = Field(default=None, min_length=9, max_length=200)
    timezone: str | None = Field(default=None, max_length=64)
    params: ScheduleParams | None = None
    misfire_grace_s: MisfireGrace | None = None


class SchedulePublic(_FromResult):
    id: str
    name: str
    kind: str
    cluster: str
    params: dict[str, Any]
    cron: str
    timezone: str
    misfire_grace_s: int
    paused: bool
    next_run_at: datetime | None
    next_runs: list[datetime] = Field(description="The next run times (none while paused).")
    last_run_at: datetime | None
    last_job_id: str | None
    last_outcome: str | None


class SchedulesPublic(BaseModel):
    data: list[SchedulePublic]
    count: int


class SchedulePreviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    cron: str = Field(min_length=9, max_length=200, description="Five fields: minute hour day month weekday.")
    timezone: str = Field(default="UTC", max_length=64, description="IANA time zone the cron fields are read in.")
    count: Annotated[int, Field(ge=1, le=20), NUMBER_ONLY] = Field(default=5, description="How many run times.")


class SchedulePreviewPublic(_FromResult):
    cron: str = Field(description="The expression as a schedule would keep it (fields separated by one space).")
    timezone: str
    next_runs: list[AwareDatetime] = Field(description="The next run times from now, in the time zone's local time "
                                                       "with its offset (which changes across daylight saving).")


# --- metrics --------------------------------------------------------------------------------------------------

class NodeLatest(BaseModel):
    node: str = Field(description="A node id, or a shard name for the shard.* figures.")
    up: bool | None = Field(description="Whether the node answered in the latest round (None for a shard).")
    values: dict[str, float]


class MetricsLatestPublic(BaseModel):
    cluster: str
    taken_at: datetime | None = Field(description="When the latest round was collected; None before the first.")
    age_s: float | None = Field(description="Seconds from taken_at to this answer, on the API's clock (a browser "
                                            "with a skewed clock still tells how old the round is).")
    duration_s: float | None
    gaps: int = Field(description="Nodes that could not be read in that round.")
    interval_s: float | None = Field(description="Seconds between the collection rounds this API is configured "
                                                 "for (MONGO_ADMIN_METRICS_INTERVAL_S); None when collection is "
                                                 "off.")
    nodes: list[NodeLatest]


class SeriesPointPublic(_FromResult):
    at: datetime = Field(description="Start of the step.")
    value: float | None
    gap: str | None = Field(description="Why there is no value: node down, no sample, server restarted, ...")


class SeriesPublic(_FromResult):
    cluster: str
    node: str
    metric: str
    kind: Literal["gauge", "rate"]
    step_s: float
    points: list[SeriesPointPublic]


class SeriesSetPublic(BaseModel):
    cluster: str
    start: datetime
    end: datetime
    step_s: float
    series: list[SeriesPublic] = Field(description="One per node and metric: node by node, metrics in the order "
                                                   "asked.")
