"""Elections, step-down, freeze, maintenance, reconfig and write-concern timeouts on real processes with fast
settings (heartbeat 200 ms, election timeout 1 s)."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pymongo.errors import NotPrimaryError, OperationFailure

from tests.support.rawwire import RawPeer
from tests.support.replset import ReplSet
from tests.support.simproc import SimProcess, wait_until


def failure(call: Any) -> dict[str, Any]:
    with pytest.raises((OperationFailure, NotPrimaryError)) as caught:
        call()
    error = caught.value
    details = error.details if isinstance(error, (OperationFailure, NotPrimaryError)) else None
    assert isinstance(details, dict), error
    return details


@pytest.fixture
def rs(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[ReplSet]:
    options = getattr(request, "param", {})
    replset = ReplSet(tmp_path, members=3, **options).start()
    try:
        yield replset
    finally:
        replset.stop()


def status_of(node: SimProcess) -> dict[str, Any]:
    return node.client().admin.command("replSetGetStatus")


def member(status: dict[str, Any], host: str) -> dict[str, Any]:
    return next(m for m in status["members"] if m["name"] == host)


def others(rs: ReplSet, node: SimProcess) -> list[SimProcess]:
    return [n for n in rs.nodes if n is not node]


# ------------------------------------------------------------------------------------------------ elections
def test_new_primary_after_the_primary_dies_and_down_member_shape(rs: ReplSet) -> None:
    rs.initiate()
    old = rs.wait_for_primary()
    old_term = status_of(old)["term"]
    old.kill()
    survivor = others(rs, old)[0]
    new = rs.wait_for_primary()
    assert new is not old
    status = status_of(new)
    assert status["term"] > old_term
    assert status["electionCandidateMetrics"]["lastElectionReason"] == "electionTimeout"
    down = wait_until(lambda: (m := member(status_of(survivor), old.address))["health"] == 0.0 and m,
                      "see the killed primary DOWN")
    assert down["state"] == 8 and down["stateStr"] == "(not reachable/healthy)"
    assert down["optime"] == {"ts": down["optime"]["ts"], "t": -1} and down["optime"]["ts"].time == 0
    assert down["configVersion"] == -1
    assert down["lastHeartbeatMessage"] == (f"Error connecting to {old.address} :: caused by :: "
                                            "Connection refused")
    hello = new.client().admin.command("hello")
    assert hello["electionId"].binary == b"\x7f\xff\xff\xff" + int(status["term"]).to_bytes(8, "big")
    assert any('"id":21450' in line for line in new.log_lines())  # "Election succeeded, assuming primary role"


@pytest.mark.parametrize("rs", [{"member_options": [{"priority": 3}, {}, {}]}], indirect=True)
def test_step_down_hands_off_and_priority_takes_over(rs: ReplSet) -> None:
    rs.initiate()
    high = rs.nodes[0]
    wait_until(lambda: rs.primary() is high, "see the highest-priority member primary")
    high.client().admin.command("replSetStepDown", 3, secondaryCatchUpPeriodSecs=2)
    handed = rs.wait_for_primary()
    assert handed is not high
    metrics = status_of(handed)["electionCandidateMetrics"]
    assert metrics["lastElectionReason"] == "stepUpRequestSkipDryRun"
    # Recorded only while the candidate still knows member 0 as primary: a heartbeat that already showed it
    # stepped down clears that, in mongod as here (getCurrentPrimaryMember at the start of the election).
    assert metrics.get("priorPrimaryMemberId", 0) == 0
    # After its 3 s of ineligibility the priority-3 member takes the primary role back.
    wait_until(lambda: rs.primary() is high, "see a priority takeover", timeout=60)
    assert status_of(high)["electionCandidateMetrics"]["lastElectionReason"] == "priorityTakeover"
    assert status_of(high)["electionParticipantMetrics"]["votedForCandidate"] is True


def test_maintenance_mode(rs: ReplSet) -> None:
    rs.initiate()
    primary = rs.wait_for_primary()
    secondary = others(rs, primary)[0]
    admin = secondary.client().admin
    admin.command("replSetMaintenance", True)
    assert status_of(secondary)["myState"] == 3
    peer = RawPeer(secondary.port)
    try:
        reply = peer.command({"find": "c", "$db": "test", "$readPreference": {"mode": "secondary"}}).doc
        assert (reply["code"], reply["codeName"]) == (13436, "NotPrimaryOrSecondary")
    finally:
        peer.close()
    hello = admin.command("hello")
    assert hello["secondary"] is False and hello["isWritablePrimary"] is False
    admin.command("replSetMaintenance", False)
    assert status_of(secondary)["myState"] == 2
    details = failure(lambda: admin.command("replSetMaintenance", False))
    assert (details["codeName"], details["errmsg"]) == ("OperationFailed", "already out of maintenance mode")
    details = failure(lambda: primary.client().admin.command("replSetMaintenance", True))
    assert (details["codeName"], details["errmsg"]) == ("NotSecondary", "primaries can't modify maintenance mode")


# ------------------------------------------------------------------------------------------------ reconfig
def test_reconfig_rules(rs: ReplSet) -> None:
    rs.initiate()
    primary = rs.wait_for_primary()
    admin = primary.client().admin
    wait_until(lambda: admin.command("replSetGetConfig", commitmentStatus=True)["commitmentStatus"],
               "see the initial config committed")
    config = admin.command("replSetGetConfig")["config"]
    voters = [m for m in config["members"] if m["host"] != primary.address]
    two = dict(config, version=config["version"] + 1,
               members=[dict(m, votes=0, priority=0) if m in voters else m for m in config["members"]])
    details = failure(lambda: admin.command("replSetReconfig", two))
    assert (details["code"], details["codeName"]) == (103, "NewReplicaSetConfigurationIncompatible")
    assert details["errmsg"] == "Non force replica set reconfig can only add or remove at most 1 voting member."
    same = dict(config)
    details = failure(lambda: admin.command("replSetReconfig", same))
    assert details["code"] == 103
    assert details["errmsg"].startswith("New replica set configuration version and term must be greater than old, "
                                        "but {version: 1, term: ")
    details = failure(lambda: others(rs, primary)[0].client().admin.command(
        "replSetReconfig", dict(config, version=config["version"] + 1)))
    assert details["code"] == 10107
    one = dict(config, version=config["version"] + 1,
               members=[dict(m, votes=0, priority=0) if m is voters[0] else m for m in config["members"]])
    admin.command("replSetReconfig", one)
    hello = admin.command("hello")
    assert hello["setVersion"] == config["version"] + 1
    assert hello["passives"] == [voters[0]["host"]]
    status = wait_until(lambda: (s := status_of(primary))["votingMembersCount"] == 2 and s, "count two voters")
    assert status["majorityVoteCount"] == 2
    wait_until(lambda: all(n.client().admin.command("replSetGetConfig")["config"]["version"] == hello["setVersion"]
                           for n in rs.nodes), "see the new config on every member")


def test_force_reconfig_on_a_secondary_bumps_the_version(rs: ReplSet) -> None:
    rs.initiate()
    primary = rs.wait_for_primary()
    secondary = others(rs, primary)[0]
    config = secondary.client().admin.command("replSetGetConfig")["config"]
    secondary.client().admin.command("replSetReconfig", dict(config, version=config["version"] + 1), force=True)
    forced = secondary.client().admin.command("replSetGetConfig")["config"]
    assert forced["version"] > config["version"] + 10000
    assert "term" not in forced
    wait_until(lambda: primary.client().admin.command("replSetGetConfig")["config"]["version"] == forced["version"],
               "see the forced config adopted through heartbeats")


# ------------------------------------------------------------------------------------------------ alone
@pytest.mark.parametrize("rs", [{"settings": {"heartbeatIntervalMillis": 200, "electionTimeoutMillis": 30000}}],
                         indirect=True)
def test_primary_without_its_secondaries(rs: ReplSet) -> None:
    """Majority writes time out and a step-down needs force once both secondaries are gone (a long election
    timeout keeps the primary in place meanwhile; replSetStepUp elects it without waiting for the timeout)."""
    rs.initiate(wait=False)
    first, secondary = rs.nodes[0], rs.nodes[1]
    wait_until(lambda: first.client().admin.command("replSetStepUp").get("ok") == 1.0, "step up the first member")
    rs.wait_healthy()
    admin = first.client().admin
    details = failure(lambda: admin.command("replSetFreeze", 10))
    assert details["codeName"] == "NotSecondary"
    assert details["errmsg"] == "cannot freeze node when primary or running for election. state: Primary"
    assert "info" not in secondary.client().admin.command("replSetFreeze", 60)
    assert secondary.client().admin.command("replSetFreeze", 0)["info"] == "unfreezing"
    db = first.client().test
    db.command("insert", "wc", documents=[{"_id": 0}], writeConcern={"w": "majority", "wtimeout": 20000})
    for node in rs.nodes[1:]:
        node.stop()
    reply = db.command("insert", "wc", documents=[{"_id": 1}], writeConcern={"w": "majority", "wtimeout": 300})
    assert reply["n"] == 1
    assert reply["writeConcernError"] == {
        "code": 64, "codeName": "WriteConcernFailed", "errmsg": "waiting for replication timed out",
        "errInfo": {"wtimeout": True, "writeConcern": {"w": "majority", "wtimeout": 300,
                                                       "provenance": "clientSupplied"}}}
    reply = db.command("insert", "wc", documents=[{"_id": 2}], writeConcern={"w": 2, "wtimeout": 200})
    assert reply["writeConcernError"]["code"] == 64
    assert db.wc.count_documents({}) == 3  # the writes themselves stay applied on the primary
    details = failure(lambda: admin.command("replSetStepDown", 10, secondaryCatchUpPeriodSecs=1))
    assert (details["code"], details["codeName"]) == (262, "ExceededTimeLimit")
    assert details["errmsg"].startswith("No electable secondaries caught up as of ")
    assert details["errmsg"].endswith("Please use the replSetStepDown command with the argument {force: true} to "
                                      "force node to step down.")
    assert admin.command("hello")["isWritablePrimary"] is True
    details = failure(lambda: admin.command("replSetStepDown", 5, secondaryCatchUpPeriodSecs=10))
    assert (details["code"], details["errmsg"]) == (2, "stepdown period must be longer than "
                                                       "secondaryCatchUpPeriodSecs")
    admin.command("replSetStepDown", 30, force=True)
    hello = admin.command("hello")
    assert hello["secondary"] is True and hello["isWritablePrimary"] is False


def test_added_member_is_newly_added_until_secondary(rs: ReplSet, tmp_path: Path) -> None:
    rs.initiate()
    primary = rs.wait_for_primary()
    admin = primary.client().admin
    wait_until(lambda: admin.command("replSetGetConfig", commitmentStatus=True)["commitmentStatus"],
               "see the initial config committed")
    fourth = SimProcess(tmp_path / "fourth", args=["--replSet", "rs0", "--oplogSize", "64"]).start()
    try:
        config = admin.command("replSetGetConfig")["config"]
        version = config["version"] + 1
        config = dict(config, version=version, members=[*config["members"], {"_id": 3, "host": fourth.address}])
        admin.command("replSetReconfig", config)
        # The primary's automatic reconfig gives the new member its vote once it is a SECONDARY.
        final = wait_until(lambda: (c := admin.command({"replSetGetConfig": 1, "$_internalIncludeNewlyAdded": True})[
            "config"])["version"] == version + 1 and c, "see newlyAdded removed by the primary")
        added = final["members"][3]
        assert added["host"] == fourth.address and added["votes"] == 1 and "newlyAdded" not in added
        assert wait_until(lambda: fourth.client().admin.command("hello")["secondary"], "see the new member SECONDARY")
        assert admin.command("replSetGetStatus")["votingMembersCount"] == 4
    finally:
        fourth.stop()
