"""Replica-set coordination on real processes: replSetInitiate and its errors, replSetGetStatus /
replSetGetConfig shapes and types, what a member's role allows, write concern on a set."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from pymongo.errors import NotPrimaryError, OperationFailure
from pymongo.read_preferences import ReadPreference
from pymongo.write_concern import WriteConcern

from tests.support.rawwire import RawPeer
from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, free_port, wait_until


def failure(call: Any) -> dict[str, Any]:
    with pytest.raises((OperationFailure, NotPrimaryError)) as caught:
        call()
    error = caught.value
    details = error.details if isinstance(error, (OperationFailure, NotPrimaryError)) else None
    assert isinstance(details, dict), error
    return details


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplSet]:
    replset = ReplSet(tmp_path_factory.mktemp("rs-coordinator"), members=3).start()
    try:
        replset.initiate()
        yield replset
    finally:
        replset.stop()


@pytest.fixture
def lone(tmp_path: Path) -> Iterator[SimProcess]:
    """One uninitiated ``--replSet rs0`` member."""
    node = SimProcess(tmp_path, args=["--replSet", "rs0", "--oplogSize", "64"]).start()
    try:
        yield node
    finally:
        node.stop()


def secondary_of(rs: ReplSet) -> SimProcess:
    primary = rs.wait_for_primary()
    return next(n for n in rs.nodes if n is not primary)


# ------------------------------------------------------------------------------------------------ standalone
def test_replication_commands_need_repl_set(mongod: SimProcess) -> None:
    admin = mongod.client().admin
    for name in ("replSetInitiate", "replSetGetStatus", "replSetStepDown"):
        details = failure(lambda name=name: admin.command(name))
        assert (details["code"], details["codeName"], details["errmsg"]) == (
            76, "NoReplicationEnabled", "This node was not started with replication enabled.")


# ------------------------------------------------------------------------------------------------ uninitiated
def test_uninitiated_member(lone: SimProcess) -> None:
    admin = lone.client().admin
    details = failure(lambda: admin.command("replSetGetStatus"))
    assert (details["code"], details["codeName"], details["errmsg"]) == (
        94, "NotYetInitialized", "no replset config has been received")
    peer = RawPeer(lone.port)
    try:
        reply = peer.command({"find": "c", "$db": "test"}).doc
        assert (reply["ok"], reply["code"], reply["codeName"], reply["errmsg"]) == (
            0.0, 13435, "NotPrimaryNoSecondaryOk", "not primary and secondaryOk=false")
        reply = peer.command({"insert": "c", "documents": [{"_id": 1}], "$db": "test"}, 2).doc
        assert (reply["code"], reply["codeName"], reply["errmsg"]) == (10107, "NotWritablePrimary", "not primary")
        reply = peer.command({"insert": "c", "documents": [{"_id": 1}], "$db": "local"}, 3).doc
        assert reply["ok"] == 1.0  # the local database is never replicated: always writable
    finally:
        peer.close()


def test_initiate_errors_then_default_config(lone: SimProcess, tmp_path: Path) -> None:
    admin = lone.client().admin
    me = lone.address
    down = f"127.0.0.1:{free_port()}"
    cases: list[tuple[dict[str, Any], int, str]] = [
        ({"_id": "other", "members": [{"_id": 0, "host": me}]}, 93,
         "Rejecting initiate with a set name that differs from command line set name, initiate set name: other, "
         "command line set name: rs0"),
        ({"_id": "rs0", "members": [{"_id": 0, "host": down}]}, 93,
         "No host described in new configuration with {version: 1, term: 0} for replica set rs0 maps to this node"),
        ({"_id": "rs0", "members": [{"_id": 0, "host": me}, {"_id": 1, "host": me}]}, 93,
         f"Found two member configurations with same host field, members.0.host == members.1.host == {me}"),
        ({"_id": "rs0", "members": [{"_id": 0, "host": me, "votes": 2}]}, 93,
         "BSON field 'votes' value must be <= 1, actual value '2'"),
        ({"_id": "rs0", "members": [{"_id": 0, "host": me, "priority": -1}]}, 93,
         "BSON field 'priority' value must be >= 0, actual value '-1'"),
        ({"_id": "rs0", "members": [{"_id": 0, "host": me}, {"_id": 1, "host": down}]}, 74,
         "replSetInitiate quorum check failed because not all proposed set members responded affirmatively: "
         f"{down} failed with Error connecting to {down} :: caused by :: Connection refused"),
    ]
    for doc, code, message in cases:
        details = failure(lambda doc=doc: admin.command("replSetInitiate", doc))
        assert details["code"] == code, details
        assert details["errmsg"].endswith(message), details
        assert details["codeName"] == {93: "InvalidReplicaSetConfig", 74: "NodeNotFound"}[code]
    reply = admin.command("replSetInitiate")
    assert reply["info2"] == "no configuration specified. Using a default configuration for the set"
    assert reply["me"] == me
    details = failure(lambda: admin.command("replSetInitiate"))
    assert (details["code"], details["codeName"], details["errmsg"]) == (23, "AlreadyInitialized",
                                                                         "already initialized")
    wait_until(lambda: admin.command("hello")["isWritablePrimary"], "become primary of a one-member set")
    config = admin.command("replSetGetConfig")["config"]
    assert config["_id"] == "rs0" and config["version"] == 1 and config["term"] == 1
    assert config["members"] == [{"_id": 0, "host": me, "arbiterOnly": False, "buildIndexes": True, "hidden": False,
                                  "priority": 1.0, "tags": {}, "secondaryDelaySecs": 0, "votes": 1}]
    entries = list(lone.client().local["oplog.rs"].find({}, {"_id": 0, "o": 1, "op": 1, "ns": 1}))
    assert entries[:2] == [{"op": "n", "ns": "", "o": {"msg": "initiating set"}},
                           {"op": "n", "ns": "", "o": {"msg": "new primary"}}]


def test_quorum_check_refuses_a_member_of_another_set(lone: SimProcess, tmp_path: Path) -> None:
    other = SimProcess(tmp_path / "other", args=["--replSet", "other"]).start()
    try:
        details = failure(lambda: lone.client().admin.command("replSetInitiate", {
            "_id": "rs0", "members": [{"_id": 0, "host": lone.address}, {"_id": 1, "host": other.address}]}))
        assert details["code"] == 103 and details["codeName"] == "NewReplicaSetConfigurationIncompatible"
        assert details["errmsg"] == f"Our set name did not match that of {other.address}"
    finally:
        other.stop()


# ------------------------------------------------------------------------------------------------ status
def test_status_shape_and_types(rs: ReplSet) -> None:
    primary = rs.wait_for_primary()
    status = primary.client().admin.command("replSetGetStatus")
    assert list(status)[:11] == ["set", "date", "myState", "term", "syncSourceHost", "syncSourceId",
                                 "heartbeatIntervalMillis", "majorityVoteCount", "writeMajorityCount",
                                 "votingMembersCount", "writableVotingMembersCount"]
    assert status["set"] == "rs0" and status["myState"] == 1
    assert isinstance(status["term"], Int64) and isinstance(status["heartbeatIntervalMillis"], Int64)
    assert status["heartbeatIntervalMillis"] == 200
    assert (status["majorityVoteCount"], status["writeMajorityCount"], status["votingMembersCount"],
            status["writableVotingMembersCount"]) == (2, 2, 3, 3)
    optimes = status["optimes"]
    for key in ("lastCommittedOpTime", "readConcernMajorityOpTime", "appliedOpTime", "writtenOpTime",
                "durableOpTime"):
        assert isinstance(optimes[key]["ts"], Timestamp) and isinstance(optimes[key]["t"], Int64), key
    assert isinstance(optimes["lastAppliedWallTime"], dt.datetime)
    assert status["electionCandidateMetrics"]["lastElectionReason"] in ("electionTimeout", "priorityTakeover")
    members = status["members"]
    assert [m["name"] for m in members] == rs.hosts
    me = next(m for m in members if m.get("self"))
    assert me["stateStr"] == "PRIMARY" and me["health"] == 1.0 and isinstance(me["health"], float)
    assert isinstance(me["electionTime"], Timestamp) and "lastHeartbeat" not in me and "pingMs" not in me
    others = [m for m in members if not m.get("self")]
    wait_until(lambda: all(m["stateStr"] == "SECONDARY" for m in
                           primary.client().admin.command("replSetGetStatus")["members"] if not m.get("self")),
               "see both secondaries")
    for member in others:
        assert {"optimeDurable", "lastHeartbeat", "lastHeartbeatRecv", "pingMs", "lastHeartbeatMessage",
                "syncSourceHost", "configVersion", "configTerm"} <= set(member)
        assert isinstance(member["pingMs"], Int64) and member["configVersion"] == 1


def test_get_config(rs: ReplSet) -> None:
    primary = rs.wait_for_primary()
    admin = primary.client().admin
    reply = wait_until(lambda: (r := admin.command("replSetGetConfig", commitmentStatus=True))["commitmentStatus"]
                       and r, "see the config committed")
    config = reply["config"]
    assert list(config) == ["_id", "version", "term", "members", "protocolVersion",
                            "writeConcernMajorityJournalDefault", "settings"]
    assert config["settings"]["electionTimeoutMillis"] == 1000
    assert isinstance(config["settings"]["replicaSetId"], ObjectId)
    stored = primary.client().local["system.replset"].find_one()
    assert stored is not None and stored["_id"] == "rs0" and stored["version"] == config["version"]
    details = failure(lambda: secondary_of(rs).client().admin.command("replSetGetConfig", commitmentStatus=True))
    assert details["code"] == 10107


# ------------------------------------------------------------------------------------------------ roles
def test_secondary_refuses_writes_and_unflagged_reads(rs: ReplSet) -> None:
    secondary = secondary_of(rs)
    with pytest.raises(NotPrimaryError) as caught:
        secondary.client().test.c.insert_one({"x": 1})
    details = caught.value.details
    assert isinstance(details, dict) and details["code"] == 10107
    peer = RawPeer(secondary.port)
    try:
        reply = peer.command({"find": "c", "$db": "test"}).doc
        assert (reply["code"], reply["codeName"]) == (13435, "NotPrimaryNoSecondaryOk")
        assert isinstance(reply["$clusterTime"]["clusterTime"], Timestamp)
        assert reply["$clusterTime"]["signature"] == {"hash": b"\x00" * 20, "keyId": 0}
        assert isinstance(reply["operationTime"], Timestamp)
        reply = peer.command({"find": "c", "$db": "test", "$readPreference": {"mode": "secondary"}}, 2).doc
        assert reply["ok"] == 1.0
        reply = peer.command({"createIndexes": "c", "indexes": [{"key": {"a": 1}, "name": "a_1"}],
                              "$db": "test"}, 3).doc
        assert reply["code"] == 10107
    finally:
        peer.close()


def test_secondary_reads_through_read_preference(rs: ReplSet) -> None:
    client = rs.client()
    coll = client.test.get_collection("rp", write_concern=WriteConcern(w=3, wtimeout=20000))
    coll.insert_one({"_id": "replicated"})
    secondary_coll = client.test.get_collection("rp", read_preference=ReadPreference.SECONDARY)
    cursor = secondary_coll.find({"_id": "replicated"})
    assert list(cursor) == [{"_id": "replicated"}]
    primary = rs.wait_for_primary()
    assert cursor.address is not None and cursor.address[1] != primary.port
    direct = secondary_of(rs).client()  # a direct connection reads with primaryPreferred
    assert direct.test.rp.find_one({"_id": "replicated"}) == {"_id": "replicated"}


def test_write_concern_on_a_set(rs: ReplSet) -> None:
    client = rs.client()
    db = client.test
    reply = db.command("insert", "wc", documents=[{"_id": 1}], writeConcern={"w": "majority", "wtimeout": 20000})
    assert reply["n"] == 1 and "writeConcernError" not in reply
    reply = db.command("insert", "wc", documents=[{"_id": 2}], writeConcern={"w": 5})
    assert reply["n"] == 1
    assert reply["writeConcernError"] == {"code": 100, "codeName": "UnsatisfiableWriteConcern",
                                          "errmsg": "Not enough data-bearing nodes",
                                          "errInfo": {"writeConcern": {"w": 5, "wtimeout": 0,
                                                                       "provenance": "clientSupplied"}}}
    reply = db.command("insert", "wc", documents=[{"_id": 3}], writeConcern={"w": "twoDCs"})
    assert reply["writeConcernError"]["code"] == 79
    assert reply["writeConcernError"]["errmsg"] == "No write concern mode named 'twoDCs' found in replica set " \
                                                   "configuration"


def test_server_status_sections(rs: ReplSet) -> None:
    primary = rs.wait_for_primary()
    status = primary.client().admin.command("serverStatus", oplog=1)
    repl = status["repl"]
    assert repl["setName"] == "rs0" and repl["isWritablePrimary"] is True and repl["rbid"] == 1
    assert repl["me"] == primary.address
    metrics = status["electionMetrics"]
    assert sum(metrics[k]["successful"] for k in ("electionTimeout", "priorityTakeover", "stepUpCmd")) >= 1
    assert isinstance(status["oplog"]["latestOptime"], Timestamp)
    diagnostic = primary.client().admin.command("getDiagnosticData")["data"]
    assert diagnostic["replSetGetStatus"]["set"] == "rs0"


def test_majority_reads_and_sync_from(rs: ReplSet) -> None:
    primary = rs.wait_for_primary()
    db = primary.client().test
    db.command("insert", "rc", documents=[{"_id": 1}], writeConcern={"w": "majority", "wtimeout": 20000})
    reply = db.command("find", "rc", readConcern={"level": "majority"}, maxTimeMS=20000)
    assert reply["cursor"]["firstBatch"] == [{"_id": 1}]
    secondary = secondary_of(rs)
    other = next(n for n in rs.nodes if n is not secondary and n is not primary)
    reply = secondary.client().admin.command("replSetSyncFrom", other.address)
    assert reply["syncFromRequested"] == other.address
    details = failure(lambda: secondary.client().admin.command("replSetSyncFrom", secondary.address))
    assert (details["codeName"], details["errmsg"]) == ("InvalidOptions", "I cannot sync from myself")
    details = failure(lambda: primary.client().admin.command("replSetSyncFrom", other.address))
    assert (details["codeName"], details["errmsg"]) == ("NotSecondary", "primaries don't sync")
    wait_until(lambda: secondary.client().admin.command("replSetGetStatus")["syncSourceHost"] == other.address,
               "see the requested sync source used")
