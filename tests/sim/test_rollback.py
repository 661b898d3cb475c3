"""Rollback: a primary that took w:1 writes nobody else saw, killed and restarted after the others elected a new
primary and moved on, rolls those writes back, saves them under dbpath/rollback/, and converges."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import bson
import pymongo
import pytest
from pymongo import ReadPreference, WriteConcern

from tests.support.replset import ReplSet
from tests.support.simproc import wait_until

pytestmark = pytest.mark.timeout(240)
MAJORITY = WriteConcern("majority", wtimeout=30000)


def contents(client: pymongo.MongoClient[dict[str, Any]]) -> list[dict[str, Any]]:
    coll = client.get_database("app", read_preference=ReadPreference.SECONDARY_PREFERRED).orders
    return list(coll.find().sort("_id", 1))


def state_of(client: pymongo.MongoClient[dict[str, Any]]) -> str:
    members = client.admin.command("replSetGetStatus")["members"]
    return str(next(m["stateStr"] for m in members if m.get("self")))


def test_unreplicated_writes_are_rolled_back_and_saved(tmp_path: Path) -> None:
    rs = ReplSet(tmp_path, settings={"heartbeatIntervalMillis": 200, "electionTimeoutMillis": 2000}).start()
    try:
        rs.initiate()
        orders = rs.client().app.get_collection("orders", write_concern=MAJORITY)
        orders.insert_many([{"_id": i, "qty": i, "pad": "p" * 100} for i in range(100)])
        old = rs.wait_for_primary()
        others = [node for node in rs.nodes if node is not old]
        for node in others:
            node.stop()
        # Alone, the old primary still accepts w:1 writes until it notices it lost its majority.
        lonely = old.client().app.orders
        lonely.insert_many([{"_id": f"lost-{i}", "qty": -1} for i in range(5)])
        lonely.update_one({"_id": 7}, {"$set": {"qty": 700}})
        lonely.delete_one({"_id": 8})
        old.kill()
        for node in others:
            node.start()
        new_primary = rs.wait_for_primary()
        assert new_primary is not old
        after = new_primary.client().app.get_collection("orders", write_concern=MAJORITY)
        after.insert_many([{"_id": f"new-{i}", "qty": 1} for i in range(10)])
        expected = contents(new_primary.client())
        old.start()
        direct = old.client()
        wait_until(lambda: state_of(direct) == "SECONDARY" and contents(direct) == expected,
                   "roll back and converge on the new primary's data", timeout=60)
        # The rolled-back versions are in the rollback directory, named by the collection UUID.
        info = direct.app.command("listCollections", filter={"name": "orders"},
                                  read_preference=ReadPreference.SECONDARY_PREFERRED)
        uuid = str(info["cursor"]["firstBatch"][0]["info"]["uuid"].as_uuid())
        folder = old.dbpath / "rollback" / uuid
        files = sorted(folder.glob("removed.*.bson"))
        assert len(files) == 1
        saved = bson.decode_all(files[0].read_bytes())
        assert sorted(str(doc["_id"]) for doc in saved) == sorted([f"lost-{i}" for i in range(5)] + ["7"])
        assert next(doc for doc in saved if doc["_id"] == 7)["qty"] == 700
        log = "\n".join(old.log_lines())
        assert '"msg":"Rollback summary"' in log
        assert '"rollbackCommandCounts":{"delete":1,"insert":5,"update":1}' in log
        assert '"newState":"ROLLBACK"' in log
        assert direct.admin.command("replSetGetRBID")["rbid"] >= 2
        oplog_top = direct.local["oplog.rs"].find_one(sort=[("$natural", -1)])
        assert oplog_top is not None
        assert new_primary.client().local["oplog.rs"].find_one({"ts": oplog_top["ts"]}) == oplog_top
    finally:
        rs.stop()
