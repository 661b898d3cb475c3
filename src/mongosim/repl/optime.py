"""Optimes and member states, as replication reports them on the wire."""

from __future__ import annotations

import datetime as dt
from enum import IntEnum
from typing import Any, NamedTuple

from bson.int64 import Int64
from bson.timestamp import Timestamp

EPOCH = dt.datetime(1970, 1, 1)


class OpTime(NamedTuple):
    """A position in the oplog. Ordered by term first, then timestamp — as the server's ``OpTime`` compares —
    so an entry of a newer term sorts after every entry of an older one."""

    term: int
    ts: Timestamp

    @classmethod
    def null(cls) -> OpTime:
        """What the server reports for "no optime": ``{ts: Timestamp(0, 0), t: -1}``."""
        return cls(-1, Timestamp(0, 0))

    @classmethod
    def from_document(cls, doc: dict[str, Any] | None) -> OpTime:
        if not doc:
            return cls.null()
        return cls(int(doc.get("t", -1)), doc.get("ts", Timestamp(0, 0)))

    @classmethod
    def of_entry(cls, entry: dict[str, Any]) -> OpTime:
        """The optime of an oplog entry (``ts`` and ``t``)."""
        return cls(int(entry.get("t", -1)), entry["ts"])

    def to_document(self) -> dict[str, Any]:
        return {"ts": self.ts, "t": Int64(self.term)}

    def wall_date(self) -> dt.datetime:
        """``optimeDate``: the timestamp's seconds as a date (what replSetGetStatus shows beside an optime)."""
        return EPOCH + dt.timedelta(seconds=self.ts.time)

    def is_null(self) -> bool:
        return self.ts.time == 0 and self.ts.inc == 0


class MemberState(IntEnum):
    """``member_state.h``; 4 (FATAL) is obsolete and never reported."""

    STARTUP = 0
    PRIMARY = 1
    SECONDARY = 2
    RECOVERING = 3
    STARTUP2 = 5
    UNKNOWN = 6
    ARBITER = 7
    DOWN = 8
    ROLLBACK = 9
    REMOVED = 10

    @property
    def label(self) -> str:
        """``stateStr`` as replSetGetStatus reports it."""
        return "(not reachable/healthy)" if self is MemberState.DOWN else self.name

    @property
    def readable(self) -> bool:
        """States that may serve reads (with secondaryOk on a secondary)."""
        return self in (MemberState.PRIMARY, MemberState.SECONDARY)
