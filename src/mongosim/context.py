"""What a command handler gets: the server, the connection, the database, and the operation's record.

``CommandContext.debug`` collects what the operation did (keysExamined, docsExamined, planSummary...) for the
"Slow query" log line, the profiler and currentOp.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.server import Connection, Server


@dataclass
class CommandContext:
    server: Server
    conn: Connection | None
    db: str
    name: str
    cmd: dict[str, Any]
    protocol: str = "op_msg"
    opid: int = 0
    started: float = field(default_factory=time.monotonic)
    started_wall: float = field(default_factory=time.time)
    # Attributes reported by the "Slow query" log line and the profiler, in the order the handler sets them.
    debug: dict[str, Any] = field(default_factory=dict)
    # Namespace the operation acted on, when it is not "<db>.$cmd".
    ns: str | None = None
    # Profiler "op": query, insert, update, remove, getmore, command.
    op_type: str = "command"
    killed: bool = False

    @property
    def namespace(self) -> str:
        return self.ns or f"{self.db}.$cmd"

    def check_interrupt(self) -> None:
        """Long loops call this at safe points, so killOp and shutdown can stop them."""
        if self.killed:
            raise CommandError("Interrupted", "operation was interrupted")
        if self.server.shutting_down:
            raise CommandError("InterruptedAtShutdown", "interrupted at shutdown")

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)
