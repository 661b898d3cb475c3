"""The scheduler with a manual clock: cron run times in a time zone, runs on time, misfires, pause/resume, the
lease, and two schedulers on one database never running a due time twice; on SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Mapping
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.errors import InvalidInputError
from mongo_admin.jobs.cron import CronExpression, zone
from mongo_admin.jobs.models import JobRecord
from mongo_admin.jobs.runner import JobInfo, JobKind, JobRunner
from mongo_admin.jobs.scheduler import ManualClock, Scheduler

START = dt.datetime(2026, 3, 2, 1, 58, tzinfo=dt.UTC)  # a Monday


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(START)


@pytest.fixture
def runner(sessions: sessionmaker[Session], clock: ManualClock) -> JobRunner:
    """A runner that records jobs but is never started: jobs stay queued, nothing runs, nothing waits."""
    runner = JobRunner(sessions, "runner", clock=clock, stale_after_s=10**9)
    runner.register(JobKind("health", None, build=lambda params: lambda ctx: None))
    runner.register(JobKind("backup", "backup-restore", build=lambda params: lambda ctx: None))
    return runner


def utc(text: str) -> dt.datetime:
    return dt.datetime.fromisoformat(text).replace(tzinfo=dt.UTC)


# ------------------------------------------------------------------------------------------ cron
@pytest.mark.parametrize(("cron", "tz", "after", "expected"), [
    ("0 2 * * *", "UTC", "2026-03-02T01:58", "2026-03-02T02:00"),
    ("0 2 * * *", "UTC", "2026-03-02T02:00", "2026-03-03T02:00"),
    ("*/15 * * * *", "UTC", "2026-03-02T01:58", "2026-03-02T02:00"),
    ("30 9 * * mon-fri", "UTC", "2026-03-06T10:00", "2026-03-09T09:30"),  # Friday after → Monday
    ("0 0 1 * *", "UTC", "2026-12-15T00:00", "2027-01-01T00:00"),
    ("0 0 13 * 5", "UTC", "2026-03-02T00:00", "2026-03-06T00:00"),  # day-of-month OR day-of-week
    ("0 0 29 2 *", "UTC", "2026-03-01T00:00", "2028-02-29T00:00"),
    ("0 2 * * *", "Europe/Paris", "2026-03-02T00:00", "2026-03-02T01:00"),  # 02:00 CET = 01:00 UTC
    ("30 2 * * *", "Europe/Paris", "2026-03-29T00:00", "2026-03-29T01:30"),  # skipped hour: offset kept
    ("30 2 * * *", "Europe/Paris", "2026-10-25T00:00", "2026-10-25T00:30"),  # repeated hour: the first one
    ("30 2 * * *", "Europe/Paris", "2026-10-25T00:30", "2026-10-26T01:30"),  # ... and only once
])
def test_cron_next_run(cron: str, tz: str, after: str, expected: str) -> None:
    assert CronExpression.parse(cron).next_after(utc(after), zone(tz)) == utc(expected)


def test_bad_cron_and_zone_are_refused(sessions: sessionmaker[Session], runner: JobRunner,
                                       clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    with pytest.raises(InvalidInputError, match="the hour field's value 25 is out of range"):
        scheduler.create("bad", "health", "prod", "0 25 * * *")
    with pytest.raises(InvalidInputError, match="unknown time zone 'Mars/Olympus'"):
        scheduler.create("bad", "health", "prod", "0 2 * * *", timezone="Mars/Olympus")
    with pytest.raises(Exception, match="unknown job kind 'nope'"):
        scheduler.create("bad", "nope", "prod", "0 2 * * *")


def test_a_preview_gives_local_run_times_across_daylight_saving_and_records_nothing(clock: ManualClock) -> None:
    # A preview reads no database: a session factory bound to nothing proves it.
    scheduler = Scheduler(sessionmaker(), clock=clock)
    # 02:30 does not exist in New York on 8 March 2026: it runs at the offset before the change (03:30 EDT).
    preview = scheduler.preview("30  2 * * *", "America/New_York", 8)
    assert (preview.cron, preview.timezone) == ("30 2 * * *", "America/New_York")
    assert [run.isoformat() for run in preview.next_runs] == [
        *(f"2026-03-0{day}T02:30:00-05:00" for day in range(2, 8)), "2026-03-08T03:30:00-04:00",
        "2026-03-09T02:30:00-04:00"]
    # The clock says 10:58 on Monday in Seoul: this Monday's 09:00 has passed.
    seoul = scheduler.preview("0 9 * * mon", "Asia/Seoul", 2)
    assert [run.isoformat() for run in seoul.next_runs] == ["2026-03-09T09:00:00+09:00", "2026-03-16T09:00:00+09:00"]
    with pytest.raises(InvalidInputError, match="the hour field's value 25 is out of range"):
        scheduler.preview("0 25 * * *")
    with pytest.raises(InvalidInputError, match="unknown time zone 'Mars/Olympus'"):
        scheduler.preview("0 2 * * *", "Mars/Olympus")


# ------------------------------------------------------------------------------------------ running
def test_runs_on_time_and_reports_next_runs(sessions: sessionmaker[Session], runner: JobRunner,
                                            clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    schedule = scheduler.create("nightly", "health", "prod", "0 2 * * *", params={"deep": True})
    assert scheduler.next_runs(schedule.id, 3) == [utc("2026-03-02T02:00"), utc("2026-03-03T02:00"),
                                                   utc("2026-03-04T02:00")]
    assert scheduler.tick() == []  # 01:58: not due
    clock.advance(119)
    assert scheduler.tick() == []  # 01:59:59
    clock.advance(1)
    [run] = scheduler.tick()  # 02:00:00
    assert (run.outcome, run.due_at) == ("started", utc("2026-03-02T02:00"))
    job = runner.get(run.job_id or "")
    assert (job.kind, job.cluster, job.params, job.schedule_id) == ("health", "prod", {"deep": True}, schedule.id)
    assert job.requested_by == "schedule nightly"
    assert scheduler.tick() == []  # not twice
    info = scheduler.get(schedule.id)
    assert info.next_run_at == utc("2026-03-03T02:00")
    assert info.last_job_id == job.id


def test_misfire_within_grace_runs_once(sessions: sessionmaker[Session], runner: JobRunner,
                                        clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    schedule = scheduler.create("often", "health", "prod", "*/10 * * * *", misfire_grace_s=300)
    clock.set(utc("2026-03-02T02:34"))  # down since before 02:00: 02:00, 02:10, 02:20, 02:30 were missed
    [run] = scheduler.tick()
    assert (run.outcome, run.due_at) == ("started", utc("2026-03-02T02:30"))
    assert "3 earlier due times since 2026-03-02T02:00:00+00:00 missed and skipped" in run.detail
    assert scheduler.get(schedule.id).next_run_at == utc("2026-03-02T02:40")
    with sessions() as session:
        assert session.query(JobRecord).count() == 1


def test_misfire_past_grace_is_skipped_and_recorded(sessions: sessionmaker[Session], runner: JobRunner,
                                                    clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    schedule = scheduler.create("nightly", "health", "prod", "0 2 * * *", misfire_grace_s=60)
    clock.set(utc("2026-03-02T02:05"))
    [run] = scheduler.tick()
    assert (run.outcome, run.job_id) == ("skipped", None)
    assert run.detail == "missed by 300 s, more than the 60 s grace"
    assert scheduler.runs(schedule.id)[0].outcome == "skipped"
    info = scheduler.get(schedule.id)
    assert info.next_run_at == utc("2026-03-03T02:00")
    assert info.last_outcome is not None and info.last_outcome.startswith("skipped")
    with sessions() as session:
        assert session.query(JobRecord).count() == 0


def test_lock_conflict_is_recorded_as_refused(sessions: sessionmaker[Session], runner: JobRunner,
                                              clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    schedule = scheduler.create("nightly", "backup", "prod", "0 2 * * *")
    holder = runner.submit("backup", "prod", "backup-restore", lambda ctx: None)  # queued, holds the lock
    clock.set(utc("2026-03-02T02:00"))
    [run] = scheduler.tick()
    assert run.outcome == "refused"
    assert f"another operation is running on cluster prod: backup job {holder.id}" in run.detail
    assert scheduler.get(schedule.id).next_run_at == utc("2026-03-03T02:00")


def test_pause_and_resume(sessions: sessionmaker[Session], runner: JobRunner, clock: ManualClock) -> None:
    scheduler = Scheduler(sessions, runner, "s1", clock=clock)
    schedule = scheduler.create("nightly", "health", "prod", "0 2 * * *")
    paused = scheduler.pause(schedule.id)
    assert paused.paused and paused.next_run_at is None
    assert scheduler.next_runs(schedule.id) == []
    clock.set(utc("2026-03-02T02:00"))
    assert scheduler.tick() == []
    clock.set(utc("2026-03-02T03:00"))
    resumed = scheduler.resume(schedule.id)
    assert not resumed.paused
    assert resumed.next_run_at == utc("2026-03-03T02:00")  # the run missed while paused does not happen
    assert scheduler.tick() == []
    clock.set(utc("2026-03-03T02:00"))
    assert [run.outcome for run in scheduler.tick()] == ["started"]


# ------------------------------------------------------------------------------------------ two schedulers
def test_only_the_lease_holder_runs_and_a_stale_lease_is_taken_over(sessions: sessionmaker[Session],
                                                                    runner: JobRunner, clock: ManualClock) -> None:
    first = Scheduler(sessions, runner, "s1", clock=clock, lease_s=30)
    second = Scheduler(sessions, runner, "s2", clock=clock, lease_s=30)
    scheduler = first
    schedule = scheduler.create("often", "health", "prod", "* * * * *")
    assert first.hold_lease()
    assert not second.hold_lease()
    clock.advance(120)  # 02:00: due, and s1 silent for 120 s
    runs = second.tick()  # s2 takes over the stale lease
    assert [run.outcome for run in runs] == ["started"]
    assert second.leader() == "s2"
    assert first.tick() == []  # s1 lost the lease
    first.stop()  # releasing a lease it does not hold changes nothing
    assert second.leader() == "s2"
    assert len(scheduler.runs(schedule.id)) == 1


def test_two_schedulers_never_double_run(sessions: sessionmaker[Session], clock: ManualClock) -> None:
    """Both skip the lease (as two leaders would during a split) and race on every due time: each due time
    is claimed once."""
    submitted: list[tuple[str, str]] = []
    guard = threading.Lock()

    def submit(kind: str, cluster: str, params: Mapping[str, Any], schedule_id: str, by: str) -> JobInfo:
        with guard:
            submitted.append((schedule_id, str(len(submitted))))
        return JobInfo(id=f"job{len(submitted)}", kind=kind, cluster=cluster, operation_class=None, state="queued",
                       progress=0.0, step=None, params=dict(params), result=None, error=None, failed_step=None,
                       cancel_requested=False, requested_by=by, schedule_id=schedule_id, reference=None,
                       runner_id=None, created_at=clock(), started_at=None, finished_at=None, heartbeat_at=None)

    schedulers = [Scheduler(sessions, None, f"s{n}", clock=clock, submit=submit) for n in range(2)]
    ids = [schedulers[0].create(f"every-{n}", "health", f"c{n}", "* * * * *").id for n in range(4)]
    for _ in range(20):
        clock.advance(60)
        barrier = threading.Barrier(2)
        results: list[int] = []

        def race(scheduler: Scheduler, barrier: threading.Barrier = barrier, results: list[int] = results) -> None:
            barrier.wait(10)
            results.append(len(scheduler.run_due()))

        threads = [threading.Thread(target=race, args=(each,)) for each in schedulers]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(60)
        assert sum(results) == len(ids)
    runs = [run for schedule_id in ids for run in schedulers[0].runs(schedule_id)]
    assert len(runs) == 20 * len(ids)
    assert len({(run.schedule_id, run.due_at) for run in runs}) == len(runs)
    assert len(submitted) == len(runs)
    assert {run.scheduler_id for run in runs} <= {"s0", "s1"}
