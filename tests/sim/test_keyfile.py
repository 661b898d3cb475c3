"""Internal authentication with ``--keyFile``: members, shards, config servers and routers authenticate to each
other as ``__system@local`` with the shared key; access control is on, the first user comes through the
localhost exception; a member holding another key cannot join and the logs say why (never showing a key);
keyfiles that mongod refuses stop the process with its messages; a two-key file allows a rolling key change."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pymongo
import pytest

from tests.support.replset import ReplSet
from tests.support.sharded import ShardedCluster
from tests.support.simproc import SimProcess, free_port, wait_until

OLD_KEY = "b2xkS2V5Rm9yVGhlU2ltdWxhdG9yMDAx"
NEW_KEY = "bmV3S2V5Rm9yVGhlU2ltdWxhdG9yMDAy"
OTHER_KEY = "YW5vdGhlckNsdXN0ZXJzS2V5MDAzMDAz"
ADMIN = {"username": "admin", "password": "Admin-pw-42", "authSource": "admin"}
Client = pymongo.MongoClient[dict[str, Any]]


def _keyfile(path: Path, content: str, mode: int = 0o600) -> Path:
    path.write_text(content)
    os.chmod(path, mode)
    return path


def _log_entries(proc: SimProcess) -> list[dict[str, Any]]:
    return [json.loads(line) for line in proc.log_lines() if line.startswith("{")]


def _assert_no_key_in_logs(procs: list[SimProcess], *keys: str) -> None:
    for proc in procs:
        text = "\n".join(proc.log_lines())
        for key in keys:
            assert key not in text, f"{proc.logpath} shows a key"


def _create_admin(client: Client) -> None:
    """The first user, through the localhost exception."""
    client.admin.command("createUser", ADMIN["username"], pwd=ADMIN["password"], roles=["root"])


def _internal_auths(proc: SimProcess, msg: str) -> list[dict[str, Any]]:
    return [e["attr"] for e in _log_entries(proc)
            if e["msg"] == msg and e["attr"].get("principalName") == "__system"]


# ------------------------------------------------------------------------------------------------- replica set
def test_replica_set_with_a_keyfile(tmp_path: Path) -> None:
    keyfile = _keyfile(tmp_path / "keyfile", OLD_KEY[:16] + "\n" + OLD_KEY[16:] + "\n")
    rs = ReplSet(tmp_path, members=3, args=["--keyFile", str(keyfile)])
    try:
        rs.start()
        rs.initiate()  # replSetInitiate and replSetGetStatus: the localhost exception, no user yet
        primary = rs.wait_for_primary()
        _create_admin(primary.client())
        with pytest.raises(pymongo.errors.OperationFailure) as closed:
            primary.client().admin.command("replSetGetStatus")
        assert closed.value.code == 13  # the exception closed with the first user

        client = rs.client(**ADMIN)
        client.shop.orders.insert_many([{"_id": i, "item": f"i{i}"} for i in range(20)])
        client.shop.orders.insert_one({"_id": "last"})
        for node in rs.nodes:
            direct = node.client(**ADMIN, readPreference="secondaryPreferred")
            wait_until(lambda direct=direct: direct.shop.orders.count_documents({}) == 21,
                       f"see the writes on {node.address}")

        def healthy() -> bool:
            status = client.admin.command("replSetGetStatus")
            return all(m["health"] == 1 and m["stateStr"] in ("PRIMARY", "SECONDARY")
                       and m.get("lastHeartbeatMessage", "") == "" for m in status["members"])
        wait_until(healthy, "see healthy heartbeats between all members")

        succeeded = [attr for node in rs.nodes for attr in _internal_auths(node, "Authentication succeeded")]
        assert succeeded, "members authenticated as __system"
        assert {a["authenticationDatabase"] for a in succeeded} == {"local"}
        assert {a["mechanism"] for a in succeeded} == {"SCRAM-SHA-256"}
        assert any(a["speculative"] for a in succeeded)
        assert not any(_internal_auths(node, "Authentication failed") for node in rs.nodes)
        _assert_no_key_in_logs(rs.nodes, OLD_KEY[:16], OLD_KEY[16:])
    finally:
        rs.stop()


def test_member_with_another_keyfile_cannot_join(tmp_path: Path) -> None:
    good = _keyfile(tmp_path / "good", OLD_KEY)
    bad = _keyfile(tmp_path / "bad", OTHER_KEY)
    rs = ReplSet(tmp_path, members=2, args=["--keyFile", str(good)])
    outsider = SimProcess(tmp_path / "outsider", port=free_port(),
                          args=["--replSet", rs.name, "--oplogSize", "64", "--keyFile", str(bad)])
    try:
        rs.start()
        outsider.start()
        rs.initiate()
        primary = rs.wait_for_primary()
        _create_admin(primary.client())
        admin = primary.client(**ADMIN)
        config = admin.admin.command("replSetGetConfig")["config"]
        config["version"] += 1
        config["members"].append({"_id": 2, "host": outsider.address, "priority": 0, "votes": 0})
        admin.admin.command("replSetReconfig", config)

        def outsider_status() -> dict[str, Any] | None:
            members = admin.admin.command("replSetGetStatus")["members"]
            entry = next(m for m in members if m["name"] == outsider.address)
            return entry if entry["lastHeartbeatMessage"] == "Authentication failed." else None
        entry = wait_until(outsider_status, "see the outsider's heartbeats fail authentication")
        assert entry["health"] == 0
        assert entry["stateStr"] == "(not reachable/healthy)"

        failures = wait_until(lambda: _internal_auths(outsider, "Authentication failed"),
                              "see the outsider log the refused __system authentications")
        assert failures[0]["authenticationDatabase"] == "local"
        assert failures[0]["error"] == "AuthenticationFailed: SCRAM authentication failed, storedKey mismatch"
        assert not _internal_auths(outsider, "Authentication succeeded")
        # The outsider never got the configuration: it is not a member.
        with pytest.raises(pymongo.errors.OperationFailure):
            outsider.client().admin.command("replSetGetStatus")
        _assert_no_key_in_logs([*rs.nodes, outsider], OLD_KEY, OTHER_KEY)
    finally:
        outsider.stop()
        rs.stop()


def test_rolling_key_change(tmp_path: Path) -> None:
    both = _keyfile(tmp_path / "both", f"- {OLD_KEY}\n- {NEW_KEY}\n")
    new_only = _keyfile(tmp_path / "new", NEW_KEY)
    rs = ReplSet(tmp_path, members=3)
    for node, keyfile in zip(rs.nodes, (both, both, new_only), strict=True):
        node.extra_args += ["--keyFile", str(keyfile)]
    try:
        rs.start()
        rs.initiate()
        primary = rs.wait_for_primary()
        _create_admin(primary.client())
        client = rs.client(**ADMIN)

        def healthy() -> bool:
            members = client.admin.command("replSetGetStatus")["members"]
            return all(m["health"] == 1 and m["stateStr"] in ("PRIMARY", "SECONDARY") for m in members)
        wait_until(healthy, "see every member healthy")
        client.app.things.insert_one({"_id": 1})
        newest = rs.nodes[2].client(**ADMIN, readPreference="secondaryPreferred")
        wait_until(lambda: newest.app.things.find_one({"_id": 1}) is not None,
                   "see the write on the member holding only the new key")
        # The two-key members accept either key; the third refuses their old key, then takes their new one.
        for node in rs.nodes[:2]:
            assert _internal_auths(node, "Authentication succeeded")
            assert not _internal_auths(node, "Authentication failed")
        assert _internal_auths(rs.nodes[2], "Authentication failed")
        assert _internal_auths(rs.nodes[2], "Authentication succeeded")
        _assert_no_key_in_logs(rs.nodes, OLD_KEY, NEW_KEY)
    finally:
        rs.stop()


# ------------------------------------------------------------------------------------------------- start-up
@pytest.mark.parametrize(("content", "mode", "expected"), [
    (OLD_KEY, 0o644, {"id": 20254, "attr": {"error": {"code": 30, "codeName": "InvalidPath",
                                                      "errmsg": "permissions on {path} are too open"}}}),
    ("not$base64!", 0o600, {"id": 20254, "attr": {"error": {"code": 115, "codeName": "UnsupportedFormat",
                                                           "errmsg": "invalid char in key file {path}"}}}),
    ("abc", 0o600, {"id": 20255, "attr": {"filename": "{path}", "size": 3, "minimumLength": 6,
                                          "maximumLength": 1024}}),
    ("", 0o600, {"id": 20254, "attr": {"error": {
        "code": 115, "codeName": "UnsupportedFormat",
        "errmsg": "Only strings and sequences are supported for YAML key files"}}}),
    (f"[{OLD_KEY}, {NEW_KEY}, {OTHER_KEY}]", 0o600, {"id": 20258, "attr": {"numKeys": 3, "filename": "{path}"}}),
], ids=["too-open", "bad-characters", "too-short", "empty", "three-keys"])
def test_unusable_keyfile_stops_the_server(tmp_path: Path, content: str, mode: int,
                                           expected: dict[str, Any]) -> None:
    keyfile = _keyfile(tmp_path / "keyfile", content, mode)
    proc = SimProcess(tmp_path, args=["--keyFile", str(keyfile)])
    proc.start(wait=False)
    assert proc.proc is not None
    assert proc.proc.wait(30) == 1
    proc.stop()
    entries = _log_entries(proc)
    wanted = json.loads(json.dumps(expected).replace("{path}", str(keyfile)))
    [reason] = [e for e in entries if e["id"] == wanted["id"]]
    assert reason["attr"] == wanted["attr"]
    assert reason["c"] == "ACCESS"
    assert entries[-1]["s"] == "F"
    assert entries[-1]["msg"] == "Error creating service context"
    assert entries[-1]["attr"] == {"error": "Location5579201: Unable to acquire security key[s]"}
    if content:
        _assert_no_key_in_logs([proc], content)


def test_mongos_refuses_a_keyfile_open_to_others(tmp_path: Path) -> None:
    keyfile = _keyfile(tmp_path / "keyfile", OLD_KEY, 0o640)
    proc = SimProcess(tmp_path, process="mongos", args=["--configdb", "cfg/127.0.0.1:1", "--keyFile", str(keyfile)])
    proc.start(wait=False)
    assert proc.proc is not None
    assert proc.proc.wait(30) == 1
    proc.stop()
    assert f"permissions on {keyfile} are too open" in "\n".join(proc.log_lines())


# ------------------------------------------------------------------------------------------------- sharding
def test_sharded_cluster_with_a_keyfile(tmp_path: Path) -> None:
    keyfile = _keyfile(tmp_path / "keyfile", OLD_KEY)
    cluster = ShardedCluster(tmp_path, shards=2, members=1, config_members=1, keyfile=keyfile)
    try:
        cluster.start()  # initiate, addShard: the localhost exception
        _create_admin(cluster.client())
        primary = cluster.config.wait_for_primary()
        admin = cluster.client(**ADMIN)
        stored = wait_until(lambda: primary.client(**ADMIN).admin["system.users"].find_one({"_id": "admin.admin"}),
                            "see the first user on the config servers")
        assert stored["roles"] == [{"role": "root", "db": "admin"}]

        admin.admin.command("enableSharding", "sales")
        admin.admin.command("shardCollection", "sales.orders", key={"region": 1})
        admin.admin.command("split", "sales.orders", middle={"region": "m"})
        uuid = admin.config.collections.find_one({"_id": "sales.orders"})["uuid"]
        chunks = list(admin.config.chunks.find({"uuid": uuid}).sort("min", 1))
        assert len(chunks) == 2
        upper = chunks[1]
        other = next(rs.name for rs in cluster.shards if rs.name != upper["shard"])
        orders = admin.sales.orders
        orders.insert_many([{"region": r, "n": i} for i, r in enumerate(["a", "b", "c", "x", "y", "z"])])
        # The recipient clones the documents from the donor: shard to shard, as __system.
        admin.admin.command("moveChunk", "sales.orders", find={"region": "z"}, to=other,
                            _waitForDelete=True)
        orders.insert_one({"region": "q", "n": 6})
        assert orders.count_documents({}) == 7

        placed = {doc["shard"] for doc in admin.config.chunks.find({"uuid": uuid})}
        assert placed == {rs.name for rs in cluster.shards}
        per_shard = admin.sales.command("collStats", "orders")["shards"]
        counts = {name: stats["count"] for name, stats in per_shard.items()}
        assert counts == {upper["shard"]: 3, other: 4}
        # sh.status(): what it reads from the config servers.
        assert {s["_id"] for s in admin.admin.command("listShards")["shards"]} == {rs.name for rs in cluster.shards}
        assert admin.config.databases.find_one({"_id": "sales"})["primary"] in placed
        assert admin.config.collections.find_one({"_id": "sales.orders"})["key"] == {"region": 1}
        assert admin.config.changelog.find_one({"what": "moveChunk.commit", "ns": "sales.orders"})

        procs = [*cluster.routers, *(n for rs in (cluster.config, *cluster.shards) for n in rs.nodes)]
        succeeded = [a for p in procs for a in _internal_auths(p, "Authentication succeeded")]
        assert succeeded
        assert not any(_internal_auths(p, "Authentication failed") for p in procs)
        _assert_no_key_in_logs(procs, OLD_KEY)
    finally:
        cluster.stop()
