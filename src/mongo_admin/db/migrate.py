"""Alembic, driven from code: upgrade the platform database to head, and tell whether a database's schema is
the one this code expects (the API refuses to start otherwise)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from functools import cache
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.errors import DatabaseSchemaError

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATE_FIX = "run `mongo-admin api migrate` (with the same MONGO_ADMIN_DATABASE_URL)"


def alembic_config(url: str) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS_DIR))
    # A literal '%' in a URL (an escaped password) must survive ConfigParser interpolation.
    config.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return config


@cache
def head_revision() -> str:
    head = ScriptDirectory.from_config(alembic_config("sqlite://")).get_current_head()
    assert head is not None, "the migrations directory has no revision"
    return head


def current_revision(engine: Engine) -> str | None:
    """The revision the database is at; None for an empty database."""
    try:
        with engine.connect() as connection:
            return MigrationContext.configure(connection).get_current_revision()
    except SQLAlchemyError as exc:
        # The driver's first line says why (refused, unknown host, authentication failed); it names the user and
        # server, never the password, and no statement or parameter follows on that line.
        said = str(getattr(exc, "orig", None) or "").strip().splitlines()
        raise DatabaseSchemaError("the platform database is unreachable",
                                  f"{type(exc).__name__}: {said[0]}" if said else type(exc).__name__,
                                  "check MONGO_ADMIN_DATABASE_URL and that the database server is up") from exc


def upgrade(url: str) -> tuple[str | None, str]:
    """Upgrade the database at ``url`` to head; returns (revision before, revision after)."""
    engine = make_engine(url)
    try:
        before = current_revision(engine)
        config = alembic_config(url)
        with engine.begin() as connection:
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        return before, head_revision()
    finally:
        engine.dispose()


def check_schema(engine: Engine) -> str:
    """The database's revision, when it is head; otherwise a DatabaseSchemaError saying what to run."""
    current, head = current_revision(engine), head_revision()
    if current != head:
        state = "empty (no schema)" if current is None else f"at revision {current}"
        raise DatabaseSchemaError("the platform database schema is out of date",
                                  f"the database is {state}, this version of mongo-admin needs {head}", MIGRATE_FIX)
    return current


@contextmanager
def migrated_sessions(url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on the database at ``url`` once its schema is proven at head (a DatabaseSchemaError saying what to
    run otherwise), for work outside the API process; the engine is disposed on exit."""
    engine = make_engine(url)
    try:
        check_schema(engine)
        yield session_factory(engine)
    finally:
        engine.dispose()
