"""Jobs: the state machine, the runner (progress, logs, results, locks, cancellation, crash recovery), on each
platform database backend (a SQLite file, a PostgreSQL database) per test. Waits use deadlines, never fixed
sleeps."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import utcnow
from mongo_admin.errors import InvalidInputError
from mongo_admin.jobs import states
from mongo_admin.jobs.models import JobRecord, OperationLock
from mongo_admin.jobs.runner import JobContext, JobKind, JobRunner, LockConflict
from mongo_admin.jobs.states import IllegalTransitionError
from tests.support.simproc import wait_until


@pytest.fixture
def runner(sessions: sessionmaker[Session]) -> Iterator[JobRunner]:
    runner = JobRunner(sessions, "runner-a", workers=2, heartbeat_s=0.2, stale_after_s=5.0)
    runner.start()
    yield runner
    runner.stop(timeout=10)


# ------------------------------------------------------------------------------------------ state machine
@pytest.mark.parametrize(("current", "target", "allowed"), [
    ("queued", "running", True), ("queued", "cancelled", True), ("queued", "failed", True),
    ("queued", "succeeded", False), ("running", "succeeded", True), ("running", "failed", True),
    ("running", "cancelled", True), ("running", "queued", False), ("succeeded", "running", False),
    ("failed", "cancelled", False), ("cancelled", "succeeded", False), ("succeeded", "failed", False),
])
def test_state_machine(current: str, target: str, allowed: bool) -> None:
    assert states.can_transition(current, target) is allowed
    if allowed:
        states.check_transition("j1", current, target)
    else:
        with pytest.raises(IllegalTransitionError, match=f"job j1 cannot go from {current} to {target}"):
            states.check_transition("j1", current, target)


def test_unknown_state_is_refused() -> None:
    with pytest.raises(IllegalTransitionError, match="unknown state 'paused'"):
        states.check_transition("j1", "paused", "running")


# ------------------------------------------------------------------------------------------ running
def test_job_reports_progress_log_and_result(runner: JobRunner) -> None:
    def work(ctx: JobContext) -> dict[str, Any]:
        ctx.progress(10, "first", "starting the first step")
        ctx.log("a line of log")
        ctx.progress(60, "second")
        ctx.reference("backup-123")
        return {"documents": 42}

    job = runner.submit("test", "prod", "backup-restore", work, params={"x": 1}, requested_by="alice")
    assert job.state in ("queued", "running")
    events = list(runner.subscribe(job.id, poll_s=0.2))
    done = runner.get(job.id)
    assert done.state == "succeeded"
    assert done.result == {"documents": 42}
    assert done.progress == 100.0
    assert done.step == "second"
    assert done.reference == "backup-123"
    assert done.params == {"x": 1}
    assert done.requested_by == "alice"
    assert done.started_at is not None and done.finished_at is not None
    assert [line for _, _, line in runner.logs(job.id)] == ["starting the first step", "a line of log"]
    assert events[-1].type == "state" and events[-1].state == "succeeded"
    with runner._sessions() as session:
        assert session.get(OperationLock, ("prod", "backup-restore")) is None


def test_context_result_and_failure(runner: JobRunner) -> None:
    def sets_result(ctx: JobContext) -> None:
        ctx.result = ["a", "b"]

    def fails(ctx: JobContext) -> None:
        ctx.progress(30, "dump")
        raise InvalidInputError("no shard named x", "the shards are a, b", "pass one of them")

    def crashes(ctx: JobContext) -> None:
        ctx.progress(5, "preflight")
        raise RuntimeError("boom")

    ok = runner.wait(runner.submit("t", "c1", None, sets_result).id, timeout=30)
    assert (ok.state, ok.result) == ("succeeded", ["a", "b"])
    bad = runner.wait(runner.submit("t", "c2", "x", fails).id, timeout=30)
    assert bad.state == "failed"
    assert bad.failed_step == "dump"
    assert bad.error is not None and bad.error.startswith("no shard named x: the shards are a, b")
    crashed = runner.wait(runner.submit("t", "c3", "x", crashes).id, timeout=30)
    assert (crashed.state, crashed.failed_step, crashed.error) == ("failed", "preflight", "RuntimeError: boom")
    assert any("Traceback" in line for _, _, line in runner.logs(crashed.id))
    with pytest.raises(IllegalTransitionError, match="failed is final"):
        runner.cancel(bad.id)


def test_conflicting_job_gets_lock_conflict_naming_holder(runner: JobRunner) -> None:
    release = threading.Event()
    first = runner.submit("backup", "prod", "backup-restore", lambda ctx: release.wait(30))
    try:
        with pytest.raises(LockConflict) as caught:
            runner.submit("restore", "prod", "backup-restore", lambda ctx: None)
        assert caught.value.holder is not None and caught.value.holder.id == first.id
        assert str(caught.value).startswith(f"another operation is running on cluster prod: backup job {first.id}")
        # Another cluster, or another operation class, is free.
        other = runner.submit("backup", "staging", "backup-restore", lambda ctx: None)
        assert runner.wait(other.id, timeout=30).state == "succeeded"
    finally:
        release.set()
    assert runner.wait(first.id, timeout=30).state == "succeeded"
    # Nothing was recorded for the refused job; the lock is free again.
    with runner._sessions() as session:
        assert session.query(JobRecord).filter_by(kind="restore").count() == 0
    again = runner.submit("restore", "prod", "backup-restore", lambda ctx: None)
    assert runner.wait(again.id, timeout=30).state == "succeeded"


def test_racing_submits_from_several_runners_take_the_lock_once(sessions: sessionmaker[Session]) -> None:
    """Runners of different API processes submitting at the same instant: one job per cluster and class, the
    others refused with LockConflict (never a database error), whatever the backend's locking."""
    runners = [JobRunner(sessions, f"runner-{n}") for n in range(4)]  # not started: the jobs stay queued
    for round_number in range(10):
        barrier = threading.Barrier(len(runners))
        outcomes: list[str] = []

        def submit(runner: JobRunner, cluster: str = f"c{round_number}", barrier: threading.Barrier = barrier,
                   outcomes: list[str] = outcomes) -> None:
            barrier.wait(10)
            try:
                runner.submit("backup", cluster, "backup-restore", lambda ctx: None)
                outcomes.append("recorded")
            except LockConflict:
                outcomes.append("refused")

        threads = [threading.Thread(target=submit, args=(runner,)) for runner in runners]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sorted(outcomes) == ["recorded"] + ["refused"] * (len(runners) - 1)
    with sessions() as session:
        assert session.query(JobRecord).count() == session.query(OperationLock).count() == 10


def test_cancel_running_job_stops_at_safe_point(runner: JobRunner) -> None:
    started = threading.Event()
    steps: list[int] = []

    def work(ctx: JobContext) -> None:
        for number in range(10_000):
            started.set()
            ctx.check_cancelled()
            steps.append(number)
            ctx.progress(None, f"step {number}")

    job = runner.submit("loop", "prod", "backup-restore", work)
    assert started.wait(30)
    wait_until(lambda: len(steps) > 2, "run a few steps")
    runner.cancel(job.id)
    done = runner.wait(job.id, timeout=30)
    assert done.state == "cancelled"
    assert done.cancel_requested
    assert done.error is not None and "was cancelled" in done.error
    assert len(steps) < 10_000
    # Its lock is released.
    assert runner.wait(runner.submit("loop", "prod", "backup-restore", lambda ctx: None).id, 30).state == "succeeded"


def test_cancel_queued_job(sessions: sessionmaker[Session]) -> None:
    runner = JobRunner(sessions, "not-started")  # never started: the job stays queued
    job = runner.submit("backup", "prod", "backup-restore", lambda ctx: None)
    cancelled = runner.cancel(job.id)
    assert cancelled.state == "cancelled"
    assert cancelled.error == "cancelled before it started"
    with sessions() as session:
        assert session.get(OperationLock, ("prod", "backup-restore")) is None
    runner.start()
    try:
        assert runner.wait(job.id, timeout=5).state == "cancelled"
    finally:
        runner.stop()


# ------------------------------------------------------------------------------------------ crash recovery
def _dead_job(sessions: sessionmaker[Session], job_id: str, state: str, *, age_s: float = 3600) -> None:
    """What a runner killed mid-job leaves: the job running (or queued) and its lock, both silent."""
    then = utcnow() - dt.timedelta(seconds=age_s)
    with sessions() as session, session.begin():
        session.add(JobRecord(id=job_id, kind="backup", cluster="prod", operation_class="backup-restore", state=state,
                              progress=40.0, step="dump", params={}, cancel_requested=False, runner_id="dead-runner",
                              created_at=then, started_at=then if state == "running" else None, heartbeat_at=then))
        session.add(OperationLock(cluster="prod", operation_class="backup-restore", job_id=job_id, kind="backup",
                                  runner_id="dead-runner", acquired_at=then, heartbeat_at=then))


def test_recovery_on_start_fails_stale_job_releases_lock_and_cleans_up(sessions: sessionmaker[Session]) -> None:
    _dead_job(sessions, "deadjob", "running")
    cleaned: list[str] = []
    runner = JobRunner(sessions, "runner-b", heartbeat_s=0.2, stale_after_s=5.0)
    runner.register(JobKind("backup", "backup-restore", build=lambda params: lambda ctx: None,
                            cleanup=lambda job: cleaned.append(job.id) or "balancer started again"))
    try:
        assert runner.start() == ["deadjob"]
        job = runner.get("deadjob")
        assert job.state == "failed"
        assert job.failed_step == "dump"
        assert job.error is not None and "its runner dead-runner stopped sending heartbeats" in job.error
        assert runner.wait_cleanups(30)
        assert cleaned == ["deadjob"]
        with sessions() as session:
            assert session.get(OperationLock, ("prod", "backup-restore")) is None
        assert any("cleanup after the runner's death: balancer started again" in line
                   for _, _, line in runner.logs("deadjob"))
        # The cluster is free for a new job.
        assert runner.wait(runner.submit_kind("backup", "prod").id, 30).state == "succeeded"
    finally:
        runner.stop()


def test_lock_of_a_recovered_job_is_held_until_its_cleanup_ends(sessions: sessionmaker[Session]) -> None:
    """A job submitted while the dead job's cleanup runs is refused naming it, not started into what the dead
    job left (a cluster-side lock, the balancer off); once the cleanup ends the cluster is free."""
    _dead_job(sessions, "deadjob", "running")
    release = threading.Event()
    runner = JobRunner(sessions, "runner-e", heartbeat_s=0.2, stale_after_s=5.0)
    runner.register(JobKind("backup", "backup-restore", build=lambda params: lambda ctx: None,
                            cleanup=lambda job: "balancer started again" if release.wait(30) else "gave up"))
    try:
        assert runner.start() == ["deadjob"]
        with pytest.raises(LockConflict, match=r"backup job deadjob .*failed; cleaning up after its runner died"):
            runner.submit_kind("backup", "prod")
        with sessions() as session:
            lock = session.get(OperationLock, ("prod", "backup-restore"))
            assert lock is not None and lock.runner_id == "runner-e"
        release.set()
        assert runner.wait_cleanups(30)
        assert runner.wait(runner.submit_kind("backup", "prod").id, 30).state == "succeeded"
    finally:
        release.set()
        runner.stop()


def test_live_job_of_another_runner_is_not_recovered(sessions: sessionmaker[Session]) -> None:
    _dead_job(sessions, "alivejob", "running", age_s=0)
    runner = JobRunner(sessions, "runner-c", heartbeat_s=0.2, stale_after_s=60.0)
    try:
        assert runner.start() == []
        assert runner.get("alivejob").state == "running"
        with pytest.raises(LockConflict, match="backup job alivejob"):
            runner.submit("backup", "prod", "backup-restore", lambda ctx: None)
    finally:
        runner.stop()


def test_stale_lock_is_taken_over_at_submit(sessions: sessionmaker[Session]) -> None:
    _dead_job(sessions, "queuedjob", "queued")
    runner = JobRunner(sessions, "runner-d", heartbeat_s=0.2, stale_after_s=5.0)  # not started: no recovery ran
    job = runner.submit("backup", "prod", "backup-restore", lambda ctx: None)
    assert runner.get("queuedjob").state == "failed"
    with sessions() as session:
        lock = session.get(OperationLock, ("prod", "backup-restore"))
        assert lock is not None and lock.job_id == job.id
    runner.start()
    try:
        assert runner.wait(job.id, 30).state == "succeeded"
    finally:
        runner.stop()
