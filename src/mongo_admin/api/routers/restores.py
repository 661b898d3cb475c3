"""Restores of deployed clusters: every kind from a backup or to a point in time, as a job; its preflight on its
own, changing nothing; the restore records kept next to the backups. Viewers read; operators check and restore."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Response, status

from mongo_admin.api.auth import OperatorUser, ViewerUser
from mongo_admin.api.deps import RunnerDep
from mongo_admin.api.operations import BACKUP_RESTORE_CONFLICT, DeployedClusterDep, accepted
from mongo_admin.api.ops_schemas import (
    JobAccepted,
    RestoreCreate,
    RestorePreflightPublic,
    RestorePublic,
    RestoresPublic,
)
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.jobs import kinds
from mongo_admin.ops.restore.engine import RestoreOptions, preflight_restore
from mongo_admin.ops.restore.record import RestoreKind, list_restores

router = APIRouter(prefix="/clusters/{name}/restores", tags=["restores"], route_class=DocumentedRoute)

# The API's restore kinds, as the job kind's ``type`` parameter (and the restore engine) names them.
RESTORE_TYPES: dict[str, RestoreKind] = {"cluster": "full", "shard": "shard", "namespaces": "namespaces",
                                         "config": "config"}


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


@router.post("/preflight", response_model=RestorePreflightPublic, responses=errors(400, 404, 409),
             summary="Check a restore without running it: every preflight check (backup, topology, key, files, "
                     "primaries, namespaces, space, oplog slices, lock) and what it would restore")
def check_restore(body: RestoreCreate, _: OperatorUser, cluster: DeployedClusterDep) -> RestorePreflightPublic:
    options = RestoreOptions(home=cluster.home, source_cluster=body.source_cluster, point_in_time=body.point_in_time,
                             shard_map=body.shard_map or None, by_position=body.by_position,
                             from_shard=body.from_shard)
    report = preflight_restore(cluster.name, RESTORE_TYPES[body.kind], body.backup_id, options, shard=body.shard,
                               namespaces=body.namespaces, rename=body.rename)
    return RestorePreflightPublic.model_validate(report)


@router.get("", response_model=RestoresPublic, summary="The cluster's restores, oldest first",
            responses=errors(400, 404, 409))
def get_restores(_: ViewerUser, cluster: DeployedClusterDep) -> RestoresPublic:
    records = list_restores(cluster.name, cluster.home)
    data = [RestorePublic.model_validate({**record.model_dump(), "current_step": record.current_step})
            for record in records]
    return RestoresPublic(data=data, count=len(data))
