"""``mongo-admin api``: migrate, create-admin, serve (help and its refusals), openapi, credentials-key."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from mongo_admin.cli.main import cli
from mongo_admin.db.base import make_engine


@pytest.fixture
def env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> dict[str, str]:
    for name in ("MONGO_ADMIN_SECRET_KEY", "MONGO_ADMIN_ENVIRONMENT", "MONGO_ADMIN_DATABASE_URL",
                 "MONGO_ADMIN_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(tmp_path / "home"))
    return {"url": f"sqlite:///{tmp_path / 'home' / 'platform.db'}"}


def run(*args: str, input: str | None = None):  # type: ignore[no-untyped-def]
    return CliRunner().invoke(cli, list(args), input=input)


def test_migrate_then_create_admin_from_a_password_file(env: dict[str, str], tmp_path: Path) -> None:
    result = run("--output", "json", "api", "migrate")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["revision_before"] is None
    password_file = tmp_path / "pw"
    password_file.write_text("a-long-admin-password\n")
    created = run("api", "create-admin", "--username", "root", "--password-file", str(password_file))
    assert created.exit_code == 0, created.output
    assert "admin user root created" in created.stdout
    engine = make_engine(env["url"])
    with engine.connect() as connection:
        row = connection.execute(text("SELECT username, role, password_hash FROM users")).one()
    engine.dispose()
    assert (row.username, row.role) == ("root", "admin")
    assert row.password_hash.startswith("$argon2id$")
    again = run("api", "create-admin", "--username", "root", "--password-file", str(password_file))
    assert again.exit_code == 1
    assert "error: user root already exists" in again.stderr


def test_create_admin_refuses_a_short_password_and_an_unmigrated_database(env: dict[str, str]) -> None:
    unmigrated = run("api", "create-admin", input="a-long-admin-password\n")
    assert unmigrated.exit_code == 1
    assert "the platform database schema is out of date" in unmigrated.stderr
    assert "mongo-admin api migrate" in unmigrated.stderr
    assert run("api", "migrate").exit_code == 0
    short = run("api", "create-admin", input="short\n")
    assert short.exit_code == 1
    assert "the password is too short or too long" in short.stderr
    assert run("api", "create-admin", input="a-long-admin-password\n").exit_code == 0


def test_serve_help_lists_host_and_port() -> None:
    result = run("api", "serve", "--help")
    assert result.exit_code == 0
    assert "--host" in result.stdout and "--port" in result.stdout


def test_serve_refuses_an_insecure_secret_outside_development(env: dict[str, str],
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    missing = run("api", "serve")
    assert missing.exit_code == 1
    assert "error: the API settings cannot be used: secret_key is not set" in missing.stderr
    monkeypatch.setenv("MONGO_ADMIN_SECRET_KEY", "changethis")
    default = run("api", "serve")
    assert default.exit_code == 1
    assert "secret_key is a well-known default" in default.stderr


def test_serve_refuses_an_unmigrated_database(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_ADMIN_ENVIRONMENT", "development")
    result = run("api", "serve", "--port", "1")
    assert result.exit_code == 1
    assert "the platform database schema is out of date" in result.stderr


def test_openapi_and_credentials_key(tmp_path: Path) -> None:
    result = run("api", "openapi")
    assert result.exit_code == 0
    assert json.loads(result.stdout)["info"]["title"] == "mongo-admin API"
    key = run("api", "credentials-key")
    assert key.exit_code == 0 and len(key.stdout.strip()) == 44
