"""MongoDB's downloads index: every server release with its archives per platform and their sha256.

The index is the JSON document MongoDB publishes at ``https://downloads.mongodb.org/full.json``::

    {"versions": [{"version": "8.0.4", "production_release": true, "release_candidate": false,
                   "downloads": [{"arch": "x86_64", "edition": "targeted", "target": "ubuntu2204",
                                  "archive": {"url": "https://fastdl.mongodb.org/linux/...tgz",
                                              "sha256": "..."}}, ...]}, ...]}

Community builds are the ``targeted`` (one Linux distribution) and ``base`` (macOS, generic Linux) editions;
``enterprise``, ``subscription`` and ``source`` are never chosen. ``MONGO_ADMIN_DOWNLOAD_INDEX`` replaces the
index address (a mirror, or a test server); archive addresses in it may be relative to the index.
"""

from __future__ import annotations

import json
import os
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from mongo_admin.errors import BinaryInstallError, InvalidInputError
from mongo_admin.ops.binaries.platform import Platform
from mongo_admin.providers.binaries import version_key, version_matches

INDEX_ENV = "MONGO_ADMIN_DOWNLOAD_INDEX"
DEFAULT_INDEX = "https://downloads.mongodb.org/full.json"
NETWORK_TIMEOUT_S = 60.0
COMMUNITY_EDITIONS = ("targeted", "base")
VERSION_ARGUMENT = re.compile(r"^\d+\.\d+(\.\d+(-rc\d+)?)?$")
USER_AGENT = "mongo-admin"


@dataclass(frozen=True)
class Archive:
    """One downloadable server archive: for which target and arch, where, and its published sha256."""

    version: str
    target: str
    arch: str
    edition: str
    url: str
    sha256: str


@dataclass(frozen=True)
class Release:
    version: str
    production: bool
    archives: tuple[Archive, ...]

    @property
    def series(self) -> str:
        return ".".join(self.version.split(".")[:2])

    def community_targets(self) -> dict[str, list[str]]:
        """``{arch: [targets]}`` for the community builds of this release (for error messages)."""
        targets: dict[str, list[str]] = {}
        for archive in self.archives:
            targets.setdefault(archive.arch, [])
            if archive.target not in targets[archive.arch]:
                targets[archive.arch].append(archive.target)
        return {arch: sorted(names) for arch, names in sorted(targets.items())}


def index_url(environ: Mapping[str, str] | None = None) -> str:
    """``$MONGO_ADMIN_DOWNLOAD_INDEX`` (a URL, or a path to a local copy), else MongoDB's own index."""
    env = os.environ if environ is None else environ
    given = env.get(INDEX_ENV, "").strip()
    if not given:
        return DEFAULT_INDEX
    if "://" not in given:
        return Path(given).expanduser().absolute().as_uri()
    return given


def network_error(url: str, reason: object) -> BinaryInstallError:
    """The error for an address that could not be read: names it, and the variable that points at a mirror."""
    return BinaryInstallError(f"cannot download {url}", str(reason),
                              f"check the network and proxy settings, or set {INDEX_ENV} to a mirror of MongoDB's "
                              "downloads index (a URL or a local file)")


def open_url(url: str) -> Any:
    """An open response for ``url``; raises ``BinaryInstallError`` naming the address."""
    request = urllib.request.Request(url, headers={"User-Agent": USER_AGENT})
    try:
        return urllib.request.urlopen(request, timeout=NETWORK_TIMEOUT_S)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error carries the open response: release its connection now
        raise network_error(url, f"HTTP {exc.code} {exc.reason}") from exc
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise network_error(url, getattr(exc, "reason", exc)) from exc


def fetch_index(url: str) -> list[Release]:
    """Read and parse the index at ``url``."""
    try:
        with open_url(url) as response:
            body = response.read()
    except (OSError, ValueError) as exc:
        raise network_error(url, exc) from exc
    try:
        data = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise BinaryInstallError(f"the downloads index at {url} is not valid JSON", str(exc),
                                 f"check {INDEX_ENV}, or retry later") from exc
    return parse_index(data, url)


def parse_index(data: Any, url: str) -> list[Release]:
    """The releases in an index document; archive addresses are made absolute against ``url``."""
    if not isinstance(data, dict) or not isinstance(data.get("versions"), list):
        raise BinaryInstallError(f"the downloads index at {url} has no 'versions' list",
                                 "it is not MongoDB's downloads index (full.json)", f"check {INDEX_ENV}")
    releases = []
    for entry in data["versions"]:
        if not isinstance(entry, dict) or not isinstance(entry.get("version"), str):
            continue
        version = entry["version"]
        archives = []
        for download in entry.get("downloads") or []:
            archive = download.get("archive") if isinstance(download, dict) else None
            if not isinstance(archive, dict) or download.get("edition") not in COMMUNITY_EDITIONS:
                continue
            if not isinstance(archive.get("url"), str) or not isinstance(archive.get("sha256"), str):
                continue
            archives.append(Archive(version, str(download.get("target", "")), str(download.get("arch", "")),
                                    str(download["edition"]), urllib.parse.urljoin(url, archive["url"]),
                                    archive["sha256"].strip().lower()))
        production = bool(entry.get("production_release")) and not entry.get("release_candidate")
        releases.append(Release(version, production, tuple(archives)))
    return releases


def check_version_argument(version: str) -> None:
    if not VERSION_ARGUMENT.match(version):
        raise InvalidInputError(f"invalid MongoDB version '{version}'",
                                "give a release (8.0.4) or a release series (8.0)",
                                "for example: mongo-admin binaries install 8.0")


def choose_release(releases: list[Release], wanted: str) -> Release:
    """``8.0.4`` exactly, or for ``8.0`` the newest production release of the series."""
    check_version_argument(wanted)
    exact = wanted.count(".") >= 2
    candidates = [r for r in releases if (r.version == wanted if exact else r.production
                                          and version_matches(r.version, wanted))]
    if candidates:
        return max(candidates, key=lambda release: version_key(release.version))
    raise BinaryInstallError(f"MongoDB {wanted} is not in the downloads index", _known_versions(releases, wanted),
                             "choose one of the versions above, or a series such as 8.0 for its newest release")


def _known_versions(releases: list[Release], wanted: str) -> str:
    """What the index does have: the releases of the asked series, else the newest release of every series."""
    production = [r for r in releases if r.production]
    series = ".".join(wanted.split(".")[:2])
    same = sorted({r.version for r in production if r.series == series}, key=version_key, reverse=True)
    if same:
        return f"the {series} series has {', '.join(same[:12])}" + (" ..." if len(same) > 12 else "")
    newest: dict[str, str] = {}
    for release in production:
        if version_key(release.version) > version_key(newest.get(release.series, "")):
            newest[release.series] = release.version
    if not newest:
        return "the index lists no production release"
    ordered = sorted(newest.items(), key=lambda item: version_key(item[1]), reverse=True)
    return "known release series (newest release): " + ", ".join(f"{s} ({v})" for s, v in ordered)


def choose_archive(release: Release, platform: Platform, target: str | None = None) -> Archive:
    """The community archive of ``release`` for ``platform`` (or for an explicit ``target``)."""
    for_arch = [a for a in release.archives if platform.accepts_arch(a.arch)]
    chosen = target if target is not None else platform.choose_target(a.target for a in for_arch)
    matching = [a for a in for_arch if a.target == chosen]
    if matching:
        return min(matching, key=lambda a: COMMUNITY_EDITIONS.index(a.edition))  # targeted before base
    available = release.community_targets()
    listed = "; ".join(f"{arch}: {', '.join(names)}" for arch, names in available.items()) or "none"
    asked = f"target {target} on {platform.arch}" if target is not None else platform.describe()
    raise BinaryInstallError(f"no MongoDB {release.version} Community build for {asked}",
                             f"builds of {release.version} exist for {listed}",
                             "run on a supported system, pick one of these builds with --target (for a "
                             "compatible distribution), or install MongoDB yourself and use --binary-dir")
