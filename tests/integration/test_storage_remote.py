"""GCS and S3 backends against their emulators, through a proxy that injects failures: transient errors
are retried (a bounded number of times), permanent ones become one clear StorageError, and credentials
never reach a message or a log line."""

from __future__ import annotations

import dataclasses
import json
import logging
import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from mongo_admin.errors import StorageError
from mongo_admin.storage import RetryPolicy, Storage, StorageOptions, open_storage
from tests.support.simproc import free_port_block
from tests.support.storage_servers import (
    TEST_PART_SIZE,
    Emulator,
    Fault,
    FlakyProxy,
    object_stores,
    s3_credentials_file,
)

BUCKET = "mongo-admin-remote"
SECRET = "S3CR3T-do-not-print-0xC0FFEE"
LARGE = 2 * TEST_PART_SIZE + 777
# Where each backend's second part upload and range reads go, for aiming faults. (The GCS emulator answers a
# status query on an upload that holds nothing with "bytes=0-0" where the service sends no Range, so the
# faults hit the second part, when the first is kept.)
PART_UPLOAD = {"gcs": Fault(0, method="PUT", query_contains="upload_id=", skip=1),
               "s3": Fault(0, method="PUT", query_contains="partNumber=2")}
RANGE_READ = {"gcs": Fault(0, method="GET", query_contains="alt=media"), "s3": Fault(0, method="GET")}
# A single-request put. (Aim faults precisely: the GCS client also reads bucket metadata in the background.)
PUT = {"gcs": Fault(0, method="POST", query_contains="uploadType=multipart"), "s3": Fault(0, method="PUT")}


class Sleeps:
    """A RetryPolicy sleep that records the pauses instead of taking them."""

    def __init__(self) -> None:
        self.pauses: list[float] = []

    def __call__(self, seconds: float) -> None:
        self.pauses.append(seconds)


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Emulator]]:
    with object_stores(tmp_path_factory.mktemp("storage-emulators"), BUCKET) as (gcs_server, s3_server):
        yield {"gcs": gcs_server, "s3": s3_server}


@pytest.fixture(params=["gcs", "s3"])
def kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def proxy(servers: dict[str, Emulator], kind: str) -> Iterator[FlakyProxy]:
    with FlakyProxy(servers[kind].port) as flaky:
        yield flaky


def open_remote(kind: str, endpoint: str, tmp_path: Path, *, bucket: str = BUCKET, sleeps: Sleeps | None = None,
                attempts: int = 5) -> Storage:
    options = StorageOptions(
        endpoint_url=endpoint, region="us-east-1", part_size=TEST_PART_SIZE, multipart_threshold=TEST_PART_SIZE,
        retry=RetryPolicy(attempts=attempts, initial_delay_s=0.5, max_delay_s=4.0, sleep=sleeps or Sleeps()),
        credentials_file=s3_credentials_file(tmp_path, SECRET) if kind == "s3" else None,
        profile="test" if kind == "s3" else None)
    return open_storage(f"{'gs' if kind == 'gcs' else 's3'}://{bucket}/{tmp_path.name}", options)


def fault(template: Fault, count: int, status: int = 503) -> Fault:
    return dataclasses.replace(template, count=count, status=status)


def test_a_failing_part_is_retried_and_the_object_is_whole(kind: str, proxy: FlakyProxy, tmp_path: Path,
                                                           caplog: pytest.LogCaptureFixture) -> None:
    sleeps = Sleeps()
    storage = open_remote(kind, proxy.url, tmp_path, sleeps=sleeps)
    data = random.Random(1).randbytes(LARGE)
    proxy.fail(fault(PART_UPLOAD[kind], 2))
    with caplog.at_level(logging.WARNING, logger="mongo_admin.storage"), storage.open_write("rs0/big") as stream:
        stream.write(data)
    assert len(proxy.injected) == 2
    assert storage.get("rs0/big") == data
    assert len(sleeps.pauses) == 2 and all(0.5 <= pause <= 4.0 for pause in sleeps.pauses)
    assert "attempt 1 of 5; retrying" in caplog.text


def test_a_dropped_connection_while_reading_is_retried(kind: str, proxy: FlakyProxy, tmp_path: Path) -> None:
    storage = open_remote(kind, proxy.url, tmp_path)
    data = random.Random(2).randbytes(LARGE)
    storage.put("oplog.bson.gz", data)
    proxy.fail(fault(RANGE_READ[kind], 1, status=0))
    with storage.open_read("oplog.bson.gz") as stream:
        assert stream.read() == data
    assert len(proxy.injected) == 1


def test_a_throttled_put_is_retried(kind: str, proxy: FlakyProxy, tmp_path: Path) -> None:
    storage = open_remote(kind, proxy.url, tmp_path)
    proxy.fail(fault(PUT[kind], 1, status=429))
    storage.put("backup.json", b"{}")
    assert storage.get("backup.json") == b"{}"
    assert len(proxy.injected) == 1


def test_retries_are_bounded_and_the_error_says_so(kind: str, proxy: FlakyProxy, tmp_path: Path) -> None:
    sleeps = Sleeps()
    storage = open_remote(kind, proxy.url, tmp_path, sleeps=sleeps, attempts=3)
    proxy.fail(fault(PUT[kind], 100))
    with pytest.raises(StorageError) as caught:
        storage.put("backup.json", b"{}")
    assert len(proxy.injected) == 3 and len(sleeps.pauses) == 2
    message = str(caught.value)
    assert "cannot write 'backup.json'" in message and "after 3 attempts" in message and "fix:" in message


def test_a_failed_part_upload_leaves_no_object(kind: str, proxy: FlakyProxy, tmp_path: Path) -> None:
    storage = open_remote(kind, proxy.url, tmp_path, attempts=2)
    proxy.fail(fault(PART_UPLOAD[kind], 100, status=500))
    with pytest.raises(StorageError, match="did not answer"), storage.open_write("rs0/coll.bson.gz") as stream:
        stream.write(random.Random(3).randbytes(LARGE))
    proxy.faults.clear()
    assert storage.stat("rs0/coll.bson.gz") is None


def test_access_denied_names_the_bucket_and_the_fix(kind: str, proxy: FlakyProxy, tmp_path: Path) -> None:
    storage = open_remote(kind, proxy.url, tmp_path)
    proxy.fail(fault(PUT[kind], 100, status=403))
    with pytest.raises(StorageError) as caught:
        storage.put("backup.json", b"{}")
    assert "access denied" in str(caught.value) and "credentials" in str(caught.value)
    assert len(proxy.injected) == 1  # not transient: not retried


def test_a_missing_bucket_says_create_it(kind: str, servers: dict[str, Emulator], tmp_path: Path) -> None:
    storage = open_remote(kind, servers[kind].url, tmp_path, bucket="no-such-bucket")
    with pytest.raises(StorageError) as caught:
        storage.put("backup.json", b"{}")
    assert "bucket 'no-such-bucket' does not exist" in str(caught.value)
    assert "create the bucket 'no-such-bucket'" in str(caught.value)


def test_an_unreachable_endpoint_is_retried_then_reported(kind: str, tmp_path: Path) -> None:
    sleeps = Sleeps()
    storage = open_remote(kind, f"http://127.0.0.1:{free_port_block(1)}", tmp_path, sleeps=sleeps, attempts=2)
    with pytest.raises(StorageError) as caught:
        storage.get("manifest.json")
    assert "did not answer" in str(caught.value) and "network" in str(caught.value)
    assert len(sleeps.pauses) == 1


def test_credentials_never_reach_messages_or_logs(kind: str, proxy: FlakyProxy, tmp_path: Path,
                                                   caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    storage = open_remote(kind, proxy.url, tmp_path, attempts=2)
    storage.put("a", b"1")
    errors = []
    proxy.fail(Fault(100, status=503))
    for action in (lambda: storage.put("b", b"2"), lambda: storage.get("a"), lambda: list(storage.list())):
        with pytest.raises(StorageError) as caught:
            action()
        errors.append(caught.value)
    proxy.faults.clear()
    with pytest.raises(StorageError) as caught:
        storage.get("missing")
    errors.append(caught.value)
    assert caplog.text  # the libraries did log, at debug level
    for text in [caplog.text, storage.describe(), *(str(error) for error in errors)]:
        assert SECRET not in text


def test_an_unreadable_gcs_key_file_is_not_quoted(tmp_path: Path) -> None:
    key_file = tmp_path / "service-account.json"
    private_key = f"-----BEGIN PRIVATE KEY-----\n{SECRET}\n-----END PRIVATE KEY-----\n"
    key_file.write_text(json.dumps({"type": "service_account", "client_email": "x@y.iam.gserviceaccount.com",
                                    "private_key": private_key, "token_uri": "http://127.0.0.1:1/token"}))
    with pytest.raises(StorageError) as caught:
        open_storage("gs://bucket/prefix", StorageOptions(credentials_file=key_file))
    assert "could not be loaded" in str(caught.value) and str(key_file) in str(caught.value)
    assert SECRET not in str(caught.value) and caught.value.__cause__ is None


def test_an_unknown_s3_profile_is_named(tmp_path: Path) -> None:
    options = StorageOptions(credentials_file=s3_credentials_file(tmp_path, SECRET), profile="prod",
                             endpoint_url="http://127.0.0.1:1")
    with pytest.raises(StorageError) as caught:
        open_storage("s3://bucket/prefix", options)
    assert "profile 'prod' not found" in str(caught.value) and SECRET not in str(caught.value)
