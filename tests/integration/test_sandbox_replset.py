"""mongo-admin sandbox as a replica set, against real server processes: the README's first command (a 3-member set
named rs0), status, a killed member, stop order, restart with the stored config, and the bounded wait."""

from __future__ import annotations

import json
import os
import signal
from pathlib import Path
from typing import Any

import psutil
import pymongo
import pytest
from click.testing import CliRunner, Result
from pymongo.write_concern import WriteConcern

from mongo_admin.errors import ReplicaSetError
from mongo_admin.ops.sandbox import SandboxShape, start_sandbox
from tests.support.simproc import wait_until

pytestmark = pytest.mark.slow


def run(*args: str) -> Result:
    from mongo_admin.cli.main import cli

    return CliRunner(catch_exceptions=False).invoke(cli, list(args), prog_name="mongo-admin")


def run_json(*args: str) -> dict[str, Any]:
    result = run("--output", "json", *args)
    assert result.exit_code == 0, result.stderr
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def address(host: str) -> tuple[str, int]:
    name, port = host.rsplit(":", 1)
    return name, int(port)


def test_default_start_is_a_three_member_replica_set_that_restarts_with_its_config(home: Path) -> None:
    started = run_json("sandbox", "start")  # the README's first command
    members = started["members"]
    hosts = [m["member"] for m in members]
    server = started["server"]
    assert started["uri"] == f"mongodb://{','.join(hosts)}/?replicaSet=rs0"
    assert [started[key] for key in ("state", "topology", "replica_set", "started", "initiated")] == [
        "running", "replica set rs0 (3 members)", "rs0", True, True]
    assert started["message"] == f"started sandbox 'default' at {started['uri']}; server: {server}"
    assert server.startswith("sandbox (mongosim ")
    assert sorted(m["state"] for m in members) == ["PRIMARY", "SECONDARY", "SECONDARY"]
    assert [m["id"] for m in members] == [0, 1, 2]
    assert all((m["health"], m["process"], m["server"]) == (1.0, "running", server) for m in members)
    assert started["primary"] in hosts
    for index, member in enumerate(members):
        cmdline = psutil.Process(member["pid"]).cmdline()
        assert cmdline[cmdline.index("--replSet") + 1] == "rs0"
        assert cmdline[cmdline.index("--dbpath") + 1] == str(home / f"sandbox/default/member{index}/db")
        assert cmdline[cmdline.index("--logpath") + 1] == str(home / f"sandbox/default/member{index}/mongod.log")

    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(started["uri"], serverSelectionTimeoutMS=20000)
    try:
        client.app.get_collection("things", write_concern=WriteConcern("majority")).insert_one({"_id": "kept"})
        assert client.primary == address(started["primary"])
        config = client.admin.command("replSetGetConfig")["config"]
        assert [(m["_id"], m["host"], m["votes"], m["priority"]) for m in config["members"]] == [
            (index, host, 1, 1.0) for index, host in enumerate(hosts)]
        assert config["settings"]["electionTimeoutMillis"] == 10000  # MongoDB's default: no settings were sent
    finally:
        client.close()

    status = run("sandbox", "status")
    assert status.exit_code == 0
    lines = status.stdout.splitlines()
    assert lines[0] == (f"sandbox 'default' is running: replica set rs0, primary {started['primary']}, at "
                        f"{started['uri']}; server: {server}")
    assert lines[-5].split() == ["member", "id", "state", "health", "lag", "(s)", "uptime", "(s)", "process", "pid",
                                 "server"]
    rows = {line.split()[0]: line.split() for line in lines[-3:]}
    assert {host: rows[host][2] for host in hosts} == {m["member"]: m["state"] for m in members}

    stopped = run_json("sandbox", "stop")
    assert stopped["stopped"] and [m["signal"] for m in stopped["members"]] == ["SIGTERM"] * 3
    secondaries = [h for h in hosts if h != started["primary"]]
    message = stopped["message"]
    assert all(message.index(each) < message.index(started["primary"]) for each in secondaries), message
    assert run_json("sandbox", "status")["state"] == "stopped"

    restarted = run_json("sandbox", "start")
    assert (restarted["started"], restarted["initiated"], restarted["uri"], restarted["state"]) == (
        True, False, started["uri"], "running")
    client = pymongo.MongoClient(restarted["uri"], serverSelectionTimeoutMS=20000)
    try:
        assert client.app.things.find_one({"_id": "kept"}) == {"_id": "kept"}
        assert client.admin.command("replSetGetConfig")["config"]["version"] == 1  # not initiated again
    finally:
        client.close()
    purged = run_json("sandbox", "stop", "--purge")
    assert purged["purged"] and not (home / "sandbox/default").exists()


def test_a_killed_member_shows_degraded_and_start_brings_it_back(home: Path) -> None:
    started = run_json("sandbox", "start", "--name", "ha", "--fast-elections")
    old_primary = started["primary"]
    killed = next(m for m in started["members"] if m["member"] == old_primary)
    os.kill(killed["pid"], signal.SIGKILL)

    def failed_over() -> dict[str, Any] | None:
        status = run_json("sandbox", "status", "--name", "ha")
        return status if status["primary"] not in (None, old_primary) else None

    status = wait_until(failed_over, "see a new primary elected", 30)
    assert status["state"] == "degraded"

    def killed_row() -> dict[str, Any] | None:
        # A SIGKILLed process may take a moment to disappear (reported "unresponsive" until then).
        row = next(m for m in run_json("sandbox", "status", "--name", "ha")["members"] if m["member"] == old_primary)
        return row if row["process"] == "stale" else None

    wait_until(killed_row, "see the killed member's process reported stale")
    wait_until(lambda: next(m for m in run_json("sandbox", "status", "--name", "ha")["members"]
                            if m["member"] == old_primary)["state"] == "(not reachable/healthy)",
               "see the primary report the killed member down")

    again = run("sandbox", "start", "--name", "ha")
    assert again.exit_code == 0, again.stderr
    assert f"process {killed['pid']} ({old_primary}) from the previous start is gone; starting again" in again.stderr
    back = run_json("sandbox", "status", "--name", "ha")
    assert back["state"] == "running"
    row = next(m for m in back["members"] if m["member"] == old_primary)
    assert (row["process"], row["state"]) == ("running", "SECONDARY")
    assert row["pid"] != killed["pid"]


def test_a_single_member_set_with_its_own_name(home: Path) -> None:
    started = run_json("sandbox", "start", "--name", "solo", "--replica-set", "solo", "--members", "1")
    [member] = started["members"]
    assert started["uri"] == f"mongodb://{member['member']}/?replicaSet=solo"
    assert (member["state"], started["primary"], started["topology"]) == (
        "PRIMARY", member["member"], "replica set solo (1 member)")


def test_the_wait_for_a_primary_is_bounded_and_names_the_members_logs(home: Path) -> None:
    with pytest.raises(ReplicaSetError) as caught:
        # MongoDB's default electionTimeoutMillis (10 s) cannot elect anyone within 0.2 s.
        start_sandbox(home, "slow", shape=SandboxShape(), ready_timeout_s=0.2)
    error = caught.value
    assert error.what == "replica set rs0 did not become ready within 0.2 s"
    assert str(home / "sandbox/slow/member") in error.why
    assert error.fix == ("read the member logs named above; follow it with: mongo-admin sandbox status --name slow; "
                         "stop it with: mongo-admin sandbox stop --name slow")
