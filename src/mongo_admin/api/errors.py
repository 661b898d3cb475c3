"""Every error the API returns has one shape, ``{"detail": "<one line>"}``: HTTP errors, validation errors (422,
naming the field, never echoing the value), MongoAdminError (a status by class), and anything unexpected (500
without internals; the traceback goes to the server log only). The OpenAPI document shows it as ``ErrorBody``
(api.responses)."""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request, status
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from mongo_admin.errors import (
    ClusterStateError,
    CredentialsKeyError,
    DatabaseSchemaError,
    InvalidInputError,
    MongoAdminError,
    ServerUnreachableError,
)
from mongo_admin.jobs.runner import JobNotFoundError, LockConflict
from mongo_admin.jobs.scheduler import ScheduleNotFoundError
from mongo_admin.jobs.states import IllegalTransitionError
from mongo_admin.ops.backup.catalog import BackupNotFoundError
from mongo_admin.ops.restore.preflight import RestoreRefusedError

log = logging.getLogger(__name__)

INTERNAL_ERROR = "internal server error"

# The status a MongoAdminError becomes, by its nearest class.
ERROR_STATUS: dict[type[MongoAdminError], int] = {
    InvalidInputError: status.HTTP_400_BAD_REQUEST,
    ClusterStateError: status.HTTP_409_CONFLICT,
    ServerUnreachableError: status.HTTP_502_BAD_GATEWAY,
    DatabaseSchemaError: status.HTTP_503_SERVICE_UNAVAILABLE,
    CredentialsKeyError: status.HTTP_500_INTERNAL_SERVER_ERROR,
    LockConflict: status.HTTP_409_CONFLICT,
    IllegalTransitionError: status.HTTP_409_CONFLICT,
    JobNotFoundError: status.HTTP_404_NOT_FOUND,
    ScheduleNotFoundError: status.HTTP_404_NOT_FOUND,
    BackupNotFoundError: status.HTTP_404_NOT_FOUND,
    RestoreRefusedError: status.HTTP_409_CONFLICT,
}


def status_for(exc: MongoAdminError) -> int:
    for cls in type(exc).__mro__:
        if cls in ERROR_STATUS:
            return ERROR_STATUS[cls]
    return status.HTTP_400_BAD_REQUEST


def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
    return JSONResponse({"detail": detail}, status_code=exc.status_code, headers=exc.headers)


def _validation_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    problems = []
    for error in exc.errors():
        where = ".".join(str(part) for part in error.get("loc", ()))
        problems.append(f"{where}: {error.get('msg', 'invalid')}" if where else str(error.get("msg", "invalid")))
    return JSONResponse({"detail": "; ".join(problems) or "invalid request"},
                        status_code=status.HTTP_422_UNPROCESSABLE_CONTENT)


def _domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, MongoAdminError)
    code = status_for(exc)
    if code >= 500:
        log.error("request failed: %s", exc.message())
    return JSONResponse({"detail": exc.message().replace("\n  fix: ", "; fix: ")}, status_code=code)


def _lock_conflict(_: Request, exc: Exception) -> JSONResponse:
    """409 naming the holder, in one line: ``another operation is running on cluster prod: backup job 3f2a...
    (started ..., running)``."""
    assert isinstance(exc, LockConflict)
    return JSONResponse({"detail": exc.what}, status_code=status.HTTP_409_CONFLICT)


def _unexpected_error(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse({"detail": INTERNAL_ERROR}, status_code=status.HTTP_500_INTERNAL_SERVER_ERROR)


def install_error_handlers(app: FastAPI) -> None:
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(LockConflict, _lock_conflict)
    app.add_exception_handler(MongoAdminError, _domain_error)
    app.add_exception_handler(Exception, _unexpected_error)
