"""The audit commands PSMDB adds: ``logApplicationMessage`` (an ``applicationMessage`` event) and
``auditGetOptions`` (the audit options in force). Both exist on mongod and mongos, whether auditing is on or
not; without an audit log the message goes nowhere, as in PSMDB.
"""

from __future__ import annotations

from typing import Any

from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError


@command("logApplicationMessage")
def log_application_message(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """Write a custom application message (a string) to the audit log."""
    message = cmd.get("logApplicationMessage")
    if not isinstance(message, str):
        raise CommandError("UnknownError", "logApplicationMessage only accepts string messages")
    audit = ctx.server.audit
    if audit is not None:
        audit.event("applicationMessage", {"msg": message}, 0, ctx.conn)
    return {}


@command("auditGetOptions")
def audit_get_options(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    """The options the audit log is using: format, path, destination, filter."""
    return ctx.server.config.audit_options.get_options_reply()
