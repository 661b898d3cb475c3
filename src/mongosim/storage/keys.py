"""BSON values as Python keys: equality keys, MongoDB's total order, and the server's toString rendering.

- ``id_key(v)``: a hashable key, equal exactly when MongoDB considers the values equal (1 == 1.0 == Int64(1) ==
  Decimal128("1"); NaN == NaN; field order matters in embedded documents; strings compare binary).
- ``sort_key(v)``: a key whose Python ordering is MongoDB's BSON comparison order (MinKey < undefined < null <
  numbers < string < object < array < binData < ObjectId < bool < date < timestamp < regex < MaxKey).
- ``Desc``: wraps a sort key to invert its order (descending index fields).
- ``render(v)``: ``BSONElement::toString`` as error messages and explain bounds print values
  (``{ a: 1, b: "x" }``, ``1.0``, ``inf.0``, ``ObjectId('...')``, ``new Date(0)``).
"""

from __future__ import annotations

import datetime as dt
import math
import re
from decimal import Decimal
from typing import Any

from bson.binary import Binary
from bson.code import Code
from bson.datetime_ms import DatetimeMS
from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex
from bson.timestamp import Timestamp


class _Undefined:
    """BSON undefined: what an empty array contributes to an index (sorts before null)."""

    _instance: _Undefined | None = None

    def __new__(cls) -> _Undefined:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "undefined"


UNDEFINED = _Undefined()
_NAN_KEY = ("nan",)
_EPOCH = dt.datetime(1970, 1, 1)
_EPOCH_AWARE = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)

# Canonical type ranks (BSONElement::canonicalType).
MINKEY, UNDEF, NULL, NUMBER, STRING, OBJECT, ARRAY, BINDATA, OBJECTID, BOOL, DATE, TIMESTAMP, REGEX, DBREF, CODE, \
    CODE_W_SCOPE, MAXKEY = -1, 0, 5, 10, 15, 20, 25, 30, 35, 40, 45, 47, 50, 55, 60, 65, 127


def date_millis(value: dt.datetime | DatetimeMS) -> int:
    if isinstance(value, DatetimeMS):
        return int(value)
    delta = value - (_EPOCH_AWARE if value.tzinfo is not None else _EPOCH)
    return (delta.days * 86_400 + delta.seconds) * 1000 + delta.microseconds // 1000


def _binary_parts(value: bytes) -> tuple[int, bytes]:
    if isinstance(value, Binary):
        return value.subtype, bytes(value)
    return 0, bytes(value)


def id_key(value: Any) -> Any:
    t = type(value)
    if t is ObjectId or t is str:
        return value  # nothing else maps to an ObjectId or a plain str
    if t is int or t is Int64:
        return int(value)
    if t is float:
        return _NAN_KEY if math.isnan(value) else value
    if t is bool:
        return ("bool", value)
    if value is None:
        return None
    if t is dict:
        return ("doc", tuple((k, id_key(v)) for k, v in value.items()))
    if t is list or t is tuple:
        return ("arr", tuple(id_key(v) for v in value))
    return _slow_id_key(value)


def _slow_id_key(value: Any) -> Any:
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        if value.is_nan():
            return _NAN_KEY
        return int(value) if value.is_finite() and value == value.to_integral_value() else value
    if isinstance(value, bool):
        return ("bool", value)
    if isinstance(value, (int, float)):
        return id_key(int(value) if isinstance(value, int) else float(value))
    if isinstance(value, (dt.datetime, DatetimeMS)):
        return ("date", date_millis(value))
    if isinstance(value, Code):
        return ("code", str(value), id_key(value.scope) if value.scope is not None else None)
    if isinstance(value, str):
        return value
    if isinstance(value, bytes):
        return ("bin", *_binary_parts(value))
    if isinstance(value, Timestamp):
        return ("ts", value.time, value.inc)
    if isinstance(value, (Regex, re.Pattern)):
        regex = value if isinstance(value, Regex) else Regex.from_native(value)
        return ("regex", regex.pattern, regex.flags)
    if isinstance(value, DBRef):
        return id_key(value.as_doc().to_dict() if hasattr(value.as_doc(), "to_dict") else dict(value.as_doc()))
    if isinstance(value, dict):
        return ("doc", tuple((k, id_key(v)) for k, v in value.items()))
    if isinstance(value, MinKey):
        return ("minkey",)
    if isinstance(value, MaxKey):
        return ("maxkey",)
    if value is UNDEFINED:
        return ("undefined",)
    return (type(value).__name__, value)


def canonical_type(value: Any) -> int:
    if value is None:
        return NULL
    if isinstance(value, bool):
        return BOOL
    if isinstance(value, (int, float, Decimal128, Decimal)):
        return NUMBER
    if isinstance(value, Code):
        return CODE if value.scope is None else CODE_W_SCOPE
    if isinstance(value, str):
        return STRING
    if isinstance(value, (dict, DBRef)):
        return OBJECT
    if isinstance(value, (list, tuple)):
        return ARRAY
    if isinstance(value, bytes):
        return BINDATA
    if isinstance(value, ObjectId):
        return OBJECTID
    if isinstance(value, (dt.datetime, DatetimeMS)):
        return DATE
    if isinstance(value, Timestamp):
        return TIMESTAMP
    if isinstance(value, (Regex, re.Pattern)):
        return REGEX
    if isinstance(value, MinKey):
        return MINKEY
    if isinstance(value, MaxKey):
        return MAXKEY
    if value is UNDEFINED:
        return UNDEF
    return OBJECT


def _number_key(value: Any) -> tuple[Any, ...]:
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        return (NUMBER, 0) if value.is_nan() else (NUMBER, 1, value)
    if isinstance(value, float) and math.isnan(value):
        return (NUMBER, 0)  # NaN sorts below every other number
    return (NUMBER, 1, value if isinstance(value, float) else int(value))


def sort_key(value: Any) -> tuple[Any, ...]:
    """A tuple whose Python order is MongoDB's order for BSON values (equal values give equal keys)."""
    t = type(value)
    if t is str:
        return (STRING, value)
    if t is int or t is float or t is Int64:
        return _number_key(value)
    if t is ObjectId:
        return (OBJECTID, value.binary)
    if value is None:
        return (NULL,)
    rank = canonical_type(value)
    if rank == NUMBER:
        return _number_key(value)
    if rank == STRING:
        return (STRING, str(value))
    if rank == OBJECT:
        doc = value.as_doc() if isinstance(value, DBRef) else value
        return (OBJECT, tuple((canonical_type(v), k, sort_key(v)) for k, v in doc.items()))
    if rank == ARRAY:
        return (ARRAY, tuple(sort_key(v) for v in value))
    if rank == BINDATA:
        subtype, data = _binary_parts(value)
        return (BINDATA, len(data), subtype, data)
    if rank == BOOL:
        return (BOOL, bool(value))
    if rank == DATE:
        return (DATE, date_millis(value))
    if rank == TIMESTAMP:
        return (TIMESTAMP, value.time, value.inc)
    if rank == REGEX:
        regex = value if isinstance(value, Regex) else Regex.from_native(value)
        return (REGEX, regex.pattern, str(regex.flags))
    if rank in (CODE, CODE_W_SCOPE):
        return (rank, str(value), sort_key(value.scope) if value.scope is not None else ())
    return (rank,)


class Desc:
    """A sort key in reverse order, for descending index fields."""

    __slots__ = ("key",)

    def __init__(self, key: Any) -> None:
        self.key = key

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Desc) and self.key == other.key

    def __lt__(self, other: Desc) -> bool:
        return bool(other.key < self.key)

    def __gt__(self, other: Desc) -> bool:
        return bool(other.key > self.key)

    def __hash__(self) -> int:
        return hash(self.key)

    def __repr__(self) -> str:
        return f"Desc({self.key!r})"


# ------------------------------------------------------------------------------------------------ rendering
_ESCAPES = {'"': '\\"', "\\": "\\\\", "\b": "\\b", "\f": "\\f", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(text: str) -> str:
    out = []
    for ch in text:
        if ch in _ESCAPES:
            out.append(_ESCAPES[ch])
        elif ord(ch) < 0x20:
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def render_double(value: float) -> str:
    if math.isnan(value):
        return "nan.0"
    if math.isinf(value):
        return "inf.0" if value > 0 else "-inf.0"
    text = format(value, ".16g")
    if "." not in text and "e" not in text:
        text += ".0"
    return text


def render(value: Any) -> str:
    """The value as the server's BSONElement::toString prints it."""
    if value is None:
        return "null"
    if value is UNDEFINED:
        return "undefined"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return render_double(value)
    if isinstance(value, int):
        return str(int(value))
    if isinstance(value, Decimal128):
        return f'NumberDecimal("{value}")'
    if isinstance(value, Code):
        return str(value)
    if isinstance(value, str):
        return '"' + _escape(value) + '"'
    if isinstance(value, DBRef):
        value = dict(value.as_doc())
    if isinstance(value, dict):
        if not value:
            return "{}"
        return "{ " + ", ".join(f"{k}: {render(v)}" for k, v in value.items()) + " }"
    if isinstance(value, (list, tuple)):
        return "[]" if not value else "[ " + ", ".join(render(v) for v in value) + " ]"
    if isinstance(value, ObjectId):
        return f"ObjectId('{value}')"
    if isinstance(value, (dt.datetime, DatetimeMS)):
        return f"new Date({date_millis(value)})"
    if isinstance(value, Timestamp):
        return f"Timestamp({value.time}, {value.inc})"
    if isinstance(value, bytes):
        subtype, data = _binary_parts(value)
        return f"BinData({subtype}, {data.hex().upper()})"
    if isinstance(value, (Regex, re.Pattern)):
        regex = value if isinstance(value, Regex) else Regex.from_native(value)
        return f"/{regex.pattern}/{regex.flags if isinstance(regex.flags, str) else _regex_flags(regex.flags)}"
    if isinstance(value, MinKey):
        return "MinKey"
    if isinstance(value, MaxKey):
        return "MaxKey"
    return str(value)


def _regex_flags(flags: int) -> str:
    letters = [(re.IGNORECASE, "i"), (re.LOCALE, "l"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.UNICODE, "u"),
               (re.VERBOSE, "x")]
    return "".join(letter for bit, letter in letters if flags & bit)
