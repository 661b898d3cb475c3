"""The storage contract, run against every backend: a directory, GCS (gcp-storage-emulator) and S3 (moto's
server), each emulator a real process on loopback reached through a pass-through proxy that records the
requests (so the tests can tell a multipart upload from a single one)."""

from __future__ import annotations

import random
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest

from mongo_admin.errors import ObjectMissingError, StorageError
from mongo_admin.storage import RetryPolicy, Storage, StorageOptions, open_storage
from mongo_admin.storage.faults import FaultyStorage, InjectedFault
from tests.support.storage_servers import TEST_PART_SIZE, FlakyProxy, object_stores, s3_credentials_file

BUCKET = "mongo-admin-test"
NO_SLEEP = RetryPolicy(sleep=lambda _seconds: None)
LARGE = 3 * TEST_PART_SIZE + 12345  # four parts


@dataclass
class Backend:
    kind: str
    storage: Storage
    proxy: FlakyProxy | None

    def upload_requests(self) -> list[str]:
        """The paths of multipart/resumable part uploads the proxy saw."""
        if self.proxy is None:
            return []
        return [path for method, path in self.proxy.requests
                if method == "PUT" and ("upload_id=" in path or "partNumber=" in path)]


@pytest.fixture(scope="module")
def remote(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, FlakyProxy]]:
    """Both emulators, a bucket in each, and a recording proxy in front of each."""
    with (object_stores(tmp_path_factory.mktemp("storage-emulators"), BUCKET) as (gcs_server, s3_server),
          FlakyProxy(gcs_server.port) as gcs_proxy, FlakyProxy(s3_server.port) as s3_proxy):
        yield {"gcs": gcs_proxy, "s3": s3_proxy}


@pytest.fixture(params=["file", "gcs", "s3"])
def backend(request: pytest.FixtureRequest, tmp_path: Path) -> Backend:
    kind = request.param
    if kind == "file":
        return Backend(kind, open_storage(str(tmp_path / "backups")), None)
    proxy = request.getfixturevalue("remote")[kind]
    proxy.requests.clear()
    options = StorageOptions(endpoint_url=proxy.url, region="us-east-1", part_size=TEST_PART_SIZE,
                             multipart_threshold=TEST_PART_SIZE, retry=NO_SLEEP,
                             credentials_file=s3_credentials_file(tmp_path) if kind == "s3" else None,
                             profile="test" if kind == "s3" else None)
    scheme = "gs" if kind == "gcs" else "s3"
    return Backend(kind, open_storage(f"{scheme}://{BUCKET}/run-{uuid.uuid4().hex[:8]}/", options), proxy)


def payload(size: int, seed: int = 7) -> bytes:
    return random.Random(seed).randbytes(size)


def test_put_get_stat_and_overwrite(backend: Backend) -> None:
    storage = backend.storage
    storage.put("cluster/backups/b1/backup.json", b'{"state": "starting"}')
    assert storage.get("cluster/backups/b1/backup.json") == b'{"state": "starting"}'
    storage.put("cluster/backups/b1/backup.json", b'{"state": "done"}')
    assert storage.get("cluster/backups/b1/backup.json") == b'{"state": "done"}'
    info = storage.stat("cluster/backups/b1/backup.json")
    assert info is not None
    assert (info.key, info.size, info.modified.utcoffset()) == ("cluster/backups/b1/backup.json", 17, timedelta(0))
    assert storage.stat("cluster/backups/b1/missing.json") is None


def test_empty_object(backend: Backend) -> None:
    with backend.storage.open_write("empty.bson") as stream:
        stream.write(b"")
    assert backend.storage.get("empty.bson") == b""
    with backend.storage.open_read("empty.bson") as stream:
        assert stream.read() == b""


def test_small_stream_is_one_upload(backend: Backend) -> None:
    with backend.storage.open_write("rs0/admin/system.users.bson.gz") as stream:
        for _ in range(10):
            stream.write(b"x" * 1000)
    assert backend.storage.get("rs0/admin/system.users.bson.gz") == b"x" * 10000
    assert backend.upload_requests() == []


def test_large_stream_goes_up_in_parts_and_reads_back_in_ranges(backend: Backend) -> None:
    data = payload(LARGE)
    with backend.storage.open_write("rs0/db/big.bson.gz") as stream:
        for start in range(0, len(data), 100_000):  # writes that do not line up with parts
            stream.write(data[start : start + 100_000])
    if backend.kind != "file":
        assert len(backend.upload_requests()) == 4
    info = backend.storage.stat("rs0/db/big.bson.gz")
    assert info is not None and info.size == LARGE
    with backend.storage.open_read("rs0/db/big.bson.gz") as stream:
        head = stream.read(10)
        rest = stream.read()
    assert head + rest == data
    assert backend.storage.get("rs0/db/big.bson.gz") == data


def test_part_sized_object_ends_on_a_part_boundary(backend: Backend) -> None:
    data = payload(2 * TEST_PART_SIZE, seed=3)
    with backend.storage.open_write("exact.bin") as stream:
        stream.write(data)
    assert backend.storage.get("exact.bin") == data


@pytest.mark.parametrize("size", [100, LARGE])
def test_failed_stream_leaves_no_object(backend: Backend, size: int) -> None:
    with pytest.raises(RuntimeError, match="dump failed"), backend.storage.open_write("rs0/db/coll.bson.gz") as stream:
        stream.write(payload(size))
        raise RuntimeError("dump failed")
    assert backend.storage.stat("rs0/db/coll.bson.gz") is None
    assert list(backend.storage.list("")) == []


def test_failed_stream_keeps_the_previous_object(backend: Backend) -> None:
    backend.storage.put("manifest.json", b"old")
    with pytest.raises(RuntimeError), backend.storage.open_write("manifest.json") as stream:
        stream.write(payload(LARGE))
        raise RuntimeError("interrupted")
    assert backend.storage.get("manifest.json") == b"old"


def test_list_is_recursive_sorted_and_by_string_prefix(backend: Backend) -> None:
    keys = ["b/z", "a/b/c", "a-b", "a/b", "a0", "a/c", "b/a/x", "ab"]
    # An object and a folder cannot share a name on a filesystem: "a/b" and "a/b/c" only where it can.
    if backend.kind == "file":
        keys.remove("a/b")
    for key in keys:
        backend.storage.put(key, key.encode())
    assert [info.key for info in backend.storage.list()] == sorted(keys)
    assert [info.key for info in backend.storage.list("a/")] == sorted(k for k in keys if k.startswith("a/"))
    assert [info.key for info in backend.storage.list("a")] == sorted(k for k in keys if k.startswith("a"))
    assert [(i.key, i.size) for i in backend.storage.list("b/a")] == [("b/a/x", 5)]
    assert list(backend.storage.list("nothing/")) == []


def test_delete_and_delete_prefix(backend: Backend) -> None:
    for key in ["c1/backups/b1/rs0/x", "c1/backups/b1/rs1/y", "c1/backups/b10/z", "c1/backups/b2/w"]:
        backend.storage.put(key, b"1")
    backend.storage.delete("c1/backups/b2/w")
    backend.storage.delete("c1/backups/b2/w")  # missing is fine
    backend.storage.delete("never/was")
    assert backend.storage.delete_prefix("c1/backups/b1/") == 2
    assert [info.key for info in backend.storage.list()] == ["c1/backups/b10/z"]
    assert backend.storage.delete_prefix("nothing/") == 0


@pytest.mark.parametrize("key", [
    "db/coll with spaces.bson.gz",
    "db/a+b=c&d.bson.gz",
    "db/percent%20and#hash?query.bson",
    "db/ünïcødé-コレクション.bson.gz",
    "db/$dollar:colon;semi,comma@at!'quote'(paren)[br]{b}~.bson",
    "d.b/.dotted..name.bson",
])
def test_keys_with_odd_characters(backend: Backend, key: str) -> None:
    backend.storage.put(key, key.encode())
    assert backend.storage.get(key) == key.encode()
    assert [info.key for info in backend.storage.list()] == [key]
    stat = backend.storage.stat(key)
    assert stat is not None and stat.key == key
    backend.storage.delete(key)
    assert backend.storage.stat(key) is None


def test_missing_key_names_the_key_and_the_storage(backend: Backend) -> None:
    storage = backend.storage
    for read in (storage.get, lambda key: storage.open_read(key).__enter__()):
        with pytest.raises(ObjectMissingError) as caught:
            read("prod/backups/b9/manifest.json")
        assert "'prod/backups/b9/manifest.json'" in str(caught.value)
        assert storage.describe() in str(caught.value)
        assert "fix:" in str(caught.value)


@pytest.mark.parametrize("key", ["", "/abs", "a//b", "a/../b", "./a", "a/.", "line\nbreak", "x" * 1025])
def test_invalid_keys_are_refused(backend: Backend, key: str) -> None:
    with pytest.raises(StorageError, match="invalid storage key"):
        backend.storage.put(key, b"x")


def test_describe_names_the_url(backend: Backend, tmp_path: Path) -> None:
    described = backend.storage.describe()
    expected = {"file": (tmp_path / "backups").as_uri(), "gcs": f"gs://{BUCKET}/run-", "s3": f"s3://{BUCKET}/run-"}
    assert described.startswith(expected[backend.kind])
    assert "testing-secret" not in described


def test_fault_mid_object_leaves_nothing_and_fires_once(backend: Backend) -> None:
    faulty = FaultyStorage(backend.storage, fail_after_bytes=TEST_PART_SIZE + 1000, match="*.bson.gz")
    faulty.put("rs0/backup.json", b"{}")  # not matched: not counted
    with pytest.raises(InjectedFault, match="write budget"), faulty.open_write("rs0/db/c.bson.gz") as stream:
        for start in range(0, LARGE, 50_000):
            stream.write(payload(LARGE)[start : start + 50_000])
    assert faulty.faults == ["rs0/db/c.bson.gz"]
    assert backend.storage.stat("rs0/db/c.bson.gz") is None
    faulty.put("rs0/db/d.bson.gz", payload(LARGE))  # fired once: the next write gets through
    assert [info.key for info in backend.storage.list()] == ["rs0/backup.json", "rs0/db/d.bson.gz"]


def test_fault_on_the_nth_object_fails_it_after_all_its_bytes(backend: Backend) -> None:
    faulty = FaultyStorage(backend.storage, fail_on_object=2)
    faulty.put("one", b"1")
    with pytest.raises(InjectedFault, match="object number 2"):
        faulty.put("two", payload(LARGE))
    faulty.put("three", b"3")
    assert [info.key for info in backend.storage.list()] == ["one", "three"]
