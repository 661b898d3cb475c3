"""Chunk and database versions as MongoDB encodes them in the catalog and on the wire."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bson.objectid import ObjectId
from bson.timestamp import Timestamp

_ZERO_OID = ObjectId("000000000000000000000000")


@dataclass(frozen=True, order=False)
class ChunkVersion:
    """``major.minor`` within a collection incarnation (``epoch``, ``timestamp``). A migration bumps the major
    version; a split or merge bumps the minor version."""

    major: int
    minor: int
    epoch: ObjectId
    timestamp: Timestamp

    @classmethod
    def unsharded(cls) -> ChunkVersion:
        return cls(0, 0, _ZERO_OID, Timestamp(0, 0))

    @property
    def lastmod(self) -> Timestamp:
        """How ``config.chunks`` stores the version: ``Timestamp(major, minor)``."""
        return Timestamp(self.major, self.minor)

    def to_wire(self) -> dict[str, Any]:
        """The ``shardVersion`` routers attach to versioned commands."""
        return {"e": self.epoch, "t": self.timestamp, "v": self.lastmod}

    @classmethod
    def from_wire(cls, doc: dict[str, Any]) -> ChunkVersion:
        lastmod = doc.get("v", Timestamp(0, 0))
        return cls(lastmod.time, lastmod.inc, doc.get("e", _ZERO_OID), doc.get("t", Timestamp(0, 0)))

    def same_collection(self, other: ChunkVersion) -> bool:
        return self.epoch == other.epoch and self.timestamp == other.timestamp

    def key(self) -> tuple[int, int]:
        return (self.major, self.minor)

    def is_unsharded(self) -> bool:
        return self.major == 0 and self.minor == 0 and self.epoch == _ZERO_OID
