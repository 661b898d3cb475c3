"""Backup storage in a local (or mounted) directory: the default backend.

An object is written to a temporary file beside its final name, fsynced, renamed into place and its
directory fsynced, so readers and a crash see the old object or the new one. Objects are private to the
owner (0600 files, 0700 directories): backups hold user data and password hashes.
"""

from __future__ import annotations

import contextlib
import errno
import io
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, BinaryIO

from mongo_admin.errors import StorageError
from mongo_admin.storage.base import ObjectInfo, check_key, check_prefix, missing

if TYPE_CHECKING:
    from _typeshed import ReadableBuffer

# Unfinished writes carry this suffix; listings skip them and keys may not end with it.
PARTIAL_SUFFIX = ".mongo-admin-partial"


class FilesystemStorage:
    """Objects are files under ``root``; a key's "/" separators are directories."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def describe(self) -> str:
        return self.root.as_uri()

    def _path(self, key: str) -> Path:
        check_key(key, self.describe())
        if key.endswith(PARTIAL_SUFFIX):
            raise StorageError(f"invalid storage key {key!r} on {self.describe()}",
                               f"names ending in {PARTIAL_SUFFIX} are reserved for unfinished writes",
                               "choose another name")
        return self.root / key

    def _fail(self, action: str, key: str, error: OSError) -> StorageError:
        why = error.strerror or str(error)
        if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            fix = f"give the user running mongo-admin write access to {self.root}, or choose another storage URL"
        elif error.errno == errno.ENOSPC:
            fix = f"free space on the filesystem holding {self.root} (delete old backups), or choose another URL"
        elif error.errno in (errno.ENOTDIR, errno.EISDIR, errno.EEXIST):
            why = f"{why} (an object and a folder of objects cannot share the name)"
            fix = "use keys where no object's name is the folder of another"
        else:
            fix = f"check that {self.root} is a healthy, mounted directory"
        return StorageError(f"cannot {action} {key!r} in {self.describe()}", why, fix)

    def put(self, key: str, data: bytes) -> None:
        with self.open_write(key) as stream:
            stream.write(data)

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        try:
            _make_dirs(path.parent, self.root)
            fd, tmp = tempfile.mkstemp(prefix=f".{path.name[:64]}.", suffix=PARTIAL_SUFFIX, dir=path.parent)
        except OSError as error:
            raise self._fail("write", key, error) from error
        raw = _FileWriter(fd, lambda error: self._fail("write", key, error))
        try:
            with io.BufferedWriter(raw, buffer_size=1024 * 1024) as stream:
                yield stream
                stream.flush()
                try:
                    os.fsync(fd)
                    os.replace(tmp, path)
                    _fsync_dir(path.parent)
                except OSError as error:
                    raise self._fail("write", key, error) from error
        except BaseException:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(tmp)
            raise

    @contextlib.contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        path = self._path(key)
        try:
            handle = path.open("rb")
        except (FileNotFoundError, NotADirectoryError, IsADirectoryError) as error:
            raise missing(key, self.describe()) from error
        except OSError as error:
            raise self._fail("read", key, error) from error
        with handle:
            yield handle

    def get(self, key: str) -> bytes:
        with self.open_read(key) as stream:
            try:
                return stream.read()
            except OSError as error:
                raise self._fail("read", key, error) from error

    def stat(self, key: str) -> ObjectInfo | None:
        path = self._path(key)
        try:
            info = path.stat()
        except (FileNotFoundError, NotADirectoryError):
            return None
        except OSError as error:
            raise self._fail("stat", key, error) from error
        if not path.is_file():
            return None
        return ObjectInfo(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix, self.describe())
        # Walk only the folder the prefix names, then keep the names that start with the whole prefix.
        folder, _, _ = prefix.rpartition("/")
        start = self.root / folder if folder else self.root
        try:
            for key, info in _walk_sorted(start, folder):
                if key.startswith(prefix):
                    yield ObjectInfo(key, info.st_size, datetime.fromtimestamp(info.st_mtime, UTC))
        except OSError as error:
            raise self._fail("list", prefix or "(everything)", error) from error

    def delete(self, key: str) -> None:
        path = self._path(key)
        try:
            path.unlink()
        except (FileNotFoundError, NotADirectoryError):
            return
        except OSError as error:
            raise self._fail("delete", key, error) from error
        _fsync_dir(path.parent)
        _prune_empty_dirs(path.parent, self.root)

    def delete_prefix(self, prefix: str) -> int:
        keys = [info.key for info in self.list(prefix)]
        for key in keys:
            self.delete(key)
        return len(keys)


def _walk_sorted(directory: Path, key_prefix: str) -> Iterator[tuple[str, os.stat_result]]:
    """(key, stat) of every file below ``directory`` in key order. A folder sorts as its name plus "/",
    which is where its keys fall among its siblings ("a-b" < "a/c" < "a0")."""
    try:
        entries = list(os.scandir(directory))
    except (FileNotFoundError, NotADirectoryError):
        return
    named = []
    for entry in entries:
        if entry.name.endswith(PARTIAL_SUFFIX):
            continue
        is_dir = entry.is_dir(follow_symlinks=False)
        named.append((entry.name + "/" if is_dir else entry.name, entry, is_dir))
    for _, entry, is_dir in sorted(named, key=lambda item: item[0]):
        key = f"{key_prefix}/{entry.name}" if key_prefix else entry.name
        if is_dir:
            yield from _walk_sorted(Path(entry.path), key)
        elif entry.is_file():
            yield key, entry.stat()


class _FileWriter(io.RawIOBase):
    """An open file descriptor whose write errors (disk full...) surface as StorageError."""

    def __init__(self, fd: int, fail: Callable[[OSError], StorageError]) -> None:
        super().__init__()
        self._fd = fd
        self._fail = fail

    def writable(self) -> bool:
        return True

    def write(self, data: ReadableBuffer, /) -> int:
        try:
            return os.write(self._fd, data)
        except OSError as error:
            raise self._fail(error) from error

    def close(self) -> None:
        if not self.closed:
            os.close(self._fd)
        super().close()


def _make_dirs(path: Path, root: Path) -> None:
    """Create ``path`` and its missing parents (0700), fsyncing each parent so the new folder is durable."""
    missing_dirs = []
    while not path.exists():
        missing_dirs.append(path)
        if path in (root, path.parent):
            break
        path = path.parent
    for each in reversed(missing_dirs):
        with contextlib.suppress(FileExistsError):
            each.mkdir(mode=0o700)
        if each.parent.exists():
            _fsync_dir(each.parent)


def _prune_empty_dirs(path: Path, root: Path) -> None:
    """Remove the folders a delete left empty, up to (not including) ``root``."""
    while path != root and root in path.parents:
        try:
            path.rmdir()
        except OSError:
            return
        path = path.parent


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
