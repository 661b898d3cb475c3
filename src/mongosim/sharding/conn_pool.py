"""``ConnectionPool``: the connections a router or shard keeps to one member of another replica set (mongod's
sharding task executor pool), so that concurrent requests to one host never queue behind each other: a command
that waits (a tailable awaitData getMore, a write behind an fsync lock, a long find) holds only its own
connection.

A request takes the most recently returned idle connection, or opens a new one through ``peer.connect`` (the
one connect path) while the host has fewer than ``MAX_SIZE``; beyond that it waits for one to come back, until
its deadline. A connection whose request failed, timed out or was cancelled is discarded (``PeerConnection``
closes itself); idle connections are closed after ``IDLE_TIMEOUT_S``. ``stats()`` has the per-host fields of
``connPoolStats``.
"""

from __future__ import annotations

import asyncio
from collections import deque
from typing import Any

from mongosim.repl.peer import PeerConnection, PeerError, connect

# ShardingTaskExecutorPoolMaxSize is unlimited by default; a simulator keeps a bound all the same.
MAX_SIZE = 64
# ShardingTaskExecutorPoolHostTimeoutMS: how long an unused connection is kept.
IDLE_TIMEOUT_S = 300.0


class ConnectionPool:
    """Connections to the member at ``host``, with ``PeerClient``'s ``command`` and ``PeerError`` semantics."""

    def __init__(self, host: str, *, max_size: int = MAX_SIZE, idle_timeout_s: float = IDLE_TIMEOUT_S,
                 connect_timeout_s: float = 5.0) -> None:
        self.host = host
        self.max_size = max_size
        self.idle_timeout_s = idle_timeout_s
        self.connect_timeout_s = connect_timeout_s
        self.hello: dict[str, Any] | None = None  # the handshake reply of the newest connection
        self.created = 0
        self.refreshing = 0  # connections being opened
        self._idle: list[PeerConnection] = []  # oldest first; requests take the newest
        self._in_use: set[PeerConnection] = set()
        self._waiters: deque[asyncio.Future[None]] = deque()
        self._reaper: asyncio.TimerHandle | None = None

    @property
    def in_use(self) -> int:
        return len(self._in_use)

    @property
    def available(self) -> int:
        return len(self._idle)

    def stats(self) -> dict[str, int]:
        return {"inUse": self.in_use, "available": self.available, "created": self.created,
                "refreshing": self.refreshing}

    async def command(self, db: str, cmd: dict[str, Any], timeout_s: float,
                      read_preference: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``cmd`` on database ``db`` over a pooled connection and return the reply (``ok: 0`` replies
        included); raises ``PeerError`` when no connection or no reply is had within ``timeout_s``."""
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout_s
        conn = self._take_idle() or await self._checkout(deadline, timeout_s)
        self._in_use.add(conn)
        try:
            return await conn.command(db, cmd, deadline, timeout_s, read_preference)
        finally:
            self._checkin(conn, loop)

    def _take_idle(self) -> PeerConnection | None:
        idle = self._idle
        while idle:
            conn = idle.pop()
            if conn.usable:
                return conn
        return None

    async def _checkout(self, deadline: float, timeout_s: float) -> PeerConnection:
        loop = asyncio.get_running_loop()
        while True:
            conn = self._take_idle()
            if conn is not None:
                return conn
            if self.in_use + self.refreshing < self.max_size:
                self.refreshing += 1
                try:
                    conn = await connect(self.host, max(0.001, min(self.connect_timeout_s, deadline - loop.time())))
                finally:
                    self.refreshing -= 1
                self.created += 1
                self.hello = conn.hello
                return conn
            waiter: asyncio.Future[None] = loop.create_future()
            self._waiters.append(waiter)
            try:
                async with asyncio.timeout_at(deadline):
                    await waiter
            except TimeoutError as exc:
                raise PeerError(self.host, "Couldn't get a connection within the time limit of "
                                f"{int(timeout_s * 1000)}ms", connect=False, timeout=True) from exc
            finally:
                if waiter in self._waiters:
                    self._waiters.remove(waiter)

    def _checkin(self, conn: PeerConnection, loop: asyncio.AbstractEventLoop) -> None:
        self._in_use.discard(conn)
        if conn.usable:
            conn.last_used = loop.time()
            self._idle.append(conn)
            if self._reaper is None:
                self._reaper = loop.call_at(self._idle[0].last_used + self.idle_timeout_s, self._reap)
        if self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)

    def _reap(self) -> None:
        """Close the connections idle for longer than ``idle_timeout_s``; run again for the next one to expire."""
        self._reaper = None
        loop = asyncio.get_running_loop()
        cutoff = loop.time() - self.idle_timeout_s
        expired = [c for c in self._idle if c.last_used <= cutoff or not c.usable]
        if expired:
            self._idle = [c for c in self._idle if c not in expired]
            for conn in expired:
                conn.close()
        if self._idle:
            self._reaper = loop.call_at(self._idle[0].last_used + self.idle_timeout_s, self._reap)

    def close(self) -> None:
        """Close every connection, idle or busy (a busy one's request fails with PeerError); the pool stays
        usable and opens new connections on the next request."""
        if self._reaper is not None:
            self._reaper.cancel()
            self._reaper = None
        for conn in [*self._idle, *self._in_use]:
            conn.close()
        self._idle.clear()
        while self._waiters:
            waiter = self._waiters.popleft()
            if not waiter.done():
                waiter.set_result(None)
