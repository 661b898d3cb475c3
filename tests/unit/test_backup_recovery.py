"""Closing the record a dead backup or restore left open: failed with the reason at the step it was at; records
that ended, or do not exist, are left alone."""

from __future__ import annotations

import datetime
from pathlib import Path
from typing import Literal

import pytest

from mongo_admin.ops.backup.manifest import BackupRecord, BackupState, read_record, write_record
from mongo_admin.ops.backup.recovery import close_record
from mongo_admin.ops.restore.record import RestoreRecord, RestoreState, read_restore_record, write_restore_record
from mongo_admin.storage.filesystem import FilesystemStorage

T0 = datetime.datetime(2026, 11, 26, 4, 10, tzinfo=datetime.UTC)
REASON = "its runner api-1 stopped sending heartbeats (last one 2026-11-26T04:12:00+00:00) while the job was running"


def _backup(storage: FilesystemStorage, state: BackupState) -> None:
    record = BackupRecord(backup_id="b1", cluster="prod", type="full", started_at=T0, updated_at=T0, holder="h/1")
    record.begin_step("dump", T0)
    record.state = state
    write_record(storage, record)


def _restore(storage: FilesystemStorage, state: RestoreState) -> None:
    record = RestoreRecord(restore_id="r1", backup_id="b1", source_cluster="prod", cluster="prod", kind="full",
                           started_at=T0, updated_at=T0, holder="h/1")
    record.begin_step("data", T0)
    record.state = state
    write_restore_record(storage, record)


def test_an_open_backup_record_is_failed_at_its_step_with_the_reason(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    _backup(storage, "running")
    assert close_record(storage, "prod", "backup", "b1", REASON) is True
    record = read_record(storage, "prod", "b1")
    assert record is not None
    assert (record.state, record.failed_step, record.error) == ("failed", "dump", REASON)


def test_an_open_restore_record_is_failed_at_its_step_with_the_reason(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    _restore(storage, "running")
    assert close_record(storage, "prod", "restore", "r1", REASON) is True
    record = read_restore_record(storage, "prod", "r1")
    assert record is not None
    assert (record.state, record.failed_step, record.error) == ("failed", "data", REASON)


@pytest.mark.parametrize("state", ["done", "failed", "cancelled"])
def test_records_that_ended_are_left_alone(tmp_path: Path, state: Literal["done", "failed", "cancelled"]) -> None:
    storage = FilesystemStorage(tmp_path)
    _backup(storage, state)
    _restore(storage, state)
    assert close_record(storage, "prod", "backup", "b1", REASON) is False
    assert close_record(storage, "prod", "restore", "r1", REASON) is False
    backup, restore = read_record(storage, "prod", "b1"), read_restore_record(storage, "prod", "r1")
    assert backup is not None and (backup.state, backup.error) == (state, None)
    assert restore is not None and (restore.state, restore.error) == (state, None)


def test_missing_records_and_other_lock_holders_are_not_records(tmp_path: Path) -> None:
    storage = FilesystemStorage(tmp_path)
    assert close_record(storage, "prod", "backup", "b1", REASON) is False
    assert close_record(storage, "prod", "restore", "r1", REASON) is False
    _backup(storage, "running")
    assert close_record(storage, "prod", "status", "b1", REASON) is False
    record = read_record(storage, "prod", "b1")
    assert record is not None and record.state == "running"
