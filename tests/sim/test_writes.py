"""Write commands through pymongo against a real simulator process: insert, update, delete, findAndModify,
bulk writes, write concern, document validation, counters and the slow-query attributes of writes."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.son import SON
from bson.timestamp import Timestamp
from pymongo import DeleteMany, DeleteOne, InsertOne, ReplaceOne, ReturnDocument, UpdateMany, UpdateOne
from pymongo.errors import BulkWriteError, OperationFailure, WriteError

from tests.support.simproc import SimProcess, wait_until

Client = pymongo.MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def client(shared_mongod: SimProcess) -> Client:
    return shared_mongod.client()


@pytest.fixture
def coll(client: Client, request: pytest.FixtureRequest) -> Any:
    collection = client.writes[request.node.name.replace("[", "_").replace("]", "")]
    collection.drop()
    return collection


def _details(exc: Any) -> dict[str, Any]:
    assert exc.details is not None
    return dict(exc.details)


def _status(client: Client) -> dict[str, Any]:
    return client.admin.command("serverStatus")


# ----------------------------------------------------------------------------------------- insert
def test_insert_one_generates_object_id_first(coll: Any) -> None:
    coll.database.command("insert", coll.name, documents=[SON([("a", 1), ("_id", 5)]), {"b": 2}])
    docs = list(coll.find().sort("a", -1))
    assert list(docs[0]) == ["_id", "a"] and docs[0]["_id"] == 5
    assert list(docs[1]) == ["_id", "b"] and isinstance(docs[1]["_id"], ObjectId)


def test_insert_reply_shape(coll: Any) -> None:
    reply = coll.database.command("insert", coll.name, documents=[{"_id": 1}, {"_id": 2}])
    assert reply == {"n": 2, "ok": 1.0}


def test_insert_many_ordered_stops_at_first_error(coll: Any) -> None:
    coll.insert_one({"_id": 1})
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 0}, {"_id": 1}, {"_id": 2}])
    details = info.value.details
    assert details["nInserted"] == 1
    [error] = details["writeErrors"]
    assert error["index"] == 1 and error["code"] == 11000
    assert error["keyPattern"] == {"_id": 1} and error["keyValue"] == {"_id": 1}
    assert "E11000 duplicate key error collection: writes." in error["errmsg"]
    assert sorted(doc["_id"] for doc in coll.find()) == [0, 1]


def test_insert_many_unordered_continues(coll: Any) -> None:
    coll.insert_one({"_id": 1})
    with pytest.raises(BulkWriteError) as info:
        coll.insert_many([{"_id": 1}, {"_id": 2}, {"_id": 1}, {"_id": 3}], ordered=False)
    details = info.value.details
    assert details["nInserted"] == 2
    assert [e["index"] for e in details["writeErrors"]] == [0, 2]
    assert sorted(doc["_id"] for doc in coll.find()) == [1, 2, 3]


@pytest.mark.parametrize(("bad_id", "kind"), [([1, 2], "array"), (Regex("^a"), "regex")])
def test_insert_refuses_invalid_id(coll: Any, bad_id: Any, kind: str) -> None:
    with pytest.raises(WriteError) as info:
        coll.insert_one({"_id": bad_id})
    assert info.value.code == 53
    assert _details(info.value)["errmsg"] == f"The '_id' value cannot be of type {kind}"


def test_insert_refuses_dollar_field_inside_id(coll: Any) -> None:
    with pytest.raises(WriteError) as info:
        coll.insert_one({"_id": {"$a": 1}})
    assert info.value.code == 52


def test_insert_allows_dollar_prefixed_fields(coll: Any) -> None:
    coll.database.command("insert", coll.name, documents=[{"_id": 1, "$price": 5, "a": {"$b": 1}}])
    assert coll.find_one({"_id": 1}) == {"_id": 1, "$price": 5, "a": {"$b": 1}}


def test_insert_replaces_zero_timestamp(coll: Any) -> None:
    coll.insert_one({"_id": 1, "ts": Timestamp(0, 0), "nested": {"ts": Timestamp(0, 0)}})
    doc = coll.find_one({"_id": 1})
    assert doc["ts"].time > 0
    assert doc["nested"]["ts"] == Timestamp(0, 0)


def test_insert_batch_size_limits(coll: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        coll.database.command("insert", coll.name, documents=[])
    assert info.value.code == 16
    assert _details(info.value)["errmsg"] == "Write batch sizes must be between 1 and 100000. Got 0 operations."
    with pytest.raises(OperationFailure) as info:
        coll.database.command("insert", coll.name, documents=[{}] * 100_001)
    assert _details(info.value)["errmsg"] == "Write batch sizes must be between 1 and 100000. Got 100001 operations."


def test_insert_command_errors(coll: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        coll.database.command("insert", coll.name)
    assert info.value.code == 40414
    assert _details(info.value)["errmsg"] == "BSON field 'insert.documents' is missing but a required field"
    with pytest.raises(OperationFailure) as info:
        coll.database.command("insert", coll.name, documents=[{}], bogus=1)
    assert info.value.code == 40415
    assert _details(info.value)["errmsg"] == "BSON field 'insert.bogus' is an unknown field."
    with pytest.raises(OperationFailure) as info:
        coll.database.command("insert", "system.profile", documents=[{}])
    assert info.value.code == 73


def test_insert_into_view_is_refused(coll: Any) -> None:
    db = coll.database
    db.drop_collection("writes_view")
    db.command("create", "writes_view", viewOn=coll.name, pipeline=[])
    with pytest.raises(OperationFailure) as info:
        db.writes_view.insert_one({"a": 1})
    assert info.value.code == 166
    assert _details(info.value)["errmsg"] == f"Namespace {db.name}.writes_view is a view, not a collection"


def test_capped_collection_keeps_newest(coll: Any) -> None:
    capped = coll.database.create_collection(coll.name + "_capped", capped=True, size=4096, max=3)
    capped.insert_many([{"_id": i} for i in range(5)])
    assert [doc["_id"] for doc in capped.find()] == [2, 3, 4]


# ----------------------------------------------------------------------------------------- update
def test_update_one_and_many_results(coll: Any) -> None:
    coll.insert_many([{"_id": 1, "k": 1}, {"_id": 2, "k": 1}, {"_id": 3, "k": 2}])
    one = coll.update_one({"k": 1}, {"$set": {"x": 1}})
    assert (one.matched_count, one.modified_count, one.upserted_id) == (1, 1, None)
    many = coll.update_many({"k": 1}, {"$set": {"x": 1}})
    assert (many.matched_count, many.modified_count) == (2, 1)
    assert coll.find_one({"_id": 2}) == {"_id": 2, "k": 1, "x": 1}


def test_update_upsert_reply(coll: Any) -> None:
    reply = coll.database.command("update", coll.name, updates=[
        {"q": {"_id": 1}, "u": {"$set": {"a": 1}}, "upsert": True},
        {"q": {"_id": 1}, "u": {"$set": {"a": 2}}, "upsert": True}])
    assert reply == {"n": 2, "upserted": [{"index": 0, "_id": 1}], "nModified": 1, "ok": 1.0}


def test_update_one_upsert_generates_id(coll: Any) -> None:
    result = coll.update_one({"name": "x"}, {"$inc": {"n": 1}}, upsert=True)
    assert isinstance(result.upserted_id, ObjectId)
    assert coll.find_one() == {"_id": result.upserted_id, "name": "x", "n": 1}


def test_replace_one_and_upsert(coll: Any) -> None:
    coll.insert_one({"_id": 1, "a": 1})
    result = coll.replace_one({"a": 1}, {"b": 2})
    assert result.modified_count == 1
    assert coll.find_one({"_id": 1}) == {"_id": 1, "b": 2}
    result = coll.replace_one({"_id": 5}, {"c": 3}, upsert=True)
    assert result.upserted_id == 5
    assert coll.find_one({"_id": 5}) == {"_id": 5, "c": 3}


def test_update_one_with_sort_picks_first_in_order(coll: Any) -> None:
    coll.insert_many([{"_id": 1, "v": 5}, {"_id": 2, "v": 9}, {"_id": 3, "v": 7}])
    coll.update_one({}, {"$set": {"top": True}}, sort={"v": -1})
    assert [doc["_id"] for doc in coll.find({"top": True})] == [2]


def test_update_error_messages(coll: Any) -> None:
    coll.insert_one({"_id": 1, "a": "text"})
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"_id": 2}})
    assert info.value.code == 66
    assert _details(info.value)["errmsg"] == ("Performing an update on the path '_id' would modify the immutable "
                                            "field '_id'")
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$inc": {"a": 1}})
    assert info.value.code == 14
    assert _details(info.value)["errmsg"] == ("Cannot apply $inc to a value of non-numeric type. {_id: 1} has the "
                                            "field 'a' of non-numeric type string")
    with pytest.raises(WriteError) as info:
        coll.update_one({"_id": 1}, {"$set": {"a": 1, "a.b": 1}})
    assert info.value.code == 40
    assert _details(info.value)["errmsg"] == "Updating the path 'a.b' would create a conflict at 'a'"


def test_update_statement_shape_errors_fail_the_command(coll: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        coll.database.command("update", coll.name, updates=[{"u": {"$set": {"a": 1}}}])
    assert info.value.code == 40414
    assert _details(info.value)["errmsg"] == "BSON field 'update.updates.q' is missing but a required field"


def test_noop_update_is_not_written(client: Client, coll: Any) -> None:
    coll.insert_one({"_id": 1, "a": 1})
    before = _status(client)["metrics"]["document"]
    result = coll.update_one({"_id": 1}, {"$set": {"a": 1}})
    assert (result.matched_count, result.modified_count) == (1, 0)
    assert _status(client)["metrics"]["document"]["updated"] == before["updated"] + 1


# ----------------------------------------------------------------------------------------- delete
def test_delete_one_and_many(coll: Any) -> None:
    coll.insert_many([{"_id": i, "even": i % 2 == 0} for i in range(6)])
    assert coll.delete_one({"even": True}).deleted_count == 1
    assert coll.delete_many({"even": True}).deleted_count == 2
    assert coll.delete_many({}).raw_result == {"n": 3, "ok": 1.0}
    assert coll.delete_many({}).deleted_count == 0


def test_delete_limit_must_be_zero_or_one(coll: Any) -> None:
    with pytest.raises(OperationFailure) as info:
        coll.database.command("delete", coll.name, deletes=[{"q": {}, "limit": 2}])
    assert info.value.code == 9
    assert _details(info.value)["errmsg"] == "The limit field in delete objects must be 0 or 1. Got 2"


def test_delete_from_missing_collection(client: Client) -> None:
    assert client.writes.never_created.delete_many({}).deleted_count == 0


# ----------------------------------------------------------------------------------------- findAndModify
def test_find_one_and_update_before_and_after(coll: Any) -> None:
    coll.insert_many([{"_id": 1, "n": 1}, {"_id": 2, "n": 5}])
    before = coll.find_one_and_update({}, {"$inc": {"n": 1}}, sort=[("n", -1)])
    assert before == {"_id": 2, "n": 5}
    after = coll.find_one_and_update({"_id": 1}, {"$inc": {"n": 1}}, projection={"_id": 0},
                                     return_document=ReturnDocument.AFTER)
    assert after == {"n": 2}


def test_find_and_modify_reply_shapes(coll: Any) -> None:
    db = coll.database
    reply = db.command("findAndModify", coll.name, query={"_id": 1}, update={"$set": {"a": 1}}, upsert=True,
                       new=True)
    assert reply == {"lastErrorObject": {"n": 1, "updatedExisting": False, "upserted": 1},
                     "value": {"_id": 1, "a": 1}, "ok": 1.0}
    reply = db.command("findandmodify", coll.name, query={"_id": 1}, update={"$set": {"a": 2}})
    assert reply == {"lastErrorObject": {"n": 1, "updatedExisting": True}, "value": {"_id": 1, "a": 1}, "ok": 1.0}
    reply = db.command("findAndModify", coll.name, query={"_id": 9}, update={"$set": {"a": 2}})
    assert reply == {"lastErrorObject": {"n": 0, "updatedExisting": False}, "value": None, "ok": 1.0}
    reply = db.command("findAndModify", coll.name, query={"_id": 1}, remove=True)
    assert reply == {"lastErrorObject": {"n": 1}, "value": {"_id": 1, "a": 2}, "ok": 1.0}


def test_find_one_and_replace_and_delete(coll: Any) -> None:
    coll.insert_one({"_id": 1, "a": 1})
    assert coll.find_one_and_replace({"_id": 1}, {"b": 2}, return_document=ReturnDocument.AFTER) == {"_id": 1,
                                                                                                  "b": 2}
    assert coll.find_one_and_delete({"_id": 1}) == {"_id": 1, "b": 2}
    assert coll.find_one_and_delete({"_id": 1}) is None


@pytest.mark.parametrize(("options", "message"), [
    ({"remove": True, "update": {"$set": {"a": 1}}}, "Cannot specify both an update and remove=true"),
    ({"remove": True, "upsert": True}, "Cannot specify both upsert=true and remove=true "),
    ({"remove": True, "new": True}, "Cannot specify both new=true and remove=true; 'remove' always returns the "
                                    "deleted document"),
    ({}, "Either an update or remove=true must be specified"),
])
def test_find_and_modify_option_errors(coll: Any, options: dict[str, Any], message: str) -> None:
    with pytest.raises(OperationFailure) as info:
        coll.database.command("findAndModify", coll.name, query={}, **options)
    assert (info.value.code, _details(info.value)["errmsg"]) == (9, message)


def test_find_and_modify_duplicate_key_is_a_command_error(coll: Any) -> None:
    coll.create_index("u", unique=True)
    coll.insert_many([{"_id": 1, "u": 1}, {"_id": 2, "u": 2}])
    with pytest.raises(OperationFailure) as info:
        coll.find_one_and_update({"_id": 2}, {"$set": {"u": 1}})
    assert info.value.code == 11000
    assert _details(info.value)["keyValue"] == {"u": 1}


# ----------------------------------------------------------------------------------------- bulk writes
def test_bulk_write_mixing_operations(coll: Any) -> None:
    result = coll.bulk_write([
        InsertOne({"_id": 1, "n": 0}), InsertOne({"_id": 2, "n": 0}),
        UpdateOne({"_id": 1}, {"$inc": {"n": 1}}), UpdateMany({}, {"$set": {"seen": True}}),
        ReplaceOne({"_id": 2}, {"n": 10}), UpdateOne({"_id": 3}, {"$set": {"n": 3}}, upsert=True),
        DeleteOne({"_id": 2}), DeleteMany({"n": {"$gt": 100}})])
    assert (result.inserted_count, result.matched_count, result.modified_count) == (2, 4, 4)
    assert (result.deleted_count, result.upserted_ids) == (1, {5: 3})
    assert list(coll.find().sort("_id", 1)) == [{"_id": 1, "n": 1, "seen": True}, {"_id": 3, "n": 3}]


def test_bulk_write_unordered_reports_every_error(coll: Any) -> None:
    coll.insert_one({"_id": 1, "s": "x"})
    with pytest.raises(BulkWriteError) as info:
        coll.bulk_write([UpdateOne({"_id": 1}, {"$inc": {"s": 1}}), InsertOne({"_id": 1}),
                         InsertOne({"_id": 2})], ordered=False)
    assert sorted((e["index"], e["code"]) for e in _details(info.value)["writeErrors"]) == [(0, 14), (1, 11000)]
    assert _details(info.value)["nInserted"] == 1


# ----------------------------------------------------------------------------------------- write concern
def test_write_concern_on_standalone(coll: Any) -> None:
    db = coll.database
    assert db.command("insert", coll.name, documents=[{"a": 1}], writeConcern={"w": "majority", "j": True}) == {
        "n": 1, "ok": 1.0}
    for concern, code, message in [
            ({"w": 2}, 2, "cannot use 'w' > 1 when a host is not replicated"),
            ({"w": "dc1"}, 2, "cannot use non-majority 'w' mode dc1 when a host is not a member of a replica set"),
            ({"w": -1}, 9, "w has to be a non-negative number and not greater than 50"),
            ({"j": True, "fsync": True}, 9, "fsync and j options cannot be used together")]:
        with pytest.raises(OperationFailure) as info:
            db.command("insert", coll.name, documents=[{"a": 2}], writeConcern=concern)
        assert (info.value.code, _details(info.value)["errmsg"]) == (code, message)
    assert coll.count_documents({}) == 1


def test_unacknowledged_writes_apply(client: Client, coll: Any) -> None:
    fire_and_forget = coll.with_options(write_concern=pymongo.WriteConcern(w=0))
    fire_and_forget.insert_one({"_id": 1})
    fire_and_forget.update_one({"_id": 1}, {"$set": {"a": 1}})
    wait_until(lambda: coll.find_one({"_id": 1, "a": 1}) is not None, "apply the unacknowledged writes")


def test_journaled_insert_survives_kill(tmp_path: Path) -> None:
    server = SimProcess(tmp_path).start()
    try:
        client = server.client()
        client.durable.c.with_options(write_concern=pymongo.WriteConcern(j=True)).insert_one({"_id": 1, "v": "x"})
        server.kill()
        server.start()
        assert server.client().durable.c.find_one({"_id": 1}) == {"_id": 1, "v": "x"}
    finally:
        server.stop()


# ----------------------------------------------------------------------------------------- validation
def test_document_validation(coll: Any) -> None:
    db = coll.database
    validated = db.create_collection(coll.name + "_v", validator={"qty": {"$gt": 5}})
    validated.insert_one({"_id": 1, "qty": 10})
    with pytest.raises(WriteError) as info:
        validated.insert_one({"_id": 2, "qty": 3})
    assert info.value.code == 121
    assert _details(info.value)["errmsg"] == "Document failed validation"
    assert _details(info.value)["errInfo"] == {"failingDocumentId": 2, "details": {
        "operatorName": "$gt", "specifiedAs": {"qty": {"$gt": 5}}, "reason": "comparison failed",
        "consideredValue": 3}}
    with pytest.raises(WriteError):
        validated.update_one({"_id": 1}, {"$set": {"qty": 1}})
    validated.insert_one({"_id": 3, "qty": 1}, bypass_document_validation=True)
    assert sorted(doc["_id"] for doc in validated.find()) == [1, 3]


def test_validation_action_warn_writes_and_logs(shared_mongod: SimProcess, coll: Any) -> None:
    db = coll.database
    warned = db.create_collection(coll.name + "_w", validator={"a": {"$type": "string"}}, validationAction="warn")
    warned.insert_one({"_id": 1, "a": 5})
    assert warned.count_documents({}) == 1
    wait_until(lambda: any('"Document would fail validation"' in line for line in shared_mongod.log_lines()),
               "log the validation warning")


def test_validation_level_moderate_skips_invalid_documents(coll: Any) -> None:
    db = coll.database
    moderate = db.create_collection(coll.name + "_m")
    moderate.insert_one({"_id": 1, "n": "old"})
    db.command("collMod", moderate.name, validator={"n": {"$type": "int"}}, validationLevel="moderate")
    moderate.update_one({"_id": 1}, {"$set": {"other": 1}})
    with pytest.raises(WriteError):
        moderate.insert_one({"_id": 2, "n": "new"})


# ----------------------------------------------------------------------------------------- accounting
def test_opcounters_and_document_metrics(client: Client, coll: Any) -> None:
    before = _status(client)
    coll.insert_many([{"_id": i} for i in range(4)])
    coll.database.command("update", coll.name, updates=[{"q": {"_id": 0}, "u": {"$set": {"a": 1}}},
                                                         {"q": {"_id": 1}, "u": {"$set": {"a": 1}}}])
    coll.delete_many({"_id": {"$gte": 2}})
    after = _status(client)
    assert after["opcounters"]["insert"] - before["opcounters"]["insert"] == 4
    assert after["opcounters"]["update"] - before["opcounters"]["update"] == 2
    assert after["opcounters"]["delete"] - before["opcounters"]["delete"] == 1
    assert after["metrics"]["document"]["inserted"] - before["metrics"]["document"]["inserted"] == 4
    assert after["metrics"]["document"]["deleted"] - before["metrics"]["document"]["deleted"] == 2


def test_slow_query_attributes_of_writes(tmp_path: Path) -> None:
    server = SimProcess(tmp_path, args=["-v"]).start()
    try:
        coll = server.client().slow.c
        coll.insert_many([{"_id": 1}, {"_id": 2}])
        coll.update_many({}, {"$set": {"a": Int64(1)}})
        coll.delete_one({"_id": 1})

        def attributes(name: str) -> dict[str, Any] | None:
            for line in server.log_lines():
                entry = json.loads(line)
                if entry.get("msg") == "Slow query" and name in entry["attr"].get("command", {}):
                    return dict(entry["attr"])
            return None

        inserted = wait_until(lambda: attributes("insert"), "log the insert")
        assert (inserted["ns"], inserted["ninserted"], inserted["keysInserted"]) == ("slow.c", 2, 2)
        updated = wait_until(lambda: attributes("update"), "log the update")
        assert (updated["nMatched"], updated["nModified"], updated["planSummary"]) == (2, 2, "COLLSCAN")
        deleted = wait_until(lambda: attributes("delete"), "log the delete")
        assert (deleted["ndeleted"], deleted["keysDeleted"]) == (1, 1)
    finally:
        server.stop()
