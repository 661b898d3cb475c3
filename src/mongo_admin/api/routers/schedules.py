"""Cron schedules of backups, verifications, restore drills and health checks on deployed clusters, each in its
own time zone, with their next run times. Viewers read and preview a cron expression; operators pause and resume;
admins create, change and delete them."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, HTTPException, Query, Request, Response, status

from mongo_admin.api.audit import not_a_change
from mongo_admin.api.auth import AdminUser, OperatorUser, ViewerUser
from mongo_admin.api.deps import SessionDep, SettingsDep
from mongo_admin.api.operations import NOT_DEPLOYED, SchedulerDep, find_cluster
from mongo_admin.api.ops_schemas import (
    ScheduleCreate,
    ScheduleParams,
    SchedulePreviewPublic,
    SchedulePreviewRequest,
    SchedulePublic,
    SchedulesPublic,
    ScheduleUpdate,
)
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.jobs.scheduler import ScheduleInfo, Scheduler

router = APIRouter(prefix="/schedules", tags=["schedules"], route_class=DocumentedRoute)

NEXT_RUNS = 5
SCHEDULE_REFUSED = "The cron expression, time zone or name is refused (detail says which and why)."
PREVIEW_REFUSED = "The cron expression or time zone is refused (detail says which and why)."


def _public(scheduler: Scheduler, info: ScheduleInfo) -> SchedulePublic:
    params = {k: v for k, v in info.params.items() if k != "home"}
    return SchedulePublic.model_validate({**info.__dict__, "params": params,
                                         "next_runs": scheduler.next_runs(info.id, NEXT_RUNS)})


def _job_params(params: ScheduleParams, settings: SettingsDep) -> dict[str, Any]:
    values = {k: v for k, v in params.model_dump().items() if v is not None}
    return {**values, "home": str(settings.home)}


@router.get("", response_model=SchedulesPublic, summary="List schedules")
def list_schedules(_: ViewerUser, scheduler: SchedulerDep,
                   cluster: Annotated[str | None, Query(max_length=64, description="Only this cluster's.")] = None
                   ) -> SchedulesPublic:
    data = [_public(scheduler, info) for info in scheduler.schedules() if cluster is None or info.cluster == cluster]
    return SchedulesPublic(data=data, count=len(data))


@router.post("", response_model=SchedulePublic, status_code=status.HTTP_201_CREATED, summary="Create a schedule",
             responses=errors(404, 409, why={400: SCHEDULE_REFUSED}))
def create_schedule(body: ScheduleCreate, _: AdminUser, request: Request, session: SessionDep,
                    settings: SettingsDep, scheduler: SchedulerDep) -> SchedulePublic:
    cluster = find_cluster(body.cluster, session, settings)
    if cluster.source != "deployed":
        raise HTTPException(status.HTTP_409_CONFLICT, NOT_DEPLOYED.format(name=cluster.name))
    info = scheduler.create(body.name, body.kind, cluster.name, body.cron, timezone=body.timezone,
                            params=_job_params(body.params, settings),
                            misfire_grace_s=body.misfire_grace_s, paused=body.paused)
    request.state.audit_target = f"schedules/{info.id}"
    return _public(scheduler, info)


@router.post("/preview", response_model=SchedulePreviewPublic, summary="The next run times of a cron expression in a "
             "time zone, changing nothing", responses=errors(why={400: PREVIEW_REFUSED}))
@not_a_change
def preview_schedule(body: SchedulePreviewRequest, _: ViewerUser, scheduler: SchedulerDep) -> SchedulePreviewPublic:
    return SchedulePreviewPublic.model_validate(scheduler.preview(body.cron, body.timezone, body.count))


@router.get("/{schedule_id}", response_model=SchedulePublic, summary="One schedule and its next run times",
            responses=errors(404))
def get_schedule(schedule_id: str, _: ViewerUser, scheduler: SchedulerDep) -> SchedulePublic:
    return _public(scheduler, scheduler.get(schedule_id))


@router.patch("/{schedule_id}", response_model=SchedulePublic, summary="Change a schedule",
              responses=errors(404, why={400: SCHEDULE_REFUSED}))
def update_schedule(schedule_id: str, body: ScheduleUpdate, _: AdminUser, settings: SettingsDep,
                    scheduler: SchedulerDep) -> SchedulePublic:
    params = _job_params(body.params, settings) if body.params is not None else None
    info = scheduler.update(schedule_id, name=body.name, cron=body.cron, timezone=body.timezone, params=params,
                            misfire_grace_s=body.misfire_grace_s)
    return _public(scheduler, info)


@router.post("/{schedule_id}/pause", response_model=SchedulePublic, summary="Pause a schedule (no next run)",
             responses=errors(404))
def pause_schedule(schedule_id: str, _: OperatorUser, scheduler: SchedulerDep) -> SchedulePublic:
    return _public(scheduler, scheduler.pause(schedule_id))


@router.post("/{schedule_id}/resume", response_model=SchedulePublic,
             summary="Resume a schedule (from now: what was missed while paused does not run)",
             responses=errors(404))
def resume_schedule(schedule_id: str, _: OperatorUser, scheduler: SchedulerDep) -> SchedulePublic:
    return _public(scheduler, scheduler.resume(schedule_id))


@router.delete("/{schedule_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a schedule",
               responses=errors(404))
def delete_schedule(schedule_id: str, _: AdminUser, scheduler: SchedulerDep) -> Response:
    scheduler.delete(schedule_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
