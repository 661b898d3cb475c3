"""Sandbox bookkeeping that needs no server: names, shapes, records (old and new), states, stop/purge, and
refusals before anything is launched."""

from __future__ import annotations

import contextlib
import os
import socket
import stat
import subprocess
import sys
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
    ProcessState,
    SandboxShape,
    SandboxState,
    SandboxSummary,
    list_sandboxes,
    sandbox_paths,
    sandbox_status,
    start_sandbox,
    stop_sandbox,
)
from mongo_admin.ops.sandbox_layout import read_record


def write_state(home: Path, name: str = "default", *, replica_set: str | None = None, ports: tuple[int, ...] = (40001,),
                pids: tuple[int | None, ...] | None = None, simulator: bool = True,
                initiated: bool = True) -> dict[str, Any]:
    """A record as ``start`` writes it: standalone files in the sandbox directory, members in member<i>/."""
    paths = sandbox_paths(home, name)
    members = []
    for index, port in enumerate(ports):
        files = paths.member(None if replica_set is None else index)
        files.dbpath.mkdir(parents=True, exist_ok=True)
        members.append({"member_id": index, "port": port, "pid": (pids or (None,) * len(ports))[index],
                        "dbpath": str(files.dbpath), "logpath": str(files.logpath), "pidfile": str(files.pidfile)})
    data = {"name": name, "replica_set": replica_set, "members": members, "binary": str(home / "bin/mongod"),
            "binary_source": "sandbox", "version": "8.0.4", "simulator": simulator,
            "started_at": "2026-01-01T00:00:00+00:00", "stopped_at": None, "settings": {},
            "initiated": initiated and replica_set is not None}
    write_json_atomic(paths.state, data)
    return data


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


@pytest.fixture
def impostor(tmp_path: Path) -> Iterator[subprocess.Popen[bytes]]:
    """A live process whose command line names member 1's dbpath, as a running (but silent) member would."""
    proc = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)",
                             str(tmp_path / "home/sandbox/default/member1/db")])
    try:
        yield proc
    finally:
        proc.kill()
        proc.wait()


@pytest.mark.parametrize("name", ["", "-x", "a/b", "..", "a b", "x" * 64])
def test_bad_names_are_refused(tmp_path: Path, name: str) -> None:
    with pytest.raises(InvalidInputError):
        sandbox_paths(tmp_path, name)


def test_layout_under_home(tmp_path: Path) -> None:
    paths = sandbox_paths(tmp_path, "t-1.x_y")
    root = tmp_path / "sandbox/t-1.x_y"
    assert (paths.root, paths.state, paths.lock) == (root, root / "state.json", tmp_path / "sandbox/.t-1.x_y.lock")
    standalone, second = paths.member(None), paths.member(1)
    assert (standalone.dbpath, standalone.logpath, standalone.pidfile) == (
        root / "db", root / "mongod.log", root / "mongod.pid")
    assert (second.dbpath, second.logpath, second.pidfile) == (
        root / "member1/db", root / "member1/mongod.log", root / "member1/mongod.pid")


@pytest.mark.parametrize(("options", "expected"), [
    ({}, SandboxShape("rs0", 3, {})),
    ({"replica_set": "prod-like", "members": 5}, SandboxShape("prod-like", 5, {})),
    ({"members": 1, "fast_elections": True},
     SandboxShape("rs0", 1, {"heartbeatIntervalMillis": 200, "electionTimeoutMillis": 1000})),
    ({"standalone": True}, SandboxShape(None, 1, {})),
])
def test_shapes_from_options(options: dict[str, Any], expected: SandboxShape) -> None:
    assert SandboxShape.from_options(**options) == expected


@pytest.mark.parametrize(("options", "what"), [
    ({"standalone": True, "members": 3}, "--standalone cannot be combined with --members"),
    ({"standalone": True, "replica_set": "rs1", "fast_elections": True},
     "--standalone cannot be combined with --replica-set, --fast-elections"),
    ({"members": 8}, "invalid member count 8"),
    ({"members": 0}, "invalid member count 0"),
    ({"replica_set": "a/b"}, "invalid replica set name 'a/b'"),
    ({"replica_set": "rs 0"}, "invalid replica set name 'rs 0'"),
])
def test_contradicting_or_invalid_options_are_refused(options: dict[str, Any], what: str) -> None:
    with pytest.raises(InvalidInputError) as caught:
        SandboxShape.from_options(**options)
    assert caught.value.what == what


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
def test_standalone_status_without_a_live_server(tmp_path: Path, pid: int | None, state: SandboxState,
                                                 message: str) -> None:
    data = write_state(tmp_path, pids=(pid,))
    status = sandbox_status(tmp_path)
    assert status.state is state
    assert status.message == message.format(pid=pid, log=data["members"][0]["logpath"])
    assert (status.server, status.simulator, status.topology, status.replica_set, status.uri) == (
        "sandbox (mongosim)", True, "standalone", None, "mongodb://127.0.0.1:40001/?directConnection=true")
    [member] = status.members
    assert (member.member, member.id, member.state, member.pid, member.process) == (
        "127.0.0.1:40001", None, None, None, ProcessState.STOPPED if pid is None else ProcessState.STALE)


def test_replica_set_status_without_live_members(tmp_path: Path) -> None:
    me = os.getpid()
    data = write_state(tmp_path, replica_set="rs0", ports=(40001, 40002, 40003), pids=(me, None, me))
    status = sandbox_status(tmp_path)
    logs = [m["logpath"] for m in data["members"]]
    assert status.state is SandboxState.STALE
    assert status.message == (f"sandbox 'default' is not running: processes {me}, {me} exited without being stopped "
                              f"(see {logs[0]}, {logs[2]})")
    assert status.uri == "mongodb://127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003/?replicaSet=rs0"
    assert (status.topology, status.replica_set, status.primary) == ("replica set rs0 (3 members)", "rs0", None)
    assert [(m.member, m.id, m.process) for m in status.members] == [
        ("127.0.0.1:40001", 0, ProcessState.STALE), ("127.0.0.1:40002", 1, ProcessState.STOPPED),
        ("127.0.0.1:40003", 2, ProcessState.STALE)]


def test_a_record_from_before_replica_sets_reads_as_a_standalone(tmp_path: Path) -> None:
    paths = sandbox_paths(tmp_path, "old")
    write_json_atomic(paths.state, {
        "name": "old", "port": 40009, "pid": None, "dbpath": str(paths.dbpath), "logpath": str(paths.logpath),
        "binary": "/opt/sim/mongod", "binary_source": "sandbox", "version": "8.0.4", "simulator": True,
        "started_at": None, "stopped_at": None})
    record = read_record(paths)
    assert record is not None
    assert (record.replica_set, record.uri, record.topology) == (
        None, "mongodb://127.0.0.1:40009/?directConnection=true", "standalone")
    [member] = record.members
    assert (member.port, member.dbpath, member.pidfile) == (40009, str(paths.dbpath), str(paths.pidfile))


def test_list_reads_states_from_the_process_table(tmp_path: Path, impostor: subprocess.Popen[bytes]) -> None:
    home = tmp_path / "home"
    write_state(home, "b-stale", pids=(os.getpid(),), ports=(40002,), simulator=False)
    write_state(home, "a-stopped")
    write_state(home, replica_set="rs0", ports=(40011, 40012, 40013), pids=(None, impostor.pid, None))
    listing = list_sandboxes(home)
    assert listing.home == str(home)
    assert listing.sandboxes == [
        SandboxSummary("a-stopped", SandboxState.STOPPED, "standalone", "sandbox (mongosim)", [40001], [], "8.0.4",
                       str(home / "sandbox/a-stopped")),
        SandboxSummary("b-stale", SandboxState.STALE, "standalone", "MongoDB", [40002], [], "8.0.4",
                       str(home / "sandbox/b-stale")),
        SandboxSummary("default", SandboxState.DEGRADED, "replica set rs0 (3 members)", "sandbox (mongosim)",
                       [40011, 40012, 40013], [impostor.pid], "8.0.4", str(home / "sandbox/default")),
    ]
    assert list_sandboxes(tmp_path / "empty").sandboxes == []


def test_stop_when_not_running_keeps_data_and_records_it(tmp_path: Path) -> None:
    data = write_state(tmp_path, pids=(os.getpid(),))
    result = stop_sandbox(tmp_path)
    assert (result.stopped, result.purged) == (False, False)
    assert [(m.member, m.pid, m.signal) for m in result.members] == [("127.0.0.1:40001", None, None)]
    assert result.message == f"sandbox 'default' was not running; data kept in {tmp_path / 'sandbox/default'}"
    saved = read_json(sandbox_paths(tmp_path, "default").state)
    assert saved is not None and saved["members"][0]["pid"] is None and saved["stopped_at"]
    assert Path(data["members"][0]["dbpath"]).is_dir()


def test_stop_signals_every_live_member(tmp_path: Path, impostor: subprocess.Popen[bytes]) -> None:
    home = tmp_path / "home"
    write_state(home, replica_set="rs0", ports=(40011, 40012, 40013), pids=(None, impostor.pid, None))
    result = stop_sandbox(home, timeout_s=10)
    assert result.stopped
    assert [(m.member, m.pid, m.signal) for m in result.members] == [
        ("127.0.0.1:40011", None, None), ("127.0.0.1:40012", impostor.pid, "SIGTERM"), ("127.0.0.1:40013", None, None)]
    assert result.message == (f"stopped sandbox 'default' (1 member: 127.0.0.1:40012 pid {impostor.pid} SIGTERM); "
                              f"data kept in {home / 'sandbox/default'}")
    assert impostor.wait(10) == -15


def test_stop_purge_removes_the_sandbox(tmp_path: Path) -> None:
    write_state(tmp_path, replica_set="rs0", ports=(40001, 40002, 40003))
    result = stop_sandbox(tmp_path, purge=True)
    assert result.purged
    assert result.message == f"sandbox 'default' was not running; removed {tmp_path / 'sandbox/default'}"
    assert not (tmp_path / "sandbox/default").exists()
    assert list_sandboxes(tmp_path).sandboxes == []


def _listen_after_two_free_ports() -> tuple[socket.socket, int]:
    """A listening socket on port P + 2 where P and P + 1 are free (checked as the sandbox checks them, with
    SO_REUSEADDR), so a replica set numbered from P finds its third member's port taken and nothing else."""
    for _ in range(100):
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
            probe.bind(("127.0.0.1", 0))
            base = int(probe.getsockname()[1])
        if base + 2 > 65535:
            continue
        try:
            for port in (base, base + 1):
                with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as free:
                    free.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                    free.bind(("127.0.0.1", port))
            taken = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            try:
                taken.bind(("127.0.0.1", base + 2))
            except OSError:
                taken.close()
                raise
            taken.listen()
            return taken, base
        except OSError:
            continue
    raise AssertionError("found no three consecutive free ports")


@pytest.mark.parametrize("shape", [SandboxShape(), SandboxShape.standalone()])
def test_a_taken_port_fails_before_anything_is_launched(tmp_path: Path, listener: int, shape: SandboxShape) -> None:
    bin_dir = fake_mongod(tmp_path / "bin", "exit 1")
    # A replica set numbers its members from --port: the taken port may be any of them.
    port = listener
    block: socket.socket | None = None
    if shape.replica_set is not None:
        block, port = _listen_after_two_free_ports()
        listener = port + 2
    with block if block is not None else contextlib.nullcontext(), pytest.raises(PortInUseError) as caught:
        start_sandbox(tmp_path / "home", shape=shape, port=port, binary_dir=bin_dir)
    assert caught.value.port == listener
    assert caught.value.holder.startswith(f"pid {os.getpid()} ")
    assert not (bin_dir / "launched").exists()
    assert not (tmp_path / "home/sandbox/default/state.json").exists()


def test_an_existing_sandbox_keeps_its_shape(tmp_path: Path) -> None:
    write_state(tmp_path, replica_set="rs0", ports=(40001, 40002, 40003))
    with pytest.raises(SandboxStateError) as caught:
        start_sandbox(tmp_path, shape=SandboxShape.standalone())
    assert (caught.value.what, caught.value.why, caught.value.fix) == (
        "sandbox 'default' is replica set rs0 of 3 members", "the options ask for a standalone mongod",
        "start it without those options, or remove it first (mongo-admin sandbox stop --name default --purge), "
        "or use another --name")
    with pytest.raises(SandboxStateError) as caught:
        start_sandbox(tmp_path, shape=SandboxShape.from_options(fast_elections=True))
    assert caught.value.why == "the options ask for replica set rs0 of 3 members with different settings"


def test_a_replica_set_comes_back_on_its_own_ports(tmp_path: Path) -> None:
    write_state(tmp_path, replica_set="rs0", ports=(40001, 40002, 40003))
    with pytest.raises(SandboxStateError) as caught:
        start_sandbox(tmp_path, port=41000)
    assert caught.value.what == "sandbox 'default' uses ports 40001, 40002, 40003"
    assert caught.value.why == ("--port 41000 asks for others, but the replica set's config names its members by "
                                "host:port")


def test_an_unknown_binary_dir_fails_before_anything_is_written(tmp_path: Path) -> None:
    with pytest.raises(BinaryNotFoundError) as caught:
        start_sandbox(tmp_path / "home", binary_dir=tmp_path / "nowhere")
    assert caught.value.what == f"binary directory {tmp_path / 'nowhere'} does not exist"
    assert not (tmp_path / "home/sandbox/default/state.json").exists()


@pytest.mark.parametrize("shape", [SandboxShape(), SandboxShape.standalone()])
def test_a_failed_launch_leaves_a_stopped_record_and_names_the_log(tmp_path: Path, shape: SandboxShape) -> None:
    bin_dir = fake_mongod(tmp_path / "bin", "echo 'ERROR: child process failed, exited with error number 100'\n"
                                            "exit 1")
    progress: list[str] = []
    with pytest.raises(ProcessStartError) as caught:
        start_sandbox(tmp_path / "home", "broken", shape=shape, binary_dir=bin_dir, progress=progress.append)
    root = tmp_path / "home/sandbox/broken"
    log = root / ("mongod.log" if shape.replica_set is None else "member0/mongod.log")
    assert caught.value.fix == f"see {log}"
    assert (bin_dir / "launched").exists()
    assert progress[0] == f"using MongoDB mongod 8.0.4 from {bin_dir} (--binary-dir)"
    status = sandbox_status(tmp_path / "home", "broken")
    assert (status.state, status.binary, status.version) == (SandboxState.STOPPED, str(bin_dir / "mongod"), "8.0.4")
    assert len(status.members) == shape.members
