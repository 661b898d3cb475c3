"""What each command needs: MongoDB's per-command access checks as data and small functions.

``RULES`` maps every command name (as registered; aliases resolve through ``CommandSpec.name``) to a rule: a
function of ``(ctx, db, cmd, privileges)`` returning the privileges the command needs, as the server's
``checkAuthForOperation`` / IDL ``access_check`` computes them from the command document:

* a tuple of ``(resource, action)`` pairs, all required (the common case: ``find`` needs ``find`` on the
  namespace);
* ``AnyOf(...)``: alternatives, any one of which suffices (``create`` accepts ``createCollection`` or ``insert``,
  ``renameCollection`` within a database accepts ``renameCollectionSameDB``...);
* ``()``: nothing beyond being authenticated (``whatsmyuri``, ``endSessions``, one's own cursors...).

A rule may also refuse outright (``getMore`` on another user's cursor). Internal commands (a leading underscore)
need the ``internal`` action, which only ``__system`` holds (``rule_for``).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mongosim.auth.privileges import ALL_ACTIONS, ANY, ANY_NORMAL, CLUSTER, PrivilegeSet, Resource
from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.context import CommandContext

Need = tuple[Resource, str]
Needs = tuple[Need, ...]


class AnyOf:
    """Alternatives: the command is authorized when every need of one of them is met."""

    __slots__ = ("options",)

    def __init__(self, *options: Needs) -> None:
        self.options = options


Requirement = Needs | AnyOf
Rule = Callable[["CommandContext", str, dict[str, Any], PrivilegeSet], Requirement]

NOTHING: Needs = ()
UNIVERSAL: Needs = tuple((ANY, action) for action in sorted(ALL_ACTIONS) if action != "anyAction")


# ------------------------------------------------------------------------------------------------- targets
def _first(cmd: dict[str, Any]) -> Any:
    """The value of the command's first field (the command name's argument)."""
    for value in cmd.values():
        return value
    return None


def _coll(db: str, cmd: dict[str, Any]) -> Resource:
    """The namespace named by the command's first field; the database when that is not a collection name."""
    name = _first(cmd)
    if isinstance(name, str) and name:
        return ("ns", db, name)
    return ("db", db)


def _full_ns(value: Any, db: str) -> Resource:
    """A resource for a full ``db.coll`` string (dataSize, renameCollection, applyOps, getShardVersion)."""
    if isinstance(value, str) and value:
        if "." in value:
            first, rest = value.split(".", 1)
            return ("ns", first, rest) if rest else ("db", first)
        return ("db", value)
    return ("db", db)


def _role_db(role: Any, db: str) -> str:
    if isinstance(role, dict) and isinstance(role.get("db"), str):
        return str(role["db"])
    return db


# ------------------------------------------------------------------------------------------------- builders
def on_namespace(action: str) -> Rule:
    def rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return ((_coll(db, cmd), action),)
    return rule


def on_database(action: str) -> Rule:
    def rule(ctx: CommandContext, db: str, _cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return ((("db", db), action),)
    return rule


def on_cluster(*actions: str) -> Rule:
    needs = tuple((CLUSTER, action) for action in actions)

    def rule(_ctx: CommandContext, db: str, _cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return needs
    return rule


def on_exact(db: str, coll: str, action: str) -> Rule:
    needs: Needs = ((("ns", db, coll), action),)

    def rule(_ctx: CommandContext, db: str, _cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return needs
    return rule


def authenticated(_ctx: CommandContext, db: str, _cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return NOTHING


INTERNAL = on_cluster("internal")


def _bypass(cmd: dict[str, Any], target: Resource) -> Needs:
    return ((target, "bypassDocumentValidation"),) if cmd.get("bypassDocumentValidation") is True else ()


# ------------------------------------------------------------------------------------------------- CRUD
def insert_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    target = _coll(db, cmd)
    return ((target, "insert"), *_bypass(cmd, target))


def update_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    target = _coll(db, cmd)
    updates = cmd.get("updates")
    upsert = isinstance(updates, list) and any(isinstance(u, dict) and u.get("upsert") is True for u in updates)
    return ((target, "update"), *(((target, "insert"),) if upsert else ()), *_bypass(cmd, target))


def find_and_modify_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    target = _coll(db, cmd)
    needs: list[Need] = [(target, "find")]
    if "update" in cmd:
        needs.append((target, "update"))
    if cmd.get("upsert") is True:
        needs.append((target, "insert"))
    if cmd.get("remove") is True:
        needs.append((target, "remove"))
    return (*needs, *_bypass(cmd, target))


def data_size_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((_full_ns(_first(cmd), db), "find"),)


def _cursor_owner(ctx: CommandContext, cursor: Any) -> list[tuple[str, str]] | None:
    """The users a cursor belongs to: those of the connection that opened it, while that connection lives."""
    conn = ctx.server.connections.get(cursor.connection_id) if cursor.connection_id is not None else None
    return _users(conn) if conn is not None else None


def _cursor_target(cursor: Any) -> Resource:
    db, _, coll = str(cursor.ns).partition(".")
    return ("ns", db, coll)


def get_more_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    # Users may only getMore their own cursors; the term field is for replica-set members only.
    if "term" in cmd:
        return ((CLUSTER, "internal"),)
    cursor_id = _first(cmd)
    cursor = ctx.server.cursors.get(cursor_id) if isinstance(cursor_id, int) and ctx.conn is not None else None
    if cursor is None:
        return NOTHING  # the command reports CursorNotFound
    owner = _cursor_owner(ctx, cursor)
    if owner is None:  # its connection closed: fall back to the right to read what it reads
        return ((_cursor_target(cursor), "find"),)
    if owner != _users(ctx.conn):
        raise CommandError("Unauthorized", f"cursor id {cursor_id} was not created by the authenticated user")
    return NOTHING


def kill_cursors_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    # Own cursors may always be killed, and ids that match no cursor are reported, not refused; anyone else's
    # cursor needs killAnyCursor (on the cluster or the namespace).
    target = _coll(db, cmd)
    ids = cmd.get("cursors")
    mine = _users(ctx.conn)
    for cursor_id in ids if isinstance(ids, list) and ctx.conn is not None else []:
        cursor = ctx.server.cursors.get(cursor_id) if isinstance(cursor_id, int) else None
        if cursor is not None and _cursor_owner(ctx, cursor) != mine:
            return AnyOf(((CLUSTER, "killAnyCursor"),), ((target, "killAnyCursor"),))
    return NOTHING


# ------------------------------------------------------------------------------------------------- aggregation
def _stage_needs(db: str, coll: Resource, stage: Any, bypass: bool) -> list[Need]:
    if not isinstance(stage, dict) or not stage:
        return []
    name, spec = next(iter(stage.items()))
    if name in ("$lookup", "$graphLookup", "$unionWith"):
        needs: list[Need] = []
        source = spec if isinstance(spec, str) else (spec.get("from") or spec.get("coll")) \
            if isinstance(spec, dict) else None
        if isinstance(source, dict):
            needs.append((("ns", str(source.get("db", db)), str(source.get("coll", ""))), "find"))
        elif isinstance(source, str):
            needs.append((("ns", db, source), "find"))
        if isinstance(spec, dict) and isinstance(spec.get("pipeline"), list):
            needs += pipeline_needs(db, coll, spec["pipeline"], bypass, nested=True)
        return needs
    if name == "$facet" and isinstance(spec, dict):
        return [need for sub in spec.values() if isinstance(sub, list)
                for need in pipeline_needs(db, coll, sub, bypass, nested=True)]
    if name == "$out":
        target = ("ns", db, spec) if isinstance(spec, str) else \
            ("ns", str(spec.get("db", db)), str(spec.get("coll", ""))) if isinstance(spec, dict) else coll
        out = [(target, "insert"), (target, "remove")]
        return out + ([(target, "bypassDocumentValidation")] if bypass else [])
    if name == "$merge":
        into = spec.get("into") if isinstance(spec, dict) else spec
        target = ("ns", db, into) if isinstance(into, str) else \
            ("ns", str(into.get("db", db)), str(into.get("coll", ""))) if isinstance(into, dict) else coll
        options = spec if isinstance(spec, dict) else {}
        merged = []
        if options.get("whenNotMatched", "insert") == "insert":
            merged.append((target, "insert"))
        if options.get("whenMatched", "merge") != "fail":
            merged.append((target, "update"))
        return merged + ([(target, "bypassDocumentValidation")] if bypass else [])
    if name == "$collStats":
        return [(coll, "collStats")]
    if name == "$indexStats":
        return [(coll, "indexStats")]
    if name == "$changeStream":
        return [(coll, "changeStream"), (coll, "find")]
    if name == "$currentOp":
        all_users = isinstance(spec, dict) and spec.get("allUsers") is True
        return [(CLUSTER, "inprog")] if all_users else []
    if name in ("$listSessions", "$listLocalSessions"):
        all_users = isinstance(spec, dict) and spec.get("allUsers") is True
        return [(CLUSTER, "listSessions")] if all_users else []
    if name == "$shardedDataDistribution":
        return [(CLUSTER, "shardedDataDistribution")]
    return []


# Stages that produce documents themselves rather than reading the collection (isInitialSource).
_INITIAL_SOURCES = frozenset({"$collStats", "$indexStats", "$currentOp", "$documents", "$listSessions",
                              "$listLocalSessions", "$changeStream", "$shardedDataDistribution",
                              "$listCatalog", "$planCacheStats", "$listSearchIndexes", "$queue"})


def pipeline_needs(db: str, coll: Resource, pipeline: list[Any], bypass: bool, nested: bool = False) -> list[Need]:
    needs: list[Need] = []
    first = pipeline[0] if pipeline else None
    first_name = next(iter(first), None) if isinstance(first, dict) else None
    if not nested and coll[0] == "ns" and first_name not in _INITIAL_SOURCES:
        needs.append((coll, "find"))
    for stage in pipeline:
        needs += _stage_needs(db, coll, stage, bypass)
    return needs


def aggregate_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    coll = _coll(db, cmd)
    pipeline = cmd.get("pipeline")
    if not isinstance(pipeline, list):
        return ((coll, "find"),)
    return tuple(pipeline_needs(db, coll, pipeline, cmd.get("bypassDocumentValidation") is True))


def explain_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    inner = cmd.get("explain")
    if not isinstance(inner, dict) or not inner:
        return ((("db", db), "find"),)
    name = next(iter(inner))
    rule = RULES.get(name)
    if rule is None or name == "explain":
        return UNIVERSAL
    return rule(ctx, db, inner, privileges)


# ------------------------------------------------------------------------------------------------- DDL
def create_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    target = _coll(db, cmd)
    capped: Needs = ((target, "convertToCapped"),) if cmd.get("capped") is True else ()
    view_on = cmd.get("viewOn")
    if isinstance(view_on, str):
        # A view only needs read rights on its source when its creator could read the view anyway.
        source: Needs = ()
        if privileges.allows(target, "find"):
            source = tuple(pipeline_needs(db, ("ns", db, view_on), cmd.get("pipeline") or [], False))
        return (*capped, (target, "createCollection"), *source)
    return AnyOf((*capped, (target, "createCollection")), (*capped, (target, "insert")))


def rename_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    source = _full_ns(cmd.get("renameCollection"), db)
    target = _full_ns(cmd.get("to"), db)
    drop_target = bool(cmd.get("dropTarget"))
    general = ((source, "find"), (source, "dropCollection"), (target, "insert"), (target, "createIndex"),
               *(((target, "dropCollection"),) if drop_target else ()))
    if source[0] == "ns" and target[0] == "ns" and source[1] == target[1] and \
            not source[2].startswith("system.") and not target[2].startswith("system."):
        same_db = ((("db", source[1]), "renameCollectionSameDB"),
                   *(((target, "dropCollection"),) if drop_target else ()))
        return AnyOf(same_db, general)
    return general


def clone_capped_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    source = _coll(db, cmd)
    to = cmd.get("toCollection")
    target: Resource = ("ns", db, to) if isinstance(to, str) and to else ("db", db)
    return ((source, "find"), (target, "insert"), (target, "createIndex"), *_bypass(cmd, target))


def profile_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    level = cmd.get("profile")
    enable: Needs = ((("db", db), "enableProfiler"),)
    global_settings = "slowms" in cmd or "sampleRate" in cmd
    if global_settings:
        # slowms and sampleRate are process-wide: they need the action on every database.
        return (*enable, (ANY_NORMAL, "enableProfiler"))
    if isinstance(level, (int, float)) and not isinstance(level, bool) and level < 0:
        return AnyOf(((("ns", db, "system.profile"), "find"),), enable)
    return enable


def apply_ops_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    ops = cmd.get("applyOps")
    if not isinstance(ops, list) or not ops:
        return UNIVERSAL  # an empty applyOps needs a superuser, as in the server
    always_upsert = cmd.get("alwaysUpsert", True) is not False
    bypass = cmd.get("bypassDocumentValidation") is True
    needs: list[Need] = [(CLUSTER, "applyOps")]
    for op in ops:
        if not isinstance(op, dict):
            continue
        kind = op.get("op")
        target = _full_ns(op.get("ns"), db)
        if "ui" in op:
            needs.append((CLUSTER, "useUUID"))
        if kind == "n":
            needs.append((CLUSTER, "appendOplogNote"))
        elif kind == "i":
            needs.append((target, "insert"))
        elif kind == "u":
            needs.append((target, "update"))
            if always_upsert or op.get("b") is True:
                needs.append((target, "insert"))
        elif kind == "d":
            needs.append((target, "remove"))
        elif kind == "c" and isinstance(op.get("o"), dict) and op["o"]:
            inner = op["o"]
            rule = RULES.get(next(iter(inner)))
            if rule is None:
                return UNIVERSAL
            found = rule(ctx, target[1], inner, privileges)
            needs += found.options[0] if isinstance(found, AnyOf) else found
        if bypass and kind in ("i", "u"):
            needs.append((target, "bypassDocumentValidation"))
    for precondition in cmd.get("preCondition") or []:
        if isinstance(precondition, dict):
            needs.append((_full_ns(precondition.get("ns"), db), "find"))
    return tuple(needs)


# ------------------------------------------------------------------------------------------------- admin
def current_op_rule(_ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    # {$ownOps: true} lists the caller's own operations only, which any authenticated user may see.
    return NOTHING if cmd.get("$ownOps") is True else ((CLUSTER, "inprog"),)


def kill_op_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    # Users may kill their own operations; killing anyone else's needs killop.
    op = cmd.get("op")
    target = None
    if isinstance(op, (int, float)) and not isinstance(op, bool):
        target = ctx.server.active_ops.get(int(op))
    if target is not None and target.conn is not None and ctx.conn is not None and \
            _users(target.conn) and _users(target.conn) == _users(ctx.conn):
        return NOTHING
    return ((CLUSTER, "killop"),)


def list_databases_rule(_ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    # Without listDatabases, authorizedDatabases (default true) lists only the databases the user can reach.
    if cmd.get("authorizedDatabases") is False or privileges.allows(CLUSTER, "listDatabases"):
        return ((CLUSTER, "listDatabases"),)
    return NOTHING


def list_collections_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    if cmd.get("authorizedCollections") is True and cmd.get("nameOnly") is True and \
            privileges.has_any_on_db(db):
        return NOTHING
    return ((("db", db), "listCollections"),)


def diagnostic_data_rule(_ctx: CommandContext, db: str, _cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((CLUSTER, "serverStatus"), (CLUSTER, "replSetGetStatus"), (CLUSTER, "connPoolStats"),
            (("ns", "local", "oplog.rs"), "collStats"))


def kill_sessions_by_pattern_rule(_ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    patterns = cmd.get("killAllSessionsByPattern")
    impersonate = isinstance(patterns, list) and any(
        isinstance(p, dict) and ("users" in p or "roles" in p) for p in patterns)
    return ((CLUSTER, "killAnySession"), *(((CLUSTER, "impersonate"),) if impersonate else ()))


def shard_version_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((_full_ns(_first(cmd), db), "getShardVersion"),)


def on_full_namespace(action: str) -> Rule:
    """Sharding commands on mongos name their collection as a full namespace (shardCollection: "db.coll")."""
    def rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return ((_full_ns(_first(cmd), db), action),)
    return rule


# ------------------------------------------------------------------------------------------------- users and roles
def _self(ctx: CommandContext, user: Any, db: str) -> bool:
    return ctx.conn is not None and (user, db) in _users(ctx.conn)


def _grant_roles(roles: Any, db: str, action: str) -> list[Need]:
    return [(("db", _role_db(role, db)), action) for role in roles] if isinstance(roles, list) else []


def _grant_privileges(privileges: Any, action: str) -> list[Need]:
    needs: list[Need] = []
    for entry in privileges if isinstance(privileges, list) else []:
        resource = entry.get("resource") if isinstance(entry, dict) else None
        if isinstance(resource, dict) and isinstance(resource.get("db"), str) and resource["db"]:
            needs.append((("db", resource["db"]), action))
        else:  # cluster-wide or multi-database privileges are granted from admin
            needs.append((("db", "admin"), action))
    return needs


def _restrictions(cmd: dict[str, Any], db: str) -> list[Need]:
    return [(("db", db), "setAuthenticationRestriction")] if "authenticationRestrictions" in cmd else []


def create_user_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((("db", db), "createUser"), *_grant_roles(cmd.get("roles"), db, "grantRole"),
            *_restrictions(cmd, db))


def update_user_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], privileges: PrivilegeSet) -> Requirement:
    own = _self(ctx, cmd.get("updateUser"), db)
    needs: list[Need] = []
    for field, other, mine in (("pwd", "changePassword", "changeOwnPassword"),
                               ("customData", "changeCustomData", "changeOwnCustomData")):
        if field in cmd and not (own and privileges.allows(("db", db), mine)):
            needs.append((("db", db), other))
    return (*needs, *_grant_roles(cmd.get("roles"), db, "grantRole"), *_restrictions(cmd, db))


def _named(value: Any, db: str, field: str) -> list[tuple[str, str]] | None:
    """The (name, db) pairs a usersInfo/rolesInfo argument names; None for "every one on this database"."""
    items = value if isinstance(value, list) else [value]
    named: list[tuple[str, str]] = []
    for item in items:
        if isinstance(item, str):
            named.append((item, db))
        elif isinstance(item, dict) and isinstance(item.get(field), str):
            named.append((item[field], str(item.get("db", db))))
        else:
            return None
    return named


def users_info_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    value = cmd.get("usersInfo")
    if isinstance(value, dict) and value.get("forAllDBs") is True:
        return ((CLUSTER, "viewUser"),)
    named = _named(value, db, "user")
    if named is None:
        return ((("db", db), "viewUser"),)
    # Users may always look at themselves.
    return tuple((("db", db), "viewUser") for user, db in named if not _self(ctx, user, db))


def roles_info_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    value = cmd.get("rolesInfo")
    if isinstance(value, dict) and value.get("forAllDBs") is True:
        return ((CLUSTER, "viewRole"),)
    named = _named(value, db, "role")
    if named is None:
        return ((("db", db), "viewRole"),)
    held = _roles(ctx)
    return tuple((("db", db), "viewRole") for role, db in named if (role, db) not in held)


def create_role_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((("db", db), "createRole"), *_grant_roles(cmd.get("roles"), db, "grantRole"),
            *_grant_privileges(cmd.get("privileges"), "grantRole"), *_restrictions(cmd, db))


def update_role_rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
    return ((("db", db), "grantRole"), (("db", db), "revokeRole"),
            *_grant_roles(cmd.get("roles"), db, "grantRole"),
            *_grant_privileges(cmd.get("privileges"), "grantRole"), *_restrictions(cmd, db))


def roles_field(action: str) -> Rule:
    def rule(ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return tuple(_grant_roles(cmd.get("roles"), db, action))
    return rule


def privileges_field(action: str) -> Rule:
    def rule(_ctx: CommandContext, db: str, cmd: dict[str, Any], _p: PrivilegeSet) -> Requirement:
        return tuple(_grant_privileges(cmd.get("privileges"), action))
    return rule


# ------------------------------------------------------------------------------------------------- the table
RULES: dict[str, Rule] = {
    # No privileges: pre-authentication commands (no_auth) and commands any authenticated user may run.
    **dict.fromkeys(["hello", "isMaster", "ismaster", "buildInfo", "buildinfo", "ping", "connectionStatus",
                     "listCommands", "saslStart", "saslContinue", "authenticate", "logout", "whatsmyuri",
                     "startSession", "endSessions", "refreshSessions", "killSessions", "abortTransaction",
                     "commitTransaction"], authenticated),
    # Reads and writes.
    "find": on_namespace("find"),
    "count": on_namespace("find"),
    "distinct": on_namespace("find"),
    "dataSize": data_size_rule,
    "getMore": get_more_rule,
    "killCursors": kill_cursors_rule,
    "insert": insert_rule,
    "update": update_rule,
    "delete": on_namespace("remove"),
    "findAndModify": find_and_modify_rule,
    "aggregate": aggregate_rule,
    "explain": explain_rule,
    # Catalog.
    "listCollections": list_collections_rule,
    "listIndexes": on_namespace("listIndexes"),
    "listDatabases": list_databases_rule,
    "create": create_rule,
    "drop": on_namespace("dropCollection"),
    "dropDatabase": on_database("dropDatabase"),
    "createIndexes": on_namespace("createIndex"),
    "dropIndexes": on_namespace("dropIndex"),
    "collMod": on_namespace("collMod"),
    "convertToCapped": on_namespace("convertToCapped"),
    "cloneCollectionAsCapped": clone_capped_rule,
    "renameCollection": rename_rule,
    "applyOps": apply_ops_rule,
    "collStats": on_namespace("collStats"),
    "dbStats": on_database("dbStats"),
    "validate": on_namespace("validate"),
    "profile": profile_rule,
    # Server administration and diagnostics.
    "serverStatus": on_cluster("serverStatus"),
    "hostInfo": on_cluster("hostInfo"),
    "getCmdLineOpts": on_cluster("getCmdLineOpts"),
    "getLog": on_cluster("getLog"),
    "getParameter": on_cluster("getParameter"),
    "setParameter": on_cluster("setParameter"),
    "logRotate": on_cluster("logRotate"),
    "rotateCertificates": on_cluster("rotateCertificates"),
    # PSMDB's audit commands: applicationMessage on the cluster; the options need only a login.
    "logApplicationMessage": on_cluster("applicationMessage"),
    "auditGetOptions": authenticated,
    "shutdown": on_cluster("shutdown"),
    "fsync": on_cluster("fsync"),
    "fsyncUnlock": lambda _c, _db, _d, _p: AnyOf(((CLUSTER, "fsyncUnlock"),), ((CLUSTER, "unlock"),)),
    "top": on_cluster("top"),
    "lockInfo": on_cluster("serverStatus"),
    "getDiagnosticData": diagnostic_data_rule,
    "currentOp": current_op_rule,
    "killOp": kill_op_rule,
    "killAllSessions": on_cluster("killAnySession"),
    "killAllSessionsByPattern": kill_sessions_by_pattern_rule,
    "invalidateUserCache": on_cluster("invalidateUserCache"),
    # Replication.
    "replSetGetStatus": on_cluster("replSetGetStatus"),
    "replSetGetConfig": on_cluster("replSetGetConfig"),
    "replSetInitiate": on_cluster("replSetConfigure"),
    "replSetReconfig": on_cluster("replSetConfigure"),
    **dict.fromkeys(["replSetStepDown", "replSetStepUp", "replSetFreeze", "replSetMaintenance", "replSetSyncFrom",
                     "replSetAbortPrimaryCatchUp"], on_cluster("replSetStateChange")),
    "replSetResizeOplog": on_cluster("replSetResizeOplog"),
    "appendOplogNote": on_cluster("appendOplogNote"),
    **dict.fromkeys(["replSetHeartbeat", "replSetRequestVotes", "replSetUpdatePosition", "replSetGetRBID"],
                    INTERNAL),
    # Sharding (mongos and shards).
    "shardingState": on_cluster("shardingState"),
    "getShardVersion": shard_version_rule,
    "addShard": on_cluster("addShard"),
    "removeShard": on_cluster("removeShard"),
    "listShards": on_cluster("listShards"),
    "getShardMap": on_cluster("getShardMap"),
    "flushRouterConfig": on_cluster("flushRouterConfig"),
    "balancerStart": on_exact("config", "settings", "update"),
    "balancerStop": on_exact("config", "settings", "update"),
    "balancerStatus": on_exact("config", "settings", "find"),
    "enableSharding": on_full_namespace("enableSharding"),
    "shardCollection": on_full_namespace("enableSharding"),
    "split": on_full_namespace("splitChunk"),
    "mergeChunks": on_full_namespace("splitChunk"),
    "moveChunk": on_full_namespace("moveChunk"),
    "moveRange": on_full_namespace("moveChunk"),
    "movePrimary": on_full_namespace("moveChunk"),
    "balancerCollectionStatus": on_full_namespace("enableSharding"),
    "configureCollectionBalancing": on_full_namespace("enableSharding"),
    "cleanupOrphaned": on_cluster("cleanupOrphaned"),
    "connPoolStats": on_cluster("connPoolStats"),
    # Zones: enableSharding on the cluster, or write access to the config collections the command changes.
    "addShardToZone": lambda _c, _db, _d, _p: AnyOf(((CLUSTER, "enableSharding"),),
                                                    ((("ns", "config", "shards"), "update"),)),
    "removeShardFromZone": lambda _c, _db, _d, _p: AnyOf(((CLUSTER, "enableSharding"),), (
        (("ns", "config", "shards"), "update"), (("ns", "config", "tags"), "find"))),
    "updateZoneKeyRange": lambda _c, _db, _d, _p: AnyOf(((CLUSTER, "enableSharding"),), (
        (("ns", "config", "tags"), "update"), (("ns", "config", "tags"), "remove"))),
    # Users and roles.
    "createUser": create_user_rule,
    "updateUser": update_user_rule,
    "dropUser": on_database("dropUser"),
    "dropAllUsersFromDatabase": on_database("dropUser"),
    "usersInfo": users_info_rule,
    "grantRolesToUser": roles_field("grantRole"),
    "revokeRolesFromUser": roles_field("revokeRole"),
    "createRole": create_role_rule,
    "updateRole": update_role_rule,
    "dropRole": on_database("dropRole"),
    "dropAllRolesFromDatabase": on_database("dropRole"),
    "rolesInfo": roles_info_rule,
    "grantPrivilegesToRole": privileges_field("grantRole"),
    "revokePrivilegesFromRole": privileges_field("revokeRole"),
    "grantRolesToRole": roles_field("grantRole"),
    "revokeRolesFromRole": roles_field("revokeRole"),
}


def rule_for(name: str) -> Rule | None:
    """The rule for a command name; every internal command (``_configsvr*``, ``_shardsvr*``, ``_recvChunk*``,
    ``_migrateClone``, ``_transferMods``...) needs the ``internal`` action, which only ``__system`` holds."""
    rule = RULES.get(name)
    if rule is None and name.startswith("_"):
        return INTERNAL
    return rule


# ------------------------------------------------------------------------------------------------- sessions
def _users(conn: Any) -> list[tuple[str, str]]:
    session = getattr(conn, "auth", None)
    return list(getattr(session, "users", None) or [])


def _roles(ctx: CommandContext) -> set[tuple[str, str]]:
    session = getattr(ctx.conn, "auth", None)
    return {(r["role"], r["db"]) for r in getattr(session, "all_roles", None) or []}
