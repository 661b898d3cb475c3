"""Backup manifest and record (JSON round trips, storage) and verify_files naming every fault by key."""

from __future__ import annotations

import datetime
import gzip
import hashlib
from pathlib import Path

import bson
import pytest
from bson.timestamp import Timestamp

from mongo_admin.errors import BackupFormatError
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import DumpLayout, Encoding, metadata_json, prelude_json, put_object, write_documents
from mongo_admin.ops.backup.manifest import (
    BackupFile,
    BackupManifest,
    BackupRecord,
    ClusterTime,
    EncryptionInfo,
    ReplicaSetBackup,
    ShardTopology,
    Topology,
    backup_prefix,
    parse_manifest,
    read_manifest,
    read_record,
    write_manifest,
    write_record,
)
from mongo_admin.ops.backup.verify import verify_files
from mongo_admin.storage.filesystem import FilesystemStorage

T0 = datetime.datetime(2026, 11, 26, 4, 10, tzinfo=datetime.UTC)
T_END = int(T0.timestamp()) + 120


def _manifest(**overrides) -> BackupManifest:
    fields = {
        "tool_version": "0.1.0", "backup_id": "2026-11-26T04:10:00Z", "cluster": "prod", "type": "full",
        "cluster_consistent": True, "mongodb_version": "8.0.4", "fcv": "8.0", "started_at": T0,
        "finished_at": T0 + datetime.timedelta(minutes=3), "restore_to_time": ClusterTime.of(Timestamp(T_END, 4)),
        "balancer_was": "full",
        "topology": Topology(config_set="cfg", shards=[ShardTopology(name="sh0", hosts=["h1:27018", "h2:27018"])],
                             routers=["h1:27017"]),
    }
    fields.update(overrides)
    return BackupManifest(**fields)


def test_manifest_json_round_trip_and_version_guard():
    manifest = _manifest(encryption=EncryptionInfo(key_fingerprint=EncryptionKey(b"k" * 32).fingerprint))
    manifest.replica_sets.append(ReplicaSetBackup(
        name="sh0", role="shardsvr", source_host="h2:27018", first_ts=ClusterTime.of(Timestamp(T_END - 120, 1)),
        last_ts=ClusterTime.of(Timestamp(T_END, 4)), oplog_entries=12,
        files=[BackupFile(key="sh0/oplog.bson", kind="oplog", size=10, sha256="0" * 64, documents=12)]))
    text = manifest.model_dump_json()
    again = parse_manifest(text.encode(), "m.json")
    assert again == manifest
    assert again.restore_to_time is not None and again.restore_to_time.timestamp() == Timestamp(T_END, 4)
    assert again.restore_to_time.time == datetime.datetime(2026, 11, 26, 4, 12, tzinfo=datetime.UTC)
    assert '"format_version":1' in text and "k" * 32 not in text
    with pytest.raises(BackupFormatError, match=r"format_version: .*newer than this mongo-admin"):
        parse_manifest(text.replace('"format_version":1', '"format_version":9').encode(), "m.json")
    with pytest.raises(BackupFormatError, match=r"m\.json is not a valid BackupManifest: cluster: Field required"):
        parse_manifest(text.replace('"cluster":"prod",', "").encode(), "m.json")


def test_manifest_and_record_are_stored_in_the_backup_folder(tmp_path):
    storage = FilesystemStorage(tmp_path)
    assert read_manifest(storage, "prod", "b1") is None
    manifest = _manifest(backup_id="b1")
    assert write_manifest(storage, manifest) == "prod/backups/b1/manifest.json"
    assert read_manifest(storage, "prod", "b1") == manifest

    record = BackupRecord(backup_id="b1", cluster="prod", type="full", started_at=T0, updated_at=T0, holder="h/1")
    write_record(storage, record)
    record.state = "running"
    record.begin_step("stop balancer", T0)
    record.begin_step("dump", T0 + datetime.timedelta(seconds=5))
    record.fail(RuntimeError("shard sh0 unreachable\nstack trace"), T0 + datetime.timedelta(seconds=9))
    write_record(storage, record)
    stored = read_record(storage, "prod", "b1")
    assert stored is not None
    assert (stored.state, stored.failed_step, stored.error) == ("failed", "dump", "shard sh0 unreachable")
    assert stored.steps[0].finished_at == T0 + datetime.timedelta(seconds=5)
    with pytest.raises(Exception, match="one path segment"):
        backup_prefix("prod", "../x")


# ---- verify_files --------------------------------------------------------------------------------------------

def _backup(storage: FilesystemStorage, encoding: Encoding | None = None) -> BackupManifest:
    """A small real backup: one replica set with data, metadata, users, oplog and prelude files."""
    encoding = encoding or Encoding()
    manifest = _manifest(backup_id="b1", compression=encoding.compression,
                         encryption=EncryptionInfo(key_fingerprint=encoding.key.fingerprint) if encoding.key else None)
    layout = DumpLayout(manifest.prefix + "sh0", encoding)
    entries = []

    def add(stored, kind, namespace=""):
        entries.append(BackupFile(key=stored.key.removeprefix(manifest.prefix), kind=kind, namespace=namespace,
                                  size=stored.size, sha256=stored.sha256, documents=stored.documents,
                                  raw_size=stored.raw_size))

    add(write_documents(storage, layout.data_key("shop", "orders"), [{"_id": n} for n in range(500)], encoding),
        "data", "shop.orders")
    add(put_object(storage, layout.metadata_key("shop", "orders"),
                   metadata_json(None, [{"v": 2, "key": {"_id": 1}, "name": "_id_"}], None, "orders").encode(),
                   encoding), "metadata", "shop.orders")
    add(write_documents(storage, layout.data_key("admin", "system.users"), [{"_id": "admin.root"}], encoding),
        "users", "admin.system.users")
    add(write_documents(storage, layout.oplog_key(), [{"ts": Timestamp(1, n), "op": "n"} for n in range(20)],
                        encoding), "oplog")
    add(put_object(storage, layout.prelude_key(), prelude_json("8.0.4", "0.1.0").encode(), encoding), "prelude")
    manifest.replica_sets.append(ReplicaSetBackup(name="sh0", role="shardsvr", source_host="h2:27018",
                                                  oplog_entries=20, files=entries))
    write_manifest(storage, manifest)
    return manifest


@pytest.fixture
def storage(tmp_path: Path) -> FilesystemStorage:
    return FilesystemStorage(tmp_path)


ORDERS = "prod/backups/b1/sh0/shop/orders.bson.gz"


def test_a_good_backup_verifies(storage):
    result = verify_files(storage, _backup(storage))
    assert result.ok and result.contents_checked, result.summary()
    assert (result.files, result.documents) == (5, 521)
    assert result.summary().endswith("all good (521 documents)")


def test_missing_file_is_named(storage):
    manifest = _backup(storage)
    storage.delete(ORDERS)
    result = verify_files(storage, manifest)
    assert [(p.key, p.kind) for p in result.problems] == [(ORDERS, "missing")]
    assert ORDERS in result.summary()


def test_appended_bytes_are_a_size_and_checksum_mismatch(storage):
    manifest = _backup(storage)
    path = storage.root / ORDERS
    path.write_bytes(path.read_bytes() + b"junk")
    kinds = {p.kind for p in verify_files(storage, manifest).problems if p.key == ORDERS}
    assert {"size", "checksum"} <= kinds


def test_flipped_byte_is_a_checksum_mismatch_and_unreadable(storage):
    manifest = _backup(storage)
    path = storage.root / ORDERS
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    path.write_bytes(bytes(data))
    problems = verify_files(storage, manifest).problems
    assert {p.key for p in problems} == {ORDERS}
    assert {p.kind for p in problems} >= {"checksum"}
    assert {p.kind for p in problems} & {"unreadable", "bson"}


def _replace(storage, manifest, key, stored_bytes):
    """Store ``stored_bytes`` at ``key`` and update the manifest to match, so only content faults remain."""
    storage.put(key, stored_bytes)
    for _, item in manifest.files():
        if manifest.prefix + item.key == key:
            item.size, item.sha256 = len(stored_bytes), hashlib.sha256(stored_bytes).hexdigest()


def test_bad_bson_is_reported_with_its_offset(storage):
    manifest = _backup(storage)
    documents = b"".join(bson.encode({"_id": n}) for n in range(500))
    size = len(bson.encode({"_id": 0}))
    broken = documents[: 7 * size + size - 1] + b"\x05" + documents[8 * size:]
    _replace(storage, manifest, ORDERS, gzip.compress(broken))
    problems = verify_files(storage, manifest).problems
    assert [(p.key, p.kind) for p in problems] == [(ORDERS, "bson")]
    assert f"bad BSON at byte offset {7 * size} (document #8)" in problems[0].detail


def test_document_count_mismatch(storage):
    manifest = _backup(storage)
    fewer = b"".join(bson.encode({"_id": n}) for n in range(499))
    _replace(storage, manifest, ORDERS, gzip.compress(fewer))
    problems = verify_files(storage, manifest).problems
    assert [(p.key, p.kind, p.detail) for p in problems] == [
        (ORDERS, "count", "499 documents, the manifest says 500")]


def test_broken_metadata_json(storage):
    manifest = _backup(storage)
    key = "prod/backups/b1/sh0/shop/orders.metadata.json.gz"
    _replace(storage, manifest, key, gzip.compress(b'{"indexes":['))
    assert [(p.key, p.kind) for p in verify_files(storage, manifest).problems] == [(key, "unreadable")]


def test_encrypted_backup_needs_its_key_for_contents(storage):
    key = EncryptionKey(b"s" * 32)
    manifest = _backup(storage, Encoding("zstd", key))
    assert verify_files(storage, manifest, key).ok
    blind = verify_files(storage, manifest)
    assert blind.ok and not blind.contents_checked and "contents unchecked" in blind.summary()
    wrong = verify_files(storage, manifest, EncryptionKey(b"w" * 32))
    assert [(p.key, p.kind) for p in wrong.problems] == [("prod/backups/b1/manifest.json", "key")]
    oplog = "prod/backups/b1/sh0/oplog.bson.zst.enc"
    path = storage.root / oplog
    data = bytearray(path.read_bytes())
    data[-5] ^= 1
    path.write_bytes(bytes(data))
    problems = verify_files(storage, manifest, key).problems
    assert {(p.key, p.kind) for p in problems} == {(oplog, "checksum"), (oplog, "unreadable")}
    assert any("authentication failed" in p.detail or "corrupt" in p.detail for p in problems)
