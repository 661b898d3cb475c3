"""Cleanup for tests that deploy clusters with mongo-admin: kill whatever a failed test left running."""

from __future__ import annotations

import os
import signal
from pathlib import Path

from mongo_admin.providers import local


def kill_cluster_leftovers(home: Path) -> None:
    """SIGKILL every cluster node still running under ``home``: each node's pid file sits in its node directory,
    next to the log path its command line names (so a recycled pid is never killed)."""
    for pidfile in sorted((home / "clusters").glob("*/nodes/*/*.pid")):
        pid = local.read_pid_file(pidfile)
        if pid and local.is_running(pid, str(pidfile.with_suffix(".log"))):
            os.kill(pid, signal.SIGKILL)
