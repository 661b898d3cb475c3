"""Jobs through the API: a deployment job deploys a small cluster (1-member config, one 1-member shard, one
router) against real simulator processes, its event stream ends with ``succeeded`` and the cluster's detail shows
it healthy; a conflicting job gets 409 naming the holder; a running job is cancelled; cluster credentials are
never returned."""

from __future__ import annotations

import json
import shutil
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from mongo_admin.api.app import create_app
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.jobs.runner import JobContext, JobRunner
from tests.support.platform_api import ROLES, ApiHarness, make_settings
from tests.support.simproc import free_port_block

SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}]
  routers: 1
ports: {{base: {base}}}
security: {{auth: false, keyfile: false}}
"""
GATE_TIMEOUT_S = 60.0


@pytest.fixture
def live_api(home: Path, tmp_path: Path, migrated_db_template: Path,
             cheap_password_hashing: None) -> Iterator[ApiHarness]:
    """The API with its job workers running (and metrics polled once a minute), in the test's home."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    settings = make_settings(db_path, background=True, scheduler_enabled=False, metrics_interval_s=60.0)
    with TestClient(create_app(settings), raise_server_exceptions=False) as client:
        harness = ApiHarness(settings, client)
        for role in ROLES:
            harness.users[role] = harness.add_user(role, role)
        yield harness


def runner_of(api: ApiHarness) -> JobRunner:
    runner: JobRunner = api.client.app.state.runner  # type: ignore[attr-defined]
    return runner


def events(api: ApiHarness, job_id: str) -> list[dict[str, Any]]:
    """Every event of the job's stream, until the server ends it (after the terminal state)."""
    received = []
    with api.client.stream("GET", f"/api/v1/jobs/{job_id}/events", headers=api.headers("viewer")) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        kind = None
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
            elif line.startswith("data: "):
                data = json.loads(line.removeprefix("data: "))
                assert data["type"] == kind
                received.append(data)
    return received


def test_deploy_job_streams_to_succeeded_and_the_cluster_is_healthy(live_api: ApiHarness) -> None:
    api = live_api
    spec = SPEC.format(name="apidep", base=free_port_block(10))
    submitted = api.client.post("/api/v1/deployments", json={"spec": spec}, headers=api.headers("operator"))
    assert submitted.status_code == 202, submitted.text
    job = submitted.json()
    assert (job["kind"], job["cluster"], job["operation_class"]) == ("deploy", "apidep", "deployment")
    assert job["requested_by"] == "operator"

    stream = events(api, job["id"])
    assert stream[-1]["type"] == "state" and stream[-1]["state"] == "succeeded"
    steps = {event["step"] for event in stream if event["type"] == "progress"}
    assert {"preflight", "config servers", "add shards", "verify"} <= steps
    percents = [event["progress"] for event in stream if event["type"] == "progress"]
    assert percents == sorted(percents)

    detail = api.client.get(f"/api/v1/jobs/{job['id']}", headers=api.headers("viewer")).json()
    assert detail["state"] == "succeeded" and detail["progress"] == 100.0
    assert detail["result"]["cluster"] == "apidep" and detail["result"]["connection_string"]
    assert any(line["line"].startswith("verify") for line in detail["logs"])

    # The job registered the cluster it deployed; its detail reads the live topology and health.
    cluster = api.client.get("/api/v1/clusters/apidep", headers=api.headers("viewer"))
    assert cluster.status_code == 200, cluster.text
    body = cluster.json()
    assert (body["source"], body["status"], body["error"]) == ("deployed", "healthy", None)
    assert [rs["name"] for rs in body["topology"]["replica_sets"]] == ["cfg", "shard0"]
    # Typed: the deployed shape, saying which server runs.
    assert (body["topology"]["source"], body["topology"]["server"], body["topology"]["simulator"]) == (
        "deployed", "sandbox (mongosim)", True)
    assert body["topology"]["version"] and body["topology"]["balancer"]["mode"] == "full"
    assert all(member["state"] == "PRIMARY" for member in body["topology"]["members"])
    assert body["health"]["cluster"] == "apidep"
    assert "apidep" in api.client.app.state.pollers  # type: ignore[attr-defined]
    listed = api.client.get("/api/v1/deployments", headers=api.headers("viewer")).json()
    assert [(d["name"], d["running"], d["processes"]) for d in listed["data"]] == [("apidep", 3, 3)]

    # Destroy (admin only) ends the cluster and its registration.
    assert api.client.post("/api/v1/deployments/apidep/destroy",
                           headers=api.headers("operator")).status_code == 403
    destroyed = api.client.post("/api/v1/deployments/apidep/destroy", headers=api.headers("admin"))
    assert destroyed.status_code == 202, destroyed.text
    assert events(api, destroyed.json()["id"])[-1]["state"] == "succeeded"
    assert api.client.get("/api/v1/clusters/apidep", headers=api.headers("viewer")).status_code == 404
    assert "apidep" not in api.client.app.state.pollers  # type: ignore[attr-defined]


def _gated(gate: threading.Event, started: threading.Event):  # type: ignore[no-untyped-def]
    """A job that runs until ``gate`` is set or it is cancelled, checking for cancellation at safe points."""

    def run(ctx: JobContext) -> str:
        ctx.progress(10.0, "waiting", "holding the deployment lock")
        started.set()
        while not gate.wait(0.05):
            ctx.check_cancelled()
        return "released"

    return run


def test_a_conflicting_job_gets_409_naming_the_holder(live_api: ApiHarness) -> None:
    api = live_api
    gate, started = threading.Event(), threading.Event()
    holder = runner_of(api).submit("deploy", "busy", "deployment", _gated(gate, started), requested_by="admin")
    try:
        assert started.wait(GATE_TIMEOUT_S)
        refused = api.client.post("/api/v1/deployments", json={"spec": SPEC.format(name="busy", base=29100)},
                                  headers=api.headers("operator"))
        assert refused.status_code == 409
        assert refused.json() == {"detail": refused.json()["detail"]}
        assert refused.json()["detail"].startswith(
            f"another operation is running on cluster busy: deploy job {holder.id} (started ")
        assert refused.json()["detail"].endswith(", running)")
        # Nothing was recorded for the refused request.
        jobs = api.client.get("/api/v1/jobs", params={"cluster": "busy"}, headers=api.headers("viewer")).json()
        assert [job["id"] for job in jobs["data"]] == [holder.id]
    finally:
        gate.set()
    assert events(api, holder.id)[-1]["state"] == "succeeded"
    assert api.client.get(f"/api/v1/jobs/{holder.id}", headers=api.headers("viewer")).json()["result"] == "released"


def test_cancel_a_running_job_through_the_api(live_api: ApiHarness) -> None:
    api = live_api
    gate, started = threading.Event(), threading.Event()
    job = runner_of(api).submit("deploy", "slow", "deployment", _gated(gate, started))
    try:
        assert started.wait(GATE_TIMEOUT_S)
        assert api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=api.headers("viewer")).status_code == 403
        cancelled = api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=api.headers("operator"))
        assert cancelled.status_code == 200, cancelled.text
        assert cancelled.json()["cancel_requested"] is True
        stream = events(api, job.id)
    finally:
        gate.set()
    assert stream[-1]["state"] == "cancelled"
    detail = api.client.get(f"/api/v1/jobs/{job.id}", headers=api.headers("viewer")).json()
    assert (detail["state"], detail["failed_step"]) == ("cancelled", "waiting")
    assert "cancellation requested" in [line["line"] for line in detail["logs"]]
    # A finished job cannot be cancelled again; an unknown one is not found.
    again = api.client.post(f"/api/v1/jobs/{job.id}/cancel", headers=api.headers("operator"))
    assert again.status_code == 409
    assert again.json()["detail"].startswith(f"job {job.id} cannot go from cancelled to cancelled")
    assert api.client.get("/api/v1/jobs/nope", headers=api.headers("viewer")).status_code == 404
    # The lock went with the job: the next deployment job on that cluster is accepted.
    following = runner_of(api).submit("deploy", "slow", "deployment", lambda ctx: "next")
    assert runner_of(api).wait(following.id, GATE_TIMEOUT_S).state == "succeeded"


def test_job_list_filters(api: ApiHarness) -> None:
    runner = runner_of(api)
    first = runner.submit("noop", "one", None, lambda ctx: None)
    second = runner.submit("other", "two", None, lambda ctx: None)
    runner.cancel(second.id)
    listed = api.client.get("/api/v1/jobs", headers=api.headers("viewer")).json()
    assert listed["count"] == 2 and {job["id"] for job in listed["data"]} == {first.id, second.id}
    by_state = api.client.get("/api/v1/jobs", params={"state": "cancelled"}, headers=api.headers("viewer")).json()
    assert [job["id"] for job in by_state["data"]] == [second.id]
    by_kind = api.client.get("/api/v1/jobs", params={"kind": "noop", "cluster": "one"},
                             headers=api.headers("viewer")).json()
    assert [job["id"] for job in by_kind["data"]] == [first.id]
    bad = api.client.get("/api/v1/jobs", params={"state": "sleeping"}, headers=api.headers("viewer"))
    assert bad.status_code == 422 and bad.json()["detail"].startswith("query.state")


SECRET = "very-secret-Password-42"


def test_cluster_credentials_are_stored_encrypted_and_never_returned(api: ApiHarness) -> None:
    body = {"name": "remote", "connection_string": "mongodb://127.0.0.1:1/", "username": "ops",
            "password": SECRET, "auth_source": "admin"}
    created = api.client.post("/api/v1/clusters", json=body, headers=api.headers("admin"))
    assert created.status_code == 201, created.text
    assert created.json()["has_credentials"] is True and created.json()["source"] == "registered"
    responses = [created,
                 api.client.get("/api/v1/clusters", headers=api.headers("viewer")),
                 api.client.get("/api/v1/clusters/remote", headers=api.headers("viewer"))]
    for response in responses:
        assert response.status_code in (200, 201)
        assert SECRET not in response.text and "password" not in response.text
    detail = responses[-1].json()
    assert (detail["status"], detail["topology"]) == ("unreachable", None) and detail["error"]
    with api.sessions()() as session:
        row = session.query(RegisteredCluster).filter_by(name="remote").one()
        assert row.credentials_encrypted is not None and SECRET not in row.credentials_encrypted
        credentials = row.credentials(api.client.app.state.cipher)  # type: ignore[attr-defined]
    assert credentials is not None and (credentials.username, credentials.password) == ("ops", SECRET)

    duplicate = api.client.post("/api/v1/clusters", json=body, headers=api.headers("admin"))
    assert duplicate.status_code == 409 and duplicate.json() == {"detail": "a cluster with this name is already "
                                                                           "registered"}
    embedded = dict(body, name="inline", connection_string=f"mongodb://ops:{SECRET}@127.0.0.1:1/")
    refused = api.client.post("/api/v1/clusters", json=embedded, headers=api.headers("admin"))
    assert refused.status_code == 422 and SECRET not in refused.text
    missing = api.client.post("/api/v1/clusters", json={"deployed": "nowhere"}, headers=api.headers("admin"))
    assert missing.status_code == 400
    assert missing.json() == {"detail": "no cluster of this name was deployed on this machine"}
    assert api.client.delete("/api/v1/clusters/remote", headers=api.headers("admin")).status_code == 204
    assert api.client.get("/api/v1/clusters", headers=api.headers("viewer")).json()["count"] == 0


def test_an_invalid_spec_is_refused_before_any_job(api: ApiHarness) -> None:
    refused = api.client.post("/api/v1/deployments", json={"spec": "name: x\ntopology: {routers: -1}\n"},
                              headers=api.headers("operator"))
    assert refused.status_code == 400
    assert refused.json()["detail"].startswith("the cluster spec is not valid: ")
    assert api.client.get("/api/v1/jobs", headers=api.headers("viewer")).json()["count"] == 0
