"""DDL and catalog commands against a real simulator process: create (plain, capped, clustered, time-series,
views), drop, dropDatabase, renameCollection, listCollections, listDatabases, dbStats, collStats, collMod,
capped conversions, validate and applyOps."""

from __future__ import annotations

from typing import Any

import pymongo
import pytest
from bson.binary import Binary
from bson.int64 import Int64
from pymongo.errors import OperationFailure

from tests.support.simproc import SimProcess

Database = pymongo.database.Database[dict[str, Any]]


@pytest.fixture(scope="module")
def client(shared_mongod: SimProcess) -> pymongo.MongoClient[dict[str, Any]]:
    return shared_mongod.client()


def _error(call: Any) -> OperationFailure:
    with pytest.raises(OperationFailure) as info:
        call()
    return info.value


def _entry(db: Database, name: str) -> dict[str, Any]:
    return next(db.list_collections(filter={"name": name}))


def test_create_and_list_collection(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_create
    assert db.command("create", "plain") == {"ok": 1.0}
    entry = _entry(db, "plain")
    assert list(entry) == ["name", "type", "options", "info", "idIndex"]
    assert entry["type"] == "collection" and entry["options"] == {}
    assert entry["info"]["readOnly"] is False
    assert isinstance(entry["info"]["uuid"], Binary) and entry["info"]["uuid"].subtype == 4
    assert entry["idIndex"] == {"v": 2, "key": {"_id": 1}, "name": "_id_"}
    assert db.command("create", "plain") == {"ok": 1.0}  # same options: idempotent
    error = _error(lambda: db.command("create", "plain", capped=True, size=4096))
    assert error.code == 48
    assert error.details["errmsg"].startswith("namespace ddl_create.plain already exists, but with different "
                                              "options: { uuid: UUID(")


def test_create_options(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_options
    db.command("create", "capped", capped=True, size=1000, max=10)
    assert _entry(db, "capped")["options"] == {"capped": True, "size": 1024, "max": 10}
    db.command("create", "validated", validator={"a": {"$type": "int"}})
    assert _entry(db, "validated")["options"] == {"validator": {"a": {"$type": "int"}}, "validationLevel": "strict",
                                                  "validationAction": "error"}
    db.command("create", "clustered", clusteredIndex={"key": {"_id": 1}, "unique": True}, expireAfterSeconds=60)
    clustered = _entry(db, "clustered")
    assert clustered["options"]["clusteredIndex"] == {"v": 2, "key": {"_id": 1}, "name": "_id_", "unique": True}
    assert clustered["options"]["expireAfterSeconds"] == 60 and "idIndex" not in clustered
    db.command("create", "series", timeseries={"timeField": "t", "metaField": "m"})
    series = _entry(db, "series")
    assert series["type"] == "timeseries"
    assert series["options"]["timeseries"] == {"timeField": "t", "metaField": "m", "granularity": "seconds",
                                               "bucketMaxSpanSeconds": 3600}
    assert _error(lambda: db.command("create", "nosize", capped=True)).code == 72
    assert _error(lambda: db.command("create", "bad", validationLevel="sometimes")).code == 2
    assert _error(lambda: db.command("create", "bad", bogus=1)).code == 40415
    assert _error(lambda: db.command("create", "ttl", expireAfterSeconds=5)).code == 72


@pytest.mark.parametrize("name", ["", "a$b", "system.bogus"])
def test_create_rejects_invalid_names(client: pymongo.MongoClient[dict[str, Any]], name: str) -> None:
    error = _error(lambda: client.ddl_names.command("create", name))
    assert (error.code, error.details["codeName"]) == (73, "InvalidNamespace")


def test_views_are_stored_in_system_views(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_views
    db.command("create", "base")
    db.command("create", "recent", viewOn="base", pipeline=[{"$match": {"x": 1}}])
    view = _entry(db, "recent")
    assert view == {"name": "recent", "type": "view", "options": {"viewOn": "base", "pipeline": [{"$match": {"x": 1}}]},
                    "info": {"readOnly": True}}
    assert "system.views" in db.list_collection_names()
    assert db.command("dbStats")["views"] == 1
    assert db.command("drop", "recent") == {"ns": "ddl_views.recent", "ok": 1.0}
    assert "recent" not in db.list_collection_names()


def test_list_collections_filter_and_name_only(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_list
    for name in ("b", "a", "c"):
        db.command("create", name)
    reply = db.command("listCollections", nameOnly=True)
    assert reply["cursor"]["ns"] == "ddl_list.$cmd.listCollections"
    assert reply["cursor"]["id"] == 0 and isinstance(reply["cursor"]["id"], Int64)
    assert reply["cursor"]["firstBatch"] == [{"name": "a", "type": "collection"}, {"name": "b", "type": "collection"},
                                             {"name": "c", "type": "collection"}]
    assert db.list_collection_names(filter={"name": {"$in": ["a", "c"]}}) == ["a", "c"]


def test_drop_shapes(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_drop
    db.command("create", "gone")
    assert db.command("drop", "gone") == {"nIndexesWas": 1, "ns": "ddl_drop.gone", "ok": 1.0}
    assert db.command("drop", "gone") == {"ok": 1.0}


def test_drop_database(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_dropdb
    db.command("create", "x")
    assert "ddl_dropdb" in client.list_database_names()
    assert db.command("dropDatabase") == {"ok": 1.0}
    assert "ddl_dropdb" not in client.list_database_names()
    assert _error(lambda: db.command("dropDatabase", 2)).code == 5255100


def test_rename_collection(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    admin = client.admin
    db = client.ddl_rename
    db.command("create", "src")
    db.command("create", "taken")
    assert admin.command("renameCollection", "ddl_rename.src", to="ddl_rename.dst") == {"ok": 1.0}
    assert sorted(db.list_collection_names()) == ["dst", "taken"]
    missing = _error(lambda: admin.command("renameCollection", "ddl_rename.src", to="ddl_rename.x"))
    assert (missing.code, missing.details["errmsg"]) == (26, "Source collection ddl_rename.src does not exist")
    exists = _error(lambda: admin.command("renameCollection", "ddl_rename.dst", to="ddl_rename.taken"))
    assert (exists.code, exists.details["errmsg"]) == (48, "target namespace exists")
    admin.command("renameCollection", "ddl_rename.dst", to="ddl_rename.taken", dropTarget=True)
    assert db.list_collection_names() == ["taken"]
    assert _error(lambda: admin.command("renameCollection", "ddl_rename.taken", to="ddl_rename.a$b")).code == 73
    assert _error(lambda: admin.command("renameCollection", "ddl_rename.taken", to="ddl_rename.taken")).code == 20
    assert _error(lambda: db.command("renameCollection", "ddl_rename.taken", to="ddl_rename.y")).code == 13


def test_list_databases(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    client.ddl_listdb.command("create", "x")
    reply = client.admin.command("listDatabases")
    entry = next(db for db in reply["databases"] if db["name"] == "ddl_listdb")
    assert list(entry) == ["name", "sizeOnDisk", "empty"]
    assert isinstance(entry["sizeOnDisk"], Int64) and entry["sizeOnDisk"] > 0 and entry["empty"] is False
    assert isinstance(reply["totalSize"], Int64) and isinstance(reply["totalSizeMb"], Int64)
    names = client.admin.command("listDatabases", nameOnly=True, filter={"name": "ddl_listdb"})
    assert names == {"databases": [{"name": "ddl_listdb"}], "ok": 1.0}


def test_db_stats_and_coll_stats(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_stats
    db.command("create", "capped", capped=True, size=8192)
    stats = db.command("dbStats", scale=1, freeStorage=1)
    assert list(stats)[:11] == ["db", "collections", "views", "objects", "avgObjSize", "dataSize", "storageSize",
                                "indexes", "indexSize", "totalSize", "scaleFactor"]
    assert stats["collections"] == 1 and stats["indexes"] == 1 and isinstance(stats["avgObjSize"], float)
    assert {"freeStorageSize", "indexFreeStorageSize", "totalFreeStorageSize"} <= set(stats)
    assert stats["fsTotalSize"] > stats["fsUsedSize"] > 0
    coll = db.command("collStats", "capped")
    assert coll["ns"] == "ddl_stats.capped" and coll["count"] == 0
    assert coll["capped"] is True and coll["maxSize"] == 8192
    assert coll["nindexes"] == 1 and set(coll["indexSizes"]) == {"_id_"}
    assert coll["totalSize"] == coll["storageSize"] + coll["totalIndexSize"]
    assert "wiredTiger" in coll and coll["indexBuilds"] == []
    missing = db.command("collStats", "missing")
    assert (missing["count"], missing["size"], missing["nindexes"]) == (0, 0, 0)
    assert _error(lambda: db.command("dbStats", scale=0)).code == 2


def test_coll_mod_validator_and_index(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    db = client.ddl_collmod
    db.command("create", "c")
    assert db.command("collMod", "c", validator={"a": {"$exists": True}}, validationAction="warn") == {"ok": 1.0}
    assert _entry(db, "c")["options"] == {"validator": {"a": {"$exists": True}}, "validationLevel": "strict",
                                          "validationAction": "warn"}
    assert _error(lambda: db.command("collMod", "nothere")).code == 26
    assert _error(lambda: db.command("collMod", "c", index={"name": "nope", "hidden": True})).code == 27


def test_capped_conversions(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    admin = client.admin
    db = client.ddl_capped
    admin.command("applyOps", [{"op": "i", "ns": "ddl_capped.src", "o": {"_id": i, "pad": "x" * 100}}
                               for i in range(20)])
    db.command("cloneCollectionAsCapped", "src", toCollection="copy", size=1024)
    copy_stats = db.command("collStats", "copy")
    assert copy_stats["capped"] is True and 0 < copy_stats["count"] < 20 and copy_stats["size"] <= 1024
    db.command("convertToCapped", "src", size=100000)
    assert _entry(db, "src")["options"] == {"capped": True, "size": 100096}
    assert db.command("collStats", "src")["count"] == 20
    assert _error(lambda: db.command("convertToCapped", "missing", size=1024)).code == 26


def test_apply_ops(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    admin = client.admin
    ops = [
        {"op": "c", "ns": "ddl_apply.$cmd", "o": {"create": "c"}},
        {"op": "i", "ns": "ddl_apply.c", "o": {"_id": 1, "a": {"b": 1, "gone": 1}, "arr": [1, 2, 3]}},
        {"op": "u", "ns": "ddl_apply.c", "o2": {"_id": 1},
         "o": {"$v": 2, "diff": {"sa": {"u": {"b": 2}, "d": {"gone": False}}, "sarr": {"a": True, "l": 2, "u1": 9},
                                 "i": {"c": 3}}}},
        {"op": "i", "ns": "ddl_apply.c", "o": {"_id": 2, "x": 1}},
        {"op": "u", "ns": "ddl_apply.c", "o2": {"_id": 2}, "o": {"$set": {"x": 5}}},
        {"op": "i", "ns": "ddl_apply.c", "o": {"_id": 3}},
        {"op": "d", "ns": "ddl_apply.c", "o": {"_id": 3}},
        {"op": "n", "ns": "", "o": {"msg": "noop"}},
    ]
    reply = admin.command("applyOps", ops)
    assert reply == {"applied": 8, "results": [True] * 8, "ok": 1.0}
    validated = client.ddl_apply.command("validate", "c")
    assert validated["nrecords"] == 2 and validated["valid"] is True
    assert validated["keysPerIndex"] == {"_id_": 2}
    failing = [{"op": "i", "ns": "ddl_apply.c", "o": {"_id": 9}}, {"op": "x", "ns": "ddl_apply.c", "o": {}}]
    error = _error(lambda: admin.command("applyOps", failing))
    assert error.details["applied"] == 2 and error.details["results"] == [True, False]


def test_validate_errors(client: pymongo.MongoClient[dict[str, Any]]) -> None:
    error = _error(lambda: client.ddl_validate.command("validate", "none"))
    assert (error.code, error.details["errmsg"]) == (26, "Collection 'ddl_validate.none' does not exist to validate.")
