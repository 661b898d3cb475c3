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
    "shardsvr",
    "shardsvr_ddl",
    "configsvr",
    "configsvr_ddl",
    "mongos_read",
    "mongos_aggregate",
    "mongos_writes",
    "mongos_ddl",
    "mongos_admin",
    "zones",
    "auth",
    "user_admin",
    "tls",
    "audit",
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


# Every registration of every name; a name may have one handler for both processes and a more specific one for
# mongos (the router answers find, insert... by routing them, mongod by running them).
_SPECS: dict[str, list[CommandSpec]] = {}
_TABLES: dict[str, dict[str, CommandSpec]] = {}


def command(name: str, *aliases: str, admin_only: bool = False, counter: str | None = "command",
            processes: tuple[str, ...] = ("mongod", "mongos"), no_auth: bool = False) -> Callable[[Handler], Handler]:
    """Register a handler under a command name and its aliases (names are case-sensitive, as in MongoDB).

    A registration for fewer processes overrides a broader one for those processes; two registrations of a
    name that claim the same process with the same breadth are an error."""

    def register(handler: Handler) -> Handler:
        spec_processes = frozenset(processes)
        for each in (name, *aliases):
            specs = _SPECS.setdefault(each, [])
            for other in specs:
                if other.processes & spec_processes and len(other.processes) == len(spec_processes):
                    raise RuntimeError(f"command {each!r} registered twice for "
                                       f"{sorted(other.processes & spec_processes)}")
            specs.append(CommandSpec(name, handler, admin_only, counter, spec_processes, no_auth))
        _TABLES.clear()
        return handler

    return register


def table(process: str) -> dict[str, CommandSpec]:
    """The commands a process answers, by name (aliases included), each with its most specific handler."""
    current = _TABLES.get(process)
    if current is None:
        current = {}
        for each, specs in _SPECS.items():
            candidates = [spec for spec in specs if process in spec.processes]
            if candidates:
                current[each] = min(candidates, key=lambda spec: len(spec.processes))
        _TABLES[process] = current
    return current


def load_all() -> None:
    for module in COMMAND_MODULES:
        importlib.import_module(f"mongosim.commands.{module}")


def lookup(name: str, process: str) -> CommandSpec | None:
    return table(process).get(name)
