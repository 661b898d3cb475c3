"""Client-side encryption of backup objects: AES-256-GCM in streamed frames, keyed from a key file.

The key never travels with the backup. The manifest records only the cipher and a fingerprint (an HMAC of a
fixed label under the key), so a restore can say "this backup needs key <fingerprint>" before reading a byte.

Stored object format (all integers big-endian)::

    header   magic "MABKENC1" (8) | frame size F, uint32 (4) | salt (32) | key fingerprint prefix (8)   = 52 bytes
    frame*   ciphertext length L, uint32 (4) | ciphertext (L bytes = plaintext + 16-byte GCM tag)

Every frame but the last carries exactly F plaintext bytes; the last carries 0..F bytes (an object always ends
with a final frame, empty when the plaintext is a multiple of F). Each object gets its own data key,
HKDF-SHA256(master key, salt, info "mongo-admin backup object v1"), so nonces never repeat across objects.
The nonce of frame n is n as an 11-byte counter followed by one byte, 1 on the final frame and 0 otherwise;
the header is the associated data of every frame. Reordered, dropped, appended or truncated frames, a changed
header and a wrong key therefore all fail authentication.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os
import struct
from pathlib import Path
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from mongo_admin.errors import BackupFormatError, BackupKeyError
from mongo_admin.ops.records import write_atomic

CIPHER = "AES-256-GCM"
MAGIC = b"MABKENC1"
DEFAULT_FRAME_SIZE = 1 << 20
HEADER_SIZE = 52
TAG_SIZE = 16
KEY_SIZE = 32
_FINGERPRINT_LABEL = b"mongo-admin backup key fingerprint v1"
_HKDF_INFO = b"mongo-admin backup object v1"
_MAX_FRAME_SIZE = 64 << 20
_CREATE_KEY_FIX = ("create a key file holding 32 random bytes as hex, "
                   "e.g. `openssl rand -hex 32 > backup.key; chmod 600 backup.key`")


class EncryptionKey:
    """A 256-bit master key. ``repr`` and ``str`` never show it."""

    def __init__(self, secret: bytes, source: str = "key") -> None:
        if len(secret) != KEY_SIZE:
            raise BackupKeyError(f"encryption key {source} is unusable", f"it holds {len(secret)} bytes, not 32",
                                 _CREATE_KEY_FIX)
        self._secret = secret
        self.source = source

    @classmethod
    def from_file(cls, path: Path) -> EncryptionKey:
        """The key in ``path``: 32 raw bytes, or 64 hexadecimal characters, or 32 bytes in base64."""
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise BackupKeyError(f"cannot read encryption key file {path}", exc.strerror or str(exc),
                                 "check the path and that this user may read it") from exc
        return cls(_decode_key(data, path), source=str(path))

    @classmethod
    def generate(cls) -> EncryptionKey:
        return cls(os.urandom(KEY_SIZE), source="generated key")

    def write_file(self, path: Path) -> None:
        """Save as 64 hex characters, mode 0600 from the first byte."""
        write_atomic(path, self._secret.hex().encode() + b"\n", mode=0o600)

    @property
    def fingerprint(self) -> str:
        """HMAC-SHA256 of a fixed label under the key, hex: safe to store and show; identifies the key."""
        return hmac.new(self._secret, _FINGERPRINT_LABEL, hashlib.sha256).hexdigest()

    def object_key(self, salt: bytes) -> bytes:
        return HKDF(algorithm=hashes.SHA256(), length=KEY_SIZE, salt=salt, info=_HKDF_INFO).derive(self._secret)

    def __repr__(self) -> str:
        return f"EncryptionKey(fingerprint={self.fingerprint[:16]}…)"

    __str__ = __repr__


def _decode_key(data: bytes, path: Path) -> bytes:
    if len(data) == KEY_SIZE:
        return data
    text = data.strip()
    if len(text) == 2 * KEY_SIZE:
        try:
            return bytes.fromhex(text.decode("ascii"))
        except (ValueError, UnicodeDecodeError):
            pass
    try:
        decoded = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        decoded = b""
    if len(decoded) == KEY_SIZE:
        return decoded
    raise BackupKeyError(f"encryption key file {path} is unusable",
                         "expected 32 raw bytes, 64 hexadecimal characters or 32 bytes in base64",
                         _CREATE_KEY_FIX)


def _nonce(index: int, final: bool) -> bytes:
    return index.to_bytes(11, "big") + (b"\x01" if final else b"\x00")


class EncryptingWriter:
    """A write-only stream that encrypts into ``target`` frame by frame; ``close`` writes the final frame
    (it does not close ``target``)."""

    def __init__(self, target: BinaryIO, key: EncryptionKey, *, frame_size: int = DEFAULT_FRAME_SIZE,
                 salt: bytes | None = None) -> None:
        salt = salt if salt is not None else os.urandom(32)
        self._header = MAGIC + struct.pack(">I", frame_size) + salt + bytes.fromhex(key.fingerprint[:16])
        self._aead = AESGCM(key.object_key(salt))
        self._target = target
        self._frame_size = frame_size
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        target.write(self._header)

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        while len(self._buffer) >= self._frame_size:
            self._emit(bytes(self._buffer[: self._frame_size]), final=False)
            del self._buffer[: self._frame_size]
        return len(data)

    def flush(self) -> None:
        """Frames are written whole; there is nothing to flush before ``close``."""

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._emit(bytes(self._buffer), final=True)
            self._buffer.clear()

    def _emit(self, plaintext: bytes, *, final: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._index, final), plaintext, self._header)
        self._target.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1


class DecryptingReader:
    """A read-only stream of the plaintext of an encrypted object read from ``source``; ``name`` (the object
    key) and the stored byte offset of a bad frame appear in every error."""

    def __init__(self, source: BinaryIO, key: EncryptionKey, name: str) -> None:
        self._source = source
        self._name = name
        header = _read_exact(source, HEADER_SIZE)
        if len(header) < HEADER_SIZE or header[:8] != MAGIC:
            raise BackupFormatError(f"{name} is not an encrypted backup object",
                                    "its first bytes are not a mongo-admin encryption header",
                                    "check the backup's manifest: the file may be unencrypted or from another tool")
        (self._frame_size,) = struct.unpack(">I", header[8:12])
        if not 0 < self._frame_size <= _MAX_FRAME_SIZE:
            raise BackupFormatError(f"{name} has a corrupt encryption header", f"frame size {self._frame_size}")
        expected = header[44:52].hex()
        if expected != key.fingerprint[:16]:
            raise BackupKeyError(f"wrong encryption key for {name}",
                                 f"the object was encrypted with key {expected}…, "
                                 f"{key.source} is {key.fingerprint[:16]}…",
                                 "pass the key file this backup was taken with (its fingerprint is in manifest.json)")
        self._header = header
        self._aead = AESGCM(key.object_key(header[12:44]))
        self._offset = HEADER_SIZE
        self._index = 0
        self._pending = self._read_frame_length()
        self._plain = b""
        self._position = 0
        self._done = False

    def _read_frame_length(self) -> int | None:
        prefix = _read_exact(self._source, 4)
        if not prefix:
            return None
        if len(prefix) < 4:
            raise self._corrupt("truncated frame length")
        length = int.from_bytes(prefix, "big")
        if not TAG_SIZE <= length <= self._frame_size + TAG_SIZE:
            raise self._corrupt(f"impossible frame length {length}")
        return length

    def _corrupt(self, why: str) -> BackupFormatError:
        return BackupFormatError(f"{self._name} is corrupt at stored byte offset {self._offset} (frame {self._index})",
                                 why, "restore from another backup; this object cannot be decrypted")

    def _next_frame(self) -> bool:
        if self._done:
            return False
        length = self._pending
        if length is None:
            raise self._corrupt("the object ends without its final frame (truncated)")
        sealed = _read_exact(self._source, length)
        if len(sealed) < length:
            raise self._corrupt("truncated frame")
        frame_offset = self._offset
        self._offset += 4 + length
        following = self._read_frame_length()
        final = following is None
        try:
            plain = self._aead.decrypt(_nonce(self._index, final), sealed, self._header)
        except InvalidTag:
            self._offset = frame_offset
            raise self._corrupt("authentication failed: the bytes were changed, reordered or cut") from None
        if not final and len(plain) != self._frame_size:
            self._offset = frame_offset
            raise self._corrupt("short frame before the end")
        self._index += 1
        self._pending = following
        self._done = final
        self._plain, self._position = plain, 0
        return True

    def read(self, size: int = -1) -> bytes:
        chunks: list[bytes] = []
        wanted = size if size is not None and size >= 0 else None
        while wanted is None or wanted > 0:
            if self._position >= len(self._plain) and not self._next_frame():
                break
            end = len(self._plain) if wanted is None else min(len(self._plain), self._position + wanted)
            chunk = self._plain[self._position:end]
            self._position = end
            chunks.append(chunk)
            if wanted is not None:
                wanted -= len(chunk)
        return b"".join(chunks)

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """The source belongs to the caller."""


def _read_exact(stream: BinaryIO, size: int) -> bytes:
    chunks: list[bytes] = []
    remaining = size
    while remaining > 0:
        chunk = stream.read(remaining)
        if not chunk:
            break
        chunks.append(chunk)
        remaining -= len(chunk)
    return b"".join(chunks)
