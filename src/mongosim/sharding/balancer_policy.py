"""What the balancer decides in one round, as pure functions of a snapshot: whether now is inside the
balancing window, and which ranges to move.

8.0 balances by data size: a collection is balanced when the data of its fullest and emptiest shards differ by
at most three chunk sizes (config.settings chunksize). Draining shards are emptied first. A shard takes part in
at most one migration per round, as donor or recipient.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from mongosim.sharding.shardkey import ShardKeyPattern

IMBALANCE_CHUNKS = 3
_HHMM = re.compile(r"^([01]?\d|2[0-3]):([0-5]\d)$")


def _minutes(value: Any) -> int | None:
    match = _HHMM.match(value) if isinstance(value, str) else None
    return None if match is None else int(match.group(1)) * 60 + int(match.group(2))


def in_window(window: Any, now: dt.datetime) -> bool:
    """Whether ``now`` (local time) is inside ``activeWindow {start: "HH:MM", stop: "HH:MM"}``; a window that
    stops before it starts wraps past midnight. No window: always. A malformed window: never (MongoDB refuses
    the balancer settings and balances nothing)."""
    if window is None:
        return True
    if not isinstance(window, dict):
        return False
    start, stop = _minutes(window.get("start")), _minutes(window.get("stop"))
    if start is None or stop is None:
        return False
    current = now.hour * 60 + now.minute
    if start <= stop:
        return start <= current <= stop
    return current >= start or current <= stop


@dataclass
class CollectionSnapshot:
    ns: str
    uuid: Any
    pattern: ShardKeyPattern
    chunks: list[dict[str, Any]]  # in key order
    sizes: dict[str, int]  # bytes per shard


@dataclass
class Migration:
    ns: str
    min: dict[str, Any]
    max: dict[str, Any]
    from_shard: str
    to_shard: str
    reason: str  # "drain" or "balance"
    # The donor's data in the range when it is one chunk the policy chose to move whole; None when the range
    # is to be cut down to about one chunk size first.
    whole: bool = True
    sizes: dict[str, int] = field(default_factory=dict)


def choose_migrations(collections: list[CollectionSnapshot], shards: list[str], draining: set[str],
                      chunk_size: int) -> list[Migration]:
    """The migrations of one round, at most one per shard."""
    busy: set[str] = set()
    out: list[Migration] = []
    active = [s for s in shards if s not in draining]
    for coll in collections:
        for chunk in coll.chunks:
            donor = chunk["shard"]
            if donor not in draining or donor in busy or chunk.get("jumbo"):
                continue
            free = [s for s in active if s not in busy]
            if not free:
                break
            target = min(free, key=lambda s: (coll.sizes.get(s, 0), s))
            out.append(Migration(coll.ns, chunk["min"], chunk["max"], donor, target, "drain"))
            busy.update((donor, target))
    for coll in collections:
        owners = {c["shard"] for c in coll.chunks}
        free = [s for s in active if s not in busy]
        donors = [s for s in free if s in owners]
        if not donors or len(free) < 2:
            continue
        donor = max(donors, key=lambda s: (coll.sizes.get(s, 0), s))
        target = min((s for s in free if s != donor), key=lambda s: (coll.sizes.get(s, 0), s))
        if coll.sizes.get(donor, 0) - coll.sizes.get(target, 0) <= IMBALANCE_CHUNKS * chunk_size:
            continue
        movable = [c for c in coll.chunks if c["shard"] == donor and not c.get("jumbo")]
        if not movable:
            continue
        chunk = movable[0]
        donor_chunks = sum(1 for c in coll.chunks if c["shard"] == donor)
        # A chunk holding more than its share of the donor's data is cut down to about one chunk size.
        share = coll.sizes.get(donor, 0) / max(donor_chunks, 1)
        out.append(Migration(coll.ns, chunk["min"], chunk["max"], donor, target, "balance",
                             whole=share <= chunk_size, sizes=dict(coll.sizes)))
        busy.update((donor, target))
    return out
