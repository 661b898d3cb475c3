"""Small value formatters replication messages share: BSON's ``toString`` form and millisecond dates."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from bson.int64 import Int64
from bson.objectid import ObjectId
from bson.timestamp import Timestamp


def bson_repr(value: Any) -> str:
    """A value as ``BSONObj::toString`` prints it inside error messages: ``{ _id: 0, host: "h:1" }``."""
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{key}: {bson_repr(item)}" for key, item in value.items()) + " }"
    if isinstance(value, list):
        return "[ " + ", ".join(bson_repr(item) for item in value) + " ]" if value else "[]"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Int64):
        return str(int(value))
    if isinstance(value, float):
        return str(int(value)) + ".0" if value.is_integer() else repr(value)
    if isinstance(value, str):
        return json.dumps(value)
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, Timestamp):
        return f"Timestamp({value.time}, {value.inc})"
    if value is None:
        return "null"
    return str(value)


def now_ms() -> dt.datetime:
    """The current time truncated to milliseconds (BSON dates carry milliseconds), naive UTC."""
    now = dt.datetime.now(dt.UTC)
    return now.replace(microsecond=now.microsecond // 1000 * 1000, tzinfo=None)


def date_from_seconds(seconds: float) -> dt.datetime:
    whole = dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(seconds * 1000))
    return whole
