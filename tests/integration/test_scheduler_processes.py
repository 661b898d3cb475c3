"""Two scheduler processes sharing one platform database, as API replicas share PostgreSQL (and, on one machine,
SQLite), on one clock the test moves: every due time runs once and on time, only the lease holder runs schedules
although both tick, and when the holder is killed the other takes the lease over once it expires and goes on
without a lost or a doubled run."""

from __future__ import annotations

import datetime as dt
from functools import partial
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.jobs import states
from mongo_admin.jobs.models import JobRecord
from mongo_admin.jobs.scheduler import Scheduler
from tests.support.scheduler_process import LEASE_S, PROBE, FileClock, SchedulerProcess
from tests.support.simproc import wait_until

START = dt.datetime(2026, 3, 2, 1, 59, 30, tzinfo=dt.UTC)
FIRST_DUE = dt.datetime(2026, 3, 2, 2, 0, tzinfo=dt.UTC)
STEP = dt.timedelta(seconds=15)  # well under the lease: a live holder renews it before anyone may take it
MINUTE = dt.timedelta(minutes=1)


def test_two_scheduler_processes_run_each_due_time_once_and_survive_the_leaders_death(
        db_url: str, sessions: sessionmaker[Session], tmp_path: Path) -> None:
    clock = FileClock(tmp_path / "clock")
    clock.set(START)
    observer = Scheduler(sessions, None, "observer", clock=clock)
    schedule = observer.create("every minute", PROBE, "prod", "* * * * *", misfire_grace_s=120)
    assert schedule.next_run_at == FIRST_DUE
    a, b = (SchedulerProcess(tmp_path, db_url, clock, name) for name in ("a", "b"))
    now = START

    def jobs() -> list[JobRecord]:
        with sessions() as session:
            return list(session.scalars(select(JobRecord).order_by(JobRecord.created_at)))

    def advance(alive: list[SchedulerProcess]) -> None:
        """One step of the clock; back once every live process has ticked at it and every job has ended."""
        nonlocal now
        now += STEP
        clock.set(now)
        for each in alive:
            wait_until(partial(each.ticked_at, now), f"{each.name} tick at {now.isoformat()}")
        wait_until(lambda: all(states.is_terminal(job.state) for job in jobs()), "the jobs end")

    try:
        a.start()
        wait_until(lambda: observer.leader() == "a", "a take the lease")
        b.start()
        wait_until(lambda: b.ticked_at(START), "b tick")
        while now < FIRST_DUE + 3 * MINUTE:  # a leads through 02:00, 02:01, 02:02 and 02:03
            advance([a, b])
        a.kill()
        killed_at = now
        while now < FIRST_DUE + 6 * MINUTE:  # b takes over when the lease is stale, then 02:04 (late) .. 02:06
            advance([b])
    finally:
        a.kill()
        b.kill()

    took_over = killed_at + next(STEP * n for n in range(1, 20) if (STEP * n).total_seconds() > LEASE_S)
    due_times = [FIRST_DUE + n * MINUTE for n in range(7)]
    runs = observer.runs(schedule.id)
    assert [run.due_at for run in runs] == due_times  # each exactly once, at the cron's times
    assert [run.outcome for run in runs] == ["started"] * 7
    assert [run.scheduler_id for run in runs] == ["a"] * 4 + ["b"] * 3
    # On time while a lead; the due time that fell in the leaderless gap ran late (within the grace) at takeover.
    assert [run.decided_at for run in runs] == [*due_times[:4], took_over, *due_times[5:]]
    assert took_over - due_times[4] < dt.timedelta(seconds=120)

    recorded = jobs()
    assert [job.id for job in recorded] == [run.job_id for run in runs]
    assert all(job.state == states.SUCCEEDED and job.schedule_id == schedule.id for job in recorded)
    assert [job.runner_id for job in recorded] == [run.scheduler_id for run in runs]
    assert [job.result for job in recorded] == [{"ran_by": run.scheduler_id} for run in runs]

    # Both ticked at every due time; only one held the lease at any time: a until it died, then b.
    a_ticks, b_ticks = a.ticks(), b.ticks()
    assert {tick.at for tick in b_ticks} >= set(due_times)
    assert all(tick.leader for tick in a_ticks)
    assert not any(tick.leader for tick in b_ticks if tick.at < took_over)
    assert all(tick.leader for tick in b_ticks if tick.at >= took_over)
    assert [due for tick in a_ticks for due in tick.ran] == due_times[:4]
    assert [due for tick in b_ticks for due in tick.ran] == due_times[4:]
    assert observer.leader() == "b"
