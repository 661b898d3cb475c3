"""The job runner: long operations in worker threads, recorded in the platform database before they start.

``submit`` writes the job (``queued``) and takes its lock in one transaction: one job per cluster and operation
class at a time, a second one is refused with ``LockConflict`` naming the holder and nothing is recorded for it.
A worker thread moves the job to ``running``, calls the operation with a ``JobContext`` (progress, log lines,
the cancel flag, the result) and records how it ended; the lock is released in the same transaction.

A heartbeat thread refreshes ``heartbeat_at`` of the runner's jobs and locks every few seconds, and picks up
cancellations requested through another process. A job whose heartbeat is older than ``stale_after_s`` belongs
to a runner that died: ``recover_stale`` (run by ``start`` and on every heartbeat) marks it failed with the
step it was at and runs the cleanup registered for its kind (the backup and restore kinds' put the balancer
back, release the cluster-side lock and close their record). Its lock is released at once when the kind has no
cleanup, else when the cleanup has finished: until then this runner holds it, so a new job on the cluster is
refused naming the cleanup instead of starting into what the dead one left. Every state change goes through
``states.check_transition`` and a compare-and-swap on the current state, so two runners never both finish (or
recover) one job.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import logging
import os
import queue
import socket
import threading
import time
import traceback
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.db.base import utcnow
from mongo_admin.errors import MongoAdminError, OperationCancelledError
from mongo_admin.jobs import states
from mongo_admin.jobs.models import JobLog, JobRecord, OperationLock
from mongo_admin.jobs.states import JobError

log = logging.getLogger(__name__)

HEARTBEAT_S = 5.0
STALE_AFTER_S = 30.0
MAX_LOG_LINE = 4000

Clock = Callable[[], dt.datetime]


class LockConflict(JobError):
    """The cluster's lock for this operation class is held by another live job; ``holder`` names it."""

    def __init__(self, cluster: str, operation_class: str, holder: JobInfo | None) -> None:
        self.cluster = cluster
        self.operation_class = operation_class
        self.holder = holder
        cleaning = "; cleaning up after its runner died" if holder is not None and holder.terminal else ""
        who = (f"{holder.kind} job {holder.id} (started {holder.created_at.isoformat(timespec='seconds')}, "
               f"{holder.state}{cleaning})" if holder else "a job that just finished")
        super().__init__(f"another operation is running on cluster {cluster}: {who}",
                         f"only one {operation_class} operation runs on a cluster at a time",
                         "wait for it to finish, or cancel it, then submit again")


class JobNotFoundError(JobError):
    """No job has this id."""


@dataclass(frozen=True)
class JobInfo:
    """A job as recorded, detached from the database session."""

    id: str
    kind: str
    cluster: str
    operation_class: str | None
    state: str
    progress: float
    step: str | None
    params: dict[str, Any]
    result: Any
    error: str | None
    failed_step: str | None
    cancel_requested: bool
    requested_by: str | None
    schedule_id: str | None
    reference: str | None
    runner_id: str | None
    created_at: dt.datetime
    started_at: dt.datetime | None
    finished_at: dt.datetime | None
    heartbeat_at: dt.datetime | None

    @classmethod
    def of(cls, row: JobRecord) -> JobInfo:
        return cls(id=row.id, kind=row.kind, cluster=row.cluster, operation_class=row.operation_class,
                   state=row.state, progress=row.progress, step=row.step, params=dict(row.params or {}),
                   result=row.result, error=row.error, failed_step=row.failed_step,
                   cancel_requested=row.cancel_requested, requested_by=row.requested_by,
                   schedule_id=row.schedule_id, reference=row.reference, runner_id=row.runner_id,
                   created_at=row.created_at, started_at=row.started_at, finished_at=row.finished_at,
                   heartbeat_at=row.heartbeat_at)

    @property
    def terminal(self) -> bool:
        return states.is_terminal(self.state)


@dataclass(frozen=True)
class JobEvent:
    """What a subscriber receives: ``type`` is ``state`` (also the first event, a snapshot), ``progress`` or
    ``log``."""

    type: str
    job_id: str
    state: str
    progress: float
    step: str | None
    message: str | None
    at: dt.datetime

    def to_dict(self) -> dict[str, Any]:
        data = dataclasses.asdict(self)
        data["at"] = self.at.isoformat()
        return data


def _jsonable(value: Any) -> Any:
    """An operation's result as JSON: dataclasses and pydantic models become objects, the rest ``str``."""
    if value is None:
        return None
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        value = dataclasses.asdict(value)
    elif hasattr(value, "model_dump"):
        value = value.model_dump(mode="json")
    return json.loads(json.dumps(value, default=str))


class JobContext:
    """What an operation sees of its job: report progress and log lines, poll for cancellation at safe points,
    and set ``result`` (or return it)."""

    def __init__(self, runner: JobRunner, job: JobInfo, cancel: threading.Event) -> None:
        self._runner = runner
        self._cancel = cancel
        self.job_id = job.id
        self.kind = job.kind
        self.cluster = job.cluster
        self.params = job.params
        self.step: str | None = None
        self.percent = 0.0
        self.result: Any = None

    def progress(self, percent: float | None, step: str | None = None, message: str | None = None) -> None:
        """Record the progress (0-100; None keeps it) and the current step; ``message`` also goes to the log."""
        if percent is not None:
            self.percent = max(0.0, min(100.0, float(percent)))
        if step is not None:
            self.step = step
        self._runner._record_progress(self.job_id, self.percent, self.step, message)

    def log(self, line: str) -> None:
        self._runner._record_log(self.job_id, line, self.percent, self.step)

    def reference(self, value: str) -> None:
        """Link the job to the record its operation created (a backup id, a restore id)."""
        self._runner._record_reference(self.job_id, value)

    def cancelled(self) -> bool:
        return self._cancel.is_set()

    def check_cancelled(self) -> None:
        """Raise OperationCancelledError when cancellation was requested: call it at safe points."""
        if self._cancel.is_set():
            raise OperationCancelledError(f"job {self.job_id} was cancelled",
                                          f"it stopped at step '{self.step or 'start'}'")


JobFunction = Callable[[JobContext], Any]


@dataclass(frozen=True)
class JobKind:
    """A kind of job the runner (and the scheduler) can build from its parameters. ``cleanup`` repairs what a
    job of this kind leaves behind when its runner dies; it returns a sentence saying what it did."""

    name: str
    operation_class: str | None
    build: Callable[[Mapping[str, Any]], JobFunction]
    cleanup: Callable[[JobInfo], str] | None = None


class JobSubscription:
    """Events of one job for a live view (Server-Sent Events): a snapshot first, then progress, log lines and
    state changes, ending after the terminal state. Jobs run by another process are followed by polling."""

    def __init__(self, runner: JobRunner, job_id: str, poll_s: float) -> None:
        self._runner = runner
        self.job_id = job_id
        self._poll_s = poll_s
        self._queue: queue.Queue[JobEvent] = queue.Queue()
        self._done = False
        self._last: tuple[str, float, str | None] | None = None
        runner._add_subscriber(job_id, self._queue)
        self._first: JobEvent | None = self._snapshot()

    def _snapshot(self) -> JobEvent:
        job = self._runner.get(self.job_id)
        self._last = (job.state, job.progress, job.step)
        return JobEvent("state", job.id, job.state, job.progress, job.step, job.error, utcnow())

    def __iter__(self) -> Iterator[JobEvent]:
        return self

    def __next__(self) -> JobEvent:
        event = self.next(None)
        if event is None:
            raise StopIteration
        return event

    def next(self, timeout: float | None) -> JobEvent | None:
        """The next event, or None when the job has ended (or ``timeout`` seconds passed without one)."""
        if self._first is not None:
            event, self._first = self._first, None
            self._done = states.is_terminal(event.state)
            return event
        deadline = None if timeout is None else time.monotonic() + timeout
        while not self._done:
            wait = self._poll_s if deadline is None else max(0.0, min(self._poll_s, deadline - time.monotonic()))
            try:
                event = self._queue.get(timeout=wait)
            except queue.Empty:
                job = self._runner.get(self.job_id)
                if (job.state, job.progress, job.step) != self._last:
                    event = self._snapshot()
                elif deadline is not None and time.monotonic() >= deadline:
                    return None
                else:
                    continue
            self._done = event.type == "state" and states.is_terminal(event.state)
            return event
        self.close()
        return None

    def close(self) -> None:
        self._done = True
        self._runner._remove_subscriber(self.job_id, self._queue)


class JobRunner:
    """Runs jobs in ``workers`` threads; ``runner_id`` names this process in job records and locks."""

    def __init__(self, session_factory: sessionmaker[Session], runner_id: str | None = None, *, workers: int = 4,
                 heartbeat_s: float = HEARTBEAT_S, stale_after_s: float = STALE_AFTER_S,
                 clock: Clock = utcnow) -> None:
        self._sessions = session_factory
        self.runner_id = runner_id or f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"
        self.workers = workers
        self.heartbeat_s = heartbeat_s
        self.stale_after_s = max(stale_after_s, 2 * heartbeat_s)
        self._clock = clock
        self._kinds: dict[str, JobKind] = {}
        self._functions: dict[str, JobFunction] = {}
        self._cancel: dict[str, threading.Event] = {}
        self._local: set[str] = set()  # jobs of this runner not finished yet
        self._cleaning: set[str] = set()  # dead runners' jobs whose cleanup runs here, holding their lock
        self._subscribers: dict[str, list[queue.Queue[JobEvent]]] = {}
        self._guard = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._threads: list[threading.Thread] = []
        self._cleanups: list[threading.Thread] = []
        self._stop = threading.Event()
        self._started = False

    # ------------------------------------------------------------------------------------------ kinds
    def register(self, kind: JobKind) -> None:
        self._kinds[kind.name] = kind

    def kind(self, name: str) -> JobKind:
        try:
            return self._kinds[name]
        except KeyError:
            raise JobError(f"unknown job kind {name!r}", f"the known kinds are {', '.join(sorted(self._kinds))}",
                           "use one of them") from None

    # ------------------------------------------------------------------------------------------ life cycle
    def start(self) -> list[str]:
        """Recover the jobs of dead runners, then start the workers and the heartbeat; the recovered job ids."""
        if self._started:
            return []
        recovered = self.recover_stale()
        self._started = True
        self._stop.clear()
        for number in range(self.workers):
            thread = threading.Thread(target=self._work, name=f"job-worker-{number}", daemon=True)
            thread.start()
            self._threads.append(thread)
        beat = threading.Thread(target=self._beat, name="job-heartbeat", daemon=True)
        beat.start()
        self._threads.append(beat)
        return recovered

    def stop(self, timeout: float = 30.0) -> None:
        """Ask running jobs to cancel at their next safe point, and wait up to ``timeout`` for the threads."""
        with self._guard:
            for event in self._cancel.values():
                event.set()
        self._stop.set()
        for _ in range(self.workers):
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in [*self._threads, *self._cleanups]:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()
        self._started = False

    def wait_cleanups(self, timeout: float) -> bool:
        """Wait for recovery cleanups started so far; whether they all finished."""
        deadline = time.monotonic() + timeout
        for thread in list(self._cleanups):
            thread.join(max(0.0, deadline - time.monotonic()))
        return not any(thread.is_alive() for thread in self._cleanups)

    # ------------------------------------------------------------------------------------------ submit
    def submit(self, kind: str, cluster: str, operation_class: str | None, function: JobFunction, *,
               params: Mapping[str, Any] | None = None, requested_by: str | None = None,
               schedule_id: str | None = None) -> JobInfo:
        """Record a queued job and take its lock (``operation_class`` None: no lock); LockConflict when a live
        job holds the lock. The job runs on a worker thread once the runner is started."""
        now = self._clock()
        job_id = uuid.uuid4().hex
        for _ in range(3):
            if operation_class is not None:
                self._clear_stale_lock(cluster, operation_class, now)
            try:
                with self._sessions() as session, session.begin():
                    if operation_class is not None:
                        current = session.get(OperationLock, (cluster, operation_class))
                        if current is not None:
                            holder = session.get(JobRecord, current.job_id)
                            raise LockConflict(cluster, operation_class, JobInfo.of(holder) if holder else None)
                        session.add(OperationLock(cluster=cluster, operation_class=operation_class, job_id=job_id,
                                                  kind=kind, runner_id=self.runner_id, acquired_at=now,
                                                  heartbeat_at=now))
                    session.add(JobRecord(id=job_id, kind=kind, cluster=cluster, operation_class=operation_class,
                                          state=states.QUEUED, progress=0.0, params=_jsonable(dict(params or {})),
                                          cancel_requested=False, requested_by=requested_by,
                                          schedule_id=schedule_id, runner_id=self.runner_id, created_at=now,
                                          heartbeat_at=now))
                break
            except IntegrityError:  # another job took the lock between our read and our insert: look again
                continue
        else:
            raise LockConflict(cluster, operation_class or "", self._lock_holder(cluster, operation_class or ""))
        with self._guard:
            self._functions[job_id] = function
            self._cancel[job_id] = threading.Event()
            self._local.add(job_id)
        info = self.get(job_id)
        self._publish(JobEvent("state", job_id, info.state, 0.0, None, None, now))
        self._queue.put(job_id)
        return info

    def submit_kind(self, kind: str, cluster: str, params: Mapping[str, Any] | None = None, *,
                    requested_by: str | None = None, schedule_id: str | None = None) -> JobInfo:
        """Submit a job of a registered kind, built from its parameters."""
        spec = self.kind(kind)
        merged = {"cluster": cluster, **dict(params or {})}
        return self.submit(kind, cluster, spec.operation_class, spec.build(merged), params=params,
                           requested_by=requested_by, schedule_id=schedule_id)

    def _clear_stale_lock(self, cluster: str, operation_class: str, now: dt.datetime) -> None:
        """A lock whose holder vanished or went stale is released (a stale holder still active is recovered
        first: failed, its cleanup started, which keeps the lock), so the caller can take it. A fresh lock of an
        ended job is a cleanup in progress and stays."""
        with self._sessions() as session:
            current = session.get(OperationLock, (cluster, operation_class))
            if current is None:
                return
            holder = session.get(JobRecord, current.job_id)
            holder_id, heartbeat = current.job_id, current.heartbeat_at
            holder_active = holder is not None and not states.is_terminal(holder.state)
        if holder is not None and not self._is_stale(heartbeat, now):
            return
        if holder_active:
            self._recover_job(holder_id)
        with self._sessions() as session, session.begin():
            session.execute(delete(OperationLock).where(OperationLock.cluster == cluster,
                                                        OperationLock.operation_class == operation_class,
                                                        OperationLock.job_id == holder_id,
                                                        OperationLock.heartbeat_at == heartbeat))

    def _lock_holder(self, cluster: str, operation_class: str) -> JobInfo | None:
        with self._sessions() as session:
            lock = session.get(OperationLock, (cluster, operation_class))
            holder = session.get(JobRecord, lock.job_id) if lock is not None else None
            return JobInfo.of(holder) if holder is not None else None

    def _is_stale(self, heartbeat: dt.datetime | None, now: dt.datetime) -> bool:
        return heartbeat is None or (now - heartbeat).total_seconds() > self.stale_after_s

    # ------------------------------------------------------------------------------------------ reading
    def get(self, job_id: str) -> JobInfo:
        with self._sessions() as session:
            row = session.get(JobRecord, job_id)
            if row is None:
                raise JobNotFoundError(f"no job {job_id}", "it was never submitted, or its id is mistyped",
                                       "list the jobs to find its id")
            return JobInfo.of(row)

    def logs(self, job_id: str, after: int = 0) -> list[tuple[int, dt.datetime, str]]:
        """The job's log lines after line id ``after``: (id, time, line)."""
        with self._sessions() as session:
            rows = session.execute(select(JobLog.id, JobLog.at, JobLog.line)
                                   .where(JobLog.job_id == job_id, JobLog.id > after).order_by(JobLog.id)).all()
            return [(int(r[0]), r[1], str(r[2])) for r in rows]

    def wait(self, job_id: str, timeout: float) -> JobInfo:
        """The job once it has ended, or as it is after ``timeout`` seconds."""
        subscription = self.subscribe(job_id, poll_s=min(0.5, timeout))
        deadline = time.monotonic() + timeout
        try:
            while time.monotonic() < deadline:
                if subscription.next(max(0.0, deadline - time.monotonic())) is None:
                    break
        finally:
            subscription.close()
        return self.get(job_id)

    def subscribe(self, job_id: str, poll_s: float = 1.0) -> JobSubscription:
        return JobSubscription(self, job_id, poll_s)

    # ------------------------------------------------------------------------------------------ cancel
    def cancel(self, job_id: str) -> JobInfo:
        """Cancel a job: a queued one at once; a running one is asked to stop at its next safe point (its state
        becomes cancelled when it does). IllegalTransitionError for a job that has already ended."""
        job = self.get(job_id)
        states.check_transition(job_id, job.state, states.CANCELLED)
        now = self._clock()
        if job.state == states.QUEUED and self._finish(job_id, states.QUEUED, states.CANCELLED, now,
                                                       error="cancelled before it started"):
            return self.get(job_id)
        with self._sessions() as session, session.begin():
            session.execute(update(JobRecord).where(JobRecord.id == job_id).values(cancel_requested=True))
        with self._guard:
            event = self._cancel.get(job_id)
        if event is not None:
            event.set()
        self._record_log(job_id, "cancellation requested", job.progress, job.step)
        return self.get(job_id)

    # ------------------------------------------------------------------------------------------ running
    def _work(self) -> None:
        while True:
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self._run(job_id)
            except Exception:  # the runner must outlive any bookkeeping failure; the job stays visible
                log.exception("job %s: the runner failed while running it", job_id)

    def _run(self, job_id: str) -> None:
        with self._guard:
            function = self._functions.pop(job_id, None)
            cancel = self._cancel.setdefault(job_id, threading.Event())
        try:
            if function is None:
                return
            now = self._clock()
            with self._sessions() as session, session.begin():
                moved = session.execute(update(JobRecord).where(JobRecord.id == job_id,
                                                                JobRecord.state == states.QUEUED)
                                        .values(state=states.RUNNING, started_at=now, heartbeat_at=now))
            if getattr(moved, "rowcount", 0) != 1:
                return  # cancelled (or recovered) before it started
            job = self.get(job_id)
            if job.cancel_requested:
                cancel.set()
            self._publish(JobEvent("state", job_id, states.RUNNING, 0.0, None, None, now))
            context = JobContext(self, job, cancel)
            try:
                value = function(context)
                if cancel.is_set() and value is None and context.result is None:
                    context.check_cancelled()
            except OperationCancelledError as exc:
                self._finish(job_id, states.RUNNING, states.CANCELLED, self._clock(), error=exc.message(),
                             step=context.step)
            except MongoAdminError as exc:
                self._finish(job_id, states.RUNNING, states.FAILED, self._clock(), error=exc.message(),
                             step=context.step)
            except Exception as exc:
                self._record_log(job_id, "".join(traceback.format_exception(exc)).rstrip(), context.percent,
                                 context.step)
                self._finish(job_id, states.RUNNING, states.FAILED, self._clock(),
                             error=f"{type(exc).__name__}: {exc}", step=context.step)
            else:
                self._finish(job_id, states.RUNNING, states.SUCCEEDED, self._clock(),
                             result=_jsonable(value if value is not None else context.result))
        finally:
            with self._guard:
                self._cancel.pop(job_id, None)
                self._local.discard(job_id)

    def _finish(self, job_id: str, current: str, target: str, now: dt.datetime, *, error: str | None = None,
                step: str | None = None, result: Any = None) -> bool:
        """Move the job from ``current`` to ``target`` and release its lock, in one transaction; False when
        its state was no longer ``current`` (someone else finished it)."""
        states.check_transition(job_id, current, target)
        values: dict[str, Any] = {"state": target, "finished_at": now, "heartbeat_at": now}
        if target == states.SUCCEEDED:
            values.update(progress=100.0, result=result)
        if error is not None:
            values["error"] = error
        if target == states.FAILED or (target == states.CANCELLED and step):
            values["failed_step"] = step
        with self._sessions() as session, session.begin():
            moved = session.execute(update(JobRecord).where(JobRecord.id == job_id, JobRecord.state == current)
                                    .values(**values))
            if getattr(moved, "rowcount", 0) != 1:
                return False
            session.execute(delete(OperationLock).where(OperationLock.job_id == job_id))
            if error:
                session.add(JobLog(job_id=job_id, at=now, line=f"{target}: {error}"[:MAX_LOG_LINE]))
        job = self.get(job_id)
        self._publish(JobEvent("state", job_id, target, job.progress, job.step, error, now))
        return True

    # ------------------------------------------------------------------------------------------ recording
    def _record_progress(self, job_id: str, percent: float, step: str | None, message: str | None) -> None:
        now = self._clock()
        with self._sessions() as session, session.begin():
            session.execute(update(JobRecord).where(JobRecord.id == job_id)
                            .values(progress=percent, step=step, heartbeat_at=now))
            if message:
                session.add(JobLog(job_id=job_id, at=now, line=message[:MAX_LOG_LINE]))
        self._publish(JobEvent("progress", job_id, states.RUNNING, percent, step, message, now))

    def _record_log(self, job_id: str, line: str, percent: float, step: str | None) -> None:
        now = self._clock()
        with self._sessions() as session, session.begin():
            session.add(JobLog(job_id=job_id, at=now, line=line[:MAX_LOG_LINE]))
        self._publish(JobEvent("log", job_id, states.RUNNING, percent, step, line, now))

    def _record_reference(self, job_id: str, value: str) -> None:
        with self._sessions() as session, session.begin():
            session.execute(update(JobRecord).where(JobRecord.id == job_id).values(reference=value))

    # ------------------------------------------------------------------------------------------ events
    def _add_subscriber(self, job_id: str, sink: queue.Queue[JobEvent]) -> None:
        with self._guard:
            self._subscribers.setdefault(job_id, []).append(sink)

    def _remove_subscriber(self, job_id: str, sink: queue.Queue[JobEvent]) -> None:
        with self._guard:
            sinks = self._subscribers.get(job_id, [])
            if sink in sinks:
                sinks.remove(sink)
            if not sinks:
                self._subscribers.pop(job_id, None)

    def _publish(self, event: JobEvent) -> None:
        with self._guard:
            sinks = list(self._subscribers.get(event.job_id, []))
        for sink in sinks:
            sink.put(event)

    # ------------------------------------------------------------------------------------------ heartbeats
    def _beat(self) -> None:
        while not self._stop.wait(self.heartbeat_s):
            try:
                self.heartbeat()
                self.recover_stale()
            except Exception:  # a missed heartbeat is retried; going stale is the safe failure
                log.exception("job runner %s: heartbeat failed", self.runner_id)

    def heartbeat(self) -> None:
        """Refresh this runner's jobs and locks, and pick up cancellations requested elsewhere."""
        now = self._clock()
        with self._guard:
            local = list(self._local)
            held = [*local, *self._cleaning]
        if not held:
            return
        with self._sessions() as session, session.begin():
            session.execute(update(JobRecord).where(JobRecord.id.in_(local),
                                                    JobRecord.state.in_(states.ACTIVE_STATES))
                            .values(heartbeat_at=now))
            session.execute(update(OperationLock).where(OperationLock.job_id.in_(held)).values(heartbeat_at=now))
            wanted = session.execute(select(JobRecord.id).where(JobRecord.id.in_(local),
                                                                JobRecord.cancel_requested.is_(True))).scalars().all()
        with self._guard:
            for job_id in wanted:
                if job_id in self._cancel:
                    self._cancel[job_id].set()

    # ------------------------------------------------------------------------------------------ recovery
    def recover_stale(self) -> list[str]:
        """Fail the jobs whose runner stopped sending heartbeats and start their kind's cleanup (their locks are
        released when it ends, at once without one); the ids of the jobs recovered. Stale locks left by jobs that
        have ended are released too."""
        now = self._clock()
        threshold = now - dt.timedelta(seconds=self.stale_after_s)
        with self._guard:
            local = set(self._local)
        with self._sessions() as session:
            candidates = session.execute(
                select(JobRecord.id).where(JobRecord.state.in_(states.ACTIVE_STATES),
                                           (JobRecord.heartbeat_at.is_(None)) | (JobRecord.heartbeat_at < threshold))
            ).scalars().all()
        recovered = [job_id for job_id in candidates if job_id not in local and self._recover_job(job_id)]
        with self._sessions() as session, session.begin():
            orphans = session.execute(select(OperationLock.job_id).where(OperationLock.heartbeat_at < threshold)
                                      ).scalars().all()
            for job_id in orphans:
                holder = session.get(JobRecord, job_id)
                if holder is None or states.is_terminal(holder.state):
                    session.execute(delete(OperationLock).where(OperationLock.job_id == job_id,
                                                                OperationLock.heartbeat_at < threshold))
        return recovered

    def _recover_job(self, job_id: str) -> bool:
        job = self.get(job_id)
        if job.terminal:
            return False
        now = self._clock()
        last = job.heartbeat_at.isoformat(timespec="seconds") if job.heartbeat_at else "never"
        error = (f"its runner {job.runner_id} stopped sending heartbeats (last one {last}) while the job was "
                 f"{job.state}" + (f" at step '{job.step}'" if job.step else "") +
                 f"; marked failed by runner {self.runner_id}")
        kind = self._kinds.get(job.kind)
        cleanup = kind is not None and kind.cleanup is not None
        with self._sessions() as session, session.begin():
            moved = session.execute(update(JobRecord)
                                    .where(JobRecord.id == job_id, JobRecord.state == job.state,
                                           JobRecord.heartbeat_at == job.heartbeat_at
                                           if job.heartbeat_at is not None else JobRecord.heartbeat_at.is_(None))
                                    .values(state=states.FAILED, error=error, failed_step=job.step or job.state,
                                            finished_at=now))
            if getattr(moved, "rowcount", 0) != 1:
                return False
            held = OperationLock.job_id == job_id
            if cleanup:  # this runner holds the lock until the cleanup ends
                session.execute(update(OperationLock).where(held).values(runner_id=self.runner_id, heartbeat_at=now))
            else:
                session.execute(delete(OperationLock).where(held))
            session.add(JobLog(job_id=job_id, at=now, line=f"failed: {error}"))
        self._publish(JobEvent("state", job_id, states.FAILED, job.progress, job.step, error, now))
        if cleanup:
            assert kind is not None
            with self._guard:
                self._cleaning.add(job_id)
            thread = threading.Thread(target=self._cleanup, args=(kind, self.get(job_id)),
                                      name=f"job-cleanup-{job_id[:8]}", daemon=True)
            self._cleanups.append(thread)
            thread.start()
        return True

    def _cleanup(self, kind: JobKind, job: JobInfo) -> None:
        """Run the kind's cleanup of a recovered job, log what it did, then release the job's lock."""
        assert kind.cleanup is not None
        try:
            try:
                said = kind.cleanup(job)
            except Exception as exc:
                what = exc.message() if isinstance(exc, MongoAdminError) else f"{type(exc).__name__}: {exc}"
                said = f"failed: {what}"
            self._record_log(job.id, f"cleanup after the runner's death: {said}", job.progress, job.step)
        finally:
            with self._sessions() as session, session.begin():
                session.execute(delete(OperationLock).where(OperationLock.job_id == job.id,
                                                            OperationLock.runner_id == self.runner_id))
            with self._guard:
                self._cleaning.discard(job.id)
