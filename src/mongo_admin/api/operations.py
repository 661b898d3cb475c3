"""What the operations routers (backups, restores, schedules, metrics) share: the cluster a path names, the
scheduler, and the 202 answer of a request that became a job. The statuses of their domain errors are in
api.errors.ERROR_STATUS."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Annotated

from fastapi import Depends, HTTPException, Request, Response, status
from fastapi import Path as PathParameter
from sqlalchemy import select

from mongo_admin.api.cluster_schemas import REGISTERED_NAME
from mongo_admin.api.deps import SessionDep, SettingsDep, app_service, end_read
from mongo_admin.api.ops_schemas import JobAccepted
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.jobs.runner import JobInfo
from mongo_admin.jobs.scheduler import Scheduler

CLUSTER_NOT_FOUND = "cluster not found"
NOT_DEPLOYED = "cluster {name} was registered by connection string: this needs a cluster deployed on this machine"
NO_SCHEDULER = "the scheduler is not available"
# The 409 of a request that needs the cluster's backup and restore lock.
BACKUP_RESTORE_CONFLICT = ("Another backup or restore runs on the cluster (detail names it), or the cluster is not "
                           "one deployed on this machine.")


@dataclass(frozen=True)
class ClusterRef:
    """A cluster the platform knows, as a path names it; ``home`` is where deployed clusters live."""

    name: str
    source: str
    home: Path


def find_cluster(name: Annotated[str, PathParameter(pattern=REGISTERED_NAME)], session: SessionDep,
                 settings: SettingsDep) -> ClusterRef:
    row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name))
    if row is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, CLUSTER_NOT_FOUND)
    return ClusterRef(row.name, row.source, settings.home)


def registered_cluster(request: Request, name: Annotated[str, PathParameter(pattern=REGISTERED_NAME)],
                       session: SessionDep, settings: SettingsDep) -> ClusterRef:
    cluster = find_cluster(name, session, settings)
    end_read(session)
    request.state.audit_target = f"clusters/{cluster.name}"
    return cluster


async def deployed_cluster(cluster: Annotated[ClusterRef, Depends(registered_cluster)]) -> ClusterRef:
    if cluster.source != "deployed":
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_DEPLOYED.format(name=cluster.name))
    return cluster


async def get_scheduler(request: Request) -> Scheduler:
    scheduler: Scheduler = app_service(request, "scheduler", NO_SCHEDULER)
    return scheduler


RegisteredClusterDep = Annotated[ClusterRef, Depends(registered_cluster)]
DeployedClusterDep = Annotated[ClusterRef, Depends(deployed_cluster)]
SchedulerDep = Annotated[Scheduler, Depends(get_scheduler)]


def accepted(job: JobInfo, response: Response) -> JobAccepted:
    """The 202 answer to a request that became a job: its id, and where to follow it."""
    url = f"/api/v1/jobs/{job.id}"
    response.headers["Location"] = url
    return JobAccepted(job_id=job.id, kind=job.kind, cluster=job.cluster, state=job.state, url=url)
