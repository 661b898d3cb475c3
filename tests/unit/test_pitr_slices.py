"""The PITR slice index on a real filesystem storage: names, chains, covering a range, replay without
duplicates, and the restorable windows computed from backups and slices."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import bson
import pytest
from bson import Timestamp

from mongo_admin.errors import BackupKeyError
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.format import Encoding, write_documents
from mongo_admin.ops.backup.manifest import BackupManifest, ClusterTime, ReplicaSetBackup, Topology
from mongo_admin.ops.backup.pitr_status import restore_windows
from mongo_admin.ops.backup.slices import (
    PitrRangeError,
    chains,
    list_slices,
    parse_slice_key,
    replay_entries,
    slice_key,
    slices_for,
)
from mongo_admin.storage import open_storage
from mongo_admin.storage.base import Storage

T0 = 1_795_665_000  # 2026-11-26T03:50:00Z


def ts(seconds: int, inc: int = 1) -> Timestamp:
    return Timestamp(T0 + seconds, inc)


def entry(at: Timestamp, ns: str = "app.a") -> dict[str, object]:
    return {"ts": at, "t": 1, "op": "i", "ns": ns, "o": {"_id": f"{at.time}-{at.inc}"}}


def store(storage: Storage, rs: str, start: Timestamp, end: Timestamp, entries: list[Timestamp],
          encoding: Encoding | None = None) -> str:
    encoding = encoding or Encoding()
    key = slice_key("c", rs, start, end, encoding)
    write_documents(storage, key, [entry(at) for at in entries], encoding)
    return key


@pytest.fixture
def storage(tmp_path: Path) -> Storage:
    return open_storage(str(tmp_path / "store"))


def test_slice_key_names_its_range_and_round_trips() -> None:
    key = slice_key("prod", "shard0", Timestamp(1595000000, 0), Timestamp(1595000060, 12), Encoding("gzip"))
    assert key == "prod/pitr/shard0/20200717/20200717153320-0.20200717153420-12.oplog.bson.gz"
    parsed = parse_slice_key(key, "prod", "shard0", 7)
    assert parsed is not None
    assert (parsed.start, parsed.end, parsed.compression, parsed.encrypted, parsed.size) == (
        Timestamp(1595000000, 0), Timestamp(1595000060, 12), "gzip", False, 7)
    assert parse_slice_key("prod/pitr/shard0/gaps/20200717153320-0.json", "prod", "shard0") is None


def test_contiguous_chain_is_covered_and_replayed_once_in_order(storage: Storage) -> None:
    # Each slice starts with the entry the previous one ended with (the overlap of one entry).
    keys = [store(storage, "rs", ts(0), ts(10), [ts(0), ts(4), ts(10)]),
            store(storage, "rs", ts(10), ts(20), [ts(10), ts(10, 2), ts(15), ts(20)]),
            store(storage, "rs", ts(20), ts(30), [ts(20), ts(30)])]
    assert len(chains(list_slices(storage, "c", "rs"))) == 1
    assert slices_for(storage, "c", "rs", ts(0), ts(30)) == keys
    assert slices_for(storage, "c", "rs", ts(12), ts(18)) == keys[1:2]
    assert slices_for(storage, "c", "rs", ts(5), ts(20)) == keys[:2]
    replayed = [doc["ts"] for doc in replay_entries(storage, keys, ts(0), ts(30))]
    assert replayed == [ts(0), ts(4), ts(10), ts(10, 2), ts(15), ts(20), ts(30)]
    assert [doc["ts"] for doc in replay_entries(storage, keys, ts(4), ts(15))] == [ts(4), ts(10), ts(10, 2), ts(15)]


def test_missing_range_is_refused_and_named(storage: Storage) -> None:
    store(storage, "rs", ts(0), ts(10), [ts(0), ts(10)])
    store(storage, "rs", ts(25), ts(30), [ts(25), ts(30)])
    assert len(chains(list_slices(storage, "c", "rs"))) == 2
    with pytest.raises(PitrRangeError) as gap:
        slices_for(storage, "c", "rs", ts(5), ts(28))
    assert f"do not cover 2026-11-26T03:50:10Z (Timestamp({T0 + 10}, 1)) to 2026-11-26T03:50:25Z" in str(gap.value)
    with pytest.raises(PitrRangeError, match=f"do not cover .*Timestamp\\({T0 - 5}, 1\\)"):
        slices_for(storage, "c", "rs", ts(-5), ts(5))
    with pytest.raises(PitrRangeError, match=f"Timestamp\\({T0 + 30}, 1\\)\\) to .*Timestamp\\({T0 + 40}, 1\\)"):
        slices_for(storage, "c", "rs", ts(26), ts(40))


def test_encrypted_slices_need_the_key(storage: Storage, tmp_path: Path) -> None:
    key_file = tmp_path / "k"
    key_file.write_text("ab" * 32)
    encoding = Encoding("zstd", EncryptionKey.from_file(key_file))
    key = store(storage, "rs", ts(0), ts(5), [ts(0), ts(5)], encoding)
    assert key.endswith(".oplog.bson.zst.enc")
    assert [d["ts"] for d in replay_entries(storage, [key], ts(0), ts(5), Encoding(key=encoding.key))] == [ts(0),
                                                                                                       ts(5)]
    with pytest.raises(BackupKeyError):
        list(replay_entries(storage, [key], ts(0), ts(5)))


def manifest(backup_id: str, point: Timestamp, sets: list[str]) -> BackupManifest:
    now = dt.datetime.now(dt.UTC)
    return BackupManifest(tool_version="t", backup_id=backup_id, cluster="c", type="full", cluster_consistent=True,
                          mongodb_version="8.0", fcv="8.0", started_at=now, finished_at=now,
                          restore_to_time=ClusterTime.of(point), topology=Topology(config_set="cfg"),
                          replica_sets=[ReplicaSetBackup(name=s, role="shardsvr", source_host="h") for s in sets])


def test_windows_run_from_each_backup_as_far_as_every_set_is_contiguous(storage: Storage) -> None:
    for rs in ("cfg", "s0"):
        store(storage, rs, ts(0), ts(10), [ts(0)])
        store(storage, rs, ts(10), ts(20), [ts(10)])
    store(storage, "cfg", ts(20), ts(50), [ts(20)])  # cfg continues; s0 has a gap after 20 and restarts at 40
    store(storage, "s0", ts(40), ts(45), [ts(40)])
    backups = [manifest("b1", ts(0), ["cfg", "s0"]), manifest("b2", ts(5), ["cfg", "s0"]),
               manifest("b3", ts(40), ["cfg", "s0"]), manifest("b4", ts(60), ["cfg", "s0"]),
               manifest("partial", ts(1), ["cfg"])]
    by_set = {rs: list_slices(storage, "c", rs) for rs in ("cfg", "s0")}
    windows = restore_windows(backups, by_set, ["cfg", "s0"])
    assert [(w.base_backup, w.start.timestamp(), w.end.timestamp(), w.backups) for w in windows] == [
        ("b1", ts(0), ts(20), ["b1", "b2"]), ("b3", ts(40), ts(45), ["b3"])]


def test_entries_are_bson_documents(storage: Storage) -> None:
    key = store(storage, "rs", ts(0), ts(1), [ts(0), ts(1)])
    raw = next(iter(replay_entries(storage, [key], ts(0), ts(1))))
    assert bson.decode(raw.raw)["o"]["_id"] == f"{T0}-1"
