"""The aggregate command over the wire: cursor rules, batching, source stages and the leading $match plan."""

from __future__ import annotations

from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    database = client.aggs
    database.items.insert_many([{"_id": i, "k": i % 3} for i in range(300)])
    return database


def test_cursor_option_is_required(db: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        db.command("aggregate", "items", pipeline=[])
    assert info.value.code == 9
    assert "The 'cursor' option is required, except for aggregate with the explain argument" in str(info.value)
    with pytest.raises(OperationFailure) as info:
        db.command("aggregate", "items", cursor={})
    assert info.value.code == 40414


def test_batches_and_getmore(db: Any) -> None:
    reply = db.command("aggregate", "items", pipeline=[{"$match": {"k": 0}}], cursor={"batchSize": 40})
    assert len(reply["cursor"]["firstBatch"]) == 40 and isinstance(reply["cursor"]["id"], Int64)
    assert reply["cursor"]["ns"] == "aggs.items"
    more = db.command("getMore", reply["cursor"]["id"], collection="items")
    assert len(more["cursor"]["nextBatch"]) == 60 and more["cursor"]["id"] == 0
    default = db.command("aggregate", "items", pipeline=[], cursor={})
    assert len(default["cursor"]["firstBatch"]) == 101
    db.command("killCursors", "items", cursors=[default["cursor"]["id"]])


def test_collectionless_documents_and_missing_collection(db: Any) -> None:
    assert list(db.aggregate([{"$documents": [{"x": 1}, {"x": 2}]}, {"$match": {"x": 2}}])) == [{"x": 2}]
    assert list(db.no_such.aggregate([{"$group": {"_id": None, "n": {"$sum": 1}}}])) == []
    with pytest.raises(OperationFailure) as info:
        list(db.items.aggregate([{"$match": {}}, {"$documents": []}]))
    assert info.value.code == 40602


def test_runtime_errors_carry_the_executor_prefix(db: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        list(db.items.aggregate([{"$project": {"r": {"$divide": [1, 0]}}}]))
    assert info.value.code == 2
    assert "PlanExecutor error during aggregation :: caused by :: can't $divide by zero" in str(info.value)


def test_source_stages_from_diagnostics(db: Any) -> None:
    (stats,) = list(db.items.aggregate([{"$collStats": {"count": {}}}]))
    assert stats["ns"] == "aggs.items" and stats["count"] == 300
    names = [doc["name"] for doc in db.items.aggregate([{"$indexStats": {}}])]
    assert "_id_" in names
    ops = list(db.client.admin.aggregate([{"$currentOp": {}}, {"$match": {"ns": "admin.$cmd.aggregate"}}]))
    assert ops and ops[0]["command"]["aggregate"] == 1
    with pytest.raises(OperationFailure):
        list(db.items.aggregate([{"$currentOp": {}}]))


def test_leading_match_uses_the_plan(db: Any) -> None:
    db.by_id.insert_many([{"_id": i} for i in range(50)])
    explained = db.command("aggregate", "by_id", pipeline=[{"$match": {"_id": 7}}], explain=True)
    assert explained["queryPlanner"]["winningPlan"]["stage"] == "EXPRESS_IXSCAN"
    assert list(db.by_id.aggregate([{"$match": {"_id": 7}}, {"$project": {"_id": 1}}])) == [{"_id": 7}]


def test_change_stream_needs_a_replica_set(db: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        list(db.items.aggregate([{"$changeStream": {}}]))
    assert info.value.code == 40573
