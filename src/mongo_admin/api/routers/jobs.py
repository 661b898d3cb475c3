"""Jobs: list with filters, detail with progress, step, log lines and result, cancel, and a live event stream
(Server-Sent Events) of one job."""

from __future__ import annotations

import json
from collections.abc import Iterator, Sequence
from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import StreamingResponse
from sqlalchemy import func, select

from mongo_admin.api.auth import OperatorUser, ViewerUser
from mongo_admin.api.cluster_schemas import JobDetailPublic, JobLogLine, JobPublic, JobsPublic
from mongo_admin.api.deps import RunnerDep, SessionDep, run_reading
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.jobs.models import JobRecord
from mongo_admin.jobs.runner import JobInfo, JobRunner
from mongo_admin.jobs.states import STATES

router = APIRouter(prefix="/jobs", tags=["jobs"], route_class=DocumentedRoute)

# A comment line keeps proxies from closing a quiet stream; the job is re-read at that pace as well.
KEEPALIVE_S = 15.0
EVENT_STREAM = "text/event-stream"


def job_public(job: JobInfo) -> JobPublic:
    return JobPublic(**{name: getattr(job, name) for name in JobPublic.model_fields})


@router.get("", response_model=JobsPublic, summary="List jobs, newest first")
async def list_jobs(_: ViewerUser, session: SessionDep,
                    state: Annotated[str | None, Query(pattern="^(" + "|".join(STATES) + ")$")] = None,
                    kind: Annotated[str | None, Query(max_length=64)] = None,
                    cluster: Annotated[str | None, Query(max_length=128)] = None,
                    requested_by: Annotated[str | None, Query(max_length=128)] = None,
                    limit: Annotated[int, Query(ge=1, le=500)] = 50,
                    offset: Annotated[int, Query(ge=0)] = 0) -> JobsPublic:
    conditions = [column == value for column, value in ((JobRecord.state, state), (JobRecord.kind, kind),
                                                        (JobRecord.cluster, cluster),
                                                        (JobRecord.requested_by, requested_by))
                  if value is not None]

    def read() -> tuple[int, Sequence[JobRecord]]:
        count = session.scalar(select(func.count()).select_from(JobRecord).where(*conditions)) or 0
        rows = session.scalars(select(JobRecord).where(*conditions)
                               .order_by(JobRecord.created_at.desc(), JobRecord.id).limit(limit).offset(offset)).all()
        return count, rows

    count, rows = await run_reading(session, read)
    return JobsPublic(data=[job_public(JobInfo.of(row)) for row in rows], count=count)


@router.get("/{job_id}", response_model=JobDetailPublic, summary="A job with its progress, log lines and result",
            responses=errors(404))
def get_job(job_id: str, _: ViewerUser, runner: RunnerDep) -> JobDetailPublic:
    job = runner.get(job_id)
    logs = [JobLogLine(id=line_id, at=at, line=line) for line_id, at, line in runner.logs(job_id)]
    return JobDetailPublic(**job_public(job).model_dump(), logs=logs)


@router.post("/{job_id}/cancel", response_model=JobPublic, summary="Cancel a job (a running one stops at its "
             "next safe point)", responses=errors(404, why={409: "The job has already ended."}))
def cancel_job(job_id: str, _: OperatorUser, runner: RunnerDep) -> JobPublic:
    return job_public(runner.cancel(job_id))


def _events(runner: JobRunner, job_id: str) -> Iterator[str]:
    subscription = runner.subscribe(job_id)
    try:
        while True:
            event = subscription.next(KEEPALIVE_S)
            if event is None:
                if runner.get(job_id).terminal:
                    return
                yield ": keep-alive\n\n"
                continue
            yield f"event: {event.type}\ndata: {json.dumps(event.to_dict())}\n\n"
    finally:
        subscription.close()


@router.get("/{job_id}/events", summary="Live events of a job (Server-Sent Events)", response_class=StreamingResponse,
            responses={200: {"content": {EVENT_STREAM: {"schema": {"type": "string"}}},
                             "description": "`event: state|progress|log` and `data: {type, job_id, state, progress, "
                                            "step, message, at}`; a snapshot first, the stream ends after the "
                                            "terminal state."}, **errors(404)})
def job_events(job_id: str, _: ViewerUser, runner: RunnerDep) -> StreamingResponse:
    runner.get(job_id)  # 404 before the stream starts
    return StreamingResponse(_events(runner, job_id), media_type=EVENT_STREAM,
                             headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"})
