"""Login (OAuth2 password flow → short-lived JWT) and who am I."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, status
from fastapi.security import OAuth2PasswordRequestForm
from sqlalchemy import select

from mongo_admin.api.auth import (
    BAD_LOGIN,
    TOO_MANY_LOGINS,
    USER_DISABLED,
    LoginThrottle,
    ViewerUser,
    issue_access_token,
    verify_password,
)
from mongo_admin.api.deps import SessionDep, SettingsDep
from mongo_admin.api.schemas import AccessToken, UserPublic
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import User

router = APIRouter(prefix="/auth", tags=["auth"])


@router.post("/token", response_model=AccessToken, summary="Log in: exchange a username and password for an "
             "access token")
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> AccessToken:
    throttle: LoginThrottle = request.app.state.login_throttle
    client = request.client.host if request.client else "unknown"
    request.state.actor, request.state.actor_kind = form.username[:64], "anonymous"
    request.state.audit_target = f"login:{form.username[:64]}"
    retry_after = throttle.retry_after(form.username, client)
    if retry_after:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY_LOGINS,
                            headers={"Retry-After": str(retry_after)})
    user = session.scalar(select(User).where(User.username == form.username))
    if not verify_password(user, form.password) or user is None:
        throttle.failed(form.username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_LOGIN, headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(form.username, client)
    if user.disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, USER_DISABLED)
    user.last_login_at = utcnow()
    session.commit()
    request.state.actor_kind = "user"
    return AccessToken(access_token=issue_access_token(user, settings),
                       expires_in=settings.access_token_minutes * 60)


@router.get("/me", response_model=UserPublic, summary="The calling user")
def me(user: ViewerUser) -> User:
    return user
