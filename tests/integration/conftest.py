"""Fixtures for tests that start real sandbox servers through mongo-admin, in a throwaway home."""

from __future__ import annotations

import contextlib
import os
import signal
from collections.abc import Iterator
from pathlib import Path

import pytest

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.sandbox import list_sandboxes, stop_sandbox
from mongo_admin.providers import local
from tests.support.clusters import kill_cluster_leftovers
from tests.support.platform_api import (  # noqa: F401  (API fixtures)
    api,
    api_on_each_database,
    cheap_password_hashing,
    migrated_db_template,
)


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A private MONGO_ADMIN_HOME; every sandbox started in it is stopped afterwards, whatever happened."""
    home = tmp_path / "home"
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(home))
    for name in ("MONGO_ADMIN_BINARY_DIR", "MONGO_ADMIN_OUTPUT"):
        monkeypatch.delenv(name, raising=False)
    yield home
    for sandbox_dir in sorted((home / "sandbox").glob("*/")):
        with contextlib.suppress(MongoAdminError):
            stop_sandbox(home, sandbox_dir.name, timeout_s=10)
        # Whatever survived a failed stop (or was never recorded) is killed by its pid file: the standalone
        # server's in the sandbox directory, each replica-set member's in member<i>/.
        for pidfile in sandbox_dir.glob("**/mongod.pid"):
            pid = local.read_pid_file(pidfile)
            if local.is_running(pid, str(pidfile.parent / "db")):
                assert pid is not None
                os.kill(pid, signal.SIGKILL)
    assert all(each.pids == [] for each in list_sandboxes(home).sandboxes)
    # Clusters: every node's pid file sits in its node directory, next to a log path its command line names.
    kill_cluster_leftovers(home)
