"""The polling loop: one collection round every ``interval_s``, stored and pruned, the latest kept for
``/metrics``. It runs until its stop event is set; a round that fails as a whole (the database is unreachable)
is reported to ``on_error`` and the loop goes on.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable

from sqlalchemy.orm import Session, sessionmaker

from mongo_admin.metrics.collector import ClusterSample, Collector
from mongo_admin.metrics.store import Retention, prune, write_sample


def _ignore(_: BaseException) -> None:
    """The default error sink."""


class Poller:
    def __init__(self, collector: Collector, *, interval_s: float = 10.0,
                 sessions: sessionmaker[Session] | None = None, retention: Retention | None = None,
                 on_sample: Callable[[ClusterSample], None] | None = None,
                 on_error: Callable[[BaseException], None] = _ignore) -> None:
        self.collector = collector
        self.interval_s = interval_s
        self.sessions = sessions
        self.retention = retention or Retention()
        self.on_sample = on_sample
        self.on_error = on_error
        self.latest: ClusterSample | None = None
        self.rounds = 0

    def round(self) -> ClusterSample:
        """Collect once, store the round and apply retention."""
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
        """Rounds on a fixed schedule (a slow round delays the next one, never doubles it) until ``stop``."""
        next_at = time.monotonic()
        while not stop.is_set():
            try:
                self.round()
            except Exception as exc:  # the loop outlives a failing round; the sink decides what to tell
                self.on_error(exc)
            next_at = max(next_at + self.interval_s, time.monotonic())
            stop.wait(max(0.0, next_at - time.monotonic()))

    def start(self, stop: threading.Event) -> threading.Thread:
        thread = threading.Thread(target=self.run, args=(stop,), name=f"metrics-{self.collector.access.record.name}",
                                  daemon=True)
        thread.start()
        return thread
