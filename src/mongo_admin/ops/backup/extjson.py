"""Canonical Extended JSON v2 exactly as mongodump prints it into ``.metadata.json`` files.

mongodump marshals with the Go driver's writer (canonical mode, no HTML escaping), whose output differs from
``bson.json_util`` in small ways that matter for byte-exact files: no spaces, doubles printed the way Go's
``strconv.FormatFloat(f, 'G', -1, 64)`` prints them (``1E+06``, ``0.5``, ``3.0``), regex options sorted,
U+2028/U+2029 escaped, non-ASCII written as UTF-8. Documents keep their key order.
"""

from __future__ import annotations

import base64
import datetime
import math
import re
import uuid
from collections.abc import Mapping
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

_INT32_MIN, _INT32_MAX = -(2**31), 2**31 - 1
_EPOCH = datetime.datetime(1970, 1, 1, tzinfo=datetime.UTC)
_HTML = {"<", ">", "&"}


def dumps(value: Any) -> str:
    """``value`` (a document, array or scalar) as canonical Extended JSON v2, compact, Go-driver style."""
    out: list[str] = []
    _write(value, out)
    return "".join(out)


def json_string(text: str, *, escape_html: bool = False) -> str:
    """A JSON string literal escaped like Go's encoders (``escape_html`` as ``encoding/json`` does by default)."""
    parts = ['"']
    for char in text:
        code = ord(char)
        if char in ('"', "\\"):
            parts.append("\\" + char)
        elif code < 0x20:
            parts.append({"\n": "\\n", "\r": "\\r", "\t": "\\t", "\b": "\\b", "\f": "\\f"}.get(char, f"\\u{code:04x}"))
        elif (escape_html and char in _HTML) or char in ("\u2028", "\u2029"):
            parts.append(f"\\u{code:04x}")
        elif 0xD800 <= code <= 0xDFFF:  # a lone surrogate is not valid UTF-8: Go writes the replacement char
            parts.append("\\ufffd")
        else:
            parts.append(char)
    parts.append('"')
    return "".join(parts)


def go_double(value: float) -> str:
    """``value`` formatted as the Go driver formats a BSON double in Extended JSON."""
    if math.isnan(value):
        return "NaN"
    if math.isinf(value):
        return "Infinity" if value > 0 else "-Infinity"
    sign = "-" if math.copysign(1.0, value) < 0 else ""
    if value == 0:
        return sign + "0.0"
    _, digit_tuple, exponent = Decimal(repr(abs(value))).as_tuple()
    digits = "".join(map(str, digit_tuple)).rstrip("0")
    assert isinstance(exponent, int)
    exponent += len("".join(map(str, digit_tuple))) - len(digits)
    point = len(digits) + exponent  # position of the decimal point relative to the first digit
    exp10 = point - 1
    if exp10 < -4 or exp10 >= 6:  # Go's 'G' with shortest precision switches to %E at these bounds
        mantissa = digits[0] + ("." + digits[1:] if len(digits) > 1 else "")
        return f"{sign}{mantissa}E{'-' if exp10 < 0 else '+'}{abs(exp10):02d}"
    if point <= 0:
        text = "0." + "0" * -point + digits
    elif point >= len(digits):
        text = digits + "0" * (point - len(digits))
    else:
        text = digits[:point] + "." + digits[point:]
    return sign + (text if "." in text else text + ".0")


def _millis(value: datetime.datetime) -> int:
    if value.tzinfo is None:
        value = value.replace(tzinfo=datetime.UTC)
    delta = value - _EPOCH
    return delta.days * 86_400_000 + delta.seconds * 1000 + delta.microseconds // 1000


def _write(value: Any, out: list[str]) -> None:
    if value is None:
        out.append("null")
    elif isinstance(value, bool):
        out.append("true" if value else "false")
    elif isinstance(value, Int64):
        out.append(f'{{"$numberLong":"{int(value)}"}}')
    elif isinstance(value, int):
        kind = "numberInt" if _INT32_MIN <= value <= _INT32_MAX else "numberLong"
        out.append(f'{{"${kind}":"{value}"}}')
    elif isinstance(value, float):
        out.append(f'{{"$numberDouble":"{go_double(value)}"}}')
    elif isinstance(value, str):
        out.append(json_string(value))
    elif isinstance(value, DBRef):
        _write(value.as_doc(), out)
    elif isinstance(value, Code):
        if value.scope is None:
            out.append(f'{{"$code":{json_string(str(value))}}}')
        else:
            out.append(f'{{"$code":{json_string(str(value))},"$scope":')
            _write(value.scope, out)
            out.append("}")
    elif isinstance(value, Mapping):
        out.append("{")
        for index, (key, item) in enumerate(value.items()):
            out.append(("," if index else "") + json_string(str(key)) + ":")
            _write(item, out)
        out.append("}")
    elif isinstance(value, list | tuple):
        out.append("[")
        for index, item in enumerate(value):
            if index:
                out.append(",")
            _write(item, out)
        out.append("]")
    else:
        out.append(_scalar(value))


def _scalar(value: Any) -> str:
    if isinstance(value, ObjectId):
        return f'{{"$oid":"{value}"}}'
    if isinstance(value, datetime.datetime):
        return f'{{"$date":{{"$numberLong":"{_millis(value)}"}}}}'
    if isinstance(value, DatetimeMS):
        return f'{{"$date":{{"$numberLong":"{int(value)}"}}}}'
    if isinstance(value, Timestamp):
        return f'{{"$timestamp":{{"t":{value.time},"i":{value.inc}}}}}'
    if isinstance(value, Binary):
        return _binary(bytes(value), value.subtype)
    if isinstance(value, uuid.UUID):
        return _binary(value.bytes, 4)
    if isinstance(value, bytes):
        return _binary(value, 0)
    if isinstance(value, Regex | re.Pattern):
        pattern = value.pattern if isinstance(value.pattern, str) else value.pattern.decode()
        flags = _regex_flags(value)
        return f'{{"$regularExpression":{{"pattern":{json_string(pattern)},"options":"{flags}"}}}}'
    if isinstance(value, Decimal128):
        return f'{{"$numberDecimal":"{value}"}}'
    if isinstance(value, MinKey):
        return '{"$minKey":1}'
    if isinstance(value, MaxKey):
        return '{"$maxKey":1}'
    raise TypeError(f"cannot write {type(value).__name__} as Extended JSON")


def _binary(data: bytes, subtype: int) -> str:
    return f'{{"$binary":{{"base64":"{base64.b64encode(data).decode()}","subType":"{subtype:02x}"}}}}'


def _regex_flags(value: Regex[Any] | re.Pattern[Any]) -> str:
    if isinstance(value, Regex):
        flags = value.flags if isinstance(value.flags, str) else _python_flags(value.flags)
    else:
        flags = _python_flags(value.flags)
    return "".join(sorted(flags))


def _python_flags(flags: int) -> str:
    names = {re.IGNORECASE: "i", re.LOCALE: "l", re.MULTILINE: "m", re.DOTALL: "s", re.UNICODE: "u", re.VERBOSE: "x"}
    return "".join(letter for flag, letter in names.items() if flags & flag)
