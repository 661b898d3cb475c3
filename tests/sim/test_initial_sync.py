"""Initial sync: a member added by replSetReconfig to a set that holds data and keeps taking writes copies it all,
catches up from the oplog, becomes SECONDARY, and ends with exactly the primary's documents."""

from __future__ import annotations

import random
import threading
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo import ReadPreference
from pymongo.errors import PyMongoError

from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, wait_until

pytestmark = pytest.mark.timeout(240)


def documents(client: pymongo.MongoClient[dict[str, Any]]) -> dict[str, Any]:
    db = client.get_database("shop", read_preference=ReadPreference.SECONDARY_PREFERRED)
    out: dict[str, Any] = {}
    for name in sorted(db.list_collection_names()):
        out[name] = (list(db[name].find().sort("_id", 1)),
                     sorted(ix["name"] for ix in db[name].list_indexes()))
    return out


class Writer(threading.Thread):
    """Inserts, updates and deletes on the primary until stopped (w: 1)."""

    def __init__(self, client: pymongo.MongoClient[dict[str, Any]]) -> None:
        super().__init__(daemon=True)
        self.client = client
        self.halt = threading.Event()
        self.writes = 0

    def run(self) -> None:
        orders = self.client.shop.orders
        rng = random.Random(7)
        next_id = 100_000
        while not self.halt.is_set():
            try:
                choice = rng.random()
                if choice < 0.5:
                    orders.insert_one({"_id": next_id, "sku": f"s{next_id % 50}", "qty": 1, "lines": [1, 2]})
                    next_id += 1
                elif choice < 0.8:
                    orders.update_one({"_id": rng.randrange(0, next_id)}, {"$inc": {"qty": 1}, "$push": {"lines": 3}})
                else:
                    orders.delete_one({"_id": rng.randrange(0, next_id)})
                self.writes += 1
            except PyMongoError:
                continue


def test_added_member_initial_syncs_under_writes(tmp_path: Path) -> None:
    rs = ReplSet(tmp_path, members=2).start()
    newcomer = SimProcess(tmp_path / "node2", args=["--replSet", rs.name, "--oplogSize", "64"])
    writer: Writer | None = None
    try:
        rs.initiate()
        client = rs.client()
        shop = client.shop
        shop.orders.create_index("sku")
        shop.orders.insert_many([{"_id": i, "sku": f"s{i % 50}", "qty": i, "lines": []} for i in range(3000)])
        shop.customers.insert_many([{"_id": i, "name": f"c{i}", "vip": i % 7 == 0} for i in range(500)])
        shop.customers.create_index([("name", 1)], unique=True)
        shop.create_collection("audit", capped=True, size=1 << 20)
        newcomer.start()
        writer = Writer(client)
        writer.start()
        wait_until(lambda: writer is not None and writer.writes > 50, "start writing")
        config = client.admin.command("replSetGetConfig")["config"]
        config["version"] += 1
        config["members"].append({"_id": 2, "host": newcomer.address})
        client.admin.command("replSetReconfig", config)
        rs.nodes.append(newcomer)

        def newcomer_state() -> str:
            members = client.admin.command("replSetGetStatus")["members"]
            return str(next(m["stateStr"] for m in members if m["name"] == newcomer.address))

        wait_until(lambda: newcomer_state() == "SECONDARY", "finish the initial sync", timeout=120)
        writes_during_sync = writer.writes
        writer.halt.set()
        writer.join(10)
        expected = documents(rs.wait_for_primary().client())
        direct = newcomer.client()
        wait_until(lambda: documents(direct) == expected, "converge on the primary's documents", 60)
        assert len(expected["customers"][0]) == 500 and expected["customers"][1] == ["_id_", "name_1"]
        assert writes_during_sync > 50
        log = "\n".join(newcomer.log_lines())
        assert '"msg":"Starting initial sync attempt"' in log and '"msg":"Initial sync done"' in log
        assert '"newState":"STARTUP2"' in log
        # The copy keeps the collections' identities.
        for name in ("orders", "customers", "audit"):
            ours = client.shop.command("listCollections", filter={"name": name})["cursor"]["firstBatch"][0]
            theirs = direct.shop.command("listCollections", filter={"name": name},
                                         read_preference=ReadPreference.SECONDARY_PREFERRED)
            assert theirs["cursor"]["firstBatch"][0]["info"]["uuid"] == ours["info"]["uuid"]
            assert theirs["cursor"]["firstBatch"][0]["options"] == ours["options"]
    finally:
        if writer is not None:
            writer.halt.set()
        rs.stop()
        newcomer.stop()
