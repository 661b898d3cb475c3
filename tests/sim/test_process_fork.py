"""``mongod --fork``: the parent returns only once the daemon accepts connections, or with its error code."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pymongo
import pytest

from tests.support.simproc import bin_dir, free_port, wait_until

FORK_LINES = ("about to fork child process, waiting until server is ready for connections.",
              "child process started successfully, parent exiting")


def gone(pid: int) -> bool:
    """The process has exited (a zombie counts: its parent is init, which reaps it in its own time)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except FileNotFoundError:
        return True
    return stat[stat.rindex(")") + 2] == "Z"


@pytest.fixture
def daemons() -> Iterator[list[int]]:
    """Pids of daemons a test started; any still running at the end are killed."""
    pids: list[int] = []
    yield pids
    for pid in pids:
        if not gone(pid):
            os.kill(pid, signal.SIGKILL)


def fork_mongod(tmp_path: Path, port: int, *extra: str) -> subprocess.CompletedProcess[str]:
    """``mongod --fork`` started in ``tmp_path`` with relative paths (the daemon itself runs in "/")."""
    (tmp_path / "db").mkdir(exist_ok=True)
    return subprocess.run([str(bin_dir() / "mongod"), "--port", str(port), "--bind_ip", "127.0.0.1", "--dbpath",
                           "db", "--logpath", "mongod.log", "--fork", *extra],
                          capture_output=True, text=True, timeout=60, check=False, cwd=tmp_path)


def test_fork_returns_when_ready_and_the_daemon_outlives_its_parent(tmp_path: Path, daemons: list[int]) -> None:
    port = free_port()
    pidfile = tmp_path / "mongod.pid"
    result = fork_mongod(tmp_path, port, "--pidfilepath", pidfile.name)
    assert result.returncode == 0, result.stdout + result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == FORK_LINES[0]
    assert lines[1].startswith("forked process: ")
    assert lines[2] == FORK_LINES[1]
    assert result.stderr == ""
    pid = int(lines[1].split(": ")[1])
    daemons.append(pid)
    assert pidfile.read_text().strip() == str(pid)
    # Ready means ready: the port accepts at once, with no retry.
    socket.create_connection(("127.0.0.1", port), timeout=5).close()
    assert Path(f"/proc/{pid}/comm").read_text().strip() == "mongod"
    assert os.getsid(pid) != os.getsid(0)  # detached into its own session
    client: pymongo.MongoClient[dict[str, object]] = pymongo.MongoClient(
        "127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=10000)
    assert client.admin.command("ping")["ok"] == 1.0
    client.close()
    os.kill(pid, signal.SIGTERM)
    wait_until(lambda: gone(pid), "stop the daemon")
    assert "Now exiting" in (tmp_path / "mongod.log").read_text()


def test_shutdown_option_stops_the_server_using_the_dbpath(tmp_path: Path, daemons: list[int]) -> None:
    result = fork_mongod(tmp_path, free_port())
    assert result.returncode == 0, result.stdout + result.stderr
    pid = int(result.stdout.splitlines()[1].split(": ")[1])
    daemons.append(pid)
    stop = subprocess.run([str(bin_dir() / "mongod"), "--shutdown", "--dbpath", str(tmp_path / "db")],
                          capture_output=True, text=True, timeout=60, check=False)
    assert (stop.returncode, stop.stdout) == (0, f"killing process with pid: {pid}\n")
    wait_until(lambda: gone(pid), "stop the daemon")


def test_fork_reports_the_childs_exit_code_when_the_port_is_taken(tmp_path: Path) -> None:
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        result = fork_mongod(tmp_path, holder.getsockname()[1])
    assert result.returncode == 48
    lines = result.stdout.splitlines()
    assert lines[0] == FORK_LINES[0]
    assert lines[1].startswith("forked process: ")
    assert lines[2:] == ["ERROR: child process failed, exited with error number 48",
                         'To see additional information in this output, start without the "--fork" option.']


def test_fork_with_a_missing_dbpath_exits_100(tmp_path: Path) -> None:
    result = subprocess.run([str(bin_dir() / "mongod"), "--port", str(free_port()), "--dbpath",
                             str(tmp_path / "missing"), "--logpath", str(tmp_path / "m.log"), "--fork"],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 100
    assert result.stdout.splitlines()[-2] == "ERROR: child process failed, exited with error number 100"
    assert "Data directory" in (tmp_path / "m.log").read_text()
