"""The on-storage format of a backup: mongodump's directory layout, and streamed writers and readers for it.

Each replica set's folder is what ``mongodump --gzip --oplog --out <folder>`` (mongo-tools 100.x) would have
written, so the official ``mongorestore --gzip --oplogReplay --dir <folder>`` can restore it:

- ``<db>/<escaped collection>.bson.gz`` - the documents, raw BSON one after another, gzip-compressed;
- ``<db>/<escaped collection>.metadata.json.gz`` - one line of canonical Extended JSON (``metadata_json``);
  a view has only this file; a time-series collection ``ts`` keeps its data in
  ``<db>/system.buckets.ts.bson.gz`` next to ``<db>/ts.metadata.json.gz``;
- users and roles are ``admin/system.users.bson.gz`` and ``admin/system.roles.bson.gz`` (plain collections of
  the admin database, with their metadata files), the auth version ``admin/system.version.bson.gz``;
- ``prelude.json.gz`` - ``{"ServerVersion":...,"ToolVersion":...}``;
- ``oplog.bson`` - the oplog entries to replay, gzip-compressed *without* a ``.gz`` suffix, because that is
  the one name mongodump writes and mongorestore looks for at the top of a dump.

Two options trade that interoperability away: zstd compression (``.zst`` instead of ``.gz``, and
``oplog.bson.zst``) and client-side encryption (``.enc`` appended, see ``encryption``).
"""

from __future__ import annotations

import base64
import contextlib
import gzip
import hashlib
import uuid
import zlib
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Any, BinaryIO, Literal, Self

import bson
import zstandard
from bson.binary import Binary
from bson.codec_options import CodecOptions, DatetimeConversion

from mongo_admin.errors import BackupFormatError, InvalidInputError
from mongo_admin.ops.backup import extjson
from mongo_admin.ops.backup.encryption import (
    DEFAULT_FRAME_SIZE,
    DecryptingReader,
    EncryptingWriter,
    EncryptionKey,
)
from mongo_admin.storage.base import Storage

Compression = Literal["gzip", "zstd", "none"]
COMPRESSION_SUFFIX: dict[str, str] = {"gzip": ".gz", "zstd": ".zst", "none": ""}
ENCRYPTED_SUFFIX = ".enc"
# The server's largest internal document (16 MiB + 16 KiB): oplog entries may exceed the user limit slightly.
MAX_DOCUMENT_SIZE = 16 * 1024 * 1024 + 16 * 1024
_LONG_NAME_LIMIT, _LONG_NAME_KEEP = 238, 208
_GZIP_LEVEL, _ZSTD_LEVEL = 6, 3
_WRITE_BUFFER = 256 * 1024
_READ_CHUNK = 1 << 20
# Decoding only proves a document is well formed: strings with invalid UTF-8 are accepted by the server and
# copied byte for byte by mongorestore, so they are not a fault of the backup.
_VALIDATE_OPTIONS: CodecOptions[dict[str, Any]] = CodecOptions(
    datetime_conversion=DatetimeConversion.DATETIME_AUTO, unicode_decode_error_handler="surrogateescape")


# ---- names ------------------------------------------------------------------------------------------------

_PATH_SEGMENT_SAFE = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.~$&+:=@")


def escape_collection_name(name: str) -> str:
    """The file name stem mongodump uses for collection ``name``: URL path-segment escaping (``/``, ``%``,
    space, ``?``, ``;``, ``,``, non-ASCII... become ``%XX``), and names whose escaped form is longer than 238
    bytes become their first 208 escaped bytes, ``%24`` and the unpadded base64url SHA-1 of the name (the full
    name is then only in the metadata file's ``collectionName``)."""
    escaped = "".join(chr(byte) if byte in _PATH_SEGMENT_SAFE else f"%{byte:02X}" for byte in name.encode())
    if len(escaped) > _LONG_NAME_LIMIT:
        digest = base64.urlsafe_b64encode(hashlib.sha1(name.encode()).digest()).rstrip(b"=").decode()
        escaped = escaped[:_LONG_NAME_KEEP] + "%24" + digest
    return escaped


def mongodump_skips(db: str, collection: str) -> bool:
    """Whether mongodump leaves ``db.collection`` out of a dump: ``system.*`` collections outside ``admin``
    (but not ``system.js``), ``admin.system.keys``, and the sessions, transactions and caches in ``config``."""
    if db == "admin":
        return collection == "system.keys"
    if db == "config":
        return collection in _CONFIG_SKIPPED or collection.startswith("cache.")
    return collection.startswith("system.") and collection != "system.js"


_CONFIG_SKIPPED = frozenset({"transactions", "system.sessions", "transaction_coordinators", "system.indexBuilds",
                             "image_collection", "mongos", "system.preimages"})


@dataclass(frozen=True)
class Encoding:
    """How objects are stored: compression, and the encryption key (None: not encrypted) with the plaintext
    bytes per encryption frame (only writers use it: readers take it from each object's header)."""

    compression: Compression = "gzip"
    key: EncryptionKey | None = None
    frame_size: int = DEFAULT_FRAME_SIZE

    @property
    def suffix(self) -> str:
        return COMPRESSION_SUFFIX[self.compression] + (ENCRYPTED_SUFFIX if self.key else "")

    @property
    def interoperable(self) -> bool:
        """Readable by mongorestore (``--gzip`` when compressed)."""
        return self.compression != "zstd" and self.key is None


@dataclass(frozen=True)
class DumpLayout:
    """The keys of one replica set's dump folder ``root`` (a storage key prefix without a trailing "/")."""

    root: str
    encoding: Encoding = Encoding()

    def _key(self, relative: str) -> str:
        return f"{self.root}/{relative}" if self.root else relative

    def data_key(self, db: str, collection: str, *, timeseries: bool = False) -> str:
        """The documents of ``db.collection`` (for a time-series collection, its buckets)."""
        stem = escape_collection_name(("system.buckets." if timeseries else "") + collection)
        return self._key(f"{_check_db(db)}/{stem}.bson{self.encoding.suffix}")

    def metadata_key(self, db: str, collection: str) -> str:
        return self._key(f"{_check_db(db)}/{escape_collection_name(collection)}.metadata.json{self.encoding.suffix}")

    def oplog_key(self) -> str:
        """``oplog.bson`` even when gzip-compressed (mongodump's and mongorestore's name)."""
        compression = ".zst" if self.encoding.compression == "zstd" else ""
        return self._key(f"oplog.bson{compression}{ENCRYPTED_SUFFIX if self.encoding.key else ''}")

    def prelude_key(self) -> str:
        return self._key(f"prelude.json{self.encoding.suffix}")


def _check_db(db: str) -> str:
    if not db or any(char in db for char in '/\\. "$\x00'):
        raise InvalidInputError(f"cannot store database {db!r} in a dump folder", "it is not a valid database name")
    return db


# ---- small JSON files -------------------------------------------------------------------------------------

def metadata_json(options: Mapping[str, Any] | None, indexes: Sequence[Mapping[str, Any]],
                  uuid_value: uuid.UUID | Binary | bytes | str | None, collection_name: str,
                  type_: str = "") -> str:
    """The ``.metadata.json`` line mongodump writes: ``options`` (omitted when empty, as ``listCollections``
    returned them), ``indexes`` (as ``listIndexes`` returned them; ``[]`` for a view), ``uuid`` (32 lowercase hex
    digits, omitted when unknown), ``collectionName``, ``type`` (omitted when empty)."""
    document: dict[str, Any] = {}
    if options:
        document["options"] = options
    document["indexes"] = list(indexes)
    uuid_hex = _uuid_hex(uuid_value)
    if uuid_hex:
        document["uuid"] = uuid_hex
    document["collectionName"] = collection_name
    if type_:
        document["type"] = type_
    return extjson.dumps(document)


def _uuid_hex(value: uuid.UUID | Binary | bytes | str | None) -> str:
    if value is None or value == "":
        return ""
    if isinstance(value, uuid.UUID):
        return value.hex
    if isinstance(value, bytes):  # Binary is a bytes subclass
        return bytes(value).hex()
    return uuid.UUID(value).hex


def prelude_json(server_version: str, tool_version: str) -> str:
    """``prelude.json``: the server and tool versions of the dump, as mongodump writes them."""
    return ('{"ServerVersion":' + extjson.json_string(server_version, escape_html=True)
            + ',"ToolVersion":' + extjson.json_string(tool_version, escape_html=True) + "}\n")


# ---- writing ----------------------------------------------------------------------------------------------

@dataclass(frozen=True)
class StoredObject:
    """What was stored: ``size`` and ``sha256`` of the stored bytes, ``raw_size`` before compression and
    encryption, ``documents`` written (None for a file that is not a stream of BSON documents)."""

    key: str
    size: int
    sha256: str
    raw_size: int
    documents: int | None


class _HashingSink:
    """Counts and hashes the bytes on their way to storage."""

    def __init__(self, target: BinaryIO) -> None:
        self._target = target
        self.size = 0
        self.hash = hashlib.sha256()

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._target.write(data)
        self.hash.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        """The storage stream is flushed when its block exits."""


class _Layers:
    """compression -> encryption -> hashing sink, closed innermost first."""

    def __init__(self, target: BinaryIO, encoding: Encoding) -> None:
        self.sink = _HashingSink(target)
        self._encryptor = (EncryptingWriter(self.sink, encoding.key, frame_size=encoding.frame_size)  # type: ignore[arg-type]
                           if encoding.key else None)
        below: Any = self._encryptor or self.sink
        self._compressor: Any
        if encoding.compression == "gzip":
            self._compressor = gzip.GzipFile(filename="", mode="wb", fileobj=below, compresslevel=_GZIP_LEVEL, mtime=0)
        elif encoding.compression == "zstd":
            self._compressor = zstandard.ZstdCompressor(level=_ZSTD_LEVEL).stream_writer(below, closefd=False)
        else:
            self._compressor = None
        self._top: Any = self._compressor or below

    def write(self, data: bytes | bytearray) -> None:
        self._top.write(data)

    def close(self) -> None:
        if self._compressor is not None:
            self._compressor.close()
        if self._encryptor is not None:
            self._encryptor.close()


class CollectionWriter:
    """Streams BSON documents into object ``key``: ``with CollectionWriter(storage, key, encoding) as w:
    w.write(doc)``. The object appears only when the block exits cleanly; ``result`` then says what was stored.

    ``write`` takes a document's raw BSON bytes (checked for framing) or a mapping (encoded here).
    """

    def __init__(self, storage: Storage, key: str, encoding: Encoding = Encoding()) -> None:
        self.key = key
        self._storage = storage
        self._encoding = encoding
        self._stack = contextlib.ExitStack()
        self._layers: _Layers | None = None
        self._buffer = bytearray()
        self.documents = 0
        self.raw_size = 0
        self.result: StoredObject | None = None

    def __enter__(self) -> Self:
        target = self._stack.enter_context(self._storage.open_write(self.key))
        try:
            self._layers = _Layers(target, self._encoding)
        except BaseException:
            self._stack.close()
            raise
        return self

    def write(self, document: bytes | bytearray | memoryview | Mapping[str, Any]) -> None:
        if isinstance(document, Mapping):
            data = bson.encode(document)
        else:
            data = bytes(document)
            _check_framing(data, self.key, self.raw_size, self.documents)
        self._buffer += data
        self.documents += 1
        self.raw_size += len(data)
        if len(self._buffer) >= _WRITE_BUFFER:
            self._flush()

    def write_all(self, documents: Iterator[bytes | Mapping[str, Any]] | Sequence[bytes | Mapping[str, Any]]) -> None:
        for document in documents:
            self.write(document)

    def _flush(self) -> None:
        assert self._layers is not None, "use CollectionWriter in a with block"
        self._layers.write(self._buffer)
        self._buffer.clear()

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool | None:
        if exc_type is not None:
            return self._stack.__exit__(exc_type, exc, tb)
        try:
            self._flush()
            assert self._layers is not None
            self._layers.close()
        except BaseException as failure:
            if not self._stack.__exit__(type(failure), failure, failure.__traceback__):
                raise
            return None
        self._stack.close()
        sink = self._layers.sink
        self.result = StoredObject(self.key, sink.size, sink.hash.hexdigest(), self.raw_size, self.documents)
        return None


def write_documents(storage: Storage, key: str, documents: Iterator[bytes | Mapping[str, Any]]
                    | Sequence[bytes | Mapping[str, Any]], encoding: Encoding = Encoding()) -> StoredObject:
    """Stream ``documents`` into object ``key`` and say what was stored."""
    with CollectionWriter(storage, key, encoding) as writer:
        writer.write_all(documents)
    assert writer.result is not None
    return writer.result


def put_object(storage: Storage, key: str, data: bytes, encoding: Encoding = Encoding()) -> StoredObject:
    """Store a small whole file (metadata, prelude) compressed and encrypted like the rest, in one ``put``."""
    target = _MemoryTarget()
    layers = _Layers(target, encoding)  # type: ignore[arg-type]
    layers.write(data)
    layers.close()
    stored = target.getvalue()
    storage.put(key, stored)
    return StoredObject(key, len(stored), hashlib.sha256(stored).hexdigest(), len(data), None)


class _MemoryTarget:
    def __init__(self) -> None:
        self._chunks: list[bytes] = []

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        """Nothing is buffered."""

    def getvalue(self) -> bytes:
        return b"".join(self._chunks)


def _check_framing(data: bytes, key: str, offset: int, index: int) -> None:
    length = int.from_bytes(data[:4], "little", signed=True) if len(data) >= 4 else -1
    if length != len(data) or length < 5 or data[-1] != 0:
        raise BackupFormatError(f"refusing to write a malformed document to {key} (document #{index + 1}, "
                                f"byte offset {offset})", f"{len(data)} bytes whose length prefix says {length}")


# ---- reading ----------------------------------------------------------------------------------------------

class BadDocumentError(BackupFormatError):
    """A stored object's plaintext is not a clean sequence of BSON documents; ``offset`` is the byte offset of
    the bad document in the uncompressed, decrypted stream and ``index`` its 1-based position."""

    def __init__(self, key: str, offset: int, index: int, why: str) -> None:
        self.key = key
        self.offset = offset
        self.index = index
        self.reason = why
        super().__init__(f"bad BSON in {key} at byte offset {offset} (document #{index})", why,
                         "the object is corrupt: restore from another backup")


class _HashingSource:
    """Counts and hashes the stored bytes as they are read."""

    def __init__(self, source: BinaryIO) -> None:
        self._source = source
        self.size = 0
        self.hash = hashlib.sha256()

    def read(self, size: int = -1) -> bytes:
        data = self._source.read(size)
        self.hash.update(data)
        self.size += len(data)
        return data

    def readable(self) -> bool:
        return True

    def close(self) -> None:
        """The storage stream is closed by its block."""


class ObjectReader:
    """Reads object ``key`` back through decryption and decompression: ``with ObjectReader(...) as r:
    for doc in r.documents(): ...``. After ``finish()`` (or a full iteration), ``size`` and ``sha256`` describe
    the stored bytes. Faults raise BackupFormatError naming the key and the byte offset."""

    def __init__(self, storage: Storage, key: str, encoding: Encoding = Encoding()) -> None:
        self.key = key
        self._storage = storage
        self._encoding = encoding
        self._stack = contextlib.ExitStack()
        self._source: _HashingSource | None = None
        self._plain: Any = None
        self.documents_read = 0

    def __enter__(self) -> Self:
        stream = self._stack.enter_context(self._storage.open_read(self.key))
        try:
            self._source = _HashingSource(stream)
            below: Any = self._source
            if self._encoding.key is not None:
                below = DecryptingReader(self._source, self._encoding.key, self.key)  # type: ignore[arg-type]
            if self._encoding.compression == "gzip":
                self._plain = gzip.GzipFile(fileobj=below, mode="rb")
            elif self._encoding.compression == "zstd":
                self._plain = zstandard.ZstdDecompressor().stream_reader(below, read_across_frames=True, closefd=False)
            else:
                self._plain = below
        except BaseException:
            self._stack.close()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        self._stack.close()

    @property
    def size(self) -> int:
        assert self._source is not None
        return self._source.size

    @property
    def sha256(self) -> str:
        assert self._source is not None
        return self._source.hash.hexdigest()

    def _read(self, size: int) -> bytes:
        try:
            return bytes(self._plain.read(size))
        except (OSError, EOFError, zlib.error, zstandard.ZstdError) as exc:
            assert self._source is not None
            raise BackupFormatError(
                f"{self.key} cannot be decompressed ({self._encoding.compression}) near stored byte offset "
                f"{self._source.size}", str(exc) or type(exc).__name__,
                "the object is truncated or corrupt: run verify, and restore from another backup") from exc

    def read_all(self) -> bytes:
        """The whole plaintext (for small files such as metadata)."""
        chunks = []
        while chunk := self._read(_READ_CHUNK):
            chunks.append(chunk)
        self.finish()
        return b"".join(chunks)

    def documents(self, *, validate: bool = True) -> Iterator[bytes]:
        """Each document's raw BSON, after checking its length prefix and terminating zero and, when
        ``validate``, that it decodes."""
        buffer = bytearray()
        position = 0  # of the next document in ``buffer``
        consumed = 0  # plaintext bytes dropped from the front of ``buffer``
        at_end = False
        while True:
            while len(buffer) - position < 4 and not at_end:
                at_end = not self._fill(buffer)
            available = len(buffer) - position
            if available == 0:
                break
            offset = consumed + position
            if available < 4:
                raise self._bad(offset, f"{available} stray bytes after the last document")
            length = int.from_bytes(buffer[position:position + 4], "little", signed=True)
            if not 5 <= length <= MAX_DOCUMENT_SIZE:
                raise self._bad(offset, f"impossible document length {length}")
            while len(buffer) - position < length and not at_end:
                at_end = not self._fill(buffer)
            if len(buffer) - position < length:
                raise self._bad(offset, f"truncated document: {len(buffer) - position} of {length} bytes")
            document = bytes(buffer[position:position + length])
            if document[-1] != 0:
                raise self._bad(offset, "the document does not end with a zero byte")
            if validate:
                try:
                    bson.decode(document, _VALIDATE_OPTIONS)
                except Exception as exc:  # any decoding failure means the bytes are not valid BSON
                    raise self._bad(offset, f"invalid BSON: {exc}") from exc
            self.documents_read += 1
            yield document
            position += length
            if position >= _READ_CHUNK:
                del buffer[:position]
                consumed += position
                position = 0
        self.finish()

    def _fill(self, buffer: bytearray) -> bool:
        chunk = self._read(_READ_CHUNK)
        buffer += chunk
        return bool(chunk)

    def _bad(self, offset: int, why: str) -> BadDocumentError:
        return BadDocumentError(self.key, offset, self.documents_read + 1, why)

    def finish(self) -> None:
        """Read any stored bytes left after the end of the compressed stream, so ``size`` and ``sha256``
        cover the whole object."""
        assert self._source is not None
        while self._source.read(_READ_CHUNK):
            pass


def read_documents(storage: Storage, key: str, encoding: Encoding = Encoding()) -> Iterator[dict[str, Any]]:
    """The documents of object ``key``, decoded."""
    with ObjectReader(storage, key, encoding) as reader:
        for raw in reader.documents(validate=False):
            yield bson.decode(raw)


def get_object(storage: Storage, key: str, encoding: Encoding = Encoding()) -> bytes:
    """The plaintext of a small object (metadata, prelude)."""
    with ObjectReader(storage, key, encoding) as reader:
        return reader.read_all()
