"""MongoDB's structured JSON log: one Relaxed Extended JSON object per line, with the server's padding.

Lines go to ``--logpath`` (or stdout) and into an in-memory ring that ``getLog`` reads. Writers never raise:
a log line that cannot be written must not fail the operation that produced it.
"""

from __future__ import annotations

import collections
import datetime as dt
import json
import os
import sys
import threading
from typing import IO, Any

from bson import json_util

_JSON_OPTIONS = json_util.JSONOptions(json_mode=json_util.JSONMode.RELAXED, tz_aware=True)
RING_SIZE = 1024

# Message ids the simulator logs (the server's numbers).
ID_STARTING = 4615611
ID_BUILD_INFO = 23403
ID_OS = 51765
ID_OPTIONS = 21951
ID_WAITING = 23016
ID_LISTENING = 23015
ID_CONN_ACCEPTED = 22943
ID_CONN_ENDED = 22944
ID_CLIENT_METADATA = 51800
ID_SLOW_QUERY = 51803
ID_CURSOR_TIMED_OUT = 20529
ID_SHUTDOWN_LISTENERS = 20562
ID_IGNORED_OPTION = 7600000
ID_BAD_MESSAGE = 22988
ID_LOG_ROTATE = 23166
# --quiet leaves out connection chatter, as mongod's systemLog.quiet does.
QUIET_IDS = frozenset({ID_CONN_ACCEPTED, ID_CONN_ENDED})


def format_line(severity: str, component: str, msg_id: int, ctx: str, msg: str,
                attr: dict[str, Any] | None = None, *, tags: list[str] | None = None,
                service: str | None = "S", now: dt.datetime | None = None) -> str:
    """One log line exactly as mongod 8.0 lays it out, padding included."""
    now = now or dt.datetime.now(dt.UTC)
    stamp = now.strftime("%Y-%m-%dT%H:%M:%S.") + f"{now.microsecond // 1000:03d}+00:00"
    parts = [
        '{"t":{"$date":"' + stamp + '"},',
        '"s":' + json.dumps(severity) + "," + " " * max(0, 4 - len(severity) - 1),
        '"c":' + json.dumps(component) + "," + " " * max(0, 10 - len(component) - 1),
        '"id":' + str(msg_id) + "," + " " * max(0, 9 - len(str(msg_id)) - 1),
        '"ctx":' + json.dumps(ctx) + ",",
    ]
    if service:
        parts.append('"svc":' + json.dumps(service) + ",")
    parts.append('"msg":' + json.dumps(msg))
    if attr:
        parts.append(',"attr":' + json_util.dumps(attr, json_options=_JSON_OPTIONS, separators=(",", ":")))
    if tags:
        parts.append(',"tags":' + json.dumps(tags, separators=(",", ":")))
    parts.append("}")
    return "".join(parts)


class Logger:
    """The process log. ``path=None`` writes to stdout (mongod's default without --logpath)."""

    def __init__(self, path: str | None = None, *, append: bool = False, quiet: bool = False,
                 verbosity: int = 0, service: str = "S") -> None:
        self.path = path
        self.append = append
        self.quiet = quiet
        self.verbosity = verbosity
        self.service = service
        self.ring: collections.deque[str] = collections.deque(maxlen=RING_SIZE)
        self.startup_warnings: list[str] = []
        self.total_lines = 0
        self._lock = threading.Lock()
        self._stream: IO[str] | None = None
        self._open()

    def _open(self) -> None:
        if self.path is None:
            self._stream = sys.stdout
            return
        self._stream = open(self.path, "a" if self.append else "w", encoding="utf-8")  # noqa: SIM115

    def log(self, severity: str, component: str, msg_id: int, ctx: str, msg: str,
            attr: dict[str, Any] | None = None, *, tags: list[str] | None = None) -> str:
        """Write one line; returns it, or "" when --quiet or the verbosity leaves it out."""
        if self.quiet and msg_id in QUIET_IDS:
            return ""
        if severity.startswith("D") and severity[1:].isdigit() and int(severity[1:]) > self.verbosity:
            return ""
        line = format_line(severity, component, msg_id, ctx, msg, attr, tags=tags, service=self.service)
        with self._lock:
            self.total_lines += 1
            self.ring.append(line)
            if tags and "startupWarnings" in tags:
                self.startup_warnings.append(line)
            stream = self._stream
            if stream is not None:
                try:
                    stream.write(line + "\n")
                    stream.flush()
                except (OSError, ValueError):
                    pass
        return line

    def info(self, component: str, msg_id: int, ctx: str, msg: str, attr: dict[str, Any] | None = None) -> str:
        return self.log("I", component, msg_id, ctx, msg, attr)

    def warning(self, component: str, msg_id: int, ctx: str, msg: str,
                attr: dict[str, Any] | None = None, *, startup: bool = False) -> str:
        return self.log("W", component, msg_id, ctx, msg, attr, tags=["startupWarnings"] if startup else None)

    def error(self, component: str, msg_id: int, ctx: str, msg: str, attr: dict[str, Any] | None = None) -> str:
        return self.log("E", component, msg_id, ctx, msg, attr)

    def rotate(self, mode: str = "rename") -> str | None:
        """logRotate / SIGUSR1: rename the file to ``<path>.<UTC timestamp>`` and reopen (or just reopen)."""
        if self.path is None:
            return None
        renamed = None
        with self._lock:
            if self._stream is not None and self._stream is not sys.stdout:
                self._stream.close()
            if mode == "rename":
                suffix = dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H-%M-%S")
                renamed = f"{self.path}.{suffix}"
                serial = 1
                while os.path.exists(renamed):  # two rotations within one second must not overwrite
                    renamed = f"{self.path}.{suffix}.{serial}"
                    serial += 1
                if os.path.exists(self.path):
                    os.replace(self.path, renamed)
                self._stream = open(self.path, "w", encoding="utf-8")  # noqa: SIM115
            else:
                self._stream = open(self.path, "a", encoding="utf-8")  # noqa: SIM115
        return renamed

    def close(self) -> None:
        with self._lock:
            if self._stream is not None and self._stream is not sys.stdout:
                self._stream.close()
            self._stream = None
