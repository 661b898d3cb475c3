"""The secrets a secure cluster needs, generated on this machine and kept with 0600 permissions: the keyfile
members and routers authenticate each other with, and the administrator's password. Nothing here is ever
logged or printed; outputs name the file instead.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import stat
from dataclasses import dataclass, field
from pathlib import Path

from mongo_admin.errors import ClusterStateError
from mongo_admin.ops.records import write_atomic

# 756 base64 characters, the size MongoDB's documentation generates (openssl rand -base64 756); MongoDB accepts
# 6 to 1024 characters of the base64 alphabet.
KEYFILE_BYTES = 567
PASSWORD_BYTES = 24


def generate_keyfile(path: Path) -> None:
    """A new random keyfile at ``path`` (0600), unless one exists: members started with the old one must
    keep matching."""
    if path.exists():
        return
    key = base64.b64encode(secrets.token_bytes(KEYFILE_BYTES)).decode()
    write_atomic(path, (key + "\n").encode(), mode=0o600)


@dataclass(frozen=True)
class AdminCredentials:
    user: str
    password: str = field(repr=False)
    source: str = "admin"


def ensure_admin_credentials(path: Path, user: str) -> AdminCredentials:
    """The stored administrator credentials; generated (a URL-safe random password) the first time."""
    if path.exists():
        return read_admin_credentials(path)
    credentials = AdminCredentials(user, secrets.token_urlsafe(PASSWORD_BYTES))
    write_atomic(path, json.dumps({"user": credentials.user, "password": credentials.password,
                                   "source": credentials.source}).encode(), mode=0o600)
    return credentials


def read_admin_credentials(path: Path) -> AdminCredentials:
    mode = stat.S_IMODE(os.stat(path).st_mode)
    if mode & 0o077:
        raise ClusterStateError(f"{path} is readable by other users (mode {mode:o})",
                                "it holds the cluster administrator's password",
                                f"chmod 600 {path}")
    try:
        data = json.loads(path.read_text())
        return AdminCredentials(str(data["user"]), str(data["password"]), str(data.get("source", "admin")))
    except (OSError, ValueError, KeyError) as exc:
        raise ClusterStateError(f"cannot read the administrator credentials in {path}", str(exc),
                                "restore the file from a backup of the cluster's state directory") from exc
