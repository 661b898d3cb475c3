"""Request and response bodies of clusters, deployments and jobs, in ``XCreate / XPublic`` families. Cluster
credentials go in, never out: ``ClusterPublic`` says whether there are some, nothing more."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator
from pydantic.config import JsonDict

from mongo_admin.api.json_types import JsonBool
from mongo_admin.spec.model import CLUSTER_NAME

# A registered cluster's name; a cluster deployed on this machine has the stricter name of its spec (no dots).
REGISTERED_NAME = r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$"
ClusterName = Annotated[str, StringConstraints(pattern=REGISTERED_NAME)]
DeployedName = Annotated[str, StringConstraints(pattern=CLUSTER_NAME)]
# mongodb://host[:port][,host...][/db][?options] — a user:password@ part is refused (credentials go apart).
_URI = re.compile(r"^mongodb(\+srv)?://(?P<hosts>[^/?]*)")
_NULL: JsonDict = {"type": "null"}
# What ClusterCreate._one_source checks, as JSON Schema, so that the document states it (the check itself says
# what is wrong more clearly than a failed schema would).
_ONE_SOURCE: JsonDict = {"oneOf": [
    {"title": "by connection string", "required": ["name", "connection_string"],
     "properties": {"name": {"type": "string"}, "deployed": _NULL,
                    "connection_string": {"type": "string", "pattern": r"^mongodb(\+srv)?://[^/?@]+([/?]|$)"}},
     "anyOf": [{"required": ["username", "password"],
                "properties": {"username": {"type": "string"}, "password": {"type": "string"}}},
               {"properties": {"username": _NULL, "password": _NULL}}]},
    {"title": "deployed on this machine", "required": ["deployed"],
     "properties": {"deployed": {"type": "string"}, "connection_string": _NULL, "username": _NULL,
                    "password": _NULL}},
]}


class ClusterCreate(BaseModel):
    """Register a cluster: by connection string (and credentials), or one deployed on this machine by
    ``mongo-admin cluster deploy`` (``{"deployed": "NAME"}``)."""

    model_config = ConfigDict(extra="forbid", json_schema_extra=_ONE_SOURCE)

    name: ClusterName | None = Field(default=None, description="Required with connection_string; a deployed "
                                                               "cluster keeps its own name.")
    connection_string: str | None = Field(default=None, max_length=2048,
                                          description="mongodb:// URI of the routers, without credentials.")
    username: str | None = Field(default=None, max_length=256)
    password: str | None = Field(default=None, max_length=1024, description="Stored encrypted; never returned.")
    auth_source: str = Field(default="admin", max_length=64)
    tls: JsonBool = False
    deployed: DeployedName | None = Field(default=None, description="Name of a cluster deployed on this machine.")

    @model_validator(mode="after")
    def _one_source(self) -> ClusterCreate:
        if (self.connection_string is None) == (self.deployed is None):
            raise ValueError("give either connection_string or deployed")
        if self.deployed is not None:
            if self.username is not None or self.password is not None:
                raise ValueError("a deployed cluster's credentials stay in its state directory; omit them")
            return self
        if self.name is None:
            raise ValueError("name is required with connection_string")
        match = _URI.match(self.connection_string or "")
        if match is None or not match.group("hosts"):
            raise ValueError("connection_string must be a mongodb:// or mongodb+srv:// URI with hosts")
        if "@" in match.group("hosts"):
            raise ValueError("connection_string must not carry credentials; give username and password")
        if (self.username is None) != (self.password is None):
            raise ValueError("give both username and password, or neither")
        return self


class ClusterPublic(BaseModel):
    id: int
    name: str
    source: str = Field(description="registered (by connection string) or deployed (on this machine)")
    connection_string: str
    tls: bool
    has_credentials: bool
    created_at: datetime


class ClustersPublic(BaseModel):
    data: list[ClusterPublic]
    count: int


class DeploymentCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    spec: str = Field(min_length=1, max_length=200_000, description="The cluster spec, as YAML text.")
    version: str | None = Field(default=None, max_length=32, description="Overrides the spec's binaries.version.")
    keep_on_failure: JsonBool = False


class DeploymentPublic(BaseModel):
    name: str
    state: str
    server: str
    processes: int
    running: int
    routers: str


class DeploymentsPublic(BaseModel):
    data: list[DeploymentPublic]
    count: int


class PlannedNodePublic(BaseModel):
    node: str
    role: str
    replica_set: str | None
    address: str
    dbpath: str | None
    log: str


class DeployPlanPublic(BaseModel):
    """What a deploy of the spec would do (as `cluster deploy --dry-run`): its steps and every process."""

    message: str
    cluster: str
    server: str
    steps: list[dict[str, str]]
    nodes: list[PlannedNodePublic]


class MemberStatusPublic(BaseModel):
    replica_set: str
    node: str
    address: str
    state: str = Field(description="stateStr from replSetGetStatus, or DOWN")
    health: float
    lag_s: float | None
    uptime_s: int | None
    pid: int | None
    message: str


class ReplicaSetStatusPublic(BaseModel):
    name: str
    role: str = Field(description="configsvr or shardsvr")
    primary: str | None
    members_healthy: int
    members: int


class RouterStatusPublic(BaseModel):
    node: str
    address: str
    state: str = Field(description="UP or DOWN")
    pid: int | None
    uptime_s: int | None


class BalancerStatusPublic(BaseModel):
    """balancerStatus as a router answered it (the server's field names)."""

    mode: str | None = Field(description="full or off")
    inBalancerRound: bool | None
    numBalancerRounds: int | None


class ClusterStatusPublic(BaseModel):
    """A deployed cluster's live status, as `cluster status` shows it."""

    message: str
    cluster: str
    server: str = Field(description="MongoDB, or sandbox (mongosim): says plainly when it is the simulator")
    version: str = Field(description="Version of the deployed binaries (the MongoDB version mongosim stands for).")
    simulator: bool = Field(description="true: the cluster runs the mongosim simulator, not MongoDB")
    health: str = Field(description="healthy, degraded or down")
    deployed_state: str
    balancer: BalancerStatusPublic | None = Field(description="null when no router answered balancerStatus")
    replica_sets: list[ReplicaSetStatusPublic]
    members: list[MemberStatusPublic]
    routers: list[RouterStatusPublic]


class HealthCheckPublic(BaseModel):
    check: str
    target: str
    level: str = Field(description="OK, WARNING or CRITICAL")
    detail: str


class HealthReportPublic(BaseModel):
    """The checks of `health-check`; ``exit_code`` is the monitoring-plugin code (0 OK, 1 WARNING, 2 CRITICAL)."""

    message: str
    cluster: str
    server: str
    level: str
    exit_code: int
    checks: list[HealthCheckPublic]


class DeployedTopologyPublic(ClusterStatusPublic):
    """The topology of a cluster deployed on this machine: `cluster status`."""

    source: Literal["deployed"]


class RemoteMemberPublic(BaseModel):
    name: str = Field(description="host:port, as the replica set's configuration names it")
    state: str = Field(description="stateStr from replSetGetStatus; UNKNOWN when no member of the set answered")
    health: float
    member_id: int | None
    lag_s: float | None = Field(description="Seconds behind the primary (null for the primary, or unknown).")
    uptime_s: int | None
    message: str


class RemoteShardPublic(BaseModel):
    """A shard, or the config server replica set, with its members as the member that answered sees them."""

    id: str
    host: str = Field(description="set/host:port,... as listShards (or getShardMap) gives it")
    state: int | None
    draining: bool
    members: list[RemoteMemberPublic]
    error: str | None = Field(description="Why no member answered (the members are then the last seen, UNKNOWN).")


class RemoteRouterPublic(BaseModel):
    address: str
    state: str = Field(description="UP or DOWN")
    error: str | None


class RegisteredTopologyPublic(BaseModel):
    """The topology of a cluster registered by connection string, as its servers describe themselves."""

    source: Literal["registered"]
    message: str
    kind: str = Field(description="sharded (through a router), replica set, or standalone")
    health: str = Field(description="healthy, degraded or down")
    version: str | None = Field(description="buildInfo version; null when buildInfo could not be read")
    server: str | None = Field(description="MongoDB, or sandbox (mongosim X); null when buildInfo could not be read")
    simulator: bool | None = Field(description="true: buildInfo names mongosim; null when it could not be read")
    set_name: str | None = Field(description="The replica set's name (kind replica set)")
    shards: list[RemoteShardPublic]
    members: list[RemoteMemberPublic] = Field(description="A replica set's members, or the standalone server")
    config_servers: RemoteShardPublic | None
    routers: list[RemoteRouterPublic]


Topology = Annotated[DeployedTopologyPublic | RegisteredTopologyPublic, Field(discriminator="source")]


class ClusterDetailPublic(ClusterPublic):
    status: str = Field(description="healthy, degraded, down, or unreachable (no answer at all)")
    topology: Topology | None = Field(
        description="Deployed (source deployed): replica sets, members, routers and balancer (as `cluster status`). "
                    "Registered (source registered): read through the connection string: listShards and every "
                    "shard's members (replSetGetStatus), the config servers and routers; or a replica set's members. "
                    "null when the cluster could not be read.")
    health: HealthReportPublic | None = Field(description="Deployed clusters: the checks of `health-check`.")
    error: str | None = Field(default=None, description="Why the cluster could not be read, when it could not.")
    observed_at: datetime | None = Field(
        default=None, description="When topology and health were read (null: no reading finished in time).")
    age_s: float | None = Field(default=None, description="Seconds between observed_at and this answer.")
    stale: bool = Field(
        default=False, description="true: served from the snapshot the cluster's poller keeps (refreshed every "
                                   "round); false: read for this request (refresh=true, or no recent snapshot).")


class JobPublic(BaseModel):
    id: str
    kind: str
    cluster: str
    operation_class: str | None
    state: str
    progress: float
    step: str | None
    params: dict[str, Any]
    result: Any = None
    error: str | None
    failed_step: str | None
    cancel_requested: bool
    requested_by: str | None
    schedule_id: str | None
    reference: str | None
    created_at: datetime
    started_at: datetime | None
    finished_at: datetime | None


class JobLogLine(BaseModel):
    id: int
    at: datetime
    line: str


class JobDetailPublic(JobPublic):
    logs: list[JobLogLine]


class JobsPublic(BaseModel):
    data: list[JobPublic]
    count: int = Field(description="How many jobs match the filters (data holds at most limit of them).")


class ShardDistributionPublic(BaseModel):
    name: str
    documents: int = Field(description="Documents the shard stores in the users' databases (orphans included).")
    orphaned_documents: int = Field(description="Documents of chunks the shard gave away, not yet deleted.")
    data_size_bytes: int = Field(description="dbStats dataSize summed over the users' databases.")
    storage_size_bytes: int | None = Field(description="dbStats storageSize summed likewise; null when unknown.")
    chunks: int = Field(description="Chunks of every sharded collection on this shard.")


class CollectionDistributionPublic(BaseModel):
    namespace: str
    shard_key: dict[str, Any] = Field(description="As config.collections has it, e.g. {\"uid\": 1} or "
                                                  "{\"region\": 1, \"_id\": \"hashed\"}.")
    chunks: int
    documents: int = Field(description="Documents the shards own (orphans apart).")
    orphaned_documents: int
    size_bytes: int = Field(description="Size of the documents the shards own.")


class CollectionOnShardPublic(BaseModel):
    """One sharded collection on one shard ($shardedDataDistribution and config.chunks)."""

    namespace: str
    shard: str
    chunks: int
    documents: int
    orphaned_documents: int
    size_bytes: int


class DistributionTotalsPublic(BaseModel):
    shards: int
    sharded_collections: int
    chunks: int
    documents: int
    orphaned_documents: int
    data_size_bytes: int
    storage_size_bytes: int | None


class BalancerStatePublic(BaseModel):
    mode: str = Field(description="balancerStatus mode: full or off")
    enabled: bool
    running: bool = Field(description="A balancing round is under way (inBalancerRound).")
    rounds: int | None = Field(description="numBalancerRounds")


class DataDistributionPublic(BaseModel):
    """Where a sharded cluster's data lives, as `cluster distribution` shows it."""

    message: str
    cluster: str
    server: str = Field(description="MongoDB, or sandbox (mongosim X)")
    shards: list[ShardDistributionPublic]
    collections: list[CollectionDistributionPublic]
    collection_shards: list[CollectionOnShardPublic]
    totals: DistributionTotalsPublic
    balancer: BalancerStatePublic | None = Field(description="null when the user may not read balancerStatus.")
