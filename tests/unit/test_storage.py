"""Storage URLs and options, key rules, the retry policy, the filesystem backend's on-disk guarantees and the
fault-injection wrapper. (The contract every backend keeps runs in tests/integration/test_storage_contract.py.)"""

from __future__ import annotations

import stat
from pathlib import Path

import pytest

from mongo_admin.errors import StorageError
from mongo_admin.storage import RetryPolicy, StorageOptions, open_storage
from mongo_admin.storage.faults import FaultyStorage, InjectedFault
from mongo_admin.storage.filesystem import PARTIAL_SUFFIX, FilesystemStorage
from mongo_admin.storage.retry import attempts_note

EMULATOR = StorageOptions(endpoint_url="http://127.0.0.1:9")  # never contacted: clients connect lazily


@pytest.mark.parametrize(("url", "described"), [
    ("file:///var/backups", "file:///var/backups"),
    ("file://localhost/var/backups", "file:///var/backups"),
    ("/var/backups/", "file:///var/backups"),
    ("gs://my-bucket", "gs://my-bucket"),
    ("gs://my-bucket/prod/backups/", "gs://my-bucket/prod/backups"),
    ("s3://my.bucket/prod", "s3://my.bucket/prod"),
])
def test_urls_name_their_backend(url: str, described: str) -> None:
    assert open_storage(url, EMULATOR).describe() == described


def test_a_relative_path_is_made_absolute(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    storage = open_storage("backups")
    assert isinstance(storage, FilesystemStorage) and storage.root == tmp_path / "backups"


@pytest.mark.parametrize(("url", "why"), [
    ("ftp://host/backups", "unknown scheme 'ftp'"),
    ("file://otherhost/backups", "a file URL names a local path only"),
    ("gs://", "'' is not a valid bucket name"),
    ("gs://Upper_Case", "not a valid bucket name"),
    ("s3://bucket/a/../b", "'.' or '..'"),
    ("", "the URL is empty"),
])
def test_unusable_urls_say_why_and_how_to_fix(url: str, why: str) -> None:
    with pytest.raises(StorageError, match="fix:") as caught:
        open_storage(url, EMULATOR)
    assert why in str(caught.value)


def test_a_password_in_a_url_is_never_echoed() -> None:
    with pytest.raises(StorageError) as caught:
        open_storage("s3://AKID:hunter2@bucket/prefix", EMULATOR)
    assert "hunter2" not in str(caught.value) and "credentials never belong in the URL" in str(caught.value)


def test_options_are_checked() -> None:
    with pytest.raises(StorageError, match="part size must be positive"):
        StorageOptions(part_size=0)
    with pytest.raises(StorageError, match="multiples of 256 KiB") as caught:
        open_storage("gs://bucket/x", StorageOptions(endpoint_url="http://127.0.0.1:9", part_size=5 * 1024 * 1024 + 1))
    assert "5242880" in str(caught.value)


class Flaky:
    """An operation that fails ``failures`` times with ``error`` and then returns "done"."""

    def __init__(self, failures: int, error: Exception) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def __call__(self) -> str:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return "done"


def test_retry_policy_retries_transient_errors_with_bounded_backoff() -> None:
    pauses: list[float] = []
    policy = RetryPolicy(attempts=6, initial_delay_s=1.0, max_delay_s=5.0, sleep=pauses.append)
    operation = Flaky(5, ConnectionError("reset"))
    assert policy.call(operation, is_transient=lambda e: isinstance(e, ConnectionError), what="put x") == "done"
    assert operation.calls == 6 and len(pauses) == 5
    assert 1.0 <= pauses[0] <= 1.25 and 2.0 <= pauses[1] <= 2.5
    assert all(pause <= 5.0 for pause in pauses) and pauses[-1] == 5.0  # capped


def test_retry_policy_gives_up_after_its_attempts_and_says_how_many() -> None:
    policy = RetryPolicy(attempts=3, sleep=lambda _s: None)
    operation = Flaky(10, TimeoutError("slow"))
    with pytest.raises(TimeoutError) as caught:
        policy.call(operation, is_transient=lambda e: True, what="put x")
    assert operation.calls == 3 and attempts_note(caught.value) == " (after 3 attempts)"


def test_retry_policy_does_not_retry_permanent_errors() -> None:
    operation = Flaky(1, PermissionError("denied"))
    with pytest.raises(PermissionError) as caught:
        RetryPolicy(sleep=lambda _s: pytest.fail("slept")).call(operation, is_transient=lambda e: False, what="x")
    assert operation.calls == 1 and attempts_note(caught.value) == ""


def test_filesystem_objects_are_private_and_unfinished_writes_invisible(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "root")
    storage.put("c/backups/b1/manifest.json", b"{}")
    path = tmp_path / "root/c/backups/b1/manifest.json"
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    (path.parent / f".rs0.bson.gz.abc{PARTIAL_SUFFIX}").write_bytes(b"half")  # a write a crash interrupted
    assert [info.key for info in storage.list()] == ["c/backups/b1/manifest.json"]
    with pytest.raises(StorageError, match="reserved for unfinished writes"):
        storage.put(f"x{PARTIAL_SUFFIX}", b"")


def test_a_failed_filesystem_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    with pytest.raises(ValueError, match="boom"), storage.open_write("a/b.bson") as stream:
        stream.write(b"partial")
        raise ValueError("boom")
    assert [p.name for p in (tmp_path / "a").iterdir()] == []


def test_deleting_the_last_object_prunes_empty_folders(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path / "root")
    storage.put("c/backups/b1/rs0/x", b"1")
    storage.delete("c/backups/b1/rs0/x")
    assert (tmp_path / "root").is_dir() and list((tmp_path / "root").iterdir()) == []


def test_an_object_and_a_folder_cannot_share_a_name_on_disk(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    storage.put("a", b"1")
    with pytest.raises(StorageError, match="an object and a folder of objects cannot share the name"):
        storage.put("a/b", b"2")


def test_faults_can_repeat_and_count_only_matching_keys(tmp_path: Path) -> None:
    faulty = FaultyStorage(FilesystemStorage(tmp_path), fail_on_object=1, match="*/oplog.bson.gz", repeat=True)
    faulty.put("rs0/db/c.bson.gz", b"data")
    with pytest.raises(InjectedFault):
        faulty.put("rs0/oplog.bson.gz", b"ops")
    assert faulty.objects_started == 1 and faulty.faults == ["rs0/oplog.bson.gz"]
    budget = FaultyStorage(FilesystemStorage(tmp_path / "b"), fail_after_bytes=10, repeat=True)
    budget.put("one", b"123456")
    for key in ("two", "three"):
        with pytest.raises(InjectedFault, match="write budget of 10 bytes"):
            budget.put(key, b"123456")
    assert [info.key for info in budget.list()] == ["one"] and budget.bytes_written == 10
