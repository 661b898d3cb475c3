"""``mongo-admin sandbox``: a throwaway mongod on this machine, for trying the platform and for tests."""

from __future__ import annotations

from pathlib import Path

import click

from mongo_admin.cli.app import Application, pass_app

name_option = click.option("--name", default="default", show_default=True, help="Which sandbox.")


@click.group()
def sandbox() -> None:
    """Run a throwaway mongod on this machine.

    It listens on loopback and runs real MongoDB when installed, else the mongosim simulator.

    State lives in $MONGO_ADMIN_HOME/sandbox/<name> (default ~/.local/share/mongo-admin).
    """


@sandbox.command()
@name_option
@click.option("--port", type=click.IntRange(1, 65535), help="Listen here (default: a free port).")
@click.option("--binary-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding mongod (default: $MONGO_ADMIN_BINARY_DIR, PATH, then the simulator).")
@pass_app
def start(app: Application, name: str, port: int | None, binary_dir: Path | None) -> None:
    """Start the sandbox (does nothing if it already runs) and print its connection string."""
    from mongo_admin.ops.sandbox import start_sandbox

    app.detail(f"home: {app.home}")
    app.render(start_sandbox(app.home, name, port=port, binary_dir=binary_dir, progress=app.progress))


@sandbox.command()
@name_option
@pass_app
def status(app: Application, name: str) -> None:
    """Is it running? Version, simulator or real, uptime, connections, opcounters, storage size."""
    from mongo_admin.ops.sandbox import sandbox_status

    app.detail(f"home: {app.home}")
    app.render(sandbox_status(app.home, name))


@sandbox.command()
@name_option
@click.option("--purge", is_flag=True, help="Also delete the sandbox's data, log and record.")
@pass_app
def stop(app: Application, name: str, purge: bool) -> None:
    """Stop the sandbox's mongod; its data is kept unless --purge."""
    from mongo_admin.ops.sandbox import stop_sandbox

    app.detail(f"home: {app.home}")
    app.render(stop_sandbox(app.home, name, purge=purge, progress=app.progress))


@sandbox.command("list")
@pass_app
def list_(app: Application) -> None:
    """Every sandbox on this machine and whether its process runs."""
    from mongo_admin.ops.sandbox import list_sandboxes

    app.render(list_sandboxes(app.home))
