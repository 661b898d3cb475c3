"""What the API runs besides requests: the job runner, the scheduler, one metrics poller per registered cluster,
and the hourly audit retention.

``attach(app, settings, sessions)`` builds them and puts them on ``app.state`` (``runner``, ``scheduler``,
``pollers``) without starting any thread; ``start(app)`` and ``stop(app)`` are called by the application's
lifespan when ``settings.background`` is on. Requests may use the runner and the scheduler either way: with the
background off, jobs are recorded and stay queued, and schedules are stored but not run by this process.

Every registered cluster has a poller (``metrics.watch``): one deployed on this machine is reached through its
state directory, one registered by connection string through its routers with the stored credentials, its nodes
discovered again every round. Each round also refreshes the cluster's snapshot (topology and health), which is
what cluster detail serves (``snapshot_keeper``); a cluster without a poller gets a keeper on its first detail
request, read live and kept.
"""

from __future__ import annotations

import logging
import threading
from dataclasses import dataclass, field
from pathlib import Path

from fastapi import FastAPI
from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.api.settings import ApiSettings
from mongo_admin.db.crypto import CredentialCipher
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import MongoAdminError
from mongo_admin.jobs import kinds
from mongo_admin.jobs.runner import JobRunner
from mongo_admin.jobs.scheduler import Scheduler
from mongo_admin.metrics.poller import Poller, spread
from mongo_admin.metrics.snapshot import SnapshotKeeper
from mongo_admin.metrics.watch import WatchedCluster, detail_keeper, poller_parts
from mongo_admin.ops.platform_audit import prune_audit

log = logging.getLogger(__name__)

DEPLOYED = "deployed"
REGISTERED = "registered"
AUDIT_RETENTION_INTERVAL_S = 3600.0


@dataclass
class Background:
    """The threads of one API process, and whether they run."""

    settings: ApiSettings
    sessions: sessionmaker[Session]
    runner: JobRunner
    scheduler: Scheduler
    cipher: CredentialCipher
    pollers: dict[str, Poller] = field(default_factory=dict)
    # Per cluster name: the latest topology and health (its poller's keeper, or one made for detail requests).
    snapshots: dict[str, SnapshotKeeper] = field(default_factory=dict)
    running: bool = False
    _stops: dict[str, tuple[threading.Event, threading.Thread]] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)
    _retention: tuple[threading.Event, threading.Thread] | None = None

    # ------------------------------------------------------------------------------------------ life cycle
    def start(self) -> None:
        recovered = self.runner.start()
        if recovered:
            log.warning("marked %d job(s) of dead runners failed: %s", len(recovered), ", ".join(recovered))
        if self.settings.scheduler_enabled:
            self.scheduler.start()
        self.running = True
        with self.sessions() as session:
            names = session.scalars(select(RegisteredCluster.name)).all()
        for name in names:
            self.start_poller(name)
        self._start_audit_retention()

    def stop(self) -> None:
        self.running = False
        if self._retention is not None:
            stop, thread = self._retention
            stop.set()
            thread.join(10.0)
            self._retention = None
        for name in list(self.pollers):
            self.stop_poller(name)
        if self.settings.scheduler_enabled:
            self.scheduler.stop()
        self.runner.stop()

    # ------------------------------------------------------------------------------------------ audit retention
    def _start_audit_retention(self) -> None:
        """Remove the audit events older than the retention now, then every hour (never when it is 0)."""
        days = self.settings.audit_retention_days
        if days <= 0:
            return
        stop = threading.Event()

        def prune_until_stopped() -> None:
            while not stop.is_set():
                try:
                    log.info("%s", prune_audit(self.sessions, days).message)
                except Exception:
                    log.exception("audit retention failed; it is tried again in an hour")
                stop.wait(AUDIT_RETENTION_INTERVAL_S)

        thread = threading.Thread(target=prune_until_stopped, name="audit-retention", daemon=True)
        thread.start()
        self._retention = (stop, thread)

    # ------------------------------------------------------------------------------------------ metrics
    def start_poller(self, name: str) -> bool:
        """Poll the registered cluster ``name`` every ``metrics_interval_s`` (when the background runs and the
        interval is not 0); whether a poller was started."""
        if not self.running or self.settings.metrics_interval_s <= 0:
            return False
        with self._guard:
            if name in self.pollers:
                return False
            cluster = self._watched(name)
            if cluster is None:
                return False
            try:
                collector, keeper = poller_parts(cluster, self.settings.home)
            except MongoAdminError as exc:  # a deployed cluster not under home, credentials that do not decrypt
                log.warning("no metrics for cluster %s: %s", name, exc.what)
                return False
            interval = self.settings.metrics_interval_s
            poller = Poller(collector, interval_s=interval, sessions=self.sessions, snapshots=keeper,
                            phase_s=spread(name, interval),
                            on_error=lambda exc: log.warning("metrics round of cluster %s failed: %s", name, exc))
            stop = threading.Event()
            self.pollers[name] = poller
            self.snapshots[name] = keeper
            self._stops[name] = (stop, poller.start(stop))
        return True

    def stop_poller(self, name: str, timeout: float = 10.0) -> None:
        """Stop the poller of ``name`` (if any) and forget its snapshots."""
        with self._guard:
            poller = self.pollers.pop(name, None)
            stop_thread = self._stops.pop(name, None)
            self.snapshots.pop(name, None)
        if stop_thread is not None:
            stop, thread = stop_thread
            stop.set()
            thread.join(timeout)
        if poller is not None:
            poller.collector.close()

    # ------------------------------------------------------------------------------------------ cluster detail
    def snapshot_keeper(self, row: RegisteredCluster) -> SnapshotKeeper:
        """The keeper of ``row``'s topology and health: its poller's, else one made now (read on demand, kept)."""
        with self._guard:
            keeper = self.snapshots.get(row.name)
            if keeper is None:
                keeper = self.snapshots[row.name] = detail_keeper(self._watch(row), self.settings.home)
            return keeper

    @property
    def snapshot_max_age_s(self) -> float:
        """How old a kept snapshot may be and still be served: two poller intervals (a round may be late);
        ``metrics_interval_s`` 0 (no pollers) counts as the default 10 s."""
        return 2 * (self.settings.metrics_interval_s or 10.0)

    def _watch(self, row: RegisteredCluster) -> WatchedCluster:
        return WatchedCluster.of(row, self.cipher, deployed=row.source == DEPLOYED)

    def _watched(self, name: str) -> WatchedCluster | None:
        with self.sessions() as session:
            row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name))
            return None if row is None else self._watch(row)

    # ------------------------------------------------------------------------------------------ cluster hook
    def on_cluster(self, event: str, name: str) -> None:
        """Keep the registry in step with deployment jobs: a cluster deployed here is registered (and polled), a
        destroyed one unregistered."""
        if event == "deployed":
            register_deployed(self.sessions, name, self.settings.home)
            self.start_poller(name)
        elif event == "destroyed":
            self.stop_poller(name)
            with self.sessions() as session:
                row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name,
                                                                     RegisteredCluster.source == DEPLOYED))
                if row is not None:
                    session.delete(row)
                    session.commit()


def register_deployed(sessions: sessionmaker[Session], name: str, home: Path) -> RegisteredCluster:
    """The registry's row for the cluster ``name`` deployed on this machine, added when missing (its router
    addresses and TLS come from its state directory; its credentials stay there, never in the database)."""
    from mongo_admin.ops.cluster.state import open_cluster

    _, record = open_cluster(name, home)
    with sessions() as session:
        row = session.scalar(select(RegisteredCluster).where(RegisteredCluster.name == name))
        if row is None:
            row = RegisteredCluster(name=name, connection_string=record.layout.router_uri(), source=DEPLOYED,
                                    tls=record.tls)
            session.add(row)
            session.commit()
        session.refresh(row)
        session.expunge(row)
        return row


def attach(app: FastAPI, settings: ApiSettings, sessions: sessionmaker[Session]) -> Background:
    """Build the runner (every job kind registered), the scheduler and the poller registry onto ``app.state``."""
    runner = JobRunner(sessions, workers=settings.job_workers, stale_after_s=settings.job_stale_after_s)
    scheduler = Scheduler(sessions, runner)
    background = Background(settings, sessions, runner, scheduler, app.state.cipher)
    kinds.register_all(runner, background.on_cluster)
    app.state.background = background
    app.state.runner = runner
    app.state.scheduler = scheduler
    app.state.pollers = background.pollers
    return background
