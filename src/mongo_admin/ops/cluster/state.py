"""Where a cluster's files live, and its record (``cluster.json``): what it is, where everything is, how its last
deploy went.

Layout under ``<home>/clusters/<name>/``: ``cluster.json`` (the record), ``spec.yaml`` (the spec last
deployed), ``secrets/`` (``keyfile``, ``admin.json``: 0600, never printed), ``tls/`` (CA and node
certificates), ``nodes/<node id>/`` (dbPath ``db/``, ``<node>.log``, ``<node>.pid``; ``storage.data_root`` and
``logs.directory`` move the data and the logs), ``logs/`` (one deploy log per run). ``<home>/clusters/.<name>.lock``
serialises every action on the cluster. The record is written before anything is launched and after every step,
so an interrupted deploy leaves a cluster that ``status``, ``deploy`` and ``destroy`` can find.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from mongo_admin.errors import ClusterStateError
from mongo_admin.home import platform_home
from mongo_admin.ops.cluster.layout import Layout, Node
from mongo_admin.ops.records import read_json, write_json_atomic
from mongo_admin.spec.model import CLUSTER_NAME, BackupSpec, ClusterSpec

DeployState = Literal["deploying", "running", "failed", "stopped"]


class BinariesRecord(BaseModel):
    model_config = ConfigDict(frozen=True)

    source: str
    mongod: str
    mongos: str | None
    version: str
    simulator: bool

    @property
    def server_label(self) -> str:
        return "sandbox (mongosim)" if self.simulator else "MongoDB"


class ServerOptions(BaseModel):
    """Settings every node of a cluster shares (kept in the record: a restart uses the deployed settings)."""

    model_config = ConfigDict(frozen=True)

    keyfile: Path | None = None
    tls_mode: str | None = None
    ca_file: Path | None = None
    cache_size_gb: float | None = None
    oplog_size_mb: int | None = None


class DeployRun(BaseModel):
    started_at: dt.datetime
    finished_at: dt.datetime | None = None
    log: str
    outcome: Literal["running", "succeeded", "failed"] = "running"
    failed_step: str | None = None
    error: str | None = None


class ClusterRecord(BaseModel):
    name: str
    state: DeployState
    provider: str = "local"
    created_at: dt.datetime
    binaries: BinariesRecord
    layout: Layout
    auth: bool
    keyfile: bool
    tls: bool
    admin_user: str | None = None
    server_options: ServerOptions = Field(default_factory=ServerOptions)
    data_root: str | None = None
    log_root: str | None = None
    backup: BackupSpec = Field(default_factory=BackupSpec)
    runs: list[DeployRun] = Field(default_factory=list)

    @property
    def last_run(self) -> DeployRun | None:
        return self.runs[-1] if self.runs else None


class ClusterPaths:
    """Every file of cluster ``name``; ``spec`` (when known) moves data and logs where it says."""

    def __init__(self, name: str, home: Path | None = None, *, data_root: Path | None = None,
                 log_root: Path | None = None, provider: str = "local") -> None:
        check_cluster_name(name)
        self.provider_kind = provider
        base = (home or platform_home()) / "clusters"
        self.name = name
        self.root = base / name
        self.lock = base / f".{name}.lock"
        self._data_root = data_root
        self._log_root = log_root

    @classmethod
    def for_spec(cls, spec: ClusterSpec, home: Path | None = None) -> ClusterPaths:
        """The paths of the cluster ``spec`` describes: ``storage.data_root`` and ``logs.directory`` hold one
        directory per cluster."""
        data = spec.storage.data_root.expanduser().absolute() / spec.name if spec.storage.data_root else None
        logs = spec.logs.directory.expanduser().absolute() / spec.name if spec.logs.directory else None
        return cls(spec.name, home, data_root=data, log_root=logs, provider=spec.provider.kind)

    @classmethod
    def for_record(cls, record: ClusterRecord, home: Path | None = None) -> ClusterPaths:
        return cls(record.name, home, data_root=Path(record.data_root) if record.data_root else None,
                   log_root=Path(record.log_root) if record.log_root else None, provider=record.provider)

    @property
    def data_root(self) -> Path | None:
        return self._data_root

    @property
    def log_root(self) -> Path | None:
        return self._log_root

    @property
    def record(self) -> Path:
        return self.root / "cluster.json"

    @property
    def spec(self) -> Path:
        return self.root / "spec.yaml"

    @property
    def secrets(self) -> Path:
        return self.root / "secrets"

    @property
    def keyfile(self) -> Path:
        return self.secrets / "keyfile"

    @property
    def admin_credentials(self) -> Path:
        return self.secrets / "admin.json"

    @property
    def tls(self) -> Path:
        return self.root / "tls"

    @property
    def ca_file(self) -> Path:
        return self.tls / "ca.pem"

    @property
    def ca_key(self) -> Path:
        return self.secrets / "ca.pem"

    def node_certificate(self, node: Node) -> Path:
        return self.tls / f"{node.id}.pem"

    @property
    def client_certificate(self) -> Path:
        return self.tls / "mongo-admin-client.pem"

    @property
    def logs(self) -> Path:
        return self._log_root or self.root / "logs"

    def node_dir(self, node: Node) -> Path:
        return self.root / "nodes" / node.id

    def dbpath(self, node: Node) -> Path | None:
        if node.role == "mongos":
            return None
        return (self._data_root / node.id if self._data_root else self.node_dir(node)) / "db"

    def logpath(self, node: Node) -> Path:
        return (self._log_root / f"{node.id}.log") if self._log_root else self.node_dir(node) / f"{node.id}.log"

    def pidfile(self, node: Node) -> Path:
        return self.node_dir(node) / f"{node.id}.pid"


def check_cluster_name(name: str) -> str:
    import re

    if not re.fullmatch(CLUSTER_NAME, name):
        raise ClusterStateError(f"invalid cluster name {name!r}", "a name is 1-63 letters, digits, '-' or '_', "
                                "starting with a letter or digit", "choose another name in the spec")
    return name


def read_record(paths: ClusterPaths) -> ClusterRecord | None:
    data = read_json(paths.record)
    return ClusterRecord.model_validate(data) if data is not None else None


CLUSTER_ENV = "MONGO_ADMIN_CLUSTER"


def default_cluster_file(home: Path | None = None) -> Path:
    return (home or platform_home()) / "clusters" / "default"


def select_cluster(name: str | None, home: Path | None = None) -> str:
    """The cluster a command acts on: ``--cluster`` (or $MONGO_ADMIN_CLUSTER), else the default set with
    ``cluster use``, else the only cluster there is."""
    if name:
        return check_cluster_name(name)
    marker = default_cluster_file(home)
    if marker.is_file() and (chosen := marker.read_text().strip()):
        return check_cluster_name(chosen)
    names = cluster_names(home)
    if len(names) == 1:
        return names[0]
    if not names:
        raise ClusterStateError("no cluster is deployed on this machine", "there is nothing to act on",
                                "deploy one with: mongo-admin cluster deploy -f spec.yaml")
    raise ClusterStateError("which cluster?", f"there are {len(names)}: {', '.join(names)}",
                            f"pass --cluster NAME, set ${CLUSTER_ENV}, or choose a default with: mongo-admin "
                            "cluster use NAME")


def use_cluster(name: str, home: Path | None = None) -> Path:
    """Make ``name`` the default cluster of later commands."""
    load_record(ClusterPaths(name, home))
    marker = default_cluster_file(home)
    marker.parent.mkdir(parents=True, exist_ok=True)
    marker.write_text(name + "\n")
    return marker


def open_cluster(name: str, home: Path | None = None) -> tuple[ClusterPaths, ClusterRecord]:
    """The paths and record of a deployed cluster; ClusterStateError when there is none."""
    record = load_record(ClusterPaths(name, home))
    return ClusterPaths.for_record(record, home), record


def load_record(paths: ClusterPaths) -> ClusterRecord:
    record = read_record(paths)
    if record is None:
        raise ClusterStateError(f"no cluster named {paths.name!r}", f"{paths.record} does not exist",
                                "list clusters with: mongo-admin cluster list")
    return record


def write_record(paths: ClusterPaths, record: ClusterRecord) -> None:
    write_json_atomic(paths.record, record.model_dump(mode="json"))


def cluster_names(home: Path | None = None) -> list[str]:
    base = (home or platform_home()) / "clusters"
    if not base.is_dir():
        return []
    return sorted(entry.name for entry in base.iterdir() if (entry / "cluster.json").is_file())
