"""The operations API served over real HTTP on a loopback port (uvicorn in a thread of the test process), for
clients that do not run inside the application: the CLI's API mode, through CliRunner or as a subprocess.
Users of every role (password ``platform_api.PASSWORD``) and a bearer token for each."""

from __future__ import annotations

import shutil
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import uvicorn
from fastapi import FastAPI

from mongo_admin.api import auth
from mongo_admin.api.app import create_app
from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.models import RegisteredCluster, Role, User
from mongo_admin.db.passwords import hash_password
from tests.support.platform_api import PASSWORD, ROLES, make_settings
from tests.support.simproc import free_port, wait_until


@dataclass
class ServedApi:
    url: str
    app: FastAPI
    settings: ApiSettings
    users: dict[str, User] = field(default_factory=dict)

    def token(self, role: str) -> str:
        """A bearer token (JWT) of the user of ``role``."""
        return auth.issue_access_token(self.users[role], self.settings)

    def register_deployed(self, name: str) -> None:
        """Register a cluster of this name as deployed on the API's machine (as a deploy job would), and poll it
        when the API runs its background with a metrics interval."""
        with self.app.state.sessions() as session:
            session.add(RegisteredCluster(name=name, connection_string="mongodb://127.0.0.1", source="deployed"))
            session.commit()
        self.app.state.background.start_poller(name)

    @property
    def runner(self) -> Any:
        return self.app.state.runner


@contextmanager
def served_api(home: Path, workdir: Path, template: Path, **overrides: object) -> Iterator[ServedApi]:
    """The API over a copy of the migrated database ``template``, managing the clusters under ``home``; stopped
    (its job runner with it) when the block ends."""
    db_path = workdir / "platform.db"
    shutil.copy(template, db_path)
    settings = make_settings(db_path, home=home, **{"metrics_interval_s": 0, "access_token_minutes": 240,
                                                   **overrides})
    app = create_app(settings)
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=free_port(), log_level="warning",
                                           access_log=False))
    thread = threading.Thread(target=server.run, name="served-api", daemon=True)
    thread.start()
    try:
        wait_until(lambda: server.started or not thread.is_alive(), "the API to listen")
        assert server.started, "the API server did not start"
        served = ServedApi(f"http://127.0.0.1:{server.config.port}", app, settings)
        with app.state.sessions() as session:
            for role in ROLES:
                user = User(username=role, password_hash=hash_password(PASSWORD), role=Role(role).value)
                session.add(user)
                session.commit()
                served.users[role] = user
        yield served
    finally:
        server.should_exit = True
        thread.join(60)
