"""The dbpath on disk: the lock file, checkpoint files written atomically, and reading them back.

Layout of a dbpath (documented in the mongosim README):
- ``mongod.lock``: holds the pid while a server runs (flock'ed); emptied at clean shutdown, so a non-empty lock
  file at start-up means the last shutdown was unclean.
- ``_mdb_catalog.bson``: the last checkpoint's catalog, one BSON document: ``{format, checkpointId, journal,
  nextIdent, collections: [{ident, db, name, uuid, options, indexes, file, crc, count}]}``.
- ``collection-<ident>-<checkpointId>.bson``: a collection's documents in natural order, concatenated BSON (the
  same format as a mongodump ``.bson`` file). Indexes are rebuilt from their specs at start-up.
- ``journal/WiredTigerLog.<n>``: the journal since that checkpoint (see ``journal.py``).
Every checkpoint file is written to a temporary name, fsynced, renamed into place, and the directory fsynced, so
a crash leaves either the old checkpoint or the new one, never a mix.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import os
import zlib
from typing import Any

import bson

from mongosim.wire.messages import CODEC_OPTIONS

CATALOG_FILE = "_mdb_catalog.bson"
LOCK_FILE = "mongod.lock"
JOURNAL_DIR = "journal"
FORMAT = "mongosim-1"


class StorageStartupError(Exception):
    """The engine cannot start on this dbpath; ``exit_code`` is the code mongod exits with (100 for dbpath
    problems)."""

    def __init__(self, message: str, exit_code: int = 100) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def data_file_name(ident: int, checkpoint_id: int) -> str:
    return f"collection-{ident}-{checkpoint_id}.bson"


def fsync_dir(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_atomically(directory: str, name: str, chunks: list[bytes]) -> int:
    """Write a file under a temporary name, fsync it and rename it into place; returns its crc32.
    The caller fsyncs the directory once all files of a checkpoint are in place."""
    temp = os.path.join(directory, name + ".tmp")
    crc = 0
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        for chunk in chunks:
            view = memoryview(chunk)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            crc = zlib.crc32(chunk, crc)
        os.fsync(fd)
    except OSError:
        os.close(fd)
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    os.close(fd)
    os.replace(temp, os.path.join(directory, name))
    return crc


def encode(doc: dict[str, Any]) -> bytes:
    return bson.encode(doc, codec_options=CODEC_OPTIONS)


def decode(data: bytes) -> dict[str, Any]:
    return bson.decode(data, CODEC_OPTIONS)


def read_catalog(dbpath: str) -> dict[str, Any] | None:
    path = os.path.join(dbpath, CATALOG_FILE)
    try:
        with open(path, "rb") as handle:
            data = handle.read()
    except FileNotFoundError:
        return None
    catalog = decode(data)
    if catalog.get("format") != FORMAT:
        raise StorageStartupError(f"{path} was not written by this version of mongosim", 100)
    return catalog


def read_documents(dbpath: str, name: str, crc: int) -> tuple[list[dict[str, Any]], list[int]]:
    """A data file's documents and their BSON sizes."""
    path = os.path.join(dbpath, name)
    with open(path, "rb") as handle:
        data = handle.read()
    if zlib.crc32(data) != crc:
        raise StorageStartupError(f"Checksum mismatch in data file {path}: the file is corrupt", 100)
    sizes = []
    pos = 0
    while pos < len(data):
        size = int.from_bytes(data[pos:pos + 4], "little")
        sizes.append(size)
        pos += size
    return bson.decode_all(data, CODEC_OPTIONS), sizes


def check_dbpath(dbpath: str) -> None:
    if not os.path.isdir(dbpath):
        raise StorageStartupError(
            f"Data directory {dbpath} not found. Create the missing directory or specify another path using (1) the "
            "--dbpath command line option, or (2) by adding the 'storage.dbPath' option in the configuration file.",
            100)


def acquire_lock(dbpath: str) -> tuple[int, bool]:
    """Lock ``mongod.lock`` for this process and write the pid into it. Returns the descriptor and whether the
    previous shutdown was unclean (the lock file was not empty)."""
    path = os.path.join(dbpath, LOCK_FILE)
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    except OSError as exc:
        raise StorageStartupError(
            f"Unable to create/open the lock file: {path} ({os.strerror(exc.errno or errno.EACCES)}). Ensure the "
            "user executing mongod is the owner of the lock file and has the appropriate permissions. Also make "
            f"sure that another mongod instance is not already running on the {dbpath} directory", 100) from exc
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        os.close(fd)
        raise StorageStartupError(
            f"Unable to lock the lock file: {path} ({os.strerror(exc.errno or errno.EAGAIN)}). Another mongod "
            f"instance is already running on the {dbpath} directory", 100) from exc
    try:
        unclean = os.fstat(fd).st_size > 0
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        os.fsync(fd)
        probe = os.path.join(dbpath, ".mongosim-write-probe")
        with open(probe, "wb"):
            pass
        os.unlink(probe)
    except OSError as exc:
        os.close(fd)
        raise StorageStartupError(f"Unable to write to the data directory {dbpath}: "
                                  f"{os.strerror(exc.errno or errno.EACCES)}", 100) from exc
    return fd, unclean


def release_lock(fd: int) -> None:
    """Empty the lock file (the mark of a clean shutdown) and release it."""
    try:
        os.ftruncate(fd, 0)
        os.fsync(fd)
    except OSError:
        pass
    finally:
        with contextlib.suppress(OSError):
            fcntl.flock(fd, fcntl.LOCK_UN)
        os.close(fd)
