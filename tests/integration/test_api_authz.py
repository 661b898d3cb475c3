"""The authorization matrix: every endpoint of the API x {anonymous, viewer, operator, admin} → expected status.

Each row names an endpoint and the least role that may call it (None: anyone, even anonymous). Callers below
that role get 403, anonymous callers 401, the others the endpoint's success status, and each status is one the
OpenAPI document lists for the endpoint. A new router adds its rows here; ``test_every_endpoint_is_in_the_matrix``
fails until it does.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from mongo_admin.api.app import build_app, openapi_document
from mongo_admin.db.models import RegisteredCluster
from tests.support.platform_api import (
    PASSWORD,
    ApiHarness,
    make_settings,
)

CALLERS = (None, "viewer", "operator", "admin")
DOCUMENT = openapi_document()
RANK = {"viewer": 0, "operator": 1, "admin": 2}


def _new_user(api: ApiHarness, caller: str | None) -> dict[str, str]:
    return {"user_id": str(api.add_user(f"target-{caller}", "viewer").id)}


def _own_token(api: ApiHarness, caller: str | None) -> dict[str, str]:
    owner = caller or "viewer"
    created = api.client.post("/api/v1/tokens", json={"name": "t"}, headers=api.headers(owner))
    return {"token_id": str(created.json()["id"])}


def _nowhere(api: ApiHarness, caller: str | None) -> dict[str, str]:
    return {"name": "nowhere", "backup_id": "b1"}


def _deployed_cluster(api: ApiHarness, caller: str | None) -> dict[str, str]:
    with api.sessions()() as session:
        session.add(RegisteredCluster(name="matrix", connection_string="mongodb://127.0.0.1:1", source="deployed"))
        session.commit()
    return {"name": "matrix"}


def _schedule(api: ApiHarness, caller: str | None) -> dict[str, str]:
    _deployed_cluster(api, caller)
    scheduler = api.client.app.state.scheduler  # type: ignore[attr-defined]
    return {"schedule_id": scheduler.create("checks", "health-check", "matrix", "*/15 * * * *").id}


def _registered_cluster(api: ApiHarness, caller: str | None) -> dict[str, str]:
    # Nothing listens on port 1: the detail reports the cluster unreachable (200), it does not fail.
    with api.sessions()() as session:
        session.add(RegisteredCluster(name=f"reg-{caller}", connection_string="mongodb://127.0.0.1:1/"))
        session.commit()
    return {"name": f"reg-{caller}"}


def _job(api: ApiHarness, caller: str | None, *, ended: bool = False) -> dict[str, str]:
    # The harness runs no job workers: the job stays queued until cancelled.
    runner = api.client.app.state.runner  # type: ignore[attr-defined]
    job = runner.submit("noop", f"cluster-{caller}", None, lambda ctx: None)
    if ended:
        runner.cancel(job.id)
    return {"job_id": job.id}


def _ended_job(api: ApiHarness, caller: str | None) -> dict[str, str]:
    return _job(api, caller, ended=True)


MATRIX_SPEC = """\
name: matrix
topology:
  config_servers: {members: 1}
  shards: [{members: 1}]
  routers: 1
ports: {base: 29000}
security: {auth: false, keyfile: false}
"""


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str
    minimum: str | None
    ok: int
    json: dict[str, Any] | None = None
    form: dict[str, str] | None = None
    query: dict[str, str] | None = None
    # Whether callers authenticate with a dashboard session (cookie and CSRF token) instead of a bearer token.
    session: bool = False
    # Makes the objects the path names, for the calling role; returns the path parameters.
    setup: Callable[[ApiHarness, str | None], dict[str, str]] = field(default=lambda api, caller: {})

    def __str__(self) -> str:
        return f"{self.method} {self.path}"


ENDPOINTS = [
    Endpoint("POST", "/api/v1/auth/token", None, 200, form={"username": "viewer", "password": PASSWORD}),
    Endpoint("GET", "/api/v1/auth/me", "viewer", 200),
    Endpoint("POST", "/api/v1/auth/session", None, 201, json={"username": "viewer", "password": PASSWORD}),
    Endpoint("GET", "/api/v1/auth/session", "viewer", 200, session=True),
    Endpoint("DELETE", "/api/v1/auth/session", "viewer", 204, session=True),
    Endpoint("POST", "/api/v1/tokens", "viewer", 201, json={"name": "automation"}),
    Endpoint("GET", "/api/v1/tokens", "viewer", 200),
    Endpoint("DELETE", "/api/v1/tokens/{token_id}", "viewer", 204, setup=_own_token),
    Endpoint("GET", "/api/v1/users", "admin", 200),
    Endpoint("POST", "/api/v1/users", "admin", 201,
             json={"username": "newcomer", "password": "a long enough password", "role": "operator"}),
    Endpoint("PUT", "/api/v1/users/me/password", "viewer", 204,
             json={"current_password": PASSWORD, "new_password": "another long password"}),
    Endpoint("PATCH", "/api/v1/users/{user_id}", "admin", 200, json={"role": "operator"}, setup=_new_user),
    Endpoint("DELETE", "/api/v1/users/{user_id}", "admin", 204, setup=_new_user),
    Endpoint("GET", "/api/v1/audit", "admin", 200),
    Endpoint("GET", "/api/v1/health", None, 200),
    Endpoint("POST", "/api/v1/clusters", "admin", 201,
             json={"name": "remote", "connection_string": "mongodb://db1.example:27017,db2.example:27017/",
                   "username": "ops", "password": "not-returned-ever"}),
    Endpoint("GET", "/api/v1/clusters", "viewer", 200),
    Endpoint("GET", "/api/v1/clusters/{name}", "viewer", 200, setup=_registered_cluster),
    Endpoint("DELETE", "/api/v1/clusters/{name}", "admin", 204, setup=_registered_cluster),
    # Read live from the cluster: checked on a name nobody registered (a real reading is in
    # tests/integration/test_cluster_distribution.py).
    Endpoint("GET", "/api/v1/clusters/{name}/distribution", "viewer", 404, setup=_nowhere),
    Endpoint("GET", "/api/v1/deployments", "viewer", 200),
    # Deploy is recorded as a queued job (no workers run here); the lifecycle actions name a cluster not deployed
    # in the test's home, so an authorized caller gets 404 once past the role check (tests/integration/
    # test_api_jobs_deploy.py runs them for real).
    Endpoint("POST", "/api/v1/deployments", "operator", 202, json={"spec": MATRIX_SPEC}),
    Endpoint("POST", "/api/v1/deployments/plan", "operator", 200, json={"spec": MATRIX_SPEC}),
    Endpoint("GET", "/api/v1/deployments/{name}/status", "viewer", 404, setup=lambda api, caller: {"name": "none"}),
    Endpoint("GET", "/api/v1/deployments/{name}/health-check", "viewer", 404,
             setup=lambda api, caller: {"name": "none"}),
    Endpoint("POST", "/api/v1/deployments/{name}/stop", "operator", 404, setup=lambda api, caller: {"name": "none"}),
    Endpoint("POST", "/api/v1/deployments/{name}/start", "operator", 404, setup=lambda api, caller: {"name": "none"}),
    Endpoint("POST", "/api/v1/deployments/{name}/restart", "operator", 404,
             setup=lambda api, caller: {"name": "none"}),
    Endpoint("POST", "/api/v1/deployments/{name}/destroy", "admin", 404, setup=lambda api, caller: {"name": "none"}),
    Endpoint("POST", "/api/v1/deployments/{name}/nodes/{node}/stop", "operator", 404,
             setup=lambda api, caller: {"name": "none", "node": "shard0-0"}),
    Endpoint("POST", "/api/v1/deployments/{name}/nodes/{node}/start", "operator", 404,
             setup=lambda api, caller: {"name": "none", "node": "shard0-0"}),
    Endpoint("GET", "/api/v1/jobs", "viewer", 200),
    Endpoint("GET", "/api/v1/jobs/{job_id}", "viewer", 200, setup=_job),
    Endpoint("POST", "/api/v1/jobs/{job_id}/cancel", "operator", 200, setup=_job),
    Endpoint("GET", "/api/v1/jobs/{job_id}/events", "viewer", 200, setup=_ended_job),
    # Backups, restores, point in time: checked on a cluster nobody registered, so a caller allowed past the role
    # check gets the lookup's 404 (their successes, on a deployed cluster, are in test_api_backups.py).
    Endpoint("GET", "/api/v1/clusters/{name}/backups", "viewer", 404, setup=_nowhere),
    Endpoint("POST", "/api/v1/clusters/{name}/backups", "operator", 404, setup=_nowhere, json={"type": "full"}),
    Endpoint("POST", "/api/v1/clusters/{name}/backups/prune", "operator", 404, setup=_nowhere),
    Endpoint("GET", "/api/v1/clusters/{name}/backups/status", "operator", 404, setup=_nowhere),
    Endpoint("GET", "/api/v1/clusters/{name}/backups/{backup_id}", "viewer", 404, setup=_nowhere),
    Endpoint("DELETE", "/api/v1/clusters/{name}/backups/{backup_id}", "operator", 404, setup=_nowhere),
    Endpoint("POST", "/api/v1/clusters/{name}/backups/{backup_id}/verify", "operator", 404, setup=_nowhere),
    Endpoint("GET", "/api/v1/clusters/{name}/backups/{backup_id}/runbook", "viewer", 404, setup=_nowhere),
    Endpoint("GET", "/api/v1/clusters/{name}/pitr", "viewer", 404, setup=_nowhere),
    Endpoint("POST", "/api/v1/clusters/{name}/restores", "operator", 404, setup=_nowhere, json={"backup_id": "b1"}),
    Endpoint("POST", "/api/v1/clusters/{name}/restores/preflight", "operator", 404, setup=_nowhere,
             json={"backup_id": "b1"}),
    Endpoint("GET", "/api/v1/clusters/{name}/restores", "viewer", 404, setup=_nowhere),
    # Schedules (on a cluster registered as deployed: creating one does not touch the cluster).
    Endpoint("GET", "/api/v1/schedules", "viewer", 200),
    Endpoint("POST", "/api/v1/schedules", "admin", 201, setup=_deployed_cluster,
             json={"name": "nightly", "kind": "backup", "cluster": "matrix", "cron": "0 3 * * *",
                   "timezone": "Europe/Paris"}),
    Endpoint("POST", "/api/v1/schedules/preview", "viewer", 200, json={"cron": "0 3 * * *", "timezone": "Asia/Seoul"}),
    Endpoint("GET", "/api/v1/schedules/{schedule_id}", "viewer", 200, setup=_schedule),
    Endpoint("PATCH", "/api/v1/schedules/{schedule_id}", "admin", 200, json={"cron": "30 2 * * *"},
             setup=_schedule),
    Endpoint("DELETE", "/api/v1/schedules/{schedule_id}", "admin", 204, setup=_schedule),
    Endpoint("POST", "/api/v1/schedules/{schedule_id}/pause", "operator", 200, setup=_schedule),
    Endpoint("POST", "/api/v1/schedules/{schedule_id}/resume", "operator", 200, setup=_schedule),
    # Metrics: read from the platform database; /metrics needs a viewer's bearer token (an API token for
    # Prometheus), since it names every node's host and port.
    Endpoint("GET", "/api/v1/clusters/{name}/metrics/latest", "viewer", 200, setup=_deployed_cluster),
    Endpoint("GET", "/api/v1/clusters/{name}/metrics/series", "viewer", 200, setup=_deployed_cluster,
             query={"node": "router-0", "metric": "connections.current", "step": "60"}),
    Endpoint("GET", "/api/v1/clusters/{name}/metrics/series/batch", "viewer", 200, setup=_deployed_cluster,
             query={"node": ["router-0", "cfg-0"], "metric": ["connections.current", "opcounters.insert"]}),
    Endpoint("GET", "/api/v1/metrics", "viewer", 200),
]


def expected_status(endpoint: Endpoint, caller: str | None) -> int:
    if endpoint.minimum is None:
        return endpoint.ok
    if caller is None:
        return 401
    return endpoint.ok if RANK[caller] >= RANK[endpoint.minimum] else 403


@pytest.mark.parametrize("caller", CALLERS, ids=lambda caller: caller or "anonymous")
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=str)
def test_authorization_matrix(api: ApiHarness, endpoint: Endpoint, caller: str | None) -> None:
    path = endpoint.path.format(**endpoint.setup(api, caller))
    headers = api.session_headers(caller) if endpoint.session else api.headers(caller)
    response = api.client.request(endpoint.method, path, json=endpoint.json, data=endpoint.form,
                                  params=endpoint.query, headers=headers)
    assert response.status_code == expected_status(endpoint, caller), response.text
    assert str(response.status_code) in DOCUMENT["paths"][endpoint.path][endpoint.method.lower()]["responses"], \
        f"{endpoint}: {response.status_code} is not in the OpenAPI document"
    if response.status_code >= 400:
        assert response.json() == {"detail": response.json()["detail"]}


def test_every_endpoint_is_in_the_matrix(tmp_path: Any) -> None:
    # The OpenAPI document is the list of what the API exposes (included routers are nested in app.routes).
    paths = build_app(make_settings(tmp_path / "unused.db")).openapi()["paths"]
    routes = {f"{method.upper()} {path}" for path, operations in paths.items() for method in operations}
    assert routes == {str(endpoint) for endpoint in ENDPOINTS}
