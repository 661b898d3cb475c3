"""A real API application over a real (SQLite) platform database, migrated once per session and copied per test;
users of every role, and bearer headers for them. Password hashing uses argon2's cheapest profile."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import argon2
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from mongo_admin.api import auth
from mongo_admin.api.app import create_app
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.db.crypto import generate_key
from mongo_admin.db.migrate import upgrade
from mongo_admin.db.models import Role, User

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
    previous = auth.use_password_hasher(argon2.PasswordHasher.from_parameters(argon2.profiles.CHEAPEST))
    yield
    auth.use_password_hasher(previous)


@dataclass
class ApiHarness:
    settings: ApiSettings
    client: TestClient
    users: dict[str, User] = field(default_factory=dict)

    def sessions(self):  # type: ignore[no-untyped-def]
        return self.client.app.state.sessions  # type: ignore[attr-defined]

    def add_user(self, username: str, role: str, password: str = PASSWORD, disabled: bool = False) -> User:
        with self.sessions()() as session:
            user = User(username=username, password_hash=auth.hash_password(password), role=Role(role).value,
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


def make_settings(db_path: Path, **overrides: object) -> ApiSettings:
    values: dict[str, object] = {"environment": "production", "database_url": f"sqlite:///{db_path}",
                                 "secret_key": SecretStr(SECRET),
                                 "credentials_key": SecretStr(generate_key().decode()),
                                 "credentials_key_file": db_path.parent / "absent.key",
                                 # No job workers, scheduler or metrics threads: jobs are recorded and stay queued.
                                 # A test that runs jobs passes background=True.
                                 "background": False}
    values.update(overrides)
    return ApiSettings(**values)  # type: ignore[arg-type]


@pytest.fixture
def api(tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None) -> Iterator[ApiHarness]:
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path)
    app = create_app(settings)
    with TestClient(app, raise_server_exceptions=False) as client:
        harness = ApiHarness(settings, client)
        for role in ROLES:
            harness.users[role] = harness.add_user(role, role)
        yield harness


def open_sessions(url: str):  # type: ignore[no-untyped-def]
    return session_factory(make_engine(url))
