"""Aggregation expression operators beyond the core: strings, arrays, sets, objects, types and dates.

Each registers itself in ``expr.OPERATORS``; messages and codes follow the server's for the common misuses.
"""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from typing import Any

from bson.decimal128 import Decimal128
from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, compare, is_number, number_value, order_key, type_name, values_equal
from mongosim.query.expr import OPERATORS, Vars, args_list, evaluate, fixed_args, null_if_missing, op, truthy


def _nullish(value: Any) -> bool:
    return value is None or value is MISSING


# ---------------------------------------------------------------------------------------------- strings
@op("$concat")
def _concat(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    out = []
    for value in values:
        if _nullish(value):
            return None
        if not isinstance(value, str):
            raise CommandError(16702, f"$concat only supports strings, not {type_name(value)}")
        out.append(value)
    return "".join(out)


def _to_string_arg(name: str, value: Any) -> str:
    if _nullish(value):
        return ""
    if isinstance(value, str):
        return value
    if is_number(value) or isinstance(value, dt.datetime):
        return _to_string(value)
    raise CommandError(16007, f"can't convert from BSON type {type_name(value)} to String")


@op("$toLower")
def _to_lower(arg: Any, doc: Any, variables: Vars) -> str:
    return _to_string_arg("$toLower", fixed_args("$toLower", arg, 1, doc, variables)[0]).lower()


@op("$toUpper")
def _to_upper(arg: Any, doc: Any, variables: Vars) -> str:
    return _to_string_arg("$toUpper", fixed_args("$toUpper", arg, 1, doc, variables)[0]).upper()


@op("$strLenCP")
def _str_len_cp(arg: Any, doc: Any, variables: Vars) -> int:
    (value,) = fixed_args("$strLenCP", arg, 1, doc, variables)
    if not isinstance(value, str):
        raise CommandError(34471, f"$strLenCP requires a string argument, found: {type_name(value)}")
    return len(value)


@op("$strLenBytes")
def _str_len_bytes(arg: Any, doc: Any, variables: Vars) -> int:
    (value,) = fixed_args("$strLenBytes", arg, 1, doc, variables)
    if not isinstance(value, str):
        raise CommandError(34473, f"$strLenBytes requires a string argument, found: {type_name(value)}")
    return len(value.encode())


@op("$substrCP")
def _substr_cp(arg: Any, doc: Any, variables: Vars) -> str:
    value, start, length = fixed_args("$substrCP", arg, 3, doc, variables)
    text = _to_string_arg("$substrCP", value)
    start, length = int(number_value(start)), int(number_value(length))
    return text[start:start + length] if length >= 0 else text[start:]


@op("$substr", "$substrBytes")
def _substr_bytes(arg: Any, doc: Any, variables: Vars) -> str:
    value, start, length = fixed_args("$substrBytes", arg, 3, doc, variables)
    data = _to_string_arg("$substrBytes", value).encode()
    start, length = int(number_value(start)), int(number_value(length))
    piece = data[start:start + length] if length >= 0 else data[start:]
    return piece.decode("utf-8", "replace")


@op("$split")
def _split(arg: Any, doc: Any, variables: Vars) -> Any:
    value, sep = fixed_args("$split", arg, 2, doc, variables)
    if _nullish(value):
        return None
    if not isinstance(value, str):
        raise CommandError(40085, f"$split requires an expression that evaluates to a string as a first argument, "
                           f"found: {type_name(value)}")
    if not isinstance(sep, str):
        raise CommandError(40086, "$split requires an expression that evaluates to a string as a second argument, "
                           f"found: {type_name(sep)}")
    if not sep:
        raise CommandError(40087, "$split requires a non-empty separator")
    return value.split(sep)


def _trim(name: str, left: bool, right: bool) -> None:
    def run(arg: Any, doc: Any, variables: Vars) -> Any:
        if not isinstance(arg, dict) or "input" not in arg:
            raise CommandError(50696, f"{name} requires an 'input' parameter")
        value = evaluate(arg["input"], doc, variables)
        if _nullish(value):
            return None
        chars = evaluate(arg["chars"], doc, variables) if "chars" in arg else None
        strip_chars = None if chars is None else str(chars)
        if left and right:
            return value.strip(strip_chars)
        return value.lstrip(strip_chars) if left else value.rstrip(strip_chars)
    OPERATORS[name] = run


_trim("$trim", True, True)
_trim("$ltrim", True, False)
_trim("$rtrim", False, True)


@op("$indexOfCP", "$indexOfBytes")
def _index_of_cp(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    text, sub = values[0], values[1]
    if _nullish(text):
        return None
    start = int(number_value(values[2])) if len(values) > 2 else 0
    end = int(number_value(values[3])) if len(values) > 3 else len(text)
    return text.find(sub, start, end)


@op("$strcasecmp")
def _strcasecmp(arg: Any, doc: Any, variables: Vars) -> int:
    a, b = (_to_string_arg("$strcasecmp", v).upper() for v in fixed_args("$strcasecmp", arg, 2, doc, variables))
    return -1 if a < b else 1 if a > b else 0


def _compile_regex(arg: dict[str, Any], doc: Any, variables: Vars) -> tuple[Any, re.Pattern[str] | None]:
    value = evaluate(arg.get("input"), doc, variables)
    regex = evaluate(arg.get("regex"), doc, variables)
    options = evaluate(arg.get("options", ""), doc, variables)
    if _nullish(regex):
        return value, None
    if isinstance(regex, Regex):
        options = (options or "") + str(regex.flags if isinstance(regex.flags, str) else "")
        regex = regex.pattern
    elif isinstance(regex, re.Pattern):
        regex = regex.pattern
    flags = 0
    for letter in options or "":
        flags |= {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL, "x": re.VERBOSE}.get(letter, 0)
    return value, re.compile(regex, flags)


@op("$regexMatch")
def _regex_match(arg: Any, doc: Any, variables: Vars) -> bool:
    value, pattern = _compile_regex(arg, doc, variables)
    return isinstance(value, str) and pattern is not None and pattern.search(value) is not None


@op("$regexFind")
def _regex_find(arg: Any, doc: Any, variables: Vars) -> Any:
    value, pattern = _compile_regex(arg, doc, variables)
    if not isinstance(value, str) or pattern is None:
        return None
    found = pattern.search(value)
    if found is None:
        return None
    return {"match": found.group(0), "idx": len(value[:found.start()]), "captures": list(found.groups())}


@op("$replaceAll")
def _replace(arg: Any, doc: Any, variables: Vars) -> Any:
    value = evaluate(arg.get("input"), doc, variables)
    find = evaluate(arg.get("find"), doc, variables)
    replacement = evaluate(arg.get("replacement"), doc, variables)
    if _nullish(value) or _nullish(find) or _nullish(replacement):
        return None
    return value.replace(find, replacement)


def _replace_one(arg: Any, doc: Any, variables: Vars) -> Any:
    value = evaluate(arg.get("input"), doc, variables)
    find = evaluate(arg.get("find"), doc, variables)
    replacement = evaluate(arg.get("replacement"), doc, variables)
    if _nullish(value) or _nullish(find) or _nullish(replacement):
        return None
    return value.replace(find, replacement, 1)


OPERATORS["$replaceOne"] = _replace_one


# ---------------------------------------------------------------------------------------------- arrays
def _array_arg(name: str, value: Any, code: int) -> list[Any]:
    if not isinstance(value, list):
        raise CommandError(code, f"The argument to {name} must be an array. Type of argument was: {type_name(value)}")
    return value


@op("$size")
def _size(arg: Any, doc: Any, variables: Vars) -> int:
    (value,) = fixed_args("$size", arg, 1, doc, variables)
    return len(_array_arg("$size", value, 17124))


@op("$isArray")
def _is_array(arg: Any, doc: Any, variables: Vars) -> bool:
    return isinstance(fixed_args("$isArray", arg, 1, doc, variables)[0], list)


@op("$arrayElemAt")
def _array_elem_at(arg: Any, doc: Any, variables: Vars) -> Any:
    array, index = fixed_args("$arrayElemAt", arg, 2, doc, variables)
    if _nullish(array) or _nullish(index):
        return None
    if not isinstance(array, list):
        raise CommandError(28689, f"$arrayElemAt's first argument must be an array, but is {type_name(array)}")
    i = int(number_value(index))
    if -len(array) <= i < len(array):
        return array[i]
    return MISSING


def _first_last(name: str, position: int) -> None:
    def run(arg: Any, doc: Any, variables: Vars) -> Any:
        (array,) = fixed_args(name, arg, 1, doc, variables)
        if _nullish(array):
            return None
        if not isinstance(array, list):
            raise CommandError(28689, f"{name}'s argument must be an array, but is {type_name(array)}")
        return array[position] if array else MISSING
    OPERATORS[name] = run


_first_last("$first", 0)
_first_last("$last", -1)


@op("$in")
def _in(arg: Any, doc: Any, variables: Vars) -> bool:
    value, array = fixed_args("$in", arg, 2, doc, variables)
    if not isinstance(array, list):
        raise CommandError(40081, f"$in requires an array as a second argument, found: {type_name(array)}")
    needle = null_if_missing(value)
    return any(values_equal(needle, e) for e in array)


@op("$concatArrays")
def _concat_arrays(arg: Any, doc: Any, variables: Vars) -> Any:
    out: list[Any] = []
    for value in args_list(arg, doc, variables):
        if _nullish(value):
            return None
        if not isinstance(value, list):
            raise CommandError(28664, f"$concatArrays only supports arrays, not {type_name(value)}")
        out.extend(value)
    return out


@op("$reverseArray")
def _reverse_array(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$reverseArray", arg, 1, doc, variables)
    if _nullish(value):
        return None
    return list(reversed(_array_arg("$reverseArray", value, 34435)))


@op("$slice")
def _slice(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    if _nullish(values[0]):
        return None
    array = _array_arg("$slice", values[0], 28724)
    if len(values) == 2:
        n = int(number_value(values[1]))
        return array[:n] if n >= 0 else array[n:]
    start, n = int(number_value(values[1])), int(number_value(values[2]))
    if start < 0:
        start = max(0, len(array) + start)
    return array[start:start + n]


@op("$range")
def _range(arg: Any, doc: Any, variables: Vars) -> list[int]:
    values = args_list(arg, doc, variables)
    step = int(number_value(values[2])) if len(values) > 2 else 1
    if step == 0:
        raise CommandError(34449, "$range requires a non-zero step value")
    return list(range(int(number_value(values[0])), int(number_value(values[1])), step))


@op("$indexOfArray")
def _index_of_array(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    array = values[0]
    if _nullish(array):
        return None
    start = int(number_value(values[2])) if len(values) > 2 else 0
    end = int(number_value(values[3])) if len(values) > 3 else len(array)
    for i in range(start, min(end, len(array))):
        if values_equal(array[i], null_if_missing(values[1])):
            return i
    return -1


def _bind(variables: Vars, name: str, value: Any) -> Vars:
    scope = dict(variables)
    scope[name] = value
    return scope


@op("$filter")
def _filter(arg: Any, doc: Any, variables: Vars) -> Any:
    array = evaluate(arg.get("input"), doc, variables)
    if _nullish(array):
        return None
    name = arg.get("as", "this")
    limit = evaluate(arg["limit"], doc, variables) if "limit" in arg else None
    out = []
    for element in _array_arg("$filter", array, 28651):
        if truthy(evaluate(arg.get("cond"), doc, _bind(variables, name, element))):
            out.append(element)
            if limit is not None and len(out) >= int(number_value(limit)):
                break
    return out


@op("$map")
def _map(arg: Any, doc: Any, variables: Vars) -> Any:
    array = evaluate(arg.get("input"), doc, variables)
    if _nullish(array):
        return None
    name = arg.get("as", "this")
    return [null_if_missing(evaluate(arg.get("in"), doc, _bind(variables, name, e)))
            for e in _array_arg("$map", array, 16883)]


@op("$reduce")
def _reduce(arg: Any, doc: Any, variables: Vars) -> Any:
    array = evaluate(arg.get("input"), doc, variables)
    if _nullish(array):
        return None
    value = evaluate(arg.get("initialValue"), doc, variables)
    for element in _array_arg("$reduce", array, 40080):
        scope = _bind(_bind(variables, "this", element), "value", value)
        value = evaluate(arg.get("in"), doc, scope)
    return value


@op("$zip")
def _zip(arg: Any, doc: Any, variables: Vars) -> Any:
    inputs = [evaluate(a, doc, variables) for a in arg.get("inputs", [])]
    if any(_nullish(i) for i in inputs):
        return None
    longest = bool(arg.get("useLongestLength"))
    defaults = arg.get("defaults") or []
    size = max(map(len, inputs)) if longest else min(map(len, inputs))
    return [[i[k] if k < len(i) else (defaults[j] if j < len(defaults) else None) for j, i in enumerate(inputs)]
            for k in range(size)]


# ---------------------------------------------------------------------------------------------- sets
def _distinct(values: list[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for value in values:
        key = order_key(value)
        if key not in seen:
            seen.add(key)
            out.append(value)
    return out


def _set_args(name: str, arg: Any, doc: Any, variables: Vars) -> list[Any] | None:
    values = args_list(arg, doc, variables)
    if any(_nullish(v) for v in values):
        return None
    for v in values:
        if not isinstance(v, list):
            raise CommandError(17044, f"All operands of {name} must be arrays. One argument is of type: "
                               f"{type_name(v)}")
    return values


@op("$setUnion")
def _set_union(arg: Any, doc: Any, variables: Vars) -> Any:
    values = _set_args("$setUnion", arg, doc, variables)
    return None if values is None else _distinct([e for v in values for e in v])


@op("$setIntersection")
def _set_intersection(arg: Any, doc: Any, variables: Vars) -> Any:
    values = _set_args("$setIntersection", arg, doc, variables)
    if values is None:
        return None
    if not values:
        return []
    common = {order_key(e) for e in values[0]}
    for v in values[1:]:
        common &= {order_key(e) for e in v}
    return [e for e in _distinct(values[0]) if order_key(e) in common]


@op("$setDifference")
def _set_difference(arg: Any, doc: Any, variables: Vars) -> Any:
    values = _set_args("$setDifference", arg, doc, variables)
    if values is None:
        return None
    other = {order_key(e) for e in values[1]}
    return [e for e in _distinct(values[0]) if order_key(e) not in other]


@op("$setEquals")
def _set_equals(arg: Any, doc: Any, variables: Vars) -> bool:
    values = _set_args("$setEquals", arg, doc, variables) or []
    sets = [{order_key(e) for e in v} for v in values]
    return all(s == sets[0] for s in sets)


@op("$setIsSubset")
def _set_is_subset(arg: Any, doc: Any, variables: Vars) -> bool:
    a, b = _set_args("$setIsSubset", arg, doc, variables) or ([], [])
    return {order_key(e) for e in a} <= {order_key(e) for e in b}


@op("$anyElementTrue")
def _any_element_true(arg: Any, doc: Any, variables: Vars) -> bool:
    (array,) = fixed_args("$anyElementTrue", arg if not (isinstance(arg, list) and len(arg) == 1) else arg[0:1],
                          1, doc, variables)
    return any(truthy(e) for e in array)


@op("$allElementsTrue")
def _all_elements_true(arg: Any, doc: Any, variables: Vars) -> bool:
    (array,) = fixed_args("$allElementsTrue", arg if not (isinstance(arg, list) and len(arg) == 1) else arg[0:1],
                          1, doc, variables)
    return all(truthy(e) for e in array)


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
    from mongosim.query.expr import _mixed, numeric_result

    numbers = _numbers(values)
    if not numbers:
        return 0
    return numeric_result(sum(_mixed(numbers)), numbers)


@op("$avg")
def _avg(arg: Any, doc: Any, variables: Vars) -> Any:
    return avg_values(_expr_values(arg, doc, variables))


def avg_values(values: list[Any]) -> Any:
    from mongosim.query.expr import _mixed

    numbers = _numbers(values)
    if not numbers:
        return None
    total = sum(_mixed(numbers))
    if isinstance(total, Decimal):
        return Decimal128(total / len(numbers))
    return float(total) / len(numbers)


@op("$min")
def _min(arg: Any, doc: Any, variables: Vars) -> Any:
    return extreme([v for v in _expr_values(arg, doc, variables) if not _nullish(v)], -1)


@op("$max")
def _max(arg: Any, doc: Any, variables: Vars) -> Any:
    return extreme([v for v in _expr_values(arg, doc, variables) if not _nullish(v)], 1)


def extreme(values: list[Any], sign: int) -> Any:
    if not values:
        return None
    best = values[0]
    for value in values[1:]:
        if compare(value, best) * sign > 0:
            best = value
    return best


# ---------------------------------------------------------------------------------------------- objects
@op("$mergeObjects")
def _merge_objects(arg: Any, doc: Any, variables: Vars) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in args_list(arg, doc, variables):
        if _nullish(value):
            continue
        if not isinstance(value, dict):
            raise CommandError(40400, f"$mergeObjects requires object inputs, but input {value!r} is of type "
                               f"{type_name(value)}")
        out.update(value)
    return out


@op("$objectToArray")
def _object_to_array(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$objectToArray", arg, 1, doc, variables)
    if _nullish(value):
        return None
    if not isinstance(value, dict):
        raise CommandError(40390, f"$objectToArray requires a document input, found: {type_name(value)}")
    return [{"k": k, "v": v} for k, v in value.items()]


@op("$arrayToObject")
def _array_to_object(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$arrayToObject", arg, 1, doc, variables)
    if _nullish(value):
        return None
    out: dict[str, Any] = {}
    for pair in _array_arg("$arrayToObject", value, 40386):
        if isinstance(pair, dict):
            out[pair["k"]] = pair["v"]
        else:
            out[pair[0]] = pair[1]
    return out


@op("$getField")
def _get_field(arg: Any, doc: Any, variables: Vars) -> Any:
    if isinstance(arg, dict) and "field" in arg:
        field = evaluate(arg["field"], doc, variables)
        source = evaluate(arg.get("input", "$$CURRENT"), doc, variables)
    else:
        field, source = evaluate(arg, doc, variables), variables.get("CURRENT", doc)
    if not isinstance(source, dict):
        return MISSING if _nullish(source) else None
    return source.get(field, MISSING)


# Type conversion and date operators register themselves on import.
from mongosim.query import expr_types  # noqa: E402,F401
from mongosim.query.expr_types import _to_string  # noqa: E402
