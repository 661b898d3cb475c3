"""Aggregation expression operators for types and dates: $type, $isNumber, $convert and the $to* family,
date parts, $dateToString, $rand. Registered in ``expr.OPERATORS`` on import."""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from bson.decimal128 import Decimal128
from bson.int64 import Int64
from bson.objectid import ObjectId

from mongosim.errors import CommandError
from mongosim.query.compare import is_number, number_value, type_name
from mongosim.query.expr import OPERATORS, Vars, evaluate, fixed_args, nullish, op, truthy


# ---------------------------------------------------------------------------------------------- types
@op("$type")
def _type(arg: Any, doc: Any, variables: Vars) -> str:
    return type_name(fixed_args("$type", arg, 1, doc, variables)[0])


@op("$isNumber")
def _is_number(arg: Any, doc: Any, variables: Vars) -> bool:
    value = fixed_args("$isNumber", arg, 1, doc, variables)[0]
    return is_number(value) and not isinstance(value, bool)


def to_string(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value) if value != int(value) or abs(value) >= 1e16 else str(int(value))
    if isinstance(value, dt.datetime):
        return value.strftime("%Y-%m-%dT%H:%M:%S.") + f"{value.microsecond // 1000:03d}Z"
    if isinstance(value, Decimal128):
        return str(value.to_decimal())
    return str(value)


def _convert(value: Any, target: str) -> Any:
    if nullish(value):
        return None
    if target == "string":
        return to_string(value)
    if target == "bool":
        return truthy(value)
    if target in ("int", "long"):
        if isinstance(value, str):
            try:
                number = int(value)
            except ValueError as exc:
                raise CommandError(241, f"Failed to parse number '{value}' in $convert with no onError value: "
                                   "Did not consume whole string.") from exc
        elif isinstance(value, dt.datetime):
            number = (value - dt.datetime(1970, 1, 1)) // dt.timedelta(milliseconds=1)
        else:
            number = int(number_value(value))
        return Int64(number) if target == "long" else number
    if target == "double":
        if isinstance(value, str):
            try:
                return float(value)
            except ValueError as exc:
                raise CommandError(241, f"Failed to parse number '{value}' in $convert with no onError value: "
                                   "Did not consume whole string.") from exc
        return float(number_value(value))
    if target == "decimal":
        return Decimal128(str(number_value(value)))
    if target == "objectId":
        return value if isinstance(value, ObjectId) else ObjectId(value)
    if target == "date":
        if isinstance(value, dt.datetime):
            return value
        if isinstance(value, str):
            return dt.datetime.fromisoformat(value.replace("Z", "+00:00")).replace(tzinfo=None)
        return dt.datetime(1970, 1, 1) + dt.timedelta(milliseconds=int(number_value(value)))
    raise CommandError(2, f"Unknown type name: {target}")


for _name, _target in (("$toString", "string"), ("$toBool", "bool"), ("$toInt", "int"), ("$toLong", "long"),
                       ("$toDouble", "double"), ("$toDecimal", "decimal"), ("$toObjectId", "objectId"),
                       ("$toDate", "date")):
    def _make(target: str, name: str) -> Any:
        def run(arg: Any, doc: Any, variables: Vars) -> Any:
            return _convert(fixed_args(name, arg, 1, doc, variables)[0], target)
        return run
    OPERATORS[_name] = _make(_target, _name)


@op("$convert")
def _convert_op(arg: Any, doc: Any, variables: Vars) -> Any:
    value = evaluate(arg.get("input"), doc, variables)
    target = evaluate(arg.get("to"), doc, variables)
    if isinstance(target, dict):
        target = target.get("type")
    if is_number(target):
        from mongosim.query.compare import TYPE_NAMES

        target = TYPE_NAMES.get(int(number_value(target)), str(target))
    if nullish(value):
        return evaluate(arg["onNull"], doc, variables) if "onNull" in arg else None
    try:
        return _convert(value, target)
    except (CommandError, ValueError, TypeError, ArithmeticError):
        if "onError" in arg:
            return evaluate(arg["onError"], doc, variables)
        raise


# ---------------------------------------------------------------------------------------------- dates
def _date_arg(name: str, arg: Any, doc: Any, variables: Vars) -> Any:
    if isinstance(arg, dict) and "date" in arg:
        value = evaluate(arg["date"], doc, variables)
    else:
        (value,) = fixed_args(name, arg, 1, doc, variables)
    if nullish(value):
        return None
    if not isinstance(value, dt.datetime):
        raise CommandError(16006, f"can't convert from BSON type {type_name(value)} to Date")
    return value


_DATE_PARTS = {
    "$year": lambda d: d.year, "$month": lambda d: d.month, "$dayOfMonth": lambda d: d.day,
    "$hour": lambda d: d.hour, "$minute": lambda d: d.minute, "$second": lambda d: d.second,
    "$millisecond": lambda d: d.microsecond // 1000, "$dayOfYear": lambda d: d.timetuple().tm_yday,
    "$dayOfWeek": lambda d: d.isoweekday() % 7 + 1, "$isoDayOfWeek": lambda d: d.isoweekday(),
    "$isoWeek": lambda d: d.isocalendar()[1], "$isoWeekYear": lambda d: d.isocalendar()[0],
    "$week": lambda d: int(d.strftime("%U")),
}
for _part, _fn in _DATE_PARTS.items():
    def _make_part(name: str, fn: Any) -> Any:
        def run(arg: Any, doc: Any, variables: Vars) -> Any:
            value = _date_arg(name, arg, doc, variables)
            return None if value is None else fn(value)
        return run
    OPERATORS[_part] = _make_part(_part, _fn)

_FORMATS = {"%Y": "%Y", "%m": "%m", "%d": "%d", "%H": "%H", "%M": "%M", "%S": "%S", "%j": "%j", "%%": "%%",
            "%w": "%w", "%U": "%U", "%G": "%G", "%V": "%V", "%u": "%u"}


@op("$dateToString")
def _date_to_string(arg: Any, doc: Any, variables: Vars) -> Any:
    value = evaluate(arg.get("date"), doc, variables)
    if nullish(value):
        return evaluate(arg["onNull"], doc, variables) if "onNull" in arg else None
    fmt = evaluate(arg.get("format", "%Y-%m-%dT%H:%M:%S.%LZ"), doc, variables)
    out = []
    i = 0
    while i < len(fmt):
        if fmt[i] == "%" and i + 1 < len(fmt):
            spec = fmt[i:i + 2]
            if spec == "%L":
                out.append(f"{value.microsecond // 1000:03d}")
            elif spec == "%w":
                out.append(str(value.isoweekday() % 7 + 1))
            elif spec in _FORMATS:
                out.append(value.strftime(_FORMATS[spec]))
            else:
                raise CommandError(18536, f"Invalid format character '{spec}' in format string")
            i += 2
        else:
            out.append(fmt[i])
            i += 1
    return "".join(out)


@op("$rand")
def _rand(arg: Any, doc: Any, variables: Vars) -> float:
    return random.random()
