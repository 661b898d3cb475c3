"""Replica-set scenarios as an application and an operator live them, through pymongo against simulator
processes: discovery and failover, initial sync of an added member, the reconfig rules, and invalid
replSetInitiate configs. Expected replies are MongoDB 8.0's (codes and messages from the server source)."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from pymongo.errors import OperationFailure, PyMongoError
from pymongo.write_concern import WriteConcern

from tests.support.replset import ReplSet, running_replset
from tests.support.simproc import SimProcess, free_port, wait_until

pytestmark = pytest.mark.slow

Client = pymongo.MongoClient[dict[str, Any]]
MAJORITY = WriteConcern("majority", wtimeout=20000)


def address(node: SimProcess) -> tuple[str, int]:
    return ("127.0.0.1", node.port)


def refused(client: Client, command: dict[str, Any]) -> tuple[int | None, str, str]:
    """The refusal of ``command``: (code, codeName, errmsg)."""
    with pytest.raises(OperationFailure) as caught:
        client.admin.command(command)
    details = caught.value.details or {}
    return caught.value.code, str(details.get("codeName")), str(details.get("errmsg"))


def member_states(client: Client) -> dict[str, str]:
    return {m["name"]: m["stateStr"] for m in client.admin.command("replSetGetStatus")["members"]}


def new_member(workdir: Path, rs: ReplSet) -> SimProcess:
    return SimProcess(workdir, args=["--replSet", rs.name, "--oplogSize", "64"])


def test_driver_discovers_the_set_and_follows_a_stepdown(tmp_path: Path) -> None:
    with running_replset(tmp_path / "rs") as rs:
        client = rs.client()
        things = client.app.things
        things.insert_one({"_id": 0})
        primary = rs.wait_for_primary()

        def discovered() -> dict[tuple[str, int | None], str] | None:
            description = client.topology_description
            kinds = {addr: sd.server_type_name for addr, sd in description.server_descriptions().items()}
            if description.topology_type_name != "ReplicaSetWithPrimary":
                return None
            return kinds if sorted(kinds.values()) == ["RSPrimary", "RSSecondary", "RSSecondary"] else None

        kinds = wait_until(discovered, "discover the primary and both secondaries")
        assert {f"{host}:{port}" for host, port in kinds} == set(rs.hosts)
        assert client.topology_description.replica_set_name == "rs0"
        assert client.primary == address(primary)
        assert client.secondaries == {address(node) for node in rs.nodes if node is not primary}

        assert client.admin.command({"replSetStepDown": 30, "secondaryCatchUpPeriodSecs": 10})["ok"] == 1.0
        # A retryable write: the old primary answers NotWritablePrimary, pymongo selects the new primary and
        # retries; nobody tells it where the new primary is.
        things.with_options(write_concern=MAJORITY).insert_one({"_id": 1})
        new_primary = rs.wait_for_primary()
        assert new_primary is not primary
        wait_until(lambda: client.primary == address(new_primary), "see pymongo follow the new primary")
        wait_until(lambda: address(primary) in client.secondaries, "see pymongo find the old primary a secondary")
        assert sorted(doc["_id"] for doc in things.find()) == [0, 1]


def test_driver_follows_a_killed_primary(tmp_path: Path) -> None:
    with running_replset(tmp_path / "rs") as rs:
        client = rs.client()
        things = client.app.get_collection("things", write_concern=MAJORITY)
        things.insert_one({"_id": 0})
        old = rs.wait_for_primary()
        old.kill()
        things.insert_one({"_id": 1})  # retryable write: waits for the election, then succeeds
        new = rs.wait_for_primary()
        assert new is not old
        wait_until(lambda: client.primary == address(new), "see pymongo follow the new primary")
        wait_until(lambda: client.topology_description.server_descriptions()[address(old)].server_type_name
                   == "Unknown", "see pymongo mark the killed primary Unknown")
        assert sorted(doc["_id"] for doc in things.find()) == [0, 1]
        states = wait_until(lambda: (s := member_states(client))[old.address] == "(not reachable/healthy)" and s,
                            "see the new primary report the killed member down")
        assert sorted(states.values()) == ["(not reachable/healthy)", "PRIMARY", "SECONDARY"]


def user_data(client: Client) -> dict[str, list[dict[str, Any]]]:
    """Every user collection's documents in ``_id`` order, keyed ``db.collection``."""
    data = {}
    for db_name in client.list_database_names():
        if db_name in ("admin", "config", "local"):
            continue
        for coll_name in client[db_name].list_collection_names():
            if not coll_name.startswith("system."):
                data[f"{db_name}.{coll_name}"] = list(client[db_name][coll_name].find().sort("_id", 1))
    return data


def index_specs(client: Client, namespace: str) -> list[tuple[str, Any]]:
    db_name, coll_name = namespace.split(".", 1)
    return sorted((ix["name"], list(ix["key"].items())) for ix in client[db_name][coll_name].list_indexes())


def test_added_member_initial_syncs_a_set_holding_data_and_receiving_writes(tmp_path: Path) -> None:
    with running_replset(tmp_path / "rs") as rs:
        client = rs.client()
        shop = client.get_database("shop", write_concern=MAJORITY)
        shop.orders.insert_many([{"_id": i, "qty": i % 7, "sku": f"s{i % 13}"} for i in range(600)])
        shop.orders.create_index([("sku", 1), ("qty", -1)], name="sku_qty")
        shop.customers.insert_many([{"_id": i, "tier": "gold" if i % 3 == 0 else "basic"} for i in range(300)])
        shop.customers.update_many({"tier": "gold"}, {"$set": {"vip": True}, "$inc": {"visits": 2}})
        shop.customers.delete_many({"_id": {"$lt": 20}})
        client.get_database("logs", write_concern=MAJORITY).events.insert_many(
            [{"msg": f"event {i}", "n": i} for i in range(200)])

        stop = threading.Event()
        written: list[int] = []
        errors: list[BaseException] = []

        def writer() -> None:
            stream = client.shop.stream
            while not stop.is_set():
                try:
                    stream.insert_one({"_id": len(written), "payload": "x" * 100})
                    written.append(len(written))
                except PyMongoError as exc:  # recorded, and the test fails on it below
                    errors.append(exc)
                    return

        newcomer = new_member(tmp_path / "node3", rs).start()
        thread = threading.Thread(target=writer, daemon=True)
        thread.start()
        try:
            config = client.admin.command("replSetGetConfig")["config"]
            config["version"] += 1
            config["members"].append({"_id": 3, "host": newcomer.address})
            client.admin.command({"replSetReconfig": config})
            wait_until(lambda: member_states(client).get(newcomer.address) == "SECONDARY",
                       "see the added member finish initial sync and become SECONDARY", 120)
            writes_during_sync = len(written)
        finally:
            stop.set()
            thread.join(30)
        try:
            assert errors == []
            assert writes_during_sync > 0
            expected = user_data(client)
            assert {ns: len(docs) for ns, docs in expected.items()} == {
                "shop.orders": 600, "shop.customers": 280, "logs.events": 200, "shop.stream": len(written)}
            direct = newcomer.client()
            wait_until(lambda: user_data(direct) == expected,
                       "see the new member hold exactly the primary's documents", 60)
            for namespace in expected:
                assert index_specs(direct, namespace) == index_specs(client, namespace)

            def newly_added_cleared() -> bool:
                members = client.admin.command("replSetGetConfig")["config"]["members"]
                added = next(m for m in members if m["host"] == newcomer.address)
                return "newlyAdded" not in added and added["votes"] == 1
            wait_until(newly_added_cleared, "see the primary clear newlyAdded once the member is SECONDARY")
            # While newlyAdded its priority counts as 0 (hello lists it under passives); once the config without
            # it reaches the member, it is an electable host like the others.
            def electable_hello() -> dict[str, Any] | None:
                hello: dict[str, Any] = direct.admin.command("hello")
                return hello if newcomer.address in hello["hosts"] else None
            hello = wait_until(electable_hello, "see the new member list itself among the electable hosts")
            assert (hello["secondary"], hello["setName"], hello["me"]) == (True, "rs0", newcomer.address)
            assert sorted(hello["hosts"]) == sorted([*rs.hosts, newcomer.address])
        finally:
            newcomer.stop()


def test_reconfig_changing_two_voting_members_at_once_is_refused_and_the_set_keeps_working(tmp_path: Path) -> None:
    """The rule (repl_set_config_checks.cpp validateSingleNodeChange): the voting member ids of the old and the new
    config may differ by at most one. New voting members do not count while they carry ``newlyAdded`` (5.0+), so
    MongoDB 8.0 accepts adding two at once (the server's jstest "Tests adding two non-voting nodes to the replica
    set at the same time" does exactly that); removing two voters, or taking the vote from two, is refused. The
    check's own status is InvalidReplicaSetConfig, but replSetReconfig reports every validation failure as
    NewReplicaSetConfigurationIncompatible (103), as drivers see it from real servers, e.g.
    "replSetReconfig: (NewReplicaSetConfigurationIncompatible) Non force replica set reconfig can only add or
    remove at most 1 voting member" (apecloud/kubeblocks#6484)."""
    with running_replset(tmp_path / "rs") as rs:
        client = rs.client()
        before = client.admin.command("replSetGetConfig")["config"]
        primary_host = rs.wait_for_primary().address
        keep = [m for m in before["members"] if m["host"] == primary_host]
        others = [m for m in before["members"] if m["host"] != primary_host]
        removed = {**before, "version": before["version"] + 1, "members": keep}
        demoted = {**before, "version": before["version"] + 1,
                   "members": keep + [{**m, "votes": 0, "priority": 0} for m in others]}
        for config in (removed, demoted):
            assert refused(client, {"replSetReconfig": config}) == (
                103, "NewReplicaSetConfigurationIncompatible",
                "Non force replica set reconfig can only add or remove at most 1 voting member.")
        code, code_name, message = refused(client, {"replSetReconfig": before})
        assert (code, code_name) == (103, "NewReplicaSetConfigurationIncompatible")
        assert message.startswith("New replica set configuration version and term must be greater than old, but ")

        after = client.admin.command("replSetGetConfig")["config"]
        assert after["version"] == before["version"]
        assert [(m["host"], m["votes"]) for m in after["members"]] == [(host, 1) for host in rs.hosts]
        client.app.get_collection("things", write_concern=MAJORITY).insert_one({"_id": "still writable"})
        assert sorted(member_states(client).values()) == ["PRIMARY", "SECONDARY", "SECONDARY"]

        extras = [new_member(tmp_path / f"extra{i}", rs).start() for i in range(2)]
        try:
            additions = [{"_id": 3 + i, "host": extra.address} for i, extra in enumerate(extras)]
            client.admin.command({"replSetReconfig": {**after, "version": after["version"] + 1,
                                                      "members": [*after["members"], *additions]}})

            def settled() -> bool:
                config = client.admin.command("replSetGetConfig")["config"]
                status = client.admin.command("replSetGetStatus")
                counts = [status[key] for key in ("votingMembersCount", "majorityVoteCount", "writeMajorityCount")]
                return (sorted(m["stateStr"] for m in status["members"]) == ["PRIMARY"] + ["SECONDARY"] * 4
                        and not any("newlyAdded" in m for m in config["members"]) and counts == [5, 3, 3])
            wait_until(settled, "see both added members sync, become SECONDARY, lose newlyAdded and vote", 120)
            client.app.get_collection("things", write_concern=MAJORITY).insert_one({"_id": "five members"})
        finally:
            for extra in extras:
                extra.stop()


@pytest.fixture
def uninitiated(tmp_path: Path) -> Iterator[ReplSet]:
    rs = ReplSet(tmp_path / "rs").start()
    try:
        yield rs
    finally:
        rs.stop()


def members(*specs: dict[str, Any]) -> list[dict[str, Any]]:
    return [{"_id": index, **spec} for index, spec in enumerate(specs)]


def test_invalid_initiate_configs_get_the_real_errors_and_a_correct_initiate_still_works(
        uninitiated: ReplSet) -> None:
    rs = uninitiated
    a, b, c = rs.hosts
    dead = f"127.0.0.1:{free_port()}"
    node = rs.nodes[0].client()
    # (config, code, codeName, the server's message: whole, or the part after the member's context)
    exact = [
        ({"_id": "rs0", "members": members({"host": a}, {"host": a})}, 93, "InvalidReplicaSetConfig",
         f"Found two member configurations with same host field, members.0.host == members.1.host == {a}"),
        ({"_id": "other", "members": members({"host": a}, {"host": b}, {"host": c})}, 93, "InvalidReplicaSetConfig",
         "Rejecting initiate with a set name that differs from command line set name, initiate set name: other, "
         "command line set name: rs0"),
    ]
    for config, code, code_name, message in exact:
        assert refused(node, {"replSetInitiate": config}) == (code, code_name, message)
    contains = [
        ({"_id": "rs0", "members": members({"host": a}, {"host": b, "votes": 2}, {"host": c})}, 93,
         "InvalidReplicaSetConfig", "BSON field 'votes' value must be <= 1, actual value '2'"),
        ({"_id": "rs0", "members": members({"host": a}, {"host": b, "priority": 1001}, {"host": c})}, 93,
         "InvalidReplicaSetConfig", "value must be <= 1000, actual value '1001'"),
        ({"_id": "rs0", "members": members({"host": a}, {"host": b, "votes": 0, "priority": 1}, {"host": c})}, 93,
         "InvalidReplicaSetConfig", "priority must be 0 when non-voting (votes:0)"),
        ({"_id": "rs0", "members": members({"host": a}, {"host": b}, {"host": dead})}, 74, "NodeNotFound",
         "replSetInitiate quorum check failed because not all proposed set members responded affirmatively: "
         f"{dead} failed with "),
    ]
    for config, code, code_name, message in contains:
        got_code, got_name, got_message = refused(node, {"replSetInitiate": config})
        assert (got_code, got_name) == (code, code_name), got_message
        assert message in got_message
    assert "Connection refused" in got_message  # the quorum check says why the member did not answer

    for each in rs.nodes:  # nothing was half-initiated anywhere
        hello = each.client().admin.command("hello")
        assert (hello["isreplicaset"], hello.get("setName")) == (True, None)
        assert refused(each.client(), {"replSetGetStatus": 1}) == (
            94, "NotYetInitialized", "no replset config has been received")

    rs.initiate()
    client = rs.client()
    client.app.get_collection("things", write_concern=MAJORITY).insert_one({"_id": 1})
    assert sorted(member_states(client).values()) == ["PRIMARY", "SECONDARY", "SECONDARY"]
