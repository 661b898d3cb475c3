"""Durability of the storage engine in-process: checkpoints, journal replay, torn tails, disk-full, the lock."""

from __future__ import annotations

import datetime as dt
import errno
import os
from pathlib import Path
from typing import Any

import pytest

from mongosim.errors import CommandError
from mongosim.storage import journal as journal_module
from mongosim.storage.engine import StorageEngine, StorageStartupError


def opened(path: Path) -> StorageEngine:
    engine = StorageEngine(str(path))
    engine.open()
    return engine


def crash(engine: StorageEngine) -> None:
    """What kill -9 leaves: no checkpoint, no clean release (the kernel drops the lock with the descriptors)."""
    assert engine._journal is not None and engine._lock_fd is not None
    os.close(engine._journal._fd)
    os.close(engine._lock_fd)


def ids(engine: StorageEngine, db: str, name: str) -> list[Any]:
    coll = engine.get_collection(db, name)
    assert coll is not None
    return [doc["_id"] for doc in coll.documents()]


def populate(engine: StorageEngine) -> None:
    coll = engine.get_or_create_collection("app", "users")
    coll.create_index({"key": {"email": 1}, "name": "email_1", "unique": True})
    for i in range(5):
        coll.insert({"_id": i, "email": f"u{i}@x", "n": i})
    coll.replace(coll.get(1), {"_id": 1, "email": "u1@x", "n": 100})
    coll.delete(coll.get(2))
    engine.create_collection("app", "tmp")
    engine.rename_collection("app", "tmp", "app", "renamed")
    engine.create_collection("app", "gone")
    engine.drop_collection("app", "gone")
    engine.get_or_create_collection("app", "users").set_options({"validationLevel": "moderate"})


def check(engine: StorageEngine) -> None:
    users = engine.get_collection("app", "users")
    assert users is not None
    assert ids(engine, "app", "users") == [0, 1, 3, 4]
    assert users.get(1) == {"_id": 1, "email": "u1@x", "n": 100}
    assert [spec["name"] for spec in users.list_indexes()] == ["_id_", "email_1"]
    assert users.options == {"validationLevel": "moderate"}
    assert [c.name for c in engine.list_collections("app")] == ["users", "renamed"]
    with pytest.raises(CommandError):
        users.insert({"_id": 9, "email": "u0@x"})


def test_clean_shutdown_then_restart_keeps_everything(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    populate(engine)
    engine.close()
    assert (tmp_path / "mongod.lock").read_bytes() == b""
    restarted = opened(tmp_path)
    check(restarted)
    assert restarted.recovery["journalRecordsReplayed"] == 0
    restarted.close()


def test_crash_recovers_from_the_journal(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    populate(engine)
    crash(engine)
    recovered = opened(tmp_path)
    check(recovered)
    assert recovered.recovery["journalRecordsReplayed"] > 0
    recovered.close()


def test_crash_after_a_checkpoint_replays_only_the_newer_records(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    populate(engine)
    assert engine.checkpoint() is True
    assert engine.checkpoint() is False  # nothing changed since
    engine.get_or_create_collection("app", "users").insert({"_id": 7, "email": "u7@x"})
    crash(engine)
    recovered = opened(tmp_path)
    assert ids(recovered, "app", "users") == [0, 1, 3, 4, 7]
    assert recovered.recovery["journalRecordsReplayed"] == 1
    assert sorted(os.listdir(tmp_path / "journal")) == ["WiredTigerLog.0000000002"]
    recovered.close()


def test_torn_journal_tail_is_discarded(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    coll = engine.get_or_create_collection("app", "c")
    for i in range(3):
        coll.insert({"_id": i, "pad": "x" * 50})
    journal_path = engine._journal.path if engine._journal else ""
    crash(engine)
    size = os.path.getsize(journal_path)
    with open(journal_path, "r+b") as handle:
        handle.truncate(size - 20)  # the last insert was cut mid-record
    recovered = opened(tmp_path)
    assert ids(recovered, "app", "c") == [0, 1]
    assert recovered.recovery["tornBytesDiscarded"] > 0
    recovered.get_or_create_collection("app", "c").insert({"_id": 3})
    crash(recovered)
    again = opened(tmp_path)
    assert ids(again, "app", "c") == [0, 1, 3]
    again.close()


def test_disk_full_fails_the_write_and_loses_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = opened(tmp_path)
    coll = engine.get_or_create_collection("app", "c")
    coll.insert({"_id": 1})
    real_write = os.write

    def short_then_full(fd: int, data: bytes) -> int:
        if len(data) > 40:
            real_write(fd, data[:7])  # a partial record reaches the file before the disk fills up
            raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))
        return real_write(fd, data)

    monkeypatch.setattr(journal_module.os, "write", short_then_full)
    with pytest.raises(CommandError) as err:
        coll.insert({"_id": 2, "pad": "x" * 100})
    assert (err.value.code, err.value.code_name) == (14031, "OutOfDiskSpace")
    assert ids(engine, "app", "c") == [1]
    monkeypatch.setattr(journal_module.os, "write", real_write)
    coll.insert({"_id": 3})
    engine.sync_journal()
    crash(engine)
    recovered = opened(tmp_path)
    assert ids(recovered, "app", "c") == [1, 3]
    recovered.close()


def test_sync_journal_is_free_when_nothing_is_pending(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    engine = opened(tmp_path)
    calls: list[int] = []
    real_fsync = os.fsync
    monkeypatch.setattr(journal_module.os, "fsync", lambda fd: calls.append(fd) or real_fsync(fd))
    engine.sync_journal()
    assert calls == []
    engine.get_or_create_collection("app", "c").insert({"_id": 1})
    engine.sync_journal()
    engine.sync_journal()
    assert len(calls) == 1
    engine.close()


def test_a_second_engine_on_the_same_dbpath_is_refused(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    with pytest.raises(StorageStartupError) as err:
        opened(tmp_path)
    assert str(err.value) == (f"Unable to lock the lock file: {tmp_path}/mongod.lock (Resource temporarily "
                              f"unavailable). Another mongod instance is already running on the {tmp_path} directory")
    assert err.value.exit_code == 100
    engine.close()


def test_missing_dbpath_is_refused(tmp_path: Path) -> None:
    missing = tmp_path / "nope"
    with pytest.raises(StorageStartupError) as err:
        opened(missing)
    assert str(err.value).startswith(f"Data directory {missing} not found. Create the missing directory or specify "
                                     "another path using (1) the --dbpath command line option")
    assert err.value.exit_code == 100


def test_ttl_pass_deletes_expired_documents(tmp_path: Path) -> None:
    engine = opened(tmp_path)
    deleted: list[Any] = []
    engine.ttl_observers.append(lambda coll, doc: deleted.append(doc["_id"]))
    coll = engine.get_or_create_collection("app", "sessions")
    coll.create_index({"key": {"at": 1}, "name": "at_1", "expireAfterSeconds": 60})
    now = dt.datetime(2024, 1, 1, 12, 0, 0)
    coll.insert({"_id": "old", "at": now - dt.timedelta(seconds=61)})
    coll.insert({"_id": "fresh", "at": now - dt.timedelta(seconds=30)})
    coll.insert({"_id": "array", "at": [now, now - dt.timedelta(hours=1)]})
    coll.insert({"_id": "not-a-date", "at": 5})
    coll.insert({"_id": "missing"})
    assert engine.ttl_pass(now=now.replace(tzinfo=dt.UTC).timestamp()) == 2
    assert sorted(deleted) == ["array", "old"]
    assert ids(engine, "app", "sessions") == ["fresh", "not-a-date", "missing"]
    engine.ttl_gate = lambda: False
    assert engine.ttl_pass(now=now.timestamp() + 10**6) == 0
    engine.close()
