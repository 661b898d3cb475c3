"""What a command handler gets: the server, the connection, the database, and the operation's record.

``CommandContext.debug`` collects what the operation did (keysExamined, docsExamined, planSummary...) for the
"Slow query" log line, the profiler and currentOp.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.connection import Connection
    from mongosim.server import Server


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
    # Why the operation was killed: killOp gives Interrupted, a step-down InterruptedDueToReplStateChange.
    kill_code: str = "Interrupted"
    kill_message: str = "operation was interrupted"
    # A shard's orphan filter for a versioned command on a sharded collection: (namespace, owns(doc)). Scans of
    # that namespace skip the documents the shard does not own (sharding/shard.py sets it).
    shard_filter: tuple[str, Callable[[dict[str, Any]], bool]] | None = None
    # Set by kill(): operations waiting (awaitable hello, writes behind an fsync lock) wake up at once.
    _interrupt: asyncio.Event | None = None

    def kill(self, code: str = "Interrupted", message: str = "operation was interrupted") -> None:
        """killOp (or a state change): the operation fails with ``code`` at its next check or wait."""
        self.killed = True
        self.kill_code = code
        self.kill_message = message
        if self._interrupt is not None:
            self._interrupt.set()

    async def wait_for(self, event: asyncio.Event, timeout_s: float | None = None) -> bool:
        """Wait until ``event`` is set (True) or ``timeout_s`` passes (False); raises Interrupted if the
        operation is killed meanwhile, or InterruptedAtShutdown if the server is stopping."""
        self.check_interrupt()
        if event.is_set():
            return True
        if self._interrupt is None:
            self._interrupt = asyncio.Event()
        waiters = [asyncio.ensure_future(event.wait()), asyncio.ensure_future(self._interrupt.wait())]
        try:
            await asyncio.wait(waiters, timeout=timeout_s, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for waiter in waiters:
                waiter.cancel()
        self.check_interrupt()
        return event.is_set()

    @property
    def namespace(self) -> str:
        return self.ns or f"{self.db}.$cmd"

    def check_interrupt(self) -> None:
        """Long loops call this at safe points, so killOp and shutdown can stop them."""
        if self.killed:
            raise CommandError(self.kill_code, self.kill_message)
        if self.server.shutting_down:
            raise CommandError("InterruptedAtShutdown", "interrupted at shutdown")

    def elapsed_ms(self) -> int:
        return int((time.monotonic() - self.started) * 1000)
