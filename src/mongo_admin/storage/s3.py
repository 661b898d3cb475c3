"""Backup storage in an S3 bucket (AWS, or any S3-compatible server through ``endpoint_url``), with boto3.

Objects above the multipart threshold go up as a multipart upload that is completed only when the stream
ends cleanly and aborted otherwise. botocore's own retries are off: every call goes through the shared
``RetryPolicy`` so all backends retry alike. Credentials come from boto3's usual chain (environment,
shared credentials file and profile, instance role); they never appear in a message or a log line here.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Iterator
from typing import Any, BinaryIO, TypeVar

from mongo_admin.errors import StorageError
from mongo_admin.storage.base import ObjectInfo, StorageOptions, check_key, check_prefix, missing
from mongo_admin.storage.retry import attempts_note
from mongo_admin.storage.streams import UploadSession, all_or_nothing_upload, ranged_read

T = TypeVar("T")
log = logging.getLogger(__name__)
_TRANSIENT_CODES = {"SlowDown", "RequestTimeout", "RequestTimeTooSkewed", "InternalError", "ServiceUnavailable",
                    "Throttling", "ThrottlingException", "RequestLimitExceeded", "OperationAborted"}
_DELETE_BATCH = 1000


class S3Storage:
    """Objects are ``<prefix>/<key>`` in ``bucket``."""

    def __init__(self, bucket: str, prefix: str, options: StorageOptions) -> None:
        self.bucket = bucket
        self.prefix = prefix.strip("/")
        self.options = options
        self._client = _make_client(options, self.describe())

    def describe(self) -> str:
        return f"s3://{self.bucket}/{self.prefix}" if self.prefix else f"s3://{self.bucket}"

    def _name(self, key: str) -> str:
        check_key(key, self.describe())
        return f"{self.prefix}/{key}" if self.prefix else key

    def _key(self, name: str) -> str:
        return name[len(self.prefix) + 1 :] if self.prefix else name

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
        code, status = _code(error)
        what = f"cannot {action} {key!r} on {self.describe()}"
        why = f"{code or type(error).__name__}{attempts_note(error)}"
        if code == "NoSuchBucket":
            return StorageError(what, f"bucket {self.bucket!r} does not exist",
                                f"create the bucket {self.bucket!r}, or correct the storage URL")
        if code in ("AccessDenied", "InvalidAccessKeyId", "SignatureDoesNotMatch") or status == 403:
            return StorageError(what, f"access denied ({code or status})",
                                "check the S3 credentials (profile, credentials file or environment) and that they "
                                f"may read, write, list and delete in s3://{self.bucket}")
        if _is_credentials_error(error):
            return StorageError(what, "no usable AWS credentials",
                                "set a profile or credentials file in the storage options, or the AWS_ACCESS_KEY_ID "
                                "and AWS_SECRET_ACCESS_KEY environment variables")
        if _is_transient(error):
            return StorageError(what, f"the service did not answer ({why})",
                                "check the network path to the S3 endpoint and retry later")
        return StorageError(what, why, "check the storage URL, region and endpoint")

    def put(self, key: str, data: bytes) -> None:
        name = self._name(key)
        self._call("write", key, lambda: self._client.put_object(Bucket=self.bucket, Key=name, Body=data))

    @contextlib.contextmanager
    def open_write(self, key: str) -> Iterator[BinaryIO]:
        uploader = _Uploader(self, key, self._name(key))
        with all_or_nothing_upload(uploader, part_size=self.options.part_size,
                                   threshold=self.options.multipart_threshold) as stream:
            yield stream

    @contextlib.contextmanager
    def open_read(self, key: str) -> Iterator[BinaryIO]:
        name = self._name(key)
        head = self._head(key, name)
        if head is None:
            raise missing(key, self.describe())
        etag = head["ETag"]

        def fetch(offset: int, length: int) -> bytes:
            def get_range() -> bytes:
                answer = self._client.get_object(Bucket=self.bucket, Key=name, IfMatch=etag,
                                                 Range=f"bytes={offset}-{offset + length - 1}")
                return bytes(answer["Body"].read())
            return self._call("read", key, get_range)

        with ranged_read(fetch, size=int(head["ContentLength"]), chunk=self.options.part_size,
                         where=f"object {key!r} on {self.describe()}") as stream:
            yield stream

    def get(self, key: str) -> bytes:
        name = self._name(key)

        def read() -> bytes:
            return bytes(self._client.get_object(Bucket=self.bucket, Key=name)["Body"].read())
        try:
            return self.options.retry.call(read, is_transient=_is_transient, what=f"read {key!r}")
        except Exception as error:
            if _code(error)[0] in ("NoSuchKey", "404"):
                raise missing(key, self.describe()) from error
            raise self._error("read", key, error) from error

    def _head(self, key: str, name: str) -> dict[str, Any] | None:
        def head() -> dict[str, Any] | None:
            try:
                answer: dict[str, Any] = self._client.head_object(Bucket=self.bucket, Key=name)
            except Exception as error:
                if _code(error)[1] == 404 and _code(error)[0] != "NoSuchBucket":
                    return None
                raise
            return answer
        return self._call("stat", key, head)

    def stat(self, key: str) -> ObjectInfo | None:
        head = self._head(key, self._name(key))
        return None if head is None else ObjectInfo(key, int(head["ContentLength"]), head["LastModified"])

    def list(self, prefix: str = "") -> Iterator[ObjectInfo]:
        check_prefix(prefix, self.describe())
        full = f"{self.prefix}/{prefix}" if self.prefix else prefix
        token: str | None = None
        while True:
            def fetch_page(page_token: str | None = token) -> dict[str, Any]:
                more = {"ContinuationToken": page_token} if page_token else {}
                page: dict[str, Any] = self._client.list_objects_v2(Bucket=self.bucket, Prefix=full, **more)
                return page
            page = self._call("list", prefix or "(everything)", fetch_page)
            for item in page.get("Contents", []):
                yield ObjectInfo(self._key(item["Key"]), int(item["Size"]), item["LastModified"])
            token = page.get("NextContinuationToken")
            if not page.get("IsTruncated") or not token:
                return

    def delete(self, key: str) -> None:
        name = self._name(key)
        self._call("delete", key, lambda: self._client.delete_object(Bucket=self.bucket, Key=name))

    def delete_prefix(self, prefix: str) -> int:
        names = [self._name(info.key) for info in self.list(prefix)]
        for start in range(0, len(names), _DELETE_BATCH):
            def delete_batch(batch: list[str] = names[start : start + _DELETE_BATCH]) -> dict[str, Any]:
                answer: dict[str, Any] = self._client.delete_objects(
                    Bucket=self.bucket, Delete={"Objects": [{"Key": name} for name in batch], "Quiet": True})
                return answer
            answer = self._call("delete", prefix, delete_batch)
            if answer.get("Errors"):
                first = answer["Errors"][0]
                raise StorageError(f"cannot delete {self._key(first['Key'])!r} on {self.describe()}",
                                   f"{first.get('Code')} ({len(answer['Errors'])} objects not deleted)",
                                   "check that the credentials may delete objects in this bucket, then retry")
        return len(names)


class _Uploader:
    """Whole-object puts and multipart uploads of one key."""

    def __init__(self, storage: S3Storage, key: str, name: str) -> None:
        self._storage = storage
        self._key = key
        self._name = name

    def put_whole(self, data: bytes) -> None:
        self._storage.put(self._key, data)

    def begin(self) -> UploadSession:
        storage = self._storage
        answer = storage._call("start an upload of", self._key,
                               lambda: storage._client.create_multipart_upload(Bucket=storage.bucket, Key=self._name))
        return _MultipartUpload(storage, self._key, self._name, str(answer["UploadId"]))


class _MultipartUpload:
    def __init__(self, storage: S3Storage, key: str, name: str, upload_id: str) -> None:
        self._storage = storage
        self._key = key
        self._name = name
        self._upload_id = upload_id
        self._parts: list[dict[str, Any]] = []

    def send_part(self, data: bytes, *, last: bool) -> None:
        storage, number = self._storage, len(self._parts) + 1
        answer = storage._call("write", self._key, lambda: storage._client.upload_part(
            Bucket=storage.bucket, Key=self._name, UploadId=self._upload_id, PartNumber=number, Body=data))
        self._parts.append({"PartNumber": number, "ETag": answer["ETag"]})

    def complete(self) -> None:
        storage = self._storage
        storage._call("write", self._key, lambda: storage._client.complete_multipart_upload(
            Bucket=storage.bucket, Key=self._name, UploadId=self._upload_id, MultipartUpload={"Parts": self._parts}))

    def abort(self) -> None:
        storage = self._storage
        storage._call("abandon the upload of", self._key, lambda: storage._client.abort_multipart_upload(
            Bucket=storage.bucket, Key=self._name, UploadId=self._upload_id))


def _make_client(options: StorageOptions, where: str) -> Any:
    import boto3
    import botocore.config
    import botocore.session
    from botocore.exceptions import BotoCoreError

    core = botocore.session.Session()
    if options.credentials_file is not None:
        if not options.credentials_file.is_file():
            raise StorageError(f"cannot open {where}", f"credentials file {options.credentials_file} does not exist",
                               "give the path of an AWS shared credentials file, or leave it unset")
        core.set_config_variable("credentials_file", str(options.credentials_file))
    config = botocore.config.Config(
        retries={"total_max_attempts": 1},  # RetryPolicy retries instead
        connect_timeout=min(options.timeout_s, 30.0), read_timeout=options.timeout_s,
        s3={"addressing_style": "path"} if options.endpoint_url else None,
        request_checksum_calculation="when_required", response_checksum_validation="when_required",
    )
    try:
        session = boto3.session.Session(botocore_session=core, profile_name=options.profile,
                                        region_name=options.region)
        return session.client("s3", endpoint_url=options.endpoint_url, config=config)
    except BotoCoreError as error:
        raise StorageError(f"cannot open {where}", type(error).__name__ + (
            f": profile {options.profile!r} not found" if "Profile" in type(error).__name__ else ""),
            "check the profile name and credentials file, and the endpoint URL") from error


def _code(error: BaseException) -> tuple[str, int]:
    """The service's error code and HTTP status of a botocore ClientError, else ("", 0)."""
    response = getattr(error, "response", None)
    if not isinstance(response, dict):
        return "", 0
    code = str(response.get("Error", {}).get("Code", ""))
    status = int(response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0) or 0)
    return code, status


def _is_credentials_error(error: BaseException) -> bool:
    from botocore.exceptions import NoCredentialsError, PartialCredentialsError
    return isinstance(error, NoCredentialsError | PartialCredentialsError)


def _is_transient(error: BaseException) -> bool:
    from botocore.exceptions import ConnectionError as BotoConnectionError
    from botocore.exceptions import HTTPClientError
    if isinstance(error, BotoConnectionError | HTTPClientError):
        return True
    code, status = _code(error)
    return code in _TRANSIENT_CODES or status in (408, 429) or status >= 500
