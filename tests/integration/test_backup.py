"""Backups of a deployed sandbox cluster (access control on), through the library and the CLI.

The consistency test is the one that matters: writers insert pairs of related documents on two shards, B(i) only
after A(i) was acknowledged; a full backup taken while they write must never hold B(i) without A(i). It is
checked on the backup files themselves — each replica set's dump plus its oplog replayed to ``restore_to_time`` —
so it judges the backup, whatever a restore later does.
"""

from __future__ import annotations

import functools
import gzip
import json
import os
import signal
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import bson
import pymongo
import pytest
from click.testing import CliRunner

from mongo_admin.cli.main import cli
from mongo_admin.ops.backup.engine import BackupFailedError, BackupOptions, create_backup
from mongo_admin.ops.backup.manifest import read_manifest, read_record
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.restore.engine import RestoreOptions, restore_cluster
from mongo_admin.storage import open_storage
from mongo_admin.storage.faults import FaultyStorage
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block, wait_until

pytestmark = pytest.mark.timeout(600)
SPEC = """\
name: bk
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 3}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""
ROUNDS = int(os.environ.get("MONGO_ADMIN_SOAK_ROUNDS", "3"))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """One secure cluster for the module: 1-member config servers, shard0 of 3 members (backups read a
    secondary), shard1 of 1 (a primary is the only source), one router; every process stopped afterwards."""
    home = tmp_path_factory.mktemp("backup-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        paths, record = open_cluster("bk", home)
        with ClusterAccess(paths, record).routers() as client:
            client.admin.command("enableSharding", "app", primaryShard="shard0")
            for name, shard in (("a", "shard0"), ("b", "shard1")):
                client.admin.command("shardCollection", f"app.{name}", key={"k": 1})
                if shard != "shard0":
                    client.admin.command("moveChunk", f"app.{name}", find={"k": 0}, to=shard)
        yield home


def router(home: Path) -> pymongo.MongoClient[dict[str, Any]]:
    paths, record = open_cluster("bk", home)
    return ClusterAccess(paths, record).router_client(timeout_s=30.0)


def storage_of(home: Path) -> Any:
    return open_storage(str(home / "clusters" / "bk" / "backups"))


def state_at_cutoff(home: Path, backup_id: str, set_name: str, ns: str) -> dict[Any, dict[str, Any]]:
    """What restoring ``set_name`` from this backup yields for ``ns``: the dumped documents, then the set's oplog
    replayed (inserts and deletes: what the writers do) up to ``restore_to_time``."""
    storage = storage_of(home)
    manifest = read_manifest(storage, "bk", backup_id)
    assert manifest is not None and manifest.restore_to_time is not None
    cutoff = manifest.restore_to_time.timestamp()
    prefix = manifest.prefix + set_name + "/"
    db, coll = ns.split(".", 1)
    docs: dict[Any, dict[str, Any]] = {}
    data = f"{prefix}{db}/{coll}.bson.gz"
    if storage.stat(data) is not None:
        for doc in bson.decode_all(gzip.decompress(storage.get(data))):
            docs[doc["_id"]] = doc
    for entry in bson.decode_all(gzip.decompress(storage.get(prefix + "oplog.bson"))):
        if entry["ns"] != ns or entry["ts"] > cutoff:
            continue
        if entry["op"] == "i":
            docs[entry["o"]["_id"]] = entry["o"]
        elif entry["op"] == "d":
            docs.pop(entry["o"]["_id"], None)
    return docs


class PairWriter:
    """A(i) on shard0, then — only once A(i) is acknowledged — B(i) on shard1."""

    def __init__(self, home: Path, offset: int) -> None:
        self.client = router(home)
        self.next = offset
        self.acknowledged = offset
        self.stop = threading.Event()
        self.error: BaseException | None = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        try:
            app = self.client.app
            while not self.stop.is_set():
                i = self.next
                app.a.insert_one({"_id": i, "k": -1 - i})  # negative keys: shard0's chunk
                app.b.insert_one({"_id": i, "k": 1 + i})   # positive keys: shard1's chunk
                self.acknowledged = self.next = i + 1
        except BaseException as exc:  # reported by the test
            self.error = exc

    def __enter__(self) -> PairWriter:
        self.thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self.stop.set()
        self.thread.join(60)
        self.client.close()
        assert self.error is None, self.error


def _written(writer: PairWriter, count: int) -> bool:
    return writer.acknowledged >= count


@pytest.mark.soak
def test_full_backup_during_cross_shard_writes_never_has_b_without_a(home: Path) -> None:
    offset = 0
    for round_ in range(ROUNDS):
        with PairWriter(home, offset) as writer:
            wait_until(functools.partial(_written, writer, offset + 30), "see pairs written before the backup",
                       timeout=60)
            before = writer.acknowledged
            result = create_backup("bk", BackupOptions(home=home))
            offset = writer.next + 1
        a = state_at_cutoff(home, result.backup_id, "shard0", "app.a")
        b = state_at_cutoff(home, result.backup_id, "shard1", "app.b")
        orphans = sorted(set(b) - set(a))
        assert orphans == [], f"round {round_}: B without A for pairs {orphans[:10]}"
        assert all(i in a and i in b for i in range(before - 1)), f"round {round_}: lost an acknowledged pair"
        assert result.cluster_consistent and result.state == "done"
    # And the restored cluster itself: the last backup restored in place holds exactly the backup's pairs.
    restore_cluster("bk", result.backup_id, RestoreOptions(home=home))
    with router(home) as client:
        restored_a = {doc["_id"] for doc in client.app.a.find({}, {"_id": 1})}
        restored_b = {doc["_id"] for doc in client.app.b.find({}, {"_id": 1})}
    assert restored_a == set(a) and restored_b == set(b)


def test_backup_files_manifest_and_catalog(home: Path) -> None:
    with router(home) as client:
        client.app.plain.insert_many([{"i": i, "s": "x" * 20} for i in range(300)])
        client.app.plain.create_index([("i", 1)], unique=True, name="i_unique")
        client.app.command("create", "odd", viewOn="plain", pipeline=[{"$match": {"i": {"$mod": [2, 1]}}}])
        client.app.command("createUser", "reporter", pwd="s3cret-pw", roles=["read"])
    result = create_backup("bk", BackupOptions(home=home))
    manifest = read_manifest(storage_of(home), "bk", result.backup_id)
    assert manifest is not None
    assert [rs.name for rs in manifest.replica_sets] == ["cfg", "shard0", "shard1"]
    sources = {rs.name: rs.source_host for rs in manifest.replica_sets}
    shard0 = {node["node"]: node for node in _status(home)["members"] if node["replica_set"] == "shard0"}
    assert sources["shard0"] != next(m["address"] for m in shard0.values() if m["state"] == "PRIMARY")
    files = {f.key: f for rs in manifest.replica_sets for f in rs.files}
    assert files["cfg/admin/system.users.bson.gz"].documents == 2  # the administrator and reporter
    assert "cfg/config/chunks.bson.gz" in files and "shard0/oplog.bson" in files
    meta = json.loads(gzip.decompress(storage_of(home).get(manifest.prefix + "shard0/app/plain.metadata.json.gz")))
    assert [index["name"] for index in meta["indexes"]] == ["_id_", "i_unique"]
    assert json.loads(gzip.decompress(storage_of(home).get(manifest.prefix + "shard0/app/odd.metadata.json.gz"))
                      )["type"] == "view"
    assert all(f.kind != "data" or "mongoAdminLock" not in f.key for f in files.values())
    # Secrets: the user's password is nowhere in the backup, only its SCRAM credentials.
    for key in (f"{manifest.prefix}{k}" for k in files):
        raw = storage_of(home).get(key)
        assert b"s3cret-pw" not in (gzip.decompress(raw) if key.endswith(".gz") else raw)

    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(home)})
    listed = json.loads(runner.invoke(cli, ["-o", "json", "backup", "list"], catch_exceptions=False).stdout)
    assert result.backup_id in [b["backup_id"] for b in listed["backups"]]
    # Without point-in-time slices every full backup is restorable to its own point.
    assert {"start": result.restore_to_time, "end": result.restore_to_time,
            "base_backup": result.backup_id} in listed["restorable"]
    verified = runner.invoke(cli, ["-o", "json", "backup", "verify", result.backup_id], catch_exceptions=False)
    assert verified.exit_code == 0 and json.loads(verified.stdout)["ok"] is True

    # A damaged file is named by verify, which then exits 1.
    damaged = Path(home / "clusters" / "bk" / "backups" / manifest.prefix / "shard1" / "app" / "plain.bson.gz")
    if not damaged.exists():
        damaged = next(Path(home / "clusters" / "bk" / "backups" / manifest.prefix).glob("shard*/app/plain.bson.gz"))
    data = bytearray(damaged.read_bytes())
    data[len(data) // 2] ^= 0xFF
    damaged.write_bytes(bytes(data))
    failed = runner.invoke(cli, ["-o", "json", "backup", "verify", result.backup_id], catch_exceptions=False)
    assert failed.exit_code == 1
    report = json.loads(failed.stdout)
    assert report["ok"] is False and any("plain.bson.gz" in problem for problem in report["problems"])


def test_config_and_shard_backups_say_they_are_not_cluster_consistent(home: Path) -> None:
    config = create_backup("bk", BackupOptions(kind="config", home=home))
    shard = create_backup("bk", BackupOptions(kind="shard", shard="shard1", home=home))
    assert not config.cluster_consistent and "config servers only" in config.message
    assert not shard.cluster_consistent and "one shard only" in shard.message
    manifest = read_manifest(storage_of(home), "bk", shard.backup_id)
    assert manifest is not None and [rs.name for rs in manifest.replica_sets] == ["shard1"]
    with pytest.raises(BackupFailedError, match="no shard named 'nope'"):
        create_backup("bk", BackupOptions(kind="shard", shard="nope", home=home))


def test_a_storage_failure_fails_the_backup_and_restores_the_balancer(home: Path) -> None:
    with router(home) as client:  # enough data on both shards to pass the failure threshold, whatever ran before
        client.app.failing.insert_many([{"i": i, "pad": "f" * 200} for i in range(100)])
    faulty = FaultyStorage(storage_of(home), fail_after_bytes=2000, match="*/shard*/app/*")
    with pytest.raises(BackupFailedError) as failed:
        create_backup("bk", BackupOptions(home=home, storage=faulty))
    assert "failed at step 'dump'" in str(failed.value)
    backup_id = str(failed.value).split()[1]
    record = read_record(storage_of(home), "bk", backup_id)
    assert record is not None and record.state == "failed" and record.failed_step == "dump"
    assert read_manifest(storage_of(home), "bk", backup_id) is None
    with router(home) as client:
        assert client.admin.command("balancerStatus")["mode"] == "full"
        assert client.admin.mongoAdminLock.count_documents({}) == 0
    listed = CliRunner(env={"MONGO_ADMIN_HOME": str(home)}).invoke(cli, ["-o", "json", "backup", "list"])
    entry = next(b for b in json.loads(listed.stdout)["backups"] if b["backup_id"] == backup_id)
    assert (entry["state"], entry["failed_step"]) == ("failed", "dump")


def test_a_killed_backup_leaves_a_lock_that_goes_stale_and_is_repaired(home: Path) -> None:
    with router(home) as client:
        client.app.bulk.insert_many([{"i": i, "pad": "p" * 2000} for i in range(20_000)])
    env = {**os.environ, "MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_LOCK_STALE_SECONDS": "15"}
    cli_path = str(Path(sys.executable).parent / "mongo-admin")
    run = subprocess.Popen([cli_path, "backup", "create"], env=env, stderr=subprocess.PIPE, text=True)
    assert run.stderr is not None
    for line in run.stderr:
        if line.startswith("[dump]"):
            break
    run.send_signal(signal.SIGKILL)
    run.wait(30)
    run.stderr.close()
    with router(home) as client:
        lock = client.admin.mongoAdminLock.find_one()
        assert lock is not None and client.admin.command("balancerStatus")["mode"] == "off"
    backup_id = lock["operationId"]
    busy = subprocess.run([cli_path, "backup", "create"], env=env, capture_output=True, text=True, check=False)
    assert busy.returncode == 1 and f"another operation is running on this cluster: backup {backup_id}" in busy.stderr

    def repaired() -> dict[str, Any] | None:
        done = subprocess.run([cli_path, "-o", "json", "backup", "status"], env=env, capture_output=True, text=True,
                              check=True)
        status = json.loads(done.stdout)
        return status if status["recovered"] else None

    status = wait_until(repaired, "see backup status release the stale lock", timeout=60, interval=2)
    assert f"released the stale lock of backup {backup_id}" in status["recovered"]
    assert status["balancer"] == "full"
    record = read_record(storage_of(home), "bk", backup_id)
    assert record is not None and record.state == "failed" and "stopped sending heartbeats" in (record.error or "")
    assert create_backup("bk", BackupOptions(home=home)).state == "done"


def _status(home: Path) -> dict[str, Any]:
    from mongo_admin.ops.cluster.status import cluster_status
    from mongo_admin.output.render import to_data

    return to_data(cluster_status("bk", home))  # type: ignore[no-any-return]


def test_backup_ids_are_unique_within_a_second(home: Path) -> None:
    first = create_backup("bk", BackupOptions(kind="config", home=home))
    second = create_backup("bk", BackupOptions(kind="config", home=home))
    assert first.backup_id != second.backup_id


def test_runbook_names_the_exact_commands_for_this_backup(home: Path) -> None:
    result = create_backup("bk", BackupOptions(home=home))
    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(home)})
    book = runner.invoke(cli, ["backup", "runbook", result.backup_id], catch_exceptions=False).stdout
    manifest = read_manifest(storage_of(home), "bk", result.backup_id)
    assert manifest is not None and manifest.restore_to_time is not None
    assert book.startswith(f"# Restore runbook — backup {result.backup_id} of cluster bk")
    assert f"mongo-admin backup verify {result.backup_id} --cluster bk" in book
    assert f"mongo-admin restore cluster {result.backup_id} --cluster bk" in book
    assert f"mongo-admin restore shard {result.backup_id} --shard shard1 --cluster bk" in book
    cut = manifest.restore_to_time
    assert f"--oplogReplay --oplogLimit {cut.t}:{cut.i + 1} --dir <download of {manifest.prefix}shard0/>" in book


def test_pitr_commands_refuse_when_pitr_is_off_and_status_reports(home: Path) -> None:
    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(home)})
    refused = runner.invoke(cli, ["backup", "pitr", "run", "--once"])
    assert refused.exit_code == 1
    assert "point-in-time recovery is not enabled for cluster bk" in refused.stderr
    status = runner.invoke(cli, ["-o", "json", "backup", "pitr", "status"], catch_exceptions=False)
    assert status.exit_code == 0
    assert json.loads(status.stdout)["cluster"] == "bk"


def test_restore_drill_restores_into_a_scratch_cluster_and_compares(home: Path) -> None:
    with router(home) as client:
        client.app.drilled.insert_many([{"_id": i, "v": i * i} for i in range(500)])
        client.app.drilled.update_one({"_id": 7}, {"$set": {"v": -1}})
    result = create_backup("bk", BackupOptions(home=home))
    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(home)})
    drilled = runner.invoke(cli, ["-o", "json", "backup", "verify", result.backup_id, "--restore"],
                            catch_exceptions=False)
    assert drilled.exit_code == 0, drilled.output
    report = json.loads(drilled.stdout)
    assert report["ok"] is True and report["problems"] == []
    checks = {c["namespace"]: c for c in report["collections"]}
    assert checks["app.drilled"]["expected"] == checks["app.drilled"]["restored"] == 500
    assert checks["app.drilled"]["content_compared"] is True  # the update came before the backup began
    assert {"verify files", "deploy scratch cluster", "compare"} <= set(report["phases"])
    assert any(phase.startswith("restore: ") for phase in report["phases"])
    assert report["recovery_time_s"] > 0
    # The scratch cluster is gone: nothing of it runs or stays listed.
    assert not (home / "clusters" / report["scratch_cluster"]).exists()
