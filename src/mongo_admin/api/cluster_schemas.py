"""Request and response bodies of clusters, deployments and jobs, in ``XCreate / XPublic`` families. Cluster
credentials go in, never out: ``ClusterPublic`` says whether there are some, nothing more."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Annotated, Any

from pydantic import BaseModel, Field, StringConstraints, model_validator

ClusterName = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")]
# mongodb://host[:port][,host...][/db][?options] — a user:password@ part is refused (credentials go apart).
_URI = re.compile(r"^mongodb(\+srv)?://(?P<hosts>[^/?]*)")


class ClusterCreate(BaseModel):
    """Register a cluster: by connection string (and credentials), or one deployed on this machine by
    ``mongo-admin cluster deploy`` (``{"deployed": "NAME"}``)."""

    name: ClusterName | None = Field(default=None, description="Required with connection_string; a deployed "
                                                               "cluster keeps its own name.")
    connection_string: str | None = Field(default=None, max_length=2048,
                                          description="mongodb:// URI of the routers, without credentials.")
    username: str | None = Field(default=None, max_length=256)
    password: str | None = Field(default=None, max_length=1024, description="Stored encrypted; never returned.")
    auth_source: str = Field(default="admin", max_length=64)
    tls: bool = False
    deployed: ClusterName | None = Field(default=None, description="Name of a cluster deployed on this machine.")

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


class ClusterDetailPublic(ClusterPublic):
    status: str = Field(description="healthy, degraded, down, or unreachable (no answer at all)")
    topology: dict[str, Any] | None = Field(
        description="Deployed: replica sets, members, routers and balancer (as `cluster status`). Registered: "
                    "hello, and replSetGetStatus or listShards, read through the connection string.")
    health: dict[str, Any] | None = Field(description="Deployed clusters: the checks of `health-check`.")
    error: str | None = Field(default=None, description="Why the cluster could not be read, when it could not.")


class DeploymentCreate(BaseModel):
    spec: str = Field(min_length=1, max_length=200_000, description="The cluster spec, as YAML text.")
    version: str | None = Field(default=None, max_length=32, description="Overrides the spec's binaries.version.")
    keep_on_failure: bool = False


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
