"""Aggregation arithmetic: $add, $subtract, $multiply, $divide, $mod, $pow, rounding and logarithms, and the
$sum, $avg, $min and $max operators whose value functions ``$group`` shares.

Results follow the server's type promotion (decimal > double > long > int, int overflowing to long, long to
double); operands that are not numbers fail with TypeMismatch. Registered in ``expr.OPERATORS`` on import.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, compare, is_number, number_value, type_name
from mongosim.query.expr import OPERATORS, Vars, args_list, fixed_args, nullish, op

_INT32 = (-(1 << 31), (1 << 31) - 1)
_INT64 = (-(1 << 63), (1 << 63) - 1)


def numeric_result(value: Any, operands: list[Any]) -> Any:
    """Type promotion: decimal > double > long > int, as the server's arithmetic does."""
    if any(isinstance(o, (Decimal128, Decimal)) for o in operands):
        return Decimal128(Decimal(value) if not isinstance(value, Decimal) else value)
    if any(isinstance(o, float) for o in operands) or isinstance(value, float):
        return float(value)
    if any(isinstance(o, Int64) for o in operands):
        return Int64(value) if _INT64[0] <= value <= _INT64[1] else float(value)
    if _INT32[0] <= value <= _INT32[1]:
        return int(value)
    return Int64(value) if _INT64[0] <= value <= _INT64[1] else float(value)


def _mixed(values: list[Any]) -> list[Any]:
    """Operands as Python numbers that combine exactly (Decimal when any operand is a decimal)."""
    if any(isinstance(v, (Decimal128, Decimal)) for v in values):
        return [Decimal(str(v)) if isinstance(v, float) else Decimal(int(v)) if isinstance(v, int)
                else number_value(v) for v in values]
    return [number_value(v) for v in values]


def _check_numeric(name: str, value: Any, allow_date: bool = False) -> None:
    if not (is_number(value) and not isinstance(value, bool)) and not (allow_date and isinstance(value, dt.datetime)):
        kind = "numeric or date types" if allow_date else "numeric types"
        raise CommandError("TypeMismatch", f"{name} only supports {kind}, not {type_name(value)}")


@op("$add")
def _add(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    if any(v is None or v is MISSING for v in values):
        return None
    dates = [v for v in values if isinstance(v, dt.datetime)]
    for v in values:
        _check_numeric("$add", v, allow_date=True)
    if len(dates) > 1:
        raise CommandError(16612, "only one date allowed in an $add expression")
    numbers = [v for v in values if not isinstance(v, dt.datetime)]
    total = sum(_mixed(numbers)) if numbers else 0
    if dates:
        return dates[0] + dt.timedelta(milliseconds=round(float(total)))
    return numeric_result(total, numbers)


@op("$subtract")
def _subtract(arg: Any, doc: Any, variables: Vars) -> Any:
    a, b = fixed_args("$subtract", arg, 2, doc, variables)
    if a is None or b is None or a is MISSING or b is MISSING:
        return None
    if isinstance(a, dt.datetime):
        if isinstance(b, dt.datetime):
            return Int64((a - b) // dt.timedelta(milliseconds=1))
        _check_numeric("$subtract", b)
        return a - dt.timedelta(milliseconds=round(float(number_value(b))))
    if isinstance(b, dt.datetime):
        raise CommandError(16556, f"cant $subtract a date from a {type_name(a)}")
    _check_numeric("$subtract", a)
    _check_numeric("$subtract", b)
    x, y = _mixed([a, b])
    return numeric_result(x - y, [a, b])


@op("$multiply")
def _multiply(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    if any(v is None or v is MISSING for v in values):
        return None
    for v in values:
        _check_numeric("$multiply", v)
    product: Any = 1
    for v in _mixed(values):
        product *= v
    return numeric_result(product, values)


@op("$divide")
def _divide(arg: Any, doc: Any, variables: Vars) -> Any:
    a, b = fixed_args("$divide", arg, 2, doc, variables)
    if a is None or b is None or a is MISSING or b is MISSING:
        return None
    _check_numeric("$divide", a)
    _check_numeric("$divide", b)
    x, y = _mixed([a, b])
    if y == 0:
        raise CommandError(2, "can't $divide by zero")
    if isinstance(x, Decimal):
        return Decimal128(x / y)
    return x / y


@op("$mod")
def _mod(arg: Any, doc: Any, variables: Vars) -> Any:
    a, b = fixed_args("$mod", arg, 2, doc, variables)
    if a is None or b is None or a is MISSING or b is MISSING:
        return None
    _check_numeric("$mod", a)
    _check_numeric("$mod", b)
    x, y = _mixed([a, b])
    if y == 0:
        raise CommandError(16610, "can't $mod by zero")
    if isinstance(x, float) or isinstance(y, float):
        result = math.fmod(x, y)
    else:  # the sign follows the dividend, as C++'s % does
        result = (abs(x) % abs(y)) * (1 if x >= 0 else -1)
    return numeric_result(result, [a, b])


def _unary(name: str, fn: Callable[[Any], Any], keep_int: bool = True) -> None:
    def run(arg: Any, doc: Any, variables: Vars) -> Any:
        (value,) = fixed_args(name, arg, 1, doc, variables)
        if value is None or value is MISSING:
            return None
        _check_numeric(name, value)
        num = number_value(value)
        result = fn(num)
        if isinstance(num, Decimal):
            return Decimal128(Decimal(result))
        if keep_int and not isinstance(num, float):
            return numeric_result(int(result), [value])
        return float(result)
    OPERATORS[name] = run


_unary("$abs", abs)
_unary("$ceil", lambda x: x if isinstance(x, int) or not math.isfinite(x) else math.ceil(x))
_unary("$floor", lambda x: x if isinstance(x, int) or not math.isfinite(x) else math.floor(x))
_unary("$sqrt", lambda x: math.sqrt(x) if x >= 0 else _raise(28714, "$sqrt's argument must be greater than or "
                                                                      "equal to 0"), keep_int=False)
_unary("$exp", math.exp, keep_int=False)
_unary("$ln", lambda x: math.log(x) if x > 0 else _raise(28766, f"$ln's argument must be a positive number, but is "
                                                                   f"{x}"), keep_int=False)
_unary("$log10", lambda x: math.log10(x) if x > 0 else _raise(28761, "$log10's argument must be a positive number, "
                                                                         f"but is {x}"), keep_int=False)


def _raise(code: int, message: str) -> Any:
    raise CommandError(code, message)


def _round_like(name: str, mode: str) -> None:
    def run(arg: Any, doc: Any, variables: Vars) -> Any:
        values = args_list(arg, doc, variables)
        value, place = values[0], (values[1] if len(values) > 1 else 0)
        if value is None or value is MISSING:
            return None
        _check_numeric(name, value)
        num = number_value(value)
        quantum = Decimal(1).scaleb(-int(place))
        rounding = "ROUND_HALF_EVEN" if mode == "round" else "ROUND_DOWN"
        if isinstance(num, float) and not math.isfinite(num):
            return num
        result = Decimal(str(num)).quantize(quantum, rounding=rounding)
        if isinstance(num, Decimal):
            return Decimal128(result)
        if isinstance(num, float):
            return float(result)
        return numeric_result(int(result), [value])
    OPERATORS[name] = run


_round_like("$round", "round")
_round_like("$trunc", "trunc")


@op("$pow")
def _pow(arg: Any, doc: Any, variables: Vars) -> Any:
    a, b = fixed_args("$pow", arg, 2, doc, variables)
    if a is None or b is None or a is MISSING or b is MISSING:
        return None
    _check_numeric("$pow", a)
    _check_numeric("$pow", b)
    x, y = _mixed([a, b])
    if x == 0 and y < 0:
        raise CommandError(28764, "$pow cannot take a base of 0 and a negative exponent")
    if isinstance(x, int) and isinstance(y, int) and y >= 0:
        return numeric_result(x ** y, [a, b])
    return numeric_result(float(x) ** float(y), [a, b]) if not isinstance(x, Decimal) else Decimal128(x ** y)


@op("$log")
def _log(arg: Any, doc: Any, variables: Vars) -> Any:
    a, b = fixed_args("$log", arg, 2, doc, variables)
    if a is None or b is None or a is MISSING or b is MISSING:
        return None
    return math.log(float(number_value(a)), float(number_value(b)))


# ---------------------------------------------------------------------------------------------- accumulators
def _numbers(values: list[Any]) -> list[Any]:
    return [v for v in values if is_number(v) and not isinstance(v, bool)]


def _expr_values(arg: Any, doc: Any, variables: Vars) -> list[Any]:
    """A single operand that is an array is its elements; several operands are the values."""
    values = args_list(arg, doc, variables)
    if len(values) == 1 and isinstance(values[0], list):
        return list(values[0])
    return values


@op("$sum")
def _sum(arg: Any, doc: Any, variables: Vars) -> Any:
    return sum_values(_expr_values(arg, doc, variables))


def sum_values(values: list[Any]) -> Any:
    numbers = _numbers(values)
    if not numbers:
        return 0
    return numeric_result(sum(_mixed(numbers)), numbers)


@op("$avg")
def _avg(arg: Any, doc: Any, variables: Vars) -> Any:
    return avg_values(_expr_values(arg, doc, variables))


def avg_values(values: list[Any]) -> Any:
    numbers = _numbers(values)
    if not numbers:
        return None
    total = sum(_mixed(numbers))
    if isinstance(total, Decimal):
        return Decimal128(total / len(numbers))
    return float(total) / len(numbers)


@op("$min")
def _min(arg: Any, doc: Any, variables: Vars) -> Any:
    return extreme([v for v in _expr_values(arg, doc, variables) if not nullish(v)], -1)


@op("$max")
def _max(arg: Any, doc: Any, variables: Vars) -> Any:
    return extreme([v for v in _expr_values(arg, doc, variables) if not nullish(v)], 1)


def extreme(values: list[Any], sign: int) -> Any:
    if not values:
        return None
    best = values[0]
    for value in values[1:]:
        if compare(value, best) * sign > 0:
            best = value
    return best

