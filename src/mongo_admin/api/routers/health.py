"""Health of the API itself: up, database reachable, schema version. Anonymous, for load balancers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import Engine

from mongo_admin import __version__
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.schemas import HealthPublic
from mongo_admin.db.migrate import current_revision, head_revision
from mongo_admin.errors import DatabaseSchemaError

router = APIRouter(prefix="/health", tags=["health"], route_class=DocumentedRoute)

DATABASE_UNREACHABLE = "database unreachable"


@router.get("", response_model=HealthPublic, summary="Is the API up and its database usable?",
            responses=errors(why={503: "The database is unreachable."}))
def health(request: Request) -> HealthPublic:
    engine: Engine = request.app.state.engine
    try:
        revision = current_revision(engine)
    except DatabaseSchemaError as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNREACHABLE) from exc
    head = head_revision()
    return HealthPublic(status="ok" if revision == head else "schema out of date", version=__version__,
                        database="reachable", schema_revision=revision, schema_head=head)
