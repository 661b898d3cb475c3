"""Login (OAuth2 password flow → short-lived JWT; or a session cookie for the dashboard), logout, and who am I.

Both logins share the same checks and the same throttle, and are audited with the target ``login:NAME``.
"""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response, status
from fastapi.exceptions import RequestValidationError
from fastapi.security import OAuth2PasswordRequestForm
from pydantic import ValidationError
from sqlalchemy import select
from sqlalchemy.orm import Session

from mongo_admin.api.auth import (
    BAD_LOGIN,
    TOO_MANY_LOGINS,
    USER_DISABLED,
    PrincipalDep,
    ViewerUser,
    issue_access_token,
)
from mongo_admin.api.browser_sessions import (
    COOKIE_NAME,
    clear_session_cookie,
    csrf_token,
    idle_timeout,
    open_session,
    revoke_session,
    set_session_cookie,
)
from mongo_admin.api.deps import SessionDep, SettingsDep
from mongo_admin.api.responses import DocumentedRoute, errors
from mongo_admin.api.schemas import AccessToken, SessionLogin, SessionPublic, UserPublic
from mongo_admin.api.settings import ApiSettings
from mongo_admin.api.throttle import LoginThrottle
from mongo_admin.db.base import utcnow
from mongo_admin.db.models import BrowserSession, User
from mongo_admin.db.passwords import verify_password

router = APIRouter(prefix="/auth", tags=["auth"], route_class=DocumentedRoute)

NO_SESSION = "no session: this request was not made with a session cookie (bearer tokens have none)"
LOGIN_BODY = ("send username and password as JSON (Content-Type: application/json) or as form fields "
              "(application/x-www-form-urlencoded or multipart/form-data)")
JSON_TYPE = "application/json"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")
LOGIN_REFUSALS = {401: "Incorrect username or password.", 403: "The user is disabled."}


def _client(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def _authenticate(request: Request, session: Session, username: str, password: str) -> User:
    """The user ``username`` when ``password`` is theirs, they are enabled, and their client is not locked out;
    otherwise 429 (with Retry-After), 401 or 403. Records the login for the audit trail either way."""
    throttle: LoginThrottle = request.app.state.login_throttle
    client = _client(request)
    request.state.actor, request.state.actor_kind = username[:64], "anonymous"
    request.state.audit_target = f"login:{username[:64]}"
    retry_after = throttle.retry_after(username, client)
    if retry_after:
        raise HTTPException(status.HTTP_429_TOO_MANY_REQUESTS, TOO_MANY_LOGINS,
                            headers={"Retry-After": str(retry_after)})
    user = session.scalar(select(User).where(User.username == username))
    if not verify_password(user, password) or user is None:
        throttle.failed(username, client)
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, BAD_LOGIN, headers={"WWW-Authenticate": "Bearer"})
    throttle.succeeded(username, client)
    if user.disabled:
        raise HTTPException(status.HTTP_403_FORBIDDEN, USER_DISABLED)
    user.last_login_at = utcnow()
    return user


@router.post("/token", response_model=AccessToken, summary="Log in: exchange a username and password for an "
             "access token", responses=errors(429, why=LOGIN_REFUSALS))
def login(request: Request, form: Annotated[OAuth2PasswordRequestForm, Depends()], session: SessionDep,
          settings: SettingsDep) -> AccessToken:
    user = _authenticate(request, session, form.username, form.password)
    session.commit()
    request.state.actor_kind = "user"
    return AccessToken(access_token=issue_access_token(user, settings),
                       expires_in=settings.access_token_minutes * 60)


async def session_login_body(request: Request) -> SessionLogin:
    """The login of POST /auth/session, from a JSON body or form fields."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    try:
        if media_type == JSON_TYPE:
            return SessionLogin.model_validate_json(await request.body())
        if media_type in FORM_TYPES:
            form = await request.form()
            return SessionLogin.model_validate({name: value for name in ("username", "password")
                                                if isinstance(value := form.get(name), str)})
    except ValidationError as exc:
        raise RequestValidationError([{**error, "loc": ("body", *error["loc"])} for error in exc.errors()]) from exc
    raise HTTPException(status.HTTP_415_UNSUPPORTED_MEDIA_TYPE, LOGIN_BODY)


def _login_request_body() -> dict[str, Any]:
    schema = SessionLogin.model_json_schema()
    return {"requestBody": {"required": True, "content": {media_type: {"schema": schema}
                                                          for media_type in (JSON_TYPE, *FORM_TYPES)}}}


def _session_public(row: BrowserSession, user: User, session_id: str, settings: ApiSettings) -> SessionPublic:
    return SessionPublic(user=UserPublic.model_validate(user), csrf_token=csrf_token(session_id, settings),
                         created_at=row.created_at, expires_at=row.expires_at,
                         idle_timeout_s=int(idle_timeout(settings).total_seconds()))


@router.post("/session", response_model=SessionPublic, status_code=status.HTTP_201_CREATED,
             summary="Log in the dashboard: a session cookie (HttpOnly, SameSite=Strict) and its CSRF token",
             openapi_extra=_login_request_body(), responses=errors(415, 422, 429, why=LOGIN_REFUSALS))
def create_session(request: Request, response: Response, body: Annotated[SessionLogin, Depends(session_login_body)],
                   session: SessionDep, settings: SettingsDep) -> SessionPublic:
    user = _authenticate(request, session, body.username, body.password)
    session_id, row = open_session(session, user, settings, _client(request))
    session.commit()
    request.state.actor_kind = "session"
    set_session_cookie(response, session_id, settings)
    return _session_public(row, user, session_id, settings)


def _cookie_session(request: Request, principal: PrincipalDep) -> tuple[BrowserSession, str]:
    """The calling session and its id; 404 when the caller authenticated otherwise."""
    session_id = request.cookies.get(COOKIE_NAME)
    if principal.session is None or session_id is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, NO_SESSION)
    return principal.session, session_id


CookieSession = Annotated[tuple[BrowserSession, str], Depends(_cookie_session)]


@router.get("/session", response_model=SessionPublic, summary="The calling browser session, with its CSRF token",
            responses=errors(why={404: NO_SESSION}))
def get_session(current: CookieSession, user: ViewerUser, settings: SettingsDep) -> SessionPublic:
    row, session_id = current
    return _session_public(row, user, session_id, settings)


@router.delete("/session", status_code=status.HTTP_204_NO_CONTENT,
               summary="Log out of the dashboard: end the calling session and clear its cookie",
               responses=errors(why={404: NO_SESSION}))
def delete_session(request: Request, current: CookieSession, user: ViewerUser, session: SessionDep,
                   settings: SettingsDep) -> Response:
    row, _ = current
    request.state.audit_target = f"logout:{user.username}"
    revoke_session(row)
    session.commit()
    response = Response(status_code=status.HTTP_204_NO_CONTENT)
    clear_session_cookie(response, settings)
    return response


@router.get("/me", response_model=UserPublic, summary="The calling user")
def me(user: ViewerUser) -> User:
    return user
