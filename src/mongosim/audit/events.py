"""Which server hooks record which audit event, and the ``param`` of each (PSMDB's ``audit.cpp`` shapes).

- ``authenticate`` {user, db, mechanism}: ``commands/auth.py`` calls ``authentication`` when a SASL
  conversation succeeds (result 0) or fails (the real error's code: 18 AuthenticationFailed, 11 UserNotFound);
  a speculative attempt that fails at its first step is not recorded, as in 8.0.
- ``authCheck`` {command, ns, args}: the authorization check is wrapped; a refusal is recorded with result 13,
  a success only while ``auditAuthorizationSuccess`` is true. Passwords in ``args`` show as ``"xxx"``.
- user and role management (mongod): recorded from the command document once the command succeeded. ``param``
  says whether a password was given (``password: true``), never the password or credentials.
- schema (mongod): the storage engine's catalog changes — createDatabase, createCollection, createIndex (a
  "IndexBuildStarted" and a "IndexBuildSucceeded" event per index, the ``_id`` index of a new collection
  included), dropIndex, renameCollection, dropCollection, dropDatabase — attributed to the client whose command
  made them (a context variable set before each command), else to the server itself.
- ``replSetReconfig`` {old, new}, ``addShard`` / ``removeShard`` / ``enableSharding`` / ``shardCollection``
  (mongos), ``applicationMessage`` {msg} (``logApplicationMessage``), and ``shutdown`` {} as the last event.
"""

from __future__ import annotations

import contextvars
from typing import TYPE_CHECKING, Any

from mongosim import parameters
from mongosim.audit.log import AuditLog
from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.commands import CommandSpec
    from mongosim.connection import Connection
    from mongosim.context import CommandContext
    from mongosim.server import Server
    from mongosim.storage.collection import Collection

# The command whose work is running (per connection callback and per task): catalog changes are its events.
_CURRENT: contextvars.ContextVar[CommandContext | None] = contextvars.ContextVar("audit_command", default=None)

_USER_COMMANDS = frozenset({"createUser", "updateUser", "dropUser", "dropAllUsersFromDatabase", "grantRolesToUser",
                            "revokeRolesFromUser", "createRole", "updateRole", "dropRole", "dropAllRolesFromDatabase",
                            "grantRolesToRole", "revokeRolesFromRole", "grantPrivilegesToRole",
                            "revokePrivilegesFromRole"})
_ROUTER_COMMANDS = frozenset({"addShard", "removeShard", "enableSharding", "shardCollection"})
# Commands whose first value names a collection of the command's database (authCheck's ``ns``).
_COLLECTION_COMMANDS = frozenset({"find", "count", "distinct", "aggregate", "insert", "update", "delete",
                                  "findAndModify", "create", "drop", "createIndexes", "dropIndexes", "listIndexes",
                                  "collMod", "collStats", "validate", "convertToCapped", "cloneCollectionAsCapped",
                                  "dataSize", "explain", "getMore", "killCursors"})


def audit_of(server: Server) -> AuditLog | None:
    log: AuditLog | None = getattr(server, "audit", None)
    return log


# ------------------------------------------------------------------------------------------------- authentication
def authentication(server: Server, conn: Connection, mechanism: str, user: str, db: str, result: int) -> None:
    log = audit_of(server)
    if log is not None:
        log.event("authenticate", {"user": user, "db": db, "mechanism": mechanism}, result, conn)


def _shown_args(cmd: dict[str, Any]) -> dict[str, Any]:
    return {key: ("xxx" if key == "pwd" else value) for key, value in cmd.items()}


def _auth_check_ns(ctx: CommandContext) -> str:
    first = ctx.cmd.get(ctx.name)
    if ctx.name == "getMore":
        first = ctx.cmd.get("collection")
    if ctx.name in _COLLECTION_COMMANDS and isinstance(first, str) and first:
        return f"{ctx.db}.{first}"
    return ctx.db


def _audited_check(log: AuditLog, server: Server, check: Any) -> Any:
    def audited(ctx: CommandContext, spec: CommandSpec) -> None:
        try:
            check(ctx, spec)
        except CommandError as exc:
            if exc.code == 13:
                _auth_check(log, ctx, 13)
            raise
        if not spec.no_auth and ctx.conn is not None and parameters.value(server, "auditAuthorizationSuccess"):
            _auth_check(log, ctx, 0)

    return audited


def _auth_check(log: AuditLog, ctx: CommandContext, result: int) -> None:
    ns = _auth_check_ns(ctx)
    param: dict[str, Any] = {"command": ctx.name}
    if ns:
        param["ns"] = ns
    param["args"] = _shown_args(ctx.cmd)
    log.event("authCheck", param, result, ctx.conn)


# ------------------------------------------------------------------------------------------------- users and roles
def _role_names(roles: Any, db: str) -> list[dict[str, Any]]:
    out: list[dict[str, Any]] = []
    for role in roles if isinstance(roles, list) else []:
        if isinstance(role, str):
            out.append({"role": role, "db": db})
        elif isinstance(role, dict):
            out.append({"role": role.get("role"), "db": role.get("db", db)})
    return out


def _privileges(privileges: Any) -> list[dict[str, Any]]:
    out = []
    for privilege in privileges if isinstance(privileges, list) else []:
        if not isinstance(privilege, dict):
            continue
        resource = privilege.get("resource") or {}
        if resource.get("cluster"):
            shown: dict[str, Any] = {"cluster": True}
        elif resource.get("anyResource"):
            shown = {"anyResource": True}
        else:
            shown = {"db": resource.get("db"), "collection": resource.get("collection")}
        actions = privilege.get("actions")
        out.append({"resource": shown, "actions": sorted(a for a in actions or [] if isinstance(a, str))})
    return out


def user_admin_event(name: str, db: str, cmd: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """(atype, param) for a successful user or role management command. Never a password: only whether one
    was given."""
    subject = cmd.get(name)
    if name == "dropAllUsersFromDatabase":
        return "dropAllUsers", {"db": db}
    if name == "dropAllRolesFromDatabase":
        return "dropAllRoles", {"db": db}
    if name in ("createUser", "updateUser"):
        param: dict[str, Any] = {"user": subject, "db": db, "password": "pwd" in cmd,
                                 "customData": cmd.get("customData") or {}}
        if name == "createUser" or "roles" in cmd:
            param["roles"] = _role_names(cmd.get("roles"), db)
        return name, param
    if name in ("dropUser", "grantRolesToUser", "revokeRolesFromUser"):
        param = {"user": subject, "db": db}
        if name != "dropUser":
            param["roles"] = _role_names(cmd.get("roles"), db)
        return name, param
    param = {"role": subject, "db": db}
    if name in ("createRole", "grantRolesToRole", "revokeRolesFromRole") or (name == "updateRole"
                                                                               and "roles" in cmd):
        param["roles"] = _role_names(cmd.get("roles"), db)
    if name in ("createRole", "grantPrivilegesToRole", "revokePrivilegesFromRole") or (
            name == "updateRole" and "privileges" in cmd):
        param["privileges"] = _privileges(cmd.get("privileges"))
    return name, param


def _router_event(name: str, cmd: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    target = cmd.get(name)
    if name == "addShard":
        return name, {"shard": cmd.get("name") or "", "connectionString": target}
    if name == "removeShard":
        return name, {"shard": target}
    if name == "enableSharding":
        return name, {"ns": target}
    return name, {"ns": target, "key": cmd.get("key") or {}, "options": {"unique": bool(cmd.get("unique"))}}


# ------------------------------------------------------------------------------------------------- schema
def _index_events(log: AuditLog, conn: Connection | None, ns: str, spec: dict[str, Any]) -> None:
    for state in ("IndexBuildStarted", "IndexBuildSucceeded"):
        log.event("createIndex", {"ns": ns, "indexName": spec.get("name"), "indexSpec": spec,
                                  "indexBuildState": state}, 0, conn)


def catalog_listener(server: Server, log: AuditLog) -> Any:
    def changed(coll: Collection | None, change: dict[str, Any]) -> None:
        current = _CURRENT.get()
        conn = current.conn if current is not None else None
        op = change.get("op")
        try:
            if op == "create" and coll is not None:
                storage = server.storage
                if storage is not None and not storage.list_collections(coll.db):
                    log.event("createDatabase", {"ns": coll.db}, 0, conn)
                log.event("createCollection", {"ns": coll.ns}, 0, conn)
                for index in coll.list_indexes():
                    _index_events(log, conn, coll.ns, index)
            elif op == "createIndex" and coll is not None:
                _index_events(log, conn, coll.ns, change.get("spec") or {})
            elif op == "dropIndex" and coll is not None:
                log.event("dropIndex", {"ns": coll.ns, "indexName": change.get("name")}, 0, conn)
            elif op == "drop" and coll is not None:
                log.event("dropCollection", {"ns": coll.ns}, 0, conn)
            elif op == "rename" and coll is not None:
                log.event("renameCollection", {"old": coll.ns, "new": f"{change.get('db')}.{change.get('name')}"},
                          0, conn)
            elif op == "dropDatabase":
                log.event("dropDatabase", {"ns": change.get("db")}, 0, conn)
        except Exception as exc:  # auditing must never fail the change it records
            server.log.error("-", 23000, "-", "Audit event failed", {"error": repr(exc)})

    return changed


# ------------------------------------------------------------------------------------------------- wiring
def install(server: Server) -> None:
    """Open the audit log (when ``--auditDestination`` is set) and attach the hooks that record events."""
    options = server.config.audit_options
    if not options.enabled:
        return
    log = AuditLog(options, port=server.config.port, log=server.log, rotate_mode=server.config.log_rotate)
    server.audit = log
    from mongosim.auth import authz

    for position, hook in enumerate(server.before_command):
        if hook is authz.check:
            server.before_command[position] = _audited_check(log, server, hook)
    reconfig_before: dict[int, Any] = {}
    shutdown_by: list[Connection | None] = [None]

    def before(ctx: CommandContext, spec: CommandSpec) -> None:
        _CURRENT.set(ctx)
        if spec.name == "replSetReconfig" and server.repl is not None and server.repl.config is not None:
            reconfig_before[ctx.opid] = server.repl.config.to_document()
        elif spec.name == "shutdown":
            shutdown_by[0] = ctx.conn

    def after(ctx: CommandContext, reply: dict[str, Any]) -> None:
        old = reconfig_before.pop(ctx.opid, None)
        if reply.get("ok") != 1:
            if ctx.name == "shutdown":
                shutdown_by[0] = None
            return
        name = ctx.name
        if name in _USER_COMMANDS and server.process == "mongod":
            atype, param = user_admin_event(name, ctx.db, ctx.cmd)
            log.event(atype, param, 0, ctx.conn)
        elif name == "replSetReconfig" and old is not None and server.repl.config is not None:
            log.event("replSetReconfig", {"old": old, "new": server.repl.config.to_document()}, 0, ctx.conn)
        elif server.process == "mongos" and _canonical(name) in _ROUTER_COMMANDS:
            atype, param = _router_event(_canonical(name), {_canonical(name): ctx.cmd.get(name), **ctx.cmd})
            log.event(atype, param, 0, ctx.conn)

    def shutdown() -> None:
        log.close_after("shutdown", {}, shutdown_by[0])

    server.before_command.append(before)
    server.reply_hooks.append(after)
    server.shutdown_hooks.append(shutdown)
    if server.storage is not None:
        server.storage.catalog_listeners.append(catalog_listener(server, log))


def _canonical(name: str) -> str:
    """Router commands also answer to their lower-case spellings (``enablesharding``, ``shardcollection``)."""
    return {"enablesharding": "enableSharding", "shardcollection": "shardCollection",
            "addshard": "addShard", "removeshard": "removeShard"}.get(name, name)
