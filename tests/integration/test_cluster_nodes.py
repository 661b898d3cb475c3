"""Stopping and starting one node of a deployed cluster — as an operator does for maintenance, through the CLI and
through the API's jobs — against real simulator processes: a stopped secondary is reported down by `cluster
status` and by the API's cluster detail, and back once started; a stopped primary is stepped down first, so its
replica set elects another; a stopped router is down and comes back; an unknown node is refused naming the valid
ones."""

from __future__ import annotations

import json
import shutil
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.main import cli
from mongo_admin.ops.cluster.status import cluster_status
from tests.support.clusters import deployed_cluster
from tests.support.platform_api import ApiHarness, make_settings, running_api
from tests.support.simproc import free_port_block, wait_until

# A shard of three members (one can be stopped and the set keeps a primary), two routers; security on as deployed
# by default (keyfile, administrator).
SPEC = """\
name: nodes
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 3}}]
  routers: 2
ports: {{base: {base}}}
"""
JOB_TIMEOUT_S = 120.0


@pytest.fixture
def live_api(home: Path, tmp_path: Path, migrated_db_template: Path,
             cheap_password_hashing: None) -> Iterator[ApiHarness]:
    """The API with its job workers running in the test's home (no pollers: detail reads the cluster live)."""
    db_path = tmp_path / "platform.db"
    shutil.copy(migrated_db_template, db_path)
    with running_api(make_settings(db_path, background=True, scheduler_enabled=False,
                                   metrics_interval_s=0.0)) as harness:
        yield harness


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), prog_name="mongo-admin")


def run_json(*args: str) -> Any:
    result = run("--output", "json", *args)
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def states(home: Path) -> dict[str, str]:
    """Every member's and router's state as `cluster status` reports it."""
    status = cluster_status("nodes", home)
    return {**{m.node: m.state for m in status.members}, **{r.node: r.state for r in status.routers}}


def finished_job(api: ApiHarness, accepted: Any) -> dict[str, Any]:
    assert accepted.status_code == 202, accepted.text
    job_id = accepted.json()["id"]

    def ended() -> dict[str, Any] | None:
        job: dict[str, Any] = api.client.get(f"/api/v1/jobs/{job_id}", headers=api.headers("viewer")).json()
        return job if job["state"] in ("succeeded", "failed", "cancelled") else None

    job = wait_until(ended, f"job {job_id} to end", timeout=JOB_TIMEOUT_S)
    assert job["state"] == "succeeded", job
    return job


def detail_states(api: ApiHarness) -> dict[str, str]:
    """Member and router states in the API's cluster detail, read now (``refresh=true``)."""
    answer = api.client.get("/api/v1/clusters/nodes", params={"refresh": "true"}, headers=api.headers("viewer"))
    assert answer.status_code == 200, answer.text
    topology = answer.json()["topology"]
    return {**{m["node"]: m["state"] for m in topology["members"]},
            **{r["node"]: r["state"] for r in topology["routers"]}}


def test_one_member_or_router_stops_and_starts_and_a_primary_hands_over(home: Path, live_api: ApiHarness) -> None:
    api = live_api
    with deployed_cluster(SPEC.format(base=free_port_block(10)), home):
        registered = api.client.post("/api/v1/clusters", json={"deployed": "nodes"}, headers=api.headers("admin"))
        assert registered.status_code == 201, registered.text
        primary = next(m.node for m in cluster_status("nodes", home).members
                       if m.replica_set == "shard0" and m.state == "PRIMARY")
        secondary = next(m.node for m in cluster_status("nodes", home).members
                         if m.replica_set == "shard0" and m.state == "SECONDARY")

        # A secondary, through the CLI: reported down by `cluster status` and by the API's detail.
        stopped = run_json("cluster", "stop", "--cluster", "nodes", "--node", secondary)
        assert stopped["message"].startswith(f"cluster nodes: stopped {secondary} (")
        assert stopped["message"].endswith("; 2 of 3 members of shard0 run")
        assert [a["action"] for a in stopped["nodes"]] == ["stopped (SIGTERM)"]
        status = run_json("cluster", "status", "--cluster", "nodes")
        assert {m["node"]: m["state"] for m in status["members"]}[secondary] == "DOWN"
        assert status["health"] == "degraded"
        assert detail_states(api)[secondary] == "DOWN"
        again = run_json("cluster", "stop", "--cluster", "nodes", "--node", secondary)
        assert again["nodes"][0]["action"] == "already stopped"

        # Started again through the API, as a job of the deployment class; audited.
        job = finished_job(api, api.client.post(f"/api/v1/deployments/nodes/nodes/{secondary}/start",
                                                headers=api.headers("operator")))
        assert (job["kind"], job["operation_class"], job["params"]["node"]) == ("node-start", "deployment", secondary)
        assert job["result"]["message"].startswith(f"cluster nodes: started {secondary} (")
        assert "SECONDARY of shard0" in job["result"]["message"]
        wait_until(lambda: states(home)[secondary] == "SECONDARY", f"{secondary} reported SECONDARY again")
        wait_until(lambda: detail_states(api)[secondary] == "SECONDARY", "the detail to show it SECONDARY")

        # The primary, through the API: stepped down first, another member elected, then stopped.
        job = finished_job(api, api.client.post(f"/api/v1/deployments/nodes/nodes/{primary}/stop",
                                                headers=api.headers("operator")))
        message = job["result"]["message"]
        assert f"stopped {primary} (" in message and ", the primary of shard0, after stepping it down: " in message
        assert job["result"]["nodes"][0]["action"] == "stopped (SIGTERM) after a step-down"
        successor = message.split("after stepping it down: ")[1].split(" is its primary now")[0]
        assert successor in ("shard0-0", "shard0-1", "shard0-2") and successor != primary
        now = wait_until(lambda: (seen := states(home))[successor] == "PRIMARY" and seen, "the new primary")
        assert now[primary] == "DOWN"
        shard_states = {node: state for node, state in detail_states(api).items() if node.startswith("shard0")}
        assert [node for node, state in shard_states.items() if state == "PRIMARY"] == [successor]
        audited = api.client.get("/api/v1/audit", params={"path_prefix": "/api/v1/deployments/nodes/nodes/"},
                                 headers=api.headers("admin")).json()
        assert {(e["method"], e["path"], e["actor"], e["status"]) for e in audited["data"]} == {
            ("POST", f"/api/v1/deployments/nodes/nodes/{secondary}/start", "operator", 202),
            ("POST", f"/api/v1/deployments/nodes/nodes/{primary}/stop", "operator", 202)}
        back = run_json("cluster", "start", "--cluster", "nodes", "--node", primary)
        assert back["message"].startswith(f"cluster nodes: started {primary} (")

        # A router: down, then up again.
        run_json("cluster", "stop", "--cluster", "nodes", "--node", "router-1")
        assert states(home)["router-1"] == "DOWN"
        started = run_json("cluster", "start", "--cluster", "nodes", "--node", "router-1")
        assert started["message"].endswith("; 2 of 2 routers run")
        assert states(home)["router-1"] == "UP"

        # An unknown node: refused, naming the valid ones, by the CLI and by the API (nothing queued).
        refused = run("cluster", "stop", "--cluster", "nodes", "--node", "shard9-0")
        assert refused.exit_code == 1
        assert refused.stderr.startswith("error: cluster nodes has no node 'shard9-0': its nodes are cfg-0, "
                                         "shard0-0, shard0-1, shard0-2, router-0, router-1\n")
        answer = api.client.post("/api/v1/deployments/nodes/nodes/shard9-0/stop", headers=api.headers("operator"))
        assert answer.status_code == 404
        assert answer.json() == {"detail": "cluster nodes has no node 'shard9-0': its nodes are cfg-0, shard0-0, "
                                           "shard0-1, shard0-2, router-0, router-1"}
        jobs = api.client.get("/api/v1/jobs", params={"cluster": "nodes"}, headers=api.headers("viewer")).json()
        assert jobs["count"] == 2
