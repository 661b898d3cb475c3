"""$collStats, $indexStats and $currentOp (the diagnostics helpers behind the aggregation stages) over pymongo."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def client(shared_mongod: SimProcess) -> pymongo.MongoClient[dict[str, Any]]:
    return shared_mongod.client()


def test_coll_stats_stage(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    coll = client.stages.items
    coll.insert_many([{"_id": i, "v": i} for i in range(5)])
    list(coll.find({"v": 3}))
    docs = list(coll.aggregate([{"$collStats": {"latencyStats": {"histograms": True}, "storageStats": {"scale": 1},
                                                "count": {}, "queryExecStats": {}}}]))
    assert len(docs) == 1
    doc = docs[0]
    assert list(doc) == ["ns", "host", "localTime", "latencyStats", "storageStats", "count", "queryExecStats"]
    assert doc["ns"] == "stages.items" and isinstance(doc["localTime"], dt.datetime)
    assert doc["latencyStats"]["writes"]["ops"] >= 1 and isinstance(doc["latencyStats"]["reads"]["latency"], Int64)
    assert doc["latencyStats"]["reads"]["histogram"] == []
    assert doc["storageStats"]["count"] == 5 and "ns" not in doc["storageStats"]
    assert doc["count"] == 5
    assert doc["queryExecStats"]["collectionScans"]["total"] >= 1
    with pytest.raises(OperationFailure) as info:
        list(coll.aggregate([{"$collStats": {"bogus": {}}}]))
    assert info.value.code == 40415


def test_index_stats_stage(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    coll = client.stages.indexed
    coll.insert_one({"_id": 1, "a": 1})
    coll.create_index("a")
    list(coll.find({"a": 1}))
    docs = {doc["name"]: doc for doc in coll.aggregate([{"$indexStats": {}}])}
    assert set(docs) == {"_id_", "a_1"}
    entry = docs["a_1"]
    assert list(entry) == ["name", "key", "host", "accesses", "spec"]
    assert entry["key"] == {"a": 1} and entry["spec"]["name"] == "a_1"
    assert isinstance(entry["accesses"]["ops"], Int64) and entry["accesses"]["ops"] >= 1
    assert isinstance(entry["accesses"]["since"], dt.datetime)


def test_current_op_stage(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    ops = list(client.admin.aggregate([{"$currentOp": {"allUsers": True, "idleConnections": True}},
                                       {"$match": {"command.aggregate": 1}}]))
    assert len(ops) == 1 and ops[0]["active"] is True and ops[0]["op"] == "command"
    with pytest.raises(OperationFailure) as info:
        list(client.admin.aggregate([{"$currentOp": {"bogus": True}}]))
    assert info.value.code == 9
