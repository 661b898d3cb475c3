"""Request and response bodies of the platform's own resources (users, tokens, audit, health), in
``XCreate / XUpdate / XPublic`` families. Secrets go in, never out: no response model has a password or hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field

from mongo_admin.api.json_types import NUMBER_ONLY, JsonBool
from mongo_admin.db.models import Role, Username
from mongo_admin.db.passwords import PASSWORD_MAX_LENGTH, Password


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid for.")


class UserCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    username: Username
    password: Password
    role: Role = Role.VIEWER


class UserUpdate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    role: Role | None = None
    disabled: JsonBool | None = None


class PasswordChange(BaseModel):
    model_config = ConfigDict(extra="forbid")

    current_password: str = Field(max_length=PASSWORD_MAX_LENGTH)
    new_password: Password


class SessionLogin(BaseModel):
    """A dashboard login, as JSON or as form fields."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=PASSWORD_MAX_LENGTH)


class UserPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    username: str
    role: Role
    disabled: bool
    created_at: datetime
    last_login_at: datetime | None


class UsersPublic(BaseModel):
    data: list[UserPublic]
    count: int


class SessionPublic(BaseModel):
    """A browser session (never its id: that is only in the HttpOnly cookie)."""

    user: UserPublic
    csrf_token: str = Field(description="Send it as the X-CSRF-Token header on every request other than GET, HEAD "
                                        "or OPTIONS made with the session cookie.")
    created_at: datetime
    expires_at: datetime = Field(description="When the session ends whatever the activity.")
    idle_timeout_s: int = Field(description="The session ends after this many seconds without a request.")


class ApiTokenCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str = Field(min_length=1, max_length=100)
    expires_in_days: Annotated[int, Field(ge=1, le=3650), NUMBER_ONLY] | None = Field(
        default=None, description="Omit for a token that lasts until revoked.")


class ApiTokenPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    name: str
    prefix: str
    created_at: datetime
    expires_at: datetime | None
    last_used_at: datetime | None
    revoked_at: datetime | None


class ApiTokenCreated(ApiTokenPublic):
    token: str = Field(description="The token itself: shown this once, never again.")


class ApiTokensPublic(BaseModel):
    data: list[ApiTokenPublic]
    count: int


class AuditEventPublic(BaseModel):
    model_config = ConfigDict(from_attributes=True)

    id: int
    at: datetime
    actor: str
    actor_kind: str
    method: str
    path: str
    target: str | None
    status: int
    client: str | None
    detail: str | None = Field(description="What happened, for events the request line does not describe "
                                           "(system events such as audit retention).")


class AuditEventsPublic(BaseModel):
    data: list[AuditEventPublic]
    count: int = Field(description="How many events match the filters (data holds at most limit of them).")


class HealthPublic(BaseModel):
    status: str = Field(description="ok when the API and its database are usable.")
    version: str
    database: str = Field(description="reachable or unreachable")
    schema_revision: str | None
    schema_head: str
    admin_exists: bool = Field(description="Whether an enabled user with the admin role exists. False on a fresh "
                                           "install: create the first one on the API's machine with `mongo-admin api "
                                           "create-admin --username NAME`.")
