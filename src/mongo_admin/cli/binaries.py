"""``mongo-admin binaries``: which mongod/mongos the platform would launch."""

from __future__ import annotations

from pathlib import Path

import click

from mongo_admin.cli.app import Application, pass_app


@click.group()
def binaries() -> None:
    """Inspect the MongoDB executables the platform launches."""


@binaries.command()
@click.option("--binary-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding mongod (default: $MONGO_ADMIN_BINARY_DIR, PATH, then the simulator).")
@pass_app
def which(app: Application, binary_dir: Path | None) -> None:
    """What would be launched: real MongoDB or the sandbox simulator, where from, which version."""
    from mongo_admin.providers.binaries import describe, resolve_binaries

    app.render(describe(resolve_binaries(binary_dir)))
