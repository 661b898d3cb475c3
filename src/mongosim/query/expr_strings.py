"""Aggregation string operators: $concat, case, lengths, substrings, $split, trims, $indexOf*, $strcasecmp,
the $regex* family and $replaceOne/$replaceAll.

Registered in ``expr.OPERATORS`` on import; messages and codes follow the server's for the common misuses.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from bson.regex import Regex

from mongosim.errors import CommandError
from mongosim.query.compare import is_number, number_value, type_name
from mongosim.query.expr import OPERATORS, Vars, args_list, evaluate, fixed_args, nullish, op
from mongosim.query.expr_types import to_string


@op("$concat")
def _concat(arg: Any, doc: Any, variables: Vars) -> Any:
    values = args_list(arg, doc, variables)
    out = []
    for value in values:
        if nullish(value):
            return None
        if not isinstance(value, str):
            raise CommandError(16702, f"$concat only supports strings, not {type_name(value)}")
        out.append(value)
    return "".join(out)


def _to_string_arg(name: str, value: Any) -> str:
    if nullish(value):
        return ""
    if isinstance(value, str):
        return value
    if is_number(value) or isinstance(value, dt.datetime):
        return to_string(value)
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
    if nullish(value):
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
        if nullish(value):
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
    if nullish(text):
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
    if nullish(regex):
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
    if nullish(value) or nullish(find) or nullish(replacement):
        return None
    return value.replace(find, replacement)


def _replace_one(arg: Any, doc: Any, variables: Vars) -> Any:
    value = evaluate(arg.get("input"), doc, variables)
    find = evaluate(arg.get("find"), doc, variables)
    replacement = evaluate(arg.get("replacement"), doc, variables)
    if nullish(value) or nullish(find) or nullish(replacement):
        return None
    return value.replace(find, replacement, 1)


OPERATORS["$replaceOne"] = _replace_one
