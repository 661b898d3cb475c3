"""Tables of the platform itself: its users, their API tokens and browser sessions, failed logins, the audit
trail, and the clusters it manages (with their MongoDB credentials, encrypted at rest)."""

from __future__ import annotations

import hashlib
from datetime import datetime, timedelta
from enum import StrEnum
from typing import Annotated

from pydantic import StringConstraints
from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from mongo_admin.db.base import Base, UTCDateTime, utcnow
from mongo_admin.db.crypto import CredentialCipher, MongoCredentials

USERS_TABLE = "users"
API_TOKENS_TABLE = "api_tokens"
SESSIONS_TABLE = "sessions"
LOGIN_FAILURES_TABLE = "login_failures"
AUDIT_EVENTS_TABLE = "audit_events"
CLUSTERS_TABLE = "clusters"

# A platform user name, as the API and the CLI accept it (it fits the users.username column).
Username = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9_.@-]{1,64}$")]


def secret_digest(secret: str) -> str:
    """What is stored in place of a random secret the platform hands out (an API token, a session id): its
    SHA-256. Enough, since the secret is 256 random bits, not a password a person chose."""
    return hashlib.sha256(secret.encode()).hexdigest()


# A token's or a session's last use is written at most this often, so an authenticated read is not also a write.
LAST_USE_RESOLUTION = timedelta(minutes=1)


def last_use_due(last: datetime | None, now: datetime) -> bool:
    """Whether a last-use time of ``last`` is worth moving to ``now`` (see LAST_USE_RESOLUTION)."""
    return last is None or now - last >= LAST_USE_RESOLUTION


class Role(StrEnum):
    """Platform roles, each including the ones before it: viewer < operator < admin."""

    VIEWER = "viewer"
    OPERATOR = "operator"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)

    def allows(self, minimum: Role) -> bool:
        return self.rank >= minimum.rank


class User(Base):
    __tablename__ = USERS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64), unique=True)
    # argon2id, with its parameters and salt in the encoded string.
    password_hash: Mapped[str] = mapped_column(String(255))
    role: Mapped[str] = mapped_column(String(16), default=Role.VIEWER.value)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)

    @property
    def role_enum(self) -> Role:
        return Role(self.role)


class ApiToken(Base):
    """A long-lived token for automation; only its SHA-256 is kept (the token is shown once, at creation)."""

    __tablename__ = API_TOKENS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{USERS_TABLE}.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    # The first characters of the token, enough for a person to recognise it in a list.
    prefix: Mapped[str] = mapped_column(String(16))
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)


class BrowserSession(Base):
    """A dashboard login: the browser holds a random id in an HttpOnly cookie, only its SHA-256 is kept here. It
    ends when revoked (logout, user disabled, password changed), after the idle timeout since ``last_seen_at``,
    or at ``expires_at`` whatever the activity."""

    __tablename__ = SESSIONS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey(f"{USERS_TABLE}.id", ondelete="CASCADE"), index=True)
    id_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime(), default=None)
    client: Mapped[str | None] = mapped_column(String(64), default=None)


class LoginFailure(Base):
    """One failed login for a user name (lower-cased) from a client address; kept for the lockout window only.
    In the database, so every API process counts the same failures."""

    __tablename__ = LOGIN_FAILURES_TABLE
    __table_args__ = (Index("ix_login_failures_username_client_at", "username", "client", "at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    client: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)


class AuditEvent(Base):
    """One state-changing request: who, what, on which target, the outcome, when. The actor is a name, not a
    foreign key, so the trail outlives deleted users. Request bodies are never recorded."""

    __tablename__ = AUDIT_EVENTS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    actor: Mapped[str] = mapped_column(String(64), index=True)
    # "user" (password login / JWT), "token" (API token), "session" (browser session cookie), "anonymous",
    # "system" (what the platform does by itself, e.g. audit retention).
    actor_kind: Mapped[str] = mapped_column(String(16))
    method: Mapped[str] = mapped_column(String(8))
    path: Mapped[str] = mapped_column(String(512))
    target: Mapped[str | None] = mapped_column(String(256), default=None, index=True)
    status: Mapped[int] = mapped_column(Integer)
    client: Mapped[str | None] = mapped_column(String(64), default=None)
    # What happened, when the request line does not say it (system events: "removed 120 events ...").
    detail: Mapped[str | None] = mapped_column(String(512), default=None)


class RegisteredCluster(Base):
    """A cluster the platform manages: registered by connection string, or created by deploy. The connection
    string never carries credentials; they are kept encrypted in ``credentials_encrypted``."""

    __tablename__ = CLUSTERS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(64), unique=True)
    connection_string: Mapped[str] = mapped_column(String(2048))
    # "registered" or "deployed".
    source: Mapped[str] = mapped_column(String(16), default="registered")
    tls: Mapped[bool] = mapped_column(Boolean, default=False)
    credentials_encrypted: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    def __repr__(self) -> str:
        return f"RegisteredCluster(name={self.name!r}, source={self.source!r})"

    def set_credentials(self, cipher: CredentialCipher, credentials: MongoCredentials | None) -> None:
        self.credentials_encrypted = None if credentials is None else cipher.encrypt(credentials)

    def credentials(self, cipher: CredentialCipher) -> MongoCredentials | None:
        return None if self.credentials_encrypted is None else cipher.decrypt(self.credentials_encrypted)
