"""find, getMore and killCursors over the wire: batches, cursors, limits, errors and the slow query record."""

from __future__ import annotations

import json
import threading
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from pymongo.errors import ExecutionTimeout, OperationFailure

from tests.support.simproc import SimProcess, wait_until


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    database = client.finds
    database.many.insert_many([{"_id": i, "v": i % 7, "pad": "x" * 10} for i in range(250)])
    return database


def test_first_batch_is_101_documents_then_getmore(db: Any) -> None:
    reply = db.command("find", "many")
    cursor = reply["cursor"]
    assert len(cursor["firstBatch"]) == 101
    assert isinstance(cursor["id"], Int64) and cursor["id"] != 0
    assert cursor["ns"] == "finds.many"
    more = db.command("getMore", cursor["id"], collection="many", batchSize=100)
    assert [d["_id"] for d in more["cursor"]["nextBatch"]] == list(range(101, 201))
    rest = db.command("getMore", cursor["id"], collection="many")
    assert len(rest["cursor"]["nextBatch"]) == 49
    assert rest["cursor"]["id"] == 0
    with pytest.raises(OperationFailure) as info:
        db.command("getMore", cursor["id"], collection="many")
    assert info.value.code == 43
    assert f"cursor id {cursor['id']} not found" in str(info.value)


def test_pymongo_iterates_all_documents_in_batches(db: Any) -> None:
    assert [d["_id"] for d in db.many.find({}, batch_size=30)] == list(range(250))
    assert len(list(db.many.find({"v": 3}))) == 36


def test_limit_single_batch_and_batch_size(db: Any) -> None:
    reply = db.command("find", "many", limit=5)
    assert len(reply["cursor"]["firstBatch"]) == 5 and reply["cursor"]["id"] == 0
    reply = db.command("find", "many", batchSize=0)
    assert reply["cursor"]["firstBatch"] == [] and reply["cursor"]["id"] != 0
    db.command("killCursors", "many", cursors=[reply["cursor"]["id"]])
    reply = db.command("find", "many", batchSize=10, singleBatch=True)
    assert len(reply["cursor"]["firstBatch"]) == 10 and reply["cursor"]["id"] == 0
    assert db.many.find_one({"_id": 42}) == {"_id": 42, "v": 0, "pad": "x" * 10}


def test_invalid_options_are_rejected_with_server_messages(db: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        db.command("find", "many", limit=-1)
    assert info.value.code == 51024
    assert "BSON field 'limit' value must be >= 0, actual value '-1'" in str(info.value)
    with pytest.raises(OperationFailure) as info:
        db.command("find", "many", skip=-2)
    assert info.value.code == 51024
    with pytest.raises(OperationFailure) as info:
        db.command("find", "many", filter=5)
    assert info.value.code == 14
    assert "BSON field 'find.filter' is the wrong type 'int', expected type 'object'" in str(info.value)


def test_getmore_checks_namespace_and_kill_cursors_reports(db: Any) -> None:
    cursor_id = db.command("find", "many", batchSize=2)["cursor"]["id"]
    with pytest.raises(OperationFailure) as info:
        db.command("getMore", cursor_id, collection="other")
    assert info.value.code == 13
    assert "Requested getMore on namespace 'finds.other', but cursor belongs to a different namespace finds.many" \
        in str(info.value)
    reply = db.command("killCursors", "many", cursors=[cursor_id, Int64(12345)])
    assert reply["cursorsKilled"] == [cursor_id]
    assert reply["cursorsNotFound"] == [12345]
    assert reply["cursorsAlive"] == [] and reply["cursorsUnknown"] == []


def test_reads_of_missing_namespaces_are_empty(db: Any) -> None:
    other = db.client.no_such_database
    assert other.nothing.find_one() is None
    reply = other.command("find", "nothing")
    assert reply["cursor"] == {"firstBatch": [], "id": 0, "ns": "no_such_database.nothing"}
    assert other.nothing.distinct("a") == []
    assert other.nothing.count_documents({"a": 1}) == 0


def test_cursor_dies_when_collection_is_dropped(db: Any) -> None:
    db.doomed.insert_many([{"_id": i} for i in range(10)])
    cursor_id = db.command("find", "doomed", batchSize=2)["cursor"]["id"]
    db.doomed.drop()
    with pytest.raises(OperationFailure) as info:
        db.command("getMore", cursor_id, collection="doomed")
    assert info.value.code in (43, 175)


def test_max_time_ms_expires(db: Any) -> None:
    db.slow.insert_many([{"_id": i, "a": i} for i in range(3000)])
    with pytest.raises(ExecutionTimeout) as info:
        list(db.slow.find({"$expr": {"$gte": [{"$size": {"$range": [0, 2000]}}, 0]}}).max_time_ms(1))
    assert info.value.code == 50
    assert info.value.details is not None and info.value.details["codeName"] == "MaxTimeMSExpired"


def test_tailable_await_data_cursor_sees_new_documents(db: Any) -> None:
    db.create_collection("capped_log", capped=True, size=100_000)
    db.capped_log.insert_many([{"_id": 1}, {"_id": 2}])
    with pytest.raises(OperationFailure) as info:
        db.command("find", "many", tailable=True)
    assert "tailable cursor requested on non capped collection" in str(info.value)
    reply = db.command("find", "capped_log", tailable=True, awaitData=True)
    cursor_id = reply["cursor"]["id"]
    assert [d["_id"] for d in reply["cursor"]["firstBatch"]] == [1, 2] and cursor_id != 0
    empty = db.command("getMore", cursor_id, collection="capped_log", maxTimeMS=50)
    assert empty["cursor"]["nextBatch"] == [] and empty["cursor"]["id"] == cursor_id
    inserter = threading.Thread(target=lambda: db.capped_log.insert_one({"_id": 3}))
    inserter.start()
    got: list[Any] = []

    def receive() -> bool:
        got.extend(db.command("getMore", cursor_id, collection="capped_log", maxTimeMS=200)["cursor"]["nextBatch"])
        return bool(got)

    wait_until(receive, "see the document inserted into the capped collection", timeout=10)
    inserter.join()
    assert got == [{"_id": 3}]
    db.command("killCursors", "capped_log", cursors=[cursor_id])


def test_find_by_id_uses_the_express_path_and_logs_slow_query_fields(db: Any,
                                                                   shared_mongod: SimProcess) -> None:
    db.command("profile", 0, slowms=-1)
    try:
        assert db.many.find_one({"_id": 7}, comment="express-probe")["_id"] == 7
        list(db.many.find({"v": 1}, comment="scan-probe").sort("pad", 1).limit(3))
    finally:
        db.command("profile", 0, slowms=100)

    def slow_line(marker: str) -> dict[str, Any] | None:
        for line in shared_mongod.log_lines():
            if marker in line and '"Slow query"' in line:
                return dict(json.loads(line)["attr"])
        return None

    express = wait_until(lambda: slow_line("express-probe"), "log the express find")
    assert express["planSummary"] == "EXPRESS_IXSCAN { _id: 1 }"
    assert express["keysExamined"] == 1 and express["docsExamined"] == 1 and express["nreturned"] == 1
    assert express["ns"] == "finds.many"
    scan = wait_until(lambda: slow_line("scan-probe"), "log the sorted find")
    assert scan["planSummary"] == "COLLSCAN"
    assert scan["docsExamined"] == 250 and scan["hasSortStage"] is True and scan["nreturned"] == 3
    assert scan["cursorExhausted"] is True and scan["queryFramework"] == "classic"
    assert len(scan["queryHash"]) == 8 and scan["queryHash"] == scan["planCacheShapeHash"]
    assert len(scan["planCacheKey"]) == 8


def test_query_hash_is_stable_for_a_shape(db: Any) -> None:
    def planner(filter_doc: dict[str, Any]) -> dict[str, Any]:
        return dict(db.command("explain", {"find": "many", "filter": filter_doc},
                               verbosity="queryPlanner")["queryPlanner"])

    first, second, other = planner({"v": 1}), planner({"v": 5}), planner({"pad": 1})
    assert first["queryHash"] == second["queryHash"] and first["planCacheKey"] == second["planCacheKey"]
    assert first["queryHash"] != other["queryHash"]
    assert first["queryHash"].isupper() or first["queryHash"].isdigit()


def test_opcounters_and_documents_returned(db: Any) -> None:
    before = db.client.admin.command("serverStatus")
    list(db.many.find({}, batch_size=100).limit(150))
    after = db.client.admin.command("serverStatus")
    assert after["opcounters"]["query"] - before["opcounters"]["query"] == 1
    assert after["opcounters"]["getmore"] - before["opcounters"]["getmore"] == 1
    returned = after["metrics"]["document"]["returned"] - before["metrics"]["document"]["returned"]
    assert returned == 150
