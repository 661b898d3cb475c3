"""Zones: named sets of shards (config.shards ``tags``) and shard key ranges assigned to them (config.tags
``{_id: ObjectId, ns, min, max, tag}``), as the config server's ShardingCatalogManager keeps them.

A zone exists while at least one shard carries it. A range may name only an existing zone, must not overlap
another range of the namespace (the same range for the same zone again is accepted and changes nothing), and
for a sharded collection its bounds must name a prefix of the shard key (the missing fields are filled with
MinKey, ``extendRangeBound``); ranges may be defined before the collection is sharded (8.0). The last shard of
a zone that still has ranges cannot leave it (ZoneStillInUse).

The balancer and shardCollection read the ranges through ``ranges_of``; ``zone_of`` names the zone a chunk lies
in and ``boundary_points`` the zone bounds that fall strictly inside a chunk (where the balancer splits first).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey

from mongosim import errors
from mongosim.errors import CommandError
from mongosim.namespaces import render as render_value
from mongosim.query.compare import order_key
from mongosim.sharding.catalog import COLLECTIONS, SHARDS, TAGS
from mongosim.sharding.shardkey import KeyValue, ShardKeyPattern

if TYPE_CHECKING:
    from mongosim.sharding.catalog import Catalog

_CODES = {"ZoneStillInUse": 163, "ZoneNotFound": 177, "RangeOverlapConflict": 178, "ShardKeyNotFound": 61,
          "ShardNotFound": 70}
for _name, _code in _CODES.items():
    errors.CODES.setdefault(_name, _code)
    errors.NAMES.setdefault(_code, _name)


def render(value: Any) -> str:
    """A bound as the server prints it in messages (``{ a: 1, b: MinKey }``)."""
    if isinstance(value, dict) and value:
        return "{ " + ", ".join(f"{name}: {render(item)}" for name, item in value.items()) + " }"
    if isinstance(value, (MinKey, MaxKey)):
        return type(value).__name__
    return render_value(value)


@dataclass(frozen=True)
class ZoneRange:
    min: KeyValue
    max: KeyValue
    zone: str

    def text(self) -> str:
        """``ZoneRange::toString``, as error messages show a range."""
        return f"{render(self.min)} -->> {render(self.max)}  on  {self.zone}"


def bson_key(obj: dict[str, Any]) -> tuple[Any, ...]:
    """An order over bound documents like ``SimpleBSONObjComparator``: element by element, values first, then
    field names; a document that is a prefix of another sorts first."""
    return tuple((order_key(value), name) for name, value in obj.items())


def extend_bound(fields: list[str], bound: KeyValue) -> KeyValue:
    """``extendRangeBound(bound, false)``: the shard key fields the bound does not name, as MinKey."""
    return {**bound, **{f: MinKey() for f in fields if f not in bound}}


def _prefix_of(bound: KeyValue, fields: list[str]) -> bool:
    return bool(bound) and list(bound) == fields[:len(bound)]


# ----------------------------------------------------------------------------------------------- reads
def ranges_of(catalog: Catalog, ns: str, fields: list[str] | None = None) -> list[ZoneRange]:
    """The namespace's zone ranges in key order, extended to the full shard key when ``fields`` is given."""
    out = []
    for doc in catalog.find(TAGS, {"ns": ns}):
        low, high = doc.get("min"), doc.get("max")
        if not isinstance(low, dict) or not isinstance(high, dict):
            continue
        if fields is not None:
            low, high = extend_bound(fields, low), extend_bound(fields, high)
        out.append(ZoneRange(low, high, str(doc.get("tag"))))
    return sorted(out, key=lambda r: bson_key(r.min))


def zone_shards(shard_docs: Iterable[dict[str, Any]]) -> dict[str, set[str]]:
    """Each zone's shards, from config.shards ``tags``."""
    out: dict[str, set[str]] = {}
    for doc in shard_docs:
        for zone in doc.get("tags") or []:
            out.setdefault(str(zone), set()).add(str(doc["_id"]))
    return out


def zone_of(pattern: ShardKeyPattern, ranges: list[ZoneRange], low: KeyValue, high: KeyValue) -> str | None:
    """The zone whose range holds all of [low, high); None when the range lies in no zone (or straddles a zone
    bound, which a split removes first)."""
    lo, hi = pattern.sort_key(low), pattern.sort_key(high)
    for zone_range in ranges:
        if pattern.sort_key(zone_range.min) <= lo and hi <= pattern.sort_key(zone_range.max):
            return zone_range.zone
    return None


def boundary_points(pattern: ShardKeyPattern, ranges: list[ZoneRange], low: KeyValue,
                    high: KeyValue) -> list[KeyValue]:
    """The zone bounds strictly inside [low, high), in key order."""
    lo, hi = pattern.sort_key(low), pattern.sort_key(high)
    points: dict[tuple[Any, ...], KeyValue] = {}
    for zone_range in ranges:
        for bound in (zone_range.min, zone_range.max):
            key = pattern.sort_key(bound)
            if lo < key < hi:
                points[key] = bound
    return [points[k] for k in sorted(points)]


# ----------------------------------------------------------------------------------------------- shard zones
def add_shard_to_zone(catalog: Catalog, shard: str, zone: str) -> None:
    doc = catalog.shard(shard)
    if doc is None:
        raise CommandError("ShardNotFound", f"shard {shard} does not exist")
    tags = list(doc.get("tags") or [])
    if zone not in tags:
        doc["tags"] = [*tags, zone]
        catalog.save(SHARDS, doc)


def remove_shard_from_zone(catalog: Catalog, shard: str, zone: str) -> None:
    doc = catalog.shard(shard)
    if doc is None:
        raise CommandError("ShardNotFound", f"shard {shard} does not exist")
    holders = zone_shards(catalog.shards()).get(zone, set())
    if holders == {shard} and catalog.find_one(TAGS, {"tag": zone}) is not None:
        raise CommandError("ZoneStillInUse", "cannot remove a shard from zone if a chunk range is associated with it")
    tags = list(doc.get("tags") or [])
    if zone in tags:
        doc["tags"] = [t for t in tags if t != zone]
        catalog.save(SHARDS, doc)


# ----------------------------------------------------------------------------------------------- ranges
def check_range(low: Any, high: Any) -> None:
    """The request's own checks (``ChunkRange`` parsing): two non-empty documents, min below max."""
    for name, bound in (("min", low), ("max", high)):
        if not isinstance(bound, dict):
            raise CommandError(40414, f"BSON field 'updateZoneKeyRange.{name}' is missing but a required field")
        if not bound:
            raise CommandError("BadValue", f"The {name} key cannot be empty")
    if bson_key(low) >= bson_key(high):
        raise CommandError("FailedToParse", f"min: {render(low)} should be less than max: {render(high)}")


def _full_range(catalog: Catalog, ns: str, low: KeyValue, high: KeyValue) -> tuple[KeyValue, KeyValue, dict[str, Any]]:
    """The range with the full shard key and the key pattern it is checked against: the collection's key when it
    is sharded, else the range's own fields (ascending)."""
    coll = catalog.find_one(COLLECTIONS, {"_id": ns})
    if coll is None or coll.get("unsplittable"):
        return low, high, dict.fromkeys(low, 1)
    key: dict[str, Any] = coll["key"]
    fields = list(key)
    for name, bound in (("min", low), ("max", high)):
        if not _prefix_of(bound, fields):
            raise CommandError("ShardKeyNotFound", f"{name}: {render(bound)} is not a prefix of the shard key "
                               f"{render(key)} of ns: {ns}")
    return extend_bound(fields, low), extend_bound(fields, high), key


def _valid_hashed(value: Any) -> bool:
    return isinstance(value, (Int64, MinKey, MaxKey))


def update_zone_key_range(catalog: Catalog, ns: str, low: KeyValue, high: KeyValue, zone: str | None) -> None:
    """Assign [low, high) to ``zone``, or remove that range when ``zone`` is None."""
    if zone is None:
        low, high, _key = _full_range(catalog, ns, low, high)
        catalog.delete(TAGS, {"ns": ns, "min": low, "max": high})
        return
    if zone not in zone_shards(catalog.shards()):
        raise CommandError("ZoneNotFound", f"zone {zone} does not exist")
    low, high, key = _full_range(catalog, ns, low, high)
    for field, kind in key.items():
        if kind == "hashed" and not (_valid_hashed(low.get(field)) and _valid_hashed(high.get(field))):
            raise CommandError("InvalidOptions", f"there exists a field in the range {render(low)} -->> "
                               f"{render(high)} not of type NumberLong, MinKey, or MaxKey which corresponds to a "
                               f"hashed field in the shard key pattern {render(key)}")
    wanted = ZoneRange(low, high, zone)
    fields = list(key)
    lo, hi = bson_key(low), bson_key(high)
    for existing in ranges_of(catalog, ns, fields):
        if bson_key(existing.min) < hi and lo < bson_key(existing.max):
            if existing == wanted:
                return
            raise CommandError("RangeOverlapConflict", f"Zone range: {wanted.text()} is overlapping with existing: "
                               f"{existing.text()}")
    current = catalog.find_one(TAGS, {"ns": ns, "min": low})
    doc = {"ns": ns, "min": low, "max": high, "tag": zone}
    if current is not None:
        catalog.save(TAGS, {"_id": current["_id"], **doc})
    else:
        from bson.objectid import ObjectId

        catalog.insert(TAGS, {"_id": ObjectId(), **doc})


# ----------------------------------------------------------------------------------------------- shardCollection
def check_against_shard_key(pattern: ShardKeyPattern, ranges: list[ZoneRange]) -> None:
    """shardCollection refuses a key that existing zone ranges of the namespace do not fit."""
    for zone_range in ranges:
        for bound in (zone_range.min, zone_range.max):
            if not _prefix_of(bound, pattern.fields):
                raise CommandError("InvalidOptions", f"the proposed shard key {render(pattern.key)} does not match "
                                   f"with the shard key of the existing zone {render(zone_range.min)} -->> "
                                   f"{render(zone_range.max)}")
            if pattern.hashed_field in bound and not _valid_hashed(bound[pattern.hashed_field]):
                raise CommandError("InvalidOptions", f"the proposed shard key {render(pattern.key)} has a hashed "
                                   f"field {pattern.hashed_field} but the existing zone {render(zone_range.min)} "
                                   f"-->> {render(zone_range.max)} does not bound it with NumberLong, MinKey or "
                                   "MaxKey values")


def initial_zone_chunks(pattern: ShardKeyPattern, ranges: list[ZoneRange], holders: dict[str, set[str]],
                        shards: list[str]) -> list[tuple[KeyValue, KeyValue, str]]:
    """``SingleChunkPerTagSplitPolicy``: one chunk per zone range on that zone's shards (each zone's shards in
    turn), and the gaps between ranges dealt to all shards in turn. ``ranges`` are full-key and sorted."""
    turns = {zone: itertools.cycle(sorted(members)) for zone, members in holders.items() if members}
    gaps = itertools.cycle(shards)
    out: list[tuple[KeyValue, KeyValue, str]] = []
    cursor = pattern.global_min()
    for zone_range in ranges:
        if zone_range.zone not in turns:
            raise CommandError("InvalidOptions", f"Failed to create chunk distribution: zone {zone_range.zone} is not "
                               "associated with any shard")
        if pattern.sort_key(cursor) < pattern.sort_key(zone_range.min):
            out.append((cursor, zone_range.min, next(gaps)))
        out.append((zone_range.min, zone_range.max, next(turns[zone_range.zone])))
        cursor = zone_range.max
    if pattern.sort_key(cursor) < pattern.sort_key(pattern.global_max()):
        out.append((cursor, pattern.global_max(), next(gaps)))
    return out
