"""BSON value helpers the update engine adds to ``query.compare``: binary identity (what decides a no-op),
container copies, element rendering for error messages, and the numeric arithmetic of mongod's ``SafeNum``
($inc, $mul and $bit keep int32/int64/double/decimal types the way the server does).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

import bson
from bson.decimal128 import Decimal128, create_decimal128_context
from bson.int64 import Int64

from mongosim.query.compare import compare, is_number, render, type_name

__all__ = ["compare", "is_number", "render", "type_name"]

INT32_MIN, INT32_MAX = -(2**31), 2**31 - 1
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
_DECIMAL_CONTEXT = create_decimal128_context()


class Overflow(Exception):
    """An int64 result out of range: SafeNum's invalid value."""


def is_integral(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def equal(a: Any, b: Any) -> bool:
    return compare(a, b) == 0


def identical(a: Any, b: Any) -> bool:
    """Binary equality: same BSON types and bytes (1 and 1.0 differ, field order matters)."""
    if type(a) is type(b) and isinstance(a, (str, bool)):
        return bool(a == b)
    try:
        return bson.encode({"": a}) == bson.encode({"": b})
    except Exception:  # values bson cannot encode are never stored; compare structurally
        return type(a) is type(b) and a == b


def clone(value: Any) -> Any:
    """A copy of the containers of a document; BSON scalars are immutable and shared."""
    if isinstance(value, dict):
        return {k: clone(v) for k, v in value.items()}
    if isinstance(value, list):
        return [clone(v) for v in value]
    return value


def format_element(name: str, value: Any) -> str:
    """``BSONElement::toString``: ``name: value``."""
    return f"{name}: {render(value)}"


# ----------------------------------------------------------------------------------------- arithmetic
def _kind(value: Any) -> str:
    if isinstance(value, Decimal128):
        return "decimal"
    if isinstance(value, float):
        return "double"
    if isinstance(value, Int64) or not INT32_MIN <= value <= INT32_MAX:
        return "long"
    return "int"


def _to_decimal(value: Any) -> Decimal:
    if isinstance(value, Decimal128):
        return value.to_decimal()
    if isinstance(value, float):
        # The server converts a double to decimal with 15 significant digits, trailing zeros included.
        return Decimal(format(value, ".14e")) if math.isfinite(value) else Decimal(str(value))
    return Decimal(int(value))


def _integer_result(result: int, kinds: Iterable[str]) -> Any:
    if "long" not in kinds and INT32_MIN <= result <= INT32_MAX:
        return result
    if INT64_MIN <= result <= INT64_MAX:
        return Int64(result)
    raise Overflow


def arithmetic(op: str, a: Any, b: Any) -> Any:
    """``a + b`` (op "add") or ``a * b`` (op "multiply") with the server's type promotion."""
    kinds = (_kind(a), _kind(b))
    if "decimal" in kinds:
        x, y = _to_decimal(a), _to_decimal(b)
        exact = _DECIMAL_CONTEXT.add(x, y) if op == "add" else _DECIMAL_CONTEXT.multiply(x, y)
        return Decimal128(exact)
    if "double" in kinds:
        return float(a) + float(b) if op == "add" else float(a) * float(b)
    result = int(a) + int(b) if op == "add" else int(a) * int(b)
    return _integer_result(result, kinds)


def bitwise(op: str, a: Any, b: Any) -> Any:
    """``and``/``or``/``xor`` over int32/int64 with int64 winning."""
    x, y = int(a), int(b)
    result = x & y if op == "and" else x | y if op == "or" else x ^ y
    return _integer_result(result, (_kind(a), _kind(b)))


def zero_like(value: Any) -> Any:
    """``SafeNum(int32 0) * value``: the value $mul creates on a missing field."""
    return arithmetic("multiply", 0, value)


def safe_num_debug(value: Any) -> str:
    """``SafeNum::debugString`` for overflow messages."""
    names = {"int": "NumberInt", "long": "NumberLong", "double": "NumberDouble", "decimal": "NumberDecimal"}
    return f"({names[_kind(value)]}){value}"
