"""Restores of real backups into real simulator clusters (auth on): a whole cluster in place and into another
cluster with other shard names, one shard, selected namespaces with a rename, the config servers only, and the
preflight refusing damaged, incomplete and encrypted backups before touching any data."""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pymongo
import pytest
from click.testing import CliRunner
from pymongo import IndexModel

from mongo_admin.cli.main import cli
from mongo_admin.ops.backup.encryption import EncryptionKey
from mongo_admin.ops.backup.engine import BackupOptions, create_backup, storage_for
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.restore import (
    RestoreEvent,
    RestoreOptions,
    RestoreRefusedError,
    restore_cluster,
    restore_config,
    restore_namespaces,
    restore_shard,
)
from mongo_admin.ops.restore.record import read_restore_record
from tests.support.simproc import free_port_block

Client = pymongo.MongoClient[dict[str, Any]]
SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{name: {first}, members: 1}}, {{name: {second}, members: 3}}]
  routers: 1
ports: {{base: {base}}}
"""


def deploy(home: Path, tmp_path: Path, name: str, first: str = "shard0", second: str = "shard1") -> ClusterAccess:
    spec = tmp_path / f"{name}.yaml"
    spec.write_text(SPEC.format(name=name, first=first, second=second, base=free_port_block(10)))
    result = CliRunner(catch_exceptions=False).invoke(cli, ["--output", "json", "cluster", "deploy", "-f", str(spec)])
    assert result.exit_code == 0, result.output
    paths, record = open_cluster(name, home)
    return ClusterAccess(paths, record)


@pytest.fixture
def clusters(home: Path) -> Iterator[list[str]]:
    """Names of the clusters a test deploys; each is destroyed afterwards (the ``home`` fixture kills leftovers)."""
    names: list[str] = []
    yield names
    for name in names:
        with contextlib.suppress(Exception):
            CliRunner().invoke(cli, ["cluster", "destroy", "--yes", "--cluster", name])


def populate(access: ClusterAccess) -> None:
    with access.routers(timeout_s=30.0) as client:
        client.admin.command("enableSharding", "app", primaryShard=access.record.layout.shard_sets[0])
        client.admin.command("shardCollection", "app.hashed", key={"k": "hashed"})
        client.app.hashed.insert_many([{"k": i, "v": "x" * 10} for i in range(400)])
        client.admin.command("shardCollection", "app.ranged", key={"r": 1})
        client.admin.command("split", "app.ranged", middle={"r": 250})
        client.admin.command("moveChunk", "app.ranged", find={"r": 300}, to=access.record.layout.shard_sets[1])
        client.app.ranged.insert_many([{"r": i} for i in range(500)])
        now = dt.datetime.now(dt.UTC).replace(microsecond=0)
        client.app.plain.insert_many([{"_id": i, "a": i, "b": i % 7, "email": f"u{i}@x", "ts": now,
                                       **({"s": i} if i % 2 else {})} for i in range(300)])
        client.app.plain.create_indexes([
            IndexModel([("email", 1)], unique=True), IndexModel([("a", 1), ("b", -1)]),
            IndexModel([("b", 1)], partialFilterExpression={"a": {"$gt": 10}}, name="b_partial"),
            IndexModel([("ts", 1)], expireAfterSeconds=3600), IndexModel([("s", 1)], sparse=True),
            IndexModel([("email", 1), ("b", 1)], collation={"locale": "en", "strength": 2}, name="ci"),
            IndexModel([("b", 1), ("a", 1)], hidden=True, name="hid")])
        client.app.create_collection("capped", capped=True, size=4096, max=50)
        client.app.capped.insert_many([{"n": i} for i in range(80)])
        client.app.command("create", "v", viewOn="plain", pipeline=[{"$match": {"b": 1}}])
        client.app.command("createRole", "reader2", roles=[],
                           privileges=[{"resource": {"db": "app", "collection": "plain"}, "actions": ["find"]}])
        client.app.command("createUser", "alice", pwd="alice-pw", roles=["reader2", {"role": "readWrite", "db": "app"}])


def snapshot(access: ClusterAccess, mapping: dict[str, str] | None = None) -> dict[str, Any]:
    """Everything a restore must bring back, read through a router; shard names through ``mapping``."""
    mapping = mapping or {}
    state: dict[str, Any] = {}
    with access.routers(timeout_s=30.0) as client:
        for db in ("app", "restored"):
            for info in sorted(client[db].list_collections(), key=lambda i: i["name"]):
                name = info["name"]
                if name.startswith("system."):
                    continue
                entry: dict[str, Any] = {"type": info["type"], "options": info.get("options")}
                if info["type"] == "collection":
                    entry["documents"] = list(client[db][name].find({}, {"_id": 1, "k": 1, "r": 1, "a": 1, "n": 1})
                                              .sort("_id", 1))
                    entry["indexes"] = {k: {f: v for f, v in spec.items() if f != "ns"}
                                        for k, spec in client[db][name].index_information().items()}
                state[f"{db}.{name}"] = entry
        users = client.admin.command({"usersInfo": {"forAllDBs": True}})["users"]
        state["users"] = sorted((u["_id"], sorted((r["db"], r["role"]) for r in u["roles"])) for u in users
                                if u["_id"] != f"admin.{access.record.admin_user}")
        state["roles"] = [(r["role"], r["privileges"]) for r in
                          client.app.command({"rolesInfo": 1, "showPrivileges": True})["roles"]]
        for coll in client.config.collections.find({"_id": {"$regex": "^(app|restored)\\."}}):
            state[f"chunks {coll['_id']}"] = sorted((json.dumps(c["min"], default=str), mapping.get(c["shard"],
                                                                                                    c["shard"]))
                                                     for c in client.config.chunks.find({"uuid": coll["uuid"]}))
            state[f"key {coll['_id']}"] = coll["key"]
    return state


def backups_dir(access: ClusterAccess, backup_id: str) -> Path:
    return access.paths.root / "backups" / access.record.name / "backups" / backup_id


def test_round_trip_restores_every_document_index_option_user_and_chunk(home: Path, tmp_path: Path,
                                                                          clusters: list[str]) -> None:
    clusters.append("src")
    access = deploy(home, tmp_path, "src")
    populate(access)
    before = snapshot(access)
    assert len(before["chunks app.ranged"]) == 2 and len(before["app.plain"]["indexes"]) == 8
    backup = create_backup("src", BackupOptions(home=home))

    with access.routers(timeout_s=30.0) as client:
        client.app.hashed.delete_many({"k": {"$lt": 100}})
        client.app.plain.drop()
        client.app.ranged.insert_one({"r": 1000})
        client.app.capped.insert_many([{"n": 100 + i} for i in range(10)])
        client.app.v.drop()
        client.app.extra.insert_one({"after": "the backup"})
        client.app.command("dropUser", "alice")
        client.app.command("dropRole", "reader2")
        client.app.command("createUser", "bob", pwd="bob-pw", roles=["read"])
        client.admin.command("split", "app.ranged", middle={"r": 100})
        client.admin.command("moveChunk", "app.ranged", find={"r": 150}, to="shard1")
        assert snapshot(access) != before

    events: list[RestoreEvent] = []
    result = restore_cluster("src", backup.backup_id, RestoreOptions(home=home), events.append)

    assert result.state == "done" and result.kind == "full" and result.caveat is None
    assert result.shard_map == {"shard0": "shard0", "shard1": "shard1", "cfg": "cfg"}
    assert set(result.phases) >= {"drop", "insert", "indexes", "oplog", "users", "catalog", "routing"}
    assert result.documents == 400 + 500 + 300 + 50
    assert {(e.replica_set, e.documents) for e in events if e.step == "data" and e.replica_set == "shard1"}
    after = snapshot(access)
    assert after == before
    assert "app.extra" not in after
    record = read_restore_record(storage_for(access.paths, access.record), "src", result.restore_id)
    assert record is not None and record.state == "done"
    assert [step.name for step in record.steps] == ["preflight", "lock", "balancer", "data", "routing"]

    with access.routers(timeout_s=30.0) as client:
        assert client.admin.command("balancerStatus")["mode"] == "full"
        assert client.admin.mongoAdminLock.count_documents({}) == 0
        # Shards know every sharded collection by the catalog's UUID, and routing serves new writes at once.
        for coll in client.config.collections.find({"_id": {"$in": ["app.hashed", "app.ranged"]}}):
            for shard in ("shard0", "shard1"):
                node = access.record.layout.members(shard)
                with access.node(next(n for n in node if n.member_id == 0), timeout_s=10.0) as direct:
                    primary = direct if direct.admin.command("hello")["isWritablePrimary"] else None
                    if primary is not None:
                        info = next(direct.app.list_collections(filter={"name": coll["_id"].split(".")[1]}))
                        assert info["info"]["uuid"] == coll["uuid"]
        client.app.ranged.insert_many([{"r": 260, "new": True}, {"r": 5, "new": True}])
        assert client.app.ranged.count_documents({"new": True}) == 2
        assert client.app.ranged.count_documents({}) == 502
    with pymongo.MongoClient(access.record.layout.router_uri(), username="alice", password="alice-pw",
                             authSource="app", serverSelectionTimeoutMS=10_000) as alice:
        assert alice.app.plain.count_documents({}) == 300


def test_restore_into_another_cluster_maps_shard_names(home: Path, tmp_path: Path, clusters: list[str]) -> None:
    clusters.extend(["src", "dst"])
    source = deploy(home, tmp_path, "src")
    target = deploy(home, tmp_path, "dst", "alpha", "beta")
    populate(source)
    before = snapshot(source, {"shard0": "alpha", "shard1": "beta"})
    backup = create_backup("src", BackupOptions(home=home))

    with pytest.raises(RestoreRefusedError) as refused:
        restore_cluster("dst", backup.backup_id, RestoreOptions(home=home, source_cluster="src"))
    assert "no mapping was given" in refused.value.message() and "--map" in refused.value.message()

    with target.routers(timeout_s=30.0) as client:
        hosts = {doc["_id"]: doc["host"] for doc in client.config.shards.find()}
    result = restore_cluster("dst", backup.backup_id, RestoreOptions(
        home=home, source_cluster="src", shard_map={"shard0": "alpha", "shard1": "beta"}))
    assert result.shard_map["shard1"] == "beta"
    assert snapshot(target) == before
    with target.routers(timeout_s=30.0) as client:
        assert {doc["_id"]: doc["host"] for doc in client.config.shards.find()} == hosts
        assert client.config.databases.find_one({"_id": "app"})["primary"] == "alpha"
        client.app.hashed.insert_many([{"k": 1000 + i} for i in range(20)])
        assert client.app.hashed.count_documents({}) == 420


def test_one_shard_restore_leaves_the_other_shards_alone(home: Path, tmp_path: Path, clusters: list[str]) -> None:
    clusters.append("src")
    access = deploy(home, tmp_path, "src")
    populate(access)
    backup = create_backup("src", BackupOptions(home=home))
    with access.routers(timeout_s=30.0) as client:
        client.app.ranged.delete_many({"r": {"$gte": 400}})  # on shard1
        client.app.ranged.delete_many({"r": {"$lt": 10}})  # on shard0

    result = restore_shard("src", backup.backup_id, "shard1", RestoreOptions(home=home))

    assert result.kind == "shard" and "consistent within the shard only" in (result.caveat or "")
    assert [(r.source, r.target) for r in result.replica_sets] == [("shard1", "shard1")]
    with access.routers(timeout_s=30.0) as client:
        assert client.app.ranged.count_documents({}) == 490
        assert client.app.ranged.count_documents({"r": {"$gte": 400}}) == 100
        assert client.app.hashed.count_documents({}) == 400


def test_selective_restore_with_rename(home: Path, tmp_path: Path, clusters: list[str]) -> None:
    clusters.append("src")
    access = deploy(home, tmp_path, "src")
    populate(access)
    before = snapshot(access)
    backup = create_backup("src", BackupOptions(home=home))
    with access.routers(timeout_s=30.0) as client:
        client.app.plain.delete_many({"a": {"$gte": 100}})
        client.app.plain.drop_index("hid")
        client.app.hashed.delete_many({})
        client.app.ranged.delete_many({"r": {"$lt": 50}})

    result = restore_namespaces("src", backup.backup_id, ["app.plain", "app.ranged"], RestoreOptions(home=home),
                                rename={"app.ranged": "restored.ranged"})

    assert result.kind == "namespaces"
    after = snapshot(access)
    assert after["app.plain"] == before["app.plain"]
    assert after["restored.ranged"]["documents"] == before["app.ranged"]["documents"]
    assert after["restored.ranged"]["indexes"] == before["app.ranged"]["indexes"]
    assert after["key restored.ranged"] == {"r": 1}
    assert after["chunks restored.ranged"] == before["chunks app.ranged"]
    assert len(after["app.ranged"]["documents"]) == 450  # the original is left as it is
    assert after["app.hashed"]["documents"] == []
    with access.routers(timeout_s=30.0) as client:
        client.restored.ranged.insert_one({"r": 499.5})
        assert client.restored.ranged.count_documents({"r": {"$gt": 400}}) == 100


def test_config_only_restore_brings_back_the_catalog_users_and_roles(home: Path, tmp_path: Path,
                                                                      clusters: list[str]) -> None:
    clusters.append("src")
    access = deploy(home, tmp_path, "src")
    populate(access)
    before = snapshot(access)
    backup = create_backup("src", BackupOptions(home=home, kind="config"))
    with access.routers(timeout_s=30.0) as client:
        client.app.command("dropUser", "alice")
        client.admin.command("split", "app.ranged", middle={"r": 100})
        assert len(snapshot(access)["chunks app.ranged"]) == 3

    result = restore_config("src", backup.backup_id, RestoreOptions(home=home))

    assert result.kind == "config" and result.caveat
    after = snapshot(access)
    assert after["users"] == before["users"] and after["roles"] == before["roles"]
    assert after["chunks app.ranged"] == before["chunks app.ranged"]
    assert after["app.ranged"] == before["app.ranged"]


def test_preflight_refuses_damaged_incomplete_and_encrypted_backups_before_touching_data(
        home: Path, tmp_path: Path, clusters: list[str]) -> None:
    clusters.append("src")
    access = deploy(home, tmp_path, "src")
    populate(access)
    before = snapshot(access)
    storage = storage_for(access.paths, access.record)

    def refused(backup_id: str, options: RestoreOptions | None = None) -> str:
        with pytest.raises(RestoreRefusedError) as error:
            restore_cluster("src", backup_id, options or RestoreOptions(home=home))
        assert snapshot(access) == before  # nothing was dropped
        return error.value.message()

    damaged = create_backup("src", BackupOptions(home=home)).backup_id
    data = backups_dir(access, damaged) / "shard0" / "app" / "plain.bson.gz"
    raw = bytearray(data.read_bytes())
    raw[len(raw) // 2] ^= 0xFF
    data.write_bytes(bytes(raw))
    message = refused(damaged)
    assert "is damaged" in message and f"src/backups/{damaged}/shard0/app/plain.bson.gz" in message

    missing = create_backup("src", BackupOptions(home=home)).backup_id
    (backups_dir(access, missing) / "shard1" / "app" / "ranged.bson.gz").unlink()
    message = refused(missing)
    assert f"src/backups/{missing}/shard1/app/ranged.bson.gz: missing" in message

    incomplete = create_backup("src", BackupOptions(home=home)).backup_id
    (backups_dir(access, incomplete) / "manifest.json").unlink()
    assert "not a complete backup" in refused(incomplete)
    assert "no backup nope" in refused("nope")

    key_file, wrong_file = tmp_path / "backup.key", tmp_path / "wrong.key"
    EncryptionKey.generate().write_file(key_file)
    EncryptionKey.generate().write_file(wrong_file)
    encrypted = create_backup("src", BackupOptions(home=home, encryption_key_file=key_file)).backup_id
    assert "is encrypted and no key was given" in refused(encrypted)
    assert "wrong encryption key" in refused(encrypted, RestoreOptions(home=home, encryption_key_file=wrong_file))

    records = [read_restore_record(storage, "src", info.key.rsplit("/", 1)[1].removesuffix(".json"))
               for info in storage.list("src/restores/")]
    assert records and all(r is not None and r.state == "failed" and r.failed_step == "preflight" for r in records)

    with access.routers(timeout_s=30.0) as client:
        client.app.plain.delete_many({})
    result = restore_cluster("src", encrypted, RestoreOptions(home=home, encryption_key_file=key_file))
    assert result.state == "done"
    assert snapshot(access) == before
