"""``RemoteSet``: one replica set of the cluster (the config servers, a shard) as another process sees it — find
its primary, run commands there, retarget when the primary changes.

A connection string is ``"setName/host:port,host:port"``. The primary is found by asking the members ``hello``
and kept until a reply says the node is no longer primary or a connection fails; then it is searched again
until the call's deadline. Every request goes through the host's ``ConnectionPool``, so concurrent requests
to one member each have their own connection.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from mongosim.errors import CommandError
from mongosim.repl.peer import PeerError
from mongosim.sharding import router_codes as _codes  # noqa: F401 - registers the sharding code names
from mongosim.sharding.conn_pool import ConnectionPool

# Replies that mean "ask the new primary": NotWritablePrimary, PrimarySteppedDown, InterruptedDueToReplStateChange,
# NotPrimaryNoSecondaryOk, NotPrimaryOrSecondary, ShutdownInProgress, InterruptedAtShutdown.
RETARGET_CODES = frozenset({10107, 189, 11602, 13435, 13436, 91, 11600})
_PRIMARY = {"mode": "primary"}
_REPLY_ONLY = frozenset({"ok", "errmsg", "code", "codeName", "$clusterTime", "operationTime", "topologyVersion",
                         "errorLabels"})


def parse_connection_string(conn: str) -> tuple[str, list[str]]:
    """``"rs/h1:p,h2:p"`` as (set name, hosts); a bare host list has no set name."""
    name, slash, hosts = conn.partition("/")
    if not slash:
        name, hosts = "", conn
    return name, [h for h in hosts.split(",") if h]


def raise_for(reply: dict[str, Any]) -> dict[str, Any]:
    """The reply when ``ok: 1``; otherwise the remote error as a CommandError with its code and extra fields."""
    if reply.get("ok") == 1:
        return reply
    extra = {k: v for k, v in reply.items() if k not in _REPLY_ONLY}
    raise CommandError(int(reply.get("code", 8)), str(reply.get("errmsg", "unknown error")), **extra)


class RemoteSet:
    def __init__(self, name: str, hosts: list[str]) -> None:
        self.name = name
        self.hosts = list(hosts)
        self.primary: str | None = None
        self._clients: dict[str, ConnectionPool] = {}

    @classmethod
    def from_connection_string(cls, conn: str) -> RemoteSet:
        name, hosts = parse_connection_string(conn)
        return cls(name, hosts)

    @property
    def connection_string(self) -> str:
        return f"{self.name}/{','.join(self.hosts)}" if self.name else ",".join(self.hosts)

    def update_hosts(self, hosts: list[str]) -> None:
        self.hosts = list(hosts)
        if self.primary not in self.hosts:
            self.primary = None
        for gone in [h for h in self._clients if h not in self.hosts]:
            self._clients.pop(gone).close()

    def client(self, host: str) -> ConnectionPool:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = ConnectionPool(host)
        return client

    def pool_stats(self) -> dict[str, dict[str, int]]:
        """``connPoolStats``' per-host fields for each member this process has connections to."""
        return {host: pool.stats() for host, pool in self._clients.items()}

    async def find_primary(self, deadline: float) -> str:
        """The primary's host, searched until ``deadline`` (``time.monotonic()``); FailedToSatisfyReadPreference
        when none is found by then."""
        while self.primary is None:
            for host in self.hosts:
                try:
                    hello = await self.client(host).command("admin", {"hello": 1}, timeout_s=5.0)
                except PeerError:
                    continue
                if hello.get("isWritablePrimary"):
                    self.primary = host
                    break
            if self.primary is None:
                if time.monotonic() >= deadline:
                    raise CommandError("FailedToSatisfyReadPreference", "Could not find host matching read "
                                       f"preference {{ mode: \"primary\" }} for set {self.name}")
                await asyncio.sleep(0.1)
        return self.primary

    async def command(self, db: str, cmd: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        """Run ``cmd`` on the primary and return its reply (``ok: 0`` included), retrying on a new primary
        until ``timeout_s``; raises HostUnreachable when no primary answers."""
        deadline = time.monotonic() + timeout_s
        while True:
            host = self.primary if self.primary is not None else await self.find_primary(deadline)
            try:
                reply = await self.command_on(host, db, cmd, max(1.0, deadline - time.monotonic()))
            except PeerError as exc:
                self.primary = None
                if time.monotonic() >= deadline:
                    raise CommandError("HostUnreachable", str(exc)) from exc
                await asyncio.sleep(0.1)
                continue
            if reply.get("code") in RETARGET_CODES and time.monotonic() < deadline:
                self.primary = None
                await asyncio.sleep(0.1)
                continue
            return reply

    async def command_on(self, host: str, db: str, cmd: dict[str, Any], timeout_s: float = 60.0) -> dict[str, Any]:
        """Run ``cmd`` on one member (as the primary would be asked: cursors live on the member that opened
        them); raises PeerError when no reply arrives."""
        return await self.client(host).command(db, cmd, timeout_s, read_preference=_PRIMARY)

    def close(self) -> None:
        for client in self._clients.values():
            client.close()
        self._clients.clear()
        self.primary = None
