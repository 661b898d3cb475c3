"""The applier: fetched entries reproduce the primary's data, idempotently, and are copied into the oplog as-is."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson import encode
from bson.timestamp import Timestamp

from mongosim.repl.applier import Applier
from mongosim.repl.oplog import Oplog
from mongosim.server import Server
from mongosim.storage.engine import StorageEngine
from tests.unit.test_oplog_entries import make_server

BIG = "y" * 120


@pytest.fixture
def pair(tmp_path: Path) -> Iterator[tuple[Server, Server]]:
    servers = []
    for name, term in (("primary", 2), ("secondary", None)):
        (tmp_path / name).mkdir()
        server = make_server(tmp_path / name)
        server.oplog = Oplog(server)
        server.oplog.attach()
        server.oplog.set_writable(term)
        servers.append(server)
    yield servers[0], servers[1]
    for server in servers:
        server.oplog.stop()
        assert server.storage is not None
        server.storage.close()
        server.log.close()


def snapshot(engine: StorageEngine) -> dict[str, Any]:
    """Every user collection: UUID, options, index specs and documents byte for byte."""
    out: dict[str, Any] = {}
    for db in engine.list_databases():
        if db == "local":
            continue
        for coll in engine.list_collections(db):
            out[coll.ns] = (coll.uuid, coll.options, coll.list_indexes(), [encode(d) for d in coll.documents()])
    return out


def workload(engine: StorageEngine) -> None:
    users = engine.create_collection("app", "users")
    users.create_index({"key": {"email": 1}, "name": "email_1", "unique": True})
    for i in range(20):
        users.insert({"_id": i, "email": f"u{i}@x", "tags": ["a", "b"], "profile": {"age": i, "bio": BIG}})
    for i in range(0, 20, 3):
        old = users.get(i)
        assert old is not None
        new = {**old, "tags": [*old["tags"], "c"], "profile": {**old["profile"], "age": i + 100}}
        users.replace(old, new)
    for i in range(0, 20, 5):
        users.delete({"_id": i})
    users.set_index_option("email_1", "hidden", True)
    events = engine.create_collection("app", "events", {"capped": True, "size": 8192})
    for i in range(5):
        events.insert({"_id": i, "n": i})
    engine.rename_collection("app", "events", "app", "history")
    engine.create_collection("tmp", "scratch").insert({"_id": "x"})
    engine.drop_database("tmp")


def test_applying_the_primary_oplog_reproduces_its_data(pair: tuple[Server, Server]) -> None:
    primary, secondary = pair
    assert primary.storage is not None and secondary.storage is not None
    workload(primary.storage)
    fetched = list(primary.oplog.log_collection.documents())
    Applier(secondary.storage, secondary.oplog).apply_batch(fetched)
    assert snapshot(secondary.storage) == snapshot(primary.storage)
    # The fetched entries themselves make up the secondary's oplog; applying wrote none of its own.
    assert list(secondary.oplog.log_collection.documents()) == fetched
    assert secondary.oplog.top() == primary.oplog.top()


def test_applying_twice_is_harmless(pair: tuple[Server, Server]) -> None:
    primary, secondary = pair
    assert primary.storage is not None and secondary.storage is not None
    workload(primary.storage)
    fetched = list(primary.oplog.log_collection.documents())
    applier = Applier(secondary.storage, None)
    applier.apply_batch(fetched)
    once = snapshot(secondary.storage)
    applier.apply_batch(fetched)
    applier.apply_batch(fetched[len(fetched) // 2:])
    assert snapshot(secondary.storage) == once == snapshot(primary.storage)


@pytest.mark.parametrize(("entry", "expected"), [
    ({"op": "u", "ns": "app.c", "o": {"$v": 2, "diff": {"u": {"a": 2}}}, "o2": {"_id": 9}}, [{"_id": 1, "a": 1}]),
    ({"op": "d", "ns": "app.c", "o": {"_id": 9}}, [{"_id": 1, "a": 1}]),
    ({"op": "i", "ns": "app.c", "o": {"_id": 1, "a": 5}}, [{"_id": 1, "a": 5}]),
    ({"op": "u", "ns": "app.c", "o": {"_id": 9, "z": 1}, "o2": {"_id": 9}}, [{"_id": 1, "a": 1}, {"_id": 9, "z": 1}]),
    ({"op": "c", "ns": "app.$cmd", "o": {"create": "c"}}, [{"_id": 1, "a": 1}]),
    ({"op": "c", "ns": "app.$cmd", "o": {"drop": "missing"}}, [{"_id": 1, "a": 1}]),
    ({"op": "c", "ns": "app.$cmd", "o": {"dropIndexes": "c", "index": "nope_1"}}, [{"_id": 1, "a": 1}]),
    ({"op": "c", "ns": "app.$cmd", "o": {"renameCollection": "app.gone", "to": "app.c", "stayTemp": False}},
     [{"_id": 1, "a": 1}]),
])
def test_steady_state_tolerances(pair: tuple[Server, Server], entry: dict[str, Any],
                                 expected: list[dict[str, Any]]) -> None:
    _, secondary = pair
    assert secondary.storage is not None
    secondary.storage.create_collection("app", "c").insert({"_id": 1, "a": 1})
    full = {**entry, "ts": Timestamp(1700000000, 1), "t": 1, "v": 2, "wall": None}
    Applier(secondary.storage, secondary.oplog).apply_batch([full])
    coll = secondary.storage.get_collection("app", "c")
    assert coll is not None and list(coll.documents()) == expected
    assert secondary.oplog.top().ts == Timestamp(1700000000, 1)


def test_collections_keep_the_primary_uuid(pair: tuple[Server, Server]) -> None:
    primary, secondary = pair
    assert primary.storage is not None and secondary.storage is not None
    made = primary.storage.create_collection("app", "c")
    made.insert({"_id": 1})
    Applier(secondary.storage, secondary.oplog).apply_batch(list(primary.oplog.log_collection.documents()))
    copy = secondary.storage.get_collection("app", "c")
    assert copy is not None and copy.uuid == made.uuid
