"""Storage statistics in MongoDB's shapes: collStats / $collStats storageStats, dbStats, database sizes.

Sizes come from the storage engine's helpers when it has them (``storage_size()``, ``index_sizes()``,
``count()``); otherwise they are derived from the documents the way WiredTiger roughly lays them out (4 KiB
blocks, about half the BSON size after block compression) so that figures move with the data.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from bson.int64 import Int64

from mongosim.errors import CommandError

if TYPE_CHECKING:
    from mongosim.server import Server
    from mongosim.storage.engine import Collection

BLOCK = 4096
_WT_CREATION = ("access_pattern_hint=none,allocation_size=4KB,app_metadata=(formatVersion=1),assert=(commit_timestamp="
                "none,durable_timestamp=none,read_timestamp=none,write_timestamp=off),block_allocation=best,"
                "block_compressor=snappy,cache_resident=false,checksum=on,internal_page_max=4KB,key_format=q,"
                "leaf_page_max=32KB,log=(enabled=true),memory_page_max=10m,split_pct=90,type=file,value_format=u")
_WT_INDEX_CREATION = ("access_pattern_hint=none,allocation_size=4KB,app_metadata=(formatVersion=8),block_compressor=,"
                      "checksum=on,internal_page_max=16k,key_format=u,leaf_page_max=16k,prefix_compression=true,"
                      "type=file,value_format=u")


def number(value: int) -> int | Int64:
    """appendNumber: int32 when it fits, int64 otherwise."""
    return int(value) if -(2**31) <= value < 2**31 else Int64(value)


def _blocks(size: int) -> int:
    return -(-size // BLOCK) * BLOCK


def count(coll: Collection) -> int:
    helper = getattr(coll, "count", None)
    return int(helper()) if callable(helper) else len(coll)


def data_size(coll: Collection) -> int:
    return int(coll.data_size())


def storage_size(coll: Collection) -> int:
    helper = getattr(coll, "storage_size", None)
    if callable(helper):
        return int(helper())
    return BLOCK + _blocks(data_size(coll) // 2)


def index_sizes(coll: Collection) -> dict[str, int]:
    helper = getattr(coll, "index_sizes", None)
    if callable(helper):
        return {name: int(size) for name, size in helper().items()}
    docs = count(coll)
    return {spec["name"]: BLOCK + _blocks(docs * (12 + 4 * len(spec.get("key", {}))))
            for spec in coll.list_indexes()}


def check_scale(scale: Any, command: str) -> int:
    if scale is None:
        return 1
    if isinstance(scale, bool) or not isinstance(scale, (int, float)):
        raise CommandError("TypeMismatch", f"BSON field '{command}.scale' is the wrong type, expected a number")
    if scale < 1:
        raise CommandError("BadValue", "scale has to be >= 1")
    return int(scale)


def _wired_tiger(coll: Collection, size: int, stored: int) -> dict[str, Any]:
    return {"metadata": {"formatVersion": 1}, "creationString": _WT_CREATION, "type": "file",
            "uri": f"statistics:table:collection-{abs(hash(coll.ns)) % 10_000}--{abs(hash(coll.db)) % 10**19}",
            "block-manager": {"allocations requiring file extension": 0, "blocks allocated": 0, "blocks freed": 0,
                              "file allocation unit size": BLOCK, "file bytes available for reuse": 0,
                              "file size in bytes": stored},
            "btree": {"btree checkpoint generation": 0, "maximum leaf page size": 32768,
                      "number of key/value pairs": count(coll), "row-store leaf pages": 1},
            "cache": {"bytes currently in the cache": size, "bytes read into cache": 0,
                      "bytes written from cache": size, "pages read into cache": 0, "pages written from cache": 0},
            "compression": {"compressed pages read": 0, "compressed pages written": 0},
            "cursor": {"insert calls": 0, "remove calls": 0, "search calls": 0, "update calls": 0},
            "reconciliation": {"page reconciliation calls": 0},
            "session": {"object compaction": 0},
            "transaction": {"update conflicts": 0}}


def collection_stats(server: Server, db: str, name: str, scale: int = 1) -> dict[str, Any]:
    """The collStats / $collStats storageStats document (without ``ok``); zeros for a missing collection."""
    ns = f"{db}.{name}"
    coll = server.storage.get_collection(db, name) if server.storage is not None else None
    if coll is None:
        return {"ns": ns, "size": 0, "count": 0, "numOrphanDocs": 0, "storageSize": 0, "totalIndexSize": 0,
                "totalSize": 0, "indexSizes": {}, "scaleFactor": scale, "nindexes": 0}
    docs = count(coll)
    size = data_size(coll)
    stored = storage_size(coll)
    indexes = index_sizes(coll)
    total_index = sum(indexes.values())
    out: dict[str, Any] = {"ns": ns, "size": number(size // scale), "count": number(docs)}
    if docs:
        out["avgObjSize"] = number(size // docs)
    out["numOrphanDocs"] = number(_orphans(server, coll.uuid))
    out["storageSize"] = number(stored // scale)
    out["freeStorageSize"] = 0
    out["capped"] = coll.capped
    if coll.capped:
        out["max"] = number(int(coll.options.get("max", 0) or 0))
        out["maxSize"] = number(int(coll.options.get("size", 0) or 0) // scale)
    out["wiredTiger"] = _wired_tiger(coll, size, stored)
    out["nindexes"] = len(indexes)
    out["indexDetails"] = {name: {"metadata": {"formatVersion": 12}, "creationString": _WT_INDEX_CREATION,
                                  "type": "file", "uri": f"statistics:table:index-{i}-{abs(hash(ns)) % 10**19}"}
                           for i, name in enumerate(indexes)}
    out["indexBuilds"] = []
    out["totalIndexSize"] = number(total_index // scale)
    out["totalSize"] = number((stored + total_index) // scale)
    out["indexSizes"] = {name: number(value // scale) for name, value in indexes.items()}
    out["scaleFactor"] = scale
    return out


def _orphans(server: Server, uuid: Any) -> int:
    """As 8.0 counts them: the ``numOrphanDocs`` of the collection's range deletion tasks (shards only)."""
    from mongosim.sharding.range_deleter import orphan_count  # sharding sits above the storage statistics

    return orphan_count(server.storage, uuid)


def view_count(server: Server, db: str) -> int:
    views = server.storage.get_collection(db, "system.views") if server.storage is not None else None
    return len(views) if views is not None else 0


def database_size(server: Server, db: str) -> int:
    """sizeOnDisk for listDatabases: storage plus index sizes of every collection."""
    if server.storage is None:
        return 0
    helper = getattr(server.storage, "database_sizes", None)
    if callable(helper):
        return int(helper().get(db, 0))
    return sum(storage_size(c) + sum(index_sizes(c).values()) for c in server.storage.list_collections(db))


def database_stats(server: Server, db: str, scale: int = 1, free_storage: bool = False) -> dict[str, Any]:
    collections = server.storage.list_collections(db) if server.storage is not None else []
    objects = sum(count(c) for c in collections)
    data = sum(data_size(c) for c in collections)
    stored = sum(storage_size(c) for c in collections)
    index_count = sum(len(c.list_indexes()) for c in collections)
    index_size = sum(sum(index_sizes(c).values()) for c in collections)
    out: dict[str, Any] = {"db": db, "collections": number(len(collections)), "views": number(view_count(server, db)),
                           "objects": number(objects), "avgObjSize": float(data / objects) if objects else 0.0,
                           "dataSize": number(data // scale), "storageSize": number(stored // scale),
                           "indexes": number(index_count), "indexSize": number(index_size // scale),
                           "totalSize": number((stored + index_size) // scale), "scaleFactor": scale}
    if free_storage:
        out["freeStorageSize"] = 0
        out["indexFreeStorageSize"] = 0
        out["totalFreeStorageSize"] = 0
    path = server.config.dbpath if os.path.isdir(server.config.dbpath) else "/"
    fs = os.statvfs(path)
    out["fsUsedSize"] = number((fs.f_blocks - fs.f_bfree) * fs.f_frsize // scale)
    out["fsTotalSize"] = number(fs.f_blocks * fs.f_frsize // scale)
    return out
