"""The Application object every command receives: output format, verbosity, where to write what, and the API
when commands run through it (``--api URL``).

Data goes to stdout in the chosen format; progress, details and errors go to stderr, so
``mongo-admin --output json ... | jq`` always sees clean JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from mongo_admin.errors import InvalidInputError
from mongo_admin.home import platform_home
from mongo_admin.output import OutputFormat, render

if TYPE_CHECKING:
    from mongo_admin.cli.api_client import ApiClient


class Application:
    def __init__(self, output: OutputFormat = OutputFormat.TABLE, verbosity: int = 0, quiet: bool = False,
                 api_url: str | None = None, token_file: Path | None = None) -> None:
        self.output = output
        self.verbosity = verbosity
        self.quiet = quiet
        self.api_url = api_url
        self.token_file = token_file
        self._client: ApiClient | None = None

    @property
    def home(self) -> Path:
        return platform_home()

    @property
    def api(self) -> ApiClient | None:
        """The API's client when commands run through it (--api), else None; the token is read on first use."""
        if self.api_url is None:
            return None
        if self._client is None:
            from mongo_admin.cli.api_client import ApiClient
            from mongo_admin.cli.api_config import cleartext_warning, find_token

            token, warning = find_token(self.api_url, self.token_file, self.home)
            for line in (cleartext_warning(self.api_url), warning):
                if line:
                    click.echo(line, err=True)
            self._client = ApiClient(self.api_url, token)
        return self._client

    def require_api(self, command: str, why: str) -> ApiClient:
        """The API's client, for a command that exists only through the API."""
        client = self.api
        if client is None:
            raise InvalidInputError(f"'mongo-admin {command}' needs the API", why,
                                    "give --api URL (or set $MONGO_ADMIN_API_URL), e.g. mongo-admin --api "
                                    f"https://ops.example:8000 {command}")
        return client

    def local_only(self, command: str, why: str) -> None:
        """Refuse --api for a command that only makes sense on this machine, saying why."""
        if self.api_url is not None:
            raise InvalidInputError(f"'mongo-admin {command}' does not run through the API", why,
                                    "run it without --api (and without $MONGO_ADMIN_API_URL in the environment)")

    def progress(self, message: str) -> None:
        """A step the user may want to follow (hidden by --quiet)."""
        if not self.quiet:
            click.echo(message, err=True)

    def detail(self, message: str) -> None:
        """Extra information shown only with -v."""
        if self.verbosity > 0 and not self.quiet:
            click.echo(message, err=True)

    def render(self, result: Any) -> None:
        render(result, self.output, sys.stdout)


pass_app = click.make_pass_decorator(Application)
