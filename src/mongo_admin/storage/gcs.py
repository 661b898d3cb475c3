"""Backup storage in a Google Cloud Storage bucket, with the official google-cloud-storage client.

Objects above the multipart threshold go up through a resumable upload session: parts are sent in order,
the object exists only once the last part is accepted, and a part that failed in transit is resumed from
what the service says it kept. The client's own retries are off (``retry=None``): every call goes through
the shared ``RetryPolicy``. Credentials: a service-account file, else Application Default Credentials, or
none at all for an emulator ``endpoint_url``; they never appear in a message or a log line here.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from mongo_admin.errors import StorageError
from mongo_admin.storage.base import (
    GCS_CHUNK_QUANTUM,
    ObjectInfo,
    StorageOptions,
    check_key,
    check_prefix,
    missing,
)
from mongo_admin.storage.retry import attempts_note
from mongo_admin.storage.streams import UploadSession, all_or_nothing_upload, ranged_read

T = TypeVar("T")
_TRANSIENT_STATUS = {408, 429, 500, 502, 503, 504}
_RESUME_INCOMPLETE = 308
_PLACEHOLDER_PROJECT = "mongo-admin"  # bucket-level calls need no project; the client wants one anyway


class TransientUploadError(Exception):
    """A resumable-upload request got an answer worth retrying (5xx, 429, 408)."""


class GcsStorage:
    """Objects are ``<prefix>/<key>`` in ``bucket``."""

    def __init__(self, bucket: str, prefix: str, options: StorageOptions) -> None:
        if options.part_size % GCS_CHUNK_QUANTUM:
            raise StorageError(
                f"cannot use part size {options.part_size} for gs://{bucket}",
                "Cloud Storage takes resumable upload parts in multiples of 256 KiB",
                f"choose a multiple of {GCS_CHUNK_QUANTUM} bytes "
                f"(e.g. {max(1, options.part_size // GCS_CHUNK_QUANTUM) * GCS_CHUNK_QUANTUM})",
            )
        self.bucket_name = bucket
        self.prefix = prefix.strip("/")
        self.options = options
        self._client, self._session = _make_client(options, self.describe())
        self._bucket = self._client.bucket(bucket)

    def describe(self) -> str:
        return f"gs://{self.bucket_name}/{self.prefix}" if self.prefix else f"gs://{self.bucket_name}"

    def _name(self, key: str) -> str:
        check_key(key, self.describe())
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, name: str) -> str:
        return name[len(self.prefix) + 1 :] if self.prefix else name

    @property
    def _timeout(self) -> tuple[float, float]:
        return (min(self.options.timeout_s, 30.0), self.options.timeout_s)

    def _call(self, action: str, key: str, operation: Callable[[], T]) -> T:
        """``operation()`` retried on transient errors; any failure left becomes a StorageError."""
        try:
            return self.options.retry.call(operation, is_transient=_is_transient,
                                           what=f"{action} {key!r} on {self.describe()}")
        except StorageError:
            raise
        except Exception as error:
            raise self._error(action, key, error) from error

    def _error(self, action: str, key: str, error: Exception) -> StorageError:
        from google.api_core import exceptions as api
        from google.auth import exceptions as auth

        what = f"cannot {action} {key!r} on {self.describe()}"
        if isinstance(error, api.NotFound):
            return StorageError(what, f"bucket {self.bucket_name!r} does not exist",
                                f"create the bucket {self.bucket_name!r}, or correct the storage URL")
        if isinstance(error, api.Forbidden | api.Unauthorized | auth.RefreshError | auth.DefaultCredentialsError):
            return StorageError(what, f"access denied ({type(error).__name__})",
                                "check the service account (credentials file or Application Default Credentials) "
                                f"and that it may read, write, list and delete in gs://{self.bucket_name}")
        if _is_transient(error):
            return StorageError(what, f"the service did not answer ({type(error).__name__}{attempts_note(error)})",
                                "check the network path to Cloud Storage and retry later")
        status = getattr(error, "code", None)
        return StorageError(what, f"{type(error).__name__}{f' {status}' if status else ''}",
                            "check the storage URL and endpoint")

    def put(self, key: str, data: bytes) -> None:
        blob = self._bucket.blob(self._name(key))
        self._call("write", key, lambda: blob.upload_from_string(
            data, content_type="application/octet-stream", retry=None, timeout=self._timeout))

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        uploader = _Uploader(self, key, self._name(key))
        with all_or_nothing_upload(uploader, part_size=self.options.part_size,
                                   threshold=self.options.multipart_threshold) as stream:
            yield stream

    def _blob_info(self, key: str) -> Any:
        name = self._name(key)
        return self._call("stat", key, lambda: self._bucket.get_blob(name, retry=None, timeout=self._timeout))

    @contextlib.contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        info = self._blob_info(key)
        if info is None:
            raise missing(key, self.describe())
        # Pin the generation read first, so a concurrent overwrite fails the read instead of mixing objects.
        blob = self._bucket.blob(self._name(key), generation=info.generation)

        def fetch(offset: int, length: int) -> bytes:
            return bytes(self._call("read", key, lambda: blob.download_as_bytes(
                start=offset, end=offset + length - 1, checksum=None, retry=None, timeout=self._timeout)))

        with ranged_read(fetch, size=int(info.size), chunk=self.options.part_size,
                         where=f"object {key!r} on {self.describe()}") as stream:
            yield stream

    def get(self, key: str) -> bytes:
        from google.api_core.exceptions import NotFound

        blob = self._bucket.blob(self._name(key))

        def read() -> bytes:
            return bytes(blob.download_as_bytes(retry=None, timeout=self._timeout))
        try:
            return self.options.retry.call(read, is_transient=_is_transient, what=f"read {key!r}")
        except NotFound as error:
            # The bucket's absence reads as a missing object too; stat tells them apart for the message.
            if self._bucket_exists():
                raise missing(key, self.describe()) from error
            raise self._error("read", key, error) from error
        except Exception as error:
            raise self._error("read", key, error) from error

    def _bucket_exists(self) -> bool:
        return bool(self._call("check", "(bucket)", lambda: self._bucket.exists(retry=None, timeout=self._timeout)))

    def stat(self, key: str) -> ObjectInfo | None:
        info = self._blob_info(key)
        return None if info is None else ObjectInfo(key, int(info.size), info.updated)

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix, self.describe())
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        token: str | None = None
        while True:
            def fetch_page(page_token: str | None = token) -> tuple[Any, str | None]:
                found = self._client.list_blobs(self._bucket, prefix=full, page_token=page_token, retry=None,
                                                timeout=self._timeout)
                items = [*next(found.pages)]
                return items, found.next_page_token
            items, token = self._call("list", prefix or "(everything)", fetch_page)
            for blob in items:
                yield ObjectInfo(self._key(blob.name), int(blob.size), blob.updated)
            if not token:
                return

    def delete(self, key: str) -> None:
        from google.api_core.exceptions import NotFound

        blob = self._bucket.blob(self._name(key))

        def remove() -> None:
            with contextlib.suppress(NotFound):
                blob.delete(retry=None, timeout=self._timeout)
        self._call("delete", key, remove)

    def delete_prefix(self, prefix: str) -> int:
        keys = [info.key for info in self.list(prefix)]
        for key in keys:
            self.delete(key)
        return len(keys)


class _Uploader:
    """Whole-object puts and resumable uploads of one key."""

    def __init__(self, storage: GcsStorage, key: str, name: str) -> None:
        self._storage = storage
        self._key = key
        self._name = name

    def put_whole(self, data: bytes) -> None:
        self._storage.put(self._key, data)

    def begin(self) -> UploadSession:
        storage = self._storage
        blob = storage._bucket.blob(self._name)
        url = storage._call("start an upload of", self._key, lambda: blob.create_resumable_upload_session(
            content_type="application/octet-stream", retry=None, timeout=storage._timeout))
        return _ResumableUpload(storage, self._key, str(url))


class _ResumableUpload:
    """Cloud Storage's resumable upload protocol: each PUT carries ``Content-Range: bytes a-b/*`` (``/total``
    on the last); 308 means "kept, send more", 200/201 means "the object exists"."""

    def __init__(self, storage: GcsStorage, key: str, url: str) -> None:
        self._storage = storage
        self._key = key
        self._url = url  # a bearer capability for this upload: never logged
        self._sent = 0

    def send_part(self, data: bytes, *, last: bool) -> None:
        start, tries = self._sent, 0

        def send() -> None:
            nonlocal tries
            tries += 1
            # After a failed try the service may already hold the first bytes of this part: ask, then skip them.
            kept = start if tries == 1 else self._kept_bytes()
            if kept is None:  # the last part had arrived; only its answer was lost
                return
            offset, end = kept - start, start + len(data)
            if not 0 <= offset <= len(data):
                raise StorageError(f"cannot write {self._key!r} on {self._storage.describe()}",
                                   f"the resumable upload holds {kept} bytes where {start} were expected",
                                   "write the object again")
            if offset == len(data) and not last:
                return
            total = str(end) if last else "*"
            span = f"bytes {kept}-{end - 1}/{total}" if offset < len(data) else f"bytes */{total}"
            answer = self._storage._session.put(self._url, data=data[offset:], headers={"Content-Range": span},
                                                timeout=self._storage._timeout)
            self._check(answer.status_code, done=last)

        self._storage._call("write", self._key, send)
        self._sent = start + len(data)

    def _kept_bytes(self) -> int | None:
        """How many bytes the service holds, or None when the upload already finished."""
        answer = self._storage._session.put(self._url, data=b"", headers={"Content-Range": "bytes */*"},
                                            timeout=self._storage._timeout)
        if answer.status_code in (200, 201):
            return None
        self._check(answer.status_code, done=False)
        kept = answer.headers.get("Range", "")  # "bytes=0-N" when N+1 bytes are kept, absent when none
        return int(kept.rpartition("-")[2]) + 1 if kept else 0

    def _check(self, status: int, *, done: bool) -> None:
        if status in _TRANSIENT_STATUS:
            raise TransientUploadError(f"HTTP {status}")
        if status == _RESUME_INCOMPLETE and not done:
            return
        if status in (200, 201) and done:
            return
        raise StorageError(f"cannot write {self._key!r} on {self._storage.describe()}",
                           f"the resumable upload was answered with HTTP {status}",
                           "write the object again; if it keeps failing, check the bucket's permissions and quota")

    def complete(self) -> None:
        """The last part's answer already made the object exist."""

    def abort(self) -> None:
        # DELETE cancels a session (answered 499); an emulator may not support it, which the caller tolerates.
        self._storage._session.delete(self._url, timeout=self._storage._timeout)


def _make_client(options: StorageOptions, where: str) -> tuple[Any, Any]:
    """The storage client and an authorised HTTP session (for resumable-upload requests)."""
    from google.auth.credentials import AnonymousCredentials
    from google.auth.exceptions import DefaultCredentialsError
    from google.auth.transport.requests import AuthorizedSession
    from google.cloud import storage

    project = options.project
    try:
        if options.credentials_file is not None:
            from google.oauth2 import service_account

            credentials: Any = service_account.Credentials.from_service_account_file(  # type: ignore[no-untyped-call]
                str(options.credentials_file),
                scopes=["https://www.googleapis.com/auth/devstorage.read_write"])
            project = project or credentials.project_id
        elif options.endpoint_url:
            credentials = AnonymousCredentials()  # type: ignore[no-untyped-call]
        else:
            import google.auth

            credentials, found_project = google.auth.default(
                scopes=["https://www.googleapis.com/auth/devstorage.read_write"])
            project = project or found_project
    except (OSError, ValueError, KeyError, DefaultCredentialsError) as error:
        source = (f"credentials file {options.credentials_file}" if options.credentials_file
                  else "Application Default Credentials")
        # The type only: parsers quote the offending content, which may be a private key.
        raise StorageError(f"cannot open {where}", f"{source} could not be loaded ({type(error).__name__})",
                           "give a valid service-account JSON key file, or run "
                           "'gcloud auth application-default login'") from None
    client_options = {"api_endpoint": options.endpoint_url} if options.endpoint_url else None
    client = storage.Client(project=project or _PLACEHOLDER_PROJECT, credentials=credentials,
                            client_options=client_options)
    return client, AuthorizedSession(credentials)  # type: ignore[no-untyped-call]


def _is_transient(error: BaseException) -> bool:
    import requests
    from google.api_core import exceptions as api
    from google.auth.exceptions import TransportError

    if isinstance(error, TransientUploadError | TransportError | requests.ConnectionError | requests.Timeout):
        return True
    if isinstance(error, api.GoogleAPICallError):
        return error.code in _TRANSIENT_STATUS
    return False
