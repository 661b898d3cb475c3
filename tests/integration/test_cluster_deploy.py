"""``mongo-admin cluster``: deploy a sharded cluster from a spec, use it, run its lifecycle, destroy it — through
the CLI, against real simulator processes, as an operator would."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pymongo
import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.main import cli
from mongo_admin.providers import local
from tests.support.simproc import free_port_block

SMALL = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
security: {{auth: false, keyfile: false}}
"""


def run(*args: str) -> Result:
    return CliRunner(catch_exceptions=False).invoke(cli, list(args), prog_name="mongo-admin")


def run_json(*args: str) -> Any:
    result = run("--output", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def write_spec(tmp_path: Path, name: str, text: str | None = None) -> Path:
    path = tmp_path / f"{name}.yaml"
    path.write_text(text if text is not None else SMALL.format(name=name, base=free_port_block(10)))
    return path


def router(status: dict[str, Any]) -> pymongo.MongoClient[dict[str, Any]]:
    address = status["routers"][0]["address"]
    return pymongo.MongoClient(f"mongodb://{address}/", serverSelectionTimeoutMS=10_000)


def node_pids(home: Path, cluster: str) -> list[int]:
    pids = []
    for pidfile in (home / "clusters" / cluster / "nodes").glob("*/*.pid"):
        pid = local.read_pid_file(pidfile)
        if local.is_running(pid, str(pidfile.with_suffix(".log"))):
            assert pid is not None
            pids.append(pid)
    return pids


def test_deploy_use_stop_start_restart_destroy(home: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "life")
    deployed = run_json("cluster", "deploy", "-f", str(spec))
    assert deployed["changed"] is True
    assert [step["step"] for step in deployed["steps"]][:2] == ["preflight", "prepare"]
    assert {step["status"] for step in deployed["steps"]} <= {"done", "unchanged"}
    assert Path(deployed["deploy_log"]).is_file()

    status = run_json("cluster", "status")
    assert status["health"] == "healthy"
    assert [rs["name"] for rs in status["replica_sets"]] == ["cfg", "shard0", "shard1"]
    assert all(m["state"] == "PRIMARY" for m in status["members"])

    with router(status) as client:
        assert {s["_id"] for s in client.admin.command("listShards")["shards"]} == {"shard0", "shard1"}
        client.admin.command("enableSharding", "app")
        client.admin.command("shardCollection", "app.items", key={"k": "hashed"})
        client.app.items.insert_many([{"k": i} for i in range(200)])

    again = run_json("cluster", "deploy", "-f", str(spec))
    assert again["changed"] is False
    assert {step["status"] for step in again["steps"]} == {"unchanged"}
    assert "nothing changed" in again["message"]

    stopped = run_json("cluster", "stop")
    assert [n["node"] for n in stopped["nodes"]] == ["router-0", "shard0-0", "shard1-0", "cfg-0"]
    assert node_pids(home, "life") == []
    assert run_json("cluster", "list")[0]["running"] == 0

    started = run_json("cluster", "start")
    assert [n["node"] for n in started["nodes"]] == ["cfg-0", "shard0-0", "shard1-0", "router-0"]
    status = run_json("cluster", "status")
    assert status["health"] == "healthy"
    with router(status) as client:
        assert client.app.items.count_documents({}) == 200

    restarted = run_json("cluster", "restart")
    assert len(restarted["nodes"]) == 4
    with router(run_json("cluster", "status")) as client:
        assert client.app.items.count_documents({}) == 200

    refused = run("cluster", "destroy")
    assert refused.exit_code == 2 and "--yes" in refused.output
    destroyed = run_json("cluster", "destroy", "--yes")
    assert destroyed["cluster"] == "life"
    assert node_pids(home, "life") == []
    assert not (home / "clusters" / "life").exists()
    assert run_json("cluster", "list") == []


def test_a_taken_port_fails_preflight_naming_the_holder_and_nothing_starts(home: Path, tmp_path: Path) -> None:
    import socket

    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen(1)
        port = holder.getsockname()[1]
        spec = write_spec(tmp_path, "busy", SMALL.format(name="busy", base=free_port_block(10)).replace(
            "routers: 1", f"routers: [{{port: {port}}}]"))
        result = run("cluster", "deploy", "-f", str(spec))
    assert result.exit_code == 1
    assert "deploy failed at step 'preflight'" in result.stderr
    assert f"router-0 port {port} is held by pid {os.getpid()}" in result.stderr
    assert "nothing is running" in result.stderr
    assert not (home / "clusters" / "busy" / "cluster.json").exists()


def test_a_member_that_cannot_start_rolls_back_what_the_run_started(home: Path, tmp_path: Path) -> None:
    """The shard members get an option the server refuses: the config server this run started is stopped, the
    files it created are removed, and the error names the step, the member and its log."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    real = run_json("binaries", "which")
    for name, target in (("mongod", real["mongod"]), ("mongos", real["mongos"])):
        wrapper = bin_dir / name
        # A shard member is given an option mongod does not have; everything else runs the real binary.
        wrapper.write_text(f'#!/bin/sh\ncase "$*" in *--shardsvr*) exec "{target}" --no-such-option "$@";; esac\n'
                           f'exec "{target}" "$@"\n')
        wrapper.chmod(0o755)
    spec = write_spec(tmp_path, "broken")
    result = run("cluster", "deploy", "-f", str(spec), "--binary-dir", str(bin_dir))
    assert result.exit_code == 1
    assert "deploy failed at step 'shard members'" in result.stderr
    assert "shard0-0.log" in result.stderr or "shard1-0.log" in result.stderr
    assert "stopped what this run started (cfg-0)" in result.stderr
    assert node_pids(home, "broken") == []
    logs = list((home / "clusters" / "broken" / "logs").glob("deploy-*.log"))
    assert len(logs) == 1 and "[rollback] stopped cfg-0" in logs[0].read_text()
    # Only logs remain: the deploy log and the server logs the error points at.
    left = sorted(str(p.relative_to(home / "clusters" / "broken")) for p in (home / "clusters" / "broken").rglob("*")
                  if p.is_file())
    assert left[0].startswith("logs/deploy-") and all(p.endswith(".log") for p in left)
    assert "nodes/cfg-0/cfg-0.log" in left


def test_invalid_spec_reports_every_problem_with_its_line(home: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "bad", "name: bad\ntopology:\n  shards: [{name: cfg}]\n  routers: 0\n")
    result = run("cluster", "validate", "-f", str(spec))
    assert result.exit_code == 1
    assert f"{spec}:4: topology.routers: a sharded cluster needs at least 1 router" in result.stderr
    assert run("cluster", "deploy", "-f", str(spec)).exit_code == 1
    assert not (home / "clusters" / "bad").exists()


def test_dry_run_shows_the_plan_and_changes_nothing(home: Path, tmp_path: Path) -> None:
    plan = run_json("cluster", "deploy", "-f", str(write_spec(tmp_path, "plan")), "--dry-run")
    assert [n["node"] for n in plan["nodes"]] == ["cfg-0", "shard0-0", "shard1-0", "router-0"]
    assert plan["steps"][-1]["step"] == "verify"
    assert not (home / "clusters" / "plan").exists()


def test_commands_without_a_cluster_say_how_to_get_one(home: Path) -> None:
    result = run("cluster", "status")
    assert result.exit_code == 1
    assert "no cluster is deployed on this machine" in result.stderr
    assert "mongo-admin cluster deploy -f spec.yaml" in result.stderr


def test_health_check_ok_then_warning_on_lag_then_critical_without_a_primary(home: Path, tmp_path: Path) -> None:
    import signal
    import time

    spec = write_spec(tmp_path, "health", SMALL.format(name="health", base=free_port_block(10)).replace(
        "shards: [{members: 1}, {members: 1}]", "shards: [{members: 3}, {members: 1}]"))
    run_json("cluster", "deploy", "-f", str(spec))

    healthy = run("--output", "json", "health-check")
    assert healthy.exit_code == 0, healthy.output
    report = json.loads(healthy.stdout)
    assert report["level"] == "OK"
    assert {c["check"] for c in report["checks"]} >= {"processes", "primary", "replication lag", "balancer",
                                                       "disk space", "connections", "oplog window"}

    # A secondary that stops applying falls behind while the primary takes writes.
    status = run_json("cluster", "status")
    lagging = next(m for m in status["members"] if m["replica_set"] == "shard0" and m["state"] == "SECONDARY")
    os.kill(lagging["pid"], signal.SIGSTOP)
    try:
        with router(status) as client:
            client.admin.command("enableSharding", "app", primaryShard="shard0")
            deadline = time.monotonic() + 60
            warned = None
            while time.monotonic() < deadline:
                client.app.ticks.insert_one({"at": time.time()})
                result = run("--output", "json", "health-check", "--lag-warning", "1", "--lag-critical", "3600")
                checks = json.loads(result.stdout)["checks"]
                lag = [c for c in checks if c["check"] == "replication lag" and c["target"] == lagging["node"]]
                if result.exit_code == 1 and lag and lag[0]["level"] == "WARNING":
                    warned = lag[0]
                    break
                time.sleep(0.5)
            assert warned is not None, "the stopped secondary never showed as lagging"
            assert "behind the primary of shard0" in warned["detail"]
    finally:
        os.kill(lagging["pid"], signal.SIGCONT)

    # shard1 has one member: stopping it leaves the shard without a primary.
    shard1 = next(m for m in status["members"] if m["node"] == "shard1-0")
    os.kill(shard1["pid"], signal.SIGTERM)
    deadline = time.monotonic() + 30
    while local.is_running(shard1["pid"], "shard1-0.log") and time.monotonic() < deadline:
        time.sleep(0.1)
    critical = run("--output", "json", "health-check")
    assert critical.exit_code == 2
    checks = json.loads(critical.stdout)["checks"]
    assert {"check": "primary", "target": "shard1", "level": "CRITICAL",
            "detail": "no primary: writes to this replica set fail until one is elected"} in checks


SECURE = """\
name: {name}
topology:
  config_servers: {{members: 3}}
  shards: [{{members: 3}}, {{members: 1}}]
  routers: 2
ports: {{base: {base}}}
{extra}"""


def admin_client(home: Path, cluster: str, status: dict[str, Any], **tls: str) -> pymongo.MongoClient[dict[str, Any]]:
    secrets = json.loads((home / "clusters" / cluster / "secrets" / "admin.json").read_text())
    hosts = ",".join(r["address"] for r in status["routers"])
    return pymongo.MongoClient(f"mongodb://{hosts}/", username=secrets["user"], password=secrets["password"],
                               authSource="admin", serverSelectionTimeoutMS=10_000, **tls)


def test_secure_by_default_deploy_with_keyfile_and_administrator(home: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "secure", SECURE.format(name="secure", base=free_port_block(12), extra=""))
    deployed = run_json("cluster", "deploy", "-f", str(spec))
    assert {s["step"]: s["status"] for s in deployed["steps"]} | {} == {
        "preflight": "unchanged", "prepare": "done", "config servers": "done", "config replica set": "done",
        "shard members": "done", "shard replica sets": "done", "shard administrators": "done",
        "routers": "done", "cluster administrator": "done", "add shards": "done", "verify": "unchanged"}
    secrets = home / "clusters" / "secure" / "secrets"
    assert {p.name: p.stat().st_mode & 0o777 for p in secrets.iterdir()} == {"keyfile": 0o600, "admin.json": 0o600}
    password = json.loads((secrets / "admin.json").read_text())["password"]
    key = (secrets / "keyfile").read_text().strip()

    status = run_json("cluster", "status")
    assert status["health"] == "healthy"
    assert len(status["members"]) == 7 and len(status["routers"]) == 2
    with admin_client(home, "secure", status) as client:
        client.admin.command("enableSharding", "app")
        client.admin.command("shardCollection", "app.items", key={"_id": "hashed"})
        client.app.items.insert_many([{"_id": i} for i in range(100)])
        assert client.app.items.count_documents({}) == 100
    with router(status) as anonymous, pytest.raises(pymongo.errors.OperationFailure) as refused:
        anonymous.app.items.insert_one({"_id": "nope"})
    assert refused.value.code == 13
    # The shard administrator works on shard members directly (what backups and repairs need).
    shard1 = next(m for m in status["members"] if m["node"] == "shard1-0")
    with pymongo.MongoClient(f"mongodb://{shard1['address']}/?directConnection=true", username="admin",
                             password=password, serverSelectionTimeoutMS=10_000) as direct:
        assert direct.admin.command("connectionStatus")["authInfo"]["authenticatedUsers"] == [
            {"user": "admin", "db": "admin"}]

    again = run_json("cluster", "deploy", "-f", str(spec))
    assert again["changed"] is False
    # Secrets never reach outputs or logs.
    everything = json.dumps(deployed) + json.dumps(status) + json.dumps(again)
    for log in (home / "clusters" / "secure").rglob("*.log"):
        everything += log.read_text(errors="replace")
    assert password not in everything and key not in everything
    run_json("cluster", "destroy", "--yes")


def test_tls_deploy_serves_only_tls_clients(home: Path, tmp_path: Path) -> None:
    spec = write_spec(tmp_path, "tls", SMALL.format(name="tls", base=free_port_block(10)).replace(
        "security: {auth: false, keyfile: false}", "security: {tls: {enabled: true}}"))
    run_json("cluster", "deploy", "-f", str(spec))
    status = run_json("cluster", "status")
    assert status["health"] == "healthy"
    ca = str(home / "clusters" / "tls" / "tls" / "ca.pem")
    with admin_client(home, "tls", status, tls="true", tlsCAFile=ca) as client:
        client.app.items.insert_one({"x": 1})
        assert client.app.items.count_documents({}) == 1
    with pymongo.MongoClient(f"mongodb://{status['routers'][0]['address']}/", serverSelectionTimeoutMS=2000) as plain, \
            pytest.raises(pymongo.errors.ServerSelectionTimeoutError):
        plain.admin.command("ping")
    connect = run_json("cluster", "connect", "--print-only")
    assert connect["uri"].endswith(f"?authSource=admin&tls=true&tlsCAFile={ca}")
    assert run("health-check").exit_code == 0


def test_deploy_killed_midway_completes_when_run_again(home: Path, tmp_path: Path) -> None:
    """kill -9 of the CLI while it starts the shards; the next deploy finds what runs and completes."""
    import signal
    import subprocess
    import sys
    import time

    spec = write_spec(tmp_path, "killed", SECURE.format(name="killed", base=free_port_block(12), extra=""))
    cli = str(Path(sys.executable).parent / "mongo-admin")
    deploy = subprocess.Popen([cli, "cluster", "deploy", "-f", str(spec)], stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    logs = home / "clusters" / "killed" / "logs"
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        text = "".join(p.read_text() for p in logs.glob("deploy-*.log")) if logs.exists() else ""
        if "[shard members] started" in text:
            break
        time.sleep(0.05)
    else:
        deploy.kill()
        raise AssertionError("the deploy never reached the shard members step")
    deploy.send_signal(signal.SIGKILL)
    deploy.wait(30)
    record = json.loads((home / "clusters" / "killed" / "cluster.json").read_text())
    assert record["state"] == "deploying" and record["runs"][-1]["outcome"] == "running"

    finished = run_json("cluster", "deploy", "-f", str(spec))
    assert finished["steps"][2]["status"] == "unchanged"  # the config servers were already up
    assert run_json("cluster", "status")["health"] == "healthy"
    assert json.loads((home / "clusters" / "killed" / "cluster.json").read_text())["state"] == "running"
