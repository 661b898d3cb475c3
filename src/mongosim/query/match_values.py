"""Value predicates for filter matching: what ``$eq``, ``$gt``, ``$regex``, ``$type``, ``$mod``, ``$bits*`` and
``$size`` test on one value.

Each builder validates its operand with the server's error (BadValue "$type must match at least one type",
51091 "Regular expression is invalid", ...) and returns a ``ValuePredicate``; ``match`` applies them to the
values a path reaches. Comparisons only match within the operand's type bracket and null equality also
matches a missing value.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bson.binary import Binary
from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.max_key import MaxKey
from bson.min_key import MinKey
from bson.objectid import ObjectId
from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query.compare import (
    MISSING,
    RANK_NUMBER,
    TYPE_ALIASES,
    number_value,
    order_key,
    regex_flags,
    render,
    type_rank,
)

ValuePredicate = Callable[[Any], bool]

_NUMERIC = (int, float, Int64)
REGEX_TYPES = (Regex, re.Pattern)


def equality(q: Any) -> ValuePredicate:
    if q is None:
        return lambda v: v is None or v is MISSING
    kind = type(q)
    if kind is str:
        return lambda v: type(v) is str and v == q
    if kind is bool:
        return lambda v: v is q
    if kind is ObjectId:
        return lambda v: type(v) is ObjectId and v == q
    if kind in _NUMERIC and not (kind is float and math.isnan(q)):
        dec_q = Decimal(q) if not isinstance(q, float) or math.isfinite(q) else None
        return lambda v: ((type(v) in _NUMERIC and v == q)
                          or (type(v) is Decimal128 and dec_q is not None and v.to_decimal() == dec_q))
    key = order_key(q)
    return lambda v: v is not MISSING and order_key(v) == key


def _is_nan(value: Any) -> bool:
    num = number_value(value)
    return (isinstance(num, float) and math.isnan(num)) or (isinstance(num, Decimal) and num.is_nan())


def comparison(name: str, q: Any, path: str) -> ValuePredicate:
    if isinstance(q, REGEX_TYPES):
        raise CommandError("BadValue", f"Can't have RegEx as arg to predicate over field '{path}'.")
    inclusive = name in ("$gte", "$lte")
    if q is None:
        return equality(None) if inclusive else (lambda v: False)
    if isinstance(q, (MinKey, MaxKey)):
        key = order_key(q)
        return _ordered(name, key, any_type=True)
    rank = type_rank(q)
    if rank == RANK_NUMBER:
        if _is_nan(q):
            return (lambda v: type_rank(v) == RANK_NUMBER and _is_nan(v)) if inclusive else (lambda v: False)
        num = number_value(q)
        test = COMPARISONS[name]

        def numeric(v: Any) -> bool:
            if type(v) in _NUMERIC:
                return test(v, num) if not (type(v) is float and math.isnan(v)) else False
            if type(v) is Decimal128 or isinstance(v, Decimal):
                d = number_value(v)
                return False if d.is_nan() else test(d, num)
            return False
        return numeric
    return _ordered(name, order_key(q), any_type=False)


COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "$gt": lambda a, b: a > b, "$gte": lambda a, b: a >= b, "$lt": lambda a, b: a < b, "$lte": lambda a, b: a <= b,
}


def _ordered(name: str, key: tuple[Any, ...], any_type: bool) -> ValuePredicate:
    test = COMPARISONS[name]
    rank = key[0]

    def run(v: Any) -> bool:
        if v is MISSING:
            return False
        vk = order_key(v)
        if not any_type and vk[0] != rank:
            return False
        return test(vk, key)
    return run


_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE, "u": 0}


def compile_regex(pattern: Any, options: str = "") -> tuple[re.Pattern[str], str, str]:
    """The compiled regex, its source and its option letters; 51108/51091 for bad options or patterns."""
    if isinstance(pattern, (Regex, re.Pattern)):
        options = options or regex_flags(pattern)
        pattern = pattern.pattern
    flags = 0
    for letter in options:
        if letter not in _REGEX_FLAGS:
            raise CommandError(51108, f"invalid flag in regex options: {letter}")
        flags |= _REGEX_FLAGS[letter]
    try:
        return re.compile(pattern, flags), pattern, options
    except re.error as exc:
        raise CommandError(51091, f"Regular expression is invalid: {exc}") from exc


def regex_predicate(pattern: Any, options: str = "") -> ValuePredicate:
    compiled, source, letters = compile_regex(pattern, options)
    sorted_letters = "".join(sorted(letters))
    search = compiled.search

    def run(v: Any) -> bool:
        if type(v) is str:
            return search(v) is not None
        if isinstance(v, REGEX_TYPES):  # a stored regex matches a query regex equal to it
            return v.pattern == source and regex_flags(v) == sorted_letters
        return False
    return run


def type_codes(spec: Any) -> set[int]:
    specs = spec if isinstance(spec, list) else [spec]
    codes: set[int] = set()
    for item in specs:
        if isinstance(item, str):
            if item == "number":
                codes.update((1, 16, 18, 19))
            elif item in TYPE_ALIASES:
                codes.add(TYPE_ALIASES[item])
            else:
                raise CommandError("BadValue", f"Unknown type name alias: {item}")
        elif type_rank(item) == RANK_NUMBER and not isinstance(item, bool):
            num = number_value(item)
            if num != int(num) or int(num) not in set(TYPE_ALIASES.values()):
                raise CommandError("BadValue", f"Invalid numerical type code: {render(item)}")
            codes.add(int(num))
        else:
            raise CommandError("TypeMismatch", "type must be represented as a number or a string")
    if not codes:
        raise CommandError("FailedToParse", "$type must match at least one type")
    return codes


def mod_predicate(spec: Any) -> ValuePredicate:
    if not isinstance(spec, list):
        raise CommandError("BadValue", "malformed mod, needs to be an array")
    if len(spec) < 2:
        raise CommandError("BadValue", "malformed mod, not enough elements")
    if type_rank(spec[0]) != RANK_NUMBER:
        raise CommandError("BadValue", "malformed mod, divisor not a number")
    if type_rank(spec[1]) != RANK_NUMBER:
        raise CommandError("BadValue", "malformed mod, remainder not a number")
    if len(spec) > 2:
        raise CommandError("BadValue", "malformed mod, too many elements")
    divisor, remainder = int(number_value(spec[0])), int(number_value(spec[1]))
    if divisor == 0:
        raise CommandError("BadValue", "divisor cannot be 0")

    def run(v: Any) -> bool:
        if type_rank(v) != RANK_NUMBER or isinstance(v, bool):
            return False
        num = number_value(v)
        if (isinstance(num, float) and not math.isfinite(num)) or (isinstance(num, Decimal) and not num.is_finite()):
            return False
        dividend = int(num)
        result = abs(dividend) % abs(divisor)
        return (result if dividend >= 0 else -result) == remainder
    return run


def bits_predicate(name: str, spec: Any) -> ValuePredicate:
    if isinstance(spec, list):
        mask = 0
        for position in spec:
            if type_rank(position) != RANK_NUMBER or number_value(position) < 0:
                raise CommandError("BadValue", f"Failed to parse bit position. Expected a non-negative number in: "
                                   f"0: {render(position)}")
            mask |= 1 << int(number_value(position))
    elif isinstance(spec, (bytes, Binary)):
        mask = int.from_bytes(bytes(spec), "little")
    elif type_rank(spec) == RANK_NUMBER and not isinstance(spec, bool):
        if number_value(spec) < 0 or number_value(spec) != int(number_value(spec)):
            raise CommandError("BadValue", f"Expected a non-negative integer in: {name}: {render(spec)}")
        mask = int(number_value(spec))
    else:
        raise CommandError("BadValue", f"{name} takes an Array, a number, or a BinData but received: "
                           f"{name}: {render(spec)}")

    def run(v: Any) -> bool:
        if isinstance(v, (bytes, Binary)):
            bits = int.from_bytes(bytes(v), "little")
        elif type_rank(v) == RANK_NUMBER and not isinstance(v, bool):
            num = number_value(v)
            if _is_nan(v) or num != int(num) or not -(1 << 63) <= int(num) < (1 << 63):
                return False
            bits = int(num)
        else:
            return False
        masked = bits & mask
        return {"$bitsAllSet": masked == mask, "$bitsAnySet": masked != 0, "$bitsAllClear": masked == 0,
                "$bitsAnyClear": masked != mask}[name]
    return run


def size_value(spec: Any) -> int:
    if type_rank(spec) != RANK_NUMBER or isinstance(spec, bool):
        raise CommandError("BadValue", f"Failed to parse $size. Expected a number in: $size: {render(spec)}")
    num = number_value(spec)
    if num != int(num):
        raise CommandError("BadValue", f"Failed to parse $size. Expected an integer: $size: {render(spec)}")
    if num < 0:
        raise CommandError("BadValue", f"Failed to parse $size. Expected a positive number in: $size: {render(spec)}")
    return int(num)

