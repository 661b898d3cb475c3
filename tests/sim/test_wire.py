"""Wire protocol: framing, OP_MSG flags and sections, checksums, compression, and malformed input.

A malformed message closes only its own connection; the server logs it and keeps serving everyone else.
"""

from __future__ import annotations

import json
import struct
from collections.abc import Iterator

import bson
import pytest

from tests.support import rawwire
from tests.support.rawwire import RawPeer
from tests.support.simproc import SimProcess, wait_until


@pytest.fixture
def peer(shared_mongod: SimProcess) -> Iterator[RawPeer]:
    conn = RawPeer(shared_mongod.port)
    yield conn
    conn.close()


def assert_server_alive(server: SimProcess) -> None:
    other = RawPeer(server.port)
    try:
        assert other.command({"ping": 1, "$db": "admin"}).doc == {"ok": 1.0}
    finally:
        other.close()


def test_op_msg_reply_answers_the_request_id(peer: RawPeer) -> None:
    reply = peer.command({"ping": 1, "$db": "admin"}, request_id=4242)
    assert reply.op_code == rawwire.OP_MSG
    assert reply.response_to == 4242
    assert reply.flags == 0
    assert reply.doc == {"ok": 1.0}


def test_document_sequence_is_accepted(peer: RawPeer) -> None:
    # A body plus a kind-1 section: the server sees the sequence as an array field of the command.
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, sequences={"documents": [{"a": 1}]}))
    assert peer.receive().doc["ok"] == 1.0


def test_checksum_is_verified_and_echoed(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, request_id=7, checksum=True))
    reply = peer.receive()
    assert reply.doc == {"ok": 1.0}
    assert reply.flags & 1, "a request with a checksum gets a reply with one"
    (expected,) = struct.unpack("<I", reply.raw[-4:])
    assert rawwire.crc32c(reply.raw[:-4]) == expected


def test_bad_checksum_is_refused(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, checksum=True, bad_checksum=True))
    reply = peer.receive()
    assert reply.doc["ok"] == 0.0
    assert reply.doc["codeName"] == "ChecksumMismatch"
    assert reply.doc["errmsg"] == "OP_MSG checksum does not match contents"


def test_more_to_come_gets_no_reply(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, request_id=1, flags=2))
    reply = peer.command({"ping": 1, "$db": "admin"}, request_id=2)
    assert reply.response_to == 2, "the fire-and-forget request must not have been answered"


def test_exhaust_allowed_flag_is_accepted(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, flags=1 << 16))
    assert peer.receive().doc == {"ok": 1.0}


def test_unknown_required_flag_is_refused(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"ping": 1, "$db": "admin"}, flags=1 << 4))
    reply = peer.receive()
    assert reply.doc["codeName"] == "IllegalOpMsgFlag"
    assert reply.doc["errmsg"].startswith("Message contains illegal flags value: Ob")


def test_missing_db_is_refused(peer: RawPeer) -> None:
    reply = peer.command({"ping": 1})
    assert reply.doc["code"] == 40571
    assert reply.doc["errmsg"] == "OP_MSG requests require a $db argument"


def test_duplicate_sequence_field_is_refused(peer: RawPeer) -> None:
    peer.send(rawwire.op_msg({"insert": "c", "documents": [], "$db": "test"}, sequences={"documents": [{"a": 1}]}))
    reply = peer.receive()
    assert reply.doc["code"] == 40433
    assert reply.doc["errmsg"] == "Duplicate field between body and document sequence documents"


def test_unknown_command(peer: RawPeer) -> None:
    reply = peer.command({"frobnicate": 1, "$db": "admin"})
    assert reply.doc == {"ok": 0.0, "errmsg": "no such command: 'frobnicate'", "code": 59,
                         "codeName": "CommandNotFound"}


def test_zlib_compressed_request(peer: RawPeer) -> None:
    peer.send(rawwire.op_compressed(rawwire.op_msg({"ping": 1, "$db": "admin"}, request_id=9)))
    reply = peer.receive()
    assert reply.response_to == 9
    assert reply.doc == {"ok": 1.0}


def test_noop_compressed_request(peer: RawPeer) -> None:
    peer.send(rawwire.op_compressed(rawwire.op_msg({"ping": 1, "$db": "admin"}), compressor=0))
    assert peer.receive().doc == {"ok": 1.0}


def test_op_query_only_allows_the_handshake(peer: RawPeer) -> None:
    peer.send(rawwire.op_query({"find": "c", "filter": {}}, request_id=3, collection="test.$cmd"))
    reply = peer.receive()
    assert reply.op_code == rawwire.OP_REPLY
    assert reply.doc["code"] == 352
    assert reply.doc["codeName"] == "UnsupportedOpQueryCommand"
    assert reply.doc["errmsg"] == ("Unsupported OP_QUERY command: find. The client driver may require an upgrade. "
                                   "For more details see https://dochub.mongodb.org/core/legacy-opcode-removal")


def _framed(op_code: int, body: bytes) -> bytes:
    return struct.pack("<iiii", 16 + len(body), 1, 0, op_code) + body


BROKEN_MESSAGES = {
    "length shorter than a header": struct.pack("<iiii", 8, 1, 0, rawwire.OP_MSG),
    "length over maxMessageSizeBytes": struct.pack("<iiii", 48_000_001, 1, 0, rawwire.OP_MSG),
    "unknown opcode": struct.pack("<iiii", 20, 1, 0, 9999) + b"\x00" * 4,
    "removed OP_INSERT": struct.pack("<iiii", 20, 1, 0, 2002) + b"\x00" * 4,
    "truncated BSON body": _framed(rawwire.OP_MSG,
        struct.pack("<I", 0) + b"\x00" + struct.pack("<i", 500) + b"\x10a\x00"),
    "corrupt BSON element": _framed(rawwire.OP_MSG,
        struct.pack("<I", 0) + b"\x00" + struct.pack("<i", 12) + b"\x42ab\x00\x01\x02\x03\x00"),
    "unknown section kind": _framed(rawwire.OP_MSG,
        struct.pack("<I", 0) + b"\x05" + bson.encode({"ping": 1, "$db": "admin"})),
    "corrupt zlib payload": _framed(rawwire.OP_COMPRESSED,
        struct.pack("<iiB", rawwire.OP_MSG, 40, 2) + b"not zlib at all"),
}


@pytest.mark.parametrize("name", sorted(BROKEN_MESSAGES))
def test_malformed_message_closes_only_that_connection(shared_mongod: SimProcess, name: str) -> None:
    peer = RawPeer(shared_mongod.port)
    try:
        peer.send(BROKEN_MESSAGES[name])
        assert peer.is_closed(), f"{name}: the server must close the connection"
    finally:
        peer.close()
    assert_server_alive(shared_mongod)


def test_malformed_message_is_logged(shared_mongod: SimProcess) -> None:
    peer = RawPeer(shared_mongod.port)
    peer.send(struct.pack("<iiii", 20, 1, 0, 9999) + b"\x00" * 4)
    assert peer.is_closed()
    peer.close()

    def logged() -> bool:
        for line in shared_mongod.log_lines():
            entry = json.loads(line)
            if entry["id"] == 22988 and "Unknown opcode 9999" in entry["attr"]["error"]["errmsg"]:
                assert entry["s"] == "W"
                assert entry["c"] == "NETWORK"
                return True
        return False

    wait_until(logged, "log the malformed message")


def test_message_split_across_packets(peer: RawPeer) -> None:
    data = rawwire.op_msg({"ping": 1, "$db": "admin"}, request_id=11)
    for i in range(0, len(data), 3):
        peer.send(data[i:i + 3])
    assert peer.receive().doc == {"ok": 1.0}


def test_pipelined_requests_are_answered_in_order(peer: RawPeer) -> None:
    peer.send(b"".join(rawwire.op_msg({"ping": 1, "$db": "admin"}, request_id=i) for i in range(1, 6)))
    assert [peer.receive().response_to for _ in range(5)] == [1, 2, 3, 4, 5]
