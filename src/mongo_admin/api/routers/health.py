"""Health of the API itself: up, database reachable, schema version, and whether an administrator exists (the
dashboard's login page tells a fresh install how to create the first one). Anonymous, for load balancers."""

from __future__ import annotations

from fastapi import APIRouter, HTTPException, Request, status
from sqlalchemy import Engine, exists, select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin import __version__
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.schemas import HealthPublic
from mongo_admin.db.migrate import current_revision, head_revision
from mongo_admin.db.models import Role, User
from mongo_admin.errors import DatabaseSchemaError

router = APIRouter(prefix="/health", tags=["health"], route_class=DocumentedRoute)

DATABASE_UNREACHABLE = "database unreachable"


@router.get("", response_model=HealthPublic, summary="Is the API up and its database usable?",
            responses=errors(why={503: "The database is unreachable."}))
def health(request: Request) -> HealthPublic:
    engine: Engine = request.app.state.engine
    sessions: sessionmaker[Session] = request.app.state.sessions
    try:
        revision = current_revision(engine)
        with sessions() as session:
            admin_exists = bool(session.scalar(select(exists().where(User.role == Role.ADMIN.value,
                                                                     User.disabled.is_(False)))))
    except (DatabaseSchemaError, SQLAlchemyError) as exc:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, DATABASE_UNREACHABLE) from exc
    head = head_revision()
    return HealthPublic(status="ok" if revision == head else "schema out of date", version=__version__,
                        database="reachable", schema_revision=revision, schema_head=head, admin_exists=admin_exists)
