"""``mongo-admin api login`` and ``api logout``: an API token for this CLI, created with a user's password and kept
(mode 0600) in $MONGO_ADMIN_HOME/api-login.json, so later ``--api URL`` commands need no token option; logging
out revokes it on the API and forgets it."""

from __future__ import annotations

import socket
from pathlib import Path

import click

from mongo_admin.cli.app import Application, pass_app


@click.command()
@click.option("--username", required=True, help="The API user to log in as.")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read the password from this file (first line) instead of prompting.")
@click.option("--token-name", metavar="NAME", help="Name of the API token created for this CLI (default: "
                                                   "'mongo-admin CLI on <this host>').")
@click.option("--expires-in-days", type=click.IntRange(1, 3650), default=90, show_default=True,
              help="Lifetime of the token.")
@pass_app
def login(app: Application, username: str, password_file: Path | None, token_name: str | None,
          expires_in_days: int) -> None:
    """Log in to the API given with --api: create an API token for this CLI and store it for that address.

    The password is prompted for (or read from --password-file, or from stdin's first line without a terminal)
    and never stored. The token replaces any stored before; later commands with the same --api use it unless
    --token-file or $MONGO_ADMIN_API_TOKEN gives another.
    """
    from mongo_admin.cli.api_client import ApiClient, ApiRequestError
    from mongo_admin.cli.api_config import StoredLogin, Token, write_login
    from mongo_admin.cli.prompts import read_password
    from mongo_admin.errors import InvalidInputError

    client = app.require_api("api login", "it logs in to an API")
    password = read_password(password_file, confirm=False)
    try:
        access = ApiClient(client.url, None).request("POST", "/auth/token",
                                                     form={"username": username, "password": password})
    except ApiRequestError as exc:
        if exc.status != 401:
            raise
        raise InvalidInputError(f"the API at {client.url} refused the login of {username}", exc.detail or "",
                                "check the user name and the password") from None
    session = ApiClient(client.url, Token(access["access_token"], f"the login of {username}"))
    name = token_name or f"mongo-admin CLI on {socket.gethostname()}"
    created = session.post("/tokens", {"name": name, "expires_in_days": expires_in_days})
    path = write_login(app.home, StoredLogin(client.url, username, created["token"], created["id"], created["name"]))
    app.render({"message": f"logged in to {client.url} as {username}: API token {created['prefix']}... stored in "
                           f"{path} (readable by you only)",
                "url": client.url, "username": username, "token_name": created["name"],
                "token_prefix": created["prefix"], "expires_at": created["expires_at"], "stored_in": str(path)})


@click.command()
@pass_app
def logout(app: Application) -> None:
    """Revoke the API token 'api login' stored, and forget it (a token the API no longer accepts is forgotten
    all the same)."""
    from mongo_admin.cli.api_client import ApiClient, ApiRequestError
    from mongo_admin.cli.api_config import Token, login_file, read_login, remove_login

    stored = read_login(app.home)
    if stored is None:
        app.render({"message": f"not logged in: there is no {login_file(app.home)}"})
        return
    client = ApiClient(stored.url, Token(stored.token, f"the login stored in {login_file(app.home)}"))
    try:
        client.delete(f"/tokens/{stored.token_id}")
    except ApiRequestError as exc:
        if exc.status not in (401, 404):
            raise
    remove_login(app.home)
    app.render({"message": f"logged out of {stored.url}: API token {stored.token_name!r} revoked and forgotten",
                "url": stored.url, "username": stored.username})
