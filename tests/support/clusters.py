"""Clusters deployed with mongo-admin for a test or a benchmark, and the cleanup that kills whatever a failed
test left running."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from mongo_admin.ops.cluster.deploy import DeployOptions, deploy
from mongo_admin.ops.cluster.lifecycle import destroy_cluster
from mongo_admin.providers import local
from mongo_admin.spec.load import parse_spec


def kill_cluster_leftovers(home: Path) -> None:
    """SIGKILL every cluster node still running under ``home``: each node's pid file sits in its node directory,
    next to the log path its command line names (so a recycled pid is never killed)."""
    for pidfile in sorted((home / "clusters").glob("*/nodes/*/*.pid")):
        pid = local.read_pid_file(pidfile)
        if pid and local.is_running(pid, str(pidfile.with_suffix(".log"))):
            os.kill(pid, signal.SIGKILL)


@contextmanager
def deployed_cluster(text: str, home: Path) -> Iterator[str]:
    """Deploy the spec ``text`` under ``home`` for the block (its name is yielded); afterwards destroy it and kill
    whatever is left running, also when the block failed."""
    spec = parse_spec(text)
    try:
        deploy(spec, text, DeployOptions(home=home))
    except BaseException:
        kill_cluster_leftovers(home)  # a partial deploy: what it started, not a destroy of what it never recorded
        raise
    try:
        yield spec.name
    finally:
        try:
            destroy_cluster(spec.name, home)
        finally:
            kill_cluster_leftovers(home)
