"""One client connection: framing from the socket buffer, dispatch, replies, flow control, close.

Connections are ``asyncio.Protocol`` objects: a complete message is handled straight from ``data_received``,
and a command whose handler runs synchronously (nearly all of them) is answered in the same callback, with no
task or future per message. Only a command that waits (awaitable hello, a write behind an fsync lock, a
tailable getMore) continues in a task; meanwhile later messages from the same client wait in the buffer, so
replies keep request order as on a mongod service thread.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import socket
import time
import uuid
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from mongosim import commands, logs, tls
from mongosim.auth.session import AuthSession
from mongosim.context import CommandContext
from mongosim.errors import CloseConnection, CommandError, ProtocolError
from mongosim.wire import messages as wire

if TYPE_CHECKING:
    from mongosim.server import Server

_LEGACY_OPCODE_HELP = ("The client driver may require an upgrade. For more details see "
                       "https://dochub.mongodb.org/core/legacy-opcode-removal")


def format_address(addr: Any) -> str:
    if isinstance(addr, tuple) and len(addr) >= 2:
        host = addr[0]
        return f"[{host}]:{addr[1]}" if ":" in host else f"{host}:{addr[1]}"
    if isinstance(addr, str) and addr:
        return addr
    return "anonymous unix socket"


class Connection(asyncio.Protocol):
    def __init__(self, server: Server) -> None:
        self.server = server
        self.id = 0
        self.remote = ""
        self.local = ""
        self.client_metadata: dict[str, Any] | None = None
        self.hello_count = 0
        self.created = time.time()
        self.current: CommandContext | None = None
        # Who the client authenticated as and what that allows (mongosim.auth.session).
        self.auth = AuthSession(self)
        self.state: dict[str, Any] = {}
        self.transport: asyncio.Transport | None = None
        # TLS (mongosim.tls): the first bytes while it is not known whether the client speaks TLS, then the
        # session (which is also ``transport``) when it does.
        self.tls_pending: bytearray | None = None
        self.tls: tls.TlsSession | None = None
        self._buffer = bytearray()
        self._response_ids = itertools.count(1)
        self._pending: asyncio.Task[None] | None = None
        self._write_paused = False
        self._closed = False

    @property
    def ctx_name(self) -> str:
        return f"conn{self.id}"

    @property
    def app_name(self) -> str | None:
        meta = self.client_metadata or {}
        app = meta.get("application")
        return app.get("name") if isinstance(app, dict) else None

    @property
    def is_loopback(self) -> bool:
        host = self.remote.rsplit(":", 1)[0].strip("[]")
        return host in ("::1", "localhost") or host.startswith("127.") or self.remote == "anonymous unix socket"

    # ------------------------------------------------------------------------------------- protocol callbacks
    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]  # a stream transport, whatever the loop
        server = self.server
        if server.shutting_down:
            self._closed = True
            transport.close()
            return
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            with contextlib.suppress(OSError):
                sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.remote = format_address(transport.get_extra_info("peername"))
        self.local = format_address(transport.get_extra_info("sockname"))
        self.id = server.register_connection(self)
        self.state["uuid"] = str(uuid.uuid4())
        self.tls_pending = bytearray()  # mongosim.tls.receive looks at the first bytes, whatever the mode
        server.log.info("NETWORK", logs.ID_CONN_ACCEPTED, "listener", "Connection accepted",
                        {"remote": self.remote, "isLoadBalanced": False, "uuid": {"$uuid": self.state["uuid"]},
                         "connectionId": self.id, "connectionCount": len(server.connections)})

    def data_received(self, data: bytes) -> None:
        if self.tls_pending is not None or self.tls is not None:
            data = tls.receive(self, data)
            if not data:
                return
        self._buffer += data
        self._process()

    def eof_received(self) -> bool | None:
        self.close()
        return None

    def connection_lost(self, exc: Exception | None) -> None:
        self.close()

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        self._process()

    # ------------------------------------------------------------------------------------- messages
    def _process(self) -> None:
        """Handle every complete message in the buffer, unless a command is still waiting or the client is
        not reading its replies."""
        server = self.server
        while self._pending is None and not self._write_paused and not self._closed:
            try:
                message = wire.take_message(self._buffer)
                if message is None:
                    return
                server.stats.bytes_in += message.length
                server.stats.num_requests += 1
                waiting = self._handle(message)
            except ProtocolError as exc:
                self._log_bad_message(exc)
                self.close()
                return
            except CloseConnection:
                self.close()
                return
            if waiting is not None:
                self._pending = asyncio.get_running_loop().create_task(self._wait(waiting))

    async def _wait(self, waiting: Awaitable[None]) -> None:
        try:
            await waiting
        except CloseConnection:
            self.close()
        except asyncio.CancelledError:
            return
        self._pending = None
        self._process()

    def _log_bad_message(self, exc: ProtocolError) -> None:
        self.server.log.log("W", "NETWORK", logs.ID_BAD_MESSAGE, self.ctx_name,
                            "Error receiving request from client. Ending connection from remote",
                            {"error": {"code": 17, "codeName": "ProtocolError", "errmsg": str(exc)},
                             "remote": self.remote, "connectionId": self.id})

    def _handle(self, message: wire.Message) -> Awaitable[None] | None:
        if message.op_code == wire.OP_COMPRESSED:
            message = wire.decompress(message)
        if message.op_code == wire.OP_MSG:
            return self._handle_op_msg(message)
        if message.op_code == wire.OP_QUERY:
            return self._handle_op_query(message)
        if message.op_code in wire.REMOVED_OPCODES:
            raise ProtocolError(f"{wire.REMOVED_OPCODES[message.op_code]} is no longer supported "
                                f"(opcode {message.op_code})")
        raise ProtocolError(f"Unknown opcode {message.op_code}")

    def _handle_op_msg(self, message: wire.Message) -> Awaitable[None] | None:
        try:
            request = wire.decode_op_msg(message)
        except CommandError as exc:
            self._send(wire.encode_op_msg(exc.to_document(), next(self._response_ids), message.request_id))
            return None
        cmd = request.command()
        db = cmd.get("$db")
        ctx = self.server.new_context(self, db if isinstance(db, str) else "", cmd, "op_msg")
        if not isinstance(db, str):
            reply: Any = CommandError(40571, "OP_MSG requests require a $db argument").to_document()
        else:
            reply = self.server.execute(ctx)
        if isinstance(reply, dict):
            self._answer_op_msg(ctx, request, message, reply)
            return None
        return self._answer_op_msg_later(ctx, request, message, reply)

    async def _answer_op_msg_later(self, ctx: CommandContext, request: wire.OpMsg, message: wire.Message,
                                   pending: Awaitable[dict[str, Any]]) -> None:
        self._answer_op_msg(ctx, request, message, await pending)

    def _answer_op_msg(self, ctx: CommandContext, request: wire.OpMsg, message: wire.Message,
                       reply: dict[str, Any]) -> None:
        if request.more_to_come:
            self.server.finish(ctx, reply, 0)
            if reply.get("code") == 10107:  # not primary on a fire-and-forget write: close, as mongod does
                raise CloseConnection
            return
        data = wire.encode_op_msg(reply, next(self._response_ids), message.request_id,
                                  checksum=request.checksum_present)
        self._send(data)
        self.server.finish(ctx, reply, len(data))

    def _handle_op_query(self, message: wire.Message) -> Awaitable[None] | None:
        request = wire.decode_op_query(message)
        cmd = request.command()
        ctx = self.server.new_context(self, request.database, cmd, "op_query")
        name = next(iter(cmd), "")
        reply: Any
        if not request.full_collection_name.endswith(".$cmd"):
            reply = CommandError(5739101, f"OP_QUERY is no longer supported. {_LEGACY_OPCODE_HELP}").to_document()
        elif name not in commands.OP_QUERY_ALLOWED:
            reply = CommandError("UnsupportedOpQueryCommand",
                                 f"Unsupported OP_QUERY command: {name}. {_LEGACY_OPCODE_HELP}").to_document()
        else:
            reply = self.server.execute(ctx)
        if isinstance(reply, dict):
            self._answer_op_query(ctx, message, reply)
            return None
        return self._answer_op_query_later(ctx, message, reply)

    async def _answer_op_query_later(self, ctx: CommandContext, message: wire.Message,
                                     pending: Awaitable[dict[str, Any]]) -> None:
        self._answer_op_query(ctx, message, await pending)

    def _answer_op_query(self, ctx: CommandContext, message: wire.Message, reply: dict[str, Any]) -> None:
        data = wire.encode_op_reply(reply, next(self._response_ids), message.request_id)
        self._send(data)
        self.server.finish(ctx, reply, len(data))

    def _send(self, data: bytes) -> None:
        if self.transport is None or self._closed:
            return
        self.server.stats.bytes_out += len(data)
        self.transport.write(data)

    # ------------------------------------------------------------------------------------- close
    def close(self) -> None:
        """Close the socket and forget the connection; a waiting command is cancelled. Idempotent."""
        if self._closed:
            return
        self._closed = True
        if self._pending is not None and self._pending is not asyncio.current_task():
            self._pending.cancel()
        if self.transport is not None:
            self.transport.close()
        if self.server.unregister_connection(self):
            self.server.log.info("NETWORK", logs.ID_CONN_ENDED, self.ctx_name, "Connection ended",
                                 {"remote": self.remote, "uuid": {"$uuid": self.state.get("uuid", "")},
                                  "connectionId": self.id, "connectionCount": len(self.server.connections)})
            for hook in self.server.connection_closed_hooks:
                hook(self)
