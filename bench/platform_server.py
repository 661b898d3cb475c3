"""The platform as a benchmark runs it: a SQLite platform database under a throwaway home, migrated and given its
admin user with the CLI, then served by `mongo-admin api serve` in its own process; and the small HTTP client the
benchmarks use to talk to it."""

from __future__ import annotations

import json
import os
import secrets
import signal
import subprocess
import sys
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from tests.support.simproc import free_port, wait_until

from mongo_admin.db.crypto import generate_key

ADMIN = "bench"
CLI = str(Path(sys.executable).parent / "mongo-admin")


def platform_env(home: Path, **settings: str) -> dict[str, str]:
    """The environment of a production API over ``home``/platform.db, plus MONGO_ADMIN_<NAME> ``settings``."""
    return {**os.environ, "MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_DATABASE_URL": database_url(home),
            "MONGO_ADMIN_SECRET_KEY": secrets.token_urlsafe(48), "MONGO_ADMIN_CREDENTIALS_KEY": generate_key().decode(),
            **{f"MONGO_ADMIN_{name.upper()}": value for name, value in settings.items()}}


def database_url(home: Path) -> str:
    return f"sqlite:///{home / 'platform.db'}"


def create_platform(home: Path, env: dict[str, str]) -> str:
    """Migrate the database and create the admin user (``ADMIN``) with the CLI; its password."""
    password = secrets.token_urlsafe(24)
    (home / "password").write_text(password + "\n")
    subprocess.run([CLI, "api", "migrate"], env=env, check=True, stdout=subprocess.DEVNULL)
    subprocess.run([CLI, "api", "create-admin", "--username", ADMIN, "--password-file", str(home / "password")],
                   env=env, check=True, stdout=subprocess.DEVNULL)
    return password


@contextmanager
def serving(env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """`mongo-admin api serve` on a free loopback port for the block: its base URL and pid."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen([CLI, "api", "serve", "--port", str(port), "--log-level", "warning"], env=env,
                              stdout=subprocess.DEVNULL)
    try:
        wait_until(lambda: request(base, "/api/v1/health")[0] == 200, "see the API server answer", 60, 0.5)
        yield base, server.pid
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(60)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()


def request(base: str, path: str, token: str | None = None, body: dict[str, Any] | None = None,
            form: dict[str, str] | None = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    data = None
    if body is not None:
        data, headers["Content-Type"] = json.dumps(body).encode(), "application/json"
    elif form is not None:
        data, headers["Content-Type"] = urllib.parse.urlencode(form).encode(), "application/x-www-form-urlencoded"
    try:
        with urllib.request.urlopen(urllib.request.Request(base + path, data, headers), timeout=30) as response:
            return response.status, json.loads(response.read() or b"null")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode()
    except OSError as exc:
        return 0, str(exc)


def login(base: str, password: str) -> str:
    """A bearer token of the admin user."""
    status, body = request(base, "/api/v1/auth/token", form={"username": ADMIN, "password": password})
    assert status == 200, body
    return str(body["access_token"])


def cpu_model() -> str:
    for line in Path("/proc/cpuinfo").read_text().splitlines():
        if line.startswith("model name"):
            return line.split(":", 1)[1].strip()
    return "unknown CPU"
