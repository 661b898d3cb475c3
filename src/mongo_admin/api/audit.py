"""The audit trail's recorder: an ASGI middleware that writes one AuditEvent per state-changing request (any
method but GET, HEAD, OPTIONS), after the response, with its outcome, whoever made it and whatever happened. A
route that only answers a question through POST (a preview) is marked ``not_a_change`` and is not recorded.

The actor is what the auth dependency put in the request state (anonymous when nobody authenticated); the
target is what the route put in ``request.state.audit_target``, else the resource and its path parameters
(``users/3``). Bodies are never recorded: they may hold passwords or credentials.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from anyio import to_thread
from sqlalchemy.orm import Session, sessionmaker
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from mongo_admin.db.models import AuditEvent

log = logging.getLogger(__name__)

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
API_PREFIX = "/api/v1"
# Route functions that change nothing although their method is not safe.
_NOT_CHANGES: set[Callable[..., Any]] = set()
Endpoint = TypeVar("Endpoint", bound=Callable[..., Any])


def not_a_change(endpoint: Endpoint) -> Endpoint:
    """Marks a route function that changes nothing (a preview): its requests are not recorded. Put it under the
    router's decorator."""
    _NOT_CHANGES.add(endpoint)
    return endpoint


def audit_target(scope: Scope) -> str | None:
    state: dict[str, Any] = scope.get("state", {})
    if state.get("audit_target"):
        return str(state["audit_target"])[:256]
    params: dict[str, Any] = scope.get("path_params") or {}
    if not params:
        return None
    resource = str(scope.get("path", "")).removeprefix(API_PREFIX).strip("/").split("/")[0]
    return "/".join([resource, *(str(value) for value in params.values())])[:256]


class AuditMiddleware:
    def __init__(self, app: ASGIApp, sessions: sessionmaker[Session]) -> None:
        self.app = app
        self.sessions = sessions

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in SAFE_METHODS:
            await self.app(scope, receive, send)
            return
        outcome = {"status": 500}

        async def send_and_note(message: Message) -> None:
            if message["type"] == "http.response.start":
                outcome["status"] = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, send_and_note)
        finally:
            # The router has put the route function it chose in the scope.
            if scope.get("endpoint") not in _NOT_CHANGES:
                await self._record_request(scope, outcome["status"])

    async def _record_request(self, scope: Scope, status: int) -> None:
        state: dict[str, Any] = scope.get("state", {})
        client = scope.get("client")
        event = AuditEvent(actor=str(state.get("actor", "anonymous"))[:64],
                           actor_kind=str(state.get("actor_kind", "anonymous")), method=scope["method"],
                           path=str(scope.get("path", ""))[:512], target=audit_target(scope),
                           status=status, client=str(client[0])[:64] if client else None)
        await to_thread.run_sync(self._record, event)

    def _record(self, event: AuditEvent) -> None:
        try:
            with self.sessions() as session:
                session.add(event)
                session.commit()
        except Exception:
            # The response is already sent; losing an audit row must be loud in the server log.
            log.exception("could not record audit event %s %s by %s", event.method, event.path, event.actor)
