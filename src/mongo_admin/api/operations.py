"""What the operations routers (backups, restores, schedules, metrics) share: the cluster a path names, the
202 answer of a request that became a job, and the status their domain errors map to."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status
from sqlalchemy import select

from mongo_admin.api.deps import SessionDep, SettingsDep
from mongo_admin.api.errors import ERROR_STATUS
from mongo_admin.api.ops_schemas import JobAccepted
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.jobs.runner import JobInfo, JobNotFoundError, LockConflict
from mongo_admin.jobs.scheduler import ScheduleNotFoundError, Scheduler
from mongo_admin.ops.backup.catalog import BackupNotFoundError
from mongo_admin.ops.restore.preflight import RestoreRefusedError

CLUSTER_NOT_FOUND = "cluster not found"
NOT_DEPLOYED = "cluster {name} was registered by connection string: this needs a cluster deployed on this machine"
NO_SCHEDULER = "the scheduler is not available"

for _error, _status in ((LockConflict, status.HTTP_409_CONFLICT), (BackupNotFoundError, status.HTTP_404_NOT_FOUND),
                        (ScheduleNotFoundError, status.HTTP_404_NOT_FOUND),
                        (JobNotFoundError, status.HTTP_404_NOT_FOUND),
                        (RestoreRefusedError, status.HTTP_409_CONFLICT)):
    ERROR_STATUS.setdefault(_error, _status)


@dataclass(frozen=True)
class ClusterRef:
    """A cluster the platform knows, as a path names it; ``home`` is where deployed clusters live."""

    name: str
    source: str
    home: Path


def find_cluster(name: str, session: SessionDep, settings: SettingsDep) -> ClusterRef:
    row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, CLUSTER_NOT_FOUND)
    return ClusterRef(row.name, row.source, settings.home)


def registered_cluster(request: Request, cluster: Annotated[ClusterRef, Depends(find_cluster)]) -> ClusterRef:
    request.state.audit_target = f"clusters/{cluster.name}"
    return cluster


def deployed_cluster(cluster: Annotated[ClusterRef, Depends(registered_cluster)]) -> ClusterRef:
    if cluster.source != "deployed":
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_DEPLOYED.format(name=cluster.name))
    return cluster


def get_scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler | None = getattr(request.app.state, "scheduler", None)
    if scheduler is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, NO_SCHEDULER)
    return scheduler


RegisteredClusterDep = Annotated[ClusterRef, Depends(registered_cluster)]
DeployedClusterDep = Annotated[ClusterRef, Depends(deployed_cluster)]
SchedulerDep = Annotated[Scheduler, Depends(get_scheduler)]


def accepted(job: JobInfo, response: Response) -> JobAccepted:
    """The 202 answer to a request that became a job: its id, and where to follow it."""
    url = f"/api/v1/jobs/{job.id}"
    response.headers["Location"] = url
    return JobAccepted(job_id=job.id, kind=job.kind, cluster=job.cluster, state=job.state, url=url)
