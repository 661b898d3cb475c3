"""What the API runs besides requests: the job runner, the scheduler and one metrics poller per deployed cluster.

``attach(app, settings, sessions)`` builds them and puts them on ``app.state`` (``runner``, ``scheduler``,
``pollers``) without starting any thread; ``start(app)`` and ``stop(app)`` are called by the application's
lifespan when ``settings.background`` is on. Requests may use the runner and the scheduler either way: with the
background off, jobs are recorded and stay queued, and schedules are stored but not run by this process.

Metrics pollers exist only for clusters deployed on this machine (their state directory says how to reach every
node); a cluster registered by connection string is not polled.
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
from mongo_admin.db.models import RegisteredCluster
from mongo_admin.errors import MongoAdminError
from mongo_admin.jobs import kinds
from mongo_admin.jobs.runner import JobRunner
from mongo_admin.jobs.scheduler import Scheduler
from mongo_admin.metrics.poller import Poller

log = logging.getLogger(__name__)

DEPLOYED = "deployed"
REGISTERED = "registered"


@dataclass
class Background:
    """The threads of one API process, and whether they run."""

    settings: ApiSettings
    sessions: sessionmaker[Session]
    runner: JobRunner
    scheduler: Scheduler
    pollers: dict[str, Poller] = field(default_factory=dict)
    running: bool = False
    _stops: dict[str, tuple[threading.Event, threading.Thread]] = field(default_factory=dict)
    _guard: threading.Lock = field(default_factory=threading.Lock)

    # ------------------------------------------------------------------------------------------ life cycle
    def start(self) -> None:
        recovered = self.runner.start()
        if recovered:
            log.warning("marked %d job(s) of dead runners failed: %s", len(recovered), ", ".join(recovered))
        if self.settings.scheduler_enabled:
            self.scheduler.start()
        self.running = True
        with self.sessions() as session:
            names = session.scalars(select(RegisteredCluster.name)
                                    .where(RegisteredCluster.source == DEPLOYED)).all()
        for name in names:
            self.start_poller(name)

    def stop(self) -> None:
        self.running = False
        for name in list(self.pollers):
            self.stop_poller(name)
        if self.settings.scheduler_enabled:
            self.scheduler.stop()
        self.runner.stop()

    # ------------------------------------------------------------------------------------------ metrics
    def start_poller(self, name: str) -> bool:
        """Poll the deployed cluster ``name`` every ``metrics_interval_s`` (when the background runs and the
        interval is not 0); whether a poller was started."""
        if not self.running or self.settings.metrics_interval_s <= 0:
            return False
        from mongo_admin.metrics.collector import Collector
        from mongo_admin.ops.cluster.access import ClusterAccess
        from mongo_admin.ops.cluster.state import open_cluster

        with self._guard:
            if name in self.pollers:
                return False
            try:
                paths, record = open_cluster(name, self.settings.home)
            except MongoAdminError as exc:
                log.warning("no metrics for cluster %s: %s", name, exc.what)
                return False
            poller = Poller(Collector(ClusterAccess(paths, record)), interval_s=self.settings.metrics_interval_s,
                            sessions=self.sessions,
                            on_error=lambda exc: log.warning("metrics round of cluster %s failed: %s", name, exc))
            stop = threading.Event()
            self.pollers[name] = poller
            self._stops[name] = (stop, poller.start(stop))
        return True

    def stop_poller(self, name: str, timeout: float = 10.0) -> None:
        with self._guard:
            poller = self.pollers.pop(name, None)
            stop_thread = self._stops.pop(name, None)
        if stop_thread is not None:
            stop, thread = stop_thread
            stop.set()
            thread.join(timeout)
        if poller is not None:
            poller.collector.close()

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
    runner = JobRunner(sessions, workers=settings.job_workers)
    scheduler = Scheduler(sessions, runner)
    background = Background(settings, sessions, runner, scheduler)
    kinds.register_all(runner, background.on_cluster)
    app.state.background = background
    app.state.runner = runner
    app.state.scheduler = scheduler
    app.state.pollers = background.pollers
    return background
