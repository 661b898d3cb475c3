"""Aggregation array, set and object operators: element access, $filter/$map/$reduce, $zip, the $set*
family, $mergeObjects, $objectToArray/$arrayToObject and $getField.

Registered in ``expr.OPERATORS`` on import; messages and codes follow the server's for the common misuses.
Set operators compare elements by BSON equality (``compare.order_key``).
"""

from __future__ import annotations

from typing import Any

from mongosim.errors import CommandError
from mongosim.query.compare import MISSING, number_value, order_key, type_name, values_equal
from mongosim.query.expr import OPERATORS, Vars, args_list, evaluate, fixed_args, null_if_missing, nullish, op, truthy


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
    if nullish(array) or nullish(index):
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
        if nullish(array):
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
        if nullish(value):
            return None
        if not isinstance(value, list):
            raise CommandError(28664, f"$concatArrays only supports arrays, not {type_name(value)}")
        out.extend(value)
    return out


@op("$reverseArray")
def _reverse_array(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$reverseArray", arg, 1, doc, variables)
    if nullish(value):
        return None
    return list(reversed(_array_arg("$reverseArray", value, 34435)))


@op("$slice")
def _slice(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    if nullish(values[0]):
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
    if nullish(array):
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
    if nullish(array):
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
    if nullish(array):
        return None
    name = arg.get("as", "this")
    return [null_if_missing(evaluate(arg.get("in"), doc, _bind(variables, name, e)))
            for e in _array_arg("$map", array, 16883)]


@op("$reduce")
def _reduce(arg: Any, doc: Any, variables: Vars) -> Any:
    array = evaluate(arg.get("input"), doc, variables)
    if nullish(array):
        return None
    value = evaluate(arg.get("initialValue"), doc, variables)
    for element in _array_arg("$reduce", array, 40080):
        scope = _bind(_bind(variables, "this", element), "value", value)
        value = evaluate(arg.get("in"), doc, scope)
    return value


@op("$zip")
def _zip(arg: Any, doc: Any, variables: Vars) -> Any:
    inputs = [evaluate(a, doc, variables) for a in arg.get("inputs", [])]
    if any(nullish(i) for i in inputs):
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
    if any(nullish(v) for v in values):
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



# ---------------------------------------------------------------------------------------------- objects
@op("$mergeObjects")
def _merge_objects(arg: Any, doc: Any, variables: Vars) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for value in args_list(arg, doc, variables):
        if nullish(value):
            continue
        if not isinstance(value, dict):
            raise CommandError(40400, f"$mergeObjects requires object inputs, but input {value!r} is of type "
                               f"{type_name(value)}")
        out.update(value)
    return out


@op("$objectToArray")
def _object_to_array(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$objectToArray", arg, 1, doc, variables)
    if nullish(value):
        return None
    if not isinstance(value, dict):
        raise CommandError(40390, f"$objectToArray requires a document input, found: {type_name(value)}")
    return [{"k": k, "v": v} for k, v in value.items()]


@op("$arrayToObject")
def _array_to_object(arg: Any, doc: Any, variables: Vars) -> Any:
    (value,) = fixed_args("$arrayToObject", arg, 1, doc, variables)
    if nullish(value):
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
        return MISSING if nullish(source) else None
    return source.get(field, MISSING)

