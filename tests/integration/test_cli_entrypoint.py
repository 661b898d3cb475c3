"""The installed ``mongo-admin`` executable: version, help, and exit codes as a shell sees them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from mongo_admin import __version__

EXECUTABLE = str(Path(sys.executable).parent / "mongo-admin")


def test_version_and_help_from_the_installed_script() -> None:
    version = subprocess.run([EXECUTABLE, "--version"], capture_output=True, text=True, check=False)
    assert (version.returncode, version.stdout, version.stderr) == (0, f"mongo-admin {__version__}\n", "")
    usage = subprocess.run([EXECUTABLE, "--help"], capture_output=True, text=True, check=False)
    assert usage.returncode == 0
    assert usage.stdout.startswith("Usage: mongo-admin [OPTIONS] COMMAND [ARGS]...")


def test_help_does_not_import_the_heavy_libraries() -> None:
    # --help must stay fast: pymongo, rich and psutil are imported inside commands, never at start-up.
    code = ("import sys\nfrom mongo_admin.cli.main import cli\n"
            "print(sorted(m for m in ('pymongo', 'rich', 'psutil', 'yaml') if m in sys.modules))")
    loaded = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert loaded.stdout == "[]\n"


def test_errors_exit_1_and_usage_errors_exit_2(tmp_path: Path) -> None:
    env = {"MONGO_ADMIN_HOME": str(tmp_path), "PATH": "/usr/bin:/bin"}
    missing = subprocess.run([EXECUTABLE, "sandbox", "status", "--name", "ghost"], capture_output=True, text=True,
                             env=env, check=False)
    assert (missing.returncode, missing.stdout) == (1, "")
    assert missing.stderr.startswith("error: no sandbox named 'ghost': ")
    usage = subprocess.run([EXECUTABLE, "sandbox", "frobnicate"], capture_output=True, text=True, env=env,
                           check=False)
    assert usage.returncode == 2
    assert "No such command 'frobnicate'" in usage.stderr
