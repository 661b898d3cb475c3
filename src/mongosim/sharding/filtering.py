"""A shard's filtering metadata for one collection: which chunks it owns, its shard version, the orphan filter
versioned reads run through, and the shard version check (``StaleConfig``) every versioned command passes.

Ownership is this shard's chunks of the collection's ``RoutingTable`` merged into contiguous ranges, so the
orphan filter is one bisect per document. A collection that is not in ``config.collections`` is untracked:
its shard version is ``ChunkVersion.unsharded()`` and nothing is filtered.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from mongosim.errors import CommandError
from mongosim.sharding import router_codes as _codes  # noqa: F401 - registers StaleConfig and friends
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.shardkey import KeyValue
from mongosim.sharding.versions import ChunkVersion

DocFilter = Callable[[dict[str, Any]], bool]


@dataclass
class CollectionMetadata:
    ns: str
    shard: str
    table: RoutingTable | None
    # Owned ranges as (sort key of min, sort key of max, min, max), merged and sorted.
    _owned: list[tuple[Any, Any, KeyValue, KeyValue]] = field(default_factory=list)
    _owned_mins: list[Any] = field(default_factory=list)
    _doc_filter: DocFilter | None = None

    def __post_init__(self) -> None:
        if self.table is None:
            return
        pattern = self.table.pattern
        merged: list[tuple[Any, Any, KeyValue, KeyValue]] = []
        for chunk in self.table.chunks:
            if chunk.shard != self.shard:
                continue
            low, high = pattern.sort_key(chunk.min), pattern.sort_key(chunk.max)
            if merged and merged[-1][1] == low:
                merged[-1] = (merged[-1][0], high, merged[-1][2], chunk.max)
            else:
                merged.append((low, high, chunk.min, chunk.max))
        self._owned = merged
        self._owned_mins = [r[0] for r in merged]

    @property
    def sharded(self) -> bool:
        return self.table is not None

    @property
    def uuid(self) -> Any:
        return self.table.uuid if self.table is not None else None

    @property
    def shard_version(self) -> ChunkVersion:
        return self.table.shard_version(self.shard) if self.table is not None else ChunkVersion.unsharded()

    @property
    def collection_version(self) -> ChunkVersion:
        return self.table.collection_version if self.table is not None else ChunkVersion.unsharded()

    def owned_ranges(self) -> list[tuple[KeyValue, KeyValue]]:
        return [(r[2], r[3]) for r in self._owned]

    def owns_key(self, key: KeyValue) -> bool:
        assert self.table is not None
        sort_key = self.table.pattern.sort_key(key)
        position = bisect.bisect_right(self._owned_mins, sort_key) - 1
        return position >= 0 and sort_key < self._owned[position][1]

    def doc_filter(self) -> DocFilter:
        """Whether a stored document belongs to this shard (False for orphans). A document whose key cannot be
        extracted (an array in a key field, stored before sharding) is kept, as the server cannot place it."""
        assert self.table is not None
        if self._doc_filter is not None:
            return self._doc_filter
        extract = self.table.pattern.extract
        owns = self.owns_key

        def owned(doc: dict[str, Any]) -> bool:
            try:
                return owns(extract(doc))
            except CommandError:
                return True
        self._doc_filter = owned
        return owned


def in_range(table: RoutingTable, doc: dict[str, Any], low: Any, high: Any) -> bool:
    """Whether the document's shard key sort key lies in [low, high) (sort keys of a range's bounds)."""
    try:
        key = table.pattern.sort_key(table.pattern.extract(doc))
    except CommandError:
        return False
    return bool(low <= key < high)


def check_shard_version(metadata: CollectionMetadata, received: ChunkVersion) -> None:
    """MongoDB's ``checkShardVersionOrThrow``: the same collection incarnation and major version pass (a split
    elsewhere does not make a router stale); otherwise StaleConfig with the reason the server gives."""
    wanted = metadata.shard_version
    if received.same_collection(wanted) and received.major == wanted.major:
        return
    ns = metadata.ns
    if not received.same_collection(wanted):
        message = f"timestamp mismatch detected for {ns}"
    elif wanted.key() == (0, 0):
        message = f"this shard no longer contains chunks for {ns}, the collection may have been dropped"
    elif received.key() == (0, 0):
        message = f"this shard contains chunks for {ns}, but the client expects unsharded collection"
    else:
        message = f"placement version mismatch detected for {ns}"
    raise CommandError("StaleConfig", message, ns=ns, vReceived=received.to_wire(), vWanted=wanted.to_wire(),
                       shardId=metadata.shard)
