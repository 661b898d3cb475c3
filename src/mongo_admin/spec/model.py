"""The cluster spec's typed model: what a sharded cluster should look like, as written in its YAML file.

Field shapes and ranges are checked here, field by field; rules that tie fields together (port collisions,
electable members, arbiters) are in ``checks``. Everything has a default, so the smallest valid spec is a name.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

# A replica set or shard name MongoDB accepts in a connection string and as a shard id.
SET_NAME = r"^[A-Za-z0-9_][A-Za-z0-9_.-]{0,63}$"
CLUSTER_NAME = r"^[A-Za-z0-9][A-Za-z0-9_-]{0,62}$"
Port = Annotated[int, Field(ge=1024, le=65535)]


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class MemberSpec(_Model):
    """One replica set member. ``priority`` defaults to 1 for an electable member and to 0 for a hidden member,
    an arbiter or a non-voting member, as MongoDB requires for those."""

    host: str = "localhost"
    port: Port | None = None
    priority: Annotated[float, Field(ge=0, le=1000)] | None = None
    votes: Literal[0, 1] = 1
    hidden: bool = False
    arbiter: bool = False

    @property
    def effective_priority(self) -> float:
        if self.priority is not None:
            return self.priority
        return 0.0 if self.hidden or self.arbiter or self.votes == 0 else 1.0

    @property
    def electable(self) -> bool:
        return self.effective_priority > 0 and self.votes == 1 and not self.hidden and not self.arbiter


def _members(value: object) -> object:
    """``members: 3`` is shorthand for three default members."""
    if isinstance(value, int) and not isinstance(value, bool):
        if value < 1:
            raise ValueError("a replica set needs at least 1 member")
        return [{} for _ in range(value)]
    return value


class ReplicaSetSpec(_Model):
    name: Annotated[str, Field(pattern=SET_NAME)] | None = None
    members: Annotated[list[MemberSpec], Field(min_length=1, max_length=50)] = Field(
        default_factory=lambda: [MemberSpec() for _ in range(3)])

    _count = field_validator("members", mode="before")(_members)


class RouterSpec(_Model):
    host: str = "localhost"
    port: Port | None = None


class TopologySpec(_Model):
    config_servers: ReplicaSetSpec = Field(default_factory=lambda: ReplicaSetSpec(name="cfg"))
    shards: Annotated[list[ReplicaSetSpec], Field(min_length=1)] = Field(
        default_factory=lambda: [ReplicaSetSpec(), ReplicaSetSpec()])
    routers: Annotated[list[RouterSpec], Field(min_length=1)] = Field(
        default_factory=lambda: [RouterSpec(), RouterSpec()])

    @field_validator("shards", mode="before")
    @classmethod
    def _shard_count(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise ValueError("a sharded cluster needs at least 1 shard")
            return [{} for _ in range(value)]
        return value

    @field_validator("routers", mode="before")
    @classmethod
    def _router_count(cls, value: object) -> object:
        if isinstance(value, int) and not isinstance(value, bool):
            if value < 1:
                raise ValueError("a sharded cluster needs at least 1 router")
            return [{} for _ in range(value)]
        return value

    def config_set_name(self) -> str:
        return self.config_servers.name or "cfg"

    def shard_names(self) -> list[str]:
        return [shard.name or f"shard{index}" for index, shard in enumerate(self.shards)]


class BinariesSpec(_Model):
    """Which mongod/mongos to run: a directory holding them, or (when omitted) the usual search — the
    ``MONGO_ADMIN_BINARY_DIR`` variable, an installed version matching ``version``, ``PATH``, the newest installed
    version, then the sandbox simulator. ``version``, when given, must match what the binaries report (``8.0``
    matches any 8.0.x)."""

    directory: Path | None = None
    version: Annotated[str, Field(pattern=r"^\d+\.\d+(\.\d+)?$")] | None = None


class TLSSpec(_Model):
    enabled: bool = False
    mode: Literal["requireTLS", "preferTLS", "allowTLS"] = "requireTLS"
    ca_days: Annotated[int, Field(ge=1, le=36500)] = 3650
    certificate_days: Annotated[int, Field(ge=1, le=3650)] = 825


class SecuritySpec(_Model):
    """Secure by default: access control on, a generated keyfile for members and routers, a generated
    administrator whose password is stored with 0600 permissions in the cluster's state directory."""

    auth: bool = True
    keyfile: bool = True
    admin_user: Annotated[str, Field(min_length=1, max_length=128, pattern=r"^[^\s@]+$")] = "admin"
    tls: TLSSpec = Field(default_factory=TLSSpec)


class StorageSpec(_Model):
    data_root: Path | None = None
    cache_size_gb: Annotated[float, Field(ge=0.25, le=10000)] | None = None
    oplog_size_mb: Annotated[int, Field(ge=1, le=1024 * 1024)] | None = None


class PortsSpec(_Model):
    """Ports left out of the topology are taken, in order, from ``base`` upwards, skipping busy ones."""

    base: Port = 27017


class LogsSpec(_Model):
    directory: Path | None = None


class PitrSpec(_Model):
    """Continuous oplog slicing for point-in-time recovery."""

    enabled: bool = False
    slice_seconds: Annotated[int, Field(ge=5, le=3600)] = 60


class RetentionSpec(_Model):
    """Which backups ``backup prune`` keeps (every rule keeps; what no rule keeps is deleted); see
    ``mongo_admin.ops.backup.retention``."""

    keep_last: Annotated[int, Field(ge=0)] = 7
    keep_daily: Annotated[int, Field(ge=0)] = 7
    keep_weekly: Annotated[int, Field(ge=0)] = 4
    keep_monthly: Annotated[int, Field(ge=0)] = 6
    keep_within_days: Annotated[float, Field(ge=0)] = 0
    pitr_window_hours: Annotated[float, Field(ge=0)] = 0
    keep_failed_days: Annotated[float, Field(ge=0)] = 7


class BackupSpec(_Model):
    """Where and how backups are stored. ``storage`` is a URL: ``file:///var/backups/mongo``, a plain path,
    ``gs://bucket/prefix`` or ``s3://bucket/prefix``; left out, backups go under the cluster's state directory."""

    storage: str | None = None
    compression: Literal["gzip", "zstd", "none"] = "gzip"
    encryption_key_file: Path | None = None
    parallel_collections: Annotated[int, Field(ge=1, le=64)] = 2
    rate_limit_mb_s: Annotated[float, Field(gt=0)] | None = None
    pitr: PitrSpec = Field(default_factory=PitrSpec)
    retention: RetentionSpec = Field(default_factory=RetentionSpec)


class ProviderSpec(_Model):
    kind: Literal["local"] = "local"


class ClusterSpec(_Model):
    name: Annotated[str, Field(pattern=CLUSTER_NAME)]
    binaries: BinariesSpec = Field(default_factory=BinariesSpec)
    provider: ProviderSpec = Field(default_factory=ProviderSpec)
    topology: TopologySpec = Field(default_factory=TopologySpec)
    ports: PortsSpec = Field(default_factory=PortsSpec)
    security: SecuritySpec = Field(default_factory=SecuritySpec)
    storage: StorageSpec = Field(default_factory=StorageSpec)
    logs: LogsSpec = Field(default_factory=LogsSpec)
    backup: BackupSpec = Field(default_factory=BackupSpec)
