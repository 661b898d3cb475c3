"""``ConnectionPool`` and ``PeerClient`` against a small in-process wire server: concurrent requests get their
own connections, broken and timed-out connections are discarded, the size bound and idle expiry hold."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any

import pytest

from mongosim.repl.peer import PeerClient, PeerError
from mongosim.sharding.conn_pool import ConnectionPool
from mongosim.wire import messages as wire


class FakeMember:
    """Answers every command with ``{ok: 1, echo: <command name>}``; a command ``{hold: 1}`` is answered only
    once ``release`` is set."""

    def __init__(self) -> None:
        self.release = asyncio.Event()
        self.writers: list[asyncio.StreamWriter] = []
        self.server: asyncio.Server | None = None

    @property
    def host(self) -> str:
        assert self.server is not None
        return f"127.0.0.1:{self.server.sockets[0].getsockname()[1]}"

    async def start(self) -> FakeMember:
        self.server = await asyncio.start_server(self._serve, "127.0.0.1", 0)
        return self

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.writers.append(writer)
        buffer = bytearray()
        try:
            while True:
                message = wire.take_message(buffer)
                if message is None:
                    chunk = await reader.read(65536)
                    if not chunk:
                        return
                    buffer += chunk
                    continue
                cmd = wire.decode_op_msg(message).command()
                if "hold" in cmd:
                    await self.release.wait()
                reply = {"ok": 1, "echo": next(iter(cmd)), "isWritablePrimary": True}
                writer.write(wire.encode_op_msg(reply, 1, message.request_id))
        except (ConnectionError, asyncio.CancelledError):
            return
        finally:
            writer.close()

    def drop_connections(self) -> None:
        for writer in self.writers:
            writer.close()
        self.writers.clear()

    async def stop(self) -> None:
        self.release.set()
        self.drop_connections()
        if self.server is not None:
            self.server.close()
            await self.server.wait_closed()


def run(test: Callable[[FakeMember], Awaitable[None]]) -> None:
    async def main() -> None:
        member = await FakeMember().start()
        try:
            await test(member)
        finally:
            await member.stop()
    asyncio.run(main())


async def eventually(predicate: Callable[[], Any], what: str, timeout: float = 5.0) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        assert asyncio.get_running_loop().time() < deadline, f"timed out waiting to {what}"
        await asyncio.sleep(0.01)


def test_a_waiting_request_does_not_hold_up_the_next() -> None:
    async def scenario(member: FakeMember) -> None:
        pool = ConnectionPool(member.host)
        held = asyncio.create_task(pool.command("admin", {"hold": 1}, timeout_s=30))
        await eventually(lambda: pool.in_use == 1, "send the held request")
        assert (await pool.command("admin", {"ping": 1}, timeout_s=30))["echo"] == "ping"
        assert not held.done()
        assert pool.stats() == {"inUse": 1, "available": 1, "created": 2, "refreshing": 0}
        member.release.set()
        assert (await held)["echo"] == "hold"
        assert pool.stats() == {"inUse": 0, "available": 2, "created": 2, "refreshing": 0}
        await pool.command("admin", {"ping": 1}, timeout_s=30)
        assert pool.created == 2  # reused
        pool.close()
    run(scenario)


def test_a_broken_connection_is_discarded_and_the_next_request_succeeds() -> None:
    async def scenario(member: FakeMember) -> None:
        pool = ConnectionPool(member.host)
        await pool.command("admin", {"ping": 1}, timeout_s=30)
        member.drop_connections()
        await eventually(lambda: pool._idle and not pool._idle[0].usable, "notice the closed connection")
        assert (await pool.command("admin", {"ping": 1}, timeout_s=30))["echo"] == "ping"
        assert pool.stats() == {"inUse": 0, "available": 1, "created": 2, "refreshing": 0}
        pool.close()
    run(scenario)


def test_a_request_that_times_out_closes_its_connection() -> None:
    async def scenario(member: FakeMember) -> None:
        pool = ConnectionPool(member.host)
        with pytest.raises(PeerError) as caught:
            await pool.command("admin", {"hold": 1}, timeout_s=0.1)
        assert caught.value.timeout and not caught.value.connect
        assert str(caught.value) == f"Request timed out after 100ms: hold to {member.host}"
        assert pool.stats()["available"] == 0
        member.release.set()
        await pool.command("admin", {"ping": 1}, timeout_s=30)
        assert pool.created == 2
        pool.close()
    run(scenario)


def test_the_pool_size_is_bounded() -> None:
    async def scenario(member: FakeMember) -> None:
        pool = ConnectionPool(member.host, max_size=1)
        held = asyncio.create_task(pool.command("admin", {"hold": 1}, timeout_s=30))
        await eventually(lambda: pool.in_use == 1, "send the held request")
        with pytest.raises(PeerError, match="Couldn't get a connection within the time limit of 100ms"):
            await pool.command("admin", {"ping": 1}, timeout_s=0.1)
        queued = asyncio.create_task(pool.command("admin", {"ping": 1}, timeout_s=30))
        await asyncio.sleep(0.05)
        assert not queued.done()
        member.release.set()
        assert (await queued)["echo"] == "ping" and (await held)["echo"] == "hold"
        assert pool.created == 1
        pool.close()
    run(scenario)


def test_idle_connections_are_closed_after_the_idle_timeout() -> None:
    async def scenario(member: FakeMember) -> None:
        pool = ConnectionPool(member.host, idle_timeout_s=0.05)
        await asyncio.gather(*(pool.command("admin", {"ping": 1}, timeout_s=30) for _ in range(3)))
        assert pool.created == 3
        await eventually(lambda: pool.available == 0, "close the idle connections")
        await pool.command("admin", {"ping": 1}, timeout_s=30)
        assert pool.created == 4
        pool.close()
    run(scenario)


def test_unreachable_host_is_a_connect_error() -> None:
    async def scenario(member: FakeMember) -> None:
        host = member.host
        await member.stop()
        with pytest.raises(PeerError) as caught:
            await ConnectionPool(host).command("admin", {"ping": 1}, timeout_s=5)
        assert caught.value.connect
        assert str(caught.value) == f"Error connecting to {host} :: caused by :: Connection refused"
    run(scenario)


def test_peer_client_keeps_one_connection_and_reconnects_after_a_failure() -> None:
    async def scenario(member: FakeMember) -> None:
        client = PeerClient(member.host)
        assert (await client.command("admin", {"ping": 1}, timeout_s=30))["echo"] == "ping"
        assert client.connected and client.hello is not None and client.hello["echo"] == "hello"
        member.drop_connections()
        await eventually(lambda: not client.connected, "notice the closed connection")
        assert (await client.command("admin", {"ping": 1}, timeout_s=30))["echo"] == "ping"
        client.close()
        assert not client.connected
    run(scenario)
