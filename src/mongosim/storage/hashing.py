"""MongoDB's hashed-index / hashed-shard-key function: ``BSONElementHasher::hash64(element, seed=0)``.

MD5 over ``int32 seed`` followed by the element's canonical encoding (canonical type, optional field name, value),
first 8 digest bytes read as a little-endian signed int64. Numbers hash by their value truncated to a 64-bit
integer, so 1, 1.987 and NumberLong(1) hash alike. Checked against the server's hasher_test vectors.
"""

from __future__ import annotations

import hashlib
import math
import struct
from decimal import Decimal
from typing import Any

from bson.dbref import DBRef
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.regex import Regex

from mongosim.storage import keys

_I32 = struct.Struct("<i")
_I64 = struct.Struct("<q")
_U32 = struct.Struct("<I")
_LLONG_MAX = 2**63 - 1
_LLONG_MIN = -(2**63)


def _safe_long(value: Any) -> int:
    """safeNumberLongForHash: truncate toward zero, NaN -> 0, clamp out-of-range values (2^63 -> LLONG_MIN)."""
    if isinstance(value, Decimal128):
        value = value.to_decimal()
    if isinstance(value, Decimal):
        if value.is_nan():
            return 0
        if value.is_infinite():
            return _LLONG_MAX if value > 0 else _LLONG_MIN
        value = int(value)
    elif isinstance(value, float):
        if math.isnan(value):
            return 0
        if value == 2.0**63:
            return _LLONG_MIN
        if math.isinf(value):
            return _LLONG_MAX if value > 0 else _LLONG_MIN
        value = int(value)
    result = int(value)
    return max(_LLONG_MIN, min(result, _LLONG_MAX))


def _cstring(text: str) -> bytes:
    return text.encode("utf-8") + b"\x00"


def _string(text: str) -> bytes:
    raw = text.encode("utf-8")
    return _I32.pack(len(raw) + 1) + raw + b"\x00"


def _append(out: bytearray, value: Any, name: str | None) -> None:
    ctype = keys.canonical_type(value)
    out += _I32.pack(ctype)
    if name is not None:
        out += _cstring(name)
    if ctype == keys.NUMBER:
        out += _I64.pack(_safe_long(value))
    elif ctype in (keys.STRING, keys.CODE):
        out += _string(str(value))
    elif ctype == keys.OBJECT:
        doc = value.as_doc() if isinstance(value, DBRef) else value
        for key, sub in doc.items():
            _append(out, sub, key)
        out += _I32.pack(0)
    elif ctype == keys.ARRAY:
        for index, sub in enumerate(value):
            _append(out, sub, str(index))
        out += _I32.pack(0)
    elif ctype == keys.OBJECTID:
        out += value.binary
    elif ctype == keys.BOOL:
        out += b"\x01" if value else b"\x00"
    elif ctype == keys.DATE:
        out += _I64.pack(keys.date_millis(value))
    elif ctype == keys.TIMESTAMP:
        out += _U32.pack(value.inc) + _U32.pack(value.time)
    elif ctype == keys.BINDATA:
        subtype = getattr(value, "subtype", 0)
        data = bytes(value)
        out += _I32.pack(len(data)) + bytes([subtype]) + data
    elif ctype == keys.REGEX:
        regex = value if isinstance(value, Regex) else Regex.from_native(value)
        flags = regex.flags if isinstance(regex.flags, str) else keys._regex_flags(regex.flags)
        out += _cstring(regex.pattern) + _cstring("".join(sorted(flags)))
    elif ctype == keys.CODE_W_SCOPE:
        scope = bytearray()
        _append(scope, value.scope, None)
        out += _string(str(value)) + bytes(scope)
    # MinKey, MaxKey, null and undefined contribute only their type.


def hash64(value: Any, seed: int = 0) -> int:
    """The hashed-index key of a BSON value, as a signed 64-bit integer."""
    data = bytearray(_I32.pack(seed))
    _append(data, value, None)
    return int(_I64.unpack(hashlib.md5(bytes(data)).digest()[:8])[0])


def hashed_key(value: Any) -> Int64:
    """The NumberLong a hashed index (or a hashed shard key) stores for ``value``."""
    return Int64(hash64(value))
