"""Logical sessions and the driver housekeeping around them: startSession, endSessions, refreshSessions,
killSessions, killAllSessions, killAllSessionsByPattern, and the transaction entry points.

Sessions are tracked in memory (the logical session cache) from ``startSession`` and from every command that
carries an ``lsid``, so serverStatus can count them and kill commands can find their operations and cursors.
Multi-document transactions are not simulated: a standalone mongod refuses transaction numbers exactly as
MongoDB does, and commit/abort report that no transaction is open.
"""

from __future__ import annotations

import time
import uuid
import weakref
from typing import TYPE_CHECKING, Any

from bson.binary import Binary, UuidRepresentation

from mongosim import LOGICAL_SESSION_TIMEOUT_MINUTES
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.server import Server

# Session id bytes -> last use (time.time()).
_SESSIONS: weakref.WeakKeyDictionary[Server, dict[bytes, float]] = weakref.WeakKeyDictionary()


def sessions(server: Server) -> dict[bytes, float]:
    return _SESSIONS.setdefault(server, {})


def _session_key(lsid: Any) -> bytes | None:
    if isinstance(lsid, dict):
        lsid = lsid.get("id")
    if isinstance(lsid, uuid.UUID):
        return lsid.bytes
    if isinstance(lsid, (bytes, Binary)):
        return bytes(lsid)
    return None


def check_transaction_fields(ctx: CommandContext, spec: Any) -> None:
    """before_command hook: remember the session, refuse transaction numbers where MongoDB does."""
    cmd = ctx.cmd
    key = _session_key(cmd.get("lsid"))
    if key is not None:
        sessions(ctx.server)[key] = time.time()
    if "txnNumber" not in cmd:
        return
    if "lsid" not in cmd:
        raise CommandError("InvalidOptions", "Transaction number requires a session ID to also be specified")
    server = ctx.server
    if server.process == "mongod" and not server.config.repl_set:
        raise CommandError("IllegalOperation", "Transaction numbers are only allowed on a replica set member or "
                           "mongos")


def _kill_sessions(server: Server, keys: set[bytes] | None) -> None:
    """Kill the operations and cursors of the given sessions (all sessions when ``keys`` is None)."""
    for ctx in list(server.active_ops.values()):
        key = _session_key(ctx.cmd.get("lsid"))
        if key is not None and (keys is None or key in keys):
            ctx.killed = True
    for cursor in server.cursors.all():
        key = _session_key(cursor.lsid)
        if key is not None and (keys is None or key in keys):
            cursor.killed = True
            server.cursors.remove(cursor.id)
    known = sessions(server)
    for key in list(known) if keys is None else keys:
        known.pop(key, None)


def _session_list(cmd: dict[str, Any], name: str) -> list[Any]:
    value = cmd.get(name)
    if not isinstance(value, list):
        raise CommandError("TypeMismatch", f"BSON field '{name}.{name}' is the wrong type "
                           f"'{type(value).__name__}', expected type 'array'")
    return value


def _keys(items: list[Any], name: str) -> set[bytes]:
    keys = set()
    for item in items:
        key = _session_key(item)
        if key is None:
            raise CommandError(40414, f"BSON field '{name}.id' is missing but a required field")
        keys.add(key)
    return keys


@command("startSession", no_auth=False)
def start_session(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    session_id = uuid.uuid4()
    sessions(ctx.server)[session_id.bytes] = time.time()
    return {"id": {"id": Binary.from_uuid(session_id, UuidRepresentation.STANDARD)},
            "timeoutMinutes": LOGICAL_SESSION_TIMEOUT_MINUTES}


@command("endSessions")
def end_sessions(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    keys = _keys(_session_list(cmd, "endSessions"), "endSessions")
    for cursor in ctx.server.cursors.all():
        if _session_key(cursor.lsid) in keys:
            cursor.killed = True
            ctx.server.cursors.remove(cursor.id)
    known = sessions(ctx.server)
    for key in keys:
        known.pop(key, None)
    return {}


@command("refreshSessions")
def refresh_sessions(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    now = time.time()
    known = sessions(ctx.server)
    for key in _keys(_session_list(cmd, "refreshSessions"), "refreshSessions"):
        known[key] = now
    return {}


@command("killSessions")
def kill_sessions(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    keys = _keys(_session_list(cmd, "killSessions"), "killSessions")
    if keys:
        _kill_sessions(ctx.server, keys)
    return {}


@command("killAllSessions")
def kill_all_sessions(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    users = _session_list(cmd, "killAllSessions")
    # Without per-user session ownership every listed user (or the empty list: everyone) covers all sessions.
    if not users or any(isinstance(user, dict) for user in users):
        _kill_sessions(ctx.server, None)
    return {}


@command("killAllSessionsByPattern")
def kill_all_sessions_by_pattern(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    patterns = _session_list(cmd, "killAllSessionsByPattern")
    if not patterns:
        _kill_sessions(ctx.server, None)
        return {}
    keys: set[bytes] = set()
    for pattern in patterns:
        if not isinstance(pattern, dict):
            raise CommandError("TypeMismatch", "BSON field 'killAllSessionsByPattern.killAllSessionsByPattern' "
                               "is the wrong type, expected type 'object'")
        if "lsid" in pattern:
            key = _session_key(pattern["lsid"])
            if key is not None:
                keys.add(key)
        else:  # uid / users / roles patterns: sessions are not attributed to users here
            _kill_sessions(ctx.server, None)
            return {}
    _kill_sessions(ctx.server, keys)
    return {}


def _no_transaction(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    if "txnNumber" not in cmd:
        raise CommandError("CommandFailed", f"{ctx.name} must be run within a transaction")
    raise CommandError("NoSuchTransaction", f"Given transaction number {cmd['txnNumber']} does not match any "
                       "in-progress transactions. The active transaction number is -1",
                       errorLabels=["TransientTransactionError"])


@command("commitTransaction", admin_only=True)
def commit_transaction(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _no_transaction(ctx, cmd)


@command("abortTransaction", admin_only=True)
def abort_transaction(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return _no_transaction(ctx, cmd)
