"""The job tables on the platform database: jobs, their log lines, operation locks, schedules, schedule runs
and the scheduler lease.

Every timestamp is a ``UTCDateTime`` (stored as UTC, read back timezone-aware). Table names are constants so
queries and migrations never spell them twice.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Boolean, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from mongo_admin.db.base import Base, UTCDateTime
from mongo_admin.jobs.states import QUEUED

JOBS_TABLE = "jobs"
JOB_LOGS_TABLE = "job_logs"
OPERATION_LOCKS_TABLE = "operation_locks"
SCHEDULES_TABLE = "schedules"
SCHEDULE_RUNS_TABLE = "schedule_runs"
SCHEDULER_LEASE_TABLE = "scheduler_lease"


class JobRecord(Base):
    """One long operation: recorded ``queued`` before it starts, then moved through the state machine."""

    __tablename__ = JOBS_TABLE

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    kind: Mapped[str] = mapped_column(String(64), index=True)
    cluster: Mapped[str] = mapped_column(String(128), index=True)
    # The lock class (e.g. "backup-restore"); None for jobs that take no lock.
    operation_class: Mapped[str | None] = mapped_column(String(64))
    state: Mapped[str] = mapped_column(String(16), index=True, default=QUEUED)
    progress: Mapped[float] = mapped_column(Float, default=0.0)
    step: Mapped[str | None] = mapped_column(String(128))
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    result: Mapped[Any | None] = mapped_column(JSON)
    error: Mapped[str | None] = mapped_column(Text)
    failed_step: Mapped[str | None] = mapped_column(String(128))
    cancel_requested: Mapped[bool] = mapped_column(Boolean, default=False)
    requested_by: Mapped[str | None] = mapped_column(String(128))
    schedule_id: Mapped[str | None] = mapped_column(String(32))
    # What the operation created, once it knows it (a backup id, a restore id): links the job to its record.
    reference: Mapped[str | None] = mapped_column(String(128))
    runner_id: Mapped[str | None] = mapped_column(String(128))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, index=True)
    started_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    finished_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)


class JobLog(Base):
    """One line of a job's log, in the order it was written."""

    __tablename__ = JOB_LOGS_TABLE

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    job_id: Mapped[str] = mapped_column(ForeignKey(f"{JOBS_TABLE}.id", ondelete="CASCADE"), index=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    line: Mapped[str] = mapped_column(Text)


class OperationLock(Base):
    """One operation of a class per cluster at a time: the row exists while its holder job is queued or
    running; ``heartbeat_at`` is refreshed by the holder's runner so a dead runner's lock is seen as stale."""

    __tablename__ = OPERATION_LOCKS_TABLE

    cluster: Mapped[str] = mapped_column(String(128), primary_key=True)
    operation_class: Mapped[str] = mapped_column(String(64), primary_key=True)
    job_id: Mapped[str] = mapped_column(String(32))
    kind: Mapped[str] = mapped_column(String(64))
    runner_id: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class Schedule(Base):
    """A cron schedule that submits a job of ``kind`` with ``params``; ``next_run_at`` is claimed atomically."""

    __tablename__ = SCHEDULES_TABLE

    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    name: Mapped[str] = mapped_column(String(128), unique=True)
    kind: Mapped[str] = mapped_column(String(64))
    cluster: Mapped[str] = mapped_column(String(128), index=True)
    params: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    # As long as the API accepts; PostgreSQL, unlike SQLite, refuses a longer value.
    cron: Mapped[str] = mapped_column(String(200))
    timezone: Mapped[str] = mapped_column(String(64), default="UTC")
    # How late a run may start and still run (seconds); later runs are skipped and recorded.
    misfire_grace_s: Mapped[int] = mapped_column(Integer, default=300)
    paused: Mapped[bool] = mapped_column(Boolean, default=False)
    next_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime, index=True)
    last_run_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime)
    last_job_id: Mapped[str | None] = mapped_column(String(32))
    last_outcome: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)


class ScheduleRun(Base):
    """What the scheduler decided for one due time of a schedule: started (with its job) or skipped (why).
    The unique (schedule, due time) pair makes a double run impossible even for two schedulers at once."""

    __tablename__ = SCHEDULE_RUNS_TABLE
    __table_args__ = (UniqueConstraint("schedule_id", "due_at", name="uq_schedule_runs_due"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=True)
    schedule_id: Mapped[str] = mapped_column(ForeignKey(f"{SCHEDULES_TABLE}.id", ondelete="CASCADE"), index=True)
    due_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    decided_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str] = mapped_column(String(16))  # "started", "skipped" or "refused"
    job_id: Mapped[str | None] = mapped_column(String(32))
    detail: Mapped[str] = mapped_column(Text, default="")
    scheduler_id: Mapped[str] = mapped_column(String(128))


class SchedulerLease(Base):
    """The single row naming the process that runs schedules; taken over when its heartbeat goes stale."""

    __tablename__ = SCHEDULER_LEASE_TABLE

    name: Mapped[str] = mapped_column(String(32), primary_key=True)
    holder: Mapped[str] = mapped_column(String(128))
    acquired_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    heartbeat_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
