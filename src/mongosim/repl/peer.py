"""How one server process talks to another: ``PeerConnection`` (one socket), ``connect`` (the one place a
connection is opened and greeted), ``PeerClient`` (what replication uses: heartbeats, votes, position updates,
oplog fetching) and ``PeerPool``.

A ``PeerConnection`` is an ``asyncio.Protocol``: a request is written straight to the transport and its reply
completes a future from ``data_received`` (no stream reader, lock or task per request), one request at a time.
It is opened with a ``hello`` carrying ``internalClient`` (as mongod's internal connections are) and, when the
process has a keyfile, authenticated as ``__system@local`` (``mongosim.auth.internal``; a refusal is the
PeerError "Authentication failed."). A connection whose request failed, timed out or was abandoned is closed,
never reused: its reply could still arrive.

A ``PeerClient`` holds one connection, one request in flight at a time, reopened on the next call after any
failure. Failures raise ``PeerError`` whose message has mongod's shape, so it can be shown as
``lastHeartbeatMessage``: "Error connecting to h:p :: caused by :: Connection refused".
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import os
import socket
from typing import Any

from mongosim import MAX_WIRE_VERSION, tls
from mongosim.auth import internal
from mongosim.errors import CommandError, ProtocolError
from mongosim.wire import messages as wire

_REQUEST_IDS = itertools.count(1)
# Internal requests may be served by a secondary (initial sync clones from one), as mongod's are.
SECONDARY_PREFERRED = {"mode": "secondaryPreferred"}
_CONNECT_TIMED_OUT = "Couldn't get a connection within the time limit"


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


def _expire(waiter: asyncio.Future[dict[str, Any]]) -> None:
    if not waiter.done():
        waiter.set_exception(TimeoutError())


class PeerConnection(asyncio.Protocol):
    """One open connection to ``host``. ``request`` sends one command and waits for its reply; a failed,
    timed-out or cancelled request closes the connection (``usable`` turns False)."""

    def __init__(self, host: str) -> None:
        self.host = host
        self.transport: asyncio.Transport | None = None
        self.hello: dict[str, Any] | None = None  # the remote's handshake reply
        self.last_used = 0.0  # loop time, kept by pools
        self._buffer = bytearray()
        self._waiter: asyncio.Future[dict[str, Any]] | None = None
        self._request_id = 0
        self._closed = False

    @property
    def closed(self) -> bool:
        return self._closed

    @property
    def usable(self) -> bool:
        """Open and idle: ready for the next request."""
        return not self._closed and self._waiter is None

    # ------------------------------------------------------------------------------------- protocol callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        self._buffer += data
        while True:
            try:
                message = wire.take_message(self._buffer)
                if message is None:
                    return
                waiter = self._waiter
                if waiter is None or waiter.done() or message.response_to != self._request_id:
                    continue  # a reply nobody waits for any more
                if message.op_code == wire.OP_COMPRESSED:
                    message = wire.decompress(message)
                reply = wire.decode_op_msg(message).command()
            except (ProtocolError, CommandError) as exc:
                self._fail(ProtocolError(str(exc)))
                return
            self._waiter = None
            waiter.set_result(reply)

    def eof_received(self) -> bool | None:
        self._fail(EOFError("connection closed by peer"))
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self._fail(exc or EOFError("connection closed by peer"))

    def _fail(self, exc: BaseException) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(exc)
        self.close()

    # ------------------------------------------------------------------------------------- requests
    async def request(self, body: dict[str, Any], deadline: float) -> dict[str, Any]:
        """Send ``body`` (a complete command, ``$db`` included) and return the reply document; raises
        TimeoutError at ``deadline`` (loop time), OSError / EOFError / ProtocolError when the connection fails.
        The connection is closed unless the reply arrived."""
        if self._closed or self.transport is None:
            raise EOFError("connection closed")
        loop = asyncio.get_running_loop()
        waiter: asyncio.Future[dict[str, Any]] = loop.create_future()
        self._request_id = request_id = next(_REQUEST_IDS)
        self._waiter = waiter
        timer = loop.call_at(deadline, _expire, waiter)
        ok = False
        try:
            self.transport.write(wire.encode_op_msg(body, request_id, 0))
            reply = await waiter
            ok = True
            return reply
        finally:
            timer.cancel()
            if not ok:
                self.close()

    async def command(self, db: str, cmd: dict[str, Any], deadline: float, timeout_s: float,
                      read_preference: dict[str, Any] | None = None) -> dict[str, Any]:
        """Run ``cmd`` on database ``db`` (``ok: 0`` replies included); ``PeerError`` when no reply arrives
        by ``deadline``. Without ``read_preference`` the command keeps its own or asks secondaryPreferred."""
        body = dict(cmd)
        body["$db"] = db
        if read_preference is not None:
            body["$readPreference"] = read_preference
        elif "$readPreference" not in body:
            body["$readPreference"] = SECONDARY_PREFERRED
        try:
            return await self.request(body, deadline)
        except TimeoutError as exc:
            raise PeerError(self.host, f"Request timed out after {int(timeout_s * 1000)}ms: "
                            f"{next(iter(cmd), '')} to {self.host}", connect=False, timeout=True) from exc
        except (OSError, EOFError, ProtocolError) as exc:
            raise PeerError(self.host, f"Connection to {self.host} failed: {_cause(exc)}", connect=False) from exc

    def close(self) -> None:
        """Close the socket; a request still waiting fails with EOFError. Idempotent."""
        if self._closed:
            return
        self._closed = True
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_exception(EOFError("connection closed"))
        self._buffer.clear()
        if self.transport is not None:
            self.transport.close()


async def connect(host: str, timeout_s: float) -> PeerConnection:
    """Open a connection to ``host`` and greet it with the internal ``hello``: the one place outgoing
    connections are made (whatever secures or authenticates them belongs here). Raises PeerError."""
    name, port = split_host(host)
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout_s
    try:
        async with asyncio.timeout(timeout_s):
            _, conn = await loop.create_connection(lambda: PeerConnection(host), name, port)
    except TimeoutError as exc:
        raise PeerError(host, _CONNECT_TIMED_OUT, timeout=True) from exc
    except OSError as exc:
        raise PeerError(host, _cause(exc)) from exc
    if tls.client_context() is not None:  # preferTLS / requireTLS: TLS before anything is said
        await _start_tls(conn, name, deadline)
    hello = {"hello": 1, "internalClient": {"minWireVersion": MAX_WIRE_VERSION, "maxWireVersion": MAX_WIRE_VERSION},
             "$db": "admin"}
    auth = internal.current()
    login = auth.client_login() if auth is not None else None  # keyfile: authenticate as __system
    if login is not None:
        hello["speculativeAuthenticate"] = login.speculative()
    try:
        conn.hello = await conn.request(hello, deadline)
    except TimeoutError as exc:
        raise PeerError(host, _CONNECT_TIMED_OUT, timeout=True) from exc
    except (OSError, EOFError, ProtocolError) as exc:
        raise PeerError(host, _cause(exc)) from exc
    if login is not None:
        await _authenticate(conn, login, deadline)
    return conn


async def _start_tls(conn: PeerConnection, server_hostname: str, deadline: float) -> None:
    """Wrap a fresh connection in TLS with the process's outgoing context (mongosim.tls): our certificate (the
    cluster file or the certificate key file) out, the peer's verified against the CA file. Raises PeerError."""
    context = tls.client_context()
    assert context is not None and conn.transport is not None
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(max(0.0, deadline - loop.time())):
            secured = await loop.start_tls(conn.transport, conn, context, server_hostname=server_hostname)
    except TimeoutError as exc:
        conn.close()
        raise PeerError(conn.host, _CONNECT_TIMED_OUT, timeout=True) from exc
    except (OSError, EOFError) as exc:  # ssl.SSLError is an OSError
        conn.close()
        raise PeerError(conn.host, f"SSLHandshakeFailed: {tls.handshake_error(exc)}") from exc
    if secured is None:
        conn.close()
        raise PeerError(conn.host, "SSLHandshakeFailed: connection closed during the TLS handshake")
    conn.transport = secured  # an SSL transport over the socket


async def _authenticate(conn: PeerConnection, login: internal.ClientLogin, deadline: float) -> None:
    """Finish the ``__system@local`` SCRAM conversation the hello started. A refusal fails the connection
    with the peer's answer ("Authentication failed.", what mongod shows as ``lastHeartbeatMessage``)."""
    assert conn.hello is not None
    try:
        await login.finish(conn.hello, lambda body: conn.request(body, deadline))
    except internal.InternalAuthError as exc:
        conn.close()
        raise PeerError(conn.host, str(exc), connect=False) from exc
    except TimeoutError as exc:
        raise PeerError(conn.host, _CONNECT_TIMED_OUT, timeout=True) from exc
    except (OSError, EOFError, ProtocolError) as exc:
        raise PeerError(conn.host, _cause(exc)) from exc


class PeerClient:
    """A connection to the member at ``host``. ``command`` may wait up to ``timeout_s`` for the reply, so a
    tailable awaitData getMore asks for ``maxTimeMS`` plus a margin."""

    def __init__(self, host: str, *, connect_timeout_s: float = 10.0) -> None:
        self.host = host
        self.connect_timeout_s = connect_timeout_s
        self._conn: PeerConnection | None = None
        self._lock = asyncio.Lock()
        # The remote's handshake reply (its hello), refreshed on each reconnect.
        self.hello: dict[str, Any] | None = None

    @property
    def connected(self) -> bool:
        return self._conn is not None and not self._conn.closed

    async def command(self, db: str, cmd: dict[str, Any], timeout_s: float) -> dict[str, Any]:
        """Run ``cmd`` on database ``db`` and return the reply document (``ok: 0`` replies included); raises
        ``PeerError`` when no reply arrives (the connection is then dropped and reopened on the next call)."""
        async with self._lock:
            deadline = asyncio.get_running_loop().time() + timeout_s
            conn = self._conn
            if conn is None or not conn.usable:
                conn = await self._connect(min(self.connect_timeout_s, timeout_s))
            return await conn.command(db, cmd, deadline, timeout_s)

    async def _connect(self, timeout_s: float) -> PeerConnection:
        self.close()
        conn = self._conn = await connect(self.host, timeout_s)
        self.hello = conn.hello
        return conn

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
        self._conn = None


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
