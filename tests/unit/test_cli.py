"""The mongo-admin command line: exit codes and exact output, in table and JSON, without a server."""

from __future__ import annotations

import dataclasses
import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

from mongo_admin import __version__
from mongo_admin.cli.main import cli
from mongo_admin.ops.records import write_json_atomic
from mongo_admin.ops.sandbox_layout import MemberRecord, SandboxRecord, sandbox_paths


@pytest.fixture
def home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("MONGO_ADMIN_OUTPUT", raising=False)
    monkeypatch.delenv("MONGO_ADMIN_BINARY_DIR", raising=False)
    return tmp_path / "home"


def run(*args: str) -> Result:
    return CliRunner(catch_exceptions=False).invoke(cli, list(args), prog_name="mongo-admin")


def stopped_sandbox(home: Path, name: str = "default", replica_set: str | None = "rs0") -> SandboxRecord:
    paths = sandbox_paths(home, name)
    ports = [40001, 40002, 40003] if replica_set else [40001]
    members = []
    for index, port in enumerate(ports):
        files = paths.member(index if replica_set else None)
        members.append(MemberRecord(index, port, None, str(files.dbpath), str(files.logpath), str(files.pidfile)))
    record = SandboxRecord(name=name, replica_set=replica_set, members=members, binary="/opt/sim/mongod",
                           binary_source="sandbox", version="8.0.4", simulator=True,
                           started_at="2026-01-01T00:00:00+00:00", stopped_at="2026-01-01T01:00:00+00:00",
                           initiated=replica_set is not None)
    write_json_atomic(paths.state, dataclasses.asdict(record))
    return record


def test_version() -> None:
    result = run("--version")
    assert (result.exit_code, result.stdout) == (0, f"mongo-admin {__version__}\n")


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["sandbox", "--help"], ["sandbox", "start", "--help"],
                                  ["sandbox", "status", "--help"], ["sandbox", "stop", "--help"],
                                  ["sandbox", "list", "--help"], ["binaries", "which", "--help"]])
def test_help_exits_zero_and_shows_usage(args: list[str]) -> None:
    result = run(*args)
    assert result.exit_code == 0
    assert result.stdout.startswith(f"Usage: mongo-admin {' '.join(a for a in args if not a.startswith('-'))}")


def test_no_command_shows_help_on_stderr_as_a_usage_error() -> None:
    result = run()
    assert (result.exit_code, result.stdout) == (2, "")
    assert result.stderr.startswith("Usage: mongo-admin [OPTIONS] COMMAND [ARGS]...")


def test_root_help_lists_the_command_groups() -> None:
    lines = [" ".join(line.split()) for line in run("--help").stdout.splitlines()]
    assert "binaries Inspect and install the mongod and mongos executables." in lines
    assert "cluster Deploy sharded clusters from a spec and run their lifecycle." in lines
    assert any(line.startswith("health-check Processes, primaries, replication lag") for line in lines)
    assert "sandbox Run a throwaway replica set (or one mongod) on this machine." in lines


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["nope"], "No such command 'nope'."),
        (["--output", "xml", "sandbox", "list"], "Invalid value for '-o' / '--output'"),
        (["sandbox", "start", "--port", "70000"], "Invalid value for '--port'"),
        (["sandbox", "start", "--members", "8"], "Invalid value for '--members': 8 is not in the range 1<=x<=7."),
        (["sandbox", "stop", "--purge=yes"], "Option '--purge' does not take a value."),
    ],
)
def test_usage_errors_exit_2(home: Path, args: list[str], message: str) -> None:
    result = run(*args)
    assert result.exit_code == 2
    assert message in result.stderr
    assert result.stdout == ""


def test_a_domain_error_is_one_message_on_stderr_and_exit_1(home: Path) -> None:
    result = run("sandbox", "status", "--name", "ghost")
    assert result.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == (f"error: no sandbox named 'ghost': {home}/sandbox/ghost/state.json does not exist\n"
                             "  fix: create it with: mongo-admin sandbox start --name ghost\n")


def test_invalid_name_is_a_clear_error(home: Path) -> None:
    result = run("sandbox", "status", "--name", "../etc")
    assert result.exit_code == 1
    assert result.stderr.startswith("error: invalid sandbox name '../etc': names are 1-63 letters")


def test_unknown_binary_dir_is_a_clear_error(home: Path, tmp_path: Path) -> None:
    missing = tmp_path / "no-such-dir"
    for args in (["binaries", "which"], ["sandbox", "start"]):
        result = run(*args, "--binary-dir", str(missing))
        assert result.exit_code == 1
        assert result.stderr == (f"error: binary directory {missing} does not exist: it was given by --binary-dir\n"
                                 "  fix: create it, or fix --binary-dir to name the directory holding mongod\n")
    assert not (home / "sandbox/default/state.json").exists()


@pytest.fixture
def fake_bin(tmp_path: Path) -> Path:
    directory = tmp_path / "bin"
    directory.mkdir()
    script = directory / "mongod"
    script.write_text("#!/bin/sh\necho 'db version v8.0.4'\n")
    script.chmod(script.stat().st_mode | stat.S_IXUSR)
    return directory


def test_binaries_which_table_and_json(home: Path, fake_bin: Path) -> None:
    table = run("binaries", "which", "--binary-dir", str(fake_bin))
    assert table.exit_code == 0
    assert table.stdout.splitlines() == [
        f"would launch MongoDB mongod 8.0.4 from {fake_bin} (found via --binary-dir)",
        "server     MongoDB",
        "source     --binary-dir",
        "version    8.0.4",
        "simulator  no",
        f"mongod     {fake_bin}/mongod",
        "mongos     -",
    ]
    as_json = run("--output", "json", "binaries", "which", "--binary-dir", str(fake_bin))
    assert as_json.exit_code == 0
    assert json.loads(as_json.stdout) == {
        "message": f"would launch MongoDB mongod 8.0.4 from {fake_bin} (found via --binary-dir)",
        "server": "MongoDB", "source": "--binary-dir", "version": "8.0.4", "simulator": False,
        "mongod": f"{fake_bin}/mongod", "mongos": None,
    }


def test_binaries_which_reads_the_environment(home: Path, fake_bin: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_ADMIN_BINARY_DIR", str(fake_bin))
    result = run("-o", "json", "binaries", "which")
    assert json.loads(result.stdout)["source"] == "MONGO_ADMIN_BINARY_DIR"


def test_sandbox_list_empty(home: Path) -> None:
    table = run("sandbox", "list")
    assert (table.exit_code, table.stdout) == (0, f"home  {home}\n\nno sandboxes\n")
    as_json = run("-o", "json", "sandbox", "list")
    assert json.loads(as_json.stdout) == {"home": str(home), "sandboxes": []}


def test_sandbox_list_rows(home: Path) -> None:
    stopped_sandbox(home)
    stopped_sandbox(home, "single", replica_set=None)
    table = run("sandbox", "list")
    assert table.exit_code == 0
    rows = [f"default   stopped   replica set rs0 (3 members)   sandbox (mongosim)   40001, 40002, 40003   -      "
            f"8.0.4     {home}/sandbox/default",
            f"single    stopped   standalone                    sandbox (mongosim)   40001                 -      "
            f"8.0.4     {home}/sandbox/single"]
    assert table.stdout.splitlines() == [
        f"home  {home}",
        "",
        "name      state     topology                      server               ports                 pids   "
        "version   directory",
        "─" * len(rows[0]),
        *rows,
    ]
    as_yaml = yaml.safe_load(run("--output", "yaml", "sandbox", "list").stdout)
    assert as_yaml["sandboxes"][0] == {
        "name": "default", "state": "stopped", "topology": "replica set rs0 (3 members)",
        "server": "sandbox (mongosim)", "ports": [40001, 40002, 40003], "pids": [], "version": "8.0.4",
        "directory": f"{home}/sandbox/default"}


def test_sandbox_status_of_a_stopped_replica_set(home: Path) -> None:
    stopped_sandbox(home)
    table = run("sandbox", "status")
    assert table.exit_code == 0
    lines = table.stdout.splitlines()
    assert lines[:6] == [
        "sandbox 'default' is stopped",
        "name                   default",
        "state                  stopped",
        "topology               replica set rs0 (3 members)",
        "replica set            rs0",
        "server                 sandbox (mongosim)",
    ]
    assert f"directory              {home}/sandbox/default" in lines
    assert lines[-5:] == [
        "member            id   state   health   lag (s)   uptime (s)   process   pid   server",
        "─" * len("127.0.0.1:40001   0    -       -        -         -            stopped   -     sandbox (mongosim)"),
        "127.0.0.1:40001   0    -       -        -         -            stopped   -     sandbox (mongosim)",
        "127.0.0.1:40002   1    -       -        -         -            stopped   -     sandbox (mongosim)",
        "127.0.0.1:40003   2    -       -        -         -            stopped   -     sandbox (mongosim)",
    ]
    data: dict[str, Any] = json.loads(run("-o", "json", "sandbox", "status").stdout)
    assert list(data) == ["message", "name", "state", "topology", "replica_set", "server", "simulator", "uri",
                          "version", "primary", "connections_current", "connections_available", "opcounters",
                          "storage_size_bytes", "directory", "binary", "started_at", "members"]
    assert (data["state"], data["simulator"], data["primary"], data["uri"]) == (
        "stopped", True, None, "mongodb://127.0.0.1:40001,127.0.0.1:40002,127.0.0.1:40003/?replicaSet=rs0")
    assert data["members"][0] == {"member": "127.0.0.1:40001", "id": 0, "state": None, "health": None,
                                  "lag_s": None, "uptime_s": None, "process": "stopped", "pid": None,
                                  "server": "sandbox (mongosim)"}


def test_stop_and_purge_output(home: Path) -> None:
    stopped_sandbox(home, replica_set=None)
    stop = run("sandbox", "stop")
    assert stop.exit_code == 0
    assert stop.stdout.splitlines()[0] == f"sandbox 'default' was not running; data kept in {home}/sandbox/default"
    purge = run("-q", "-o", "json", "sandbox", "stop", "--purge")
    assert purge.exit_code == 0
    assert purge.stderr == ""
    assert json.loads(purge.stdout) == {
        "message": f"sandbox 'default' was not running; removed {home}/sandbox/default",
        "name": "default", "server": "sandbox (mongosim)", "stopped": False, "purged": True,
        "directory": f"{home}/sandbox/default",
        "members": [{"member": "127.0.0.1:40001", "pid": None, "signal": None}],
    }
    assert not (home / "sandbox/default").exists()


def test_contradicting_sandbox_options_are_one_clear_error(home: Path) -> None:
    result = run("sandbox", "start", "--standalone", "--members", "3")
    assert (result.exit_code, result.stdout) == (1, "")
    assert result.stderr == ("error: --standalone cannot be combined with --members: a standalone mongod is not a "
                             "replica set member\n  fix: drop --standalone to start a replica set, or drop the "
                             "replica-set options\n")
    assert not (home / "sandbox").exists()


def test_output_format_from_the_environment(home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGO_ADMIN_OUTPUT", "json")
    assert json.loads(run("sandbox", "list").stdout)["sandboxes"] == []


def test_verbose_details_go_to_stderr(home: Path) -> None:
    stopped_sandbox(home)
    result = run("-v", "-o", "json", "sandbox", "status")
    assert result.stderr == f"home: {home}\n"
    assert json.loads(result.stdout)["name"] == "default"
    assert os.environ["MONGO_ADMIN_HOME"] == str(home)
