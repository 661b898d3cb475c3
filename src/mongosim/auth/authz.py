"""Authorization: the check that runs before every command when access control is on.

Commands marked ``no_auth`` (hello, buildInfo, ping, the SASL commands...) skip it. Everything else needs an
authenticated user, except on a connection that enjoys the localhost exception, which gets the server's bootstrap
privileges (``_getDefaultPrivileges``): create users on admin granting admin roles, create users on
``$external``, initiate a replica set, add a shard. Then the command's rule (``mongosim.auth.rules``) says what
it needs, and the connection's ``PrivilegeSet`` must hold it.

``check`` is what ``auth.install`` puts first in ``server.before_command``: a dict lookup for the rule, then one
memoised dict lookup and one set membership per required privilege. ``database_filter`` and
``collection_filter`` let listDatabases and listCollections show only what a user may reach.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from mongosim.auth.privileges import CLUSTER, Privilege, PrivilegeSet
from mongosim.auth.rules import RULES, UNIVERSAL, AnyOf, Needs, Requirement, rule_for
from mongosim.errors import CommandError
from mongosim.namespaces import render

if TYPE_CHECKING:
    from mongosim.commands import CommandSpec
    from mongosim.context import CommandContext

__all__ = ["RULES", "AnyOf", "check", "collection_filter", "database_filter", "is_authorized", "privileges_of",
           "rule_for", "unauthorized"]

# What MongoDB grants a loopback connection while no user exists (AuthorizationSession::_getDefaultPrivileges).
LOCALHOST_PRIVILEGES = PrivilegeSet([
    Privilege(("db", "admin"), frozenset({"createUser", "grantRole"})),
    Privilege(("db", "$external"), frozenset({"createUser"})),
    Privilege(CLUSTER, frozenset({"addShard", "replSetConfigure", "replSetGetStatus"})),
])


def _as_privilege_set(privileges: Any) -> PrivilegeSet:
    return privileges if isinstance(privileges, PrivilegeSet) else PrivilegeSet(privileges or [])


def privileges_of(ctx: CommandContext) -> PrivilegeSet | None:
    """The privileges the connection acts with, or None when unrestricted (access control off) or when it has
    none (not authenticated)."""
    session = getattr(ctx.conn, "auth", None)
    if session is None or not getattr(getattr(ctx.server, "config", None), "auth", True):
        return None
    if session.is_authenticated:
        return _as_privilege_set(session.privileges)
    if getattr(session, "localhost_exception", False):
        return LOCALHOST_PRIVILEGES
    return None


def _satisfied(needs: Needs, privileges: PrivilegeSet) -> bool:
    return all(action in privileges.actions_on(resource) for resource, action in needs)


def is_authorized(requirement: Requirement, privileges: PrivilegeSet) -> bool:
    if isinstance(requirement, AnyOf):
        return any(_satisfied(option, privileges) for option in requirement.options)
    return _satisfied(requirement, privileges)


def _shown(cmd: dict[str, Any]) -> dict[str, Any]:
    """The command as the error message shows it: passwords never appear."""
    if "pwd" not in cmd:
        return cmd
    return {key: ("xxx" if key == "pwd" else value) for key, value in cmd.items()}


def unauthorized(ctx: CommandContext) -> CommandError:
    return CommandError("Unauthorized", f"not authorized on {ctx.db} to execute command {render(_shown(ctx.cmd))}")


def check(ctx: CommandContext, spec: CommandSpec) -> None:
    """The pre-command hook: raise Unauthorized (13) unless the connection may run this command."""
    if spec.no_auth:
        return
    conn = ctx.conn
    if conn is None:  # the server's own operations
        return
    session = getattr(conn, "auth", None)
    if session is None:
        return
    if session.is_authenticated:
        privileges = session.privileges
        if privileges.__class__ is not PrivilegeSet:
            privileges = _as_privilege_set(privileges)
    elif getattr(session, "localhost_exception", False):
        privileges = LOCALHOST_PRIVILEGES
    else:
        raise CommandError("Unauthorized", f"Command {spec.name} requires authentication")
    rule = RULES.get(spec.name) or rule_for(spec.name)
    requirement = rule(ctx, ctx.db, ctx.cmd, privileges) if rule is not None else UNIVERSAL
    if requirement.__class__ is tuple:
        for resource, action in requirement:
            if action not in privileges.actions_on(resource):
                raise unauthorized(ctx)
    elif not is_authorized(requirement, privileges):
        raise unauthorized(ctx)


# ------------------------------------------------------------------------------------------------- filtering
def database_filter(ctx: CommandContext) -> Callable[[str], bool] | None:
    """For listDatabases: which databases to show, or None to show all (auth off or listDatabases held)."""
    privileges = privileges_of(ctx)
    if privileges is None:
        return None
    wanted = ctx.cmd.get("authorizedDatabases")
    if wanted is not True and privileges.allows(CLUSTER, "listDatabases"):
        return None
    return privileges.has_any_on_db


def collection_filter(ctx: CommandContext) -> Callable[[str], bool] | None:
    """For listCollections with authorizedCollections and nameOnly: the collections the user can reach, or None
    to show all."""
    privileges = privileges_of(ctx)
    cmd = ctx.cmd
    if privileges is None or not (cmd.get("authorizedCollections") is True and cmd.get("nameOnly") is True):
        return None
    if privileges.allows(("db", ctx.db), "listCollections"):
        return None
    db = ctx.db
    return lambda name: bool(privileges.actions_on(("ns", db, name)))
