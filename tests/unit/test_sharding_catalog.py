"""The config server's catalog and chunk operations in-process: document shapes, config.chunks indexes, and the
version bumps of split, merge and migration commits."""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Any

import pytest
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.sharding import chunk_ops
from mongosim.sharding.catalog import CHANGELOG, CHUNKS, COLLECTIONS, Catalog, chunk_document, collection_document
from mongosim.storage.engine import StorageEngine


class _Repl:
    is_writable_primary = True
    is_primary = True
    config = None
    term = 1


class _Clock:
    def __init__(self) -> None:
        self._incs = itertools.count(1)

    def next_ts(self) -> Timestamp:
        return Timestamp(1_700_000_000, next(self._incs))


class _Server:
    """What the catalog uses of a server: storage, the primary check, the cluster-time clock, a host name."""

    def __init__(self, engine: StorageEngine) -> None:
        self.storage = engine
        self.repl = _Repl()
        self.oplog = _Clock()
        self.hostname = "cfg0"
        self.host_and_port = "cfg0:27019"


@pytest.fixture
def catalog(tmp_path: Path) -> Any:
    engine = StorageEngine(str(tmp_path))
    engine.open()
    cat = Catalog(_Server(engine))  # type: ignore[arg-type]
    cat.ensure_setup()
    yield cat
    engine.close()


def _shard_range_collection(catalog: Catalog, ns: str = "app.users", shard: str = "s0") -> dict[str, Any]:
    uuid = ObjectId()  # any unique value stands in for the collection UUID here
    doc = collection_document(ns, uuid, {"a": 1}, False, ObjectId(), catalog.now_ts())
    catalog.insert(COLLECTIONS, doc)
    catalog.insert(CHUNKS, chunk_document(uuid, {"a": MinKey()}, {"a": MaxKey()}, shard, Timestamp(1, 0),
                                          catalog.now_ts()))
    return doc


def _layout(catalog: Catalog, coll: dict[str, Any]) -> list[tuple[Any, Any, str, tuple[int, int]]]:
    return [(c["min"]["a"], c["max"]["a"], c["shard"], (c["lastmod"].time, c["lastmod"].inc))
            for c in catalog.chunks(coll["uuid"])]


def test_setup_writes_version_and_chunk_indexes(catalog: Catalog) -> None:
    version = catalog.find_one("version", {"_id": 1})
    assert version is not None and isinstance(version["clusterId"], ObjectId)
    names = {i["name"]: i for i in catalog._coll(CHUNKS).list_indexes()}  # type: ignore[union-attr]
    assert names["uuid_1_min_1"]["key"] == {"uuid": 1, "min": 1} and names["uuid_1_min_1"]["unique"]
    assert names["uuid_1_shard_1_min_1"]["unique"] and names["uuid_1_lastmod_1"]["unique"]
    assert "uuid_1_shard_1_onCurrentShardSince_1" in names
    assert catalog._coll(CHANGELOG).capped  # type: ignore[union-attr]
    catalog.ensure_setup()
    assert len(catalog.find("version")) == 1


def test_chunk_document_shape(catalog: Catalog) -> None:
    coll = _shard_range_collection(catalog)
    chunk = catalog.chunks(coll["uuid"])[0]
    assert list(chunk) == ["_id", "uuid", "min", "max", "shard", "lastmod", "onCurrentShardSince", "history"]
    assert chunk["history"] == [{"validAfter": chunk["onCurrentShardSince"], "shard": "s0"}]
    stored = catalog.collection("app.users")
    assert stored is not None
    assert list(stored) == ["_id", "lastmodEpoch", "lastmod", "timestamp", "uuid", "key", "unique", "noBalance"]


def test_split_bumps_minor_versions_in_key_order_and_logs(catalog: Catalog) -> None:
    coll = _shard_range_collection(catalog)
    version = chunk_ops.split_chunk(catalog, "app.users", [{"a": 10}])
    assert (version.major, version.minor) == (1, 2)
    layout = _layout(catalog, coll)
    assert [(row[2], row[3]) for row in layout] == [("s0", (1, 1)), ("s0", (1, 2))]
    assert layout[0][1] == 10 and layout[1][0] == 10
    chunk_ops.split_chunk(catalog, "app.users", [{"a": 20}, {"a": 30}])
    assert [row[3] for row in _layout(catalog, coll)] == [(1, 1), (1, 3), (1, 4), (1, 5)]
    whats = [e["what"] for e in catalog.find(CHANGELOG)]
    assert whats == ["split", "multi-split", "multi-split", "multi-split"]


@pytest.mark.parametrize(("points", "code"), [
    ([{"a": MinKey()}], 87),                  # on the chunk's own bound
    ([{"a": 30}, {"a": 20}], 72),             # not increasing
    ([{"b": 5}], 72),                         # not a shard key value
])
def test_bad_split_points_are_refused(catalog: Catalog, points: list[dict[str, Any]], code: int) -> None:
    _shard_range_collection(catalog)
    with pytest.raises(CommandError) as excinfo:
        chunk_ops.split_chunk(catalog, "app.users", points)
    assert excinfo.value.code == code


def test_split_of_an_unsharded_collection(catalog: Catalog) -> None:
    with pytest.raises(CommandError) as excinfo:
        chunk_ops.split_chunk(catalog, "app.nothing", [{"a": 1}])
    assert excinfo.value.code == 118


def test_merge_gives_one_chunk_with_the_next_minor_version(catalog: Catalog) -> None:
    coll = _shard_range_collection(catalog)
    chunk_ops.split_chunk(catalog, "app.users", [{"a": 10}, {"a": 20}])
    version = chunk_ops.merge_chunks(catalog, "app.users", {"a": MinKey()}, {"a": 20})
    assert (version.major, version.minor) == (1, 4)
    layout = _layout(catalog, coll)
    assert [(row[1], row[3]) for row in layout] == [(20, (1, 4)), (MaxKey(), (1, 3))]
    with pytest.raises(CommandError) as excinfo:
        chunk_ops.merge_chunks(catalog, "app.users", {"a": 5}, {"a": MaxKey()})
    assert excinfo.value.code == 20


def test_migration_commit_bumps_major_for_moved_and_donor_control_chunk(catalog: Catalog) -> None:
    coll = _shard_range_collection(catalog)
    chunk_ops.split_chunk(catalog, "app.users", [{"a": 10}])
    donor, moved = chunk_ops.commit_migration(catalog, "app.users", "s0", "s1", {"a": 10}, {"a": MaxKey()},
                                              Timestamp(1_800_000_000, 1))
    assert (moved.major, moved.minor) == (2, 0)
    assert (donor.major, donor.minor) == (2, 1)
    layout = _layout(catalog, coll)
    assert [(row[2], row[3]) for row in layout] == [("s0", (2, 1)), ("s1", (2, 0))]
    migrated = catalog.chunks(coll["uuid"])[1]
    assert migrated["onCurrentShardSince"] == Timestamp(1_800_000_000, 1)
    assert migrated["history"][0] == {"validAfter": Timestamp(1_800_000_000, 1), "shard": "s1"}
    assert migrated["history"][1]["shard"] == "s0"
    # a retried commit changes nothing
    chunk_ops.commit_migration(catalog, "app.users", "s0", "s1", {"a": 10}, {"a": MaxKey()})
    assert _layout(catalog, coll) == layout
    assert [e["what"] for e in catalog.find(CHANGELOG)][-1] == "moveChunk.commit"


def test_migration_of_the_donors_last_chunk_and_of_a_sub_range(catalog: Catalog) -> None:
    coll = _shard_range_collection(catalog)
    donor, moved = chunk_ops.commit_migration(catalog, "app.users", "s0", "s1", {"a": 100}, {"a": MaxKey()})
    # the range is split off first (1|1, 1|2), then moved (2|0); the donor keeps [MinKey, 100) at 2|1
    assert (moved.major, moved.minor) == (2, 0) and (donor.major, donor.minor) == (2, 1)
    donor, moved = chunk_ops.commit_migration(catalog, "app.users", "s0", "s1", {"a": MinKey()}, {"a": 100})
    assert (moved.major, moved.minor) == (3, 0)
    assert (donor.major, donor.minor) == (0, 0)  # the donor owns nothing now
    assert {row[2] for row in _layout(catalog, coll)} == {"s1"}


def test_migration_from_a_shard_that_does_not_own_the_range(catalog: Catalog) -> None:
    _shard_range_collection(catalog)
    with pytest.raises(CommandError) as excinfo:
        chunk_ops.commit_migration(catalog, "app.users", "s2", "s1", {"a": MinKey()}, {"a": MaxKey()})
    assert excinfo.value.code == 4914702


def test_chunk_size_setting(catalog: Catalog) -> None:
    assert catalog.chunk_size_bytes() == 128 * 1024 * 1024
    catalog.save("settings", {"_id": "chunksize", "value": Int64(1)})
    assert catalog.chunk_size_bytes() == 1024 * 1024
