"""Where mongo-admin keeps its own files on this machine (sandboxes, later the platform database)."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

HOME_ENV = "MONGO_ADMIN_HOME"


def platform_home(environ: Mapping[str, str] | None = None) -> Path:
    """``$MONGO_ADMIN_HOME``, else ``$XDG_DATA_HOME/mongo-admin``, else ``~/.local/share/mongo-admin``."""
    env = os.environ if environ is None else environ
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    if env.get("XDG_DATA_HOME"):
        return Path(env["XDG_DATA_HOME"]).expanduser() / "mongo-admin"
    return Path.home() / ".local" / "share" / "mongo-admin"
