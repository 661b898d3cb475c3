"""``mongo-admin api``: run the operations API server, migrate its database, create the first admin, and write
its OpenAPI document."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from mongo_admin.cli.api_login import login, logout
from mongo_admin.cli.app import Application, pass_app
from mongo_admin.cli.prompts import read_password

database_option = click.option(
    "--database-url", metavar="URL", envvar="MONGO_ADMIN_DATABASE_URL",
    help="The platform database (default: sqlite:///$MONGO_ADMIN_HOME/platform.db; PostgreSQL by URL).")


def _database_url(url: str | None) -> str:
    from mongo_admin.api.settings import default_database_url

    return url or default_database_url()


# What runs with --api: logging in and out of the API; openapi and credentials-key need no server. The other
# commands work on this machine's API server and platform database, and refuse --api.
THROUGH_API_OR_ANYWHERE = ("login", "logout", "openapi", "credentials-key")


@click.group()
@pass_app
@click.pass_context
def api(ctx: click.Context, app: Application) -> None:
    """The operations API server (FastAPI) and its platform database; logging in to an API (login, logout).

    Settings come from MONGO_ADMIN_* environment variables (see docs/api.md): outside
    MONGO_ADMIN_ENVIRONMENT=development a random MONGO_ADMIN_SECRET_KEY of at least 32 characters is required.
    """
    if ctx.invoked_subcommand not in THROUGH_API_OR_ANYWHERE:
        app.local_only(f"api {ctx.invoked_subcommand}", "it works on this machine's API server and platform "
                                                        "database")


@api.command()
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(1, 65535), help="Port to listen on.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]), help="Server log level.")
@pass_app
def serve(app: Application, host: str, port: int, log_level: str) -> None:
    """Serve the API with uvicorn (refuses an insecure secret outside development, and an unmigrated database)."""
    import uvicorn

    from mongo_admin.api.app import create_app
    from mongo_admin.api.settings import load_settings

    settings = load_settings()
    application = create_app(settings)
    app.progress(f"serving the mongo-admin API on http://{host}:{port}/api/v1 ({settings.environment})")
    uvicorn.run(application, host=host, port=port, log_level=log_level)


@api.command()
@database_option
@pass_app
def migrate(app: Application, database_url: str | None) -> None:
    """Upgrade the platform database schema to the latest revision (creates the database when empty)."""
    from mongo_admin.db.migrate import upgrade

    before, after = upgrade(_database_url(database_url))
    message = (f"database schema already at revision {after}" if before == after else
               f"database schema upgraded from {before or 'empty'} to revision {after}")
    app.render({"message": message, "revision_before": before, "revision": after})


@api.command("create-admin")
@click.option("--username", default="admin", show_default=True, help="Name of the new admin user.")
@click.option("--password-file", type=click.Path(path_type=Path, dir_okay=False, exists=True),
              help="Read the password from this file (first line) instead of prompting.")
@database_option
@pass_app
def create_admin(app: Application, username: str, password_file: Path | None, database_url: str | None) -> None:
    """Create an admin user of the platform. There is no default password: it is prompted for, or read from a
    file."""
    from mongo_admin.ops.platform_users import create_user

    password = read_password(password_file, confirm=True)
    user = create_user(_database_url(database_url), username, password, role="admin")
    app.render({"message": f"admin user {user.username} created", "username": user.username, "role": user.role})


@api.command("prune-audit")
@click.option("--retention-days", type=click.IntRange(0, 36500), envvar="MONGO_ADMIN_AUDIT_RETENTION_DAYS",
              show_envvar=True, help="Remove the audit events older than this many days (0 keeps them forever; "
                                     "default: the API's default, 365).")
@database_option
@pass_app
def prune_audit(app: Application, retention_days: int | None, database_url: str | None) -> None:
    """Remove the audit events older than the retention, as the API's background does every hour; the removal
    is itself recorded in the audit trail (how many, up to when)."""
    from mongo_admin.db.migrate import migrated_sessions
    from mongo_admin.ops import platform_audit

    with migrated_sessions(_database_url(database_url)) as sessions:
        days = platform_audit.DEFAULT_RETENTION_DAYS if retention_days is None else retention_days
        result = platform_audit.prune_audit(sessions, days)
    app.render({"message": result.message, "removed": result.removed, "retention_days": result.retention_days,
                "cutoff": result.cutoff.isoformat() if result.cutoff else None})


@api.command()
@click.option("--output-file", "-f", type=click.Path(path_type=Path, dir_okay=False),
              help="Write the document here instead of stdout (e.g. docs/api/openapi.json).")
@pass_app
def openapi(app: Application, output_file: Path | None) -> None:
    """Write the API's OpenAPI document (JSON), as generated from the code."""
    from mongo_admin.api.app import openapi_json

    text = openapi_json()
    if output_file is None:
        sys.stdout.write(text)
        return
    output_file.parent.mkdir(parents=True, exist_ok=True)
    output_file.write_text(text)
    app.progress(f"wrote {output_file}")


@api.command("credentials-key")
def credentials_key() -> None:
    """Print a new key for encrypting the MongoDB credentials the platform keeps (for the key file or
    MONGO_ADMIN_CREDENTIALS_KEY)."""
    from mongo_admin.db.crypto import generate_key

    click.echo(generate_key().decode())


api.add_command(login)
api.add_command(logout)
