"""Platform database: migrations to head, the schema check at start, credentials encrypted at rest."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from mongo_admin.api.app import create_app
from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.db.crypto import CredentialCipher, MongoCredentials, generate_key, load_cipher
from mongo_admin.db.migrate import check_schema, current_revision, head_revision, upgrade
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import CredentialsKeyError, DatabaseSchemaError
from tests.support.platform_api import make_settings


def test_migrations_upgrade_an_empty_sqlite_database_to_head(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'sub' / 'platform.db'}"
    assert upgrade(url) == (None, head_revision())
    engine = make_engine(url)
    try:
        assert check_schema(engine) == head_revision()
        tables = set(inspect(engine).get_table_names())
        assert {"users", "api_tokens", "audit_events", "clusters", "alembic_version"} <= tables
    finally:
        engine.dispose()
    assert upgrade(url) == (head_revision(), head_revision())  # idempotent


def test_the_app_refuses_an_out_of_date_schema(tmp_path: Path) -> None:
    db_path = tmp_path / "platform.db"
    with pytest.raises(DatabaseSchemaError) as raised:
        create_app(make_settings(db_path))
    assert raised.value.what == "the platform database schema is out of date"
    assert "empty" in raised.value.why
    assert "mongo-admin api migrate" in raised.value.fix

    upgrade(f"sqlite:///{db_path}")
    engine = make_engine(f"sqlite:///{db_path}")
    with engine.begin() as connection:
        connection.execute(text("UPDATE alembic_version SET version_num = 'older'"))
    assert current_revision(engine) == "older"
    engine.dispose()
    with pytest.raises(DatabaseSchemaError, match="at revision older"):
        create_app(make_settings(db_path))


def test_cluster_credentials_are_encrypted_at_rest(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'platform.db'}"
    upgrade(url)
    cipher = CredentialCipher([generate_key()])
    secret = "Sup3r-Secret-Mongo-Password"
    engine = make_engine(url)
    try:
        with session_factory(engine)() as session:
            cluster = RegisteredCluster(name="prod", connection_string="mongodb://r1.example:27017/")
            cluster.set_credentials(cipher, MongoCredentials("clusterAdmin", secret))
            session.add(cluster)
            session.commit()
        with engine.connect() as connection:
            raw = connection.execute(text("SELECT * FROM clusters")).all()
        assert secret not in repr(raw)
        assert "clusterAdmin" not in repr(raw)
        with session_factory(engine)() as session:
            stored = session.query(RegisteredCluster).one()
            assert stored.credentials(cipher) == MongoCredentials("clusterAdmin", secret)
            assert secret not in repr(stored.credentials(cipher))
            with pytest.raises(CredentialsKeyError, match="cannot be decrypted"):
                stored.credentials(CredentialCipher([generate_key()]))
    finally:
        engine.dispose()
    assert secret not in (tmp_path / "platform.db").read_bytes().decode("latin-1")


def test_credentials_key_file_is_created_only_in_development_and_must_be_private(tmp_path: Path) -> None:
    key_file = tmp_path / "credentials.key"
    with pytest.raises(CredentialsKeyError, match="does not exist"):
        load_cipher(None, key_file, create=False)
    load_cipher(None, key_file, create=True)
    assert key_file.stat().st_mode & 0o777 == 0o600
    key_file.chmod(0o644)
    with pytest.raises(CredentialsKeyError, match="readable by other users"):
        load_cipher(None, key_file, create=False)
