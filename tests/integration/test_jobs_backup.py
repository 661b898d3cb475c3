"""Backup jobs against a deployed sandbox cluster: a job runs the real backup, streams progress, completes; a
second one on the same cluster is refused naming the holder; a cancelled one stops at its next step with the
balancer put back."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import Base, make_engine, session_factory
from mongo_admin.jobs import kinds
from mongo_admin.jobs.runner import JobRunner, LockConflict
from mongo_admin.ops.backup import balancer
from mongo_admin.ops.backup.manifest import read_manifest, read_record
from mongo_admin.ops.cluster.access import ClusterAccess
from mongo_admin.ops.cluster.state import open_cluster
from mongo_admin.storage import open_storage
from tests.support.clusters import deployed_cluster
from tests.support.simproc import free_port_block

pytestmark = pytest.mark.timeout(600)
SPEC = """\
name: jb
topology:
  config_servers: {{members: 1}}
  shards: [{{members: 1}}]
  routers: 1
ports: {{base: {base}}}
"""


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    home = tmp_path_factory.mktemp("jobs-home")
    text = SPEC.format(base=free_port_block(10))
    with deployed_cluster(text, home):
        paths, record = open_cluster("jb", home)
        with ClusterAccess(paths, record).routers() as client:
            client["app"]["items"].insert_many([{"k": n} for n in range(200)])
        yield home


@pytest.fixture
def runner(tmp_path: Path) -> Iterator[JobRunner]:
    engine = make_engine(f"sqlite:///{tmp_path / 'platform.db'}")
    Base.metadata.create_all(engine)
    sessions: sessionmaker[Session] = session_factory(engine)
    runner = JobRunner(sessions, "it-runner", workers=2, heartbeat_s=1.0)
    kinds.register_all(runner)
    runner.start()
    yield runner
    runner.stop(timeout=60)
    engine.dispose()


def test_backup_job_runs_streams_progress_and_completes(home: Path, runner: JobRunner) -> None:
    job = runner.submit_kind("backup", "jb", {"home": str(home)}, requested_by="alice")
    with pytest.raises(LockConflict, match=f"another operation is running on cluster jb: backup job {job.id}"):
        runner.submit_kind("restore", "jb", {"home": str(home), "backup_id": "whatever"})
    events = list(runner.subscribe(job.id, poll_s=0.5))
    done = runner.get(job.id)
    assert done.state == "succeeded", done.error
    assert done.progress == 100.0
    steps = [event.step for event in events if event.type == "progress"]
    assert steps[0] == "lock" and "dump" in steps and steps[-1] == "manifest"
    percents = [event.progress for event in events if event.type == "progress"]
    assert percents == sorted(percents)
    assert isinstance(done.result, dict) and done.result["state"] == "done"
    assert done.reference == done.result["backup_id"]
    manifest = read_manifest(open_storage(str(home / "clusters" / "jb" / "backups")), "jb", done.reference)
    assert manifest is not None
    assert any("dumping" in line for _, _, line in runner.logs(job.id))


def test_cancelled_backup_job_stops_and_restores_balancer(home: Path, runner: JobRunner,
                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    """The cancel arrives while the balancer is being stopped (deterministically: from inside the pause); the
    job stops before its next step, its backup record says cancelled and the balancer is as it was."""
    paths, record = open_cluster("jb", home)
    client = ClusterAccess(paths, record).router_client(timeout_s=30.0)
    try:
        before = balancer.mode(client)
        pause = balancer.pause
        job_ids: list[str] = []
        submitted = threading.Event()

        def pause_then_cancel(router: Any, *args: Any, **kwargs: Any) -> str:
            was = pause(router, *args, **kwargs)
            if submitted.wait(30) and job_ids:
                runner.cancel(job_ids.pop())
            return was

        monkeypatch.setattr(balancer, "pause", pause_then_cancel)
        job = runner.submit_kind("backup", "jb", {"home": str(home)})
        job_ids.append(job.id)
        submitted.set()
        done = runner.wait(job.id, timeout=300)
        assert done.state == "cancelled", done.error
        assert done.error is not None and "was cancelled" in done.error
        assert done.failed_step == "balancer"
        stored = read_record(open_storage(str(home / "clusters" / "jb" / "backups")), "jb", done.reference or "")
        assert stored is not None and stored.state == "cancelled"
        assert balancer.mode(client) == before
        # The cluster is free again.
        again = runner.submit_kind("backup", "jb", {"home": str(home)})
        assert runner.wait(again.id, timeout=300).state == "succeeded"
    finally:
        client.close()
