"""Backups of deployed clusters: the catalog with its restorable windows, one backup's record and manifest, new
backups and restore drills as jobs, file verification, the restore runbook, deletion, retention, and the
point-in-time status. Viewers read; operators back up, verify, delete and prune."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query, Response, status

from mongo_admin.api.auth import OperatorUser, ViewerUser
from mongo_admin.api.deps import RunnerDep
from mongo_admin.api.operations import DeployedClusterDep, accepted
from mongo_admin.api.ops_schemas import (
    BackupCreate,
    BackupDeleted,
    BackupDetailsPublic,
    BackupsPublic,
    JobAccepted,
    PitrPublic,
    PrunePublic,
    VerifyPublic,
)
from mongo_admin.jobs import kinds
from mongo_admin.ops.backup import catalog, runbook
from mongo_admin.ops.backup.pitr_status import pitr_status

router = APIRouter(prefix="/clusters/{name}", tags=["backups"])

MARKDOWN = "text/markdown; charset=utf-8"


@router.get("/backups", response_model=BackupsPublic, summary="The cluster's backups and restorable windows")
def list_backups(_: ViewerUser, cluster: DeployedClusterDep) -> BackupsPublic:
    listing = catalog.list_backups(cluster.name, cluster.home)
    return BackupsPublic.model_validate({**listing.__dict__, "count": len(listing.backups)})


@router.post("/backups", response_model=JobAccepted, status_code=status.HTTP_202_ACCEPTED,
             summary="Take a backup (a job)",
             responses={409: {"description": "Another backup or restore runs on the cluster (the holder is named)"}})
def create_backup(body: BackupCreate, user: OperatorUser, cluster: DeployedClusterDep, runner: RunnerDep,
                  response: Response) -> JobAccepted:
    params = {"type": body.type, "shard": body.shard, "compression": body.compression, "home": str(cluster.home)}
    job = runner.submit_kind(kinds.BACKUP.name, cluster.name, {k: v for k, v in params.items() if v is not None},
                             requested_by=user.username)
    return accepted(job, response)


@router.post("/backups/prune", response_model=PrunePublic, summary="Apply the retention policy")
def prune_backups(_: OperatorUser, cluster: DeployedClusterDep,
                  dry_run: Annotated[bool, Query(description="Only say what would be deleted.")] = False
                  ) -> PrunePublic:
    return PrunePublic.model_validate(catalog.prune_backups(cluster.name, cluster.home, dry_run=dry_run))


@router.get("/backups/{backup_id}", response_model=BackupDetailsPublic, summary="One backup: record and manifest")
def show_backup(backup_id: str, _: ViewerUser, cluster: DeployedClusterDep) -> BackupDetailsPublic:
    return BackupDetailsPublic.model_validate(catalog.show_backup(cluster.name, backup_id, cluster.home))


@router.post("/backups/{backup_id}/verify", response_model=VerifyPublic,
             summary="Verify a backup's files; with restore=true, run a restore drill (a job)",
             responses={202: {"model": JobAccepted, "description": "The restore drill was submitted as a job"}})
def verify_backup(backup_id: str, user: OperatorUser, cluster: DeployedClusterDep, runner: RunnerDep,
                  response: Response,
                  restore: Annotated[bool, Query(description="Restore it into a scratch cluster and compare.")]
                  = False) -> VerifyPublic | JobAccepted:
    if restore:
        catalog.show_backup(cluster.name, backup_id, cluster.home)  # 404 now rather than a failed job later
        job = runner.submit_kind(kinds.DRILL.name, cluster.name, {"backup_id": backup_id, "home": str(cluster.home)},
                                 requested_by=user.username)
        response.status_code = status.HTTP_202_ACCEPTED
        return accepted(job, response)
    return VerifyPublic.model_validate(catalog.verify_backup(cluster.name, backup_id, cluster.home))


@router.get("/backups/{backup_id}/runbook", response_class=Response, summary="The restore runbook (Markdown)",
            responses={200: {"content": {"text/markdown": {"schema": {"type": "string"}}}}})
def backup_runbook(backup_id: str, _: ViewerUser, cluster: DeployedClusterDep) -> Response:
    book = runbook.runbook(cluster.name, backup_id, cluster.home)
    return Response(book.markdown, media_type=MARKDOWN)


@router.delete("/backups/{backup_id}", response_model=BackupDeleted, summary="Delete a backup")
def delete_backup(backup_id: str, _: OperatorUser, cluster: DeployedClusterDep) -> BackupDeleted:
    return BackupDeleted.model_validate(catalog.delete_backup(cluster.name, backup_id, cluster.home))


@router.get("/pitr", response_model=PitrPublic, summary="Point-in-time recovery: slicer, slices and windows")
def point_in_time_status(_: ViewerUser, cluster: DeployedClusterDep) -> PitrPublic:
    return PitrPublic.model_validate(pitr_status(cluster.name, home=cluster.home))
