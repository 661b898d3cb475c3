"""Chunk metadata changes on the config server: split, merge, and the ownership change that commits a migration.

Each runs without yielding to the event loop, so it is atomic with respect to every other catalog change; the
caller then waits for the majority commit point. Version rules (ShardingCatalogManager): a split or a merge
gives each resulting chunk the collection version with its minor version incremented, in key order; a migration
gives the moved chunk ``(collection major + 1)|0`` and one chunk the donor keeps ``(collection major + 1)|1``, so
both shards' versions move forward.
"""

from __future__ import annotations

from typing import Any

from bson.objectid import ObjectId
from bson.timestamp import Timestamp

from mongosim.errors import CommandError
from mongosim.sharding.catalog import CHUNKS, Catalog
from mongosim.sharding.shardkey import KeyValue, ShardKeyPattern, render_key
from mongosim.sharding.versions import ChunkVersion


def sharded_collection(catalog: Catalog, ns: str) -> dict[str, Any]:
    coll = catalog.collection(ns)
    if coll is None:
        raise CommandError("NamespaceNotSharded", f"Collection {ns} is not sharded.")
    return coll


def _brief(chunk: dict[str, Any]) -> dict[str, Any]:
    return {"min": chunk["min"], "max": chunk["max"], "lastmod": chunk["lastmod"]}


def _range_text(low: KeyValue, high: KeyValue) -> str:
    return f"[{render_key(low)}, {render_key(high)})"


def check_key(pattern: ShardKeyPattern, key: Any, what: str) -> KeyValue:
    """A bound or split point must name exactly the shard key's fields, in order."""
    if not isinstance(key, dict) or list(key) != pattern.fields:
        raise CommandError("InvalidOptions", f"{what} {key!r} does not match the shard key pattern "
                           f"{render_key(pattern.key)}")
    return key


def owning_chunk(catalog: Catalog, coll: dict[str, Any], key: KeyValue) -> dict[str, Any]:
    """The chunk whose [min, max) holds ``key``."""
    pattern = ShardKeyPattern(coll["key"])
    point = pattern.sort_key(key)
    for chunk in catalog.chunks(coll["uuid"]):
        if pattern.sort_key(chunk["min"]) <= point < pattern.sort_key(chunk["max"]):
            return chunk
    raise CommandError("ShardKeyNotFound", f"no chunk of {coll['_id']} holds {render_key(key)}")


def split_chunk(catalog: Catalog, ns: str, points: list[KeyValue], *, chunk_min: KeyValue | None = None,
                chunk_max: KeyValue | None = None, epoch: Any = None) -> ChunkVersion:
    """Split the chunk ``[chunk_min, chunk_max)`` (or the one holding the first point) at ``points``; returns
    the collection version after the split."""
    coll = sharded_collection(catalog, ns)
    if epoch is not None and epoch != coll["lastmodEpoch"]:
        raise CommandError("StaleEpoch", f"splitChunk cannot split chunk of {ns}: the collection has been "
                           "dropped and recreated since the split was requested")
    pattern = ShardKeyPattern(coll["key"])
    if not points:
        raise CommandError("InvalidOptions", "need to provide the split points")
    points = [check_key(pattern, p, "split key") for p in points]
    chunk = owning_chunk(catalog, coll, chunk_min if chunk_min is not None else points[0])
    if chunk_min is not None and (pattern.sort_key(chunk["min"]) != pattern.sort_key(chunk_min) or
                                  (chunk_max is not None and
                                   pattern.sort_key(chunk["max"]) != pattern.sort_key(chunk_max))):
        shown = _range_text(chunk_min, chunk_max or chunk["max"])
        raise CommandError("InvalidOptions", f"The range {shown} of {ns} is not a chunk")
    low, high = pattern.sort_key(chunk["min"]), pattern.sort_key(chunk["max"])
    previous = low
    for index, point in enumerate(points):
        key = pattern.sort_key(point)
        if key in (low, high):
            raise CommandError("CannotSplit", "cannot split on initial or final chunk's key")
        if not low < key < high:
            raise CommandError("InvalidOptions", f"Split key {render_key(point)} is not within the chunk "
                               f"{_range_text(chunk['min'], chunk['max'])}")
        if index and key <= previous:
            raise CommandError("InvalidOptions", f"Split keys must be specified in strictly increasing order. Key "
                               f"{render_key(point)} was specified after {render_key(points[index - 1])}.")
        previous = key
    version = catalog.collection_version(coll)
    before = _brief(chunk)
    bounds = [chunk["min"], *points, chunk["max"]]
    pieces: list[dict[str, Any]] = []
    for index in range(len(bounds) - 1):
        version = ChunkVersion(version.major, version.minor + 1, version.epoch, version.timestamp)
        piece = dict(chunk, min=bounds[index], max=bounds[index + 1], lastmod=version.lastmod)
        if index:
            piece["_id"] = ObjectId()
        pieces.append(piece)
    for piece in pieces:
        catalog.save(CHUNKS, piece)
    if len(pieces) == 2:
        catalog.log_change("split", ns, {"before": before, "left": _brief(pieces[0]), "right": _brief(pieces[1]),
                                         "owningShard": chunk["shard"]})
    else:
        for number, piece in enumerate(pieces, start=1):
            catalog.log_change("multi-split", ns, {"before": before, "number": number, "of": len(pieces),
                                                   "chunk": _brief(piece), "owningShard": chunk["shard"]})
    return version


def merge_chunks(catalog: Catalog, ns: str, low: Any, high: Any, shard: str | None = None) -> ChunkVersion:
    """Merge the contiguous chunks covering exactly [low, high), all on one shard, into one."""
    coll = sharded_collection(catalog, ns)
    pattern = ShardKeyPattern(coll["key"])
    low, high = check_key(pattern, low, "min"), check_key(pattern, high, "max")
    lo, hi = pattern.sort_key(low), pattern.sort_key(high)
    if lo >= hi:
        raise CommandError("BadValue", f"Invalid chunk range {_range_text(low, high)}: min must be below max")
    inside = [c for c in catalog.chunks(coll["uuid"])
              if pattern.sort_key(c["max"]) > lo and pattern.sort_key(c["min"]) < hi]
    owners = {c["shard"] for c in inside}
    exact = bool(inside) and pattern.sort_key(inside[0]["min"]) == lo and pattern.sort_key(inside[-1]["max"]) == hi
    if not exact or len(owners) != 1 or (shard is not None and owners != {shard}):
        raise CommandError("IllegalOperation", f"could not merge chunks, collection {ns} range starting at "
                           f"{render_key(low)} and ending at {render_key(high)} does not belong to shard "
                           f"{shard or ', '.join(sorted(owners))}")
    version = catalog.collection_version(coll)
    if len(inside) == 1:
        return version  # already one chunk: nothing to merge
    version = ChunkVersion(version.major, version.minor + 1, version.epoch, version.timestamp)
    now = catalog.now_ts()
    owner = inside[0]["shard"]
    since = max((c.get("onCurrentShardSince", Timestamp(0, 0)) for c in inside),
                key=lambda ts: (ts.time, ts.inc))
    merged = dict(inside[0], max=high, lastmod=version.lastmod, onCurrentShardSince=since,
                  history=[{"validAfter": now, "shard": owner}])
    for chunk in inside[1:]:
        catalog.delete(CHUNKS, {"_id": chunk["_id"]})
    catalog.save(CHUNKS, merged)
    catalog.log_change("merge", ns, {"prevChunks": [_brief(c) for c in inside], "mergedChunk": _brief(merged),
                                     "owningShard": owner})
    return version


def commit_migration(catalog: Catalog, ns: str, from_shard: str, to_shard: str, low: KeyValue, high: KeyValue,
                     valid_after: Timestamp | None = None) -> tuple[ChunkVersion, ChunkVersion]:
    """Give [low, high) to ``to_shard``; a range inside a chunk is split off first. Returns the donor's shard
    version and the migrated chunk's version. Committing again after success changes nothing."""
    coll = sharded_collection(catalog, ns)
    pattern = ShardKeyPattern(coll["key"])
    low, high = check_key(pattern, low, "min"), check_key(pattern, high, "max")
    chunk = owning_chunk(catalog, coll, low)
    lo, hi = pattern.sort_key(low), pattern.sort_key(high)
    if pattern.sort_key(chunk["max"]) < hi:
        raise CommandError("IllegalOperation", f"The range {_range_text(low, high)} of {ns} spans more than one "
                           "chunk")
    if chunk["shard"] == to_shard and pattern.sort_key(chunk["min"]) == lo:
        version = catalog.collection_version(coll)
        return _shard_version(catalog, coll, from_shard, version), ChunkVersion.from_wire(
            {"e": version.epoch, "t": version.timestamp, "v": chunk["lastmod"]})
    if chunk["shard"] != from_shard:
        raise CommandError(4914702, f"Migrated chunk {_range_text(low, high)} from ns: {ns} not owned by donor "
                           f"{from_shard} neither by recipient {to_shard}")
    points = [p for p in (low, high) if pattern.sort_key(chunk["min"]) < pattern.sort_key(p) <
              pattern.sort_key(chunk["max"])]
    if points:
        split_chunk(catalog, ns, points, chunk_min=chunk["min"], chunk_max=chunk["max"])
        chunk = owning_chunk(catalog, coll, low)
    version = catalog.collection_version(coll)
    when = valid_after or catalog.now_ts()
    moved_version = ChunkVersion(version.major + 1, 0, version.epoch, version.timestamp)
    moved = dict(chunk, shard=to_shard, lastmod=moved_version.lastmod, onCurrentShardSince=when,
                 history=[{"validAfter": when, "shard": to_shard}, *chunk.get("history", [])])
    moved.pop("jumbo", None)
    catalog.save(CHUNKS, moved)
    control = next((c for c in catalog.chunks(coll["uuid"]) if c["shard"] == from_shard), None)
    if control is not None:
        control["lastmod"] = ChunkVersion(version.major + 1, 1, version.epoch, version.timestamp).lastmod
        catalog.save(CHUNKS, control)
    catalog.log_change("moveChunk.commit", ns, {"min": low, "max": high, "from": from_shard, "to": to_shard,
                                                "counts": {"newMajor": moved_version.major}})
    latest = catalog.collection_version(coll)
    return _shard_version(catalog, coll, from_shard, latest), moved_version


def _shard_version(catalog: Catalog, coll: dict[str, Any], shard: str, collection: ChunkVersion) -> ChunkVersion:
    best = Timestamp(0, 0)
    for chunk in catalog.find(CHUNKS, {"uuid": coll["uuid"], "shard": shard}):
        if (chunk["lastmod"].time, chunk["lastmod"].inc) > (best.time, best.inc):
            best = chunk["lastmod"]
    return ChunkVersion(best.time, best.inc, collection.epoch, collection.timestamp)
