"""User and role management: createUser, updateUser, dropUser, dropAllUsersFromDatabase, grantRolesToUser,
revokeRolesFromUser, usersInfo, createRole, updateRole, dropRole, dropAllRolesFromDatabase, grantRolesToRole,
revokeRolesFromRole, grantPrivilegesToRole, revokePrivilegesFromRole, rolesInfo.

On mongod they read and write ``admin.system.users`` / ``admin.system.roles`` (``server.users``), need a writable
primary for changes, and acknowledge with ``w: "majority"`` unless the command gives a write concern, as
MongoDB does. Passwords become SCRAM credentials at once (``mongosim.auth.credentials``); the plain password is
stored nowhere and logged nowhere (command logging redacts ``pwd``).

On mongos every one of them runs on the config server primary, where the cluster's users live; after a change
the router refreshes its copy of users and roles (``RouterDirectory``).
"""

from __future__ import annotations

import uuid
from collections.abc import Awaitable, Callable
from typing import Any

from bson.binary import Binary

from mongosim import writeconcern
from mongosim.auth import credentials, documents
from mongosim.auth import roles as builtin
from mongosim.auth.users import ROLES, USERS, LocalDirectory, user_id
from mongosim.commands import command
from mongosim.commands.auth import enabled_mechanisms
from mongosim.context import CommandContext
from mongosim.errors import CommandError

Handler = Callable[[CommandContext, dict[str, Any]], Awaitable[dict[str, Any]]]
WRITE_COMMANDS = ("createUser", "updateUser", "dropUser", "dropAllUsersFromDatabase", "grantRolesToUser",
                  "revokeRolesFromUser", "createRole", "updateRole", "dropRole", "dropAllRolesFromDatabase",
                  "grantRolesToRole", "revokeRolesFromRole", "grantPrivilegesToRole", "revokePrivilegesFromRole")
READ_COMMANDS = ("usersInfo", "rolesInfo")


def _directory(ctx: CommandContext) -> LocalDirectory:
    directory = ctx.server.users
    if not isinstance(directory, LocalDirectory):
        raise CommandError("InternalError", "user management needs the local user directory")
    return directory


def _write_command(name: str) -> Callable[[Callable[[CommandContext, dict[str, Any]], dict[str, Any]]], Handler]:
    """Register a mongod user-management write: writable primary, write concern (majority by default)."""

    def wrap(change: Callable[[CommandContext, dict[str, Any]], dict[str, Any]]) -> Handler:
        async def handler(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
            wc = writeconcern.parse(cmd)
            if not wc.explicit:
                wc = writeconcern.WriteConcern(w="majority", wtimeout=600_000, provenance="implicitDefault")
            writeconcern.validate(ctx, wc)
            repl = ctx.server.repl
            if repl is not None and not repl.is_writable_primary:
                raise CommandError("NotWritablePrimary", "not primary")
            reply = change(ctx, cmd)
            error = await writeconcern.satisfy(ctx, wc)
            if error is not None:
                reply["writeConcernError"] = error
            return reply

        handler.__doc__ = change.__doc__
        command(name, processes=("mongod",))(handler)
        return handler

    return wrap


def _user_or_fail(ctx: CommandContext, name: str) -> dict[str, Any]:
    doc = _directory(ctx).user(name, ctx.db)
    if doc is None:
        raise CommandError("UserNotFound", f"Could not find user \"{name}\" for db \"{ctx.db}\"")
    return doc


def _role_or_fail(ctx: CommandContext, name: str) -> dict[str, Any]:
    if builtin.is_builtin(name, ctx.db):
        raise CommandError("InvalidRoleModification", f"Cannot update built-in role: {name}@{ctx.db}")
    doc = _directory(ctx).role(name, ctx.db)
    if doc is None:
        raise CommandError("RoleNotFound", f"Role {name}@{ctx.db} not found")
    return doc


def _credentials(ctx: CommandContext, user: str, pwd: Any, mechs: list[str], digest: bool) -> dict[str, Any]:
    if not isinstance(pwd, str):
        raise CommandError("TypeMismatch", "BSON field 'pwd' is the wrong type, expected type 'string'")
    if not pwd:
        raise CommandError("BadValue", "Password cannot be empty")
    if not digest and "SCRAM-SHA-256" in mechs:
        raise CommandError("BadValue", "Use of SCRAM-SHA-256 requires undigested passwords")
    return credentials.build(user, pwd, mechs, credentials.iterations_from(ctx.server.parameters),
                             digested=not digest)


def _mechanisms(ctx: CommandContext, cmd: dict[str, Any], default: list[str]) -> list[str]:
    enabled = enabled_mechanisms(ctx.server)
    if "mechanisms" in cmd:
        return documents.mechanisms(cmd["mechanisms"], enabled)
    return [mech for mech in default if mech in enabled]


# ------------------------------------------------------------------------------------------------- users
@_write_command("createUser")
def create_user(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Adds a user to the system"""
    name = documents.name_argument(cmd, "createUser")
    db = ctx.db
    if db == "local":
        raise CommandError("BadValue", "Cannot create users in the local database")
    directory = _directory(ctx)
    names = documents.role_names(documents.required(cmd, "createUser", "roles"), db, "createUser")
    pwd = cmd.get("pwd")
    if db == "$external":
        if pwd is not None:
            raise CommandError("BadValue", "Cannot set the password for users defined on the '$external' database")
    elif pwd is None:
        raise CommandError("BadValue", "Must provide a 'pwd' field for all user documents, except those with "
                           "'$external' as the user's source db")
    mechs = _mechanisms(ctx, cmd, list(credentials.ITERATION_PARAMETERS))
    digest = bool(cmd.get("digestPassword", True))
    creds = {} if pwd is None else _credentials(ctx, name, pwd, mechs, digest)
    doc: dict[str, Any] = {"_id": user_id(name, db), "userId": Binary(uuid.uuid4().bytes, 4), "user": name,
                           "db": db, "credentials": creds if pwd is not None else {"external": True}}
    if "customData" in cmd:
        doc["customData"] = documents.custom_data(cmd["customData"])
    doc["roles"] = names
    if "authenticationRestrictions" in cmd:
        doc["authenticationRestrictions"] = documents.auth_restrictions(cmd["authenticationRestrictions"])
    if directory.user(name, db) is not None:
        raise CommandError(51003, f"User \"{name}@{db}\" already exists")
    documents.check_roles_exist(directory, names)
    directory.insert(USERS, doc)
    return {}


@_write_command("updateUser")
def update_user(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Used to update a user, for example to change its password"""
    name = documents.name_argument(cmd, "updateUser")
    if not any(field in cmd for field in ("pwd", "customData", "roles", "mechanisms", "authenticationRestrictions")):
        raise CommandError("BadValue", "Must specify at least one field to update in updateUser")
    directory = _directory(ctx)
    doc = _user_or_fail(ctx, name)
    current = [mech for mech in doc.get("credentials") or {} if mech != "external"]
    if "pwd" in cmd:
        if ctx.db == "$external":
            raise CommandError("BadValue", "Cannot set the password for users defined on the '$external' database")
        mechs = _mechanisms(ctx, cmd, list(credentials.ITERATION_PARAMETERS))
        doc["credentials"] = _credentials(ctx, name, cmd["pwd"], mechs, bool(cmd.get("digestPassword", True)))
    elif "mechanisms" in cmd:
        mechs = documents.mechanisms(cmd["mechanisms"], enabled_mechanisms(ctx.server))
        if not set(mechs) <= set(current):
            raise CommandError("BadValue", "mechanisms field must be a subset of previously set mechanisms")
        doc["credentials"] = {mech: value for mech, value in doc["credentials"].items() if mech in mechs}
    if "customData" in cmd:
        doc["customData"] = documents.custom_data(cmd["customData"])
    if "roles" in cmd:
        names = documents.role_names(cmd["roles"], ctx.db, "updateUser")
        documents.check_roles_exist(directory, names)
        doc["roles"] = names
    if "authenticationRestrictions" in cmd:
        doc["authenticationRestrictions"] = documents.auth_restrictions(cmd["authenticationRestrictions"])
    directory.replace(USERS, _ordered_user(doc))
    return {}


def _ordered_user(doc: dict[str, Any]) -> dict[str, Any]:
    """A user document's fields in the stored order."""
    order = ("_id", "userId", "user", "db", "credentials", "customData", "roles", "authenticationRestrictions")
    out = {key: doc[key] for key in order if key in doc}
    out.update({key: value for key, value in doc.items() if key not in out})
    return out


@_write_command("dropUser")
def drop_user(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Drops a single user."""
    name = documents.name_argument(cmd, "dropUser")
    if _directory(ctx).delete(USERS, {"_id": user_id(name, ctx.db)}) == 0:
        raise CommandError("UserNotFound", f"User '{name}@{ctx.db}' not found")
    return {}


@_write_command("dropAllUsersFromDatabase")
def drop_all_users(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Drops all users for a single database."""
    return {"n": _directory(ctx).delete(USERS, {"db": ctx.db})}


def _change_user_roles(ctx: CommandContext, cmd: dict[str, Any], name_field: str, grant: bool) -> dict[str, Any]:
    name = documents.name_argument(cmd, name_field)
    directory = _directory(ctx)
    names = documents.role_names(documents.required(cmd, name_field, "roles"), ctx.db, name_field)
    doc = _user_or_fail(ctx, name)
    documents.check_roles_exist(directory, names)
    current = [{"role": r["role"], "db": r["db"]} for r in doc.get("roles") or []]
    if grant:
        doc["roles"] = current + [name for name in names if name not in current]
    else:
        doc["roles"] = [role for role in current if role not in names]
    directory.replace(USERS, doc)
    return {}


@_write_command("grantRolesToUser")
def grant_roles_to_user(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Grants roles to a user."""
    return _change_user_roles(ctx, cmd, "grantRolesToUser", grant=True)


@_write_command("revokeRolesFromUser")
def revoke_roles_from_user(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Revokes roles from a user."""
    return _change_user_roles(ctx, cmd, "revokeRolesFromUser", grant=False)


def _requested(value: Any, db: str, field: str, kind: str) -> list[dict[str, str]] | None:
    """usersInfo / rolesInfo argument: None for "all on this database", else explicit names."""
    if value == 1 and not isinstance(value, bool):
        return None
    entries = value if isinstance(value, list) else [value]
    out = []
    for entry in entries:
        if isinstance(entry, str):
            out.append({kind: entry, "db": db})
        elif isinstance(entry, dict) and isinstance(entry.get(kind), str) and isinstance(entry.get("db"), str):
            out.append({kind: entry[kind], "db": entry["db"]})
        else:
            raise CommandError("BadValue", f"{field} must be 1, a string, an object with '{kind}' and 'db', or "
                               "an array of those")
    return out


@command("usersInfo", processes=("mongod",))
def users_info(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Returns information about users."""
    directory = _directory(ctx)
    value = cmd.get("usersInfo")
    if isinstance(value, dict) and "forAllDBs" in value:
        if value.get("forAllDBs") is not True:
            raise CommandError("BadValue", "forAllDBs must be true")
        docs = directory.users()
    else:
        wanted = _requested(value, ctx.db, "usersInfo", "user")
        if wanted is None:
            docs = directory.users({"db": ctx.db})
        else:
            if "filter" in cmd:
                raise CommandError("BadValue", "The filter field is only valid with usersInfo: 1 or forAllDBs")
            found = (directory.user(w["user"], w["db"]) for w in wanted)
            docs = [doc for doc in found if doc is not None]
    if "filter" in cmd:
        if not isinstance(cmd["filter"], dict):
            raise CommandError("TypeMismatch", "BSON field 'usersInfo.filter' is the wrong type, expected type "
                               "'object'")
        from mongosim.query.match import matcher

        match = matcher(cmd["filter"])
        docs = [doc for doc in docs if match(doc)]
    docs.sort(key=lambda doc: (doc.get("db", ""), doc.get("user", "")))
    return {"users": [_user_info(directory, doc, cmd) for doc in docs]}


def _user_info(directory: LocalDirectory, doc: dict[str, Any], cmd: dict[str, Any]) -> dict[str, Any]:
    creds = doc.get("credentials") or {}
    info = {key: value for key, value in doc.items() if key != "credentials" and
            (key != "authenticationRestrictions" or cmd.get("showAuthenticationRestrictions"))}
    if cmd.get("showCredentials"):
        info = {**{k: v for k, v in info.items() if k in ("_id", "userId", "user", "db")}, "credentials": creds,
                **{k: v for k, v in info.items() if k not in ("_id", "userId", "user", "db")}}
    info["mechanisms"] = [mech for mech in creds if mech != "external"]
    if cmd.get("showPrivileges"):
        inherited, privileges = builtin.resolve(doc.get("roles") or [], directory.role_lookup())
        info["inheritedRoles"] = inherited
        info["inheritedPrivileges"] = [p.to_document() for p in privileges]
        info["inheritedAuthenticationRestrictions"] = []
    return info


# ------------------------------------------------------------------------------------------------- roles
@_write_command("createRole")
def create_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Adds a role to the system"""
    name = documents.name_argument(cmd, "createRole")
    db = ctx.db
    if db == "local":
        raise CommandError("BadValue", "Cannot create roles in the local database")
    if db == "$external":
        raise CommandError("BadValue", "Cannot create roles in the $external database")
    if builtin.is_reserved_name(name):
        raise CommandError("BadValue", "Cannot create roles with the same name as a built-in role")
    directory = _directory(ctx)
    granted = documents.privileges(documents.required(cmd, "createRole", "privileges"), db, "createRole")
    names = documents.role_names(documents.required(cmd, "createRole", "roles"), db, "createRole")
    if directory.role(name, db) is not None:
        raise CommandError(51002, f"Role \"{name}@{db}\" already exists")
    documents.check_role_graph(directory, name, db, names)
    doc: dict[str, Any] = {"_id": user_id(name, db), "role": name, "db": db,
                           "privileges": documents.privilege_documents(granted), "roles": names}
    if "authenticationRestrictions" in cmd:
        doc["authenticationRestrictions"] = documents.auth_restrictions(cmd["authenticationRestrictions"])
    directory.insert(ROLES, doc)
    return {}


@_write_command("updateRole")
def update_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Used to update a role"""
    name = documents.name_argument(cmd, "updateRole")
    if not any(field in cmd for field in ("privileges", "roles", "authenticationRestrictions")):
        raise CommandError("BadValue", "Must specify at least one field to update in updateRole")
    directory = _directory(ctx)
    doc = _role_or_fail(ctx, name)
    if "privileges" in cmd:
        doc["privileges"] = documents.privilege_documents(documents.privileges(cmd["privileges"], ctx.db,
                                                                               "updateRole"))
    if "roles" in cmd:
        names = documents.role_names(cmd["roles"], ctx.db, "updateRole")
        documents.check_role_graph(directory, name, ctx.db, names)
        doc["roles"] = names
    if "authenticationRestrictions" in cmd:
        doc["authenticationRestrictions"] = documents.auth_restrictions(cmd["authenticationRestrictions"])
    directory.replace(ROLES, doc)
    return {}


def _forget_role(directory: LocalDirectory, role: dict[str, str]) -> None:
    """A dropped role disappears from every user and role that held it."""
    for name in (USERS, ROLES):
        holders = directory.users({"roles": role}) if name == USERS else directory.roles({"roles": role})
        for doc in holders:
            doc["roles"] = [r for r in doc.get("roles") or [] if {"role": r.get("role"), "db": r.get("db")} != role]
            directory.replace(name, doc)


@_write_command("dropRole")
def drop_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Drops a single role."""
    name = documents.name_argument(cmd, "dropRole")
    directory = _directory(ctx)
    if builtin.is_builtin(name, ctx.db):
        raise CommandError("InvalidRoleModification", f"Cannot drop built-in role: {name}@{ctx.db}")
    if directory.delete(ROLES, {"_id": user_id(name, ctx.db)}) == 0:
        raise CommandError("RoleNotFound", f"Role '{name}@{ctx.db}' not found")
    _forget_role(directory, {"role": name, "db": ctx.db})
    return {}


@_write_command("dropAllRolesFromDatabase")
def drop_all_roles(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Drops all roles from the given database."""
    directory = _directory(ctx)
    doomed = directory.roles({"db": ctx.db})
    removed = directory.delete(ROLES, {"db": ctx.db})
    for doc in doomed:
        _forget_role(directory, {"role": doc["role"], "db": doc["db"]})
    return {"n": removed}


def _change_role_roles(ctx: CommandContext, cmd: dict[str, Any], field: str, grant: bool) -> dict[str, Any]:
    name = documents.name_argument(cmd, field)
    directory = _directory(ctx)
    names = documents.role_names(documents.required(cmd, field, "roles"), ctx.db, field)
    doc = _role_or_fail(ctx, name)
    current = [{"role": r["role"], "db": r["db"]} for r in doc.get("roles") or []]
    if grant:
        documents.check_role_graph(directory, name, ctx.db, names)
        doc["roles"] = current + [n for n in names if n not in current]
    else:
        documents.check_roles_exist(directory, names)
        doc["roles"] = [role for role in current if role not in names]
    directory.replace(ROLES, doc)
    return {}


@_write_command("grantRolesToRole")
def grant_roles_to_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Grants roles to another role."""
    return _change_role_roles(ctx, cmd, "grantRolesToRole", grant=True)


@_write_command("revokeRolesFromRole")
def revoke_roles_from_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Revokes roles from another role."""
    return _change_role_roles(ctx, cmd, "revokeRolesFromRole", grant=False)


def _change_role_privileges(ctx: CommandContext, cmd: dict[str, Any], field: str, grant: bool) -> dict[str, Any]:
    name = documents.name_argument(cmd, field)
    directory = _directory(ctx)
    given = documents.privileges(documents.required(cmd, field, "privileges"), ctx.db, field)
    doc = _role_or_fail(ctx, name)
    from mongosim.auth.privileges import Privilege

    held = [Privilege.from_document(entry) for entry in doc.get("privileges") or []]
    if grant:
        merged = held + given
    else:
        removing: dict[Any, set[str]] = {}
        for privilege in given:
            removing.setdefault(privilege.resource, set()).update(privilege.actions)
        merged = [Privilege(p.resource, frozenset(p.actions - removing.get(p.resource, set()))) for p in held]
        merged = [p for p in merged if p.actions]
    doc["privileges"] = documents.privilege_documents(merged)
    directory.replace(ROLES, doc)
    return {}


@_write_command("grantPrivilegesToRole")
def grant_privileges_to_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Grants privileges to a role"""
    return _change_role_privileges(ctx, cmd, "grantPrivilegesToRole", grant=True)


@_write_command("revokePrivilegesFromRole")
def revoke_privileges_from_role(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Revokes privileges from a role"""
    return _change_role_privileges(ctx, cmd, "revokePrivilegesFromRole", grant=False)


@command("rolesInfo", processes=("mongod",))
def roles_info(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Returns information about roles."""
    directory = _directory(ctx)
    show = cmd.get("showPrivileges", False)
    if show == "asUserFragment":
        raise CommandError("BadValue", "showPrivileges: \"asUserFragment\" is not supported by mongosim")
    show_privileges = bool(show)
    wanted = _requested(cmd.get("rolesInfo"), ctx.db, "rolesInfo", "role")
    out: list[dict[str, Any]] = []
    if wanted is None:
        if cmd.get("showBuiltinRoles"):
            out.extend(builtin.builtin_role_info(role, ctx.db, show_privileges)
                       for role in builtin.builtin_roles_for(ctx.db))
        out.extend(_role_info(directory, doc, show_privileges, cmd) for doc in directory.roles({"db": ctx.db}))
        return {"roles": out}
    for name in wanted:
        if builtin.is_builtin(name["role"], name["db"]):
            out.append(builtin.builtin_role_info(name["role"], name["db"], show_privileges))
            continue
        doc = directory.role(name["role"], name["db"])
        if doc is not None:
            out.append(_role_info(directory, doc, show_privileges, cmd))
    return {"roles": out}


def _role_info(directory: LocalDirectory, doc: dict[str, Any], show_privileges: bool,
               cmd: dict[str, Any]) -> dict[str, Any]:
    info: dict[str, Any] = {"_id": doc["_id"], "role": doc["role"], "db": doc["db"]}
    if show_privileges:
        info["privileges"] = doc.get("privileges", [])
    info["roles"] = doc.get("roles", [])
    if cmd.get("showAuthenticationRestrictions"):
        info["authenticationRestrictions"] = doc.get("authenticationRestrictions", [])
    info["isBuiltin"] = False
    inherited, privileges = builtin.resolve(doc.get("roles") or [], directory.role_lookup())
    info["inheritedRoles"] = inherited
    if show_privileges:
        from mongosim.auth.privileges import Privilege, PrivilegeSet

        own = [Privilege.from_document(entry) for entry in doc.get("privileges") or []]
        info["inheritedPrivileges"] = [p.to_document() for p in PrivilegeSet([*own, *privileges])]
        info["inheritedAuthenticationRestrictions"] = []
    return info


# ------------------------------------------------------------------------------------------------- mongos
_FORWARD_DROP = frozenset({"$db", "lsid", "txnNumber", "$clusterTime", "$readPreference", "autocommit",
                           "startTransaction", "$audit", "$client", "$configServerState"})


def _forward(name: str, changes: bool) -> None:
    async def on_config_server(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
        from mongosim.sharding.remote import raise_for
        from mongosim.sharding.router import router_of

        router = router_of(ctx)
        body = {key: value for key, value in cmd.items() if key not in _FORWARD_DROP}
        reply = await router.config.command(ctx.db, body, timeout_s=60.0)
        router.observe(reply)
        if changes:
            refresh = getattr(ctx.server.users, "refresh", None)
            if refresh is not None:
                await refresh()
        raise_for(reply)
        return {key: value for key, value in reply.items()
                if key not in ("ok", "$clusterTime", "operationTime", "$configTime", "$topologyTime")}

    on_config_server.__doc__ = f"{name}, run on the config servers."
    command(name, processes=("mongos",))(on_config_server)


for _name in WRITE_COMMANDS:
    _forward(_name, changes=True)
for _name in READ_COMMANDS:
    _forward(_name, changes=False)


@command("invalidateUserCache", admin_only=True)
async def invalidate_user_cache(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Forget cached users and roles: a router reloads its copy from the config servers at once, a mongod makes
    every session recompute its privileges (after direct writes to ``admin.system.users``, as a restore does)."""
    refresh = getattr(ctx.server.users, "refresh", None)
    if refresh is not None:
        await refresh()
    else:
        ctx.server.auth_generation += 1
    return {}
