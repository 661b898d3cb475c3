"""The Application object every command receives: output format, verbosity, where to write what.

Data goes to stdout in the chosen format; progress, details and errors go to stderr, so
``mongo-admin --output json ... | jq`` always sees clean JSON.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click

from mongo_admin.home import platform_home
from mongo_admin.output import OutputFormat, render


class Application:
    def __init__(self, output: OutputFormat = OutputFormat.TABLE, verbosity: int = 0, quiet: bool = False) -> None:
        self.output = output
        self.verbosity = verbosity
        self.quiet = quiet

    @property
    def home(self) -> Path:
        return platform_home()

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
