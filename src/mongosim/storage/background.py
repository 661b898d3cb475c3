"""The storage engine's background jobs, registered on the server at start-up: the journal group commit (every
``storage.journal.commitIntervalMs``, 100 ms), checkpoints (every ``storage.syncPeriodSecs`` / ``--syncdelay``,
60 s; 0 disables them) and the TTL monitor."""

from __future__ import annotations

from typing import TYPE_CHECKING

from mongosim.storage.ttl import TTLMonitor

if TYPE_CHECKING:
    from mongosim.server import Server


def register_jobs(server: Server) -> None:
    engine = server.storage
    if engine is None:
        return
    config = server.config
    commit_ms = float(config.get("storage.journal.commitIntervalMs", engine.journal_commit_interval_ms))
    engine.journal_commit_interval_ms = int(commit_ms)
    server.add_periodic("JournalFlusher", max(commit_ms, 1.0) / 1000.0, engine.sync_journal)
    sync_period = float(config.get("storage.syncPeriodSecs", 60))
    if sync_period > 0:
        def checkpoint() -> None:
            engine.checkpoint()

        server.add_periodic("Checkpointer", sync_period, checkpoint)
    server.add_periodic("TTLMonitor", TTLMonitor.TICK_SECS, TTLMonitor(server).tick)
