"""The storage contract every backup backend keeps (filesystem, GCS, S3), and the options they share.

Keys are "/"-separated relative paths ("prod/backups/2026-11-26T04:10:00Z/rs0/oplog.bson.gz"): no leading
slash, no empty, "." or ".." segment, no control character, at most 1024 bytes of UTF-8 (the object stores'
limit). Every method raises ``StorageError`` (``ObjectMissingError`` for a missing key) naming the storage
URL and the key, why, and a fix; transient failures are retried inside the backend first (``RetryPolicy``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Protocol

from mongo_admin.errors import ObjectMissingError, StorageError
from mongo_admin.storage.retry import RetryPolicy

MAX_KEY_BYTES = 1024
# Object stores take parts of at least 5 MiB (S3) in multiples of 256 KiB (GCS resumable uploads).
GCS_CHUNK_QUANTUM = 256 * 1024
DEFAULT_PART_SIZE = 16 * 1024 * 1024
_FORBIDDEN = re.compile(r"[\x00-\x1f\x7f]")


@dataclass(frozen=True)
class ObjectInfo:
    """One stored object: its key (relative to the storage root), size in bytes and last change (UTC)."""

    key: str
    size: int
    modified: datetime


@dataclass(frozen=True)
class StorageOptions:
    """How to reach a storage URL. Everything is optional; the defaults suit the real services.

    ``endpoint_url`` points a gs:// or s3:// URL at another server (an emulator, MinIO...); a GCS endpoint
    without ``credentials_file`` is used anonymously. ``credentials_file`` is a service-account JSON file
    (GCS) or an AWS shared credentials file (S3, with ``profile``). Objects larger than
    ``multipart_threshold`` bytes are uploaded in parts of ``part_size`` bytes (S3 multipart, GCS resumable).
    """

    endpoint_url: str | None = None
    region: str | None = None
    credentials_file: Path | None = None
    profile: str | None = None
    project: str | None = None
    part_size: int = DEFAULT_PART_SIZE
    multipart_threshold: int = DEFAULT_PART_SIZE
    timeout_s: float = 60.0
    retry: RetryPolicy = field(default_factory=RetryPolicy)

    def __post_init__(self) -> None:
        if self.part_size < 1 or self.multipart_threshold < 0:
            raise StorageError(
                f"invalid storage options: part_size={self.part_size}, multipart_threshold={self.multipart_threshold}",
                "the part size must be positive and the threshold not negative",
                "use the defaults, or a part size of at least 5 MiB for S3 and a multiple of 256 KiB for GCS",
            )


class Storage(Protocol):
    """A place that holds backup objects under "/"-separated keys.

    Writes are all-or-nothing: a reader sees the old object or the new one, never part of one, and a write
    that fails leaves no object behind. ``list`` is recursive and sorted by key (UTF-8 byte order).
    """

    def describe(self) -> str:
        """The storage URL, e.g. ``file:///var/backups``, ``gs://bucket/prefix`` (never any secret)."""
        ...

    def put(self, key: str, data: bytes) -> None:
        """Store ``data`` as the whole object ``key``, replacing any previous one atomically."""
        ...

    def open_write(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A stream whose bytes become object ``key`` when the block exits without an error; on an error the
        upload is abandoned and no object appears (an existing one is left as it was)."""
        ...

    def open_read(self, key: str) -> AbstractContextManager[BinaryIO]:
        """A stream of object ``key``'s bytes, fetched as they are read. Raises ObjectMissingError."""
        ...

    def get(self, key: str) -> bytes:
        """The whole object ``key``. Raises ObjectMissingError."""
        ...

    def stat(self, key: str) -> ObjectInfo | None:
        """Size and time of object ``key``, or None when there is none."""
        ...

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        """Every object whose key starts with ``prefix`` (a plain string prefix), sorted by key."""
        ...

    def delete(self, key: str) -> None:
        """Remove object ``key``; a missing one is fine."""
        ...

    def delete_prefix(self, prefix: str) -> int:
        """Remove every object whose key starts with ``prefix``; returns how many were removed."""
        ...


def check_key(key: str, where: str) -> str:
    """``key`` when it is a valid storage key, else a StorageError naming it and the storage ``where``."""
    problem = _key_problem(key)
    if problem:
        raise StorageError(
            f"invalid storage key {key!r} on {where}", problem,
            "use a relative '/'-separated path without '.' or '..' segments or control characters",
        )
    return key


def check_prefix(prefix: str, where: str) -> str:
    """A listing prefix: a key, possibly ending in "/", or the empty string for everything."""
    if prefix == "":
        return prefix
    check_key(prefix.removesuffix("/") or ".", where)
    return prefix


def _key_problem(key: str) -> str:
    if not key:
        return "the key is empty"
    if key.startswith("/"):
        return "the key starts with '/'"
    if len(key.encode("utf-8", "surrogatepass")) > MAX_KEY_BYTES:
        return f"the key is longer than {MAX_KEY_BYTES} bytes"
    if _FORBIDDEN.search(key):
        return "the key contains a control character"
    if any(segment in ("", ".", "..") for segment in key.split("/")):
        return "the key has an empty, '.' or '..' segment"
    return ""


def missing(key: str, where: str) -> ObjectMissingError:
    """The error for a key that is not there."""
    return ObjectMissingError(
        f"no object {key!r} in {where}", "it does not exist (never written, deleted, or a different storage URL)",
        "check the storage URL and the key (list the storage to see what it holds)",
    )
