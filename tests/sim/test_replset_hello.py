"""hello / isMaster from every kind of replica-set member: primary, passive, hidden and delayed, arbiter,
uninitiated (RSGhost) and removed; awaitable hello woken by a state change."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp
from pymongo.errors import OperationFailure

from tests.support.rawwire import RawPeer, op_msg
from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, wait_until

COMMON_TAIL = ["maxBsonObjectSize", "maxMessageSizeBytes", "maxWriteBatchSize", "localTime",
               "logicalSessionTimeoutMinutes", "connectionId", "minWireVersion", "maxWireVersion", "readOnly", "ok",
               "$clusterTime", "operationTime"]


@pytest.fixture(scope="module")
def rs(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ReplSet]:
    """Member 0 electable, 1 passive (priority 0), 2 hidden and delayed, 3 arbiter."""
    options: list[dict[str, Any]] = [{"priority": 2}, {"priority": 0, "tags": {"dc": "east"}},
                                     {"priority": 0, "hidden": True, "secondaryDelaySecs": 1},
                                     {"arbiterOnly": True}]
    replset = ReplSet(tmp_path_factory.mktemp("rs-hello"), members=4, member_options=options).start()
    try:
        replset.initiate()
        wait_until(lambda: replset.primary() is replset.nodes[0], "see member 0 primary")
        yield replset
    finally:
        replset.stop()


def hello(node: SimProcess, name: str = "hello") -> dict[str, Any]:
    return node.client().admin.command(name)


def test_primary(rs: ReplSet) -> None:
    primary, passive, hidden, arbiter = rs.nodes
    reply = hello(primary)
    assert list(reply) == ["topologyVersion", "hosts", "passives", "arbiters", "setName", "setVersion",
                           "isWritablePrimary", "secondary", "primary", "me", "electionId", "lastWrite", *COMMON_TAIL]
    assert reply["hosts"] == [primary.address]
    assert reply["passives"] == [passive.address]
    assert reply["arbiters"] == [arbiter.address]
    assert hidden.address not in reply["hosts"] + reply["passives"] + reply["arbiters"]
    assert (reply["setName"], reply["setVersion"], reply["isWritablePrimary"], reply["secondary"]) == (
        "rs0", 1, True, False)
    assert reply["primary"] == reply["me"] == primary.address
    term = primary.client().admin.command("replSetGetStatus")["term"]
    assert reply["electionId"] == ObjectId(b"\x7f\xff\xff\xff" + int(term).to_bytes(8, "big"))
    last_write = reply["lastWrite"]
    assert list(last_write) == ["opTime", "lastWriteDate", "majorityOpTime", "majorityWriteDate"]
    assert isinstance(last_write["opTime"]["ts"], Timestamp) and isinstance(last_write["opTime"]["t"], Int64)
    assert isinstance(last_write["lastWriteDate"], dt.datetime) and last_write["lastWriteDate"].microsecond == 0
    assert isinstance(reply["topologyVersion"]["counter"], Int64)
    legacy = primary.client().admin.command("isMaster")
    assert legacy["ismaster"] is True and "isWritablePrimary" not in legacy


def test_passive_member(rs: ReplSet) -> None:
    passive = rs.nodes[1]
    reply = wait_until(lambda: (h := hello(passive))["secondary"] and h, "see the passive member SECONDARY")
    assert reply["isWritablePrimary"] is False and reply["passive"] is True
    assert reply["tags"] == {"dc": "east"} and "hidden" not in reply and "electionId" not in reply
    assert reply["primary"] == rs.nodes[0].address and reply["me"] == passive.address


def test_hidden_delayed_member(rs: ReplSet) -> None:
    hidden = rs.nodes[2]
    reply = wait_until(lambda: (h := hello(hidden))["secondary"] and h, "see the hidden member SECONDARY")
    assert (reply["passive"], reply["hidden"], reply["secondaryDelaySecs"]) == (True, True, 1)
    assert hello(hidden, "isMaster")["slaveDelay"] == 1
    assert hidden.address not in reply["hosts"] + reply.get("passives", [])


def test_arbiter(rs: ReplSet) -> None:
    arbiter = rs.nodes[3]
    reply = wait_until(lambda: (h := hello(arbiter)).get("arbiterOnly") and h, "see the arbiter")
    assert (reply["isWritablePrimary"], reply["secondary"]) == (False, False)
    assert "lastWrite" not in reply
    status = arbiter.client().admin.command("replSetGetStatus")
    assert status["myState"] == 7
    me = next(m for m in status["members"] if m.get("self"))
    assert me["stateStr"] == "ARBITER" and "optime" not in me


def test_majority_needs_the_data_bearing_voters(rs: ReplSet) -> None:
    status = rs.nodes[0].client().admin.command("replSetGetStatus")
    assert (status["votingMembersCount"], status["majorityVoteCount"], status["writableVotingMembersCount"],
            status["writeMajorityCount"]) == (4, 3, 3, 3)


def test_awaitable_hello_wakes_on_a_state_change(rs: ReplSet) -> None:
    passive = rs.nodes[1]
    wait_until(lambda: hello(passive)["secondary"], "see the passive member SECONDARY")
    first = hello(passive)["topologyVersion"]
    peer = RawPeer(passive.port, timeout=30.0)
    try:
        peer.send(op_msg({"hello": 1, "topologyVersion": first, "maxAwaitTimeMS": 120000, "$db": "admin"}))
        passive.client().admin.command("replSetMaintenance", True)
        reply = peer.receive().doc  # answered when the state changed, well before maxAwaitTimeMS
        assert reply["topologyVersion"]["counter"] > first["counter"]
        assert reply["secondary"] is False
    finally:
        peer.close()
        passive.client().admin.command("replSetMaintenance", False)


# ------------------------------------------------------------------------------------------------ ghosts
@pytest.fixture
def pair(tmp_path: Path) -> Iterator[ReplSet]:
    replset = ReplSet(tmp_path, members=2).start()
    try:
        yield replset
    finally:
        replset.stop()


def test_uninitiated_and_removed_members_are_ghosts(pair: ReplSet) -> None:
    first, second = pair.nodes
    reply = hello(first)
    assert list(reply) == ["topologyVersion", "isWritablePrimary", "secondary", "info", "isreplicaset",
                           *COMMON_TAIL[:-2]]
    assert reply["info"] == "Does not have a valid replica set config" and reply["isreplicaset"] is True
    pair.initiate()
    primary = pair.wait_for_primary()
    other = second if primary is first else first
    admin = primary.client().admin
    wait_until(lambda: admin.command("replSetGetConfig", commitmentStatus=True)["commitmentStatus"],
               "see the config committed")
    config = admin.command("replSetGetConfig")["config"]
    config["version"] += 1
    config["members"] = [m for m in config["members"] if m["host"] != other.address]
    admin.command("replSetReconfig", config)
    removed = wait_until(lambda: (h := hello(other)).get("isreplicaset") and h, "see the removed member a ghost")
    assert removed["info"] == "Does not have a valid replica set config"
    assert "setName" not in removed
    with pytest.raises(OperationFailure) as caught:
        other.client().admin.command("replSetGetStatus")
    assert caught.value.code == 93
    assert str(caught.value.details and caught.value.details["errmsg"]) == ("Our replica set config is invalid or "
                                                                           "we are not a member of it")
    assert hello(primary)["hosts"] == [primary.address]
