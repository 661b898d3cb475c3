"""``RemoteSet``: one replica set of the cluster (the config servers, a shard) as another process sees it — find
its primary, run commands there, retarget when the primary changes.

A connection string is ``"setName/host:port,host:port"``; its hosts are only seeds. As MongoDB's replica set
monitor, the members a member names in its ``hello`` (``hosts``, ``passives``, ``primary``) are learned, so a
set whose connection string lists one member (a shard added before its other members joined) is still reached
when another member is primary. The primary is found by asking the members ``hello`` and kept until a reply
says the node is no longer primary or a connection fails; then it is searched again, for at most
``FIND_HOST_TIMEOUT_S`` per call (mongos' ``defaultFindReplicaSetHostTimeoutMS``) and never past the call's
deadline, after which the call fails with FailedToSatisfyReadPreference naming the hosts tried. Every request
goes through the host's ``ConnectionPool``, so concurrent requests to one member each have their own
connection.
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
# How long one call searches for a primary (ReplicaSetMonitor's default find-host timeout is 20 s).
FIND_HOST_TIMEOUT_S = 20.0
_HELLO_TIMEOUT_S = 5.0
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
        self.seeds = list(hosts)
        self.hosts = list(hosts)
        self.primary: str | None = None
        self._clients: dict[str, ConnectionPool] = {}

    @classmethod
    def from_connection_string(cls, conn: str) -> RemoteSet:
        name, hosts = parse_connection_string(conn)
        return cls(name, hosts)

    @property
    def connection_string(self) -> str:
        return f"{self.name}/{','.join(self.seeds)}" if self.name else ",".join(self.seeds)

    def update_hosts(self, hosts: list[str]) -> None:
        """New seeds (a changed connection string); members learned from the set itself are kept."""
        learned = [h for h in self.hosts if h not in self.seeds]
        self.seeds = list(hosts)
        self.hosts = [*self.seeds, *(h for h in learned if h not in self.seeds)]
        if self.primary not in self.hosts:
            self.primary = None
        for gone in [h for h in self._clients if h not in self.hosts]:
            self._clients.pop(gone).close()

    def learn(self, hello: dict[str, Any]) -> str | None:
        """Add the members a member's hello names (a member of another set is ignored); the primary it names."""
        if not isinstance(hello.get("setName"), str) or (self.name and hello["setName"] != self.name):
            return None
        for host in [*(hello.get("hosts") or ()), *(hello.get("passives") or ())]:
            if isinstance(host, str) and host not in self.hosts:
                self.hosts.append(host)
        primary = hello.get("primary")
        return primary if isinstance(primary, str) and primary in self.hosts else None

    def client(self, host: str) -> ConnectionPool:
        client = self._clients.get(host)
        if client is None:
            client = self._clients[host] = ConnectionPool(host)
        return client

    def pool_stats(self) -> dict[str, dict[str, int]]:
        """``connPoolStats``' per-host fields for each member this process has connections to."""
        return {host: pool.stats() for host, pool in self._clients.items()}

    async def _hello(self, host: str, deadline: float) -> dict[str, Any] | None:
        try:
            timeout = max(0.1, min(_HELLO_TIMEOUT_S, deadline - time.monotonic()))
            return await self.client(host).command("admin", {"hello": 1}, timeout_s=timeout)
        except PeerError:
            return None

    async def find_primary(self, deadline: float) -> str:
        """The primary's host, searched until ``deadline`` (``time.monotonic()``) but for at most
        FIND_HOST_TIMEOUT_S; FailedToSatisfyReadPreference when none is found by then."""
        give_up = min(deadline, time.monotonic() + FIND_HOST_TIMEOUT_S)
        while self.primary is None:
            asked: set[str] = set()
            pending = list(self.hosts)
            while pending and self.primary is None:
                host = pending.pop(0)
                if host in asked:
                    continue
                asked.add(host)
                hello = await self._hello(host, give_up)
                if hello is None:
                    continue
                named = self.learn(hello)
                if hello.get("isWritablePrimary"):
                    self.primary = host
                    break
                if named is not None and named not in asked:
                    pending.insert(0, named)  # the member it names as primary is asked next
                pending.extend(h for h in self.hosts if h not in asked and h not in pending)
            if self.primary is None:
                if time.monotonic() >= give_up:
                    raise CommandError("FailedToSatisfyReadPreference", "Could not find host matching read "
                                       f"preference {{ mode: \"primary\" }} for set {self.name} (hosts tried: "
                                       f"{', '.join(self.hosts)})")
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
