"""Reading a replica set's oplog for a backup: where it starts and ends, and the entries of a range.

A backup records each replica set's newest oplog timestamp before its dump starts, and after every dump has
finished reads the range from there to the cluster's cut-off. Entries are taken from the same member the dump
read. If the member's oldest entry is newer than the range's start, the oplog rolled over during the dump and the
backup cannot be made consistent: that is an error naming the sizes to change, never a silent gap.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from bson import Timestamp
from bson.raw_bson import RawBSONDocument

from mongo_admin.errors import MongoAdminError
from mongo_admin.ops.backup.lock import LOCK_COLLECTION, LOCK_DB

if TYPE_CHECKING:
    from mongo_admin.mongo.client import Client

# Never carried into a backup: the platform's own lock (replaying it would leave a lock in a restored cluster).
EXCLUDED_NAMESPACES = frozenset({f"{LOCK_DB}.{LOCK_COLLECTION}"})


class OplogGapError(MongoAdminError):
    """The oplog no longer holds the start of a range a backup needs."""


def _oplog(client: Client) -> Any:
    from bson.codec_options import CodecOptions

    return client.local.get_collection("oplog.rs", codec_options=CodecOptions(document_class=RawBSONDocument))


def newest_ts(client: Client) -> Timestamp:
    entry = client.local["oplog.rs"].find_one({}, sort=[("$natural", -1)], projection={"ts": 1})
    if entry is None:
        raise OplogGapError("the oplog is empty", "the member has no oplog entries", "is it a replica set member?")
    return entry["ts"]  # type: ignore[no-any-return]


def oldest_ts(client: Client) -> Timestamp:
    entry = client.local["oplog.rs"].find_one({}, sort=[("$natural", 1)], projection={"ts": 1})
    if entry is None:
        raise OplogGapError("the oplog is empty", "the member has no oplog entries", "is it a replica set member?")
    return entry["ts"]  # type: ignore[no-any-return]


def check_covers(client: Client, set_name: str, start: Timestamp) -> None:
    """OplogGapError when the member's oplog no longer reaches back to ``start``."""
    oldest = oldest_ts(client)
    if oldest > start:
        raise OplogGapError(f"the oplog of {set_name} rolled over during the backup",
                            f"its oldest entry is {oldest.as_datetime().isoformat()} but the backup needs it from "
                            f"{start.as_datetime().isoformat()}",
                            "make the oplog larger (replSetResizeOplog) or the backup faster (more parallel "
                            "collections), then retry")


def entries(client: Client, start: Timestamp, end: Timestamp) -> Iterator[RawBSONDocument]:
    """The entries with ``start <= ts <= end`` in oplog order, the platform's own lock writes left out."""
    cursor = _oplog(client).find({"ts": {"$gte": start, "$lte": end}, "ns": {"$nin": list(EXCLUDED_NAMESPACES)}},
                                 sort=[("$natural", 1)], batch_size=10_000)
    try:
        yield from cursor
    finally:
        cursor.close()
