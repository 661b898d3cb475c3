"""Index commands and unique constraints through pymongo against a real simulator process."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.errors import BulkWriteError, DuplicateKeyError, OperationFailure

from tests.support.simproc import SimProcess, wait_until

Client = pymongo.MongoClient[dict[str, Any]]


@pytest.fixture(scope="module")
def client(shared_mongod: SimProcess) -> Client:
    return shared_mongod.client()


def test_create_list_and_drop_indexes(client: Client) -> None:
    db = client.idx
    reply = db.command("createIndexes", "people", indexes=[{"key": {"email": 1}, "name": "email_1", "unique": True},
                                                           {"key": {"last": 1, "first": -1}, "name": "name"}])
    assert reply == {"numIndexesBefore": 1, "numIndexesAfter": 3, "createdCollectionAutomatically": True, "ok": 1.0}
    again = db.command("createIndexes", "people", indexes=[{"key": {"email": 1}, "name": "email_1", "unique": True}])
    assert again == {"numIndexesBefore": 3, "numIndexesAfter": 3, "note": "all indexes already exist", "ok": 1.0}
    assert db.people.create_index([("age", 1)], sparse=True, expireAfterSeconds=3600) == "age_1"
    listed = db.command("listIndexes", "people")
    assert listed["cursor"]["id"] == 0
    assert listed["cursor"]["ns"] == "idx.$cmd.listIndexes.people"
    assert listed["cursor"]["firstBatch"] == [
        {"v": 2, "key": {"_id": 1}, "name": "_id_"},
        {"v": 2, "unique": True, "key": {"email": 1}, "name": "email_1"},
        {"v": 2, "key": {"last": 1, "first": -1}, "name": "name"},
        {"v": 2, "key": {"age": 1}, "name": "age_1", "sparse": True, "expireAfterSeconds": 3600},
    ]
    assert list(listed["cursor"]["firstBatch"][3]) == ["v", "key", "name", "sparse", "expireAfterSeconds"]
    assert db.command("dropIndexes", "people", index={"last": 1, "first": -1}) == {"nIndexesWas": 4, "ok": 1.0}
    assert db.command("dropIndexes", "people", index=["age_1"]) == {"nIndexesWas": 3, "ok": 1.0}
    assert db.command("dropIndexes", "people", index="*") == {
        "nIndexesWas": 2, "msg": "non-_id indexes dropped for collection", "ok": 1.0}
    assert list(db.people.index_information()) == ["_id_"]


@pytest.mark.parametrize(("index", "code", "message"), [
    ("nope", 27, "index not found with name [nope]"),
    ({"nope": 1}, 27, "can't find index with key: { nope: 1 }"),
    ("_id_", 72, "cannot drop _id index"),
    ({"_id": 1}, 72, "cannot drop _id index"),
])
def test_drop_index_errors(client: Client, index: Any, code: int, message: str) -> None:
    client.idx.drop_errors.create_index("a")
    with pytest.raises(OperationFailure) as err:
        client.idx.command("dropIndexes", "drop_errors", index=index)
    assert (err.value.code, err.value.details["errmsg"]) == (code, message)  # type: ignore[index]


def test_drop_indexes_on_a_missing_collection(client: Client) -> None:
    with pytest.raises(OperationFailure) as err:
        client.idx.command("dropIndexes", "missing", index="*")
    assert err.value.code == 26


def test_index_conflicts(client: Client) -> None:
    coll = client.idx.conflicts
    coll.create_index("a")
    with pytest.raises(OperationFailure) as err:
        coll.create_index("a", name="other")
    assert (err.value.code, err.value.details["errmsg"]) == (  # type: ignore[index]
        85, "Index already exists with a different name: a_1")
    with pytest.raises(OperationFailure) as err:
        coll.create_index("b", name="a_1")
    assert err.value.code == 86
    with pytest.raises(OperationFailure) as err:
        client.idx.command("createIndexes", "conflicts", indexes=[{"key": {"a": 1}, "name": "x", "bogus": 1}])
    assert err.value.code == 197
    with pytest.raises(OperationFailure) as err:
        client.idx.command("createIndexes", "conflicts", indexes=[])
    assert (err.value.code, err.value.details["errmsg"]) == (  # type: ignore[index]
        2, "Must specify at least one index to create")


def test_a_failed_build_does_not_create_the_collection(client: Client) -> None:
    with pytest.raises(OperationFailure):
        client.idx.command("createIndexes", "never", indexes=[{"key": {"a": 1}, "name": "a_1"},
                                                             {"key": {"b": "x"}, "name": "b_x"}])
    assert "never" not in client.idx.list_collection_names()


def test_unique_index_violations(client: Client) -> None:
    coll = client.idx.unique_users
    coll.create_index("email", unique=True)
    coll.insert_one({"_id": 1, "email": "a@x"})
    with pytest.raises(DuplicateKeyError) as err:
        coll.insert_one({"_id": 2, "email": "a@x"})
    details = err.value.details or {}
    assert details["errmsg"] == ('E11000 duplicate key error collection: idx.unique_users index: email_1 dup key: '
                                 '{ email: "a@x" }')
    assert details["keyPattern"] == {"email": 1} and details["keyValue"] == {"email": "a@x"}
    with pytest.raises(BulkWriteError) as bulk:
        coll.insert_many([{"_id": 3, "email": "b@x"}, {"_id": 4, "email": "a@x"}, {"_id": 5, "email": "c@x"}])
    assert bulk.value.details["nInserted"] == 1
    assert [e["index"] for e in bulk.value.details["writeErrors"]] == [1]
    with pytest.raises(BulkWriteError) as bulk:
        coll.insert_many([{"_id": 6, "email": "d@x"}, {"_id": 7, "email": "b@x"}, {"_id": 8, "email": "e@x"},
                          {"_id": 3, "email": "f@x"}], ordered=False)
    assert bulk.value.details["nInserted"] == 2
    assert [(e["index"], e["code"]) for e in bulk.value.details["writeErrors"]] == [(1, 11000), (3, 11000)]
    assert sorted(doc["_id"] for doc in coll.find()) == [1, 3, 6, 8]
    with pytest.raises(DuplicateKeyError):
        coll.update_one({"_id": 6}, {"$set": {"email": "a@x"}})


def test_unique_index_over_existing_duplicates_fails_and_leaves_no_index(client: Client) -> None:
    coll = client.idx.dups
    coll.insert_many([{"_id": 1, "a": 1}, {"_id": 2, "a": 1}])
    with pytest.raises(OperationFailure) as err:
        coll.create_index("a", unique=True)
    assert err.value.code == 11000
    assert "dup key: { a: 1 }" in str(err.value.details["errmsg"])  # type: ignore[index]
    assert list(coll.index_information()) == ["_id_"]


def test_ttl_monitor_deletes_expired_documents(tmp_path: Path) -> None:
    mongod = SimProcess(tmp_path, args=["--setParameter", "ttlMonitorSleepSecs=1"]).start()
    try:
        coll = mongod.client().ttl.events
        coll.create_index("at", expireAfterSeconds=1)
        now = dt.datetime.now(dt.UTC)
        coll.insert_many([{"_id": "expired", "at": now - dt.timedelta(minutes=5)},
                          {"_id": "future", "at": now + dt.timedelta(days=1)}, {"_id": "no-date", "at": "x"}])
        wait_until(lambda: coll.find_one({"_id": "expired"}) is None, "expire the old document")
        assert sorted(doc["_id"] for doc in coll.find()) == ["future", "no-date"]
    finally:
        mongod.stop()
