"""Shared fixtures: real simulator processes on loopback, driven by pymongo; the platform database on each backend
it supports (SQLite, PostgreSQL)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import Base, import_model_modules, make_engine, session_factory
from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess

# The session's PostgreSQL server and a database per test (postgres_admin_url, postgres_url).
pytest_plugins = ("tests.support.postgres",)


@pytest.fixture
def mongod(tmp_path: Path) -> Iterator[SimProcess]:
    """A fresh standalone mongod simulator, stopped after the test."""
    proc = SimProcess(tmp_path).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture
def client(mongod: SimProcess) -> pymongo.MongoClient[dict[str, Any]]:
    return mongod.client()


@pytest.fixture(scope="module")
def shared_mongod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimProcess]:
    """One mongod for a whole test module (for suites of many small read/write cases)."""
    proc = SimProcess(tmp_path_factory.mktemp("shared-mongod")).start()
    try:
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def small_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    """A sharded cluster of one-member replica sets (config server and two shards) and one router, for a whole
    test module whose tests make their own databases."""
    cluster = ShardedCluster(tmp_path_factory.mktemp("small-cluster"), shards=2, members=1, config_members=1)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["sqlite", "postgresql"])
def db_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty platform database for one test, on each backend: a SQLite file, and a fresh PostgreSQL database
    (the PostgreSQL server starts only when a test first asks for it)."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'platform.db'}"
    url: str = request.getfixturevalue("postgres_url")
    return url


@pytest.fixture
def sessions(db_url: str) -> Iterator[sessionmaker[Session]]:
    """Sessions on an empty platform database with every table, on each backend (as ``db_url``)."""
    import_model_modules()
    engine = make_engine(db_url)
    Base.metadata.create_all(engine)
    yield session_factory(engine)
    engine.dispose()
