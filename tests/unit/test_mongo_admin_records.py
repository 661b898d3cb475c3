"""Durable records: atomic JSON replacement, missing records, exclusive locks; and the platform home."""

from __future__ import annotations

import fcntl
import json
from pathlib import Path

import pytest

from mongo_admin.home import platform_home
from mongo_admin.ops.records import exclusive_lock, read_json, write_json_atomic


def test_write_then_read_round_trips_and_leaves_no_temp_files(tmp_path: Path) -> None:
    target = tmp_path / "nested" / "state.json"
    write_json_atomic(target, {"port": 1, "pid": None})
    write_json_atomic(target, {"port": 2, "pid": 9})
    assert read_json(target) == {"port": 2, "pid": 9}
    assert [each.name for each in target.parent.iterdir()] == ["state.json"]


def test_a_failed_write_keeps_the_previous_record(tmp_path: Path) -> None:
    target = tmp_path / "state.json"
    write_json_atomic(target, {"port": 1})
    with pytest.raises(TypeError):
        write_json_atomic(target, {"port": object()})
    assert json.loads(target.read_text()) == {"port": 1}
    assert [each.name for each in tmp_path.iterdir()] == ["state.json"]


@pytest.mark.parametrize(("content", "expected"), [(None, None), ("[1, 2]", None), ('{"a": 1}', {"a": 1})])
def test_read_json(tmp_path: Path, content: str | None, expected: object) -> None:
    target = tmp_path / "state.json"
    if content is not None:
        target.write_text(content)
    assert read_json(target) == expected


def try_lock(path: Path) -> bool:
    """Whether another open file description can take the lock right now (non-blocking)."""
    with open(path, "a") as handle:
        try:
            fcntl.flock(handle.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return False
        fcntl.flock(handle.fileno(), fcntl.LOCK_UN)
        return True


def test_lock_is_exclusive_while_held_and_released_after(tmp_path: Path) -> None:
    lock = tmp_path / "x.lock"
    with exclusive_lock(lock):
        assert not try_lock(lock)
    assert try_lock(lock)


@pytest.mark.parametrize(
    ("environ", "expected"),
    [
        ({"MONGO_ADMIN_HOME": "/srv/ma", "XDG_DATA_HOME": "/xdg"}, Path("/srv/ma")),
        ({"XDG_DATA_HOME": "/xdg"}, Path("/xdg/mongo-admin")),
        ({"MONGO_ADMIN_HOME": ""}, Path.home() / ".local/share/mongo-admin"),
        ({}, Path.home() / ".local/share/mongo-admin"),
    ],
)
def test_platform_home(environ: dict[str, str], expected: Path) -> None:
    assert platform_home(environ) == expected
