"""Who is calling, and may they: argon2 password hashes, short-lived JWT access tokens, long-lived API tokens
(random, shown once, stored as SHA-256), login throttling per user and client, and ``require_role``.

Every request's identity is re-read from the database, so disabling a user or changing a role takes effect on
the next request, whatever tokens they hold.
"""

from __future__ import annotations

import hashlib
import secrets
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Annotated, Literal

import jwt
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordBearer
from sqlalchemy import select
from sqlalchemy.orm import Session

from mongo_admin.api.deps import SessionDep, SettingsDep
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import ApiToken, Role, User

API_TOKEN_PREFIX = "mat_"
JWT_ALGORITHM = "HS256"

NOT_AUTHENTICATED = "not authenticated"
INVALID_TOKEN = "invalid or expired token"
BAD_LOGIN = "incorrect username or password"
USER_DISABLED = "user is disabled"
TOO_MANY_LOGINS = "too many failed logins; try again later"

_hasher = PasswordHasher()
# Verified against when the user does not exist, so a wrong name costs as long as a wrong password.
_DUMMY_HASH = _hasher.hash(secrets.token_urlsafe(16))


def use_password_hasher(hasher: PasswordHasher) -> PasswordHasher:
    """Replace the hasher (tests use a cheap profile); returns the previous one."""
    global _hasher
    previous, _hasher = _hasher, hasher
    return previous


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(user: User | None, password: str) -> bool:
    """True when ``password`` is the user's; upgrades the stored hash when its parameters are outdated."""
    try:
        _hasher.verify(user.password_hash if user is not None else _DUMMY_HASH, password)
    except (VerificationError, InvalidHashError):
        return False
    if user is None:
        return False
    if _hasher.check_needs_rehash(user.password_hash):
        user.password_hash = _hasher.hash(password)
    return True


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


def api_token_hash(token: str) -> str:
    # A SHA-256 is enough: the token is 256 random bits, not a password a person chose.
    return hashlib.sha256(token.encode()).hexdigest()


def _user_from_api_token(session: Session, token: str) -> tuple[User, ApiToken] | None:
    row = session.scalar(select(ApiToken).where(ApiToken.token_hash == api_token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = utcnow()
    if row.expires_at is not None and row.expires_at <= now:
        return None
    user = session.get(User, row.user_id)
    if user is None:
        return None
    row.last_used_at = now
    session.commit()
    return user, row


# --- login throttling --------------------------------------------------------------------------------------------

class LoginThrottle:
    """Counts failed logins per (username, client) in this process: after ``max_failures`` within ``lockout_s``
    seconds, logins for that pair are refused until the oldest failure is ``lockout_s`` old."""

    MAX_KEYS = 10_000

    def __init__(self, max_failures: int, lockout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.max_failures = max_failures
        self.lockout_s = lockout_s
        self.clock = clock
        self._failures: dict[tuple[str, str], deque[float]] = {}
        self._lock = threading.Lock()

    def _recent(self, key: tuple[str, str], now: float) -> deque[float]:
        failures = self._failures.get(key, deque())
        while failures and failures[0] <= now - self.lockout_s:
            failures.popleft()
        return failures

    def retry_after(self, username: str, client: str) -> int:
        """Seconds until this pair may try again; 0 when it may now."""
        key, now = (username.lower(), client), self.clock()
        with self._lock:
            failures = self._recent(key, now)
            if len(failures) < self.max_failures:
                return 0
            return max(1, int(failures[0] + self.lockout_s - now + 0.999))

    def failed(self, username: str, client: str) -> None:
        key, now = (username.lower(), client), self.clock()
        with self._lock:
            if len(self._failures) >= self.MAX_KEYS:
                for stale in [k for k in self._failures if not self._recent(k, now)]:
                    del self._failures[stale]
            failures = self._recent(key, now)
            failures.append(now)
            self._failures[key] = failures

    def succeeded(self, username: str, client: str) -> None:
        with self._lock:
            self._failures.pop((username.lower(), client), None)


# --- dependencies ------------------------------------------------------------------------------------------------

bearer = OAuth2PasswordBearer(tokenUrl="/api/v1/auth/token", auto_error=False,
                              description="A JWT from POST /api/v1/auth/token, or an API token (mat_...).")


@dataclass(frozen=True)
class Principal:
    user: User
    kind: Literal["user", "token"]
    token_id: int | None = None


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"})


def current_principal(request: Request, session: SessionDep, settings: SettingsDep,
                      token: Annotated[str | None, Depends(bearer)]) -> Principal:
    if not token:
        raise _unauthorized(NOT_AUTHENTICATED)
    principal: Principal | None = None
    if token.startswith(API_TOKEN_PREFIX):
        found = _user_from_api_token(session, token)
        if found is not None:
            principal = Principal(found[0], "token", found[1].id)
    else:
        user_id = user_id_from_access_token(token, settings)
        user = session.get(User, user_id) if user_id is not None else None
        if user is not None:
            principal = Principal(user, "user")
    if principal is None:
        raise _unauthorized(INVALID_TOKEN)
    if principal.user.disabled:
        raise _unauthorized(USER_DISABLED)
    # The audit middleware names the actor from here.
    request.state.actor = principal.user.username
    request.state.actor_kind = principal.kind
    return principal


PrincipalDep = Annotated[Principal, Depends(current_principal)]


def require_role(minimum: Role | str) -> Callable[[Principal], User]:
    """A dependency that returns the calling user when their role is at least ``minimum`` (401 when nobody is
    authenticated, 403 when the role is too low)."""
    needed = Role(minimum)

    def dependency(principal: PrincipalDep) -> User:
        if not principal.user.role_enum.allows(needed):
            raise HTTPException(status.HTTP_403_FORBIDDEN, f"requires the {needed.value} role")
        return principal.user

    dependency.__name__ = f"require_{needed.value}"
    return dependency


ViewerUser = Annotated[User, Depends(require_role(Role.VIEWER))]
OperatorUser = Annotated[User, Depends(require_role(Role.OPERATOR))]
AdminUser = Annotated[User, Depends(require_role(Role.ADMIN))]
