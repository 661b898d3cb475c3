"""Cron schedules that submit jobs: time zones, next run times, pause/resume, misfires, one leader.

Each schedule keeps its ``next_run_at``. A tick of the scheduler (every few seconds) finds the schedules due and
claims each with a compare-and-swap on ``next_run_at`` (``UPDATE ... WHERE next_run_at = <the value read>``): of
two schedulers that see the same due time, one claims it, and the ``schedule_runs`` row unique on (schedule, due
time) written in the same transaction makes a second run of one due time impossible even then.

Misfires: when the scheduler was not running at a due time (the API was down, the schedule's job took the whole
tick), the latest missed due time runs once if it is at most ``misfire_grace_s`` late; otherwise it is skipped
and the skip recorded. Earlier missed due times are never run (they are counted in the run's detail). A paused
schedule has no next run; resuming computes it from now, so what was missed while paused does not run.

Only one process runs schedules: the ``scheduler_lease`` row names it and carries its heartbeat; another process
takes the lease over when the heartbeat is older than ``lease_s``. The clock is injectable (``ManualClock``) so
tests move time instead of waiting for it.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import socket
import threading
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import utcnow
from mongo_admin.errors import InvalidInputError, MongoAdminError
from mongo_admin.jobs.cron import CronExpression, zone
from mongo_admin.jobs.models import Schedule, SchedulerLease, ScheduleRun
from mongo_admin.jobs.runner import JobInfo, JobRunner
from mongo_admin.jobs.states import JobError

log = logging.getLogger(__name__)

LEASE_NAME = "scheduler"
LEASE_S = 30.0
INTERVAL_S = 5.0
DEFAULT_GRACE_S = 300

Clock = Callable[[], dt.datetime]
# How a due schedule becomes a job: (kind, cluster, params, schedule id, requested by) -> the job.
Submit = Callable[[str, str, Mapping[str, Any], str, str], JobInfo]


class ScheduleNotFoundError(JobError):
    """No schedule has this id."""


class ManualClock:
    """A clock that only moves when told to (tests)."""

    def __init__(self, start: dt.datetime) -> None:
        if start.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware start")
        self._now = start
        self._guard = threading.Lock()

    def __call__(self) -> dt.datetime:
        with self._guard:
            return self._now

    def advance(self, seconds: float) -> dt.datetime:
        with self._guard:
            self._now += dt.timedelta(seconds=seconds)
            return self._now

    def set(self, moment: dt.datetime) -> None:
        with self._guard:
            self._now = moment


@dataclass(frozen=True)
class ScheduleInfo:
    id: str
    name: str
    kind: str
    cluster: str
    params: dict[str, Any]
    cron: str
    timezone: str
    misfire_grace_s: int
    paused: bool
    next_run_at: dt.datetime | None
    last_run_at: dt.datetime | None
    last_job_id: str | None
    last_outcome: str | None

    @classmethod
    def of(cls, row: Schedule) -> ScheduleInfo:
        return cls(id=row.id, name=row.name, kind=row.kind, cluster=row.cluster, params=dict(row.params or {}),
                   cron=row.cron, timezone=row.timezone, misfire_grace_s=row.misfire_grace_s, paused=row.paused,
                   next_run_at=row.next_run_at, last_run_at=row.last_run_at, last_job_id=row.last_job_id,
                   last_outcome=row.last_outcome)


@dataclass(frozen=True)
class Preview:
    """The run times a cron expression would have in a time zone: ``next_runs`` in that zone's local time."""

    cron: str
    timezone: str
    next_runs: list[dt.datetime]


@dataclass(frozen=True)
class RunInfo:
    """One decision of the scheduler: ``outcome`` is started (``job_id`` set), skipped or refused."""

    schedule_id: str
    due_at: dt.datetime
    decided_at: dt.datetime
    outcome: str
    job_id: str | None
    detail: str
    scheduler_id: str


class Scheduler:
    """Runs due schedules while it holds the lease. ``tick`` is one cycle; ``start`` runs it every
    ``interval_s`` on a thread."""

    def __init__(self, session_factory: sessionmaker[Session], runner: JobRunner | None = None,
                 scheduler_id: str | None = None, *, clock: Clock = utcnow, lease_s: float = LEASE_S,
                 interval_s: float = INTERVAL_S, submit: Submit | None = None) -> None:
        self._sessions = session_factory
        self.runner = runner
        self.scheduler_id = scheduler_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self._clock = clock
        self.lease_s = lease_s
        self.interval_s = interval_s
        self._submit = submit
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------------------------------ schedules
    def create(self, name: str, kind: str, cluster: str, cron: str, *, timezone: str = "UTC",
               params: Mapping[str, Any] | None = None, misfire_grace_s: int = DEFAULT_GRACE_S,
               paused: bool = False) -> ScheduleInfo:
        """A new schedule; InvalidInputError for a bad cron expression, time zone, grace or kind."""
        expression = CronExpression.parse(cron, "cron")
        tz = zone(timezone)
        if misfire_grace_s < 0:
            raise InvalidInputError(f"misfire grace {misfire_grace_s} s is negative", "it is how late a run may "
                                    "start", "give 0 or more seconds")
        if self.runner is not None:
            self.runner.kind(kind)
        now = self._clock()
        row = Schedule(id=uuid.uuid4().hex, name=name, kind=kind, cluster=cluster, params=dict(params or {}),
                       cron=expression.text, timezone=timezone, misfire_grace_s=misfire_grace_s, paused=paused,
                       next_run_at=None if paused else expression.next_after(now, tz), created_at=now,
                       updated_at=now)
        try:
            with self._sessions() as session, session.begin():
                session.add(row)
        except IntegrityError:
            raise InvalidInputError(f"a schedule named {name!r} already exists", "schedule names are unique",
                                    "choose another name, or change the existing schedule") from None
        return self.get(row.id)

    def get(self, schedule_id: str) -> ScheduleInfo:
        with self._sessions() as session:
            row = session.get(Schedule, schedule_id)
            if row is None:
                raise ScheduleNotFoundError(f"no schedule {schedule_id}", "it does not exist or was deleted",
                                            "list the schedules to find its id")
            return ScheduleInfo.of(row)

    def schedules(self) -> list[ScheduleInfo]:
        with self._sessions() as session:
            return [ScheduleInfo.of(row) for row in session.execute(select(Schedule).order_by(Schedule.name))
                    .scalars()]

    def pause(self, schedule_id: str) -> ScheduleInfo:
        self._set(schedule_id, paused=True, next_run_at=None)
        return self.get(schedule_id)

    def resume(self, schedule_id: str) -> ScheduleInfo:
        """Running again from now: due times missed while paused are not run."""
        info = self.get(schedule_id)
        if info.paused:
            expression = CronExpression.parse(info.cron)
            self._set(schedule_id, paused=False,
                      next_run_at=expression.next_after(self._clock(), zone(info.timezone)))
        return self.get(schedule_id)

    def update(self, schedule_id: str, *, name: str | None = None, cron: str | None = None,
               timezone: str | None = None, params: Mapping[str, Any] | None = None,
               misfire_grace_s: int | None = None) -> ScheduleInfo:
        """Change a schedule; a new cron expression or time zone recomputes the next run from now (unless
        paused). InvalidInputError as for ``create``."""
        info = self.get(schedule_id)
        expression = CronExpression.parse(cron if cron is not None else info.cron, "cron")
        tz_name = timezone if timezone is not None else info.timezone
        tz = zone(tz_name)
        if misfire_grace_s is not None and misfire_grace_s < 0:
            raise InvalidInputError(f"misfire grace {misfire_grace_s} s is negative", "it is how late a run may "
                                    "start", "give 0 or more seconds")
        values: dict[str, Any] = {"cron": expression.text, "timezone": tz_name}
        if name is not None:
            values["name"] = name
        if params is not None:
            values["params"] = dict(params)
        if misfire_grace_s is not None:
            values["misfire_grace_s"] = misfire_grace_s
        if not info.paused and (expression.text != info.cron or tz_name != info.timezone):
            values["next_run_at"] = expression.next_after(self._clock(), tz)
        try:
            self._set(schedule_id, **values)
        except IntegrityError:
            raise InvalidInputError(f"a schedule named {name!r} already exists", "schedule names are unique",
                                    "choose another name") from None
        return self.get(schedule_id)

    def delete(self, schedule_id: str) -> None:
        self.get(schedule_id)
        with self._sessions() as session, session.begin():
            session.execute(delete(ScheduleRun).where(ScheduleRun.schedule_id == schedule_id))
            session.execute(delete(Schedule).where(Schedule.id == schedule_id))

    def _set(self, schedule_id: str, **values: Any) -> None:
        self.get(schedule_id)
        with self._sessions() as session, session.begin():
            session.execute(update(Schedule).where(Schedule.id == schedule_id)
                            .values(updated_at=self._clock(), **values))

    def next_runs(self, schedule_id: str, count: int = 5) -> list[dt.datetime]:
        """The schedule's next ``count`` run times (none while paused)."""
        info = self.get(schedule_id)
        if info.paused or info.next_run_at is None:
            return []
        expression, tz = CronExpression.parse(info.cron), zone(info.timezone)
        return [info.next_run_at, *expression.next_runs(info.next_run_at, tz, count - 1)]

    def preview(self, cron: str, timezone: str = "UTC", count: int = 5) -> Preview:
        """The next ``count`` run times from now that a schedule of ``cron`` in ``timezone`` would have, changing
        nothing; InvalidInputError as for ``create``."""
        expression, tz = CronExpression.parse(cron, "cron"), zone(timezone)
        runs = expression.next_runs(self._clock(), tz, count)
        return Preview(expression.text, timezone, [run.astimezone(tz) for run in runs])

    def runs(self, schedule_id: str) -> list[RunInfo]:
        with self._sessions() as session:
            rows = session.execute(select(ScheduleRun).where(ScheduleRun.schedule_id == schedule_id)
                                   .order_by(ScheduleRun.due_at)).scalars().all()
            return [RunInfo(r.schedule_id, r.due_at, r.decided_at, r.outcome, r.job_id, r.detail, r.scheduler_id)
                    for r in rows]

    # ------------------------------------------------------------------------------------------ the lease
    def hold_lease(self) -> bool:
        """Take or renew the lease; whether this scheduler is the one that runs schedules now."""
        now = self._clock()
        try:
            with self._sessions() as session, session.begin():
                lease = session.get(SchedulerLease, LEASE_NAME)
                if lease is None:
                    session.add(SchedulerLease(name=LEASE_NAME, holder=self.scheduler_id, acquired_at=now,
                                               heartbeat_at=now))
                    return True
                if lease.holder == self.scheduler_id:
                    condition = SchedulerLease.holder == self.scheduler_id
                    values: dict[str, Any] = {"heartbeat_at": now}
                elif (now - lease.heartbeat_at).total_seconds() > self.lease_s:
                    condition = ((SchedulerLease.holder == lease.holder) &
                                 (SchedulerLease.heartbeat_at == lease.heartbeat_at))
                    values = {"holder": self.scheduler_id, "acquired_at": now, "heartbeat_at": now}
                    log.info("scheduler %s takes over the lease of %s (silent since %s)", self.scheduler_id,
                             lease.holder, lease.heartbeat_at.isoformat())
                else:
                    return False
                moved = session.execute(update(SchedulerLease).where(SchedulerLease.name == LEASE_NAME, condition)
                                        .values(**values).execution_options(synchronize_session=False))
                return getattr(moved, "rowcount", 0) == 1
        except IntegrityError:  # another scheduler created the lease first
            return False

    def release_lease(self) -> None:
        with self._sessions() as session, session.begin():
            session.execute(delete(SchedulerLease).where(SchedulerLease.name == LEASE_NAME,
                                                         SchedulerLease.holder == self.scheduler_id))

    def leader(self) -> str | None:
        with self._sessions() as session:
            lease = session.get(SchedulerLease, LEASE_NAME)
            return lease.holder if lease is not None else None

    # ------------------------------------------------------------------------------------------ running
    def tick(self) -> list[RunInfo]:
        """One cycle: when this scheduler holds the lease, every due schedule is claimed and run (or skipped)."""
        if not self.hold_lease():
            return []
        return self.run_due()

    def run_due(self) -> list[RunInfo]:
        """Claim and decide every schedule due now. Safe to call from several schedulers at once: each due
        time is claimed by one of them."""
        now = self._clock()
        with self._sessions() as session:
            due = session.execute(select(Schedule).where(Schedule.paused.is_(False), Schedule.next_run_at <= now)
                                  .order_by(Schedule.next_run_at)).scalars().all()
            infos = [ScheduleInfo.of(row) for row in due]
        decided = []
        for info in infos:
            try:
                run = self._fire(info, now)
            except Exception:  # one broken schedule must not stop the others
                log.exception("scheduler %s: schedule %s (%s) failed", self.scheduler_id, info.name, info.id)
                continue
            if run is not None:
                decided.append(run)
        return decided

    def _fire(self, info: ScheduleInfo, now: dt.datetime) -> RunInfo | None:
        assert info.next_run_at is not None
        expression, tz = CronExpression.parse(info.cron), zone(info.timezone)
        due_times = [info.next_run_at, *expression.runs_between(info.next_run_at, now, tz)]
        due = due_times[-1]
        following = expression.next_after(now, tz)
        late = (now - due).total_seconds()
        earlier = len(due_times) - 1
        run_it = late <= info.misfire_grace_s
        detail = "" if run_it else f"missed by {late:.0f} s, more than the {info.misfire_grace_s} s grace"
        if earlier:
            detail = "; ".join(filter(None, [detail, f"{earlier} earlier due time{'s' if earlier > 1 else ''} "
                                             f"since {info.next_run_at.isoformat()} missed and skipped"]))
        try:
            with self._sessions() as session, session.begin():
                claimed = session.execute(
                    update(Schedule)
                    .where(Schedule.id == info.id, Schedule.paused.is_(False), Schedule.next_run_at == info.next_run_at)
                    .values(next_run_at=following, last_run_at=due, updated_at=now)
                    .execution_options(synchronize_session=False))
                if getattr(claimed, "rowcount", 0) != 1:
                    return None  # another scheduler claimed it, or it was paused or changed meanwhile
                session.add(ScheduleRun(schedule_id=info.id, due_at=due, decided_at=now,
                                        outcome="started" if run_it else "skipped", job_id=None, detail=detail,
                                        scheduler_id=self.scheduler_id))
        except IntegrityError:
            return None  # this due time was already decided by another scheduler
        job_id = None
        outcome = "started" if run_it else "skipped"
        if run_it:
            try:
                job = self._submit_job(info)
                job_id = job.id
                detail = "; ".join(filter(None, [f"job {job.id}", detail]))
            except MongoAdminError as exc:
                outcome = "refused"
                detail = "; ".join(filter(None, [exc.message(), detail]))
        with self._sessions() as session, session.begin():
            session.execute(update(ScheduleRun).where(ScheduleRun.schedule_id == info.id, ScheduleRun.due_at == due)
                            .values(outcome=outcome, job_id=job_id, detail=detail))
            values: dict[str, Any] = {"last_outcome": f"{outcome} ({due.isoformat()}): {detail}".rstrip(": ")}
            if job_id is not None:
                values["last_job_id"] = job_id
            session.execute(update(Schedule).where(Schedule.id == info.id).values(**values))
        return RunInfo(info.id, due, now, outcome, job_id, detail, self.scheduler_id)

    def _submit_job(self, info: ScheduleInfo) -> JobInfo:
        requested_by = f"schedule {info.name}"
        if self._submit is not None:
            return self._submit(info.kind, info.cluster, info.params, info.id, requested_by)
        if self.runner is None:
            raise JobError("the scheduler has no job runner", "it was created without one",
                           "create the Scheduler with the API's JobRunner")
        return self.runner.submit_kind(info.kind, info.cluster, info.params, requested_by=requested_by,
                                       schedule_id=info.id)

    # ------------------------------------------------------------------------------------------ thread
    def start(self) -> None:
        if self._thread is not None:
            return
        self._stop.clear()
        self._thread = threading.Thread(target=self._loop, name="scheduler", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            try:
                self.tick()
            except Exception:  # the database may be briefly unavailable: try again next tick
                log.exception("scheduler %s: tick failed", self.scheduler_id)
            if self._stop.wait(self.interval_s):
                return

    def stop(self, timeout: float = 10.0) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self.release_lease()
