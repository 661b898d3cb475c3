"""Install one MongoDB Community release into ``<home>/binaries/<version>/bin/``.

The order makes a half-installed version impossible: the archive is streamed into a staging directory next to
the target (``<home>/binaries/.install-<version>-*``) while its sha256 is computed; only when the size and the
checksum match what was announced is anything unpacked; only the regular files of the archive's ``bin/`` are
written (an archive naming a path outside its own tree is refused as a whole); the unpacked ``mongod
--version`` must report the release; then the staging directory is renamed onto the target in one step. Any
failure removes the staging directory, so a failed install leaves nothing behind.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import http.client
import os
import shutil
import tarfile
import tempfile
import uuid
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath

from mongo_admin.errors import BinaryInstallError, BinaryNotFoundError
from mongo_admin.ops.binaries.feed import (
    INDEX_ENV,
    Archive,
    check_version_argument,
    choose_archive,
    choose_release,
    fetch_index,
    index_url,
    network_error,
    open_url,
)
from mongo_admin.ops.binaries.platform import Platform, detect_platform
from mongo_admin.ops.records import exclusive_lock, read_json, write_json_atomic
from mongo_admin.providers.binaries import installed_root, probe_version

MANIFEST = "install.json"
REQUIRED = ("mongod", "mongos")
CHUNK_BYTES = 1 << 20


@dataclass(frozen=True)
class InstallEvent:
    """A progress event; download events carry the bytes received so far and the announced size (if any)."""

    message: str
    done_bytes: int | None = None
    total_bytes: int | None = None


Progress = Callable[[InstallEvent], None]


def _silent(_: InstallEvent) -> None:
    """The default progress sink: an operation reports progress only to whoever asks."""


@dataclass(frozen=True)
class InstallResult:
    message: str
    version: str
    changed: bool
    path: str
    target: str | None = None
    arch: str | None = None
    url: str | None = None
    sha256: str | None = None
    files: list[str] = field(default_factory=list)


def install_binaries(home: Path, version: str, *, force: bool = False, target: str | None = None,
                     platform: Platform | None = None, environ: Mapping[str, str] | None = None,
                     progress: Progress = _silent) -> InstallResult:
    """Install ``version`` (``8.0.4``, or ``8.0`` for the newest 8.0 production release) for this machine.

    An installed release is left as it is (``changed`` false) unless ``force``. Raises ``BinaryInstallError``
    (unknown version, no build for the platform, network, checksum, truncated download, unsafe archive, wrong
    version reported) with nothing installed."""
    check_version_argument(version)
    if version.count(".") >= 2 and not force and (already := _already_installed(home, version)) is not None:
        return already
    url = index_url(environ)
    progress(InstallEvent(f"reading the downloads index {url}"))
    release = choose_release(fetch_index(url), version)
    if not force and (already := _already_installed(home, release.version)) is not None:
        return already
    archive = choose_archive(release, platform or detect_platform(), target)
    root = installed_root(home)
    root.mkdir(parents=True, exist_ok=True)
    with exclusive_lock(root / ".install.lock"):
        if not force and (already := _already_installed(home, release.version)) is not None:
            return already  # installed by someone else while we were reading the index
        staging = Path(tempfile.mkdtemp(prefix=f".install-{release.version}-", dir=root))
        try:
            files = _stage(archive, staging, progress)
            _move_into_place(staging, root / release.version)
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
    bin_dir = root / release.version / "bin"
    return InstallResult(
        message=f"installed MongoDB {release.version} ({archive.target} {archive.arch}) in {bin_dir}",
        version=release.version, changed=True, path=str(bin_dir), target=archive.target, arch=archive.arch,
        url=archive.url, sha256=archive.sha256, files=files)


def _already_installed(home: Path, version: str) -> InstallResult | None:
    directory = installed_root(home) / version
    if not (directory / "bin" / "mongod").is_file():
        return None
    manifest = read_json(directory / MANIFEST) or {}
    return InstallResult(
        message=f"MongoDB {version} is already installed in {directory / 'bin'} (--force reinstalls it)",
        version=version, changed=False, path=str(directory / "bin"), target=manifest.get("target"),
        arch=manifest.get("arch"), url=manifest.get("url"), sha256=manifest.get("sha256"),
        files=sorted(each.name for each in (directory / "bin").iterdir()))


def _stage(archive: Archive, staging: Path, progress: Progress) -> list[str]:
    """Download, verify, unpack and check into ``staging``; returns the names of the unpacked files."""
    tarball = staging / "archive.tgz"
    download(archive, tarball, progress)
    progress(InstallEvent(f"sha256 {archive.sha256} verified; unpacking bin/"))
    files = unpack_bin(tarball, staging / "bin", archive.url)
    tarball.unlink()
    reported = _check_version(staging / "bin" / "mongod", archive.version)
    progress(InstallEvent(f"mongod --version reports {reported}"))
    write_json_atomic(staging / MANIFEST, {
        "version": archive.version, "target": archive.target, "arch": archive.arch, "edition": archive.edition,
        "url": archive.url, "sha256": archive.sha256, "files": files,
        "installed_at": dt.datetime.now(dt.UTC).isoformat(),
    })
    return files


def download(archive: Archive, dest: Path, progress: Progress = _silent) -> None:
    """Stream ``archive`` into ``dest``, computing its sha256; raises unless every announced byte arrived and
    the checksum is the one the index publishes."""
    digest = hashlib.sha256()
    received = 0
    progress(InstallEvent(f"downloading {archive.url}"))
    with open_url(archive.url) as response, open(dest, "wb") as out:
        length = response.headers.get("Content-Length", "")
        total = int(length) if length.isdigit() else None
        while True:
            try:
                chunk = response.read(CHUNK_BYTES)
            except http.client.IncompleteRead as exc:
                raise _truncated(archive.url, received + len(exc.partial), total) from exc
            except (OSError, http.client.HTTPException) as exc:
                raise network_error(archive.url, exc) from exc
            if not chunk:
                break
            out.write(chunk)
            digest.update(chunk)
            received += len(chunk)
            progress(InstallEvent("downloading", received, total))
    if total is not None and received < total:
        raise _truncated(archive.url, received, total)
    if digest.hexdigest() != archive.sha256:
        raise BinaryInstallError(f"checksum mismatch for {archive.url}",
                                 f"its sha256 is {digest.hexdigest()} but the downloads index says {archive.sha256}"
                                 f" ({received} bytes received); nothing was installed",
                                 f"retry; if it persists the archive or the mirror ({INDEX_ENV}) is corrupt")


def _truncated(url: str, received: int, total: int | None) -> BinaryInstallError:
    announced = f" of {total}" if total is not None else ""
    return BinaryInstallError(f"the download of {url} is truncated",
                              f"received {received}{announced} bytes before the connection closed; nothing was "
                              "installed", f"retry; if it keeps failing, set {INDEX_ENV} to a mirror")


def _member_parts(name: str) -> tuple[str, ...]:
    """The path of an archive member as parts, or raise when it points outside the archive's own tree."""
    path = PurePosixPath(name)
    parts = tuple(part for part in path.parts if part not in ("", "."))
    if path.is_absolute() or ".." in parts or "\\" in name:
        raise ValueError(name)
    return parts


def _check_link_target(parts: tuple[str, ...], linkname: str) -> None:
    """Raise when a symbolic link at ``parts`` points outside the archive's tree."""
    if linkname.startswith("/") or "\\" in linkname:
        raise ValueError(linkname)
    depth = len(parts) - 1
    for part in PurePosixPath(linkname).parts:
        depth += -1 if part == ".." else 0 if part == "." else 1
        if depth < 0:
            raise ValueError(linkname)


def unpack_bin(tarball: Path, dest: Path, url: str) -> list[str]:
    """Write the regular files of the archive's ``bin/`` (``<top>/bin/<name>`` or ``bin/<name>``) into
    ``dest`` with mode 0755 and nothing else: no links, no devices, no owners, no other directories. An archive
    with any member (or link target) outside its own tree is refused whole."""
    try:
        with tarfile.open(tarball, "r:*") as tar:
            members = tar.getmembers()
            chosen: dict[str, tarfile.TarInfo] = {}
            for member in members:
                try:
                    parts = _member_parts(member.name)
                    if member.islnk():  # a hard link names another member
                        _member_parts(member.linkname)
                    elif member.issym():  # a symbolic link is relative to its own directory
                        _check_link_target(parts, member.linkname)
                except ValueError:
                    link = f" -> '{member.linkname}'" if member.issym() or member.islnk() else ""
                    raise BinaryInstallError(
                        f"the archive {url} is unsafe",
                        f"member '{member.name}'{link} points outside the archive; nothing was installed",
                        f"do not use this archive; check the mirror set in {INDEX_ENV}") from None
                in_bin = (len(parts) == 3 and parts[1] == "bin") or (len(parts) == 2 and parts[0] == "bin")
                if in_bin and member.isfile() and not parts[-1].startswith("."):
                    chosen[parts[-1]] = member
            missing = [name for name in REQUIRED if name not in chosen]
            if missing:
                raise BinaryInstallError(f"the archive {url} holds no bin/{missing[0]}",
                                         "it is not a MongoDB server archive; nothing was installed",
                                         f"check the mirror set in {INDEX_ENV}")
            dest.mkdir()
            for name, member in sorted(chosen.items()):
                source = tar.extractfile(member)
                if source is None:
                    continue
                with source, open(dest / name, "xb") as out:
                    shutil.copyfileobj(source, out)
                os.chmod(dest / name, 0o755)
    except (tarfile.TarError, EOFError, zlib.error, OSError) as exc:
        raise BinaryInstallError(f"cannot unpack the archive {url}", f"{exc}; nothing was installed",
                                 "retry the install; the download may be damaged") from exc
    return sorted(chosen)


def _check_version(mongod: Path, version: str) -> str:
    """What the unpacked ``mongod --version`` says, which must be ``version``."""
    try:
        reported, _ = probe_version(mongod)
    except BinaryNotFoundError as exc:
        raise BinaryInstallError(f"the downloaded mongod {version} does not run on this machine",
                                 f"{exc.why}; nothing was installed",
                                 "check that the build matches this system (--target)") from exc
    if reported != version.partition("-")[0]:
        raise BinaryInstallError(f"the downloaded mongod reports version {reported}, not {version}",
                                 "the downloads index and the archive disagree; nothing was installed",
                                 f"check the mirror set in {INDEX_ENV}")
    return reported


def _move_into_place(staging: Path, target: Path) -> None:
    """Rename ``staging`` onto ``target`` (a reinstall first moves the old version aside, and removes it only
    once the new one is in place); then fsync the directory so the rename survives a crash."""
    old: Path | None = None
    if target.exists():
        old = target.with_name(f".old-{target.name}-{uuid.uuid4().hex[:8]}")
        os.rename(target, old)
    try:
        os.rename(staging, target)
    except OSError:
        if old is not None:
            os.rename(old, target)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)
    with contextlib.suppress(OSError):
        fd = os.open(target.parent, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)
