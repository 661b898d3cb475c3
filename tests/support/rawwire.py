"""A raw-socket MongoDB peer for wire-level tests, built from struct and bson alone (independent of the
simulator's own encoder), so tests can send exactly the bytes a given client sends — or broken ones."""

from __future__ import annotations

import socket
import struct
import zlib
from dataclasses import dataclass
from typing import Any

import bson

OP_REPLY, OP_QUERY, OP_COMPRESSED, OP_MSG = 1, 2004, 2012, 2013


def crc32c(data: bytes) -> int:
    crc = 0xFFFFFFFF
    for byte in data:
        crc ^= byte
        for _ in range(8):
            crc = (crc >> 1) ^ 0x82F63B78 if crc & 1 else crc >> 1
    return crc ^ 0xFFFFFFFF


def op_msg(doc: dict[str, Any], request_id: int = 1, flags: int = 0, checksum: bool = False,
           sequences: dict[str, list[dict[str, Any]]] | None = None, bad_checksum: bool = False) -> bytes:
    body = b"\x00" + bson.encode(doc)
    for name, docs in (sequences or {}).items():
        payload = name.encode() + b"\x00" + b"".join(bson.encode(d) for d in docs)
        body += b"\x01" + struct.pack("<i", len(payload) + 4) + payload
    if checksum:
        flags |= 1
    data = struct.pack("<I", flags) + body
    length = 16 + len(data) + (4 if checksum else 0)
    msg = struct.pack("<iiii", length, request_id, 0, OP_MSG) + data
    if checksum:
        value = crc32c(msg) ^ (1 if bad_checksum else 0)
        msg += struct.pack("<I", value)
    return msg


def op_query(doc: dict[str, Any], request_id: int = 1, collection: str = "admin.$cmd", flags: int = 0,
             number_to_return: int = -1) -> bytes:
    data = (struct.pack("<i", flags) + collection.encode() + b"\x00" + struct.pack("<ii", 0, number_to_return)
            + bson.encode(doc))
    return struct.pack("<iiii", 16 + len(data), request_id, 0, OP_QUERY) + data


def op_compressed(inner: bytes, compressor: int = 2) -> bytes:
    _, request_id, response_to, op_code = struct.unpack_from("<iiii", inner)
    body = inner[16:]
    packed = zlib.compress(body) if compressor == 2 else body
    data = struct.pack("<iiB", op_code, len(body), compressor) + packed
    return struct.pack("<iiii", 16 + len(data), request_id, response_to, OP_COMPRESSED) + data


@dataclass
class Reply:
    request_id: int
    response_to: int
    op_code: int
    flags: int
    doc: dict[str, Any]
    raw: bytes
    cursor_id: int = 0
    starting_from: int = 0
    number_returned: int = 0


class RawPeer:
    def __init__(self, port: int, timeout: float = 10.0) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)

    def send(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read_exact(self, n: int) -> bytes:
        buf = b""
        while len(buf) < n:
            chunk = self.sock.recv(n - len(buf))
            if not chunk:
                raise ConnectionError("connection closed by the server")
            buf += chunk
        return buf

    def receive(self) -> Reply:
        header = self._read_exact(16)
        length, request_id, response_to, op_code = struct.unpack("<iiii", header)
        payload = self._read_exact(length - 16)
        if op_code == OP_REPLY:
            flags, cursor_id, starting_from, number_returned = struct.unpack_from("<iqii", payload)
            doc = bson.decode(payload[20:])
            return Reply(request_id, response_to, op_code, flags, doc, header + payload, cursor_id, starting_from,
                         number_returned)
        assert op_code == OP_MSG, f"unexpected reply opcode {op_code}"
        (flags,) = struct.unpack_from("<I", payload)
        assert payload[4] == 0, "reply must start with a body section"
        (size,) = struct.unpack_from("<i", payload, 5)
        doc = bson.decode(payload[5:5 + size])
        return Reply(request_id, response_to, op_code, flags, doc, header + payload)

    def command(self, doc: dict[str, Any], request_id: int = 1) -> Reply:
        self.send(op_msg(doc, request_id))
        return self.receive()

    def is_closed(self) -> bool:
        """True once the server has closed its end (recv returns EOF or the socket errors)."""
        self.sock.settimeout(10.0)
        try:
            return self.sock.recv(1) == b""
        except (ConnectionResetError, BrokenPipeError):
            return True

    def close(self) -> None:
        self.sock.close()
