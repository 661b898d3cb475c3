"""Authorization logic without a server: resource matching, built-in roles, role resolution, per-command rules.

Expectations follow MongoDB's ``buildResourceSearchList`` (authorization_session_impl.cpp), the built-in role
definitions (docs: reference/built-in-roles; server: builtin_roles.yml) and the commands' access checks
(docs: reference/privilege-actions; server: authorization_checks.cpp and the commands' checkAuthForOperation).
"""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any

import pytest

from mongosim.auth import authz, roles
from mongosim.auth.privileges import (
    ANY,
    ANY_NORMAL,
    CLUSTER,
    Privilege,
    PrivilegeSet,
    parse_resource,
    resource_document,
    search_list,
)
from mongosim.cursors import CursorManager
from mongosim.errors import CommandError


def no_roles(_role: str, _db: str) -> dict[str, Any] | None:
    return None


def privileges_for(*role_docs: dict[str, str], lookup: Any = no_roles) -> PrivilegeSet:
    return roles.resolve(list(role_docs), lookup)[1]


def role(name: str, db: str = "admin") -> dict[str, str]:
    return {"role": name, "db": db}


class FakeSession:
    def __init__(self, users: list[tuple[str, str]], privileges: PrivilegeSet | None = None,
                 localhost: bool = False) -> None:
        self.users = users
        self.privileges = privileges or PrivilegeSet()
        self.all_roles: list[dict[str, str]] = []
        self.localhost_exception = localhost

    @property
    def is_authenticated(self) -> bool:
        return bool(self.users)


def context(db: str, cmd: dict[str, Any], session: FakeSession | None = None) -> Any:
    conn = SimpleNamespace(auth=session or FakeSession([("u", "test")]))
    server = SimpleNamespace(active_ops={}, cursors=CursorManager(), connections={})
    return SimpleNamespace(db=db, name=next(iter(cmd)), cmd=cmd, conn=conn, server=server)


def spec(name: str, no_auth: bool = False) -> Any:
    return SimpleNamespace(name=name, no_auth=no_auth)


def allowed(privileges: PrivilegeSet, db: str, cmd: dict[str, Any]) -> bool:
    session = FakeSession([("u", "test")], privileges)
    try:
        authz.check(context(db, cmd, session), spec(next(iter(cmd))))
    except CommandError as exc:
        assert exc.code == 13
        return False
    return True


# ------------------------------------------------------------------------------------------------ resources
@pytest.mark.parametrize(("target", "expected"), [
    (("ns", "test", "c"), [ANY, ANY_NORMAL, ("db", "test"), ("coll", "c"), ("ns", "test", "c")]),
    (("ns", "test", "system.js"), [ANY, ("coll", "system.js"), ("ns", "test", "system.js")]),
    (("ns", "local", "oplog.rs"), [ANY, ("db", "local"), ("coll", "oplog.rs"), ("ns", "local", "oplog.rs")]),
    (("ns", "local", "replset.minvalid"), [ANY, ("coll", "replset.minvalid"), ("ns", "local", "replset.minvalid")]),
    (("db", "test"), [ANY, ANY_NORMAL, ("db", "test")]),
    (("db", "config"), [ANY, ("db", "config")]),
    (CLUSTER, [ANY, CLUSTER]),
])
def test_search_list_follows_the_server(target: tuple[str, ...], expected: list[tuple[str, ...]]) -> None:
    assert list(search_list(target)) == expected


def test_time_series_buckets_are_matched_by_bucket_patterns_only() -> None:
    found = search_list(("ns", "test", "system.buckets.weather"))
    assert ("anySystemBuckets",) in found and ("systemBucketsInDb", "test") in found
    assert ANY_NORMAL not in found and ("db", "test") not in found


@pytest.mark.parametrize("doc", [{"anyResource": True}, {"cluster": True}, {"db": "", "collection": ""},
                                 {"db": "a", "collection": ""}, {"db": "", "collection": "c"},
                                 {"db": "a", "collection": "c"}, {"db": "a", "system_buckets": "w"}])
def test_resource_documents_round_trip(doc: dict[str, Any]) -> None:
    assert resource_document(parse_resource(doc)) == doc


def test_privilege_documents_are_validated() -> None:
    assert Privilege.from_document({"resource": {"db": "a", "collection": ""}, "actions": ["find"]}) == \
        Privilege(("db", "a"), frozenset({"find"}))
    with pytest.raises(CommandError) as exc:
        Privilege.from_document({"resource": {"db": "a", "collection": ""}, "actions": ["fly"]})
    assert "Unrecognized action privilege string: fly" in exc.value.errmsg
    with pytest.raises(CommandError):
        Privilege.from_document({"resource": {"db": "a"}, "actions": ["find"]})


def test_any_action_grants_everything() -> None:
    privileges = PrivilegeSet([Privilege(ANY, frozenset({"anyAction"}))])
    assert privileges.allows(CLUSTER, "internal") and privileges.allows(("ns", "x", "system.users"), "remove")


# ------------------------------------------------------------------------------------------------ built-in roles
def test_read_reaches_normal_collections_and_system_js_of_its_database_only() -> None:
    read = privileges_for(role("read", "test"))
    assert read.allows(("ns", "test", "c"), "find")
    assert read.allows(("ns", "test", "system.js"), "find")
    assert not read.allows(("ns", "test", "system.profile"), "find")
    assert not read.allows(("ns", "other", "c"), "find")
    assert not read.allows(("ns", "test", "c"), "insert")


def test_any_database_roles_exclude_local_config_and_system_collections() -> None:
    read_any = privileges_for(role("readAnyDatabase"))
    assert read_any.allows(("ns", "x", "c"), "find") and read_any.allows(CLUSTER, "listDatabases")
    assert not read_any.allows(("ns", "local", "oplog.rs"), "find")
    assert not read_any.allows(("ns", "config", "chunks"), "find")
    assert not read_any.allows(("ns", "admin", "system.users"), "find")


def test_inherited_roles() -> None:
    owner = roles.resolve([role("dbOwner", "test")], no_roles)
    assert {r["role"] for r in owner[0]} == {"dbOwner", "readWrite", "dbAdmin", "userAdmin"}
    assert owner[1].allows(("db", "test"), "createUser") and owner[1].allows(("ns", "test", "c"), "insert")
    root = roles.resolve([role("root")], no_roles)
    names = [r["role"] for r in root[0]]
    assert names[0] == "root" and {"clusterAdmin", "clusterMonitor", "backup", "__queryableBackup",
                                   "readAnyDatabase"} <= set(names)
    assert root[1].allows(CLUSTER, "shutdown") and root[1].allows(("ns", "local", "oplog.rs"), "find")
    assert not root[1].allows(CLUSTER, "internal")


def test_cluster_monitor_reads_local_and_config() -> None:
    monitor = privileges_for(role("clusterMonitor"))
    assert monitor.allows(("ns", "local", "oplog.rs"), "find")
    assert monitor.allows(("ns", "config", "chunks"), "find")
    assert monitor.allows(CLUSTER, "serverStatus") and not monitor.allows(CLUSTER, "setParameter")


def test_admin_only_roles_do_not_exist_on_other_databases() -> None:
    assert roles.is_builtin("root", "admin") and not roles.is_builtin("root", "test")
    assert roles.is_builtin("read", "test") and roles.is_builtin("read")
    assert roles.resolve([role("root", "test")], no_roles) == ([], PrivilegeSet())


def test_custom_roles_expand_cycle_safe() -> None:
    stored = {
        ("a", "test"): {"privileges": [{"resource": {"db": "test", "collection": "x"}, "actions": ["insert"]}],
                        "roles": [{"role": "b", "db": "test"}]},
        ("b", "test"): {"privileges": [], "roles": [{"role": "a", "db": "test"}, {"role": "read", "db": "test"}]},
    }
    found, privileges = roles.resolve([role("a", "test")], lambda name, db: stored.get((name, db)))
    assert [r["role"] for r in found] == ["a", "b", "read"]
    assert privileges.allows(("ns", "test", "x"), "insert") and privileges.allows(("ns", "test", "y"), "find")
    assert not privileges.allows(("ns", "test", "y"), "insert")


def test_builtin_role_info() -> None:
    info = roles.builtin_role_info("dbOwner", "test", show_privileges=True)
    assert info["isBuiltin"] is True and info["roles"][0] == {"role": "readWrite", "db": "test"}
    assert {"role": "userAdmin", "db": "test"} in info["inheritedRoles"]
    assert info["privileges"] == []
    assert any(p["resource"] == {"db": "test", "collection": ""} and "createUser" in p["actions"]
               for p in info["inheritedPrivileges"])


# ------------------------------------------------------------------------------------------------ command rules
READ = privileges_for(role("read", "test"))
READ_WRITE = privileges_for(role("readWrite", "test"))


@pytest.mark.parametrize(("privileges", "db", "cmd", "expected"), [
    (READ, "test", {"find": "c"}, True),
    (READ, "other", {"find": "c"}, False),
    (READ, "test", {"insert": "c", "documents": [{}]}, False),
    (READ_WRITE, "test", {"insert": "c", "documents": [{}]}, True),
    (READ_WRITE, "test", {"insert": "c", "bypassDocumentValidation": True}, False),
    (READ_WRITE, "test", {"update": "c", "updates": [{"q": {}, "u": {}, "upsert": True}]}, True),
    (privileges_for(role("dbAdmin", "test")), "test", {"update": "c", "updates": [{"q": {}, "u": {}}]}, False),
    (READ, "test", {"findAndModify": "c", "query": {}, "remove": True}, False),
    (READ, "test", {"aggregate": "c", "pipeline": [{"$match": {}}], "cursor": {}}, True),
    (READ, "test", {"aggregate": "c", "pipeline": [{"$out": "d"}], "cursor": {}}, False),
    (READ_WRITE, "test", {"aggregate": "c", "pipeline": [{"$out": "d"}], "cursor": {}}, True),
    (READ, "test", {"aggregate": "c", "pipeline": [{"$lookup": {"from": {"db": "other", "coll": "x"},
                                                                "as": "j", "pipeline": []}}]}, False),
    (READ, "test", {"aggregate": 1, "pipeline": [{"$documents": [{"a": 1}]}], "cursor": {}}, True),
    (READ, "admin", {"aggregate": 1, "pipeline": [{"$currentOp": {"allUsers": True}}], "cursor": {}}, False),
    (READ, "test", {"explain": {"find": "c"}}, True),
    (READ, "test", {"explain": {"delete": "c", "deletes": []}}, False),
    (READ, "test", {"create": "c"}, False),
    (READ_WRITE, "test", {"create": "c"}, True),
    (READ_WRITE, "admin", {"renameCollection": "test.a", "to": "test.b"}, True),
    (READ_WRITE, "admin", {"renameCollection": "test.a", "to": "other.b"}, False),
    (READ, "test", {"listCollections": 1}, True),
    (READ, "other", {"listCollections": 1}, False),
    (privileges_for(role("readWrite", "test")), "admin", {"listDatabases": 1}, True),
    (READ, "admin", {"listDatabases": 1, "authorizedDatabases": False}, False),
    (READ, "test", {"profile": -1}, False),
    (privileges_for(role("dbAdmin", "test")), "test", {"profile": 1}, True),
    (privileges_for(role("dbAdmin", "test")), "test", {"profile": 1, "slowms": 5}, False),
    (privileges_for(role("dbAdminAnyDatabase")), "test", {"profile": 1, "slowms": 5}, True),
    (READ, "admin", {"currentOp": 1}, False),
    (READ, "admin", {"currentOp": 1, "$ownOps": True}, True),
    (READ, "test", {"getMore": 5, "collection": "c"}, True),
    (READ, "test", {"getMore": 5, "collection": "c", "term": 1}, False),
    (READ, "test", {"whatsmyuri": 1}, True),
    (READ, "admin", {"applyOps": [{"op": "i", "ns": "test.c", "o": {}}]}, False),
    (privileges_for(role("restore")), "admin", {"applyOps": [{"op": "i", "ns": "test.c", "o": {}}]}, True),
    (privileges_for(role("root")), "admin", {"applyOps": []}, False),
    (privileges_for(role("hostManager")), "admin", {"fsyncUnlock": 1}, True),
    (privileges_for(role("clusterMonitor")), "admin", {"getDiagnosticData": 1}, True),
    (privileges_for(role("userAdmin", "test")), "test", {"createUser": "x", "pwd": "p", "roles": ["read"]}, True),
    (privileges_for(role("userAdmin", "test")), "test",
     {"createUser": "x", "pwd": "p", "roles": [{"role": "read", "db": "other"}]}, False),
    (READ, "test", {"usersInfo": "someoneElse"}, False),
    (READ, "test", {"usersInfo": "u"}, True),
    (READ, "admin", {"_shardsvrMoveRange": "test.c"}, False),
    (privileges_for(role("root")), "admin", {"_recvChunkStart": "test.c"}, False),
    (privileges_for(role("__system")), "admin", {"_recvChunkStart": "test.c"}, True),
])
def test_command_rules(privileges: PrivilegeSet, db: str, cmd: dict[str, Any], expected: bool) -> None:
    assert allowed(privileges, db, cmd) is expected


def test_unauthenticated_commands_need_authentication_unless_no_auth() -> None:
    ctx = context("test", {"find": "c"}, FakeSession([]))
    with pytest.raises(CommandError) as exc:
        authz.check(ctx, spec("find"))
    assert exc.value.code == 13 and exc.value.errmsg == "Command find requires authentication"
    authz.check(context("admin", {"hello": 1}, FakeSession([])), spec("hello", no_auth=True))


def test_denial_message_renders_the_command_without_the_password() -> None:
    ctx = context("test", {"createUser": "x", "pwd": "secret", "roles": [], "$db": "test"},
                  FakeSession([("u", "test")], READ))
    with pytest.raises(CommandError) as exc:
        authz.check(ctx, spec("createUser"))
    assert exc.value.errmsg == ('not authorized on test to execute command { createUser: "x", pwd: "xxx", '
                                 'roles: [], $db: "test" }')


def test_localhost_exception_allows_only_bootstrapping() -> None:
    session = FakeSession([], localhost=True)
    authz.check(context("admin", {"createUser": "a", "pwd": "p", "roles": ["root"]}, session), spec("createUser"))
    authz.check(context("admin", {"replSetInitiate": {}}, session), spec("replSetInitiate"))
    authz.check(context("admin", {"whatsmyuri": 1}, session), spec("whatsmyuri"))
    for db, cmd in [("test", {"createUser": "a", "pwd": "p", "roles": []}),
                    ("admin", {"createUser": "a", "pwd": "p", "roles": [{"role": "read", "db": "test"}]}),
                    ("admin", {"createRole": "r", "privileges": [], "roles": []}),
                    ("test", {"find": "c"}), ("admin", {"listDatabases": 1, "authorizedDatabases": False})]:
        with pytest.raises(CommandError) as exc:
            authz.check(context(db, cmd, session), spec(next(iter(cmd))))
        assert exc.value.errmsg.startswith("not authorized on")


def test_filters_for_listing() -> None:
    ctx = context("admin", {"listDatabases": 1}, FakeSession([("u", "test")], READ))
    visible = authz.database_filter(ctx)
    assert visible is not None and visible("test") and not visible("other")
    ctx.server.config = SimpleNamespace(auth=False)  # access control off: authenticated users see everything
    assert authz.database_filter(ctx) is None
    ctx = context("admin", {"listDatabases": 1}, FakeSession([("u", "admin")], privileges_for(role("root"))))
    assert authz.database_filter(ctx) is None
    stored = {("r", "test"): {"privileges": [{"resource": {"db": "test", "collection": "x"}, "actions": ["find"]}],
                              "roles": []}}
    narrow = privileges_for(role("r", "test"), lookup=lambda name, db: stored.get((name, db)))
    ctx = context("test", {"listCollections": 1, "authorizedCollections": True, "nameOnly": True},
                  FakeSession([("u", "test")], narrow))
    authz.check(ctx, spec("listCollections"))
    shown = authz.collection_filter(ctx)
    assert shown is not None and shown("x") and not shown("y")
