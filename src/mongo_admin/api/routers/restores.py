"""Restores of deployed clusters: every kind from a backup or to a point in time, as a job; the restore records
kept next to the backups. Viewers read; operators restore."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from mongo_admin.api.auth import OperatorUser, ViewerUser
from mongo_admin.api.deps import RunnerDep
from mongo_admin.api.operations import BACKUP_RESTORE_CONFLICT, DeployedClusterDep, accepted
from mongo_admin.api.ops_schemas import JobAccepted, RestoreCreate, RestorePublic, RestoresPublic
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.jobs import kinds
from mongo_admin.ops.restore.record import list_restores

router = APIRouter(prefix="/clusters/{name}/restores", tags=["restores"], route_class=DocumentedRoute)

# The API's restore kinds, as the job kind's ``type`` parameter names them.
RESTORE_TYPES = {"cluster": "full", "shard": "shard", "namespaces": "namespaces", "config": "config"}


@router.post("", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED, summary="Restore (a job)",
             responses=errors(404, why={409: BACKUP_RESTORE_CONFLICT}))
def create_restore(body: RestoreCreate, user: OperatorUser, cluster: DeployedClusterDep, runner: RunnerDep,
                   response: Response) -> JobAccepted:
    params: dict[str, Any] = {"type": RESTORE_TYPES[body.kind], "home": str(cluster.home)}
    if body.backup_id is not None:
        params["backup_id"] = body.backup_id
    if body.point_in_time is not None:
        params["point_in_time"] = body.point_in_time.isoformat()
    for key in ("source_cluster", "shard", "from_shard"):
        if getattr(body, key) is not None:
            params[key] = getattr(body, key)
    for key in ("namespaces", "rename", "shard_map", "by_position"):
        if getattr(body, key):
            params[key] = getattr(body, key)
    job = runner.submit_kind(kinds.RESTORE.name, cluster.name, params, requested_by=user.username)
    return accepted(job, response)


@router.get("", response_model=RestoresPublic, summary="The cluster's restores, oldest first",
            responses=errors(400, 404, 409))
def get_restores(_: ViewerUser, cluster: DeployedClusterDep) -> RestoresPublic:
    records = list_restores(cluster.name, cluster.home)
    data = [RestorePublic.model_validate({**record.model_dump(), "current_step": record.current_step})
            for record in records]
    return RestoresPublic(data=data, count=len(data))
