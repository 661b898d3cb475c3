"""Process administration: getCmdLineOpts, getParameter/setParameter, profile, logRotate, fsync and its lock,
shutdown.
"""

from __future__ import annotations

from typing import Any

from bson.int64 import Int64

from mongosim import parameters, profiler
from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CloseConnection, CommandError

# Arguments any command may carry; setParameter/getParameter do not treat them as parameter names.
GENERIC_ARGUMENTS = frozenset({"$db", "lsid", "txnNumber", "$clusterTime", "$readPreference", "comment",
                               "maxTimeMS", "readConcern", "writeConcern", "apiVersion", "apiStrict",
                               "apiDeprecationErrors", "$audit", "$client", "$configServerState", "autocommit",
                               "startTransaction", "stmtId", "$queryOptions", "help"})
FSYNC_URL = "http://dochub.mongodb.org/core/fsynccommand"


@command("getCmdLineOpts", admin_only=True)
def get_cmd_line_opts(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    return ctx.server.config.cmdline_opts()


@command("getParameter", admin_only=True)
def get_parameter(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    first = cmd.get("getParameter")
    show_details = isinstance(first, dict) and bool(first.get("showDetails"))
    everything = first == "*" or (isinstance(first, dict) and bool(first.get("allParameters")))
    names = sorted(set(parameters.PARAMETERS) | set(server.parameters))
    reply: dict[str, Any] = {}
    for name in names:
        if not (everything or (name in cmd and name != "getParameter")):
            continue
        value = parameters.value(server, name)
        if show_details:
            spec = parameters.PARAMETERS.get(name)
            reply[name] = {"value": value, "settableAtRuntime": bool(spec and spec.runtime),
                           "settableAtStartup": bool(spec is None or spec.startup)}
        else:
            reply[name] = value
    if not reply:
        raise CommandError("InvalidOptions", "no option found to get")
    return reply


@command("setParameter", admin_only=True)
def set_parameter(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    requested: dict[str, Any] = {}
    for name, value in list(cmd.items())[1:]:
        if name in GENERIC_ARGUMENTS:
            continue
        spec = parameters.PARAMETERS.get(name)
        if spec is None:
            raise CommandError("InvalidOptions", f"attempted to set unrecognized parameter [{name}], use help:true "
                               "to see options ")
        if not spec.runtime:
            raise CommandError("IllegalOperation", f"not allowed to change [{name}] at runtime")
        requested[name] = value
    if not requested:
        raise CommandError("InvalidOptions", "no option found to set, use help:true to see options ")
    reply: dict[str, Any] = {}
    for index, name in enumerate(sorted(requested)):
        if index == 0:
            reply["was"] = parameters.value(ctx.server, name)
        parameters.set_value(ctx.server, name, requested[name])
        ctx.server.log.info("COMMAND", 23435, ctx.conn.ctx_name if ctx.conn else "-",
                            "Successfully set parameter to new value",
                            {"parameterName": name, "newValue": repr(requested[name])})
    return reply


@command("profile")
def profile(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    new_level = cmd.get("profile")
    if isinstance(new_level, bool) or not isinstance(new_level, (int, float)) or int(new_level) not in (-1, 0, 1, 2):
        raise CommandError("BadValue", "Invalid profiling level. Profiling level must be an integer between -1 "
                           "and 2, inclusive")
    sample_rate = cmd.get("sampleRate")
    if sample_rate is not None and (isinstance(sample_rate, bool) or not isinstance(sample_rate, (int, float))
                                    or not 0.0 <= float(sample_rate) <= 1.0):
        raise CommandError("BadValue", "'sampleRate' must be between 0.0 and 1.0 inclusive")
    slowms = cmd.get("slowms")
    if slowms is not None and (isinstance(slowms, bool) or not isinstance(slowms, (int, float))):
        raise CommandError("TypeMismatch", "BSON field 'profile.slowms' is the wrong type, expected a number")
    new_filter = cmd.get("filter")
    if new_filter is not None and new_filter != "unset" and not isinstance(new_filter, dict):
        raise CommandError("BadValue", "Expected an object, or the string 'unset'.")
    reply = profiler.settings_reply(server, ctx.db)
    if slowms is not None:
        server.slowms = int(slowms)
    if sample_rate is not None:
        server.slow_op_sample_rate = float(sample_rate)
    if int(new_level) >= 0 or new_filter is not None:
        level = profiler.level(server, ctx.db) if int(new_level) < 0 else int(new_level)
        profiler.set_level(server, ctx.db, level, new_filter)
        if level > 0 and server.storage is not None:
            profiler.profile_collection(server, ctx.db)
    if int(new_level) >= 0 or slowms is not None or sample_rate is not None or new_filter is not None:
        ctx.server.log.info("COMMAND", 48742, ctx.conn.ctx_name if ctx.conn else "-", "Profiler settings changed",
                            {"from": {"level": reply["was"], "slowms": reply["slowms"],
                                      "sampleRate": reply["sampleRate"]},
                             "to": {"level": profiler.level(server, ctx.db), "slowms": server.slowms,
                                    "sampleRate": float(server.slow_op_sample_rate)}, "db": ctx.db})
    return reply


@command("logRotate", admin_only=True)
def log_rotate(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    kind = cmd.get("logRotate")
    if isinstance(kind, str) and kind not in ("server", "audit"):
        raise CommandError("NoSuchKey", f"Unknown log type for rotate: {kind}")
    mode = str(ctx.server.config.get("systemLog.logRotate", "rename"))
    audit = ctx.server.audit
    if kind != "server" and audit is not None:  # "audit" or 1 (every log), as PSMDB rotates its audit log
        audit.rotate(mode)
    if kind == "audit":
        return {}
    log = ctx.server.log
    log.info("CONTROL", 23166, ctx.conn.ctx_name if ctx.conn else "-", "Log rotation initiated",
             {"suffix": "", "logType": "server"})
    log.rotate(mode)
    return {}


def _flush(ctx: CommandContext) -> None:
    storage = ctx.server.storage
    if storage is None:
        return
    storage.sync_journal()
    checkpoint = getattr(storage, "checkpoint", None)
    if callable(checkpoint):
        checkpoint(force=True)


@command("fsync", admin_only=True, processes=("mongod",))
def fsync(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    lock = bool(cmd.get("lock"))
    conn_name = ctx.conn.ctx_name if ctx.conn else "-"
    server.log.info("COMMAND", 20461, conn_name, "CMD fsync", {"lock": lock})
    _flush(ctx)
    if not lock:
        return {"numFiles": 1}
    server.set_fsync_locked(server.fsync_lock_count + 1)
    server.log.info("COMMAND", 20462, conn_name, "mongod is locked and no writes are allowed",
                    {"lockCount": Int64(server.fsync_lock_count), "seeAlso": FSYNC_URL})
    return {"info": "now locked against writes, use db.fsyncUnlock() to unlock",
            "lockCount": Int64(server.fsync_lock_count), "seeAlso": FSYNC_URL}


@command("fsyncUnlock", admin_only=True, processes=("mongod",))
def fsync_unlock(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    conn_name = ctx.conn.ctx_name if ctx.conn else "-"
    server.log.info("COMMAND", 20465, conn_name, "command: unlock requested")
    if server.fsync_lock_count == 0:
        raise CommandError("IllegalOperation", "fsyncUnlock called when not locked")
    server.set_fsync_locked(server.fsync_lock_count - 1)
    server.log.info("COMMAND", 20466, conn_name, "fsyncUnlock complete", {"lockCount": Int64(server.fsync_lock_count)})
    return {"info": "fsyncUnlock completed", "lockCount": Int64(server.fsync_lock_count)}


@command("shutdown", admin_only=True)
def shutdown(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    server = ctx.server
    timeout = cmd.get("timeoutSecs", 15)
    if isinstance(timeout, bool) or not isinstance(timeout, (int, float)) or timeout < 0:
        raise CommandError("BadValue", "timeoutSecs must be a non-negative number")
    conn = ctx.conn
    if not server.config.auth and conn is not None and not conn.is_loopback:
        raise CommandError("Unauthorized", "shutdown must run from localhost when running db without auth")
    server.log.info("COMMAND", 4695400, conn.ctx_name if conn else "-", "Terminating via shutdown command",
                    {"force": bool(cmd.get("force")), "timeoutSecs": timeout})
    if server.fsync_lock_count:
        server.log.warning("COMMAND", 20469, conn.ctx_name if conn else "-",
                           "Interrupting fsync because the server is shutting down")
        server.set_fsync_locked(0)
    server.request_shutdown("shutdown command")
    # Success is the connection closing without a reply: drivers see a network error, as with mongod.
    raise CloseConnection
