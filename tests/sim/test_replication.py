"""Oplog replication on a 3-member set: data, DDL and indexes reach the secondaries; the oplog's real format;
periodic no-ops; replSetResizeOplog and replSetGetRBID."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp
from pymongo import ReadPreference
from pymongo.collection import Collection
from pymongo.errors import NotPrimaryError, OperationFailure

from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, running, wait_until

pytestmark = pytest.mark.timeout(180)
BIG = "z" * 200


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplSet]:
    replset = ReplSet(tmp_path_factory.mktemp("repl"), args=["--setParameter", "periodicNoopIntervalSecs=1",
                                                             "--setParameter", "ttlMonitorSleepSecs=1"])
    replset.start()
    try:
        replset.initiate()
        yield replset
    finally:
        replset.stop()


def primary_client(rs: ReplSet) -> pymongo.MongoClient[dict[str, Any]]:
    node = rs.wait_for_primary()
    return node.client()


def secondaries(rs: ReplSet) -> list[SimProcess]:
    primary = rs.wait_for_primary()
    return [node for node in rs.nodes if node is not primary]


def snapshot(client: pymongo.MongoClient[dict[str, Any]], dbs: list[str]) -> dict[str, Any]:
    """Collections (name, type, options, UUID), their indexes and documents, read with secondaryOk."""
    out: dict[str, Any] = {}
    for name in dbs:
        db = client.get_database(name, read_preference=ReadPreference.SECONDARY_PREFERRED)
        for info in db.list_collections():
            coll = db[info["name"]]
            out[f"{name}.{info['name']}"] = (
                info["type"], info["options"], info.get("info", {}).get("uuid"),
                sorted((ix["name"], sorted(ix.items())) for ix in coll.list_indexes()),
                list(coll.find().sort("_id", 1)) if info["type"] == "collection" else None)
    return out


def wait_replicated(rs: ReplSet, dbs: list[str]) -> dict[str, Any]:
    expected = snapshot(primary_client(rs), dbs)
    for node in secondaries(rs):
        wait_same(lambda client: snapshot(client, dbs), node, expected, f"replicate {dbs}")
    return expected


def wait_same(read: Callable[[pymongo.MongoClient[dict[str, Any]]], Any], node: SimProcess, expected: Any,
              what: str) -> None:
    client = node.client()
    wait_until(lambda: read(client) == expected, f"{what} to {node.address}", timeout=30)


def errmsg(error: OperationFailure) -> str:
    return str((error.details or {}).get("errmsg"))


def oplog_of(client: pymongo.MongoClient[dict[str, Any]]) -> Collection[dict[str, Any]]:
    return client.local["oplog.rs"]


def test_writes_ddl_and_indexes_reach_the_secondaries(rs: ReplSet) -> None:
    client = primary_client(rs)
    app = client.app_repl
    app.create_collection("users", validator={"age": {"$gte": 0}})
    users = app.users
    users.insert_many([{"_id": i, "name": f"u{i}", "age": i, "tags": ["a"], "bio": BIG} for i in range(50)])
    users.update_one({"_id": 1}, {"$set": {"name": "renamed"}, "$unset": {"tags": ""}})
    users.update_many({"age": {"$gte": 40}}, {"$push": {"tags": "old"}, "$inc": {"age": 1}})
    users.replace_one({"_id": 2}, {"name": "replaced", "age": 99})
    users.delete_one({"_id": 3})
    users.delete_many({"age": {"$lt": 3}})
    users.create_index([("name", 1)], unique=True, name="name_1")
    users.create_index([("age", -1), ("name", 1)])
    app.command("collMod", "users", index={"name": "name_1", "hidden": True})
    app.command("collMod", "users", validationLevel="moderate")
    app.create_collection("events", capped=True, size=65536)
    app.events.insert_many([{"_id": i, "n": i} for i in range(10)])
    client.admin.command("renameCollection", "app_repl.events", to="app_repl.history")
    app.create_collection("scratch")
    app.drop_collection("scratch")
    users.drop_index("age_-1_name_1")
    client.app_repl_gone.things.insert_one({"_id": 1})
    client.drop_database("app_repl_gone")
    expected = wait_replicated(rs, ["app_repl", "app_repl_gone"])
    assert set(expected) == {"app_repl.users", "app_repl.history"}
    _, options, uuid, indexes, docs = expected["app_repl.users"]
    assert options["validationLevel"] == "moderate" and isinstance(uuid, Binary)
    assert [name for name, _ in indexes] == ["_id_", "name_1"]
    assert len(docs) == 47


def test_oplog_entries_have_the_real_format(rs: ReplSet) -> None:
    client = primary_client(rs)
    coll = client.app_format.c
    coll.insert_one({"_id": 1, "a": 1, "pad": BIG})
    coll.update_one({"_id": 1}, {"$set": {"a": 2}})
    coll.delete_one({"_id": 1})
    coll.create_index("a")
    oplog = client.local["oplog.rs"]
    entries = list(oplog.find({"ns": {"$in": ["app_format.c", "app_format.$cmd"]}}))
    assert [e["op"] for e in entries] == ["c", "i", "u", "d", "c"]
    create, insert, update, delete, index = entries
    uuid = client.app_format.command("listCollections", filter={"name": "c"})["cursor"]["firstBatch"][0]["info"][
        "uuid"]
    assert list(insert) == ["op", "ns", "ui", "o", "ts", "t", "v", "wall"]
    assert insert["ns"] == "app_format.c" and insert["ui"] == uuid and insert["o"] == {"_id": 1, "a": 1, "pad": BIG}
    assert isinstance(insert["ts"], Timestamp) and isinstance(insert["t"], Int64) and insert["v"] == Int64(2)
    assert update["o"] == {"$v": 2, "diff": {"u": {"a": 2}}} and update["o2"] == {"_id": 1}
    assert list(update) == ["op", "ns", "ui", "o", "o2", "ts", "t", "v", "wall"]
    assert delete["o"] == {"_id": 1}
    assert create["ns"] == "app_format.$cmd" and create["o"]["create"] == "c"
    assert create["o"]["idIndex"] == {"v": 2, "key": {"_id": 1}, "name": "_id_"}
    assert index["o"] == {"createIndexes": "c", "v": 2, "key": {"a": 1}, "name": "a_1"}
    stamps = [e["ts"] for e in oplog.find()]
    assert stamps == sorted(stamps) and len(set(stamps)) == len(stamps)
    assert oplog.index_information() == {}
    # The secondaries hold the very same entries (copied, not regenerated).
    for node in secondaries(rs):
        wait_same(lambda client: list(oplog_of(client).find({"ns": {"$in": ["app_format.c", "app_format.$cmd"]}})),
                  node, entries, "copy the entries")


def test_an_idle_primary_writes_periodic_noops(rs: ReplSet) -> None:
    client = primary_client(rs)
    oplog = client.local["oplog.rs"]
    first = oplog.find_one({"o.msg": "initiating set"})
    assert first is not None and first["op"] == "n" and first["ns"] == "" and first["t"] == Int64(-1)
    assert oplog.find_one({"o.msg": "new primary"}) is not None
    start = oplog.find_one(sort=[("$natural", -1)])
    assert start is not None
    noop = wait_until(lambda: oplog.find_one({"o.msg": "periodic noop", "ts": {"$gt": start["ts"]}}),
                      "write a periodic no-op", timeout=20)
    assert list(noop) == ["op", "ns", "o", "ts", "t", "v", "wall"]
    for node in secondaries(rs):
        wait_same(lambda client: oplog_of(client).find_one({"ts": noop["ts"]}), node, noop, "replicate the no-op")


def test_resize_oplog(rs: ReplSet) -> None:
    admin = primary_client(rs).admin
    with pytest.raises(OperationFailure) as small:
        admin.command("replSetResizeOplog", 1, size=900.0)
    assert small.value.code == 2
    assert errmsg(small.value) == "BSON field 'size' value must be >= 990, actual value '900'"
    with pytest.raises(OperationFailure) as wrong_type:
        admin.command("replSetResizeOplog", 1, size=2000)
    assert wrong_type.value.code == 14
    assert "expected type 'double'" in errmsg(wrong_type.value)
    with pytest.raises(OperationFailure) as negative:
        admin.command("replSetResizeOplog", 1, minRetentionHours=-1.0)
    assert negative.value.code == 2
    assert admin.command("replSetResizeOplog", 1, size=1000.5, minRetentionHours=1.5)["ok"] == 1.0
    info = primary_client(rs).local.command("listCollections", filter={"name": "oplog.rs"})
    options = info["cursor"]["firstBatch"][0]["options"]
    assert options["capped"] is True and options["size"] == int(1000.5 * 1024 * 1024)


def test_resize_oplog_without_an_oplog(tmp_path: Path) -> None:
    with running(tmp_path / "standalone") as node:
        with pytest.raises(OperationFailure) as missing:
            node.client().admin.command("replSetResizeOplog", 1, size=1000.0)
        assert missing.value.code == 26 and errmsg(missing.value) == "oplog does not exist"
        with pytest.raises(OperationFailure) as rbid:
            node.client().admin.command("replSetGetRBID")
        assert rbid.value.code == 76


def test_rbid(rs: ReplSet) -> None:
    for node in rs.nodes:
        reply = node.client().admin.command("replSetGetRBID")
        # 1 until the member rolls back (an election race at initiation can already make one roll back).
        assert set(reply) >= {"rbid", "ok"} and isinstance(reply["rbid"], int) and reply["rbid"] >= 1


def test_ttl_deletes_are_the_primarys_and_replicate(rs: ReplSet) -> None:
    client = primary_client(rs)
    sessions = client.app_ttl.sessions
    sessions.create_index("seen", expireAfterSeconds=0)
    old = dt.datetime(2020, 1, 1)
    sessions.insert_many([{"_id": i, "seen": old} for i in range(5)] + [{"_id": "keep", "seen": "not a date"}])
    wait_until(lambda: sessions.count_documents({}) == 1, "expire the documents on the primary", timeout=30)
    deletes = list(client.local["oplog.rs"].find({"ns": "app_ttl.sessions", "op": "d"}))
    assert sorted(e["o"]["_id"] for e in deletes) == [0, 1, 2, 3, 4]
    wait_replicated(rs, ["app_ttl"])


def test_after_a_step_down_the_old_primary_follows_the_new_one(rs: ReplSet) -> None:
    old = rs.wait_for_primary()
    old.client().admin.command("replSetStepDown", 30, secondaryCatchUpPeriodSecs=10)
    new = wait_until(lambda: (p := rs.primary()) is not None and p is not old and p, "elect another primary")
    new.client().app_stepdown.c.insert_many([{"_id": i} for i in range(20)])
    wait_replicated(rs, ["app_stepdown"])
    members = new.client().admin.command("replSetGetStatus")["members"]
    assert next(m for m in members if m["name"] == old.address)["stateStr"] == "SECONDARY"


def test_append_oplog_note_and_max_cluster_time(rs: ReplSet) -> None:
    from bson import Timestamp

    client = primary_client(rs)
    admin = client.admin
    admin.command("appendOplogNote", data={"msg": "backup cut-off", "backup": "b1"})
    newest = client.local["oplog.rs"].find_one({}, sort=[("$natural", -1)])
    assert newest is not None
    assert (newest["op"], newest["ns"], newest["o"]) == ("n", "", {"msg": "backup cut-off", "backup": "b1"})
    # A cluster time ahead of the primary's clock: the note is written past it (what a backup's cut-off needs).
    ahead = Timestamp(newest["ts"].time + 100, 7)
    admin.command("appendOplogNote", data={"cut": 1}, maxClusterTime=ahead)
    noted = client.local["oplog.rs"].find_one({"o": {"cut": 1}})
    assert noted is not None and noted["ts"] > ahead
    with pytest.raises(OperationFailure) as stale:
        admin.command("appendOplogNote", data={"cut": 2}, maxClusterTime=ahead)
    assert stale.value.code == 209  # StaleClusterTime: the primary is already past it
    with pytest.raises(OperationFailure) as missing:
        admin.command("appendOplogNote")
    assert (missing.value.code, errmsg(missing.value)) == (4, 'Missing expected field "data"')
    with pytest.raises(OperationFailure) as wrong:
        admin.command("appendOplogNote", data=1)
    assert wrong.value.code == 14
    secondary = next(node for node in rs.nodes if node is not rs.wait_for_primary())
    with pytest.raises(NotPrimaryError) as not_primary:
        secondary.client().admin.command("appendOplogNote", data={"x": 1})
    assert (not_primary.value.details or {}).get("code") == 10107
