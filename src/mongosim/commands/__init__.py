"""The command registry: one module per command family registers its handlers with ``@command``.

A handler takes ``(ctx, cmd)`` — the ``CommandContext`` and the command document (document sequences already
folded in) — and returns the reply fields without ``ok``; it may be ``async`` when it waits (awaitable hello,
tailable getMore, fsync lock). To fail it raises ``CommandError``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from mongosim.context import CommandContext

Handler = Callable[["CommandContext", dict[str, Any]], "dict[str, Any] | Awaitable[dict[str, Any]]"]

# Modules holding handlers; each registers its commands when imported.
COMMAND_MODULES = (
    "handshake",
    "diagnostics",
    "crud",
    "read",
    "read_cursors",
    "read_aggregate",
    "ddl",
    "indexes",
    "admin",
    "sessions",
    "catalog",
    "applyops",
    "repl",
    "oplog_admin",
)

# Commands the server still accepts over legacy OP_QUERY (check_allowed_op_query_cmd.cpp).
OP_QUERY_ALLOWED = frozenset({"hello", "isMaster", "ismaster", "_isSelf", "authenticate", "buildinfo",
                              "buildInfo", "saslContinue", "saslStart"})


@dataclass(frozen=True)
class CommandSpec:
    name: str
    handler: Handler
    admin_only: bool = False
    # Which opcounter the command bumps: "command" (default), "query", "getmore", or None when the
    # handler counts itself (insert/update/delete count documents or statements).
    counter: str | None = "command"
    processes: frozenset[str] = frozenset({"mongod", "mongos"})
    # Readable without authentication (hello, ping, buildInfo, saslStart...), used by the auth layer.
    no_auth: bool = False


REGISTRY: dict[str, CommandSpec] = {}


def command(name: str, *aliases: str, admin_only: bool = False, counter: str | None = "command",
            processes: tuple[str, ...] = ("mongod", "mongos"), no_auth: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler under a command name and its aliases (names are case-sensitive, as in MongoDB)."""

    def register(handler: Handler) -> Handler:
        for each in (name, *aliases):
            if each in REGISTRY:
                raise RuntimeError(f"command {each!r} registered twice")
            REGISTRY[each] = CommandSpec(name, handler, admin_only, counter, frozenset(processes), no_auth)
        return handler

    return register


def load_all() -> dict[str, CommandSpec]:
    for module in COMMAND_MODULES:
        importlib.import_module(f"mongosim.commands.{module}")
    return REGISTRY


def lookup(name: str, process: str) -> CommandSpec | None:
    spec = REGISTRY.get(name)
    if spec is None or process not in spec.processes:
        return None
    return spec
