"""The audit trail: every state-changing request, newest first, filtered."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal

from fastapi import APIRouter, Query
from sqlalchemy import func, select

from mongo_admin.api.auth import AdminUser
from mongo_admin.api.deps import SessionDep
from mongo_admin.api.responses import DocumentedRoute
from mongo_admin.api.schemas import AuditEventPublic, AuditEventsPublic
from mongo_admin.db.models import AuditEvent

router = APIRouter(prefix="/audit", tags=["audit"], route_class=DocumentedRoute)


@router.get("", response_model=AuditEventsPublic, summary="Query the audit trail")
def list_audit_events(
    _: AdminUser,
    session: SessionDep,
    actor: Annotated[str | None, Query(max_length=64, description="Exact user name")] = None,
    method: Annotated[str | None, Query(max_length=8, description="POST, PUT, PATCH, DELETE, or PRUNE (the "
                                                                  "retention runs)")] = None,
    target: Annotated[str | None, Query(max_length=256)] = None,
    path_prefix: Annotated[str | None, Query(max_length=512, description="e.g. /api/v1/users")] = None,
    status: Annotated[int | None, Query(ge=100, le=599)] = None,
    status_class: Annotated[Literal["2xx", "3xx", "4xx", "5xx"] | None,
                            Query(description="Every status of one class: 4xx for the refused requests, 5xx "
                                              "for the failed ones")] = None,
    since: Annotated[datetime | None, Query(description="ISO 8601, inclusive")] = None,
    until: Annotated[datetime | None, Query(description="ISO 8601, exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=1000)] = 100,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> AuditEventsPublic:
    conditions = []
    if actor is not None:
        conditions.append(AuditEvent.actor == actor)
    if method is not None:
        conditions.append(AuditEvent.method == method.upper())
    if target is not None:
        conditions.append(AuditEvent.target == target)
    if path_prefix is not None:
        conditions.append(AuditEvent.path.startswith(path_prefix, autoescape=True))
    if status is not None:
        conditions.append(AuditEvent.status == status)
    if status_class is not None:
        lowest = int(status_class[0]) * 100
        conditions.append(AuditEvent.status.between(lowest, lowest + 99))
    if since is not None:
        conditions.append(AuditEvent.at >= since)
    if until is not None:
        conditions.append(AuditEvent.at < until)
    count = session.scalar(select(func.count()).select_from(AuditEvent).where(*conditions)) or 0
    rows = session.scalars(select(AuditEvent).where(*conditions)
                           .order_by(AuditEvent.at.desc(), AuditEvent.id.desc()).limit(limit).offset(offset)).all()
    return AuditEventsPublic(data=[AuditEventPublic.model_validate(row) for row in rows], count=count)
