"""``mongo-admin`` root group: global options, the Application object, and error-to-exit-code mapping.

Command modules import only Click at module level and do their heavy imports (pymongo, rich, psutil)
inside the command, so ``mongo-admin --help`` stays fast.
"""

from __future__ import annotations

from typing import IO, Any

import click

from mongo_admin import __version__
from mongo_admin.cli.api import api
from mongo_admin.cli.app import Application
from mongo_admin.cli.backup import backup
from mongo_admin.cli.binaries import binaries
from mongo_admin.cli.cluster import cluster
from mongo_admin.cli.health import health_check
from mongo_admin.cli.paths import paths
from mongo_admin.cli.restore import restore
from mongo_admin.cli.sandbox import sandbox
from mongo_admin.errors import MongoAdminError
from mongo_admin.output import OutputFormat


class ReportedError(click.ClickException):
    """A MongoAdminError on its way out: exit code 1 and ``error: <what>: <why>`` / ``  fix: <fix>``."""

    exit_code = 1

    def show(self, file: IO[Any] | None = None) -> None:
        click.echo(f"error: {self.message}", err=True)


class RootGroup(click.Group):
    def invoke(self, ctx: click.Context) -> Any:
        try:
            return super().invoke(ctx)
        except MongoAdminError as exc:
            raise ReportedError(exc.message()) from exc


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mongo-admin", message="%(prog)s %(version)s")
@click.option("-o", "--output", type=click.Choice([each.value for each in OutputFormat]), default="table",
              show_default=True, envvar="MONGO_ADMIN_OUTPUT", help="How results are printed on stdout.")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.pass_context
def cli(ctx: click.Context, output: str, verbose: int, quiet: bool) -> None:
    """Operate self-managed MongoDB sharded clusters.

    Results go to stdout (table, JSON or YAML); progress and errors go to stderr. Every output says when
    the server is the mongosim simulator rather than real MongoDB.
    """
    ctx.obj = Application(OutputFormat(output), verbose, quiet)


cli.add_command(sandbox)
cli.add_command(cluster)
cli.add_command(backup)
cli.add_command(restore)
cli.add_command(health_check)
cli.add_command(binaries)
cli.add_command(paths)
cli.add_command(api)


def main() -> int:
    """Console-script entry point; Click exits with the command's code (0, 1 for errors, 2 for usage)."""
    cli.main(prog_name="mongo-admin")
    return 0
