"""The pure parts of restores: shard mapping, namespace renames, shard ids in catalog documents, and how oplog
entries are translated for ``applyOps``."""

from __future__ import annotations

from typing import Any

import pytest
from bson import Timestamp
from bson.binary import Binary

from mongo_admin.ops.restore.catalog import config_replay_rules, map_shard_ids
from mongo_admin.ops.restore.engine import data_rules, rename_namespace
from mongo_admin.ops.restore.preflight import RestoreRefusedError, map_shards
from mongo_admin.ops.restore.replay import ReplayRules, translate

UUID = Binary(b"\x01" * 16, 4)


@pytest.mark.parametrize(("backup", "target", "explicit", "by_position", "expected"), [
    (["s0", "s1"], ["s0", "s1"], None, False, {"s0": "s0", "s1": "s1"}),
    (["s0", "s1"], ["a", "b"], None, True, {"s0": "a", "s1": "b"}),
    (["s0", "s1"], ["a", "b"], {"s0": "b", "s1": "a"}, False, {"s0": "b", "s1": "a"}),
    (["s0", "s1"], ["s0", "s1"], {"s0": "s1", "s1": "s0"}, False, {"s0": "s1", "s1": "s0"}),
])
def test_map_shards(backup: list[str], target: list[str], explicit: dict[str, str] | None, by_position: bool,
                    expected: dict[str, str]) -> None:
    assert map_shards(backup, target, explicit, by_position, "dst") == expected


@pytest.mark.parametrize(("backup", "target", "explicit", "by_position", "said"), [
    (["s0", "s1"], ["a", "b"], None, False, "no mapping was given"),
    (["s0", "s1"], ["a"], None, True, "no mapping was given"),
    (["s0"], ["a", "b"], {"s9": "a"}, False, "the backup has no shard s9"),
    (["s0"], ["a", "b"], {"s0": "zz"}, False, "cluster dst has no shard zz"),
    (["s0", "s1"], ["a", "b"], {"s0": "a", "s1": "a"}, False, "two backup shards map onto one"),
    (["s0", "s1"], ["a", "b"], {"s0": "a"}, False, "s1 are not mapped"),
])
def test_map_shards_refuses(backup: list[str], target: list[str], explicit: dict[str, str] | None,
                            by_position: bool, said: str) -> None:
    with pytest.raises(RestoreRefusedError) as refused:
        map_shards(backup, target, explicit, by_position, "dst")
    assert said in refused.value.message()


@pytest.mark.parametrize(("ns", "rename", "expected"), [
    ("app.a", {}, "app.a"),
    ("app.a", {"app.a": "other.b"}, "other.b"),
    ("app.a", {"app.*": "copy.*"}, "copy.a"),
    ("app.a", {"app.a": "x.y", "app.*": "copy.*"}, "x.y"),
    ("db.a", {"app.*": "copy.*"}, "db.a"),
])
def test_rename_namespace(ns: str, rename: dict[str, str], expected: str) -> None:
    assert rename_namespace(ns, rename) == expected


def test_map_shard_ids_renames_shard_and_primary_at_any_depth() -> None:
    chunk = {"_id": 1, "shard": "s0", "history": [{"validAfter": 1, "shard": "s1"}], "min": {"shard": 5}}
    assert map_shard_ids(chunk, {"s0": "a", "s1": "b"}) == {
        "_id": 1, "shard": "a", "history": [{"validAfter": 1, "shard": "b"}], "min": {"shard": 5}}
    assert map_shard_ids({"_id": "app", "primary": "s0"}, {"s0": "a"}) == {"_id": "app", "primary": "a"}


def _entry(**fields: Any) -> dict[str, Any]:
    return {"ts": Timestamp(10, 1), "t": 1, "v": 2, "wall": None, "lsid": {"id": UUID}, "txnNumber": 3, **fields}


@pytest.mark.parametrize(("entry", "expected"), [
    (_entry(op="n", ns="", o={"msg": "noop"}), None),
    (_entry(op="i", ns="app.a", o={"_id": 1}, ui=UUID), {"op": "i", "ns": "app.a", "o": {"_id": 1}}),
    (_entry(op="u", ns="app.a", o={"$v": 2, "diff": {"u": {"x": 1}}}, o2={"_id": 1}),
     {"op": "u", "ns": "app.a", "o": {"$v": 2, "diff": {"u": {"x": 1}}}, "o2": {"_id": 1}}),
    (_entry(op="i", ns="config.transactions", o={"_id": 1}), None),
    (_entry(op="i", ns="config.system.sessions", o={"_id": 1}), None),
    (_entry(op="i", ns="config.cache.chunks.app.a", o={"_id": 1}), None),
    (_entry(op="i", ns="local.oplog.rs", o={"_id": 1}), None),
    (_entry(op="u", ns="admin.mongoAdminLock", o={"$set": {}}, o2={"_id": "operation"}), None),
    (_entry(op="c", ns="app.$cmd", o={"create": "b", "capped": True}, ui=UUID),
     {"op": "c", "ns": "app.$cmd", "o": {"create": "b", "capped": True}, "ui": UUID}),
    (_entry(op="c", ns="app.$cmd", o={"startIndexBuild": "a", "indexes": []}), None),
    (_entry(op="c", ns="app.$cmd", o={"commitIndexBuild": "a", "indexBuildUUID": UUID,
                                      "indexes": [{"v": 2, "key": {"x": 1}, "name": "x_1"}]}),
     {"op": "c", "ns": "app.$cmd", "o": {"createIndexes": "a", "indexes": [{"v": 2, "key": {"x": 1}, "name": "x_1"}]}}),
    (_entry(op="i", ns="app.system.views", o={"_id": "app.v", "viewOn": "a", "pipeline": []}),
     {"op": "c", "ns": "app.$cmd", "o": {"create": "v", "viewOn": "a", "pipeline": []}}),
    (_entry(op="d", ns="app.system.views", o={"_id": "app.v"}), {"op": "c", "ns": "app.$cmd", "o": {"drop": "v"}}),
])
def test_translate(entry: dict[str, Any], expected: dict[str, Any] | None) -> None:
    assert translate(entry, ReplayRules()) == expected


def test_translate_renames_and_selects() -> None:
    rules = ReplayRules(target={"app.a": "copy.b"}.get, keep_uuids=False)
    assert translate(_entry(op="i", ns="app.a", o={"_id": 1}), rules) == {"op": "i", "ns": "copy.b", "o": {"_id": 1}}
    assert translate(_entry(op="i", ns="app.z", o={"_id": 1}), rules) is None
    assert translate(_entry(op="c", ns="app.$cmd", o={"create": "a"}, ui=UUID), rules) == {
        "op": "c", "ns": "copy.$cmd", "o": {"create": "b"}}
    assert translate(_entry(op="c", ns="admin.$cmd", o={"renameCollection": "app.a", "to": "app.z"}), rules) is None


def test_shard_and_config_rules() -> None:
    shard = data_rules(users=True, keep_users=frozenset({"admin.admin"}))
    assert translate(_entry(op="i", ns="config.rangeDeletions", o={"_id": 1}), shard) is None
    assert translate(_entry(op="i", ns="admin.system.users", o={"_id": "admin.admin"}), shard) is None
    assert translate(_entry(op="i", ns="admin.system.users", o={"_id": "app.al"}), shard) is not None
    config = config_replay_rules({"s0": "a"}, users=False, keep_users=frozenset())
    assert translate(_entry(op="i", ns="config.chunks", o={"_id": 1, "shard": "s0"}), config) == {
        "op": "i", "ns": "config.chunks", "o": {"_id": 1, "shard": "a"}}
    assert translate(_entry(op="u", ns="config.settings", o={"$set": {"stopped": True}}, o2={"_id": "balancer"}),
                     config) is None
    assert translate(_entry(op="i", ns="config.shards", o={"_id": "s0", "host": "x"}), config) is None
    assert translate(_entry(op="i", ns="admin.system.users", o={"_id": "app.al"}), config) is None


class _Recorder:
    """Stands in for a client: records each applyOps it is sent."""

    def __init__(self) -> None:
        self.sent: list[list[dict[str, Any]]] = []
        self.admin = self

    def command(self, body: dict[str, Any]) -> dict[str, Any]:
        self.sent.append(body["applyOps"])
        return {"ok": 1}


def test_replay_applies_committed_transactions_whole_and_stops_at_the_end() -> None:
    from mongo_admin.ops.restore.replay import replay_oplog

    lsid = {"id": UUID}
    insert = {"op": "i", "ns": "app.a", "o": {"_id": 1}}
    entries = [
        {"ts": Timestamp(10, 1), "op": "i", "ns": "app.a", "o": {"_id": 0}},
        {"ts": Timestamp(10, 2), "op": "c", "ns": "admin.$cmd", "lsid": lsid, "txnNumber": 1,
         "o": {"applyOps": [insert], "partialTxn": True}},
        {"ts": Timestamp(10, 3), "op": "c", "ns": "admin.$cmd", "lsid": lsid, "txnNumber": 1,
         "o": {"applyOps": [{**insert, "o": {"_id": 2}}]}},
        {"ts": Timestamp(10, 4), "op": "c", "ns": "admin.$cmd", "lsid": lsid, "txnNumber": 2,
         "o": {"applyOps": [{**insert, "o": {"_id": 3}}], "prepare": True}},
        {"ts": Timestamp(10, 5), "op": "c", "ns": "admin.$cmd", "lsid": lsid, "txnNumber": 2,
         "o": {"abortTransaction": 1}},
        {"ts": Timestamp(11, 1), "op": "i", "ns": "app.a", "o": {"_id": 9}},
    ]
    client = _Recorder()
    # The second source overlaps the first at its edge: the repeated entry is applied once.
    stats = replay_oplog(client, [entries[:2], entries[1:]], Timestamp(10, 5))  # type: ignore[arg-type]
    assert client.sent == [[{"op": "i", "ns": "app.a", "o": {"_id": 0}}],
                           [insert, {"op": "i", "ns": "app.a", "o": {"_id": 2}}]]
    assert stats.applied == 3 and stats.transactions == 1 and stats.skipped == 1
    assert stats.last_ts == Timestamp(10, 5)
