"""The CLI's API mode (``--api URL``) against a real API served over HTTP and real simulator clusters: each command
with an API counterpart prints the same JSON through the API as on this machine, long operations are followed as
jobs to the same result, and the API's refusals read as the CLI's usual errors.

Only what differs between any two runs is set aside before comparing (``steady``): what a run creates is named
anew each time (restore ids, a drill's scratch cluster, a deploy's log: the API run's is swapped for the local
run's; backup ids are times), times (a backup's
restore point, in fields and messages), durations, stored sizes (the oplog a backup captures differs), and live
measurements (uptimes, lags, balancer rounds, connections in use, free disk space).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import signal
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from mongo_admin.cli.main import cli
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from tests.support.clusters import deployed_cluster
from tests.support.platform_api import PASSWORD
from tests.support.served_api import ServedApi, served_api
from tests.support.simproc import free_port, free_port_block, wait_until

pytestmark = pytest.mark.timeout(900)
EXECUTABLE = str(Path(sys.executable).parent / "mongo-admin")
CLUSTER = "cm"
SPEC = """\
name: {name}
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
backup: {{pitr: {{enabled: true, slice_seconds: 5}}}}
"""
# Keys whose values differ between two runs of the same command, wherever they are in a result.
VOLATILE = {"elapsed_s", "recovery_time_s", "phases", "timings", "uptime_s", "lag_s", "numBalancerRounds",
            "inBalancerRound", "heartbeat_age_s", "restore_to_time", "stored_bytes", "size_bytes"}
# Times, sizes and durations inside messages. Backup and restore ids are times too, with "-N" when several were
# made in one second (a restore's id can then equal, as text, the id of the backup it restores).
MEASURED_TEXT = re.compile(r"\d{4}-\d\d-\d\dT[\d:.]+(Z|[+-]\d\d:\d\d)?(-\d+)?|\d+(\.\d+)? (s|MiB|KiB|B)\b")
# Checks of health-check whose detail is a live measurement.
MEASURED_CHECKS = {"connections", "disk space", "oplog window", "replication lag"}


def spec(name: str) -> str:
    return SPEC.format(name=name, base=free_port_block(10))


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("cli-api-home")
    text = spec(CLUSTER)
    with deployed_cluster(text, home):
        paths, record = open_cluster(CLUSTER, home)
        with ClusterAccess(paths, record).router_client(timeout_s=30.0) as client:
            client.admin.command("enableSharding", "app")
            client.admin.command("shardCollection", "app.items", key={"_id": "hashed"})
            client["app"]["items"].insert_many([{"_id": n, "n": n} for n in range(200)])
            client["app"]["notes"].insert_many([{"text": f"note {n}"} for n in range(20)])
        yield home


@pytest.fixture(scope="module")
def served(home: Path, tmp_path_factory: pytest.TempPathFactory, migrated_db_template: Path,
           cheap_password_hashing: None) -> Iterator[ServedApi]:
    with served_api(home, tmp_path_factory.mktemp("cli-api-db"), migrated_db_template, background=True,
                    scheduler_enabled=False) as api:
        api.register_deployed(CLUSTER)
        yield api


def run(home: Path, *args: str, api: ServedApi | None = None, role: str = "operator",
        output: str = "json") -> Result:
    """``mongo-admin -o OUTPUT [--api URL] ARGS`` with the token of the user of ``role``."""
    env: dict[str, str | None] = {"MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_API_URL": None,
                                  "MONGO_ADMIN_API_TOKEN": None, "MONGO_ADMIN_API_TOKEN_FILE": None,
                                  "MONGO_ADMIN_OUTPUT": None, "MONGO_ADMIN_CLUSTER": None}
    prefix = ["-o", output]
    if api is not None:
        prefix += ["--api", api.url]
        env["MONGO_ADMIN_API_TOKEN"] = api.token(role)
    return CliRunner(env=env).invoke(cli, [*prefix, *args])


def ok(result: Result) -> Any:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def steady(data: Any, renamed: dict[str, str] | None = None) -> Any:
    """``data`` with the volatile fields set aside and the ids in ``renamed`` replaced."""
    if isinstance(data, dict):
        if data.get("check") in MEASURED_CHECKS:
            data = {**data, "detail": "<measured>"}
        return {key: "<volatile>" if key in VOLATILE else steady(value, renamed) for key, value in data.items()}
    if isinstance(data, list):
        return [steady(item, renamed) for item in data]
    if isinstance(data, str):
        for old, new in (renamed or {}).items():
            data = data.replace(old, new)
        return MEASURED_TEXT.sub("<measured>", data)
    return data


def same(home: Path, served: ServedApi, *args: str, role: str = "operator") -> Any:
    """Run ARGS here and through the API; assert the same JSON; the local one."""
    local = ok(run(home, *args))
    remote = ok(run(home, *args, api=served, role=role))
    assert steady(remote) == steady(local)
    return local


def test_cluster_reads_match_local(home: Path, served: ServedApi) -> None:
    listed = same(home, served, "cluster", "list")
    assert [entry["name"] for entry in listed] == [CLUSTER]
    status = same(home, served, "cluster", "status", role="viewer")
    assert status["health"] == "healthy"
    report = same(home, served, "health-check", "--cluster", CLUSTER, "--lag-warning", "20", role="viewer")
    assert report["exit_code"] == 0
    spread = same(home, served, "cluster", "distribution", "--cluster", CLUSTER, role="viewer")
    assert spread["cluster"] == CLUSTER and spread["totals"]["shards"] == len(spread["shards"])
    table_local = run(home, "cluster", "list", output="table")
    table_remote = run(home, "cluster", "list", output="table", api=served)
    assert table_remote.stdout == table_local.stdout


def twice(home: Path, served: ServedApi, *args: str, id_key: str) -> tuple[Any, Any]:
    """Run ARGS (an operation that creates something named ``id_key``) through the API, then here; assert the same
    JSON once the API run's id is swapped for the local run's; both results."""
    remote = ok(run(home, *args, api=served))
    local = ok(run(home, *args))
    assert steady(remote, {remote[id_key]: local[id_key]}) == steady(local)
    return remote, local


@pytest.mark.parametrize("kind", [["--type", "full"], ["--type", "config"], ["--type", "shard", "--shard", "shard1"]],
                         ids=lambda kind: kind[1])
def test_backup_create_matches_local(home: Path, served: ServedApi, kind: list[str]) -> None:
    remote, local = twice(home, served, "backup", "create", "--cluster", CLUSTER, *kind, id_key="backup_id")
    assert remote["state"] == local["state"] == "done"
    assert remote["type"] == kind[1]


def test_backup_catalog_commands_match_local(home: Path, served: ServedApi) -> None:
    created = ok(run(home, "backup", "create", "--cluster", CLUSTER, api=served))
    backup_id = created["backup_id"]
    listing = same(home, served, "backup", "list", role="viewer")
    assert backup_id in [entry["backup_id"] for entry in listing["backups"]]
    assert same(home, served, "backup", "show", backup_id, role="viewer")["backup"]["backup_id"] == backup_id
    assert same(home, served, "backup", "verify", backup_id)["ok"] is True
    assert same(home, served, "backup", "status")["running"] is None
    assert same(home, served, "backup", "prune", "--dry-run")["dry_run"] is True
    assert same(home, served, "backup", "pitr", "status", role="viewer")["cluster"] == CLUSTER
    assert same(home, served, "backup", "runbook", backup_id, role="viewer")["backup_id"] == backup_id
    book = run(home, "backup", "runbook", backup_id, output="table", api=served, role="viewer")
    assert book.exit_code == 0 and book.stdout == run(home, "backup", "runbook", backup_id, output="table").stdout

    other = ok(run(home, "backup", "create", "--cluster", CLUSTER))["backup_id"]
    remote = ok(run(home, "backup", "delete", backup_id, "--yes", api=served))
    local = ok(run(home, "backup", "delete", other, "--yes"))
    assert steady(remote, {backup_id: other}) == steady(local)


def test_restores_of_every_kind_match_local(home: Path, served: ServedApi) -> None:
    backup_id = ok(run(home, "backup", "create", "--cluster", CLUSTER))["backup_id"]
    for kind in (["cluster", backup_id], ["shard", backup_id, "--shard", "shard1"],
                 ["namespaces", backup_id, "--ns", "app.notes", "--ns-from", "app.notes", "--ns-to", "app.copy"],
                 ["config", backup_id]):
        remote, local = twice(home, served, "restore", *kind, "--yes", id_key="restore_id")
        assert remote["state"] == "done" and remote["kind"] == local["kind"]

    # A restore refused by its preflight: the failed job's error is the local command's error, said once.
    refused = ["restore", "shard", backup_id, "--shard", "shard7", "--cluster", CLUSTER, "--yes"]
    here, there = run(home, *refused), run(home, *refused, api=served)
    assert here.exit_code == there.exit_code == 1
    error = here.stderr[here.stderr.index("error: "):]
    assert there.stderr.endswith(error) and there.stderr.count(error.splitlines()[0]) == 1


def test_point_in_time_restore_matches_local(home: Path, served: ServedApi) -> None:
    from mongo_admin.ops.backup.pitr import PitrOptions, slice_once

    ok(run(home, "backup", "create", "--cluster", CLUSTER))
    paths, record = open_cluster(CLUSTER, home)
    with ClusterAccess(paths, record).router_client(timeout_s=30.0) as client:
        client["app"]["events"].insert_many([{"n": n} for n in range(30)])
        moment = client.admin.command("hello")["localTime"].replace(tzinfo=dt.UTC) + dt.timedelta(seconds=1)
    wait_until(lambda: (point := slice_once(CLUSTER, PitrOptions(home=home)).recovery_point) is not None
               and point.time > moment + dt.timedelta(seconds=1), "the oplog slices to pass the moment", timeout=60)
    remote, local = twice(home, served, "restore", "cluster", "--time", moment.isoformat(), "--yes",
                          id_key="restore_id")
    assert remote["restore_to_time"] == local["restore_to_time"] == moment.isoformat()


def test_restore_drill_matches_local(home: Path, served: ServedApi) -> None:
    backup_id = ok(run(home, "backup", "create", "--cluster", CLUSTER))["backup_id"]
    remote, _ = twice(home, served, "backup", "verify", backup_id, "--restore", id_key="scratch_cluster")
    assert remote["ok"] is True


def test_deploy_and_lifecycle_jobs_match_local(home: Path, served: ServedApi, tmp_path: Path) -> None:
    spec_file = tmp_path / "cl.yaml"
    spec_file.write_text(spec("cl"))
    plan = ["cluster", "deploy", "-f", str(spec_file), "--dry-run"]
    assert ok(run(home, *plan, api=served)) == ok(run(home, *plan))

    deployed = ok(run(home, "cluster", "deploy", "-f", str(spec_file), api=served))
    assert deployed["changed"] is True
    stopped = ok(run(home, "cluster", "stop", "--cluster", "cl", api=served))
    started_here = ok(run(home, "cluster", "start", "--cluster", "cl"))
    assert steady(stopped) == steady(ok(run(home, "cluster", "stop", "--cluster", "cl")))
    assert steady(ok(run(home, "cluster", "start", "--cluster", "cl", api=served))) == steady(started_here)
    assert (steady(ok(run(home, "cluster", "restart", "--cluster", "cl", api=served)))
            == steady(ok(run(home, "cluster", "restart", "--cluster", "cl"))))
    destroyed = ok(run(home, "cluster", "destroy", "--cluster", "cl", "--yes", api=served, role="admin"))
    deployed_here = ok(run(home, "cluster", "deploy", "-f", str(spec_file)))
    assert steady(deployed, {deployed["deploy_log"]: deployed_here["deploy_log"]}) == steady(deployed_here)
    assert steady(destroyed) == steady(ok(run(home, "cluster", "destroy", "--cluster", "cl", "--yes")))


def test_jobs_commands_need_the_api_and_follow_its_jobs(home: Path, served: ServedApi) -> None:
    ok(run(home, "backup", "create", "--cluster", CLUSTER, "--type", "config", api=served))
    listed = ok(run(home, "jobs", "list", "--cluster", CLUSTER, "--kind", "backup", api=served, role="viewer"))
    newest = listed["jobs"][0]
    assert newest["state"] == "succeeded" and listed["message"].endswith("matching jobs, newest first")
    shown = ok(run(home, "jobs", "show", newest["id"], api=served, role="viewer"))
    assert shown["params"]["type"] == "config" and shown["logs"]
    followed = run(home, "jobs", "follow", newest["id"], api=served, role="viewer")
    assert json.loads(followed.stdout)["backup_id"] == shown["reference"]
    assert shown["logs"][0]["line"] in followed.stderr
    ended = run(home, "jobs", "cancel", newest["id"], api=served)
    assert ended.exit_code == 1
    assert ended.stderr.startswith(f"error: job {newest['id']} cannot go from succeeded to cancelled")
    here = run(home, "jobs", "list")
    assert here.exit_code == 1
    assert here.stderr.startswith("error: 'mongo-admin jobs list' needs the API: jobs are the API's record")


def test_schedules_commands(home: Path, served: ServedApi) -> None:
    created = ok(run(home, "schedules", "create", "--name", "nightly", "--kind", "backup", "--cluster", CLUSTER,
                     "--cron", "0 3 * * *", "--timezone", "Europe/Paris", "--type", "full", api=served,
                     role="admin"))
    schedule_id = created["id"]
    assert created["params"] == {"type": "full"} and len(created["next_runs"]) == 5
    listed = ok(run(home, "schedules", "list", "--cluster", CLUSTER, api=served, role="viewer"))
    assert [row["id"] for row in listed["schedules"]] == [schedule_id]
    assert ok(run(home, "schedules", "show", schedule_id, api=served, role="viewer"))["cron"] == "0 3 * * *"
    paused = ok(run(home, "schedules", "pause", schedule_id, api=served))
    assert paused["paused"] is True and paused["next_run_at"] is None
    assert ok(run(home, "schedules", "resume", schedule_id, api=served))["next_run_at"] is not None
    viewer = run(home, "schedules", "pause", schedule_id, api=served, role="viewer")
    assert viewer.exit_code == 1
    assert viewer.stderr == (f"error: the API refused POST /schedules/{schedule_id}/pause: requires the operator "
                             "role\n  fix: use the token of a user with that role, or ask an admin of the API to "
                             "give it to yours\n")
    bad = run(home, "schedules", "create", "--name", "bad", "--kind", "health-check", "--cluster", CLUSTER,
              "--cron", "61 * * * *", api=served, role="admin")
    assert bad.exit_code == 1 and "61" in bad.stderr
    assert ok(run(home, "schedules", "delete", schedule_id, "--yes", api=served, role="admin"))["id"] == schedule_id
    assert ok(run(home, "schedules", "list", api=served, role="viewer"))["schedules"] == []


def test_refusals_read_as_the_cli_errors(home: Path, served: ServedApi, tmp_path: Path) -> None:
    url = served.url
    base = {"MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_API_TOKEN_FILE": None, "MONGO_ADMIN_API_URL": None}
    forged = CliRunner(env={**base, "MONGO_ADMIN_API_TOKEN": "mat_forged"}).invoke(cli, ["--api", url, "cluster",
                                                                                         "list"])
    assert forged.exit_code == 1
    assert forged.stderr == (f"error: the API at {url} refused the request: invalid or expired token: the token from "
                             "$MONGO_ADMIN_API_TOKEN is not valid (expired, revoked, or for another API)\n"
                             f"  fix: log in with 'mongo-admin --api {url} api login', or give a valid token with "
                             "--token-file FILE (or $MONGO_ADMIN_API_TOKEN_FILE) or $MONGO_ADMIN_API_TOKEN\n")
    anonymous = CliRunner(env={**base, "MONGO_ADMIN_API_TOKEN": None}).invoke(cli, ["--api", url, "cluster", "list"])
    assert anonymous.exit_code == 1 and ": no API token was given\n" in anonymous.stderr

    viewer = run(home, "backup", "create", "--cluster", CLUSTER, api=served, role="viewer")
    assert viewer.exit_code == 1
    assert viewer.stderr.startswith(f"error: the API refused POST /clusters/{CLUSTER}/backups: requires the "
                                    "operator role\n")

    down = CliRunner(env={**base, "MONGO_ADMIN_API_TOKEN": "t"}).invoke(cli, ["--api", f"http://127.0.0.1:{free_port()}",
                                                                             "cluster", "list"])
    assert down.exit_code == 1
    assert down.stderr.startswith("error: cannot reach the API at http://127.0.0.1:")
    assert ": connection refused\n  fix: is the API running at http://127.0.0.1:" in down.stderr

    unregistered = run(home, "backup", "list", "--cluster", "elsewhere", api=served)
    assert unregistered.stderr.startswith(f"error: the API at {url} has no cluster registered as elsewhere: ")

    # A domain error keeps its own words and fix line: the same message as on this machine.
    missing = ["backup", "show", "2000-01-01T00:00:00Z", "--cluster", CLUSTER]
    assert run(home, *missing, api=served).stderr == run(home, *missing).stderr

    token_file = tmp_path / "token"
    token_file.write_text(served.token("viewer") + "\n")
    token_file.chmod(0o644)
    from_file = CliRunner(env={**base, "MONGO_ADMIN_API_TOKEN": "ignored"}).invoke(
        cli, ["-o", "json", "--api", url, "--token-file", str(token_file), "cluster", "list"])
    assert from_file.exit_code == 0, from_file.output
    assert f"warning: the token file {token_file} can be read by other users" in from_file.stderr


def test_login_stores_a_token_for_later_commands_and_logout_revokes_it(served: ServedApi, tmp_path: Path) -> None:
    client_home = tmp_path / "client"
    runner = CliRunner(env={"MONGO_ADMIN_HOME": str(client_home), "MONGO_ADMIN_API_TOKEN": None,
                            "MONGO_ADMIN_API_TOKEN_FILE": None, "MONGO_ADMIN_API_URL": served.url})
    password_file = tmp_path / "password"
    password_file.write_text("not the password\n")
    refused = runner.invoke(cli, ["api", "login", "--username", "operator", "--password-file", str(password_file)])
    assert refused.exit_code == 1
    assert refused.stderr.startswith(f"error: the API at {served.url} refused the login of operator: ")

    password_file.write_text(PASSWORD + "\n")
    logged_in = runner.invoke(cli, ["-o", "json", "api", "login", "--username", "operator", "--password-file",
                                    str(password_file)])
    assert logged_in.exit_code == 0, logged_in.output
    stored = client_home / "api-login.json"
    assert stat.S_IMODE(stored.stat().st_mode) == 0o600
    token = json.loads(stored.read_text())["token"]
    assert token not in logged_in.output
    assert json.loads(logged_in.stdout)["username"] == "operator"

    listed = runner.invoke(cli, ["-o", "json", "cluster", "list"])
    assert listed.exit_code == 0 and [entry["name"] for entry in json.loads(listed.stdout)] == [CLUSTER]

    logged_out = runner.invoke(cli, ["api", "logout"])
    assert logged_out.exit_code == 0 and not stored.exists()
    revoked = CliRunner(env={"MONGO_ADMIN_HOME": str(client_home), "MONGO_ADMIN_API_TOKEN": token}).invoke(
        cli, ["--api", served.url, "cluster", "list"])
    assert revoked.exit_code == 1 and "refused the request" in revoked.stderr


def test_ctrl_c_cancels_the_followed_job_and_a_second_request_names_it(
        tmp_path: Path, migrated_db_template: Path, cheap_password_hashing: None) -> None:
    # No job workers: the backup job stays queued, holding the cluster's backup lock, until it is cancelled.
    with served_api(tmp_path / "home", tmp_path, migrated_db_template) as idle:
        idle.register_deployed("ghost")
        env = {**os.environ, "MONGO_ADMIN_HOME": str(tmp_path / "client"), "MONGO_ADMIN_API_URL": idle.url,
               "MONGO_ADMIN_API_TOKEN": idle.token("operator")}
        follower = subprocess.Popen([EXECUTABLE, "backup", "create", "--cluster", "ghost"], env=env, text=True,
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        try:
            first = follower.stderr.readline() if follower.stderr else ""
            job_id = first.split()[1].rstrip(":")
            assert first == f"job {job_id}: backup of cluster ghost on {idle.url} (Ctrl-C cancels it)\n"
            second = CliRunner(env={"MONGO_ADMIN_HOME": str(tmp_path / "client"), "MONGO_ADMIN_API_URL": idle.url,
                                    "MONGO_ADMIN_API_TOKEN": idle.token("operator")}).invoke(
                cli, ["backup", "create", "--cluster", "ghost"])
            assert second.exit_code == 1
            assert second.stderr.startswith(f"error: another operation is running on cluster ghost: backup job "
                                            f"{job_id} (started ")
            assert f"  fix: follow it with 'mongo-admin --api {idle.url} jobs follow {job_id}'" in second.stderr
            follower.send_signal(signal.SIGINT)
            out, err = follower.communicate(timeout=60)
        finally:
            if follower.poll() is None:
                follower.kill()
                follower.wait()
        assert (follower.returncode, out) == (1, "")
        assert f"cancelling job {job_id}: waiting for it to stop" in err
        assert f"error: job {job_id} was cancelled: cancelled before it started\n" in err
        assert idle.runner.get(job_id).state == "cancelled"
