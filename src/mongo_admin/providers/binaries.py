"""Decide which mongod/mongos executables to launch: real MongoDB, or the mongosim sandbox.

This is the one place that choice is made. Search order: an explicit directory (``--binary-dir``), the
``MONGO_ADMIN_BINARY_DIR`` environment variable, then — when a version is asked for (``binaries.version`` in a
spec, ``--mongodb-version``) — the newest installed version that matches it, ``PATH``, the newest installed
version when none was asked for, and finally the simulator, whose executables are found by asking
``python -m mongosim bin-dir`` in a subprocess (mongo_admin never imports mongosim).

Versions installed by ``mongo-admin binaries install`` live in ``<home>/binaries/<version>/bin/``.
"""

from __future__ import annotations

import enum
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import BinaryNotFoundError
from mongo_admin.home import platform_home

BINARY_DIR_ENV = "MONGO_ADMIN_BINARY_DIR"
VERSION_TIMEOUT_S = 60.0  # the simulator is a Python program: give a busy machine time to start it


class BinarySource(enum.StrEnum):
    OPTION = "--binary-dir"
    ENVIRONMENT = BINARY_DIR_ENV
    PATH = "PATH"
    INSTALLED = "binaries install"  # a version installed in <home>/binaries by `mongo-admin binaries install`
    SANDBOX = "sandbox"
    PREVIOUS = "previous start"  # a sandbox restarted with the executables it was created with


@dataclass(frozen=True)
class ServerBinaries:
    """The executables that would be launched, where they were found, and what they say they are."""

    source: BinarySource
    mongod: Path
    mongos: Path | None
    version: str
    simulator: bool

    @property
    def server_label(self) -> str:
        return "sandbox (mongosim)" if self.simulator else "MongoDB"


def _executable(directory: Path, name: str) -> Path | None:
    candidate = directory / name
    return candidate if candidate.is_file() and os.access(candidate, os.X_OK) else None


def parse_version(first_line: str) -> str | None:
    """``db version v8.0.4`` -> ``8.0.4`` (the text after the last ``v``, as mlaunch reads it)."""
    line = first_line.strip()
    if " version v" not in line:
        return None
    return line.rsplit("v", 1)[1].split("-rc")[0] or None


def probe_version(mongod: Path) -> tuple[str, bool]:
    """Run ``mongod --version``: the version, and whether the build says it is mongosim."""
    try:
        done = subprocess.run([str(mongod), "--version"], capture_output=True, text=True,
                              timeout=VERSION_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BinaryNotFoundError(f"cannot run {mongod} --version", str(exc),
                                  "check that the file is a mongod executable for this machine") from exc
    lines = done.stdout.splitlines()
    version = parse_version(lines[0]) if lines else None
    if done.returncode != 0 or version is None:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise BinaryNotFoundError(
            f"{mongod} is not a usable mongod",
            f"'--version' exited with {done.returncode}" + (f": {detail[-1]}" if detail else ""),
            "point --binary-dir at a directory holding MongoDB's mongod and mongos",
        )
    return version, "mongosim" in done.stdout.lower()


def binaries_in(directory: Path, source: BinarySource, simulator: bool = False) -> ServerBinaries:
    """The executables in ``directory``; ``simulator`` when the caller already knows they are mongosim."""
    if not directory.is_dir():
        raise BinaryNotFoundError(f"binary directory {directory} does not exist",
                                  f"it was given by {source.value}",
                                  f"create it, or fix {source.value} to name the directory holding mongod")
    mongod = _executable(directory, "mongod")
    if mongod is None:
        raise BinaryNotFoundError(f"no mongod executable in {directory}",
                                  f"the directory was given by {source.value}",
                                  "install MongoDB there, or leave the option out to use the sandbox simulator")
    version, says_simulator = probe_version(mongod)
    return ServerBinaries(source, mongod, _executable(directory, "mongos"), version, simulator or says_simulator)


def sandbox_bin_dir() -> Path:
    """Ask the simulator package where its executables are (a subprocess: no import of mongosim)."""
    argv = [sys.executable, "-m", "mongosim", "bin-dir"]
    try:
        done = subprocess.run(argv, capture_output=True, text=True, timeout=VERSION_TIMEOUT_S, check=False)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise BinaryNotFoundError("cannot locate the sandbox simulator", str(exc),
                                  "reinstall with tools/bootstrap.sh") from exc
    path = done.stdout.strip().splitlines()[-1] if done.stdout.strip() else ""
    if done.returncode != 0 or not path:
        reason = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
        raise BinaryNotFoundError(
            "no mongod found and the sandbox simulator is unavailable",
            f"'python -m mongosim bin-dir' failed: {reason}",
            f"install MongoDB and set {BINARY_DIR_ENV}, or reinstall mongo-admin with tools/bootstrap.sh",
        )
    return Path(path)


_VERSION_DIR = re.compile(r"^(\d+)\.(\d+)\.(\d+)(?:-rc(\d+))?$")


def version_key(version: str) -> tuple[int, int, int, int]:
    """Sort key for ``8.0.4`` / ``8.1.0-rc2`` (a release sorts after its release candidates)."""
    match = _VERSION_DIR.match(version)
    if match is None:
        return (-1, -1, -1, -1)
    major, minor, patch, rc = match.groups()
    return (int(major), int(minor), int(patch), int(rc) if rc is not None else 1_000_000)


def version_matches(version: str, wanted: str) -> bool:
    """``8.0.4`` matches ``8.0.4`` and the series ``8.0`` (and ``8``); ``8.0.4`` does not match ``8.0.40``."""
    return version == wanted or version.startswith(wanted + ".")


def installed_root(home: Path) -> Path:
    """Where ``mongo-admin binaries install`` puts versions: ``<home>/binaries/<version>/bin/``."""
    return home / "binaries"


def installed_versions(home: Path) -> list[tuple[str, Path]]:
    """Every installed version with its ``bin`` directory, newest first (directories holding no ``mongod``, and
    the temporary directories of an install in progress, are not versions)."""
    root = installed_root(home)
    found = [(entry.name, entry / "bin") for entry in root.iterdir()
             if _VERSION_DIR.match(entry.name) and (entry / "bin" / "mongod").is_file()] if root.is_dir() else []
    return sorted(found, key=lambda item: version_key(item[0]), reverse=True)


def find_installed(home: Path, wanted: str | None) -> tuple[str, Path] | None:
    """The newest installed version matching ``wanted`` (any version when None), or None."""
    return next(((version, bin_dir) for version, bin_dir in installed_versions(home)
                 if wanted is None or version_matches(version, wanted)), None)


def resolve_binaries(binary_dir: Path | None = None, *, version: str | None = None, home: Path | None = None,
                     environ: Mapping[str, str] | None = None) -> ServerBinaries:
    """The executables to launch; raises ``BinaryNotFoundError`` saying where it looked and why it failed.

    ``version`` (``8.0`` or ``8.0.4``) prefers an installed matching version over ``PATH``; it does not reject
    what an explicit directory holds (the caller checks the version it needs). ``home`` defaults to the
    platform home of ``environ``."""
    env = os.environ if environ is None else environ
    if binary_dir is not None:
        return binaries_in(binary_dir, BinarySource.OPTION)
    if env.get(BINARY_DIR_ENV):
        return binaries_in(Path(env[BINARY_DIR_ENV]), BinarySource.ENVIRONMENT)
    home = platform_home(env) if home is None else home
    if version is not None and (match := find_installed(home, version)) is not None:
        return binaries_in(match[1], BinarySource.INSTALLED)
    on_path = shutil.which("mongod", path=env.get("PATH", os.defpath))
    if on_path is not None:
        return binaries_in(Path(on_path).parent, BinarySource.PATH)
    if version is None and (newest := find_installed(home, None)) is not None:
        return binaries_in(newest[1], BinarySource.INSTALLED)
    return binaries_in(sandbox_bin_dir(), BinarySource.SANDBOX, simulator=True)


@dataclass(frozen=True)
class BinariesReport:
    """What ``mongo-admin binaries which`` shows: what would be launched, real or sandbox, and its version."""

    message: str
    server: str
    source: str
    version: str
    simulator: bool
    mongod: str
    mongos: str | None


def describe(binaries: ServerBinaries) -> BinariesReport:
    where = binaries.mongod.parent
    return BinariesReport(
        message=f"would launch {binaries.server_label} mongod {binaries.version} from {where} "
                f"(found via {binaries.source.value})",
        server=binaries.server_label, source=binaries.source.value, version=binaries.version,
        simulator=binaries.simulator, mongod=str(binaries.mongod),
        mongos=str(binaries.mongos) if binaries.mongos else None,
    )
