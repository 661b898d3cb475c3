"""BSON values as MongoDB orders and compares them: canonical type brackets, a total order across types, BSON
type codes and names, and a tiny renderer for values inside error messages.

The total order (bsontypes.h ``canonicalizeBSONType``): MinKey < null (and missing) < numbers < strings/symbols
< objects < arrays < binData < ObjectId < bool < date < timestamp < regex < code < code-with-scope < MaxKey.
``order_key(value)`` is the storage engine's ``sort_key`` (one definition of the order for indexes and queries):
a Python tuple whose ordering is that order, so sorting never compares Python values of different brackets;
equal keys mean MongoDB considers the values equal (1 == 1.0 == Int64(1)).
"""

from __future__ import annotations

import datetime as dt
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

from mongosim.storage import keys as storage_keys


class _Missing:
    """A path that does not exist in a document (distinct from null)."""

    _instance: _Missing | None = None

    def __new__(cls) -> _Missing:
        if cls._instance is None:
            cls._instance = super().__new__(cls)
        return cls._instance

    def __repr__(self) -> str:
        return "MISSING"

    def __bool__(self) -> bool:
        return False


MISSING: Any = _Missing()

RANK_MINKEY = -1
RANK_NULL = 5
RANK_NUMBER = 10
RANK_STRING = 15
RANK_OBJECT = 20
RANK_ARRAY = 25
RANK_BINDATA = 30
RANK_OBJECTID = 35
RANK_BOOL = 40
RANK_DATE = 45
RANK_TIMESTAMP = 47
RANK_REGEX = 50
RANK_CODE = 60
RANK_CODE_SCOPE = 65
RANK_MAXKEY = 127

_EXACT_RANKS: dict[type, int] = {
    type(None): RANK_NULL, bool: RANK_BOOL, int: RANK_NUMBER, Int64: RANK_NUMBER, float: RANK_NUMBER,
    Decimal128: RANK_NUMBER, Decimal: RANK_NUMBER, str: RANK_STRING, dict: RANK_OBJECT, list: RANK_ARRAY,
    tuple: RANK_ARRAY, bytes: RANK_BINDATA, Binary: RANK_BINDATA, ObjectId: RANK_OBJECTID,
    dt.datetime: RANK_DATE, DatetimeMS: RANK_DATE, Timestamp: RANK_TIMESTAMP, Regex: RANK_REGEX,
    re.Pattern: RANK_REGEX, MinKey: RANK_MINKEY, MaxKey: RANK_MAXKEY, DBRef: RANK_OBJECT, _Missing: RANK_NULL,
}



def type_rank(value: Any) -> int:
    rank = _EXACT_RANKS.get(type(value))
    if rank is not None:
        return rank
    if isinstance(value, Code):
        return RANK_CODE_SCOPE if value.scope else RANK_CODE
    if isinstance(value, bool):
        return RANK_BOOL
    if isinstance(value, (int, float)):
        return RANK_NUMBER
    if isinstance(value, str):
        return RANK_STRING
    if isinstance(value, dict):
        return RANK_OBJECT
    if isinstance(value, (list, tuple)):
        return RANK_ARRAY
    if isinstance(value, bytes):
        return RANK_BINDATA
    if isinstance(value, dt.datetime):
        return RANK_DATE
    return RANK_OBJECT


def number_value(value: Any) -> Any:
    """A Python number comparable with any other BSON number (Decimal128 becomes Decimal)."""
    if isinstance(value, Decimal128):
        return value.to_decimal()
    return value


def date_millis(value: Any) -> int:
    return storage_keys.date_millis(value)


_NULL_KEY = storage_keys.sort_key(None)


def order_key(value: Any) -> tuple[Any, ...]:
    """A key whose Python ordering is MongoDB's BSON ordering of ``value`` (the storage engine's sort key; a
    missing path orders as null)."""
    if value is MISSING:
        return _NULL_KEY
    return storage_keys.sort_key(value)


def compare(a: Any, b: Any) -> int:
    """-1, 0 or 1 as MongoDB orders ``a`` and ``b`` (the $cmp expression and sort comparisons)."""
    ka, kb = order_key(a), order_key(b)
    return -1 if ka < kb else 1 if ka > kb else 0


def values_equal(a: Any, b: Any) -> bool:
    return type_rank(a) == type_rank(b) and order_key(a) == order_key(b)


_FLAG_LETTERS = ((re.IGNORECASE, "i"), (re.MULTILINE, "m"), (re.DOTALL, "s"), (re.VERBOSE, "x"))


def regex_flags(value: Any) -> str:
    """The option letters of a regex value, sorted as MongoDB stores them."""
    flags = value.flags
    if isinstance(flags, str):
        return "".join(sorted(flags))
    return "".join(sorted(letter for bit, letter in _FLAG_LETTERS if flags & bit))


# ---------------------------------------------------------------------------------------------- type codes
TYPE_ALIASES: dict[str, int] = {
    "double": 1, "string": 2, "object": 3, "array": 4, "binData": 5, "undefined": 6, "objectId": 7, "bool": 8,
    "date": 9, "null": 10, "regex": 11, "dbPointer": 12, "javascript": 13, "symbol": 14,
    "javascriptWithScope": 15, "int": 16, "timestamp": 17, "long": 18, "decimal": 19, "minKey": -1, "maxKey": 127,
}
TYPE_NAMES: dict[int, str] = {code: name for name, code in TYPE_ALIASES.items()}


def bson_type(value: Any) -> int:
    """The BSON type code a value is stored with."""
    if value is None:
        return 10
    if isinstance(value, bool):
        return 8
    if isinstance(value, Int64):
        return 18
    if isinstance(value, int):
        return 16 if -(1 << 31) <= value < (1 << 31) else 18
    if isinstance(value, float):
        return 1
    if isinstance(value, (Decimal128, Decimal)):
        return 19
    if isinstance(value, Code):
        return 15 if value.scope else 13
    if isinstance(value, str):
        return 2
    if isinstance(value, (dict, DBRef)):
        return 3
    if isinstance(value, (list, tuple)):
        return 4
    if isinstance(value, (bytes, Binary)):
        return 5
    if isinstance(value, ObjectId):
        return 7
    if isinstance(value, (dt.datetime, DatetimeMS)):
        return 9
    if isinstance(value, Timestamp):
        return 17
    if isinstance(value, (Regex, re.Pattern)):
        return 11
    if isinstance(value, MinKey):
        return -1
    if isinstance(value, MaxKey):
        return 127
    return 3


def type_name(value: Any) -> str:
    """The name the $type expression and error messages use ("missing" for an absent path)."""
    if value is MISSING:
        return "missing"
    return TYPE_NAMES[bson_type(value)]


def is_number(value: Any) -> bool:
    return type_rank(value) == RANK_NUMBER


def render(value: Any) -> str:
    """A value the way the server prints it inside error messages (``BSONElement::toString``)."""
    return storage_keys.render(value)
