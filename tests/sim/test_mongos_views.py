"""Views through mongos, as MongoDB 8.0 serves them: find, aggregate, count and distinct on a view give what the
same view gives on an unsharded replica set, whether the collection under it is unsharded (the primary shard
answers) or sharded across both shards (the primary shard answers CommandOnShardedViewNotSupportedOnMongod with
the resolved view, and the router runs the resolved aggregation), views of views included.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from bson import ObjectId, json_util
from bson.timestamp import Timestamp
from pymongo.database import Database
from pymongo.errors import OperationFailure

from tests.support.replset import ReplSet
from tests.support.sharded import ShardedCluster

DB = "views"
DOCS = [{"_id": i, "k": i, "group": "abcd"[i % 4], "tags": [f"t{i % 3}", f"t{i % 5}"],
         "nested": {"n": i % 7}, "qty": (i * 37) % 101} for i in range(300)]
# (name, source, pipeline), created in this order: views of views come after their source.
VIEWS = [
    ("plain_even", "plain", [{"$match": {"k": {"$mod": [2, 0]}}}]),
    ("sharded_even", "sharded", [{"$match": {"k": {"$mod": [2, 0]}}}]),
    ("sharded_shaped", "sharded", [{"$project": {"group": 1, "tags": 1, "nested": 1,
                                                 "double": {"$multiply": ["$qty", 2]}}}]),
    ("sharded_a", "sharded_shaped", [{"$match": {"group": {"$in": ["a", "b"]}}}]),
    ("by_group", "sharded", [{"$group": {"_id": "$group", "total": {"$sum": "$qty"}}}]),
]

Db = Database[dict[str, Any]]


@pytest.fixture(scope="module")
def cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ShardedCluster]:
    sharded = ShardedCluster(tmp_path_factory.mktemp("views-cluster"), shards=2, members=1, config_members=1)
    try:
        sharded.start()
        admin = sharded.router_client().admin
        admin.command("enableSharding", DB, primaryShard="shard0")
        admin.command("shardCollection", f"{DB}.sharded", key={"k": 1})
        admin.command("split", f"{DB}.sharded", middle={"k": 150})
        admin.command("moveChunk", f"{DB}.sharded", find={"k": 200}, to="shard1", _waitForDelete=True)
        populate(sharded.client()[DB])
        yield sharded
    finally:
        sharded.stop()


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Db]:
    rs = ReplSet(tmp_path_factory.mktemp("views-reference"), name="ref", members=1).start()
    try:
        rs.initiate()
        db = rs.client()[DB]
        populate(db)
        yield db
    finally:
        rs.stop()


def populate(db: Db) -> None:
    db.plain.insert_many(DOCS)
    db.sharded.insert_many(DOCS)
    for name, source, pipeline in VIEWS:
        db.command("create", name, viewOn=source, pipeline=pipeline)


def canon(value: Any) -> str:
    return json_util.dumps(value, json_options=json_util.CANONICAL_JSON_OPTIONS)


def routed(cluster: ShardedCluster) -> Db:
    return cluster.client()[DB]


def both(cluster: ShardedCluster, reference: Db, read: Any) -> tuple[Any, Any]:
    return read(routed(cluster)), read(reference)


@pytest.mark.parametrize("view", [name for name, _, _ in VIEWS])
def test_find_on_a_view_matches_the_replica_set(cluster: ShardedCluster, reference: Db, view: str) -> None:
    through_router, on_replset = both(cluster, reference, lambda db: list(db[view].find().sort("_id", 1)))
    assert through_router  # views of both kinds have documents
    assert canon(through_router) == canon(on_replset)
    # Filter, sort, skip, limit and projection go into the aggregation after the view's pipeline.
    query: dict[str, Any] = {"_id": {"$gte": 20}} if view != "by_group" else {"_id": {"$ne": "c"}}
    shaped = both(cluster, reference, lambda db: list(db[view].find(query, {"_id": 1, "group": 1, "total": 1})
                                                      .sort("_id", -1).skip(3).limit(40)))
    assert canon(shaped[0]) == canon(shaped[1])
    one = both(cluster, reference, lambda db: db[view].find_one(query, sort=[("_id", 1)]))
    assert one[0] is not None and canon(one[0]) == canon(one[1])


@pytest.mark.parametrize("view", ["plain_even", "sharded_even", "sharded_a"])
def test_a_cursor_on_a_view_continues_with_getmore(cluster: ShardedCluster, reference: Db, view: str) -> None:
    through_router = list(routed(cluster)[view].find({}, batch_size=7).sort("_id", 1))
    on_replset = list(reference[view].find({}, batch_size=7).sort("_id", 1))
    assert len(through_router) > 7 and canon(through_router) == canon(on_replset)
    reply = routed(cluster).command("find", view, batchSize=5)
    assert reply["cursor"]["ns"] == f"{DB}.{view}"  # the cursor is named after the view
    more = routed(cluster).command("getMore", reply["cursor"]["id"], collection=view, batchSize=1000)
    assert len(reply["cursor"]["firstBatch"]) + len(more["cursor"]["nextBatch"]) == len(on_replset)


@pytest.mark.parametrize("view", [name for name, _, _ in VIEWS])
def test_aggregate_count_and_distinct_on_a_view(cluster: ShardedCluster, reference: Db, view: str) -> None:
    pipeline = [{"$match": {"_id": {"$exists": True}}}, {"$sort": {"_id": 1}}, {"$limit": 90},
                {"$project": {"_id": 1, "group": 1, "total": 1}}]
    agg = both(cluster, reference, lambda db: list(db[view].aggregate(pipeline, batchSize=4)))
    assert agg[0] and canon(agg[0]) == canon(agg[1])
    grouped = both(cluster, reference, lambda db: sorted(
        db[view].aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}]), key=canon))
    assert canon(grouped[0]) == canon(grouped[1])

    counted = both(cluster, reference, lambda db: (db[view].count_documents({}),
                                                   db[view].count_documents({"_id": {"$ne": 4}}, skip=2, limit=50),
                                                   db[view].estimated_document_count()))
    assert counted[0][0] > 0 and counted[0] == counted[1]
    for key in ("group", "tags", "nested.n", "_id", "missing"):
        values = both(cluster, reference, lambda db, key=key: sorted(db[view].distinct(key), key=canon))
        assert canon(values[0]) == canon(values[1]), key
    filtered = both(cluster, reference, lambda db: sorted(db[view].distinct("_id", {"_id": {"$lt": 30}}),
                                                          key=canon))
    assert canon(filtered[0]) == canon(filtered[1])


def test_views_created_through_the_router_follow_their_collection(cluster: ShardedCluster,
                                                                  reference: Db) -> None:
    """A view created through mongos lives on the primary shard; it reads what the collection holds now."""
    db = routed(cluster)
    for target in (db, reference):
        target.command("create", "recent", viewOn="sharded", pipeline=[{"$match": {"k": {"$gte": 250}}},
                                                                        {"$project": {"k": 1}}])
        target.sharded.insert_many([{"_id": 1000 + i, "k": 1000 + i, "group": "z"} for i in range(3)])
    try:
        found = both(cluster, reference, lambda d: list(d.recent.find().sort("k", 1)))
        assert len(found[0]) == 53 and canon(found[0]) == canon(found[1])
        listed = routed(cluster).command("listCollections", filter={"name": "recent"})["cursor"]["firstBatch"]
        assert listed[0]["type"] == "view" and listed[0]["options"]["viewOn"] == "sharded"
    finally:
        for target in (db, reference):
            target.sharded.delete_many({"_id": {"$gte": 1000}})
            target.drop_collection("recent")


def test_the_primary_shard_hands_a_router_the_resolved_view(cluster: ShardedCluster) -> None:
    """What mongos sees: the primary shard refuses a versioned read of a view of a sharded collection with
    CommandOnShardedViewNotSupportedOnMongod and the resolved view; a view of an unsharded one it answers."""
    database = routed(cluster).client.config.databases.find_one({"_id": DB})
    assert database is not None
    unsharded = {"e": ObjectId("000000000000000000000000"), "t": Timestamp(0, 0), "v": Timestamp(0, 0)}
    shard0 = cluster.shard_client("shard0")[DB]
    versions = {"shardVersion": unsharded, "databaseVersion": database["version"]}
    with pytest.raises(OperationFailure) as refused:
        shard0.command({"find": "sharded_a", "filter": {"k": 3}, **versions})
    assert refused.value.code == 169
    details = refused.value.details or {}
    assert details["codeName"] == "CommandOnShardedViewNotSupportedOnMongod"
    assert details["resolvedView"] == {"ns": f"{DB}.sharded", "pipeline": VIEWS[2][2] + VIEWS[3][2]}
    answered = shard0.command({"find": "plain_even", "filter": {"k": 4}, **versions})
    assert answered["cursor"]["firstBatch"] == [DOCS[4]]
    # Connected directly, without versions, the shard reads its own documents through the view.
    assert shard0.sharded_even.count_documents({}) == 75
