"""Backup storage: one small interface (``Storage``) over a local directory, Google Cloud Storage and S3.

``open_storage(url, options)`` picks the backend from the URL:

    /var/backups, ./backups, file:///var/backups   a directory (the default backend)
    gs://bucket[/prefix]                            a Google Cloud Storage bucket
    s3://bucket[/prefix]                            an S3 bucket (or S3-compatible server, with endpoint_url)
"""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import urlsplit

from mongo_admin.errors import StorageError
from mongo_admin.storage.base import ObjectInfo, Storage, StorageOptions
from mongo_admin.storage.retry import RetryPolicy

__all__ = ["ObjectInfo", "RetryPolicy", "Storage", "StorageOptions", "open_storage"]

_SCHEME = re.compile(r"^([a-zA-Z][a-zA-Z0-9+.-]*)://")
_BUCKET = re.compile(r"^[a-z0-9][a-z0-9._-]{1,221}[a-z0-9]$")
_FIX_URL = "use file:///absolute/path, a plain path, gs://bucket/prefix or s3://bucket/prefix"


def open_storage(url: str, options: StorageOptions | None = None) -> Storage:
    """The storage ``url`` names. Raises StorageError for a URL it cannot use (and, for GCS and S3, for
    credentials that cannot be loaded). Nothing is created until the first write."""
    options = options or StorageOptions()
    match = _SCHEME.match(url)
    if match is None:
        if not url.strip():
            raise StorageError("no storage URL given", "the URL is empty", _FIX_URL)
        return _filesystem(Path(url).expanduser())
    scheme = match.group(1).lower()
    parts = urlsplit(url)
    if scheme == "file":
        if parts.netloc not in ("", "localhost") or parts.query or parts.fragment:
            raise StorageError(f"cannot use storage URL {_safe(url)!r}", "a file URL names a local path only",
                               "write file:///absolute/path (three slashes)")
        return _filesystem(Path(url[match.end() :].removeprefix("localhost") or "/"))
    if scheme not in ("gs", "s3"):
        raise StorageError(f"cannot use storage URL {_safe(url)!r}", f"unknown scheme {scheme!r}", _FIX_URL)
    bucket, _, prefix = url[match.end() :].partition("/")
    if "@" in bucket:
        raise StorageError(f"cannot use storage URL {_safe(url)!r}", "the URL carries credentials",
                           "credentials never belong in the URL: give a credentials file or profile in the storage "
                           "options (or the environment), and write the URL as scheme://bucket/prefix")
    if not _BUCKET.match(bucket):
        raise StorageError(f"cannot use storage URL {_safe(url)!r}", f"{bucket!r} is not a valid bucket name",
                           "bucket names are 3-63 lower-case letters, digits, dots, hyphens and underscores")
    prefix = prefix.strip("/")
    if prefix and any(segment in ("", ".", "..") for segment in prefix.split("/")):
        raise StorageError(f"cannot use storage URL {_safe(url)!r}", "the prefix has an empty, '.' or '..' part",
                           "write the prefix as name/name")
    if scheme == "gs":
        from mongo_admin.storage.gcs import GcsStorage

        return GcsStorage(bucket, prefix, options)
    from mongo_admin.storage.s3 import S3Storage

    return S3Storage(bucket, prefix, options)


def _filesystem(path: Path) -> Storage:
    from mongo_admin.storage.filesystem import FilesystemStorage

    return FilesystemStorage(path.absolute())


def _safe(url: str) -> str:
    """``url`` without any user:password@ part, for messages."""
    return re.sub(r"(://)[^/@]*@", r"\1***@", url)
