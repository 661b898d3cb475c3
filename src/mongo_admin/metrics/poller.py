"""The polling loop: one round every ``interval_s`` until its stop event is set. A round first reads the cluster's
topology and health into its ``SnapshotKeeper`` (what cluster detail serves; for a cluster registered by
connection string, also where the collector finds the nodes), then collects the metrics, stores and prunes them,
and keeps the latest for ``/metrics``. A round that fails as a whole (no node known, the database unreachable)
is reported to ``on_error`` and the loop goes on.

Pollers started together (every registered cluster when the API starts) would otherwise poll together: after its
first round, each poller waits its ``phase_s`` (``spread``: a fraction of the interval drawn from the cluster's
name) instead of a whole interval, so their rounds spread over the interval instead of arriving as one burst.
"""

from __future__ import annotations

import threading
import time
import zlib
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.metrics.collector import ClusterSample, Collector
from mongo_admin.metrics.snapshot import SnapshotKeeper
from mongo_admin.metrics.store import Retention, prune, write_sample


def _ignore(_: BaseException) -> None:
    """The default error sink."""


class Poller:
    def __init__(self, collector: Collector, *, interval_s: float = 10.0,
                 sessions: sessionmaker[Session] | None = None, retention: Retention | None = None,
                 on_sample: Callable[[ClusterSample], None] | None = None,
                 on_error: Callable[[BaseException], None] = _ignore,
                 snapshots: SnapshotKeeper | None = None, phase_s: float = 0.0) -> None:
        self.collector = collector
        self.snapshots = snapshots
        self.interval_s = interval_s
        self.phase_s = phase_s
        self.sessions = sessions
        self.retention = retention or Retention()
        self.on_sample = on_sample
        self.on_error = on_error
        self.latest: ClusterSample | None = None
        self.rounds = 0

    def round(self) -> ClusterSample:
        """Read the topology and health (when the poller keeps them), collect once, store the round and apply
        retention."""
        if self.snapshots is not None:
            self.snapshots.refresh()
        sample = self.collector.collect()
        self.latest = sample
        self.rounds += 1
        if self.sessions is not None:
            with self.sessions() as session:
                write_sample(session, sample)
                prune(session, sample.cluster, self.retention, sample.taken_at)
                session.commit()
        if self.on_sample is not None:
            self.on_sample(sample)
        return sample

    def run(self, stop: threading.Event) -> None:
        """Rounds on a fixed schedule (a slow round delays the next one, never doubles it) until ``stop``: the
        first at once, the second ``phase_s`` after it started, then one every ``interval_s``."""
        next_at = time.monotonic() + self.phase_s - self.interval_s
        while not stop.is_set():
            try:
                self.round()
            except Exception as exc:  # the loop outlives a failing round; the sink decides what to tell
                self.on_error(exc)
            next_at = max(next_at + self.interval_s, time.monotonic())
            stop.wait(max(0.0, next_at - time.monotonic()))

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name=f"metrics-{self.collector.source.cluster}",
                                  daemon=True)
        thread.start()
        return thread


def spread(name: str, interval_s: float) -> float:
    """The phase of the poller of ``name``: a stable fraction of ``interval_s``, different from cluster to cluster."""
    return zlib.crc32(name.encode()) % 1000 / 1000 * interval_s
