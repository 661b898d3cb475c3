"""Oplog administration: ``replSetResizeOplog`` (size in MB, ``minRetentionHours``), ``replSetGetRBID`` (the
rollback id a sync source reports, which changes each time it rolls back) and ``appendOplogNote`` (a no-op entry
carrying ``data``; with ``maxClusterTime``, only when the primary's last write is older, after moving its clock
there — how tools make every shard's oplog reach one cluster time).

replSetResizeOplog follows the 8.0 IDL: ``size`` and ``minRetentionHours`` are doubles (an int is refused, hence
``Double()`` in mongosh), ``size`` in [990, 1073741824] MB, ``minRetentionHours`` >= 0; either may be omitted.
The new cap applies from the next insert; entries younger than ``minRetentionHours`` outlive the cap.
"""

from __future__ import annotations

from typing import Any

from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim.commands import command
from mongosim.context import CommandContext
from mongosim.errors import CommandError
from mongosim.query.compare import type_name
from mongosim.repl import codes as _codes  # noqa: F401 - NoReplicationEnabled

MB = 1024 * 1024
MIN_SIZE_MB = 990.0
MAX_SIZE_MB = 1073741824.0  # 1 PB
ID_RESIZED = 20497


def _number_text(value: float) -> str:
    """A double as the server's IDL messages print it (``900``, ``500.5``)."""
    return f"{value:g}"


def _double(cmd: dict[str, Any], field: str) -> float | None:
    if field not in cmd:
        return None
    value = cmd[field]
    if not isinstance(value, float):
        raise CommandError("TypeMismatch", f"BSON field 'replSetResizeOplog.{field}' is the wrong type "
                           f"'{type_name(value)}', expected type 'double'")
    return value


def _check_range(field: str, value: float, low: float, high: float | None = None) -> None:
    if value < low:
        raise CommandError("BadValue", f"BSON field '{field}' value must be >= {_number_text(low)}, actual value "
                           f"'{_number_text(value)}'")
    if high is not None and value > high:
        raise CommandError("BadValue", f"BSON field '{field}' value must be <= {_number_text(high)}, actual value "
                           f"'{_number_text(value)}'")


@command("replSetResizeOplog", admin_only=True, processes=("mongod",))
def repl_set_resize_oplog(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    oplog = ctx.server.oplog
    if oplog is None or not oplog.exists():
        raise CommandError("NamespaceNotFound", "oplog does not exist")
    size = _double(cmd, "size")
    hours = _double(cmd, "minRetentionHours")
    if size is not None:
        _check_range("size", size, MIN_SIZE_MB, MAX_SIZE_MB)
    if hours is not None:
        _check_range("minRetentionHours", hours, 0.0)
    size_bytes = oplog.resize(int(size * MB) if size is not None else None, hours)
    ctx.server.log.info("STORAGE", ID_RESIZED, ctx.conn.ctx_name if ctx.conn else "-", "replSetResizeOplog success",
                        {"size": Int64(size_bytes), "minRetentionHours": float(oplog.min_retention_hours)})
    return {}


@command("replSetGetRBID", admin_only=True, processes=("mongod",))
def repl_set_get_rbid(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    from mongosim.repl.rollback import rollback_id

    repl = ctx.server.repl
    if repl is None:
        raise CommandError("NoReplicationEnabled", "not running with --replSet")
    if repl.config is None:
        raise CommandError("NotYetInitialized", "no replset config has been received")
    assert ctx.server.storage is not None
    return {"rbid": rollback_id(ctx.server.storage)}


@command("appendOplogNote", admin_only=True, processes=("mongod",))
def append_oplog_note(ctx: CommandContext, cmd: dict[str, Any]) -> dict[str, Any]:
    oplog = ctx.server.oplog
    repl = ctx.server.repl
    if oplog is None or repl is None:
        raise CommandError("NoReplicationEnabled", "Must have replication set up to run \"appendOplogNote\"")
    if "data" not in cmd:
        raise CommandError("NoSuchKey", 'Missing expected field "data"')
    data = cmd["data"]
    if not isinstance(data, dict):
        raise CommandError("TypeMismatch", f'"data" had the wrong type. Expected object, found {type_name(data)}')
    if not repl.is_writable_primary:
        raise CommandError("NotWritablePrimary", "Not a primary")
    target = cmd.get("maxClusterTime")
    if target is not None:
        if not isinstance(target, Timestamp):
            raise CommandError("TypeMismatch", '"maxClusterTime" had the wrong type. Expected timestamp, found '
                               f"{type_name(target)}")
        last = oplog.top().ts
        if last >= target:
            raise CommandError("StaleClusterTime", f"Requested maxClusterTime {_ts_text(target)} is less or equal "
                               f"to the last primary OpTime: {{ ts: {_ts_text(last)}, t: {oplog.top().term} }}")
        oplog.advance_clock(target)
    oplog.write_noop(data)
    return {}


def _ts_text(ts: Timestamp) -> str:
    return f"Timestamp({ts.time}, {ts.inc})"
