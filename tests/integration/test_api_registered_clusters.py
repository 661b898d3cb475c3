"""A cluster registered by connection string, against real simulator processes with access control on (a keyfile,
and a monitoring user created through the routers and, shard-local, on every shard): its poller discovers the
members and routers, collects their metrics with the stored credentials, keeps the topology snapshot that cluster
detail serves (a stopped router shows only after ``refresh=true`` or the next round), finds a shard added later,
and stops when the cluster is unregistered. With the background off, detail reads the cluster live once and
serves that reading afterwards.
"""

from __future__ import annotations

import os
import shutil
import threading
import time
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from tests.support.platform_api import ApiHarness, make_settings, running_api
from tests.support.sharded import ShardedCluster
from tests.support.simproc import wait_until

pytestmark = pytest.mark.timeout(300)
KEY = "cmVnaXN0ZXJlZENsdXN0ZXJLZXlGb3JUZXN0cw=="
USER, PASSWORD = "monitor", "Monitor-pw-42"


def _create_user(client: Any) -> None:
    """The monitoring user, through the localhost exception of a router (stored on the config servers) or of a
    shard member (a shard-local user, for direct connections)."""
    client.admin.command("createUser", USER, pwd=PASSWORD, roles=["root"])


@pytest.fixture
def cluster(tmp_path: Path) -> Iterator[ShardedCluster]:
    """A 1-member config server replica set, one 1-member shard and two routers."""
    keyfile = tmp_path / "keyfile"
    keyfile.write_text(KEY)
    os.chmod(keyfile, 0o600)
    sharded = ShardedCluster(tmp_path / "cluster", shards=1, members=1, config_members=1, routers=2, keyfile=keyfile)
    try:
        sharded.start()
        _create_user(sharded.client())
        _create_user(sharded.shard("shard0").nodes[0].client())
        yield sharded
    finally:
        sharded.stop()


@pytest.fixture
def polled_api(tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None) -> Iterator[ApiHarness]:
    """The API with its pollers running; one round an hour, so the test decides when the next one happens."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path, background=True, scheduler_enabled=False, metrics_interval_s=3600.0)
    with running_api(settings) as harness:
        yield harness


def register(api: ApiHarness, cluster: ShardedCluster) -> None:
    uri = "mongodb://" + ",".join(router.address for router in cluster.routers) + "/"
    created = api.client.post("/api/v1/clusters", headers=api.headers("admin"),
                              json={"name": "remote", "connection_string": uri, "username": USER,
                                    "password": PASSWORD})
    assert created.status_code == 201, created.text


def detail(api: ApiHarness, **params: str) -> dict[str, Any]:
    response = api.client.get("/api/v1/clusters/remote", params=params, headers=api.headers("viewer"))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert PASSWORD not in response.text
    return body


def latest_nodes(api: ApiHarness) -> dict[str, dict[str, Any]]:
    response = api.client.get("/api/v1/clusters/remote/metrics/latest", headers=api.headers("viewer"))
    assert response.status_code == 200, response.text
    # The interval this API collects at (for a chart's finest step); none without background threads.
    assert response.json()["interval_s"] == (3600.0 if api.settings.background else None)
    return {node["node"]: node for node in response.json()["nodes"]}


def observed(body: dict[str, Any]) -> datetime:
    return datetime.fromisoformat(body["observed_at"])


def router_states(body: dict[str, Any]) -> dict[str, str]:
    return {router["address"]: router["state"] for router in body["topology"]["routers"]}


def test_registered_cluster_is_polled_and_detail_comes_from_its_snapshot(cluster: ShardedCluster,
                                                                         polled_api: ApiHarness) -> None:
    api = polled_api
    router0, router1 = (router.address for router in cluster.routers)
    register(api, cluster)
    poller = api.client.app.state.pollers["remote"]  # type: ignore[attr-defined]

    # The first round discovered every member and both routers, and polled them with the stored credentials.
    nodes = wait_until(lambda: latest_nodes(api), "see the first round of the registered cluster's poller")
    assert set(nodes) == {"router-0", "router-1", "cfg-0", "shard0-0"}
    assert all(node["up"] for node in nodes.values()), nodes
    assert nodes["router-0"]["values"]["connections.current"] >= 1
    assert "storage.size_bytes" in nodes["shard0-0"]["values"]
    series = api.client.get("/api/v1/clusters/remote/metrics/series", headers=api.headers("viewer"),
                            params={"node": "router-1", "metric": "connections.current", "step": 3600}).json()
    assert [point["value"] for point in series["points"] if point["value"] is not None]

    # Detail is that round's snapshot.
    first = detail(api)
    assert (first["status"], first["stale"], first["error"]) == ("healthy", True, None)
    assert first["observed_at"] is not None and first["age_s"] >= 0
    assert router_states(first) == {router0: "UP", router1: "UP"}
    # Routers are router-0, router-1, ... in the order the topology lists them (by address).
    stopped = f"router-{[router['address'] for router in first['topology']['routers']].index(router1)}"
    assert [(shard["id"], [m["state"] for m in shard["members"]]) for shard in first["topology"]["shards"]] == [
        ("shard0", ["PRIMARY"])]
    assert first["topology"]["config_servers"]["members"][0]["state"] == "PRIMARY"
    # Typed: the registered shape, with what buildInfo says of the server.
    assert (first["topology"]["source"], first["topology"]["kind"], first["topology"]["simulator"]) == (
        "registered", "sharded", True)
    assert first["topology"]["server"].startswith("sandbox (mongosim ") and first["topology"]["version"]
    assert first["health"] is None

    # A router stops: the snapshot still shows it up, until a live reading is asked for.
    cluster.routers[1].stop()
    cached = detail(api)
    assert (cached["stale"], cached["observed_at"], cached["status"]) == (True, first["observed_at"], "healthy")
    assert router_states(cached) == {router0: "UP", router1: "UP"}
    live = detail(api, refresh="true")
    assert (live["stale"], live["status"]) == (False, "degraded")
    assert observed(live) > observed(first)
    assert router_states(live) == {router0: "UP", router1: "DOWN"}
    kept = detail(api)
    assert (kept["stale"], kept["observed_at"], kept["status"]) == (True, live["observed_at"], "degraded")

    # A shard added later is found by the next round, which polls its member too.
    added = cluster.start_shard(members=1)
    _create_user(added.nodes[0].client())
    with cluster.client(0, username=USER, password=PASSWORD) as admin:
        admin.admin.command("addShard", cluster.connection_string(added), name=added.name)
    sample = poller.round()
    polled = {node.node: node for node in sample.nodes}
    assert set(polled) == {"router-0", "router-1", "cfg-0", "shard0-0", "shard1-0"}
    assert polled["shard1-0"].ok and polled["shard1-0"].values
    assert [node for node, sample in polled.items() if not sample.ok] == [stopped]
    assert {node for node, row in latest_nodes(api).items() if not row["up"]} == {stopped}
    after = detail(api)
    assert after["stale"] is True and observed(after) > observed(live)
    assert [shard["id"] for shard in after["topology"]["shards"]] == ["shard0", "shard1"]

    # Unregistering stops the poller and forgets the snapshot.
    assert api.client.delete("/api/v1/clusters/remote", headers=api.headers("admin")).status_code == 204
    background = api.client.app.state.background  # type: ignore[attr-defined]
    assert "remote" not in background.pollers and "remote" not in background.snapshots
    assert not [thread for thread in threading.enumerate() if thread.name == "metrics-remote"]


def test_without_pollers_detail_reads_live_once_then_serves_that_reading(cluster: ShardedCluster,
                                                                         api: ApiHarness) -> None:
    register(api, cluster)
    assert "remote" not in api.client.app.state.pollers  # type: ignore[attr-defined]
    first = detail(api)
    assert (first["status"], first["stale"], first["error"]) == ("healthy", False, None)
    assert len(first["topology"]["routers"]) == 2
    second = detail(api)
    assert (second["stale"], second["observed_at"]) == (True, first["observed_at"])
    refreshed = detail(api, refresh="true")
    assert refreshed["stale"] is False and observed(refreshed) > observed(first)
    assert latest_nodes(api) == {}


def test_a_live_page_bounds_the_age_of_what_it_is_served(cluster: ShardedCluster, api: ApiHarness) -> None:
    register(api, cluster)
    first = detail(api)
    kept = detail(api, max_age_s="3600")
    assert (kept["stale"], kept["observed_at"]) == (True, first["observed_at"])
    time.sleep(1.2)  # the kept snapshot is now older than the page accepts
    fresh = detail(api, max_age_s="1")
    assert fresh["stale"] is False and observed(fresh) > observed(first)
    refused = api.client.get("/api/v1/clusters/remote", params={"max_age_s": "0"}, headers=api.headers("viewer"))
    assert refused.status_code == 422 and "max_age_s" in refused.json()["detail"]
