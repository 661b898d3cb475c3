"""The write-ahead journal: one append-only file of checksummed records, replayed on top of the last checkpoint.

File layout: a 16-byte header (magic ``MSIMJRN1``, little-endian uint64 file number), then records:
``uint32 payload length | uint32 crc32(payload) | payload``, payload = ``uint8 op | uint32 collection ident |
body`` (a BSON document: the inserted/replacing document, ``{_id}`` for a delete, or a catalog change). A group
record (``OP_GROUP``) carries several such payloads under one checksum, each prefixed by its uint32 length: a
change and the oplog entry describing it are replayed both or neither.

Every record is written to the file (``os.write``) before the mutation it describes is applied, so a killed
process loses nothing it acknowledged; ``sync()`` fsyncs what was written so far (j:true writes and the group
commit). A write that fails (ENOSPC, EIO) truncates the file back to the last whole record and raises
``CommandError``: the mutation is not applied and earlier records stay intact. Reading stops at the first
record that is short or fails its checksum: that torn tail (a crash mid-write) is discarded.
"""

from __future__ import annotations

import contextlib
import errno
import os
import struct
import zlib
from dataclasses import dataclass, field

from mongosim.errors import CommandError

MAGIC = b"MSIMJRN1"
HEADER = struct.Struct("<8sQ")
RECORD = struct.Struct("<II")
PAYLOAD = struct.Struct("<BI")
MAX_RECORD = 64 * 1024 * 1024

OP_INSERT = 1
OP_REPLACE = 2
OP_DELETE = 3
OP_CATALOG = 4
OP_GROUP = 5
_LENGTH = struct.Struct("<I")


def pack_group(records: list[tuple[int, int, bytes]]) -> bytes:
    """The body of a group record holding ``(op, ident, body)`` records."""
    parts = []
    for op, ident, body in records:
        payload = PAYLOAD.pack(op, ident) + body
        parts.append(_LENGTH.pack(len(payload)) + payload)
    return b"".join(parts)


def unpack_group(body: bytes) -> list[tuple[int, int, bytes]]:
    records = []
    pos = 0
    while pos < len(body):
        (length,) = _LENGTH.unpack_from(body, pos)
        start = pos + _LENGTH.size
        op, ident = PAYLOAD.unpack_from(body, start)
        records.append((op, ident, body[start + PAYLOAD.size:start + length]))
        pos = start + length
    return records


def journal_name(number: int) -> str:
    return f"WiredTigerLog.{number:010d}"


@dataclass
class JournalContents:
    number: int
    records: list[tuple[int, int, bytes]] = field(default_factory=list)
    valid_end: int = HEADER.size
    size: int = 0

    @property
    def torn_bytes(self) -> int:
        return self.size - self.valid_end


def read_journal(path: str) -> JournalContents:
    """All whole, checksummed records of a journal file, and where the valid part ends."""
    with open(path, "rb") as handle:
        data = handle.read()
    if len(data) < HEADER.size:
        return JournalContents(0, valid_end=0, size=len(data))
    magic, number = HEADER.unpack_from(data, 0)
    if magic != MAGIC:
        raise ValueError(f"{path} is not a mongosim journal file")
    contents = JournalContents(number, size=len(data))
    pos = HEADER.size
    view = memoryview(data)
    while pos + RECORD.size <= len(data):
        length, crc = RECORD.unpack_from(data, pos)
        start = pos + RECORD.size
        if length < PAYLOAD.size or length > MAX_RECORD or start + length > len(data):
            break
        payload = view[start:start + length]
        if zlib.crc32(payload) != crc:
            break
        op, ident = PAYLOAD.unpack_from(payload, 0)
        contents.records.append((op, ident, bytes(payload[PAYLOAD.size:])))
        pos = start + length
    contents.valid_end = pos
    return contents


def _storage_error(exc: OSError, path: str) -> CommandError:
    if exc.errno == errno.ENOSPC:
        return CommandError("OutOfDiskSpace", f"Failed to write to the journal {path}: {os.strerror(exc.errno)}")
    return CommandError("UnknownError", f"Failed to write to the journal {path}: "
                        f"{os.strerror(exc.errno) if exc.errno else exc}")


class Journal:
    """The active journal file, open for appending."""

    def __init__(self, path: str, number: int, fd: int, offset: int) -> None:
        self.path = path
        self.number = number
        self._fd = fd
        self.offset = offset
        self.synced = offset
        self.records = 0
        self.bytes_written = 0
        self.syncs = 0

    @classmethod
    def create(cls, directory: str, number: int) -> Journal:
        """A new, empty journal file whose header is already durable."""
        path = os.path.join(directory, journal_name(number))
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_APPEND, 0o600)
        try:
            os.write(fd, HEADER.pack(MAGIC, number))
            os.fsync(fd)
        except OSError:
            os.close(fd)
            raise
        return cls(path, number, fd, HEADER.size)

    @classmethod
    def reopen(cls, path: str, number: int, valid_end: int) -> Journal:
        """An existing journal, its torn tail cut off, positioned for appending."""
        fd = os.open(path, os.O_WRONLY | os.O_APPEND)
        try:
            if os.fstat(fd).st_size != valid_end:
                os.ftruncate(fd, valid_end)
                os.fsync(fd)
        except OSError:
            os.close(fd)
            raise
        return cls(path, number, fd, valid_end)

    @property
    def pending(self) -> bool:
        return self.synced != self.offset

    def append(self, op: int, ident: int, body: bytes) -> None:
        payload = PAYLOAD.pack(op, ident) + body
        record = RECORD.pack(len(payload), zlib.crc32(payload)) + payload
        try:
            written = os.write(self._fd, record)
            while written < len(record):
                written += os.write(self._fd, record[written:])
        except OSError as exc:
            self._truncate_back()
            raise _storage_error(exc, self.path) from exc
        self.offset += len(record)
        self.records += 1
        self.bytes_written += len(record)

    def _truncate_back(self) -> None:
        # A partial record must not stay in front of later ones: replay would stop at it.
        with contextlib.suppress(OSError):
            os.ftruncate(self._fd, self.offset)

    def sync(self) -> None:
        """Make every appended record durable; nothing to do when nothing was appended since the last sync."""
        if self.synced == self.offset:
            return
        target = self.offset
        try:
            os.fsync(self._fd)
        except OSError as exc:
            raise _storage_error(exc, self.path) from exc
        self.synced = target
        self.syncs += 1

    def close(self) -> None:
        if self._fd >= 0:
            try:
                self.sync()
            finally:
                os.close(self._fd)
                self._fd = -1
