"""The API application factory: ``create_app(settings)`` mounts every router under /api/v1 and the dashboard's build
beside them, installs the error shape, the audit recorder, CORS and compression, and refuses to start on a database
whose schema is not at head."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI
from fastapi.middleware.cors import CORSMiddleware
from fastapi.middleware.gzip import GZipMiddleware
from pydantic import SecretStr
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin import __version__
from mongo_admin.api.audit import API_PREFIX, AuditMiddleware
from mongo_admin.api.background import Background, attach
from mongo_admin.api.browser_sessions import CSRF_HEADER
from mongo_admin.api.errors import install_error_handlers
from mongo_admin.api.routers import (
    audit,
    auth,
    backups,
    clusters,
    deployments,
    health,
    jobs,
    metrics,
    restores,
    schedules,
    tokens,
    users,
)
from mongo_admin.api.settings import ApiSettings
from mongo_admin.api.throttle import LoginThrottle
from mongo_admin.api.web import serve_dashboard
from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.db.crypto import load_cipher
from mongo_admin.db.migrate import check_schema

ROUTERS = (
    auth.router,
    tokens.router,
    users.router,
    audit.router,
    health.router,
    clusters.router,
    deployments.router,
    jobs.router,
    backups.router,
    restores.router,
    schedules.router,
    metrics.router,
)
# Responses smaller than this are sent as they are (compressing them saves too little). Event streams are never
# compressed: GZipMiddleware passes text/event-stream through untouched, so each event is sent as it happens.
GZIP_MINIMUM_BYTES = 1024
# Only used to build the OpenAPI document, which does not depend on any secret.
_DOCUMENT_SECRET = "openapi-document-only-" + "x" * 32


def build_app(settings: ApiSettings, sessions: sessionmaker[Session] | None = None) -> FastAPI:
    """The application without any database check: routes, error shape, middleware."""

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        background: Background | None = getattr(app.state, "background", None)
        started = background is not None and settings.background
        if started:
            assert background is not None
            background.start()
        try:
            yield
        finally:
            if started:
                assert background is not None
                background.stop()
            engine = getattr(app.state, "engine", None)
            if engine is not None:
                engine.dispose()

    app = FastAPI(title="mongo-admin API", version=__version__, lifespan=lifespan,
                  description="Operations API for self-managed MongoDB sharded clusters. Authenticate with a "
                              "bearer token (a JWT from POST /api/v1/auth/token, or an API token) or, in the "
                              "dashboard, with the session cookie from POST /api/v1/auth/session.",
                  openapi_url=f"{API_PREFIX}/openapi.json", docs_url=f"{API_PREFIX}/docs", redoc_url=None)
    app.state.settings = settings
    install_error_handlers(app)
    for router in ROUTERS:
        app.include_router(router, prefix=API_PREFIX)
    serve_dashboard(app, settings.web_dir)
    app.add_middleware(GZipMiddleware, minimum_size=GZIP_MINIMUM_BYTES)
    if sessions is not None:
        app.add_middleware(AuditMiddleware, sessions=sessions)
    if settings.cors_origins:
        app.add_middleware(CORSMiddleware, allow_origins=settings.cors_origins, allow_credentials=True,
                           allow_methods=["*"], allow_headers=["Authorization", "Content-Type", CSRF_HEADER])
    return app


def create_app(settings: ApiSettings) -> FastAPI:
    """The API for ``settings``; raises DatabaseSchemaError when the database is not migrated to head, and
    CredentialsKeyError when the credentials encryption key is missing outside development."""
    engine = make_engine(settings.database_url)
    try:
        check_schema(engine)
        key = settings.credentials_key.get_secret_value() if settings.credentials_key else None
        cipher = load_cipher(key, settings.credentials_key_file, create=settings.development)
    except BaseException:
        engine.dispose()
        raise
    sessions = session_factory(engine)
    app = build_app(settings, sessions)
    app.state.engine = engine
    app.state.sessions = sessions
    app.state.cipher = cipher
    app.state.login_throttle = LoginThrottle(sessions, settings.login_max_failures, settings.login_lockout_s)
    # The job runner, the scheduler and the metrics pollers: built here, started by the lifespan.
    attach(app, settings, sessions)
    return app


def openapi_document() -> dict[str, Any]:
    """The OpenAPI document of the code as it is (no database, no secrets involved)."""
    settings = ApiSettings(environment="development", secret_key=SecretStr(_DOCUMENT_SECRET), database_url="sqlite://")
    document: dict[str, Any] = build_app(settings).openapi()
    return document


def openapi_json() -> str:
    """The document as committed in docs/api/openapi.json: stable key order, two-space indent, final newline."""
    return json.dumps(openapi_document(), indent=2, ensure_ascii=False) + "\n"
