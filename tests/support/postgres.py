"""A throwaway PostgreSQL server for the test session, and a fresh database on it for each test that asks.

The server is Debian's (``apt-get install postgresql``; tools/test.sh installs it): ``initdb`` into a temporary
directory, listening on 127.0.0.1 only, on a free port, with its unix socket inside that directory and a random
password for its superuser. PostgreSQL refuses to run as root, so under root every server command runs as the
``postgres`` system user, which owns the directory. ``MONGO_ADMIN_TEST_POSTGRES_URL`` (a SQLAlchemy URL of a
superuser, e.g. ``postgresql+psycopg://postgres:pw@127.0.0.1:5432/postgres``) points the tests at a server of
your own instead: they create and drop their databases there, nothing else.

This module is a pytest plugin (``tests/conftest.py`` loads it): ``postgres_admin_url`` (session) and
``postgres_url`` (a fresh database per test, dropped after it).
"""

from __future__ import annotations

import contextlib
import os
import pwd
import secrets
import shutil
import signal
import subprocess
import tempfile
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from tests.support.simproc import free_port_block

URL_ENV = "MONGO_ADMIN_TEST_POSTGRES_URL"
SERVER_COMMANDS = ("initdb", "pg_ctl", "postgres")
# Where Debian's postgresql package puts each version's server programs: <version>/bin.
DEBIAN_DIR = Path("/usr/lib/postgresql")
SUPERUSER = "postgres"
SYSTEM_USER = "postgres"
INSTALL_FIX = (f"install Debian's PostgreSQL server (`apt-get install postgresql`; tools/test.sh does it when it "
               f"may), or set {URL_ENV} to a superuser URL of a server of your own")
# A server for tests: durability is not wanted, and many engines (two API processes, runners) connect at once.
SERVER_SETTINGS = {"listen_addresses": "127.0.0.1", "fsync": "off", "synchronous_commit": "off",
                   "full_page_writes": "off", "max_connections": "300"}


class PostgresUnavailable(RuntimeError):
    """No PostgreSQL server can be started here; the message says what to install."""


def server_bin_dir() -> Path:
    """The directory holding initdb, pg_ctl and postgres: the one on PATH, else the newest Debian version's."""
    candidates: list[Path] = []
    initdb = shutil.which("initdb")
    if initdb is not None:
        candidates.append(Path(initdb).resolve().parent)
    versions = sorted(DEBIAN_DIR.glob("*/bin"), key=lambda path: _version_key(path.parent.name))
    candidates += reversed(versions)
    for directory in candidates:
        if all((directory / name).is_file() and os.access(directory / name, os.X_OK) for name in SERVER_COMMANDS):
            return directory
    raise PostgresUnavailable("the PostgreSQL server programs (initdb, pg_ctl, postgres) are not installed: they "
                              f"are neither on PATH nor in {DEBIAN_DIR}/*/bin; " + INSTALL_FIX)


def _version_key(name: str) -> tuple[int, ...]:
    return tuple(int(part) for part in name.split(".") if part.isdigit())


class PostgresServer:
    """One server in a directory of its own; ``start`` returns its superuser URL, ``stop`` removes everything."""

    def __init__(self) -> None:
        self.bin_dir = server_bin_dir()
        self.account = self._account()
        self.root = Path(tempfile.mkdtemp(prefix="mongo-admin-pg-"))
        self.data = self.root / "data"
        self.sockets = self.root / "sockets"
        self.log = self.root / "server.log"
        self.password = secrets.token_urlsafe(24)
        self.port = 0
        self.started = False

    @staticmethod
    def _account() -> pwd.struct_passwd | None:
        """Who runs the server: nobody else when we are not root, else the postgres system user."""
        if os.geteuid() != 0:
            return None
        try:
            return pwd.getpwnam(SYSTEM_USER)
        except KeyError:
            raise PostgresUnavailable(f"PostgreSQL refuses to run as root and there is no {SYSTEM_USER!r} system "
                                      f"user to run it as; {INSTALL_FIX} (the package creates the user)") from None

    def _prepare_root(self) -> None:
        self.sockets.mkdir()
        password_file = self.root / "password"
        password_file.write_text(self.password + "\n")
        password_file.chmod(0o600)
        if self.account is None:
            return
        # The server's user must reach the directory: every parent has to let others through.
        for parent in self.root.parents:
            if not parent.stat().st_mode & 0o001:
                raise PostgresUnavailable(f"{parent} cannot be traversed by the {SYSTEM_USER} user, so the test "
                                          f"server cannot live under it; set TMPDIR to a directory such as /tmp")
        for path in (self.root, self.sockets, password_file):
            os.chown(path, self.account.pw_uid, self.account.pw_gid)

    def _run(self, *argv: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        options: dict[str, Any] = {}
        if self.account is not None:
            options = {"user": self.account.pw_uid, "group": self.account.pw_gid, "extra_groups": [],
                       "env": {**os.environ, "HOME": self.account.pw_dir, "USER": SYSTEM_USER}}
        return subprocess.run([str(self.bin_dir / argv[0]), *argv[1:]], cwd=self.root, capture_output=True,
                              text=True, timeout=timeout, check=False, stdin=subprocess.DEVNULL, **options)

    def _failure(self, result: subprocess.CompletedProcess[str], what: str) -> PostgresUnavailable:
        return PostgresUnavailable(f"{what} failed (exit {result.returncode}): {result.stdout}{result.stderr}"
                                   f"{self._log_text()[-2000:]}")

    def _log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def start(self) -> str:
        self._prepare_root()
        initdb = self._run("initdb", "-D", str(self.data), "-U", SUPERUSER, "-E", "UTF8", "--locale=C",
                           "--auth=scram-sha-256", f"--pwfile={self.root / 'password'}")
        (self.root / "password").unlink()
        if initdb.returncode != 0:
            raise self._failure(initdb, "initdb")
        for attempt in range(1, 4):
            self.port = free_port_block(1)
            settings = {**SERVER_SETTINGS, "port": str(self.port), "unix_socket_directories": str(self.sockets)}
            options = " ".join(f"-c {name}={value}" for name, value in settings.items())
            started = self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60", "-o", options,
                                "start")
            if started.returncode == 0:
                self.started = True
                return self.url()
            # Another process may have taken the free port first: try another one.
            if attempt == 3 or "could not bind" not in self._log_text():
                break
        raise self._failure(started, "pg_ctl start")

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{SUPERUSER}:{self.password}@127.0.0.1:{self.port}/{database}"

    def stop(self) -> None:
        """Stop the server (fast shutdown, then SIGKILL if it hangs) and remove its directory."""
        try:
            if self.started and self._run("pg_ctl", "-D", str(self.data), "-m", "fast", "-w", "-t", "30",
                                          "stop", timeout=60).returncode != 0:
                self._kill()
        finally:
            shutil.rmtree(self.root, ignore_errors=True)

    def _kill(self) -> None:
        pid_file = self.data / "postmaster.pid"
        with contextlib.suppress(OSError, ValueError, IndexError):
            os.kill(int(pid_file.read_text().split()[0]), signal.SIGKILL)


def create_database(admin_url: str) -> str:
    """A new, empty database on the server of ``admin_url``; its URL."""
    name = f"test_{uuid.uuid4().hex[:16]}"
    _admin(admin_url, f'CREATE DATABASE "{name}"')
    return make_url(admin_url).set(database=name).render_as_string(hide_password=False)


def drop_database(admin_url: str, url: str) -> None:
    """Drop the database of ``url``, disconnecting whatever still uses it (a killed test process, a pool)."""
    _admin(admin_url, f'DROP DATABASE IF EXISTS "{make_url(url).database}" WITH (FORCE)')


def _admin(admin_url: str, statement: str) -> None:
    engine = create_engine(admin_url, poolclass=NullPool, isolation_level="AUTOCOMMIT")
    try:
        with engine.connect() as connection:
            connection.execute(text(statement))
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_admin_url() -> Iterator[str]:
    """A superuser URL of the session's PostgreSQL server: $MONGO_ADMIN_TEST_POSTGRES_URL, else one started for
    the session (stopped at its end). Fails, never skips, when neither is possible."""
    external = os.environ.get(URL_ENV)
    if external:
        yield external
        return
    try:
        server = PostgresServer()
    except PostgresUnavailable as exc:
        pytest.fail(str(exc), pytrace=False)
    try:
        try:
            url = server.start()
        except PostgresUnavailable as exc:
            pytest.fail(f"the test PostgreSQL server did not start: {exc}", pytrace=False)
        yield url
    finally:
        server.stop()


@pytest.fixture
def postgres_url(postgres_admin_url: str) -> Iterator[str]:
    """A fresh database for one test, dropped after it."""
    url = create_database(postgres_admin_url)
    try:
        yield url
    finally:
        drop_database(postgres_admin_url, url)
