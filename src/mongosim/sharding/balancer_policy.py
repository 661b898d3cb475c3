"""What the balancer decides in one round, as pure functions of a snapshot: whether now is inside the
balancing window, and which ranges to move.

8.0 balances by data size: a collection is balanced when the data of its fullest and emptiest shards differ by
at most three chunk sizes (the collection's ``maxChunkSizeBytes``, else config.settings chunksize). Draining
shards are emptied first, then chunks in a zone range move to that zone's shards (``zoneViolation``), then each
zone is balanced among its own shards and chunks in no zone among all shards. A shard takes part in at most one
migration per round, as donor or recipient.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from mongosim.sharding.shardkey import ShardKeyPattern
from mongosim.sharding.zones import ZoneRange, boundary_points, zone_of

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
    zones: list[ZoneRange] = field(default_factory=list)  # full-key ranges in key order
    chunk_size: int | None = None  # the collection's maxChunkSizeBytes

    def zone(self, chunk: dict[str, Any]) -> str | None:
        return zone_of(self.pattern, self.zones, chunk["min"], chunk["max"]) if self.zones else None

    def needs_split(self) -> bool:
        """Whether a chunk straddles a zone bound (the balancer splits it there before anything else)."""
        return any(boundary_points(self.pattern, self.zones, c["min"], c["max"]) for c in self.chunks)


@dataclass
class Migration:
    ns: str
    min: dict[str, Any]
    max: dict[str, Any]
    from_shard: str
    to_shard: str
    reason: str  # "drain", "zoneViolation" or "balance"
    # The donor's data in the range when it is one chunk the policy chose to move whole; None when the range
    # is to be cut down to about one chunk size first.
    whole: bool = True
    sizes: dict[str, int] = field(default_factory=dict)


def choose_migrations(collections: list[CollectionSnapshot], shards: list[str], draining: set[str],
                      chunk_size: int, zone_shards: dict[str, set[str]] | None = None) -> list[Migration]:
    """The migrations of one round, at most one per shard."""
    holders = zone_shards or {}
    busy: set[str] = set()
    out: list[Migration] = []
    active = [s for s in shards if s not in draining]

    def allowed(coll: CollectionSnapshot, chunk: dict[str, Any]) -> list[str]:
        zone = coll.zone(chunk)
        return active if zone is None else [s for s in active if s in holders.get(zone, set())]

    def least_loaded(coll: CollectionSnapshot, candidates: list[str]) -> str | None:
        free = [s for s in candidates if s not in busy]
        return min(free, key=lambda s: (coll.sizes.get(s, 0), s)) if free else None

    for coll in collections:
        for chunk in coll.chunks:
            donor = chunk["shard"]
            if donor not in draining or donor in busy or chunk.get("jumbo"):
                continue
            target = least_loaded(coll, allowed(coll, chunk))
            if target is None:
                continue
            out.append(Migration(coll.ns, chunk["min"], chunk["max"], donor, target, "drain"))
            busy.update((donor, target))
    for coll in collections:
        for chunk in coll.chunks:
            donor = chunk["shard"]
            zone = coll.zone(chunk)
            if zone is None or donor in holders.get(zone, set()) or donor in busy or chunk.get("jumbo"):
                continue
            target = least_loaded(coll, allowed(coll, chunk))
            if target is None:
                continue
            out.append(Migration(coll.ns, chunk["min"], chunk["max"], donor, target, "zoneViolation"))
            busy.update((donor, target))
    for coll in collections:
        for zone in sorted({coll.zone(c) for c in coll.chunks}, key=lambda z: (z is not None, z or "")):
            migration = _balance_zone(coll, zone, holders, active, busy, coll.chunk_size or chunk_size)
            if migration is not None:
                out.append(migration)
                busy.update((migration.from_shard, migration.to_shard))
    return out


def _balance_zone(coll: CollectionSnapshot, zone: str | None, holders: dict[str, set[str]], active: list[str],
                  busy: set[str], chunk_size: int) -> Migration | None:
    """One move from the fullest to the emptiest shard allowed to hold the zone's chunks, when their data
    differs by more than three chunk sizes."""
    candidates = [s for s in active if s not in busy and (zone is None or s in holders.get(zone, set()))]
    in_zone = [c for c in coll.chunks if coll.zone(c) == zone]
    donors = [s for s in candidates if any(c["shard"] == s for c in in_zone)]
    if not donors or len(candidates) < 2:
        return None
    donor = max(donors, key=lambda s: (coll.sizes.get(s, 0), s))
    others = [s for s in candidates if s != donor]
    target = min(others, key=lambda s: (coll.sizes.get(s, 0), s))
    if coll.sizes.get(donor, 0) - coll.sizes.get(target, 0) <= IMBALANCE_CHUNKS * chunk_size:
        return None
    movable = [c for c in in_zone if c["shard"] == donor and not c.get("jumbo")]
    if not movable:
        return None
    chunk = movable[0]
    donor_chunks = sum(1 for c in coll.chunks if c["shard"] == donor)
    # A chunk holding more than its share of the donor's data is cut down to about one chunk size.
    share = coll.sizes.get(donor, 0) / max(donor_chunks, 1)
    return Migration(coll.ns, chunk["min"], chunk["max"], donor, target, "balance", whole=share <= chunk_size,
                     sizes=dict(coll.sizes))


_VIOLATIONS = {"drain": "draining", "zoneViolation": "zoneViolation", "balance": "chunksImbalance"}


def first_violation(coll: CollectionSnapshot, shards: list[str], draining: set[str], chunk_size: int,
                    zone_shards: dict[str, set[str]]) -> str | None:
    """What ``balancerCollectionStatus`` reports: the first reason the balancer would act on the collection
    (a zone split, a draining shard, a chunk outside its zone, an imbalance), or None when compliant."""
    if coll.needs_split():
        return "zoneViolation"
    migrations = choose_migrations([coll], shards, draining, chunk_size, zone_shards)
    return _VIOLATIONS[migrations[0].reason] if migrations else None
