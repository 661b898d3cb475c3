"""A PATH of stand-in commands that log their calls, for testing the tools/ scripts that install Debian packages
(apt-get, sudo and id are stand-ins: nothing is installed)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path


class StandInMachine:
    """A PATH of its own (``bin``) where ``id`` says root until told otherwise, and a log of the stand-ins' calls."""

    def __init__(self, root: Path) -> None:
        self.bin = root / "bin"
        self.calls = root / "calls.log"
        self.bin.mkdir()
        self.calls.touch()
        (self.bin / "env").symlink_to(shutil.which("env") or "/usr/bin/env")
        self.command("id", "echo 0")

    def command(self, name: str, body: str) -> None:
        path = self.bin / name
        path.write_text(f"#!/bin/sh\n{body}\n")
        path.chmod(0o755)

    def passwordless_sudo(self) -> None:
        """A user (not root) whose sudo -n runs anything, logging ``sudo ARGS``."""
        self.command("id", "echo 1000")
        self.command("sudo", f'echo "sudo $*" >> {self.calls}\n[ "$1" = -n ] && shift\n[ "$1" = true ] || exec "$@"')

    def apt_get(self, install: str = "") -> None:
        """apt-get that logs ``$DEBIAN_FRONTEND $*`` and runs the shell line ``install`` for `apt-get install`."""
        body = f'[ "$1" = install ] && {{ {install}; }}' if install else ""
        self.command("apt-get", f'echo "$DEBIAN_FRONTEND $*" >> {self.calls}\n{body}\nexit 0')

    def run(self, script: Path, **env: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["/bin/bash", str(script)], capture_output=True, text=True, timeout=60, check=False,
                              env={"PATH": str(self.bin), **env})

    def logged(self) -> list[str]:
        return self.calls.read_text().splitlines()
