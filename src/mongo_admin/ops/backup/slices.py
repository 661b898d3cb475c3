"""The PITR slice index: how oplog slices and gaps are named in storage, and how a restore finds and reads them.

Each replica set's slices live under ``<cluster>/pitr/<rs>/``; a slice's key is its index entry, so the listing
of the storage is the index and cannot disagree with what is stored (an object appears only once complete)::

    <cluster>/pitr/<rs>/<YYYYMMDD>/<YYYYMMDDhhmmss>-<i>.<YYYYMMDDhhmmss>-<i>.oplog.bson<suffix>

The two times are the slice's range ``[start, end]`` as oplog timestamps (UTC seconds and increment); the folder
is the start's day; ``<suffix>`` is the backup format's (``.gz``, ``.zst``, nothing, then ``.enc`` when
encrypted). A slice holds every entry with ``start <= ts <= end`` (the platform's lock writes left out), and a
chain is contiguous when each slice starts where the previous one ended: the boundary entry is in both, and
``replay_entries`` yields it once.

A gap — a range the oplog no longer held when the slicer needed it — is recorded as
``<cluster>/pitr/<rs>/gaps/<YYYYMMDDhhmmss>-<i>.json`` (named by the last point covered before it).
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Self

from bson import Timestamp
from bson.raw_bson import RawBSONDocument
from pydantic import BaseModel, ConfigDict

from mongo_admin.errors import BackupKeyError, MongoAdminError
from mongo_admin.ops.backup.format import COMPRESSION_SUFFIX, ENCRYPTED_SUFFIX, Encoding, ObjectReader
from mongo_admin.ops.backup.manifest import ClusterTime, backup_prefix
from mongo_admin.storage.base import Storage

PITR_FOLDER = "pitr"
GAPS_FOLDER = "gaps"
_SUFFIX_COMPRESSION = {suffix: name for name, suffix in COMPRESSION_SUFFIX.items()}
_SLICE_NAME = re.compile(r"^(?P<day>\d{8})/(?P<st>\d{14})-(?P<si>\d+)\.(?P<et>\d{14})-(?P<ei>\d+)\.oplog\.bson"
                         r"(?P<compression>\.gz|\.zst)?(?P<encrypted>\.enc)?$")


class PitrRangeError(MongoAdminError):
    """The stored slices do not cover a range a restore needs; the message names the missing range."""


@dataclass(frozen=True, order=True)
class OplogTime:
    """An oplog timestamp (seconds ``t``, increment ``i``) with its UTC wall time, for results and messages."""

    t: int
    i: int
    time: dt.datetime

    @classmethod
    def of(cls, ts: Timestamp) -> Self:
        return cls(ts.time, ts.inc, dt.datetime.fromtimestamp(ts.time, dt.UTC))

    def timestamp(self) -> Timestamp:
        return Timestamp(self.t, self.i)

    def __str__(self) -> str:
        return describe(self.timestamp())


def describe(ts: Timestamp) -> str:
    """``2026-11-26T04:10:00Z (Timestamp(1795665000, 3))``: readable and exact."""
    wall = dt.datetime.fromtimestamp(ts.time, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return f"{wall} (Timestamp({ts.time}, {ts.inc}))"


def _stamp(ts: Timestamp) -> str:
    return f"{dt.datetime.fromtimestamp(ts.time, dt.UTC).strftime('%Y%m%d%H%M%S')}-{ts.inc}"


def _unstamp(seconds: str, inc: str) -> Timestamp:
    return Timestamp(calendar.timegm(dt.datetime.strptime(seconds, "%Y%m%d%H%M%S").timetuple()), int(inc))


def set_prefix(cluster: str, set_name: str) -> str:
    """``<cluster>/pitr/<rs>/`` (the names are checked like a backup's)."""
    backup_prefix(cluster, set_name)
    return f"{cluster}/{PITR_FOLDER}/{set_name}/"


def slice_key(cluster: str, set_name: str, start: Timestamp, end: Timestamp, encoding: Encoding) -> str:
    day = dt.datetime.fromtimestamp(start.time, dt.UTC).strftime("%Y%m%d")
    return f"{set_prefix(cluster, set_name)}{day}/{_stamp(start)}.{_stamp(end)}.oplog.bson{encoding.suffix}"


@dataclass(frozen=True)
class Slice:
    """One stored slice: the entries of ``set_name`` with ``start <= ts <= end``."""

    set_name: str
    key: str
    start: Timestamp
    end: Timestamp
    size: int
    compression: str
    encrypted: bool


def parse_slice_key(key: str, cluster: str, set_name: str, size: int = 0) -> Slice | None:
    """The slice a key names, or None when it names something else (a gap record, a stray file)."""
    match = _SLICE_NAME.match(key.removeprefix(set_prefix(cluster, set_name)))
    if match is None:
        return None
    return Slice(set_name, key, _unstamp(match["st"], match["si"]), _unstamp(match["et"], match["ei"]), size,
                 _SUFFIX_COMPRESSION[match["compression"] or ""], bool(match["encrypted"]))


def list_slices(storage: Storage, cluster: str, set_name: str) -> list[Slice]:
    """Every slice of the set, ordered by range."""
    found = []
    for info in storage.list(set_prefix(cluster, set_name)):
        item = parse_slice_key(info.key, cluster, set_name, info.size)
        if item is not None:
            found.append(item)
    return sorted(found, key=lambda s: (s.start, s.end))


def chains(slices: Iterable[Slice]) -> list[list[Slice]]:
    """The slices grouped into contiguous chains (each starting at or before where the previous one ended)."""
    result: list[list[Slice]] = []
    for item in sorted(slices, key=lambda s: (s.start, s.end)):
        if result and item.start <= result[-1][-1].end:
            if item.end > result[-1][-1].end:
                result[-1].append(item)
            continue
        result.append([item])
    return result


# ---- gaps -------------------------------------------------------------------------------------------------

class GapRecord(BaseModel):
    """A range of a replica set's oplog that no slice holds: everything after ``after`` up to ``resumed_at``
    (None while the slicer waits for a new full backup to restart from)."""

    model_config = ConfigDict(extra="forbid")

    set_name: str
    after: ClusterTime
    oldest_available: ClusterTime
    detected_at: dt.datetime
    reason: str
    resumed_at: ClusterTime | None = None
    resumed_from_backup: str | None = None


def gap_key(cluster: str, set_name: str, after: Timestamp) -> str:
    return f"{set_prefix(cluster, set_name)}{GAPS_FOLDER}/{_stamp(after)}.json"


def write_gap(storage: Storage, cluster: str, gap: GapRecord) -> str:
    key = gap_key(cluster, gap.set_name, gap.after.timestamp())
    storage.put(key, (gap.model_dump_json(indent=2) + "\n").encode())
    return key


def list_gaps(storage: Storage, cluster: str, set_name: str) -> list[GapRecord]:
    prefix = f"{set_prefix(cluster, set_name)}{GAPS_FOLDER}/"
    gaps = [GapRecord.model_validate_json(storage.get(info.key)) for info in storage.list(prefix)
            if info.key.endswith(".json")]
    return sorted(gaps, key=lambda g: g.after.timestamp())


# ---- reading for a restore ----------------------------------------------------------------------------------

def slices_for(storage: Storage, cluster: str, set_name: str, start_ts: Timestamp, end_ts: Timestamp) -> list[str]:
    """The keys of the slices whose entries cover ``[start_ts, end_ts]``, in order; PitrRangeError naming the
    first range no slice holds."""
    if end_ts < start_ts:
        raise PitrRangeError(f"cannot replay {set_name} from {describe(start_ts)} back to {describe(end_ts)}",
                             "the end is before the start", "give a target time after the base backup")
    chosen: list[str] = []
    covered: Timestamp | None = None  # everything from start_ts to here is held by ``chosen``
    resumes: Timestamp | None = None  # where the next slice after a hole starts
    for item in list_slices(storage, cluster, set_name):
        reach = start_ts if covered is None else covered
        if item.end < reach or (covered is not None and item.end <= covered):
            continue
        if item.start > reach:
            resumes = item.start
            break
        chosen.append(item.key)
        covered = item.end
        if covered >= end_ts:
            return chosen
    hole_from = start_ts if covered is None else covered
    hole_to = end_ts if resumes is None or resumes > end_ts else resumes
    raise PitrRangeError(
        f"the oplog slices of {set_name} do not cover {describe(hole_from)} to {describe(hole_to)}",
        "no slice was stored for that range" + ("" if covered is None else f" (the slices before it reach "
                                                f"{describe(covered)})")
        + ("" if resumes is None or resumes > end_ts else f"; slicing resumed at {describe(resumes)}"),
        "choose a time inside the restorable window (mongo-admin backup pitr status), or a base backup after the "
        "gap")


def replay_entries(storage: Storage, keys: Iterable[str], start_ts: Timestamp, end_ts: Timestamp,
                   encoding: Encoding | None = None) -> Iterator[RawBSONDocument]:
    """The entries with ``start_ts <= ts <= end_ts`` of the slices ``keys`` (in ``slices_for`` order), each once
    and in oplog order: an entry already yielded (a slice boundary) is skipped. Each slice is read with the
    compression its name says and, when encrypted, ``encoding.key``."""
    last: Timestamp | None = None
    for key in keys:
        with ObjectReader(storage, key, _encoding_of(key, encoding or Encoding())) as reader:
            for raw in reader.documents(validate=False):
                entry = RawBSONDocument(raw)
                ts = entry["ts"]
                if ts < start_ts or (last is not None and ts <= last):
                    continue
                if ts > end_ts:
                    return
                last = ts
                yield entry


def _encoding_of(key: str, encoding: Encoding) -> Encoding:
    name = key.rsplit("/", 1)[-1]
    encrypted = name.endswith(ENCRYPTED_SUFFIX)
    stem = name.removesuffix(ENCRYPTED_SUFFIX)
    compression = next((c for c, suffix in COMPRESSION_SUFFIX.items() if suffix and stem.endswith(suffix)), "none")
    if encrypted and encoding.key is None:
        raise BackupKeyError(f"{key} is encrypted", "no encryption key was given",
                             "pass the key file the slices were written with (--encryption-key-file)")
    return Encoding(compression, encoding.key if encrypted else None)  # type: ignore[arg-type]
