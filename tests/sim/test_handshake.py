"""The handshake: legacy OP_QUERY isMaster as shells and Go/Node drivers open with it, OP_MSG hello, the reply's
field order and types, client metadata rules, and awaitable hello."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId

from tests.support import rawwire
from tests.support.rawwire import RawPeer
from tests.support.simproc import SimProcess, wait_until

SHELL_CLIENT = {
    "application": {"name": "mongosh 2.3.8"},
    "driver": {"name": "nodejs|mongosh", "version": "6.12.0|2.3.8"},
    "platform": "Node.js v20.18.1, LE",
    "os": {"name": "linux", "architecture": "x64", "version": "6.1.0", "type": "Linux"},
}

STANDALONE_ORDER = ["helloOk", "ismaster", "topologyVersion", "maxBsonObjectSize", "maxMessageSizeBytes",
                    "maxWriteBatchSize", "localTime", "logicalSessionTimeoutMinutes", "connectionId",
                    "minWireVersion", "maxWireVersion", "readOnly", "ok"]


@pytest.fixture
def peer(shared_mongod: SimProcess) -> Iterator[RawPeer]:
    conn = RawPeer(shared_mongod.port)
    yield conn
    conn.close()


def test_shell_op_query_handshake_gets_op_reply(peer: RawPeer) -> None:
    # The official shell's first bytes: OP_QUERY isMaster on admin.$cmd, numberToReturn -1.
    peer.send(rawwire.op_query({"isMaster": 1, "helloOk": True, "client": SHELL_CLIENT, "compression": ["none"]},
                               request_id=77))
    reply = peer.receive()
    assert reply.op_code == rawwire.OP_REPLY
    assert reply.response_to == 77
    assert reply.flags == 8  # AwaitCapable, as legacy_reply_builder sets it
    assert (reply.cursor_id, reply.starting_from, reply.number_returned) == (0, 0, 1)
    assert list(reply.doc) == STANDALONE_ORDER
    assert reply.doc["helloOk"] is True
    assert reply.doc["ismaster"] is True
    assert "compression" not in reply.doc, "compression is declined by leaving the field out"


def test_go_driver_wrapped_handshake_with_read_preference(peer: RawPeer) -> None:
    # Go driver with a read preference: {$query: {...}, $readPreference: {...}} and the SecondaryOk flag.
    peer.send(rawwire.op_query({"$query": {"isMaster": 1, "helloOk": True, "client": SHELL_CLIENT},
                                "$readPreference": {"mode": "secondaryPreferred"}}, flags=4))
    reply = peer.receive()
    assert reply.doc["ismaster"] is True
    assert reply.doc["helloOk"] is True


def test_hello_reply_types(peer: RawPeer) -> None:
    reply = peer.command({"hello": 1, "$db": "admin"}).doc
    assert next(iter(reply)) == "isWritablePrimary"
    assert "ismaster" not in reply
    assert isinstance(reply["topologyVersion"]["processId"], ObjectId)
    assert isinstance(reply["topologyVersion"]["counter"], Int64)
    for field in ("maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize", "logicalSessionTimeoutMinutes",
                  "connectionId", "minWireVersion", "maxWireVersion"):
        assert type(reply[field]) is int, field  # int32 on the wire
    assert (reply["maxBsonObjectSize"], reply["maxMessageSizeBytes"], reply["maxWriteBatchSize"]) == (
        16777216, 48000000, 100000)
    assert (reply["minWireVersion"], reply["maxWireVersion"]) == (0, 25)
    assert isinstance(reply["localTime"], dt.datetime)
    assert reply["ok"] == 1.0 and isinstance(reply["ok"], float)


def test_legacy_names_are_accepted_and_other_casings_are_not(peer: RawPeer) -> None:
    assert peer.command({"ismaster": 1, "$db": "admin"}).doc["ismaster"] is True
    assert peer.command({"isMaster": 1, "$db": "admin"}).doc["ismaster"] is True
    assert peer.command({"IsMaster": 1, "$db": "admin"}).doc["codeName"] == "CommandNotFound"


def test_client_metadata_only_on_first_hello(peer: RawPeer) -> None:
    assert peer.command({"hello": 1, "client": SHELL_CLIENT, "$db": "admin"}).doc["ok"] == 1.0
    second = peer.command({"hello": 1, "client": SHELL_CLIENT, "$db": "admin"}).doc
    assert second["code"] == 186
    assert second["codeName"] == "ClientMetadataCannotBeMutated"


def test_connection_ids_increase(shared_mongod: SimProcess) -> None:
    first, second = RawPeer(shared_mongod.port), RawPeer(shared_mongod.port)
    try:
        a = first.command({"hello": 1, "$db": "admin"}).doc["connectionId"]
        b = second.command({"hello": 1, "$db": "admin"}).doc["connectionId"]
        assert b > a
    finally:
        first.close()
        second.close()


def test_awaitable_hello_waits_for_max_await_time(peer: RawPeer) -> None:
    first = peer.command({"hello": 1, "$db": "admin"}).doc
    started = time.monotonic()
    second = peer.command({"hello": 1, "topologyVersion": first["topologyVersion"], "maxAwaitTimeMS": 300,
                           "$db": "admin"}).doc
    # A standalone's topology never changes: the server must hold the reply instead of letting monitors spin.
    assert time.monotonic() - started >= 0.25
    assert second["topologyVersion"] == first["topologyVersion"]


def test_awaitable_hello_argument_rules(peer: RawPeer) -> None:
    tv = peer.command({"hello": 1, "$db": "admin"}).doc["topologyVersion"]
    only_tv = peer.command({"hello": 1, "topologyVersion": tv, "$db": "admin"}).doc
    assert only_tv["code"] == 31368
    only_wait = peer.command({"hello": 1, "maxAwaitTimeMS": 10, "$db": "admin"}).doc
    assert only_wait["code"] == 51760
    ahead = {"processId": tv["processId"], "counter": Int64(tv["counter"] + 5)}
    future = peer.command({"hello": 1, "topologyVersion": ahead, "maxAwaitTimeMS": 10, "$db": "admin"}).doc
    assert future["code"] == 51764


def test_other_process_topology_answers_at_once(peer: RawPeer) -> None:
    # A different processId means the server restarted: it must answer now, not after maxAwaitTimeMS (ten
    # minutes here, far past the peer's socket time-out, so a wait would fail the test).
    other = {"processId": ObjectId(), "counter": Int64(0)}
    reply = peer.command({"hello": 1, "topologyVersion": other, "maxAwaitTimeMS": 600_000, "$db": "admin"}).doc
    assert reply["ok"] == 1.0


def test_api_strict_refuses_is_master(peer: RawPeer) -> None:
    reply = peer.command({"isMaster": 1, "apiVersion": "1", "apiStrict": True, "$db": "admin"}).doc
    assert reply["codeName"] == "APIStrictError"


def test_pymongo_default_settings_discover_a_standalone(shared_mongod: SimProcess) -> None:
    client: pymongo.MongoClient[dict[str, Any]] = pymongo.MongoClient(f"mongodb://{shared_mongod.address}/",
                                                                      serverSelectionTimeoutMS=10000)
    try:
        assert client.admin.command("ping") == {"ok": 1.0}
        description = client.topology_description
        assert description.topology_type_name == "Single"
        (server,) = description.server_descriptions().values()
        assert server.server_type_name == "Standalone"
        assert server.max_wire_version == 25
    finally:
        client.close()


def test_kill_op_interrupts_an_awaitable_hello(shared_mongod: SimProcess) -> None:
    waiting = RawPeer(shared_mongod.port)
    admin = shared_mongod.client()
    try:
        tv = waiting.command({"hello": 1, "$db": "admin"}).doc["topologyVersion"]
        waiting.send(rawwire.op_msg({"hello": 1, "topologyVersion": tv, "maxAwaitTimeMS": 600_000, "$db": "admin"}))

        def awaiting_op() -> int | None:
            for op in admin.admin.command("currentOp", {"$all": True})["inprog"]:
                if op.get("command", {}).get("maxAwaitTimeMS") == 600_000:
                    return int(op["opid"])
            return None

        opid = wait_until(awaiting_op, "see the awaitable hello in currentOp")
        assert admin.admin.command("killOp", op=opid)["ok"] == 1.0
        reply = waiting.receive().doc
        assert (reply["code"], reply["codeName"]) == (11601, "Interrupted")
    finally:
        waiting.close()


MONGOS_ORDER = ["isWritablePrimary", "msg", "topologyVersion", "helloOk", "maxBsonObjectSize", "maxMessageSizeBytes",
                "maxWriteBatchSize", "localTime", "logicalSessionTimeoutMinutes", "connectionId", "maxWireVersion",
                "minWireVersion", "ok"]


def test_mongos_handshake_and_discovery(tmp_path: Path) -> None:
    # A router's hello: msg "isdbgrid", maxWireVersion before minWireVersion, no readOnly (MongosHelloResponse).
    router = SimProcess(tmp_path, process="mongos", args=["--configdb", "cfg/127.0.0.1:1"]).start()
    try:
        peer = RawPeer(router.port)
        try:
            reply = peer.command({"hello": 1, "helloOk": True, "$db": "admin"}).doc
        finally:
            peer.close()
        assert [key for key in reply if not key.startswith("$") and key != "operationTime"] == MONGOS_ORDER
        assert reply["msg"] == "isdbgrid"
        client = router.client(directConnection=False)
        client.admin.command("ping")
        (server,) = client.topology_description.server_descriptions().values()
        assert server.server_type_name == "Mongos"
    finally:
        router.stop()
