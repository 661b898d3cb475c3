"""The operations API on a deployed sandbox cluster (access control on): backups as jobs through the API and the
catalog that lists them, a second backup refused naming the holder, restores refusing a time without a zone,
a restore's preflight on its own (each check, recording nothing), the runbook as steps and commands, schedules
with their next run times, and metrics (a series with the gap a stopped node leaves, the Prometheus exposition).
The metrics test stops a node, so it runs last."""

from __future__ import annotations

import datetime as dt
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from fastapi.testclient import TestClient
from prometheus_client.parser import text_string_to_metric_families

from mongo_admin.api.app import create_app
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.metrics.collector import Collector
from mongo_admin.metrics.poller import Poller
from mongo_admin.metrics.store import NODE_DOWN
from mongo_admin.ops.backup.engine import BackupOptions, create_backup
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.processes import stop_node
from mongo_admin.ops.cluster.state import open_cluster
from tests.support.clusters import deployed_cluster
from tests.support.platform_api import ROLES, ApiHarness, make_settings
from tests.support.simproc import free_port_block

pytestmark = pytest.mark.timeout(600)
CLUSTER = "ab"
SPEC = """\
name: ab
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""
JOB_TIMEOUT_S = 300


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("api-ops-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        paths, record = open_cluster(CLUSTER, home)
        with ClusterAccess(paths, record).routers() as client:
            client["app"]["items"].insert_many([{"k": n} for n in range(300)])
        yield home


def _harness(home: Path, tmp_path: Path, template: Path, monkeypatch: pytest.MonkeyPatch,
             **overrides: object) -> Iterator[ApiHarness]:
    monkeypatch.setenv("MONGO_ADMIN_HOME", str(home))
    db_path = tmp_path / "platform.db"
    shutil.copy(template, db_path)
    settings = make_settings(db_path, home=home, metrics_interval_s=0, **overrides)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        harness = ApiHarness(settings, client)
        for role in ROLES:
            harness.users[role] = harness.add_user(role, role)
        with harness.sessions()() as session:
            session.add(RegisteredCluster(name=CLUSTER, connection_string="mongodb://127.0.0.1", source="deployed"))
            session.commit()
        yield harness


@pytest.fixture
def ops(home: Path, tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None,
        monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiHarness]:
    """The API with its job runner working, the cluster registered as deployed."""
    yield from _harness(home, tmp_path, migrated_db_template, monkeypatch, background=True, scheduler_enabled=False)


@pytest.fixture
def idle_ops(home: Path, tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None,
             monkeypatch: pytest.MonkeyPatch) -> Iterator[ApiHarness]:
    """The same without background threads (make_settings' default): a submitted job stays queued, holding its
    lock."""
    yield from _harness(home, tmp_path, migrated_db_template, monkeypatch)


def url(path: str) -> str:
    return f"/api/v1/clusters/{CLUSTER}{path}"


def test_backup_job_runs_and_the_backup_is_listed(ops: ApiHarness) -> None:
    operator, viewer = ops.headers("operator"), ops.headers("viewer")
    response = ops.client.post(url("/backups"), json={"type": "full"}, headers=operator)
    assert response.status_code == 202, response.text
    job_id = response.json()["job_id"]
    assert response.headers["Location"] == f"/api/v1/jobs/{job_id}"
    runner = ops.client.app.state.runner  # type: ignore[attr-defined]
    job = runner.wait(job_id, JOB_TIMEOUT_S)
    assert job.state == "succeeded", (job.state, job.error)
    backup_id = job.reference
    assert backup_id is not None

    listing = ops.client.get(url("/backups"), headers=viewer)
    assert listing.status_code == 200, listing.text
    body = listing.json()
    entry = next(b for b in body["backups"] if b["backup_id"] == backup_id)
    assert entry["type"] == "full" and entry["state"] == "done"
    assert body["count"] == len(body["backups"])
    assert any(window["base_backup"] == backup_id for window in body["restorable"])

    detail = ops.client.get(url(f"/backups/{backup_id}"), headers=viewer)
    assert detail.status_code == 200
    assert detail.json()["manifest"]["backup_id"] == backup_id

    book = ops.client.get(url(f"/backups/{backup_id}/runbook"), headers=viewer)
    assert book.status_code == 200 and book.headers["content-type"].startswith("text/markdown")
    assert backup_id in book.text

    verified = ops.client.post(url(f"/backups/{backup_id}/verify"), headers=operator)
    assert verified.status_code == 200, verified.text
    assert verified.json()["ok"] is True and verified.json()["files"] > 0

    pruned = ops.client.post(url("/backups/prune"), params={"dry_run": "true"}, headers=operator)
    assert pruned.status_code == 200, pruned.text
    assert pruned.json()["dry_run"] is True

    pitr = ops.client.get(url("/pitr"), headers=viewer)
    assert pitr.status_code == 200, pitr.text
    assert pitr.json()["cluster"] == CLUSTER

    restore = ops.client.post(url("/restores"), headers=operator, json={
        "kind": "namespaces", "backup_id": backup_id, "namespaces": ["app.items"],
        "rename": {"app.items": "app.items_restored"}})
    assert restore.status_code == 202, restore.text
    restore_job = runner.wait(restore.json()["job_id"], JOB_TIMEOUT_S)
    assert restore_job.state == "succeeded", (restore_job.state, restore_job.error)
    paths, record = open_cluster(CLUSTER, ops.settings.home)
    with ClusterAccess(paths, record).routers() as client:
        assert client["app"]["items_restored"].count_documents({}) == 300
    restores = ops.client.get(url("/restores"), headers=viewer)
    assert restores.status_code == 200, restores.text
    done = next(r for r in restores.json()["data"] if r["restore_id"] == restore_job.reference)
    assert (done["backup_id"], done["kind"], done["state"]) == (backup_id, "namespaces", "done")

    missing = ops.client.get(url("/backups/20000101T000000Z-none"), headers=viewer)
    assert missing.status_code == 404
    assert missing.json()["detail"].startswith("no backup 20000101T000000Z-none for cluster ab")


def test_a_second_backup_while_one_is_queued_is_refused_naming_the_holder(idle_ops: ApiHarness) -> None:
    operator = idle_ops.headers("operator")
    first = idle_ops.client.post(url("/backups"), json={"type": "full"}, headers=operator)
    assert first.status_code == 202, first.text
    job_id = first.json()["job_id"]
    second = idle_ops.client.post(url("/backups"), json={"type": "config"}, headers=operator)
    assert second.status_code == 409, second.text
    assert second.json()["detail"].startswith(f"another operation is running on cluster {CLUSTER}: backup job "
                                              f"{job_id} (started ")
    restore = idle_ops.client.post(url("/restores"), json={"backup_id": "any"}, headers=operator)
    assert restore.status_code == 409 and job_id in restore.json()["detail"]
    drill = idle_ops.client.post(url("/backups/20000101T000000Z-none/verify"), params={"restore": "true"},
                                 headers=operator)
    assert drill.status_code == 404 and drill.json()["detail"].startswith("no backup 20000101T000000Z-none")


def test_restore_requests_are_validated(idle_ops: ApiHarness) -> None:
    operator = idle_ops.headers("operator")
    naive = idle_ops.client.post(url("/restores"), json={"point_in_time": "2026-11-26T08:10:00"}, headers=operator)
    assert naive.status_code == 422
    assert naive.json() == {"detail": "body.point_in_time: Input should have timezone info"}
    no_shard = idle_ops.client.post(url("/restores"), json={"kind": "shard", "backup_id": "b"}, headers=operator)
    assert no_shard.status_code == 422 and "shard is required" in no_shard.json()["detail"]
    accepted = idle_ops.client.post(url("/restores"), headers=operator,
                                    json={"kind": "namespaces", "point_in_time": "2026-11-26T08:10:00+01:00",
                                          "namespaces": ["app.items"], "rename": {"app.items": "app.items_back"}})
    assert accepted.status_code == 202, accepted.text
    job = idle_ops.client.app.state.runner.get(accepted.json()["job_id"])  # type: ignore[attr-defined]
    assert job.kind == "restore" and job.state == "queued"
    assert job.params["point_in_time"] == "2026-11-26T08:10:00+01:00"
    assert job.params["type"] == "namespaces" and job.params["rename"] == {"app.items": "app.items_back"}


def test_restore_preflight_reports_every_check_and_records_nothing(idle_ops: ApiHarness, home: Path) -> None:
    operator, viewer = idle_ops.headers("operator"), idle_ops.headers("viewer")
    backup_id = create_backup(CLUSTER, BackupOptions(home=home)).backup_id
    recorded = idle_ops.client.get(url("/restores"), headers=viewer).json()["count"]

    def preflight(body: dict[str, Any]) -> dict[str, Any]:
        response = idle_ops.client.post(url("/restores/preflight"), json=body, headers=operator)
        assert response.status_code == 200, response.text
        report: dict[str, Any] = response.json()
        return report

    whole = preflight({"backup_id": backup_id})
    assert whole["ok"] is True, whole["message"]
    assert (whole["kind"], whole["backup_id"], whole["cluster"]) == ("full", backup_id, CLUSTER)
    assert [check["name"] for check in whole["checks"]] == ["backup", "topology", "key", "files", "primaries",
                                                            "space", "lock"]
    assert all(check["ok"] and check["detail"] and not check["fix"] for check in whole["checks"])
    assert {"namespace": "app.items", "restored_as": "app.items", "documents": 300} in whole["namespaces"]
    assert {"shard0", "shard1"} <= set(whole["shard_map"]) and whole["files_checked"] > 0
    assert whole["restore_to_time"] is not None

    renamed = preflight({"kind": "namespaces", "backup_id": backup_id, "namespaces": ["app.items"],
                         "rename": {"app.items": "app.items_copy"}})
    assert renamed["ok"] is True, renamed["message"]
    assert renamed["namespaces"] == [{"namespace": "app.items", "restored_as": "app.items_copy", "documents": 300}]

    unknown = preflight({"kind": "namespaces", "backup_id": backup_id, "namespaces": ["app.nothing"]})
    assert unknown["ok"] is False
    *passed, refused = unknown["checks"]
    assert [check["name"] for check in passed] == ["backup", "topology", "key", "files", "primaries"]
    assert all(check["ok"] for check in passed)
    assert (refused["name"], refused["ok"]) == ("namespaces", False)
    assert refused["detail"].startswith(f"no namespace of backup {backup_id} matches app.nothing: the backup holds")
    assert refused["fix"] == "pass namespaces as db.collection or db.*"
    assert unknown["message"].startswith(f"restore of backup {backup_id} into cluster {CLUSTER} refused at check "
                                         "'namespaces'")

    wrong_type = preflight({"kind": "shard", "shard": "shard9", "backup_id": backup_id})
    assert [(check["name"], check["ok"]) for check in wrong_type["checks"]] == [("backup", True), ("topology", False)]
    assert wrong_type["checks"][1]["detail"].startswith("no shard named 'shard9' in cluster ab")

    too_early = preflight({"point_in_time": "2000-01-01T00:00:00Z"})
    assert too_early["ok"] is False and too_early["backup_id"] is None
    assert [(check["name"], check["ok"]) for check in too_early["checks"]] == [("base backup", False)]
    assert too_early["checks"][0]["detail"].startswith(f"no full backup of cluster {CLUSTER} is older than 2000-01-01")

    missing = preflight({"backup_id": "20000101T000000Z-none"})
    assert [(check["name"], check["ok"]) for check in missing["checks"]] == [("backup", False)]

    assert idle_ops.client.get(url("/restores"), headers=viewer).json()["count"] == recorded
    refused_viewer = idle_ops.client.post(url("/restores/preflight"), json={"backup_id": backup_id}, headers=viewer)
    assert refused_viewer.status_code == 403


def test_runbook_as_json_has_the_steps_and_their_commands(idle_ops: ApiHarness, home: Path) -> None:
    backup_id = create_backup(CLUSTER, BackupOptions(home=home)).backup_id
    response = idle_ops.client.get(url(f"/backups/{backup_id}/runbook"), headers={
        **idle_ops.headers("viewer"), "Accept": "application/json"})
    assert response.status_code == 200, response.text
    book = response.json()
    assert book["title"] == f"Restore runbook — backup {backup_id} of cluster {CLUSTER}"
    assert any(fact.startswith("type: full, cluster-consistent") for fact in book["facts"])
    assert [step["title"] for step in book["steps"]] == [
        "Check the backup before touching the cluster", "Tell the application owners", "Restore",
        "Without mongo-admin (official tools)", "Check the result"]
    commands = [block["text"] for step in book["steps"] for block in step["blocks"] if block["kind"] == "commands"]
    assert f"mongo-admin backup verify {backup_id} --cluster {CLUSTER}" in commands
    assert f"mongo-admin restore shard {backup_id} --shard shard0 --cluster {CLUSTER}\n" \
           f"mongo-admin restore shard {backup_id} --shard shard1 --cluster {CLUSTER}" in commands
    assert book["markdown"].startswith(f"# {book['title']}\n\n- type: full")
    assert "## 3. Restore\n\nWhole cluster" in book["markdown"]


def test_schedules_create_list_pause_resume_delete(idle_ops: ApiHarness) -> None:
    admin, operator, viewer = (idle_ops.headers(role) for role in ("admin", "operator", "viewer"))
    created = idle_ops.client.post("/api/v1/schedules", headers=admin, json={
        "name": "nightly", "kind": "backup", "cluster": CLUSTER, "cron": "30 2 * * *", "timezone": "Europe/Paris",
        "params": {"type": "full"}})
    assert created.status_code == 201, created.text
    schedule = created.json()
    assert schedule["params"] == {"type": "full"}  # the home it runs in is not shown
    runs = [dt.datetime.fromisoformat(at) for at in schedule["next_runs"]]
    assert len(runs) == 5 and runs == sorted(runs)
    for run in runs:  # 02:30 in Paris, whatever the season
        local_time = run.astimezone(ZoneInfo("Europe/Paris"))
        assert (local_time.hour, local_time.minute) == (2, 30)
    assert schedule["next_run_at"] is not None and dt.datetime.fromisoformat(schedule["next_run_at"]) == runs[0]

    for kind in ("verify", "drill", "health-check"):
        other = idle_ops.client.post("/api/v1/schedules", headers=admin, json={
            "name": f"{kind} weekly", "kind": kind, "cluster": CLUSTER, "cron": "0 4 * * 0"})
        assert other.status_code == 201, other.text
    listed = idle_ops.client.get("/api/v1/schedules", params={"cluster": CLUSTER}, headers=viewer)
    assert listed.status_code == 200 and listed.json()["count"] == 4

    paused = idle_ops.client.post(f"/api/v1/schedules/{schedule['id']}/pause", headers=operator)
    assert paused.status_code == 200
    assert paused.json()["paused"] is True and paused.json()["next_runs"] == []
    resumed = idle_ops.client.post(f"/api/v1/schedules/{schedule['id']}/resume", headers=operator)
    assert resumed.status_code == 200 and resumed.json()["paused"] is False and len(resumed.json()["next_runs"]) == 5

    changed = idle_ops.client.patch(f"/api/v1/schedules/{schedule['id']}", headers=admin,
                                    json={"cron": "0 5 * * *", "timezone": "UTC"})
    assert changed.status_code == 200
    assert all(dt.datetime.fromisoformat(at).hour == 5 for at in changed.json()["next_runs"])

    bad = idle_ops.client.post("/api/v1/schedules", headers=admin, json={
        "name": "bad", "kind": "backup", "cluster": CLUSTER, "cron": "0 3 * * *", "timezone": "Mars/Olympus"})
    assert bad.status_code == 400 and "Mars/Olympus" in bad.json()["detail"]
    unknown = idle_ops.client.post("/api/v1/schedules", headers=admin, json={
        "name": "elsewhere", "kind": "backup", "cluster": "nowhere", "cron": "0 3 * * *"})
    assert unknown.status_code == 404

    deleted = idle_ops.client.delete(f"/api/v1/schedules/{schedule['id']}", headers=admin)
    assert deleted.status_code == 204
    gone = idle_ops.client.get(f"/api/v1/schedules/{schedule['id']}", headers=viewer)
    assert gone.status_code == 404


def test_metrics_series_shows_the_gap_of_a_stopped_node(ops: ApiHarness, home: Path) -> None:
    viewer = ops.headers("viewer")
    app: Any = ops.client.app
    paths, record = open_cluster(CLUSTER, home)
    poller = Poller(Collector(ClusterAccess(paths, record)), sessions=app.state.sessions)
    app.state.pollers[CLUSTER] = poller
    try:
        first = poller.round()
        second = poller.round()
        stop_node(paths, record.layout.node("shard1-0"))
        last = poller.round()
        assert [gap.node for gap in last.gaps] == ["shard1-0"]

        latest = ops.client.get(url("/metrics/latest"), headers=viewer)
        assert latest.status_code == 200, latest.text
        nodes = {node["node"]: node for node in latest.json()["nodes"]}
        assert nodes["shard1-0"]["up"] is False and nodes["shard0-0"]["up"] is True
        assert latest.json()["interval_s"] is None  # this API collects nothing itself (interval 0)
        assert dt.datetime.fromisoformat(latest.json()["taken_at"]) == last.taken_at
        assert 0 <= latest.json()["age_s"] < 60
        assert "connections.current" in nodes["router-0"]["values"]

        # A step shorter than half the time between rounds puts each round in a step of its own.
        step = min(second.taken_at - first.taken_at, last.taken_at - second.taken_at) / 2
        series = ops.client.get(url("/metrics/series"), headers=viewer, params={
            "node": "shard1-0", "metric": "connections.current", "start": (first.taken_at - step).isoformat(),
            "end": (last.taken_at + step).isoformat(), "step": step.total_seconds()})
        assert series.status_code == 200, series.text
        points = series.json()["points"]
        assert any(point["value"] is not None for point in points)
        assert any(point["gap"] == NODE_DOWN and point["value"] is None for point in points)

        # A chart's series at once: the same points as one by one, in node-then-metric order.
        batch = ops.client.get(url("/metrics/series/batch"), headers=viewer, params={
            "node": ["shard1-0", "router-0"], "metric": ["connections.current", "opcounters.command"],
            "start": (first.taken_at - step).isoformat(), "end": (last.taken_at + step).isoformat(),
            "step": step.total_seconds()})
        assert batch.status_code == 200, batch.text
        assert [(s["node"], s["metric"], s["kind"]) for s in batch.json()["series"]] == [
            ("shard1-0", "connections.current", "gauge"), ("shard1-0", "opcounters.command", "rate"),
            ("router-0", "connections.current", "gauge"), ("router-0", "opcounters.command", "rate")]
        assert batch.json()["series"][0]["points"] == points
        too_many = ops.client.get(url("/metrics/series/batch"), headers=viewer, params={
            "node": "router-0", "metric": "connections.current", "start": "2026-01-01T00:00:00Z",
            "end": "2026-01-03T00:00:00Z", "step": 1})
        assert too_many.status_code == 400 and too_many.json()["detail"].startswith("too many points")

        exposition = ops.client.get("/api/v1/metrics", headers=viewer)
        assert exposition.status_code == 200 and exposition.headers["content-type"].startswith("text/plain")
        families = list(text_string_to_metric_families(exposition.text))
        labelled = [s for family in families for s in family.samples if s.labels.get("cluster") == CLUSTER]
        assert labelled and any(s.labels.get("node") == "shard1-0" for s in labelled)
        assert ops.client.get("/api/v1/metrics").status_code == 401
    finally:
        app.state.pollers.pop(CLUSTER, None)
        poller.collector.close()
