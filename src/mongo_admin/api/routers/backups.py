"""Backups of deployed clusters: the catalog with its restorable windows, one backup's record and manifest, new
backups and restore drills as jobs, file verification, the restore runbook, deletion, retention, and the
point-in-time status. Viewers read; operators back up, verify, delete and prune."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response, status
from fastapi.responses import JSONResponse

from mongo_admin.api.auth import OperatorUser, ViewerUser
from mongo_admin.api.deps import RunnerDep
from mongo_admin.api.operations import BACKUP_RESTORE_CONFLICT, DeployedClusterDep, accepted
from mongo_admin.api.ops_schemas import (
    BackupCreate,
    BackupDeleted,
    BackupDetailsPublic,
    BackupsPublic,
    BackupStatusPublic,
    JobAccepted,
    PitrPublic,
    PrunePublic,
    RunbookPublic,
    VerifyPublic,
)
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.jobs import kinds
from mongo_admin.ops.backup import catalog, runbook
from mongo_admin.ops.backup.pitr_status import pitr_status

router = APIRouter(prefix="/clusters/{name}", tags=["backups"], route_class=DocumentedRoute)

MARKDOWN = "text/markdown; charset=utf-8"
# What reading the cluster's backup catalog can answer: a cluster or backup that is not there, a cluster that is
# not deployed on this machine, and the catalog's own refusals.
CATALOG_ERRORS = errors(400, 404, 409)


@router.get("/backups", response_model=BackupsPublic, summary="The cluster's backups and restorable windows",
            responses=CATALOG_ERRORS)
def list_backups(_: ViewerUser, cluster: DeployedClusterDep) -> BackupsPublic:
    listing = catalog.list_backups(cluster.name, cluster.home)
    return BackupsPublic.model_validate({**listing.__dict__, "count": len(listing.backups)})


@router.post("/backups", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED,
             summary="Take a backup (a job)",
             responses=errors(404, why={409: BACKUP_RESTORE_CONFLICT}))
def create_backup(body: BackupCreate, user: OperatorUser, cluster: DeployedClusterDep, runner: RunnerDep,
                  response: Response) -> JobAccepted:
    params = {"type": body.type, "shard": body.shard, "compression": body.compression, "parallel": body.parallel,
              "rate_limit_mb_s": body.rate_limit_mb_s, "home": str(cluster.home)}
    job = runner.submit_kind(kinds.BACKUP.name, cluster.name, {k: v for k, v in params.items() if v is not None},
                             requested_by=user.username)
    return accepted(job, response)


@router.post("/backups/prune", response_model=PrunePublic, summary="Apply the retention policy",
             responses=CATALOG_ERRORS)
def prune_backups(_: OperatorUser, cluster: DeployedClusterDep,
                  dry_run: Annotated[bool, Query(description="Only say what would be deleted.")] = False
                  ) -> PrunePublic:
    return PrunePublic.model_validate(catalog.prune_backups(cluster.name, cluster.home, dry_run=dry_run))


# Declared before /backups/{backup_id}, which would take "status" for a backup id.
@router.get("/backups/status", response_model=BackupStatusPublic, responses=CATALOG_ERRORS,
            summary="What backup or restore runs on the cluster now (as `backup status`); releases the lock of a run "
                    "that died, marks its backup failed and puts the balancer back")
def backup_status(_: OperatorUser, cluster: DeployedClusterDep) -> BackupStatusPublic:
    return BackupStatusPublic.model_validate(catalog.backup_status(cluster.name, cluster.home))


@router.get("/backups/{backup_id}", response_model=BackupDetailsPublic, summary="One backup: record and manifest",
            responses=CATALOG_ERRORS)
def show_backup(backup_id: str, _: ViewerUser, cluster: DeployedClusterDep) -> BackupDetailsPublic:
    return BackupDetailsPublic.model_validate(catalog.show_backup(cluster.name, backup_id, cluster.home))


@router.post("/backups/{backup_id}/verify", response_model=VerifyPublic,
             summary="Verify a backup's files; with restore=true, run a restore drill (a job)",
             responses={202: {"model": JobAccepted, "description": "The restore drill was submitted as a job"},
                        **CATALOG_ERRORS})
def verify_backup(backup_id: str, user: OperatorUser, cluster: DeployedClusterDep, runner: RunnerDep,
                  response: Response,
                  restore: Annotated[bool, Query(description="Restore it into a scratch cluster and compare.")]
                  = False) -> VerifyPublic | JSONResponse:
    if restore:
        catalog.show_backup(cluster.name, backup_id, cluster.home)  # 404 now rather than a failed job later
        job = runner.submit_kind(kinds.DRILL.name, cluster.name, {"backup_id": backup_id, "home": str(cluster.home)},
                                 requested_by=user.username)
        # Answered as is: the response model (VerifyPublic) is the 200 answer's, not this one's.
        return JSONResponse(accepted(job, response).model_dump(), status_code=status.HTTP_202_ACCEPTED,
                            headers={"Location": response.headers["Location"]})
    return VerifyPublic.model_validate(catalog.verify_backup(cluster.name, backup_id, cluster.home))


@router.get("/backups/{backup_id}/runbook", response_class=Response,
            summary="The restore runbook (Markdown; with Accept: application/json, the runbook object)",
            responses={200: {"model": RunbookPublic, "content": {"text/markdown": {"schema": {"type": "string"}}}},
                       **CATALOG_ERRORS})
def backup_runbook(backup_id: str, _: ViewerUser, cluster: DeployedClusterDep, request: Request) -> Response:
    book = runbook.runbook(cluster.name, backup_id, cluster.home)
    if "application/json" in request.headers.get("accept", ""):
        return JSONResponse(RunbookPublic.model_validate(book).model_dump(mode="json"))
    return Response(book.markdown, media_type=MARKDOWN)


@router.delete("/backups/{backup_id}", response_model=BackupDeleted, summary="Delete a backup",
               responses=CATALOG_ERRORS)
def delete_backup(backup_id: str, _: OperatorUser, cluster: DeployedClusterDep) -> BackupDeleted:
    return BackupDeleted.model_validate(catalog.delete_backup(cluster.name, backup_id, cluster.home))


@router.get("/pitr", response_model=PitrPublic, summary="Point-in-time recovery: slicer, slices and windows",
            responses=CATALOG_ERRORS)
def point_in_time_status(_: ViewerUser, cluster: DeployedClusterDep) -> PitrPublic:
    return PitrPublic.model_validate(pitr_status(cluster.name, home=cluster.home))
