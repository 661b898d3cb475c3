"""The TTL monitor: delete documents whose TTL-indexed date is older than ``expireAfterSeconds``.

As in MongoDB: only single-field indexes with ``expireAfterSeconds`` expire documents; the indexed value must be
a date (or an array holding dates: the earliest counts); other values never expire. Deletions go through
``Collection.delete`` (journalled) and are reported to the engine's ``ttl_observers``. The monitor runs every
``ttlMonitorSleepSecs`` (60 s by default; a server parameter, so ``--setParameter ttlMonitorSleepSecs=1`` makes
tests fast) unless ``ttlMonitorEnabled`` is false.
"""

from __future__ import annotations

import bisect
import time
from typing import TYPE_CHECKING, Any

from mongosim.storage import keys as K

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.storage.engine import StorageEngine

DEFAULT_SLEEP_SECS = 60.0


def _expired_rids(entries: list[tuple[Any, int]], descending: bool, cutoff_ms: int) -> list[int]:
    if descending:
        # Keys run from the newest date down: expired ones sit between the cutoff and the start of dates.
        start = bisect.bisect_left(entries, ((K.Desc((K.DATE, cutoff_ms)),),))
        end = bisect.bisect_left(entries, ((K.Desc((K.DATE - 1,)),),))
    else:
        start = bisect.bisect_left(entries, (((K.DATE,),),))
        end = bisect.bisect_left(entries, (((K.DATE, cutoff_ms),),))
    return [rid for key, rid in entries[start:end] if _is_expired(key[0], cutoff_ms)]


def _is_expired(part: Any, cutoff_ms: int) -> bool:
    key = part.key if isinstance(part, K.Desc) else part
    return bool(key[0] == K.DATE and key[1] < cutoff_ms)


def expire_documents(engine: StorageEngine, now: float) -> int:
    deleted = 0
    now_ms = int(now * 1000)
    for coll in engine.all_collections():
        if coll.capped:
            continue
        for index in list(coll.indexes()):
            expire = index.expire_after_seconds
            if expire is None or len(index.fields) != 1 or index.hashed:
                continue
            entries = index.ensure_entries(coll.records())
            cutoff_ms = now_ms - int(expire * 1000)
            for rid in dict.fromkeys(_expired_rids(entries, index.kinds[0] == -1, cutoff_ms)):
                doc = coll.get_record(rid)
                if doc is None:
                    continue
                coll.delete(doc)
                deleted += 1
                for observer in engine.ttl_observers:
                    observer(coll, doc)
    return deleted


def _parameter(server: Server, name: str, default: Any) -> Any:
    if name in server.parameters:
        return server.parameters[name]
    return server.config.set_parameters.get(name, default)


class TTLMonitor:
    """Ticks often (cheap) and runs a pass when ``ttlMonitorSleepSecs`` has elapsed since the last one, so a
    change of the parameter at run time takes effect at once."""

    TICK_SECS = 0.25

    def __init__(self, server: Server) -> None:
        self.server = server
        self.last_pass = time.monotonic()

    def tick(self) -> None:
        server = self.server
        if server.storage is None:
            return
        enabled = _parameter(server, "ttlMonitorEnabled", True)
        if isinstance(enabled, str):
            enabled = enabled.lower() not in ("false", "0")
        try:
            sleep = float(_parameter(server, "ttlMonitorSleepSecs", DEFAULT_SLEEP_SECS))
        except (TypeError, ValueError):
            sleep = DEFAULT_SLEEP_SECS
        now = time.monotonic()
        if not enabled or now - self.last_pass < sleep:
            return
        self.last_pass = now
        deleted = server.storage.ttl_pass()
        server.stats.ttl_passes += 1
        server.stats.ttl_deleted += deleted
