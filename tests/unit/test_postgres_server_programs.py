"""How the tests find PostgreSQL's server programs (tests/support/postgres.py): on PATH first, else the newest of
Debian's versions; none at all is a failure saying what to install, never a silent skip."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.support import postgres
from tests.support.postgres import SERVER_COMMANDS, PostgresUnavailable, server_bin_dir


def install(directory: Path, names: tuple[str, ...] = SERVER_COMMANDS) -> Path:
    directory.mkdir(parents=True, exist_ok=True)
    for name in names:
        (directory / name).write_text("#!/bin/sh\n")
        (directory / name).chmod(0o755)
    return directory


@pytest.fixture
def debian(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty stand-in for /usr/lib/postgresql, and a PATH with nothing on it."""
    monkeypatch.setattr(postgres, "DEBIAN_DIR", tmp_path / "usr-lib-postgresql")
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    return tmp_path / "usr-lib-postgresql"


def test_the_newest_debian_version_complete_with_its_programs_is_chosen(debian: Path) -> None:
    install(debian / "9.6" / "bin")
    newest = install(debian / "15" / "bin")
    install(debian / "16" / "bin", ("initdb", "pg_ctl"))  # no server program: not usable
    assert server_bin_dir() == newest


def test_path_comes_first(debian: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    install(debian / "15" / "bin")
    own = install(tmp_path / "own-build" / "bin")
    monkeypatch.setenv("PATH", str(own))
    assert server_bin_dir() == own


def test_no_server_programs_is_a_failure_naming_what_to_install(debian: Path) -> None:
    with pytest.raises(PostgresUnavailable) as raised:
        server_bin_dir()
    message = str(raised.value)
    assert "the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed" in message
    assert "`apt-get install postgresql`" in message
    assert "tools/test.sh" in message
    assert "MONGO_ADMIN_TEST_POSTGRES_URL" in message
