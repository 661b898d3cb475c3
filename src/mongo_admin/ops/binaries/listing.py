"""What ``mongo-admin binaries list`` shows: the installed versions, each checked by running it, and which
executables a deploy would launch (an installed version, ``PATH``, or the simulator)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from mongo_admin.errors import BinaryNotFoundError
from mongo_admin.providers import binaries as provider
from mongo_admin.providers.binaries import (
    BinarySource,
    ServerBinaries,
    installed_root,
    installed_versions,
    probe_version,
    resolve_binaries,
)


@dataclass(frozen=True)
class InstalledVersion:
    version: str
    path: str
    mongod_version: str | None  # what ``mongod --version`` reports
    check: str  # ``ok``, ``reports <version>``, or why it does not run
    mongos: bool
    used: bool  # the one a deploy would launch


@dataclass(frozen=True)
class BinariesListing:
    message: str
    directory: str
    versions: list[InstalledVersion]
    would_use: str
    would_use_source: str | None
    simulator: str


def _check(version: str, bin_dir: Path, chosen: ServerBinaries | None) -> InstalledVersion:
    mongod = bin_dir / "mongod"
    try:
        reported, _ = probe_version(mongod)
    except BinaryNotFoundError as exc:
        reported, check = None, f"does not run: {exc.why}"
    else:
        check = "ok" if reported == version.partition("-")[0] else f"reports {reported}"
    used = chosen is not None and chosen.source is BinarySource.INSTALLED and chosen.mongod == mongod
    return InstalledVersion(version, str(bin_dir), reported, check, (bin_dir / "mongos").is_file(), used)


def list_binaries(home: Path, version: str | None = None,
                  environ: Mapping[str, str] | None = None) -> BinariesListing:
    """Every installed version (newest first) and what a deploy asking for ``version`` would launch."""
    what = f"a deploy of MongoDB {version}" if version else "a deploy"
    chosen: ServerBinaries | None
    try:
        chosen = resolve_binaries(None, version=version, home=home, environ=environ)
    except BinaryNotFoundError as exc:
        chosen, would_use = None, f"nothing: {exc.what}: {exc.why}"
    else:
        would_use = f"{chosen.server_label} {chosen.version} from {chosen.mongod.parent}"
    if chosen is not None and chosen.source is BinarySource.SANDBOX:
        simulator = f"{chosen.mongod.parent} (in use: no real mongod was found)"
    else:
        try:
            simulator = f"{provider.sandbox_bin_dir()} (the fallback when no real mongod is found)"
        except BinaryNotFoundError as exc:
            simulator = f"unavailable: {exc.why}"
    installed = [_check(each, bin_dir, chosen) for each, bin_dir in installed_versions(home)]
    root = installed_root(home)
    count = f"{len(installed)} installed version{'s' if len(installed) != 1 else ''} in {root}"
    return BinariesListing(
        message=f"{count}; {what} would launch {would_use}"
                + (f" (found via {chosen.source.value})" if chosen is not None else ""),
        directory=str(root), versions=installed, would_use=would_use,
        would_use_source=chosen.source.value if chosen is not None else None, simulator=simulator)
