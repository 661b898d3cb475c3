"""Authentication against real ``mongod --auth`` simulator processes through pymongo: the localhost exception,
SCRAM-SHA-256 / SCRAM-SHA-1 (speculative included), failures and their log lines, user and role management,
connectionStatus, logout, and what reaches the data files."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.binary import Binary
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess, wait_until

ROOT_PASSWORD = "r00t-Pa55word"
APP_PASSWORD = "app-S3cret-pw"
Client = pymongo.MongoClient[dict[str, Any]]


def _log_entries(proc: SimProcess, msg_id: int) -> list[dict[str, Any]]:
    return [entry for entry in map(json.loads, proc.log_lines()) if entry.get("id") == msg_id]


def _login(proc: SimProcess, user: str, password: str, source: str = "admin", **kwargs: Any) -> Client:
    return proc.client(username=user, password=password, authSource=source, **kwargs)


def _code(exc: pytest.ExceptionInfo[OperationFailure]) -> tuple[int | None, str]:
    details = exc.value.details or {}
    return exc.value.code, str(details.get("errmsg"))


@pytest.fixture(scope="module")
def auth_mongod(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimProcess]:
    """A ``mongod --auth`` whose first user (root) was created through the localhost exception."""
    proc = SimProcess(tmp_path_factory.mktemp("auth-mongod"), args=["--auth"]).start()
    try:
        proc.client().admin.command("createUser", "root", pwd=ROOT_PASSWORD, roles=["root"])
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def root(auth_mongod: SimProcess) -> Client:
    return _login(auth_mongod, "root", ROOT_PASSWORD)


# ------------------------------------------------------------------------------------------------ localhost
def test_localhost_exception_creates_the_first_user_then_closes(tmp_path: Path) -> None:
    proc = SimProcess(tmp_path, args=["--auth"]).start()
    try:
        anonymous = proc.client(maxPoolSize=1)
        assert anonymous.admin.command("ping")["ok"] == 1.0
        with pytest.raises(OperationFailure) as refused:
            anonymous.test.command("find", "things")
        assert refused.value.code == 13
        anonymous.admin.command("createUser", "first", pwd="first-pw", roles=["root"])
        assert _log_entries(proc, 20248), "the localhost exception note is logged"
        with pytest.raises(OperationFailure) as closed:
            anonymous.admin.command("createUser", "second", pwd="second-pw", roles=["root"])
        assert _code(closed)[0] == 13
        with pytest.raises(OperationFailure) as again:
            proc.client().admin.command("listDatabases")
        assert _code(again) == (13, "Command listDatabases requires authentication")
        first = _login(proc, "first", "first-pw")
        first.admin.command("createUser", "second", pwd="second-pw", roles=["readAnyDatabase"])
        assert [u["user"] for u in first.admin.command("usersInfo")["users"]] == ["first", "second"]
    finally:
        proc.stop()


# ------------------------------------------------------------------------------------------------ SCRAM
@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
def test_pymongo_authenticates_with_each_mechanism(auth_mongod: SimProcess, mechanism: str) -> None:
    client = _login(auth_mongod, "root", ROOT_PASSWORD, authMechanism=mechanism)
    status = client.admin.command("connectionStatus")["authInfo"]
    assert status["authenticatedUsers"] == [{"user": "root", "db": "admin"}]
    assert status["authenticatedUserRoles"] == [{"role": "root", "db": "admin"}]
    assert "admin" in client.list_database_names()
    succeeded = [e["attr"] for e in _log_entries(auth_mongod, 20250) if e["attr"]["mechanism"] == mechanism]
    assert succeeded and succeeded[-1]["principalName"] == "root"
    assert succeeded[-1]["authenticationDatabase"] == "admin"


def test_speculative_authentication_in_the_handshake(auth_mongod: SimProcess) -> None:
    _login(auth_mongod, "root", ROOT_PASSWORD).admin.command("ping")
    speculative = [e["attr"] for e in _log_entries(auth_mongod, 20250) if e["attr"]["speculative"] is True]
    assert speculative, "pymongo's speculative saslStart in hello completed the authentication"
    raw = auth_mongod.client()
    mechs = raw.admin.command("hello", saslSupportedMechs="admin.root")["saslSupportedMechs"]
    assert mechs == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    assert "saslSupportedMechs" not in raw.admin.command("hello", saslSupportedMechs="admin.nobody")
    reply = raw.admin.command("hello", speculativeAuthenticate={
        "saslStart": 1, "mechanism": "SCRAM-SHA-256", "payload": Binary(b"n,,n=root,r=abcdefghijkl"),
        "options": {"skipEmptyExchange": True}, "db": "admin"})
    spec = reply["speculativeAuthenticate"]
    assert list(spec) == ["conversationId", "done", "payload"]
    assert spec["conversationId"] == 1 and spec["done"] is False
    assert bytes(spec["payload"]).startswith(b"r=abcdefghijkl")
    assert list(reply)[-2:] == ["speculativeAuthenticate", "ok"]


def test_wrong_password_and_unknown_user_fail_alike_and_log_the_reason(auth_mongod: SimProcess,
                                                                        root: Client) -> None:
    root.admin.command("setParameter", 1, logLevel=1)  # every command logged: the redaction is exercised
    try:
        for user, password in (("root", "not-the-password"), ("nobody", "whatever-pw")):
            with pytest.raises(OperationFailure) as failed:
                _login(auth_mongod, user, password).admin.command("ping")
            assert _code(failed) == (18, "Authentication failed.")
            assert (failed.value.details or {}).get("codeName") == "AuthenticationFailed"
    finally:
        root.admin.command("setParameter", 1, logLevel=0)
    reasons = {e["attr"]["principalName"]: e["attr"]["error"] for e in _log_entries(auth_mongod, 20249)}
    assert reasons["root"] == "AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"
    assert reasons["nobody"] == 'UserNotFound: Could not find user "nobody" for db "admin"'
    failure = next(e for e in _log_entries(auth_mongod, 20249) if e["attr"]["principalName"] == "root")
    assert failure["c"] == "ACCESS" and failure["msg"] == "Authentication failed"
    assert set(failure["attr"]) == {"mechanism", "speculative", "principalName", "authenticationDatabase",
                                    "remote", "extraInfo", "error"}
    text = auth_mongod.logpath.read_text()
    for secret in ("not-the-password", "whatever-pw", ROOT_PASSWORD, APP_PASSWORD):
        assert secret not in text
    # base64 of "n,,n=" (client-first) and of "c=biws" (client-final), and proofs: no payload is ever logged
    for payload_prefix in ("biwsbj1", "Yz1iaXdz"):
        assert payload_prefix not in text
    logged = [e["attr"]["command"] for e in _log_entries(auth_mongod, 51803) if "saslStart" in e["attr"]["command"]]
    assert logged and all(cmd["payload"] == "###" for cmd in logged)


# ------------------------------------------------------------------------------------------------ users
def test_users_info_shapes_and_credentials(auth_mongod: SimProcess, root: Client) -> None:
    shop = root.shop
    shop.command("createUser", "app", pwd=APP_PASSWORD, roles=["readWrite", {"role": "read", "db": "reporting"}],
                 customData={"team": "checkout"})
    with pytest.raises(OperationFailure) as duplicate:
        shop.command("createUser", "app", pwd=APP_PASSWORD, roles=[])
    assert _code(duplicate) == (51003, 'User "app@shop" already exists')
    [info] = shop.command("usersInfo", "app")["users"]
    assert list(info) == ["_id", "userId", "user", "db", "customData", "roles", "mechanisms"]
    assert info["_id"] == "shop.app" and info["user"] == "app" and info["db"] == "shop"
    assert info["userId"].subtype == 4
    assert info["roles"] == [{"role": "readWrite", "db": "shop"}, {"role": "read", "db": "reporting"}]
    assert info["mechanisms"] == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    [shown] = shop.command("usersInfo", {"user": "app", "db": "shop"}, showCredentials=True)["users"]
    assert list(shown["credentials"]) == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    assert shown["credentials"]["SCRAM-SHA-256"]["iterationCount"] == 15000
    assert shown["credentials"]["SCRAM-SHA-1"]["iterationCount"] == 10000
    everyone = root.admin.command("usersInfo", {"forAllDBs": True})["users"]
    assert [u["_id"] for u in everyone] == ["admin.root", "shop.app"]
    assert shop.command("usersInfo", "ghost")["users"] == []
    [privileged] = shop.command("usersInfo", "app", showPrivileges=True)["users"]
    assert {"role": "readWrite", "db": "shop"} in privileged["inheritedRoles"]
    assert any(p["resource"] == {"db": "shop", "collection": ""} for p in privileged["inheritedPrivileges"])
    app = _login(auth_mongod, "app", APP_PASSWORD, source="shop")
    app.shop.orders.insert_one({"_id": 1})
    assert app.shop.orders.count_documents({}) == 1


def test_update_grant_revoke_drop_round_trips(auth_mongod: SimProcess, root: Client) -> None:
    db = root.crm
    db.command("createUser", "clerk", pwd="clerk-pw-1", roles=["read"])
    db.command("grantRolesToUser", "clerk", roles=[{"role": "readWrite", "db": "crm"}, "dbAdmin"])
    assert db.command("usersInfo", "clerk")["users"][0]["roles"] == [
        {"role": "read", "db": "crm"}, {"role": "readWrite", "db": "crm"}, {"role": "dbAdmin", "db": "crm"}]
    db.command("revokeRolesFromUser", "clerk", roles=["read", "dbAdmin"])
    assert db.command("usersInfo", "clerk")["users"][0]["roles"] == [{"role": "readWrite", "db": "crm"}]
    db.command("updateUser", "clerk", pwd="clerk-pw-2", customData={"desk": 4}, mechanisms=["SCRAM-SHA-256"])
    [info] = db.command("usersInfo", "clerk")["users"]
    assert info["customData"] == {"desk": 4} and info["mechanisms"] == ["SCRAM-SHA-256"]
    with pytest.raises(OperationFailure) as old:
        _login(auth_mongod, "clerk", "clerk-pw-1", source="crm").crm.command("ping")
    assert old.value.code == 18
    clerk = _login(auth_mongod, "clerk", "clerk-pw-2", source="crm", authMechanism="SCRAM-SHA-256")
    assert clerk.crm.command("connectionStatus")["authInfo"]["authenticatedUserRoles"] == [
        {"role": "readWrite", "db": "crm"}]
    with pytest.raises(OperationFailure) as sha1:
        _login(auth_mongod, "clerk", "clerk-pw-2", source="crm", authMechanism="SCRAM-SHA-1").crm.command("ping")
    assert sha1.value.code == 18  # no SCRAM-SHA-1 credentials any more
    db.command("dropUser", "clerk")
    assert db.command("usersInfo", "clerk")["users"] == []
    db.command("createUser", "temp1", pwd="t-pw-1", roles=[])
    db.command("createUser", "temp2", pwd="t-pw-2", roles=[])
    assert db.command("dropAllUsersFromDatabase")["n"] == 2


@pytest.mark.parametrize(("command", "args", "code", "message"), [
    ("dropUser", {"dropUser": "ghost"}, 11, "User 'ghost@errs' not found"),
    ("updateUser", {"updateUser": "ghost", "pwd": "x-pw"}, 11, 'Could not find user "ghost" for db "errs"'),
    ("grantRolesToUser", {"grantRolesToUser": "ghost", "roles": ["read"]}, 11,
     'Could not find user "ghost" for db "errs"'),
    ("createUser", {"createUser": "u1", "pwd": "pw", "roles": ["noSuchRole"]}, 31,
     "Could not find role: noSuchRole@errs"),
    ("createUser", {"createUser": "u1", "pwd": "pw"}, 40414, "BSON field 'createUser.roles' is missing but a "
     "required field"),
    ("createUser", {"createUser": "u1", "roles": []}, 2, "Must provide a 'pwd' field for all user documents, "
     "except those with '$external' as the user's source db"),
    ("createUser", {"createUser": "u1", "pwd": "", "roles": []}, 2, "Password cannot be empty"),
    ("createUser", {"createUser": "u1", "pwd": "pw", "roles": [], "mechanisms": ["MD5"]}, 2,
     "Unknown auth mechanism 'MD5'"),
    ("updateUser", {"updateUser": "u1"}, 2, "Must specify at least one field to update in updateUser"),
    ("createRole", {"createRole": "read", "privileges": [], "roles": []}, 2,
     "Cannot create roles with the same name as a built-in role"),
    ("dropRole", {"dropRole": "ghostRole"}, 31, "Role 'ghostRole@errs' not found"),
    ("createRole", {"createRole": "wide", "privileges": [{"resource": {"cluster": True}, "actions": ["top"]}],
                    "roles": []}, 49, "Roles on the 'errs' database cannot be granted privileges that target "
     "other databases or the cluster"),
])
def test_user_management_errors(root: Client, command: str, args: dict[str, Any], code: int, message: str) -> None:
    with pytest.raises(OperationFailure) as failed:
        root.errs.command(args)
    assert _code(failed) == (code, message)


# ------------------------------------------------------------------------------------------------ roles
def test_role_management_round_trips_and_roles_info(auth_mongod: SimProcess, root: Client) -> None:
    db = root.inventory
    db.command("createRole", "stocker", privileges=[
        {"resource": {"db": "inventory", "collection": "items"}, "actions": ["find", "insert"]}], roles=[])
    with pytest.raises(OperationFailure) as duplicate:
        db.command("createRole", "stocker", privileges=[], roles=[])
    assert _code(duplicate) == (51002, 'Role "stocker@inventory" already exists')
    db.command("createRole", "lead", privileges=[], roles=["stocker"])
    with pytest.raises(OperationFailure) as cycle:
        db.command("grantRolesToRole", "stocker", roles=["lead"])
    assert _code(cycle) == (49, "Granting lead@inventory to stocker@inventory would introduce a cycle in the role "
                                "graph.")
    db.command("grantPrivilegesToRole", "stocker", privileges=[
        {"resource": {"db": "inventory", "collection": "items"}, "actions": ["update"]}])
    [info] = db.command("rolesInfo", "stocker", showPrivileges=True)["roles"]
    assert list(info)[:3] == ["_id", "role", "db"] and info["isBuiltin"] is False
    assert info["privileges"] == [{"resource": {"db": "inventory", "collection": "items"},
                                   "actions": ["find", "insert", "update"]}]
    db.command("revokePrivilegesFromRole", "stocker", privileges=[
        {"resource": {"db": "inventory", "collection": "items"}, "actions": ["insert", "update"]}])
    [lead] = db.command("rolesInfo", {"role": "lead", "db": "inventory"}, showPrivileges=True)["roles"]
    assert lead["roles"] == [{"role": "stocker", "db": "inventory"}]
    assert lead["inheritedRoles"] == [{"role": "stocker", "db": "inventory"}]
    assert lead["inheritedPrivileges"] == [{"resource": {"db": "inventory", "collection": "items"},
                                            "actions": ["find"]}]
    [read] = db.command("rolesInfo", "read")["roles"]
    assert read["isBuiltin"] is True and read["role"] == "read"
    db.command("createUser", "worker", pwd="worker-pw", roles=["lead"])
    worker = _login(auth_mongod, "worker", "worker-pw", source="inventory")
    worker.inventory.items.find_one()
    with pytest.raises(OperationFailure) as denied:
        worker.inventory.items.insert_one({"x": 1})
    assert denied.value.code == 13
    db.command("grantPrivilegesToRole", "stocker", privileges=[
        {"resource": {"db": "inventory", "collection": "items"}, "actions": ["insert"]}])
    worker.inventory.items.insert_one({"x": 1})  # the session saw the role change
    db.command("dropRole", "stocker")
    assert db.command("rolesInfo", "lead")["roles"][0]["roles"] == []
    with pytest.raises(OperationFailure):
        worker.inventory.items.find_one()
    assert db.command("dropAllRolesFromDatabase")["n"] == 1


# ------------------------------------------------------------------------------------------------ sessions
def test_connection_status_and_logout(auth_mongod: SimProcess) -> None:
    client = _login(auth_mongod, "root", ROOT_PASSWORD, maxPoolSize=1)
    status = client.admin.command("connectionStatus", showPrivileges=True)["authInfo"]
    assert status["authenticatedUsers"] == [{"user": "root", "db": "admin"}]
    cluster = [p["actions"] for p in status["authenticatedUserPrivileges"] if p["resource"] == {"cluster": True}]
    assert cluster and "serverStatus" in cluster[0] and "shutdown" in cluster[0]
    client.admin.command("logout")
    anonymous = client.admin.command("connectionStatus")["authInfo"]
    assert anonymous == {"authenticatedUsers": [], "authenticatedUserRoles": []}
    with pytest.raises(OperationFailure) as refused:
        client.admin.command("listDatabases")
    assert _code(refused) == (13, "Command listDatabases requires authentication")


def test_data_files_hold_credentials_never_passwords(auth_mongod: SimProcess, root: Client) -> None:
    root.vault.command("createUser", "keeper", pwd="Keeper-Plaintext-9", roles=["read"])
    dbpath = auth_mongod.dbpath

    def files_hold_user() -> bool:
        return any(b"vault.keeper" in path.read_bytes() for path in dbpath.rglob("*") if path.is_file())

    wait_until(files_hold_user, "journal the new user document")
    for path in dbpath.rglob("*"):
        if path.is_file():
            data = path.read_bytes()
            for secret in ("Keeper-Plaintext-9", ROOT_PASSWORD, APP_PASSWORD):
                assert secret.encode() not in data, f"{secret} found in {path}"
    version = root.admin["system.version"].find_one({"_id": "authSchema"})
    assert version == {"_id": "authSchema", "currentVersion": 5}
