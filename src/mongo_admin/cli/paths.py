"""``mongo-admin paths``: where the platform keeps its files on this machine, for people and for scripts."""

from __future__ import annotations

import click

from mongo_admin.cli.app import Application, pass_app

NAMES = ("home", "logs", "script-logs")


@click.command()
@click.argument("name", required=False, type=click.Choice(NAMES))
@pass_app
def paths(app: Application, name: str | None) -> None:
    """Where mongo-admin keeps its files: $MONGO_ADMIN_HOME, else $XDG_DATA_HOME/mongo-admin, else
    ~/.local/share/mongo-admin, and the log directories under it.

    With NAME, print only that path, on one line and in no table, for scripts:

    \b
        log_dir=$(mongo-admin paths script-logs)
    """
    from mongo_admin.home import platform_paths

    app.local_only("paths", "they are where mongo-admin keeps its files on this machine")
    found = platform_paths()
    if name is None:
        app.render(found)
        return
    click.echo(str(getattr(found, name.replace("-", "_"))))
