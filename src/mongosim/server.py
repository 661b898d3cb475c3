"""The asyncio server: listeners, command execution, operation accounting, background jobs, shutdown.

Connections (``connection.py``) hand each command to ``Server.execute``, which runs it to completion on the
event loop; handlers that wait (awaitable hello, tailable getMore, writes behind an fsync lock) are coroutines,
so one waiting client never blocks another.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import os
import random
import socket
import time
import traceback
from collections.abc import Awaitable, Callable
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim import commands, logs, profiler
from mongosim.cli import ServerConfig
from mongosim.connection import Connection
from mongosim.context import CommandContext
from mongosim.cursors import CursorManager
from mongosim.errors import CloseConnection, CommandError
from mongosim.query.match import matcher
from mongosim.stats import ServerStats
from mongosim.storage.engine import StorageEngine
from mongosim.tls import TlsManager, TlsSetupError

_SLOW_PRE = ("planSummary", "planningTimeMicros", "nShards", "cursorid", "exhaust", "keysExamined",
             "docsExamined", "hasSortStage", "usedDisk", "fromMultiPlanner", "fromPlanCache", "nMatched",
             "nBatches", "nModified", "ninserted", "ndeleted", "nUpserted", "cursorExhausted", "keysInserted",
             "keysDeleted", "writeConflicts")
_SLOW_POST = ("nreturned", "queryHash", "planCacheShapeHash", "planCacheKey", "queryFramework")
_READ_COMMANDS = frozenset({"find", "getMore", "aggregate", "count", "distinct"})
_WRITE_COMMANDS = frozenset({"insert", "update", "delete", "findAndModify"})
_SECRET_FIELDS = frozenset({"pwd", "password", "payload", "saslStart", "saslContinue", "key", "keyFile"})


class StartupError(Exception):
    """The server cannot start: the message mongod prints and the exit code it uses (48 address in use,
    100 dbpath problems, 2 bad options, 1 global initialisation). ``logged``: the failure is in the log already."""

    def __init__(self, message: str, exit_code: int, *, logged: bool = False) -> None:
        super().__init__(message)
        self.exit_code = exit_code
        self.logged = logged


def redact(value: Any) -> Any:
    """A copy of a command with credentials replaced, for logs and currentOp."""
    if isinstance(value, dict):
        return {k: ("###" if k in _SECRET_FIELDS and k != "saslStart" else redact(v)) for k, v in value.items()}
    if isinstance(value, list):
        return [redact(v) for v in value]
    return value


ReplyHook = Callable[[CommandContext, dict[str, Any]], None]
OpObserver = Callable[[CommandContext, dict[str, Any], int, int], None]


class Server:
    def __init__(self, config: ServerConfig, logger: logs.Logger) -> None:
        self.config = config
        self.log = logger
        self.process = config.process
        self.started = time.time()
        self.started_monotonic = time.monotonic()
        self.pid = os.getpid()
        self.hostname = socket.gethostname()
        self.process_id = ObjectId()
        self.topology_counter = 0
        self._topology_changed = asyncio.Event()
        self.connections: dict[int, Connection] = {}
        self._connection_ids = itertools.count(1)
        self._opids = itertools.count(1)
        self.active_ops: dict[int, CommandContext] = {}
        self.stats = ServerStats()
        self.cursors = CursorManager()
        self.storage: StorageEngine | None = None
        # Set by mongosim.repl.install for a --replSet member: the ReplicationCoordinator and the Oplog.
        self.repl: Any = None
        self.oplog: Any = None
        self.parameters: dict[str, Any] = {}
        self.slowms = config.slowms
        self.slow_op_sample_rate = config.slow_op_sample_rate
        self.profile_level = config.profile_level
        self.shutting_down = False
        # fsync {lock: true} holds writes until fsyncUnlock; writers await wait_writes_allowed().
        self.fsync_lock_count = 0
        self._writes_allowed = asyncio.Event()
        self._writes_allowed.set()
        self.bound_port: int | None = None
        self._listeners: list[asyncio.AbstractServer] = []
        self._stopped = asyncio.Event()
        self._periodic: list[asyncio.Task[None]] = []
        # Extension points for the layers above the core (replication, sharding, auth, profiler).
        self.reply_hooks: list[ReplyHook] = []
        self.op_observers: list[OpObserver] = []
        self.connection_closed_hooks: list[Callable[[Connection], None]] = []
        self.before_command: list[Callable[[CommandContext, Any], Awaitable[None] | None]] = []
        self.shutdown_hooks: list[Callable[[], Awaitable[None] | None]] = []
        # Authentication (mongosim.auth): the user directory, and a counter bumped by every user or role change
        # so authenticated sessions know to recompute their privileges.
        self.users: Any = None
        self.auth_generation = 0
        # TLS (mongosim.tls.TlsManager), None when net.tls.mode is disabled.
        self.tls: TlsManager | None = None
        # The audit log (mongosim.audit) when --auditDestination is set.
        self.audit: Any = None
        commands.load_all()
        profiler.install(self)

    # ----------------------------------------------------------------------------------------- start/stop
    @property
    def host_and_port(self) -> str:
        port = self.bound_port or self.config.port
        return self.hostname if port == 27017 else f"{self.hostname}:{port}"

    def uptime(self) -> float:
        return time.monotonic() - self.started_monotonic

    async def start(self) -> None:
        """Open storage and start listening; raises StartupError with mongod's exit code on failure."""
        try:  # certificates are read first, as mongod's global initialisation does
            self.tls = TlsManager.start(self.config, self.log, "initandlisten" if self.process == "mongod"
                                        else "mongosMain")
        except TlsSetupError as exc:
            raise StartupError(exc.errmsg, 1, logged=True) from exc
        if self.process == "mongod":
            from mongosim.storage.engine import StorageStartupError

            self.storage = StorageEngine(self.config.dbpath, log=self.log)
            try:
                self.storage.open()
            except StorageStartupError as exc:
                raise StartupError(str(exc), exc.exit_code) from exc
        from mongosim.auth.install import install as install_auth

        install_auth(self)
        from mongosim.audit.events import install as install_audit

        install_audit(self)
        port = self.config.port
        for host in self.config.bind_ips:
            try:
                listener = await asyncio.get_running_loop().create_server(
                    lambda: Connection(self), host=host, port=port, reuse_address=True, backlog=512)
            except OSError as exc:
                await self._close_listeners()
                if self.storage is not None:
                    self.storage.close()
                # mongod exits with EXIT_NET_ERROR (48) whatever stopped the listener.
                code = 48
                self.log.error("NETWORK", 23024, "initandlisten", "Failed to set up listener",
                               {"error": {"code": 9001, "codeName": "SocketException",
                                          "errmsg": os.strerror(exc.errno or errno.EADDRINUSE)}})
                raise StartupError(f"Failed to set up listener: SocketException: "
                                   f"{os.strerror(exc.errno or errno.EADDRINUSE)}", code) from exc
            self._listeners.append(listener)
            sockname = listener.sockets[0].getsockname() if listener.sockets else (host, port)
            self.bound_port = sockname[1]
            self.log.info("NETWORK", logs.ID_LISTENING, "listener", "Listening on", {"address": host})
        self.add_periodic("clientcursormon", 4.0, self._expire_cursors)
        if self.storage is not None:
            from mongosim.storage.background import register_jobs

            register_jobs(self)
        if self.config.repl_set and self.process == "mongod":
            # Replication starts once the listeners exist: members reach each other through them.
            from mongosim.repl.install import install

            await install(self)
            if self.config.cluster_role == "shardsvr":
                from mongosim.sharding.shard import install as install_shard

                await install_shard(self)
            elif self.config.cluster_role == "configsvr":
                from mongosim.sharding.configsvr import install as install_configsvr

                install_configsvr(self)
        if self.process == "mongos":
            from mongosim.sharding.router import install as install_router

            await install_router(self)
        self.log.info("NETWORK", logs.ID_WAITING, "listener", "Waiting for connections",
                      {"port": self.bound_port, "ssl": "off" if self.tls is None else "on"})

    def add_periodic(self, name: str, interval: float, fn: Callable[[], Awaitable[None] | None]) -> None:
        async def loop() -> None:
            while not self.shutting_down:
                await asyncio.sleep(interval)
                try:
                    result = fn()
                    if asyncio.iscoroutine(result):
                        await result
                except Exception as exc:  # a background job must not die silently
                    self.log.error("-", 23000, name, "Background job failed",
                                   {"error": repr(exc), "trace": traceback.format_exc(limit=5)})

        self._periodic.append(asyncio.get_running_loop().create_task(loop(), name=name))

    def _expire_cursors(self) -> None:
        for cursor in self.cursors.expire_idle():
            self.stats.cursors_timed_out += 1
            self.log.info("QUERY", logs.ID_CURSOR_TIMED_OUT, "clientcursormon", "Cursor timed out",
                          {"cursorId": Int64(cursor.id), "idleSince": cursor.last_access})

    async def wait_stopped(self) -> None:
        await self._stopped.wait()

    def request_shutdown(self, reason: str) -> None:
        if self.shutting_down:
            return
        self.shutting_down = True
        asyncio.get_running_loop().create_task(self._shutdown(reason))

    async def _close_listeners(self) -> None:
        for listener in self._listeners:
            listener.close()
        self._listeners.clear()

    async def _shutdown(self, reason: str) -> None:
        self.log.info("NETWORK", logs.ID_SHUTDOWN_LISTENERS, "SignalHandler",
                      "Shutdown: going to close listening sockets", {"reason": reason})
        await self._close_listeners()
        for hook in self.shutdown_hooks:
            result = hook()
            if asyncio.iscoroutine(result):
                await result
        for task in self._periodic:
            task.cancel()
        for conn in list(self.connections.values()):
            conn.close()
        if self.storage is not None:
            self.storage.close()
        self._stopped.set()

    # ----------------------------------------------------------------------------------------- fsync lock
    async def wait_writes_allowed(self, ctx: CommandContext) -> None:
        """Every write command awaits this before changing data: it blocks while fsync holds the lock."""
        while not self._writes_allowed.is_set():
            await ctx.wait_for(self._writes_allowed)

    def set_fsync_locked(self, count: int) -> None:
        self.fsync_lock_count = count
        if count > 0:
            self._writes_allowed.clear()
        else:
            self._writes_allowed.set()

    # ----------------------------------------------------------------------------------------- topology
    def bump_topology(self) -> None:
        """A state change: awaitable hello waiters wake up with the new topologyVersion."""
        self.topology_counter += 1
        self._topology_changed.set()
        self._topology_changed = asyncio.Event()

    def topology_version(self) -> dict[str, Any]:
        return {"processId": self.process_id, "counter": Int64(self.topology_counter)}

    async def wait_topology_change(self, ctx: CommandContext, timeout_s: float) -> bool:
        """Awaitable hello: True when the topology changed within ``timeout_s``; killOp interrupts it."""
        return await ctx.wait_for(self._topology_changed, timeout_s)

    # ----------------------------------------------------------------------------------------- connections
    def register_connection(self, conn: Connection) -> int:
        """A new client connection: its connectionId (as hello and the log report it)."""
        connection_id = next(self._connection_ids)
        self.connections[connection_id] = conn
        self.stats.connections_created += 1
        return connection_id

    def unregister_connection(self, conn: Connection) -> bool:
        return self.connections.pop(conn.id, None) is not None

    # ----------------------------------------------------------------------------------------- commands
    def new_context(self, conn: Connection | None, db: str, cmd: dict[str, Any], protocol: str) -> CommandContext:
        name = next(iter(cmd), "")
        return CommandContext(self, conn, db, name, cmd, protocol, next(self._opids))

    def execute(self, ctx: CommandContext) -> dict[str, Any] | Awaitable[dict[str, Any]]:
        """Run one command: its reply document (errors become ``ok: 0`` replies), or, when a pre-command hook or
        the handler has to wait, an awaitable of it. Synchronous handlers complete without any coroutine."""
        self.active_ops[ctx.opid] = ctx
        if ctx.conn is not None:
            ctx.conn.current = ctx
        try:
            spec = self._admit(ctx)
            for position, check in enumerate(self.before_command):
                pending = check(ctx, spec)
                if asyncio.iscoroutine(pending):
                    return self._execute_later(ctx, spec, pending, self.before_command[position + 1:])
            result = spec.handler(ctx, ctx.cmd)
            if asyncio.iscoroutine(result):
                return self._execute_later(ctx, spec, result, None)
        except Exception as exc:
            return self._complete(ctx, None, exc)
        return self._complete(ctx, result, None)  # type: ignore[arg-type]

    async def _execute_later(self, ctx: CommandContext, spec: commands.CommandSpec, pending: Awaitable[Any],
                             remaining_checks: list[Any] | None) -> dict[str, Any]:
        """The rest of ``execute`` once something had to wait: ``pending`` is a pre-command hook (then
        ``remaining_checks`` and the handler follow) or the handler itself (``remaining_checks`` is None)."""
        try:
            result = await pending
            if remaining_checks is not None:
                for check in remaining_checks:
                    waiting = check(ctx, spec)
                    if asyncio.iscoroutine(waiting):
                        await waiting
                result = spec.handler(ctx, ctx.cmd)
                if asyncio.iscoroutine(result):
                    result = await result
        except Exception as exc:
            return self._complete(ctx, None, exc)
        return self._complete(ctx, result, None)

    def _admit(self, ctx: CommandContext) -> commands.CommandSpec:
        spec = commands.lookup(ctx.name, self.process)
        if spec is None:
            if not ctx.name:
                raise CommandError("FailedToParse", "Empty command object")
            raise CommandError("CommandNotFound", f"no such command: '{ctx.name}'")
        if spec.counter is not None:
            self.stats.opcounters[spec.counter] += 1
        if spec.admin_only and ctx.db != "admin":
            raise CommandError("Unauthorized", f"{ctx.name} may only be run against the admin database.")
        return spec

    def _complete(self, ctx: CommandContext, result: dict[str, Any] | None, error: Exception | None) -> dict[str, Any]:
        self.active_ops.pop(ctx.opid, None)
        if ctx.conn is not None:
            ctx.conn.current = None
        if error is None:
            assert result is not None
            reply = result
            reply.setdefault("ok", 1.0)
        elif isinstance(error, CommandError):
            reply = error.to_document()
        elif isinstance(error, CloseConnection):
            raise error
        else:
            self.stats.asserts["regular"] += 1
            self.log.error("COMMAND", 23000, ctx.conn.ctx_name if ctx.conn else "-", "Command failed with an "
                           "internal error", {"command": ctx.name, "error": repr(error),
                                             "trace": "".join(traceback.format_exception(error, limit=8))})
            reply = CommandError("InternalError", f"simulator internal error in {ctx.name}: {error}").to_document()
        for hook in self.reply_hooks:
            hook(ctx, reply)
        return reply

    def finish(self, ctx: CommandContext, reply: dict[str, Any], reslen: int) -> None:
        """Account for a finished operation: counters, latencies, the slow query log, observers."""
        micros = int((time.monotonic() - ctx.started) * 1_000_000)
        millis = micros // 1000
        ok = reply.get("ok") == 1
        totals = self.stats.commands[ctx.name]
        totals[0] += 1
        if not ok:
            totals[1] += 1
        kind = "reads" if ctx.name in _READ_COMMANDS else "writes" if ctx.name in _WRITE_COMMANDS else "commands"
        latency = self.stats.latencies[kind]
        latency[0] += micros
        latency[1] += 1
        if self._is_slow(ctx, reply, reslen, millis) or self.log.verbosity >= 1:
            self.log.info("COMMAND", logs.ID_SLOW_QUERY, ctx.conn.ctx_name if ctx.conn else "-", "Slow query",
                          self.slow_query_attr(ctx, reply, reslen, millis))
        for observer in self.op_observers:
            observer(ctx, reply, reslen, millis)

    def _is_slow(self, ctx: CommandContext, reply: dict[str, Any], reslen: int, millis: int) -> bool:
        """Whether the "Slow query" line is written: a database's profile filter decides when one is set;
        otherwise slower than slowms, sampled by slowOpSampleRate."""
        profile_filter = profiler.profile_filter(self, ctx.db) if ctx.db else None
        if profile_filter is not None:
            return matcher(profile_filter)(profiler.profile_document(ctx, reply, reslen, millis))
        return millis > self.slowms and (self.slow_op_sample_rate >= 1.0 or random.random() < self.slow_op_sample_rate)

    def slow_query_attr(self, ctx: CommandContext, reply: dict[str, Any], reslen: int, millis: int) -> dict[str, Any]:
        attr: dict[str, Any] = {"type": "command", "isFromUserConnection": True, "ns": ctx.namespace}
        if ctx.conn is not None and ctx.conn.app_name:
            attr["appName"] = ctx.conn.app_name
        attr["command"] = redact(ctx.cmd)
        debug = ctx.debug
        for key in _SLOW_PRE:
            if key in debug:
                attr[key] = debug[key]
        attr["numYields"] = 0
        for key in _SLOW_POST:
            if key in debug:
                attr[key] = debug[key]
        if reply.get("ok") != 1:
            attr["ok"] = 0
            attr["errMsg"] = reply.get("errmsg")
            attr["errName"] = reply.get("codeName")
            attr["errCode"] = reply.get("code")
        attr["reslen"] = reslen
        attr["locks"] = {}
        attr["storage"] = {}
        attr["remote"] = ctx.conn.remote if ctx.conn else ""
        attr["protocol"] = ctx.protocol
        attr["durationMillis"] = millis
        return attr
