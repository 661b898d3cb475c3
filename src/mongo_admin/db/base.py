"""What every table of the platform database is declared on, and how the database is opened.

Each package declares its tables in its own module on :class:`Base` (``db/models.py`` for users, tokens, audit
and clusters; ``jobs/models.py``; ``metrics/models.py``); :data:`MODEL_MODULES` lists them so Alembic and the
schema check see every table. Times are stored as UTC and always come back timezone-aware (:class:`UTCDateTime`),
on SQLite as on PostgreSQL.
"""

from __future__ import annotations

import importlib
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Engine, MetaData, create_engine, event
from sqlalchemy.engine import URL, Dialect, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.pool import StaticPool
from sqlalchemy.types import TypeDecorator

from mongo_admin.errors import InvalidInputError

# Every module that declares tables; imported by Alembic's env.py and by the schema check.
MODEL_MODULES = ("mongo_admin.db.models", "mongo_admin.jobs.models", "mongo_admin.metrics.models")

# The driver the platform ships for each database it supports; a URL without a driver gets this one.
SUPPORTED_DRIVERS = {"sqlite": "pysqlite", "postgresql": "psycopg"}
URL_FIX = ("give MONGO_ADMIN_DATABASE_URL as sqlite:///path/to/platform.db or "
           "postgresql+psycopg://user:password@host:5432/database")

# Stable constraint names, so migrations can drop or alter them on SQLite and PostgreSQL alike.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """Now, timezone-aware in UTC: the only clock the models use for defaults."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timestamp stored as UTC and read back timezone-aware (SQLite keeps no zone; naive input is refused)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column; use mongo_admin.db.base.utcnow()")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def import_model_modules() -> None:
    """Import every module of :data:`MODEL_MODULES` that exists, so ``Base.metadata`` holds every table."""
    for name in MODEL_MODULES:
        try:
            importlib.import_module(name)
        except ModuleNotFoundError as exc:
            # Only a package that is not there yet is skipped; a broken import inside one still fails loudly.
            if exc.name is None or not name.startswith(exc.name):
                raise


def database_url(url: str) -> URL:
    """``url`` parsed, with the driver the platform ships for its backend: a plain ``postgresql://`` URL means
    psycopg 3 (SQLAlchemy would otherwise look for psycopg2, which is not installed). InvalidInputError for a URL
    that cannot be parsed or names a backend the platform does not support; the password is never repeated."""
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise InvalidInputError("the platform database URL cannot be parsed", "it is not a SQLAlchemy database URL",
                                URL_FIX) from None
    backend = parsed.get_backend_name()
    if backend not in SUPPORTED_DRIVERS:
        raise InvalidInputError(f"the platform database URL {parsed.render_as_string(hide_password=True)} names "
                                f"an unsupported database ({backend})", "the platform database is SQLite or "
                                "PostgreSQL", URL_FIX)
    driver = parsed.get_driver_name()
    if parsed.drivername == backend:
        return parsed.set(drivername=f"{backend}+{SUPPORTED_DRIVERS[backend]}")
    if driver != SUPPORTED_DRIVERS[backend]:
        raise InvalidInputError(f"the platform database URL {parsed.render_as_string(hide_password=True)} names "
                                f"the driver {driver}", f"the platform ships the {SUPPORTED_DRIVERS[backend]} "
                                f"driver for {backend}", URL_FIX)
    return parsed


def make_engine(url: str, **kwargs: Any) -> Engine:
    """An engine for ``url`` (see :func:`database_url`). For SQLite: the file's directory is created, foreign
    keys are enforced, writers wait for each other (busy timeout) instead of failing, and an in-memory database
    is shared by all threads."""
    parsed = database_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(parsed, pool_pre_ping=True, **kwargs)
    database = parsed.database or ""
    in_memory = database in ("", ":memory:") or database.startswith("file::memory:")
    if not in_memory:
        directory = Path(database).expanduser().parent
        try:
            directory.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise InvalidInputError(f"the platform database's directory {directory} cannot be created",
                                    exc.strerror or str(exc), URL_FIX) from exc
    options: dict[str, Any] = {"connect_args": {"check_same_thread": False, "timeout": 30}}
    if in_memory:
        options["poolclass"] = StaticPool
    else:
        # An API request holds its connection from its first query to its end, and waits for a worker thread
        # between its dependencies: a capped pool lets every worker wait for a connection that only a waiting
        # request can give back (a deadlock under load). SQLite connections are cheap: keep 5, never cap them.
        options["max_overflow"] = -1
    options.update(kwargs)
    engine = create_engine(parsed, **options)

    @event.listens_for(engine, "connect")
    def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        if not in_memory:
            cursor.execute("PRAGMA journal_mode=WAL")
        cursor.close()

    return engine


def session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions bound to ``engine``; objects stay readable after commit (API responses are built after it)."""
    return sessionmaker(engine, expire_on_commit=False)
