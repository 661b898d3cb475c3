"""Parsing and building user and role documents for the user-management commands, with the server's errors.

Role names in commands are ``"name"`` (on the command's database) or ``{role, db}``. A role must exist —
built-in on that database (``mongosim.auth.roles``) or custom in the directory — else RoleNotFound
"Could not find role: name@db".
"""

from __future__ import annotations

from typing import Any

from mongosim.auth import roles as builtin
from mongosim.auth import scram
from mongosim.auth.privileges import Privilege, Resource, resource_document
from mongosim.auth.users import Directory
from mongosim.errors import CommandError

AUTH_RESTRICTION_FIELDS = frozenset({"clientSource", "serverAddress"})


def required(cmd: dict[str, Any], command_name: str, field: str) -> Any:
    if field not in cmd:
        raise CommandError(40414, f"BSON field '{command_name}.{field}' is missing but a required field")
    return cmd[field]


def name_argument(cmd: dict[str, Any], command_name: str) -> str:
    value = cmd.get(command_name)
    if not isinstance(value, str):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{command_name}' is the wrong type "
                           f"'{type(value).__name__}', expected type 'string'")
    if not value:
        raise CommandError("BadValue", "User and role names must be non-empty strings")
    if "\x00" in value:
        raise CommandError("BadValue", "Username cannot contain NULL characters")
    return value


def role_names(value: Any, default_db: str, command_name: str, field: str = "roles") -> list[dict[str, str]]:
    """``[{role, db}]`` from a command's role list (strings are roles on ``default_db``)."""
    if not isinstance(value, list):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.{field}' is the wrong type, expected "
                           "type 'array'")
    out: list[dict[str, str]] = []
    for entry in value:
        if isinstance(entry, str):
            name = {"role": entry, "db": default_db}
        elif isinstance(entry, dict) and isinstance(entry.get("role"), str) and isinstance(entry.get("db"), str):
            name = {"role": entry["role"], "db": entry["db"]}
        elif isinstance(entry, dict):
            missing = "role" if not isinstance(entry.get("role"), str) else "db"
            raise CommandError(40414, f"BSON field '{missing}' is missing but a required field")
        else:
            raise CommandError("BadValue", "Role names must be either strings or objects")
        if name not in out:
            out.append(name)
    return out


def role_exists(directory: Directory, role: str, db: str) -> bool:
    return builtin.is_builtin(role, db) or directory.role(role, db) is not None


def check_roles_exist(directory: Directory, names: list[dict[str, str]]) -> None:
    for name in names:
        if not role_exists(directory, name["role"], name["db"]):
            raise CommandError("RoleNotFound", f"Could not find role: {name['role']}@{name['db']}")


def mechanisms(value: Any, enabled: list[str]) -> list[str]:
    """A createUser/updateUser ``mechanisms`` list, validated; in MongoDB's order."""
    if not isinstance(value, list):
        raise CommandError("TypeMismatch", "BSON field 'mechanisms' is the wrong type, expected type 'array'")
    if not value:
        raise CommandError("BadValue", "mechanisms field must not be empty")
    for mech in value:
        if mech not in scram.MECHANISMS:
            raise CommandError("BadValue", f"Unknown auth mechanism '{mech}'")
        if mech not in enabled:
            raise CommandError("BadValue", f"Mechanism {mech} is not enabled")
    return [mech for mech in scram.MECHANISMS if mech in value]


def auth_restrictions(value: Any) -> list[dict[str, Any]]:
    if not isinstance(value, list):
        raise CommandError("TypeMismatch", "BSON field 'authenticationRestrictions' is the wrong type, expected "
                           "type 'array'")
    for entry in value:
        if not isinstance(entry, dict) or not set(entry) <= AUTH_RESTRICTION_FIELDS:
            raise CommandError("BadValue", "authenticationRestrictions entries may only hold 'clientSource' and "
                               "'serverAddress'")
    return [dict(entry) for entry in value]


def custom_data(value: Any) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise CommandError("TypeMismatch", "BSON field 'customData' is the wrong type, expected type 'object'")
    return value


def privileges(value: Any, role_db: str, command_name: str) -> list[Privilege]:
    """A role's privileges; a role outside admin may only target its own database."""
    if not isinstance(value, list):
        raise CommandError("TypeMismatch", f"BSON field '{command_name}.privileges' is the wrong type, expected "
                           "type 'array'")
    parsed = [Privilege.from_document(entry) for entry in value]
    if role_db != "admin":
        for privilege in parsed:
            resource = privilege.resource
            if resource[0] not in ("db", "ns") or resource[1] != role_db:
                raise CommandError("InvalidRoleModification", f"Roles on the '{role_db}' database cannot be "
                                   "granted privileges that target other databases or the cluster")
    return parsed


def privilege_documents(parsed: list[Privilege]) -> list[dict[str, Any]]:
    """Privileges merged by resource (actions united), as stored in ``admin.system.roles``."""
    grouped: dict[Resource, set[str]] = {}
    for privilege in parsed:
        grouped.setdefault(privilege.resource, set()).update(privilege.actions)
    return [{"resource": resource_document(resource), "actions": sorted(actions)}
            for resource, actions in grouped.items()]


def check_role_graph(directory: Directory, role: str, db: str, subroles: list[dict[str, str]]) -> None:
    """Granting ``subroles`` to ``role@db``: each exists, none is the role itself or reaches it, and a role
    outside admin only inherits roles of its own database."""
    for sub in subroles:
        if sub == {"role": role, "db": db}:
            raise CommandError("InvalidRoleModification", f"Cannot grant role {role}@{db} to itself.")
        if db != "admin" and sub["db"] != db:
            raise CommandError("InvalidRoleModification", f"Roles on the '{db}' database cannot be granted roles "
                               "from other databases")
        if not role_exists(directory, sub["role"], sub["db"]):
            raise CommandError("RoleNotFound", f"Could not find role: {sub['role']}@{sub['db']}")
        reachable, _ = builtin.resolve([sub], directory.role_lookup())
        if {"role": role, "db": db} in reachable:
            raise CommandError("InvalidRoleModification", f"Granting {sub['role']}@{sub['db']} to {role}@{db} "
                               "would introduce a cycle in the role graph.")
