"""Filtering metadata: owned ranges, the orphan filter, and the shard version check's verdicts and messages."""

from __future__ import annotations

from typing import Any

import pytest
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.sharding.filtering import CollectionMetadata, check_shard_version
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.versions import ChunkVersion

EPOCH = ObjectId()
TS = Timestamp(1_700_000_000, 1)


def table(*chunks: tuple[Any, Any, str, tuple[int, int]]) -> RoutingTable:
    coll = {"_id": "db.c", "uuid": "u", "key": {"x": 1}, "lastmodEpoch": EPOCH, "timestamp": TS}
    docs = [{"min": {"x": low}, "max": {"x": high}, "shard": shard, "lastmod": Timestamp(*v)}
            for low, high, shard, v in chunks]
    return RoutingTable.from_documents(coll, docs)


TABLE = table((MinKey(), 0, "a", (1, 0)), (0, 10, "a", (1, 1)), (10, 20, "b", (2, 0)), (20, MaxKey(), "a", (2, 1)))


def test_owned_ranges_merge_and_filter() -> None:
    meta = CollectionMetadata("db.c", "a", TABLE)
    assert meta.owned_ranges() == [({"x": MinKey()}, {"x": 10}), ({"x": 20}, {"x": MaxKey()})]
    owned = meta.doc_filter()
    assert [owned({"x": x}) for x in (-5, 0, 9, 10, 19, 20, 99)] == [True, True, True, False, False, True, True]
    assert owned({"y": 1}) is True  # missing key is null: below every number, in [MinKey, 0)
    assert meta.shard_version == ChunkVersion(2, 1, EPOCH, TS)


@pytest.mark.parametrize(("shard", "received", "message"), [
    ("a", ChunkVersion(2, 0, EPOCH, TS), None),  # same major: a split elsewhere is not stale
    ("a", ChunkVersion(1, 1, EPOCH, TS), "placement version mismatch detected for db.c"),
    ("a", ChunkVersion(2, 1, ObjectId(), Timestamp(5, 5)), "timestamp mismatch detected for db.c"),
    ("a", ChunkVersion.unsharded(), "timestamp mismatch detected for db.c"),
    ("c", ChunkVersion(1, 0, EPOCH, TS), "this shard no longer contains chunks for db.c, the collection may have "
                                         "been dropped"),
    ("a", ChunkVersion(0, 0, EPOCH, TS), "this shard contains chunks for db.c, but the client expects unsharded "
                                         "collection"),
])
def test_shard_version_check(shard: str, received: ChunkVersion, message: str | None) -> None:
    meta = CollectionMetadata("db.c", shard, TABLE)
    if message is None:
        check_shard_version(meta, received)
        return
    with pytest.raises(CommandError) as err:
        check_shard_version(meta, received)
    doc = err.value.to_document()
    assert (doc["code"], doc["codeName"], doc["errmsg"]) == (13388, "StaleConfig", message)
    assert doc["ns"] == "db.c" and doc["shardId"] == shard
    assert doc["vReceived"] == received.to_wire() and doc["vWanted"] == meta.shard_version.to_wire()


def test_untracked_collection_accepts_unsharded_only() -> None:
    meta = CollectionMetadata("db.u", "a", None)
    check_shard_version(meta, ChunkVersion.unsharded())
    with pytest.raises(CommandError):
        check_shard_version(meta, ChunkVersion(1, 0, EPOCH, TS))
