"""Message framing and the message classes: OP_MSG, OP_QUERY, OP_REPLY and OP_COMPRESSED.

Parsing is strict and follows the server's rules (``op_msg.cpp``): a violation raises ``ProtocolError``
(the connection is closed) or ``CommandError`` (answered with the server's error code).
"""

from __future__ import annotations

import struct
import zlib
from dataclasses import dataclass, field
from typing import Any

import bson
from bson.binary import UuidRepresentation
from bson.codec_options import CodecOptions, DatetimeConversion

from mongosim import MAX_MESSAGE_SIZE_BYTES
from mongosim.errors import CommandError, ProtocolError
from mongosim.wire.crc32c import crc32c

OP_REPLY = 1
OP_QUERY = 2004
OP_COMPRESSED = 2012
OP_MSG = 2013
REMOVED_OPCODES = {2001: "OP_UPDATE", 2002: "OP_INSERT", 2005: "OP_GET_MORE", 2006: "OP_DELETE",
                   2007: "OP_KILL_CURSORS"}

CHECKSUM_PRESENT = 1 << 0
MORE_TO_COME = 1 << 1
EXHAUST_ALLOWED = 1 << 16
_KNOWN_FLAGS = CHECKSUM_PRESENT | MORE_TO_COME

REPLY_AWAIT_CAPABLE = 8

HEADER = struct.Struct("<iiii")
_INT32 = struct.Struct("<i")
_UINT32 = struct.Struct("<I")

# Decoding keeps every BSON type as it came: int64 stays Int64, binary UUIDs stay Binary, dates out of
# Python's range stay DatetimeMS, so documents round-trip unchanged.
CODEC_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    document_class=dict,
    tz_aware=False,
    uuid_representation=UuidRepresentation.UNSPECIFIED,
    datetime_conversion=DatetimeConversion.DATETIME_AUTO,
)

COMPRESSOR_NOOP = 0
COMPRESSOR_ZLIB = 2


@dataclass
class Message:
    """One framed message: the header fields and the bytes after the header."""

    request_id: int
    response_to: int
    op_code: int
    payload: bytes

    @property
    def length(self) -> int:
        return HEADER.size + len(self.payload)


@dataclass
class OpMsg:
    flags: int
    body: dict[str, Any]
    sequences: dict[str, list[dict[str, Any]]] = field(default_factory=dict)

    @property
    def more_to_come(self) -> bool:
        return bool(self.flags & MORE_TO_COME)

    @property
    def exhaust_allowed(self) -> bool:
        return bool(self.flags & EXHAUST_ALLOWED)

    @property
    def checksum_present(self) -> bool:
        return bool(self.flags & CHECKSUM_PRESENT)

    def command(self) -> dict[str, Any]:
        """The body with each document sequence folded in as an array field, as the server sees it."""
        if not self.sequences:
            return self.body
        merged = dict(self.body)
        merged.update(self.sequences)
        return merged


@dataclass
class OpQuery:
    flags: int
    full_collection_name: str
    number_to_skip: int
    number_to_return: int
    query: dict[str, Any]
    return_fields: dict[str, Any] | None

    @property
    def database(self) -> str:
        return self.full_collection_name.split(".", 1)[0]

    def command(self) -> dict[str, Any]:
        """The command, unwrapped from the ``{$query: ..., $readPreference: ...}`` form some drivers send."""
        for wrapper in ("$query", "query"):
            inner = self.query.get(wrapper)
            if isinstance(inner, dict) and len(self.query) > 0 and next(iter(self.query)) == wrapper:
                return inner
        return self.query


def take_message(buffer: bytearray, max_size: int = MAX_MESSAGE_SIZE_BYTES) -> Message | None:
    """Remove and return the first complete message of ``buffer``; ``None`` while it is incomplete.
    A length outside MongoDB's bounds raises ``ProtocolError`` as soon as the header is in."""
    if len(buffer) < HEADER.size:
        return None
    length, request_id, response_to, op_code = HEADER.unpack_from(buffer, 0)
    if length < HEADER.size + 1:
        raise ProtocolError(f"Invalid message length {length}: shorter than a message header")
    if length > max_size:
        raise ProtocolError(f"recv(): message msgLen {length} is invalid. Min 16 Max: {max_size}")
    if len(buffer) < length:
        return None
    payload = bytes(buffer[HEADER.size:length])
    del buffer[:length]
    return Message(request_id, response_to, op_code, payload)


def _decode_document(data: bytes, offset: int, what: str) -> tuple[dict[str, Any], int]:
    if offset + 4 > len(data):
        raise ProtocolError(f"{what}: truncated BSON document")
    (size,) = _INT32.unpack_from(data, offset)
    if size < 5 or offset + size > len(data):
        raise ProtocolError(f"{what}: BSON document length {size} does not fit the message")
    try:
        doc = bson.decode(data[offset:offset + size], CODEC_OPTIONS)
    except Exception as exc:  # bson raises several types for corrupt input
        raise ProtocolError(f"{what}: invalid BSON: {exc}") from exc
    return doc, offset + size


def decode_op_msg(message: Message) -> OpMsg:
    data = message.payload
    if len(data) < 4:
        raise ProtocolError("OP_MSG too short for its flag bits")
    (flags,) = _UINT32.unpack_from(data, 0)
    unknown_required = flags & 0xFFFF & ~_KNOWN_FLAGS
    if unknown_required:
        raise CommandError("IllegalOpMsgFlag", f"Message contains illegal flags value: Ob{flags:032b}")
    end = len(data)
    if flags & CHECKSUM_PRESENT:
        if len(data) < 8:
            raise ProtocolError("OP_MSG with checksum flag is too short")
        end -= 4
        (expected,) = _UINT32.unpack_from(data, end)
        whole = HEADER.pack(message.length, message.request_id, message.response_to, message.op_code) + data[:end]
        if crc32c(whole) != expected:
            raise CommandError("ChecksumMismatch", "OP_MSG checksum does not match contents")
    offset = 4
    body: dict[str, Any] | None = None
    sequences: dict[str, list[dict[str, Any]]] = {}
    while offset < end:
        kind = data[offset]
        offset += 1
        if kind == 0:
            if body is not None:
                raise CommandError(40430, "Multiple body sections in message")
            body, offset = _decode_document(data[:end], offset, "OP_MSG body")
        elif kind == 1:
            if offset + 4 > end:
                raise ProtocolError("OP_MSG document sequence truncated")
            (size,) = _INT32.unpack_from(data, offset)
            seq_end = offset + size
            if size < 5 or seq_end > end:
                raise ProtocolError(f"OP_MSG document sequence length {size} does not fit the message")
            name_end = data.find(b"\x00", offset + 4, seq_end)
            if name_end < 0:
                raise ProtocolError("OP_MSG document sequence identifier is not terminated")
            name = data[offset + 4:name_end].decode("utf-8", "replace")
            if name in sequences:
                raise CommandError(40431, f"Duplicate document sequence: {name}")
            if len(sequences) >= 2:
                raise CommandError("TooManyDocumentSequences", "Too many document sequences in OP_MSG")
            docs = []
            pos = name_end + 1
            while pos < seq_end:
                doc, pos = _decode_document(data[:seq_end], pos, f"document sequence {name}")
                docs.append(doc)
            sequences[name] = docs
            offset = seq_end
        else:
            raise ProtocolError(f"Unknown section kind {kind}")
    if body is None:
        raise CommandError(40587, "OP_MSG messages must have a body")
    for name in sequences:
        if name in body:
            raise CommandError(40433, f"Duplicate field between body and document sequence {name}")
    return OpMsg(flags, body, sequences)


def decode_op_query(message: Message) -> OpQuery:
    data = message.payload
    if len(data) < 4:
        raise ProtocolError("OP_QUERY too short")
    (flags,) = _INT32.unpack_from(data, 0)
    name_end = data.find(b"\x00", 4)
    if name_end < 0:
        raise ProtocolError("OP_QUERY collection name is not terminated")
    collection = data[4:name_end].decode("utf-8", "replace")
    offset = name_end + 1
    if offset + 8 > len(data):
        raise ProtocolError("OP_QUERY truncated before numberToSkip/numberToReturn")
    skip, to_return = struct.unpack_from("<ii", data, offset)
    offset += 8
    query, offset = _decode_document(data, offset, "OP_QUERY query")
    fields = None
    if offset < len(data):
        fields, offset = _decode_document(data, offset, "OP_QUERY returnFieldsSelector")
    if offset != len(data):
        raise ProtocolError("OP_QUERY has trailing bytes")
    return OpQuery(flags, collection, skip, to_return, query, fields)


def decompress(message: Message) -> Message:
    """Unwrap OP_COMPRESSED. Only noop and zlib are accepted: they are the only ones the server offers."""
    data = message.payload
    if len(data) < 9:
        raise ProtocolError("OP_COMPRESSED too short")
    original_op, size = struct.unpack_from("<ii", data, 0)
    compressor = data[8]
    blob = data[9:]
    if compressor == COMPRESSOR_NOOP:
        inner = blob
    elif compressor == COMPRESSOR_ZLIB:
        try:
            inner = zlib.decompress(blob)
        except zlib.error as exc:
            raise ProtocolError(f"OP_COMPRESSED: zlib data is corrupt: {exc}") from exc
    else:
        raise ProtocolError(f"OP_COMPRESSED: compressor id {compressor} was not negotiated")
    if len(inner) != size:
        raise ProtocolError(f"OP_COMPRESSED: uncompressed size {len(inner)} differs from the declared {size}")
    return Message(message.request_id, message.response_to, original_op, inner)


def encode_op_msg(doc: dict[str, Any], request_id: int, response_to: int, flags: int = 0,
                  checksum: bool = False) -> bytes:
    if checksum:
        flags |= CHECKSUM_PRESENT
    payload = _UINT32.pack(flags) + b"\x00" + bson.encode(doc, codec_options=CODEC_OPTIONS)
    length = HEADER.size + len(payload) + (4 if checksum else 0)
    out = HEADER.pack(length, request_id, response_to, OP_MSG) + payload
    if checksum:
        out += _UINT32.pack(crc32c(out))
    return out


def encode_op_reply(doc: dict[str, Any], request_id: int, response_to: int,
                    flags: int = REPLY_AWAIT_CAPABLE) -> bytes:
    payload = struct.pack("<iqii", flags, 0, 0, 1) + bson.encode(doc, codec_options=CODEC_OPTIONS)
    return HEADER.pack(HEADER.size + len(payload), request_id, response_to, OP_REPLY) + payload


def encode_op_query(command: dict[str, Any], request_id: int, collection: str = "admin.$cmd",
                    flags: int = 0) -> bytes:
    """Build an OP_QUERY command message, as a client or a peer server sends it."""
    payload = (_INT32.pack(flags) + collection.encode() + b"\x00" + struct.pack("<ii", 0, -1)
               + bson.encode(command, codec_options=CODEC_OPTIONS))
    return HEADER.pack(HEADER.size + len(payload), request_id, 0, OP_QUERY) + payload
