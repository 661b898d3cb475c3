"""Request and response bodies of the platform's own resources (users, tokens, audit, health), in
``XCreate / XUpdate / XPublic`` families. Secrets go in, never out: no response model has a password or hash."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from mongo_admin.db.models import Role

Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]
Password = Annotated[str, Field(min_length=12, max_length=256)]


class AccessToken(BaseModel):
    access_token: str
    token_type: str = "bearer"
    expires_in: int = Field(description="Seconds the access token is valid for.")


class UserCreate(BaseModel):
    username: Username
    password: Password
    role: Role = Role.VIEWER


class UserUpdate(BaseModel):
    role: Role | None = None
    disabled: bool | None = None


class PasswordChange(BaseModel):
    current_password: str = Field(max_length=256)
    new_password: Password


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


class ApiTokenCreate(BaseModel):
    name: str = Field(min_length=1, max_length=100)
    expires_in_days: int | None = Field(default=None, ge=1, le=3650,
                                        description="Omit for a token that lasts until revoked.")


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


class AuditEventsPublic(BaseModel):
    data: list[AuditEventPublic]
    count: int = Field(description="How many events match the filters (data holds at most limit of them).")


class HealthPublic(BaseModel):
    status: str = Field(description="ok when the API and its database are usable.")
    version: str
    database: str = Field(description="reachable or unreachable")
    schema_revision: str | None
    schema_head: str
