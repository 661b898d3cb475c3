"""The explain command in MongoDB 8.0's classic-engine shapes for find, aggregate, count, distinct, update and
delete."""

from __future__ import annotations

from typing import Any

import pymongo
import pytest
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess


@pytest.fixture(scope="module")
def db(shared_mongod: SimProcess) -> Any:
    client: pymongo.MongoClient[dict[str, Any]] = shared_mongod.client()
    database = client.explains
    database.c.insert_many([{"_id": i, "a": i % 5, "b": i} for i in range(20)])
    return database


def _explain(db: Any, inner: dict[str, Any], verbosity: str = "executionStats") -> dict[str, Any]:
    return dict(db.command("explain", inner, verbosity=verbosity))


def test_find_collscan_execution_stats(db: Any) -> None:
    out = _explain(db, {"find": "c", "filter": {"a": 1, "b": {"$gt": 3}}})
    assert out["explainVersion"] == "1"
    planner = out["queryPlanner"]
    assert planner["namespace"] == "explains.c"
    assert planner["parsedQuery"] == {"$and": [{"a": {"$eq": 1}}, {"b": {"$gt": 3}}]}
    assert planner["indexFilterSet"] is False and planner["rejectedPlans"] == []
    assert planner["winningPlan"]["stage"] == "COLLSCAN" and planner["winningPlan"]["direction"] == "forward"
    assert len(planner["planCacheShapeHash"]) == 8 and len(planner["planCacheKey"]) == 8
    stats = out["executionStats"]
    assert stats["executionSuccess"] is True and stats["nReturned"] == 3
    assert stats["totalDocsExamined"] == 20 and stats["totalKeysExamined"] == 0
    assert stats["executionStages"]["stage"] == "COLLSCAN" and stats["executionStages"]["docsExamined"] == 20
    assert out["command"] == {"find": "c", "filter": {"a": 1, "b": {"$gt": 3}}, "$db": "explains"}
    assert set(out["serverInfo"]) == {"host", "port", "version", "gitVersion"}
    assert out["serverParameters"]["internalQueryMaxBlockingSortMemoryUsageBytes"] == 104857600
    assert out["ok"] == 1


def test_find_stage_tree_with_sort_skip_limit_projection(db: Any) -> None:
    out = _explain(db, {"find": "c", "filter": {}, "sort": {"b": -1}, "skip": 2, "limit": 3,
                        "projection": {"b": 1}}, "queryPlanner")
    plan = out["queryPlanner"]["winningPlan"]
    assert plan["stage"] == "PROJECTION_SIMPLE" and plan["transformBy"] == {"b": 1}
    skip = plan["inputStage"]
    assert skip["stage"] == "SKIP" and skip["skipAmount"] == 2
    sort = skip["inputStage"]
    assert sort["stage"] == "SORT" and sort["sortPattern"] == {"b": -1} and sort["limitAmount"] == 5
    assert sort["inputStage"]["stage"] == "COLLSCAN"
    assert "executionStats" not in out


def test_express_id_lookup(db: Any) -> None:
    out = _explain(db, {"find": "c", "filter": {"_id": 3}})
    assert out["queryPlanner"]["winningPlan"]["stage"] == "EXPRESS_IXSCAN"
    assert out["queryPlanner"]["winningPlan"]["indexName"] == "_id_"
    assert out["executionStats"]["totalKeysExamined"] == 1 and out["executionStats"]["nReturned"] == 1


def test_count_distinct_update_delete(db: Any) -> None:
    assert _explain(db, {"count": "c"})["queryPlanner"]["winningPlan"]["stage"] == "RECORD_STORE_FAST_COUNT"
    count = _explain(db, {"count": "c", "query": {"a": 2}})
    assert count["queryPlanner"]["winningPlan"]["stage"] == "COUNT"
    distinct = _explain(db, {"distinct": "c", "key": "a"})
    assert distinct["executionStats"]["nReturned"] == 5
    update = _explain(db, {"update": "c", "updates": [{"q": {"a": 1}, "u": {"$set": {"z": 1}}}]})
    assert update["queryPlanner"]["winningPlan"]["stage"] == "UPDATE"
    delete = _explain(db, {"delete": "c", "deletes": [{"q": {"a": 1}, "limit": 0}]})
    assert delete["queryPlanner"]["winningPlan"]["stage"] == "DELETE"
    assert db.c.count_documents({"a": 1}) == 4
    assert db.c.count_documents({"z": 1}) == 0


def test_aggregate_explain_stages(db: Any) -> None:
    out = _explain(db, {"aggregate": "c", "pipeline": [{"$match": {"a": 1}}, {"$group": {"_id": "$a"}}],
                        "cursor": {}})
    first = out["stages"][0]["$cursor"]
    assert first["queryPlanner"]["parsedQuery"] == {"a": {"$eq": 1}}
    assert first["executionStats"]["totalDocsExamined"] == 20
    assert out["stages"][1]["$group"] == {"_id": "$a"} and out["stages"][1]["nReturned"] == 1


def test_invalid_explain(db: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        db.command("explain", {"ping": 1})
    assert info.value.code == 59
    assert "Explain failed due to unknown command: ping" in str(info.value)
    with pytest.raises(OperationFailure) as info:
        db.command("explain", {"find": "c"}, verbosity="loud")
    assert info.value.code == 9
