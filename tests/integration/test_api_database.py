"""Platform database, on SQLite and on PostgreSQL: migrations to head (the schema they build is the models'), the
schema check at start, credentials encrypted at rest, which URLs are accepted, and the API working on each."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect, text

from mongo_admin.api.app import create_app
from mongo_admin.db.base import Base, database_url, import_model_modules, make_engine, session_factory
from mongo_admin.db.crypto import CredentialCipher, MongoCredentials, generate_key, load_cipher
from mongo_admin.db.migrate import check_schema, current_revision, head_revision, upgrade
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import CredentialsKeyError, DatabaseSchemaError, InvalidInputError
from tests.support.platform_api import ApiHarness, make_settings

SECRET = "Sup3r-Secret-Mongo-Password"


def test_migrations_upgrade_an_empty_database_to_head_and_build_the_models_schema(db_url: str) -> None:
    assert upgrade(db_url) == (None, head_revision())
    engine = make_engine(db_url)
    try:
        assert check_schema(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"users", "api_tokens", "audit_events", "clusters", "jobs", "schedules", "metric_samples",
                "alembic_version"} <= tables
        import_model_modules()
        with engine.connect() as connection:
            context = MigrationContext.configure(connection, opts={"compare_type": True})
            assert compare_metadata(context, Base.metadata) == []
    finally:
        engine.dispose()
    assert upgrade(db_url) == (head_revision(), head_revision())  # idempotent


def test_the_app_refuses_an_out_of_date_schema(db_url: str, tmp_path: Path) -> None:
    settings = make_settings(tmp_path / "platform.db", database_url=db_url)
    with pytest.raises(DatabaseSchemaError) as raised:
        create_app(settings)
    assert raised.value.what == "the platform database schema is out of date"
    assert "empty" in raised.value.why
    assert "mongo-admin api migrate" in raised.value.fix

    upgrade(db_url)
    engine = make_engine(db_url)
    try:
        with engine.begin() as connection:
            connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
        assert current_revision(engine) == "older"
    finally:
        engine.dispose()
    with pytest.raises(DatabaseSchemaError, match="at revision older"):
        create_app(settings)


def test_cluster_credentials_are_encrypted_at_rest(db_url: str, tmp_path: Path) -> None:
    upgrade(db_url)
    cipher = CredentialCipher([generate_key()])
    engine = make_engine(db_url)
    try:
        with session_factory(engine)() as session:
            cluster = RegisteredCluster(name="prod", connection_string="mongodb://r1.example:27017/")
            cluster.set_credentials(cipher, MongoCredentials("clusterAdmin", SECRET))
            session.add(cluster)
            session.commit()
        with engine.connect() as connection:
            raw = connection.execute(text("SELECT * FROM clusters")).all()
        assert SECRET not in repr(raw)
        assert "clusterAdmin" not in repr(raw)
        with session_factory(engine)() as session:
            stored = session.query(RegisteredCluster).one()
            assert stored.credentials(cipher) == MongoCredentials("clusterAdmin", SECRET)
            assert SECRET not in repr(stored.credentials(cipher))
            with pytest.raises(CredentialsKeyError, match="cannot be decrypted"):
                stored.credentials(CredentialCipher([generate_key()]))
    finally:
        engine.dispose()
    for path in tmp_path.glob("platform.db*"):  # the SQLite file and its journal, when SQLite it is
        assert SECRET not in path.read_bytes().decode("latin-1")


def test_credentials_key_file_is_created_only_in_development_and_must_be_private(tmp_path: Path) -> None:
    key_file = tmp_path / "credentials.key"
    with pytest.raises(CredentialsKeyError, match="does not exist"):
        load_cipher(None, key_file, create=False)
    load_cipher(None, key_file, create=True)
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)
    with pytest.raises(CredentialsKeyError, match="readable by other users"):
        load_cipher(None, key_file, create=False)


# ------------------------------------------------------------------------------------------ URLs
def test_a_sqlite_file_gets_its_directory(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'platform.db'}"
    assert upgrade(url) == (None, head_revision())
    assert (tmp_path / "sub" / "platform.db").is_file()


def test_a_plain_postgresql_url_uses_psycopg(postgres_url: str) -> None:
    plain = postgres_url.replace("postgresql+psycopg://", "postgresql://", 1)
    assert plain.startswith("postgresql://")
    assert database_url(plain).drivername == "postgresql+psycopg"
    assert upgrade(plain) == (None, head_revision())
    engine = make_engine(plain)
    try:
        assert engine.dialect.driver == "psycopg"
        assert check_schema(engine) == head_revision()
    finally:
        engine.dispose()


def test_a_server_that_refuses_is_named_with_its_reason_not_the_password(postgres_url: str, tmp_path: Path) -> None:
    wrong = postgres_url.replace("postgresql+psycopg://postgres:", "postgresql+psycopg://postgres:wrong-", 1)
    engine = make_engine(wrong)
    try:
        with pytest.raises(DatabaseSchemaError) as raised:
            check_schema(engine)
    finally:
        engine.dispose()
    assert raised.value.what == "the platform database is unreachable"
    assert 'password authentication failed for user "postgres"' in raised.value.why
    assert "wrong-" not in raised.value.message()
    blocked = tmp_path / "file"
    blocked.write_text("")
    with pytest.raises(InvalidInputError, match=r"directory .* cannot be created"):
        make_engine(f"sqlite:///{blocked / 'platform.db'}")


@pytest.mark.parametrize(("url", "message"), [
    ("not a url", "the platform database URL cannot be parsed"),
    ("mysql://ops:hunter2-password@db.example/platform", "names an unsupported database (mysql)"),
    ("postgresql+psycopg2://ops:hunter2-password@db.example/platform", "names the driver psycopg2"),
])
def test_unusable_database_urls_are_refused_without_their_password(url: str, message: str) -> None:
    with pytest.raises(InvalidInputError) as raised:
        make_engine(url)
    assert message in raised.value.what
    assert "postgresql+psycopg://user:password@host:5432/database" in raised.value.fix
    assert "hunter2" not in raised.value.message()


# ------------------------------------------------------------------------------------------ the API
def test_the_api_works_on_each_database(api_on_each_database: ApiHarness) -> None:
    """Log in, manage users and tokens, register a cluster with credentials, read jobs and the audit trail."""
    api = api_on_each_database
    assert api.client.get("/api/v1/health").json()["status"] == "ok"
    login = api.login("admin")
    assert login.status_code == 200, login.text
    admin = {"Authorization": f"Bearer {login.json()['access_token']}"}

    created = api.client.post("/api/v1/users", json={"username": "dana", "password": "a long enough password"},
                              headers=admin)
    assert created.status_code == 201, created.text
    dana = created.json()["id"]
    assert api.client.patch(f"/api/v1/users/{dana}", json={"role": "operator"}, headers=admin).status_code == 200
    assert api.client.patch(f"/api/v1/users/{dana}", json={"disabled": True}, headers=admin).status_code == 200
    assert api.login("dana", "a long enough password").json() == {"detail": "user is disabled"}

    token = api.client.post("/api/v1/tokens", json={"name": "ci", "expires_in_days": 30}, headers=admin)
    assert token.status_code == 201, token.text
    by_token = {"Authorization": f"Bearer {token.json()['token']}"}
    assert api.client.get("/api/v1/auth/me", headers=by_token).json()["username"] == "admin"

    cluster = {"name": "remote", "connection_string": "mongodb://127.0.0.1:1/", "username": "ops",
               "password": SECRET, "tls": True}
    registered = api.client.post("/api/v1/clusters", json=cluster, headers=by_token)
    assert registered.status_code == 201, registered.text
    assert (registered.json()["has_credentials"], registered.json()["tls"]) == (True, True)
    assert api.client.post("/api/v1/clusters", json=cluster, headers=admin).status_code == 409
    listed = api.client.get("/api/v1/clusters", headers=api.headers("viewer")).json()
    assert [each["name"] for each in listed["data"]] == ["remote"]
    assert api.client.get("/api/v1/jobs", headers=api.headers("viewer")).json()["count"] == 0
    assert api.client.delete(f"/api/v1/tokens/{token.json()['id']}", headers=admin).status_code == 204
    assert api.client.get("/api/v1/auth/me", headers=by_token).status_code == 401

    audit = api.client.get("/api/v1/audit", headers=admin).json()["data"]
    users, tokens, clusters = "/api/v1/users", "/api/v1/tokens", "/api/v1/clusters"
    assert [(e["actor"], e["method"], e["path"], e["status"]) for e in reversed(audit)] == [
        ("admin", "POST", "/api/v1/auth/token", 200), ("admin", "POST", users, 201),
        ("admin", "PATCH", f"{users}/{dana}", 200), ("admin", "PATCH", f"{users}/{dana}", 200),
        ("dana", "POST", "/api/v1/auth/token", 403), ("admin", "POST", tokens, 201), ("admin", "POST", clusters, 201),
        ("admin", "POST", clusters, 409), ("admin", "DELETE", f"{tokens}/{token.json()['id']}", 204)]
    assert [e["actor_kind"] for e in audit if e["path"] == clusters] == ["user", "token"]
    since = audit[-1]["at"]
    assert len(api.client.get("/api/v1/audit", params={"since": since}, headers=admin).json()["data"]) == len(audit)
    assert SECRET not in str(audit)


def test_many_concurrent_requests_never_wait_for_a_connection_they_hold(api_on_each_database: ApiHarness) -> None:
    """More requests at once than the pool has connections (5 + 10 on PostgreSQL) and the process worker threads
    (40): each request's database work gives its connection back before the request waits for another thread, so
    every request gets its answer instead of worker threads waiting for connections held by requests that wait for
    those threads."""
    api = api_on_each_database
    admin = api.headers("admin")
    cluster = {"name": "remote", "connection_string": "mongodb://127.0.0.1:1/"}
    assert api.client.post("/api/v1/clusters", json=cluster, headers=admin).status_code == 201
    paths = ["/api/v1/clusters", "/api/v1/jobs", "/api/v1/auth/me", "/api/v1/users",
             "/api/v1/clusters/remote/metrics/series?node=router-0&metric=connections.current"]
    requests = [paths[number % len(paths)] for number in range(200)]
    with ThreadPoolExecutor(max_workers=100) as pool:
        statuses = list(pool.map(lambda path: (path, api.client.get(path, headers=admin).status_code), requests))
    assert statuses == [(path, 200) for path in requests]
