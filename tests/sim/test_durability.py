"""Durability of a real simulator process: kill -9, clean restarts, torn journal tails, the dbpath lock."""

from __future__ import annotations

import subprocess
import threading
from pathlib import Path
from typing import Any

from pymongo.errors import PyMongoError
from pymongo.write_concern import WriteConcern

from tests.support.simproc import SimProcess, free_port, server_command, wait_until

DELETED = "deleted"


class Writer(threading.Thread):
    """Inserts, updates and deletes with j:true, recording what the server acknowledged."""

    def __init__(self, mongod: SimProcess) -> None:
        super().__init__(daemon=True)
        client = mongod.client(retryWrites=False, serverSelectionTimeoutMS=2000)
        self.coll = client.get_database("app", write_concern=WriteConcern(w=1, j=True)).stream
        self.acked: dict[int, Any] = {}
        self.in_flight: int | None = None
        self.count = 0

    def run(self) -> None:
        try:
            for i in range(100_000):
                self.in_flight = i
                self.coll.insert_one({"_id": i, "v": 0})
                self.acked[i] = {"_id": i, "v": 0}
                if i % 3 == 2:
                    self.in_flight = i - 1
                    self.coll.update_one({"_id": i - 1}, {"$set": {"v": 1}})
                    self.acked[i - 1] = {"_id": i - 1, "v": 1}
                if i % 5 == 4:
                    self.in_flight = i - 2
                    self.coll.delete_one({"_id": i - 2})
                    self.acked[i - 2] = DELETED
                self.in_flight = None
                self.count = i + 1
        except PyMongoError:
            return  # the server was killed under us


def test_kill_9_loses_no_acknowledged_write(tmp_path: Path) -> None:
    mongod = SimProcess(tmp_path).start()
    writer = Writer(mongod)
    writer.start()
    wait_until(lambda: writer.count >= 120, "acknowledge a stream of j:true writes")
    mongod.kill()
    writer.join(timeout=30)
    assert not writer.is_alive()
    mongod.start()
    stored = {doc["_id"]: doc for doc in mongod.client().app.stream.find()}
    for _id, expected in writer.acked.items():
        if _id == writer.in_flight:
            continue  # not acknowledged: either outcome is allowed
        if expected == DELETED:
            assert _id not in stored, f"deleted document {_id} came back"
        else:
            assert stored.get(_id) == expected, f"acknowledged write to {_id} was lost"
    assert set(stored) <= set(writer.acked) | {writer.in_flight}
    assert any("Recovered from the last checkpoint and the journal" in line for line in mongod.log_lines())
    mongod.stop()


def test_clean_shutdown_keeps_every_w1_write(tmp_path: Path) -> None:
    mongod = SimProcess(tmp_path).start()
    coll = mongod.client().app.items
    coll.insert_many([{"_id": i, "n": i, "tags": [i % 7, "x"]} for i in range(500)])
    coll.create_index([("tags", 1), ("n", -1)], name="tags_n")
    coll.update_many({"n": {"$lt": 10}}, {"$set": {"small": True}})
    coll.delete_many({"n": {"$gte": 490}})
    before = list(coll.find())
    assert mongod.stop() == 0
    assert (mongod.dbpath / "mongod.lock").read_bytes() == b""
    mongod.start()
    coll = mongod.client().app.items
    assert list(coll.find()) == before
    assert list(coll.index_information()) == ["_id_", "tags_n"]
    assert coll.count_documents({"small": True}) == 10
    mongod.stop()


def test_torn_journal_tail_is_ignored(tmp_path: Path) -> None:
    mongod = SimProcess(tmp_path).start()
    coll = mongod.client().get_database("app", write_concern=WriteConcern(j=True)).torn
    for i in range(20):
        coll.insert_one({"_id": i})
    mongod.kill()
    journal = next((mongod.dbpath / "journal").iterdir())
    with journal.open("ab") as handle:
        handle.write(b"\x40\x00\x00\x00\x12\x34\x56\x78partial-record")  # a record cut short by the crash
    mongod.start()
    assert sorted(doc["_id"] for doc in mongod.client().app.torn.find()) == list(range(20))
    assert any("Discarded a torn journal tail" in line for line in mongod.log_lines())
    mongod.client().app.torn.insert_one({"_id": 20})
    mongod.kill()
    mongod.start()
    assert mongod.client().app.torn.count_documents({}) == 21
    mongod.stop()


def test_second_server_on_the_same_dbpath_exits_100(tmp_path: Path) -> None:
    mongod = SimProcess(tmp_path).start()
    try:
        second = subprocess.run([*server_command("mongod"), "--port", str(free_port()), "--bind_ip", "127.0.0.1",
                                 "--dbpath", str(mongod.dbpath), "--logpath", str(tmp_path / "second.log")],
                                capture_output=True, text=True, timeout=60, check=False)
        assert second.returncode == 100
        assert (f"Unable to lock the lock file: {mongod.dbpath}/mongod.lock (Resource temporarily unavailable). "
                f"Another mongod instance is already running on the {mongod.dbpath} directory") in \
            (tmp_path / "second.log").read_text()
        assert mongod.client().admin.command("ping")["ok"] == 1.0
    finally:
        mongod.stop()


def test_missing_dbpath_exits_100(tmp_path: Path) -> None:
    missing = tmp_path / "missing"
    result = subprocess.run([*server_command("mongod"), "--port", str(free_port()), "--bind_ip", "127.0.0.1",
                             "--dbpath", str(missing), "--logpath", str(tmp_path / "m.log")],
                            capture_output=True, text=True, timeout=60, check=False)
    assert result.returncode == 100
    assert f"Data directory {missing} not found." in (tmp_path / "m.log").read_text()
