"""The oplog a writable primary keeps: one entry per storage change, in the server's format, journalled with it."""

from __future__ import annotations

import asyncio
import itertools
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson.binary import Binary
from bson.int64 import Int64
from bson.timestamp import Timestamp

from mongosim import logs, parameters
from mongosim.cli import parse_args
from mongosim.repl.oplog import Oplog
from mongosim.repl.optime import MemberState, OpTime
from mongosim.server import Server
from mongosim.storage.engine import StorageEngine

BIG = "x" * 100


def make_server(path: Path, *args: str) -> Server:
    config = parse_args("mongod", ["mongod", "--replSet", "rs0", "--oplogSize", "1", "--dbpath", str(path), *args])
    server = Server(config, logs.Logger(str(path / "mongod.log")))
    parameters.apply_startup(server)
    server.storage = StorageEngine(str(path))
    server.storage.open()
    return server


@pytest.fixture
def primary(tmp_path: Path) -> Iterator[tuple[Server, Oplog]]:
    server = make_server(tmp_path)
    oplog = Oplog(server)
    server.oplog = oplog
    oplog.attach()
    oplog.set_writable(3)
    yield server, oplog
    oplog.stop()
    assert server.storage is not None
    server.storage.close()
    server.log.close()


def entries(oplog: Oplog) -> list[dict[str, Any]]:
    return list(oplog.log_collection.documents())


def user_entries(oplog: Oplog) -> list[dict[str, Any]]:
    return [e for e in entries(oplog) if e["op"] != "n"]


def test_insert_update_delete_entries_have_the_server_format(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    coll = server.storage.create_collection("app", "users")
    coll.insert({"_id": 1, "name": "ann", "bio": BIG})
    old = coll.get(1)
    assert old is not None
    coll.replace(old, {"_id": 1, "name": "bob", "bio": BIG})
    coll.replace(coll.get(1), {"_id": 1, "other": True})  # type: ignore[arg-type]
    coll.delete({"_id": 1})
    create, insert, update, replacement, delete = user_entries(oplog)
    assert list(insert) == ["op", "ns", "ui", "o", "ts", "t", "v", "wall"]
    assert insert["op"] == "i" and insert["ns"] == "app.users" and insert["ui"] == coll.uuid
    assert insert["o"] == {"_id": 1, "name": "ann", "bio": BIG}
    assert insert["t"] == Int64(3) and isinstance(insert["t"], Int64) and isinstance(insert["v"], Int64)
    assert list(update) == ["op", "ns", "ui", "o", "o2", "ts", "t", "v", "wall"]
    assert update["o"] == {"$v": 2, "diff": {"u": {"name": "bob"}}} and update["o2"] == {"_id": 1}
    assert replacement["o"] == {"_id": 1, "other": True} and replacement["o2"] == {"_id": 1}
    assert delete["op"] == "d" and delete["o"] == {"_id": 1}
    assert create["o"] == {"create": "users", "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"}}
    assert create["ns"] == "app.$cmd"


def test_timestamps_strictly_increase_within_a_second(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    coll = server.storage.create_collection("app", "c")
    for i in range(50):
        coll.insert({"_id": i})
    stamps = [e["ts"] for e in entries(oplog)]
    assert all(a < b for a, b in itertools.pairwise(stamps))
    assert oplog.top() == OpTime.of_entry(entries(oplog)[-1])


def test_catalog_changes_become_command_entries(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    engine = server.storage
    assert engine is not None
    coll = engine.create_collection("app", "a", {"capped": True, "size": 4096})
    coll.create_index({"key": {"x": 1}, "name": "x_1"})
    coll.set_index_option("x_1", "hidden", True)
    coll.set_options({**coll.options, "validator": {"x": {"$gt": 0}}})
    coll.drop_index("x_1")
    engine.rename_collection("app", "a", "app", "b")
    engine.drop_collection("app", "b")
    engine.create_collection("app", "c")
    engine.drop_database("app")
    commands = [e["o"] for e in user_entries(oplog)]
    assert commands == [
        {"create": "a", "capped": True, "size": 4096, "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"}},
        {"createIndexes": "a", "v": 2, "key": {"x": 1}, "name": "x_1"},
        {"collMod": "a", "index": {"name": "x_1", "hidden": True}},
        {"collMod": "a", "validator": {"x": {"$gt": 0}}},
        {"dropIndexes": "a", "index": "x_1"},
        {"renameCollection": "app.a", "to": "app.b", "stayTemp": False},
        {"drop": "b"},
        {"create": "c", "idIndex": {"v": 2, "key": {"_id": 1}, "name": "_id_"}},
        {"drop": "c"},
        {"dropDatabase": 1},
    ]
    drop = user_entries(oplog)[6]
    assert drop["o2"] == {"numRecords": Int64(0)}
    assert "ui" not in user_entries(oplog)[-1]


def test_nothing_is_logged_for_local_or_when_not_writable(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    server.storage.get_or_create_collection("local", "startup_log").insert({"_id": 1})
    oplog.set_writable(None)
    server.storage.get_or_create_collection("app", "quiet").insert({"_id": 1})
    assert user_entries(oplog) == []


def test_noop_entries(primary: tuple[Server, Oplog]) -> None:
    _, oplog = primary
    oplog.write_noop("periodic noop")
    (entry,) = entries(oplog)
    assert list(entry) == ["op", "ns", "o", "ts", "t", "v", "wall"]
    assert entry["op"] == "n" and entry["ns"] == "" and entry["o"] == {"msg": "periodic noop"}


def test_entries_survive_a_crash_with_their_changes(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    oplog = Oplog(server)
    server.oplog = oplog
    oplog.attach()
    oplog.set_writable(1)
    engine = server.storage
    assert engine is not None and engine._journal is not None and engine._lock_fd is not None
    coll = engine.create_collection("app", "c")
    for i in range(10):
        coll.insert({"_id": i})
    coll.replace(coll.get(3), {"_id": 3, "v": 1})  # type: ignore[arg-type]
    before = entries(oplog)
    os.close(engine._journal._fd)  # kill -9: no checkpoint
    os.close(engine._lock_fd)
    recovered = StorageEngine(str(tmp_path))
    recovered.open()
    try:
        log = recovered.get_collection("local", "oplog.rs")
        data = recovered.get_collection("app", "c")
        assert log is not None and data is not None
        assert list(log.documents()) == before
        assert data.get(3) == {"_id": 3, "v": 1} and len(data) == 10
        assert log.list_indexes() == []
        assert log.get(before[-1]["ts"]) == before[-1]
    finally:
        recovered.close()
        server.log.close()


def test_the_oplog_is_capped_at_oplog_size(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    coll = server.storage.create_collection("app", "c")
    for i in range(3000):
        coll.insert({"_id": i, "pad": "p" * 500})
    log = oplog.log_collection
    assert log.options == {"capped": True, "size": 1024 * 1024, "autoIndexId": False}
    assert log.data_size() <= 1024 * 1024
    first, last = oplog.first_last()
    assert first is not None and last is not None and first["ts"] > Timestamp(0, 0)
    assert last["o"]["_id"] == 2999


def test_resize_and_minimum_retention(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    oplog.resize(None, 1.0)
    coll = server.storage.create_collection("app", "c")
    for i in range(3000):
        coll.insert({"_id": i, "pad": "p" * 500})
    # Everything is younger than an hour: nothing may go, even past the cap.
    assert len(oplog.log_collection) == 3001
    assert oplog.resize(2 * 1024 * 1024, 0.0) == 2 * 1024 * 1024


def test_uuid_binary_subtype(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    server.storage.create_collection("app", "c").insert({"_id": 1})
    ui = user_entries(oplog)[-1]["ui"]
    assert isinstance(ui, Binary) and ui.subtype == 4


class RecordingCoordinator:
    """The coordinator calls the oplog makes, recorded."""

    def __init__(self) -> None:
        self.term = 4
        self.state_listeners: list[Any] = []
        self.step_up_hooks: list[Any] = []
        self.applied: list[OpTime] = []
        self.durable: list[OpTime] = []

    def advance_applied(self, optime: OpTime, wall: Any) -> None:
        self.applied.append(optime)

    def advance_durable(self, optime: OpTime, wall: Any) -> None:
        self.durable.append(optime)

    def reset_optimes(self, optime: OpTime, wall: Any) -> None:
        self.applied.append(optime)
        self.durable.append(optime)


def test_applied_at_each_write_durable_after_the_journal_sync(tmp_path: Path) -> None:
    server = make_server(tmp_path)
    coordinator = RecordingCoordinator()
    server.repl = coordinator
    oplog = Oplog(server)
    server.oplog = oplog
    oplog.attach()
    engine = server.storage
    assert engine is not None
    try:
        asyncio.run(coordinator.step_up_hooks[0]())  # the winner's hook: "new primary" in its term, then writable
        assert oplog.is_writable() and entries(oplog)[0]["o"] == {"msg": "new primary"}
        assert entries(oplog)[0]["t"] == Int64(4)
        coll = engine.create_collection("app", "c")
        coll.insert({"_id": 1})
        assert coordinator.applied[-1] == oplog.top() == OpTime.of_entry(entries(oplog)[-1])
        durable_before = list(coordinator.durable)
        coll.insert({"_id": 2})
        assert coordinator.durable == durable_before  # not durable until the journal is synced
        engine.sync_journal()
        assert coordinator.durable[-1] == oplog.top()
        coordinator.state_listeners[0](MemberState.PRIMARY, MemberState.SECONDARY)
        assert not oplog.is_writable()
        assert engine.ttl_gate is not None and engine.ttl_gate() is False
    finally:
        oplog.stop()
        engine.close()
        server.log.close()


def test_truncating_after_a_point_resets_the_optimes(primary: tuple[Server, Oplog]) -> None:
    server, oplog = primary
    assert server.storage is not None
    coll = server.storage.create_collection("app", "c")
    for i in range(5):
        coll.insert({"_id": i})
    keep = entries(oplog)[2]
    assert oplog.truncate_after(keep["ts"]) == 3
    assert entries(oplog)[-1] == keep and oplog.top() == OpTime.of_entry(keep)
    assert [e["o"]["_id"] for e in oplog.entries_after(entries(oplog)[0]["ts"])] == [0, 1]
