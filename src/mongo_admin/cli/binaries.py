"""``mongo-admin binaries``: which mongod/mongos the platform would launch, and installing MongoDB releases."""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from mongo_admin.cli.app import Application, pass_app

if TYPE_CHECKING:
    from mongo_admin.ops.binaries.install import InstallEvent

_VERSION = re.compile(r"^\d+\.\d+(\.\d+)?$")
_Command = TypeVar("_Command", bound=Callable[..., Any])


def _check_version(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not _VERSION.match(value):
        raise click.BadParameter(f"'{value}' is not a MongoDB version such as 8.0 or 8.0.4")
    return value


def mongodb_version_option(help_text: str) -> Callable[[_Command], _Command]:
    """``--mongodb-version 8.0``: shared by the commands that pick binaries by version."""
    return click.option("--mongodb-version", metavar="VERSION", callback=_check_version, help=help_text)


@click.group()
@pass_app
def binaries(app: Application) -> None:
    """Inspect and install the mongod and mongos executables.

    Installed versions live in $MONGO_ADMIN_HOME/binaries/<version>/bin (default ~/.local/share/mongo-admin).
    """
    app.local_only("binaries", "they are this machine's executables; the API's machine has its own (run "
                               "'mongo-admin binaries' there)")


@binaries.command()
@click.option("--binary-dir", type=click.Path(path_type=Path, file_okay=False),
              help="Directory holding mongod (default: $MONGO_ADMIN_BINARY_DIR, installed versions, PATH, then "
                   "the simulator).")
@mongodb_version_option("Prefer an installed version matching this one (8.0 or 8.0.4), as a deploy asking for it "
                        "would.")
@pass_app
def which(app: Application, binary_dir: Path | None, mongodb_version: str | None) -> None:
    """What would be launched: real MongoDB or the sandbox simulator, where from, which version."""
    from mongo_admin.providers.binaries import describe, resolve_binaries

    app.render(describe(resolve_binaries(binary_dir, version=mongodb_version, home=app.home)))


@binaries.command("list")
@mongodb_version_option("Say which executables a deploy asking for this version (8.0 or 8.0.4) would launch.")
@pass_app
def list_(app: Application, mongodb_version: str | None) -> None:
    """Installed MongoDB versions, each checked with mongod --version, and what a deploy would launch."""
    from mongo_admin.ops.binaries.listing import list_binaries

    app.render(list_binaries(app.home, mongodb_version))


class _DownloadProgress:
    """Install progress on stderr: each step as a line, the download every 10 % (every 16 MiB without a size)."""

    def __init__(self, app: Application) -> None:
        self.app = app
        self.next_mark = 0

    def __call__(self, event: InstallEvent) -> None:
        if event.done_bytes is None:
            self.app.progress(event.message)
            return
        done, total = event.done_bytes, event.total_bytes
        mark = done * 10 // total if total else done // (16 << 20)
        if mark < self.next_mark and done != total:
            return
        self.next_mark = mark + 1
        size = f"{done / (1 << 20):.1f} MiB" + (f" of {total / (1 << 20):.1f} MiB" if total else "")
        self.app.progress(f"  {size}" + (f" ({done * 100 // total}%)" if total else ""))


@binaries.command()
@click.argument("version")
@click.option("--force", is_flag=True, help="Download and install again even if the version is installed.")
@click.option("--target", metavar="TARGET",
              help="Build to install, as the downloads index names it (ubuntu2204, rhel93, ...), instead of the "
                   "one detected from /etc/os-release.")
@pass_app
def install(app: Application, version: str, force: bool, target: str | None) -> None:
    """Install MongoDB Community VERSION (8.0.4, or 8.0 for the newest 8.0 release) for this machine.

    The archive comes from MongoDB's downloads index ($MONGO_ADMIN_DOWNLOAD_INDEX replaces it with a mirror),
    its sha256 is verified before anything is unpacked, and only its bin/ executables are installed.
    """
    from mongo_admin.ops.binaries.install import install_binaries

    app.render(install_binaries(app.home, version, force=force, target=target, progress=_DownloadProgress(app)))
