"""A collection's routing table: its shard key and chunks, as config.collections and config.chunks describe
them, with lookups by shard key value and by key ranges."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from typing import Any

from bson.timestamp import Timestamp

from mongosim.sharding.shardkey import KeyRange, KeyValue, ShardKeyPattern, overlaps
from mongosim.sharding.versions import ChunkVersion


@dataclass
class Chunk:
    min: KeyValue
    max: KeyValue
    shard: str
    lastmod: Timestamp
    id: Any = None
    history: list[dict[str, Any]] = field(default_factory=list)
    jumbo: bool = False


class RoutingTable:
    def __init__(self, ns: str, uuid: Any, pattern: ShardKeyPattern, unique: bool, epoch: Any,
                 timestamp: Timestamp, chunks: list[Chunk]) -> None:
        self.ns = ns
        self.uuid = uuid
        self.pattern = pattern
        self.unique = unique
        self.epoch = epoch
        self.timestamp = timestamp
        self.chunks = sorted(chunks, key=lambda c: pattern.sort_key(c.min))
        self._mins = [pattern.sort_key(c.min) for c in self.chunks]
        # Versions asked for on every routed operation, computed once (a table is never changed once built).
        self._shard_versions: dict[str, ChunkVersion] = {}
        self._collection_version: ChunkVersion | None = None

    @classmethod
    def from_documents(cls, coll_doc: dict[str, Any], chunk_docs: list[dict[str, Any]]) -> RoutingTable:
        chunks = [Chunk(d["min"], d["max"], d["shard"], d["lastmod"], d.get("_id"), list(d.get("history", [])),
                        bool(d.get("jumbo", False))) for d in chunk_docs]
        return cls(coll_doc["_id"], coll_doc.get("uuid"), ShardKeyPattern(coll_doc["key"]),
                   bool(coll_doc.get("unique", False)), coll_doc.get("lastmodEpoch"),
                   coll_doc.get("timestamp", Timestamp(0, 0)),
                   chunks)

    def chunk_for(self, key: KeyValue) -> Chunk:
        """The chunk whose [min, max) holds the shard key value."""
        position = bisect.bisect_right(self._mins, self.pattern.sort_key(key)) - 1
        return self.chunks[max(position, 0)]

    def chunks_for_ranges(self, ranges: list[KeyRange] | None) -> list[Chunk]:
        if ranges is None:
            return list(self.chunks)
        return [c for c in self.chunks if overlaps(self.pattern, ranges, c.min, c.max)]

    def shards(self) -> list[str]:
        return sorted({c.shard for c in self.chunks})

    def _version_of(self, chunks: list[Chunk]) -> ChunkVersion:
        best = max((c.lastmod for c in chunks), key=lambda ts: (ts.time, ts.inc), default=Timestamp(0, 0))
        return ChunkVersion(best.time, best.inc, self.epoch, self.timestamp)

    @property
    def collection_version(self) -> ChunkVersion:
        if self._collection_version is None:
            self._collection_version = self._version_of(self.chunks)
        return self._collection_version

    def shard_version(self, shard: str) -> ChunkVersion:
        """The highest chunk version among the shard's chunks (0|0 with the collection's epoch when it owns none)."""
        version = self._shard_versions.get(shard)
        if version is None:
            owned = [c for c in self.chunks if c.shard == shard]
            version = self._version_of(owned) if owned else ChunkVersion(0, 0, self.epoch, self.timestamp)
            self._shard_versions[shard] = version
        return version
