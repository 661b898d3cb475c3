"""Where API mode gets its address and its token.

The address is ``--api URL`` (or ``$MONGO_ADMIN_API_URL``): the API server's root, ``/api/v1`` added unless the
URL already ends with it. The token comes from ``--token-file PATH`` (or ``$MONGO_ADMIN_API_TOKEN_FILE``), else
``$MONGO_ADMIN_API_TOKEN``, else the login ``mongo-admin api login`` stored for that same address in
``$MONGO_ADMIN_HOME/api-login.json`` (mode 0600). A token is never a command-line value: ``ps`` and the shell's
history would show it.
"""

from __future__ import annotations

import ipaddress
import json
import os
import stat
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from pathlib import Path
from urllib.parse import urlsplit

from mongo_admin.errors import InvalidInputError

URL_ENV = "MONGO_ADMIN_API_URL"
TOKEN_ENV = "MONGO_ADMIN_API_TOKEN"
TOKEN_FILE_ENV = "MONGO_ADMIN_API_TOKEN_FILE"
LOGIN_FILE = "api-login.json"
API_PREFIX = "/api/v1"


def normalize_url(value: str) -> str:
    """``value`` as the API's root (no trailing ``/``, no ``/api/v1``); InvalidInputError when it is not an
    http(s) URL with a host."""
    parts = urlsplit(value.strip())
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise InvalidInputError(f"{value!r} is not the address of an API", "it needs http:// or https:// and a host",
                                "give it as https://host:port, e.g. --api https://ops.example:8000")
    if parts.query or parts.fragment or parts.username or parts.password:
        raise InvalidInputError(f"{value!r} is not the address of an API",
                                "it carries a query, a fragment or credentials",
                                "give only scheme, host, port and path; the token goes in --token-file or "
                                f"${TOKEN_ENV}")
    path = parts.path.rstrip("/")
    path = path.removesuffix(API_PREFIX)
    return f"{parts.scheme}://{parts.netloc}{path}"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def cleartext_warning(url: str) -> str | None:
    """A warning for an http:// address off this machine: the token would cross the network readable."""
    parts = urlsplit(url)
    if parts.scheme == "http" and not is_loopback(parts.hostname or ""):
        return (f"warning: {url} is plain http to another machine: the API token and every answer cross the "
                "network unencrypted; use https://")
    return None


@dataclass(frozen=True)
class StoredLogin:
    """What ``mongo-admin api login`` keeps: the API token it created, for one API address."""

    url: str
    username: str
    token: str
    token_id: int
    token_name: str


def login_file(home: Path) -> Path:
    return home / LOGIN_FILE


def read_login(home: Path) -> StoredLogin | None:
    path = login_file(home)
    try:
        data = json.loads(path.read_text())
        return StoredLogin(**data)
    except FileNotFoundError:
        return None
    except (ValueError, TypeError) as exc:
        raise InvalidInputError(f"the stored API login {path} cannot be read", str(exc).splitlines()[0],
                                "delete it and log in again: mongo-admin --api URL api login") from None


def write_login(home: Path, login: StoredLogin) -> Path:
    """Store ``login`` (replacing any other), readable by this user only."""
    from mongo_admin.ops.records import write_atomic

    path = login_file(home)
    write_atomic(path, (json.dumps(asdict(login), indent=2) + "\n").encode(), mode=0o600)
    return path


def remove_login(home: Path) -> bool:
    try:
        login_file(home).unlink()
    except FileNotFoundError:
        return False
    return True


@dataclass(frozen=True)
class Token:
    """A bearer token and where it came from (said in errors, never the token itself)."""

    value: str
    source: str


def read_token_file(path: Path) -> tuple[str, str | None]:
    """The token in ``path`` (its first line) and a warning when others may read the file."""
    try:
        text = path.read_text()
        mode = path.stat().st_mode
    except OSError as exc:
        raise InvalidInputError(f"cannot read the token file {path}", exc.strerror or str(exc),
                                "give a readable file holding the API token on its first line") from None
    lines = text.splitlines()
    token = lines[0].strip() if lines else ""
    if not token:
        raise InvalidInputError(f"the token file {path} is empty", "its first line should be the API token",
                                "write the token into it (mongo-admin api login can store one for you)")
    warning = None
    if mode & (stat.S_IRWXG | stat.S_IRWXO):
        warning = f"warning: the token file {path} can be read by other users; chmod 600 {path}"
    return token, warning


def find_token(url: str, token_file: Path | None, home: Path,
               environ: Mapping[str, str] | None = None) -> tuple[Token | None, str | None]:
    """The token to send to ``url`` and a warning to show, by precedence: the token file, the environment
    variable, the stored login for this address."""
    env = os.environ if environ is None else environ
    if token_file is not None:
        value, warning = read_token_file(token_file)
        return Token(value, f"the token file {token_file}"), warning
    if env.get(TOKEN_ENV, "").strip():
        return Token(env[TOKEN_ENV].strip(), f"${TOKEN_ENV}"), None
    login = read_login(home)
    if login is not None and login.url == url:
        return Token(login.token, f"the login of {login.username} stored in {login_file(home)}"), None
    return None, None
