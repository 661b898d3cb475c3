"""Who is calling, and may they: short-lived JWT access tokens, long-lived API tokens (random, shown once, stored
as SHA-256), dashboard session cookies (with a CSRF token on state-changing requests), and ``require_role``.

Every request's identity is re-read from the database, so disabling a user or changing a role takes effect on
the next request, whatever tokens they hold.
"""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

import jwt
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from mongo_admin.api.audit import SAFE_METHODS
from mongo_admin.api.browser_sessions import COOKIE_NAME, CSRF_HEADER, csrf_token_matches, find_session
from mongo_admin.api.deps import SessionDep, SettingsDep, end_read
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import ApiToken, BrowserSession, Role, User, last_use_due, secret_digest

API_TOKEN_PREFIX = "mat_"
JWT_ALGORITHM = "HS256"

NOT_AUTHENTICATED = "not authenticated"
INVALID_TOKEN = "invalid or expired token"
INVALID_SESSION = "invalid or expired session; log in again"
CSRF_REFUSED = (f"missing or wrong CSRF token: a request made with the session cookie that changes state needs the "
                f"{CSRF_HEADER} header, set to the csrf_token returned by POST or GET /api/v1/auth/session")
BAD_LOGIN = "incorrect username or password"
USER_DISABLED = "user is disabled"
TOO_MANY_LOGINS = "too many failed logins; try again later"


# --- access tokens (JWT) ---------------------------------------------------------------------------------------

def issue_access_token(user: User, settings: ApiSettings, now: datetime | None = None) -> str:
    issued = now or utcnow()
    claims = {"sub": str(user.id), "name": user.username, "typ": "access", "iat": issued,
              "exp": issued + timedelta(minutes=settings.access_token_minutes)}
    return jwt.encode(claims, settings.signing_key(), algorithm=JWT_ALGORITHM)


def user_id_from_access_token(token: str, settings: ApiSettings) -> int | None:
    """The user id a valid, unexpired access token names; None for anything else."""
    try:
        claims = jwt.decode(token, settings.signing_key(), algorithms=[JWT_ALGORITHM],
                            options={"require": ["exp", "iat", "sub"]})
        return int(claims["sub"]) if claims.get("typ") == "access" else None
    except (jwt.InvalidTokenError, ValueError):
        return None


# --- API tokens --------------------------------------------------------------------------------------------------

def new_api_token() -> str:
    return API_TOKEN_PREFIX + secrets.token_urlsafe(32)


def _user_from_api_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == secret_digest(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    if last_use_due(row.last_used_at, now):
        row.last_used_at = now
        session.commit()
    return user, row


# --- dependencies ------------------------------------------------------------------------------------------------

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False,
                              description="A JWT from POST /api/v1/auth/token, or an API token (mat_...).")
session_cookie = APIKeyCookie(name=COOKIE_NAME, auto_error=False,
                              description="The dashboard's session, from POST /api/v1/auth/session; requests other "
                                          f"than GET also need the {CSRF_HEADER} header.")


@dataclass(frozen=True)
class Principal:
    user: User
    kind: Literal["user", "token", "session"]
    token_id: int | None = None
    session: BrowserSession | None = None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def _from_bearer(session: Session, settings: ApiSettings, token: str) -> Principal:
    if token.startswith(API_TOKEN_PREFIX):
        found = _user_from_api_token(session, token)
        if found is not None:
            return Principal(found[0], "token", found[1].id)
    else:
        user_id = user_id_from_access_token(token, settings)
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None:
            return Principal(user, "user")
    raise _unauthorized(INVALID_TOKEN)


def _from_cookie(session: Session, settings: ApiSettings, session_id: str) -> Principal:
    row = find_session(session, session_id, settings)
    user = session.get(User, row.user_id) if row is not None else None
    if row is None or user is None:
        raise _unauthorized(INVALID_SESSION)
    return Principal(user, "session", session=row)


def current_principal(request: Request, session: SessionDep, settings: SettingsDep,
                      token: Annotated[str | None, Depends(bearer)],
                      cookie: Annotated[str | None, Depends(session_cookie)]) -> Principal:
    """The caller, from a bearer token when there is one, else from the session cookie. A cookie-authenticated
    request that changes state must carry the session's CSRF token (403 otherwise); a bearer token cannot be sent
    by another site, so it needs none."""
    if token:
        principal = _from_bearer(session, settings, token)
    elif cookie:
        principal = _from_cookie(session, settings, cookie)
    else:
        raise _unauthorized(NOT_AUTHENTICATED)
    if principal.user.disabled:
        raise _unauthorized(USER_DISABLED)
    # The audit middleware names the actor from here.
    request.state.actor = principal.user.username
    request.state.actor_kind = principal.kind
    if (principal.kind == "session" and request.method not in SAFE_METHODS
            and not csrf_token_matches(cookie or "", settings, request.headers.get(CSRF_HEADER))):
        raise HTTPException(status.HTTP_403_FORBIDDEN, CSRF_REFUSED)
    end_read(session)
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(minimum: Role | str) -> Callable[[Principal], Awaitable[User]]:
    """A dependency that returns the calling user when their role is at least ``minimum`` (401 when nobody is
    authenticated, 403 when the role is too low)."""
    needed = Role(minimum)

    async def dependency(principal: PrincipalDep) -> User:
        if not principal.user.role_enum.allows(needed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"requires the {needed.value} role")
        return principal.user

    dependency.__name__ = f"require_{needed.value}"
    return dependency


ViewerUser = Annotated[User, Depends(require_role(Role.VIEWER))]
OperatorUser = Annotated[User, Depends(require_role(Role.OPERATOR))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
