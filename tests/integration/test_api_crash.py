"""The API server killed (SIGKILL) during a job, then started again on the same platform database: the job is
failed (its runner stopped heartbeating), the cluster's lock released, the balancer running again and the
operation's record closed with the job's reason; a new backup is accepted and succeeds.

``mongo-admin api serve`` runs as a real process (production settings, a migrated SQLite database, an admin made
with ``api create-admin``, the cluster registered through the API) with the job and cluster-lock stale thresholds
shortened, so recovery takes seconds, not minutes. The backup is slowed by the cluster's backup rate limit so
the kill lands mid-dump. The restore case starts the server on what a killed one leaves behind (a running
restore job and its lock in the database; in the cluster, its stale lock document, the balancer off and its
record ``running``), written by the test, since a restore cannot be slowed down to be caught."""

from __future__ import annotations

import datetime as dt
import os
import secrets
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx2
import pymongo
import pytest

from mongo_admin.db.base import make_engine, session_factory
from mongo_admin.db.crypto import generate_key
from mongo_admin.jobs.models import JobRecord, OperationLock
from mongo_admin.ops.backup.engine import new_backup_id, storage_for
from mongo_admin.ops.backup.lock import LOCK_COLLECTION, LOCK_DB, LOCK_ID
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.ops.restore.record import RestoreRecord, read_restore_record, write_restore_record
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block, wait_until

pytestmark = pytest.mark.timeout(600)
CLUSTER = "cr"
# The backup reads at most 0.25 MB/s: the ~4 MB seeded below take about 16 s, time enough to be caught mid-dump.
SPEC = """\
name: cr
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}, {{members: 1}}]
  routers: 1
ports: {{base: {base}}}
backup: {{rate_limit_mb_s: 0.25}}
"""
ADMIN_PASSWORD = "an admin password for the crash test"
JOB_STALE_S = 10  # the API's minimum: two job heartbeats
LOCK_STALE_S = 15  # the cluster-side lock's minimum: three heartbeats
RECOVERY_TIMEOUT_S = 120
JOB_TIMEOUT_S = 300
CLI = str(Path(sys.executable).parent / "mongo-admin")


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("api-crash-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        with router(home) as client:
            client.admin.command("enableSharding", "app", primaryShard="shard0")
            for name, shard in (("a", "shard0"), ("b", "shard1")):
                client.admin.command("shardCollection", f"app.{name}", key={"k": 1})
                if shard != "shard0":
                    client.admin.command("moveChunk", f"app.{name}", find={"k": 0}, to=shard)
                client.app[name].insert_many([{"k": n, "pad": "p" * 2000} for n in range(1000)])
        yield home


def router(home: Path) -> pymongo.MongoClient[dict[str, Any]]:
    paths, record = open_cluster(CLUSTER, home)
    return ClusterAccess(paths, record).router_client(timeout_s=30.0)


def balancer_mode(home: Path) -> str:
    with router(home) as client:
        return str(client.admin.command("balancerStatus")["mode"])


def cluster_lock(home: Path) -> dict[str, Any] | None:
    with router(home) as client:
        return client[LOCK_DB][LOCK_COLLECTION].find_one({"_id": LOCK_ID})


class ApiServer:
    """``mongo-admin api serve`` as a process of its own, on one platform database, restartable; its output goes
    to a log file that failures quote."""

    def __init__(self, home: Path, workdir: Path) -> None:
        self.database_url = f"sqlite:///{workdir / 'platform.db'}"
        self.log_path = workdir / "api.log"
        self.port = free_port_block(1)
        self.url = f"http://127.0.0.1:{self.port}/api/v1"
        self.env = {**os.environ, "MONGO_ADMIN_HOME": str(home), "MONGO_ADMIN_DATABASE_URL": self.database_url,
                    "MONGO_ADMIN_ENVIRONMENT": "production", "MONGO_ADMIN_SECRET_KEY": secrets.token_urlsafe(48),
                    "MONGO_ADMIN_CREDENTIALS_KEY": generate_key().decode(), "MONGO_ADMIN_METRICS_INTERVAL_S": "0",
                    "MONGO_ADMIN_SCHEDULER_ENABLED": "false", "MONGO_ADMIN_JOB_STALE_AFTER_S": str(JOB_STALE_S),
                    "MONGO_ADMIN_LOCK_STALE_SECONDS": str(LOCK_STALE_S)}
        self.env.pop("MONGO_ADMIN_OUTPUT", None)
        self.process: subprocess.Popen[bytes] | None = None
        self.http = httpx2.Client(base_url=self.url, timeout=30.0)
        password_file = workdir / "admin-password"
        password_file.write_text(ADMIN_PASSWORD + "\n")
        for command in (["api", "migrate"], ["api", "create-admin", "--username", "root", "--password-file",
                                             str(password_file)]):
            done = subprocess.run([CLI, *command], env=self.env, capture_output=True, text=True, check=False)
            assert done.returncode == 0, done.stderr

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:] if self.log_path.exists() else ""

    def start(self) -> None:
        """Start the server, wait until it answers, and log in as the admin."""
        with self.log_path.open("ab") as log:
            self.process = subprocess.Popen([CLI, "api", "serve", "--host", "127.0.0.1", "--port", str(self.port),
                                             "--log-level", "warning"], env=self.env, stdout=log,
                                            stderr=subprocess.STDOUT)

        def answering() -> str | None:
            assert self.process is not None
            if self.process.poll() is not None:
                return "exited"
            try:
                return "up" if self.http.get("/health").status_code == 200 else None
            except httpx2.TransportError:
                return None

        assert wait_until(answering, "see the API answer", timeout=60, interval=0.2) == "up", self.log()
        login = self.http.post("/auth/token", data={"username": "root", "password": ADMIN_PASSWORD})
        assert login.status_code == 200, login.text
        self.http.headers["Authorization"] = f"Bearer {login.json()['access_token']}"

    def kill(self) -> None:
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(30)
        self.process = None

    def stop(self) -> None:
        """Shut it down as an operator would (SIGTERM), killing it if it does not stop in time."""
        if self.process is None:
            return
        self.process.terminate()
        try:
            self.process.wait(60)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait(30)
        self.process = None

    def job(self, job_id: str) -> dict[str, Any]:
        response = self.http.get(f"/jobs/{job_id}")
        assert response.status_code == 200, response.text
        body: dict[str, Any] = response.json()
        return body

    def wait_job(self, job_id: str, state: str, timeout: float) -> dict[str, Any]:
        def in_state() -> dict[str, Any] | None:
            job = self.job(job_id)
            return job if job["state"] == state else None

        job: dict[str, Any] = wait_until(in_state, f"see job {job_id} {state}", timeout=timeout, interval=0.5)
        return job

    def wait_cleanup(self, job_id: str) -> str:
        """The line the recovering runner logs once the dead job's cleanup has run."""
        def cleaned() -> str | None:
            lines = [entry["line"] for entry in self.job(job_id)["logs"]]
            return next((line for line in lines if line.startswith("cleanup after the runner's death")), None)

        line: str = wait_until(cleaned, f"see the cleanup of job {job_id}", timeout=RECOVERY_TIMEOUT_S, interval=0.5)
        return line

    def close(self) -> None:
        try:
            self.stop()
        finally:
            self.http.close()


@pytest.fixture
def server(home: Path, tmp_path: Path) -> Iterator[ApiServer]:
    api = ApiServer(home, tmp_path)
    try:
        yield api
    finally:
        api.close()


def register(server: ApiServer) -> None:
    registered = server.http.post("/clusters", json={"deployed": CLUSTER})
    assert registered.status_code == 201, registered.text


def test_api_killed_during_a_backup_job_recovers_it_on_restart(home: Path, server: ApiServer) -> None:
    assert balancer_mode(home) == "full"
    server.start()
    register(server)
    submitted = server.http.post(f"/clusters/{CLUSTER}/backups", json={"type": "full"})
    assert submitted.status_code == 202, submitted.text
    job_id = submitted.json()["job_id"]

    def running_with_the_balancer_stopped() -> bool:
        return server.job(job_id)["state"] == "running" and balancer_mode(home) == "off"

    wait_until(running_with_the_balancer_stopped, "see the backup job stop the balancer", timeout=120,
               interval=0.2)
    server.kill()

    lock = cluster_lock(home)
    assert lock is not None and lock["operation"] == "backup", "the backup ended before the kill"
    assert balancer_mode(home) == "off"
    backup_id = lock["operationId"]

    server.start()
    job = server.wait_job(job_id, "failed", RECOVERY_TIMEOUT_S)
    assert "stopped sending heartbeats" in job["error"] and "while the job was running" in job["error"]
    assert job["reference"] == backup_id
    cleanup = server.wait_cleanup(job_id)
    assert f"released the stale lock of backup {backup_id}" in cleanup, cleanup
    assert "balancer started again" in cleanup
    assert balancer_mode(home) == "full"
    assert cluster_lock(home) is None
    details = server.http.get(f"/clusters/{CLUSTER}/backups/{backup_id}")
    assert details.status_code == 200, details.text
    entry = details.json()["backup"]
    assert (entry["state"], entry["error"]) == ("failed", job["error"])

    again = server.http.post(f"/clusters/{CLUSTER}/backups", json={"type": "full"})
    assert again.status_code == 202, again.text
    done = server.wait_job(again.json()["job_id"], "succeeded", JOB_TIMEOUT_S)
    assert done["result"]["state"] == "done" and done["result"]["took_over"] is None
    assert balancer_mode(home) == "full"


def test_a_restore_job_whose_api_died_gets_its_record_closed_on_restart(home: Path, server: ApiServer) -> None:
    paths, record = open_cluster(CLUSTER, home)
    storage = storage_for(paths, record)
    then = dt.datetime.now(dt.UTC) - dt.timedelta(hours=1)
    restore_id = new_backup_id(then)
    job_id = secrets.token_hex(16)
    # What the killed server left in the cluster: its lock, silent for an hour; the balancer it stopped; the
    # restore's record, at step "data".
    restore = RestoreRecord(restore_id=restore_id, backup_id="2026-01-01T00:00:00Z", source_cluster=CLUSTER,
                            cluster=CLUSTER, kind="full", state="running", started_at=then, updated_at=then,
                            holder="killed-host/4242")
    for step in ("preflight", "lock", "balancer", "data"):
        restore.begin_step(step, then)
    write_restore_record(storage, restore)
    with router(home) as client:
        client.admin.command("balancerStop")
        client[LOCK_DB][LOCK_COLLECTION].insert_one(
            {"_id": LOCK_ID, "operation": "restore", "operationId": restore_id, "host": "killed-host", "pid": 4242,
             "startedAt": then, "heartbeat": then, "balancerWas": "full"})
    # ... and in the platform database: the job running, with its lock, both silent for an hour.
    engine = make_engine(server.database_url)
    try:
        with session_factory(engine)() as session, session.begin():
            session.add(JobRecord(id=job_id, kind="restore", cluster=CLUSTER, operation_class="backup-restore",
                                  state="running", progress=10.0, step="data",
                                  params={"backup_id": restore.backup_id, "home": str(home)},
                                  cancel_requested=False, reference=restore_id, runner_id="killed-host:4242:dead",
                                  created_at=then, started_at=then, heartbeat_at=then))
            session.add(OperationLock(cluster=CLUSTER, operation_class="backup-restore", job_id=job_id, kind="restore",
                                      runner_id="killed-host:4242:dead", acquired_at=then, heartbeat_at=then))
    finally:
        engine.dispose()

    server.start()
    job = server.wait_job(job_id, "failed", RECOVERY_TIMEOUT_S)
    assert "its runner killed-host:4242:dead stopped sending heartbeats" in job["error"]
    assert job["failed_step"] == "data"
    cleanup = server.wait_cleanup(job_id)
    assert f"released the stale lock of restore {restore_id}" in cleanup and "marked it failed" in cleanup, cleanup
    assert balancer_mode(home) == "full"
    assert cluster_lock(home) is None
    closed = read_restore_record(storage, CLUSTER, restore_id)
    assert closed is not None
    assert (closed.state, closed.failed_step, closed.error) == ("failed", "data", job["error"])
    register(server)
    listed = server.http.get(f"/clusters/{CLUSTER}/restores")
    assert listed.status_code == 200, listed.text
    entry = next(r for r in listed.json()["data"] if r["restore_id"] == restore_id)
    assert (entry["state"], entry["error"]) == ("failed", job["error"])
