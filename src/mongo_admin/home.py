"""Where mongo-admin keeps its own files on this machine (sandboxes, clusters, script logs, later the platform
database). ``mongo-admin paths`` shows these, so the shell scripts ask it instead of repeating the rules."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass
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


@dataclass(frozen=True)
class PlatformPaths:
    home: Path
    # The platform's own logs; a cluster's server and deploy logs stay with the cluster.
    logs: Path
    # One log file per run of a script under scripts/ (deploy-all.sh, health-check.sh, ...).
    script_logs: Path


def platform_paths(environ: Mapping[str, str] | None = None) -> PlatformPaths:
    home = platform_home(environ)
    return PlatformPaths(home=home, logs=home / "logs", script_logs=home / "logs" / "scripts")
