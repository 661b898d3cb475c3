"""``PeerClient``: how one member talks to another (heartbeats, votes, position updates, oplog fetching).

One TCP connection per client, opened lazily with a ``hello`` carrying ``internalClient`` (as mongod's
internal connections do), one request in flight at a time, reconnected on the next call after any failure.
Failures raise ``PeerError`` whose message has mongod's shape, so it can be shown as ``lastHeartbeatMessage``:
"Error connecting to h:p :: caused by :: Connection refused".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
from typing import Any

from mongosim import MAX_WIRE_VERSION
from mongosim.errors import ProtocolError
from mongosim.wire import messages as wire

_REQUEST_IDS = itertools.count(1)


class PeerError(Exception):
    """A request to a peer failed before a reply arrived: connection refused, reset, or timed out.
    ``connect`` tells whether the connection could not be opened (the heartbeat message differs)."""

    def __init__(self, host: str, cause: str, *, connect: bool = True, timeout: bool = False) -> None:
        self.host = host
        self.cause = cause
        self.connect = connect
        self.timeout = timeout
        message = f"Error connecting to {host} :: caused by :: {cause}" if connect else cause
        super().__init__(message)


def split_host(host: str) -> tuple[str, int]:
    """``"h:p"`` (or ``"[v6]:p"``, or ``"h"`` meaning port 27017) as (host, port)."""
    if host.startswith("["):
        name, _, rest = host[1:].partition("]")
        return name, int(rest.lstrip(":") or 27017)
    name, sep, port = host.rpartition(":")
    if not sep:
        return host, 27017
    return name, int(port)


def _cause(exc: BaseException) -> str:
    """The cause as mongod words it (``errnoWithDescription``)."""
    if isinstance(exc, OSError) and exc.errno is not None:
        return os.strerror(exc.errno)
    if isinstance(exc, socket.gaierror):
        return f"Could not find address for host: {exc}"
    return str(exc) or type(exc).__name__


class PeerClient:
    """A connection to the member at ``host``. ``command`` may wait up to ``timeout_s`` for the reply, so a
    tailable awaitData getMore asks for ``maxTimeMS`` plus a margin."""

    def __init__(self, host: str, *, connect_timeout_s: float = 10.0) -> None:
        self.host = host
        self.connect_timeout_s = connect_timeout_s
        self._reader: asyncio.StreamReader | None = None
        self._writer: asyncio.StreamWriter | None = None
        self._lock = asyncio.Lock()
        self._buffer = bytearray()
        # The remote's handshake reply (its hello), refreshed on each reconnect.
        self.hello: dict[str, Any] | None = None

    @property
    def connected(self) -> bool:
        return self._writer is not None

    async def command(self, db: str, cmd: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Run ``cmd`` on database ``db`` and return the reply document (``ok: 0`` replies included); raises
        ``PeerError`` when no reply arrives (the connection is then dropped and reopened on the next call)."""
        async with self._lock:
            loop = asyncio.get_running_loop()
            deadline = loop.time() + timeout_s
            if self._writer is None:
                await self._connect(min(self.connect_timeout_s, timeout_s))
            body = dict(cmd)
            body["$db"] = db
            # Internal requests may be served by a secondary (initial sync clones from one), as mongod's are.
            body.setdefault("$readPreference", {"mode": "secondaryPreferred"})
            remaining = max(0.001, deadline - loop.time())
            try:
                # asyncio.timeout, not wait_for: on Python 3.11 wait_for swallows a cancellation that arrives as
                # the reply does, and the cancelled caller (a stopping fetcher) would carry on.
                async with asyncio.timeout(remaining):
                    return await self._round_trip(body)
            except TimeoutError as exc:
                self.close()
                raise PeerError(self.host, f"Request timed out after {int(timeout_s * 1000)}ms: "
                                f"{next(iter(cmd), '')} to {self.host}", connect=False, timeout=True) from exc
            except (OSError, EOFError, ProtocolError, asyncio.IncompleteReadError) as exc:
                self.close()
                raise PeerError(self.host, f"Connection to {self.host} failed: {_cause(exc)}",
                                connect=False) from exc

    async def _connect(self, timeout_s: float) -> None:
        name, port = split_host(self.host)
        try:
            async with asyncio.timeout(timeout_s):
                reader, writer = await asyncio.open_connection(name, port)
        except TimeoutError as exc:
            raise PeerError(self.host, "Couldn't get a connection within the time limit", timeout=True) from exc
        except OSError as exc:
            raise PeerError(self.host, _cause(exc)) from exc
        self._reader, self._writer = reader, writer
        sock = writer.get_extra_info("socket")
        if sock is not None:
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self._buffer.clear()
        hello = {"hello": 1, "internalClient": {"minWireVersion": MAX_WIRE_VERSION,
                                                "maxWireVersion": MAX_WIRE_VERSION}, "$db": "admin"}
        try:
            async with asyncio.timeout(timeout_s):
                self.hello = await self._round_trip(hello)
        except (TimeoutError, OSError, EOFError, ProtocolError, asyncio.IncompleteReadError) as exc:
            self.close()
            raise PeerError(self.host, _cause(exc) if not isinstance(exc, TimeoutError)
                            else "Couldn't get a connection within the time limit") from exc

    async def _round_trip(self, body: dict[str, Any]) -> dict[str, Any]:
        assert self._reader is not None and self._writer is not None
        request_id = next(_REQUEST_IDS)
        self._writer.write(wire.encode_op_msg(body, request_id, 0))
        await self._writer.drain()
        while True:
            message = wire.take_message(self._buffer)
            if message is not None:
                if message.op_code == wire.OP_COMPRESSED:
                    message = wire.decompress(message)
                if message.response_to != request_id:
                    continue  # a stale reply to a request that timed out before this reconnect
                return wire.decode_op_msg(message).command()
            chunk = await self._reader.read(65536)
            if not chunk:
                raise EOFError("connection closed by peer")
            self._buffer += chunk

    def close(self) -> None:
        if self._writer is not None:
            self._writer.close()
        self._reader = self._writer = None
        self._buffer.clear()


class PeerPool:
    """One ``PeerClient`` per member and purpose: heartbeats must not queue behind a long oplog getMore."""

    def __init__(self) -> None:
        self._clients: dict[tuple[str, str], PeerClient] = {}

    def get(self, host: str, purpose: str = "repl") -> PeerClient:
        key = (host, purpose)
        client = self._clients.get(key)
        if client is None:
            client = self._clients[key] = PeerClient(host)
        return client

    def forget(self, keep: set[str]) -> None:
        """Close the clients of hosts that left the configuration."""
        for key in [k for k in self._clients if k[0] not in keep]:
            self._clients.pop(key).close()

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
