"""The mongod / mongos executables as processes: --version, --help, bad options, config files, start-up
failures and their exit codes, the start-up log, process names, signals."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

import pymongo
import pytest

from tests.support.simproc import SimProcess, bin_dir, free_port, wait_until


def run_binary(process: str, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(bin_dir() / process), *args], capture_output=True, text=True, timeout=60, cwd=cwd,
                          check=False)


def log_entries(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


def by_id(entries: list[dict[str, Any]], msg_id: int) -> list[dict[str, Any]]:
    return [entry for entry in entries if entry["id"] == msg_id]


@pytest.mark.parametrize(("process", "first_line"), [("mongod", "db version v8.0.4"),
                                                      ("mongos", "mongos version v8.0.4")])
def test_version(process: str, first_line: str) -> None:
    result = run_binary(process, "--version")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    assert lines[0] == first_line
    assert lines[1] == "Build Info: {"
    info = json.loads(result.stdout.split("Build Info: ", 1)[1])
    # The real fields in the real order, then the simulator's marker (as buildInfo has it).
    assert list(info) == ["version", "gitVersion", "openSSLVersion", "modules", "allocator", "environment",
                          "mongosim"]
    assert info["mongosim"]["simulator"] is True
    assert info["version"] == "8.0.4" and len(info["gitVersion"]) == 40
    assert list(info["environment"]) == ["distmod", "distarch", "target_arch"]


def test_mongod_help_is_parsable_like_mlaunch_does() -> None:
    result = run_binary("mongod", "--help")
    assert result.returncode == 0
    lines = result.stdout.splitlines()
    for header in ("General options:", "Replication options:", "Replica set options:", "Sharding options:",
                   "Storage options:", "TLS Options:", "WiredTiger options:"):
        assert header in lines
    assert "  --port arg                            Specify port number - 27017 by default" in lines
    # mlaunch keeps a pass-through argument only if it is the first token of a help line starting with "-".
    accepted = {line.lstrip().split()[0] for line in lines if line.lstrip().startswith("-")}
    assert {"--wiredTigerCacheSizeGB", "--bind_ip", "--bind_ip_all", "--keyFile", "--auth", "--tlsMode",
            "--replSet", "--dbpath", "--logpath", "--fork", "--configsvr", "--shardsvr"} <= accepted


def test_mongos_help() -> None:
    result = run_binary("mongos", "--help")
    assert result.returncode == 0
    accepted = {line.lstrip().split()[0] for line in result.stdout.splitlines() if line.lstrip().startswith("-")}
    assert "--configdb" in accepted
    assert "--dbpath" not in accepted
    assert "Sharding options:" in result.stdout.splitlines()


@pytest.mark.parametrize(("process", "args", "message"), [
    ("mongod", ["--foo"], "Error parsing command line: unrecognised option '--foo'"),
    ("mongos", ["--configdb", "cfg/localhost:1", "--dbpath", "/tmp"],
     "Error parsing command line: unrecognised option '--dbpath'"),
    ("mongod", ["--configdb", "cfg/localhost:1"], "Error parsing command line: unrecognised option '--configdb'"),
    ("mongod", ["--fork"], "BadValue: --fork has to be used with --logpath or --syslog"),
])
def test_bad_options_exit_2(process: str, args: list[str], message: str) -> None:
    result = run_binary(process, *args)
    assert result.returncode == 2
    assert result.stderr.splitlines() == [message, f"try '{process} --help' for more information"]
    assert result.stdout == ""


def test_yaml_config_file_is_honoured(tmp_path: Path) -> None:
    port = free_port()
    (tmp_path / "data").mkdir()
    log = tmp_path / "server.log"
    conf = tmp_path / "mongod.conf"
    conf.write_text(f"net:\n  port: {port}\n  bindIp: 127.0.0.1\nstorage:\n  dbPath: {tmp_path / 'data'}\n"
                    f"systemLog:\n  destination: file\n  path: {log}\n  logAppend: true\n")
    proc = subprocess.Popen([str(bin_dir() / "mongod"), "-f", str(conf)], stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE)
    try:
        client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(
            "127.0.0.1", port, directConnection=True, serverSelectionTimeoutMS=20000)
        assert client.admin.command("ping")["ok"] == 1.0
        client.close()
        entries = log_entries(log)
        options = by_id(entries, 21951)[0]["attr"]["options"]
        assert options == {"config": str(conf), "net": {"bindIp": "127.0.0.1", "port": port},
                           "storage": {"dbPath": str(tmp_path / "data")},
                           "systemLog": {"destination": "file", "logAppend": True, "path": str(log)}}
        assert by_id(entries, 4615611)[0]["attr"]["dbPath"] == str(tmp_path / "data")
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0
        assert proc.stdout is not None and proc.stderr is not None
        assert proc.stdout.read() == b"" and proc.stderr.read() == b""
        proc.stdout.close()
        proc.stderr.close()


def test_startup_log_lines(tmp_path: Path) -> None:
    pidfile = tmp_path / "mongod.pid"
    server = SimProcess(tmp_path, args=["--maxConns", "100", "--tlsCertificateKeyFilePassword", "hunter2",
                                        "--pidfilepath", str(pidfile)]).start()
    try:
        assert server.proc is not None
        assert pidfile.read_text() == f"{server.proc.pid}\n"
        # The server accepts connections a moment before its "Waiting for connections" line (23016) is written.
        wait_until(lambda: by_id(log_entries(server.logpath), 23016), "see 'Waiting for connections' logged")
        entries = log_entries(server.logpath)
        starting = by_id(entries, 4615611)[0]
        assert starting["c"] == "CONTROL" and starting["ctx"] == "initandlisten" and starting["svc"] == "S"
        assert list(starting["attr"]) == ["pid", "port", "dbPath", "architecture", "host"]
        assert server.proc is not None
        assert starting["attr"]["pid"] == server.proc.pid
        assert starting["attr"]["port"] == server.port and starting["attr"]["architecture"] == "64-bit"
        assert by_id(entries, 23403)[0]["attr"]["buildInfo"]["version"] == "8.0.4"
        assert set(by_id(entries, 51765)[0]["attr"]["os"]) == {"name", "version"}
        options = by_id(entries, 21951)[0]["attr"]["options"]
        assert options["net"]["tls"]["certificateKeyFilePassword"] == "<password>"
        assert "hunter2" not in server.logpath.read_text()
        ignored = by_id(entries, 7600000)
        assert [entry["attr"] for entry in ignored] == [{"option": "net.maxIncomingConnections", "value": 100}]
        warnings = [entry for entry in entries if entry.get("tags") == ["startupWarnings"]]
        assert 22120 in {entry["id"] for entry in warnings}  # access control is not enabled
        assert all(entry["s"] == "W" for entry in warnings)
        order = [entry["id"] for entry in entries]
        assert order.index(4615611) < order.index(23403) < order.index(51765) < order.index(21951) < order.index(23016)
    finally:
        server.stop()


def test_missing_dbpath_exits_100(tmp_path: Path) -> None:
    log = tmp_path / "m.log"
    missing = tmp_path / "nope"
    result = run_binary("mongod", "--port", str(free_port()), "--dbpath", str(missing), "--logpath", str(log))
    assert result.returncode == 100
    entries = log_entries(log)
    failure = by_id(entries, 20557)[0]
    assert failure["s"] == "E"
    assert failure["attr"]["error"] == (
        f"NonExistentPath: Data directory {missing} not found. Create the missing directory or specify another path "
        "using (1) the --dbpath command line option, or (2) by adding the 'storage.dbPath' option in the "
        "configuration file.")
    assert by_id(entries, 23138)[-1]["attr"] == {"exitCode": 100}


def test_port_in_use_exits_48(tmp_path: Path) -> None:
    (tmp_path / "db").mkdir()
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        log = tmp_path / "m.log"
        result = run_binary("mongod", "--port", str(port), "--bind_ip", "127.0.0.1", "--dbpath",
                            str(tmp_path / "db"), "--logpath", str(log))
    assert result.returncode == 48
    entries = log_entries(log)
    assert by_id(entries, 23024)[0]["attr"]["error"]["errmsg"] == "Address already in use"
    assert by_id(entries, 23138)[-1]["attr"] == {"exitCode": 48}


def proc_cmdline(pid: int) -> list[str]:
    raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    return [part.decode() for part in raw.split(b"\0") if part]


def proc_comm(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def test_mongod_process_name_and_argv(mongod: SimProcess) -> None:
    assert mongod.proc is not None
    pid = mongod.proc.pid
    assert proc_comm(pid) == "mongod"
    argv = proc_cmdline(pid)
    assert argv[0] == "mongod"
    assert argv[argv.index("--port") + 1] == str(mongod.port)


def test_mongos_process_name_and_argv(tmp_path: Path) -> None:
    port = free_port()
    proc = subprocess.Popen([str(bin_dir() / "mongos"), "--configdb", "cfg/127.0.0.1:1", "--port", str(port),
                             "--bind_ip", "127.0.0.1", "--logpath", str(tmp_path / "mongos.log")],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_until(lambda: proc_comm(proc.pid) == "mongos", "name the process mongos")
        wait_until(lambda: proc_cmdline(proc.pid)[0] == "mongos", "rewrite argv[0]")
        argv = proc_cmdline(proc.pid)
        assert argv[argv.index("--configdb") + 1] == "cfg/127.0.0.1:1"
    finally:
        proc.send_signal(signal.SIGTERM)
        proc.wait(30)


def test_python_m_mongosim_bin_dir_and_entry_points(tmp_path: Path) -> None:
    result = subprocess.run([sys.executable, "-m", "mongosim", "bin-dir"], capture_output=True, text=True,
                            timeout=60, check=True)
    directory = Path(result.stdout.strip())
    assert directory.is_absolute() and directory == bin_dir()
    for name in ("mongod", "mongos"):
        assert os.access(directory / name, os.X_OK)
        assert (directory / name).read_text().startswith(f"#!{sys.executable}\n")
    again = subprocess.run([sys.executable, "-m", "mongosim", "bin-dir"], capture_output=True, text=True,
                           timeout=60, check=True)
    assert again.stdout == result.stdout
    version = subprocess.run([sys.executable, "-m", "mongosim", "mongos", "--version"], capture_output=True,
                             text=True, timeout=60, check=False)
    assert version.returncode == 0 and version.stdout.startswith("mongos version v8.0.4\n")


@pytest.mark.parametrize(("sig", "error"), [(signal.SIGTERM, "Terminated"), (signal.SIGINT, "Interrupt")])
def test_signals_shut_down_cleanly_with_exit_0(mongod: SimProcess, sig: signal.Signals, error: str) -> None:
    assert mongod.proc is not None
    mongod.proc.send_signal(sig)
    assert mongod.proc.wait(30) == 0
    entries = log_entries(mongod.logpath)
    received = by_id(entries, 23377)[-1]
    assert received["attr"] == {"signal": int(sig), "error": error}
    assert any(entry["msg"] == "Now exiting" for entry in entries)


def test_sigusr1_rotates_the_log(mongod: SimProcess) -> None:
    assert mongod.proc is not None
    before = set(mongod.workdir.iterdir())
    os.kill(mongod.proc.pid, signal.SIGUSR1)
    rotated = wait_until(lambda: [p for p in set(mongod.workdir.iterdir()) - before
                                  if p.name.startswith("mongod.log.")], "rename the log file")
    assert len(rotated) == 1
    assert by_id(log_entries(rotated[0]), 23166)[-1]["attr"]["logType"] == "server"
    assert 4615611 in {entry["id"] for entry in log_entries(rotated[0])}
    mongod.client().admin.command("ping")
    wait_until(lambda: mongod.logpath.exists() and by_id(log_entries(mongod.logpath), 22943),
               "log the next connection in the new file")
    assert 4615611 not in {entry["id"] for entry in log_entries(mongod.logpath)}


def test_quiet_suppresses_connection_lines(tmp_path: Path) -> None:
    quiet = SimProcess(tmp_path / "quiet", args=["--quiet"]).start()
    loud = SimProcess(tmp_path / "loud").start()
    try:
        for server in (quiet, loud):
            server.client().admin.command("ping")
        wait_until(lambda: by_id(log_entries(loud.logpath), 22943), "log the connection")
        assert by_id(log_entries(quiet.logpath), 22943) == []
    finally:
        quiet.stop()
        loud.stop()
