"""The audit log in Percona Server for MongoDB's format, against real simulator processes through pymongo:
``--auth`` with a JSON audit file (authentication, authCheck, user and role management, schema changes,
logApplicationMessage, shutdown; never a password), ``--auditFilter``, BSON and console output, rotation,
option errors at start-up, and a router's audit file."""

from __future__ import annotations

import json
import re
import signal
import socket
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pymongo
import pytest
from pymongo.errors import OperationFailure

from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess, free_port, server_command, wait_until

ROOT_PASSWORD = "R00t-audit-Pa55"
APP_PASSWORD = "App-audit-S3cret"
NEW_APP_PASSWORD = "App-audit-N3w-pw"
Client = pymongo.MongoClient[dict[str, Any]]
ENVELOPE = ["atype", "ts", "local", "remote", "users", "roles", "param", "result"]


def audited(tmp: Path, *extra: str) -> SimProcess:
    return SimProcess(tmp, args=["--auth", "--auditDestination", "file", "--auditFormat", "JSON", "--auditPath",
                                 str(tmp / "audit.json"), *extra])


def read_events(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text().splitlines() if line]


def login(proc: SimProcess, user: str, password: str, source: str = "admin") -> Client:
    return proc.client(username=user, password=password, authSource=source)


def of(events: list[dict[str, Any]], atype: str, **param: Any) -> list[dict[str, Any]]:
    return [e for e in events if e["atype"] == atype and all(e["param"].get(k) == v for k, v in param.items())]


def one(events: list[dict[str, Any]], atype: str, **param: Any) -> dict[str, Any]:
    found = of(events, atype, **param)
    assert len(found) == 1, f"expected one {atype} {param}, got {found}"
    return found[0]


# ------------------------------------------------------------------------------------------------ the scenario
@pytest.fixture(scope="module")
def scenario(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Everything an operator does on an audited mongod, then a shutdown; the audit file's events and text."""
    tmp = tmp_path_factory.mktemp("audit-mongod")
    proc = audited(tmp).start()
    try:
        proc.client().admin.command("createUser", "root", pwd=ROOT_PASSWORD, roles=["root"])  # localhost exception
        root = login(proc, "root", ROOT_PASSWORD)
        with pytest.raises(OperationFailure):
            login(proc, "root", "not-the-password").admin.command("ping")
        with pytest.raises(OperationFailure):
            login(proc, "nobody", "whatever").admin.command("ping")
        shop = root.shop
        shop.create_collection("orders")
        shop.orders.create_index([("sku", 1)], name="sku_1")
        shop.command("createRole", "auditor", roles=[{"role": "read", "db": "shop"}],
                     privileges=[{"resource": {"db": "shop", "collection": "orders"}, "actions": ["find", "insert"]}])
        shop.command("grantPrivilegesToRole", "auditor",
                     privileges=[{"resource": {"db": "shop", "collection": ""}, "actions": ["listCollections"]}])
        shop.command("revokePrivilegesFromRole", "auditor",
                     privileges=[{"resource": {"db": "shop", "collection": ""}, "actions": ["listCollections"]}])
        shop.command("createRole", "helper", roles=[], privileges=[])
        shop.command("grantRolesToRole", "auditor", roles=["helper"])
        shop.command("revokeRolesFromRole", "auditor", roles=["helper"])
        shop.command("updateRole", "auditor", roles=[{"role": "read", "db": "shop"}])
        shop.command("createUser", "app", pwd=APP_PASSWORD, roles=["auditor"], customData={"team": "shop"})
        shop.command("updateUser", "app", pwd=NEW_APP_PASSWORD)
        shop.command("grantRolesToUser", "app", roles=["read"])
        shop.command("revokeRolesFromUser", "app", roles=["read"])
        app = login(proc, "app", NEW_APP_PASSWORD, "shop")
        with pytest.raises(OperationFailure) as refused:
            app.shop.command("drop", "orders")
        assert refused.value.code == 13
        root.admin.command("logApplicationMessage", "nightly import started")
        shop.orders.drop_index("sku_1")
        root.admin.command("renameCollection", "shop.orders", to="shop.archive")
        shop.archive.drop()
        shop.command("create", "scratch")
        shop.command("dropRole", "helper")
        shop.command("dropUser", "app")
        shop.command("createUser", "temp", pwd=APP_PASSWORD, roles=[])
        shop.command("dropAllUsersFromDatabase")
        shop.command("dropAllRolesFromDatabase")
        root.drop_database("shop")
        options = root.admin.command("auditGetOptions")
        ports = {"server": proc.port}
    finally:
        proc.stop()
    text = (tmp / "audit.json").read_text()
    return {"events": read_events(tmp / "audit.json"), "text": text, "options": options, "ports": ports,
            "path": str(tmp / "audit.json")}


def test_every_event_has_psmdbs_fields_in_order(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    assert events
    for event in events:
        assert list(event) == ENVELOPE
        assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}[+-]\d\d:\d\d", event["ts"]["$date"])
        assert event["local"]["port"] == scenario["ports"]["server"]
        assert isinstance(event["result"], int)


def test_localhost_exception_create_user(scenario: dict[str, Any]) -> None:
    event = one(scenario["events"], "createUser", user="root")
    assert event["param"] == {"user": "root", "db": "admin", "password": True, "customData": {},
                              "roles": [{"role": "root", "db": "admin"}]}
    assert event["users"] == [] and event["roles"] == []
    assert event["remote"]["ip"] == "127.0.0.1" and isinstance(event["remote"]["port"], int)


def test_authentications_succeed_and_fail_with_their_codes(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    ok = of(events, "authenticate", user="root")
    success = next(e for e in ok if e["result"] == 0)
    assert success["param"] == {"user": "root", "db": "admin", "mechanism": "SCRAM-SHA-256"}
    assert success["users"] == [{"user": "root", "db": "admin"}]
    assert success["roles"] == [{"role": "root", "db": "admin"}]
    assert [e["result"] for e in ok if e["result"] != 0] == [18]  # wrong password: AuthenticationFailed
    assert [e["result"] for e in of(events, "authenticate", user="nobody")] == [11]  # UserNotFound
    assert one(events, "authenticate", user="app", db="shop")["result"] == 0


def test_unauthorized_command_is_an_auth_check(scenario: dict[str, Any]) -> None:
    event = one(scenario["events"], "authCheck", command="drop")
    assert event["result"] == 13
    assert event["param"]["ns"] == "shop.orders"
    assert event["param"]["args"]["drop"] == "orders"
    assert event["users"] == [{"user": "app", "db": "shop"}]
    assert event["remote"]["ip"] == "127.0.0.1"


def test_user_and_role_changes(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    assert one(events, "createRole", role="auditor")["param"] == {
        "role": "auditor", "db": "shop", "roles": [{"role": "read", "db": "shop"}],
        "privileges": [{"resource": {"db": "shop", "collection": "orders"}, "actions": ["find", "insert"]}]}
    granted = {"resource": {"db": "shop", "collection": ""}, "actions": ["listCollections"]}
    assert one(events, "grantPrivilegesToRole", role="auditor")["param"]["privileges"] == [granted]
    assert one(events, "revokePrivilegesFromRole", role="auditor")["param"]["privileges"] == [granted]
    helper = [{"role": "helper", "db": "shop"}]
    assert one(events, "grantRolesToRole", role="auditor")["param"]["roles"] == helper
    assert one(events, "revokeRolesFromRole", role="auditor")["param"]["roles"] == helper
    assert one(events, "updateRole", role="auditor")["param"] == {"role": "auditor", "db": "shop",
                                                                 "roles": [{"role": "read", "db": "shop"}]}
    assert one(events, "createUser", user="app")["param"] == {
        "user": "app", "db": "shop", "password": True, "customData": {"team": "shop"},
        "roles": [{"role": "auditor", "db": "shop"}]}
    assert one(events, "updateUser", user="app")["param"] == {"user": "app", "db": "shop", "password": True,
                                                             "customData": {}}
    read = [{"role": "read", "db": "shop"}]
    assert one(events, "grantRolesToUser", user="app")["param"]["roles"] == read
    assert one(events, "revokeRolesFromUser", user="app")["param"]["roles"] == read
    assert one(events, "dropRole", role="helper")["param"] == {"role": "helper", "db": "shop"}
    assert one(events, "dropUser", user="app")["param"] == {"user": "app", "db": "shop"}
    assert one(events, "dropAllUsers")["param"] == {"db": "shop"}
    assert one(events, "dropAllRoles")["param"] == {"db": "shop"}


def test_no_password_or_scram_payload_anywhere(scenario: dict[str, Any]) -> None:
    text = scenario["text"]
    for secret in (ROOT_PASSWORD, APP_PASSWORD, NEW_APP_PASSWORD, "not-the-password", "whatever"):
        assert secret not in text
    for leak in ("payload", "credentials", "storedKey", "serverKey", "SCRAM-SHA-256\":{", "\"pwd\""):
        assert leak not in text


def test_schema_changes(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    atypes = [e["atype"] for e in events if e["param"].get("ns") in ("shop", "shop.orders")]
    assert atypes[:4] == ["createDatabase", "createCollection", "createIndex", "createIndex"]
    id_index = of(events, "createIndex", ns="shop.orders", indexName="_id_")
    assert [e["param"]["indexBuildState"] for e in id_index] == ["IndexBuildStarted", "IndexBuildSucceeded"]
    sku = of(events, "createIndex", ns="shop.orders", indexName="sku_1")
    assert sku[0]["param"] == {"ns": "shop.orders", "indexName": "sku_1",
                               "indexSpec": {"v": 2, "key": {"sku": 1}, "name": "sku_1"},
                               "indexBuildState": "IndexBuildStarted"}
    assert one(events, "dropIndex", ns="shop.orders")["param"] == {"ns": "shop.orders", "indexName": "sku_1"}
    assert one(events, "renameCollection")["param"] == {"old": "shop.orders", "new": "shop.archive"}
    assert one(events, "dropCollection", ns="shop.archive")["users"] == [{"user": "root", "db": "admin"}]
    assert one(events, "createCollection", ns="shop.scratch")
    drops = [e["atype"] for e in events if e["atype"] in ("dropCollection", "dropDatabase")
             and e["param"]["ns"] in ("shop.scratch", "shop")]
    assert drops == ["dropCollection", "dropDatabase"]


def test_application_message_and_shutdown_last(scenario: dict[str, Any]) -> None:
    events = scenario["events"]
    message = one(events, "applicationMessage")
    assert message["param"] == {"msg": "nightly import started"}
    assert message["users"] == [{"user": "root", "db": "admin"}]
    assert events[-1]["atype"] == "shutdown"
    assert events[-1]["param"] == {} and events[-1]["remote"] == {} and events[-1]["result"] == 0


def test_audit_get_options(scenario: dict[str, Any]) -> None:
    options = scenario["options"]
    assert {k: options[k] for k in ("format", "path", "destination", "filter")} == {
        "format": "JSON", "path": scenario["path"], "destination": "file", "filter": "{}"}


# ------------------------------------------------------------------------------------------------ filter, formats
def test_filter_keeps_only_matching_events(tmp_path: Path) -> None:
    proc = audited(tmp_path, "--auditFilter", '{atype: "authenticate"}').start()
    try:
        proc.client().admin.command("createUser", "root", pwd=ROOT_PASSWORD, roles=["root"])
        root = login(proc, "root", ROOT_PASSWORD)
        root.shop.things.insert_one({"x": 1})
        with pytest.raises(OperationFailure):
            login(proc, "root", "wrong-password").admin.command("ping")
    finally:
        proc.stop()
    events = read_events(tmp_path / "audit.json")
    assert {e["atype"] for e in events} == {"authenticate"}
    assert sorted(e["result"] for e in events) == [0, 18]


def test_regex_filter_and_bson_format(tmp_path: Path) -> None:
    path = tmp_path / "audit.bson"
    proc = SimProcess(tmp_path, args=["--auditDestination", "file", "--auditFormat", "BSON", "--auditPath",
                                      str(path), "--auditFilter", '{ "atype" : /^drop/ }']).start()
    try:
        shop = proc.client().shop
        shop.things.insert_one({"x": 1})
        shop.things.drop()
    finally:
        proc.stop()
    events = bson.decode_all(path.read_bytes())
    assert [e["atype"] for e in events] == ["dropCollection"]
    assert list(events[0]) == ENVELOPE
    assert events[0]["param"] == {"ns": "shop.things"}


def test_console_destination_writes_json_lines_to_stdout(tmp_path: Path) -> None:
    port = free_port()
    argv = [*server_command("mongod"), "--port", str(port), "--bind_ip", "127.0.0.1", "--dbpath", str(tmp_path),
            "--logpath", str(tmp_path / "mongod.log"), "--auditDestination", "console"]
    proc = subprocess.Popen(argv, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        wait_until(lambda: socket.create_connection(("127.0.0.1", port), timeout=0.5).close() is None,
                   "accept connections")
        with pymongo.MongoClient("127.0.0.1", port, directConnection=True) as client:
            client.admin.command("logApplicationMessage", "to the console")
    finally:
        proc.send_signal(signal.SIGTERM)
        out, _ = proc.communicate(timeout=30)
    events = [json.loads(line) for line in out.decode().splitlines() if line.startswith('{"atype"')]
    assert one(events, "applicationMessage")["param"] == {"msg": "to the console"}
    assert events[-1]["atype"] == "shutdown"


def test_default_path_beside_the_log_and_log_rotate(tmp_path: Path) -> None:
    proc = SimProcess(tmp_path, args=["--auditDestination", "file"]).start()
    audit = tmp_path / "auditLog.json"
    try:
        client = proc.client()
        client.admin.command("logApplicationMessage", "before rotation")
        assert client.admin.command("auditGetOptions")["path"] == str(audit)
        client.admin.command("logRotate", "audit")
        client.admin.command("logApplicationMessage", "after rotation")
        rotated = [p for p in tmp_path.iterdir() if p.name.startswith("auditLog.json.")]
        assert len(rotated) == 1
        assert [e["param"]["msg"] for e in read_events(rotated[0])] == ["before rotation"]
        assert [e["param"].get("msg") for e in read_events(audit)] == ["after rotation"]
    finally:
        proc.stop()
    # A restart moves the previous file aside too (PSMDB rotates its audit log at start-up).
    proc = SimProcess(tmp_path, args=["--auditDestination", "file"]).start()
    proc.stop()
    assert len([p for p in tmp_path.iterdir() if p.name.startswith("auditLog.json.")]) == 2


# ------------------------------------------------------------------------------------------------ bad options
@pytest.mark.parametrize(("args", "errmsg"), [
    (["--auditDestination", "kafka"], "Supported audit log destinations are 'file', 'console', 'syslog'"),
    (["--auditDestination", "file", "--auditFormat", "XML"], "Supported audit log formats are 'JSON' and 'BSON'"),
    (["--auditDestination", "console", "--auditFormat", "BSON"],
     "BSON audit log format is only allowed when audit log destination is a 'file'"),
    (["--auditDestination", "file", "--auditFilter", "{atype: "],
     "Could not parse audit filter into valid json: {atype: "),
    (["--auditDestination", "file", "--auditPath", "/nonexistent-dir/audit.json"],
     "Could not open a file for writing at the given auditPath: /nonexistent-dir/audit.json"),
])
def test_bad_audit_options_fail_start_up(tmp_path: Path, args: list[str], errmsg: str) -> None:
    result = subprocess.run([*server_command("mongod"), "--dbpath", str(tmp_path), *args], capture_output=True,
                            timeout=60, check=False)
    assert result.returncode == 1
    line = json.loads(result.stdout.decode().strip().splitlines()[-1])
    assert (line["s"], line["id"], line["msg"]) == ("F", 20574, "Error during global initialization")
    assert line["attr"]["error"] == {"code": 2, "codeName": "BadValue", "errmsg": errmsg}


def test_audit_options_in_help() -> None:
    out = subprocess.run([*server_command("mongos"), "--help"], capture_output=True, timeout=60,
                         check=True).stdout.decode()
    assert "Audit Options:" in out
    for flag in ("--auditDestination arg", "--auditFormat arg", "--auditFilter arg", "--auditPath arg"):
        assert flag in out


# ------------------------------------------------------------------------------------------------ mongos
@pytest.fixture
def audited_cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    cluster = ShardedCluster(tmp_path, shards=1, members=1, config_members=1,
                             router_args=["--auditDestination", "file"])
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def test_router_records_sharding_events(audited_cluster: ShardedCluster) -> None:
    client = audited_cluster.router_client()
    client.admin.command("enableSharding", "sales")
    client.admin.command("shardCollection", "sales.orders", key={"region": 1})
    path = audited_cluster.routers[0].workdir / "auditLog.json"
    events = read_events(path)
    shard = audited_cluster.shards[0]
    added = one(events, "addShard", shard="shard0")
    assert added["param"] == {"shard": "shard0", "connectionString": audited_cluster.connection_string(shard)}
    assert one(events, "enableSharding")["param"] == {"ns": "sales"}
    assert one(events, "shardCollection")["param"] == {"ns": "sales.orders", "key": {"region": 1},
                                                       "options": {"unique": False}}
