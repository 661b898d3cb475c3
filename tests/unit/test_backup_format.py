"""Backup format: mongodump names and metadata byte for byte, streamed writers/readers, encryption frames."""

from __future__ import annotations

import datetime
import gzip
import hashlib
import os
import random
import re
import uuid
from pathlib import Path
from urllib.parse import unquote

import bson
import pytest
from bson import json_util
from bson.binary import Binary
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp

from mongo_admin.errors import BackupFormatError, BackupKeyError
from mongo_admin.ops.backup import extjson
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import (
    BadDocumentError,
    CollectionWriter,
    DumpLayout,
    Encoding,
    ObjectReader,
    escape_collection_name,
    get_object,
    metadata_json,
    mongodump_skips,
    prelude_json,
    put_object,
    read_documents,
    write_documents,
)
from mongo_admin.storage.filesystem import FilesystemStorage

LONG_NAME = "a" + "Very" * 44 + "LongCollectionNameConsistingOfExactlyTwoHundredAndFortySevenCharacters"


def _as_server_returns(document: dict) -> dict:
    """What pymongo hands back for ``document`` after a round trip through the server (BSON)."""
    return bson.decode(bson.encode(document))


# ---- metadata.json, byte for byte against real mongodump output ------------------------------------------

REAL_METADATA = [
    (  # /work/shared/reference/mongodb.md §8.1, from mongo-tools testdata
        None,
        [{"v": 2, "key": {"_id": 1}, "name": "_id_"},
         {"v": 2, "key": {"a": 1}, "name": "a_1", "expireAfterSeconds": 1000}],
        Binary(bytes.fromhex("ffa7054f30dc422696fa9607e150cb53"), 4), "coll1", "collection",
        '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"},{"v":{"$numberInt":"2"},'
        '"key":{"a":{"$numberInt":"1"}},"name":"a_1","expireAfterSeconds":{"$numberInt":"1000"}}],'
        '"uuid":"ffa7054f30dc422696fa9607e150cb53","collectionName":"coll1","type":"collection"}',
    ),
    (  # /work/shared/reference/mongodb.md §8.1 (time-series)
        {"timeseries": {"timeField": "ts", "metaField": "meta", "granularity": "seconds",
                        "bucketMaxSpanSeconds": 3600}},
        [{"v": 2, "key": {"meta.device": 1}, "name": "meta.device_1"}], None, "foo_ts", "timeseries",
        '{"options":{"timeseries":{"timeField":"ts","metaField":"meta","granularity":"seconds","bucketMaxSpanSeconds":'
        '{"$numberInt":"3600"}}},"indexes":[{"v":{"$numberInt":"2"},"key":{"meta.device":{"$numberInt":"1"}},'
        '"name":"meta.device_1"}],"collectionName":"foo_ts","type":"timeseries"}',
    ),
    (  # mongo-tools mongorestore/testdata/longcollectionname (no type: written before mongodump added it)
        {}, [{"v": 2, "key": {"_id": 1}, "name": "_id_"}], uuid.UUID("ee3534fe-9545-406f-9040-6b246dde420d"),
        LONG_NAME, "",
        '{"indexes":[{"v":{"$numberInt":"2"},"key":{"_id":{"$numberInt":"1"}},"name":"_id_"}],'
        f'"uuid":"ee3534fe9545406f90406b246dde420d","collectionName":"{LONG_NAME}"}}',
    ),
]


@pytest.mark.parametrize(("options", "indexes", "uuid_value", "name", "type_", "expected"), REAL_METADATA)
def test_metadata_json_is_byte_exact(options, indexes, uuid_value, name, type_, expected):
    options = _as_server_returns(options) if options else options
    indexes = [_as_server_returns(index) for index in indexes]
    assert metadata_json(options, indexes, uuid_value, name, type_) == expected


def test_metadata_of_a_view_has_empty_indexes_and_its_pipeline():
    options = _as_server_returns({"viewOn": "orders", "pipeline": [{"$match": {"total": {"$gt": 1.5}}}]})
    assert metadata_json(options, [], None, "big_orders", "view") == (
        '{"options":{"viewOn":"orders","pipeline":[{"$match":{"total":{"$gt":{"$numberDouble":"1.5"}}}}]},'
        '"indexes":[],"collectionName":"big_orders","type":"view"}')


def test_prelude_is_what_mongorestore_reads():
    assert prelude_json("8.0.4", "mongo-admin 0.1.0") == '{"ServerVersion":"8.0.4","ToolVersion":"mongo-admin 0.1.0"}\n'


# ---- canonical Extended JSON, Go driver style ---------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    (1.0, "1.0"), (0.5, "0.5"), (-2.0, "-2.0"), (123456.0, "123456.0"), (1e6, "1E+06"), (1234567.0, "1.234567E+06"),
    (0.0001, "0.0001"), (0.00001, "1E-05"), (2.5e-5, "2.5E-05"), (-0.0, "-0.0"), (1e21, "1E+21"),
    (float("inf"), "Infinity"), (float("-inf"), "-Infinity"), (float("nan"), "NaN"),
])
def test_doubles_are_formatted_like_go(value, expected):
    assert extjson.go_double(value) == expected


def test_extjson_types_and_escaping():
    document = {
        "i32": 7, "i64": Int64(7), "big": 2**40, "neg": -(2**31), "t": True, "n": None,
        "date": datetime.datetime(2021, 1, 12, 3, 29, 55, 248000, tzinfo=datetime.UTC),
        "oid": ObjectId("5ff4f8d3b4e8d1a2c3b4e5f6"), "ts": Timestamp(1610422195, 1),
        "bin": Binary(b"\x01\x02", 0x80), "uuid": uuid.UUID("ffa7054f30dc422696fa9607e150cb53"),
        "re": Regex("^a.b", "xmi"), "max": MaxKey(), "empty": {}, "list": [],
        "text": 'q"b\\s\n<&>\u2028é\x01',
    }
    assert extjson.dumps(document) == (
        '{"i32":{"$numberInt":"7"},"i64":{"$numberLong":"7"},"big":{"$numberLong":"1099511627776"},'
        '"neg":{"$numberInt":"-2147483648"},"t":true,"n":null,"date":{"$date":{"$numberLong":"1610422195248"}},'
        '"oid":{"$oid":"5ff4f8d3b4e8d1a2c3b4e5f6"},"ts":{"$timestamp":{"t":1610422195,"i":1}},'
        '"bin":{"$binary":{"base64":"AQI=","subType":"80"}},'
        '"uuid":{"$binary":{"base64":"/6cFTzDcQiaW+pYH4VDLUw==","subType":"04"}},'
        '"re":{"$regularExpression":{"pattern":"^a.b","options":"imx"}},"max":{"$maxKey":1},"empty":{},"list":[],'
        '"text":"q\\"b\\\\s\\n<&>\\u2028é\\u0001"}')
    # and it is valid canonical Extended JSON that round-trips to the same values
    assert json_util.loads(extjson.dumps(document))["i64"] == Int64(7)


# ---- names --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize(("name", "expected"), [
    ("coll1", "coll1"),
    ("cafés", "caf%C3%A9s"),  # mongo-tools testdata specialcharacter/db1/caf%C3%A9s.bson
    ("a/b c", "a%2Fb%20c"),
    ("q?x;y,z", "q%3Fx%3By%2Cz"),
    ("100%", "100%25"),
    ("keep$:@&=+~-_.", "keep$:@&=+~-_."),
    ("system.buckets.ts", "system.buckets.ts"),
    (LONG_NAME, "a" + "Very" * 44 + "LongCollectionNameConsistingOfE%24xFO0VquRn7cg3QooSZD5sglTddU"),  # testdata
])
def test_collection_names_are_escaped_like_mongodump(name, expected):
    assert escape_collection_name(name) == expected
    if len(expected) < 238:  # 238 bytes with "%24": truncated, the name is only in the metadata file
        assert unquote(expected) == name


def test_dump_layout_names():
    gz = DumpLayout("prod/backups/b1/rs0")
    assert gz.data_key("shop", "orders") == "prod/backups/b1/rs0/shop/orders.bson.gz"
    assert gz.metadata_key("shop", "a/b") == "prod/backups/b1/rs0/shop/a%2Fb.metadata.json.gz"
    assert gz.data_key("shop", "ts", timeseries=True) == "prod/backups/b1/rs0/shop/system.buckets.ts.bson.gz"
    assert gz.data_key("admin", "system.users") == "prod/backups/b1/rs0/admin/system.users.bson.gz"
    assert gz.oplog_key() == "prod/backups/b1/rs0/oplog.bson"  # gzipped, no .gz: mongorestore's name
    assert gz.prelude_key() == "prod/backups/b1/rs0/prelude.json.gz"
    secret = DumpLayout("", Encoding("zstd", EncryptionKey.generate()))
    assert secret.data_key("shop", "orders") == "shop/orders.bson.zst.enc"
    assert secret.oplog_key() == "oplog.bson.zst.enc"
    assert not secret.encoding.interoperable and gz.encoding.interoperable


@pytest.mark.parametrize(("db", "collection", "skipped"), [
    ("shop", "orders", False), ("shop", "system.views", True), ("shop", "system.js", False),
    ("admin", "system.users", False), ("admin", "system.keys", True), ("config", "transactions", True),
    ("config", "cache.chunks.shop.orders", True), ("config", "chunks", False),
])
def test_mongodump_skip_rules(db, collection, skipped):
    assert mongodump_skips(db, collection) is skipped


# ---- streamed round trips -----------------------------------------------------------------------------------

@pytest.fixture
def storage(tmp_path: Path) -> FilesystemStorage:
    return FilesystemStorage(tmp_path / "store")


ENCODINGS = {
    "plain": Encoding("none"),
    "plain+aes": Encoding("none", EncryptionKey(bytes(range(32))), frame_size=64 * 1024),
    "gzip": Encoding("gzip"),
    "zstd": Encoding("zstd"),
    "gzip+aes": Encoding("gzip", EncryptionKey(bytes(range(32)))),
    "zstd+aes": Encoding("zstd", EncryptionKey(bytes(range(32)))),
}


def _ten_megabytes():
    """10.5 MB of documents that barely compress, the same on every call."""
    for number in range(10_500):
        yield bson.encode({"_id": number, "payload": Binary(random.Random(number).randbytes(1000))})


@pytest.mark.parametrize("name", list(ENCODINGS))
def test_ten_megabyte_collection_round_trips(storage, name):
    encoding = ENCODINGS[name]
    expected = hashlib.sha256()
    count = raw = 0
    for document in _ten_megabytes():
        expected.update(document)
        count += 1
        raw += len(document)
    assert raw > 10_000_000
    stored = write_documents(storage, f"db/coll.bson{encoding.suffix}", _ten_megabytes(), encoding)
    assert (stored.documents, stored.raw_size) == (count, raw)
    on_disk = (storage.root / stored.key).read_bytes()
    assert (stored.size, stored.sha256) == (len(on_disk), hashlib.sha256(on_disk).hexdigest())

    seen = hashlib.sha256()
    with ObjectReader(storage, stored.key, encoding) as reader:
        for document in reader.documents():
            seen.update(document)
        assert (reader.documents_read, reader.size, reader.sha256) == (count, stored.size, stored.sha256)
    assert seen.hexdigest() == expected.hexdigest()


def test_dicts_and_raw_bytes_and_small_objects(storage):
    stored = write_documents(storage, "db/c.bson.gz", [{"a": 1}, bson.encode({"b": "x"})])
    assert [document for document in read_documents(storage, "db/c.bson.gz")] == [{"a": 1}, {"b": "x"}]
    assert stored.documents == 2
    put_object(storage, "db/c.metadata.json.gz", b'{"indexes":[]}')
    assert gzip.decompress((storage.root / "db/c.metadata.json.gz").read_bytes()) == b'{"indexes":[]}'
    assert get_object(storage, "db/c.metadata.json.gz") == b'{"indexes":[]}'


def test_gzip_output_is_deterministic(storage):
    first = write_documents(storage, "a.bson.gz", [{"n": n} for n in range(100)])
    second = write_documents(storage, "b.bson.gz", [{"n": n} for n in range(100)])
    assert first.sha256 == second.sha256


def test_a_failed_write_leaves_no_object(storage):
    with pytest.raises(RuntimeError), CollectionWriter(storage, "db/c.bson.gz") as writer:
        writer.write({"a": 1})
        raise RuntimeError("cursor died")
    assert storage.stat("db/c.bson.gz") is None


def test_malformed_raw_document_is_refused(storage):
    with pytest.raises(BackupFormatError, match=r"document #2"), CollectionWriter(storage, "x.bson.gz") as writer:
        writer.write(bson.encode({"a": 1}))
        writer.write(b"\x09\x00\x00\x00\x00")
    assert storage.stat("x.bson.gz") is None


# ---- corruption is named with the key and the offset --------------------------------------------------------

DOC_SIZE = len(bson.encode({"n": 0, "pad": "x" * 20}))


def _plain_object(storage, key="db/c.bson"):
    write_documents(storage, key, [{"n": n, "pad": "x" * 20} for n in range(100)], Encoding("none"))
    return storage.root / key


def _read_all(storage, key, encoding):
    with ObjectReader(storage, key, encoding) as reader:
        return sum(1 for _ in reader.documents())


@pytest.mark.parametrize(("position", "value", "reason"), [
    (9 * DOC_SIZE + DOC_SIZE - 1, 7, "does not end with a zero byte"),
    (9 * DOC_SIZE, 0xFF, "impossible document length|truncated document|invalid BSON"),
    (9 * DOC_SIZE + 4, 0x7F, "invalid BSON"),
])
def test_corrupted_byte_is_reported_with_its_offset(storage, position, value, reason):
    path = _plain_object(storage)
    data = bytearray(path.read_bytes())
    data[position] = value
    path.write_bytes(bytes(data))
    with pytest.raises(BadDocumentError) as caught:
        _read_all(storage, "db/c.bson", Encoding("none"))
    assert caught.value.offset == 9 * DOC_SIZE and caught.value.index == 10
    assert re.search(reason, caught.value.reason)
    assert f"db/c.bson at byte offset {9 * DOC_SIZE} (document #10)" in str(caught.value)


def test_truncated_object_is_reported(storage):
    path = _plain_object(storage)
    path.write_bytes(path.read_bytes()[:-3])
    with pytest.raises(BadDocumentError, match=r"truncated document: 27 of 30 bytes|truncated document"):
        _read_all(storage, "db/c.bson", Encoding("none"))


def test_corrupted_gzip_names_the_key(storage):
    stored = write_documents(storage, "db/c.bson.gz", [{"n": n, "pad": os.urandom(50)} for n in range(200)])
    path = storage.root / stored.key
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(BackupFormatError, match=r"db/c\.bson\.gz"):
        _read_all(storage, stored.key, Encoding("gzip"))


@pytest.mark.parametrize("damage", ["flip", "truncate", "drop-final-frame"])
def test_tampered_encrypted_object_fails_authentication(storage, damage):
    encoding = Encoding("none", EncryptionKey(b"k" * 32), frame_size=4096)  # several frames for a small test
    write_documents(storage, "db/c.bson.enc", [{"n": n, "pad": "y" * 100} for n in range(200)], encoding)
    path = storage.root / "db/c.bson.enc"
    data = bytearray(path.read_bytes())
    if damage == "flip":
        data[5000] ^= 0x01
    elif damage == "truncate":
        del data[-10:]
    else:
        last = len(data)
        # frames are 4 + 4096 + 16 bytes; the last one is shorter: cut it off entirely
        full = (last - 52) // (4 + 4096 + 16)
        del data[52 + full * (4 + 4096 + 16):]
    path.write_bytes(bytes(data))
    with pytest.raises(BackupFormatError, match=r"db/c\.bson\.enc is corrupt at stored byte offset \d+ \(frame \d+\)"):
        _read_all(storage, "db/c.bson.enc", encoding)


def test_wrong_key_is_a_clear_error(storage, tmp_path):
    right, wrong = EncryptionKey(b"r" * 32), EncryptionKey(b"w" * 32)
    write_documents(storage, "db/c.bson.gz.enc", [{"a": 1}], Encoding("gzip", right))
    with pytest.raises(BackupKeyError) as caught:
        _read_all(storage, "db/c.bson.gz.enc", Encoding("gzip", wrong))
    message = str(caught.value)
    assert "wrong encryption key for db/c.bson.gz.enc" in message
    assert right.fingerprint[:16] in message and wrong.fingerprint[:16] in message
    assert "r" * 32 not in message and bytes(b"r" * 32).hex() not in message


def test_key_files(tmp_path):
    key = EncryptionKey.generate()
    key.write_file(tmp_path / "backup.key")
    assert (tmp_path / "backup.key").stat().st_mode & 0o777 == 0o600
    assert EncryptionKey.from_file(tmp_path / "backup.key").fingerprint == key.fingerprint
    (tmp_path / "raw.key").write_bytes(b"\x07" * 32)
    assert EncryptionKey.from_file(tmp_path / "raw.key").fingerprint == EncryptionKey(b"\x07" * 32).fingerprint
    (tmp_path / "short.key").write_text("abcd")
    with pytest.raises(BackupKeyError, match=r"short\.key is unusable"):
        EncryptionKey.from_file(tmp_path / "short.key")
    with pytest.raises(BackupKeyError, match="cannot read"):
        EncryptionKey.from_file(tmp_path / "absent.key")
    assert key.fingerprint[:16] in repr(key) and key.fingerprint not in repr(key)


# ---- interoperability: what mongorestore's directory rules expect --------------------------------------------

def _restore_like_mongorestore(root: Path) -> dict:
    """An independent reader of a ``--gzip`` dump folder, following mongorestore's rules: top-level folders are
    databases, ``oplog.bson`` (gzipped under --gzip) is the oplog; in a database folder ``X.bson.gz`` holds the
    documents of collection unescape(X) and ``X.metadata.json.gz`` its metadata (Extended JSON)."""
    found: dict = {"collections": {}, "metadata": {}, "oplog": None, "prelude": None}
    for entry in sorted(root.iterdir()):
        if entry.is_dir():
            for file in sorted(entry.iterdir()):
                if file.name.endswith(".bson.gz"):
                    name = unquote(file.name.removesuffix(".bson.gz"))
                    with gzip.open(file, "rb") as stream:
                        found["collections"][f"{entry.name}.{name}"] = list(bson.decode_file_iter(stream))
                elif file.name.endswith(".metadata.json.gz"):
                    name = unquote(file.name.removesuffix(".metadata.json.gz"))
                    found["metadata"][f"{entry.name}.{name}"] = json_util.loads(gzip.decompress(file.read_bytes()))
                else:
                    raise AssertionError(f"mongorestore would skip {file}")
        elif entry.name == "oplog.bson":
            with gzip.open(entry, "rb") as stream:
                found["oplog"] = list(bson.decode_file_iter(stream))
        elif entry.name == "prelude.json.gz":
            found["prelude"] = json_util.loads(gzip.decompress(entry.read_bytes()))
        else:
            raise AssertionError(f"mongorestore would skip {entry}")
    return found


def test_dump_folder_is_readable_by_mongorestore_rules(storage):
    layout = DumpLayout("cl/backups/b1/rs0")
    when = datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC)
    orders = [{"_id": n, "total": n * 1.5, "when": when} for n in range(50)]
    write_documents(storage, layout.data_key("shop", "orders"), orders)
    put_object(storage, layout.metadata_key("shop", "orders"), metadata_json(
        {}, [{"v": 2, "key": {"_id": 1}, "name": "_id_"}], uuid.uuid4(), "orders", "collection").encode())
    write_documents(storage, layout.data_key("shop", "odd/name"), [{"_id": 1}])
    put_object(storage, layout.metadata_key("shop", "odd/name"), metadata_json(None, [], None, "odd/name").encode())
    put_object(storage, layout.metadata_key("shop", "big"), metadata_json(
        {"viewOn": "orders", "pipeline": [{"$match": {"total": {"$gt": 10}}}]}, [], None, "big", "view").encode())
    buckets = [{"_id": ObjectId(), "control": {"version": 1}, "meta": "d1", "data": {}}]
    write_documents(storage, layout.data_key("shop", "ts", timeseries=True), buckets)
    put_object(storage, layout.metadata_key("shop", "ts"), metadata_json(
        {"timeseries": {"timeField": "t", "metaField": "meta", "granularity": "seconds"}}, [], None, "ts",
        "timeseries").encode())
    users = [{"_id": "admin.root", "user": "root", "db": "admin", "roles": [{"role": "root", "db": "admin"}]}]
    write_documents(storage, layout.data_key("admin", "system.users"), users)
    put_object(storage, layout.metadata_key("admin", "system.users"), metadata_json(
        None, [{"v": 2, "key": {"_id": 1}, "name": "_id_"}], None, "system.users", "collection").encode())
    oplog = [{"ts": Timestamp(1700000000, 1), "t": Int64(1), "op": "i", "ns": "shop.orders", "o": {"_id": 99}}]
    write_documents(storage, layout.oplog_key(), oplog)
    put_object(storage, layout.prelude_key(), prelude_json("8.0.4", "mongo-admin 0.1.0").encode())

    found = _restore_like_mongorestore(storage.root / "cl/backups/b1/rs0")
    assert found["collections"]["shop.orders"] == [
        {**doc, "when": doc["when"].replace(tzinfo=None)} for doc in orders]
    assert found["collections"]["shop.odd/name"] == [{"_id": 1}]
    assert "shop.big" not in found["collections"] and found["metadata"]["shop.big"]["type"] == "view"
    assert found["collections"]["shop.system.buckets.ts"] == buckets
    assert found["metadata"]["shop.ts"]["type"] == "timeseries"
    assert found["collections"]["admin.system.users"] == users
    assert found["metadata"]["shop.orders"]["collectionName"] == "orders"
    assert found["oplog"] == oplog
    assert found["prelude"] == {"ServerVersion": "8.0.4", "ToolVersion": "mongo-admin 0.1.0"}
