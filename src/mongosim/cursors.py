"""Server-side cursors: ids, batches for getMore, idle time-out (10 minutes, as cursorTimeoutMillis)."""

from __future__ import annotations

import random
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from bson.int64 import Int64

DEFAULT_TIMEOUT_MS = 600_000


@dataclass
class Cursor:
    id: int
    ns: str
    source: Iterator[dict[str, Any]]
    originating_command: dict[str, Any]
    connection_id: int | None = None
    lsid: Any = None
    tailable: bool = False
    await_data: bool = False
    no_timeout: bool = False
    plan_summary: str | None = None
    created: float = field(default_factory=time.time)
    last_access: float = field(default_factory=time.time)
    n_returned: int = 0
    n_batches: int = 0
    # Tailable cursors on capped collections remember where they are, to resume after new inserts.
    resume_state: Any = None
    killed: bool = False
    pinned: bool = False


class CursorManager:
    def __init__(self) -> None:
        self._cursors: dict[int, Cursor] = {}
        self.timeout_ms = DEFAULT_TIMEOUT_MS

    def new_id(self) -> Int64:
        while True:
            cursor_id = random.getrandbits(62) + 1
            if cursor_id not in self._cursors:
                return Int64(cursor_id)

    def register(self, cursor: Cursor) -> Cursor:
        self._cursors[cursor.id] = cursor
        return cursor

    def get(self, cursor_id: int) -> Cursor | None:
        return self._cursors.get(int(cursor_id))

    def remove(self, cursor_id: int) -> Cursor | None:
        return self._cursors.pop(int(cursor_id), None)

    def all(self) -> list[Cursor]:
        return list(self._cursors.values())

    def open_count(self) -> int:
        return len(self._cursors)

    def expire_idle(self, now: float | None = None) -> list[Cursor]:
        now = now or time.time()
        expired = [c for c in self._cursors.values()
                   if not c.no_timeout and not c.pinned and (now - c.last_access) * 1000 > self.timeout_ms]
        for cursor in expired:
            self._cursors.pop(cursor.id, None)
        return expired

    def kill_for_namespace(self, ns: str) -> None:
        for cursor in [c for c in self._cursors.values() if c.ns == ns or c.ns.startswith(ns + ".")]:
            cursor.killed = True
            self._cursors.pop(cursor.id, None)
