"""User management and authentication through mongos, without --auth (until internal keyfile authentication
exists): users and roles live on the config server replica set, the router forwards the commands there and
authenticates clients from its copy of the config servers' users."""

from __future__ import annotations

from typing import Any

import pytest
from pymongo.errors import OperationFailure

from tests.support.sharded import ShardedCluster


def _config_primary_users(cluster: ShardedCluster) -> dict[str, dict[str, Any]]:
    primary = cluster.config.wait_for_primary()
    docs = cluster.config.probe(primary).admin["system.users"].find()
    return {doc["_id"]: doc for doc in docs}


def test_users_created_through_mongos_live_on_the_config_servers(small_cluster: ShardedCluster) -> None:
    router = small_cluster.router_client()
    router.orders.command("createUser", "svc", pwd="svc-Password-1", roles=["readWrite"],
                          customData={"owner": "billing"})
    stored = _config_primary_users(small_cluster)["orders.svc"]
    assert list(stored) == ["_id", "userId", "user", "db", "credentials", "customData", "roles"]
    assert list(stored["credentials"]) == ["SCRAM-SHA-1", "SCRAM-SHA-256"]
    assert "svc-Password-1" not in str(stored)
    for shard in small_cluster.shards:
        shard_primary = shard.wait_for_primary()
        assert shard.probe(shard_primary).admin["system.users"].find_one({"_id": "orders.svc"}) is None
    [info] = router.orders.command("usersInfo", "svc")["users"]
    assert list(info) == ["_id", "userId", "user", "db", "customData", "roles", "mechanisms"]
    assert info["roles"] == [{"role": "readWrite", "db": "orders"}]
    with pytest.raises(OperationFailure) as duplicate:
        router.orders.command("createUser", "svc", pwd="other-pw", roles=[])
    assert duplicate.value.code == 51003
    assert (duplicate.value.details or {}).get("errmsg") == 'User "svc@orders" already exists'


@pytest.mark.parametrize("mechanism", ["SCRAM-SHA-256", "SCRAM-SHA-1"])
def test_mongos_authenticates_users_of_the_config_servers(small_cluster: ShardedCluster, mechanism: str) -> None:
    router = small_cluster.router_client()
    name = f"reader{mechanism[-1]}"
    router.reports.command("createUser", name, pwd="Reader-pw-7", roles=["read"])
    client = small_cluster.client(username=name, password="Reader-pw-7", authSource="reports",
                                  authMechanism=mechanism)
    status = client.reports.command("connectionStatus")["authInfo"]
    assert status["authenticatedUsers"] == [{"user": name, "db": "reports"}]
    assert status["authenticatedUserRoles"] == [{"role": "read", "db": "reports"}]
    with pytest.raises(OperationFailure) as wrong:
        small_cluster.client(username=name, password="nope-nope", authSource="reports").reports.command("ping")
    assert wrong.value.code == 18


def test_roles_and_drops_through_mongos(small_cluster: ShardedCluster) -> None:
    router = small_cluster.router_client()
    db = router.stock
    db.command("createRole", "picker", privileges=[
        {"resource": {"db": "stock", "collection": "bins"}, "actions": ["find"]}], roles=["read"])
    [role] = db.command("rolesInfo", "picker", showPrivileges=True)["roles"]
    assert role["privileges"] == [{"resource": {"db": "stock", "collection": "bins"}, "actions": ["find"]}]
    assert role["inheritedRoles"] == [{"role": "read", "db": "stock"}]
    db.command("createUser", "temp", pwd="Temp-pw-3", roles=["picker"])
    small_cluster.client(username="temp", password="Temp-pw-3", authSource="stock").stock.command("ping")
    db.command("dropUser", "temp")
    assert "stock.temp" not in _config_primary_users(small_cluster)
    with pytest.raises(OperationFailure) as gone:
        small_cluster.client(username="temp", password="Temp-pw-3", authSource="stock").stock.command("ping")
    assert gone.value.code == 18
    with pytest.raises(OperationFailure) as missing:
        db.command("dropRole", "ghost")
    assert missing.value.code == 31
    db.command("dropRole", "picker")
    assert db.command("rolesInfo", "picker")["roles"] == []
