"""Local process provider: ports and their holders, pid files, launch failures, SIGTERM then SIGKILL."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import psutil
import pytest

from mongo_admin.errors import PortInUseError, ProcessStartError
from mongo_admin.providers import local
from mongo_admin.providers.local import LaunchSpec


@pytest.fixture
def listener() -> Iterator[int]:
    """A port held by this test process."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def script(path: Path, body: str) -> Path:
    path.write_text("#!/bin/sh\n" + body)
    path.chmod(path.stat().st_mode | stat.S_IXUSR)
    return path


def test_free_port_is_free() -> None:
    assert local.port_is_free(local.free_port())


def test_a_taken_port_names_its_holder(listener: int) -> None:
    assert not local.port_is_free(listener)
    with pytest.raises(PortInUseError) as caught:
        local.check_port_free(listener)
    assert caught.value.port == listener
    assert caught.value.holder.startswith(f"pid {os.getpid()} (")


def test_launch_spec_uses_the_real_mongod_options(tmp_path: Path) -> None:
    spec = LaunchSpec(Path("/opt/mongodb/bin/mongod"), 27999, tmp_path / "l.log", tmp_path / "p.pid", tmp_path / "db")
    assert spec.argv() == ["/opt/mongodb/bin/mongod", "--port", "27999", "--bind_ip", "127.0.0.1",
                           "--dbpath", str(tmp_path / "db"), "--logpath", str(tmp_path / "l.log"), "--logappend",
                           "--fork", "--pidfilepath", str(tmp_path / "p.pid")]
    mongos = LaunchSpec(Path("mongos"), 1, Path("s.log"), Path("s.pid"), extra_args=("--configdb", "c/h:1"))
    assert "--dbpath" not in mongos.argv()
    assert mongos.argv()[-2:] == ["--configdb", "c/h:1"]


@pytest.mark.parametrize(("content", "pid"), [("1234\n", 1234), ("", None), ("abc", None), (None, None)])
def test_read_pid_file(tmp_path: Path, content: str | None, pid: int | None) -> None:
    pidfile = tmp_path / "mongod.pid"
    if content is not None:
        pidfile.write_text(content)
    assert local.read_pid_file(pidfile) == pid


def test_start_returns_the_pid_the_fork_reported(tmp_path: Path) -> None:
    mongod = script(tmp_path / "mongod", "echo 'about to fork child process'\necho 'forked process: 4242'\n")
    spec = LaunchSpec(mongod, 1, tmp_path / "m.log", tmp_path / "m.pid", tmp_path / "db")
    assert local.start(spec) == 4242
    assert (tmp_path / "db").is_dir()


def test_start_failure_quotes_the_output_and_points_at_the_log(tmp_path: Path) -> None:
    mongod = script(tmp_path / "mongod", "echo 'ERROR: child process failed, exited with error number 100'\n"
                                         "echo '{\"msg\":\"dbpath is not writable\"}' >> \"$8\"\nexit 1\n")
    spec = LaunchSpec(mongod, 1, tmp_path / "m.log", tmp_path / "m.pid", tmp_path / "db")
    with pytest.raises(ProcessStartError) as caught:
        local.start(spec)
    assert caught.value.what == "mongod failed to start on port 1"
    assert caught.value.why == ("exit code 1: ERROR: child process failed, exited with error number 100; "
                                '{"msg":"dbpath is not writable"}')
    assert caught.value.fix == f"see {tmp_path / 'm.log'}"


def test_exit_code_48_is_a_port_conflict(tmp_path: Path, listener: int) -> None:
    mongod = script(tmp_path / "mongod", "exit 48\n")
    with pytest.raises(PortInUseError) as caught:
        local.start(LaunchSpec(mongod, listener, tmp_path / "m.log", tmp_path / "m.pid", tmp_path / "db"))
    assert caught.value.holder.startswith(f"pid {os.getpid()} ")


def sleeper(marker: str, ignore_term: bool) -> subprocess.Popen[bytes]:
    code = "import signal, sys, time\n"
    if ignore_term:
        code += "signal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
    code += "print('ready', flush=True)\ntime.sleep(600)\n"
    proc = subprocess.Popen([sys.executable, "-c", code, marker], stdout=subprocess.PIPE)
    assert proc.stdout is not None and proc.stdout.readline() == b"ready\n"
    return proc


@pytest.mark.parametrize(("ignore_term", "signal_name"), [(False, "SIGTERM"), (True, "SIGKILL")])
def test_stop_terms_then_kills(tmp_path: Path, ignore_term: bool, signal_name: str) -> None:
    marker = str(tmp_path / "db")
    proc = sleeper(marker, ignore_term)
    try:
        assert local.is_running(proc.pid, marker)
        outcome = local.stop(proc.pid, marker, timeout_s=0.5)
        assert (outcome.pid, outcome.signal) == (proc.pid, signal_name)
        proc.wait(10)
        assert not local.is_running(proc.pid, marker)
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


def test_stop_leaves_a_process_without_the_marker_alone(tmp_path: Path) -> None:
    proc = sleeper("something-else", ignore_term=False)
    try:
        assert local.stop(proc.pid, str(tmp_path / "db")).signal is None
        assert psutil.Process(proc.pid).is_running()
    finally:
        proc.kill()
        proc.wait()
        assert proc.stdout is not None
        proc.stdout.close()


@pytest.mark.parametrize("pid", [None, 0])
def test_no_pid_is_not_running(pid: int | None) -> None:
    assert not local.is_running(pid, "x")


def test_local_provider_answers_the_provider_contract(tmp_path: Path) -> None:
    from mongo_admin.providers.base import provider_for

    provider = provider_for("local")
    assert provider.kind == "local"
    total, free = provider.disk_usage("localhost", tmp_path / "not" / "yet")
    assert 0 < free <= total
    assert provider.writable("localhost", tmp_path / "not" / "yet")
    assert provider.running_pid("localhost", tmp_path / "none.pid", "marker") is None
    assert provider.uptime_s("localhost", os.getpid()) is not None
    assert provider.log_tail("localhost", tmp_path / "missing.log", 3) == []


def test_unknown_provider_is_named_with_the_known_ones() -> None:
    from mongo_admin.errors import InvalidInputError
    from mongo_admin.providers.base import provider_for

    with pytest.raises(InvalidInputError, match="unknown provider 'gcp'") as info:
        provider_for("gcp")
    assert "known providers: local" in str(info.value)
