"""``AuditLog``: build PSMDB's audit event, screen it with the filter, write it.

Every event is one document with PSMDB's fields in its order::

    {atype, ts, local: {ip, port}, remote: {ip, port}, users: [{user, db}], roles: [{role, db}], param, result}

``local`` is the address the server's host name resolves to and the server's port; ``remote`` the client's
address (``{}`` for the server's own work, such as a shutdown by signal); ``users`` and ``roles`` the client's
authenticated user and its direct roles. The filter is a query matched against that document with the
simulator's matcher (``ts`` as a date), before anything is written.

Writers: a file as JSON lines (MongoDB's legacy strict extended JSON, compact, ``ts`` in local time with its UTC
offset) or as concatenated BSON documents, stdout (``console``, JSON), or syslog (``LOG_USER | LOG_INFO``, JSON).
A file is opened for append, written and flushed per event, and reopened by ``rotate``. A write that fails is
reported once in the server log (PSMDB stops the server; the simulator keeps serving).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
import math
import os
import socket
import sys
import uuid
from typing import IO, TYPE_CHECKING, Any

import bson
from bson.binary import Binary
from bson.code import Code
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from mongosim.audit.options import AuditOptions
from mongosim.query.match import matcher

if TYPE_CHECKING:
    from mongosim.connection import Connection
    from mongosim.logs import Logger

ID_AUDIT_WRITE_FAILED = 29017
ID_AUDIT_ROTATE_FAILED = 29016
_INT32 = (-(2**31), 2**31 - 1)
_MAX_ISO_MILLIS = 253402300800000  # dates from year 10000 on are written as numbers


# ------------------------------------------------------------------------------------------------- JSON
def _date(value: dt.datetime) -> dict[str, Any]:
    if value.tzinfo is None:
        value = value.replace(tzinfo=dt.UTC)
    millis = int(value.timestamp() * 1000)
    if 0 <= millis < _MAX_ISO_MILLIS:
        return {"$date": value.astimezone().isoformat(timespec="milliseconds")}
    return {"$date": {"$numberLong": str(millis)}}


def _float(value: float) -> Any:
    if math.isnan(value):
        return {"$numberDouble": "NaN"}
    if math.isinf(value):
        return {"$numberDouble": "Infinity" if value > 0 else "-Infinity"}
    return value


def to_legacy_json(value: Any) -> Any:
    """``value`` with BSON types spelled as MongoDB's legacy strict extended JSON (what ``jsonString`` writes)."""
    if isinstance(value, dict):
        return {str(k): to_legacy_json(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [to_legacy_json(v) for v in value]
    if value is None or isinstance(value, (bool, str)):
        return value
    if isinstance(value, Int64):
        return {"$numberLong": str(int(value))}
    if isinstance(value, int):
        return value if _INT32[0] <= value <= _INT32[1] else {"$numberLong": str(value)}
    if isinstance(value, float):
        return _float(value)
    if isinstance(value, dt.datetime):
        return _date(value)
    if isinstance(value, ObjectId):
        return {"$oid": str(value)}
    if isinstance(value, uuid.UUID):
        value = Binary.from_uuid(value)
    if isinstance(value, Binary):
        return {"$binary": base64.b64encode(bytes(value)).decode(), "$type": f"{value.subtype:02x}"}
    if isinstance(value, bytes):
        return {"$binary": base64.b64encode(value).decode(), "$type": "00"}
    if isinstance(value, Regex):
        return {"$regex": value.pattern, "$options": value.flags if isinstance(value.flags, str) else ""}
    if isinstance(value, Timestamp):
        return {"$timestamp": {"t": value.time, "i": value.inc}}
    if isinstance(value, Decimal128):
        return {"$numberDecimal": str(value)}
    if isinstance(value, MinKey):
        return {"$minKey": 1}
    if isinstance(value, MaxKey):
        return {"$maxKey": 1}
    if isinstance(value, DBRef):
        return to_legacy_json(value.as_doc())
    if isinstance(value, Code):
        return {"$code": str(value)}
    return str(value)


def json_line(event: dict[str, Any]) -> str:
    return json.dumps(to_legacy_json(event), separators=(",", ":"), ensure_ascii=False)


# ------------------------------------------------------------------------------------------------- envelope
def _ip_and_port(address: str) -> dict[str, Any]:
    host, sep, port = address.rpartition(":")
    if not sep or not port.isdigit():
        return {}
    return {"ip": host.strip("[]"), "port": int(port)}


def _host_ip() -> str:
    """What the server's host name resolves to (PSMDB's ``getIpByHost(getHostNameCached())``)."""
    try:
        return socket.gethostbyname(socket.gethostname())
    except OSError:
        return ""


class AuditLog:
    def __init__(self, options: AuditOptions, *, port: int, log: Logger, rotate_mode: str = "rename") -> None:
        self.options = options
        self.port = port
        self.server_log = log
        self.local_ip = _host_ip()
        self._match = matcher(options.filter)
        self._stream: IO[Any] | None = None
        self._closed = False
        self._failed = False
        if options.destination == "file":
            self._open_at_startup(rotate_mode)

    # --------------------------------------------------------------------------------------------- events
    def event(self, atype: str, param: dict[str, Any], result: int = 0, conn: Connection | None = None) -> None:
        """Record one event for ``conn`` (None: the server's own work)."""
        if self._closed:
            return
        now = dt.datetime.now(dt.UTC)
        doc: dict[str, Any] = {"atype": atype, "ts": now.replace(microsecond=now.microsecond // 1000 * 1000),
                               "local": {"ip": self.local_ip, "port": self.port},
                               "remote": _ip_and_port(conn.remote) if conn is not None else {}}
        session = getattr(conn, "auth", None)
        if session is not None:
            doc["users"] = session.user_documents()
            roles = session.direct_roles if session.is_authenticated else []
            doc["roles"] = sorted(({"role": r["role"], "db": r["db"]} for r in roles),
                                  key=lambda r: (r["role"], r["db"]))
        else:
            doc["users"] = []
            doc["roles"] = []
        doc["param"] = param
        doc["result"] = result
        if self._match(doc):
            self._write(doc)

    def close_after(self, atype: str, param: dict[str, Any], conn: Connection | None = None) -> None:
        """The last event (shutdown): written, then the log is closed and records nothing more."""
        self.event(atype, param, 0, conn)
        self.close()

    # --------------------------------------------------------------------------------------------- writing
    def _write(self, doc: dict[str, Any]) -> None:
        destination = self.options.destination
        try:
            if destination == "console":
                sys.stdout.write(json_line(doc) + "\n")
                sys.stdout.flush()
            elif destination == "syslog":
                import syslog

                syslog.syslog(syslog.LOG_USER | syslog.LOG_INFO, json_line(doc))
            elif self._stream is not None:
                if self.options.format == "BSON":
                    self._stream.write(bson.encode(doc))
                else:
                    self._stream.write((json_line(doc) + "\n").encode())
                self._stream.flush()
        except (OSError, ValueError) as exc:
            if not self._failed:
                self._failed = True
                self.server_log.error("-", ID_AUDIT_WRITE_FAILED, "-", "Audit system cannot write to log file",
                                      {"file": self.options.path, "error": str(exc)})

    def _open_at_startup(self, mode: str) -> None:
        """PSMDB rotates an existing audit file when the server starts (``rename``), or appends (``reopen``)."""
        path = self.options.path
        assert path is not None
        if mode == "rename" and os.path.exists(path):
            self._rename_aside(path)
        self._stream = open(path, "ab")  # noqa: SIM115

    def _rename_aside(self, path: str) -> str | None:
        suffix = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%S")
        target = f"{path}.{suffix}"
        serial = 1
        while os.path.exists(target):  # two rotations within a second must not overwrite each other
            target = f"{path}.{suffix}.{serial}"
            serial += 1
        try:
            os.replace(path, target)
        except OSError as exc:
            self.server_log.error("-", ID_AUDIT_ROTATE_FAILED, "-", "Could not rotate audit log, but continuing "
                                  "normally", {"error": str(exc)})
            return None
        return target

    def rotate(self, mode: str = "rename") -> str | None:
        """logRotate / SIGUSR1: close the file, rename it aside (``rename``) and open a new one; returns the
        rotated file's name. Nothing to do for console and syslog."""
        path = self.options.path
        if self.options.destination != "file" or path is None or self._closed:
            return None
        if self._stream is not None:
            self._stream.close()
        renamed = self._rename_aside(path) if mode == "rename" and os.path.exists(path) else None
        self._stream = open(path, "ab")  # noqa: SIM115
        return renamed

    def close(self) -> None:
        self._closed = True
        if self._stream is not None:
            self._stream.close()
            self._stream = None
