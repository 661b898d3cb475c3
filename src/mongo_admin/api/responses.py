"""The error responses of the OpenAPI document. Every error the API answers is ``{"detail": "<one line>"}``
(``ErrorBody``, produced by the handlers in api.errors), and the document lists every status an operation can
answer, so that clients, the generated dashboard client and the fuzz test know them all:

- ``DocumentedRoute``, every router's ``route_class``, adds the statuses that follow from the route itself: 422 when
  FastAPI validates a parameter or a body, 400 when it reads a body (FastAPI's answer to one it cannot decode),
  401 when it needs a caller, 403 when it needs more than the viewer role or changes state (a request
  authenticated by the session cookie needs its CSRF token);
- ``errors(...)``, in a decorator's ``responses=``, adds the ones that follow from what the endpoint does (400, 404,
  409, 415, 429, 503), each with a sentence saying when, where the generic one is not enough. When both give a
  status, the document says both reasons.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterator, Mapping
from typing import Any, get_args

from fastapi.dependencies.models import Dependant
from fastapi.dependencies.utils import get_dependant
from fastapi.routing import APIRoute
from pydantic import BaseModel, Field

from mongo_admin.api.audit import SAFE_METHODS
from mongo_admin.api.auth import AdminUser, OperatorUser, current_principal
from mongo_admin.api.browser_sessions import CSRF_HEADER
from mongo_admin.db.models import Role

Responses = dict[int | str, dict[str, Any]]


class ErrorBody(BaseModel):
    """The body of every error response."""

    detail: str = Field(description="What went wrong, in one line: what, why, and how to fix it when that is not "
                                    "obvious. Never a secret, never the value of a field.")


MEANING: dict[int, str] = {
    400: "The request matches this document but cannot be carried out as asked: detail says why.",
    401: "No valid caller: no credentials, an invalid, expired or revoked token or session, or a disabled user.",
    404: "What the path names does not exist.",
    409: "The request conflicts with the current state: detail names what it conflicts with.",
    415: "The body is in a media type this operation does not read.",
    422: "The request does not match this document: detail names each field in error (never its value).",
    429: "Too many failed logins for this user from this client: try again after Retry-After seconds.",
}
# FastAPI's own 400, before anything else is checked: a body it cannot decode (JSON that is not UTF-8, say).
UNREADABLE_BODY = "The body cannot be decoded as the media type it is sent as."
HEADERS: dict[int, dict[str, Any]] = {
    401: {"WWW-Authenticate": {"description": "Bearer", "required": True, "schema": {"type": "string"}}},
    429: {"Retry-After": {"description": "Seconds until a login may be tried again.", "required": True,
                          "schema": {"type": "string", "pattern": "^[0-9]+$"}}},
}


def _response(status: int, description: str) -> dict[str, Any]:
    response: dict[str, Any] = {"model": ErrorBody, "description": description}
    if status in HEADERS:
        response["headers"] = HEADERS[status]
    return response


def errors(*statuses: int, why: Mapping[int, str] | None = None) -> Responses:
    """The ``responses=`` of an operation that can answer ``statuses`` (with their generic meaning) and the
    statuses of ``why`` (with the sentence given)."""
    described = {status: MEANING[status] for status in statuses} | dict(why or {})
    return {status: _response(status, description) for status, description in sorted(described.items())}


def _dependency(annotated: Any) -> Callable[..., Any]:
    """The function a typed dependency such as ``OperatorUser`` calls."""
    call: Callable[..., Any] = get_args(annotated)[1].dependency
    return call


# The role checks that can refuse an authenticated caller (any caller has at least the viewer role).
ROLE_CHECKS: dict[Callable[..., Any], Role] = {_dependency(OperatorUser): Role.OPERATOR,
                                               _dependency(AdminUser): Role.ADMIN}


def _dependants(dependant: Dependant) -> Iterator[Dependant]:
    yield dependant
    for sub in dependant.dependencies:
        yield from _dependants(sub)


def _implied_errors(dependant: Dependant, methods: Collection[str]) -> Responses:
    """The errors an endpoint answers whatever it does: from its parameters, its caller and its role."""
    described: dict[int, str] = {}
    every = list(_dependants(dependant))
    if any(d.body_params for d in every):
        described[400] = UNREADABLE_BODY
    if any(d.path_params or d.query_params or d.header_params or d.cookie_params or d.body_params for d in every):
        described[422] = MEANING[422]
    calls = {d.call for d in every}
    if current_principal in calls:
        described[401] = MEANING[401]
        refusals = [f"the caller's role is below {role.value}" for call, role in ROLE_CHECKS.items() if call in calls]
        if not {method.upper() for method in methods} <= SAFE_METHODS:
            refusals.append(f"a request authenticated by the session cookie has no {CSRF_HEADER}, or a wrong one")
        if refusals:
            described[403] = "Refused: " + "; or ".join(refusals) + "."
    return {status: _response(status, description) for status, description in sorted(described.items())}


class DocumentedRoute(APIRoute):
    """A route whose document also lists its implied errors (see the module docstring) besides the decorator's
    ``responses=``."""

    def __init__(self, path: str, endpoint: Callable[..., Any], **kwargs: Any) -> None:
        merged = _implied_errors(get_dependant(path=path, call=endpoint), kwargs.get("methods") or ("GET",))
        for status, given in (kwargs.get("responses") or {}).items():
            implied = merged.get(status, {}).get("description")
            both = implied and "description" in given
            merged[status] = {**given, "description": f"{given['description']} {implied}"} if both else given
        kwargs["responses"] = dict(sorted(merged.items(), key=lambda item: str(item[0])))
        super().__init__(path, endpoint, **kwargs)
