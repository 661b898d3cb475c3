"""Each built-in role against a representative command set on a real ``mongod --auth``: allowed, or code 13.

The administrator is created through the localhost exception, then one user per built-in role (database roles
granted on ``test``, the others on ``admin``). A command counts as allowed when it does not fail with
Unauthorized (13): ``replSetGetStatus`` on a standalone fails with NoReplicationEnabled once authorized.

Where each expectation comes from (MongoDB manual, 8.0):

* which actions each role grants, and on which resources: "Built-In Roles"
  (https://www.mongodb.com/docs/manual/reference/built-in-roles/), e.g. ``dbAdmin`` has no ``find`` on normal
  collections, ``clusterMonitor`` has ``dbStats``/``collStats`` on every normal database and ``find`` on
  ``system.profile``, ``restore`` has the write and user-administration actions on every normal database,
  ``backup`` inherits ``__queryableBackup`` (``find`` everywhere, ``getParameter``, ``listDatabases``) and has
  ``serverStatus``, ``hostManager`` has ``killop``/``fsync``/``setParameter``/``logRotate``/``shutdown`` and
  ``killCursors`` on every normal database, ``root`` and ``clusterAdmin`` inherit the cluster roles;
* which action each command needs: "Privilege Actions"
  (https://www.mongodb.com/docs/manual/reference/privilege-actions/) and the command pages: ``listDatabases``
  with ``authorizedDatabases: false`` needs ``listDatabases`` (without it, users see only their databases),
  ``currentOp`` needs ``inprog``, ``killOp`` needs ``killop`` for other users' operations, ``profile`` reading
  the level needs ``enableProfiler`` or ``find`` on ``system.profile``, ``createUser`` needs ``createUser``
  plus ``grantRole`` on the granted role's database, ``aggregate`` with ``$out`` needs ``insert`` and
  ``remove`` on the target;
* ``whatsmyuri`` needs only an authenticated user (no privileges, as in the server's command).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pymongo
import pytest
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess

DB_ROLES = ("read", "readWrite", "dbAdmin", "dbOwner", "userAdmin")
ADMIN_ROLES = ("clusterMonitor", "clusterManager", "clusterAdmin", "hostManager", "backup", "restore",
               "readAnyDatabase", "readWriteAnyDatabase", "userAdminAnyDatabase", "dbAdminAnyDatabase", "root",
               "__system", "enableSharding", "directShardOperations", "__queryableBackup")
ROLES = DB_ROLES + ADMIN_ROLES
PASSWORD = "matrix-pw"

Client = pymongo.MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def secured(tmp_path_factory: pytest.TempPathFactory) -> Iterator[SimProcess]:
    proc = SimProcess(tmp_path_factory.mktemp("authz-matrix"), args=["--auth"]).start()
    try:
        bootstrap = proc.client()
        bootstrap.admin.command("createUser", "admin", pwd=PASSWORD, roles=["root"])  # localhost exception
        admin = proc.client(username="admin", password=PASSWORD)
        for role in ROLES:
            db = "test" if role in DB_ROLES else "admin"
            admin.admin.command("createUser", f"u_{role}", pwd=PASSWORD, roles=[{"role": role, "db": db}],
                                mechanisms=["SCRAM-SHA-256"])
            admin.test.create_collection(f"drop_{role}")
        admin.test.c.insert_one({"x": 1})
        admin.test.command("createUser", "target", pwd=PASSWORD, roles=[])
        yield proc
    finally:
        proc.stop()


@pytest.fixture(scope="module")
def clients(secured: SimProcess) -> dict[str, Client]:
    return {role: secured.client(username=f"u_{role}", password=PASSWORD, authSource="admin") for role in ROLES}


def allowed_roles(clients: dict[str, Client], run: Callable[[Client, str], Any]) -> set[str]:
    allowed = set()
    for role, client in clients.items():
        try:
            run(client, role)
        except OperationFailure as exc:
            if exc.code != 13:
                allowed.add(role)
            continue
        allowed.add(role)
    return allowed


EVERYONE = set(ROLES)
CLUSTER_MONITORS = {"clusterMonitor", "clusterAdmin", "root", "__system"}
HOST_MANAGERS = {"hostManager", "clusterAdmin", "root", "__system"}
READERS = {"read", "readWrite", "dbOwner", "readAnyDatabase", "readWriteAnyDatabase", "root", "backup",
           "__queryableBackup", "__system"}
WRITERS = {"readWrite", "dbOwner", "readWriteAnyDatabase", "root", "__system"}
DB_ADMINS = {"dbAdmin", "dbOwner", "dbAdminAnyDatabase", "root", "__system"}
USER_ADMINS = {"userAdmin", "dbOwner", "userAdminAnyDatabase", "root", "restore", "__system"}
LISTERS = {"readAnyDatabase", "readWriteAnyDatabase", "userAdminAnyDatabase", "dbAdminAnyDatabase",
           "clusterMonitor", "clusterAdmin", "root", "backup", "__queryableBackup", "__system"}

CASES: list[tuple[str, Callable[[Client, str], Any], set[str]]] = [
    ("find", lambda c, r: c.test.c.find_one(), READERS),
    ("insert", lambda c, r: c.test.c.insert_one({"by": r}), WRITERS | {"restore"}),
    ("update", lambda c, r: c.test.c.update_one({"never": 1}, {"$set": {"y": 1}}), WRITERS),
    ("upsert", lambda c, r: c.test.c.update_one({"never": r}, {"$set": {"y": 1}}, upsert=True), WRITERS),
    ("delete", lambda c, r: c.test.c.delete_many({"never": 1}), WRITERS),
    ("createIndexes", lambda c, r: c.test.c.create_index(f"f_{r}"),
     WRITERS | DB_ADMINS | {"restore"}),
    ("drop", lambda c, r: c.test.drop_collection(f"drop_{r}"), WRITERS | DB_ADMINS | {"restore"}),
    ("aggregate $out", lambda c, r: list(c.test.c.aggregate([{"$match": {}}, {"$out": f"out_{r}"}])), WRITERS),
    ("listCollections", lambda c, r: c.test.list_collection_names(),
     READERS | DB_ADMINS | {"restore"}),
    ("listDatabases", lambda c, r: c.admin.command("listDatabases", authorizedDatabases=False), LISTERS),
    ("listDatabases (authorized only)", lambda c, r: c.list_database_names(), EVERYONE),
    ("dbStats", lambda c, r: c.test.command("dbStats"),
     (READERS - {"backup", "__queryableBackup"}) | DB_ADMINS | CLUSTER_MONITORS),
    ("collStats", lambda c, r: c.test.command("collStats", "c"), READERS | DB_ADMINS | CLUSTER_MONITORS),
    ("validate", lambda c, r: c.test.command("validate", "c"), DB_ADMINS),
    ("collMod", lambda c, r: c.test.command("collMod", "c"), DB_ADMINS | {"restore"}),
    ("profile (read level)", lambda c, r: c.test.command("profile", -1),
     DB_ADMINS | CLUSTER_MONITORS | {"backup", "__queryableBackup"}),
    ("serverStatus", lambda c, r: c.admin.command("serverStatus"), CLUSTER_MONITORS | {"backup"}),
    ("hostInfo", lambda c, r: c.admin.command("hostInfo"), CLUSTER_MONITORS),
    ("getCmdLineOpts", lambda c, r: c.admin.command("getCmdLineOpts"), CLUSTER_MONITORS),
    ("getLog", lambda c, r: c.admin.command("getLog", "global"), CLUSTER_MONITORS),
    ("top", lambda c, r: c.admin.command("top"), CLUSTER_MONITORS),
    ("currentOp", lambda c, r: c.admin.command("currentOp"), CLUSTER_MONITORS),
    ("currentOp $ownOps", lambda c, r: c.admin.command("currentOp", **{"$ownOps": True}), EVERYONE),
    ("replSetGetStatus", lambda c, r: c.admin.command("replSetGetStatus"), CLUSTER_MONITORS | {"clusterManager"}),
    ("getParameter", lambda c, r: c.admin.command("getParameter", logLevel=1),
     CLUSTER_MONITORS | {"restore", "backup", "__queryableBackup"}),
    ("setParameter", lambda c, r: c.admin.command("setParameter", logLevel=0), HOST_MANAGERS),
    ("killOp", lambda c, r: c.admin.command("killOp", op=987654321), HOST_MANAGERS),
    ("killCursors (no such cursor)", lambda c, r: c.test.command("killCursors", "c", cursors=[123456789]),
     EVERYONE),
    ("fsync", lambda c, r: c.admin.command("fsync"), HOST_MANAGERS),
    ("logRotate", lambda c, r: c.admin.command("logRotate"), HOST_MANAGERS),
    ("createUser", lambda c, r: c.test.command("createUser", f"new_{r}", pwd=PASSWORD,
                                               roles=[{"role": "read", "db": "test"}]), USER_ADMINS),
    ("grantRolesToUser", lambda c, r: c.test.command("grantRolesToUser", "target",
                                                     roles=[{"role": "read", "db": "test"}]), USER_ADMINS),
    ("usersInfo", lambda c, r: c.test.command("usersInfo", 1), USER_ADMINS),
    ("usersInfo (self)", lambda c, r: c.admin.command("usersInfo", f"u_{r}"), EVERYONE),
    ("whatsmyuri", lambda c, r: c.admin.command("whatsmyuri"), EVERYONE),
]


@pytest.mark.parametrize(("name", "run", "expected"), CASES, ids=[case[0] for case in CASES])
def test_role_matrix(clients: dict[str, Client], name: str, run: Callable[[Client, str], Any],
                     expected: set[str]) -> None:
    allowed = allowed_roles(clients, run)
    assert allowed == expected, (f"{name}: unexpectedly allowed {sorted(allowed - expected)}, "
                                 f"unexpectedly denied {sorted(expected - allowed)}")


def test_shutdown_is_refused_to_roles_without_the_shutdown_action(clients: dict[str, Client]) -> None:
    """Only the refusals are exercised: an authorized shutdown would stop the shared server."""
    for role, client in clients.items():
        if role in HOST_MANAGERS:
            continue
        with pytest.raises(OperationFailure) as exc:
            client.admin.command("shutdown")
        assert exc.value.code == 13, role


def test_cursors_belong_to_their_user(secured: SimProcess, clients: dict[str, Client]) -> None:
    admin = secured.client(username="admin", password=PASSWORD)
    admin.test.cursor_docs.insert_many([{"i": i} for i in range(5)])
    owner = clients["read"]
    reply = owner.test.command("find", "cursor_docs", batchSize=1)
    cursor_id = reply["cursor"]["id"]
    with pytest.raises(OperationFailure) as exc:
        clients["readWrite"].test.command("getMore", cursor_id, collection="cursor_docs")
    assert exc.value.code == 13
    assert exc.value.details["errmsg"] == f"cursor id {cursor_id} was not created by the authenticated user"
    with pytest.raises(OperationFailure) as exc:
        clients["readWrite"].test.command("killCursors", "cursor_docs", cursors=[cursor_id])
    assert exc.value.code == 13
    assert len(owner.test.command("getMore", cursor_id, collection="cursor_docs", batchSize=1)
               ["cursor"]["nextBatch"]) == 1
    killed = clients["hostManager"].test.command("killCursors", "cursor_docs", cursors=[cursor_id])
    assert killed["cursorsKilled"] == [cursor_id]


def test_denial_and_unauthenticated_messages(secured: SimProcess, clients: dict[str, Client]) -> None:
    with pytest.raises(OperationFailure) as exc:
        clients["read"].test.c.insert_one({"a": 1})
    assert exc.value.code == 13
    assert str(exc.value.details["errmsg"]).startswith('not authorized on test to execute command { insert: "c"')
    anonymous = secured.client()
    with pytest.raises(OperationFailure) as exc:
        anonymous.test.c.find_one()
    assert exc.value.details["errmsg"] == "Command find requires authentication"
    assert anonymous.admin.command("ping")["ok"] == 1.0


def test_authorized_databases_lists_only_reachable_databases(clients: dict[str, Client]) -> None:
    assert clients["read"].list_database_names() == ["test"]
    assert clients["clusterMonitor"].list_database_names() == clients["root"].list_database_names()
    assert {"admin", "test"} <= set(clients["root"].list_database_names())
    assert clients["directShardOperations"].list_database_names() == []


def test_users_see_roles_they_hold_and_privilege_changes_apply_at_once(secured: SimProcess,
                                                                      clients: dict[str, Client]) -> None:
    admin = secured.client(username="admin", password=PASSWORD)
    admin.admin.command("createUser", "grower", pwd=PASSWORD, roles=[])
    grower = secured.client(username="grower", password=PASSWORD)
    with pytest.raises(OperationFailure):
        grower.test.c.find_one()
    admin.admin.command("grantRolesToUser", "grower", roles=[{"role": "read", "db": "test"}])
    assert grower.test.c.find_one() is not None
    admin.admin.command("revokeRolesFromUser", "grower", roles=[{"role": "read", "db": "test"}])
    with pytest.raises(OperationFailure):
        grower.test.c.find_one()
