"""The administrator a secure cluster is deployed with: created once through MongoDB's localhost exception (no
user exists yet, the client is on the same machine), on the routers for the cluster (users live on the config
servers) and on every shard for maintenance that connects to shard members directly (backups, repairs).
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import TYPE_CHECKING

from mongo_admin.errors import ClusterStateError, CommandFailedError

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

AUTHENTICATION_FAILED = 18
UNAUTHORIZED = 13
ADMIN_ROLES = [{"role": "root", "db": "admin"}]

Connect = Callable[[bool], AbstractContextManager["Client"]]


def _can_log_in(connect: Connect) -> bool:
    from mongo_admin.mongo import client as mongo

    try:
        with connect(True) as client:
            mongo.run_admin(client, {"connectionStatus": 1})
        return True
    except CommandFailedError as exc:
        if exc.code == AUTHENTICATION_FAILED:
            return False
        raise


def ensure_admin(connect: Connect, user: str, password: str, where: str) -> bool:
    """Make ``user`` a root user on the target ``connect(as_admin)`` opens; True when this call created it.
    ``where`` names the target in errors (``router``, ``shard shard0``)."""
    from mongo_admin.mongo import client as mongo

    if _can_log_in(connect):
        return False
    try:
        with connect(False) as client:
            mongo.run_admin(client, {"createUser": user, "pwd": password, "roles": ADMIN_ROLES})
    except CommandFailedError as exc:
        if exc.code == UNAUTHORIZED:
            raise ClusterStateError(f"cannot create the administrator {user!r} on the {where}",
                                    "users already exist there and the stored credentials do not log in",
                                    "restore the cluster's secrets/admin.json, or create the user by hand with "
                                    "an existing administrator") from exc
        raise
    if not _can_log_in(connect):
        raise ClusterStateError(f"the administrator {user!r} was created on the {where} but cannot log in",
                                "authentication still fails with the stored password",
                                "check the server log for the authentication failure")
    return True
