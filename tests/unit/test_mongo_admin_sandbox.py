"""Sandbox bookkeeping that needs no server: names, records, states, stop/purge, and refusals before launch."""

from __future__ import annotations

import dataclasses
import os
import socket
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from mongo_admin.errors import (
    BinaryNotFoundError,
    InvalidInputError,
    PortInUseError,
    ProcessStartError,
    SandboxStateError,
)
from mongo_admin.ops.records import read_json, write_json_atomic
from mongo_admin.ops.sandbox import (
    SandboxRecord,
    SandboxState,
    SandboxSummary,
    list_sandboxes,
    sandbox_paths,
    sandbox_status,
    start_sandbox,
    stop_sandbox,
)


def write_record(home: Path, name: str = "default", **overrides: Any) -> SandboxRecord:
    paths = sandbox_paths(home, name)
    values: dict[str, Any] = {
        "name": name, "port": 40001, "pid": None, "dbpath": str(paths.dbpath), "logpath": str(paths.logpath),
        "binary": str(home / "bin" / "mongod"), "binary_source": "sandbox", "version": "8.0.4",
        "simulator": True, "started_at": "2026-01-01T00:00:00+00:00", "stopped_at": None,
    }
    values.update(overrides)
    record = SandboxRecord(**values)
    paths.dbpath.mkdir(parents=True, exist_ok=True)
    write_json_atomic(paths.state, dataclasses.asdict(record))
    return record


def fake_mongod(directory: Path, fork_body: str) -> Path:
    """A mongod script answering --version; with --fork it touches ``launched`` and runs ``fork_body``."""
    directory.mkdir(parents=True, exist_ok=True)
    script = directory / "mongod"
    script.write_text(
        "#!/bin/sh\n"
        'if [ "$1" = "--version" ]; then echo "db version v8.0.4"; exit 0; fi\n'
        f'touch "{directory}/launched"\n{fork_body}\n'
    )
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return directory


@pytest.fixture
def listener() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


@pytest.mark.parametrize("name", ["", "-x", "a/b", "..", "a b", "x" * 64])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInputError):
        sandbox_paths(tmp_path, name)


def test_layout_under_home(tmp_path: Path) -> None:
    paths = sandbox_paths(tmp_path, "t-1.x_y")
    assert (paths.root, paths.state, paths.dbpath, paths.logpath, paths.pidfile, paths.lock) == (
        tmp_path / "sandbox/t-1.x_y", tmp_path / "sandbox/t-1.x_y/state.json", tmp_path / "sandbox/t-1.x_y/db",
        tmp_path / "sandbox/t-1.x_y/mongod.log", tmp_path / "sandbox/t-1.x_y/mongod.pid",
        tmp_path / "sandbox/.t-1.x_y.lock")


def test_status_of_a_missing_sandbox_says_how_to_create_it(tmp_path: Path) -> None:
    with pytest.raises(SandboxStateError) as caught:
        sandbox_status(tmp_path, "nope")
    assert caught.value.what == "no sandbox named 'nope'"
    assert caught.value.fix == "create it with: mongo-admin sandbox start --name nope"


@pytest.mark.parametrize(
    ("pid", "state", "message"),
    [
        (None, SandboxState.STOPPED, "sandbox 'default' is stopped"),
        # Our own pid runs, but its command line does not name the sandbox's dbpath: a stale record.
        (os.getpid(), SandboxState.STALE, "sandbox 'default' is not running: process {pid} exited without "
                                          "being stopped (see {log})"),
    ],
)
def test_status_without_a_live_server(tmp_path: Path, pid: int | None, state: SandboxState, message: str) -> None:
    record = write_record(tmp_path, pid=pid)
    status = sandbox_status(tmp_path)
    assert status.state is state
    assert status.message == message.format(pid=pid, log=record.logpath)
    assert (status.server, status.simulator, status.pid, status.uri) == (
        "sandbox (mongosim)", True, None, "mongodb://127.0.0.1:40001/?directConnection=true")


def test_list_reads_states_from_the_process_table(tmp_path: Path) -> None:
    write_record(tmp_path, "b-stale", pid=os.getpid(), port=40002, simulator=False)
    write_record(tmp_path, "a-stopped")
    listing = list_sandboxes(tmp_path)
    assert listing.home == str(tmp_path)
    assert listing.sandboxes == [
        SandboxSummary("a-stopped", SandboxState.STOPPED, "sandbox (mongosim)", 40001, None, "8.0.4",
                       str(tmp_path / "sandbox/a-stopped/db")),
        SandboxSummary("b-stale", SandboxState.STALE, "MongoDB", 40002, None, "8.0.4",
                       str(tmp_path / "sandbox/b-stale/db")),
    ]
    assert list_sandboxes(tmp_path / "empty").sandboxes == []


def test_stop_when_not_running_keeps_data_and_records_it(tmp_path: Path) -> None:
    record = write_record(tmp_path, pid=os.getpid())
    result = stop_sandbox(tmp_path)
    assert (result.stopped, result.pid, result.signal, result.purged) == (False, None, None, False)
    assert result.message == f"sandbox 'default' was not running; data kept in {record.dbpath}"
    saved = read_json(sandbox_paths(tmp_path, "default").state)
    assert saved is not None and saved["pid"] is None and saved["stopped_at"]
    assert Path(record.dbpath).is_dir()


def test_stop_purge_removes_the_sandbox(tmp_path: Path) -> None:
    write_record(tmp_path)
    result = stop_sandbox(tmp_path, purge=True)
    assert result.purged
    assert result.message == f"sandbox 'default' was not running; removed {tmp_path / 'sandbox/default'}"
    assert not (tmp_path / "sandbox/default").exists()
    assert list_sandboxes(tmp_path).sandboxes == []


def test_a_taken_port_fails_before_anything_is_launched(tmp_path: Path, listener: int) -> None:
    bin_dir = fake_mongod(tmp_path / "bin", "exit 1")
    with pytest.raises(PortInUseError) as caught:
        start_sandbox(tmp_path / "home", port=listener, binary_dir=bin_dir)
    assert caught.value.holder.startswith(f"pid {os.getpid()} ")
    assert not (bin_dir / "launched").exists()
    assert not (tmp_path / "home/sandbox/default/state.json").exists()


def test_an_unknown_binary_dir_fails_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(BinaryNotFoundError) as caught:
        start_sandbox(tmp_path / "home", binary_dir=tmp_path / "nowhere")
    assert caught.value.what == f"binary directory {tmp_path / 'nowhere'} does not exist"
    assert not (tmp_path / "home/sandbox/default/state.json").exists()


def test_a_failed_launch_leaves_a_stopped_record_and_names_the_log(tmp_path: Path) -> None:
    bin_dir = fake_mongod(tmp_path / "bin", "echo 'ERROR: child process failed, exited with error number 100'\n"
                                            "exit 1")
    progress: list[str] = []
    with pytest.raises(ProcessStartError) as caught:
        start_sandbox(tmp_path / "home", "broken", binary_dir=bin_dir, progress=progress.append)
    log = tmp_path / "home/sandbox/broken/mongod.log"
    assert caught.value.fix == f"see {log}"
    assert (bin_dir / "launched").exists()
    assert progress[0] == f"using MongoDB mongod 8.0.4 from {bin_dir} (--binary-dir)"
    status = sandbox_status(tmp_path / "home", "broken")
    assert (status.state, status.binary, status.version) == (SandboxState.STOPPED, str(bin_dir / "mongod"), "8.0.4")
