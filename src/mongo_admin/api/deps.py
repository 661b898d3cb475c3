"""Typed dependencies every router uses: the settings, and one database session per request."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated, Any

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.crypto import CredentialCipher
from mongo_admin.jobs.runner import JobRunner

NO_RUNNER = "the job runner is not available"


def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


def get_session(request: Request) -> Iterator[Session]:
    """A session for this request; whatever the handler did not commit is rolled back."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


def app_service(request: Request, name: str, unavailable: str) -> Any:
    """The service create_app put on ``app.state`` as NAME (the job runner, the scheduler); 503 with UNAVAILABLE
    when there is none."""
    service = getattr(request.app.state, name, None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, unavailable)
    return service


def get_runner(request: Request) -> JobRunner:
    """The process's job runner (built by create_app; its threads run when settings.background is on)."""
    runner: JobRunner = app_service(request, "runner", NO_RUNNER)
    return runner


def get_cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
SessionDep = Annotated[Session, Depends(get_session)]
