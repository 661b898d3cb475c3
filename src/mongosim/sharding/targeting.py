"""Which shards an operation reaches, from a collection's routing table.

A filter reaches the shards owning the chunks its shard-key constraints intersect (equality, ``$in`` and
ranges on the key's first field; equality on a hashed field through its hash), every shard owning chunks
otherwise. An inserted document goes to the shard owning its key (missing fields are null). A write that
must change exactly one document is *targeted* when the filter pins the full shard key; otherwise MongoDB 8.0
finds the document first (the "write without shard key" protocol).
"""

from __future__ import annotations

from typing import Any

from mongosim.errors import CommandError
from mongosim.sharding import router_codes as _codes  # noqa: F401 - registers ShardKeyNotFound
from mongosim.sharding.routing import RoutingTable
from mongosim.sharding.shardkey import KeyValue


def shards_for_filter(table: RoutingTable, filter_doc: dict[str, Any] | None) -> list[str]:
    """The shards a read or multi-write with ``filter_doc`` must contact, in shard id order."""
    exact = table.pattern.equality(filter_doc)
    if exact is not None:  # the full key pinned (also inside a top-level $and): one chunk
        return [table.chunk_for(exact).shard]
    ranges = table.pattern.ranges(filter_doc)
    chunks = table.chunks_for_ranges(ranges)
    return sorted({c.shard for c in chunks})


def shard_for_document(table: RoutingTable, doc: dict[str, Any]) -> str:
    """The shard owning an inserted (or replacement) document."""
    return table.chunk_for(table.pattern.extract(doc)).shard


def exact_shard_key(table: RoutingTable, filter_doc: dict[str, Any] | None) -> KeyValue | None:
    """The full shard key a filter pins by equality, or None."""
    return table.pattern.equality(filter_doc)


def shard_for_exact_key(table: RoutingTable, filter_doc: dict[str, Any] | None) -> str | None:
    key = exact_shard_key(table, filter_doc)
    return None if key is None else table.chunk_for(key).shard


def upsert_shard(table: RoutingTable, filter_doc: dict[str, Any] | None) -> str:
    """Where an upsert goes: it must pin the full shard key (it may create the document), as in MongoDB."""
    shard = shard_for_exact_key(table, filter_doc)
    if shard is None:
        raise CommandError("ShardKeyNotFound", "Failed to target upsert by query :: could not extract exact shard "
                           "key")
    return shard


def key_fields_projection(table: RoutingTable) -> dict[str, Any]:
    """A projection keeping ``_id`` and the shard key fields (enough to find a document again)."""
    projection: dict[str, Any] = {"_id": 1}
    for field in table.pattern.fields:
        projection[field] = 1
    return projection
