"""mongo-admin sandbox against real server processes: a standalone mongod and a replica set, through start, status,
connect, stop, restart and purge."""

from __future__ import annotations

import json
import os
import signal
import socket
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psutil
import pymongo
import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.main import cli
from mongo_admin.providers import local
from tests.support.simproc import wait_until


def run(*args: str) -> Result:
    return CliRunner(catch_exceptions=False).invoke(cli, list(args), prog_name="mongo-admin")


def run_json(*args: str) -> dict[str, Any]:
    result = run("--output", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def servers_using(dbpath: Path) -> list[int]:
    """Live processes whose command line names ``dbpath`` (what a leaked server would look like)."""
    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "status"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["status"] != psutil.STATUS_ZOMBIE and any(str(dbpath) in arg for arg in cmdline):
            found.append(proc.info["pid"])
    return found


def client_for(uri: str) -> pymongo.MongoClient[dict[str, Any]]:
    return pymongo.MongoClient(uri, serverSelectionTimeoutMS=10000)


@pytest.mark.slow
def test_standalone_start_status_connect_stop_restart_purge(home: Path) -> None:
    started = run_json("sandbox", "start", "--standalone")
    [member] = started["members"]
    uri, pid, port = started["uri"], member["pid"], int(member["member"].rsplit(":", 1)[1])
    dbpath = home / "sandbox/default/db"
    assert (started["started"], started["state"], started["simulator"]) == (True, "running", True)
    assert started["server"].startswith("sandbox (mongosim ")
    assert started["message"] == f"started sandbox 'default' at {uri}; server: {started['server']}"
    assert uri == f"mongodb://127.0.0.1:{port}/?directConnection=true"
    assert servers_using(dbpath) == [pid]

    status = run("sandbox", "status")
    assert status.exit_code == 0
    lines = status.stdout.splitlines()
    assert lines[0] == f"sandbox 'default' is running at {uri}; server: {started['server']}"
    assert "state                  running" in lines
    assert "topology               standalone" in lines
    assert f"server                 {started['server']}" in lines
    assert lines[-1].startswith(f"127.0.0.1:{port}   -    -       -        -         ")
    assert lines[-1].endswith(f"   running   {pid}   {started['server']}")

    client = client_for(uri)
    try:
        assert client.admin.command("ping")["ok"] == 1.0
        client.sandbox.things.insert_one({"_id": "kept", "n": 1})
    finally:
        client.close()
    detail = run_json("sandbox", "status")
    assert detail["version"] and detail["members"][0]["uptime_s"] is not None and detail["connections_current"] >= 1
    assert detail["opcounters"]["insert"] >= 1

    again = run("sandbox", "start")
    assert again.exit_code == 0
    assert again.stdout.splitlines()[0] == (f"sandbox 'default' is already running at {uri}; "
                                            f"server: {started['server']}")
    assert run_json("sandbox", "start")["members"][0]["pid"] == pid
    other_port = run("sandbox", "start", "--port", str(port + 1 if port < 65535 else port - 1))
    assert other_port.exit_code == 1
    assert other_port.stderr.startswith(f"error: sandbox 'default' is already running on port {port}: ")

    stopped = run_json("sandbox", "stop")
    assert (stopped["stopped"], stopped["purged"]) == (True, False)
    assert stopped["members"] == [{"member": f"127.0.0.1:{port}", "pid": pid, "signal": "SIGTERM"}]
    assert stopped["server"] == "sandbox (mongosim)"
    assert not psutil.pid_exists(pid) or psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    assert dbpath.is_dir() and any(dbpath.iterdir())
    assert run_json("sandbox", "status")["state"] == "stopped"

    restarted = run_json("sandbox", "start")
    assert (restarted["started"], restarted["uri"], restarted["topology"]) == (True, uri, "standalone")
    restarted_pid = restarted["members"][0]["pid"]
    assert restarted_pid != pid
    client = client_for(restarted["uri"])
    try:
        assert client.sandbox.things.find_one({"_id": "kept"}) == {"_id": "kept", "n": 1}
    finally:
        client.close()

    purged = run("sandbox", "stop", "--purge")
    assert purged.exit_code == 0
    assert purged.stdout.splitlines()[0] == (f"stopped sandbox 'default' (pid {restarted_pid}, SIGTERM); "
                                             f"removed {home}/sandbox/default")
    assert not (home / "sandbox/default").exists()
    assert servers_using(dbpath) == []


@pytest.mark.slow
def test_a_killed_server_is_reported_stale_and_started_again(home: Path) -> None:
    started = run_json("sandbox", "start", "--name", "crashy", "--standalone")
    pid = started["members"][0]["pid"]
    os.kill(pid, signal.SIGKILL)
    wait_until(lambda: not local.is_running(pid, str(home / "sandbox/crashy/db")), "the killed server to go away")
    status = run_json("sandbox", "status", "--name", "crashy")
    assert status["state"] == "stale"
    assert status["message"] == (f"sandbox 'crashy' is not running: process {pid} exited without being "
                                 f"stopped (see {home}/sandbox/crashy/mongod.log)")
    listed = run_json("sandbox", "list")["sandboxes"]
    assert [(each["name"], each["state"]) for each in listed] == [("crashy", "stale")]
    again = run("sandbox", "start", "--name", "crashy")
    assert again.exit_code == 0
    assert f"process {pid} (127.0.0.1:" in again.stderr
    assert "from the previous start is gone; starting again" in again.stderr
    assert run_json("sandbox", "status", "--name", "crashy")["state"] == "running"


@pytest.fixture
def held_port() -> Iterator[int]:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield int(sock.getsockname()[1])


def test_a_taken_port_is_refused_naming_the_holder_and_nothing_starts(home: Path, held_port: int) -> None:
    result = run("sandbox", "start", "--standalone", "--port", str(held_port))
    assert result.exit_code == 1
    assert result.stdout == ""
    first, fix = result.stderr.splitlines()
    assert first.startswith(f"error: port {held_port} is already in use: held by pid {os.getpid()} (")
    assert fix.startswith("  fix: choose another port with --port, or stop pid ")
    assert servers_using(home / "sandbox/default/db") == []
    assert not (home / "sandbox/default/state.json").exists()


def test_binaries_which_reports_the_sandbox_simulator(home: Path, tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no real mongod anywhere: the simulator is the fallback
    result = run_json("binaries", "which")
    assert (result["source"], result["simulator"], result["server"]) == ("sandbox", True, "sandbox (mongosim)")
    assert Path(result["mongod"]).name == "mongod" and Path(result["mongos"]).name == "mongos"
    assert result["version"].startswith("8.0.")
