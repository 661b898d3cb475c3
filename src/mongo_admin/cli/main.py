"""``mongo-admin`` root group: global options, the Application object, and error-to-exit-code mapping.

Command modules import only Click at module level and do their heavy imports (pymongo, rich, psutil)
inside the command, so ``mongo-admin --help`` stays fast.
"""

from __future__ import annotations

from pathlib import Path
from typing import IO, Any

import click

from mongo_admin import __version__
from mongo_admin.cli.api import api
from mongo_admin.cli.app import Application
from mongo_admin.cli.backup import backup
from mongo_admin.cli.binaries import binaries
from mongo_admin.cli.cluster import cluster
from mongo_admin.cli.health import health_check
from mongo_admin.cli.jobs import jobs
from mongo_admin.cli.paths import paths
from mongo_admin.cli.restore import restore
from mongo_admin.cli.sandbox import sandbox
from mongo_admin.cli.schedules import schedules
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


def _api_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from mongo_admin.cli.api_config import normalize_url

    if value is None or not value.strip():
        return None
    try:
        return normalize_url(value)
    except MongoAdminError as exc:
        raise click.BadParameter(f"{exc.what}: {exc.why}; {exc.fix}") from None


@click.group(cls=RootGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mongo-admin", message="%(prog)s %(version)s")
@click.option("-o", "--output", type=click.Choice([each.value for each in OutputFormat]), default="table",
              show_default=True, envvar="MONGO_ADMIN_OUTPUT", help="How results are printed on stdout.")
@click.option("-v", "--verbose", count=True, help="Say more on stderr (repeatable).")
@click.option("-q", "--quiet", is_flag=True, help="Print only results and errors.")
@click.option("--api", "api_url", metavar="URL", envvar="MONGO_ADMIN_API_URL", callback=_api_url,
              help="Run the command through the operations API at URL (e.g. https://ops.example:8000) instead of "
                   "on this machine; same results, same output.")
@click.option("--token-file", type=click.Path(path_type=Path, dir_okay=False), envvar="MONGO_ADMIN_API_TOKEN_FILE",
              help="With --api: the API token is the first line of this file (else $MONGO_ADMIN_API_TOKEN, else "
                   "the login stored by 'api login').")
@click.pass_context
def cli(ctx: click.Context, output: str, verbose: int, quiet: bool, api_url: str | None,
        token_file: Path | None) -> None:
    """Operate self-managed MongoDB sharded clusters.

    Results go to stdout (table, JSON or YAML); progress and errors go to stderr. Every output says when
    the server is the mongosim simulator rather than real MongoDB.

    With --api URL, commands run through the operations API (see docs/cli.md, "API mode").
    """
    ctx.obj = Application(OutputFormat(output), verbose, quiet, api_url, token_file)


cli.add_command(sandbox)
cli.add_command(cluster)
cli.add_command(backup)
cli.add_command(restore)
cli.add_command(health_check)
cli.add_command(jobs)
cli.add_command(schedules)
cli.add_command(binaries)
cli.add_command(paths)
cli.add_command(api)


def main() -> int:
    """Console-script entry point; Click exits with the command's code (0, 1 for errors, 2 for usage)."""
    cli.main(prog_name="mongo-admin")
    return 0
