"""shardCollection on the config server: validate the request, make sure the collection and a shard key index
exist on the database's primary shard, and record the collection and its initial chunks.

Since 6.0 sharding a missing collection (or database) creates it. The supporting index is an index whose key
starts with the shard key (the hashed field hashed), neither sparse nor partial; an empty collection gets one
created, a non-empty one must already have it. Sharding again with the same key and options succeeds and
changes nothing; with different ones it fails (AlreadyInitialized). Zone ranges defined for the namespace
before it is sharded must fit the key; on an empty collection they decide the initial chunks (one per range, on
the zone's shards, gaps dealt to every shard); otherwise the balancer moves the data into its zones later.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.sharding import zones
from mongosim.sharding.catalog import CHUNKS, COLLECTIONS, chunk_document, collection_document
from mongosim.sharding.initial_split import InitialChunk, initial_chunks
from mongosim.sharding.shardkey import ShardKeyPattern
from mongosim.sharding.versions import ChunkVersion

if TYPE_CHECKING:
    from mongosim.sharding.configsvr import ConfigServer

_NO_INDEX = "Please create an index that starts with the proposed shard key before sharding the collection"
_HASHED_UNIQUE = ("Hashed shard keys cannot be declared unique. It's possible to ensure uniqueness on the hashed "
                  "field by declaring an additional (non-hashed) unique index on the field.")


def split_namespace(ns: Any) -> tuple[str, str]:
    if not isinstance(ns, str) or "." not in ns or ns.startswith(".") or ns.endswith("."):
        raise CommandError("InvalidNamespace", f"Invalid namespace specified '{ns}'")
    db, coll = ns.split(".", 1)
    return db, coll


def index_name(key: dict[str, Any]) -> str:
    return "_".join(f"{field}_{kind}" for field, kind in key.items())


def _supports(index: dict[str, Any], pattern: ShardKeyPattern) -> bool:
    """Whether an index can serve as the shard key index: its key begins with the shard key."""
    key = index.get("key", {})
    if index.get("sparse") or "partialFilterExpression" in index:
        return False
    if isinstance(index.get("collation"), dict) and index["collation"].get("locale", "simple") != "simple":
        return False
    fields = list(key.items())
    if len(fields) < len(pattern.fields):
        return False
    for (field, kind), wanted in zip(fields, pattern.fields, strict=False):
        expected = pattern.key[wanted]
        if field != wanted:
            return False
        if expected == "hashed" and kind != "hashed":
            return False
        if expected == 1 and kind not in (1, 1.0):
            return False
    return True


async def shard_collection(role: ConfigServer, ns: Any, cmd: dict[str, Any]) -> dict[str, Any]:
    db, coll_name = split_namespace(ns)
    if db in ("admin", "local", "config"):
        raise CommandError("IllegalOperation", f"can't shard {db} database")
    key = cmd.get("key")
    if not isinstance(key, dict):
        raise CommandError(40414, "BSON field 'shardCollection.key' is missing but a required field")
    pattern = ShardKeyPattern(key)
    unique = bool(cmd.get("unique", False))
    if unique and pattern.is_hashed:
        raise CommandError("InvalidOptions", _HASHED_UNIQUE)
    num_initial = cmd.get("numInitialChunks", 0)
    if not isinstance(num_initial, int) or isinstance(num_initial, bool):
        raise CommandError("TypeMismatch", "BSON field 'shardCollection.numInitialChunks' is the wrong type, "
                           "expected type 'long'")
    collation = cmd.get("collation")
    if isinstance(collation, dict) and collation and collation.get("locale", "simple") != "simple":
        raise CommandError("BadValue", "The collation for shardCollection must be {locale: 'simple'}, but found: "
                           f"{collation}")
    catalog = role.catalog
    async with role.locked(ns):
        catalog.ensure_setup()
        existing = catalog.collection(ns)
        if existing is not None:
            if existing["key"] == pattern.key and bool(existing.get("unique")) == unique:
                return {"collectionsharded": ns}
            raise CommandError("AlreadyInitialized", f"sharding already enabled for collection {ns}")
        primary = (await role.create_database(db))["primary"]
        uuid, options, empty = await _prepare_primary(role, primary, db, coll_name, pattern, unique)
        shard_docs = [s for s in catalog.shards() if not s.get("draining")]
        shards = [s["_id"] for s in shard_docs]
        zone_ranges = zones.ranges_of(catalog, ns)
        zones.check_against_shard_key(pattern, zone_ranges)
        if zone_ranges and empty:
            # Zone ranges defined before sharding place the initial chunks (SingleChunkPerTagSplitPolicy).
            placed = zones.initial_zone_chunks(pattern, zones.ranges_of(catalog, ns, pattern.fields),
                                               zones.zone_shards(shard_docs), shards)
            chunks = [InitialChunk(low, high, shard, 1, i) for i, (low, high, shard) in enumerate(placed)]
        else:
            chunks = initial_chunks(pattern, primary, shards, empty=empty, num_initial_chunks=num_initial)
        for shard in sorted({c.shard for c in chunks} - {primary}):
            await _create_on(role, shard, db, coll_name, uuid, options, pattern, unique)
        catalog.check_primary()
        if catalog.collection(ns) is not None:
            raise CommandError("ConflictingOperationInProgress", f"{ns} was sharded concurrently")
        catalog.log_change("shardCollection.start", ns, {"shardKey": pattern.key, "collection": ns, "uuid": uuid,
                                                         "empty": empty, "primary": primary,
                                                         "numChunks": len(chunks)})
        epoch, timestamp = ObjectId(), catalog.now_ts()
        catalog.insert(COLLECTIONS, collection_document(ns, uuid, pattern.key, unique, epoch, timestamp))
        for chunk in chunks:
            version = ChunkVersion(chunk.major, chunk.minor, epoch, timestamp)
            catalog.insert(CHUNKS, chunk_document(uuid, chunk.min, chunk.max, chunk.shard, version.lastmod,
                                                  timestamp))
        last = chunks[-1]
        catalog.log_change("shardCollection.end", ns, {"version": f"{last.major}|{last.minor}||{epoch}",
                                                       "numChunks": len(chunks)})
        await catalog.majority()
        return {"collectionsharded": ns}


async def _prepare_primary(role: ConfigServer, primary: str, db: str, coll: str, pattern: ShardKeyPattern,
                           unique: bool) -> tuple[Any, dict[str, Any], bool]:
    """The collection's UUID and options on the primary shard and whether it is empty; creates the collection and
    the shard key index when possible."""
    listed = await role.shard_command(primary, db, {"listCollections": 1, "filter": {"name": coll}})
    infos = listed.get("cursor", {}).get("firstBatch", [])
    if infos and infos[0].get("type") == "view":
        raise CommandError("CommandNotSupportedOnView", f"Namespace {db}.{coll} is a view, not a collection")
    if not infos:
        await role.shard_command(primary, db, {"create": coll, "writeConcern": {"w": "majority"}})
        listed = await role.shard_command(primary, db, {"listCollections": 1, "filter": {"name": coll}})
        infos = listed.get("cursor", {}).get("firstBatch", [])
    uuid = infos[0].get("info", {}).get("uuid")
    options = dict(infos[0].get("options", {}))
    count = await role.shard_command(primary, db, {"count": coll})
    empty = int(count.get("n", 0)) == 0
    indexes = (await role.shard_command(primary, db, {"listIndexes": coll})).get("cursor", {}).get("firstBatch", [])
    usable = [i for i in indexes if _supports(i, pattern)]
    if unique:
        exact = [i for i in usable if list(i.get("key", {})) == pattern.fields]
        if any(i.get("unique") or i.get("name") == "_id_" for i in exact):
            return uuid, options, empty
        if not empty:
            raise CommandError("InvalidOptions", _NO_INDEX)
        await _create_index(role, primary, db, coll, pattern, unique=True)
        return uuid, options, empty
    if not usable:
        if not empty:
            raise CommandError("InvalidOptions", _NO_INDEX)
        await _create_index(role, primary, db, coll, pattern, unique=False)
    return uuid, options, empty


async def _create_index(role: ConfigServer, shard: str, db: str, coll: str, pattern: ShardKeyPattern,
                        unique: bool) -> None:
    spec: dict[str, Any] = {"key": pattern.key, "name": index_name(pattern.key)}
    if unique:
        spec["unique"] = True
    await role.shard_command(shard, db, {"createIndexes": coll, "indexes": [spec],
                                         "writeConcern": {"w": "majority"}})


async def _create_on(role: ConfigServer, shard: str, db: str, coll: str, uuid: Any, options: dict[str, Any],
                     pattern: ShardKeyPattern, unique: bool) -> None:
    """A shard that receives initial chunks gets the collection, by the same UUID as on the primary shard, with its
    shard key index (it holds no data yet) — MongoDB's _shardsvrCreateCollectionParticipant."""
    spec: dict[str, Any] = {"key": pattern.key, "name": index_name(pattern.key)}
    if unique:
        spec["unique"] = True
    await role.shard_command(shard, db, {"_shardsvrCreateCollectionParticipant": coll, "collectionUUID": uuid,
                                         "options": options, "indexes": [spec], "writeConcern": {"w": "majority"}})
