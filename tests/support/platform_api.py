"""A real API application over a real platform database: SQLite migrated once per session and copied per test
(``api``), or each backend migrated per test (``api_on_each_database``); users of every role, and bearer headers
for them. Password hashing uses argon2's cheapest profile."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import argon2
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mongo_admin.api import auth
from mongo_admin.api.app import create_app
from mongo_admin.api.browser_sessions import COOKIE_NAME, CSRF_HEADER
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.db.crypto import generate_key
from mongo_admin.db.migrate import upgrade
from mongo_admin.db.models import Role, User
from mongo_admin.db.passwords import hash_password, use_password_hasher

SECRET = "test-signing-key-" + "k" * 40
PASSWORD = "correct horse battery staple"
ROLES = ("viewer", "operator", "admin")


@pytest.fixture(scope="session")
def migrated_db_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("platform-db") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def cheap_password_hashing() -> Iterator[None]:
    previous = use_password_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    yield
    use_password_hasher(previous)


@dataclass
class ApiHarness:
    settings: ApiSettings
    client: TestClient
    users: dict[str, User] = field(default_factory=dict)

    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.sessions  # type: ignore[attr-defined]

    def add_user(self, username: str, role: str, password: str = PASSWORD, disabled: bool = False) -> User:
        with self.sessions()() as session:
            user = User(username=username, password_hash=hash_password(password), role=Role(role).value,
                        disabled=disabled)
            session.add(user)
            session.commit()
            return user

    def headers(self, role: str | None) -> dict[str, str]:
        """Bearer headers for the user of ``role`` (anonymous: none)."""
        if role is None:
            return {}
        return {"Authorization": f"Bearer {auth.issue_access_token(self.users[role], self.settings)}"}

    def login(self, username: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
        return self.client.post("/api/v1/auth/token", data={"username": username, "password": password})

    def session_headers(self, role: str | None) -> dict[str, str]:
        """Headers of a dashboard session of the user of ``role`` (anonymous: none): its cookie, sent explicitly
        (the client's cookie jar keeps no Secure cookie over http), and its CSRF token."""
        if role is None:
            return {}
        response = self.client.post("/api/v1/auth/session", json={"username": role, "password": PASSWORD})
        assert response.status_code == 201, response.text
        return {"Cookie": f"{COOKIE_NAME}={response.cookies[COOKIE_NAME]}",
                CSRF_HEADER: response.json()["csrf_token"]}


def make_settings(db_path: Path, database_url: str | None = None, **overrides: object) -> ApiSettings:
    """Production settings over the SQLite file ``db_path``, or over ``database_url`` when given (the credentials
    key file named, never created, is next to ``db_path`` either way)."""
    values: dict[str, object] = {"environment": "production", "database_url": database_url or f"sqlite:///{db_path}",
                                 "secret_key": SecretStr(SECRET),
                                 "credentials_key": SecretStr(generate_key().decode()),
                                 "credentials_key_file": db_path.parent / "absent.key",
                                 # No job workers, scheduler or metrics threads: jobs are recorded and stay queued.
                                 # A test that runs jobs passes background=True.
                                 "background": False}
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


@contextmanager
def running_api(settings: ApiSettings) -> Iterator[ApiHarness]:
    """The application of ``settings`` (its database migrated already) behind a test client, with a user of
    every role."""
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = ApiHarness(settings, client)
        for role in ROLES:
            harness.users[role] = harness.add_user(role, role)
        yield harness


@pytest.fixture
def api(tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None) -> Iterator[ApiHarness]:
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    with running_api(make_settings(db_path)) as harness:
        yield harness


@pytest.fixture
def api_on_each_database(db_url: str, tmp_path: Path, cheap_password_hashing: None) -> Iterator[ApiHarness]:
    """The API over a database migrated for the test, once on SQLite and once on PostgreSQL."""
    upgrade(db_url)
    with running_api(make_settings(tmp_path / "platform.db", database_url=db_url)) as harness:
        yield harness


def open_sessions(url: str):  # type: ignore[no-untyped-def]
    return session_factory(make_engine(url))
