"""Typed dependencies every router uses: the settings, and one database session per request.

Dependencies that only read the application's state are ``async``: a sync one costs a hop to a worker thread.
Database work runs in a worker thread and ends its transaction there (:func:`end_read`, :func:`run_reading`), so a
request never holds a pooled connection while it waits for a thread: with every worker thread waiting for a
connection that only a waiting request could give back, the pool would deadlock under load.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from typing import Annotated, Any, TypeVar

from fastapi import Depends, HTTPException, Request, status
from sqlalchemy.orm import Session, sessionmaker
from starlette.concurrency import run_in_threadpool

from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.crypto import CredentialCipher
from mongo_admin.jobs.runner import JobRunner

NO_RUNNER = "the job runner is not available"
T = TypeVar("T")


async def get_settings(request: Request) -> ApiSettings:
    settings: ApiSettings = request.app.state.settings
    return settings


async def get_session(request: Request) -> AsyncIterator[Session]:
    """A session for this request; whatever the handler did not commit is rolled back. Opening one touches no
    connection; closing one that still holds a connection (a sync handler's) rolls it back on the event loop, one
    round trip, rather than waiting for a thread while holding it."""
    sessions: sessionmaker[Session] = request.app.state.sessions
    with sessions() as session:
        yield session


def end_read(session: Session) -> None:
    """End the session's read transaction in the thread that ran it, so its connection goes back to the pool before
    the request waits for another thread. A commit, not a rollback: sessions do not expire their objects on commit,
    so what was read stays readable without another query."""
    session.commit()


async def run_reading(session: Session, read: Callable[[], T]) -> T:
    """``read()`` (database reads of ``session``) in one worker thread, its transaction ended there."""
    def run() -> T:
        try:
            return read()
        finally:
            end_read(session)
    return await run_in_threadpool(run)


def app_service(request: Request, name: str, unavailable: str) -> Any:
    """The service create_app put on ``app.state`` as NAME (the job runner, the scheduler); 503 with UNAVAILABLE
    when there is none."""
    service = getattr(request.app.state, name, None)
    if service is None:
        raise HTTPException(status.HTTP_503_SERVICE_UNAVAILABLE, unavailable)
    return service


async def get_runner(request: Request) -> JobRunner:
    """The process's job runner (built by create_app; its threads run when settings.background is on)."""
    runner: JobRunner = app_service(request, "runner", NO_RUNNER)
    return runner


async def get_cipher(request: Request) -> CredentialCipher:
    cipher: CredentialCipher = request.app.state.cipher
    return cipher


SettingsDep = Annotated[ApiSettings, Depends(get_settings)]
RunnerDep = Annotated[JobRunner, Depends(get_runner)]
CipherDep = Annotated[CredentialCipher, Depends(get_cipher)]
SessionDep = Annotated[Session, Depends(get_session)]
