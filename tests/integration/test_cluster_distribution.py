"""Data distribution of a sharded cluster with real data, against real simulator processes: a range-sharded
collection split over both shards, a hashed one, an unsharded one; the numbers `cluster distribution` and the
API report add up to what was inserted, and the API reads a cluster deployed here and one registered by
connection string alike."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.main import cli
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.secrets import read_admin_credentials
from mongo_admin.ops.cluster.state import open_cluster
from tests.support.clusters import deployed_cluster
from tests.support.platform_api import ApiHarness, make_settings, running_api
from tests.support.simproc import free_port_block

SPEC = """\
name: spread
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""
USERS = 1000
EVENTS = 300
NOTES = 20


@pytest.fixture
def api(home: Path, tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None) -> Iterator[ApiHarness]:
    """The API in the test's home (no background threads: the distribution is read per request)."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    with running_api(make_settings(db_path)) as harness:
        yield harness


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="mongo-admin")


def distribution_json() -> Any:
    result = run("--output", "json", "cluster", "distribution", "--cluster", "spread")
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def load_data(home: Path) -> tuple[dict[str, int], str, str]:
    """Shard app.users by uid with one chunk on each shard and app.events by hashed _id, insert into both and into
    the unsharded app.notes (the balancer stopped first, so nothing moves while the test reads); the BSON bytes
    inserted per collection, the primary shard of app and the other shard."""
    paths, record = open_cluster("spread", home)
    with ClusterAccess(paths, record).routers() as router:
        admin = router.admin
        admin.command("balancerStop")
        admin.command("enableSharding", "app")
        admin.command("shardCollection", "app.users", key={"uid": 1})
        admin.command("split", "app.users", middle={"uid": USERS // 2})
        primary = router.config.databases.find_one({"_id": "app"})["primary"]
        other = next(s["_id"] for s in admin.command("listShards")["shards"] if s["_id"] != primary)
        admin.command("moveChunk", "app.users", find={"uid": USERS // 2}, to=other)
        admin.command("shardCollection", "app.events", key={"_id": "hashed"})
        inserted: dict[str, list[dict[str, Any]]] = {
            "users": [{"uid": i, "name": f"user-{i:05d}"} for i in range(USERS)],
            "events": [{"kind": "login", "n": i} for i in range(EVENTS)],
            "notes": [{"text": "unsharded", "n": i} for i in range(NOTES)]}
        for name, documents in inserted.items():
            router.app[name].insert_many(documents)  # adds each document's _id, counted in its size below
    return ({name: sum(len(bson.encode(doc)) for doc in docs) for name, docs in inserted.items()}, primary, other)


def test_distribution_adds_up_to_what_was_inserted(home: Path, api: ApiHarness) -> None:
    with deployed_cluster(SPEC.format(base=free_port_block(10)), home):
        sizes, primary, other = load_data(home)
        paths, record = open_cluster("spread", home)
        with ClusterAccess(paths, record).routers() as router:
            events_uuid = router.config.collections.find_one({"_id": "app.events"})["uuid"]
            events_chunks = {shard: router.config.chunks.count_documents({"uuid": events_uuid, "shard": shard})
                             for shard in (primary, other)}

        seen = distribution_json()
        assert seen["cluster"] == "spread" and seen["server"].startswith("sandbox (mongosim")
        assert seen["balancer"] == {"mode": "off", "enabled": False, "running": False,
                                    "rounds": seen["balancer"]["rounds"]}
        assert seen["message"].endswith("; balancer disabled")

        collections = {c["namespace"]: c for c in seen["collections"]}
        assert set(collections) == {"app.users", "app.events"}  # the unsharded app.notes has no chunks
        assert collections["app.users"] == {"namespace": "app.users", "shard_key": {"uid": 1}, "chunks": 2,
                                            "documents": USERS, "orphaned_documents": 0, "size_bytes": sizes["users"]}
        assert collections["app.events"]["shard_key"] == {"_id": "hashed"}
        assert collections["app.events"]["documents"] == EVENTS
        assert collections["app.events"]["size_bytes"] == sizes["events"]
        assert collections["app.events"]["chunks"] == sum(events_chunks.values())

        rows = {(r["namespace"], r["shard"]): r for r in seen["collection_shards"]}
        half = USERS // 2
        assert rows[("app.users", primary)] == {"namespace": "app.users", "shard": primary, "chunks": 1,
                                                "documents": half, "orphaned_documents": 0,
                                                "size_bytes": sizes["users"] // 2}
        assert rows[("app.users", other)]["documents"] == USERS - half
        assert rows[("app.users", other)]["chunks"] == 1
        assert sum(r["documents"] for (ns, _), r in rows.items() if ns == "app.events") == EVENTS
        for shard, chunks in events_chunks.items():
            assert rows.get(("app.events", shard), {"chunks": 0})["chunks"] == chunks

        shards = {s["name"]: s for s in seen["shards"]}
        assert set(shards) == {primary, other}
        for name, shard in shards.items():
            assert shard["chunks"] == sum(r["chunks"] for (_, s), r in rows.items() if s == name)
            assert shard["orphaned_documents"] == 0
            assert shard["storage_size_bytes"] is not None and shard["storage_size_bytes"] > 0
        # The unsharded collection lives on the database's primary shard.
        assert shards[primary]["documents"] == sum(r["documents"] for (_, s), r in rows.items() if s == primary) + NOTES
        assert seen["totals"] == {
            "shards": 2, "sharded_collections": 2, "chunks": 2 + sum(events_chunks.values()),
            "documents": USERS + EVENTS + NOTES, "orphaned_documents": 0, "data_size_bytes": sum(sizes.values()),
            "storage_size_bytes": sum(s["storage_size_bytes"] for s in shards.values())}

        table = run("cluster", "distribution", "--cluster", "spread")
        assert table.exit_code == 0, table.output
        assert table.stdout.splitlines()[0] == seen["message"]

        # The API: the same reading of the cluster deployed here; the same again through a connection string.
        registered = api.client.post("/api/v1/clusters", json={"deployed": "spread"}, headers=api.headers("admin"))
        assert registered.status_code == 201, registered.text
        answer = api.client.get("/api/v1/clusters/spread/distribution", headers=api.headers("viewer"))
        assert answer.status_code == 200, answer.text
        assert answer.json() == seen

        admin = read_admin_credentials(paths.admin_credentials)
        remote = api.client.post("/api/v1/clusters", headers=api.headers("admin"), json={
            "name": "spread-remote", "connection_string": record.layout.router_uri(), "username": admin.user,
            "password": admin.password})
        assert remote.status_code == 201, remote.text
        answer = api.client.get("/api/v1/clusters/spread-remote/distribution", headers=api.headers("viewer"))
        assert answer.status_code == 200, answer.text
        assert answer.json() == {**seen, "cluster": "spread-remote",
                                 "message": seen["message"].replace("cluster spread:", "cluster spread-remote:")}

        # A replica set is not a sharded cluster: no distribution to read.
        member = record.layout.members(record.layout.shard_sets[0])[0]
        shard_only = api.client.post("/api/v1/clusters", headers=api.headers("admin"), json={
            "name": "one-shard", "connection_string": f"mongodb://{member.address}/", "username": admin.user,
            "password": admin.password})
        assert shard_only.status_code == 201, shard_only.text
        refused = api.client.get("/api/v1/clusters/one-shard/distribution", headers=api.headers("viewer"))
        assert refused.status_code == 409
        assert refused.json() == {"detail": "cluster one-shard is not a sharded cluster: its connection string "
                                            "reaches no mongos router; fix: register the cluster by its routers' "
                                            "addresses"}
